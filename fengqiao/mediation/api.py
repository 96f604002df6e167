"""Mediation endpoints under /api/v1/mediation: cases with their parties, timeline, sessions and
steps; intake; figures; committees; and (from `fengqiao.partners`) partner referrals.

Every operation starts from `visible_to`: another office's case answers 404 like a missing one.
Writes need the action on the module (403 otherwise) and on the case (404). Steps carry the
version of the case the caller last saw: a stale one is refused with 409 `stale` and changes
nothing; a step the case's status does not allow is 409 `illegal_transition`.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated, Literal
from urllib.parse import quote

from django.db import transaction
from django.db.models import Prefetch, Q, prefetch_related_objects
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from fengqiao.core import audit
from fengqiao.core.api import ErrorOut, principal, scoped_get
from fengqiao.core.api import body_doc as _body_doc
from fengqiao.core.api import parse_body as _parse
from fengqiao.core.converters import MAX_ID
from fengqiao.core.errors import Conflict, DomainError, Forbidden, NotFound
from fengqiao.core.models import AuditKind
from fengqiao.core.permissions import Action, Module
from fengqiao.core.validators import mask_id_number, mask_phone
from fengqiao.orgs.models import OrgKind, OrgNode

from . import codes, codes_gbt, documents, selectors, services
from .models import Agreement, Dispute, MediationSession, Party

router = Router(tags=["mediation"])
SCOPED = {"x-scoped-model": "mediation.Dispute"}
T = codes.Transition

# The longest period the figures are computed for in one call.
MAX_METRICS_DAYS = 5 * 366


# --- helpers ---------------------------------------------------------------------------------------------


def _require_action(request, action: str):
    """403 when the caller may not do `action` on cases anywhere (a token without the grant)."""
    if not principal(request).has_action(Module.MEDIATION, action):
        raise Forbidden(
            _("You may not do this: it needs the “%(action)s” right on people's mediation.")
            % {"action": Action(action).label}
        )


def _case(request, pk: int, action: str = Action.VIEW) -> Dispute:
    return scoped_get(Dispute, request, pk, action, select_related=("org", "office", "committee"))


def _may(request, dispute: Dispute, action: str) -> bool:
    p = principal(request)
    return p.has_action(Module.MEDIATION, action) and (
        Dispute.objects.visible_to(p, action).filter(pk=dispute.pk).exists()
    )


def mask_name(name: str, kind: str = codes.PartyKind.PERSON) -> str:
    """张** for a person in a list; an organisation's name is not personal data."""
    if kind != codes.PartyKind.PERSON or len(name) < 2:
        return name
    return name[0] + "*" * (len(name) - 1)


def _zh() -> bool:
    return (get_language() or "zh-hans").startswith("zh")


def _place(request, pk: int, action: str) -> OrgNode | None:
    """The unit `pk` if it lies where the caller may do `action` on cases. The condition is
    `OrgNode.scope_q` of the caller's own mediation scope nodes: `visible_to` for the mediation
    module rather than the organisation module, so that a partner token needs no `orgs.view`."""
    places = principal(request).scope_nodes_for(Module.MEDIATION, action)
    if not places:
        return None
    within = Q(pk__in=[])
    for node in places:
        within |= OrgNode.scope_q(node)
    return OrgNode.objects.filter(within, pk=pk).first()


def _intake_org(request, org_id: int) -> OrgNode:
    """Where the caller may register a case (the intake form's rule): inside their mediation scope,
    active, not a province; a bureau registers at an office."""
    org = _place(request, org_id, Action.CREATE)
    if org is None or not org.is_active or org.kind == OrgKind.PROVINCE:
        raise NotFound(_("No unit with this id where you may register disputes."), field="org_id")
    places = principal(request).scope_nodes_for(Module.MEDIATION, Action.CREATE)
    if org.kind == OrgKind.VILLAGE and any(n.is_bureau for n in places):
        raise DomainError(_("The city bureau registers disputes at an office, not at a village."), field="org_id")
    return org


def _committee(queryset, pk: int | None, field: str = "committee_id"):
    if pk is None:
        return None
    committee = queryset.filter(pk=pk).first()
    if committee is None:
        raise DomainError(_("Choose a committee that may take this case."), field=field)
    return committee


def _mediators(dispute: Dispute, ids: list[int]):
    if not ids:
        return []
    found = list(selectors.mediator_choices_for_case(dispute).filter(pk__in=set(ids)))
    if len(found) != len(set(ids)):
        raise DomainError(
            _("Choose mediators of the case's office or of its handling committee."), field="mediator_ids"
        )
    return found


# --- schemas ---------------------------------------------------------------------------------------------


