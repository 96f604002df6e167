"""Corrections endpoints under /api/v1/corrections: subjects (list, file, register) and their intake,
reports and visits, leaves and positioning requests; the county bureau head's decision on a
measure and extensions; the alert queue and its steps; the figures and staffing. Location ingest
(POST /fixes) is the lead's router in `api_ingest`, mounted at the end.

Every operation starts from `visible_to` or a selector that does: another office's subject answers
404 like a missing one. Writes need the action on the module (403 otherwise) and go through the
services, whose refusals answer 400 (409 when the record's state does not allow the step) with a
code, a message in the caller's language and the field concerned. The article-29 rules live in the
services, so the API cannot bypass them: no ground, more than 3 months, an approval by anyone but
the county bureau head (or by the requester), an extension without a reassessment are refused and
change nothing."""

from __future__ import annotations

import datetime
from typing import Literal

from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from fengqiao.core import audit
from fengqiao.core.api import ErrorOut, principal, scoped_get
from fengqiao.core.api import body_doc as _body_doc
from fengqiao.core.api import parse_body as _parse
from fengqiao.core.converters import MAX_ID
from fengqiao.core.errors import Conflict, DomainError, Forbidden, NotFound
from fengqiao.core.permissions import Action, Module
from fengqiao.core.scoping import subtree_q
from fengqiao.core.validators import mask_phone, validate_phone
from fengqiao.orgs.models import OrgKind, OrgNode

from . import codes, policy, selectors, services
from .models import (
    Alert,
    AlertEvent,
    Leave,
    PositioningMeasure,
    Subject,
    SubjectEvent,
    SupervisionLevel,
    TeamMember,
)
from .phases import phase_of

router = Router(tags=["corrections"])
M = Module.CORRECTIONS
SUBJECT = {"x-scoped-model": "corrections.Subject"}
MEASURE = {"x-scoped-model": "corrections.PositioningMeasure"}
ALERT = {"x-scoped-model": "corrections.Alert"}
MAX_METRICS_DAYS = 5 * 366
EVENTS_IN_DETAIL = 50


# --- helpers ---------------------------------------------------------------------------------------------


def _require_action(request, action: str):
    if not principal(request).has_action(M, action):
        raise Forbidden(
            _("You may not do this: it needs the “%(action)s” right on community corrections.")
            % {"action": Action(action).label}
        )


def _subject(request, pk: int, action: str = Action.VIEW) -> Subject:
    return scoped_get(Subject, request, pk, action, select_related=("org", "office", "level", "worker"))


def _may(request, obj, action: str) -> bool:
    p = principal(request)
    return p.has_action(M, action) and type(obj).objects.visible_to(p, action).filter(pk=obj.pk).exists()


def _sensitive(request) -> bool:
    """Whether the caller may see location data in alert details: the sensitive right on corrections
    (its scope is the caller's whole scope, which already holds every alert they read)."""
    return principal(request).has_action(M, Action.VIEW_SENSITIVE)


def _named_person(request):
    """Positioning is asked for by a named member of staff: a system token cannot take that
    responsibility (and the measure records who asked)."""
    from fengqiao.accounts.models import User

    p = principal(request)
    if not isinstance(p, User):
        raise Forbidden(
            _("A positioning measure must be asked for by a named member of staff, not by a system token."),
            code="person_required",
        )
    return p


def _conflict(exc: DomainError):
    """A step the record's state does not allow is a conflict with that state (409)."""
    if exc.code == "illegal_transition":
        raise Conflict(str(exc), code="illegal_transition") from None
    raise exc


def _person(user) -> str | None:
    return (user.full_name or user.username) if user is not None else None


# --- schemas ---------------------------------------------------------------------------------------------


class SubjectItem(Schema):
    id: int
    name: str
    gender: str
    id_number: str = Field(description="Masked (3202**********123X)")
    category: str
    category_label: str
    status: str
    status_label: str
    phase: str
    phase_label: str
    level_id: int
    level_name: str
    office_id: int
    office_name: str
    org_id: int
    org_name: str
    worker_id: int | None
    worker_name: str | None
    period_start: datetime.date
    period_end: datetime.date
    judgment_effective_on: datetime.date
    reported_on: datetime.date | None
    last_contact_on: datetime.date | None
    open_alerts: int


