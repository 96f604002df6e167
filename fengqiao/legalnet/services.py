"""Writes to the service network: setting up, changing and closing an office's service points and
their people on duty, assigning legal advisors to villages (through the accounts service, which
owns `served_villages`), and the advisors' work logs. Each function is one transaction with its
audit event; a refusal raises DomainError and changes nothing."""

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
from fengqiao.core.permissions import Action, Module, Role
from fengqiao.core.scoping import in_scope
from fengqiao.core.validators import normalize_phone, validate_phone
from fengqiao.orgs.models import OrgKind, OrgNode

from . import codes
from .models import AdvisorAssignment, PointStaff, ServicePoint, WorkLog

audit.register_actions(
    {
        "legalnet.point_open": gettext_lazy("Set up a service point"),
        "legalnet.point_update": gettext_lazy("Changed a service point"),
        "legalnet.point_close": gettext_lazy("Closed a service point"),
        "legalnet.staff_add": gettext_lazy("Put a person on duty at a service point"),
        "legalnet.staff_remove": gettext_lazy("Took a person off duty at a service point"),
        "legalnet.advisor_assign": gettext_lazy("Assigned a legal advisor to a village"),
        "legalnet.advisor_unassign": gettext_lazy("Ended a legal advisor's service of a village"),
        "legalnet.worklog_add": gettext_lazy("Recorded a legal advisor's work"),
        "legalnet.worklog_update": gettext_lazy("Changed a legal advisor's work log"),
    }
)

CLOSED_MESSAGE = gettext_lazy("This service point is closed; it can no longer be changed.")


# --- helpers -----------------------------------------------------------------------------------------


def _today():
    return timezone.localdate()


def _user(actor):
    from fengqiao.accounts.models import User

    return actor if isinstance(actor, User) else None


_actor_repr = checks.actor_repr


def _require(actor, org: OrgNode, action: str, message=None):
    # actor None is the platform itself (the demo seeder).
    if actor is not None and not in_scope(actor, org, action, Module.LEGAL_SERVICES):
        raise Forbidden(message or _("You may not keep the service network of another unit."))


def _check_date(value, field: str, *, allow_future=False):
    return checks.check_date(value, field, today=_today(), allow_future=allow_future, earliest_year=1950)