class PartyBrief(Schema):
    side: str
    kind: str
    name: str


class DisputeItem(Schema):
    id: int
    number: str
    status: str
    status_label: str
    channel: str
    referral_source: str
    event_type: str
    stat_category: str
    summary: str
    level: int
    org_id: int
    org_name: str
    office_id: int
    committee_id: int | None
    committee_name: str | None
    received_on: datetime.date
    accepted_on: datetime.date | None
    deadline: datetime.date | None
    concluded_on: datetime.date | None
    outcome: str
    overdue: bool
    version: int
    risk_level: int
    parties: list[PartyBrief]


class DisputePage(Schema):
    items: list[DisputeItem]
    next_cursor: str | None


class PartyOut(Schema):
    id: int
    side: str
    kind: str
    name: str
    id_number: str = Field(description="Masked unless ?reveal=1 by a principal who may see it in full")
    org_code: str
    phone: str = Field(description="Masked unless ?reveal=1")
    address: str
    revealed: bool


class EventOut(Schema):
    at: datetime.datetime
    transition: str
    label: str
    from_status: str
    to_status: str
    actor: str
    note: str


class MediatorRef(Schema):
    id: int
    full_name: str
    full_time: bool


class SessionOut(Schema):
    id: int
    held_on: datetime.date
    place: str
    attendees: str
    record: str
    mediators: list[MediatorRef]


class AgreementOut(Schema):
    form: str
    terms: str
    amount: Decimal | None
    performance_method: str
    performance_deadline: datetime.date | None
    signed_on: datetime.date


class FollowUpOut(Schema):
    id: int
    visited_on: datetime.date
    performed: bool | None
    satisfaction: str
    note: str


class StepOut(Schema):
    step: str
    label: str
    path: str


class DisputeDetail(Schema):
    id: int
    number: str
    version: int
    status: str
    status_label: str
    channel: str
    referral_source: str
    referral_body: str
    event_type: str
    event_type_label: str
    stat_category: str
    summary: str
    description: str
    amount: Decimal | None
    people_count: int
    scale: str
    level: int
    org_id: int
    org_name: str
    office_id: int
    committee_id: int | None
    committee_name: str | None
    received_on: datetime.date
    accepted_on: datetime.date | None
    deadline: datetime.date | None
    concluded_on: datetime.date | None
    archived_on: datetime.date | None
    days_to_conclude: int | None
    outcome: str
    outcome_reason: str
    overdue: bool
    prevented_criminal_persons: int
    prevented_mass_petition_persons: int
    mediators: list[MediatorRef]
    parties: list[PartyOut]
    events: list[EventOut]
    sessions: list[SessionOut]
    agreement: AgreementOut | None
    follow_ups: list[FollowUpOut]
    place: str
    risk_level: int
    referrals: list[ReferralOut]
    confirmations: list[ConfirmationOut]
    warnings: list[FlagOut]
    confirmation_deadline: datetime.date | None
    can_change: bool
    allowed_transitions: list[StepOut]


class PartyIn(Schema):
    side: codes.PartySide
    kind: codes.PartyKind = codes.PartyKind.PERSON
    name: str = Field(..., min_length=1, max_length=100)
    id_number: str = Field("", max_length=30)
    org_code: str = Field("", max_length=30)
    phone: str = Field("", max_length=30)
    address: str = Field("", max_length=200)


class DisputeIn(Schema):
    org_id: int = Field(
        ..., ge=1, le=MAX_ID, description="Where the dispute arose: a village, a town, or (bureau) an office"
    )
    channel: codes.Channel
    referral_source: codes.ReferralSource | Literal[""] = ""
    referral_body: str = Field("", max_length=100)
    event_type: str = Field(..., min_length=4, max_length=4, description="GB/T 31000-2015 event type code")
    summary: str = Field(..., min_length=1, max_length=100)
    description: str = Field(..., min_length=1, max_length=10_000)
    received_on: datetime.date
    amount: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    people_count: int = Field(2, ge=2, le=100_000)
    scale: str = Field("01", max_length=2)
    committee_id: int | None = Field(None, ge=1, le=MAX_ID)
    parties: list[PartyIn] = Field(..., min_length=2, max_length=50)


# Ids are bounded (ge=1, le=MAX_ID) so that a number the database cannot hold is a clear 422.
class StepIn(Schema):
    expected_version: int = Field(..., ge=1, le=MAX_ID, description="The case's `version` as the caller last saw it")


class AcceptIn(StepIn):
    committee_id: int | None = Field(None, ge=1, le=MAX_ID)
    mediator_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(default_factory=list, max_length=50)
    period_days: int | None = Field(None, ge=1, le=365)