class SubjectPage(Schema):
    items: list[SubjectItem]
    next_cursor: str | None


class TeamOut(Schema):
    id: int
    role: str
    role_label: str
    name: str
    phone: str = Field(description="Masked")


class EventOut(Schema):
    at: datetime.datetime
    kind: str
    kind_label: str
    text: str
    by: str | None


class LeaveOut(Schema):
    id: int
    destination: str
    reason: str
    start: datetime.date
    end: datetime.date
    status: str
    status_label: str
    decided_by: str | None
    decided_at: datetime.datetime | None
    decision_note: str
    returned_on: datetime.date | None


class MeasureOut(Schema):
    id: int
    subject_id: int
    ground: str
    ground_label: str
    facts: str
    start: datetime.date
    end: datetime.date
    interval_seconds: int
    status: str
    status_label: str
    extends_id: int | None
    reassessment: str
    requested_by: str | None
    decided_by: str | None
    decided_at: datetime.datetime | None
    decision_note: str
    ended_on: datetime.date | None
    end_reason: str


class AlertEventOut(Schema):
    at: datetime.datetime
    step: str
    by: str | None
    note: str


class AlertOut(Schema):
    id: int
    subject_id: int
    subject_name: str
    office_id: int
    kind: str
    kind_label: str
    status: str
    status_label: str
    raised_at: datetime.datetime
    escalated_at: datetime.datetime | None
    first_at: datetime.datetime | None
    last_at: datetime.datetime | None
    details: dict = Field(description="Location keys (lat, lon) only for principals who may see location data")
    action_taken: str
    result: str


class AlertDetail(AlertOut):
    events: list[AlertEventOut]


class AlertPage(Schema):
    items: list[AlertOut]
    next_cursor: str | None


class SubjectDetail(SubjectItem):
    phone: str = Field(description="Masked unless ?reveal=1")
    revealed: bool
    address: str
    offence: str
    sentence: str
    deciding_organ: str
    decision_number: str
    prohibition_order: str
    interview_on: datetime.date | None
    intake_education_on: datetime.date | None
    at_large_since: datetime.date | None
    end_kind: str
    ended_on: datetime.date | None
    end_document_on: datetime.date | None
    end_document_number: str
    team: list[TeamOut]
    measures: list[MeasureOut]
    leaves: list[LeaveOut]
    alerts: list[AlertOut]
    events: list[EventOut] = Field(description=f"The newest {EVENTS_IN_DETAIL} entries of the timeline")
    can_change: bool


class SubjectIn(Schema):
    org_id: int = Field(..., ge=1, le=MAX_ID, description="The village of residence, or the judicial office")
    name: str = Field(..., min_length=1, max_length=50)
    gender: codes.Gender
    id_number: str = Field(..., min_length=1, max_length=30)
    phone: str = Field("", max_length=30)
    address: str = Field("", max_length=200)
    category: codes.Category
    offence: str = Field(..., min_length=1, max_length=100)
    sentence: str = Field(..., min_length=1, max_length=200)
    period_start: datetime.date
    period_end: datetime.date
    deciding_organ: str = Field(..., min_length=1, max_length=100)
    judgment_effective_on: datetime.date
    decision_number: str = Field("", max_length=60)
    prohibition_order: str = Field("", max_length=2000)
    worker_id: int | None = Field(None, ge=1, le=MAX_ID, description="Empty: the office's least-loaded worker")
    level_id: int | None = Field(None, ge=1, le=MAX_ID, description="Empty: the usual starting level")


class IntakeIn(Schema):
    reported_on: datetime.date
    interview_on: datetime.date | None = None
    education_on: datetime.date | None = None
    note: str = Field("", max_length=500)


