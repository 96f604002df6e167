"""Service-network services: each rule, each refusal, and that a refusal changes nothing."""

import datetime

import pytest
from django.utils import timezone

from fengqiao.core import audit
from fengqiao.core.errors import DomainError, Forbidden
from fengqiao.core.models import AuditEvent
from fengqiao.core.permissions import Role
from fengqiao.legalnet import codes, services
from fengqiao.legalnet.models import AdvisorAssignment, PointStaff, ServicePoint, WorkLog
from fengqiao.testing.factories import make_user

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def state():
    from fengqiao.accounts.models import User

    return (
        ServicePoint.objects.count(),
        PointStaff.objects.count(),
        AdvisorAssignment.objects.count(),
        WorkLog.objects.count(),
        AuditEvent.objects.count(),
        list(ServicePoint.objects.order_by("pk").values_list("status", "closed_on", "partner", "opened_on")),
        list(PointStaff.objects.order_by("pk").values_list("until", flat=True)),
        list(WorkLog.objects.order_by("pk").values_list(*codes.WORK_FIELDS, "note")),
        sorted(User.served_villages.through.objects.values_list("user_id", "orgnode_id")),
    )


def refused(fn, *, field=None, code=None, exc=DomainError, **kwargs):
    before = state()
    with pytest.raises(exc) as info:
        fn(**kwargs)
    assert state() == before
    if field is not None:
        assert info.value.field == field, info.value
    if code is not None:
        assert info.value.code == code, info.value
    return info.value


def open_point(world, actor=None, **overrides):
    data = {
        "actor": actor or world.director_a,
        "office": world.office_a,
        "kind": codes.PointKind.LEGAL_AID,
        "partner": "江阴市法律援助中心",
        "hours": "工作日 8:30-17:00",
        "address": "甲镇人民路1号",
        "opened_on": TODAY - 30 * DAY,
    }
    data.update(overrides)
    return services.point_open(**data)


# --- service points ----------------------------------------------------------------------------------


def test_open_point_names_it_and_audits(world):
    point = open_point(world)
    assert point.office_id == world.office_a.pk and point.is_open
    assert point.name == "甲镇法律援助站"
    assert AuditEvent.objects.filter(action="legalnet.point_open", object_id=str(point.pk)).exists()


def test_one_open_point_per_kind(world):
    open_point(world)
    refused(open_point, world=world, field="kind", code="duplicate")
    # another kind, and the same kind at another office, are fine
    open_point(world, kind=codes.PointKind.ARBITRATION, partner="无锡仲裁委员会")
    open_point(world, actor=world.director_b, office=world.office_b)


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"kind": "bank"}, "kind"),
        ({"partner": "  "}, "partner"),
        ({"hours": ""}, "hours"),
        ({"address": ""}, "address"),
        ({"opened_on": TODAY + DAY}, "opened_on"),
        ({"opened_on": None}, "opened_on"),
        ({"phone": "abc"}, "phone"),
    ],
)
def test_open_point_refuses_bad_input(world, overrides, field):
    refused(open_point, world=world, field=field, **overrides)


def test_open_point_refuses_a_village_and_another_office(world):
    refused(open_point, world=world, office=world.village_a1, field="office")
    refused(open_point, world=world, office=world.office_b, exc=Forbidden)
    refused(open_point, world=world, actor=world.advisor_a, exc=Forbidden)


def test_close_point_ends_duty_and_frees_the_kind(world):
    point = open_point(world)
    staff = services.staff_add(actor=world.staff_a, point=point, name="王律师", since=TODAY - 10 * DAY)
    refused(
        services.point_close,
        actor=world.director_a,
        point=point,
        closed_on=TODAY - 40 * DAY,
        reason="x",
        field="closed_on",
    )
    refused(services.point_close, actor=world.director_a, point=point, closed_on=TODAY, reason="  ", field="reason")
    refused(
        services.point_close, actor=world.director_a, point=point, closed_on=TODAY + DAY, reason="x", field="closed_on"
    )
    refused(services.point_close, actor=world.director_b, point=point, closed_on=TODAY, reason="x", exc=Forbidden)
    services.point_close(actor=world.director_a, point=point, closed_on=TODAY, reason="合作单位撤点")
    point.refresh_from_db()
    staff.refresh_from_db()
    assert point.status == codes.PointStatus.CLOSED and staff.until == TODAY
    refused(
        services.point_close,
        actor=world.director_a,
        point=point,
        closed_on=TODAY,
        reason="x",
        code="illegal_transition",
    )
    refused(services.staff_add, actor=world.director_a, point=point, name="李", since=TODAY, code="illegal_transition")
    refused(services.point_update, actor=world.director_a, point=point, hours="x", code="illegal_transition")
    open_point(world)  # a new one of the kind