class ReasonIn(StepIn):
    reason: str = Field(..., min_length=1, max_length=2000)


class SessionIn(StepIn):
    held_on: datetime.date
    place: str = Field(..., min_length=1, max_length=100)
    record: str = Field(..., min_length=1, max_length=20_000)
    attendees: str = Field("", max_length=300)
    mediator_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(default_factory=list, max_length=50)


class SucceedIn(StepIn):
    form: codes.AgreementForm
    terms: str = Field(..., min_length=1, max_length=20_000)
    signed_on: datetime.date
    amount: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    performance_method: str = Field("", max_length=200)
    performance_deadline: datetime.date | None = None
    prevented_criminal_persons: int = Field(0, ge=0, le=100_000)
    prevented_mass_petition_persons: int = Field(0, ge=0, le=100_000)


class FollowUpIn(StepIn):
    visited_on: datetime.date
    satisfaction: codes.Satisfaction
    performed: bool | None = None
    note: str = Field("", max_length=2000)


class EscalateIn(StepIn):
    committee_id: int = Field(..., ge=1, le=MAX_ID)
    reason: str = Field(..., min_length=1, max_length=2000)


class EditIn(StepIn):
    summary: str = Field(..., min_length=1, max_length=100)
    description: str = Field(..., min_length=1, max_length=10_000)
    event_type: str = Field(..., min_length=4, max_length=4)
    amount: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    people_count: int = Field(2, ge=2, le=100_000)
    scale: str = Field("01", max_length=2)
    place: str = Field("", max_length=200)


class ReferIn(StepIn):
    channel: codes.LinkageChannel
    receiving_body: str = Field(..., min_length=1, max_length=100)
    referred_on: datetime.date
    reason: str = Field("", max_length=2000)


class ReferralResultIn(StepIn):
    referral_id: int = Field(..., ge=1, le=MAX_ID)
    outcome: codes.LinkageOutcome
    result_on: datetime.date
    result: str = Field("", max_length=2000)


class ConfirmIn(StepIn):
    court: str = Field(..., min_length=1, max_length=100)
    applied_on: datetime.date
    note: str = Field("", max_length=2000)


class ConfirmResultIn(StepIn):
    result: codes.ConfirmationResult
    ruled_on: datetime.date
    ruling_number: str = Field("", max_length=60)
    note: str = Field("", max_length=2000)


class ReferralOut(Schema):
    id: int
    channel: str
    channel_label: str
    receiving_body: str
    referred_on: datetime.date
    reason: str
    outcome: str
    outcome_label: str
    result: str
    result_on: datetime.date | None


class ConfirmationOut(Schema):
    id: int
    court: str
    applied_on: datetime.date
    result: str
    result_label: str
    ruled_on: datetime.date | None
    ruling_number: str


class FlagOut(Schema):
    id: int
    kind: str
    kind_label: str
    level: int
    level_label: str
    reasons: list[str]
    status: str
    raised_at: datetime.datetime
    handled_at: datetime.datetime | None
    handling: str


class CommitteeOut(Schema):
    id: int
    name: str
    committee_type: str
    committee_type_label: str
    field: str
    level: int
    org_id: int
    office_id: int
    full_time_norm: int


class MetricsTotals(Schema):
    received: int
    accepted: int
    overdue: int
    succeeded: int
    failed: int
    terminated: int
    rejected: int
    success_rate: float | None
    amount: Decimal
    prevented_criminal: int
    prevented_criminal_persons: int
    prevented_mass_petition: int
    prevented_mass_petition_persons: int
    avg_days: float | None


class MetricsRow(MetricsTotals):
    key: str
    label: str | None


class MetricsOut(Schema):
    date_from: datetime.date
    date_to: datetime.date
    group_by: str
    definition: str
    rows: list[MetricsRow]
    totals: MetricsTotals


# --- serialisation ---------------------------------------------------------------------------------------


def _overdue(d: Dispute, today) -> bool:
    return d.status in codes.OPEN_STATUSES and d.deadline is not None and d.deadline < today


def _item(d: Dispute, today) -> dict:
    return {
        "id": d.pk,
        "number": d.number,
        "status": d.status,
        "status_label": str(d.get_status_display()),
        "channel": d.channel,
        "referral_source": d.referral_source,
        "event_type": d.event_type,
        "stat_category": d.stat_category,
        "summary": d.summary,
        "level": d.level,
        "org_id": d.org_id,
        "org_name": d.org.name,
        "office_id": d.office_id,
        "committee_id": d.committee_id,
        "committee_name": d.committee.name if d.committee_id else None,
        "received_on": d.received_on,
        "accepted_on": d.accepted_on,
        "deadline": d.deadline,
        "concluded_on": d.concluded_on,
        "outcome": d.outcome,
        "overdue": _overdue(d, today),
        "version": d.version,
        "risk_level": d.risk_level,
        "parties": [{"side": p.side, "kind": p.kind, "name": mask_name(p.name, p.kind)} for p in d.list_parties],
    }


