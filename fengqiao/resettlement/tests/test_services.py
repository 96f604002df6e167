"""Resettlement services: the handover and each later step, their refusals, and that a refusal
changes nothing."""

import datetime

import pytest
from django.utils import timezone

from fengqiao.core import audit
from fengqiao.core.errors import DomainError, Forbidden
from fengqiao.core.models import AuditEvent
from fengqiao.core.permissions import Role
from fengqiao.resettlement import codes, selectors, services
from fengqiao.resettlement.models import HelpRecord, LevelChange, ReleasedPerson
from fengqiao.testing.factories import make_user, valid_id_number

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
_VALID = valid_id_number("32028119800101123")
BAD_CHECKSUM = _VALID[:-1] + ("1" if _VALID[-1] != "1" else "2")


def register(world, actor=None, **overrides):
    data = {
        "actor": actor or world.director_a,
        "org": world.village_a1,
        "name": "张建国",
        "gender": codes.Gender.MALE,
        "id_number": valid_id_number("32028119800101123"),
        "phone": "13812345678",
        "address": "甲一村12号",
        "offence": "盗窃罪",
        "sentence": "有期徒刑二年",
        "prison": "江苏省无锡监狱",
        "released_on": TODAY - 100 * DAY,
        "handover_on": TODAY - 99 * DAY,
        "met_at_gate": True,
        "employment": codes.Employment.UNEMPLOYED,
        "housing": codes.Housing.FAMILY,
        "assistance": codes.Assistance.NONE,
    }
    data.update(overrides)
    return services.person_register(**data)


@pytest.fixture
def worker_a(world):
    return make_user(world.office_a, Role.RESETTLEMENT_WORKER, username="resettle_a", full_name="安置甲")


@pytest.fixture
def worker_b(world):
    return make_user(world.office_b, Role.RESETTLEMENT_WORKER, username="resettle_b", full_name="安置乙")


def state():
    return (
        ReleasedPerson.objects.count(),
        HelpRecord.objects.count(),
        LevelChange.objects.count(),
        AuditEvent.objects.count(),
        list(ReleasedPerson.objects.order_by("pk").values_list("status", "level", "worker_id", "last_contact_on")),
    )


def refused(fn, *, field=None, code=None, **kwargs):
    """Call a service that must refuse; check the error and that nothing changed."""
    before = state()
    with pytest.raises(DomainError) as info:
        fn(**kwargs)
    assert state() == before
    if field is not None:
        assert info.value.field == field, info.value
    if code is not None:
        assert info.value.code == code, info.value
    return info.value


# --- registration ------------------------------------------------------------------------------------


def test_register_opens_five_years_with_an_assessment_and_the_least_loaded_worker(world, worker_a):
    busy = make_user(world.office_a, Role.RESETTLEMENT_WORKER, username="busy_a")
    register(world, worker=busy, id_number=valid_id_number("32028119800101001"))
    person = register(world, level=codes.Level.KEY, level_reason="有再犯罪风险")
    assert person.office_id == world.office_a.pk and person.org_id == world.village_a1.pk
    assert person.worker == worker_a  # busy already has one person
    assert person.period_end == (TODAY - 100 * DAY).replace(year=(TODAY - 100 * DAY).year + 5)
    assert person.status == codes.Status.ACTIVE and person.level == codes.Level.KEY
    change = LevelChange.objects.get(person=person)
    assert (change.from_level, change.to_level, change.reason) == ("", codes.Level.KEY, "有再犯罪风险")
    event = AuditEvent.objects.get(action="resettlement.register", object_id=str(person.pk))
    assert event.office_id == world.office_a.pk
    # the audit trail never holds the full ID number
    assert person.id_number not in str(event.changes)


def test_register_without_any_worker_leaves_the_person_unassigned(world):
    person = register(world)
    assert person.worker is None


def test_register_normalises_full_width_id_numbers(world):
    number = valid_id_number("32028119800101124")
    wide = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in number)
    assert register(world, id_number=wide).id_number == number


def test_period_end_of_a_leap_day_release():
    assert services.period_end_for(datetime.date(2024, 2, 29)) == datetime.date(2029, 2, 28)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"released_on": TODAY + DAY, "handover_on": TODAY + DAY}, "released_on"),
        ({"released_on": TODAY - 10 * DAY, "handover_on": TODAY - 11 * DAY}, "handover_on"),
        ({"handover_on": TODAY + DAY}, "handover_on"),
        ({"released_on": TODAY - 6 * 366 * DAY, "handover_on": TODAY - 6 * 366 * DAY}, "released_on"),
        ({"id_number": BAD_CHECKSUM}, "id_number"),
        ({"id_number": ""}, "id_number"),
        ({"name": "  "}, "name"),
        ({"offence": ""}, "offence"),
        ({"prison": ""}, "prison"),
        ({"level": "03"}, "level"),
        ({"employment": "astronaut"}, "employment"),
        ({"housing": "palace"}, "housing"),
        ({"assistance": "lottery"}, "assistance"),
        ({"phone": "12345"}, "phone"),
    ],
)
def test_register_refusals_change_nothing(world, overrides, field):
    refused(register, world=world, field=field, **overrides)


