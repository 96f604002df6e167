"""Writes to resettlement: the handover and registration of a released person, changes to their
details, level and worker, help records, and the end of the assistance. Each function is one
transaction with its audit event. A refusal raises DomainError and changes nothing."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fengqiao.core import audit, checks
from fengqiao.core.errors import Conflict, DomainError, Forbidden
from fengqiao.core.models import AuditKind
from fengqiao.core.permissions import Action, Module
from fengqiao.core.scoping import in_scope
from fengqiao.core.validators import normalize_id_number, normalize_phone, validate_id_number, validate_phone
from fengqiao.orgs.models import OrgKind, OrgNode

from . import codes, selectors
from .models import HelpRecord, LevelChange, ReleasedPerson

# Lazy: registered at import, shown later in each reader's language.
audit.register_actions(
    {
        "resettlement.register": gettext_lazy("Registered a released person"),
        "resettlement.update": gettext_lazy("Changed a released person's details"),
        "resettlement.set_level": gettext_lazy("Changed a released person's assistance level"),
        "resettlement.assign_worker": gettext_lazy("Assigned a resettlement worker"),
        "resettlement.help": gettext_lazy("Recorded help for a released person"),
        "resettlement.end": gettext_lazy("Ended a released person's assistance"),
    }
)

ENDED_MESSAGE = gettext_lazy("The assistance of this person has ended; the record can no longer be changed.")


# --- helpers -----------------------------------------------------------------------------------------


def _require(actor, org: OrgNode, action: str):
    # actor None is the platform itself (the demo seeder).
    if actor is not None and not in_scope(actor, org, action, Module.RESETTLEMENT):
        raise Forbidden(_("You may not handle released persons outside your own unit."))


def _today():
    return timezone.localdate()


_actor_user = checks.actor_user


_actor_repr = checks.actor_repr


def _check_date(value, field: str, *, allow_future=False):
    return checks.check_date(value, field, today=_today(), allow_future=allow_future, earliest_year=1950)


_choice = checks.choice


_text = checks.text


def period_end_for(released_on: datetime.date) -> datetime.date:
    """Five years after release (a release on 29 February ends on 28 February)."""
    year = released_on.year + codes.ASSISTANCE_YEARS
    try:
        return released_on.replace(year=year)
    except ValueError:
        return released_on.replace(year=year, day=28)


def _place(actor, org: OrgNode, action: str) -> OrgNode:
    org = OrgNode.objects.get(pk=org.pk)
    _require(actor, org, action)
    if org.kind not in (OrgKind.TOWN, OrgKind.VILLAGE):
        raise DomainError(_("Register a released person at a judicial office or a village."), field="org")
    if not org.is_active:
        raise DomainError(_("The unit is deactivated."), field="org")
    return org


def _clean_id_number(value) -> str:
    number = normalize_id_number(value or "")
    if not number:
        raise DomainError(_("Enter the person's ID number."), field="id_number")
    try:
        validate_id_number(number)
    except ValidationError as exc:
        raise DomainError(exc.messages[0], field="id_number") from None
    return number


def _clean_phone(value) -> str:
    phone = normalize_phone(value or "")
    if phone:
        try:
            validate_phone(phone)
        except ValidationError as exc:
            raise DomainError(exc.messages[0], field="phone") from None
    return phone


def _check_unique_open(office_id: int, id_number: str, exclude_pk=None):
    qs = ReleasedPerson.objects.filter(office_id=office_id, id_number=id_number, status=codes.Status.ACTIVE)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    found = qs.first()
    if found is not None:
        raise DomainError(
            _(
                "%(name)s, with this ID number, is already in assistance at this office (registered %(date)s). "
                "Open that record instead, or end it first."
            )
            % {"name": found.name, "date": found.created_at.date().isoformat()},
            field="id_number",
            code="duplicate",
        )


def _check_release_dates(released_on, handover_on):
    released_on = _check_date(released_on, "released_on")
    handover_on = _check_date(handover_on, "handover_on")
    if handover_on < released_on:
        raise DomainError(_("The handover cannot be before the release."), field="handover_on")
    if period_end_for(released_on) < _today():
        raise DomainError(
            _("Released more than five years ago: the assistance period is already over."), field="released_on"
        )
    return released_on, handover_on


def _check_worker(worker, office_id: int):
    if worker is None:
        return None
    if not selectors.is_office_worker(worker, office_id):
        raise DomainError(_("Choose an active resettlement social worker of the person's own office."), field="worker")
    return worker


def _locked(actor, person: ReleasedPerson, expected_version=None, *, open_only=True) -> ReleasedPerson:
    """The person re-read under a row lock, after the checks every change shares."""
    person = ReleasedPerson.objects.select_for_update(of=("self",)).select_related("org").get(pk=person.pk)
    _require(actor, person.org, Action.CHANGE)
    audit.check_version(person, expected_version)
    if open_only and not person.in_assistance:
        raise DomainError(ENDED_MESSAGE, code="illegal_transition")
    return person


def _save_unique(person: ReleasedPerson):
    # The partial unique index is the last word when two handovers of one person race.
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:
        raise Conflict(
            _("This person is already in assistance at this office."), field="id_number", code="duplicate"
        ) from None


def _level_change(actor, person, from_level, to_level, reason, date):
    return LevelChange.objects.create(
        person=person,
        org_id=person.org_id,
        date=date,
        from_level=from_level or "",
        to_level=to_level,
        reason=reason,
        changed_by=_actor_user(actor),
        changed_by_repr=_actor_repr(actor),
    )


# --- registration ------------------------------------------------------------------------------------


@transaction.atomic
def person_register(
    *,
    actor,
    org: OrgNode,
    name: str,
    gender: str,
    id_number: str,
    offence: str,
    prison: str,
    released_on: datetime.date,
    handover_on: datetime.date,
    employment: str,
    housing: str,
    assistance: str,
    met_at_gate: bool = False,
    level: str = codes.Level.GENERAL,
    level_reason: str = "",
    phone: str = "",
    address: str = "",
    sentence: str = "",
    worker=None,
) -> ReleasedPerson:
    """Take over a released person from the prison (衔接) and open their assistance: the period
    runs five years from release. Without a worker, the office's least-loaded resettlement worker
    is assigned."""
    org = _place(actor, org, Action.CREATE)
    name = _text(name, "name", _("Enter the person's name."), 50)
    gender = _choice(gender, codes.Gender, "gender", _("Choose the gender."))
    id_number = _clean_id_number(id_number)
    phone = _clean_phone(phone)
    offence = _text(offence, "offence", _("Enter the offence."), 100)
    prison = _text(prison, "prison", _("Enter the prison or detention centre that released the person."), 100)
    released_on, handover_on = _check_release_dates(released_on, handover_on)
    level = _choice(level, codes.Level, "level", _("Choose the assistance level."))
    employment = _choice(employment, codes.Employment, "employment", _("Choose the employment status."))
    housing = _choice(housing, codes.Housing, "housing", _("Choose the housing status."))
    assistance = _choice(assistance, codes.Assistance, "assistance", _("Choose the social assistance status."))
    worker = _check_worker(worker, org.office_id)
    if worker is None:
        worker = selectors.least_loaded_worker(org.office_id)
    _check_unique_open(org.office_id, id_number)

    person = ReleasedPerson(
        org=org,
        name=name,
        gender=gender,
        id_number=id_number,
        phone=phone,
        address=_text(address, "address", "", 200, required=False),
        offence=offence,
        sentence=_text(sentence, "sentence", "", 100, required=False),
        prison=prison,
        released_on=released_on,
        handover_on=handover_on,
        met_at_gate=bool(met_at_gate),
        level=level,
        employment=employment,
        housing=housing,
        assistance=assistance,
        worker=worker,
        period_end=period_end_for(released_on),
        registered_by=_actor_user(actor),
    )
    _save_unique(person)
    _level_change(
        actor,
        person,
        "",
        level,
        (level_reason or "").strip() or _("Assessment at the handover"),
        handover_on,
    )
    audit.record_create(actor=actor, action="resettlement.register", obj=person)
    return person


UPDATABLE = (
    "org",
    "name",
    "gender",
    "id_number",
    "phone",
    "address",
    "offence",
    "sentence",
    "prison",
    "released_on",
    "handover_on",
    "met_at_gate",
    "employment",
    "housing",
    "assistance",
)


@transaction.atomic
def person_update(*, actor, person: ReleasedPerson, expected_version: str | None = None, **fields) -> ReleasedPerson:
    """Correct or update a person's details (not the level, worker or status: those have their own
    steps). Refused if someone else changed the record since the form was filled."""
    unknown = set(fields) - set(UPDATABLE)
    if unknown:
        raise DomainError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    person = _locked(actor, person, expected_version)
    before = audit.snapshot(person)
    if "org" in fields and fields["org"] is not None and fields["org"].pk != person.org_id:
        org = _place(actor, fields["org"], Action.CHANGE)
        if org.office_id != person.office_id:
            raise DomainError(
                _("A person moving to another office is ended here (moved away) and registered there."), field="org"
            )
        person.org = org
    if "name" in fields:
        person.name = _text(fields["name"], "name", _("Enter the person's name."), 50)
    if "gender" in fields:
        person.gender = _choice(fields["gender"], codes.Gender, "gender", _("Choose the gender."))
    if "id_number" in fields:
        person.id_number = _clean_id_number(fields["id_number"])
        _check_unique_open(person.office_id, person.id_number, exclude_pk=person.pk)
    if "phone" in fields:
        person.phone = _clean_phone(fields["phone"])
    for key, length in (("address", 200), ("sentence", 100)):
        if key in fields:
            setattr(person, key, _text(fields[key], key, "", length, required=False))
    if "offence" in fields:
        person.offence = _text(fields["offence"], "offence", _("Enter the offence."), 100)
    if "prison" in fields:
        person.prison = _text(
            fields["prison"], "prison", _("Enter the prison or detention centre that released the person."), 100
        )
    if "released_on" in fields or "handover_on" in fields:
        released_on, handover_on = _check_release_dates(
            fields.get("released_on", person.released_on), fields.get("handover_on", person.handover_on)
        )
        person.released_on, person.handover_on = released_on, handover_on
        person.period_end = period_end_for(released_on)
    if "met_at_gate" in fields:
        person.met_at_gate = bool(fields["met_at_gate"])
    for key, choices, message in (
        ("employment", codes.Employment, _("Choose the employment status.")),
        ("housing", codes.Housing, _("Choose the housing status.")),
        ("assistance", codes.Assistance, _("Choose the social assistance status.")),
    ):
        if key in fields:
            setattr(person, key, _choice(fields[key], choices, key, message))
    _save_unique(person)
    audit.record_update(actor=actor, action="resettlement.update", obj=person, before=before)
    return person


# --- level, worker, help, end -----------------------------------------------------------------------


@transaction.atomic
def person_set_level(
    *,
    actor,
    person: ReleasedPerson,
    level: str,
    reason: str,
    date: datetime.date | None = None,
    expected_version: str | None = None,
) -> ReleasedPerson:
    """Reassess the person (重点帮教 ↔ 一般帮教), with the reason; the change joins the timeline."""
    person = _locked(actor, person, expected_version)
    level = _choice(level, codes.Level, "level", _("Choose the assistance level."))
    if level == person.level:
        raise DomainError(
            _("The person is already at “%(level)s”.") % {"level": codes.Level(level).label}, field="level"
        )
    reason = _text(reason, "reason", _("Give the reason for the change."))
    date = _check_date(date or _today(), "date")
    if date < person.handover_on:
        raise DomainError(_("The date cannot be before the handover."), field="date")
    before = audit.snapshot(person)
    previous = person.level
    person.level = level
    person.save()
    _level_change(actor, person, previous, level, reason, date)
    changes = audit.diff(before, audit.snapshot(person))
    changes["reason"] = reason
    audit.record(actor=actor, action="resettlement.set_level", kind=AuditKind.ACTION, obj=person, changes=changes)
    return person


@transaction.atomic
def person_assign_worker(*, actor, person: ReleasedPerson, worker, expected_version: str | None = None):
    """Give the person to a resettlement social worker of their office."""
    person = _locked(actor, person, expected_version)
    if worker is None:
        raise DomainError(_("Choose a resettlement social worker."), field="worker")
    worker = _check_worker(worker, person.office_id)
    if worker.pk == person.worker_id:
        raise DomainError(_("This worker is already assigned to the person."), field="worker")
    before = audit.snapshot(person)
    person.worker = worker
    person.save()
    audit.record(
        actor=actor,
        action="resettlement.assign_worker",
        kind=AuditKind.ACTION,
        obj=person,
        changes=audit.diff(before, audit.snapshot(person)),
    )
    return person


@transaction.atomic
def help_record_add(
    *, actor, person: ReleasedPerson, kind: str, date: datetime.date, note: str, expected_version: str | None = None
) -> HelpRecord:
    """Record a contact, a visit or a piece of help. A contact or visit keeps the person off the
    "due for contact" list for the next 30 days."""
    person = _locked(actor, person, expected_version)
    kind = _choice(kind, codes.HelpKind, "kind", _("Choose what kind of help this was."))
    date = _check_date(date, "date")
    if date < person.released_on:
        raise DomainError(_("The date cannot be before the release."), field="date")
    note = _text(note, "note", _("Describe what was done."))
    record = HelpRecord.objects.create(
        person=person,
        org_id=person.org_id,
        date=date,
        kind=kind,
        note=note,
        recorded_by=_actor_user(actor),
        recorded_by_repr=_actor_repr(actor),
    )
    if kind in codes.CONTACT_KINDS and (person.last_contact_on is None or date > person.last_contact_on):
        person.last_contact_on = date
        person.save(update_fields=["last_contact_on", "updated_at"])
    audit.record_create(actor=actor, action="resettlement.help", obj=record)
    return record


@transaction.atomic
def person_end(
    *,
    actor,
    person: ReleasedPerson,
    reason: str,
    ended_on: datetime.date,
    note: str = "",
    expected_version: str | None = None,
) -> ReleasedPerson:
    """End the assistance: the five years are over, or the person reoffended, died or moved away."""
    person = _locked(actor, person, expected_version, open_only=False)
    if not person.in_assistance:
        raise DomainError(
            _("The assistance of this person already ended on %(date)s.") % {"date": person.ended_on.isoformat()},
            code="illegal_transition",
        )
    reason = _choice(reason, codes.EndReason, "reason", _("Choose why the assistance ends."))
    ended_on = _check_date(ended_on, "ended_on")
    if ended_on < person.handover_on:
        raise DomainError(_("The assistance cannot end before the handover."), field="ended_on")
    if reason == codes.EndReason.EXPIRED and ended_on < person.period_end:
        raise DomainError(
            _("The assistance period runs until %(date)s; choose another reason to end it earlier.")
            % {"date": person.period_end.isoformat()},
            field="reason",
        )
    note = _text(note, "note", "", required=False)
    if reason != codes.EndReason.EXPIRED and not note:
        raise DomainError(
            _("Say what happened (for example the court, the date of death or the new address)."), field="note"
        )
    before = audit.snapshot(person)
    person.status = codes.Status.ENDED
    person.ended_on = ended_on
    person.end_reason = reason
    person.end_note = note
    person.save()
    audit.record(
        actor=actor,
        action="resettlement.end",
        kind=AuditKind.ACTION,
        obj=person,
        changes=audit.diff(before, audit.snapshot(person)),
    )
    return person
