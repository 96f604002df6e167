"""Legal education endpoints under /api/v1/education: activities, guidance stations and their
staff, demonstration villages and their steps, and the figures.

Every operation starts from `visible_to`: another office's record answers 404 like a missing one.
Writes need the action on the module (403 otherwise) and on the record (404).
"""

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
from fengqiao.core.pagination import keyset_paginate
from fengqiao.core.permissions import Action, Module

from . import codes, selectors, services
from .models import Activity, DemoVillage, Station, StationStaff, VillageEvent

router = Router(tags=["education"])
M = Module.EDUCATION
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _scoped(model):
    return {"x-scoped-model": f"education.{model.__name__}"}


def _require_action(request, action: str):
    if not principal(request).has_action(M, action):
        raise Forbidden(
            _("You may not do this: it needs the “%(action)s” right on legal education.")
            % {"action": Action(action).label}
        )


def _may(request, model, obj, action) -> bool:
    p = principal(request)
    return p.has_action(M, action) and model.objects.visible_to(p, action).filter(pk=obj.pk).exists()


def _place(request, pk: int, action: str):
    place = selectors.place_in_scope(principal(request), pk, action)
    if place is None:
        raise NotFound(
            _("No village or office with this id where you may keep legal education records."), field="org_id"
        )
    return place


def _conflict_on_transition(fn, **kwargs):
    try:
        return fn(**kwargs)
    except DomainError as exc:
        if exc.code == "illegal_transition":
            raise Conflict(str(exc), code="illegal_transition") from None
        raise


# --- schemas -----------------------------------------------------------------------------------------


class ActivityOut(Schema):
    id: int
    org_id: int
    org_name: str
    office_id: int
    topic: str
    form: str
    form_label: str
    venue: str
    date: datetime.date
    audience: str
    audience_label: str
    reached: int
    department: str
    has_photo: bool
    recorded_by: str


class ActivityDetail(ActivityOut):
    record: str
    version: str = Field(description="Send back as expected_version with changes")
    can_change: bool


class ActivityPage(Schema):
    items: list[ActivityOut]
    next_cursor: str | None


class ActivityIn(Schema):
    org_id: int = Field(..., ge=1, le=MAX_ID, description="The village where it took place, or the office")
    topic: str = Field(..., min_length=1, max_length=200)
    form: codes.Form
    venue: str = Field(..., min_length=1, max_length=200)
    date: datetime.date
    audience: codes.Audience
    reached: int = Field(..., ge=1, le=codes.MAX_REACHED)
    department: str = Field("", max_length=100, description="谁执法谁普法: the enforcing department that led it")
    record: str = Field("", max_length=5000)


class ActivityPatch(Schema):
    expected_version: str | None = None
    org_id: int | None = Field(None, ge=1, le=MAX_ID)
    topic: str | None = Field(None, min_length=1, max_length=200)
    form: codes.Form | None = None
    venue: str | None = Field(None, min_length=1, max_length=200)
    date: datetime.date | None = None
    audience: codes.Audience | None = None
    reached: int | None = Field(None, ge=1, le=codes.MAX_REACHED)
    department: str | None = Field(None, max_length=100)
    record: str | None = Field(None, max_length=5000)


class StaffOut(Schema):
    id: int
    user_id: int | None
    name: str
    employment: str
    employment_label: str
    duty: str
    start_on: datetime.date
    end_on: datetime.date | None
    end_note: str
    in_post: bool


class StationOut(Schema):
    id: int
    office_id: int
    office_name: str
    name: str
    address: str
    set_up_on: datetime.date
    phone: str
    fulltime_in_post: int


class StationDetail(StationOut):
    note: str
    version: str
    can_change: bool
    staff: list[StaffOut]


class StationPage(Schema):
    items: list[StationOut]
    next_cursor: str | None


class StationIn(Schema):
    office_id: int = Field(..., ge=1, le=MAX_ID)
    name: str = Field(..., min_length=1, max_length=100)
    address: str = Field(..., min_length=1, max_length=200)
    set_up_on: datetime.date
    phone: str = Field("", max_length=30)
    note: str = Field("", max_length=2000)


class StationPatch(Schema):
    expected_version: str | None = None
    name: str | None = Field(None, min_length=1, max_length=100)
    address: str | None = Field(None, min_length=1, max_length=200)
    set_up_on: datetime.date | None = None
    phone: str | None = Field(None, max_length=30)
    note: str | None = Field(None, max_length=2000)


