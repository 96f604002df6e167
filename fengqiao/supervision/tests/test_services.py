"""Supervision services: every rule, every refusal, and that a refusal changes nothing."""

import datetime

import pytest
from django.utils import timezone

from fengqiao.core.errors import Conflict, DomainError, Forbidden
from fengqiao.core.models import AuditEvent
from fengqiao.supervision import codes, selectors, services
from fengqiao.supervision.models import Activity, Department, EnforcementDispute, Problem, ProblemEvent

from .conftest import activity, department

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
S = codes.ProblemStatus


def state():
    return (
        Department.objects.count(),
        Activity.objects.count(),
        Problem.objects.count(),
        ProblemEvent.objects.count(),
        EnforcementDispute.objects.count(),
        AuditEvent.objects.count(),
        list(Problem.objects.order_by("pk").values_list("status", "deadline", "rectified_on", "version")),
        list(EnforcementDispute.objects.order_by("pk").values_list("status", "result")),
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


def problem(world, act, dept, **overrides):
    data = {
        "actor": world.staff_a,
        "activity": act,
        "department": dept,
        "category": codes.ProblemCategory.PROCEDURE,
        "description": "未依法告知当事人陈述申辩权利",
    }
    data.update(overrides)
    return services.problem_record(**data)


# --- departments -------------------------------------------------------------------------------------


def test_departments_are_per_office_and_unique(world, depts):
    assert depts["law"].office_id == world.office_a.pk and depts["b"].office_id == world.office_b.pk
    # the same name in another office is another department
    department(world, "派出所", office=world.office_b)
    refused(services.department_create, actor=world.director_a, office=world.office_a, name="派出所",
            kind=codes.DepartmentKind.POLICE, field="name", code="duplicate")  # fmt: skip
    refused(services.department_create, actor=world.director_a, office=world.office_a, name=" ",
            kind=codes.DepartmentKind.POLICE, field="name")  # fmt: skip
    refused(services.department_create, actor=world.director_a, office=world.office_a, name="新部门",
            kind="army", field="kind")  # fmt: skip
    refused(services.department_create, actor=world.director_a, office=world.village_a1, name="新部门",
            kind=codes.DepartmentKind.OTHER, field="office")  # fmt: skip
    refused(services.department_create, actor=world.director_a, office=world.office_b, name="新部门",
            kind=codes.DepartmentKind.OTHER, exc=Forbidden)  # fmt: skip
    services.department_update(actor=world.director_a, department=depts["police"], is_active=False, contact="张警官")
    depts["police"].refresh_from_db()
    assert not depts["police"].is_active and depts["police"].contact == "张警官"
    assert AuditEvent.objects.filter(action="supervision.department_update").count() == 1
    refused(services.department_update, actor=world.director_a, department=depts["market"], name="派出所",
            field="name", code="duplicate")  # fmt: skip


# --- activities --------------------------------------------------------------------------------------


def test_record_an_activity(world, depts):
    act = activity(world, departments=[depts["law"], depts["market"]])
    assert act.office_id == world.office_a.pk and act.org_id == world.office_a.pk
    assert set(act.departments.all()) == {depts["law"], depts["market"]}
    event = AuditEvent.objects.get(action="supervision.activity_record")
    assert event.changes["departments"][1] == sorted([depts["law"].pk, depts["market"].pk])
    assert act.recorded_by == world.staff_a


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"kind": "party"}, "kind"),
        ({"title": ""}, "title"),
        ({"date": TODAY + DAY}, "date"),
        ({"date": None}, "date"),
        ({"participants": "  "}, "participants"),
        ({"summary": ""}, "summary"),
        ({"files_reviewed": 0}, "files_reviewed"),
        ({"files_reviewed": -3}, "files_reviewed"),
        ({"kind": codes.ActivityKind.SITE_INSPECTION, "sites_inspected": 0}, "sites_inspected"),
        ({"kind": codes.ActivityKind.JOINT, "partners": ""}, "partners"),
        ({"departments": []}, "departments"),
    ],
)
def test_activity_refusals_change_nothing(world, depts, overrides, field):
    refused(activity, world=world, field=field, **overrides)


