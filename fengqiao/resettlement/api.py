"""Resettlement endpoints under /api/v1/resettlement: released persons (list, one person, the
handover) and their help records.

Every operation starts from `visible_to`: another office's person answers 404 like a missing one.
Writes need the action on the module (403 otherwise) and on the person (404). ID numbers and
phones are masked unless `?reveal=1` by a principal who may see them; each showing is recorded.
"""

from __future__ import annotations

import datetime
from typing import Literal

from django.db.models import Q
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from fengqiao.core import audit
from fengqiao.core.api import ErrorOut, principal, scoped_get
from fengqiao.core.api import parse_body as _parse
from fengqiao.core.converters import MAX_ID
from fengqiao.core.errors import Conflict, DomainError, Forbidden, NotFound
from fengqiao.core.permissions import Action, Module
from fengqiao.core.scoping import subtree_q
from fengqiao.core.validators import mask_id_number, mask_phone
from fengqiao.orgs.models import OrgKind, OrgNode

from . import codes, selectors, services
from .models import HelpRecord, ReleasedPerson

router = Router(tags=["resettlement"])
SCOPED = {"x-scoped-model": "resettlement.ReleasedPerson"}


# --- helpers -----------------------------------------------------------------------------------------


def _require_action(request, action: str):
    """403 when the caller may not do `action` on resettlement anywhere (a token without the grant)."""
    if not principal(request).has_action(Module.RESETTLEMENT, action):
        raise Forbidden(
            _("You may not do this: it needs the “%(action)s” right on resettlement.")
            % {"action": Action(action).label}
        )


def _person(request, pk: int, action: str = Action.VIEW) -> ReleasedPerson:
    return scoped_get(ReleasedPerson, request, pk, action, select_related=("org", "office", "worker"))


def _may(request, person: ReleasedPerson, action: str) -> bool:
    p = principal(request)
    return p.has_action(Module.RESETTLEMENT, action) and (
        ReleasedPerson.objects.visible_to(p, action).filter(pk=person.pk).exists()
    )


def _place(request, pk: int, action: str) -> OrgNode | None:
    """The town or village `pk` if it lies where the caller may do `action` on resettlement."""
    nodes = principal(request).scope_nodes_for(Module.RESETTLEMENT, action)
    if not nodes:
        return None
    within = Q(pk__in=[])
    for node in nodes:
        within |= subtree_q(node.path)
    return OrgNode.objects.filter(within, pk=pk, kind__in=[OrgKind.TOWN, OrgKind.VILLAGE]).first()


# --- schemas -----------------------------------------------------------------------------------------


class PersonItem(Schema):
    id: int
    name: str
    gender: str
    id_number: str = Field(description="Masked")
    org_id: int
    org_name: str
    office_id: int
    level: str
    level_label: str
    status: str
    status_label: str
    released_on: datetime.date
    handover_on: datetime.date
    met_at_gate: bool
    period_end: datetime.date
    employment: str
    housing: str
    assistance: str
    worker_id: int | None
    worker_name: str | None
    last_contact_on: datetime.date | None
    due_for_contact: bool
    ended_on: datetime.date | None
    end_reason: str


class PersonPage(Schema):
    items: list[PersonItem]
    next_cursor: str | None


class HelpOut(Schema):
    id: int
    date: datetime.date
    kind: str
    kind_label: str
    note: str
    recorded_by: str


class LevelChangeOut(Schema):
    id: int
    date: datetime.date
    from_level: str
    to_level: str
    reason: str
    changed_by: str


class PersonDetail(PersonItem):
    id_number: str = Field(description="Masked unless ?reveal=1 by a principal who may see it in full")
    phone: str = Field(description="Masked unless ?reveal=1")
    revealed: bool
    address: str
    offence: str
    sentence: str
    prison: str
    end_note: str
    version: str = Field(description="Send back as expected_version with changes")
    can_change: bool
    help_records: list[HelpOut]
    level_changes: list[LevelChangeOut]


