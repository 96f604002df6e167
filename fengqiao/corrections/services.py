"""Writes to community corrections: the subject register and its three phases, classified
supervision, daily supervision, lawful positioning measures, devices, fences and the alert
lifecycle. Each function is one transaction with its audit event and, for subjects, a timeline
entry. A refusal raises DomainError with a reason the user can act on, and changes nothing."""

from __future__ import annotations

import datetime
import decimal
import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.core import audit
from fengqiao.core.errors import DomainError, Forbidden
from fengqiao.core.models import AuditKind
from fengqiao.core.permissions import Action, Module, Role
from fengqiao.core.scoping import in_scope
from fengqiao.core.validators import normalize_id_number, normalize_phone, validate_id_number, validate_phone
from fengqiao.orgs.models import OrgKind, OrgNode

from . import codes, policy
from .models import (
    Activity,
    Alert,
    AlertEvent,
    Contact,
    CoOffenderLink,
    Device,
    DeviceBinding,
    Fence,
    Fix,
    IngestGeneration,
    Leave,
    LevelChange,
    PositioningMeasure,
    ResidenceChange,
    RewardSanction,
    Subject,
    SubjectEvent,
    SupervisionLevel,
    TeamMember,
)
from .phases import add_months

S = codes.Status


# --- helpers ---------------------------------------------------------------------------------------


def _require(actor, org: OrgNode, action: str = Action.CHANGE):
    # actor None is the platform itself (sweeps, ingest, seeding): it has already been authorised.
    if actor is not None and not in_scope(actor, org, action, Module.CORRECTIONS):
        raise Forbidden(_("You may not handle corrections outside your own unit."))


def _today():
    return timezone.localdate()


def _user(actor):
    from fengqiao.accounts.models import User

    return actor if isinstance(actor, User) else None


def _date(value, field: str, *, allow_future=False, required=True):
    if value in (None, ""):
        if required:
            raise DomainError(_("Enter a date."), field=field)
        return None
    if isinstance(value, str):
        try:
            value = datetime.date.fromisoformat(value)
        except ValueError:
            raise DomainError(_("Enter a date as YYYY-MM-DD."), field=field) from None
    if isinstance(value, datetime.datetime):
        value = value.date()
    if not isinstance(value, datetime.date):
        raise DomainError(_("Enter a date as YYYY-MM-DD."), field=field)
    if not allow_future and value > _today():
        raise DomainError(_("The date cannot be in the future."), field=field)
    if value.year < 1990:
        raise DomainError(_("The date is too far in the past."), field=field)
    return value


def _text(value, field: str, *, required=True, max_length=300):
    value = (value or "").strip()
    if required and not value:
        raise DomainError(_("This field is required."), field=field)
    if len(value) > max_length:
        raise DomainError(_("Keep this under %(n)d characters.") % {"n": max_length}, field=field)
    return value


def _choice(value, choices, field: str):
    if value not in choices.values:
        raise DomainError(_("Choose one of the listed options."), field=field)
    return value


def _event(actor, subject: Subject, kind: str, text: str, at=None):
    return SubjectEvent.objects.create(
        subject=subject,
        org_id=subject.org_id,
        recorded_by=_user(actor),
        kind=kind,
        text=text[:300],
        at=at or timezone.now(),
    )


def _bump_generation():
    """Tell every ingest worker that what it may accept has changed (see ingest.DeviceMap). A
    random value rather than +1: a rolled-back bump followed by another must not land on a value a
    worker has already cached different data under."""
    value = secrets.randbits(62)
    if not IngestGeneration.objects.filter(pk=1).update(value=value):
        IngestGeneration.objects.get_or_create(pk=1, defaults={"value": value})


def _lock(subject: Subject) -> Subject:
    """The subject row, locked until commit: two workers acting on one file act one after the other."""
    return Subject.objects.select_for_update().get(pk=subject.pk)


def _must_be(subject: Subject, *statuses, message=None):
    if subject.status not in statuses:
        raise DomainError(
            message or _("Not possible while the subject is “%(status)s”.") % {"status": subject.get_status_display()},
            code="illegal_transition",
        )


def _check_worker(worker, office_id: int):
    if worker is None:
        return None
    if worker.office_id != office_id or Role.CORRECTIONS_WORKER not in worker.role_codes or not worker.is_active:
        raise DomainError(
            _("Choose an active corrections social worker of the subject's judicial office."), field="worker"
        )
    return worker


def _check_org(org: OrgNode) -> OrgNode:
    if org is None or org.kind not in (OrgKind.TOWN, OrgKind.VILLAGE):
        raise DomainError(_("Choose the judicial office or the village of residence."), field="org")
    return org


def _phone(value) -> str:
    phone = normalize_phone(value or "")
    if phone:
        try:
            validate_phone(phone)
        except Exception as exc:
            raise DomainError(getattr(exc, "messages", [str(exc)])[0], field="phone") from None
    return phone


def _person(actor, what: str):
    """Steps that the law ties to a named person (asking for positioning) refuse system tokens."""
    if actor is not None and _user(actor) is None:
        raise DomainError(
            _("%(what)s must be done by a named member of staff, not by a system token.") % {"what": what},
            code="person_required",
        )
    return _user(actor)


def _active_levels():
    return {lv.pk: lv for lv in SupervisionLevel.objects.filter(active=True)}


# --- the register ----------------------------------------------------------------------------------

SUBJECT_FIELDS = [
    "name",
    "gender",
    "id_number",
    "phone",
    "address",
    "category",
    "offence",
    "sentence",
    "period_start",
    "period_end",
    "deciding_organ",
    "judgment_effective_on",
    "decision_number",
    "prohibition_order",
]


def _clean_subject(data: dict, *, existing: Subject | None = None) -> dict:
    clean = {}
    clean["name"] = _text(data.get("name"), "name", max_length=50)
    clean["gender"] = _choice(data.get("gender"), codes.Gender, "gender")
    id_number = normalize_id_number(data.get("id_number") or "")
    try:
        validate_id_number(id_number)
    except Exception as exc:
        raise DomainError(getattr(exc, "messages", [str(exc)])[0], field="id_number") from None
    clean["id_number"] = id_number
    clean["phone"] = _phone(data.get("phone"))
    clean["address"] = _text(data.get("address"), "address", required=False, max_length=200)
    clean["category"] = _choice(data.get("category"), codes.Category, "category")
    clean["offence"] = _text(data.get("offence"), "offence", max_length=100)
    clean["sentence"] = _text(data.get("sentence"), "sentence", max_length=200)
    clean["period_start"] = _date(data.get("period_start"), "period_start", allow_future=True)
    clean["period_end"] = _date(data.get("period_end"), "period_end", allow_future=True)
    if clean["period_end"] < clean["period_start"]:
        raise DomainError(_("The correction period cannot end before it starts."), field="period_end")
    clean["deciding_organ"] = _text(data.get("deciding_organ"), "deciding_organ", max_length=100)
    clean["judgment_effective_on"] = _date(data.get("judgment_effective_on"), "judgment_effective_on")
    clean["decision_number"] = _text(data.get("decision_number"), "decision_number", required=False, max_length=60)
    clean["prohibition_order"] = _text(
        data.get("prohibition_order"), "prohibition_order", required=False, max_length=2000
    )
    duplicate = Subject.objects.filter(id_number=id_number, status__in=codes.OPEN_STATUSES)
    if existing is not None:
        duplicate = duplicate.exclude(pk=existing.pk)
    found = duplicate.select_related("office").first()
    if found is not None:
        raise DomainError(
            _("A subject with this ID number is already under correction at %(office)s.")
            % {"office": found.office.name},
            field="id_number",
            code="duplicate",
        )
    return clean


