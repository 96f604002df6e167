"""Law-enforcement supervision endpoints under /api/v1/supervision: departments, supervision
activities, the problems found and each step of their rectification, enforcement disputes, and the
figures.

Every operation starts from `visible_to`: another office's record answers 404 like a missing one.
Writes need the action on the module (403 otherwise) and on the record (404).
"""

from __future__ import annotations

import datetime
from typing import Literal

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from fengqiao.core.api import ErrorOut, body_doc, principal, scoped_get
from fengqiao.core.api import parse_body as _parse
from fengqiao.core.converters import MAX_ID
from fengqiao.core.errors import Conflict, DomainError, Forbidden, NotFound
from fengqiao.core.permissions import Action, Module

from . import codes, selectors, services
from .models import Activity, Department, EnforcementDispute, Problem

router = Router(tags=["supervision"])
ACTIVITY = {"x-scoped-model": "supervision.Activity"}
PROBLEM = {"x-scoped-model": "supervision.Problem"}
DISPUTE = {"x-scoped-model": "supervision.EnforcementDispute"}
WRITE = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _require_action(request, action: str):
    if not principal(request).has_action(Module.SUPERVISION, action):
        raise Forbidden(
            _("You may not do this: it needs the “%(action)s” right on law-enforcement supervision.")
            % {"action": Action(action).label}
        )


def _office(request, pk: int, action: str):
    office = selectors.office_in_scope(principal(request), pk, action)
    if office is None:
        raise NotFound(_("No judicial office with this id where you may record supervision."), field="office_id")
    return office


def _departments(request, ids: list[int], office, field="department_ids"):
    found = list(Department.objects.visible_to(principal(request)).filter(pk__in=ids, office_id=office.pk))
    if len(found) != len(set(ids)):
        raise DomainError(_("Choose active departments of the office's own town."), field=field)
    return found


def _conflict(exc: DomainError):
    if exc.code == "illegal_transition":
        return Conflict(str(exc), code="illegal_transition")
    return exc


# --- schemas -----------------------------------------------------------------------------------------


class DepartmentOut(Schema):
    id: int
    office_id: int
    name: str
    kind: str
    contact: str
    phone: str
    is_active: bool


class DepartmentIn(Schema):
    office_id: int = Field(..., ge=1, le=MAX_ID)
    name: str = Field(..., min_length=1, max_length=100)
    kind: codes.DepartmentKind
    contact: str = Field("", max_length=50)
    phone: str = Field("", max_length=30)


class ActivityItem(Schema):
    id: int
    office_id: int
    office_name: str
    kind: str
    kind_label: str
    title: str
    date: datetime.date
    department_ids: list[int]
    department_names: list[str]
    files_reviewed: int
    sites_inspected: int


class ActivityPage(Schema):
    items: list[ActivityItem]
    next_cursor: str | None


class ProblemItem(Schema):
    id: int
    office_id: int
    activity_id: int
    department_id: int
    department_name: str
    category: str
    category_label: str
    description: str
    found_on: datetime.date
    status: str
    status_label: str
    requirement: str
    deadline: datetime.date | None
    overdue: bool
    rectified_on: datetime.date | None
    result: str
    verified_on: datetime.date | None
    version: int


class ProblemPage(Schema):
    items: list[ProblemItem]
    next_cursor: str | None


class EventOut(Schema):
    id: int
    step: str
    step_label: str
    date: datetime.date
    note: str
    from_status: str
    to_status: str
    by: str


class ProblemDetail(ProblemItem):
    can_change: bool
    allowed_steps: list[str]
    timeline: list[EventOut]


class ActivityDetail(ActivityItem):
    participants: str
    partners: str
    summary: str
    recorded_by: str
    problems: list[ProblemItem]
    can_change: bool


class ActivityIn(Schema):
    office_id: int = Field(..., ge=1, le=MAX_ID)
    kind: codes.ActivityKind
    title: str = Field(..., min_length=1, max_length=200)
    date: datetime.date
    department_ids: list[int] = Field(..., min_length=1, max_length=50)
    participants: str = Field(..., min_length=1, max_length=500)
    partners: str = Field("", max_length=300)
    files_reviewed: int = Field(0, ge=0, le=100000)
    sites_inspected: int = Field(0, ge=0, le=100000)
    summary: str = Field(..., min_length=1, max_length=5000)


class ProblemIn(Schema):
    department_id: int = Field(..., ge=1, le=MAX_ID)
    category: codes.ProblemCategory
    description: str = Field(..., min_length=1, max_length=5000)
    found_on: datetime.date | None = None
    deadline: datetime.date | None = None
    requirement: str = Field("", max_length=2000)