class StaffIn(Schema):
    user_id: int | None = Field(None, ge=1, le=MAX_ID, description="An office user; or give `name`")
    name: str = Field("", max_length=50)
    employment: codes.Employment
    start_on: datetime.date
    duty: str = Field("", max_length=100)


class StaffEndIn(Schema):
    end_on: datetime.date
    note: str = Field("", max_length=200)


class VillageEventOut(Schema):
    id: int
    step: str
    step_label: str
    level: str
    year: int | None
    date: datetime.date
    note: str
    by: str


class VillageOut(Schema):
    id: int
    org_id: int
    village_name: str
    office_id: int
    status: str
    status_label: str
    level: str
    designated_year: int | None
    designated_on: datetime.date | None
    last_review_year: int | None
    target_level: str
    nominated_on: datetime.date


class VillageDetail(VillageOut):
    note: str
    version: str
    can_change: bool
    next_steps: list[str]
    history: list[VillageEventOut]


class VillagePage(Schema):
    items: list[VillageOut]
    next_cursor: str | None


class VillageIn(Schema):
    org_id: int = Field(..., ge=1, le=MAX_ID, description="The village or community")
    target_level: codes.Level
    nominated_on: datetime.date
    note: str = Field("", max_length=2000)


class DesignateIn(Schema):
    expected_version: str | None = None
    level: codes.Level
    year: int = Field(..., ge=1990, le=2200)
    date: datetime.date
    note: str = Field("", max_length=2000)


class ReviewIn(Schema):
    expected_version: str | None = None
    passed: bool
    year: int = Field(..., ge=1990, le=2200)
    date: datetime.date
    note: str = Field("", max_length=2000, description="Required when the review failed")


class WithdrawIn(Schema):
    expected_version: str | None = None
    date: datetime.date
    note: str = Field(..., min_length=1, max_length=2000)


class RenominateIn(Schema):
    expected_version: str | None = None
    target_level: codes.Level
    date: datetime.date
    note: str = Field("", max_length=2000)


# --- serialisation -----------------------------------------------------------------------------------


def _activity(a: Activity) -> dict:
    return {
        "id": a.pk,
        "org_id": a.org_id,
        "org_name": a.org.display_name,
        "office_id": a.office_id,
        "topic": a.topic,
        "form": a.form,
        "form_label": str(a.get_form_display()),
        "venue": a.venue,
        "date": a.date,
        "audience": a.audience,
        "audience_label": str(a.get_audience_display()),
        "reached": a.reached,
        "department": a.department,
        "has_photo": bool(a.photo),
        "recorded_by": a.recorded_by_repr,
    }


def _activity_detail(request, a: Activity) -> dict:
    return {
        **_activity(a),
        "record": a.record,
        "version": audit.version_of(a),
        "can_change": _may(request, Activity, a, Action.CHANGE),
    }


def _staff(s: StationStaff, today) -> dict:
    return {
        "id": s.pk,
        "user_id": s.user_id,
        "name": s.name,
        "employment": s.employment,
        "employment_label": str(s.get_employment_display()),
        "duty": s.duty,
        "start_on": s.start_on,
        "end_on": s.end_on,
        "end_note": s.end_note,
        "in_post": s.in_post_on(today),
    }


def _station(s: Station, staff=None) -> dict:
    today = timezone.localdate()
    staff = staff if staff is not None else list(StationStaff.objects.filter(station=s))
    return {
        "id": s.pk,
        "office_id": s.office_id,
        "office_name": s.office.display_name,
        "name": s.name,
        "address": s.address,
        "set_up_on": s.set_up_on,
        "phone": s.phone,
        "fulltime_in_post": sum(1 for x in staff if x.employment == codes.Employment.FULL_TIME and x.in_post_on(today)),
    }


def _station_detail(request, s: Station) -> dict:
    today = timezone.localdate()
    staff = selectors.staff_of(s)
    return {
        **_station(s, staff),
        "note": s.note,
        "version": audit.version_of(s),
        "can_change": _may(request, Station, s, Action.CHANGE),
        "staff": [_staff(x, today) for x in staff],
    }


def _village(v: DemoVillage) -> dict:
    return {
        "id": v.pk,
        "org_id": v.org_id,
        "village_name": v.org.name,
        "office_id": v.office_id,
        "status": v.status,
        "status_label": str(v.get_status_display()),
        "level": v.level,
        "designated_year": v.designated_year,
        "designated_on": v.designated_on,
        "last_review_year": v.last_review_year,
        "target_level": v.target_level,
        "nominated_on": v.nominated_on,
    }