def _party(p: Party, reveal: bool) -> dict:
    return {
        "id": p.pk,
        "side": p.side,
        "kind": p.kind,
        "name": p.name,
        "id_number": p.id_number if reveal else mask_id_number(p.id_number),
        "org_code": p.org_code,
        "phone": p.phone if reveal else mask_phone(p.phone),
        "address": p.address,
        "revealed": reveal,
    }


def _mediator(m) -> dict:
    return {"id": m.pk, "full_name": m.full_name, "full_time": m.full_time}


def _session(s: MediationSession) -> dict:
    return {
        "id": s.pk,
        "held_on": s.held_on,
        "place": s.place,
        "attendees": s.attendees,
        "record": s.record,
        "mediators": [_mediator(m) for m in s.mediators.all()],
    }


def _reveal_parties(request, response: HttpResponse, dispute: Dispute, parties, reveal: bool) -> bool:
    """Whether to show full ID numbers and phones: only on an explicit ?reveal=1, by a principal who
    may both change the case and see sensitive data, with an access event per party shown, and a
    response that no cache keeps."""
    if not reveal:
        return False
    if not (_may(request, dispute, Action.CHANGE) and _may(request, dispute, Action.VIEW_SENSITIVE)):
        raise Forbidden(_("You may not see full ID numbers and phone numbers of this case's parties."))
    for p in parties:
        if p.id_number or p.phone:
            audit.record_access(actor=principal(request), obj=p, what="id_number")
    add_never_cache_headers(response)
    return True


def _detail(request, response: HttpResponse, dispute: Dispute, reveal: bool = False) -> dict:
    data = selectors.dispute_detail(dispute)
    today = timezone.localdate()
    can_change = _may(request, dispute, Action.CHANGE)
    revealed = _reveal_parties(request, response, dispute, data["parties"], reveal)
    conditions = data["conditions"]
    steps = (
        [
            s
            for s in dispute.allowed_transitions()
            if s in STEP_SCHEMAS and (s not in codes.CONDITIONAL_STEPS or conditions.get(codes.CONDITIONAL_STEPS[s]))
        ]
        if can_change
        else []
    )
    agreement = data["agreement"]
    return {
        **_item(dispute, today),
        "referral_body": dispute.referral_body,
        "event_type_label": codes_gbt.event_type_label(dispute.event_type, get_language() or "zh-hans")
        if codes_gbt.is_valid_event_type(dispute.event_type)
        else dispute.event_type,
        "description": dispute.description,
        "amount": dispute.amount,
        "people_count": dispute.people_count,
        "scale": dispute.scale,
        "archived_on": dispute.archived_on,
        "days_to_conclude": dispute.days_to_conclude,
        "outcome_reason": dispute.outcome_reason,
        "prevented_criminal_persons": dispute.prevented_criminal_persons,
        "prevented_mass_petition_persons": dispute.prevented_mass_petition_persons,
        "mediators": [_mediator(m) for m in data["mediators"]],
        "parties": [_party(p, revealed) for p in data["parties"]],
        "events": [
            {
                "at": e.at,
                "transition": e.transition,
                "label": str(e.get_transition_display()),
                "from_status": e.from_status,
                "to_status": e.to_status,
                "actor": e.actor_repr,
                "note": e.note,
            }
            for e in data["events"]
        ],
        "sessions": [_session(s) for s in data["sessions"]],
        "agreement": None
        if agreement is None
        else {
            "form": agreement.form,
            "terms": agreement.terms,
            "amount": agreement.amount,
            "performance_method": agreement.performance_method,
            "performance_deadline": agreement.performance_deadline,
            "signed_on": agreement.signed_on,
        },
        "follow_ups": [
            {
                "id": f.pk,
                "visited_on": f.visited_on,
                "performed": f.performed,
                "satisfaction": f.satisfaction,
                "note": f.note,
            }
            for f in data["follow_ups"]
        ],
        "place": dispute.place,
        "risk_level": dispute.risk_level,
        "referrals": [
            {
                "id": r.pk,
                "channel": r.channel,
                "channel_label": str(r.get_channel_display()),
                "receiving_body": r.receiving_body,
                "referred_on": r.referred_on,
                "reason": r.reason,
                "outcome": r.outcome,
                "outcome_label": str(r.get_outcome_display()),
                "result": r.result,
                "result_on": r.result_on,
            }
            for r in data["referrals"]
        ],
        "confirmations": [
            {
                "id": c.pk,
                "court": c.court,
                "applied_on": c.applied_on,
                "result": c.result,
                "result_label": str(c.get_result_display()),
                "ruled_on": c.ruled_on,
                "ruling_number": c.ruling_number,
            }
            for c in data["confirmations"]
        ],
        "warnings": [
            {
                "id": f.pk,
                "kind": f.kind,
                "kind_label": str(f.get_kind_display()),
                "level": f.level,
                "level_label": str(f.get_level_display()),
                "reasons": f.reason_texts(),
                "status": f.status,
                "raised_at": f.raised_at,
                "handled_at": f.handled_at,
                "handling": f.handling,
            }
            for f in data["flags"]
        ],
        "confirmation_deadline": data["confirmation_deadline"],
        "can_change": can_change,
        "allowed_transitions": [
            {"step": s, "label": str(codes.STEP_ACTIONS[s]), "path": f"transitions/{s}"} for s in steps
        ],
    }