def test_an_activity_refuses_another_offices_departments_and_office(world, depts):
    refused(activity, world=world, departments=[depts["b"]], field="departments")
    refused(activity, world=world, departments=[depts["law"], depts["b"]], field="departments")
    services.department_update(actor=world.director_a, department=depts["police"], is_active=False)
    refused(activity, world=world, departments=[depts["police"]], field="departments")
    refused(activity, world=world, office=world.office_b, departments=[depts["b"]], exc=Forbidden)
    refused(activity, world=world, actor=world.city_admin, office=world.city, field="office")
    # the city records for an office of its own
    act = activity(world, actor=world.city_admin, departments=[depts["b"]], office=world.office_b)
    assert act.office_id == world.office_b.pk


def test_update_an_activity_with_its_version(world, depts):
    from fengqiao.core import audit

    act = activity(world)
    version = audit.version_of(act)
    services.activity_update(actor=world.staff_a, activity=act, expected_version=version, title="改后的主题",
                             departments=[depts["market"]])  # fmt: skip
    act.refresh_from_db()
    assert act.title == "改后的主题" and list(act.departments.all()) == [depts["market"]]
    changes = AuditEvent.objects.get(action="supervision.activity_update").changes
    assert changes["departments"] == [[depts["law"].pk], [depts["market"].pk]]
    refused(services.activity_update, actor=world.staff_a, activity=act, expected_version=version, title="x",
            code="stale", exc=Conflict)  # fmt: skip
    problem(world, act, depts["market"], found_on=act.date)
    refused(services.activity_update, actor=world.staff_a, activity=act, date=act.date + DAY, field="date")
    # a department deactivated since stays on the activity it was supervised in, and no other
    services.department_update(actor=world.director_a, department=depts["market"], is_active=False)
    services.activity_update(actor=world.staff_a, activity=act, summary="更正小结")
    other = activity(world, departments=[depts["law"]])
    refused(
        services.activity_update,
        actor=world.staff_a,
        activity=other,
        departments=[depts["market"]],
        field="departments",
    )


# --- problems: the state machine ---------------------------------------------------------------------


def test_the_full_rectification_cycle(world, depts):
    act = activity(world)
    p = problem(world, act, depts["law"])
    assert p.status == S.FOUND and p.found_on == act.date and p.deadline is None
    p = services.problem_order(actor=world.staff_a, problem=p, deadline=TODAY + 10 * DAY,
                               requirement="补正告知程序", date=act.date + DAY)  # fmt: skip
    assert p.status == S.RECTIFYING and p.version == 2
    p = services.problem_note_progress(actor=world.staff_a, problem=p, note="已电话督促", date=TODAY - 2 * DAY)
    assert p.status == S.RECTIFYING
    p = services.problem_rectified(actor=world.staff_a, problem=p, result="已补正文书", rectified_on=TODAY - DAY)
    assert p.status == S.RECTIFIED and p.rectified_on == TODAY - DAY
    p = services.problem_verify(actor=world.director_a, problem=p, verified_on=TODAY)
    assert p.status == S.VERIFIED and p.verified_by == world.director_a
    p = services.problem_reopen(
        actor=world.director_a, problem=p, reason="复查发现仍未整改到位", deadline=TODAY + 5 * DAY
    )
    assert p.status == S.RECTIFYING and p.rectified_on is None and p.verified_on is None and p.result == ""
    steps = [e.step for e in selectors.problem_timeline(p)]
    assert steps[0] == "reopened" and steps[-1] == "found" and len(steps) == 6
    events = ProblemEvent.objects.filter(problem=p)
    assert all(e.office_id == world.office_a.pk for e in events)
    actions = set(AuditEvent.objects.filter(object_type="supervision.problem").values_list("action", flat=True))
    assert {"supervision.problem_record", "supervision.problem_order", "supervision.problem_verified",
            "supervision.problem_reopened"} <= actions  # fmt: skip


