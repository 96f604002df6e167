"""Writes to party building: the branch, its members (joining, becoming a full member, moving out),
venues and their checks, activities with attendance, and the violation register. Each function is
one transaction with its audit event. A refusal raises DomainError and changes nothing."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

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
from .models import Activity, Branch, Member, Venue, VenueCheck, Violation

audit.register_actions(
    {
        "party.branch_create": gettext_lazy("Registered the party branch"),
        "party.branch_update": gettext_lazy("Changed the party branch"),
        "party.member_add": gettext_lazy("Added a party member"),
        "party.member_update": gettext_lazy("Changed a party member's details"),
        "party.member_confirm": gettext_lazy("Recorded a member becoming a full member"),
        "party.member_transfer_out": gettext_lazy("Recorded a member moving out"),
        "party.venue_add": gettext_lazy("Registered a party-building venue"),
        "party.venue_check": gettext_lazy("Recorded a venue standardisation check"),
        "party.activity_record": gettext_lazy("Recorded a party activity"),
        "party.violation_record": gettext_lazy("Recorded a disciplinary violation"),
        "party.violation_decide": gettext_lazy("Recorded the handling of a violation"),
    }
)

LEFT_MESSAGE = gettext_lazy("This member has moved out of the branch; the record is kept as history.")
STALE_MESSAGE = gettext_lazy(
    "Someone else changed this record while you were editing it. Reload the page, check their changes and "
    "make yours again."
)


# --- helpers -----------------------------------------------------------------------------------------


def _require(actor, org: OrgNode, action: str, *, sensitive=False):
    # actor None is the platform itself (the demo seeder).
    if actor is None:
        return
    if not in_scope(actor, org, action, Module.PARTY):
        raise Forbidden(_("You may not keep party-building records outside your own office."))
    if sensitive and not in_scope(actor, org, Action.VIEW_SENSITIVE, Module.PARTY):
        raise Forbidden(_("Only the office director and the city bureau keep the register of violations."))


def _today():
    return timezone.localdate()


_actor_user = checks.actor_user


def _date(value, field: str, *, required=True):
    if value is None or value == "":
        if required:
            raise DomainError(_("Enter a date."), field=field)
        return None
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        raise DomainError(_("Enter a date as YYYY-MM-DD."), field=field)
    if value > _today():
        raise DomainError(_("The date cannot be in the future."), field=field)
    if value.year < 1921:
        raise DomainError(_("The date is too far in the past."), field=field)
    return value


_choice = checks.choice


def _text(value, field: str, message, max_length: int | None = None, *, required=True) -> str:
    value = (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()
    if required and not value:
        raise DomainError(message, field=field)
    if max_length and len(value) > max_length:
        raise DomainError(_("Too long: at most %(max)s characters.") % {"max": max_length}, field=field)
    return value


def _office(actor, office: OrgNode, action: str, *, sensitive=False) -> OrgNode:
    office = OrgNode.objects.get(pk=office.pk)
    if office.kind != OrgKind.TOWN:
        raise DomainError(_("Party-building records belong to a judicial office."), field="office")
    _require(actor, office, action, sensitive=sensitive)
    if not office.is_active:
        raise DomainError(_("The unit is deactivated."), field="office")
    return office


def _check_version(obj, expected):
    if expected is not None and expected != "" and int(expected) != obj.version:
        raise Conflict(STALE_MESSAGE, code="stale")


def _bump(obj):
    obj.version += 1


# --- branch ------------------------------------------------------------------------------------------


def _branch_fields(data: dict) -> dict:
    out = {}
    if "name" in data:
        out["name"] = _text(data["name"], "name", _("Enter the branch's name."), 100)
    if "secretary" in data:
        out["secretary"] = _text(data["secretary"], "secretary", _("Enter the branch secretary."), 50)
    if "established_on" in data:
        out["established_on"] = _date(data["established_on"], "established_on")
    if "parent_organisation" in data:
        out["parent_organisation"] = _text(
            data["parent_organisation"], "parent_organisation", _("Enter the higher party organisation."), 100
        )
    return out


@transaction.atomic
def branch_create(
    *, actor, office: OrgNode, name: str, secretary: str, established_on, parent_organisation: str
) -> Branch:
    """Register the office's party branch (one per office)."""
    office = _office(actor, office, Action.CREATE)
    data = _branch_fields(
        {
            "name": name,
            "secretary": secretary,
            "established_on": established_on,
            "parent_organisation": parent_organisation,
        }
    )
    if Branch.objects.filter(office_id=office.pk).exists():
        raise DomainError(_("This office already has a party branch; change it instead."), code="duplicate")
    branch = Branch(org=office, **data)
    try:
        with transaction.atomic():
            branch.save()
    except IntegrityError:
        raise Conflict(_("This office already has a party branch; change it instead."), code="duplicate") from None
    audit.record_create(actor=actor, action="party.branch_create", obj=branch)
    return branch


