"""Writes to legal education: the guidance station and its staff, education activities, and the
steps of a demonstration village. Each function is one transaction with its audit event; a refusal
raises DomainError and changes nothing."""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
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
from .models import Activity, DemoVillage, Station, StationStaff, VillageEvent

audit.register_actions(
    {
        "education.station_set_up": gettext_lazy("Set up a legal education guidance station"),
        "education.station_update": gettext_lazy("Changed a guidance station's details"),
        "education.staff_add": gettext_lazy("Added a guidance station staff member"),
        "education.staff_end": gettext_lazy("Recorded a station staff member leaving"),
        "education.activity_record": gettext_lazy("Recorded a legal education activity"),
        "education.activity_update": gettext_lazy("Changed a legal education activity"),
        "education.village_nominate": gettext_lazy("Put forward a demonstration village candidate"),
        "education.village_step": gettext_lazy("Recorded a step of a demonstration village"),
    }
)


# --- helpers -----------------------------------------------------------------------------------------


def _today():
    return timezone.localdate()


def _require(actor, org: OrgNode, action: str, message=None):
    # actor None is the platform itself (the demo seeder).
    if actor is not None and not in_scope(actor, org, action, Module.EDUCATION):
        raise Forbidden(message or _("You may not keep legal education records outside your own unit."))


_actor_user = checks.actor_user


_actor_repr = checks.actor_repr


def _check_date(value, field: str, *, allow_future=False):
    return checks.check_date(value, field, today=_today(), allow_future=allow_future, earliest_year=1980)


_choice = checks.choice


_text = checks.text


def _year(value, field="year") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainError(_("Enter the year as four digits."), field=field)
    if value < 1990 or value > _today().year:
        raise DomainError(_("The year must lie between 1990 and %(year)s.") % {"year": _today().year}, field=field)
    return value


def _office(actor, org: OrgNode, action: str) -> OrgNode:
    org = OrgNode.objects.get(pk=org.pk)
    if org.kind != OrgKind.TOWN:
        raise DomainError(_("A guidance station belongs to a judicial office: choose the office."), field="office")
    _require(actor, org, action)
    if not org.is_active:
        raise DomainError(_("The unit is deactivated."), field="office")
    return org


def _place(actor, org: OrgNode, action: str, field="org") -> OrgNode:
    """A town or village inside the actor's scope for `action`; another office's village is refused."""
    org = OrgNode.objects.get(pk=org.pk)
    if org.kind not in (OrgKind.TOWN, OrgKind.VILLAGE):
        raise DomainError(_("Choose a judicial office or one of its villages."), field=field)
    _require(actor, org, action, _("This village belongs to another office: you may not record activities there."))
    if not org.is_active:
        raise DomainError(_("The unit is deactivated."), field=field)
    return org


def _village(actor, org: OrgNode, action: str) -> OrgNode:
    org = OrgNode.objects.get(pk=org.pk)
    if org.kind != OrgKind.VILLAGE:
        raise DomainError(_("Choose a village or community."), field="org")
    _require(actor, org, action, _("This village belongs to another office."))
    if not org.is_active:
        raise DomainError(_("The unit is deactivated."), field="org")
    return org


def _locked(model, actor, obj, expected_version=None, action=Action.CHANGE):
    """The row re-read under a lock, after the checks every change shares."""
    obj = model.objects.select_for_update(of=("self",)).select_related("org").get(pk=obj.pk)
    _require(actor, obj.org, action)
    audit.check_version(obj, expected_version)
    return obj


# --- the station and its staff -----------------------------------------------------------------------