def _event(e: VillageEvent) -> dict:
    return {
        "id": e.pk,
        "step": e.step,
        "step_label": str(e.get_step_display()),
        "level": e.level,
        "year": e.year,
        "date": e.date,
        "note": e.note,
        "by": e.by_repr,
    }


def _village_detail(request, v: DemoVillage) -> dict:
    can_change = _may(request, DemoVillage, v, Action.CHANGE)
    steps = []
    for step in codes.steps_from(v.status):
        steps += ["review"] if step in (codes.Step.REVIEW_PASS, codes.Step.REVIEW_FAIL) else [str(step)]
    return {
        **_village(v),
        "note": v.note,
        "version": audit.version_of(v),
        "can_change": can_change,
        "next_steps": list(dict.fromkeys(steps)) if can_change else [],
        "history": [_event(e) for e in selectors.village_history(v)],
    }


# --- activities --------------------------------------------------------------------------------------


@router.get("/activities", response={200: ActivityPage, 422: ErrorOut}, summary="List legal education activities")
def list_activities(
    request,
    q: str = Query("", max_length=50, description="Part of the topic, venue or department"),
    form: codes.Form | Literal[""] = "",
    audience: codes.Audience | Literal[""] = "",
    place: int | None = Query(None, ge=1, le=MAX_ID, description="An office or village: activities within it"),
    led: bool | None = Query(None, description="true: led by an enforcing department; false: the others"),
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    cursor: str | None = None,
    size: int | None = Query(None, ge=1, le=200),
):
    """Activities the caller may see, newest first, a page at a time (`next_cursor`)."""
    place_obj = selectors.place_in_scope(principal(request), place) if place else None
    if place and place_obj is None:
        return {"items": [], "next_cursor": None}
    page = selectors.activity_search(
        principal(request),
        q=q.strip(),
        form=str(form),
        audience=str(audience),
        place=place_obj,
        led=led,
        date_from=date_from,
        date_to=date_to,
        cursor=cursor,
        size=size,
    )
    return {"items": [_activity(a) for a in page.items], "next_cursor": page.next_cursor}


@router.get(
    "/activities/{pk}",
    response={200: ActivityDetail, 404: ErrorOut},
    summary="One activity",
    openapi_extra=_scoped(Activity),
)
def get_activity(request, pk: int):
    return _activity_detail(request, scoped_get(Activity, request, pk, select_related=("org",)))


@router.post("/activities", response={201: ActivityDetail, **ERRORS}, summary="Record an activity")
def create_activity(request, payload: ActivityIn):
    """A village of another office (or outside the caller's area) answers 404 `not_found`."""
    _require_action(request, Action.CREATE)
    org = _place(request, payload.org_id, Action.CREATE)
    data = payload.model_dump(exclude={"org_id"})
    data["form"], data["audience"] = str(data["form"]), str(data["audience"])
    activity = services.activity_record(actor=principal(request), org=org, **data)
    return Status(201, _activity_detail(request, scoped_get(Activity, request, activity.pk, select_related=("org",))))


@router.patch(
    "/activities/{pk}",
    response={200: ActivityDetail, **ERRORS},
    summary="Correct an activity",
    openapi_extra={**_scoped(Activity), **body_doc(ActivityPatch)},
)
def update_activity(request, pk: int):
    """Only the fields sent change. With `expected_version` (from the detail), a record changed by
    someone else in between is refused with 409 `stale`."""
    _require_action(request, Action.CHANGE)
    activity = scoped_get(Activity, request, pk, Action.CHANGE)
    body = _parse(request, ActivityPatch)
    fields = body.model_dump(exclude_unset=True)
    version = fields.pop("expected_version", None)
    if "org_id" in fields:
        org_id = fields.pop("org_id")
        if org_id is not None:
            fields["org"] = _place(request, org_id, Action.CHANGE)
    for key in ("form", "audience"):
        if fields.get(key) is not None:
            fields[key] = str(fields[key])
    fields = {k: v for k, v in fields.items() if v is not None}
    services.activity_update(actor=principal(request), activity=activity, expected_version=version, **fields)
    return _activity_detail(request, scoped_get(Activity, request, pk, select_related=("org",)))