def test_register_refuses_a_second_open_record_of_the_same_person_in_the_office(world):
    first = register(world)
    error = refused(register, world=world, org=world.village_a2, field="id_number", code="duplicate")
    assert first.name in str(error)
    # another office may hold its own record; after the end, the office may register them again
    register(world, actor=world.director_b, org=world.village_b1)
    services.person_end(actor=world.director_a, person=first, reason=codes.EndReason.MOVED, ended_on=TODAY, note="迁出")
    assert register(world).pk != first.pk


def test_register_refuses_a_worker_of_another_office_or_without_the_role(world, worker_b):
    refused(register, world=world, worker=worker_b, field="worker")
    refused(register, world=world, worker=world.staff_a, field="worker")


def test_register_refuses_outside_the_actors_unit_and_at_a_bureau(world):
    with pytest.raises(Forbidden):
        register(world, actor=world.director_b)
    refused(register, world=world, actor=world.city_admin, org=world.city, field="org")
    assert ReleasedPerson.objects.count() == 0


# --- update ------------------------------------------------------------------------------------------


def test_update_with_the_version_the_form_was_filled_from(world):
    person = register(world)
    version = audit.version_of(person)
    services.person_update(
        actor=world.staff_a,
        person=person,
        expected_version=version,
        org=world.village_a2,
        employment=codes.Employment.EMPLOYED,
        released_on=TODAY - 50 * DAY,
        handover_on=TODAY - 50 * DAY,
    )
    person.refresh_from_db()
    assert person.org_id == world.village_a2.pk and person.employment == codes.Employment.EMPLOYED
    assert person.period_end == services.period_end_for(TODAY - 50 * DAY)
    event = AuditEvent.objects.get(action="resettlement.update")
    assert "employment" in event.changes and "org_id" in event.changes
    # the old version is now stale
    refused(
        services.person_update,
        actor=world.staff_a,
        person=person,
        expected_version=version,
        name="改名",
        code="stale",
    )


def test_update_refusals(world):
    person = register(world)
    refused(services.person_update, actor=world.staff_a, person=person, org=world.village_b1)
    refused(
        services.person_update, actor=world.staff_a, person=person, handover_on=TODAY - 200 * DAY, field="handover_on"
    )
    refused(services.person_update, actor=world.staff_a, person=person, level=codes.Level.KEY)
    other = register(world, id_number=valid_id_number("32028119800101555"))
    refused(services.person_update, actor=world.staff_a, person=other, id_number=person.id_number, code="duplicate")
    with pytest.raises(Forbidden):
        services.person_update(actor=world.staff_b, person=person, name="乙")


# --- level, worker, help, end ------------------------------------------------------------------------


def test_set_level_records_the_change_on_the_timeline(world):
    person = register(world)
    services.person_set_level(
        actor=world.staff_a, person=person, level=codes.Level.KEY, reason="与同案人员接触", date=TODAY - DAY
    )
    person.refresh_from_db()
    assert person.level == codes.Level.KEY
    change = LevelChange.objects.filter(person=person).order_by("-id").first()
    assert (change.from_level, change.to_level, change.date) == (codes.Level.GENERAL, codes.Level.KEY, TODAY - DAY)
    assert AuditEvent.objects.get(action="resettlement.set_level").changes["reason"] == "与同案人员接触"
    timeline = selectors.person_timeline(person)
    assert [i["kind"] for i in timeline] == ["level", "level"]


def test_set_level_refusals(world):
    person = register(world)
    refused(
        services.person_set_level,
        actor=world.staff_a,
        person=person,
        level=codes.Level.GENERAL,
        reason="x",
        field="level",
    )
    refused(
        services.person_set_level, actor=world.staff_a, person=person, level=codes.Level.KEY, reason=" ", field="reason"
    )
    refused(
        services.person_set_level,
        actor=world.staff_a,
        person=person,
        level=codes.Level.KEY,
        reason="x",
        date=TODAY - 300 * DAY,
        field="date",
    )