class ContactIn(Schema):
    kind: codes.ContactKind
    on: datetime.date
    place: str = Field("", max_length=100)
    note: str = Field("", max_length=500)


class LeaveIn(Schema):
    destination: str = Field(..., max_length=100)
    reason: str = Field(..., max_length=300)
    start: datetime.date
    end: datetime.date


class MeasureIn(Schema):
    ground: str = Field("", max_length=2, description="One of the five grounds of article 29: 1 to 5")
    facts: str = Field("", max_length=2000)
    start: datetime.date
    end: datetime.date
    interval_seconds: int = Field(60, ge=1, le=86_400)


class DecisionIn(Schema):
    approve: bool
    note: str = Field("", max_length=300)


class ExtendIn(Schema):
    reassessment: str = Field("", max_length=2000, description="Why positioning is still needed")
    end: datetime.date
    facts: str = Field("", max_length=2000)


class NoteIn(Schema):
    note: str = Field("", max_length=500)


class HandleIn(Schema):
    action_taken: str = Field("", max_length=500)
    result: str = Field("", max_length=500)


class Figures(Schema):
    open: int
    missed_intake: int
    missed_intake_now: int
    lost_contact: int
    lost_contact_now: int
    at_large: int
    by_category: dict[str, int]
    by_phase: dict[str, int]
    by_level: dict[str, int]
    taken_in: int
    ended: int
    measures: int
    covered: int
    coverage: float | None
    expected: int
    received: int
    success: float | None


class OfficeFigures(Figures):
    office_id: int
    office_name: str
    workers: int | None
    workers_needed: int | None
    shortfall: int | None


class MetricsOut(Schema):
    start: datetime.date
    end: datetime.date
    ratio: int
    definition: str
    total: Figures
    offices: list[OfficeFigures]


class WorkerLoad(Schema):
    worker_id: int
    worker_name: str
    load: int
    over: bool


class StaffingRow(Schema):
    office_id: int
    office_name: str
    subjects: int
    workers: int
    needed: int
    shortfall: int
    unassigned: int
    ratio: float | None
    meets: bool
    suggestion_id: int | None
    suggestion_name: str | None
    loads: list[WorkerLoad]


class StaffingOut(Schema):
    ratio: int
    subjects: int
    workers: int
    needed: int
    shortfall: int
    rows: list[StaffingRow]


# --- serialisation ---------------------------------------------------------------------------------------


def _item(s: Subject, today, pol, alert_count: int) -> dict:
    phase = phase_of(s, today, pol)
    return {
        "id": s.pk,
        "name": s.name,
        "gender": s.gender,
        "id_number": s.masked_id_number,
        "category": s.category,
        "category_label": str(s.get_category_display()),
        "status": s.status,
        "status_label": str(s.get_status_display()),
        "phase": phase,
        "phase_label": str(codes.Phase(phase).label),
        "level_id": s.level_id,
        "level_name": s.level.name,
        "office_id": s.office_id,
        "office_name": s.office.display_name,
        "org_id": s.org_id,
        "org_name": s.org.name,
        "worker_id": s.worker_id,
        "worker_name": _person(s.worker) if s.worker_id else None,
        "period_start": s.period_start,
        "period_end": s.period_end,
        "judgment_effective_on": s.judgment_effective_on,
        "reported_on": s.reported_on,
        "last_contact_on": s.last_contact_on,
        "open_alerts": alert_count,
    }


def _measure(m: PositioningMeasure) -> dict:
    return {
        "id": m.pk,
        "subject_id": m.subject_id,
        "ground": m.ground,
        "ground_label": str(m.get_ground_display()),
        "facts": m.facts,
        "start": m.start,
        "end": m.end,
        "interval_seconds": m.interval_seconds,
        "status": m.status,
        "status_label": str(m.get_status_display()),
        "extends_id": m.extends_id,
        "reassessment": m.reassessment,
        "requested_by": _person(m.requested_by) if m.requested_by_id else None,
        "decided_by": _person(m.decided_by) if m.decided_by_id else None,
        "decided_at": m.decided_at,
        "decision_note": m.decision_note,
        "ended_on": m.ended_on,
        "end_reason": m.end_reason,
    }


