"""Legal-education services: the station and its staff, activities, the demonstration-village
state machine, and that every refusal changes nothing."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from fengqiao.core.errors import Conflict, DomainError, Forbidden
from fengqiao.core.models import AuditEvent
from fengqiao.core.permissions import Role
from fengqiao.education import codes, services
from fengqiao.education.models import Activity, DemoVillage, Station, StationStaff, VillageEvent
from fengqiao.testing.factories import make_user

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def station(world, actor=None, **overrides):
    data = {
        "actor": actor or world.director_a,
        "office": world.office_a,
        "name": "甲镇法治宣传教育辅导站",
        "address": "甲镇人民路1号",
        "set_up_on": TODAY - 400 * DAY,
    }
    data.update(overrides)
    return services.station_set_up(**data)


def activity(world, actor=None, **overrides):
    data = {
        "actor": actor or world.director_a,
        "org": world.village_a1,
        "topic": "民法典进村居",
        "form": codes.Form.LECTURE,
        "venue": "甲一村村委会会议室",
        "date": TODAY - DAY,
        "audience": codes.Audience.VILLAGERS,
        "reached": 80,
        "department": "",
        "record": "讲解婚姻家庭编。",
    }
    data.update(overrides)
    return services.activity_record(**data)


def nominate(world, actor=None, **overrides):
    data = {
        "actor": actor or world.director_a,
        "org": world.village_a1,
        "target_level": codes.Level.COUNTY,
        "nominated_on": datetime.date(TODAY.year - 3, 3, 1),
    }
    data.update(overrides)
    return services.village_nominate(**data)


@pytest.fixture
def officer_a(world):
    return make_user(world.office_a, Role.EDUCATION_OFFICER, username="edu_a", full_name="普法甲")


def state():
    return (
        Station.objects.count(),
        list(StationStaff.objects.order_by("pk").values_list("name", "employment", "end_on")),
        list(Activity.objects.order_by("pk").values_list("topic", "org_id", "reached", "date")),
        list(DemoVillage.objects.order_by("pk").values_list("status", "level", "designated_year")),
        VillageEvent.objects.count(),
        AuditEvent.objects.count(),
    )


def refused(fn, *, field=None, code=None, **kwargs):
    before = state()
    with pytest.raises(DomainError) as info:
        fn(**kwargs)
    assert state() == before
    if field is not None:
        assert info.value.field == field, info.value
    if code is not None:
        assert info.value.code == code, info.value
    return info.value


# --- station and staff -------------------------------------------------------------------------------


def test_station_set_up_once_per_office_with_audit(world):
    s = station(world)
    assert s.office_id == world.office_a.pk and s.org_id == world.office_a.pk
    assert AuditEvent.objects.filter(action="education.station_set_up", object_id=str(s.pk)).exists()
    refused(station, world=world, code="duplicate", field="office")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": " "}, "name"),
        ({"address": ""}, "address"),
        ({"set_up_on": TODAY + DAY}, "set_up_on"),
        ({"set_up_on": None}, "set_up_on"),
    ],
)
def test_station_bad_input_is_refused(world, overrides, field):
    refused(station, world=world, field=field, **overrides)


def test_station_needs_an_office_in_scope(world):
    refused(station, world=world, field="office", office=world.village_a1)
    with pytest.raises(Forbidden):
        station(world, office=world.office_b)
    assert Station.objects.count() == 0


def test_staff_add_and_end(world, officer_a):
    s = station(world)
    member = services.staff_add(
        actor=world.director_a, station=s, user=officer_a, employment=codes.Employment.FULL_TIME, start_on=TODAY - DAY
    )
    assert member.name == "普法甲" and member.office_id == world.office_a.pk and member.in_post_on(TODAY)
    volunteer = services.staff_add(
        actor=world.director_a, station=s, name="王志愿", employment=codes.Employment.PART_TIME, start_on=TODAY
    )
    assert volunteer.user is None
    services.staff_end(actor=world.director_a, staff=member, end_on=TODAY, note="调任")
    member.refresh_from_db()
    assert member.end_on == TODAY and member.end_note == "调任"
    refused(services.staff_end, actor=world.director_a, staff=member, end_on=TODAY, code="illegal_transition")


def test_staff_bad_input_is_refused(world, officer_a):
    s = station(world)
    other = make_user(world.office_b, Role.EDUCATION_OFFICER, username="edu_b")
    base = {"actor": world.director_a, "station": s, "employment": codes.Employment.FULL_TIME, "start_on": TODAY}
    refused(services.staff_add, **{**base, "user": other}, field="user")
    refused(services.staff_add, **{**base, "name": ""}, field="name")
    refused(services.staff_add, **{**base, "name": "某", "employment": "volunteer"}, field="employment")
    refused(services.staff_add, **{**base, "name": "某", "start_on": TODAY - 500 * DAY}, field="start_on")
    refused(services.staff_add, **{**base, "name": "某", "start_on": TODAY + DAY}, field="start_on")
    member = services.staff_add(**{**base, "user": officer_a})
    refused(services.staff_add, **{**base, "user": officer_a}, code="duplicate")
    # an end before the start
    refused(services.staff_end, actor=world.director_a, staff=member, end_on=TODAY - DAY, field="end_on")


def test_station_update_keeps_staff_consistent_and_refuses_stale_forms(world):
    from fengqiao.core.audit import version_of

    s = station(world)
    services.staff_add(
        actor=world.director_a, station=s, name="某", employment=codes.Employment.FULL_TIME, start_on=TODAY - 10 * DAY
    )
    version = version_of(s)
    services.station_update(actor=world.director_a, station=s, expected_version=version, phone="0510-86000000")
    with pytest.raises(Conflict):
        services.station_update(actor=world.director_a, station=s, expected_version=version, phone="1")
    refused(services.station_update, actor=world.director_a, station=s, set_up_on=TODAY, field="set_up_on")
    assert Station.objects.get().phone == "0510-86000000"


# --- activities --------------------------------------------------------------------------------------


def test_activity_record_by_an_officer_and_an_advisor_in_their_villages(world, officer_a):
    a = activity(world, actor=officer_a, department="公安派出所")
    assert a.office_id == world.office_a.pk and a.led_by_department and a.recorded_by == officer_a
    assert AuditEvent.objects.filter(action="education.activity_record", object_id=str(a.pk)).exists()
    b = activity(world, actor=world.advisor_a, org=world.village_a2)
    assert b.org_id == world.village_a2.pk


def test_activity_in_another_offices_village_is_refused(world, officer_a):
    before = state()
    with pytest.raises(Forbidden):
        activity(world, actor=officer_a, org=world.village_b1)
    with pytest.raises(Forbidden):
        activity(world, actor=world.advisor_a, org=world.office_a)  # the advisor serves villages only
    assert state() == before


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"topic": ""}, "topic"),
        ({"form": "dance"}, "form"),
        ({"venue": "  "}, "venue"),
        ({"date": TODAY + DAY}, "date"),
        ({"date": "2024-01-01"}, "date"),
        ({"audience": "aliens"}, "audience"),
        ({"reached": 0}, "reached"),
        ({"reached": -5}, "reached"),
        ({"reached": codes.MAX_REACHED + 1}, "reached"),
        ({"reached": "many"}, "reached"),
        ({"topic": "长" * 201}, "topic"),
        ({"photo": SimpleUploadedFile("a.exe", b"MZ\x90\x00")}, "photo"),
        ({"photo": SimpleUploadedFile("a.jpg", b"not an image")}, "photo"),
    ],
)
def test_activity_bad_input_is_refused(world, overrides, field):
    refused(activity, world=world, field=field, **overrides)


def test_activity_photo_is_kept(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    a = activity(world, photo=SimpleUploadedFile("现场.png", PNG))
    assert a.photo.name.startswith("education/") and a.photo.read() == PNG


def test_activity_update_and_refusals(world):
    from fengqiao.core.audit import version_of

    a = activity(world)
    version = version_of(a)
    services.activity_update(
        actor=world.director_a, activity=a, expected_version=version, reached=120, org=world.village_a2
    )
    a.refresh_from_db()
    assert (a.reached, a.org_id) == (120, world.village_a2.pk)
    with pytest.raises(Conflict):
        services.activity_update(actor=world.director_a, activity=a, expected_version=version, reached=1)
    refused(services.activity_update, actor=world.city_admin, activity=a, org=world.village_b1, field="org")
    refused(services.activity_update, actor=world.director_a, activity=a, reached=0, field="reached")
    refused(services.activity_update, actor=world.director_a, activity=a, colour="red")
    assert AuditEvent.objects.filter(action="education.activity_update").count() == 1


# --- demonstration villages --------------------------------------------------------------------------


def test_village_lifecycle_keeps_its_history(world):
    v = nominate(world)
    assert v.status == codes.VillageStatus.CANDIDATE and v.office_id == world.office_a.pk
    y = TODAY.year - 3
    v = services.village_designate(
        actor=world.director_a, village=v, level=codes.Level.COUNTY, year=y, date=datetime.date(y, 12, 20)
    )
    assert (v.status, v.level, v.designated_year) == (codes.VillageStatus.DESIGNATED, codes.Level.COUNTY, y)
    v = services.village_designate(
        actor=world.director_a, village=v, level=codes.Level.CITY, year=y + 1, date=datetime.date(y + 1, 11, 1)
    )
    assert v.level == codes.Level.CITY
    v = services.village_review(
        actor=world.director_a, village=v, passed=True, year=y + 2, date=datetime.date(y + 2, 9, 1)
    )
    assert v.status == codes.VillageStatus.DESIGNATED and v.last_review_year == y + 2
    v = services.village_review(
        actor=world.director_a, village=v, passed=False, year=y + 3, date=TODAY, note="发生群体性事件"
    )
    assert v.status == codes.VillageStatus.REVOKED and v.level == codes.Level.CITY
    v = services.village_renominate(actor=world.director_a, village=v, target_level=codes.Level.COUNTY, date=TODAY)
    assert v.status == codes.VillageStatus.CANDIDATE
    steps = list(VillageEvent.objects.filter(village=v).order_by("date", "id").values_list("step", flat=True))
    assert steps == ["nominate", "designate", "designate", "review_pass", "review_fail", "renominate"]
    # after the revocation, a county designation may be given again
    v = services.village_designate(
        actor=world.director_a, village=v, level=codes.Level.COUNTY, year=TODAY.year, date=TODAY
    )
    assert v.status == codes.VillageStatus.DESIGNATED
    assert AuditEvent.objects.filter(action="education.village_step", object_id=str(v.pk)).count() == 6


def test_village_designated_twice_at_a_level_is_refused(world):
    y = TODAY.year - 2
    v = nominate(world)
    v = services.village_designate(
        actor=world.director_a, village=v, level=codes.Level.CITY, year=y, date=datetime.date(y, 12, 1)
    )
    base = {"actor": world.director_a, "village": v, "year": TODAY.year, "date": TODAY}
    refused(services.village_designate, **base, level=codes.Level.CITY, code="duplicate", field="level")
    refused(services.village_designate, **base, level=codes.Level.COUNTY, field="level")  # lower than held
    refused(services.village_designate, **base, level="galactic", field="level")
    refused(services.village_designate, **{**base, "year": y - 1}, level=codes.Level.PROVINCE, field="year")
    refused(services.village_designate, **{**base, "year": TODAY.year + 1}, level=codes.Level.PROVINCE, field="year")
    refused(
        services.village_designate, **{**base, "date": datetime.date(y, 1, 1)}, level=codes.Level.PROVINCE, field="date"
    )


def test_village_illegal_steps_are_refused(world):
    v = nominate(world)
    base = {"actor": world.director_a, "village": v}
    refused(services.village_review, **base, passed=True, year=TODAY.year, date=TODAY, code="illegal_transition")
    refused(services.village_renominate, **base, target_level=codes.Level.CITY, date=TODAY, code="illegal_transition")
    refused(services.village_withdraw, **base, date=TODAY, note="", field="note")
    v = services.village_withdraw(**base, date=TODAY, note="材料不全")
    refused(
        services.village_designate,
        actor=world.director_a,
        village=v,
        level=codes.Level.COUNTY,
        year=TODAY.year,
        date=TODAY,
        code="illegal_transition",
    )


def test_village_review_failure_needs_reasons_and_dates_in_order(world):
    y = TODAY.year - 2
    v = nominate(world)
    v = services.village_designate(
        actor=world.director_a, village=v, level=codes.Level.COUNTY, year=y, date=datetime.date(y, 12, 1)
    )
    base = {"actor": world.director_a, "village": v}
    refused(services.village_review, **base, passed=False, year=TODAY.year, date=TODAY, note="", field="note")
    refused(services.village_review, **base, passed=True, year=y - 1, date=TODAY, field="year")
    refused(services.village_review, **base, passed=True, year=y, date=datetime.date(y, 6, 1), field="date")


def test_village_nomination_refusals(world):
    nominate(world)
    refused(nominate, world=world, code="duplicate", field="org")
    refused(nominate, world=world, org=world.office_a, field="org")
    refused(nominate, world=world, org=world.village_a2, target_level="global", field="target_level")
    refused(nominate, world=world, org=world.village_a2, nominated_on=TODAY + DAY, field="nominated_on")
    with pytest.raises(Forbidden):
        nominate(world, org=world.village_b1)
    assert DemoVillage.objects.count() == 1
