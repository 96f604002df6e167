"""Leak-matrix planters for public legal services: one object of each scoped model in office B."""

import datetime

from django.utils import timezone

from fengqiao.testing.leak import MARKER, planter

from . import codes


def _service(world):
    from .models import ServiceRecord

    found = ServiceRecord.objects.filter(office=world.office_b, person_name=f"{MARKER}甲").first()
    return found or _plant_service(world)


@planter("legalservices.ServiceRecord")
def _plant_service(world):
    from . import services

    # A referral, open and not yet due: every step is possible on it, so the matrix tries them all.
    return services.service_register(
        actor=world.director_b,
        kind=codes.Kind.REFERRAL,
        office=world.office_b,
        village=world.village_b1,
        received_on=timezone.localdate(),
        person_name=f"{MARKER}甲",
        person_phone="13912340000",
        category=codes.Category.LABOUR,
        question=f"{MARKER}拖欠工资，申请法律援助",
        referral_to=codes.ReferralTo.LEGAL_AID,
        receiving_body=f"{MARKER}法律援助中心",
    )


@planter("legalservices.ServiceEvent")
def _plant_event(world):
    from .models import ServiceEvent

    # The registration event: a new event through a step would change the planted service.
    return ServiceEvent.objects.filter(service=_service(world)).first()


@planter("legalservices.Complaint")
def _plant_complaint(world):
    from . import services

    return services.complaint_register(
        actor=world.director_b,
        office=world.office_b,
        received_on=timezone.localdate() - datetime.timedelta(days=0),
        complainant=f"{MARKER}乙",
        complainant_phone="13912340001",
        content=f"{MARKER}投诉咨询答复不及时",
        service=_service(world),
    )
