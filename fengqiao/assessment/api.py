"""Construction-standard endpoints under /api/v1/standards: the standards and the indicator
registry, campaigns with their completion line and office × item matrix, office assessments
(scorecards) with the records each indicator value counted, rectification tasks and typical
experiences.

Every operation starts from `visible_to`: another office's object answers 404 like a missing one.
Writes need the action on the module (403 otherwise) and on the object (404); a step the object's
state does not allow answers 409 `illegal_transition`, bad input 400 with the `field` concerned.
Writes are made by signed-in people (each step records who took it); an API token reads.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Literal

from django.apps import apps
from django.db.models import Q
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from fengqiao.core.api import ErrorOut, body_doc, principal, scoped_get
from fengqiao.core.api import parse_body as _parse
from fengqiao.core.converters import MAX_ID
from fengqiao.core.errors import Conflict, DomainError, Forbidden, NotFound
from fengqiao.core.pagination import keyset_paginate
from fengqiao.core.permissions import Action, Module
from fengqiao.core.scoping import subtree_q

from . import codes, indicators, selectors, services
from .models import (
    Assessment,
    Campaign,
    Evidence,
    Experience,
    ItemResult,
    RectificationTask,
    Standard,
    StandardItem,
    TaskNote,
)

router = Router(tags=["assessment"])
STANDARD = {"x-scoped-model": "assessment.Standard"}
CAMPAIGN = {"x-scoped-model": "assessment.Campaign"}
ASSESSMENT = {"x-scoped-model": "assessment.Assessment"}
TASK = {"x-scoped-model": "assessment.RectificationTask"}
EXPERIENCE = {"x-scoped-model": "assessment.Experience"}
EVIDENCE = {"x-scoped-model": "assessment.Evidence"}
WRITE = {200: dict, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
CREATED = {201: dict, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


# --- helpers -----------------------------------------------------------------------------------------


def _require(request, action: str):
    """The caller may do `action` on the construction standard somewhere (403 otherwise); a write
    is made by a person, since every step records who took it."""
    from fengqiao.accounts.models import User

    p = principal(request)
    if not p.has_action(Module.STANDARDS, action):
        raise Forbidden(
            _("You may not do this: it needs the “%(action)s” right on the construction standard.")
            % {"action": Action(action).label}
        )
    if action != Action.VIEW and not isinstance(p, User):
        raise Forbidden(_("An API token reads the construction standard; its steps are taken by signed-in people."))
    return p


def _conflicts(fn, /, **kwargs):
    try:
        return fn(**kwargs)
    except DomainError as exc:
        if exc.code == "illegal_transition":
            raise Conflict(str(exc), code="illegal_transition") from None
        raise


def _node(request, pk: int | None, action: str):
    """The unit `pk` (default: the caller's own) if it lies where the caller may do `action` on
    the construction standard."""
    from fengqiao.orgs.models import OrgNode

    p = principal(request)
    if pk is None:
        pk = getattr(p, "org_id", None)
    nodes = p.scope_nodes_for(Module.STANDARDS, action)
    if pk is None or not nodes:
        return None
    within = Q(pk__in=[])
    for node in nodes:
        within |= subtree_q(node.path)
    return OrgNode.objects.filter(within, pk=pk, is_active=True).first()


def _name(user) -> str | None:
    return (user.full_name or user.username) if user is not None else None


def _num(value):
    if value is None:
        return None
    return float(value) if isinstance(value, Decimal) else value


def _item_of(campaign: Campaign, body) -> int:
    """The id of the item a body names, by `item` (its number in the campaign's standard) or by
    `item_id`; the service refuses an item of another standard."""
    if body.item_id is not None:
        return body.item_id
    if body.item is None:
        raise DomainError(_("Name the item by its number or its id."), field="item")
    found = (
        StandardItem.objects.filter(standard_id=campaign.standard_id, number=body.item)
        .values_list("pk", flat=True)
        .first()
    )
    if found is None:
        raise DomainError(_("This item is not part of the campaign's standard."), field="item")
    return found


# --- schemas -----------------------------------------------------------------------------------------


class CriterionOut(Schema):
    indicator: str
    name: str
    unit: str
    direction: str
    threshold: float


class ItemOut(Schema):
    id: int
    number: int
    category: int
    text: str
    method: str
    method_label: str
    guidance: str
    criteria: list[CriterionOut]


class CategoryOut(Schema):
    number: int
    name: str


class StandardOut(Schema):
    id: int
    code: str
    version: str
    name: str
    issued_by: str
    issued_on: datetime.date | None
    owner_id: int | None
    owner_name: str | None
    item_count: int


class StandardDetail(StandardOut):
    categories: list[CategoryOut]
    items: list[ItemOut]


class FaultsOut(ErrorOut):
    field: str | None = None
    faults: list[str]


class IndicatorOut(Schema):
    code: str
    name: str
    unit: str
    module: str
    direction: str
    threshold: float | None = Field(description="The default threshold; none for a figure only reported")
    definition: str
    drill: bool = Field(description="Whether the value drills down to the records it counted")


class PhaseOut(Schema):
    number: int
    name: str
    starts_on: datetime.date
    ends_on: datetime.date
    target_percent: float | None
    tasks: str


class OfficeOut(Schema):
    id: int
    name: str


class CampaignOut(Schema):
    id: int
    name: str
    org_id: int
    org_name: str
    standard_id: int
    standard_name: str
    starts_on: datetime.date
    ends_on: datetime.date
    rule: str
    rule_label: str
    status: str
    status_label: str


class CampaignDetail(CampaignOut):
    description: str
    phases: list[PhaseOut]
    office_count: int = Field(description="Offices in scope")
    offices: list[OfficeOut] = Field(description="The offices in scope the caller may see")


class PhaseIn(Schema):
    name: str = Field(..., min_length=1, max_length=60)
    starts_on: datetime.date
    ends_on: datetime.date
    target_percent: Decimal | None = Field(None, description="Offices meeting the standard by the phase's end (%)")
    tasks: str = Field("", max_length=4000)


class CampaignIn(Schema):
    org_id: int | None = Field(None, ge=1, le=MAX_ID, description="The bureau running it; default: the caller's")
    name: str = Field(..., min_length=1, max_length=200)
    standard_id: int = Field(..., ge=1, le=MAX_ID)
    starts_on: datetime.date
    ends_on: datetime.date
    rule: codes.MeetRule = codes.MeetRule.ALL_MET
    phases: list[PhaseIn] = Field(default_factory=list, max_length=20)
    office_ids: list[int] | None = Field(None, max_length=5000, description="Default: every office under the bureau")
    description: str = Field("", max_length=4000)


class CompletionPoint(Schema):
    day: datetime.date
    met: int
    percent: float | None
    target: float | None


class CompletionNow(Schema):
    as_of: datetime.date
    offices: int
    judged: int
    met: int
    percent: float | None
    target: float | None


class CompletionOut(Schema):
    now: CompletionNow
    series: list[CompletionPoint]
    phases: list[PhaseOut]


class MatrixItem(Schema):
    id: int
    number: int
    category: int
    text: str


class MatrixCell(Schema):
    item: int = Field(description="Item number")
    judgement: str
    self_judgement: str


class MatrixRow(Schema):
    office_id: int
    office_name: str
    assessment_id: int | None
    round: int | None
    status: str | None
    met: bool | None
    met_items: int
    cells: list[MatrixCell]


class MatrixOut(Schema):
    campaign_id: int
    items: list[MatrixItem]
    rows: list[MatrixRow]


class AssessmentOut(Schema):
    id: int
    campaign_id: int
    campaign_name: str
    office_id: int
    office_name: str
    round: int
    status: str
    status_label: str
    period_start: datetime.date
    period_end: datetime.date
    submitted_at: datetime.datetime | None
    judged_at: datetime.datetime | None
    met: bool | None


class AssessmentPage(Schema):
    items: list[AssessmentOut]
    next_cursor: str | None


class ValueOut(Schema):
    indicator: str
    name: str
    unit: str
    direction: str
    threshold: float
    value: float | None
    met: bool | None
    drill: bool
    records_count: int | None = Field(None, description="Frozen: how many records the value counted")
    records_truncated: bool | None = None


class EvidenceOut(Schema):
    id: int
    name: str
    size: int
    sha256: str
    note: str
    uploaded_by: str | None = None
    uploaded_at: datetime.datetime | None = None


class CardOut(Schema):
    result_id: int
    item_id: int
    number: int
    category: int
    category_name: str
    text: str
    method: str
    guidance: str
    self_judgement: str
    self_note: str
    judgement: str
    comment: str
    judged_by: str | None
    judged_at: datetime.datetime | None
    auto: str | None = Field(description="What the indicators alone say")
    criteria: list[ValueOut]
    evidence: list[EvidenceOut] = Field(description="Frozen at judgement once judged")


class AssessmentDetail(AssessmentOut):
    standard_id: int
    rule: str
    submitted_by: str | None
    judged_by: str | None
    summary: str
    frozen: bool
    latest: bool = Field(description="Whether this is the office's latest round in the campaign")
    items: list[CardOut]


class ItemRef(Schema):
    item: int | None = Field(None, ge=1, le=32767, description="The item's number in the campaign's standard")
    item_id: int | None = Field(None, ge=1, le=MAX_ID, description="Or the item's id")


class SelfIn(ItemRef):
    judgement: codes.Judgement
    note: str = Field("", max_length=4000)


class JudgeIn(ItemRef):
    judgement: codes.Judgement
    comment: str = Field("", max_length=4000)


class NoteIn(Schema):
    note: str = Field("", max_length=4000)


class SummaryIn(Schema):
    summary: str = Field("", max_length=4000)


class RecordOut(Schema):
    id: int
    display: str


class RecordsOut(Schema):
    assessment_id: int
    item: int
    indicator: str
    name: str
    unit: str
    direction: str
    threshold: float
    value: float | None
    met: bool | None
    frozen: bool
    model: str | None = Field(description="The records' model, e.g. mediation.Dispute")
    count: int = Field(description="Records the value counted")
    truncated: bool = Field(description="Only the first records were kept or listed")
    hidden: int = Field(description="Records listed that the caller may not see")
    records: list[RecordOut]


class TaskOut(Schema):
    id: int
    office_id: int
    office_name: str
    assessment_id: int
    campaign_id: int
    item_id: int
    item_number: int
    item_text: str
    status: str
    status_label: str
    responsible_id: int | None
    responsible_name: str | None
    responsibility: str
    deadline: datetime.date | None
    overdue: bool
    submitted_at: datetime.datetime | None
    closed_at: datetime.datetime | None


class TaskPage(Schema):
    items: list[TaskOut]
    next_cursor: str | None


class TaskNoteOut(Schema):
    id: int
    kind: str
    kind_label: str
    text: str
    author: str | None
    created_at: datetime.datetime


class TaskDetail(TaskOut):
    judgement: str
    comment: str
    closed_by: str | None
    notes: list[TaskNoteOut]
    evidence: list[EvidenceOut]


class AssignIn(Schema):
    responsible_id: int = Field(..., ge=1, le=MAX_ID, description="A member of the office's staff (定人)")
    responsibility: str = Field(..., min_length=1, max_length=4000, description="What they answer for (定责)")
    deadline: datetime.date = Field(..., description="定时限; not in the past")


class TextIn(Schema):
    text: str = Field(..., min_length=1, max_length=4000)


class VerifyIn(Schema):
    accept: bool = Field(..., description="true closes the rectification, false returns it to the office")
    text: str = Field(..., min_length=1, max_length=4000)


class ExperienceOut(Schema):
    id: int
    title: str
    office_id: int
    office_name: str
    status: str
    status_label: str
    items: list[int] = Field(description="Numbers of the items concerned")
    created_at: datetime.datetime
    published_at: datetime.datetime | None


class ExperiencePage(Schema):
    items: list[ExperienceOut]
    next_cursor: str | None


class ExperienceDetail(ExperienceOut):
    text: str
    submitted_by: str | None
    review_note: str
    reviewed_by: str | None
    item_ids: list[int]
    attachments: list[EvidenceOut]


class ExperienceIn(Schema):
    org_id: int | None = Field(None, ge=1, le=MAX_ID, description="The office; default: the caller's")
    title: str = Field(..., min_length=1, max_length=200)
    text: str = Field(..., min_length=1, max_length=20000)
    item_ids: list[int] = Field(default_factory=list, max_length=100)


class ReviewIn(Schema):
    status: Literal["returned", "recommended", "published", "withdrawn"]
    note: str = Field("", max_length=4000)


class ResubmitIn(Schema):
    title: str = Field(..., min_length=1, max_length=200)
    text: str = Field(..., min_length=1, max_length=20000)


def _multipart_doc(fields: dict) -> dict:
    props = {"file": {"type": "string", "format": "binary"}, "note": {"type": "string", "maxLength": 200}}
    props.update(fields)
    return {
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {"schema": {"type": "object", "properties": props, "required": ["file"]}}
            },
        }
    }


# --- serialisation -----------------------------------------------------------------------------------


def _standard(s: Standard, items: int) -> dict:
    return {
        "id": s.pk,
        "code": s.code,
        "version": s.version,
        "name": s.name,
        "issued_by": s.issued_by,
        "issued_on": s.issued_on,
        "owner_id": s.owner_id,
        "owner_name": s.owner.display_name if s.owner_id else None,
        "item_count": items,
    }


def _criterion(c) -> dict:
    ind = indicators.get(c.indicator)
    return {
        "indicator": c.indicator,
        "name": str(ind.name) if ind else c.indicator,
        "unit": str(ind.unit) if ind else "",
        "direction": c.direction,
        "threshold": float(c.threshold),
    }


def _campaign(c: Campaign) -> dict:
    return {
        "id": c.pk,
        "name": c.name,
        "org_id": c.org_id,
        "org_name": c.org.display_name,
        "standard_id": c.standard_id,
        "standard_name": str(c.standard),
        "starts_on": c.starts_on,
        "ends_on": c.ends_on,
        "rule": c.rule,
        "rule_label": str(c.get_rule_display()),
        "status": c.status,
        "status_label": str(c.get_status_display()),
    }


def _phase(p) -> dict:
    return {
        "number": p.number,
        "name": p.name,
        "starts_on": p.starts_on,
        "ends_on": p.ends_on,
        "target_percent": _num(p.target_percent),
        "tasks": p.tasks,
    }


def _campaign_detail(request, c: Campaign) -> dict:
    from fengqiao.orgs.models import OrgNode

    scope = c.offices.values("pk")
    seen = OrgNode.objects.visible_to(principal(request)).filter(pk__in=scope).order_by("path")
    return {
        **_campaign(c),
        "description": c.description,
        "phases": [_phase(p) for p in c.phases.order_by("number")],
        "office_count": c.offices.count(),
        "offices": [{"id": o.pk, "name": o.display_name} for o in seen],
    }


def _assessment(a: Assessment) -> dict:
    return {
        "id": a.pk,
        "campaign_id": a.campaign_id,
        "campaign_name": a.campaign.name,
        "office_id": a.office_id,
        "office_name": a.office.display_name,
        "round": a.round,
        "status": a.status,
        "status_label": str(a.get_status_display()),
        "period_start": a.period_start,
        "period_end": a.period_end,
        "submitted_at": a.submitted_at,
        "judged_at": a.judged_at,
        "met": a.met,
    }


def _evidence(ev) -> dict:
    if isinstance(ev, dict):  # as frozen at judgement
        return {k: ev.get(k) for k in ("id", "name", "size", "sha256", "note")}
    return {
        "id": ev.pk,
        "name": ev.name,
        "size": ev.size,
        "sha256": ev.sha256,
        "note": ev.note,
        "uploaded_by": _name(ev.uploaded_by),
        "uploaded_at": ev.created_at,
    }


def _value(row: dict) -> dict:
    return {
        "indicator": row["indicator"],
        "name": str(row.get("name", row["indicator"])),
        "unit": str(row.get("unit", "")),
        "direction": row["direction"],
        "threshold": _num(row["threshold"]),
        "value": _num(row.get("value")),
        "met": row.get("met"),
        "drill": bool(row.get("drill") or row.get("records_model")),
        "records_count": row.get("records_count"),
        "records_truncated": row.get("records_truncated"),
    }


def _assessment_detail(request, a: Assessment) -> dict:
    frozen = a.status == codes.AssessmentStatus.JUDGED
    cards = selectors.scorecard(a)
    later = Assessment.objects.visible_to(principal(request)).filter(
        campaign_id=a.campaign_id, office_id=a.office_id, round__gt=a.round
    )
    return {
        **_assessment(a),
        "standard_id": a.campaign.standard_id,
        "rule": a.campaign.rule,
        "submitted_by": _name(a.submitted_by),
        "judged_by": _name(a.judged_by),
        "summary": a.summary,
        "frozen": frozen,
        "latest": not later.exists(),
        "items": [
            {
                "result_id": card["result"].pk,
                "item_id": card["item"].pk,
                "number": card["item"].number,
                "category": card["item"].category.number,
                "category_name": card["item"].category.name,
                "text": card["item"].text,
                "method": card["item"].method,
                "guidance": card["item"].guidance,
                "self_judgement": card["result"].self_judgement,
                "self_note": card["result"].self_note,
                "judgement": card["result"].judgement,
                "comment": card["result"].comment,
                "judged_by": _name(card["result"].judged_by),
                "judged_at": card["result"].judged_at,
                "auto": card["auto"],
                "criteria": [_value(row) for row in card["criteria"]],
                "evidence": [_evidence(e) for e in (card["frozen_evidence"] if frozen else card["evidence"])],
            }
            for card in cards
        ],
    }


def _task(t: RectificationTask, today: datetime.date) -> dict:
    return {
        "id": t.pk,
        "office_id": t.office_id,
        "office_name": t.office.display_name,
        "assessment_id": t.result.assessment_id,
        "campaign_id": t.result.assessment.campaign_id,
        "item_id": t.item_id,
        "item_number": t.item.number,
        "item_text": t.item.text,
        "status": t.status,
        "status_label": str(t.get_status_display()),
        "responsible_id": t.responsible_id,
        "responsible_name": _name(t.responsible),
        "responsibility": t.responsibility,
        "deadline": t.deadline,
        "overdue": t.status != codes.TaskStatus.CLOSED and t.deadline is not None and t.deadline < today,
        "submitted_at": t.submitted_at,
        "closed_at": t.closed_at,
    }


TASK_RELATED = ("office", "item", "responsible", "result", "result__assessment", "closed_by")


def _task_detail(request, t: RectificationTask) -> dict:
    p = principal(request)
    notes = TaskNote.objects.visible_to(p).filter(task=t).select_related("author").order_by("created_at", "id")
    files = Evidence.objects.visible_to(p).filter(task=t).select_related("uploaded_by").order_by("created_at", "id")
    return {
        **_task(t, timezone.localdate()),
        "judgement": t.result.judgement,
        "comment": t.result.comment,
        "closed_by": _name(t.closed_by),
        "notes": [
            {
                "id": n.pk,
                "kind": n.kind,
                "kind_label": str(n.get_kind_display()),
                "text": n.text,
                "author": _name(n.author),
                "created_at": n.created_at,
            }
            for n in notes
        ],
        "evidence": [_evidence(e) for e in files],
    }


def _experience(e: Experience) -> dict:
    items = sorted(e.items.all(), key=lambda i: i.number)
    return {
        "id": e.pk,
        "title": e.title,
        "office_id": e.office_id,
        "office_name": e.office.display_name,
        "status": e.status,
        "status_label": str(e.get_status_display()),
        "items": [i.number for i in items],
        "created_at": e.created_at,
        "published_at": e.published_at,
    }


def _experience_detail(request, e: Experience) -> dict:
    files = (
        Evidence.objects.visible_to(principal(request))
        .filter(experience=e)
        .select_related("uploaded_by")
        .order_by("created_at", "id")
    )
    return {
        **_experience(e),
        "text": e.text,
        "submitted_by": _name(e.submitted_by),
        "review_note": e.review_note,
        "reviewed_by": _name(e.reviewed_by),
        "item_ids": sorted(i.pk for i in e.items.all()),
        "attachments": [_evidence(f) for f in files],
    }


# --- lookups -----------------------------------------------------------------------------------------

ASSESSMENT_RELATED = ("campaign", "campaign__standard", "office", "org", "submitted_by", "judged_by")
EXPERIENCE_RELATED = ("office", "org", "submitted_by", "reviewed_by")


def _assessment_of(request, pk: int, action: str = Action.VIEW) -> Assessment:
    return scoped_get(Assessment, request, pk, action, select_related=ASSESSMENT_RELATED)


def _task_of(request, pk: int, action: str = Action.VIEW) -> RectificationTask:
    return scoped_get(RectificationTask, request, pk, action, select_related=TASK_RELATED)


def _experience_of(request, pk: int, action: str = Action.VIEW) -> Experience:
    return scoped_get(Experience, request, pk, action, select_related=EXPERIENCE_RELATED)


def _campaign_of(request, pk: int, action: str = Action.VIEW) -> Campaign:
    return scoped_get(Campaign, request, pk, action, select_related=("org", "standard"))


def _upload(request):
    upload = request.FILES.get("file")
    if upload is None:
        raise DomainError(_("Choose a file to upload."), field="file")
    return upload, request.POST.get("note", "")


# --- indicators --------------------------------------------------------------------------------------


@router.get("/indicators", response=list[IndicatorOut], summary="The indicator registry")
def list_indicators(request):
    """Every indicator the modules declare, with its default threshold and direction; a standard's
    automatic item names some of them with its own thresholds."""
    return [
        {
            "code": ind.code,
            "name": str(ind.name),
            "unit": str(ind.unit),
            "module": str(ind.module),
            "direction": ind.direction,
            "threshold": _num(ind.threshold),
            "definition": str(ind.definition),
            "drill": ind.records is not None,
        }
        for ind in sorted(indicators.REGISTRY.values(), key=lambda i: i.code)
    ]


# --- campaigns ---------------------------------------------------------------------------------------


@router.get("/campaigns", response={200: list[CampaignOut], 422: ErrorOut}, summary="List campaigns")
def list_campaigns(request, status: codes.CampaignStatus | Literal[""] = ""):
    """Campaigns of the caller's bureau and the bureaus above it, newest first."""
    qs = selectors.campaigns_visible(principal(request))
    if status:
        qs = qs.filter(status=str(status))
    return [_campaign(c) for c in qs.order_by("-starts_on", "-id")[:500]]


@router.post(
    "/campaigns",
    response={201: CampaignDetail, **{k: v for k, v in CREATED.items() if k != 201}},
    summary="Create a campaign",
)
def create_campaign(request, payload: CampaignIn):
    """A campaign of a bureau against a standard it can use, with its phases (each with its
    completion target), the offices in scope (default: every office under the bureau) and the rule
    by which an office meets the standard. Created in preparation; `start` opens the rounds."""
    actor = _require(request, Action.CREATE)
    org = _node(request, payload.org_id, Action.CREATE)
    if org is None:
        raise NotFound(_("No unit with this id where you may run a campaign."), field="org_id")
    standard = Standard.objects.visible_to(actor).filter(pk=payload.standard_id).first()
    if standard is None:
        raise DomainError(_("Choose a standard your bureau can use."), field="standard_id")
    offices = None
    if payload.office_ids is not None:
        from fengqiao.orgs.models import OrgNode

        ids = set(payload.office_ids)
        offices = list(OrgNode.objects.filter(subtree_q(org.path), pk__in=ids))
        if len(offices) != len(ids):
            raise DomainError(
                _("Every office in scope must be a judicial office under the bureau."), field="office_ids"
            )
    campaign = services.campaign_create(
        actor=actor,
        org=org,
        name=payload.name,
        standard=standard,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        rule=str(payload.rule),
        phases=[p.model_dump() for p in payload.phases],
        offices=offices,
        description=payload.description,
    )
    return Status(201, _campaign_detail(request, _campaign_of(request, campaign.pk)))


@router.get(
    "/campaigns/{pk}",
    response={200: CampaignDetail, 404: ErrorOut},
    summary="One campaign",
    openapi_extra=CAMPAIGN,
)
def get_campaign(request, pk: int):
    """The campaign with its phases and targets, and the offices in scope the caller may see."""
    return _campaign_detail(request, _campaign_of(request, pk))


def _campaign_step(request, pk: int, fn):
    actor = _require(request, Action.CHANGE)
    campaign = _campaign_of(request, pk, Action.CHANGE)
    _conflicts(fn, actor=actor, campaign=campaign)
    return _campaign_detail(request, _campaign_of(request, pk))


@router.post(
    "/campaigns/{pk}/start",
    response={200: CampaignDetail, **{k: v for k, v in WRITE.items() if k != 200}},
    summary="Start a campaign",
    openapi_extra=CAMPAIGN,
)
def start_campaign(request, pk: int):
    """Every office in scope gets its first round to fill. 409 `illegal_transition` when already
    started."""
    return _campaign_step(request, pk, services.campaign_start)


@router.post(
    "/campaigns/{pk}/close",
    response={200: CampaignDetail, **{k: v for k, v in WRITE.items() if k != 200}},
    summary="Close a campaign",
    openapi_extra=CAMPAIGN,
)
def close_campaign(request, pk: int):
    """409 `illegal_transition` unless it is running."""
    return _campaign_step(request, pk, services.campaign_close)


@router.get(
    "/campaigns/{pk}/completion",
    response={200: CompletionOut, 404: ErrorOut, 422: ErrorOut},
    summary="Completion against the targets",
    openapi_extra=CAMPAIGN,
)
def campaign_completion(request, pk: int, as_of: datetime.date | None = None):
    """Offices in scope whose latest judged round meets the standard, now (or `as_of`) and month by
    month, against the target of each phase."""
    campaign = _campaign_of(request, pk)
    return {
        "now": selectors.completion(campaign, as_of),
        "series": selectors.completion_series(campaign),
        "phases": [_phase(p) for p in campaign.phases.order_by("number")],
    }


@router.get(
    "/campaigns/{pk}/matrix",
    response={200: MatrixOut, 404: ErrorOut},
    summary="Offices × items",
    openapi_extra=CAMPAIGN,
)
def campaign_matrix(request, pk: int):
    """Each office the caller may see against each item: the judgement of its latest round, or
    while it is open its self-assessment."""
    campaign = _campaign_of(request, pk)
    data = selectors.matrix(campaign, principal(request))
    return {
        "campaign_id": campaign.pk,
        "items": [
            {"id": i.pk, "number": i.number, "category": i.category.number, "text": i.text}
            for i in _with_categories(data["items"])
        ],
        "rows": [
            {
                "office_id": row["office"].pk,
                "office_name": row["office"].display_name,
                "assessment_id": row["assessment"].pk if row["assessment"] else None,
                "round": row["assessment"].round if row["assessment"] else None,
                "status": row["assessment"].status if row["assessment"] else None,
                "met": row["assessment"].met if row["assessment"] else None,
                "met_items": row["met_items"],
                "cells": [
                    {"item": cell["item"].number, "judgement": cell["judgement"], "self_judgement": cell["self"]}
                    for cell in row["cells"]
                ],
            }
            for row in data["rows"]
        ],
    }


def _with_categories(items):
    from .models import StandardCategory

    ids = {i.category_id for i in items}
    cats = {c.pk: c for c in StandardCategory.objects.filter(pk__in=ids)}
    for i in items:
        i.category = cats[i.category_id]
    return items


# --- assessments (scorecards) ------------------------------------------------------------------------


@router.get("/assessments", response={200: AssessmentPage, 422: ErrorOut}, summary="List office assessments")
def list_assessments(
    request,
    campaign: int | None = Query(None, ge=1, le=MAX_ID),
    office: int | None = Query(None, ge=1, le=MAX_ID),
    status: codes.AssessmentStatus | Literal[""] = "",
    met: bool | None = None,
    cursor: str | None = None,
    size: int | None = Query(None, ge=1, le=200),
):
    """Every round of every office the caller may see, newest first, a page at a time
    (`next_cursor`)."""
    qs = Assessment.objects.visible_to(principal(request)).select_related("campaign", "office")
    if campaign:
        qs = qs.filter(campaign_id=campaign)
    if office:
        qs = qs.filter(office_id=office)
    if status:
        qs = qs.filter(status=str(status))
    if met is not None:
        qs = qs.filter(met=met)
    page = keyset_paginate(qs, ordering=["-id"], cursor=cursor, size=size)
    return {"items": [_assessment(a) for a in page.items], "next_cursor": page.next_cursor}


@router.get(
    "/assessments/{pk}",
    response={200: AssessmentDetail, 404: ErrorOut},
    summary="One office's scorecard",
    openapi_extra=ASSESSMENT,
)
def get_assessment(request, pk: int):
    """Each item with the office's self-assessment, the assessors' judgement, the criteria with the
    office's value, the threshold and whether it is met, and the evidence files. Live while the
    round is open; frozen at judgement once judged, whatever the data became since."""
    return _assessment_detail(request, _assessment_of(request, pk))


ASSESSMENT_WRITE = {200: AssessmentDetail, **{k: v for k, v in WRITE.items() if k != 200}}


@router.post(
    "/assessments/{pk}/self-assessment",
    response=ASSESSMENT_WRITE,
    summary="Self-assess an item",
    openapi_extra={**ASSESSMENT, **body_doc(SelfIn)},
)
def self_assess(request, pk: int):
    """The office's own judgement of one item (`item`: its number) and its note, while the round
    is with the office; 409 `illegal_transition` once submitted."""
    actor = _require(request, Action.CHANGE)
    assessment = _assessment_of(request, pk, Action.CHANGE)
    body = _parse(request, SelfIn)
    item_id = _item_of(assessment.campaign, body)
    result = ItemResult.objects.visible_to(actor, Action.CHANGE).filter(assessment=assessment, item_id=item_id).first()
    if result is None:
        raise DomainError(_("This item is not part of the campaign's standard."), field="item")
    result.assessment = assessment
    _conflicts(
        services.result_self_assess,
        actor=actor,
        result=result,
        self_judgement=str(body.judgement),
        self_note=body.note,
    )
    return _assessment_detail(request, _assessment_of(request, pk))


@router.post(
    "/assessments/{pk}/evidence",
    response={201: EvidenceOut, **{k: v for k, v in WRITE.items() if k != 200}},
    summary="Attach an evidence file to an item",
    openapi_extra={**ASSESSMENT, **_multipart_doc({"item": {"type": "integer", "description": "Item number"}})},
)
def upload_item_evidence(request, pk: int):
    """multipart/form-data with `item` (the item's number), `file` and an optional `note`; while
    the office fills its self-assessment."""
    actor = _require(request, Action.CHANGE)
    assessment = _assessment_of(request, pk, Action.CHANGE)
    raw_item = request.POST.get("item", "")
    number = int(raw_item) if raw_item.isdigit() and len(raw_item) <= 5 else None
    item_id = _item_of(assessment.campaign, ItemRef(item=number) if number else ItemRef())
    result = ItemResult.objects.visible_to(actor, Action.CHANGE).filter(assessment=assessment, item_id=item_id).first()
    if result is None:
        raise DomainError(_("This item is not part of the campaign's standard."), field="item")
    upload, note = _upload(request)
    ev = _conflicts(services.evidence_upload, actor=actor, upload=upload, result=result, note=note)
    return Status(201, _evidence(ev))


def _assessment_step(request, pk: int, action: str, fn, schema=None, **fixed):
    actor = _require(request, action)
    assessment = _assessment_of(request, pk, action)
    kwargs = _parse(request, schema).model_dump() if schema is not None else {}
    return _conflicts(fn, actor=actor, assessment=assessment, **kwargs, **fixed)


@router.post(
    "/assessments/{pk}/submit",
    response=ASSESSMENT_WRITE,
    summary="Submit the self-assessment for inspection",
    openapi_extra=ASSESSMENT,
)
def submit_assessment(request, pk: int):
    """Every item must be self-assessed and every item judged on evidence carry a file (400
    `incomplete` otherwise); 409 `illegal_transition` when already submitted."""
    _assessment_step(request, pk, Action.CHANGE, services.assessment_submit)
    return _assessment_detail(request, _assessment_of(request, pk))


@router.post(
    "/assessments/{pk}/return",
    response=ASSESSMENT_WRITE,
    summary="Return a submission to the office",
    openapi_extra={**ASSESSMENT, **body_doc(NoteIn)},
)
def return_assessment(request, pk: int):
    """An assessor sends a submission back (`note`: what to add or change)."""
    _assessment_step(request, pk, Action.APPROVE, services.assessment_return, NoteIn)
    return _assessment_detail(request, _assessment_of(request, pk))


@router.post(
    "/assessments/{pk}/judgements",
    response=ASSESSMENT_WRITE,
    summary="Judge an item",
    openapi_extra={**ASSESSMENT, **body_doc(JudgeIn)},
)
def judge_item(request, pk: int):
    """An assessor's judgement of one item of a submitted round (met, basic, not_met; a comment
    unless met). An item outside the campaign's standard is refused with 400 on `item`."""
    actor = _require(request, Action.APPROVE)
    assessment = _assessment_of(request, pk, Action.APPROVE)
    body = _parse(request, JudgeIn)
    item_id = _item_of(assessment.campaign, body)
    _conflicts(
        services.result_judge,
        actor=actor,
        assessment=assessment,
        item=item_id,
        judgement=str(body.judgement),
        comment=body.comment,
    )
    return _assessment_detail(request, _assessment_of(request, pk))


@router.post(
    "/assessments/{pk}/conclude",
    response=ASSESSMENT_WRITE,
    summary="Conclude (judge) an assessment",
    openapi_extra={**ASSESSMENT, **body_doc(SummaryIn)},
)
def conclude_assessment(request, pk: int):
    """Every item judged: the indicator values and the evidence are frozen, the office's result
    follows the campaign's rule, and each item not met opens a rectification task."""
    _assessment_step(request, pk, Action.APPROVE, services.assessment_judge, SummaryIn)
    return _assessment_detail(request, _assessment_of(request, pk))


@router.post(
    "/assessments/{pk}/reassess",
    response={201: AssessmentDetail, **{k: v for k, v in WRITE.items() if k != 200}},
    summary="Open the next round",
    openapi_extra=ASSESSMENT,
)
def reassess(request, pk: int):
    """After the latest round was judged (and its rectifications done): a new round for the office;
    the judged one stays as it was. Answers the new round."""
    new = _assessment_step(request, pk, Action.CHANGE, services.assessment_reassess)
    return Status(201, _assessment_detail(request, _assessment_of(request, new.pk)))


@router.get(
    "/assessments/{pk}/records",
    response={200: RecordsOut, 400: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="The records an indicator value counted",
    openapi_extra=ASSESSMENT,
)
def indicator_records(
    request,
    pk: int,
    item: int | None = Query(None, ge=1, le=32767, description="The item's number (required)"),
    indicator: str = Query("", max_length=60, description="The indicator's code (required)"),
    size: int = Query(50, ge=1, le=selectors.RECORD_IDS_KEPT),
):
    """The value of one criterion of an item and the records it counted: those frozen at
    judgement once judged, the live ones before. Only the records the caller may see are listed
    (`hidden` counts the others)."""
    p = principal(request)
    assessment = _assessment_of(request, pk)
    # Checked after the lookup: another office's assessment is a 404 whatever the query says.
    if item is None:
        raise DomainError(_("Name the item by its number."), field="item")
    if not indicator:
        raise DomainError(_("Name the indicator by its code."), field="indicator")
    result = (
        ItemResult.objects.visible_to(p).filter(assessment=assessment, item__number=item).select_related("item").first()
    )
    if result is None:
        raise NotFound(_("This item is not part of the campaign's standard."), field="item")
    frozen = assessment.status == codes.AssessmentStatus.JUDGED
    if frozen:
        row = next((r for r in result.snapshot.get("criteria", []) if r.get("indicator") == indicator), None)
    else:
        crit = [c for c in result.item.criteria.all() if c.indicator == indicator]
        values = selectors.indicator_values(
            [assessment.office_id], {indicator}, assessment.period_start, assessment.period_end
        )
        row = selectors.evaluate(crit, values, assessment.office_id)[0] if crit else None
    if row is None:
        raise NotFound(_("The item is not judged by this indicator."), field="indicator")
    model, ids, count, truncated = None, [], 0, False
    if frozen and row.get("records_model"):
        model = apps.get_model(row["records_model"])
        kept = list(row.get("record_ids", []))
        ids, count = kept[:size], row.get("records_count", len(kept))
        truncated = bool(row.get("records_truncated")) or len(kept) > size
    elif not frozen:
        qs = selectors.records(indicator, assessment.office_id, assessment.period_start, assessment.period_end)
        if qs is not None:
            model = qs.model
            ids = list(qs.values_list("pk", flat=True)[: size + 1])
            truncated = len(ids) > size
            ids = ids[:size]
            count = qs.count() if truncated else len(ids)
    shown = {}
    if ids and hasattr(model.objects, "visible_to"):
        shown = {o.pk: o for o in model.objects.visible_to(p).filter(pk__in=ids)}
    value = _value(row)
    return {
        "assessment_id": assessment.pk,
        "item": item,
        "indicator": indicator,
        "name": value["name"],
        "unit": value["unit"],
        "direction": value["direction"],
        "threshold": value["threshold"],
        "value": value["value"],
        "met": value["met"],
        "frozen": frozen,
        "model": model._meta.label if model is not None else None,
        "count": count,
        "truncated": truncated,
        "hidden": len([i for i in ids if i not in shown]),
        "records": [{"id": i, "display": str(shown[i])} for i in ids if i in shown],
    }


# --- rectification -----------------------------------------------------------------------------------


@router.get("/tasks", response={200: TaskPage, 422: ErrorOut}, summary="List rectification tasks")
def list_tasks(
    request,
    status: codes.TaskStatus | Literal[""] = "",
    overdue: bool = False,
    office: int | None = Query(None, ge=1, le=MAX_ID),
    campaign: int | None = Query(None, ge=1, le=MAX_ID),
    cursor: str | None = None,
    size: int | None = Query(None, ge=1, le=200),
):
    """Rectifications the caller may see, newest first, a page at a time. `overdue`: not closed
    and past the deadline."""
    today = timezone.localdate()
    p = principal(request)
    # Overdue: the selector the dashboards use (not closed and past the deadline).
    base = selectors.open_tasks(p, overdue_only=True, today=today) if overdue else None
    qs = (base if base is not None else RectificationTask.objects.visible_to(p)).select_related(*TASK_RELATED)
    if status:
        qs = qs.filter(status=str(status))
    if office:
        qs = qs.filter(office_id=office)
    if campaign:
        qs = qs.filter(result__assessment__campaign_id=campaign)
    page = keyset_paginate(qs, ordering=["-id"], cursor=cursor, size=size)
    return {"items": [_task(t, today) for t in page.items], "next_cursor": page.next_cursor}


@router.get(
    "/tasks/{pk}",
    response={200: TaskDetail, 404: ErrorOut},
    summary="One rectification task",
    openapi_extra=TASK,
)
def get_task(request, pk: int):
    """The task with its notes (progress, submissions, returns, reminders) and evidence."""
    return _task_detail(request, _task_of(request, pk))


TASK_WRITE = {200: TaskDetail, **{k: v for k, v in WRITE.items() if k != 200}}


@router.post(
    "/tasks/{pk}/assign",
    response=TASK_WRITE,
    summary="Name the person, responsibility and deadline",
    openapi_extra={**TASK, **body_doc(AssignIn)},
)
def assign_task(request, pk: int):
    """定人定责定时限: a member of the office's staff, what they answer for, and a deadline not in
    the past (400 on `deadline` otherwise)."""
    from fengqiao.accounts.models import User

    actor = _require(request, Action.CHANGE)
    task = _task_of(request, pk, Action.CHANGE)
    body = _parse(request, AssignIn)
    person = User.objects.visible_to(actor).filter(pk=body.responsible_id, is_active=True).first()
    if person is None:
        raise DomainError(_("Name an active member of the office's staff."), field="responsible_id")
    _conflicts(
        services.task_assign,
        actor=actor,
        task=task,
        responsible=person,
        responsibility=body.responsibility,
        deadline=body.deadline,
    )
    return _task_detail(request, _task_of(request, pk))


@router.post(
    "/tasks/{pk}/notes",
    response={201: TaskDetail, **{k: v for k, v in WRITE.items() if k != 200}},
    summary="Note progress",
    openapi_extra={**TASK, **body_doc(TextIn)},
)
def note_task(request, pk: int):
    """A progress note while the rectification is open."""
    actor = _require(request, Action.CHANGE)
    task = _task_of(request, pk, Action.CHANGE)
    body = _parse(request, TextIn)
    _conflicts(services.task_note, actor=actor, task=task, text=body.text)
    return Status(201, _task_detail(request, _task_of(request, pk)))


@router.post(
    "/tasks/{pk}/evidence",
    response={201: EvidenceOut, **{k: v for k, v in WRITE.items() if k != 200}},
    summary="Attach evidence of the rectification",
    openapi_extra={**TASK, **_multipart_doc({})},
)
def upload_task_evidence(request, pk: int):
    """multipart/form-data with `file` and an optional `note`, while the rectification is open."""
    actor = _require(request, Action.CHANGE)
    task = _task_of(request, pk, Action.CHANGE)
    upload, note = _upload(request)
    ev = _conflicts(services.evidence_upload, actor=actor, upload=upload, task=task, note=note)
    return Status(201, _evidence(ev))


@router.post(
    "/tasks/{pk}/submit",
    response=TASK_WRITE,
    summary="Report the rectification done",
    openapi_extra={**TASK, **body_doc(TextIn)},
)
def submit_task(request, pk: int):
    """Needs the person and deadline named and at least one evidence file (400 `no_evidence`)."""
    actor = _require(request, Action.CHANGE)
    task = _task_of(request, pk, Action.CHANGE)
    body = _parse(request, TextIn)
    _conflicts(services.task_submit, actor=actor, task=task, text=body.text)
    return _task_detail(request, _task_of(request, pk))


@router.post(
    "/tasks/{pk}/verify",
    response=TASK_WRITE,
    summary="Verify: close or return",
    openapi_extra={**TASK, **body_doc(VerifyIn)},
)
def verify_task(request, pk: int):
    """The city closes a rectification reported done (`accept: true`; never without evidence) or
    returns it to the office with what is missing."""
    actor = _require(request, Action.APPROVE)
    task = _task_of(request, pk, Action.APPROVE)
    body = _parse(request, VerifyIn)
    _conflicts(services.task_verify, actor=actor, task=task, accept=body.accept, text=body.text)
    return _task_detail(request, _task_of(request, pk))


# --- typical experiences -----------------------------------------------------------------------------


@router.get("/experiences", response={200: ExperiencePage, 422: ErrorOut}, summary="List typical experiences")
def list_experiences(
    request,
    q: str = Query("", max_length=100, description="Words of the title or text"),
    status: codes.ExperienceStatus | Literal[""] = "",
    office: int | None = Query(None, ge=1, le=MAX_ID),
    item: int | None = Query(None, ge=1, le=32767, description="An item concerned, by number"),
    cursor: str | None = None,
    size: int | None = Query(None, ge=1, le=200),
):
    """The caller's own experiences in any state and every published one in the city, newest
    first, a page at a time."""
    qs = Experience.objects.visible_to(principal(request)).select_related("office").prefetch_related("items")
    if q.strip():
        qs = qs.filter(Q(title__icontains=q.strip()) | Q(text__icontains=q.strip()))
    if status:
        qs = qs.filter(status=str(status))
    if office:
        qs = qs.filter(office_id=office)
    if item:
        qs = qs.filter(items__number=item).distinct()
    page = keyset_paginate(qs, ordering=["-id"], cursor=cursor, size=size)
    return {"items": [_experience(e) for e in page.items], "next_cursor": page.next_cursor}


@router.post(
    "/experiences",
    response={201: ExperienceDetail, **{k: v for k, v in WRITE.items() if k not in (200, 409)}},
    summary="Submit a typical experience",
)
def submit_experience(request, payload: ExperienceIn):
    """An office's practice (title, text, the items concerned by id, from one standard)."""
    actor = _require(request, Action.CREATE)
    org = _node(request, payload.org_id, Action.CREATE)
    if org is None:
        raise NotFound(_("No office with this id where you may submit experiences."), field="org_id")
    ids = set(payload.item_ids)
    items = list(StandardItem.objects.filter(pk__in=ids, standard__in=Standard.objects.visible_to(actor)))
    if len(items) != len(ids):
        raise DomainError(_("Choose items of a standard your office uses."), field="item_ids")
    exp = services.experience_submit(actor=actor, org=org, title=payload.title, text=payload.text, items=items)
    return Status(201, _experience_detail(request, _experience_of(request, exp.pk)))


@router.get(
    "/experiences/{pk}",
    response={200: ExperienceDetail, 404: ErrorOut},
    summary="One typical experience",
    openapi_extra=EXPERIENCE,
)
def get_experience(request, pk: int):
    return _experience_detail(request, _experience_of(request, pk))


EXPERIENCE_WRITE = {200: ExperienceDetail, **{k: v for k, v in WRITE.items() if k != 200}}


@router.post(
    "/experiences/{pk}/review",
    response=EXPERIENCE_WRITE,
    summary="Review a typical experience",
    openapi_extra={**EXPERIENCE, **body_doc(ReviewIn)},
)
def review_experience(request, pk: int):
    """The city returns (with a note), recommends, publishes to every office, or withdraws it."""
    actor = _require(request, Action.APPROVE)
    exp = _experience_of(request, pk, Action.APPROVE)
    body = _parse(request, ReviewIn)
    _conflicts(services.experience_review, actor=actor, experience=exp, status=body.status, note=body.note)
    return _experience_detail(request, _experience_of(request, pk))


@router.post(
    "/experiences/{pk}/resubmit",
    response=EXPERIENCE_WRITE,
    summary="Revise a returned experience",
    openapi_extra={**EXPERIENCE, **body_doc(ResubmitIn)},
)
def resubmit_experience(request, pk: int):
    actor = _require(request, Action.CHANGE)
    exp = _experience_of(request, pk, Action.CHANGE)
    body = _parse(request, ResubmitIn)
    _conflicts(services.experience_resubmit, actor=actor, experience=exp, title=body.title, text=body.text)
    return _experience_detail(request, _experience_of(request, pk))


@router.post(
    "/experiences/{pk}/attachments",
    response={201: EvidenceOut, **{k: v for k, v in WRITE.items() if k != 200}},
    summary="Attach a file to an experience",
    openapi_extra={**EXPERIENCE, **_multipart_doc({})},
)
def upload_attachment(request, pk: int):
    """multipart/form-data with `file` and an optional `note`, while the experience can be revised."""
    actor = _require(request, Action.CHANGE)
    exp = _experience_of(request, pk, Action.CHANGE)
    upload, note = _upload(request)
    ev = _conflicts(services.evidence_upload, actor=actor, upload=upload, experience=exp, note=note)
    return Status(201, _evidence(ev))


# --- evidence files ----------------------------------------------------------------------------------


@router.get(
    "/evidence/{pk}/file",
    response={404: ErrorOut},
    summary="Download an evidence file",
    openapi_extra=EVIDENCE,
)
def download_evidence(request, pk: int):
    ev = scoped_get(Evidence, request, pk)
    try:
        handle = ev.file.open("rb")
    except FileNotFoundError:
        raise NotFound(_("The file is missing from storage.")) from None
    return FileResponse(handle, as_attachment=True, filename=ev.name)


# --- standards (last: `/{pk}` must not shadow the paths above) ----------------------------------------


@router.get("", response=list[StandardOut], summary="List construction standards")
def list_standards(request):
    """The standards shipped with the platform and those of the caller's bureau and the bureaus
    above it."""
    from django.db.models import Count

    qs = (
        Standard.objects.visible_to(principal(request))
        .select_related("owner")
        .annotate(n_items=Count("items"))
        .order_by("code", "-version")
    )
    return [_standard(s, s.n_items) for s in qs[:500]]


@router.post(
    "",
    response={201: StandardDetail, 400: FaultsOut, 403: ErrorOut, 404: ErrorOut},
    summary="Add a standard from a standard file",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object", "description": "The standard file"}}},
        }
    },
)
def import_standard(request, owner_id: int | None = Query(None, ge=1, le=MAX_ID)):
    """The body is the standard file (JSON: code, version, name, categories, items with their
    method and criteria). A bad file is refused with 400 listing every fault in `faults`, and
    nothing is added. `owner_id`: the bureau adding it (default: the caller's)."""
    actor = _require(request, Action.CREATE)
    owner = _node(request, owner_id, Action.CREATE)
    if owner is None:
        raise NotFound(_("No bureau with this id where you may add a standard."), field="owner_id")
    try:
        standard = services.standard_import(actor=actor, raw=request.body, owner=owner)
    except DomainError as exc:
        if exc.status != 400:
            raise
        faults = exc.message if isinstance(exc.message, list) else [str(exc.message)]
        return Status(400, {"code": exc.code, "message": str(exc), "field": exc.field, "faults": faults})
    return Status(201, _standard_detail(scoped_get(Standard, request, standard.pk, select_related=("owner",))))


def _standard_detail(s: Standard) -> dict:
    items = list(s.items.select_related("category").prefetch_related("criteria").order_by("number"))
    return {
        **_standard(s, len(items)),
        "categories": [{"number": c.number, "name": c.name} for c in s.categories.order_by("number")],
        "items": [
            {
                "id": i.pk,
                "number": i.number,
                "category": i.category.number,
                "text": i.text,
                "method": i.method,
                "method_label": str(i.get_method_display()),
                "guidance": i.guidance,
                "criteria": [_criterion(c) for c in i.criteria.all()],
            }
            for i in items
        ],
    }


@router.get(
    "/{int:pk}",
    response={200: StandardDetail, 404: ErrorOut},
    summary="One standard with its items",
    openapi_extra=STANDARD,
)
def get_standard(request, pk: int):
    """Categories, items (wording, evaluation method, evidence to provide) and each automatic
    item's criteria: indicator code, name, unit, direction and threshold."""
    return _standard_detail(scoped_get(Standard, request, pk, select_related=("owner",)))