def test_update_point_checks_version_and_dates(world):
    point = open_point(world)
    version = audit.version_of(point)
    services.point_update(actor=world.staff_a, point=point, expected_version=version, hours="每周三 9:00-16:00")
    refused(services.point_update, actor=world.staff_a, point=point, expected_version=version, hours="x", code="stale")
    services.staff_add(actor=world.staff_a, point=point, name="王律师", since=TODAY - 10 * DAY)
    refused(services.point_update, actor=world.staff_a, point=point, opened_on=TODAY - 5 * DAY, field="opened_on")
    refused(services.point_update, actor=world.staff_a, point=point, kind="notary")


def test_staff_rules(world):
    point = open_point(world)
    refused(services.staff_add, actor=world.staff_a, point=point, name="", since=TODAY, field="name")
    refused(services.staff_add, actor=world.staff_a, point=point, name="王", since=TODAY - 31 * DAY, field="since")
    refused(services.staff_add, actor=world.staff_a, point=point, user=world.staff_b, since=TODAY, field="user")
    refused(services.staff_add, actor=world.staff_a, point=point, name="王", phone="12", since=TODAY, field="phone")
    s = services.staff_add(actor=world.staff_a, point=point, user=world.staff_a, since=TODAY, duty="每周二上午")
    assert s.name == world.staff_a.full_name
    refused(services.staff_add, actor=world.staff_a, point=point, user=world.staff_a, since=TODAY, field="user")
    refused(services.staff_remove, actor=world.staff_a, staff=s, until=TODAY - DAY, field="until")
    refused(services.staff_remove, actor=world.director_b, staff=s, until=TODAY, exc=Forbidden)
    services.staff_remove(actor=world.staff_a, staff=s, until=TODAY)
    refused(services.staff_remove, actor=world.staff_a, staff=s, until=TODAY, code="illegal_transition")


# --- advisors ----------------------------------------------------------------------------------------


@pytest.fixture
def advisor2(world):
    return make_user(world.village_a2, Role.LEGAL_ADVISOR, username="advisor2", full_name="顾问二")


def test_assign_and_unassign_keep_served_villages_the_source(world, advisor2):
    a = services.advisor_assign(
        actor=world.director_a, village=world.village_a1, advisor=advisor2, started_on=TODAY - 10 * DAY
    )
    assert list(advisor2.served_villages.values_list("pk", flat=True)) == [world.village_a1.pk]
    advisor2.refresh_principal()
    assert world.village_a1 in advisor2.scope_nodes_for("legal_services", "create")
    assert AuditEvent.objects.filter(action="legalnet.advisor_assign").exists()
    assert AuditEvent.objects.filter(action="user.update", object_id=str(advisor2.pk)).exists()
    refused(
        services.advisor_assign,
        actor=world.director_a,
        village=world.village_a1,
        advisor=advisor2,
        started_on=TODAY,
        code="duplicate",
    )
    refused(
        services.advisor_unassign,
        actor=world.director_a,
        village=world.village_a1,
        advisor=advisor2,
        ended_on=TODAY - 20 * DAY,
        field="ended_on",
    )
    services.advisor_unassign(actor=world.director_a, village=world.village_a1, advisor=advisor2, ended_on=TODAY)
    a.refresh_from_db()
    assert a.ended_on == TODAY and not advisor2.served_villages.exists()
    refused(
        services.advisor_unassign,
        actor=world.director_a,
        village=world.village_a1,
        advisor=advisor2,
        ended_on=TODAY,
        field="advisor",
    )
    # a new period cannot start before the last one ended
    refused(
        services.advisor_assign,
        actor=world.director_a,
        village=world.village_a1,
        advisor=advisor2,
        started_on=TODAY - DAY,
        field="started_on",
    )


def test_unassign_without_history_writes_one(world):
    services.advisor_unassign(actor=world.director_a, village=world.village_a2, advisor=world.advisor_a, ended_on=TODAY)
    row = AdvisorAssignment.objects.get(advisor=world.advisor_a)
    assert row.org_id == world.village_a2.pk and row.ended_on == TODAY
    assert list(world.advisor_a.served_villages.values_list("pk", flat=True)) == [world.village_a1.pk]


