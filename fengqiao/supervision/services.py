"""Writes to law-enforcement supervision: the office's departments, supervision activities, the
problems found and their rectification (a state machine), and enforcement disputes. Each function
is one transaction with its audit event. A refusal raises DomainError and changes nothing."""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fengqiao.core import audit, checks
from fengqiao.core.errors import Conflict, DomainError, Forbidden
from fengqiao.core.models import AuditKind
from fengqiao.core.permissions import Action, Module
from fengqiao.core.scoping import in_scope
from fengqiao.orgs.models import OrgKind, OrgNode

from . import codes
from .models import Activity, Department, EnforcementDispute, Problem, ProblemEvent

audit.register_actions(
    {
        "supervision.department_create": gettext_lazy("Added an enforcing department"),
        "supervision.department_update": gettext_lazy("Changed an enforcing department"),
        "supervision.activity_record": gettext_lazy("Recorded a supervision activity"),
        "supervision.activity_update": gettext_lazy("Changed a supervision activity"),
        "supervision.problem_record": gettext_lazy("Recorded a supervision problem"),
        "supervision.problem_order": gettext_lazy("Ordered a rectification"),
        "supervision.problem_progress": gettext_lazy("Noted rectification progress"),
        "supervision.problem_rectified": gettext_lazy("Recorded a rectification"),
        "supervision.problem_verified": gettext_lazy("Verified a rectification"),
        "supervision.problem_reopened": gettext_lazy("Reopened a supervision problem"),
        "supervision.dispute_record": gettext_lazy("Recorded an enforcement dispute"),
        "supervision.dispute_coordinate": gettext_lazy("Recorded the coordination of an enforcement dispute"),
    }
)

STALE_MESSAGE = gettext_lazy(
    "Someone else changed this record while you were editing it. Reload the page, check their changes "
    "and make yours again."
)


# --- helpers -----------------------------------------------------------------------------------------


def _today():
    return timezone.localdate()


def _require(actor, org: OrgNode, action: str):
    # actor None is the platform itself (the demo seeder).
    if actor is not None and not in_scope(actor, org, action, Module.SUPERVISION):
        raise Forbidden(_("You may not handle law-enforcement supervision outside your own office."))


_actor_user = checks.actor_user


_actor_repr = checks.actor_repr


def _check_date(value, field: str, *, allow_future=False):
    return checks.check_date(value, field, today=_today(), allow_future=allow_future, earliest_year=2000)


_choice = checks.choice


_text = checks.text


def _count(value, field: str) -> int:
    if value in (None, ""):
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value > 100_000:
        raise DomainError(_("Enter a whole number from 0 to 100000."), field=field)
    return value


def _office(actor, office: OrgNode, action: str) -> OrgNode:
    """The judicial office the record belongs to: supervision is the office's own work."""
    if office is None:
        raise DomainError(_("Choose the judicial office."), field="office")
    office = OrgNode.objects.get(pk=office.pk)
    _require(actor, office, action)
    if office.kind != OrgKind.TOWN:
        raise DomainError(_("Law-enforcement supervision is recorded by a judicial office."), field="office")
    if not office.is_active:
        raise DomainError(_("The unit is deactivated."), field="office")
    return office


def _departments(office: OrgNode, departments, field: str, *, required=True, keep=frozenset()) -> list[Department]:
    """The office's active departments among `departments`; those in `keep` (already linked to the
    record being corrected) may have been deactivated since."""
    departments = list(departments or [])
    if required and not departments:
        raise DomainError(_("Choose at least one department."), field=field)
    ids = {getattr(d, "pk", d) for d in departments}
    found = list(Department.objects.filter(pk__in=ids, office_id=office.pk).filter(Q(is_active=True) | Q(pk__in=keep)))
    if len(found) != len(ids):
        raise DomainError(_("Choose active departments of the office's own town."), field=field)
    return found


def _department(office_id: int, department, field="department") -> Department:
    if department is None:
        raise DomainError(_("Choose the responsible department."), field=field)
    found = Department.objects.filter(pk=getattr(department, "pk", department), office_id=office_id).first()
    if found is None or not found.is_active:
        raise DomainError(_("Choose an active department of the office's own town."), field=field)
    return found


# --- departments -------------------------------------------------------------------------------------