@transaction.atomic
def subject_register(*, actor, org: OrgNode, worker=None, level: SupervisionLevel | None = None, **data) -> Subject:
    """Register a subject handed over by the deciding organ; they are awaiting intake until they report."""
    from . import selectors

    _check_org(org)
    _require(actor, org, Action.CREATE)
    clean = _clean_subject(data)
    subject = Subject(org=org, **clean)
    subject.office_id = org.office_id
    if level is None:
        level = policy.default_level()
        if level is None:
            raise DomainError(_("No supervision level is in use; ask the city administrator to set them up."))
    elif level.pk not in _active_levels():
        raise DomainError(_("Choose a supervision level in use."), field="level")
    subject.level = level
    if worker is None:
        worker = selectors.suggest_worker(subject.office_id)
    subject.worker = _check_worker(worker, subject.office_id)
    subject.save()
    LevelChange.objects.create(
        subject=subject,
        org_id=subject.org_id,
        recorded_by=_user(actor),
        on=_today(),
        from_level=None,
        to_level=level,
        reason=_("Level on registration"),
    )
    _event(actor, subject, codes.EventKind.REGISTERED, _("Registered; awaiting intake"))
    if subject.worker:
        _event(actor, subject, codes.EventKind.WORKER, _("Social worker: %(name)s") % {"name": subject.worker})
    audit.record_create(actor=actor, action="corrections.subject.register", obj=subject)
    return subject


@transaction.atomic
def subject_update(*, actor, subject: Subject, version: str | None = None, **data) -> Subject:
    """Change a subject's particulars (not the status, phase or level: those have their own steps)."""
    _require(actor, subject.org)
    subject = _lock(subject)
    audit.check_version(subject, version)
    merged = {f: getattr(subject, f) for f in SUBJECT_FIELDS}
    merged.update({k: v for k, v in data.items() if k in SUBJECT_FIELDS})
    clean = _clean_subject(merged, existing=subject)
    before = audit.snapshot(subject)
    for field, value in clean.items():
        setattr(subject, field, value)
    subject.save()
    changed = audit.diff(before, audit.snapshot(subject))
    if changed:
        names = "、".join(str(Subject._meta.get_field(f).verbose_name) for f in changed if f in SUBJECT_FIELDS)
        _event(actor, subject, codes.EventKind.CHANGED, _("Changed: %(fields)s") % {"fields": names})
    audit.record_update(actor=actor, action="corrections.subject.update", obj=subject, before=before)
    return subject


@transaction.atomic
def subject_intake(
    *, actor, subject: Subject, reported_on, interview_on=None, education_on=None, note: str = ""
) -> Subject:
    """接收入矫: the subject reported; the intake phase begins. A late report is noted, not refused."""
    _require(actor, subject.org)
    subject = _lock(subject)
    _must_be(subject, S.PENDING, message=_("Only a subject awaiting intake can be taken in."))
    reported_on = _date(reported_on, "reported_on")
    if reported_on < subject.judgment_effective_on:
        raise DomainError(_("The report cannot come before the judgment took effect."), field="reported_on")
    interview_on = _date(interview_on, "interview_on", required=False)
    education_on = _date(education_on, "education_on", required=False)
    for value, field in ((interview_on, "interview_on"), (education_on, "education_on")):
        if value and value < reported_on:
            raise DomainError(_("This cannot come before the report."), field=field)
    before = audit.snapshot(subject)
    subject.status = S.ACTIVE
    subject.reported_on = reported_on
    subject.interview_on = interview_on
    subject.intake_education_on = education_on
    subject.last_contact_on = max(filter(None, [subject.last_contact_on, reported_on]))
    subject.save()
    Contact.objects.create(
        subject=subject,
        org_id=subject.org_id,
        recorded_by=_user(actor),
        kind=codes.ContactKind.REPORT_IN_PERSON,
        on=reported_on,
        note=_text(note, "note", required=False, max_length=500) or _("Intake report"),
    )
    pol = policy.current()
    late = (reported_on - subject.judgment_effective_on).days - pol.report_deadline_days
    text = _("Reported for intake on %(day)s") % {"day": reported_on}
    if late > 0:
        text += _(" (%(n)d days late)") % {"n": late}
    _event(actor, subject, codes.EventKind.REPORTED, text)
    if interview_on:
        _event(actor, subject, codes.EventKind.INTERVIEW, _("Intake interview on %(day)s") % {"day": interview_on})
    if education_on:
        _event(
            actor, subject, codes.EventKind.INTAKE_EDUCATION, _("Intake education on %(day)s") % {"day": education_on}
        )
    _resolve_alerts(
        subject, (codes.AlertKind.MISSED_INTAKE,), _("The subject reported on %(day)s") % {"day": reported_on}
    )
    audit.record_update(actor=actor, action="corrections.subject.intake", obj=subject, before=before)
    return subject


@transaction.atomic
def subject_intake_record(*, actor, subject: Subject, interview_on=None, education_on=None) -> Subject:
    """Record the intake interview or the intake education held after the report."""
    _require(actor, subject.org)
    subject = _lock(subject)
    _must_be(subject, S.ACTIVE)
    before = audit.snapshot(subject)
    interview_on = _date(interview_on, "interview_on", required=False)
    education_on = _date(education_on, "education_on", required=False)
    if not interview_on and not education_on:
        raise DomainError(_("Enter the date of the interview or of the education."), field="interview_on")
    for value, field in ((interview_on, "interview_on"), (education_on, "education_on")):
        if value and value < subject.reported_on:
            raise DomainError(_("This cannot come before the report."), field=field)
    if interview_on:
        subject.interview_on = interview_on
        _event(actor, subject, codes.EventKind.INTERVIEW, _("Intake interview on %(day)s") % {"day": interview_on})
    if education_on:
        subject.intake_education_on = education_on
        _event(
            actor, subject, codes.EventKind.INTAKE_EDUCATION, _("Intake education on %(day)s") % {"day": education_on}
        )
    subject.save()
    audit.record_update(actor=actor, action="corrections.subject.intake_record", obj=subject, before=before)
    return subject


@transaction.atomic
def subject_assign_worker(*, actor, subject: Subject, worker) -> Subject:
    _require(actor, subject.org)
    subject = _lock(subject)
    _must_be(subject, *codes.OPEN_STATUSES)
    _check_worker(worker, subject.office_id)
    if worker is None:
        raise DomainError(_("Choose a social worker."), field="worker")
    before = audit.snapshot(subject)
    subject.worker = worker
    subject.save()
    _event(actor, subject, codes.EventKind.WORKER, _("Social worker: %(name)s") % {"name": worker})
    audit.record_update(actor=actor, action="corrections.subject.worker", obj=subject, before=before)
    return subject


@transaction.atomic
def team_member_add(*, actor, subject: Subject, role: str, name: str, phone: str = "", user=None) -> TeamMember:
    _require(actor, subject.org)
    _must_be(subject, *codes.OPEN_STATUSES)
    member = TeamMember(
        subject=subject,
        org_id=subject.org_id,
        role=_choice(role, codes.TeamRole, "role"),
        name=_text(name, "name", max_length=50),
        phone=_phone(phone),
        user=user,
    )
    member.save()
    _event(actor, subject, codes.EventKind.TEAM, _("Team member added: %(m)s") % {"m": member})
    audit.record_create(actor=actor, action="corrections.team.add", obj=member)
    return member


