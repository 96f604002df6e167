"""Leak-matrix planters for legal education: one object of each scoped model in office B."""

import datetime

from django.utils import timezone

from fengqiao.testing.leak import MARKER, planter

from . import codes


def _today():
    return timezone.localdate()


def _station(world):
    from .models import Station

    return Station.objects.filter(office=world.office_b).first() or _plant_station(world)


def _village(world):
    from .models import DemoVillage

    return DemoVillage.objects.filter(org=world.village_b1).first() or _plant_village(world)


@planter("education.Station")
def _plant_station(world):
    from . import services

    return services.station_set_up(
        actor=world.director_b,
        office=world.office_b,
        name=f"{MARKER}法治宣传教育辅导站",
        address=f"{MARKER}路2号",
        set_up_on=_today() - datetime.timedelta(days=400),
        note=f"{MARKER}备注",
    )


@planter("education.StationStaff")
def _plant_staff(world):
    from . import services

    return services.staff_add(
        actor=world.director_b,
        station=_station(world),
        name=f"{MARKER}专职",
        employment=codes.Employment.FULL_TIME,
        start_on=_today() - datetime.timedelta(days=300),
        duty=f"{MARKER}宣讲",
    )


@planter("education.Activity")
def _plant_activity(world):
    from . import services

    return services.activity_record(
        actor=world.director_b,
        org=world.village_b1,
        topic=f"{MARKER}民法典宣讲",
        form=codes.Form.LECTURE,
        venue=f"{MARKER}村委会",
        date=_today() - datetime.timedelta(days=5),
        audience=codes.Audience.VILLAGERS,
        reached=60,
        department=f"{MARKER}派出所",
        record=f"{MARKER}记录",
    )


@planter("education.DemoVillage")
def _plant_village(world):
    from . import services

    return services.village_nominate(
        actor=world.director_b,
        org=world.village_b1,
        target_level=codes.Level.COUNTY,
        nominated_on=_today() - datetime.timedelta(days=30),
        note=f"{MARKER}创建",
    )


@planter("education.VillageEvent")
def _plant_event(world):
    from .models import VillageEvent

    return VillageEvent.objects.filter(village=_village(world)).first()