class PersonIn(Schema):
    org_id: int = Field(..., ge=1, le=MAX_ID, description="The village of residence, or the office")
    name: str = Field(..., min_length=1, max_length=50)
    gender: codes.Gender
    id_number: str = Field(..., min_length=1, max_length=30)
    phone: str = Field("", max_length=30)
    address: str = Field("", max_length=200)
    offence: str = Field(..., min_length=1, max_length=100)
    sentence: str = Field("", max_length=100)
    prison: str = Field(..., min_length=1, max_length=100, description="The releasing prison or detention centre")
    released_on: datetime.date
    handover_on: datetime.date
    met_at_gate: bool = False
    level: codes.Level = codes.Level.GENERAL
    level_reason: str = Field("", max_length=2000)
    employment: codes.Employment
    housing: codes.Housing
    assistance: codes.Assistance
    worker_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="A resettlement worker of the office; default: the least-loaded one"
    )


class HelpIn(Schema):
    kind: codes.HelpKind
    date: datetime.date
    note: str = Field(..., min_length=1, max_length=2000)


# --- serialisation -----------------------------------------------------------------------------------


def _item(p: ReleasedPerson, due_before: datetime.date) -> dict:
    return {
        "id": p.pk,
        "name": p.name,
        "gender": p.gender,
        "id_number": mask_id_number(p.id_number),
        "org_id": p.org_id,
        "org_name": p.org.display_name,
        "office_id": p.office_id,
        "level": p.level,
        "level_label": str(p.get_level_display()),
        "status": p.status,
        "status_label": str(p.get_status_display()),
        "released_on": p.released_on,
        "handover_on": p.handover_on,
        "met_at_gate": p.met_at_gate,
        "period_end": p.period_end,
        "employment": p.employment,
        "housing": p.housing,
        "assistance": p.assistance,
        "worker_id": p.worker_id,
        "worker_name": (p.worker.full_name or p.worker.username) if p.worker_id else None,
        "last_contact_on": p.last_contact_on,
        "due_for_contact": p.in_assistance and (p.last_contact_on is None or p.last_contact_on < due_before),
        "ended_on": p.ended_on,
        "end_reason": p.end_reason,
    }


def _help(h: HelpRecord) -> dict:
    return {
        "id": h.pk,
        "date": h.date,
        "kind": h.kind,
        "kind_label": str(h.get_kind_display()),
        "note": h.note,
        "recorded_by": h.recorded_by_repr,
    }


def _detail(request, response: HttpResponse, person: ReleasedPerson, reveal: bool = False) -> dict:
    revealed = False
    if reveal:
        if not _may(request, person, Action.VIEW_SENSITIVE):
            raise Forbidden(_("You may not see this person's full ID number and phone."))
        audit.record_access(actor=principal(request), obj=person, what="id_number")
        add_never_cache_headers(response)
        revealed = True
    helps, changes = selectors.person_records(person)
    return {
        **_item(person, selectors.contact_due_before()),
        "id_number": person.id_number if revealed else mask_id_number(person.id_number),
        "phone": person.phone if revealed else mask_phone(person.phone),
        "revealed": revealed,
        "address": person.address,
        "offence": person.offence,
        "sentence": person.sentence,
        "prison": person.prison,
        "end_note": person.end_note,
        "version": audit.version_of(person),
        "can_change": person.in_assistance and _may(request, person, Action.CHANGE),
        "help_records": [_help(h) for h in helps],
        "level_changes": [
            {
                "id": c.pk,
                "date": c.date,
                "from_level": c.from_level,
                "to_level": c.to_level,
                "reason": c.reason,
                "changed_by": c.changed_by_repr,
            }
            for c in changes
        ],
    }


# --- operations --------------------------------------------------------------------------------------


@router.get("/persons", response={200: PersonPage, 422: ErrorOut}, summary="List released persons")
def list_persons(
    request,
    q: str = Query("", max_length=50, description="Part of a name, or a full ID number"),
    status: codes.Status | Literal[""] = "",
    level: codes.Level | Literal[""] = "",
    employment: codes.Employment | Literal[""] = "",
    worker: int | None = Query(None, ge=1, le=MAX_ID),
    village: int | None = Query(None, ge=1, le=MAX_ID),
    due: bool = False,
    expired: bool = False,
    unassigned: bool = False,
    cursor: str | None = None,
    size: int | None = Query(None, ge=1, le=200),
):
    """Released persons the caller may see, newest registered first, a page at a time
    (`next_cursor`). ID numbers are masked. `due`: in assistance with no contact or visit in the
    last 30 days; `expired`: the five years are over but the assistance is still open."""
    village_obj = _place(request, village, Action.VIEW) if village else None
    if village and village_obj is None:
        return {"items": [], "next_cursor": None}
    page = selectors.person_search(
        principal(request),
        q=q.strip(),
        status=str(status),
        level=str(level),
        employment=str(employment),
        worker=worker,
        village=village_obj,
        due=due,
        expired=expired,
        unassigned=unassigned,
        cursor=cursor,
        size=size,
    )
    due_before = selectors.contact_due_before()
    return {"items": [_item(p, due_before) for p in page.items], "next_cursor": page.next_cursor}