@transaction.atomic
def team_member_remove(*, actor, member: TeamMember) -> None:
    _require(actor, member.org)
    subject = member.subject
    audit.record(actor=actor, action="corrections.team.remove", kind=AuditKind.DELETE, obj=member)
    _event(actor, subject, codes.EventKind.TEAM, _("Team member removed: %(m)s") % {"m": member})
    member.delete()


@transaction.atomic
def co_offender_link(*, actor, subject: Subject, other: Subject) -> CoOffenderLink:
    """Link two subjects convicted in the same case (同案犯); co-offender alerts watch the pair."""
    _require(actor, subject.org)
    if actor is not None and not in_scope(actor, other.org, Action.VIEW, Module.CORRECTIONS):
        raise Forbidden(_("You may not handle corrections outside your own unit."))
    if other.pk == subject.pk:
        raise DomainError(_("A subject cannot be their own co-offender."), field="other")
    if subject.status not in codes.OPEN_STATUSES or other.status not in codes.OPEN_STATUSES:
        raise DomainError(_("Only subjects still under correction can be linked."), field="other")
    low, high = sorted([subject, other], key=lambda s: s.pk)
    if CoOffenderLink.objects.filter(subject=low, other=high).exists():
        raise DomainError(_("These two are already linked as co-offenders."), field="other")
    link = CoOffenderLink(subject=low, other=high, org_id=subject.org_id)
    link.save()
    for one, two in ((subject, other), (other, subject)):
        _event(actor, one, codes.EventKind.CHANGED, _("Co-offender linked: %(name)s") % {"name": two.name})
    audit.record_create(actor=actor, action="corrections.cooffender.link", obj=link)
    _bump_generation()
    return link


@transaction.atomic
def co_offender_unlink(*, actor, subject: Subject, other: Subject, reason: str) -> None:
    """Undo a co-offender link entered by mistake (the co-offender alerts then stop watching the pair)."""
    _require(actor, subject.org)
    low, high = sorted([subject.pk, other.pk])
    link = CoOffenderLink.objects.filter(subject_id=low, other_id=high).first()
    if link is None:
        raise DomainError(_("These two are not linked as co-offenders."), field="other")
    reason = _text(reason, "reason")
    audit.record(
        actor=actor, action="corrections.cooffender.unlink", kind=AuditKind.DELETE, obj=link,
        changes={"reason": reason},
    )  # fmt: skip
    link.delete()
    for one, two in ((subject, other), (other, subject)):
        _event(
            actor,
            one,
            codes.EventKind.CHANGED,
            _("Co-offender link removed: %(name)s (%(reason)s)") % {"name": two.name, "reason": reason},
        )
    _bump_generation()


# --- classified supervision ------------------------------------------------------------------------


def _set_level(actor, subject: Subject, level: SupervisionLevel, reason: str, on) -> LevelChange:
    change = LevelChange.objects.create(
        subject=subject,
        org_id=subject.org_id,
        recorded_by=_user(actor),
        on=on,
        from_level=subject.level,
        to_level=level,
        reason=reason,
    )
    _event(
        actor,
        subject,
        codes.EventKind.LEVEL,
        _("Supervision level %(old)s → %(new)s: %(reason)s") % {"old": subject.level, "new": level, "reason": reason},
    )
    subject.level = level
    subject.save(update_fields=["level", "updated_at"])
    return change


@transaction.atomic
def level_change(*, actor, subject: Subject, level: SupervisionLevel, reason: str, on=None) -> LevelChange:
    """Change the supervision level (分类管理), with its reason."""
    _require(actor, subject.org)
    subject = _lock(subject)
    _must_be(subject, S.ACTIVE, S.AT_LARGE)
    if level is None or level.pk not in _active_levels():
        raise DomainError(_("Choose a supervision level in use."), field="level")
    if level.pk == subject.level_id:
        raise DomainError(_("The subject is already at this level."), field="level")
    change = _set_level(actor, subject, level, _text(reason, "reason"), _date(on or _today(), "on"))
    audit.record_create(actor=actor, action="corrections.level.change", obj=change)
    return change


SANCTION_LOOKBACK_DAYS = 90


@transaction.atomic
def reward_record(*, actor, subject: Subject, kind: str, on, reason: str, document_number: str = "") -> RewardSanction:
    """考核奖惩. A sanction moves the subject to the strictest level; a praise loosens the level by one
    step when no sanction was recorded in the previous 90 days."""
    _require(actor, subject.org)
    subject = _lock(subject)
    _must_be(subject, S.ACTIVE, S.AT_LARGE)
    kind = _choice(kind, codes.RewardKind, "kind")
    on = _date(on, "on")
    if subject.reported_on and on < subject.reported_on:
        raise DomainError(_("This cannot come before the report."), field="on")
    record = RewardSanction.objects.create(
        subject=subject,
        org_id=subject.org_id,
        recorded_by=_user(actor),
        kind=kind,
        on=on,
        reason=_text(reason, "reason"),
        document_number=_text(document_number, "document_number", required=False, max_length=60),
    )
    label = codes.RewardKind(kind).label
    _event(actor, subject, codes.EventKind.REWARD, f"{label}：{record.reason}")
    levels = policy.levels()
    if kind in codes.SANCTIONS:
        strict = levels[0]
        if subject.level_id != strict.pk:
            _set_level(actor, subject, strict, _("Following: %(what)s") % {"what": label}, on)
    else:
        recent = RewardSanction.objects.filter(
            subject=subject, kind__in=codes.SANCTIONS, on__gte=on - datetime.timedelta(days=SANCTION_LOOKBACK_DAYS)
        ).exists()
        ranks = [lv.pk for lv in levels]
        if not recent and subject.level_id in ranks and ranks.index(subject.level_id) < len(ranks) - 1:
            looser = levels[ranks.index(subject.level_id) + 1]
            _set_level(actor, subject, looser, _("Following: %(what)s") % {"what": label}, on)
    audit.record_create(actor=actor, action=f"corrections.reward.{kind}", obj=record)
    return record


# --- daily supervision -----------------------------------------------------------------------------


@transaction.atomic
def contact_record(*, actor, subject: Subject, kind: str, on, place: str = "", note: str = "") -> Contact:
    """A report (in person, by phone or video) or a field visit. Every one counts as contact."""
    _require(actor, subject.org, Action.CREATE)
    subject = _lock(subject)
    _must_be(subject, S.ACTIVE)
    kind = _choice(kind, codes.ContactKind, "kind")
    on = _date(on, "on")
    if subject.reported_on and on < subject.reported_on:
        raise DomainError(_("This cannot come before the report."), field="on")
    contact = Contact.objects.create(
        subject=subject,
        org_id=subject.org_id,
        recorded_by=_user(actor),
        kind=kind,
        on=on,
        place=_text(place, "place", required=False, max_length=100),
        note=_text(note, "note", required=False, max_length=500),
    )
    if subject.last_contact_on is None or on > subject.last_contact_on:
        subject.last_contact_on = on
        subject.save(update_fields=["last_contact_on", "updated_at"])
    _event(actor, subject, codes.EventKind.CONTACT, f"{codes.ContactKind(kind).label} {on}")
    _resolve_alerts(subject, (codes.AlertKind.LOST_CONTACT,), _("Contact recorded on %(day)s") % {"day": on})
    audit.record_create(actor=actor, action="corrections.contact.record", obj=contact)
    return contact