class OrderIn(Schema):
    requirement: str = Field(..., min_length=1, max_length=2000)
    deadline: datetime.date
    date: datetime.date | None = None
    expected_version: int | None = None


class ProgressIn(Schema):
    note: str = Field(..., min_length=1, max_length=2000)
    date: datetime.date | None = None
    expected_version: int | None = None


class RectifiedIn(Schema):
    result: str = Field(..., min_length=1, max_length=2000)
    rectified_on: datetime.date
    expected_version: int | None = None


class VerifyIn(Schema):
    verified_on: datetime.date
    note: str = Field("", max_length=2000)
    expected_version: int | None = None


class ReopenIn(Schema):
    reason: str = Field(..., min_length=1, max_length=2000)
    deadline: datetime.date
    date: datetime.date | None = None
    expected_version: int | None = None


class DisputeItem(Schema):
    id: int
    office_id: int
    subject: str
    department_ids: list[int]
    department_names: list[str]
    parties: str
    received_on: datetime.date
    status: str
    status_label: str
    outcome: str
    concluded_on: datetime.date | None


class DisputePage(Schema):
    items: list[DisputeItem]
    next_cursor: str | None


class DisputeDetail(DisputeItem):
    description: str
    result: str
    version: int
    can_change: bool


class DisputeIn(Schema):
    office_id: int = Field(..., ge=1, le=MAX_ID)
    subject: str = Field(..., min_length=1, max_length=200)
    description: str = Field(..., min_length=1, max_length=5000)
    received_on: datetime.date
    department_ids: list[int] = Field(default_factory=list, max_length=50)
    parties: str = Field("", max_length=300)


class CoordinateIn(Schema):
    outcome: codes.DisputeOutcome
    result: str = Field(..., min_length=1, max_length=2000)
    concluded_on: datetime.date
    expected_version: int | None = None


# --- serialisation -----------------------------------------------------------------------------------


def _department(d: Department) -> dict:
    return {
        "id": d.pk,
        "office_id": d.office_id,
        "name": d.name,
        "kind": d.kind,
        "contact": d.contact,
        "phone": d.phone,
        "is_active": d.is_active,
    }


def _activity(a: Activity) -> dict:
    departments = list(a.departments.all())
    return {
        "id": a.pk,
        "office_id": a.office_id,
        "office_name": a.office.display_name,
        "kind": a.kind,
        "kind_label": str(a.get_kind_display()),
        "title": a.title,
        "date": a.date,
        "department_ids": [d.pk for d in departments],
        "department_names": [d.name for d in departments],
        "files_reviewed": a.files_reviewed,
        "sites_inspected": a.sites_inspected,
    }


def _problem(p: Problem, today) -> dict:
    return {
        "id": p.pk,
        "office_id": p.office_id,
        "activity_id": p.activity_id,
        "department_id": p.department_id,
        "department_name": p.department.name,
        "category": p.category,
        "category_label": str(p.get_category_display()),
        "description": p.description,
        "found_on": p.found_on,
        "status": p.status,
        "status_label": str(p.get_status_display()),
        "requirement": p.requirement,
        "deadline": p.deadline,
        "overdue": p.is_overdue(today),
        "rectified_on": p.rectified_on,
        "result": p.result,
        "verified_on": p.verified_on,
        "version": p.version,
    }


def _may(request, model, obj) -> bool:
    p = principal(request)
    return p.has_action(Module.SUPERVISION, Action.CHANGE) and (
        model.objects.visible_to(p, Action.CHANGE).filter(pk=obj.pk).exists()
    )


def _problem_detail(request, problem: Problem) -> dict:
    return {
        **_problem(problem, timezone.localdate()),
        "can_change": _may(request, Problem, problem),
        "allowed_steps": [str(s) for s in codes.allowed_steps(problem.status)],
        "timeline": [
            {
                "id": e.pk,
                "step": e.step,
                "step_label": str(e.get_step_display()),
                "date": e.date,
                "note": e.note,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "by": e.by_repr,
            }
            for e in selectors.problem_timeline(problem)
        ],
    }


def _dispute(d: EnforcementDispute) -> dict:
    departments = list(d.departments.all())
    return {
        "id": d.pk,
        "office_id": d.office_id,
        "subject": d.subject,
        "department_ids": [x.pk for x in departments],
        "department_names": [x.name for x in departments],
        "parties": d.parties,
        "received_on": d.received_on,
        "status": d.status,
        "status_label": str(d.get_status_display()),
        "outcome": d.outcome,
        "concluded_on": d.concluded_on,
    }