# --- cases -----------------------------------------------------------------------------------------------


@router.get("/cases", response={200: DisputePage, 422: ErrorOut}, summary="List cases")
def list_cases(
    request,
    q: str = Query("", max_length=100),
    status: codes.Status | Literal[""] = "",
    stat_category: str = "",
    channel: codes.Channel | Literal[""] = "",
    level: codes.Level | None = None,
    overdue: bool = False,
    at_risk: bool = False,
    open: bool = False,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    committee: int | None = Query(None, ge=1, le=MAX_ID),
    village: int | None = Query(None, ge=1, le=MAX_ID),
    mediator: int | None = Query(None, ge=1, le=MAX_ID),
    risk: codes.RiskLevel | None = None,
    cursor: str | None = None,
    size: int | None = Query(None, ge=1, le=200),
):
    """Cases the caller may see, newest first, a page at a time (`next_cursor`). Party names and
    phones are masked here; the case itself shows them."""
    p = principal(request)
    village_obj = _place(request, village, Action.VIEW) if village else None
    if village and village_obj is None:
        return {"items": [], "next_cursor": None}
    page = selectors.dispute_search(
        p,
        q=q.strip(),
        status=str(status),
        stat_category=stat_category if stat_category in codes_gbt.STAT_CATEGORIES else "",
        channel=str(channel),
        level=int(level) if level else None,
        overdue=overdue,
        at_risk=at_risk,
        open_only=open,
        date_from=date_from,
        date_to=date_to,
        # An id is enough: the cases are already limited to the caller's, whoever's the committee is.
        committee=committee,
        village=village_obj,
        mediator=mediator,
        risk=int(risk) if risk else None,
        cursor=cursor,
        size=size,
    )
    prefetch_related_objects(
        page.items, Prefetch("parties", queryset=Party.objects.order_by("side", "id"), to_attr="list_parties")
    )
    today = timezone.localdate()
    return {"items": [_item(d, today) for d in page.items], "next_cursor": page.next_cursor}


@router.get(
    "/cases/{pk}",
    response={200: DisputeDetail, 403: ErrorOut, 404: ErrorOut},
    summary="One case",
    openapi_extra=SCOPED,
)
def get_case(request, response: HttpResponse, pk: int, reveal: bool = False):
    """The case with its parties, timeline, sessions, agreement, follow-ups, the steps the caller may
    take now and the `version` to send with them. `?reveal=1` shows full ID numbers and phones to a
    principal who may change the case and see sensitive data; each showing is recorded."""
    dispute = _case(request, pk)
    dispute.list_parties = list(dispute.parties.order_by("side", "id"))
    return _detail(request, response, dispute, reveal)


@router.get(
    "/cases/{pk}/parties",
    response={200: list[PartyOut], 403: ErrorOut, 404: ErrorOut},
    summary="The parties of a case",
    openapi_extra=SCOPED,
)
def get_parties(request, response: HttpResponse, pk: int, reveal: bool = False):
    dispute = _case(request, pk)
    parties = list(dispute.parties.order_by("side", "id"))
    revealed = _reveal_parties(request, response, dispute, parties, reveal)
    return [_party(p, revealed) for p in parties]


@router.get(
    "/cases/{pk}/sessions",
    response={200: list[SessionOut], 404: ErrorOut},
    summary="The mediation sessions of a case",
    openapi_extra=SCOPED,
)
def get_sessions(request, pk: int):
    dispute = _case(request, pk)
    return [_session(s) for s in dispute.sessions.prefetch_related("mediators").order_by("held_on", "id")]


