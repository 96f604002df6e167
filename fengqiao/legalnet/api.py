"""Service points and village legal advisors endpoints under /api/v1/service-network.

Every operation starts from `visible_to`: another office's point or log answers 404 like a missing
one. Writes need the action on the module (403 otherwise) and on the object (404)."""

from __future__ import annotations

import datetime
from typing import Literal

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from fengqiao.core import audit
from fengqiao.core.api import ErrorOut, body_doc, principal, scoped_get
from fengqiao.core.api import parse_body as _parse
from fengqiao.core.converters import MAX_ID
from fengqiao.core.errors import Conflict, DomainError, Forbidden, NotFound
from fengqiao.core.permissions import Action, Module

from . import codes, selectors, services
from .models import PointStaff, ServicePoint, WorkLog

router = Router(tags=["legalnet"])
POINT = {"x-scoped-model": "legalnet.ServicePoint"}
STAFF = {"x-scoped-model": "legalnet.PointStaff"}
LOG = {"x-scoped-model": "legalnet.WorkLog"}


def _require_action(request, action: str):
    if not principal(request).has_action(Module.LEGAL_SERVICES, action):
        raise Forbidden(
            _("You may not do this: it needs the “%(action)s” right on public legal services.")
            % {"action": Action(action).label}
        )


def _office(request, pk: int, action: str):
    return selectors.office_in_scope(principal(request), pk, action)


def _village(request, pk: int, action: str):
    return selectors.village_in_scope(principal(request), pk, action)