# --- stations ----------------------------------------------------------------------------------------


@router.get("/stations", response={200: StationPage, 422: ErrorOut}, summary="List guidance stations")
def list_stations(request, cursor: str | None = None, size: int | None = Query(None, ge=1, le=200)):
    """Stations of the offices the caller sees, with the full-time staff in post today."""
    qs = selectors.station_visible(principal(request)).select_related("office")
    page = keyset_paginate(qs, ordering=["-id"], cursor=cursor, size=size)
    staff: dict[int, list] = {}
    for s in StationStaff.objects.filter(station_id__in=[x.pk for x in page.items], end_on__isnull=True):
        staff.setdefault(s.station_id, []).append(s)
    return {"items": [_station(s, staff.get(s.pk, [])) for s in page.items], "next_cursor": page.next_cursor}


@router.get(
    "/stations/{pk}",
    response={200: StationDetail, 404: ErrorOut},
    summary="One station",
    openapi_extra=_scoped(Station),
)
def get_station(request, pk: int):
    return _station_detail(request, scoped_get(Station, request, pk, select_related=("office",)))


@router.post("/stations", response={201: StationDetail, **ERRORS}, summary="Record the office's guidance station")
def create_station(request, payload: StationIn):
    """One station per office: a second one is refused with 400 `duplicate`."""
    _require_action(request, Action.CREATE)
    office = _place(request, payload.office_id, Action.CREATE)
    station = services.station_set_up(
        actor=principal(request), office=office, **payload.model_dump(exclude={"office_id"})
    )
    return Status(201, _station_detail(request, scoped_get(Station, request, station.pk, select_related=("office",))))


@router.patch(
    "/stations/{pk}",
    response={200: StationDetail, **ERRORS},
    summary="Correct a station's details",
    openapi_extra={**_scoped(Station), **body_doc(StationPatch)},
)
def update_station(request, pk: int):
    _require_action(request, Action.CHANGE)
    station = scoped_get(Station, request, pk, Action.CHANGE)
    fields = _parse(request, StationPatch).model_dump(exclude_unset=True)
    version = fields.pop("expected_version", None)
    fields = {k: v for k, v in fields.items() if v is not None}
    services.station_update(actor=principal(request), station=station, expected_version=version, **fields)
    return _station_detail(request, scoped_get(Station, request, pk, select_related=("office",)))


@router.post(
    "/stations/{pk}/staff",
    response={201: StaffOut, **ERRORS},
    summary="Put someone in post at the station",
    openapi_extra={**_scoped(Station), **body_doc(StaffIn)},
)
def add_staff(request, pk: int):
    _require_action(request, Action.CHANGE)
    station = scoped_get(Station, request, pk, Action.CHANGE)
    body = _parse(request, StaffIn)
    user = None
    if body.user_id is not None:
        user = selectors.staff_candidates(station.office_id).filter(pk=body.user_id).first()
        if user is None:
            raise DomainError(_("Choose an active user of the station's own office."), field="user_id")
    staff = services.staff_add(
        actor=principal(request),
        station=station,
        user=user,
        name=body.name,
        employment=str(body.employment),
        start_on=body.start_on,
        duty=body.duty,
    )
    return Status(201, _staff(staff, timezone.localdate()))


@router.post(
    "/staff/{pk}/end",
    response={200: StaffOut, **ERRORS},
    summary="Record that a staff member left the station",
    openapi_extra={**_scoped(StationStaff), **body_doc(StaffEndIn)},
)
def end_staff(request, pk: int):
    _require_action(request, Action.CHANGE)
    staff = scoped_get(StationStaff, request, pk, Action.CHANGE)
    body = _parse(request, StaffEndIn)
    staff = _conflict_on_transition(
        services.staff_end, actor=principal(request), staff=staff, end_on=body.end_on, note=body.note
    )
    return _staff(staff, timezone.localdate())


# --- demonstration villages --------------------------------------------------------------------------


@router.get("/villages", response={200: VillagePage, 422: ErrorOut}, summary="List demonstration villages")
def list_villages(
    request,
    q: str = Query("", max_length=50, description="Part of the village's name"),
    status: codes.VillageStatus | Literal[""] = "",
    level: codes.Level | Literal[""] = "",
    place: int | None = Query(None, ge=1, le=MAX_ID),
    cursor: str | None = None,
    size: int | None = Query(None, ge=1, le=200),
):
    place_obj = selectors.place_in_scope(principal(request), place) if place else None
    if place and place_obj is None:
        return {"items": [], "next_cursor": None}
    page = selectors.village_search(
        principal(request), q=q.strip(), status=str(status), level=str(level), place=place_obj, cursor=cursor, size=size
    )
    return {"items": [_village(v) for v in page.items], "next_cursor": page.next_cursor}