@transaction.atomic
def department_create(
    *, actor, office: OrgNode, name: str, kind: str, contact: str = "", phone: str = ""
) -> Department:
    """Add an enforcing department to the office's list."""
    office = _office(actor, office, Action.CREATE)
    name = _text(name, "name", _("Enter the department's name."), 100)
    kind = _choice(kind, codes.DepartmentKind, "kind", _("Choose the kind of department."))
    if Department.objects.filter(office_id=office.pk, name=name).exists():
        raise DomainError(_("The office already lists a department of this name."), field="name", code="duplicate")
    department = Department(
        org=office,
        name=name,
        kind=kind,
        contact=_text(contact, "contact", "", 50, required=False),
        phone=_text(phone, "phone", "", 30, required=False),
    )
    try:
        with transaction.atomic():
            department.save()
    except IntegrityError:
        raise Conflict(
            _("The office already lists a department of this name."), field="name", code="duplicate"
        ) from None
    audit.record_create(actor=actor, action="supervision.department_create", obj=department)
    return department


@transaction.atomic
def department_update(*, actor, department: Department, **fields) -> Department:
    """Rename a department, change its contact, or (de)activate it; its records keep it."""
    unknown = set(fields) - {"name", "kind", "contact", "phone", "is_active"}
    if unknown:
        raise DomainError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    department = Department.objects.select_for_update(of=("self",)).select_related("org").get(pk=department.pk)
    _require(actor, department.org, Action.CHANGE)
    before = audit.snapshot(department)
    if "name" in fields:
        name = _text(fields["name"], "name", _("Enter the department's name."), 100)
        if Department.objects.filter(office_id=department.office_id, name=name).exclude(pk=department.pk).exists():
            raise DomainError(_("The office already lists a department of this name."), field="name", code="duplicate")
        department.name = name
    if "kind" in fields:
        department.kind = _choice(fields["kind"], codes.DepartmentKind, "kind", _("Choose the kind of department."))
    for key, length in (("contact", 50), ("phone", 30)):
        if key in fields:
            setattr(department, key, _text(fields[key], key, "", length, required=False))
    if "is_active" in fields:
        department.is_active = bool(fields["is_active"])
    department.save()
    audit.record_update(actor=actor, action="supervision.department_update", obj=department, before=before)
    return department


# --- activities --------------------------------------------------------------------------------------


def _activity_fields(
    office,
    keep=frozenset(),
    *,
    kind,
    title,
    date,
    departments,
    participants,
    summary,
    partners,
    files_reviewed,
    sites_inspected,
) -> dict:
    kind = _choice(kind, codes.ActivityKind, "kind", _("Choose the kind of supervision."))
    partners = _text(partners, "partners", "", 300, required=False)
    if kind == codes.ActivityKind.JOINT and not partners:
        raise DomainError(_("Name the other bodies that took part in the joint supervision."), field="partners")
    files_reviewed = _count(files_reviewed, "files_reviewed")
    sites_inspected = _count(sites_inspected, "sites_inspected")
    if kind == codes.ActivityKind.CASE_REVIEW and not files_reviewed:
        raise DomainError(_("A case-file review needs the number of files reviewed."), field="files_reviewed")
    if kind == codes.ActivityKind.SITE_INSPECTION and not sites_inspected:
        raise DomainError(_("An on-site inspection needs the number of sites inspected."), field="sites_inspected")
    return {
        "kind": kind,
        "title": _text(title, "title", _("Enter the subject of the supervision."), 200),
        "date": _check_date(date, "date"),
        "departments": _departments(office, departments, "departments", keep=keep),
        "participants": _text(participants, "participants", _("Name who took part."), 500),
        "summary": _text(summary, "summary", _("Summarise what was supervised and found.")),
        "partners": partners,
        "files_reviewed": files_reviewed,
        "sites_inspected": sites_inspected,
    }