def test_recording_with_a_deadline_orders_at_once(world, depts):
    act = activity(world)
    p = problem(world, act, depts["law"], deadline=act.date + 15 * DAY, requirement="限期补充证据")
    assert p.status == S.RECTIFYING and p.deadline == act.date + 15 * DAY
    assert [e.step for e in ProblemEvent.objects.filter(problem=p).order_by("id")] == ["found", "order"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"category": "bribery"}, "category"),
        ({"description": ""}, "description"),
        ({"found_on": TODAY + DAY}, "found_on"),
        ({"found_on": TODAY - 40 * DAY}, "found_on"),  # before the activity
        ({"deadline": TODAY - 31 * DAY, "requirement": "x"}, "deadline"),  # before the finding
        ({"deadline": TODAY + 400 * DAY, "requirement": "x"}, "deadline"),
        ({"deadline": TODAY + DAY}, "requirement"),
        ({"requirement": "整改"}, "deadline"),
    ],
)
def test_problem_refusals_change_nothing(world, depts, overrides, field):
    act = activity(world)
    refused(problem, world=world, act=act, dept=depts["law"], field=field, **overrides)


def test_a_problem_refuses_another_offices_department(world, depts):
    act = activity(world)
    refused(problem, world=world, act=act, dept=depts["b"], field="department")
    refused(problem, world=world, act=act, dept=depts["law"], actor=world.staff_b, exc=Forbidden)


def test_illegal_transitions_are_refused_with_a_clear_message(world, depts):
    from django.utils import translation

    act = activity(world)
    p = problem(world, act, depts["law"])
    kw = {"actor": world.staff_a, "problem": p}
    with translation.override("zh-hans"):
        error = refused(services.problem_rectified, **kw, result="x", rectified_on=TODAY, code="illegal_transition")
    assert "已发现" in str(error) or "Found" in str(error)
    refused(services.problem_verify, **kw, verified_on=TODAY, code="illegal_transition")
    refused(services.problem_reopen, **kw, reason="x", deadline=TODAY, code="illegal_transition")
    refused(services.problem_note_progress, **kw, note="x", code="illegal_transition")
    p = services.problem_order(**kw, deadline=TODAY + DAY, requirement="整改")
    refused(services.problem_order, **kw, deadline=TODAY + DAY, requirement="整改", code="illegal_transition")
    refused(services.problem_verify, **kw, verified_on=TODAY, code="illegal_transition")


def test_step_refusals(world, depts):
    act = activity(world)
    p = problem(world, act, depts["law"])
    kw = {"actor": world.staff_a, "problem": p}
    refused(services.problem_order, **kw, deadline=act.date - DAY, requirement="x", field="deadline")
    refused(services.problem_order, **kw, deadline=TODAY + DAY, requirement=" ", field="requirement")
    refused(services.problem_order, **kw, deadline=TODAY - DAY, requirement="x", date=TODAY, field="deadline")
    refused(services.problem_order, **kw, deadline=TODAY + DAY, requirement="x", date=TODAY + DAY, field="date")
    p = services.problem_order(**kw, deadline=TODAY + DAY, requirement="整改")
    refused(services.problem_rectified, **kw, result="", rectified_on=TODAY, field="result")
    refused(services.problem_rectified, **kw, result="x", rectified_on=act.date - DAY, field="rectified_on")
    refused(services.problem_rectified, **kw, result="x", rectified_on=TODAY + DAY, field="rectified_on")
    refused(services.problem_note_progress, **kw, note="", field="note")
    p = services.problem_rectified(**kw, result="已整改", rectified_on=TODAY - DAY)
    refused(services.problem_verify, **kw, verified_on=TODAY - 2 * DAY, field="verified_on")
    refused(services.problem_reopen, **kw, reason="", deadline=TODAY + DAY, field="reason")
    refused(services.problem_reopen, **kw, reason="x", deadline=TODAY - DAY, field="deadline")