MAX_HOURS = decimal.Decimal("24")


@transaction.atomic
def activity_record(*, actor, subject: Subject, kind: str, on, hours, content: str) -> Activity:
    """Hours of education and learning or of public-interest activity."""
    _require(actor, subject.org, Action.CREATE)
    _must_be(subject, S.ACTIVE)
    kind = _choice(kind, codes.ActivityKind, "kind")
    on = _date(on, "on")
    try:
        hours = decimal.Decimal(str(hours)).quantize(decimal.Decimal("0.1"))
    except (decimal.InvalidOperation, TypeError, ValueError):
        raise DomainError(_("Enter the hours as a number, e.g. 2.5."), field="hours") from None
    if not (0 < hours <= MAX_HOURS):
        raise DomainError(_("Hours must be more than 0 and at most 24."), field="hours")
    activity = Activity.objects.create(
        subject=subject,
        org_id=subject.org_id,
        recorded_by=_user(actor),
        kind=kind,
        on=on,
        hours=hours,
        content=_text(content, "content", max_length=200),
    )
    _event(actor, subject, codes.EventKind.ACTIVITY, f"{codes.ActivityKind(kind).label} {hours}h {on}")
    audit.record_create(actor=actor, action="corrections.activity.record", obj=activity)
    return activity


MAX_LEAVE_DAYS = 30


@transaction.atomic
def leave_request(*, actor, subject: Subject, destination: str, reason: str, start, end) -> Leave:
    """外出请假. Refused when it overlaps another leave that still holds its dates."""
    _require(actor, subject.org, Action.CREATE)
    subject = _lock(subject)
    _must_be(subject, S.ACTIVE)
    start = _date(start, "start", allow_future=True)
    end = _date(end, "end", allow_future=True)
    if end < start:
        raise DomainError(_("The leave cannot end before it starts."), field="end")
    if (end - start).days + 1 > MAX_LEAVE_DAYS:
        raise DomainError(_("A leave may last at most %(n)d days.") % {"n": MAX_LEAVE_DAYS}, field="end")
    if end > subject.period_end:
        raise DomainError(_("The leave cannot run past the end of the correction period."), field="end")
    clash = Leave.objects.filter(
        subject=subject, status__in=codes.LEAVE_HOLDING, start__lte=end, end__gte=start
    ).first()
    if clash is not None:
        raise DomainError(
            _("This leave overlaps the leave of %(start)s to %(end)s.") % {"start": clash.start, "end": clash.end},
            field="start",
            code="overlap",
        )
    leave = Leave.objects.create(
        subject=subject,
        org_id=subject.org_id,
        recorded_by=_user(actor),
        destination=_text(destination, "destination", max_length=100),
        reason=_text(reason, "reason"),
        start=start,
        end=end,
    )
    _event(
        actor,
        subject,
        codes.EventKind.LEAVE,
        _("Leave requested: %(dest)s, %(start)s to %(end)s") % {"dest": leave.destination, "start": start, "end": end},
    )
    audit.record_create(actor=actor, action="corrections.leave.request", obj=leave)
    return leave


def _lock_leave(leave: Leave) -> Leave:
    return Leave.objects.select_for_update().get(pk=leave.pk)


@transaction.atomic
def leave_decide(*, actor, leave: Leave, approve: bool, note: str = "") -> Leave:
    _require(actor, leave.org, Action.CHANGE)
    leave = _lock_leave(leave)
    if leave.status != codes.LeaveStatus.REQUESTED:
        raise DomainError(_("This leave has already been decided."), code="illegal_transition")
    if not approve and not (note or "").strip():
        raise DomainError(_("Give the reason for refusing."), field="note")
    before = audit.snapshot(leave)
    leave.status = codes.LeaveStatus.APPROVED if approve else codes.LeaveStatus.REFUSED
    leave.decided_by = _user(actor)
    leave.decided_at = timezone.now()
    leave.decision_note = _text(note, "note", required=False)
    leave.save()
    _event(actor, leave.subject, codes.EventKind.LEAVE, f"{leave.get_status_display()}：{leave.destination}")
    audit.record_update(actor=actor, action="corrections.leave.decide", obj=leave, before=before)
    _bump_generation()
    return leave


@transaction.atomic
def leave_return(*, actor, leave: Leave, returned_on) -> Leave:
    """销假: the subject is back and reported; counts as contact, and closes a 'not back' alert."""
    _require(actor, leave.org, Action.CHANGE)
    leave = _lock_leave(leave)
    if leave.status != codes.LeaveStatus.APPROVED:
        raise DomainError(_("Only an approved leave can be closed by a return."), code="illegal_transition")
    returned_on = _date(returned_on, "returned_on")
    if returned_on < leave.start:
        raise DomainError(_("The return cannot come before the leave started."), field="returned_on")
    before = audit.snapshot(leave)
    leave.status = codes.LeaveStatus.RETURNED
    leave.returned_on = returned_on
    leave.save()
    subject = _lock(leave.subject)
    Contact.objects.create(
        subject=subject,
        org_id=subject.org_id,
        recorded_by=_user(actor),
        kind=codes.ContactKind.REPORT_IN_PERSON,
        on=returned_on,
        note=_("Back from leave"),
    )
    if subject.last_contact_on is None or returned_on > subject.last_contact_on:
        subject.last_contact_on = returned_on
        subject.save(update_fields=["last_contact_on", "updated_at"])
    late = (returned_on - leave.end).days
    text = _("Back from leave on %(day)s") % {"day": returned_on}
    if late > 0:
        text += _(" (%(n)d days late)") % {"n": late}
    _event(actor, subject, codes.EventKind.LEAVE, text)
    _resolve_alerts(subject, (codes.AlertKind.LEAVE_OVERDUE, codes.AlertKind.LOST_CONTACT), text)
    audit.record_update(actor=actor, action="corrections.leave.return", obj=leave, before=before)
    _bump_generation()
    return leave


@transaction.atomic
def leave_cancel(*, actor, leave: Leave, note: str = "") -> Leave:
    _require(actor, leave.org, Action.CHANGE)
    leave = _lock_leave(leave)
    if leave.status not in (codes.LeaveStatus.REQUESTED, codes.LeaveStatus.APPROVED) or (
        leave.status == codes.LeaveStatus.APPROVED and leave.start <= _today()
    ):
        raise DomainError(_("Only a leave that has not started can be cancelled."), code="illegal_transition")
    before = audit.snapshot(leave)
    leave.status = codes.LeaveStatus.CANCELLED
    leave.decision_note = _text(note, "note", required=False)
    leave.save()
    _event(actor, leave.subject, codes.EventKind.LEAVE, _("Leave cancelled: %(dest)s") % {"dest": leave.destination})
    audit.record_update(actor=actor, action="corrections.leave.cancel", obj=leave, before=before)
    _bump_generation()
    return leave


# Tables whose rows follow a subject to its new office when the residence moves.
def _subject_tables():
    return [
        Activity,
        Contact,
        Leave,
        LevelChange,
        ResidenceChange,
        RewardSanction,
        SubjectEvent,
        TeamMember,
        Alert,
        PositioningMeasure,
        Fence,
    ]