@router.post(
    "/cases",
    response={201: DisputeDetail, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Register a case",
)
def create_case(request, response: HttpResponse, payload: DisputeIn):
    _require_action(request, Action.CREATE)
    p = principal(request)
    org = _intake_org(request, payload.org_id)
    committee = _committee(selectors.committee_choices_for_intake(p), payload.committee_id)
    dispute = services.dispute_register(
        actor=p,
        org=org,
        channel=str(payload.channel),
        referral_source=str(payload.referral_source),
        referral_body=payload.referral_body,
        event_type=payload.event_type,
        summary=payload.summary,
        description=payload.description,
        received_on=payload.received_on,
        amount=payload.amount,
        people_count=payload.people_count,
        scale=payload.scale,
        committee=committee,
        parties=[
            {k: str(v) if k in ("side", "kind") else v for k, v in party.dict().items()} for party in payload.parties
        ],
    )
    dispute = _case(request, dispute.pk)
    dispute.list_parties = list(dispute.parties.order_by("side", "id"))
    return Status(201, _detail(request, response, dispute))


# --- steps -----------------------------------------------------------------------------------------------


def _step_accept(actor, dispute, body: AcceptIn):
    committee = _committee(selectors.committee_choices_for_case(dispute), body.committee_id)
    return services.dispute_accept(
        actor=actor,
        dispute=dispute,
        expected_version=body.expected_version,
        committee=committee,
        mediators=_mediators(dispute, body.mediator_ids),
        period_days=body.period_days,
    )


def _step_reason(service):
    def run(actor, dispute, body: ReasonIn):
        return service(actor=actor, dispute=dispute, reason=body.reason, expected_version=body.expected_version)

    return run


def _step_session(actor, dispute, body: SessionIn):
    return services.session_add(
        actor=actor,
        dispute=dispute,
        held_on=body.held_on,
        place=body.place,
        record=body.record,
        attendees=body.attendees,
        mediators=_mediators(dispute, body.mediator_ids),
        expected_version=body.expected_version,
    )


def _step_succeed(actor, dispute, body: SucceedIn):
    return services.dispute_succeed(
        actor=actor,
        dispute=dispute,
        form=str(body.form),
        terms=body.terms,
        signed_on=body.signed_on,
        amount=body.amount,
        performance_method=body.performance_method,
        performance_deadline=body.performance_deadline,
        prevented_criminal_persons=body.prevented_criminal_persons,
        prevented_mass_petition_persons=body.prevented_mass_petition_persons,
        expected_version=body.expected_version,
    )


def _step_follow_up(actor, dispute, body: FollowUpIn):
    return services.dispute_follow_up(
        actor=actor,
        dispute=dispute,
        visited_on=body.visited_on,
        satisfaction=str(body.satisfaction),
        performed=body.performed,
        note=body.note,
        expected_version=body.expected_version,
    )


def _step_archive(actor, dispute, body: StepIn):
    return services.dispute_archive(actor=actor, dispute=dispute, expected_version=body.expected_version)


def _step_escalate(actor, dispute, body: EscalateIn):
    committee = _committee(selectors.committee_choices_for_case(dispute, higher_only=True), body.committee_id)
    return services.dispute_escalate(
        actor=actor, dispute=dispute, committee=committee, reason=body.reason, expected_version=body.expected_version
    )


def _step_edit(actor, dispute, body: EditIn):
    return services.dispute_update(actor=actor, dispute=dispute, **body.dict())


def _step_refer(actor, dispute, body: ReferIn):
    return services.dispute_refer(
        actor=actor,
        dispute=dispute,
        channel=str(body.channel),
        receiving_body=body.receiving_body,
        referred_on=body.referred_on,
        reason=body.reason,
        expected_version=body.expected_version,
    )


def _step_referral_result(actor, dispute, body: ReferralResultIn):
    from .models import Referral

    referral = Referral.objects.visible_to(actor, Action.CHANGE).filter(dispute=dispute, pk=body.referral_id).first()
    if referral is None:
        raise DomainError(_("Choose a referral of this case."), field="referral_id")
    return services.referral_record_result(
        actor=actor,
        dispute=dispute,
        referral=referral,
        outcome=str(body.outcome),
        result_on=body.result_on,
        result=body.result,
        expected_version=body.expected_version,
    )


def _step_confirm(actor, dispute, body: ConfirmIn):
    return services.confirmation_apply(actor=actor, dispute=dispute, **body.dict())


def _step_confirm_result(actor, dispute, body: ConfirmResultIn):
    data = body.dict()
    data["result"] = str(body.result)
    return services.confirmation_record_result(actor=actor, dispute=dispute, **data)


# step → (body schema, what it does)
STEP_SCHEMAS: dict[str, tuple[type[StepIn], object]] = {
    T.ACCEPT: (AcceptIn, _step_accept),
    T.REJECT: (ReasonIn, _step_reason(services.dispute_reject)),
    T.SESSION: (SessionIn, _step_session),
    T.SUCCEED: (SucceedIn, _step_succeed),
    T.FAIL: (ReasonIn, _step_reason(services.dispute_fail)),
    T.TERMINATE: (ReasonIn, _step_reason(services.dispute_terminate)),
    T.FOLLOW_UP: (FollowUpIn, _step_follow_up),
    T.ARCHIVE: (StepIn, _step_archive),
    T.REOPEN: (ReasonIn, _step_reason(services.dispute_reopen)),
    T.ESCALATE: (EscalateIn, _step_escalate),
    T.EDIT: (EditIn, _step_edit),
    T.REFER: (ReferIn, _step_refer),
    T.REFERRAL_RESULT: (ReferralResultIn, _step_referral_result),
    T.CONFIRM: (ConfirmIn, _step_confirm),
    T.CONFIRM_RESULT: (ConfirmResultIn, _step_confirm_result),
}


def _add_step(step: str, schema: type[StepIn], run):
    # One operation per step (not /transitions/{step}): each documents its own body, and the path
    # keeps the single {pk} parameter the leak matrix knows how to plant.
    def operation(request, response: HttpResponse, pk: int):
        _require_action(request, Action.CHANGE)
        dispute = _case(request, pk, Action.CHANGE)
        body = _parse(request, schema)
        try:
            run(principal(request), dispute, body)
        except DomainError as exc:
            if exc.code == "illegal_transition":
                # The case is not in a state for this step: a conflict with its current state.
                raise Conflict(str(exc), code="illegal_transition") from None
            raise
        dispute = _case(request, pk)
        dispute.list_parties = list(dispute.parties.order_by("side", "id"))
        return _detail(request, response, dispute)

    operation.__name__ = f"case_{step}"
    router.post(
        f"/cases/{{pk}}/transitions/{step}",
        response={200: DisputeDetail, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
        summary=f"Case step: {step}",
        description=(
            "Send `expected_version` (the case's `version` as last read). A stale version is refused "
            "with 409 `stale`; a step the case's status does not allow with 409 `illegal_transition`. "
            "Either way nothing changes. Answers the case as it is after the step."
        ),
        openapi_extra={**SCOPED, **_body_doc(schema)},
        operation_id=f"mediation_case_{step}",
    )(operation)


for _step, (_schema, _run) in STEP_SCHEMAS.items():
    _add_step(_step, _schema, _run)


# --- documents -------------------------------------------------------------------------------------------


class DocumentOut(Schema):
    kind: str
    label: str
    session_id: int | None
    path: str = Field(description="Relative to the case, e.g. documents/record.docx?session=12")


@router.get(
    "/cases/{pk}/documents",
    response={200: list[DocumentOut], 404: ErrorOut},
    summary="The documents a case has",
    openapi_extra=SCOPED,
)
def list_documents(request, pk: int):
    """The application always, a record per session, the agreement when it is written. Downloading
    one needs the right to change the case."""
    dispute = _case(request, pk)
    sessions = list(dispute.sessions.order_by("held_on", "id"))
    agreement = Agreement.objects.filter(dispute=dispute).first()
    return [
        {
            "kind": kind,
            "label": str(label),
            "session_id": session.pk if session else None,
            "path": f"documents/{kind}.docx" + (f"?session={session.pk}" if session else ""),
        }
        for kind, label, session in documents.available(dispute, sessions=sessions, agreement=agreement)
    ]


DOCX_RESPONSE = {
    "responses": {
        "200": {
            "description": "The document as a Word file",
            "content": {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document": {
                    "schema": {"type": "string", "format": "binary"}
                }
            },
        }
    }
}


def _add_document(kind: str):
    def operation(request, pk: int, session: int | None = Query(None, ge=1, le=MAX_ID)):
        _require_action(request, Action.CHANGE)
        dispute = _case(request, pk, Action.CHANGE)
        p = principal(request)
        reveal = _may(request, dispute, Action.VIEW_SENSITIVE)
        ctx = documents.document_context(dispute, kind, session=session, reveal_ids=reveal)
        content = documents.render_docx(ctx)
        # The same export event as the document pages: filed under the case, so its office sees it.
        with transaction.atomic():
            audit.record(
                actor=p,
                action="export",
                kind=AuditKind.EXPORT,
                obj=dispute,
                object_repr=f"{dispute.number} {ctx['title']}",
                changes={
                    "what": f"mediation.document.{kind}",
                    "rows": 1,
                    "filters": {
                        "dispute": dispute.pk,
                        "session": ctx["session"].pk if ctx["session"] else None,
                        "format": "docx",
                        "via": "api",
                        "full_id_numbers": reveal,
                    },
                },
            )
        response = HttpResponse(content, content_type=documents.DOCX_CONTENT_TYPE)
        response["Content-Disposition"] = (
            f"attachment; filename=\"mediation-{dispute.pk}-{kind}.docx\"; filename*=UTF-8''{quote(ctx['filename'])}"
        )
        add_never_cache_headers(response)
        return response

    operation.__name__ = f"case_document_{kind}"
    router.get(
        f"/cases/{{pk}}/documents/{kind}.docx",
        response={403: ErrorOut, 404: ErrorOut},
        summary=f"Case document: {kind} (.docx)",
        description=(
            "Needs the right to change the case; full ID numbers only for principals who may see sensitive "
            "data. Each download is recorded as an export. The record needs `?session=<id>`."
        ),
        openapi_extra={**SCOPED, **DOCX_RESPONSE},
        operation_id=f"mediation_case_document_{kind}",
    )(operation)


for _kind in documents.KINDS:
    _add_document(_kind)


# --- figures and committees ------------------------------------------------------------------------------


def _metric_labels(request, group_by: str, keys) -> dict:
    p = principal(request)
    if group_by == "category":
        return {k: codes_gbt.STAT_CATEGORIES[k][0 if _zh() else 1] for k in keys if k in codes_gbt.STAT_CATEGORIES}
    if group_by == "level":
        return {k: str(codes.Level(k).label) for k in keys if k in codes.Level.values}
    if group_by == "office":
        return {o.pk: o.display_name for o in OrgNode.objects.visible_to(p).filter(pk__in=[k for k in keys if k])}
    if group_by == "committee":
        return {c.pk: c.name for c in selectors.committees_for(p).filter(pk__in=[k for k in keys if k])}
    return {}


@router.get("/metrics", response={200: MetricsOut, 422: ErrorOut}, summary="Figures of a period")
def metrics(
    request,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    group_by: Literal["office", "category", "committee", "level"] = "office",
):
    """Received (by date received), outcomes (by date concluded), success rate = succeeded ÷
    (succeeded + failed + terminated), agreement amounts, 防止民转刑 and 防止群体性上访, open cases
    overdue today; per office, statistical category, committee or level. Default period: this year."""
    today = timezone.localdate()
    date_from = date_from or today.replace(month=1, day=1)
    date_to = date_to or today
    if date_to < date_from:
        raise DomainError(_("The period ends before it starts."), code="invalid_period", field="date_to")
    if (date_to - date_from).days > MAX_METRICS_DAYS:
        raise DomainError(_("Choose a period of at most five years."), code="invalid_period", field="date_from")
    data = selectors.dispute_metrics(principal(request), date_from=date_from, date_to=date_to, group_by=group_by)
    labels = _metric_labels(request, group_by, list(data["rows"]))
    rows = [
        {"key": str(key if key is not None else ""), "label": labels.get(key), **row}
        for key, row in sorted(data["rows"].items(), key=lambda kv: (kv[0] is None, str(kv[0])))
    ]
    return {
        "date_from": date_from,
        "date_to": date_to,
        "group_by": group_by,
        "definition": _(
            "Received: cases received in the period. Outcomes: cases concluded in the period. Success rate: "
            "succeeded ÷ (succeeded + failed + terminated). Overdue: open cases past their deadline today."
        ),
        "rows": rows,
        "totals": data["totals"],
    }


@router.get("/committees", response=list[CommitteeOut], summary="Mediation committees")
def list_committees(request, q: str = Query("", max_length=100)):
    qs = selectors.committees_for(principal(request)).order_by("org__path", "name")
    if q.strip():
        qs = qs.filter(name__contains=q.strip())
    return [
        {
            "id": c.pk,
            "name": c.name,
            "committee_type": c.committee_type,
            "committee_type_label": str(c.get_committee_type_display()),
            "field": c.field,
            "level": c.level,
            "org_id": c.org_id,
            "office_id": c.office_id,
            "full_time_norm": c.full_time_norm,
        }
        for c in qs[:1000]
    ]


# --- partner referrals -----------------------------------------------------------------------------------

from fengqiao.partners.api import router as partners_router  # noqa: E402 - mounted after our own operations

router.add_router("", partners_router)