def test_assign_worker(world, worker_a, worker_b):
    person = register(world)
    assert person.worker == worker_a
    other = make_user(world.office_a, Role.RESETTLEMENT_WORKER, username="other_a")
    services.person_assign_worker(actor=world.director_a, person=person, worker=other)
    person.refresh_from_db()
    assert person.worker == other
    assert AuditEvent.objects.filter(action="resettlement.assign_worker").count() == 1
    refused(services.person_assign_worker, actor=world.director_a, person=person, worker=other, field="worker")
    refused(services.person_assign_worker, actor=world.director_a, person=person, worker=worker_b, field="worker")
    refused(services.person_assign_worker, actor=world.director_a, person=person, worker=world.staff_a, field="worker")
    gone = make_user(world.office_a, Role.RESETTLEMENT_WORKER, username="gone_a", is_active=False)
    refused(services.person_assign_worker, actor=world.director_a, person=person, worker=gone, field="worker")
    refused(services.person_assign_worker, actor=world.director_a, person=person, worker=None, field="worker")


def test_help_records_keep_the_last_contact(world, worker_a):
    person = register(world)
    services.help_record_add(
        actor=worker_a, person=person, kind=codes.HelpKind.VISIT, date=TODAY - 5 * DAY, note="走访"
    )
    person.refresh_from_db()
    assert person.last_contact_on == TODAY - 5 * DAY
    # an older contact does not move it back; help that is not contact does not move it at all
    services.help_record_add(
        actor=worker_a, person=person, kind=codes.HelpKind.CONTACT, date=TODAY - 9 * DAY, note="电话"
    )
    services.help_record_add(actor=worker_a, person=person, kind=codes.HelpKind.EMPLOYMENT, date=TODAY, note="推荐工作")
    person.refresh_from_db()
    assert person.last_contact_on == TODAY - 5 * DAY
    record = HelpRecord.objects.filter(person=person).order_by("-id").first()
    assert record.recorded_by == worker_a and record.recorded_by_repr == "安置甲"
    assert record.office_id == world.office_a.pk and record.org_id == world.village_a1.pk
    assert AuditEvent.objects.filter(action="resettlement.help").count() == 3
    assert not selectors.person_filter(worker_a, due=True).exists()


def test_help_record_refusals(world, worker_a):
    person = register(world)
    kw = {"actor": worker_a, "person": person, "kind": codes.HelpKind.VISIT, "note": "走访"}
    refused(services.help_record_add, **{**kw, "date": TODAY + DAY}, field="date")
    refused(services.help_record_add, **{**kw, "date": TODAY - 101 * DAY}, field="date")
    refused(services.help_record_add, **{**kw, "date": TODAY, "note": ""}, field="note")
    refused(services.help_record_add, **{**kw, "date": TODAY, "kind": "party"}, field="kind")
    with pytest.raises(Forbidden):
        services.help_record_add(**{**kw, "actor": world.staff_b, "date": TODAY})


def test_end_and_what_an_ended_person_refuses(world, worker_a):
    person = register(world)
    services.person_end(
        actor=worker_a, person=person, reason=codes.EndReason.REOFFENDED, ended_on=TODAY, note="因盗窃被刑事拘留"
    )
    person.refresh_from_db()
    assert (person.status, person.ended_on, person.end_reason) == (codes.Status.ENDED, TODAY, "reoffended")
    assert AuditEvent.objects.filter(action="resettlement.end").count() == 1
    kw = {"actor": worker_a, "person": person}
    refused(
        services.help_record_add, **kw, kind=codes.HelpKind.VISIT, date=TODAY, note="走访", code="illegal_transition"
    )
    refused(services.person_set_level, **kw, level=codes.Level.KEY, reason="x", code="illegal_transition")
    refused(services.person_assign_worker, **kw, worker=worker_a, code="illegal_transition")
    refused(services.person_update, **kw, name="改名", code="illegal_transition")
    refused(services.person_end, **kw, reason=codes.EndReason.DIED, ended_on=TODAY, note="x", code="illegal_transition")


def test_end_refusals(world):
    person = register(world)
    kw = {"actor": world.staff_a, "person": person}
    # the five years are not over
    refused(services.person_end, **kw, reason=codes.EndReason.EXPIRED, ended_on=TODAY, field="reason")
    # an early end says what happened
    refused(services.person_end, **kw, reason=codes.EndReason.DIED, ended_on=TODAY, field="note")
    refused(services.person_end, **kw, reason="bored", ended_on=TODAY, field="reason")
    refused(services.person_end, **kw, reason=codes.EndReason.MOVED, ended_on=TODAY + DAY, note="x", field="ended_on")
    refused(
        services.person_end, **kw, reason=codes.EndReason.MOVED, ended_on=TODAY - 200 * DAY, note="x", field="ended_on"
    )


def test_an_expired_period_may_be_ended_as_expired(world):
    person = register(world)
    # The stored period end is what the service checks: a record whose five years are over.
    ReleasedPerson.objects.filter(pk=person.pk).update(period_end=TODAY - DAY)
    assert selectors.person_filter(world.director_a, expired=True).get() == person
    services.person_end(actor=world.director_a, person=person, reason=codes.EndReason.EXPIRED, ended_on=TODAY)
    assert not selectors.person_filter(world.director_a, expired=True).exists()