def _dispute_detail(request, d: EnforcementDispute) -> dict:
    return {
        **_dispute(d),
        "description": d.description,
        "result": d.result,
        "version": d.version,
        "can_change": d.status == codes.DisputeStatus.OPEN and _may(request, EnforcementDispute, d),
    }


def _filter_office(request, office: int | None):
    """The office filter, or False when it names an office outside the caller's scope."""
    if office is None:
        return None
    found = selectors.office_in_scope(principal(request), office)
    return found if found is not None else False


# --- departments -------------------------------------------------------------------------------------


@router.get("/departments", response={200: list[DepartmentOut], 422: ErrorOut}, summary="Enforcing departments")
def list_departments(
    request,
    q: str = Query("", max_length=50),
    office: int | None = Query(None, ge=1, le=MAX_ID),
    active: bool = False,
):
    """The enforcing departments of the offices the caller sees (at most 300)."""
    office_obj = _filter_office(request, office)
    if office_obj is False:
        return []
    return [
        _department(d)
        for d in selectors.department_list(principal(request), office=office_obj, q=q.strip(), active_only=active)
    ]


@router.post("/departments", response={201: DepartmentOut, **WRITE}, summary="Add an enforcing department")
def create_department(request, payload: DepartmentIn):
    _require_action(request, Action.CREATE)
    office = _office(request, payload.office_id, Action.CREATE)
    data = payload.model_dump(exclude={"office_id"})
    data["kind"] = str(data["kind"])
    return Status(201, _department(services.department_create(actor=principal(request), office=office, **data)))


# --- activities --------------------------------------------------------------------------------------


@router.get("/activities", response={200: ActivityPage, 422: ErrorOut}, summary="List supervision activities")
def list_activities(
    request,
    q: str = Query("", max_length=50, description="Part of the subject or summary"),
    kind: codes.ActivityKind | Literal[""] = "",
    office: int | None = Query(None, ge=1, le=MAX_ID),
    department: int | None = Query(None, ge=1, le=MAX_ID),
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    cursor: str | None = None,
    size: int | None = Query(None, ge=1, le=200),
):
    """Activities the caller may see, newest first, a page at a time (`next_cursor`)."""
    office_obj = _filter_office(request, office)
    if office_obj is False:
        return {"items": [], "next_cursor": None}
    page = selectors.activity_search(
        principal(request),
        q=q.strip(),
        kind=str(kind),
        office=office_obj,
        department=department,
        date_from=date_from,
        date_to=date_to,
        cursor=cursor,
        size=size,
    )
    return {"items": [_activity(a) for a in page.items], "next_cursor": page.next_cursor}


def _activity_detail(request, activity: Activity) -> dict:
    today = timezone.localdate()
    return {
        **_activity(activity),
        "participants": activity.participants,
        "partners": activity.partners,
        "summary": activity.summary,
        "recorded_by": activity.recorded_by_repr,
        "problems": [_problem(p, today) for p in selectors.activity_problems(activity)],
        "can_change": _may(request, Activity, activity),
    }


def _get_activity(request, pk, action=Action.VIEW) -> Activity:
    return scoped_get(Activity, request, pk, action, select_related=("office", "org"))


@router.get(
    "/activities/{pk}",
    response={200: ActivityDetail, 404: ErrorOut},
    summary="One supervision activity",
    openapi_extra=ACTIVITY,
)
def get_activity(request, pk: int):
    """The activity with the problems it found."""
    return _activity_detail(request, _get_activity(request, pk))


@router.post("/activities", response={201: ActivityDetail, **WRITE}, summary="Record a supervision activity")
def create_activity(request, payload: ActivityIn):
    """A case-file review needs `files_reviewed`, an on-site inspection `sites_inspected`, a joint
    supervision the other bodies in `partners`; the departments must be the office's own."""
    _require_action(request, Action.CREATE)
    office = _office(request, payload.office_id, Action.CREATE)
    departments = _departments(request, payload.department_ids, office)
    data = payload.model_dump(exclude={"office_id", "department_ids"})
    data["kind"] = str(data["kind"])
    activity = services.activity_record(actor=principal(request), office=office, departments=departments, **data)
    return Status(201, _activity_detail(request, _get_activity(request, activity.pk)))