@transaction.atomic
def station_set_up(
    *, actor, office: OrgNode, name: str, address: str, set_up_on: datetime.date, phone: str = "", note: str = ""
) -> Station:
    """Record the office's guidance station (one per office)."""
    office = _office(actor, office, Action.CREATE)
    name = _text(name, "name", _("Enter the station's name."), 100)
    address = _text(address, "address", _("Enter the station's address."), 200)
    set_up_on = _check_date(set_up_on, "set_up_on")
    if Station.objects.filter(office_id=office.pk).exists():
        raise DomainError(
            _("This office already has its guidance station: change that one instead."),
            field="office",
            code="duplicate",
        )
    station = Station(
        org=office,
        name=name,
        address=address,
        set_up_on=set_up_on,
        phone=_text(phone, "phone", "", 30, required=False),
        note=_text(note, "note", "", 2000, required=False),
        created_by=_actor_user(actor),
    )
    try:
        with transaction.atomic():
            station.save()
    except IntegrityError:
        raise Conflict(_("This office already has its guidance station."), field="office", code="duplicate") from None
    audit.record_create(actor=actor, action="education.station_set_up", obj=station)
    return station


STATION_FIELDS = ("name", "address", "set_up_on", "phone", "note")


@transaction.atomic
def station_update(*, actor, station: Station, expected_version: str | None = None, **fields) -> Station:
    """Correct the station's details. Refused if someone else changed it since the form was filled."""
    unknown = set(fields) - set(STATION_FIELDS)
    if unknown:
        raise DomainError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    station = _locked(Station, actor, station, expected_version)
    before = audit.snapshot(station)
    if "name" in fields:
        station.name = _text(fields["name"], "name", _("Enter the station's name."), 100)
    if "address" in fields:
        station.address = _text(fields["address"], "address", _("Enter the station's address."), 200)
    if "set_up_on" in fields:
        station.set_up_on = _check_date(fields["set_up_on"], "set_up_on")
        first = station.staff.order_by("start_on").values_list("start_on", flat=True).first()
        if first is not None and first < station.set_up_on:
            raise DomainError(
                _("Staff were in post from %(date)s: the station cannot be set up later.") % {"date": first},
                field="set_up_on",
            )
    if "phone" in fields:
        station.phone = _text(fields["phone"], "phone", "", 30, required=False)
    if "note" in fields:
        station.note = _text(fields["note"], "note", "", 2000, required=False)
    station.save()
    audit.record_update(actor=actor, action="education.station_update", obj=station, before=before)
    return station


@transaction.atomic
def staff_add(
    *,
    actor,
    station: Station,
    employment: str,
    start_on: datetime.date,
    user=None,
    name: str = "",
    duty: str = "",
    expected_version: str | None = None,
) -> StationStaff:
    """Put a person in post at the station, full-time or part-time: an office user (the name comes
    from the account) or, for someone without an account, a name."""
    station = _locked(Station, actor, station, expected_version)
    employment = _choice(employment, codes.Employment, "employment", _("Choose full-time or part-time."))
    start_on = _check_date(start_on, "start_on")
    if start_on < station.set_up_on:
        raise DomainError(
            _("The station was set up on %(date)s: nobody can be in post before.") % {"date": station.set_up_on},
            field="start_on",
        )
    if user is not None:
        if not user.is_active or user.office_id != station.office_id:
            raise DomainError(_("Choose an active user of the station's own office."), field="user")
        name = user.full_name or user.username
        if StationStaff.objects.filter(station=station, user=user, end_on__isnull=True).exists():
            raise DomainError(
                _("%(name)s is already in post at this station.") % {"name": name}, field="user", code="duplicate"
            )
    name = _text(name, "name", _("Choose an office user or enter the staff member's name."), 50)
    if user is None and StationStaff.objects.filter(station=station, name=name, end_on__isnull=True).exists():
        raise DomainError(
            _("%(name)s is already in post at this station.") % {"name": name}, field="name", code="duplicate"
        )
    staff = StationStaff.objects.create(
        station=station,
        org_id=station.org_id,
        user=user,
        name=name,
        employment=employment,
        duty=_text(duty, "duty", "", 100, required=False),
        start_on=start_on,
        recorded_by=_actor_user(actor),
    )
    audit.record_create(actor=actor, action="education.staff_add", obj=staff)
    return staff