def test_assign_refusals(world, advisor2):
    kw = {"actor": world.director_a, "advisor": advisor2, "started_on": TODAY}
    refused(services.advisor_assign, **{**kw, "village": world.village_b1}, exc=Forbidden)  # another office's village
    refused(services.advisor_assign, **{**kw, "village": world.office_a}, field="village")
    refused(services.advisor_assign, **{**kw, "village": world.village_a1, "advisor": world.staff_a}, field="advisor")
    refused(
        services.advisor_assign, **{**kw, "village": world.village_a1, "started_on": TODAY + DAY}, field="started_on"
    )
    b_advisor = make_user(world.village_b1, Role.LEGAL_ADVISOR, username="advisor_b")
    refused(
        services.advisor_assign,
        actor=world.city_admin,
        village=world.village_a1,
        advisor=b_advisor,
        started_on=TODAY,
        field="advisor",
    )
    # office staff may not manage users: the accounts service refuses, nothing changes
    refused(services.advisor_assign, **{**kw, "actor": world.staff_a, "village": world.village_a1}, exc=Forbidden)


# --- work logs ---------------------------------------------------------------------------------------


def add_log(world, actor=None, **overrides):
    data = {
        "actor": actor or world.advisor_a,
        "village": world.village_a1,
        "advisor": world.advisor_a,
        "date": TODAY - DAY,
        "duty_days": 1,
        "consultations": 3,
        "note": "到村值班，解答土地流转咨询。",
    }
    data.update(overrides)
    return services.worklog_add(**data)


def test_advisor_records_own_work_and_staff_anyones(world):
    log = add_log(world)
    assert log.office_id == world.office_a.pk and log.recorded_by == world.advisor_a
    add_log(world, actor=world.staff_a, village=world.village_a2)
    assert WorkLog.objects.count() == 2
    assert AuditEvent.objects.filter(action="legalnet.worklog_add").count() == 2


def test_worklog_refusals(world):
    add_log(world)
    refused(add_log, world=world, field="date", code="duplicate")
    refused(add_log, world=world, date=TODAY + DAY, field="date")
    refused(add_log, world=world, date=TODAY - 2 * DAY, duty_days=0, consultations=0, field="consultations")
    refused(add_log, world=world, date=TODAY - 2 * DAY, consultations=-1, field="consultations")
    refused(add_log, world=world, date=TODAY - 2 * DAY, lectures=500, field="lectures")
    refused(add_log, world=world, date=TODAY - 2 * DAY, duty_days=2, field="duty_days")
    refused(add_log, world=world, date=TODAY - 2 * DAY, lectures="many", field="lectures")
    refused(add_log, world=world, date=TODAY - 2 * DAY, visits=1)
    # another office's village
    refused(add_log, world=world, village=world.village_b1, exc=Forbidden)
    refused(add_log, world=world, actor=world.director_a, village=world.village_b1, exc=Forbidden)
    # an advisor who does not serve the village
    other = make_user(world.village_a2, Role.LEGAL_ADVISOR, username="other_adv")
    refused(add_log, world=world, actor=world.staff_a, advisor=other, field="advisor")
    # an advisor may not record someone else's work; a mediator in the village may not either
    refused(add_log, world=world, actor=other, village=world.village_a2, exc=Forbidden)
    refused(add_log, world=world, actor=world.mediator_a1, date=TODAY - 3 * DAY, exc=Forbidden)


def test_worklog_for_a_past_assignment(world):
    adv = make_user(world.village_a2, Role.LEGAL_ADVISOR, username="past_adv")
    services.advisor_assign(actor=world.director_a, village=world.village_a2, advisor=adv, started_on=TODAY - 60 * DAY)
    services.advisor_unassign(actor=world.director_a, village=world.village_a2, advisor=adv, ended_on=TODAY - 10 * DAY)
    add_log(world, actor=world.staff_a, advisor=adv, village=world.village_a2, date=TODAY - 20 * DAY)
    refused(
        add_log,
        world=world,
        actor=world.staff_a,
        advisor=adv,
        village=world.village_a2,
        date=TODAY - 5 * DAY,
        field="advisor",
    )


def test_worklog_update(world):
    log = add_log(world)
    version = audit.version_of(log)
    services.worklog_update(actor=world.advisor_a, log=log, expected_version=version, lectures=1, note="加开讲座")
    log.refresh_from_db()
    assert log.lectures == 1 and log.consultations == 3 and log.note == "加开讲座"
    refused(services.worklog_update, actor=world.advisor_a, log=log, expected_version=version, lectures=2, code="stale")
    refused(
        services.worklog_update,
        actor=world.advisor_a,
        log=log,
        duty_days=0,
        consultations=0,
        lectures=0,
        field="consultations",
    )
    refused(services.worklog_update, actor=world.director_b, log=log, lectures=2, exc=Forbidden)
    refused(services.worklog_update, actor=world.advisor_a, log=log, advisor=world.staff_a)