def _conflicts(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except DomainError as exc:
        if exc.code in ("illegal_transition", "stale"):
            raise Conflict(str(exc), code=exc.code) from None
        raise


# --- schemas -----------------------------------------------------------------------------------------


class StaffOut(Schema):
    id: int
    name: str
    phone: str
    user_id: int | None
    duty: str
    since: datetime.date
    until: datetime.date | None


class PointItem(Schema):
    id: int
    office_id: int
    office_name: str
    kind: str
    kind_label: str
    name: str
    partner: str
    hours: str
    address: str
    phone: str
    opened_on: datetime.date
    status: str
    closed_on: datetime.date | None
    on_duty: int


class PointPage(Schema):
    items: list[PointItem]
    next_cursor: str | None


class PointDetail(PointItem):
    close_reason: str
    note: str
    version: str
    staff: list[StaffOut]


class PointIn(Schema):
    office_id: int = Field(..., ge=1, le=MAX_ID)
    kind: codes.PointKind
    name: str = Field("", max_length=100)
    partner: str = Field(..., min_length=1, max_length=100)
    hours: str = Field(..., min_length=1, max_length=100)
    address: str = Field(..., min_length=1, max_length=200)
    phone: str = Field("", max_length=30)
    opened_on: datetime.date
    note: str = Field("", max_length=2000)


class StaffIn(Schema):
    user_id: int | None = Field(None, ge=1, le=MAX_ID, description="An active user of the point's office")
    name: str = Field("", max_length=50, description="Required without user_id")
    phone: str = Field("", max_length=30)
    duty: str = Field("", max_length=100)
    since: datetime.date
    expected_version: str | None = None


class CloseIn(Schema):
    closed_on: datetime.date
    reason: str = Field(..., min_length=1, max_length=2000)
    expected_version: str | None = None


class UntilIn(Schema):
    until: datetime.date


class LogItem(Schema):
    id: int
    date: datetime.date
    office_id: int
    village_id: int
    village_name: str
    advisor_id: int
    advisor_name: str
    duty_days: int
    consultations: int
    lectures: int
    contract_reviews: int
    disputes: int
    note: str
    recorded_by: str


class LogPage(Schema):
    items: list[LogItem]
    next_cursor: str | None


class LogDetail(LogItem):
    version: str


class LogIn(Schema):
    village_id: int = Field(..., ge=1, le=MAX_ID)
    advisor_id: int = Field(..., ge=1, le=MAX_ID)
    date: datetime.date
    duty_days: int = Field(0, ge=0, le=1)
    consultations: int = Field(0, ge=0, le=codes.MAX_COUNT)
    lectures: int = Field(0, ge=0, le=codes.MAX_COUNT)
    contract_reviews: int = Field(0, ge=0, le=codes.MAX_COUNT)
    disputes: int = Field(0, ge=0, le=codes.MAX_COUNT)
    note: str = Field("", max_length=2000)


class LogPatch(Schema):
    duty_days: int | None = Field(None, ge=0, le=1)
    consultations: int | None = Field(None, ge=0, le=codes.MAX_COUNT)
    lectures: int | None = Field(None, ge=0, le=codes.MAX_COUNT)
    contract_reviews: int | None = Field(None, ge=0, le=codes.MAX_COUNT)
    disputes: int | None = Field(None, ge=0, le=codes.MAX_COUNT)
    note: str | None = Field(None, max_length=2000)
    expected_version: str | None = None


class AssignIn(Schema):
    village_id: int = Field(..., ge=1, le=MAX_ID)
    advisor_id: int = Field(..., ge=1, le=MAX_ID)
    date: datetime.date
    note: str = Field("", max_length=200)


# --- serialisation -----------------------------------------------------------------------------------


def _staff(s: PointStaff) -> dict:
    return {
        "id": s.pk,
        "name": s.name,
        "phone": s.phone,
        "user_id": s.user_id,
        "duty": s.duty,
        "since": s.since,
        "until": s.until,
    }


def _point(p: ServicePoint, on_duty: int | None = None) -> dict:
    if on_duty is None:
        on_duty = getattr(p, "on_duty", None)
    if on_duty is None:
        on_duty = selectors.on_duty_count(p)
    return {
        "id": p.pk,
        "office_id": p.office_id,
        "office_name": p.office.display_name,
        "kind": p.kind,
        "kind_label": str(p.get_kind_display()),
        "name": p.name,
        "partner": p.partner,
        "hours": p.hours,
        "address": p.address,
        "phone": p.phone,
        "opened_on": p.opened_on,
        "status": p.status,
        "closed_on": p.closed_on,
        "on_duty": on_duty,
    }


def _point_detail(p: ServicePoint) -> dict:
    staff = list(selectors.point_staff(p))
    return {
        **_point(p, on_duty=sum(1 for s in staff if s.until is None)),
        "close_reason": p.close_reason,
        "note": p.note,
        "version": audit.version_of(p),
        "staff": [_staff(s) for s in staff],
    }


def _log(log: WorkLog) -> dict:
    return {
        "id": log.pk,
        "date": log.date,
        "office_id": log.office_id,
        "village_id": log.org_id,
        "village_name": log.org.name,
        "advisor_id": log.advisor_id,
        "advisor_name": log.advisor.full_name or log.advisor.username,
        **{k: getattr(log, k) for k in codes.WORK_FIELDS},
        "note": log.note,
        "recorded_by": log.recorded_by_repr,
    }


def _get_point(request, pk, action=Action.VIEW):
    return scoped_get(ServicePoint, request, pk, action, select_related=("org", "office"))


def _get_log(request, pk, action=Action.VIEW):
    return scoped_get(WorkLog, request, pk, action, select_related=("org", "office", "advisor"))


# --- service points ----------------------------------------------------------------------------------


@router.get("/points", response={200: PointPage, 422: ErrorOut}, summary="List service points")
def list_points(
    request,
    q: str = Query("", max_length=50, description="Part of the name, partner body or address"),
    kind: codes.PointKind | Literal[""] = "",
    status: codes.PointStatus | Literal[""] = "",
    office: int | None = Query(None, ge=1, le=MAX_ID),
    cursor: str | None = None,
    size: int | None = Query(None, ge=1, le=200),
):
    """Service points the caller may see, newest first, a page at a time (`next_cursor`)."""
    office_obj = _office(request, office, Action.VIEW) if office else None
    if office and office_obj is None:
        return {"items": [], "next_cursor": None}
    page = selectors.point_search(
        principal(request), q=q.strip(), kind=str(kind), status=str(status), office=office_obj, cursor=cursor, size=size
    )
    return {"items": [_point(p) for p in page.items], "next_cursor": page.next_cursor}


@router.get(
    "/points/{pk}", response={200: PointDetail, 404: ErrorOut}, summary="One service point", openapi_extra=POINT
)
def get_point(request, pk: int):
    """The point with everyone who was on duty there (`until` null: on duty now)."""
    return _point_detail(_get_point(request, pk))


@router.post(
    "/points",
    response={201: PointDetail, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Set up a service point",
)
def open_point(request, payload: PointIn):
    """Refused with 400 `duplicate` when the office already has an open point of the kind."""
    _require_action(request, Action.CREATE)
    office = _office(request, payload.office_id, Action.CREATE)
    if office is None:
        raise NotFound(_("No office with this id where you may set up service points."), field="office_id")
    data = payload.model_dump(exclude={"office_id"})
    data["kind"] = str(data["kind"])
    point = services.point_open(actor=principal(request), office=office, **data)
    return Status(201, _point_detail(_get_point(request, point.pk)))


@router.post(
    "/points/{pk}/staff",
    response={201: StaffOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Put someone on duty at a point",
    openapi_extra={**POINT, **body_doc(StaffIn)},
)
def add_staff(request, pk: int):
    _require_action(request, Action.CHANGE)
    point = _get_point(request, pk, Action.CHANGE)
    body = _parse(request, StaffIn)
    user = None
    if body.user_id is not None:
        user = selectors.user_of_office(body.user_id, point.office_id)
        if user is None:
            raise DomainError(_("Choose an active user of the point's own office."), field="user_id")
    staff = _conflicts(
        services.staff_add,
        actor=principal(request),
        point=point,
        user=user,
        name=body.name,
        phone=body.phone,
        duty=body.duty,
        since=body.since,
        expected_version=body.expected_version,
    )
    return Status(201, _staff(staff))


@router.post(
    "/points/{pk}/close",
    response={200: PointDetail, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Close a service point",
    openapi_extra={**POINT, **body_doc(CloseIn)},
)
def close_point(request, pk: int):
    """Its people go off duty the same day. 409 `illegal_transition` when already closed."""
    _require_action(request, Action.CHANGE)
    point = _get_point(request, pk, Action.CHANGE)
    body = _parse(request, CloseIn)
    _conflicts(
        services.point_close,
        actor=principal(request),
        point=point,
        closed_on=body.closed_on,
        reason=body.reason,
        expected_version=body.expected_version,
    )
    return _point_detail(_get_point(request, pk))


@router.post(
    "/staff/{pk}/remove",
    response={200: StaffOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Take a person off duty",
    openapi_extra={**STAFF, **body_doc(UntilIn)},
)
def remove_staff(request, pk: int):
    _require_action(request, Action.CHANGE)
    staff = scoped_get(PointStaff, request, pk, Action.CHANGE)
    body = _parse(request, UntilIn)
    staff = _conflicts(services.staff_remove, actor=principal(request), staff=staff, until=body.until)
    return _staff(staff)


@router.get("/gaps", response=dict, summary="Offices × the five kinds of service point")
def gaps(request):
    """For each office: each kind `ok` (open and staffed), `unstaffed` or `missing`."""
    data = selectors.gaps(principal(request))
    return {
        "totals": data["totals"],
        "offices": [
            {
                "office_id": r["office"].pk,
                "office_name": r["office"].display_name,
                "present": r["present"],
                "complete": r["complete"],
                "points": {
                    c["kind"]: {"state": c["state"], "point_id": c["point"]["pk"] if c["point"] else None}
                    for c in r["cells"]
                },
            }
            for r in data["rows"]
        ],
    }


# --- advisors ----------------------------------------------------------------------------------------


@router.get("/villages", response={200: dict, 422: ErrorOut}, summary="Villages with their advisors")
def villages(
    request,
    office: int | None = Query(None, ge=1, le=MAX_ID),
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    uncovered: bool = False,
):
    """Villages of the caller's scope, their current advisors and the period's logs (default: last
    90 days). `state`: ok (an advisor logged work), inactive (advisor assigned, nothing logged),
    none (no advisor)."""
    office_obj = _office(request, office, Action.VIEW) if office else None
    if office and office_obj is None:
        return {"totals": {}, "villages": []}
    data = selectors.advisor_villages(
        principal(request), office=office_obj, start=date_from, end=date_to, uncovered_only=uncovered
    )
    return {
        "date_from": data["start"].isoformat(),
        "date_to": data["end"].isoformat(),
        "totals": data["totals"],
        "villages": [
            {
                "village_id": r["village"].pk,
                "village_name": r["village"].name,
                "office_id": r["village"].office_id,
                "state": r["state"],
                "advisors": [{"id": a["id"], "name": a["name"]} for a in r["advisors"]],
                "last_log": r["last_log"].isoformat() if r["last_log"] else None,
                "logs": r["logs"],
            }
            for r in data["rows"]
        ],
    }


@router.post(
    "/assignments",
    response={201: dict, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Assign a legal advisor to a village",
)
def assign(request, payload: AssignIn):
    """Adds the village to the advisor's served villages (their scope). Needs the right to manage
    the office's users."""
    _require_action(request, Action.CHANGE)
    village = _village(request, payload.village_id, Action.CHANGE)
    if village is None:
        raise NotFound(_("No village with this id in your unit."), field="village_id")
    advisor = selectors.user_of_office(payload.advisor_id, village.office_id)
    if advisor is None:
        raise DomainError(_("Choose a legal advisor of the village's own office."), field="advisor_id")
    a = services.advisor_assign(
        actor=principal(request), village=village, advisor=advisor, started_on=payload.date, note=payload.note
    )
    return Status(201, {"id": a.pk, "village_id": a.org_id, "advisor_id": a.advisor_id, "started_on": a.started_on})


@router.post(
    "/assignments/end",
    response={200: dict, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="End a legal advisor's service of a village",
)
def unassign(request, payload: AssignIn):
    _require_action(request, Action.CHANGE)
    village = _village(request, payload.village_id, Action.CHANGE)
    if village is None:
        raise NotFound(_("No village with this id in your unit."), field="village_id")
    advisor = selectors.user_of_office(payload.advisor_id, village.office_id)
    if advisor is None:
        raise DomainError(_("This advisor does not serve the village."), field="advisor_id")
    a = services.advisor_unassign(
        actor=principal(request), village=village, advisor=advisor, ended_on=payload.date, note=payload.note
    )
    return {
        "id": a.pk,
        "village_id": a.org_id,
        "advisor_id": a.advisor_id,
        "started_on": a.started_on,
        "ended_on": a.ended_on,
    }


# --- work logs ---------------------------------------------------------------------------------------


@router.get("/worklogs", response={200: LogPage, 422: ErrorOut}, summary="List advisors' work logs")
def list_logs(
    request,
    q: str = Query("", max_length=50, description="Part of the advisor's name or of the note"),
    village: int | None = Query(None, ge=1, le=MAX_ID),
    office: int | None = Query(None, ge=1, le=MAX_ID),
    advisor: int | None = Query(None, ge=1, le=MAX_ID),
    kind: Literal["", "duty_days", "consultations", "lectures", "contract_reviews", "disputes"] = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    cursor: str | None = None,
    size: int | None = Query(None, ge=1, le=200),
):
    """Work logs the caller may see, newest day first (`next_cursor` for the next page)."""
    p = principal(request)
    village_obj = _village(request, village, Action.VIEW) if village else None
    office_obj = _office(request, office, Action.VIEW) if office else None
    if (village and village_obj is None) or (office and office_obj is None):
        return {"items": [], "next_cursor": None}
    page = selectors.log_search(
        p,
        q=q.strip(),
        village=village_obj,
        office=office_obj,
        advisor=advisor,
        kind=kind,
        date_from=date_from,
        date_to=date_to,
        cursor=cursor,
        size=size,
    )
    return {"items": [_log(x) for x in page.items], "next_cursor": page.next_cursor}


@router.get("/worklogs/{pk}", response={200: LogDetail, 404: ErrorOut}, summary="One work log", openapi_extra=LOG)
def get_log(request, pk: int):
    log = _get_log(request, pk)
    return {**_log(log), "version": audit.version_of(log)}


@router.post(
    "/worklogs",
    response={201: LogDetail, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Record an advisor's work in a village on a day",
)
def add_log(request, payload: LogIn):
    """One log per advisor, village and day (400 `duplicate` for a second). An advisor records their
    own work; office staff anyone's."""
    _require_action(request, Action.CREATE)
    village = _village(request, payload.village_id, Action.CREATE)
    if village is None:
        raise NotFound(_("No village with this id in your unit."), field="village_id")
    advisor = selectors.user_of_office(payload.advisor_id, village.office_id)
    if advisor is None:
        raise DomainError(_("This advisor did not serve the village on that day."), field="advisor_id")
    counts = {k: getattr(payload, k) for k in codes.WORK_FIELDS}
    log = services.worklog_add(
        actor=principal(request), village=village, advisor=advisor, date=payload.date, note=payload.note, **counts
    )
    log = _get_log(request, log.pk)
    return Status(201, {**_log(log), "version": audit.version_of(log)})


@router.patch(
    "/worklogs/{pk}",
    response={200: LogDetail, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Correct a work log",
    openapi_extra={**LOG, **body_doc(LogPatch)},
)
def patch_log(request, pk: int):
    _require_action(request, Action.CHANGE)
    log = _get_log(request, pk, Action.CHANGE)
    body = _parse(request, LogPatch)
    counts = {k: getattr(body, k) for k in codes.WORK_FIELDS if getattr(body, k) is not None}
    _conflicts(
        services.worklog_update,
        actor=principal(request),
        log=log,
        expected_version=body.expected_version,
        note=body.note,
        **counts,
    )
    log = _get_log(request, pk)
    return {**_log(log), "version": audit.version_of(log)}


@router.get("/workload", response={200: dict, 422: ErrorOut}, summary="Work per village and month")
def workload(
    request, year: int | None = Query(None, ge=2000, le=2200), office: int | None = Query(None, ge=1, le=MAX_ID)
):
    year = year or timezone.localdate().year
    office_obj = _office(request, office, Action.VIEW) if office else None
    if office and office_obj is None:
        return {"year": year, "villages": []}
    data = selectors.monthly_workload(principal(request), year=year, office=office_obj)
    return {
        "year": year,
        "villages": [
            {"village_id": r["org_id"], "village_name": r["village"], "months": r["months"], "total": r["total"]}
            for r in data["rows"]
        ],
    }


@router.get("/metrics", response={200: dict, 422: ErrorOut}, summary="Figures of a period per office")
def metrics(request, date_from: datetime.date | None = None, date_to: datetime.date | None = None):
    """office_figures for the offices in the caller's scope (default: this year)."""
    today = timezone.localdate()
    date_from = date_from or today.replace(month=1, day=1)
    date_to = date_to or today
    if date_to < date_from:
        raise DomainError(_("The period ends before it starts."), code="invalid_period", field="date_to")
    data = selectors.metrics(principal(request), date_from=date_from, date_to=date_to)
    return {
        "date_from": date_from.isoformat(),
        "date_to": date_to.isoformat(),
        "figures": {code: {**spec, "name": str(spec["name"])} for code, spec in selectors.FIGURES.items()},
        "totals": data["totals"],
        "offices": [
            {
                "office_id": r["office"].pk,
                "office_name": r["office"].display_name,
                **{k: r[k] for k in selectors.FIGURES},
            }
            for r in data["offices"]
        ],
    }
