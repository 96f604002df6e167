"""Leak-matrix planters for mediation: one object of each scoped model in office B."""

import datetime

from fengqiao.testing.leak import MARKER, planter

from . import codes


def _committee(world):
    from .models import Committee

    return Committee.objects.get_or_create(
        org=world.office_b, name=f"{MARKER}调委会", defaults={"committee_type": codes.CommitteeType.TOWN}
    )[0]


@planter("mediation.Committee")
def _plant_committee(world):
    return _committee(world)


@planter("mediation.Mediator")
def _plant_mediator(world):
    from .models import Mediator

    m = Mediator.objects.create(org=world.office_b, full_name=f"{MARKER}调解员", full_time=True)
    m.committees.add(_committee(world))
    return m


@planter("mediation.Dispute")
def _plant_dispute(world):
    from . import services

    return services.dispute_register(
        actor=world.director_b,
        org=world.village_b1,
        channel=codes.Channel.VISIT,
        event_type="0201",
        summary=f"{MARKER}纠纷",
        description=f"{MARKER} 的描述",
        received_on=datetime.date(2026, 1, 5),
        parties=[
            {"side": "applicant", "name": f"{MARKER}甲", "phone": "13812345678"},
            {"side": "respondent", "name": f"{MARKER}乙"},
        ],
    )


def _dispute(world):
    from .models import Dispute

    found = Dispute.objects.filter(office=world.office_b, summary=f"{MARKER}纠纷").first()
    return found or _plant_dispute(world)


@planter("mediation.Referral")
def _plant_referral(world):
    from .models import Referral

    d = _dispute(world)
    return Referral.objects.create(
        dispute=d,
        org_id=d.org_id,
        channel=codes.LinkageChannel.LITIGATION,
        receiving_body=f"{MARKER}法院",
        referred_on=datetime.date(2026, 2, 1),
        reason=f"{MARKER}原因",
    )


@planter("mediation.JudicialConfirmation")
def _plant_confirmation(world):
    from .models import JudicialConfirmation

    d = _dispute(world)
    return JudicialConfirmation.objects.create(
        dispute=d, org_id=d.org_id, court=f"{MARKER}法院", applied_on=datetime.date(2026, 2, 1)
    )


@planter("mediation.RiskFlag")
def _plant_flag(world):
    from .models import RiskFlag

    d = _dispute(world)
    return RiskFlag.objects.create(
        dispute=d,
        org_id=d.org_id,
        kind=codes.RiskKind.AMOUNT,
        level=codes.RiskLevel.RED,
        reasons=[{"code": "amount", "amount": MARKER}],
    )


@planter("mediation.ScreeningRound")
def _plant_screening(world):
    from .models import ScreeningRound

    return ScreeningRound.objects.create(
        org=world.village_b1,
        period_from=datetime.date(2026, 1, 1),
        period_to=datetime.date(2026, 1, 31),
        held_on=datetime.date(2026, 2, 1),
        participants=f"{MARKER}网格员",
        findings=f"{MARKER}发现",
    )


@planter("mediation.MajorIncident")
def _plant_incident(world):
    from .models import MajorIncident

    return MajorIncident.objects.create(
        org=world.office_b,
        occurred_on=datetime.date(2026, 2, 1),
        title=f"{MARKER}事件",
        description=f"{MARKER}经过",
        people_count=60,
    )


@planter("mediation.MediationPeriod")
def _plant_period(world):
    from .models import MediationPeriod

    return MediationPeriod.objects.create(org=world.office_b, code="02", days=21)


@planter("mediation.MediatorTraining")
def _plant_training(world):
    from .models import Mediator, MediatorTraining

    mediator = Mediator.objects.filter(office=world.office_b).first() or _plant_mediator(world)
    return MediatorTraining.objects.create(
        org=world.office_b, mediator=mediator, held_on=datetime.date(2026, 3, 1), title=f"{MARKER}培训", hours=4
    )


@planter("mediation.Designation")
def _plant_designation(world):
    from .models import Designation

    return Designation.objects.create(
        org=world.office_b,
        kind=codes.HonourKind.STUDIO,
        level=codes.HonourLevel.CITY,
        year=2025,
        committee=_committee(world),
        studio_name=f"{MARKER}工作室",
    )