@router.post(
    "/activities/{pk}/problems",
    response={201: ProblemDetail, **WRITE},
    summary="Record a problem found in an activity",
    openapi_extra={**ACTIVITY, **body_doc(ProblemIn)},
)
def add_problem(request, pk: int):
    """With `deadline` (and `requirement`) the rectification is ordered at once."""
    _require_action(request, Action.CHANGE)
    activity = _get_activity(request, pk, Action.CHANGE)
    body = _parse(request, ProblemIn)
    department = (
        Department.objects.visible_to(principal(request))
        .filter(pk=body.department_id, office_id=activity.office_id)
        .first()
    )
    if department is None:
        raise DomainError(_("Choose an active department of the office's own town."), field="department_id")
    problem = services.problem_record(
        actor=principal(request),
        activity=activity,
        department=department,
        category=str(body.category),
        description=body.description,
        found_on=body.found_on,
        deadline=body.deadline,
        requirement=body.requirement,
    )
    return Status(201, _problem_detail(request, _get_problem(request, problem.pk)))


# --- problems ----------------------------------------------------------------------------------------


def _get_problem(request, pk, action=Action.VIEW) -> Problem:
    return scoped_get(Problem, request, pk, action, select_related=("office", "org", "department", "activity"))


@router.get("/problems", response={200: ProblemPage, 422: ErrorOut}, summary="List supervision problems")
def list_problems(
    request,
    q: str = Query("", max_length=50, description="Part of the description"),
    status: codes.ProblemStatus | Literal[""] = "",
    category: codes.ProblemCategory | Literal[""] = "",
    office: int | None = Query(None, ge=1, le=MAX_ID),
    department: int | None = Query(None, ge=1, le=MAX_ID),
    overdue: bool = False,
    open: bool = False,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    cursor: str | None = None,
    size: int | None = Query(None, ge=1, le=200),
):
    """Problems newest found first. `overdue`: open problems whose deadline has passed."""
    office_obj = _filter_office(request, office)
    if office_obj is False:
        return {"items": [], "next_cursor": None}
    page = selectors.problem_search(
        principal(request),
        q=q.strip(),
        status=str(status),
        category=str(category),
        office=office_obj,
        department=department,
        overdue=overdue,
        open_only=open,
        date_from=date_from,
        date_to=date_to,
        cursor=cursor,
        size=size,
    )
    today = timezone.localdate()
    return {"items": [_problem(p, today) for p in page.items], "next_cursor": page.next_cursor}


@router.get(
    "/problems/{pk}", response={200: ProblemDetail, 404: ErrorOut}, summary="One problem", openapi_extra=PROBLEM
)
def get_problem(request, pk: int):
    """The problem with its timeline (newest first) and the steps it allows now."""
    return _problem_detail(request, _get_problem(request, pk))


def _step(request, pk: int, schema, fn, **mapping):
    _require_action(request, Action.CHANGE)
    problem = _get_problem(request, pk, Action.CHANGE)
    body = _parse(request, schema)
    data = body.model_dump()
    try:
        fn(actor=principal(request), problem=problem, **data)
    except DomainError as exc:
        raise _conflict(exc) from None
    return _problem_detail(request, _get_problem(request, pk))


STEP_DOC = "Refused with 409 `illegal_transition` when the problem's status does not allow it, 409 `stale`"
STEP_DOC += " when `expected_version` is not the problem's current version."


@router.post(
    "/problems/{pk}/order",
    response={200: ProblemDetail, **WRITE},
    summary="Order the rectification (found → being rectified)",
    openapi_extra={**PROBLEM, **body_doc(OrderIn)},
    description=STEP_DOC,
)
def order(request, pk: int):
    return _step(request, pk, OrderIn, services.problem_order)


@router.post(
    "/problems/{pk}/progress",
    response={200: ProblemDetail, **WRITE},
    summary="Note rectification progress",
    openapi_extra={**PROBLEM, **body_doc(ProgressIn)},
    description=STEP_DOC,
)
def progress(request, pk: int):
    return _step(request, pk, ProgressIn, services.problem_note_progress)


@router.post(
    "/problems/{pk}/rectified",
    response={200: ProblemDetail, **WRITE},
    summary="Record the rectification (being rectified → rectified)",
    openapi_extra={**PROBLEM, **body_doc(RectifiedIn)},
    description=STEP_DOC,
)
def rectified(request, pk: int):
    return _step(request, pk, RectifiedIn, services.problem_rectified)


@router.post(
    "/problems/{pk}/verify",
    response={200: ProblemDetail, **WRITE},
    summary="Verify the rectification (rectified → verified)",
    openapi_extra={**PROBLEM, **body_doc(VerifyIn)},
    description=STEP_DOC,
)
def verify(request, pk: int):
    return _step(request, pk, VerifyIn, services.problem_verify)