def _text(value, field: str, message, max_length: int = 2000, *, required=True) -> str:
    value = (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()
    if required and not value:
        raise DomainError(message, field=field)
    if len(value) > max_length:
        raise DomainError(_("Too long: at most %(max)s characters.") % {"max": max_length}, field=field)
    return value


def _phone(value, field="phone") -> str:
    phone = normalize_phone(value or "")
    if phone:
        try:
            validate_phone(phone)
        except ValidationError as exc:
            raise DomainError(exc.messages[0], field=field) from None
    return phone


def _office(actor, office: OrgNode, action: str) -> OrgNode:
    if office is None or office.kind != OrgKind.TOWN:
        raise DomainError(_("Service points belong to a judicial office: choose an office."), field="office")
    _require(actor, office, action)
    if not office.is_active:
        raise DomainError(_("The unit is deactivated."), field="office")
    return office


def _is_office_staff(actor, village: OrgNode, action: str) -> bool:
    """Whether `actor` works for the village's office (not only in the village as an advisor)."""
    if actor is None:
        return True
    office = village if village.kind != OrgKind.VILLAGE else OrgNode.objects.get(pk=village.office_id)
    return in_scope(actor, office, action, Module.LEGAL_SERVICES)


# --- service points ----------------------------------------------------------------------------------


def _kind(value):
    if value not in codes.PointKind.values:
        raise DomainError(_("Choose one of the five kinds of service point."), field="kind")
    return value


def _check_no_open(office_id: int, kind: str, exclude_pk=None):
    qs = ServicePoint.objects.filter(office_id=office_id, kind=kind, status=codes.PointStatus.OPEN)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    found = qs.first()
    if found is not None:
        raise DomainError(
            _("The office already has an open %(kind)s (“%(name)s”); close it first.")
            % {"kind": codes.PointKind(kind).label, "name": found.name},
            field="kind",
            code="duplicate",
        )


def _save_point(point: ServicePoint):
    # The partial unique index is the last word when two people set up the same kind at once.
    try:
        with transaction.atomic():
            point.save()
    except IntegrityError:
        raise Conflict(
            _("The office already has an open point of this kind."), field="kind", code="duplicate"
        ) from None


@transaction.atomic
def point_open(
    *,
    actor,
    office: OrgNode,
    kind: str,
    partner: str,
    hours: str,
    address: str,
    opened_on: datetime.date,
    name: str = "",
    phone: str = "",
    note: str = "",
) -> ServicePoint:
    """Set up one of the office's five service points. Refused when an open point of the same kind
    exists at the office."""
    office = _office(actor, office, Action.CREATE)
    kind = _kind(kind)
    partner = _text(partner, "partner", _("Enter the partner body (for example 江阴市公证处)."), 100)
    hours = _text(hours, "hours", _("Enter the opening hours."), 100)
    address = _text(address, "address", _("Enter the address."), 200)
    opened_on = _check_date(opened_on, "opened_on")
    name = _text(name, "name", "", 100, required=False) or f"{office.name}{codes.POINT_NAMES[kind]}"
    _check_no_open(office.pk, kind)
    point = ServicePoint(
        org=office,
        kind=kind,
        name=name[:100],
        partner=partner,
        hours=hours,
        address=address,
        phone=_phone(phone),
        opened_on=opened_on,
        note=_text(note, "note", "", required=False),
        created_by=_user(actor),
    )
    _save_point(point)
    audit.record_create(actor=actor, action="legalnet.point_open", obj=point)
    return point


def _locked_point(actor, point: ServicePoint, expected_version=None, *, open_only=True) -> ServicePoint:
    point = ServicePoint.objects.select_for_update(of=("self",)).select_related("org").get(pk=point.pk)
    _require(actor, point.org, Action.CHANGE)
    audit.check_version(point, expected_version)
    if open_only and not point.is_open:
        raise DomainError(CLOSED_MESSAGE, code="illegal_transition")
    return point


POINT_UPDATABLE = ("name", "partner", "hours", "address", "phone", "opened_on", "note")


@transaction.atomic
def point_update(*, actor, point: ServicePoint, expected_version: str | None = None, **fields) -> ServicePoint:
    """Correct a point's partner, hours, address, phone, set-up date or note (not its kind)."""
    unknown = set(fields) - set(POINT_UPDATABLE)
    if unknown:
        raise DomainError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    point = _locked_point(actor, point, expected_version)
    before = audit.snapshot(point)
    if "name" in fields:
        point.name = _text(fields["name"], "name", _("Enter the name of the point."), 100)
    if "partner" in fields:
        point.partner = _text(
            fields["partner"], "partner", _("Enter the partner body (for example 江阴市公证处)."), 100
        )
    if "hours" in fields:
        point.hours = _text(fields["hours"], "hours", _("Enter the opening hours."), 100)
    if "address" in fields:
        point.address = _text(fields["address"], "address", _("Enter the address."), 200)
    if "phone" in fields:
        point.phone = _phone(fields["phone"])
    if "note" in fields:
        point.note = _text(fields["note"], "note", "", required=False)
    if "opened_on" in fields:
        opened_on = _check_date(fields["opened_on"], "opened_on")
        first_staff = PointStaff.objects.filter(point=point).order_by("since").values_list("since", flat=True).first()
        if first_staff is not None and opened_on > first_staff:
            raise DomainError(_("The point cannot be set up after its first person went on duty."), field="opened_on")
        point.opened_on = opened_on
    point.save()
    audit.record_update(actor=actor, action="legalnet.point_update", obj=point, before=before)
    return point


@transaction.atomic
def point_close(
    *,
    actor,
    point: ServicePoint,
    closed_on: datetime.date,
    reason: str,
    expected_version: str | None = None,
) -> ServicePoint:
    """Close a point (the partner withdrew, the point moved...): its people go off duty the same day.
    The office can then set up another point of the kind."""
    point = _locked_point(actor, point, expected_version, open_only=False)
    if not point.is_open:
        raise DomainError(
            _("This service point was already closed on %(date)s.") % {"date": point.closed_on.isoformat()},
            code="illegal_transition",
        )
    closed_on = _check_date(closed_on, "closed_on")
    if closed_on < point.opened_on:
        raise DomainError(_("A point cannot close before it was set up."), field="closed_on")
    reason = _text(reason, "reason", _("Say why the point closes."))
    before = audit.snapshot(point)
    point.status = codes.PointStatus.CLOSED
    point.closed_on = closed_on
    point.close_reason = reason
    point.save()
    for staff in PointStaff.objects.filter(point=point, until__isnull=True):
        staff.until = max(closed_on, staff.since)
        staff.save(update_fields=["until", "updated_at"])
    audit.record(
        actor=actor,
        action="legalnet.point_close",
        kind=AuditKind.ACTION,
        obj=point,
        changes=audit.diff(before, audit.snapshot(point)),
    )
    return point


@transaction.atomic
def staff_add(
    *,
    actor,
    point: ServicePoint,
    since: datetime.date,
    user=None,
    name: str = "",
    phone: str = "",
    duty: str = "",
    expected_version: str | None = None,
) -> PointStaff:
    """Put someone on duty at an open point: a user of the office, or a person of the partner body
    by name and phone."""
    point = _locked_point(actor, point, expected_version)
    if user is not None:
        if not user.is_active or user.office_id != point.office_id:
            raise DomainError(_("Choose an active user of the point's own office."), field="user")
        name = name.strip() if name else ""
        name = name or user.full_name or user.username
        phone = phone or user.phone
        if PointStaff.objects.filter(point=point, user=user, until__isnull=True).exists():
            raise DomainError(_("This person is already on duty at the point."), field="user")
    name = _text(name, "name", _("Choose an office user or enter the person's name."), 50)
    since = _check_date(since, "since")
    if since < point.opened_on:
        raise DomainError(_("Nobody can be on duty before the point was set up."), field="since")
    staff = PointStaff.objects.create(
        point=point,
        org_id=point.org_id,
        user=user,
        name=name,
        phone=_phone(phone),
        duty=_text(duty, "duty", "", 100, required=False),
        since=since,
    )
    audit.record_create(actor=actor, action="legalnet.staff_add", obj=staff)
    return staff


@transaction.atomic
def staff_remove(*, actor, staff: PointStaff, until: datetime.date) -> PointStaff:
    """Take a person off duty (the row stays, with its end date)."""
    staff = PointStaff.objects.select_for_update(of=("self",)).select_related("org", "point").get(pk=staff.pk)
    _require(actor, staff.org, Action.CHANGE)
    if staff.until is not None:
        raise DomainError(
            _("This person went off duty on %(date)s.") % {"date": staff.until.isoformat()}, code="illegal_transition"
        )
    if not staff.point.is_open:
        raise DomainError(CLOSED_MESSAGE, code="illegal_transition")
    until = _check_date(until, "until")
    if until < staff.since:
        raise DomainError(_("The end of duty cannot be before its start."), field="until")
    before = audit.snapshot(staff)
    staff.until = until
    staff.save()
    audit.record(
        actor=actor,
        action="legalnet.staff_remove",
        kind=AuditKind.ACTION,
        obj=staff,
        changes=audit.diff(before, audit.snapshot(staff)),
    )
    return staff


# --- legal advisors ----------------------------------------------------------------------------------


def _village(actor, village: OrgNode, action: str) -> OrgNode:
    if village is None or village.kind != OrgKind.VILLAGE:
        raise DomainError(_("Choose a village or community."), field="village")
    if not village.is_active:
        raise DomainError(_("The unit is deactivated."), field="village")
    _require(actor, village, action, _("This village is not in your unit."))
    return village


def _check_advisor(advisor, village: OrgNode, field="advisor"):
    from fengqiao.accounts.models import UserRole

    if advisor is None:
        raise DomainError(_("Choose a legal advisor."), field=field)
    if not advisor.is_active or not UserRole.objects.filter(user_id=advisor.pk, role=Role.LEGAL_ADVISOR).exists():
        raise DomainError(_("Choose an active user holding the village legal advisor role."), field=field)
    if advisor.office_id != village.office_id:
        raise DomainError(_("Choose a legal advisor of the village's own office."), field=field)
    return advisor


def _set_villages(actor, advisor, villages):
    # served_villages belongs to accounts: its service checks the actor's right to manage the user.
    from fengqiao.accounts.services import user_update

    try:
        return user_update(actor=actor, user=advisor, served_villages=villages)
    except Forbidden as exc:
        raise Forbidden(
            _("Changing an advisor's villages needs the right to manage users of the office (the director): %(why)s")
            % {"why": str(exc)},
            field="advisor",
        ) from None


@transaction.atomic
def advisor_assign(*, actor, village: OrgNode, advisor, started_on: datetime.date, note: str = "") -> AdvisorAssignment:
    """Make `advisor` serve `village` from `started_on`: adds the village to the advisor's served
    villages (their scope) and opens an assignment in the history."""
    village = _village(actor, village, Action.CHANGE)
    advisor = _check_advisor(advisor, village)
    started_on = _check_date(started_on, "started_on")
    served = list(advisor.served_villages.all())
    if any(v.pk == village.pk for v in served):
        raise DomainError(_("This advisor already serves the village."), field="advisor", code="duplicate")
    last_end = (
        AdvisorAssignment.objects.filter(org=village, advisor=advisor, ended_on__isnull=False)
        .order_by("-ended_on")
        .values_list("ended_on", flat=True)
        .first()
    )
    if last_end is not None and started_on < last_end:
        raise DomainError(
            _("The advisor served the village until %(date)s; the new service cannot start before.")
            % {"date": last_end.isoformat()},
            field="started_on",
        )
    _set_villages(actor, advisor, [*served, village])
    # A leftover open row (served_villages changed elsewhere) is closed rather than duplicated.
    AdvisorAssignment.objects.filter(org=village, advisor=advisor, ended_on__isnull=True).update(
        ended_on=started_on, updated_at=timezone.now()
    )
    assignment = AdvisorAssignment.objects.create(
        org=village,
        advisor=advisor,
        started_on=started_on,
        note=_text(note, "note", "", 200, required=False),
        changed_by=_user(actor),
    )
    audit.record_create(actor=actor, action="legalnet.advisor_assign", obj=assignment)
    return assignment


@transaction.atomic
def advisor_unassign(*, actor, village: OrgNode, advisor, ended_on: datetime.date, note: str = "") -> AdvisorAssignment:
    """End `advisor`'s service of `village` on `ended_on`: the village leaves their served villages
    and the open assignment gets its end date (one is written if the history had none)."""
    village = _village(actor, village, Action.CHANGE)
    if advisor is None:
        raise DomainError(_("Choose a legal advisor."), field="advisor")
    served = list(advisor.served_villages.all())
    if not any(v.pk == village.pk for v in served):
        raise DomainError(_("This advisor does not serve the village."), field="advisor")
    ended_on = _check_date(ended_on, "ended_on")
    assignment = (
        AdvisorAssignment.objects.select_for_update()
        .filter(org=village, advisor=advisor, ended_on__isnull=True)
        .order_by("-started_on")
        .first()
    )
    if assignment is not None and ended_on < assignment.started_on:
        raise DomainError(_("The service cannot end before it started."), field="ended_on")
    _set_villages(actor, advisor, [v for v in served if v.pk != village.pk])
    if assignment is None:
        # Served before the history was kept: the start is unknown, recorded as the end day.
        assignment = AdvisorAssignment(org=village, advisor=advisor, started_on=ended_on, changed_by=_user(actor))
    before = audit.snapshot(assignment) if assignment.pk else {}
    assignment.ended_on = ended_on
    if note:
        assignment.note = _text(note, "note", "", 200, required=False)
    assignment.save()
    audit.record(
        actor=actor,
        action="legalnet.advisor_unassign",
        kind=AuditKind.ACTION,
        obj=assignment,
        changes=audit.diff(before, audit.snapshot(assignment)),
    )
    return assignment


def _served_on(advisor, village: OrgNode, date: datetime.date) -> bool:
    if advisor.served_villages.filter(pk=village.pk).exists():
        return True
    return (
        AdvisorAssignment.objects.filter(org=village, advisor=advisor, started_on__lte=date)
        .filter(ended_on__gte=date)
        .exists()
    )


def _counts(fields: dict) -> dict:
    counts = {}
    for key in codes.WORK_FIELDS:
        value = fields.get(key, 0)
        if value in (None, ""):
            value = 0
        if isinstance(value, bool) or not isinstance(value, int):
            try:
                value = int(value)
            except (TypeError, ValueError):
                raise DomainError(_("Enter a whole number."), field=key) from None
        if value < 0 or value > codes.MAX_COUNT:
            raise DomainError(_("Enter a number between 0 and %(max)s.") % {"max": codes.MAX_COUNT}, field=key)
        counts[key] = value
    if counts["duty_days"] > 1:
        raise DomainError(_("A log covers one day: duty is 0 or 1."), field="duty_days")
    if not any(counts.values()):
        raise DomainError(_("Record at least one piece of work (duty or a count above zero)."), field="consultations")
    return counts


def _may_record_for(actor, advisor, village, action=Action.CREATE) -> None:
    """An advisor records their own work; office staff record anyone's."""
    user = _user(actor)
    if actor is None or (user is not None and user.pk == advisor.pk):
        return
    if not _is_office_staff(actor, village, action):
        raise Forbidden(_("A legal advisor records only their own work; office staff may record anyone's."))


@transaction.atomic
def worklog_add(
    *,
    actor,
    village: OrgNode,
    advisor,
    date: datetime.date,
    note: str = "",
    **counts,
) -> WorkLog:
    """Record an advisor's work in one village on one day. One log per advisor, village and day: a
    second one is refused (change the first instead)."""
    unknown = set(counts) - set(codes.WORK_FIELDS)
    if unknown:
        raise DomainError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    village = _village(actor, village, Action.CREATE)
    if advisor is None:
        raise DomainError(_("Choose a legal advisor."), field="advisor")
    _may_record_for(actor, advisor, village)
    date = _check_date(date, "date")
    if not _served_on(advisor, village, date):
        raise DomainError(_("This advisor did not serve the village on that day."), field="advisor")
    values = _counts(counts)
    existing = WorkLog.objects.filter(advisor=advisor, org=village, date=date).first()
    if existing is not None:
        raise DomainError(
            _("Work of this advisor in this village on %(date)s is already recorded; change that log.")
            % {"date": date.isoformat()},
            field="date",
            code="duplicate",
        )
    log = WorkLog(
        org=village,
        advisor=advisor,
        date=date,
        note=_text(note, "note", "", required=False),
        recorded_by=_user(actor),
        recorded_by_repr=_actor_repr(actor),
        **values,
    )
    try:
        with transaction.atomic():
            log.save()
    except IntegrityError:
        raise Conflict(_("This day's work is already recorded."), field="date", code="duplicate") from None
    audit.record_create(actor=actor, action="legalnet.worklog_add", obj=log)
    return log


@transaction.atomic
def worklog_update(*, actor, log: WorkLog, expected_version: str | None = None, note=None, **counts) -> WorkLog:
    """Correct the counts or note of a log (not its advisor, village or day)."""
    unknown = set(counts) - set(codes.WORK_FIELDS)
    if unknown:
        raise DomainError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    log = WorkLog.objects.select_for_update(of=("self",)).select_related("org", "advisor").get(pk=log.pk)
    _require(actor, log.org, Action.CHANGE)
    _may_record_for(actor, log.advisor, log.org, Action.CHANGE)
    audit.check_version(log, expected_version)
    before = audit.snapshot(log)
    merged = {k: counts.get(k, getattr(log, k)) for k in codes.WORK_FIELDS}
    for key, value in _counts(merged).items():
        setattr(log, key, value)
    if note is not None:
        log.note = _text(note, "note", "", required=False)
    log.save()
    audit.record_update(actor=actor, action="legalnet.worklog_update", obj=log, before=before)
    return log