def test_a_stale_step_is_refused(world, depts):
    act = activity(world)
    p = problem(world, act, depts["law"])
    old = p.version
    services.problem_order(actor=world.staff_a, problem=p, deadline=TODAY + DAY, requirement="整改",
                           expected_version=old)  # fmt: skip
    refused(services.problem_note_progress, actor=world.staff_a, problem=p, note="x", expected_version=old,
            code="stale", exc=Conflict)  # fmt: skip


def test_overdue_problems_are_flagged_and_listed(world, depts):
    act = activity(world, date=TODAY - 60 * DAY)
    late = problem(world, act, depts["law"], deadline=TODAY - DAY, requirement="整改")
    on_time = problem(world, act, depts["market"], deadline=TODAY + 5 * DAY, requirement="整改")
    assert late.is_overdue(TODAY) and not on_time.is_overdue(TODAY)
    assert list(selectors.problem_filter(world.staff_a, overdue=True)) == [late]
    services.problem_rectified(actor=world.staff_a, problem=late, result="逾期整改", rectified_on=TODAY)
    late.refresh_from_db()
    assert late.rectified_late and not selectors.problem_filter(world.staff_a, overdue=True).exists()
    assert selectors.counts(world.staff_a)["overdue"] == 0


# --- enforcement disputes ----------------------------------------------------------------------------


def dispute(world, depts, **overrides):
    data = {
        "actor": world.staff_a,
        "office": world.office_a,
        "subject": "违建拆除职责争议",
        "description": "综合执法局与自然资源所就农村违建查处职责存在分歧。",
        "received_on": TODAY - 10 * DAY,
        "departments": [depts["law"], depts["market"]],
    }
    data.update(overrides)
    return services.dispute_record(**data)


def test_a_dispute_is_coordinated_once(world, depts):
    d = dispute(world, depts)
    assert d.status == codes.DisputeStatus.OPEN and d.departments.count() == 2
    d = services.dispute_coordinate(actor=world.staff_a, dispute=d, outcome=codes.DisputeOutcome.AGREED,
                                    result="明确由综合执法局牵头查处", concluded_on=TODAY)  # fmt: skip
    assert d.status == codes.DisputeStatus.CLOSED and d.concluded_on == TODAY
    refused(services.dispute_coordinate, actor=world.staff_a, dispute=d, outcome=codes.DisputeOutcome.AGREED,
            result="x", concluded_on=TODAY, code="illegal_transition")  # fmt: skip
    # a department and a party are two sides too
    assert dispute(world, depts, departments=[depts["law"]], parties="某建材公司").parties == "某建材公司"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"subject": ""}, "subject"),
        ({"description": ""}, "description"),
        ({"received_on": TODAY + DAY}, "received_on"),
        ({"departments": []}, "departments"),
        ({"departments": ["law"]}, "departments"),
        ({"departments": ["law", "b"]}, "departments"),
    ],
)
def test_dispute_refusals(world, depts, overrides, field):
    if "departments" in overrides:
        overrides["departments"] = [depts[k] for k in overrides["departments"]]
    refused(dispute, world=world, depts=depts, field=field, **overrides)


def test_closing_a_dispute_needs_a_result_and_a_date_after_receipt(world, depts):
    d = dispute(world, depts)
    kw = {"actor": world.staff_a, "dispute": d}
    refused(services.dispute_coordinate, **kw, outcome="won", result="x", concluded_on=TODAY, field="outcome")
    refused(services.dispute_coordinate, **kw, outcome=codes.DisputeOutcome.AGREED, result=" ", concluded_on=TODAY,
            field="result")  # fmt: skip
    refused(services.dispute_coordinate, **kw, outcome=codes.DisputeOutcome.AGREED, result="x",
            concluded_on=TODAY - 20 * DAY, field="concluded_on")  # fmt: skip
    refused(services.dispute_coordinate, **kw, outcome=codes.DisputeOutcome.AGREED, result="x",
            concluded_on=TODAY + DAY, field="concluded_on")  # fmt: skip
    refused(services.dispute_coordinate, actor=world.staff_b, dispute=d, outcome=codes.DisputeOutcome.AGREED,
            result="x", concluded_on=TODAY, exc=Forbidden)  # fmt: skip
