"""Leak-matrix planters for resettlement: one object of each scoped model in office B."""

import datetime

from django.utils import timezone

from fengqiao.testing.leak import MARKER, planter

from . import codes


def _person(world):
    from .models import ReleasedPerson

    found = ReleasedPerson.objects.filter(office=world.office_b, name=f"{MARKER}甲").first()
    return found or _plant_person(world)


@planter("resettlement.ReleasedPerson")
def _plant_person(world):
    from fengqiao.testing.factories import valid_id_number

    from . import services

    today = timezone.localdate()
    return services.person_register(
        actor=world.director_b,
        org=world.village_b1,
        name=f"{MARKER}甲",
        gender=codes.Gender.MALE,
        id_number=valid_id_number("32028119800101777"),
        phone="13912340000",
        address=f"{MARKER}路1号",
        offence=f"{MARKER}盗窃罪",
        prison="江苏省苏州监狱",
        released_on=today - datetime.timedelta(days=200),
        handover_on=today - datetime.timedelta(days=199),
        employment=codes.Employment.UNEMPLOYED,
        housing=codes.Housing.FAMILY,
        assistance=codes.Assistance.NONE,
        level=codes.Level.KEY,
        level_reason=f"{MARKER}评估",
    )


@planter("resettlement.HelpRecord")
def _plant_help(world):
    from . import services

    # Employment help rather than a visit: a visit would move the person's last contact, and the
    # matrix compares the planted person with what it finds afterwards.
    return services.help_record_add(
        actor=world.director_b,
        person=_person(world),
        kind=codes.HelpKind.EMPLOYMENT,
        date=timezone.localdate() - datetime.timedelta(days=3),
        note=f"{MARKER}走访",
    )


@planter("resettlement.LevelChange")
def _plant_level_change(world):
    from .models import LevelChange

    return LevelChange.objects.filter(person=_person(world)).first()