@router.get(
    "/persons/{pk}",
    response={200: PersonDetail, 403: ErrorOut, 404: ErrorOut},
    summary="One released person",
    openapi_extra=SCOPED,
)
def get_person(request, response: HttpResponse, pk: int, reveal: bool = False):
    """The person with their help records and level changes (newest first). `?reveal=1` shows the
    full ID number and phone to a principal who may see sensitive data; each showing is recorded."""
    person = _person(request, pk)
    return _detail(request, response, person, reveal)


@router.post(
    "/persons",
    response={201: PersonDetail, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Register a released person (the handover)",
)
def register_person(request, response: HttpResponse, payload: PersonIn):
    """Opens the five-year assistance. Without `worker_id` the office's least-loaded resettlement
    worker is assigned. A person already in assistance at the office (same ID number) is refused
    with 400 `duplicate`."""
    _require_action(request, Action.CREATE)
    org = _place(request, payload.org_id, Action.CREATE)
    if org is None:
        raise NotFound(_("No unit with this id where you may register released persons."), field="org_id")
    worker = None
    if payload.worker_id is not None:
        worker = selectors.assignable_workers(None, office_id=org.office_id).filter(pk=payload.worker_id).first()
        if worker is None:
            raise DomainError(
                _("Choose an active resettlement social worker of the person's own office."), field="worker_id"
            )
    data = payload.model_dump(exclude={"org_id", "worker_id"})
    for key in ("gender", "level", "employment", "housing", "assistance"):
        data[key] = str(data[key])
    person = services.person_register(actor=principal(request), org=org, worker=worker, **data)
    return Status(201, _detail(request, response, _person(request, person.pk)))


@router.post(
    "/persons/{pk}/help-records",
    response={201: HelpOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Record help or contact for a person",
    openapi_extra={
        **SCOPED,
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": HelpIn.model_json_schema(mode="validation")}},
        },
    },
)
def add_help_record(request, pk: int):
    """A contact, a visit or a piece of help. Refused with 409 `illegal_transition` when the
    person's assistance has ended."""
    _require_action(request, Action.CHANGE)
    person = _person(request, pk, Action.CHANGE)
    body = _parse(request, HelpIn)
    try:
        record = services.help_record_add(
            actor=principal(request), person=person, kind=str(body.kind), date=body.date, note=body.note
        )
    except DomainError as exc:
        if exc.code == "illegal_transition":
            raise Conflict(str(exc), code="illegal_transition") from None
        raise
    return Status(201, _help(record))


@router.get("/staffing", response=dict, summary="Resettlement workers per office against the ratio")
def staffing(request):
    """Per office: persons in assistance, workers and their loads, workers needed at the configured
    ratio, the shortfall and overloaded workers."""
    data = selectors.staffing_by_office(principal(request))
    return {
        "ratio": data["ratio"],
        "totals": data["totals"],
        "offices": [
            {
                "office_id": r["office"].pk,
                "office_name": r["office"].display_name,
                "persons": r["persons"],
                "key": r["key"],
                "unassigned": r["unassigned"],
                "workers": [{"id": w["id"], "name": w["name"], "load": w["load"]} for w in r["workers"]],
                "needed": r["needed"],
                "shortfall": r["shortfall"],
                "overloaded": [w["id"] for w in r["overloaded"]],
            }
            for r in data["offices"]
        ],
    }


@router.get("/metrics", response={200: dict, 422: ErrorOut}, summary="Figures of a period")
def metrics(request, date_from: datetime.date | None = None, date_to: datetime.date | None = None):
    """Persons by level and employment now; handover rate, employment rate, contact coverage and
    ended assistance by reason for the period (default: this year), per office and in total."""
    today = timezone.localdate()
    date_from = date_from or today.replace(month=1, day=1)
    date_to = date_to or today
    if date_to < date_from:
        raise DomainError(_("The period ends before it starts."), code="invalid_period", field="date_to")
    data = selectors.metrics(principal(request), date_from=date_from, date_to=date_to)
    return {**data, "date_from": date_from.isoformat(), "date_to": date_to.isoformat()}