@transaction.atomic
def activity_record(
    *,
    actor,
    office: OrgNode,
    kind: str,
    title: str,
    date: datetime.date,
    departments,
    participants: str,
    summary: str,
    partners: str = "",
    files_reviewed: int = 0,
    sites_inspected: int = 0,
) -> Activity:
    """Record a supervision activity over one or more of the town's enforcing departments."""
    office = _office(actor, office, Action.CREATE)
    data = _activity_fields(
        office,
        kind=kind,
        title=title,
        date=date,
        departments=departments,
        participants=participants,
        summary=summary,
        partners=partners,
        files_reviewed=files_reviewed,
        sites_inspected=sites_inspected,
    )
    departments = data.pop("departments")
    activity = Activity.objects.create(
        org=office, recorded_by=_actor_user(actor), recorded_by_repr=_actor_repr(actor), **data
    )
    activity.departments.set(departments)
    changes = audit.diff({}, audit.snapshot(activity))
    changes["departments"] = [None, sorted(d.pk for d in departments)]
    audit.record(
        actor=actor, action="supervision.activity_record", kind=AuditKind.CREATE, obj=activity, changes=changes
    )
    return activity


@transaction.atomic
def activity_update(*, actor, activity: Activity, expected_version: str | None = None, **fields) -> Activity:
    """Correct an activity's details. Refused if someone else changed it since the form was filled."""
    allowed = {
        "kind",
        "title",
        "date",
        "departments",
        "participants",
        "summary",
        "partners",
        "files_reviewed",
        "sites_inspected",
    }
    unknown = set(fields) - allowed
    if unknown:
        raise DomainError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    activity = Activity.objects.select_for_update(of=("self",)).select_related("org").get(pk=activity.pk)
    _require(actor, activity.org, Action.CHANGE)
    audit.check_version(activity, expected_version)
    current = {k: getattr(activity, k) for k in allowed - {"departments"}}
    current["departments"] = list(activity.departments.all())
    current.update(fields)
    linked = frozenset(d.pk for d in activity.departments.all())
    data = _activity_fields(activity.org, keep=linked, **current)
    first_problem = activity.problems.order_by("found_on").values_list("found_on", flat=True).first()
    if first_problem is not None and data["date"] > first_problem:
        raise DomainError(_("The activity cannot be after a problem it found."), field="date")
    before = audit.snapshot(activity)
    before["departments"] = sorted(activity.departments.values_list("pk", flat=True))
    departments = data.pop("departments")
    for key, value in data.items():
        setattr(activity, key, value)
    activity.save()
    activity.departments.set(departments)
    after = audit.snapshot(activity)
    after["departments"] = sorted(d.pk for d in departments)
    audit.record(
        actor=actor,
        action="supervision.activity_update",
        kind=AuditKind.UPDATE,
        obj=activity,
        changes=audit.diff(before, after),
    )
    return activity


# --- problems and their rectification ---------------------------------------------------------------


def _event(actor, problem: Problem, step: str, date, from_status: str, note: str = "") -> ProblemEvent:
    return ProblemEvent.objects.create(
        problem=problem,
        org_id=problem.org_id,
        step=step,
        date=date,
        note=note,
        from_status=from_status,
        to_status=problem.status,
        by=_actor_user(actor),
        by_repr=_actor_repr(actor),
    )


def _check_deadline(deadline, found_on, field="deadline"):
    deadline = _check_date(deadline, field, allow_future=True)
    if deadline < found_on:
        raise DomainError(_("The rectification deadline cannot be before the problem was found."), field=field)
    if deadline > found_on + datetime.timedelta(days=366):
        raise DomainError(_("Set a deadline within a year of the finding."), field=field)
    return deadline


@transaction.atomic
def problem_record(
    *,
    actor,
    activity: Activity,
    department,
    category: str,
    description: str,
    found_on: datetime.date | None = None,
    deadline: datetime.date | None = None,
    requirement: str = "",
) -> Problem:
    """Record a problem found in an activity. With a deadline, the rectification is ordered at once
    (the problem goes straight to “being rectified”)."""
    activity = Activity.objects.select_for_update(of=("self",)).select_related("org").get(pk=activity.pk)
    _require(actor, activity.org, Action.CHANGE)
    department = _department(activity.office_id, department)
    category = _choice(category, codes.ProblemCategory, "category", _("Choose the category of the problem."))
    description = _text(description, "description", _("Describe the problem."))
    found_on = _check_date(found_on or activity.date, "found_on")
    if found_on < activity.date:
        raise DomainError(_("A problem cannot be found before the activity that found it."), field="found_on")
    requirement = _text(requirement, "requirement", "", 2000, required=False)
    if deadline is not None:
        deadline = _check_deadline(deadline, found_on)
        if not requirement:
            raise DomainError(_("Say what the department must rectify."), field="requirement")
    elif requirement:
        raise DomainError(_("Set the rectification deadline."), field="deadline")
    problem = Problem.objects.create(
        org_id=activity.org_id,
        activity=activity,
        department=department,
        category=category,
        description=description,
        found_on=found_on,
    )
    _event(actor, problem, codes.ProblemStep.FOUND, found_on, "", description)
    audit.record_create(actor=actor, action="supervision.problem_record", obj=problem)
    if deadline is not None:
        _move(
            actor, problem, codes.ProblemStep.ORDER, found_on, requirement, requirement=requirement, deadline=deadline
        )
    return problem