@transaction.atomic
def branch_update(*, actor, branch: Branch, expected_version=None, **fields) -> Branch:
    """Change the branch's name, secretary, date of establishment or higher organisation."""
    unknown = set(fields) - {"name", "secretary", "established_on", "parent_organisation"}
    if unknown:
        raise DomainError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    branch = Branch.objects.select_for_update().select_related("org").get(pk=branch.pk)
    _require(actor, branch.org, Action.CHANGE)
    _check_version(branch, expected_version)
    data = _branch_fields(fields)
    if "established_on" in data:
        first = Activity.objects.filter(branch=branch).order_by("date").values_list("date", flat=True).first()
        if first is not None and data["established_on"] > first:
            raise DomainError(
                _("The branch held an activity on %(date)s: it cannot have been established later.")
                % {"date": first.isoformat()},
                field="established_on",
            )
    before = audit.snapshot(branch)
    for key, value in data.items():
        setattr(branch, key, value)
    _bump(branch)
    branch.save()
    audit.record_update(actor=actor, action="party.branch_update", obj=branch, before=before)
    return branch


# --- members -----------------------------------------------------------------------------------------


def _check_user(user, office_id: int):
    if user is None:
        return None
    if not user.is_active or user.office_id != office_id:
        raise DomainError(_("Choose an active user of the branch's own office."), field="user")
    return user


@transaction.atomic
def member_add(
    *,
    actor,
    branch: Branch,
    name: str,
    status: str,
    joined_on,
    formal_on=None,
    user=None,
    transferred_in_on=None,
    transferred_from: str = "",
) -> Member:
    """Put a member on the branch's register: one who joined the party here (probationary, or full
    with the date they became full), or one whose membership was transferred in from elsewhere."""
    branch = Branch.objects.select_related("org").get(pk=branch.pk)
    _require(actor, branch.org, Action.CREATE)
    name = _text(name, "name", _("Enter the member's name."), 50)
    status = _choice(status, codes.MemberStatus, "status", _("Choose full or probationary membership."))
    joined_on = _date(joined_on, "joined_on")
    formal_on = _date(formal_on, "formal_on", required=False)
    transferred_in_on = _date(transferred_in_on, "transferred_in_on", required=False)
    transferred_from = _text(transferred_from, "transferred_from", "", 100, required=False)
    if status == codes.MemberStatus.FORMAL:
        if formal_on is None:
            raise DomainError(_("Enter the date the member became a full member."), field="formal_on")
        if formal_on < joined_on + datetime.timedelta(days=codes.PROBATION_DAYS):
            raise DomainError(
                _("A probationary member becomes a full member a year after joining at the earliest."),
                field="formal_on",
            )
    elif formal_on is not None:
        raise DomainError(_("A probationary member has no date of becoming a full member yet."), field="formal_on")
    elif joined_on < _today() - datetime.timedelta(days=3 * codes.PROBATION_DAYS):
        raise DomainError(_("A probation does not last this long: record the member as a full member."), field="status")
    if transferred_in_on is not None:
        if transferred_in_on < joined_on:
            raise DomainError(_("The transfer in cannot be before joining the party."), field="transferred_in_on")
        if not transferred_from:
            raise DomainError(_("Say where the membership was transferred from."), field="transferred_from")
    elif transferred_from:
        raise DomainError(_("Enter the date of the transfer in."), field="transferred_in_on")
    user = _check_user(user, branch.office_id)
    if user is not None and Member.objects.filter(branch=branch, user=user, active=True).exists():
        raise DomainError(_("This user is already a member of the branch."), field="user", code="duplicate")
    member = Member.objects.create(
        org_id=branch.org_id,
        branch=branch,
        name=name,
        user=user,
        status=status,
        joined_on=joined_on,
        formal_on=formal_on,
        transferred_in_on=transferred_in_on,
        transferred_from=transferred_from,
        in_branch_from=transferred_in_on or joined_on,
    )
    audit.record_create(actor=actor, action="party.member_add", obj=member)
    return member


def _locked_member(actor, member: Member, expected_version, *, active_only=True) -> Member:
    member = Member.objects.select_for_update(of=("self",)).select_related("org").get(pk=member.pk)
    _require(actor, member.org, Action.CHANGE)
    _check_version(member, expected_version)
    if active_only and not member.active:
        raise DomainError(LEFT_MESSAGE, code="illegal_transition")
    return member