@transaction.atomic
def residence_change(
    *, actor, subject: Subject, to_org: OrgNode, on, reason: str, address: str = ""
) -> ResidenceChange:
    """A change of residence. A move to a village of another office moves the whole file there (the
    receiving office then executes the corrections), and the social worker is reassigned there."""
    from . import selectors

    _require(actor, subject.org)
    subject = _lock(subject)
    _must_be(subject, S.ACTIVE, S.PENDING)
    _check_org(to_org)
    if to_org.pk == subject.org_id:
        raise DomainError(_("The subject already lives there."), field="to_org")
    from . import selectors as _selectors

    if not _selectors.residence_targets(subject).filter(pk=to_org.pk).exists():
        raise DomainError(
            _("A move out of the county is a transfer of the execution, not a change of residence."),
            field="to_org",
        )
    on = _date(on, "on")
    before = audit.snapshot(subject)
    change = ResidenceChange.objects.create(
        subject=subject,
        org_id=subject.org_id,
        recorded_by=_user(actor),
        on=on,
        from_org_id=subject.org_id,
        to_org=to_org,
        address=_text(address, "address", required=False, max_length=200),
        reason=_text(reason, "reason"),
    )
    old_office = subject.office_id
    subject.org = to_org
    if address:
        subject.address = change.address
    subject.save()
    if subject.office_id != old_office:
        for model in _subject_tables():
            rows = model.objects.filter(subject=subject)
            rows.filter(org_id=old_office).update(org_id=subject.office_id, office_id=subject.office_id)
            rows.exclude(office_id=subject.office_id).update(office_id=subject.office_id)
        AlertEvent.objects.filter(alert__subject=subject).update(org_id=subject.office_id, office_id=subject.office_id)
        ResidenceChange.objects.filter(pk=change.pk).update(office_id=subject.office_id)
        devices = DeviceBinding.objects.filter(subject=subject).values_list("device_id", flat=True)
        Fix.objects.filter(device_id__in=list(devices), subject_id=subject.pk).update(office_id=subject.office_id)
        DeviceBinding.objects.filter(subject=subject).update(org_id=subject.office_id, office_id=subject.office_id)
        subject.worker = selectors.suggest_worker(subject.office_id)
        subject.save(update_fields=["worker", "updated_at"])
        _bump_generation()
    _event(
        actor,
        subject,
        codes.EventKind.RESIDENCE,
        _("Moved to %(place)s on %(day)s") % {"place": to_org.name, "day": on},
    )
    audit.record_update(actor=actor, action="corrections.subject.residence", obj=subject, before=before)
    return change


@transaction.atomic
def subject_at_large(*, actor, subject: Subject, since, note: str) -> Subject:
    """在逃: the subject is declared at large (an explicit status, not just a lost contact)."""
    _require(actor, subject.org)
    subject = _lock(subject)
    _must_be(subject, S.ACTIVE)
    since = _date(since, "since")
    before = audit.snapshot(subject)
    subject.status = S.AT_LARGE
    subject.at_large_since = since
    subject.save()
    _event(
        actor,
        subject,
        codes.EventKind.AT_LARGE,
        _("At large since %(day)s: %(note)s") % {"day": since, "note": _text(note, "note")},
    )
    audit.record_update(actor=actor, action="corrections.subject.at_large", obj=subject, before=before)
    return subject


@transaction.atomic
def subject_found(*, actor, subject: Subject, on, note: str) -> Subject:
    """The subject is back under supervision; counts as contact."""
    _require(actor, subject.org)
    subject = _lock(subject)
    _must_be(subject, S.AT_LARGE)
    on = _date(on, "on")
    if on < subject.at_large_since:
        raise DomainError(_("This cannot come before the subject went missing."), field="on")
    before = audit.snapshot(subject)
    subject.status = S.ACTIVE
    subject.at_large_since = None
    subject.last_contact_on = max(filter(None, [subject.last_contact_on, on]))
    subject.save()
    Contact.objects.create(
        subject=subject,
        org_id=subject.org_id,
        recorded_by=_user(actor),
        kind=codes.ContactKind.REPORT_IN_PERSON,
        on=on,
        note=_text(note, "note"),
    )
    _event(actor, subject, codes.EventKind.FOUND, _("Back under supervision on %(day)s") % {"day": on})
    _resolve_alerts(subject, codes.LOST_KINDS, _("Back under supervision on %(day)s") % {"day": on})
    audit.record_update(actor=actor, action="corrections.subject.found", obj=subject, before=before)
    return subject


@transaction.atomic
def subject_end(*, actor, subject: Subject, kind: str, on, document_on, document_number: str = "") -> Subject:
    """解除 (term expired, pardon) or 终止 (revocation and committal, death). Ends the subject's
    positioning measures and frees their devices."""
    _require(actor, subject.org)
    subject = _lock(subject)
    kind = _choice(kind, codes.EndKind, "kind")
    if kind in (codes.EndKind.EXPIRED, codes.EndKind.PARDON):
        _must_be(subject, S.ACTIVE)
    else:
        _must_be(subject, *codes.OPEN_STATUSES)
    on = _date(on, "on")
    document_on = _date(document_on, "document_on")
    if kind == codes.EndKind.EXPIRED and on < subject.period_end:
        raise DomainError(
            _("The term expires on %(day)s; it cannot be released as expired before then.")
            % {"day": subject.period_end},
            field="on",
        )
    if subject.reported_on and on < subject.reported_on:
        raise DomainError(_("This cannot come before the report."), field="on")
    before = audit.snapshot(subject)
    subject.status = codes.END_STATUS[kind]
    subject.end_kind = kind
    subject.ended_on = on
    subject.end_document_on = document_on
    subject.end_document_number = _text(document_number, "document_number", required=False, max_length=60)
    subject.save()
    for measure in PositioningMeasure.objects.filter(
        subject=subject, status__in=(codes.MeasureStatus.APPROVED, codes.MeasureStatus.REQUESTED)
    ):
        _end_measure(actor, measure, min(max(on, measure.start), measure.end), _("Corrections ended"))
    _event(actor, subject, codes.EventKind.ENDED, f"{codes.EndKind(kind).label} {on}")
    _resolve_alerts(subject, tuple(codes.AlertKind.values), _("Corrections ended"))
    audit.record_update(actor=actor, action="corrections.subject.end", obj=subject, before=before)
    return subject


# --- positioning measures (article 29) ---------------------------------------------------------------


def _check_span(start, end):
    if end < start:
        raise DomainError(_("The measure cannot end before it starts."), field="end")
    if end > add_months(start, codes.MEASURE_MAX_MONTHS):
        raise DomainError(
            _("A positioning measure lasts at most 3 months (until %(day)s at the latest).")
            % {"day": add_months(start, codes.MEASURE_MAX_MONTHS)},
            field="end",
        )


def _check_interval(seconds):
    try:
        seconds = int(seconds)
    except (TypeError, ValueError):
        raise DomainError(_("Enter the fix interval in seconds."), field="interval_seconds") from None
    if not 10 <= seconds <= 3600:
        raise DomainError(_("The fix interval must be between 10 and 3600 seconds."), field="interval_seconds")
    return seconds