def _locked(actor, problem: Problem, step: str, expected_version) -> Problem:
    """The problem re-read under a row lock, after the checks every step shares."""
    problem = Problem.objects.select_for_update(of=("self",)).select_related("org").get(pk=problem.pk)
    _require(actor, problem.org, Action.CHANGE)
    if expected_version not in (None, "") and int(expected_version) != problem.version:
        raise Conflict(STALE_MESSAGE, code="stale")
    sources, _target = codes.TRANSITIONS[step]
    if problem.status not in sources:
        raise DomainError(
            _("A problem that is “%(status)s” cannot be “%(step)s”.")
            % {"status": problem.get_status_display(), "step": codes.STEP_ACTIONS[step]},
            code="illegal_transition",
        )
    return problem


def _move(actor, problem: Problem, step: str, date, note: str = "", **fields) -> Problem:
    before = audit.snapshot(problem)
    from_status = problem.status
    _sources, target = codes.TRANSITIONS[step]
    if target is not None:
        problem.status = target
    for key, value in fields.items():
        setattr(problem, key, value)
    problem.version += 1
    problem.save()
    _event(actor, problem, step, date, from_status, note)
    changes = audit.diff(before, audit.snapshot(problem))
    changes.pop("version", None)
    if note:
        changes["note"] = note
    audit.record(actor=actor, action=f"supervision.problem_{step}", kind=AuditKind.ACTION, obj=problem, changes=changes)
    return problem


def _step_date(value, problem: Problem, field="date"):
    value = _check_date(value or _today(), field)
    if value < problem.found_on:
        raise DomainError(_("The date cannot be before the problem was found."), field=field)
    return value


@transaction.atomic
def problem_order(
    *, actor, problem: Problem, deadline: datetime.date, requirement: str, date=None, expected_version=None
) -> Problem:
    """Order the responsible department to rectify by a deadline (下发整改意见)."""
    problem = _locked(actor, problem, codes.ProblemStep.ORDER, expected_version)
    date = _step_date(date, problem)
    requirement = _text(requirement, "requirement", _("Say what the department must rectify."), 2000)
    deadline = _check_deadline(deadline, problem.found_on)
    if deadline < date:
        raise DomainError(_("The rectification deadline cannot be before the order."), field="deadline")
    return _move(actor, problem, codes.ProblemStep.ORDER, date, requirement, requirement=requirement, deadline=deadline)


@transaction.atomic
def problem_note_progress(*, actor, problem: Problem, note: str, date=None, expected_version=None) -> Problem:
    """Note how the rectification is going (a call, a document received, a visit)."""
    problem = _locked(actor, problem, codes.ProblemStep.PROGRESS, expected_version)
    date = _step_date(date, problem)
    note = _text(note, "note", _("Describe the progress."), 2000)
    return _move(actor, problem, codes.ProblemStep.PROGRESS, date, note)


@transaction.atomic
def problem_rectified(
    *, actor, problem: Problem, result: str, rectified_on: datetime.date, expected_version=None
) -> Problem:
    """Record that the department has rectified, with what it did and when."""
    problem = _locked(actor, problem, codes.ProblemStep.RECTIFIED, expected_version)
    rectified_on = _step_date(rectified_on, problem, "rectified_on")
    result = _text(result, "result", _("Say what the department did to rectify."), 2000)
    return _move(
        actor, problem, codes.ProblemStep.RECTIFIED, rectified_on, result, result=result, rectified_on=rectified_on
    )