@transaction.atomic
def member_update(*, actor, member: Member, expected_version=None, name=None, user=None) -> Member:
    """Correct the member's name or link their user account."""
    member = _locked_member(actor, member, expected_version)
    before = audit.snapshot(member)
    if name is not None:
        member.name = _text(name, "name", _("Enter the member's name."), 50)
    if user is not None and user.pk != member.user_id:
        _check_user(user, member.office_id)
        if Member.objects.filter(branch_id=member.branch_id, user=user, active=True).exclude(pk=member.pk).exists():
            raise DomainError(_("This user is already a member of the branch."), field="user", code="duplicate")
        member.user = user
    _bump(member)
    member.save()
    audit.record_update(actor=actor, action="party.member_update", obj=member, before=before)
    return member


@transaction.atomic
def member_confirm(*, actor, member: Member, formal_on, expected_version=None) -> Member:
    """A probationary member becomes a full member (转正), no earlier than a year after joining."""
    member = _locked_member(actor, member, expected_version)
    if member.status != codes.MemberStatus.PROBATIONARY:
        raise DomainError(_("This member is already a full member."), code="illegal_transition")
    formal_on = _date(formal_on, "formal_on")
    if formal_on < member.joined_on + datetime.timedelta(days=codes.PROBATION_DAYS):
        raise DomainError(
            _("A probationary member becomes a full member a year after joining at the earliest."), field="formal_on"
        )
    before = audit.snapshot(member)
    member.status = codes.MemberStatus.FORMAL
    member.formal_on = formal_on
    _bump(member)
    member.save()
    audit.record(
        actor=actor,
        action="party.member_confirm",
        kind=AuditKind.ACTION,
        obj=member,
        changes=audit.diff(before, audit.snapshot(member)),
    )
    return member


@transaction.atomic
def member_transfer_out(*, actor, member: Member, date, to: str, expected_version=None) -> Member:
    """The member's membership moves out of the branch (组织关系转出). The member stays on the
    register, marked as moved out, with the date and destination."""
    member = _locked_member(actor, member, expected_version)
    date = _date(date, "date")
    if date < member.in_branch_from:
        raise DomainError(_("The member cannot move out before joining the branch."), field="date")
    to = _text(to, "to", _("Say where the membership moves to."), 100)
    before = audit.snapshot(member)
    member.active = False
    member.transferred_out_on = date
    member.transferred_to = to
    _bump(member)
    member.save()
    audit.record(
        actor=actor,
        action="party.member_transfer_out",
        kind=AuditKind.ACTION,
        obj=member,
        changes=audit.diff(before, audit.snapshot(member)),
    )
    return member


# --- venues ------------------------------------------------------------------------------------------


def _area(value):
    try:
        area = Decimal(str(value)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError, TypeError):
        raise DomainError(_("Enter the area in square metres."), field="area") from None
    if area <= 0 or area > 100000:
        raise DomainError(_("Enter the area in square metres."), field="area")
    return area


@transaction.atomic
def venue_add(*, actor, office: OrgNode, name: str, address: str, area, facilities: str = "") -> Venue:
    """Register a party-building venue of the office."""
    office = _office(actor, office, Action.CREATE)
    venue = Venue.objects.create(
        org=office,
        name=_text(name, "name", _("Enter the venue's name."), 100),
        address=_text(address, "address", _("Enter the venue's address."), 200),
        area=_area(area),
        facilities=_text(facilities, "facilities", "", 2000, required=False),
    )
    audit.record_create(actor=actor, action="party.venue_add", obj=venue)
    return venue


@transaction.atomic
def venue_check_add(*, actor, venue: Venue, date, result: str, checked_by: str, notes: str = "") -> VenueCheck:
    """Record a standardisation check of the venue; a result short of the standard needs notes
    saying what must be put right."""
    venue = Venue.objects.select_for_update(of=("self",)).select_related("org").get(pk=venue.pk)
    _require(actor, venue.org, Action.CHANGE)
    date = _date(date, "date")
    result = _choice(result, codes.CheckResult, "result", _("Choose the result of the check."))
    checked_by = _text(checked_by, "checked_by", _("Say who checked the venue."), 100)
    notes = _text(notes, "notes", "", 2000, required=False)
    if result != codes.CheckResult.PASSED and not notes:
        raise DomainError(_("Say what falls short of the standard and what must be put right."), field="notes")
    check = VenueCheck.objects.create(
        venue=venue,
        org_id=venue.org_id,
        date=date,
        result=result,
        checked_by=checked_by,
        notes=notes,
        recorded_by=_actor_user(actor),
    )
    if venue.last_checked_on is None or date >= venue.last_checked_on:
        venue.last_checked_on = date
        venue.last_result = result
        venue.save(update_fields=["last_checked_on", "last_result", "updated_at"])
    audit.record_create(actor=actor, action="party.venue_check", obj=check)
    return check