@transaction.atomic
def measure_request(
    *, actor, subject: Subject, ground: str, facts: str, start, end, interval_seconds: int = 60
) -> PositioningMeasure:
    """Ask the county bureau for a positioning measure on one of the five grounds of article 29."""
    _require(actor, subject.org, Action.CREATE)
    _person(actor, _("Asking for a positioning measure"))
    subject = _lock(subject)
    _must_be(subject, S.ACTIVE, message=_("Positioning is only for a subject under correction."))
    if ground not in codes.Ground.values:
        raise DomainError(
            _("A positioning measure needs one of the five legal grounds of article 29."),
            field="ground",
            code="no_legal_ground",
        )
    start = _date(start, "start", allow_future=True)
    end = _date(end, "end", allow_future=True)
    if start < _today():
        raise DomainError(_("A measure cannot start in the past."), field="start")
    _check_span(start, end)
    if end > subject.period_end:
        raise DomainError(_("The measure cannot run past the end of the correction period."), field="end")
    clash = PositioningMeasure.objects.filter(
        subject=subject,
        status__in=(codes.MeasureStatus.REQUESTED, codes.MeasureStatus.APPROVED),
        start__lte=end,
        end__gte=start,
    ).exists()
    if clash:
        raise DomainError(_("The subject already has a measure for these dates."), field="start", code="overlap")
    measure = PositioningMeasure.objects.create(
        subject=subject,
        org_id=subject.org_id,
        ground=ground,
        facts=_text(facts, "facts", max_length=2000),
        start=start,
        end=end,
        interval_seconds=_check_interval(interval_seconds),
        requested_by=_user(actor),
    )
    _event(
        actor,
        subject,
        codes.EventKind.MEASURE,
        _("Positioning requested (%(ground)s), %(start)s to %(end)s")
        % {"ground": measure.get_ground_display(), "start": start, "end": end},
    )
    audit.record_create(actor=actor, action="corrections.measure.request", obj=measure)
    return measure


def may_approve(actor, measure: PositioningMeasure) -> bool:
    """Only the head of the county bureau (the bureau-head role, at a bureau above the subject's
    office) approves; nobody approves a measure they requested."""
    if actor is None or Role.BUREAU_HEAD not in getattr(actor, "role_codes", ()):
        return False
    if actor.org.kind in (OrgKind.TOWN, OrgKind.VILLAGE):
        return False
    if measure.requested_by_id == getattr(actor, "pk", None):
        return False
    return in_scope(actor, measure.office, Action.APPROVE, Module.CORRECTIONS)


def _lock_measure(measure) -> PositioningMeasure:
    return PositioningMeasure.objects.select_for_update().select_related("subject").get(pk=measure.pk)


@transaction.atomic
def measure_decide(*, actor, measure: PositioningMeasure, approve: bool, note: str = "") -> PositioningMeasure:
    """The county bureau head approves or refuses a requested measure (or extension)."""
    measure = _lock_measure(measure)
    if not may_approve(actor, measure):
        raise Forbidden(_("Only the head of the county justice bureau may approve a positioning measure."))
    if measure.status != codes.MeasureStatus.REQUESTED:
        raise DomainError(_("This measure has already been decided."), code="illegal_transition")
    if approve:
        if measure.end < _today():
            raise DomainError(_("The requested period has already passed; ask again."), code="expired")
        if measure.subject.status != S.ACTIVE:
            raise DomainError(_("Positioning is only for a subject under correction."), code="illegal_transition")
    elif not (note or "").strip():
        raise DomainError(_("Give the reason for refusing."), field="note")
    before = audit.snapshot(measure)
    measure.status = codes.MeasureStatus.APPROVED if approve else codes.MeasureStatus.REFUSED
    measure.decided_by = _user(actor)
    measure.decided_at = timezone.now()
    measure.decision_note = _text(note, "note", required=False)
    measure.save()
    _event(
        actor,
        measure.subject,
        codes.EventKind.MEASURE,
        _("Positioning %(what)s by %(who)s") % {"what": measure.get_status_display(), "who": actor},
    )
    audit.record_update(actor=actor, action="corrections.measure.decide", obj=measure, before=before)
    _bump_generation()
    return measure


@transaction.atomic
def measure_extend(
    *, actor, measure: PositioningMeasure, reassessment: str, end, facts: str = ""
) -> PositioningMeasure:
    """Ask to extend an approved measure by at most 3 months, after a reassessment. The extension is a
    new measure starting the day after, and needs its own approval."""
    _require(actor, measure.org, Action.CREATE)
    _person(actor, _("Asking for an extension"))
    measure = _lock_measure(measure)
    if measure.status != codes.MeasureStatus.APPROVED or measure.ended_on:
        raise DomainError(_("Only a measure in force can be extended."), code="illegal_transition")
    if measure.end < _today():
        raise DomainError(_("This measure has run out; ask for a new one."), code="illegal_transition")
    if PositioningMeasure.objects.filter(extends=measure).exclude(status=codes.MeasureStatus.REFUSED).exists():
        raise DomainError(_("An extension of this measure has already been asked for."), code="duplicate")
    reassessment = _text(reassessment, "reassessment", max_length=2000)
    if len(reassessment) < 10:
        raise DomainError(_("Describe the reassessment: why positioning is still needed."), field="reassessment")
    start = measure.end + datetime.timedelta(days=1)
    end = _date(end, "end", allow_future=True)
    _check_span(start, end)
    subject = measure.subject
    if end > subject.period_end:
        raise DomainError(_("The measure cannot run past the end of the correction period."), field="end")
    PositioningMeasure.objects.filter(extends=measure, status=codes.MeasureStatus.REFUSED).update(extends=None)
    extension = PositioningMeasure.objects.create(
        subject=subject,
        org_id=measure.org_id,
        ground=measure.ground,
        facts=_text(facts, "facts", required=False, max_length=2000) or measure.facts,
        start=start,
        end=end,
        interval_seconds=measure.interval_seconds,
        extends=measure,
        reassessment=reassessment,
        requested_by=_user(actor),
    )
    _event(
        actor,
        subject,
        codes.EventKind.MEASURE,
        _("Extension requested, %(start)s to %(end)s") % {"start": start, "end": end},
    )
    audit.record_create(actor=actor, action="corrections.measure.extend", obj=extension)
    return extension


def _end_measure(actor, measure: PositioningMeasure, on, reason: str):
    before = audit.snapshot(measure)
    if measure.status == codes.MeasureStatus.REQUESTED:
        measure.status = codes.MeasureStatus.REFUSED
        measure.decision_note = reason
    else:
        measure.status = codes.MeasureStatus.ENDED
        measure.ended_on = on
        measure.end_reason = reason
    measure.save()
    for device in Device.objects.filter(measure=measure):
        device.measure = None
        device.bound_at = None
        device.save(update_fields=["measure", "bound_at", "updated_at"])
    DeviceBinding.objects.filter(measure=measure, unbound_at__isnull=True).update(unbound_at=timezone.now())
    _event(
        actor,
        measure.subject,
        codes.EventKind.MEASURE,
        _("Positioning ended on %(day)s: %(reason)s") % {"day": on, "reason": reason},
    )
    audit.record_update(actor=actor, action="corrections.measure.end", obj=measure, before=before)
    _bump_generation()


@transaction.atomic
def measure_end(*, actor, measure: PositioningMeasure, on, reason: str) -> PositioningMeasure:
    """End a measure early because it is no longer needed (article 29 requires it)."""
    _require(actor, measure.org)
    measure = _lock_measure(measure)
    if measure.status != codes.MeasureStatus.APPROVED or measure.ended_on:
        raise DomainError(_("Only a measure in force can be ended."), code="illegal_transition")
    on = _date(on, "on", allow_future=True)
    if on < measure.start or on > measure.end:
        raise DomainError(_("The end date must fall within the measure."), field="on")
    _end_measure(actor, measure, on, _text(reason, "reason"))
    return measure


# --- devices and fences ------------------------------------------------------------------------------


