"""Leak-matrix planters for the service network: one object of each scoped model in office B."""

import datetime

from django.utils import timezone

from fengqiao.testing.leak import MARKER, planter

from . import codes


def _point(world):
    from .models import ServicePoint

    found = ServicePoint.objects.filter(office=world.office_b, name=f"{MARKER}站").first()
    return found or _plant_point(world)


def _advisor(world):
    from fengqiao.accounts.models import User
    from fengqiao.core.permissions import Role
    from fengqiao.testing.factories import make_user

    found = User.objects.filter(username=f"{MARKER.lower()}_advisor").first()
    return found or make_user(
        world.village_b1,
        Role.LEGAL_ADVISOR,
        username=f"{MARKER.lower()}_advisor",
        full_name=f"{MARKER}顾问",
        served_villages=[world.village_b1],
    )


@planter("legalnet.ServicePoint")
def _plant_point(world):
    from . import services

    return services.point_open(
        actor=world.director_b,
        office=world.office_b,
        kind=codes.PointKind.LEGAL_AID,
        name=f"{MARKER}站",
        partner=f"{MARKER}法律援助中心",
        hours="工作日 9:00-17:00",
        address=f"{MARKER}路1号",
        opened_on=timezone.localdate() - datetime.timedelta(days=100),
    )


@planter("legalnet.PointStaff")
def _plant_staff(world):
    from . import services

    return services.staff_add(
        actor=world.director_b,
        point=_point(world),
        name=f"{MARKER}值班员",
        phone="13912340001",
        since=timezone.localdate() - datetime.timedelta(days=50),
    )


@planter("legalnet.AdvisorAssignment")
def _plant_assignment(world):
    from . import services

    return services.advisor_assign(
        actor=world.director_b,
        village=world.village_b2,
        advisor=_advisor(world),
        started_on=timezone.localdate() - datetime.timedelta(days=30),
        note=f"{MARKER}聘任",
    )


@planter("legalnet.WorkLog")
def _plant_log(world):
    from . import services

    return services.worklog_add(
        actor=world.director_b,
        village=world.village_b1,
        advisor=_advisor(world),
        date=timezone.localdate() - datetime.timedelta(days=2),
        consultations=2,
        note=f"{MARKER}咨询",
    )