# --- activities --------------------------------------------------------------------------------------


def members_on(branch_id: int, day: datetime.date):
    """The members counted in the branch on `day`: joined it by then and not yet moved out."""
    from django.db.models import Q

    return Member.objects.filter(branch_id=branch_id, in_branch_from__lte=day).filter(
        Q(transferred_out_on__isnull=True) | Q(transferred_out_on__gt=day)
    )


@transaction.atomic
def activity_record(
    *, actor, branch: Branch, date, type: str, topic: str, record: str, attendees, place: str = ""
) -> Activity:
    """Record a meeting or activity with the members present. The attendance counts are computed
    from the branch's register on that day."""
    branch = Branch.objects.select_for_update().select_related("org").get(pk=branch.pk)
    _require(actor, branch.org, Action.CREATE)
    date = _date(date, "date")
    if date < branch.established_on:
        raise DomainError(_("The branch was not yet established on this date."), field="date")
    type = _choice(type, codes.ActivityType, "type", _("Choose the type of activity."))
    topic = _text(topic, "topic", _("Enter the topic."), 200)
    record = _text(record, "record", _("Write what was done and decided."), 20000)
    place = _text(place, "place", "", 100, required=False)
    ids = set()
    for a in attendees or ():
        pk = getattr(a, "pk", a)
        try:
            ids.add(int(pk))
        except (TypeError, ValueError):
            raise DomainError(_("Choose the members present from the branch's register."), field="attendees") from None
    if not ids:
        raise DomainError(_("Choose the members present."), field="attendees")
    eligible = members_on(branch.pk, date)
    expected = eligible.count()
    present = set(eligible.filter(pk__in=ids).values_list("pk", flat=True))
    if present != ids:
        raise DomainError(
            _("Only members of the branch on that day can be marked present."), field="attendees", code="not_member"
        )
    activity = Activity.objects.create(
        branch=branch,
        org_id=branch.org_id,
        date=date,
        type=type,
        topic=topic,
        place=place,
        record=record,
        expected_count=expected,
        present_count=len(present),
        recorded_by=_actor_user(actor),
    )
    activity.attendees.set(sorted(present))
    audit.record(
        actor=actor,
        action="party.activity_record",
        kind=AuditKind.CREATE,
        obj=activity,
        changes={
            **audit.diff({}, audit.snapshot(activity)),
            "attendees": [None, sorted(present)],
        },
    )
    return activity


# --- violations --------------------------------------------------------------------------------------


@transaction.atomic
def violation_record(
    *, actor, office: OrgNode, person: str, date, kind: str, description: str, member=None
) -> Violation:
    """Put a violation on the register (only the director and the city bureau may)."""
    office = _office(actor, office, Action.CREATE, sensitive=True)
    person = _text(person, "person", _("Enter who committed the violation."), 50)
    date = _date(date, "date")
    kind = _choice(kind, codes.ViolationKind, "kind", _("Choose the kind of violation."))
    description = _text(description, "description", _("Describe what happened."), 5000)
    if member is not None and member.office_id != office.pk:
        raise DomainError(_("Choose a member of the office's own branch."), field="member")
    violation = Violation.objects.create(
        org=office,
        person=person,
        member=member,
        date=date,
        kind=kind,
        description=description,
        recorded_by=_actor_user(actor),
    )
    audit.record_create(actor=actor, action="party.violation_record", obj=violation)
    return violation


@transaction.atomic
def violation_decide(
    *, actor, violation: Violation, decision: str, decided_on, note: str = "", expected_version=None
) -> Violation:
    """Record the handling decision; the violation is then decided and cannot be decided again."""
    violation = Violation.objects.select_for_update(of=("self",)).select_related("org").get(pk=violation.pk)
    _require(actor, violation.org, Action.CHANGE, sensitive=True)
    _check_version(violation, expected_version)
    if violation.status != codes.ViolationStatus.OPEN:
        raise DomainError(_("A decision has already been recorded for this violation."), code="illegal_transition")
    decision = _choice(decision, codes.Decision, "decision", _("Choose the handling decision."))
    decided_on = _date(decided_on, "decided_on")
    if decided_on < violation.date:
        raise DomainError(_("The decision cannot be before the violation."), field="decided_on")
    note = _text(note, "note", _("Give the grounds and the body that decided."), 5000)
    before = audit.snapshot(violation)
    violation.status = codes.ViolationStatus.DECIDED
    violation.decision = decision
    violation.decided_on = decided_on
    violation.decision_note = note
    _bump(violation)
    violation.save()
    audit.record(
        actor=actor,
        action="party.violation_decide",
        kind=AuditKind.ACTION,
        obj=violation,
        changes=audit.diff(before, audit.snapshot(violation)),
    )
    return violation
