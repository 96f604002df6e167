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