@router.get(
    "/villages/{pk}",
    response={200: VillageDetail, 404: ErrorOut},
    summary="One demonstration village with its history",
    openapi_extra=_scoped(DemoVillage),
)
def get_village(request, pk: int):
    return _village_detail(request, scoped_get(DemoVillage, request, pk, select_related=("org",)))


@router.post("/villages", response={201: VillageDetail, **ERRORS}, summary="Put forward a candidate village")
def create_village(request, payload: VillageIn):
    _require_action(request, Action.CREATE)
    org = _place(request, payload.org_id, Action.CREATE)
    village = services.village_nominate(
        actor=principal(request),
        org=org,
        target_level=str(payload.target_level),
        nominated_on=payload.nominated_on,
        note=payload.note,
    )
    return Status(201, _village_detail(request, scoped_get(DemoVillage, request, village.pk, select_related=("org",))))


def _village_step(request, pk, schema, fn, **extra):
    _require_action(request, Action.CHANGE)
    village = scoped_get(DemoVillage, request, pk, Action.CHANGE, select_related=("org",))
    data = _parse(request, schema).model_dump()
    version = data.pop("expected_version", None)
    for key in ("level", "target_level"):
        if key in data:
            data[key] = str(data[key])
    _conflict_on_transition(fn, actor=principal(request), village=village, expected_version=version, **data)
    return _village_detail(request, scoped_get(DemoVillage, request, pk, select_related=("org",)))


def _step_doc(schema):
    return {**_scoped(DemoVillage), **body_doc(schema)}


@router.post(
    "/villages/{pk}/designate",
    response={200: VillageDetail, **ERRORS},
    summary="Record a designation at a level",
    openapi_extra=_step_doc(DesignateIn),
)
def designate_village(request, pk: int):
    """From candidate, or designated at a lower level. A level the village already holds is refused
    (400 `duplicate`); from another status 409 `illegal_transition`."""
    return _village_step(request, pk, DesignateIn, services.village_designate)


@router.post(
    "/villages/{pk}/review",
    response={200: VillageDetail, **ERRORS},
    summary="Record the review of a designated village",
    openapi_extra=_step_doc(ReviewIn),
)
def review_village(request, pk: int):
    """`passed: false` revokes the designation and needs the reasons in `note`."""
    return _village_step(request, pk, ReviewIn, services.village_review)


@router.post(
    "/villages/{pk}/withdraw",
    response={200: VillageDetail, **ERRORS},
    summary="Withdraw a candidacy",
    openapi_extra=_step_doc(WithdrawIn),
)
def withdraw_village(request, pk: int):
    return _village_step(request, pk, WithdrawIn, services.village_withdraw)


@router.post(
    "/villages/{pk}/renominate",
    response={200: VillageDetail, **ERRORS},
    summary="Put a withdrawn or revoked village forward again",
    openapi_extra=_step_doc(RenominateIn),
)
def renominate_village(request, pk: int):
    return _village_step(request, pk, RenominateIn, services.village_renominate)


# --- figures -----------------------------------------------------------------------------------------


@router.get("/metrics", response={200: dict, 400: ErrorOut, 422: ErrorOut}, summary="Figures of a period")
def metrics(request, date_from: datetime.date | None = None, date_to: datetime.date | None = None):
    """Per office and in total: station, full-time staff, activities, people reached, share led by
    an enforcing department, villages reached and designated (see FIGURES in the docs)."""
    today = timezone.localdate()
    date_from = date_from or today.replace(month=1, day=1)
    date_to = date_to or today
    if date_to < date_from:
        raise DomainError(_("The period ends before it starts."), code="invalid_period", field="date_to")
    data = selectors.metrics(principal(request), date_from=date_from, date_to=date_to)
    return {
        **data,
        "date_from": date_from.isoformat(),
        "date_to": date_to.isoformat(),
        "figures": {
            code: {
                "name": str(f["name"]),
                "unit": f["unit"],
                "threshold": f["threshold"],
                "direction": f["direction"],
            }
            for code, f in selectors.FIGURES.items()
        },
    }