@transaction.atomic
def device_register(
    *, actor, org: OrgNode, identifier: str, kind: str, imei: str = "", phone_number: str = "", vendor: str = ""
) -> Device:
    _require(actor, org, Action.CREATE)
    identifier = _text(identifier, "identifier", max_length=64)
    if Device.objects.filter(identifier=identifier).exists():
        raise DomainError(_("A device with this identifier is already registered."), field="identifier")
    device = Device(
        org=org.office if org.kind == OrgKind.VILLAGE else org,
        identifier=identifier,
        kind=_choice(kind, codes.DeviceKind, "kind"),
        imei=_text(imei, "imei", required=False, max_length=20),
        phone_number=_text(phone_number, "phone_number", required=False, max_length=20),
        vendor=_text(vendor, "vendor", required=False, max_length=60),
    )
    device.save()
    audit.record_create(actor=actor, action="corrections.device.register", obj=device)
    return device


@transaction.atomic
def device_bind(*, actor, device: Device, measure: PositioningMeasure) -> Device:
    """Bind a device to an approved measure in force: only then are its fixes accepted."""
    _require(actor, measure.org)
    device = Device.objects.select_for_update().get(pk=device.pk)
    measure = _lock_measure(measure)
    if device.retired:
        raise DomainError(_("This device is retired."), field="device")
    if device.office_id != measure.office_id:
        raise DomainError(_("The device belongs to another office."), field="device")
    if measure.status != codes.MeasureStatus.APPROVED or measure.ended_on or measure.end < _today():
        raise DomainError(
            _("A device can only be bound to an approved positioning measure in force."), code="no_measure"
        )
    if device.measure_id and device.measure_id != measure.pk:
        current = device.measure
        if current.status == codes.MeasureStatus.APPROVED and not current.ended_on and current.end >= _today():
            raise DomainError(_("The device is bound to another measure in force."), field="device")
    before = audit.snapshot(device)
    now = timezone.now()
    DeviceBinding.objects.filter(device=device, unbound_at__isnull=True).update(unbound_at=now)
    device.measure = measure
    device.bound_at = now
    device.save()
    DeviceBinding.objects.create(
        device=device, measure=measure, subject_id=measure.subject_id, org_id=device.org_id, bound_at=now
    )
    _event(actor, measure.subject, codes.EventKind.DEVICE, _("Device %(id)s bound") % {"id": device.identifier})
    audit.record_update(actor=actor, action="corrections.device.bind", obj=device, before=before)
    _bump_generation()
    return device


@transaction.atomic
def device_unbind(*, actor, device: Device, reason: str) -> Device:
    _require(actor, device.org)
    device = Device.objects.select_for_update().get(pk=device.pk)
    if device.measure_id is None:
        raise DomainError(_("The device is not bound."), code="illegal_transition")
    before = audit.snapshot(device)
    subject = device.measure.subject
    device.measure = None
    device.bound_at = None
    device.save()
    DeviceBinding.objects.filter(device=device, unbound_at__isnull=True).update(unbound_at=timezone.now())
    _event(
        actor,
        subject,
        codes.EventKind.DEVICE,
        _("Device %(id)s unbound: %(reason)s") % {"id": device.identifier, "reason": _text(reason, "reason")},
    )
    audit.record_update(actor=actor, action="corrections.device.unbind", obj=device, before=before)
    _bump_generation()
    return device


@transaction.atomic
def device_retire(*, actor, device: Device, reason: str) -> Device:
    """Take a device out of service (lost, broken, returned to the vendor); it must be unbound first."""
    _require(actor, device.org)
    device = Device.objects.select_for_update().get(pk=device.pk)
    if device.retired:
        raise DomainError(_("This device is retired."), code="illegal_transition")
    if device.measure_id is not None:
        raise DomainError(_("Unbind the device from its measure first."), code="illegal_transition")
    reason = _text(reason, "reason")
    before = audit.snapshot(device)
    device.retired = True
    device.save()
    audit.record(
        actor=actor,
        action="corrections.device.retire",
        kind=AuditKind.UPDATE,
        obj=device,
        changes={**audit.diff(before, audit.snapshot(device)), "reason": reason},
    )
    _bump_generation()
    return device


@transaction.atomic
def fence_deactivate(*, actor, fence: Fence, reason: str) -> Fence:
    """Lift a fence (a prohibition order that ended, a subject's own area no longer needed): it stops
    being tested from the next batch on. The office's default area can only be redrawn."""
    _require(actor, fence.org)
    fence = Fence.objects.select_for_update().get(pk=fence.pk)
    if not fence.active:
        raise DomainError(_("This fence is no longer in force."), code="illegal_transition")
    if fence.kind == codes.FenceKind.AREA and fence.subject_id is None:
        raise DomainError(_("The office's default permitted area cannot be lifted; redraw it instead."))
    before = audit.snapshot(fence)
    fence.active = False
    fence.save()
    reason = _text(reason, "reason")
    if fence.subject_id:
        _event(
            actor,
            fence.subject,
            codes.EventKind.CHANGED,
            _("Fence lifted: %(name)s (%(reason)s)") % {"name": fence.name, "reason": reason},
        )
    audit.record_update(actor=actor, action="corrections.fence.deactivate", obj=fence, before=before)
    _bump_generation()
    return fence


def _polygon(points):
    from .geo import validate_polygon

    messages = {
        "too_few_points": _("A fence needs at least three distinct points."),
        "bad_point": _("Each point is a pair: longitude, latitude."),
        "out_of_range": _("A point lies outside valid coordinates (longitude −180…180, latitude −90…90)."),
        "self_intersecting": _("The fence's edges cross each other or enclose no area."),
    }
    try:
        return validate_polygon(points)
    except (ValueError, TypeError) as exc:
        raise DomainError(messages.get(str(exc), messages["bad_point"]), field="polygon") from None


@transaction.atomic
def fence_save(
    *,
    actor,
    org: OrgNode,
    kind: str,
    name: str,
    polygon,
    subject: Subject | None = None,
    fence: Fence | None = None,
    datum: str = codes.Datum.WGS84,
) -> Fence:
    """Create or redraw a fence. Points given in GCJ-02 (read off a Chinese map) are stored as WGS-84."""
    from .geo import gcj_to_wgs

    target = subject.org if subject else org
    _require(actor, target, Action.CREATE if fence is None else Action.CHANGE)
    kind = _choice(kind, codes.FenceKind, "kind")
    if kind == codes.FenceKind.BANNED and subject is None:
        raise DomainError(_("A banned place belongs to the subject whose prohibition order names it."), field="subject")
    points = _polygon(polygon)
    if datum == codes.Datum.GCJ02:
        lats, lons = gcj_to_wgs([p[1] for p in points], [p[0] for p in points])
        points = [[round(float(lo), 7), round(float(la), 7)] for la, lo in zip(lats, lons, strict=True)]
    if fence is None:
        fence = Fence(org=subject.org if subject else (org.office if org.kind == OrgKind.VILLAGE else org))
        before = None
    else:
        fence = Fence.objects.select_for_update().get(pk=fence.pk)
        before = audit.snapshot(fence)
    fence.kind = kind
    fence.name = _text(name, "name", max_length=100)
    fence.subject = subject
    fence.polygon = points
    try:
        with transaction.atomic():
            fence.save()
    except IntegrityError:
        raise DomainError(
            _("The office already has a default permitted area; redraw it instead."), field="kind"
        ) from None
    if before is None:
        audit.record_create(actor=actor, action="corrections.fence.create", obj=fence)
    else:
        audit.record_update(actor=actor, action="corrections.fence.update", obj=fence, before=before)
    _bump_generation()
    return fence


