"""Party building endpoints under /api/v1/party: the branch, members, activities, venues, the
violation register (view_sensitive only) and the figures.

Every operation starts from `visible_to`: another office's object answers 404 like a missing one.
Writes need the action on the module (403 otherwise) and on the object (404).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Literal

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from fengqiao.core.api import ErrorOut, body_doc, parse_body, principal, scoped_get
from fengqiao.core.converters import MAX_ID
from fengqiao.core.errors import Conflict, DomainError, Forbidden, NotFound
from fengqiao.core.permissions import Action, Module

from . import codes, selectors, services
from .models import Activity, Branch, Member, Venue, VenueCheck, Violation

router = Router(tags=["party"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _scoped(label):
    return {"x-scoped-model": f"party.{label}"}


def _require_action(request, action: str):
    if not principal(request).has_action(Module.PARTY, action):
        raise Forbidden(
            _("You may not do this: it needs the “%(action)s” right on party building.")
            % {"action": Action(action).label}
        )


def _office(request, pk: int, action: str):
    office = selectors.office_for(principal(request), pk, action)
    if office is None:
        raise NotFound(_("No office with this id where you may do this."), field="office_id")
    return office


def _branch_of(request, office, action):
    branch = selectors.branch_of(principal(request), office, action)
    if branch is None:
        raise DomainError(_("Register the office's party branch first."), code="no_branch", field="office_id")
    return branch


def _conflicts(exc: DomainError):
    if exc.code in ("illegal_transition", "stale"):
        raise Conflict(str(exc), code=exc.code) from None
    raise exc


# --- schemas -----------------------------------------------------------------------------------------


class BranchOut(Schema):
    id: int
    office_id: int
    name: str
    secretary: str
    established_on: datetime.date
    parent_organisation: str
    version: int


class BranchIn(Schema):
    office_id: int = Field(..., ge=1, le=MAX_ID)
    name: str = Field(..., min_length=1, max_length=100)
    secretary: str = Field(..., min_length=1, max_length=50)
    established_on: datetime.date
    parent_organisation: str = Field(..., min_length=1, max_length=100)


class MemberOut(Schema):
    id: int
    office_id: int
    branch_id: int
    name: str
    user_id: int | None
    status: str
    status_label: str
    joined_on: datetime.date
    formal_on: datetime.date | None
    transferred_in_on: datetime.date | None
    transferred_from: str
    transferred_out_on: datetime.date | None
    transferred_to: str
    active: bool
    version: int


class MemberPage(Schema):
    items: list[MemberOut]
    next_cursor: str | None


class MemberIn(Schema):
    office_id: int = Field(..., ge=1, le=MAX_ID)
    name: str = Field(..., min_length=1, max_length=50)
    status: codes.MemberStatus
    joined_on: datetime.date
    formal_on: datetime.date | None = None
    user_id: int | None = Field(None, ge=1, le=MAX_ID)
    transferred_in_on: datetime.date | None = None
    transferred_from: str = Field("", max_length=100)


class ConfirmIn(Schema):
    formal_on: datetime.date
    expected_version: int | None = None


class TransferOutIn(Schema):
    date: datetime.date
    to: str = Field(..., min_length=1, max_length=100)
    expected_version: int | None = None


class ActivityOut(Schema):
    id: int
    office_id: int
    date: datetime.date
    type: str
    type_label: str
    topic: str
    place: str
    record: str
    expected_count: int
    present_count: int
    attendance_rate: float | None
    attendee_ids: list[int]


class ActivityPage(Schema):
    items: list[ActivityOut]
    next_cursor: str | None


class ActivityIn(Schema):
    office_id: int = Field(..., ge=1, le=MAX_ID)
    date: datetime.date
    type: codes.ActivityType
    topic: str = Field(..., min_length=1, max_length=200)
    place: str = Field("", max_length=100)
    record: str = Field(..., min_length=1, max_length=20000)
    attendee_ids: list[int] = Field(..., min_length=1, max_length=2000)


class CheckOut(Schema):
    id: int
    date: datetime.date
    result: str
    result_label: str
    checked_by: str
    notes: str


class VenueOut(Schema):
    id: int
    office_id: int
    name: str
    address: str
    area: Decimal
    facilities: str
    last_checked_on: datetime.date | None
    last_result: str
    checks: list[CheckOut] = []


class VenueIn(Schema):
    office_id: int = Field(..., ge=1, le=MAX_ID)
    name: str = Field(..., min_length=1, max_length=100)
    address: str = Field(..., min_length=1, max_length=200)
    area: Decimal = Field(..., gt=0, le=100000)
    facilities: str = Field("", max_length=2000)


class CheckIn(Schema):
    date: datetime.date
    result: codes.CheckResult
    checked_by: str = Field(..., min_length=1, max_length=100)
    notes: str = Field("", max_length=2000)


class ViolationOut(Schema):
    id: int
    office_id: int
    person: str
    date: datetime.date
    kind: str
    description: str
    status: str
    decision: str
    decision_note: str
    decided_on: datetime.date | None
    version: int


class ViolationPage(Schema):
    items: list[ViolationOut]
    next_cursor: str | None


class ViolationIn(Schema):
    office_id: int = Field(..., ge=1, le=MAX_ID)
    person: str = Field(..., min_length=1, max_length=50)
    date: datetime.date
    kind: codes.ViolationKind
    description: str = Field(..., min_length=1, max_length=5000)


class DecideIn(Schema):
    decision: codes.Decision
    decided_on: datetime.date
    note: str = Field(..., min_length=1, max_length=5000)
    expected_version: int | None = None


# --- serialisation -----------------------------------------------------------------------------------


def _branch(b: Branch) -> dict:
    return {
        "id": b.pk,
        "office_id": b.office_id,
        "name": b.name,
        "secretary": b.secretary,
        "established_on": b.established_on,
        "parent_organisation": b.parent_organisation,
        "version": b.version,
    }


def _member(m: Member) -> dict:
    return {
        "id": m.pk,
        "office_id": m.office_id,
        "branch_id": m.branch_id,
        "name": m.name,
        "user_id": m.user_id,
        "status": m.status,
        "status_label": str(m.get_status_display()),
        "joined_on": m.joined_on,
        "formal_on": m.formal_on,
        "transferred_in_on": m.transferred_in_on,
        "transferred_from": m.transferred_from,
        "transferred_out_on": m.transferred_out_on,
        "transferred_to": m.transferred_to,
        "active": m.active,
        "version": m.version,
    }


def _activity(a: Activity, attendee_ids=None) -> dict:
    return {
        "id": a.pk,
        "office_id": a.office_id,
        "date": a.date,
        "type": a.type,
        "type_label": str(a.get_type_display()),
        "topic": a.topic,
        "place": a.place,
        "record": a.record,
        "expected_count": a.expected_count,
        "present_count": a.present_count,
        "attendance_rate": a.attendance_rate,
        "attendee_ids": attendee_ids if attendee_ids is not None else sorted(a.attendees.values_list("pk", flat=True)),
    }


def _check(c: VenueCheck) -> dict:
    return {
        "id": c.pk,
        "date": c.date,
        "result": c.result,
        "result_label": str(c.get_result_display()),
        "checked_by": c.checked_by,
        "notes": c.notes,
    }


def _venue(v: Venue, with_checks=False) -> dict:
    data = {
        "id": v.pk,
        "office_id": v.office_id,
        "name": v.name,
        "address": v.address,
        "area": v.area,
        "facilities": v.facilities,
        "last_checked_on": v.last_checked_on,
        "last_result": v.last_result,
        "checks": [],
    }
    if with_checks:
        data["checks"] = [_check(c) for c in v.checks.order_by("-date", "-id")[: selectors.TIMELINE_LIMIT]]
    return data


def _violation(v: Violation) -> dict:
    return {
        "id": v.pk,
        "office_id": v.office_id,
        "person": v.person,
        "date": v.date,
        "kind": v.kind,
        "description": v.description,
        "status": v.status,
        "decision": v.decision,
        "decision_note": v.decision_note,
        "decided_on": v.decided_on,
        "version": v.version,
    }


# --- branches ----------------------------------------------------------------------------------------


@router.get("/branches", response=list[BranchOut], summary="Party branches")
def list_branches(request, q: str = Query("", max_length=50)):
    """The branches of the offices the caller sees (one per office), by office."""
    qs = selectors.branch_visible(principal(request)).order_by("office_id")
    if q:
        qs = qs.filter(name__contains=q)
    return [_branch(b) for b in qs[:2000]]


@router.get(
    "/branches/{pk}", response={200: BranchOut, 404: ErrorOut}, summary="One branch", openapi_extra=_scoped("Branch")
)
def get_branch(request, pk: int):
    return _branch(scoped_get(Branch, request, pk))


@router.post("/branches", response={201: BranchOut, **ERRORS}, summary="Register an office's party branch")
def create_branch(request, payload: BranchIn):
    _require_action(request, Action.CREATE)
    office = _office(request, payload.office_id, Action.CREATE)
    data = payload.model_dump(exclude={"office_id"})
    return Status(201, _branch(services.branch_create(actor=principal(request), office=office, **data)))


# --- members -----------------------------------------------------------------------------------------


@router.get("/members", response={200: MemberPage, 422: ErrorOut}, summary="Party members")
def list_members(
    request,
    q: str = Query("", max_length=50),
    status: codes.MemberStatus | Literal[""] = "",
    state: Literal["active", "left", "all"] = "active",
    office: int | None = Query(None, ge=1, le=MAX_ID),
    cursor: str | None = None,
    size: int | None = Query(None, ge=1, le=200),
):
    """Members the caller may see, newest first, a page at a time (`next_cursor`)."""
    office_obj = selectors.office_for(principal(request), office) if office else None
    if office and office_obj is None:
        return {"items": [], "next_cursor": None}
    page = selectors.member_search(
        principal(request), q=q.strip(), status=str(status), state=state, office=office_obj, cursor=cursor, size=size
    )
    return {"items": [_member(m) for m in page.items], "next_cursor": page.next_cursor}


@router.get(
    "/members/{pk}", response={200: MemberOut, 404: ErrorOut}, summary="One member", openapi_extra=_scoped("Member")
)
def get_member(request, pk: int):
    return _member(scoped_get(Member, request, pk))


@router.post("/members", response={201: MemberOut, **ERRORS}, summary="Add a member to the office's branch")
def add_member(request, payload: MemberIn):
    _require_action(request, Action.CREATE)
    office = _office(request, payload.office_id, Action.CREATE)
    branch = _branch_of(request, office, Action.CREATE)
    user = None
    if payload.user_id is not None:
        from fengqiao.accounts.models import User

        user = User.objects.filter(pk=payload.user_id, office_id=office.pk, is_active=True).first()
        if user is None:
            raise DomainError(_("Choose an active user of the branch's own office."), field="user_id")
    data = payload.model_dump(exclude={"office_id", "user_id"})
    data["status"] = str(data["status"])
    member = services.member_add(actor=principal(request), branch=branch, user=user, **data)
    return Status(201, _member(member))


@router.post(
    "/members/{pk}/confirm",
    response={200: MemberOut, **ERRORS},
    summary="A probationary member becomes a full member",
    openapi_extra={**_scoped("Member"), **body_doc(ConfirmIn)},
)
def confirm_member(request, pk: int):
    _require_action(request, Action.CHANGE)
    member = scoped_get(Member, request, pk, Action.CHANGE)
    body = parse_body(request, ConfirmIn)
    try:
        member = services.member_confirm(
            actor=principal(request), member=member, formal_on=body.formal_on, expected_version=body.expected_version
        )
    except DomainError as exc:
        _conflicts(exc)
    return _member(member)


@router.post(
    "/members/{pk}/transfer-out",
    response={200: MemberOut, **ERRORS},
    summary="A member's membership moves out of the branch",
    openapi_extra={**_scoped("Member"), **body_doc(TransferOutIn)},
)
def transfer_out_member(request, pk: int):
    _require_action(request, Action.CHANGE)
    member = scoped_get(Member, request, pk, Action.CHANGE)
    body = parse_body(request, TransferOutIn)
    try:
        member = services.member_transfer_out(
            actor=principal(request), member=member, date=body.date, to=body.to, expected_version=body.expected_version
        )
    except DomainError as exc:
        _conflicts(exc)
    return _member(member)


# --- activities --------------------------------------------------------------------------------------


@router.get("/activities", response={200: ActivityPage, 422: ErrorOut}, summary="Party activities")
def list_activities(
    request,
    q: str = Query("", max_length=50, description="Part of the topic"),
    type: codes.ActivityType | Literal[""] = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    office: int | None = Query(None, ge=1, le=MAX_ID),
    cursor: str | None = None,
    size: int | None = Query(None, ge=1, le=200),
):
    """Activities the caller may see, newest first, a page at a time (`next_cursor`)."""
    office_obj = selectors.office_for(principal(request), office) if office else None
    if office and office_obj is None:
        return {"items": [], "next_cursor": None}
    page = selectors.activity_search(
        principal(request),
        q=q.strip(),
        type=str(type),
        date_from=date_from,
        date_to=date_to,
        office=office_obj,
        cursor=cursor,
        size=size,
    )
    from .models import Activity as A

    through = A.attendees.through.objects.filter(activity_id__in=[a.pk for a in page.items]).values_list(
        "activity_id", "member_id"
    )
    present: dict[int, list[int]] = {}
    for activity_id, member_id in through:
        present.setdefault(activity_id, []).append(member_id)
    return {"items": [_activity(a, sorted(present.get(a.pk, []))) for a in page.items], "next_cursor": page.next_cursor}


@router.get(
    "/activities/{pk}",
    response={200: ActivityOut, 404: ErrorOut},
    summary="One activity",
    openapi_extra=_scoped("Activity"),
)
def get_activity(request, pk: int):
    return _activity(scoped_get(Activity, request, pk))


@router.post("/activities", response={201: ActivityOut, **ERRORS}, summary="Record an activity with attendance")
def record_activity(request, payload: ActivityIn):
    """The attendance counts are computed from the members in the branch on the day; a member who
    was not in the branch then is refused (400 `not_member`)."""
    _require_action(request, Action.CREATE)
    office = _office(request, payload.office_id, Action.CREATE)
    branch = _branch_of(request, office, Action.CREATE)
    activity = services.activity_record(
        actor=principal(request),
        branch=branch,
        date=payload.date,
        type=str(payload.type),
        topic=payload.topic,
        place=payload.place,
        record=payload.record,
        attendees=payload.attendee_ids,
    )
    return Status(201, _activity(activity))


# --- venues ------------------------------------------------------------------------------------------


@router.get("/venues", response=list[VenueOut], summary="Party-building venues")
def list_venues(request, q: str = Query("", max_length=50), office: int | None = Query(None, ge=1, le=MAX_ID)):
    office_obj = selectors.office_for(principal(request), office) if office else None
    if office and office_obj is None:
        return []
    qs = selectors.venue_filter(principal(request), q=q.strip(), office=office_obj).order_by("office_id", "id")
    return [_venue(v) for v in qs[:2000]]


@router.get(
    "/venues/{pk}",
    response={200: VenueOut, 404: ErrorOut},
    summary="One venue with its checks",
    openapi_extra=_scoped("Venue"),
)
def get_venue(request, pk: int):
    return _venue(scoped_get(Venue, request, pk), with_checks=True)


@router.post("/venues", response={201: VenueOut, **ERRORS}, summary="Register a venue")
def add_venue(request, payload: VenueIn):
    _require_action(request, Action.CREATE)
    office = _office(request, payload.office_id, Action.CREATE)
    data = payload.model_dump(exclude={"office_id"})
    return Status(201, _venue(services.venue_add(actor=principal(request), office=office, **data)))


@router.post(
    "/venues/{pk}/checks",
    response={201: CheckOut, **ERRORS},
    summary="Record a standardisation check",
    openapi_extra={**_scoped("Venue"), **body_doc(CheckIn)},
)
def add_check(request, pk: int):
    _require_action(request, Action.CHANGE)
    venue = scoped_get(Venue, request, pk, Action.CHANGE)
    body = parse_body(request, CheckIn)
    check = services.venue_check_add(
        actor=principal(request),
        venue=venue,
        date=body.date,
        result=str(body.result),
        checked_by=body.checked_by,
        notes=body.notes,
    )
    return Status(201, _check(check))


# --- violations --------------------------------------------------------------------------------------


@router.get("/violations", response={200: ViolationPage, 403: ErrorOut, 422: ErrorOut}, summary="Violation register")
def list_violations(
    request,
    q: str = Query("", max_length=50),
    status: codes.ViolationStatus | Literal[""] = "",
    cursor: str | None = None,
    size: int | None = Query(None, ge=1, le=200),
):
    """The register in full, for principals with view_sensitive on party building (403 otherwise;
    the count is in the figures)."""
    _require_action(request, Action.VIEW_SENSITIVE)
    page = selectors.violation_search(principal(request), q=q.strip(), status=str(status), cursor=cursor, size=size)
    return {"items": [_violation(v) for v in page.items], "next_cursor": page.next_cursor}


@router.get(
    "/violations/{pk}",
    response={200: ViolationOut, 403: ErrorOut, 404: ErrorOut},
    summary="One violation",
    openapi_extra=_scoped("Violation"),
)
def get_violation(request, pk: int):
    return _violation(scoped_get(Violation, request, pk, Action.VIEW_SENSITIVE))


@router.post("/violations", response={201: ViolationOut, **ERRORS}, summary="Record a violation")
def record_violation(request, payload: ViolationIn):
    _require_action(request, Action.CREATE)
    _require_action(request, Action.VIEW_SENSITIVE)
    office = _office(request, payload.office_id, Action.VIEW_SENSITIVE)
    data = payload.model_dump(exclude={"office_id"})
    data["kind"] = str(data["kind"])
    return Status(201, _violation(services.violation_record(actor=principal(request), office=office, **data)))


@router.post(
    "/violations/{pk}/decide",
    response={200: ViolationOut, **ERRORS},
    summary="Record the handling decision",
    openapi_extra={**_scoped("Violation"), **body_doc(DecideIn)},
)
def decide_violation(request, pk: int):
    violation = scoped_get(Violation, request, pk, Action.VIEW_SENSITIVE)
    _require_action(request, Action.CHANGE)
    body = parse_body(request, DecideIn)
    try:
        violation = services.violation_decide(
            actor=principal(request),
            violation=violation,
            decision=str(body.decision),
            decided_on=body.decided_on,
            note=body.note,
            expected_version=body.expected_version,
        )
    except DomainError as exc:
        _conflicts(exc)
    return _violation(violation)


# --- figures -----------------------------------------------------------------------------------------


@router.get("/metrics", response={200: dict, 422: ErrorOut}, summary="Figures of a period per office")
def metrics(request, date_from: datetime.date | None = None, date_to: datetime.date | None = None):
    """The standard's party-building figures (see /figures) per office for the period (default: this
    year). Rates are 0..1, or null when there is nothing to measure."""
    today = timezone.localdate()
    date_from = date_from or today.replace(month=1, day=1)
    date_to = date_to or today
    if date_to < date_from:
        raise DomainError(_("The period ends before it starts."), code="invalid_period", field="date_to")
    data = selectors.metrics(principal(request), date_from=date_from, date_to=date_to)
    return {
        "date_from": date_from.isoformat(),
        "date_to": date_to.isoformat(),
        "totals": data["totals"],
        "offices": [{k: v for k, v in r.items() if k != "office"} for r in data["offices"]],
    }


@router.get("/figures", response=list[dict], summary="The figure codes and what they mean")
def figures(request):
    return [
        {
            "code": f.code,
            "name": str(f.name),
            "unit": f.unit,
            "description": str(f.description),
            "threshold": f.threshold,
            "direction": f.direction,
            "standard": f.standard,
        }
        for f in selectors.FIGURES.values()
    ]