def _leave(leave: Leave) -> dict:
    return {
        "id": leave.pk,
        "destination": leave.destination,
        "reason": leave.reason,
        "start": leave.start,
        "end": leave.end,
        "status": leave.status,
        "status_label": str(leave.get_status_display()),
        "decided_by": _person(leave.decided_by) if leave.decided_by_id else None,
        "decided_at": leave.decided_at,
        "decision_note": leave.decision_note,
        "returned_on": leave.returned_on,
    }


LOCATION_KEYS = {"lat", "lon", "wlat", "wlon"}


def _alert(a: Alert, sensitive: bool = False) -> dict:
    details = {k: v for k, v in (a.details or {}).items() if sensitive or k not in LOCATION_KEYS}
    return {
        "id": a.pk,
        "subject_id": a.subject_id,
        "subject_name": a.subject.name,
        "office_id": a.office_id,
        "kind": a.kind,
        "kind_label": str(a.get_kind_display()),
        "status": a.status,
        "status_label": str(a.get_status_display()),
        "raised_at": a.raised_at,
        "escalated_at": a.escalated_at,
        "first_at": a.first_at,
        "last_at": a.last_at,
        "details": details,
        "action_taken": a.action_taken,
        "result": a.result,
    }


def _alert_detail(request, alert: Alert) -> dict:
    events = (
        AlertEvent.objects.visible_to(principal(request))
        .filter(alert=alert)
        .select_related("actor")
        .order_by("at", "id")
    )
    return {
        **_alert(alert, _sensitive(request)),
        "events": [
            {"at": e.at, "step": e.step, "by": _person(e.actor) if e.actor_id else None, "note": e.note} for e in events
        ],
    }


def _detail(request, response: HttpResponse, subject: Subject, reveal: bool = False) -> dict:
    p = principal(request)
    today = timezone.localdate()
    pol = policy.current()
    if reveal:
        if not _may(request, subject, Action.VIEW_SENSITIVE):
            raise Forbidden(_("You may not see the full ID number and phone of this subject."))
        audit.record_access(actor=p, obj=subject, what="id_number")
        add_never_cache_headers(response)
    alerts = list(
        Alert.objects.visible_to(p)
        .filter(subject=subject, status__in=codes.OPEN_ALERT_STATUSES)
        .select_related("subject")
        .order_by("-raised_at", "-id")[:50]
    )
    events = (
        SubjectEvent.objects.visible_to(p)
        .filter(subject=subject)
        .select_related("recorded_by")
        .order_by("-at", "-id")[:EVENTS_IN_DETAIL]
    )
    measures = (
        PositioningMeasure.objects.visible_to(p)
        .filter(subject=subject)
        .select_related("requested_by", "decided_by")
        .order_by("-start", "-id")
    )
    return {
        **_item(subject, today, pol, len(alerts)),
        "id_number": subject.id_number if reveal else subject.masked_id_number,
        "phone": subject.phone if reveal else mask_phone(subject.phone),
        "revealed": reveal,
        "address": subject.address,
        "offence": subject.offence,
        "sentence": subject.sentence,
        "deciding_organ": subject.deciding_organ,
        "decision_number": subject.decision_number,
        "prohibition_order": subject.prohibition_order,
        "interview_on": subject.interview_on,
        "intake_education_on": subject.intake_education_on,
        "at_large_since": subject.at_large_since,
        "end_kind": subject.end_kind,
        "ended_on": subject.ended_on,
        "end_document_on": subject.end_document_on,
        "end_document_number": subject.end_document_number,
        "team": [
            {
                "id": t.pk,
                "role": t.role,
                "role_label": str(t.get_role_display()),
                "name": t.name,
                "phone": mask_phone(t.phone),
            }
            for t in TeamMember.objects.visible_to(p).filter(subject=subject).order_by("role", "id")
        ],
        "measures": [_measure(m) for m in measures],
        "leaves": [
            _leave(x)
            for x in Leave.objects.visible_to(p)
            .filter(subject=subject)
            .select_related("decided_by")
            .order_by("-start", "-id")[:50]
        ],
        "alerts": [_alert(a, _sensitive(request)) for a in alerts],
        "events": [
            {
                "at": e.at,
                "kind": e.kind,
                "kind_label": str(e.get_kind_display()),
                "text": e.text,
                "by": _person(e.recorded_by) if e.recorded_by_id else None,
            }
            for e in events
        ],
        "can_change": _may(request, subject, Action.CHANGE),
    }


