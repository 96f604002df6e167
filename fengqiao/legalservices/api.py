"""Public legal services endpoints under /api/v1/legal-services: services (list, one service,
recording one, and each step), complaints (list, one, registering, closing), the figures and the
due times.

Every operation starts from `visible_to`: another office's service answers 404 like a missing one.
Writes need the action on the module (403 otherwise) and on the record (404). Phones are masked.
"""

from __future__ import annotations

import datetime
from typing import Literal

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from fengqiao.core.api import ErrorOut, body_doc, principal, scoped_get
from fengqiao.core.api import parse_body as _parse
from fengqiao.core.audit import version_of
from fengqiao.core.converters import MAX_ID
from fengqiao.core.errors import Conflict, DomainError, Forbidden, NotFound
from fengqiao.core.permissions import Action, Module
from fengqiao.core.scoping import subtree_q
from fengqiao.core.validators import mask_phone
from fengqiao.orgs.models import OrgKind, OrgNode

from . import codes, policy, selectors, services
from .models import Complaint, ServiceRecord

router = Router(tags=["legalservices"])
SERVICE = {"x-scoped-model": "legalservices.ServiceRecord"}
COMPLAINT = {"x-scoped-model": "legalservices.Complaint"}
M = Module.LEGAL_SERVICES
WRITE = {201: dict, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
STEP = {200: dict, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


# --- helpers -----------------------------------------------------------------------------------------


def _require_action(request, action: str):
    if not principal(request).has_action(M, action):
        raise Forbidden(
            _("You may not do this: it needs the “%(action)s” right on public legal services.")
            % {"action": Action(action).label}
        )


def _node(request, pk: int | None, action: str, kinds) -> OrgNode | None:
    if not pk:
        return None
    nodes = principal(request).scope_nodes_for(M, action)
    within = Q(pk__in=[])
    for node in nodes:
        within |= subtree_q(node.path)
    return OrgNode.objects.filter(within, pk=pk, kind__in=kinds).first()


def _office_and_village(request, office_id: int, village_id: int | None):
    """The office where the caller may record, and the village if given. A village of another
    office is refused with 400 on `village_id` (nothing about it is disclosed)."""
    office = OrgNode.objects.filter(pk=office_id, kind=OrgKind.TOWN).first()
    p = principal(request)
    if office is None or not any(
        office.path.startswith(n.path) or n.path.startswith(office.path) for n in p.scope_nodes_for(M, Action.CREATE)
    ):
        raise NotFound(_("No judicial office with this id where you may record legal services."), field="office_id")
    village = None
    if village_id:
        village = OrgNode.objects.filter(pk=village_id, kind=OrgKind.VILLAGE).first()
        if village is None or village.office_id != office.pk:
            raise DomainError(_("The village does not belong to this office."), field="village_id")
    return office, village


def _service(request, pk: int, action=Action.VIEW) -> ServiceRecord:
    return scoped_get(ServiceRecord, request, pk, action, select_related=("org", "office"))


def _item(s: ServiceRecord, today) -> dict:
    return {
        "id": s.pk,
        "kind": s.kind,
        "kind_label": str(s.get_kind_display()),
        "office_id": s.office_id,
        "org_id": s.org_id,
        "org_name": s.org.display_name,
        "received_on": s.received_on,
        "due_on": s.due_on,
        "status": s.status,
        "overdue": s.overdue_on(today),
        "concluded_on": s.concluded_on,
        "person_name": s.person_name,
        "person_phone": mask_phone(s.person_phone),
        "channel": s.channel,
        "category": s.category,
        "subject": s.subject,
        "referral_to": s.referral_to,
        "receiving_body": s.receiving_body,
        "satisfaction": s.satisfaction,
        "adoption": s.adoption,
    }


def _detail(request, s: ServiceRecord) -> dict:
    p = principal(request)
    return {
        **_item(s, timezone.localdate()),
        "question": s.question,
        "answer": s.answer,
        "outcome": s.outcome,
        "decision_type": s.decision_type,
        "opinion_count": s.opinion_count,
        "forwarded_on": s.forwarded_on,
        "minutes": s.minutes,
        "withdraw_reason": s.withdraw_reason,
        "handled_by": s.handled_by_repr,
        "version": version_of(s),
        "can_change": p.has_action(M, Action.CHANGE)
        and ServiceRecord.objects.visible_to(p, Action.CHANGE).filter(pk=s.pk).exists(),
        "events": [
            {"id": e.pk, "step": e.step, "date": e.date, "note": e.note, "by": e.recorded_by_repr}
            for e in selectors.service_events(s)
        ],
    }


def _complaint(c: Complaint) -> dict:
    return {
        "id": c.pk,
        "office_id": c.office_id,
        "org_id": c.org_id,
        "received_on": c.received_on,
        "complainant": c.complainant,
        "complainant_phone": mask_phone(c.complainant_phone),
        "content": c.content,
        "service_id": c.service_id,
        "status": c.status,
        "verification": c.verification,
        "verified_on": c.verified_on,
        "handling": c.handling,
        "version": version_of(c),
    }


def _step(fn):
    try:
        return fn()
    except DomainError as exc:
        if exc.code in ("illegal_transition", "overdue"):
            raise Conflict(str(exc), code=exc.code) from None
        raise


# --- schemas -----------------------------------------------------------------------------------------


class ServiceIn(Schema):
    kind: codes.Kind
    office_id: int = Field(..., ge=1, le=MAX_ID)
    village_id: int | None = Field(None, ge=1, le=MAX_ID, description="A village of the office, or none")
    received_on: datetime.date
    person_name: str = Field("", max_length=50)
    person_phone: str = Field("", max_length=30)
    channel: codes.Channel | Literal[""] = ""
    category: codes.Category | Literal[""] = ""
    subject: str = Field("", max_length=200)
    question: str = Field("", max_length=5000)
    answer: str = Field("", max_length=10000, description="Given: a consultation or opinion concluded at once")
    minutes: int | None = Field(None, ge=0, le=services.MAX_MINUTES)
    referral_to: codes.ReferralTo | Literal[""] = ""
    decision_type: codes.DecisionType | Literal[""] = ""
    receiving_body: str = Field("", max_length=100)
    opinion_count: int | None = Field(None, ge=0, le=100000)
    satisfaction: codes.Satisfaction | Literal[""] = ""
    adoption: codes.Adoption | Literal[""] = ""


class ConcludeIn(Schema):
    concluded_on: datetime.date
    answer: str | None = Field(None, max_length=10000)
    outcome: str | None = Field(None, max_length=5000)
    receiving_body: str | None = Field(None, max_length=100)
    forwarded_on: datetime.date | None = None
    adoption: codes.Adoption | Literal[""] = ""
    expected_version: str | None = None


class NoteIn(Schema):
    note: str = Field(..., min_length=1, max_length=2000)
    date: datetime.date | None = None
    expected_version: str | None = None


class WithdrawIn(Schema):
    reason: str = Field(..., min_length=1, max_length=2000)
    date: datetime.date | None = None
    expected_version: str | None = None


class RateIn(Schema):
    satisfaction: str = Field(..., max_length=20, description="satisfied, basic or dissatisfied")
    note: str = Field("", max_length=2000)
    expected_version: str | None = None


class AdoptionIn(Schema):
    adoption: str = Field(..., max_length=20, description="adopted, partly or not_adopted")
    note: str = Field("", max_length=2000)
    expected_version: str | None = None


class ComplaintIn(Schema):
    office_id: int = Field(..., ge=1, le=MAX_ID)
    village_id: int | None = Field(None, ge=1, le=MAX_ID)
    received_on: datetime.date
    complainant: str = Field(..., min_length=1, max_length=50)
    complainant_phone: str = Field("", max_length=30)
    content: str = Field(..., min_length=1, max_length=5000)
    service_id: int | None = Field(None, ge=1, le=MAX_ID)


class CloseIn(Schema):
    verification: str = Field("", max_length=20, description="substantiated or unsubstantiated")
    verified_on: datetime.date | None = None
    handling: str = Field("", max_length=5000)
    expected_version: str | None = None


# --- services ----------------------------------------------------------------------------------------


@router.get("/services", response={200: dict, 422: ErrorOut}, summary="List legal services")
def list_services(
    request,
    q: str = Query("", max_length=50, description="Part of a name, subject or question"),
    kind: codes.Kind | Literal[""] = "",
    status: codes.Status | Literal[""] = "",
    channel: codes.Channel | Literal[""] = "",
    category: codes.Category | Literal[""] = "",
    referral_to: codes.ReferralTo | Literal[""] = "",
    satisfaction: codes.Satisfaction | Literal["", "none"] = "",
    village: int | None = Query(None, ge=1, le=MAX_ID),
    overdue: bool = False,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    cursor: str | None = None,
    size: int | None = Query(None, ge=1, le=200),
):
    """Services the caller may see, newest received first, a page at a time (`next_cursor`).
    `overdue`: open past the due date. Phones are masked."""
    village_obj = _node(request, village, Action.VIEW, [OrgKind.TOWN, OrgKind.VILLAGE]) if village else None
    if village and village_obj is None:
        return {"items": [], "next_cursor": None}
    page = selectors.service_search(
        principal(request),
        q=q.strip(),
        kind=str(kind),
        status=str(status),
        channel=str(channel),
        category=str(category),
        referral_to=str(referral_to),
        satisfaction=str(satisfaction),
        village=village_obj,
        overdue=overdue,
        date_from=date_from,
        date_to=date_to,
        cursor=cursor,
        size=size,
    )
    today = timezone.localdate()
    return {"items": [_item(s, today) for s in page.items], "next_cursor": page.next_cursor}


@router.get("/services/{pk}", response={200: dict, 404: ErrorOut}, summary="One legal service", openapi_extra=SERVICE)
def get_service(request, pk: int):
    """The service with its timeline (newest first) and its `version` for the steps."""
    return _detail(request, _service(request, pk))


@router.post("/services", response=WRITE, summary="Record a legal service")
def create_service(request, payload: ServiceIn):
    """Record a service of any kind. A consultation or a legal opinion sent with its `answer` is
    concluded at once (and may carry `satisfaction`, or `adoption` for an opinion). A village of
    another office is refused (400 on `village_id`)."""
    _require_action(request, Action.CREATE)
    office, village = _office_and_village(request, payload.office_id, payload.village_id)
    data = payload.model_dump(exclude={"office_id", "village_id"})
    for key in ("kind", "channel", "category", "referral_to", "decision_type", "satisfaction", "adoption"):
        data[key] = str(data[key])
    service = services.service_register(actor=principal(request), office=office, village=village, **data)
    return Status(201, _detail(request, _service(request, service.pk)))


def _step_operation(path, summary, schema):
    return router.post(path, response=STEP, summary=summary, openapi_extra={**SERVICE, **body_doc(schema)})


@_step_operation("/services/{pk}/conclude", "Conclude a service with its result", ConcludeIn)
def conclude_service(request, pk: int):
    """The answer, the outcome, or the forwarding of the opinions (by kind). Refused (400) without
    it, which also refuses closing an overdue service without its result."""
    _require_action(request, Action.CHANGE)
    service = _service(request, pk, Action.CHANGE)
    body = _parse(request, ConcludeIn)
    data = body.model_dump(exclude={"expected_version"})
    data["adoption"] = str(data["adoption"])
    _step(
        lambda: services.service_conclude(
            actor=principal(request), service=service, expected_version=body.expected_version, **data
        )
    )
    return _detail(request, _service(request, pk))


@_step_operation("/services/{pk}/notes", "Note progress on an open service", NoteIn)
def note_service(request, pk: int):
    _require_action(request, Action.CHANGE)
    service = _service(request, pk, Action.CHANGE)
    body = _parse(request, NoteIn)
    _step(
        lambda: services.service_note(
            actor=principal(request), service=service, note=body.note, date=body.date,
            expected_version=body.expected_version,
        )
    )  # fmt: skip
    return _detail(request, _service(request, pk))


@_step_operation("/services/{pk}/withdraw", "Withdraw an open service", WithdrawIn)
def withdraw_service(request, pk: int):
    """Refused with 409 `overdue` once the service is past its due date."""
    _require_action(request, Action.CHANGE)
    service = _service(request, pk, Action.CHANGE)
    body = _parse(request, WithdrawIn)
    _step(
        lambda: services.service_withdraw(
            actor=principal(request), service=service, reason=body.reason, date=body.date,
            expected_version=body.expected_version,
        )
    )  # fmt: skip
    return _detail(request, _service(request, pk))


@_step_operation("/services/{pk}/rating", "Record satisfaction with a concluded service", RateIn)
def rate_service(request, pk: int):
    """满意 (satisfied), 基本满意 (basic) or 不满意 (dissatisfied); any other value is refused (400)."""
    _require_action(request, Action.CHANGE)
    service = _service(request, pk, Action.CHANGE)
    body = _parse(request, RateIn)
    _step(
        lambda: services.service_rate(
            actor=principal(request), service=service, satisfaction=body.satisfaction, note=body.note,
            expected_version=body.expected_version,
        )
    )  # fmt: skip
    return _detail(request, _service(request, pk))


@_step_operation("/services/{pk}/adoption", "Record the town's adoption of a legal opinion", AdoptionIn)
def adopt_service(request, pk: int):
    _require_action(request, Action.CHANGE)
    service = _service(request, pk, Action.CHANGE)
    body = _parse(request, AdoptionIn)
    _step(
        lambda: services.service_set_adoption(
            actor=principal(request), service=service, adoption=body.adoption, note=body.note,
            expected_version=body.expected_version,
        )
    )  # fmt: skip
    return _detail(request, _service(request, pk))


# --- complaints --------------------------------------------------------------------------------------


@router.get("/complaints", response={200: dict, 422: ErrorOut}, summary="List complaints")
def list_complaints(
    request,
    q: str = Query("", max_length=50),
    status: codes.ComplaintStatus | Literal[""] = "",
    verification: codes.Verification | Literal[""] = "",
    cursor: str | None = None,
    size: int | None = Query(None, ge=1, le=200),
):
    page = selectors.complaint_search(
        principal(request), q=q.strip(), status=str(status), verification=str(verification), cursor=cursor, size=size
    )
    return {"items": [_complaint(c) for c in page.items], "next_cursor": page.next_cursor}


@router.get("/complaints/{pk}", response={200: dict, 404: ErrorOut}, summary="One complaint", openapi_extra=COMPLAINT)
def get_complaint(request, pk: int):
    return _complaint(scoped_get(Complaint, request, pk, Action.VIEW))


@router.post("/complaints", response=WRITE, summary="Register a complaint")
def create_complaint(request, payload: ComplaintIn):
    _require_action(request, Action.CREATE)
    office, village = _office_and_village(request, payload.office_id, payload.village_id)
    service = None
    if payload.service_id:
        service = selectors.service_get(principal(request), payload.service_id)
        if service is None:
            raise DomainError(_("The service concerned must be one of this office's services."), field="service_id")
    data = payload.model_dump(exclude={"office_id", "village_id", "service_id"})
    complaint = services.complaint_register(
        actor=principal(request), office=office, village=village, service=service, **data
    )
    return Status(201, _complaint(complaint))


@router.post(
    "/complaints/{pk}/close",
    response=STEP,
    summary="Close a complaint with its verification result",
    openapi_extra={**COMPLAINT, **body_doc(CloseIn)},
)
def close_complaint(request, pk: int):
    """Needs `verification` (substantiated / unsubstantiated) and `verified_on`: refused (400)
    without them."""
    _require_action(request, Action.CHANGE)
    complaint = scoped_get(Complaint, request, pk, Action.CHANGE)
    body = _parse(request, CloseIn)
    _step(
        lambda: services.complaint_close(
            actor=principal(request), complaint=complaint, verification=body.verification,
            verified_on=body.verified_on, handling=body.handling, expected_version=body.expected_version,
        )
    )  # fmt: skip
    return _complaint(scoped_get(Complaint, request, pk, Action.VIEW))


# --- figures and due times ---------------------------------------------------------------------------


@router.get("/metrics", response={200: dict, 400: ErrorOut, 422: ErrorOut}, summary="Figures of a period")
def metrics(request, date_from: datetime.date | None = None, date_to: datetime.date | None = None):
    """The figures per office of the caller's area (and per village for one office) for the period
    (default: this year). Rates are 0..1, null when there is nothing to measure."""
    today = timezone.localdate()
    date_from = date_from or today.replace(month=1, day=1)
    date_to = date_to or today
    if date_to < date_from:
        raise DomainError(_("The period ends before it starts."), code="invalid_period", field="date_to")
    data = selectors.metrics(principal(request), date_from=date_from, date_to=date_to)
    return {
        "date_from": date_from.isoformat(),
        "date_to": date_to.isoformat(),
        "figures": [{**f, "name": str(f["name"]), "description": str(f["description"])} for f in selectors.FIGURES],
        "offices": data["offices"],
        "villages": data["villages"],
        "totals": data["totals"],
    }


@router.get("/due-times", response=dict, summary="Due time of each kind of service")
def due_times(request):
    _require_action(request, Action.VIEW)
    return {kind: {"days": days, "working_days": working} for kind, (days, working) in policy.rules().items()}