@router.post(
    "/problems/{pk}/reopen",
    response={200: ProblemDetail, **WRITE},
    summary="Reopen (rectified or verified → being rectified)",
    openapi_extra={**PROBLEM, **body_doc(ReopenIn)},
    description=STEP_DOC,
)
def reopen(request, pk: int):
    return _step(request, pk, ReopenIn, services.problem_reopen)


# --- enforcement disputes ----------------------------------------------------------------------------


def _get_dispute(request, pk, action=Action.VIEW) -> EnforcementDispute:
    return scoped_get(EnforcementDispute, request, pk, action, select_related=("office", "org"))


@router.get("/disputes", response={200: DisputePage, 422: ErrorOut}, summary="List enforcement disputes")
def list_disputes(
    request,
    q: str = Query("", max_length=50, description="Part of the subject or the parties"),
    status: codes.DisputeStatus | Literal[""] = "",
    office: int | None = Query(None, ge=1, le=MAX_ID),
    department: int | None = Query(None, ge=1, le=MAX_ID),
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    cursor: str | None = None,
    size: int | None = Query(None, ge=1, le=200),
):
    office_obj = _filter_office(request, office)
    if office_obj is False:
        return {"items": [], "next_cursor": None}
    page = selectors.dispute_search(
        principal(request),
        q=q.strip(),
        status=str(status),
        office=office_obj,
        department=department,
        date_from=date_from,
        date_to=date_to,
        cursor=cursor,
        size=size,
    )
    return {"items": [_dispute(d) for d in page.items], "next_cursor": page.next_cursor}


@router.get(
    "/disputes/{pk}",
    response={200: DisputeDetail, 404: ErrorOut},
    summary="One enforcement dispute",
    openapi_extra=DISPUTE,
)
def get_dispute(request, pk: int):
    return _dispute_detail(request, _get_dispute(request, pk))


@router.post("/disputes", response={201: DisputeDetail, **WRITE}, summary="Register an enforcement dispute")
def create_dispute(request, payload: DisputeIn):
    """The sides: two departments of the office's town, or a department and `parties`."""
    _require_action(request, Action.CREATE)
    office = _office(request, payload.office_id, Action.CREATE)
    departments = _departments(request, payload.department_ids, office)
    data = payload.model_dump(exclude={"office_id", "department_ids"})
    dispute = services.dispute_record(actor=principal(request), office=office, departments=departments, **data)
    return Status(201, _dispute_detail(request, _get_dispute(request, dispute.pk)))


@router.post(
    "/disputes/{pk}/coordinate",
    response={200: DisputeDetail, **WRITE},
    summary="Record the coordination of a dispute",
    openapi_extra={**DISPUTE, **body_doc(CoordinateIn)},
)
def coordinate(request, pk: int):
    """Refused with 409 `illegal_transition` when the coordination is already closed."""
    _require_action(request, Action.CHANGE)
    dispute = _get_dispute(request, pk, Action.CHANGE)
    body = _parse(request, CoordinateIn)
    data = body.model_dump()
    data["outcome"] = str(data["outcome"])
    try:
        services.dispute_coordinate(actor=principal(request), dispute=dispute, **data)
    except DomainError as exc:
        raise _conflict(exc) from None
    return _dispute_detail(request, _get_dispute(request, pk))


# --- figures -----------------------------------------------------------------------------------------


@router.get("/metrics", response={200: dict, 400: ErrorOut, 422: ErrorOut}, summary="Figures of a period")
def metrics(
    request,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    office: int | None = Query(None, ge=1, le=MAX_ID),
):
    """The figures of `office_figures` (see docs/supervision.md) for each office the caller sees,
    with totals; with `office`, also per department of that office. Default period: this year."""
    today = timezone.localdate()
    date_from = date_from or today.replace(month=1, day=1)
    date_to = date_to or today
    if date_to < date_from:
        raise DomainError(_("The period ends before it starts."), code="invalid_period", field="date_to")
    office_obj = _filter_office(request, office)
    if office_obj is False:
        raise NotFound(_("No judicial office with this id."), field="office")
    data = selectors.metrics(principal(request), date_from=date_from, date_to=date_to, office=office_obj)
    return {
        "date_from": date_from.isoformat(),
        "date_to": date_to.isoformat(),
        "figures": {code: {"name": str(f["name"]), "unit": str(f["unit"])} for code, f in selectors.FIGURES.items()},
        "totals": data["totals"],
        "offices": data["offices"],
        "departments": [
            {
                "department_id": row["department"].pk,
                "name": row["department"].name,
                **{k: v for k, v in row.items() if k != "department"},
            }
            for row in data["departments"]
        ],
    }