def _file(request, response, pk: int, reveal: bool = False) -> dict:
    """The subject's file as the API shows it; every showing is an audited access, like the page's."""
    subject = _subject(request, pk)
    audit.record_access(actor=principal(request), obj=subject, what="file")
    return _detail(request, response, subject, reveal)


# --- subjects --------------------------------------------------------------------------------------------


@router.get("/subjects", response={200: SubjectPage, 422: ErrorOut}, summary="List subjects")
def list_subjects(
    request,
    q: str = Query("", max_length=50, description="Part of the name"),
    status: Literal["open", "all", "pending", "active", "at_large", "released", "terminated"] = "open",
    phase: codes.Phase | Literal[""] = "",
    category: codes.Category | Literal[""] = "",
    level: int | None = Query(None, ge=1, le=MAX_ID),
    worker: int | None = Query(None, ge=1, le=MAX_ID),
    office: int | None = Query(None, ge=1, le=MAX_ID),
    alerts: Literal["open", ""] = "",
    cursor: str | None = None,
    size: int | None = Query(None, ge=1, le=200),
):
    """Subjects the caller may see, newest first, a page at a time (`next_cursor`); ID numbers masked.
    `status=open` (the default) lists those not yet ended."""
    params = {
        "q": q.strip(),
        "status": status,
        "phase": str(phase),
        "category": str(category),
        "level": level or "",
        "worker": worker or "",
        "office": office or "",
        "alerts": alerts,
    }
    page = selectors.subject_search(principal(request), params, cursor=cursor, size=size)
    counts = selectors.open_alert_counts([s.pk for s in page.items])
    today, pol = timezone.localdate(), policy.current()
    return {"items": [_item(s, today, pol, counts.get(s.pk, 0)) for s in page.items], "next_cursor": page.next_cursor}


@router.get(
    "/subjects/{pk}",
    response={200: SubjectDetail, 403: ErrorOut, 404: ErrorOut},
    summary="A subject's file",
    openapi_extra=SUBJECT,
)
def get_subject(request, response: HttpResponse, pk: int, reveal: bool = False):
    """The file with its team, measures, leaves, open alerts and the newest timeline entries. Each
    call is recorded as an access to the file; `?reveal=1` shows the full ID number and phone to a
    principal who may see sensitive corrections data, and records that too."""
    return _file(request, response, pk, reveal)


def _org_for_register(request, org_id: int) -> OrgNode:
    places = principal(request).scope_nodes_for(M, Action.CREATE)
    within = None
    for node in places:
        within = subtree_q(node.path) if within is None else within | subtree_q(node.path)
    org = OrgNode.objects.filter(within, pk=org_id).first() if within is not None else None
    if org is None or not org.is_active or org.kind not in (OrgKind.TOWN, OrgKind.VILLAGE):
        raise NotFound(_("No village or office with this id where you may register subjects."), field="org_id")
    return org