# --- alerts ----------------------------------------------------------------------------------------


def alert_raise(
    *,
    subject_id: int,
    office_id: int,
    org_id: int,
    kind: str,
    key: str,
    measure_id=None,
    first_at=None,
    last_at=None,
    seq_from=None,
    seq_to=None,
    details=None,
) -> tuple[Alert, bool]:
    """Raise an alert once: the (subject, key) pair is unique, so a repeated detection finds the
    alert it raised before. Runs inside the caller's transaction (a sweep or an ingest batch)."""
    existing = Alert.objects.filter(subject_id=subject_id, key=key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                subject_id=subject_id,
                org_id=org_id,
                office_id=office_id,
                kind=kind,
                key=key,
                measure_id=measure_id,
                first_at=first_at,
                last_at=last_at,
                seq_from=seq_from,
                seq_to=seq_to,
                details=details or {},
            )
    except IntegrityError:
        return Alert.objects.get(subject_id=subject_id, key=key), False
    AlertEvent.objects.create(alert=alert, org_id=org_id, office_id=office_id, step="raised", at=alert.raised_at)
    SubjectEvent.objects.create(
        subject_id=subject_id,
        org_id=org_id,
        office_id=office_id,
        kind=codes.EventKind.ALERT,
        text=str(codes.AlertKind(kind).label),
        at=alert.raised_at,
    )
    audit.record(actor=None, action=f"corrections.alert.{kind}", obj=alert)
    return alert, True


def _resolve_alerts(subject: Subject, kinds, result: str):
    """A record that answers an alert (the subject reported, was contacted, came back) marks the
    open alerts it answers as handled; a person still closes them."""
    now = timezone.now()
    for alert in Alert.objects.filter(
        subject=subject, kind__in=kinds, status__in=(codes.AlertStatus.RAISED, codes.AlertStatus.ACKNOWLEDGED)
    ):
        alert.status = codes.AlertStatus.HANDLED
        alert.handled_at = now
        alert.action_taken = alert.action_taken or str(_("Recorded in the subject's file"))
        alert.result = result[:500]
        alert.save(update_fields=["status", "handled_at", "action_taken", "result", "updated_at"])
        AlertEvent.objects.create(alert=alert, org_id=alert.org_id, step="handled", note=result[:500])


def _alert_step(actor, alert: Alert, step: str) -> Alert:
    _require(actor, alert.org)
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    allowed, target = codes.ALERT_TRANSITIONS[step]
    if alert.status not in allowed:
        raise DomainError(
            _("This alert is “%(status)s”; that step is not possible now.") % {"status": alert.get_status_display()},
            code="illegal_transition",
        )
    alert._before = audit.snapshot(alert)
    alert.status = target
    return alert


def _alert_done(actor, alert: Alert, step: str, note: str):
    alert.save()
    AlertEvent.objects.create(alert=alert, org_id=alert.org_id, step=step, actor=_user(actor), note=note[:500])
    audit.record_update(actor=actor, action=f"corrections.alert.{step}", obj=alert, before=alert._before)
    return alert


@transaction.atomic
def alert_acknowledge(*, actor, alert: Alert, note: str = "") -> Alert:
    alert = _alert_step(actor, alert, "acknowledge")
    alert.acknowledged_by = _user(actor)
    alert.acknowledged_at = timezone.now()
    return _alert_done(actor, alert, "acknowledged", _text(note, "note", required=False, max_length=500))


@transaction.atomic
def alert_handle(*, actor, alert: Alert, action_taken: str, result: str) -> Alert:
    alert = _alert_step(actor, alert, "handle")
    alert.action_taken = _text(action_taken, "action_taken", max_length=500)
    alert.result = _text(result, "result", max_length=500)
    alert.handled_by = _user(actor)
    alert.handled_at = timezone.now()
    if alert.acknowledged_at is None:
        alert.acknowledged_by, alert.acknowledged_at = alert.handled_by, alert.handled_at
    return _alert_done(actor, alert, "handled", f"{alert.action_taken} → {alert.result}")


@transaction.atomic
def alert_close(*, actor, alert: Alert, note: str = "") -> Alert:
    alert = _alert_step(actor, alert, "close")
    alert.closed_by = _user(actor)
    alert.closed_at = timezone.now()
    return _alert_done(actor, alert, "closed", _text(note, "note", required=False, max_length=500))


# --- policy ----------------------------------------------------------------------------------------

POLICY_FIELDS = [
    "corrections_ratio",
    "resettlement_ratio",
    "report_deadline_days",
    "intake_phase_months",
    "release_phase_months",
    "escalate_after_hours",
    "signal_lost_minutes",
    "low_battery_percent",
    "fence_buffer_m",
    "fence_consecutive",
    "co_offender_distance_m",
    "co_offender_window_minutes",
    "location_retention_days",
]
POLICY_BOUNDS = {
    "corrections_ratio": (1, 100),
    "resettlement_ratio": (1, 500),
    "report_deadline_days": (1, 60),
    "intake_phase_months": (1, 12),
    "release_phase_months": (1, 6),
    "escalate_after_hours": (1, 240),
    "signal_lost_minutes": (5, 1440),
    "low_battery_percent": (1, 90),
    "fence_buffer_m": (0, 1000),
    "fence_consecutive": (1, 20),
    "co_offender_distance_m": (10, 5000),
    "co_offender_window_minutes": (1, 240),
    "location_retention_days": (7, 3650),
}


@transaction.atomic
def policy_update(*, actor, version: str | None = None, **values):
    """Retune the bureau's rules; only a city administrator may (they bind every office)."""
    if actor is not None and Role.CITY_ADMIN not in actor.role_codes:
        raise Forbidden(_("Only a city administrator may change the corrections policy."))
    current = policy.current()
    current = type(current).objects.select_for_update().get(pk=current.pk)
    audit.check_version(current, version)
    before = audit.snapshot(current)
    for field, value in values.items():
        if field not in POLICY_FIELDS:
            continue
        low, high = POLICY_BOUNDS[field]
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise DomainError(_("Enter a whole number."), field=field) from None
        if not low <= number <= high:
            raise DomainError(_("Enter a number from %(low)d to %(high)d.") % {"low": low, "high": high}, field=field)
        setattr(current, field, number)
    current.save()
    audit.record_update(actor=actor, action="corrections.policy.update", obj=current, before=before)
    _bump_generation()
    return current


@transaction.atomic
def level_update(*, actor, level: SupervisionLevel, name: str, report_days, visit_days, lost_contact_days):
    if actor is not None and Role.CITY_ADMIN not in actor.role_codes:
        raise Forbidden(_("Only a city administrator may change the corrections policy."))
    level = SupervisionLevel.objects.select_for_update().get(pk=level.pk)
    before = audit.snapshot(level)
    level.name = _text(name, "name", max_length=20)
    for field, value in (
        ("report_days", report_days),
        ("visit_days", visit_days),
        ("lost_contact_days", lost_contact_days),
    ):
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise DomainError(_("Enter a whole number."), field=field) from None
        if not 1 <= number <= 365:
            raise DomainError(_("Enter a number from %(low)d to %(high)d.") % {"low": 1, "high": 365}, field=field)
        setattr(level, field, number)
    level.save()
    audit.record_update(actor=actor, action="corrections.level.update", obj=level, before=before)
    return level