@transaction.atomic
def problem_verify(
    *, actor, problem: Problem, verified_on: datetime.date, note: str = "", expected_version=None
) -> Problem:
    """The office checks the rectification and closes the problem (整改销号)."""
    problem = _locked(actor, problem, codes.ProblemStep.VERIFIED, expected_version)
    verified_on = _step_date(verified_on, problem, "verified_on")
    if verified_on < problem.rectified_on:
        raise DomainError(_("The verification cannot be before the rectification."), field="verified_on")
    note = _text(note, "note", "", 2000, required=False) or _("Rectification checked and confirmed.")
    return _move(
        actor,
        problem,
        codes.ProblemStep.VERIFIED,
        verified_on,
        note,
        verified_on=verified_on,
        verified_by=_actor_user(actor),
    )


@transaction.atomic
def problem_reopen(
    *, actor, problem: Problem, reason: str, deadline: datetime.date, date=None, expected_version=None
) -> Problem:
    """The rectification did not hold: back to “being rectified” with a new deadline."""
    problem = _locked(actor, problem, codes.ProblemStep.REOPENED, expected_version)
    date = _step_date(date, problem)
    reason = _text(reason, "reason", _("Give the reason."), 2000)
    deadline = _check_deadline(deadline, problem.found_on)
    if deadline < date:
        raise DomainError(_("The new deadline cannot be before today's reopening."), field="deadline")
    return _move(
        actor,
        problem,
        codes.ProblemStep.REOPENED,
        date,
        reason,
        deadline=deadline,
        rectified_on=None,
        result="",
        verified_on=None,
        verified_by=None,
    )


# --- enforcement disputes ----------------------------------------------------------------------------


@transaction.atomic
def dispute_record(
    *,
    actor,
    office: OrgNode,
    subject: str,
    description: str,
    received_on: datetime.date,
    departments=(),
    parties: str = "",
) -> EnforcementDispute:
    """Register an enforcement dispute brought to the office for coordination."""
    office = _office(actor, office, Action.CREATE)
    subject = _text(subject, "subject", _("Enter the subject of the dispute."), 200)
    description = _text(description, "description", _("Describe the enforcement dispute."))
    received_on = _check_date(received_on, "received_on")
    departments = _departments(office, departments, "departments", required=False)
    parties = _text(parties, "parties", "", 300, required=False)
    if len(departments) + (1 if parties else 0) < 2:
        raise DomainError(
            _("Name the sides of the dispute: two departments, or a department and the other parties."),
            field="departments",
        )
    dispute = EnforcementDispute.objects.create(
        org=office,
        subject=subject,
        description=description,
        received_on=received_on,
        parties=parties,
        recorded_by_repr=_actor_repr(actor),
    )
    dispute.departments.set(departments)
    audit.record_create(actor=actor, action="supervision.dispute_record", obj=dispute)
    return dispute


@transaction.atomic
def dispute_coordinate(
    *,
    actor,
    dispute: EnforcementDispute,
    outcome: str,
    result: str,
    concluded_on: datetime.date,
    expected_version=None,
) -> EnforcementDispute:
    """Close the coordination with its outcome, result and date."""
    dispute = EnforcementDispute.objects.select_for_update(of=("self",)).select_related("org").get(pk=dispute.pk)
    _require(actor, dispute.org, Action.CHANGE)
    if expected_version not in (None, "") and int(expected_version) != dispute.version:
        raise Conflict(STALE_MESSAGE, code="stale")
    if dispute.status != codes.DisputeStatus.OPEN:
        raise DomainError(
            _("The coordination of this dispute was closed on %(date)s.") % {"date": dispute.concluded_on.isoformat()},
            code="illegal_transition",
        )
    outcome = _choice(outcome, codes.DisputeOutcome, "outcome", _("Choose how the coordination ended."))
    result = _text(result, "result", _("Record the result of the coordination."), 2000)
    concluded_on = _check_date(concluded_on, "concluded_on")
    if concluded_on < dispute.received_on:
        raise DomainError(_("The coordination cannot end before the dispute was received."), field="concluded_on")
    before = audit.snapshot(dispute)
    dispute.status = codes.DisputeStatus.CLOSED
    dispute.outcome = outcome
    dispute.result = result
    dispute.concluded_on = concluded_on
    dispute.concluded_by_repr = _actor_repr(actor)
    dispute.version += 1
    dispute.save()
    changes = audit.diff(before, audit.snapshot(dispute))
    changes.pop("version", None)
    audit.record(
        actor=actor, action="supervision.dispute_coordinate", kind=AuditKind.ACTION, obj=dispute, changes=changes
    )
    return dispute