@transaction.atomic
def staff_end(
    *, actor, staff: StationStaff, end_on: datetime.date, note: str = "", expected_version: str | None = None
) -> StationStaff:
    """Record that a staff member left the station (transferred, retired, the part-time duty ended)."""
    staff = _locked(StationStaff, actor, staff, expected_version)
    if staff.end_on is not None:
        raise DomainError(
            _("%(name)s already left the station on %(date)s.") % {"name": staff.name, "date": staff.end_on},
            code="illegal_transition",
        )
    end_on = _check_date(end_on, "end_on")
    if end_on < staff.start_on:
        raise DomainError(_("The end cannot be before the start."), field="end_on")
    before = audit.snapshot(staff)
    staff.end_on = end_on
    staff.end_note = _text(note, "note", "", 200, required=False)
    staff.save()
    audit.record(
        actor=actor,
        action="education.staff_end",
        kind=AuditKind.ACTION,
        obj=staff,
        changes=audit.diff(before, audit.snapshot(staff)),
    )
    return staff


# --- activities --------------------------------------------------------------------------------------


def _clean_photo(photo):
    if not photo:
        return None
    name = getattr(photo, "name", "") or ""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in codes.PHOTO_TYPES:
        raise DomainError(_("The photo must be a JPEG, PNG or WebP image."), field="photo")
    size = getattr(photo, "size", None) or 0
    if size > codes.PHOTO_MAX_BYTES:
        raise DomainError(_("The photo is too large: at most 5 MB."), field="photo")
    photo.seek(0)
    head = photo.read(12)
    photo.seek(0)
    if not (
        head.startswith(b"\xff\xd8\xff")
        or head.startswith(b"\x89PNG\r\n\x1a\n")
        or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")
    ):
        raise DomainError(_("The photo must be a JPEG, PNG or WebP image."), field="photo")
    return photo