@router.post(
    "/subjects",
    response={201: SubjectDetail, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Register a subject",
)
def register_subject(request, response: HttpResponse, payload: SubjectIn):
    """Register a subject handed over by the deciding organ; they await intake until they report."""
    _require_action(request, Action.CREATE)
    org = _org_for_register(request, payload.org_id)
    if payload.phone:
        try:
            validate_phone(payload.phone)
        except Exception as exc:
            raise DomainError(getattr(exc, "messages", [str(exc)])[0], field="phone") from None
    worker = None
    if payload.worker_id:
        worker = selectors.workers_of(org.office_id).filter(pk=payload.worker_id).first()
        if worker is None:
            raise DomainError(
                _("Choose an active corrections social worker of the subject's judicial office."), field="worker_id"
            )
    level = None
    if payload.level_id:
        level = SupervisionLevel.objects.filter(pk=payload.level_id, active=True).first()
        if level is None:
            raise DomainError(_("Choose a supervision level in use."), field="level_id")
    data = payload.model_dump(exclude={"org_id", "worker_id", "level_id"})
    data["gender"], data["category"] = str(payload.gender), str(payload.category)
    subject = services.subject_register(actor=principal(request), org=org, worker=worker, level=level, **data)
    return Status(201, _detail(request, response, _subject(request, subject.pk)))


def _subject_step(request, pk: int, action: str, schema, run):
    _require_action(request, action)
    subject = _subject(request, pk, action)
    body = _parse(request, schema)
    try:
        run(principal(request), subject, body)
    except DomainError as exc:
        _conflict(exc)
    return subject


@router.post(
    "/subjects/{pk}/intake",
    response={200: SubjectDetail, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Take a subject in (they reported)",
    openapi_extra={**SUBJECT, **_body_doc(IntakeIn)},
)
def intake(request, response: HttpResponse, pk: int):
    """接收入矫: the subject reported on `reported_on`; the intake phase begins and any 漏管 alert is
    marked handled. A late report is noted, not refused."""
    _subject_step(
        request,
        pk,
        Action.CHANGE,
        IntakeIn,
        lambda actor, s, b: services.subject_intake(
            actor=actor,
            subject=s,
            reported_on=b.reported_on,
            interview_on=b.interview_on,
            education_on=b.education_on,
            note=b.note,
        ),
    )
    return _detail(request, response, _subject(request, pk))


@router.post(
    "/subjects/{pk}/contacts",
    response={201: SubjectDetail, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Record a report or a field visit",
    openapi_extra={**SUBJECT, **_body_doc(ContactIn)},
)
def add_contact(request, response: HttpResponse, pk: int):
    _subject_step(
        request,
        pk,
        Action.CREATE,
        ContactIn,
        lambda actor, s, b: services.contact_record(
            actor=actor, subject=s, kind=str(b.kind), on=b.on, place=b.place, note=b.note
        ),
    )
    return Status(201, _detail(request, response, _subject(request, pk)))


@router.post(
    "/subjects/{pk}/leaves",
    response={201: LeaveOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Request leave",
    openapi_extra={**SUBJECT, **_body_doc(LeaveIn)},
)
def request_leave(request, pk: int):
    """外出请假. Refused when it overlaps another leave that holds its dates, lasts over 30 days or
    runs past the correction period."""
    created = []

    def run(actor, s, b):
        created.append(
            services.leave_request(
                actor=actor, subject=s, destination=b.destination, reason=b.reason, start=b.start, end=b.end
            )
        )

    _subject_step(request, pk, Action.CREATE, LeaveIn, run)
    return Status(201, _leave(created[0]))


@router.post(
    "/subjects/{pk}/measures",
    response={201: MeasureOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Request electronic positioning (article 29)",
    openapi_extra={**SUBJECT, **_body_doc(MeasureIn)},
)
def request_measure(request, pk: int):
    """Ask the county bureau for a positioning measure on one of the five grounds of article 29
    (`ground` 1-5), for at most 3 months, starting today or later. It needs the bureau head's
    approval (POST /measures/{id}/decision) before any device may be bound."""
    _require_action(request, Action.CREATE)
    subject = _subject(request, pk, Action.CREATE)
    body = _parse(request, MeasureIn)
    actor = _named_person(request)
    try:
        measure = services.measure_request(
            actor=actor,
            subject=subject,
            ground=body.ground,
            facts=body.facts,
            start=body.start,
            end=body.end,
            interval_seconds=body.interval_seconds,
        )
    except DomainError as exc:
        _conflict(exc)
    return Status(201, _measure(measure))


# --- measures --------------------------------------------------------------------------------------------


def _measure_obj(request, pk: int, action: str) -> PositioningMeasure:
    return scoped_get(PositioningMeasure, request, pk, action, select_related=("subject", "office", "requested_by"))


@router.post(
    "/measures/{pk}/decision",
    response={200: MeasureOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Approve or refuse a positioning measure",
    openapi_extra={**MEASURE, **_body_doc(DecisionIn)},
)
def decide_measure(request, pk: int):
    """Only the head of the county justice bureau decides, and never on a measure they asked for
    themselves; anyone else (an office director, a system token) is refused with 403 and nothing
    changes. A refusal needs a note."""
    measure = _measure_obj(request, pk, Action.VIEW)
    body = _parse(request, DecisionIn)
    if not services.may_approve(principal(request), measure):
        raise Forbidden(_("Only the head of the county justice bureau may approve a positioning measure."))
    try:
        measure = services.measure_decide(
            actor=principal(request), measure=measure, approve=body.approve, note=body.note
        )
    except DomainError as exc:
        _conflict(exc)
    return _measure(_measure_obj(request, pk, Action.VIEW))


@router.post(
    "/measures/{pk}/extension",
    response={201: MeasureOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Ask to extend a positioning measure",
    openapi_extra={**MEASURE, **_body_doc(ExtendIn)},
)
def extend_measure(request, pk: int):
    """An extension starts the day after the measure ends, lasts at most 3 months, needs a written
    reassessment and its own approval."""
    _require_action(request, Action.CREATE)
    measure = _measure_obj(request, pk, Action.CREATE)
    body = _parse(request, ExtendIn)
    actor = _named_person(request)
    try:
        extension = services.measure_extend(
            actor=actor, measure=measure, reassessment=body.reassessment, end=body.end, facts=body.facts
        )
    except DomainError as exc:
        _conflict(exc)
    return Status(201, _measure(extension))


# --- alerts ----------------------------------------------------------------------------------------------


@router.get("/alerts", response={200: AlertPage, 422: ErrorOut}, summary="The alert queue")
def list_alerts(
    request,
    status: Literal["open", "all", "raised", "acknowledged", "handled", "closed"] = "open",
    kind: codes.AlertKind | Literal[""] = "",
    escalated: bool = False,
    mine: bool = False,
    subject: int | None = Query(None, ge=1, le=MAX_ID),
    cursor: str | None = None,
    size: int | None = Query(None, ge=1, le=200),
):
    """Alerts of the caller's subjects, newest first; `status=open` (the default) leaves out closed ones."""
    params = {
        "status": "any" if status == "all" else status,
        "kind": str(kind),
        "escalated": escalated,
        "mine": mine,
        "subject": subject or "",
    }
    page = selectors.alert_search(principal(request), params, cursor=cursor, size=size)
    sensitive = _sensitive(request)
    return {"items": [_alert(a, sensitive) for a in page.items], "next_cursor": page.next_cursor}


ALERT_STEPS = {
    "acknowledge": (NoteIn, lambda actor, a, b: services.alert_acknowledge(actor=actor, alert=a, note=b.note)),
    "handle": (
        HandleIn,
        lambda actor, a, b: services.alert_handle(actor=actor, alert=a, action_taken=b.action_taken, result=b.result),
    ),
    "close": (NoteIn, lambda actor, a, b: services.alert_close(actor=actor, alert=a, note=b.note)),
}


def _add_alert_step(step: str, schema, run):
    # One operation per step: each documents its own body, and the path keeps the single {pk}
    # parameter the leak matrix knows how to plant.
    def operation(request, pk: int):
        _require_action(request, Action.CHANGE)
        alert = scoped_get(Alert, request, pk, Action.CHANGE, select_related=("subject",))
        body = _parse(request, schema)
        try:
            run(principal(request), alert, body)
        except DomainError as exc:
            _conflict(exc)
        return _alert_detail(request, scoped_get(Alert, request, pk, Action.VIEW, select_related=("subject",)))

    operation.__name__ = f"alert_{step}"
    router.post(
        f"/alerts/{{pk}}/{step}",
        response={200: AlertDetail, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
        summary=f"Alert step: {step}",
        description=(
            "raised → acknowledged → handled (action taken and result) → closed. A step the alert's "
            "status does not allow answers 409 `illegal_transition` and changes nothing."
        ),
        openapi_extra={**ALERT, **_body_doc(schema)},
        operation_id=f"corrections_alert_{step}",
    )(operation)


for _step, (_schema, _run) in ALERT_STEPS.items():
    _add_alert_step(_step, _schema, _run)


# --- figures ---------------------------------------------------------------------------------------------


def _figures(r: dict) -> dict:
    out = {k: r[k] for k in Figures.model_fields if k in r}
    for key in ("by_category", "by_phase", "by_level"):
        out[key] = {str(k): v for k, v in r[key].items()}
    return out


@router.get("/metrics", response={200: MetricsOut, 400: ErrorOut, 422: ErrorOut}, summary="Figures of a period")
def metrics(request, start: datetime.date | None = None, end: datetime.date | None = None):
    """漏管 and 脱管 (in the period and now), at large, subjects by category, phase and level,
    positioning coverage and success, for the caller's unit and each office. Default: this year."""
    today = timezone.localdate()
    start = start or today.replace(month=1, day=1)
    end = end or today
    if end < start:
        raise DomainError(_("The period ends before it starts."), code="invalid_period", field="end")
    if (end - start).days > MAX_METRICS_DAYS:
        raise DomainError(_("Choose a period of at most five years."), code="invalid_period", field="start")
    data = selectors.metrics(principal(request), start, end)
    offices = []
    for row in data["offices"]:
        staff = row.get("staffing") or {}
        offices.append(
            {
                **_figures(row),
                "office_id": row["office"].pk,
                "office_name": row["office"].display_name,
                "workers": staff.get("workers"),
                "workers_needed": staff.get("needed"),
                "shortfall": staff.get("shortfall"),
            }
        )
    return {
        "start": start,
        "end": end,
        "ratio": data["ratio"],
        "definition": _(
            "漏管: subjects whose report deadline fell in the period and who reported late or not at all (now: "
            "awaiting intake past the deadline). 脱管: subjects with a lost-contact or not-back alert raised in the "
            "period (now: still open). Coverage: subjects under a measure in force at the period's end whose device "
            "reported recently ÷ subjects under a measure in force. Success: fixes received ÷ fixes expected."
        ),
        "total": _figures(data["total"]),
        "offices": offices,
    }


@router.get("/staffing", response=StaffingOut, summary="Staffing against the 1:15 ratio")
def staffing(request):
    data = selectors.staffing(principal(request))
    totals = data["totals"]
    return {
        "ratio": data["ratio"],
        "subjects": totals.get("subjects", 0),
        "workers": totals.get("workers", 0),
        "needed": totals.get("needed", 0),
        "shortfall": totals.get("shortfall", 0),
        "rows": [
            {
                "office_id": r["office"].pk,
                "office_name": r["office"].display_name,
                "subjects": r["subjects"],
                "workers": r["workers"],
                "needed": r["needed"],
                "shortfall": r["shortfall"],
                "unassigned": r["unassigned"],
                "ratio": r["ratio"],
                "meets": r["meets"],
                "suggestion_id": r["suggestion"].pk if r["suggestion"] else None,
                "suggestion_name": _person(r["suggestion"]) if r["suggestion"] else None,
                "loads": [
                    {
                        "worker_id": x["worker"].pk,
                        "worker_name": _person(x["worker"]),
                        "load": x["load"],
                        "over": x["over"],
                    }
                    for x in r["loads"]
                ],
            }
            for r in data["rows"]
        ],
    }


# --- location ingest (the lead's router) ---------------------------------------------------------------

from .api_ingest import router as ingest_router  # noqa: E402 - mounted after our own operations

router.add_router("", ingest_router)