def _clean_reached(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainError(_("Enter the number of people reached as a whole number."), field="reached")
    if value < 1:
        raise DomainError(_("An activity reaches at least one person."), field="reached")
    if value > codes.MAX_REACHED:
        raise DomainError(
            _("At most %(max)s people per activity: check the number.") % {"max": codes.MAX_REACHED}, field="reached"
        )
    return value


@transaction.atomic
def activity_record(
    *,
    actor,
    org: OrgNode,
    topic: str,
    form: str,
    venue: str,
    date: datetime.date,
    audience: str,
    reached: int,
    department: str = "",
    record: str = "",
    photo=None,
) -> Activity:
    """Record a legal-education activity held in a village of the office, or by the office itself."""
    org = _place(actor, org, Action.CREATE)
    activity = Activity(
        org=org,
        topic=_text(topic, "topic", _("Enter the activity's topic."), 200),
        form=_choice(form, codes.Form, "form", _("Choose the form of the activity.")),
        venue=_text(venue, "venue", _("Enter where the activity took place."), 200),
        date=_check_date(date, "date"),
        audience=_choice(audience, codes.Audience, "audience", _("Choose the audience.")),
        reached=_clean_reached(reached),
        department=_text(department, "department", "", 100, required=False),
        record=_text(record, "record", "", 5000, required=False),
        recorded_by=_actor_user(actor),
        recorded_by_repr=_actor_repr(actor),
    )
    photo = _clean_photo(photo)
    if photo is not None:
        activity.photo = photo
    activity.save()
    audit.record_create(actor=actor, action="education.activity_record", obj=activity)
    return activity


ACTIVITY_FIELDS = ("org", "topic", "form", "venue", "date", "audience", "reached", "department", "record", "photo")


@transaction.atomic
def activity_update(*, actor, activity: Activity, expected_version: str | None = None, **fields) -> Activity:
    """Correct an activity. Moving it to another office's village is refused."""
    unknown = set(fields) - set(ACTIVITY_FIELDS)
    if unknown:
        raise DomainError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    activity = _locked(Activity, actor, activity, expected_version)
    before = audit.snapshot(activity)
    if fields.get("org") is not None and fields["org"].pk != activity.org_id:
        org = _place(actor, fields["org"], Action.CHANGE)
        if org.office_id != activity.office_id:
            raise DomainError(_("This village belongs to another office."), field="org")
        activity.org = org
    if "topic" in fields:
        activity.topic = _text(fields["topic"], "topic", _("Enter the activity's topic."), 200)
    if "form" in fields:
        activity.form = _choice(fields["form"], codes.Form, "form", _("Choose the form of the activity."))
    if "venue" in fields:
        activity.venue = _text(fields["venue"], "venue", _("Enter where the activity took place."), 200)
    if "date" in fields:
        activity.date = _check_date(fields["date"], "date")
    if "audience" in fields:
        activity.audience = _choice(fields["audience"], codes.Audience, "audience", _("Choose the audience."))
    if "reached" in fields:
        activity.reached = _clean_reached(fields["reached"])
    if "department" in fields:
        activity.department = _text(fields["department"], "department", "", 100, required=False)
    if "record" in fields:
        activity.record = _text(fields["record"], "record", "", 5000, required=False)
    photo = _clean_photo(fields.get("photo"))
    if photo is not None:
        activity.photo = photo
    activity.save()
    audit.record_update(actor=actor, action="education.activity_update", obj=activity, before=before)
    return activity


# --- demonstration villages --------------------------------------------------------------------------


def _event(actor, village, step, date, *, level="", year=None, note=""):
    return VillageEvent.objects.create(
        village=village,
        org_id=village.org_id,
        step=step,
        level=level,
        year=year,
        date=date,
        note=note,
        by=_actor_user(actor),
        by_repr=_actor_repr(actor),
    )


@transaction.atomic
def village_nominate(
    *, actor, org: OrgNode, target_level: str, nominated_on: datetime.date, note: str = ""
) -> DemoVillage:
    """Put a village forward as a candidate demonstration village (one record per village)."""
    org = _village(actor, org, Action.CREATE)
    target_level = _choice(target_level, codes.Level, "target_level", _("Choose the level applied for."))
    nominated_on = _check_date(nominated_on, "nominated_on")
    note = _text(note, "note", "", 2000, required=False)
    if DemoVillage.objects.filter(org_id=org.pk).exists():
        raise DomainError(
            _("%(village)s is already in the demonstration scheme: open its record instead.") % {"village": org.name},
            field="org",
            code="duplicate",
        )
    village = DemoVillage(
        org=org, target_level=target_level, nominated_on=nominated_on, note=note, created_by=_actor_user(actor)
    )
    try:
        with transaction.atomic():
            village.save()
    except IntegrityError:
        raise Conflict(
            _("This village is already in the demonstration scheme."), field="org", code="duplicate"
        ) from None
    _event(actor, village, codes.Step.NOMINATE, nominated_on, level=target_level, note=note)
    audit.record_create(actor=actor, action="education.village_nominate", obj=village)
    return village


def _village_locked(actor, village, step, expected_version):
    village = _locked(DemoVillage, actor, village, expected_version)
    sources, _target = codes.TRANSITIONS[step]
    if village.status not in sources:
        raise DomainError(
            _("A village that is “%(status)s” cannot be “%(step)s”.")
            % {"status": village.get_status_display(), "step": codes.Step(step).label},
            code="illegal_transition",
        )
    return village


def _after_last_event(village, date):
    last = village.events.order_by("-date", "-id").values_list("date", flat=True).first()
    if last is not None and date < last:
        raise DomainError(
            _("The date cannot be before the village's last recorded step (%(date)s).") % {"date": last}, field="date"
        )


def _finish_step(actor, village, step, before, event):
    village.status = codes.TRANSITIONS[step][1]
    village.save()
    changes = audit.diff(before, audit.snapshot(village))
    changes["step"] = step
    changes["event"] = event.pk
    audit.record(actor=actor, action="education.village_step", kind=AuditKind.ACTION, obj=village, changes=changes)
    return village


@transaction.atomic
def village_designate(
    *,
    actor,
    village: DemoVillage,
    level: str,
    year: int,
    date: datetime.date,
    note: str = "",
    expected_version: str | None = None,
) -> DemoVillage:
    """Record a designation at a level in a year. Levels only rise; a level the village already
    holds (since its last revocation) is refused."""
    village = _village_locked(actor, village, codes.Step.DESIGNATE, expected_version)
    level = _choice(level, codes.Level, "level", _("Choose the level of the designation."))
    year = _year(year)
    date = _check_date(date, "date")
    if date.year < year:
        raise DomainError(_("The designation is dated before its year."), field="date")
    _after_last_event(village, date)
    # The history since the last revocation: a standing designation at this level is a duplicate.
    revoked = (
        village.events.filter(step=codes.Step.REVIEW_FAIL).order_by("-date", "-id").values_list("id", flat=True).first()
    )
    standing = village.events.filter(step=codes.Step.DESIGNATE, level=level)
    if revoked is not None:
        standing = standing.filter(id__gt=revoked)
    found = standing.first()
    if found is not None:
        raise DomainError(
            _("%(village)s was already designated at the %(level)s in %(year)s.")
            % {"village": village.org.name, "level": codes.Level(level).label, "year": found.year},
            field="level",
            code="duplicate",
        )
    if village.is_designated and codes.LEVEL_RANK[level] < codes.LEVEL_RANK[village.level]:
        raise DomainError(
            _("The village already holds a higher designation (%(level)s).")
            % {"level": codes.Level(village.level).label},
            field="level",
        )
    if village.is_designated and village.designated_year and year < village.designated_year:
        raise DomainError(
            _("A higher designation cannot come before the current one (%(year)s).")
            % {"year": village.designated_year},
            field="year",
        )
    note = _text(note, "note", "", 2000, required=False)
    before = audit.snapshot(village)
    event = _event(actor, village, codes.Step.DESIGNATE, date, level=level, year=year, note=note)
    village.level, village.designated_year, village.designated_on = level, year, date
    return _finish_step(actor, village, codes.Step.DESIGNATE, before, event)


@transaction.atomic
def village_review(
    *,
    actor,
    village: DemoVillage,
    passed: bool,
    year: int,
    date: datetime.date,
    note: str = "",
    expected_version: str | None = None,
) -> DemoVillage:
    """Record the review (复核) of a designated village: passed keeps the designation; failed
    revokes it and needs the reasons."""
    step = codes.Step.REVIEW_PASS if passed else codes.Step.REVIEW_FAIL
    village = _village_locked(actor, village, step, expected_version)
    year = _year(year)
    if village.designated_year and year < village.designated_year:
        raise DomainError(
            _("The review cannot be before the designation (%(year)s).") % {"year": village.designated_year},
            field="year",
        )
    date = _check_date(date, "date")
    _after_last_event(village, date)
    note = _text(note, "note", _("Give the reasons the review failed."), 2000, required=not passed)
    before = audit.snapshot(village)
    event = _event(actor, village, step, date, level=village.level, year=year, note=note)
    village.last_review_year = year
    return _finish_step(actor, village, step, before, event)


@transaction.atomic
def village_withdraw(
    *, actor, village: DemoVillage, date: datetime.date, note: str, expected_version: str | None = None
) -> DemoVillage:
    """Withdraw a candidacy (the village was not recommended, or withdrew), with the reason."""
    village = _village_locked(actor, village, codes.Step.WITHDRAW, expected_version)
    date = _check_date(date, "date")
    _after_last_event(village, date)
    note = _text(note, "note", _("Give the reason for withdrawing."), 2000)
    before = audit.snapshot(village)
    event = _event(actor, village, codes.Step.WITHDRAW, date, note=note)
    return _finish_step(actor, village, codes.Step.WITHDRAW, before, event)


@transaction.atomic
def village_renominate(
    *,
    actor,
    village: DemoVillage,
    target_level: str,
    date: datetime.date,
    note: str = "",
    expected_version: str | None = None,
) -> DemoVillage:
    """Put a withdrawn or revoked village forward again; its history is kept."""
    village = _village_locked(actor, village, codes.Step.RENOMINATE, expected_version)
    target_level = _choice(target_level, codes.Level, "target_level", _("Choose the level applied for."))
    date = _check_date(date, "date")
    _after_last_event(village, date)
    note = _text(note, "note", "", 2000, required=False)
    before = audit.snapshot(village)
    event = _event(actor, village, codes.Step.RENOMINATE, date, level=target_level, note=note)
    village.target_level = target_level
    village.nominated_on = date
    return _finish_step(actor, village, codes.Step.RENOMINATE, before, event)
