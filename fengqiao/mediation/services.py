"""Writes to mediation: intake, the case state machine, sessions, agreements, follow-ups,
escalation, committees and mediators. Each function is one transaction with its audit event and,
for cases, its timeline event. A refusal raises DomainError and changes nothing."""

from __future__ import annotations

import datetime
import decimal

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
from fengqiao.core.validators import normalize_id_number, normalize_phone
from fengqiao.orgs.models import OrgKind, OrgNode

from . import codes, codes_gbt, risk, rollup, signals
from .codes import Transition
from .matching import place_key
from .models import (
    Agreement,
    CaseCounter,
    CaseEvent,
    Committee,
    Designation,
    Dispute,
    FollowUp,
    JudicialConfirmation,
    MajorIncident,
    MediationPeriod,
    MediationSession,
    Mediator,
    MediatorTraining,
    Party,
    Referral,
    RiskFlag,
    ScreeningRound,
)

T = Transition


# --- helpers ---------------------------------------------------------------------------------------


def _require(actor, org: OrgNode, action: str):
    # actor None is the platform itself (seeding, partner intake already authorised by its token).
    if actor is not None and not in_scope(actor, org, action, Module.MEDIATION):
        raise Forbidden(_("You may not handle disputes outside your own unit."))


def _today():
    return timezone.localdate()


def _check_date(value, field: str, *, allow_future=False):
    if value is None:
        raise DomainError(_("Enter a date."), field=field)
    if not isinstance(value, datetime.date):
        raise DomainError(_("Enter a date as YYYY-MM-DD."), field=field)
    if not allow_future and value > _today():
        raise DomainError(_("The date cannot be in the future."), field=field)
    if value.year < 2000:
        raise DomainError(_("The date is too far in the past."), field=field)
    return value


def _check_amount(value, field: str):
    if value in (None, ""):
        return None
    try:
        amount = decimal.Decimal(str(value))
    except decimal.InvalidOperation:
        raise DomainError(_("Enter an amount in yuan, e.g. 12000.50."), field=field) from None
    if amount < 0:
        raise DomainError(_("The amount cannot be negative."), field=field)
    if amount >= decimal.Decimal("1e12"):
        raise DomainError(_("The amount is too large."), field=field)
    return amount.quantize(decimal.Decimal("0.01"))


_actor_user = checks.actor_user


def _event(actor, dispute, transition, from_status, note=""):
    return CaseEvent.objects.create(
        dispute=dispute,
        org_id=dispute.org_id,
        transition=transition,
        from_status=from_status or "",
        to_status=dispute.status,
        actor=_actor_user(actor),
        actor_repr=(getattr(actor, "full_name", "") or getattr(actor, "audit_repr", "") or _("system"))[:150],
        note=note or "",
    )


# --- case numbers ----------------------------------------------------------------------------------


def _next_seq(office_id: int, year: int) -> int:
    """The next number of the office's year, gap-free: the counter row is locked until commit, so a
    rolled-back intake gives its number back and two concurrent intakes never share one."""
    for _attempt in range(3):
        counter = CaseCounter.objects.select_for_update().filter(office_id=office_id, year=year).first()
        if counter is None:
            try:
                with transaction.atomic():
                    CaseCounter.objects.create(office_id=office_id, year=year, last=0)
            except IntegrityError:
                pass  # another intake created it first; lock it on the next pass
            continue
        counter.last += 1
        counter.save(update_fields=["last"])
        return counter.last
    raise Conflict(_("Could not allocate a case number; please try again."))


def format_number(office: OrgNode, year: int, seq: int) -> str:
    short = office.short_name or office.name[:2]
    return f"（{year}）{short}人调字第{seq:05d}号"


# --- intake ----------------------------------------------------------------------------------------

MAX_PERSONS = 100_000
STALE_MESSAGE = gettext_lazy(
    "Someone else changed this case while you were working on it; it is shown as it is now. Check it and act again."
)

PARTY_FIELDS = {"side", "kind", "name", "id_number", "org_code", "phone", "address"}


def _clean_parties(parties) -> list[Party]:
    cleaned = []
    for i, data in enumerate(parties or []):
        unknown = set(data) - PARTY_FIELDS
        if unknown:
            raise DomainError(_("Unknown party fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
        party = Party(
            side=data.get("side") or codes.PartySide.APPLICANT,
            kind=data.get("kind") or codes.PartyKind.PERSON,
            name=(data.get("name") or "").strip(),
            id_number=normalize_id_number(data.get("id_number", "")),
            org_code=(data.get("org_code") or "").strip().upper(),
            phone=normalize_phone(data.get("phone", "")),
            address=(data.get("address") or "").strip(),
        )
        field = f"parties.{i}"
        if party.side not in codes.PartySide.values:
            raise DomainError(_("Unknown party side."), field=field)
        if party.kind not in codes.PartyKind.values:
            raise DomainError(_("Unknown party kind."), field=field)
        if not party.name:
            raise DomainError(_("Enter the name of every party."), field=field)
        try:
            party.full_clean(exclude=["dispute", "org", "office"])
        except ValidationError as exc:
            name, messages = next(iter(exc.message_dict.items()))
            raise DomainError(f"{party.name}：{messages[0]}", field=f"{field}.{name}") from None
        cleaned.append(party)
    sides = {p.side for p in cleaned}
    if codes.PartySide.APPLICANT not in sides or codes.PartySide.RESPONDENT not in sides:
        raise DomainError(_("A dispute needs at least one party on each side."), field="parties")
    return cleaned


def _level_for(org: OrgNode, committee: Committee | None) -> int:
    if committee is not None:
        return committee.level
    return {OrgKind.VILLAGE: codes.Level.VILLAGE, OrgKind.TOWN: codes.Level.TOWN}.get(org.kind, codes.Level.CITY)


def _check_committee(actor, committee: Committee | None, org: OrgNode):
    """A case goes to an active committee that covers the place where the dispute arose (the
    village's own, the town's, or a city-wide industry committee)."""
    if committee is None:
        return
    if not committee.is_active:
        raise DomainError(_("The committee is not active."), field="committee")
    if not org.path.startswith(committee.org.path):
        raise DomainError(_("The committee does not cover the place of the dispute."), field="committee")


@transaction.atomic
def dispute_register(
    *,
    actor,
    org: OrgNode,
    channel: str,
    event_type: str,
    summary: str,
    description: str,
    received_on: datetime.date,
    parties,
    amount=None,
    people_count: int = 2,
    scale: str = "01",
    referral_source: str = "",
    referral_body: str = "",
    committee: Committee | None = None,
    place: str = "",
    screening: ScreeningRound | None = None,
) -> Dispute:
    """Register a dispute (登记) with its parties and give it its case number; the warning rules
    run on it at once."""
    org = OrgNode.objects.get(pk=org.pk)
    _require(actor, org, Action.CREATE)
    if org.kind not in (OrgKind.TOWN, OrgKind.VILLAGE, OrgKind.CITY):
        raise DomainError(_("Register a dispute at a town, a village or the city bureau."), field="org")
    if not org.is_active:
        raise DomainError(_("The unit is deactivated."), field="org")
    if channel not in codes.Channel.values:
        raise DomainError(_("Unknown intake channel."), field="channel")
    if channel == codes.Channel.REFERRAL and referral_source not in codes.ReferralSource.values:
        raise DomainError(_("Say which body referred the dispute."), field="referral_source")
    if channel != codes.Channel.REFERRAL:
        referral_source, referral_body = "", ""
    if not codes_gbt.is_valid_event_type(event_type or ""):
        raise DomainError(_("Unknown dispute type code: %(code)s") % {"code": event_type}, field="event_type")
    if scale not in codes_gbt.SCALES:
        raise DomainError(_("Unknown scale."), field="scale")
    summary, description = (summary or "").strip(), (description or "").strip()
    if not summary:
        raise DomainError(_("Give the dispute a short summary."), field="summary")
    if not description:
        raise DomainError(_("Describe the dispute."), field="description")
    try:
        people_count = int(people_count)
    except (TypeError, ValueError):
        raise DomainError(_("Enter the number of people involved."), field="people_count") from None
    if people_count < 2:
        raise DomainError(_("A dispute involves at least two people."), field="people_count")
    if people_count > MAX_PERSONS:
        raise DomainError(_("The number of people is too large."), field="people_count")
    received_on = _check_date(received_on, "received_on")
    amount = _check_amount(amount, "amount")
    cleaned = _clean_parties(parties)
    _check_committee(actor, committee, org)
    place = (place or "").strip()[:200]
    if screening is not None:
        if channel != codes.Channel.SCREENING:
            raise DomainError(_("Only a dispute found in screening belongs to a screening round."), field="screening")
        if screening.office_id != org.office_id:
            raise DomainError(_("The screening round belongs to another office."), field="screening")

    office = OrgNode.objects.get(pk=org.office_id)
    year = received_on.year
    seq = _next_seq(office.pk, year)
    dispute = Dispute.objects.create(
        org=org,
        number=format_number(office, year, seq),
        year=year,
        seq=seq,
        channel=channel,
        referral_source=referral_source,
        referral_body=(referral_body or "").strip(),
        event_type=event_type,
        stat_category=codes_gbt.stat_category_for(event_type),
        summary=summary,
        description=description,
        amount=amount,
        people_count=people_count,
        scale=scale,
        place=place,
        place_key=place_key(place),
        screening=screening,
        committee=committee,
        level=_level_for(org, committee),
        received_on=received_on,
        registered_by=_actor_user(actor),
    )
    for party in cleaned:
        party.dispute = dispute
        party.org_id = dispute.org_id
        party.save()
    _event(actor, dispute, T.REGISTER, "")
    rollup.apply({}, rollup.contribution(dispute))
    signals.dispute_moved.send(sender=Dispute, dispute=dispute, transition=T.REGISTER, from_status="", actor=actor)
    audit.record(
        actor=actor,
        action="dispute.register",
        kind=AuditKind.CREATE,
        obj=dispute,
        changes={"number": [None, dispute.number], "parties": [None, len(cleaned)]},
    )
    _refresh_flags(actor, dispute, cleaned)
    return dispute


# --- the state machine -----------------------------------------------------------------------------


def _locked(actor, dispute: Dispute, transition: str, expected_version: int | None) -> Dispute:
    """The case re-read under a row lock, after the checks every transition shares."""
    dispute = Dispute.objects.select_for_update(of=("self",)).select_related("org", "committee").get(pk=dispute.pk)
    _require(actor, dispute.org, Action.CHANGE)
    if expected_version is not None and int(expected_version) != dispute.version:
        raise Conflict(
            STALE_MESSAGE,
            code="stale",
        )
    sources, _target = codes.TRANSITIONS[transition]
    if dispute.status not in sources:
        raise DomainError(
            _("A case that is “%(status)s” cannot be “%(step)s”.")
            % {"status": dispute.get_status_display(), "step": codes.STEP_ACTIONS[transition]},
            code="illegal_transition",
        )
    return dispute


def _move(actor, dispute: Dispute, transition: str, note: str = "", rollup_before=None, **fields) -> Dispute:
    before = audit.snapshot(dispute)
    counted = rollup_before if rollup_before is not None else rollup.contribution(dispute)
    from_status = dispute.status
    _sources, target = codes.TRANSITIONS[transition]
    if target is not None:
        dispute.status = target
    for key, value in fields.items():
        setattr(dispute, key, value)
    # Kept with the case so that averages are a plain column sum, whatever the database.
    dispute.days_to_conclude = (
        (dispute.concluded_on - dispute.received_on).days if dispute.concluded_on is not None else None
    )
    dispute.version += 1
    dispute.save()
    rollup.apply(counted, rollup.contribution(dispute))
    _event(actor, dispute, transition, from_status, note)
    signals.dispute_moved.send(
        sender=Dispute, dispute=dispute, transition=transition, from_status=from_status, actor=actor
    )
    changes = audit.diff(before, audit.snapshot(dispute))
    changes.pop("version", None)
    if note:
        changes["note"] = note
    audit.record(actor=actor, action=f"dispute.{transition}", kind=AuditKind.ACTION, obj=dispute, changes=changes)
    return dispute


def _last_session_day(dispute: Dispute):
    last = MediationSession.objects.filter(dispute=dispute).order_by("-held_on").first()
    return last.held_on if last else None


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason."), field="reason")
    return reason


@transaction.atomic
def dispute_accept(
    *,
    actor,
    dispute: Dispute,
    expected_version=None,
    committee: Committee | None = None,
    mediators=(),
    period_days: int | None = None,
) -> Dispute:
    """Accept the case (受理): the mediation period starts and mediators are assigned."""
    dispute = _locked(actor, dispute, T.ACCEPT, expected_version)
    committee = committee or dispute.committee
    _check_committee(actor, committee, dispute.org)
    if committee is not None and committee.level < dispute.level:
        raise DomainError(
            _("The case is already at a higher level; choose a committee at that level or above."), field="committee"
        )
    today = _today()
    days = period_days or period_for(dispute)
    if not 1 <= days <= 366:
        raise DomainError(_("The mediation period must be between 1 and 366 days."), field="period_days")
    dispute = _move(
        actor,
        dispute,
        T.ACCEPT,
        committee=committee,
        level=_level_for(dispute.org, committee),
        accepted_on=today,
        deadline=today + datetime.timedelta(days=days),
    )
    _assign(actor, dispute, mediators)
    return dispute


def _assign(actor, dispute: Dispute, mediators):
    mediators = list(mediators or [])
    committee_ids = {dispute.committee_id} - {None}
    for m in mediators:
        if not m.is_active:
            raise DomainError(_("%(name)s is not an active mediator.") % {"name": m.full_name}, field="mediators")
        # A case is mediated by its office's mediators or those of its handling committee, so
        # that everyone assigned can see the case.
        on_committee = bool(committee_ids & set(m.committees.values_list("pk", flat=True)))
        if m.office_id != dispute.office_id and not on_committee:
            raise DomainError(
                _("%(name)s belongs to another office and not to the handling committee.") % {"name": m.full_name},
                field="mediators",
            )
    if mediators:
        dispute.mediators.add(*mediators)


@transaction.atomic
def dispute_reject(*, actor, dispute: Dispute, reason: str, expected_version=None) -> Dispute:
    """Decline the case (不予受理), with the reason told to the applicant."""
    dispute = _locked(actor, dispute, T.REJECT, expected_version)
    reason = _reason(reason)
    return _move(
        actor, dispute, T.REJECT, reason, outcome=codes.Outcome.REJECTED, outcome_reason=reason, concluded_on=_today()
    )


@transaction.atomic
def session_add(
    *,
    actor,
    dispute: Dispute,
    held_on,
    place: str,
    record: str,
    attendees: str = "",
    mediators=(),
    expected_version=None,
) -> MediationSession:
    """Record a mediation session (调解); the case is in mediation from its first session."""
    dispute = _locked(actor, dispute, T.SESSION, expected_version)
    held_on = _check_date(held_on, "held_on")
    if held_on < (dispute.accepted_on or dispute.received_on):
        raise DomainError(_("A session cannot be held before the case was accepted."), field="held_on")
    place, record = (place or "").strip(), (record or "").strip()
    if not place:
        raise DomainError(_("Enter where the session took place."), field="place")
    if not record:
        raise DomainError(_("Write the record of the session."), field="record")
    session = MediationSession.objects.create(
        dispute=dispute,
        org_id=dispute.org_id,
        held_on=held_on,
        place=place,
        record=record,
        attendees=(attendees or "").strip(),
    )
    mediators = list(mediators or [])
    _assign(actor, dispute, mediators)
    if mediators:
        session.mediators.set(mediators)
    _move(actor, dispute, T.SESSION, _("%(date)s at %(place)s") % {"date": held_on.isoformat(), "place": place})
    return session


@transaction.atomic
def dispute_succeed(
    *,
    actor,
    dispute: Dispute,
    form: str,
    terms: str,
    signed_on,
    amount=None,
    performance_method: str = "",
    performance_deadline=None,
    expected_version=None,
    prevented_criminal_persons: int = 0,
    prevented_mass_petition_persons: int = 0,
) -> Agreement:
    """Mediation succeeded (调解成功): record the agreement, written or oral."""
    dispute = _locked(actor, dispute, T.SUCCEED, expected_version)
    for field, value in (
        ("prevented_criminal_persons", prevented_criminal_persons),
        ("prevented_mass_petition_persons", prevented_mass_petition_persons),
    ):
        if not 0 <= int(value or 0) <= MAX_PERSONS:
            raise DomainError(_("The number of people is out of range."), field=field)
    if form not in codes.AgreementForm.values:
        raise DomainError(_("Choose whether the agreement is written or oral."), field="form")
    terms = (terms or "").strip()
    if not terms:
        raise DomainError(_("An agreement needs its terms: what each party will do."), field="terms")
    signed_on = _check_date(signed_on, "signed_on")
    earliest = max(d for d in (dispute.received_on, dispute.accepted_on, _last_session_day(dispute)) if d)
    if signed_on < earliest:
        raise DomainError(
            _("The agreement cannot be signed before %(date)s (acceptance or the last session).")
            % {"date": earliest.isoformat()},
            field="signed_on",
        )
    if performance_deadline is not None:
        _check_date(performance_deadline, "performance_deadline", allow_future=True)
        if performance_deadline < signed_on:
            raise DomainError(_("Performance cannot be due before the agreement."), field="performance_deadline")
    # A reopened case that succeeds again replaces its earlier agreement; the audit trail keeps both.
    agreement, _created = Agreement.objects.update_or_create(
        dispute=dispute,
        defaults={
            "org_id": dispute.org_id,
            "form": form,
            "terms": terms,
            "amount": _check_amount(amount, "amount"),
            "performance_method": (performance_method or "").strip(),
            "performance_deadline": performance_deadline,
            "signed_on": signed_on,
        },
    )
    _move(
        actor,
        dispute,
        T.SUCCEED,
        concluded_on=signed_on,
        outcome=codes.Outcome.SUCCEEDED,
        prevented_criminal=prevented_criminal_persons > 0,
        prevented_criminal_persons=prevented_criminal_persons,
        prevented_mass_petition=prevented_mass_petition_persons > 0,
        prevented_mass_petition_persons=prevented_mass_petition_persons,
    )
    return agreement


@transaction.atomic
def dispute_fail(*, actor, dispute: Dispute, reason: str, expected_version=None) -> Dispute:
    """Mediation failed (调解不成功); the parties are told of other channels."""
    dispute = _locked(actor, dispute, T.FAIL, expected_version)
    reason = _reason(reason)
    return _move(
        actor, dispute, T.FAIL, reason, outcome=codes.Outcome.FAILED, outcome_reason=reason, concluded_on=_today()
    )


@transaction.atomic
def dispute_terminate(*, actor, dispute: Dispute, reason: str, expected_version=None) -> Dispute:
    """End mediation (终止), e.g. a party withdrew or went to court."""
    dispute = _locked(actor, dispute, T.TERMINATE, expected_version)
    reason = _reason(reason)
    return _move(
        actor,
        dispute,
        T.TERMINATE,
        reason,
        outcome=codes.Outcome.TERMINATED,
        outcome_reason=reason,
        concluded_on=_today(),
    )


@transaction.atomic
def dispute_follow_up(
    *,
    actor,
    dispute: Dispute,
    visited_on,
    satisfaction: str,
    performed: bool | None = None,
    note: str = "",
    expected_version=None,
) -> FollowUp:
    """A follow-up visit (回访) after the case concluded."""
    dispute = _locked(actor, dispute, T.FOLLOW_UP, expected_version)
    visited_on = _check_date(visited_on, "visited_on")
    if dispute.concluded_on and visited_on < dispute.concluded_on:
        raise DomainError(_("A follow-up visit comes after the case concluded."), field="visited_on")
    if satisfaction not in codes.Satisfaction.values:
        raise DomainError(_("Choose the parties' satisfaction."), field="satisfaction")
    had_agreement = Agreement.objects.filter(dispute=dispute).exists()
    if had_agreement and performed is None:
        raise DomainError(_("Say whether the agreement was performed."), field="performed")
    follow_up = FollowUp.objects.create(
        dispute=dispute,
        org_id=dispute.org_id,
        visited_on=visited_on,
        satisfaction=satisfaction,
        performed=performed if had_agreement else None,
        note=(note or "").strip(),
    )
    _move(actor, dispute, T.FOLLOW_UP, follow_up.get_satisfaction_display())
    return follow_up


@transaction.atomic
def dispute_archive(*, actor, dispute: Dispute, expected_version=None) -> Dispute:
    """Close and archive the case (结案归档). A successful case is archived after its follow-up."""
    dispute = _locked(actor, dispute, T.ARCHIVE, expected_version)
    return _move(actor, dispute, T.ARCHIVE, archived_on=_today())


@transaction.atomic
def dispute_reopen(*, actor, dispute: Dispute, reason: str, expected_version=None) -> Dispute:
    """Reopen a closed case: an explicit, audited step back into mediation."""
    dispute = _locked(actor, dispute, T.REOPEN, expected_version)
    reason = _reason(reason)
    today = _today()
    # The earlier agreement no longer stands (the audit trail keeps what it said); figures that
    # belonged to the earlier conclusion are cleared with it.
    counted = rollup.contribution(dispute)
    old = Agreement.objects.filter(dispute=dispute).first()
    if old is not None:
        audit.record(
            actor=actor,
            action="dispute.agreement_withdrawn",
            kind=AuditKind.DELETE,
            obj=old,
            changes=audit.snapshot(old),
        )
        old.delete()
    return _move(
        actor,
        dispute,
        T.REOPEN,
        reason,
        rollup_before=counted,
        accepted_on=dispute.accepted_on or today,
        concluded_on=None,
        archived_on=None,
        outcome="",
        outcome_reason="",
        prevented_criminal=False,
        prevented_criminal_persons=0,
        prevented_mass_petition=False,
        prevented_mass_petition_persons=0,
        deadline=today + datetime.timedelta(days=period_for(dispute)),
    )


@transaction.atomic
def dispute_escalate(*, actor, dispute: Dispute, committee: Committee, reason: str, expected_version=None) -> Dispute:
    """Pass the case up to a higher committee: village → town → city."""
    dispute = _locked(actor, dispute, T.ESCALATE, expected_version)
    reason = _reason(reason)
    if committee.level <= dispute.level:
        raise DomainError(_("Choose a committee at a higher level than the current one."), field="committee")
    _check_committee(actor, committee, dispute.org)
    return _move(actor, dispute, T.ESCALATE, reason, committee=committee, level=committee.level)


# --- changing details ------------------------------------------------------------------------------

EDITABLE_FIELDS = ("summary", "description", "event_type", "amount", "people_count", "scale", "place")


@transaction.atomic
def dispute_update(
    *,
    actor,
    dispute: Dispute,
    expected_version=None,
    summary: str,
    description: str,
    event_type: str,
    amount=None,
    people_count: int = 2,
    scale: str = "01",
    place: str = "",
) -> Dispute:
    """Correct or complete the details of an open case; the warning rules run again."""
    dispute = _locked(actor, dispute, T.EDIT, expected_version)
    summary, description = (summary or "").strip(), (description or "").strip()
    if not summary:
        raise DomainError(_("Give the dispute a short summary."), field="summary")
    if not description:
        raise DomainError(_("Describe the dispute."), field="description")
    if not codes_gbt.is_valid_event_type(event_type or ""):
        raise DomainError(_("Unknown dispute type code: %(code)s") % {"code": event_type}, field="event_type")
    if scale not in codes_gbt.SCALES:
        raise DomainError(_("Unknown scale."), field="scale")
    try:
        people_count = int(people_count)
    except (TypeError, ValueError):
        raise DomainError(_("Enter the number of people involved."), field="people_count") from None
    if not 2 <= people_count <= MAX_PERSONS:
        raise DomainError(_("A dispute involves at least two people."), field="people_count")
    place = (place or "").strip()[:200]
    new = {
        "summary": summary,
        "description": description,
        "event_type": event_type,
        "stat_category": codes_gbt.stat_category_for(event_type),
        "amount": _check_amount(amount, "amount"),
        "people_count": people_count,
        "scale": scale,
        "place": place,
        "place_key": place_key(place),
    }
    changed = [k for k, v in new.items() if getattr(dispute, k) != v and k in EDITABLE_FIELDS]
    if not changed:
        raise DomainError(_("Nothing was changed."), code="unchanged")
    labels = "、".join(str(Dispute._meta.get_field(k).verbose_name) for k in changed)
    dispute = _move(actor, dispute, T.EDIT, labels, **new)
    _refresh_flags(actor, dispute)
    return dispute


# --- mediation periods -----------------------------------------------------------------------------


def period_for(dispute: Dispute) -> int:
    """The period configured for the case's type: the most specific code (two-level before
    first-level), from the nearest unit (office before city); else the default."""
    org = dispute.org if dispute.org_id else OrgNode.objects.get(pk=dispute.org_id)
    code = dispute.event_type or ""
    rules = {
        (r.code, r.org.depth): r.days
        for r in MediationPeriod.objects.filter(org__path__in=org.ancestor_paths(), code__in=[code, code[:2]])
        .select_related("org")
        .only("code", "days", "org__depth")
    }
    for key in sorted(rules, key=lambda k: (len(k[0]), k[1]), reverse=True):
        return rules[key]
    return codes.DEFAULT_PERIOD_DAYS


def _require_period_admin(actor, org: OrgNode):
    if not in_scope(actor, org, Action.APPROVE, Module.MEDIATION):
        raise Forbidden(_("Only the bureau or the office's director may set mediation periods."))


@transaction.atomic
def period_set(*, actor, org: OrgNode, code: str, days) -> MediationPeriod:
    """Set the mediation period for a dispute type in a unit (the city or an office)."""
    org = OrgNode.objects.get(pk=org.pk)
    _require_period_admin(actor, org)
    if org.kind not in (OrgKind.CITY, OrgKind.TOWN):
        raise DomainError(_("Set periods for the city or for an office."), field="org")
    code = (code or "").strip()
    if not (len(code) == 2 and code in codes_gbt.EVENT_CLASSES) and not codes_gbt.is_valid_event_type(code):
        raise DomainError(_("Unknown dispute type code: %(code)s") % {"code": code}, field="code")
    try:
        days = int(days)
    except (TypeError, ValueError):
        raise DomainError(_("Enter the period in days."), field="days") from None
    if not 1 <= days <= 366:
        raise DomainError(_("The mediation period must be between 1 and 366 days."), field="days")
    period = MediationPeriod.objects.select_for_update().filter(org=org, code=code).first()
    if period is None:
        period = MediationPeriod.objects.create(org=org, code=code, days=days)
        audit.record_create(actor=actor, obj=period, action="mediation_period.create")
        return period
    before = audit.snapshot(period)
    period.days = days
    period.save(update_fields=["days", "updated_at"])
    audit.record_update(actor=actor, obj=period, before=before, action="mediation_period.update")
    return period


@transaction.atomic
def period_delete(*, actor, period: MediationPeriod) -> None:
    """Remove a period rule: that type falls back to the wider rule or the default."""
    period = MediationPeriod.objects.select_for_update().select_related("org").get(pk=period.pk)
    _require_period_admin(actor, period.org)
    audit.record(
        actor=actor, action="mediation_period.delete", kind=AuditKind.DELETE, obj=period, changes=audit.snapshot(period)
    )
    period.delete()


# --- linkage: referral to other channels and judicial confirmation --------------------------------


@transaction.atomic
def dispute_refer(
    *,
    actor,
    dispute: Dispute,
    channel: str,
    receiving_body: str,
    referred_on,
    reason: str = "",
    expected_version=None,
) -> Referral:
    """Pass a case whose mediation failed or did not suit it on to another channel (诉讼, 仲裁,
    行政裁决, 行政复议, 公证, 律师调解, 法律援助)."""
    dispute = _locked(actor, dispute, T.REFER, expected_version)
    if dispute.outcome == codes.Outcome.SUCCEEDED:
        raise DomainError(_("The parties reached an agreement; there is nothing to refer."), code="illegal_transition")
    if channel not in codes.LinkageChannel.values:
        raise DomainError(_("Choose the channel the case goes to."), field="channel")
    receiving_body = (receiving_body or "").strip()
    if not receiving_body:
        raise DomainError(_("Enter the body that receives the case."), field="receiving_body")
    referred_on = _check_date(referred_on, "referred_on")
    if referred_on < dispute.received_on:
        raise DomainError(_("A case cannot be referred before it was received."), field="referred_on")
    if Referral.objects.filter(dispute=dispute, channel=channel, outcome=codes.LinkageOutcome.PENDING).exists():
        raise DomainError(
            _("The case is already with that channel and its result is awaited."), field="channel", code="duplicate"
        )
    referral = Referral.objects.create(
        dispute=dispute,
        org_id=dispute.org_id,
        channel=channel,
        receiving_body=receiving_body,
        referred_on=referred_on,
        reason=(reason or "").strip(),
    )
    _move(actor, dispute, T.REFER, f"{referral.get_channel_display()} · {receiving_body}")
    return referral


@transaction.atomic
def referral_record_result(
    *,
    actor,
    dispute: Dispute,
    referral: Referral,
    outcome: str,
    result_on,
    result: str = "",
    expected_version=None,
) -> Referral:
    """What came of a referral, as the receiving body reports it back."""
    dispute = _locked(actor, dispute, T.REFERRAL_RESULT, expected_version)
    referral = Referral.objects.select_for_update().filter(pk=referral.pk, dispute=dispute).first()
    if referral is None:
        raise DomainError(_("Choose a referral of this case."), field="referral")
    if referral.outcome != codes.LinkageOutcome.PENDING:
        raise DomainError(_("The result of this referral is already recorded."), field="referral")
    if outcome not in codes.LinkageOutcome.values or outcome == codes.LinkageOutcome.PENDING:
        raise DomainError(_("Choose the result."), field="outcome")
    result_on = _check_date(result_on, "result_on")
    if result_on < referral.referred_on:
        raise DomainError(_("The result cannot come before the referral."), field="result_on")
    before = audit.snapshot(referral)
    referral.outcome, referral.result_on, referral.result = outcome, result_on, (result or "").strip()
    referral.save()
    audit.record_update(actor=actor, obj=referral, before=before, action="referral.result")
    _move(actor, dispute, T.REFERRAL_RESULT, f"{referral.get_channel_display()} · {referral.get_outcome_display()}")
    return referral


def confirmation_window(dispute: Dispute) -> tuple[datetime.date, datetime.date] | None:
    """The days on which the parties may apply for judicial confirmation, or None without a
    written agreement."""
    agreement = Agreement.objects.filter(dispute=dispute).first()
    if agreement is None or agreement.form != codes.AgreementForm.WRITTEN:
        return None
    return agreement.signed_on, agreement.signed_on + datetime.timedelta(days=codes.CONFIRMATION_WINDOW_DAYS)


@transaction.atomic
def confirmation_apply(
    *, actor, dispute: Dispute, court: str, applied_on, note: str = "", expected_version=None
) -> JudicialConfirmation:
    """The parties' joint application to the court for judicial confirmation of the agreement,
    within 30 days of it taking effect (People's Mediation Law, art. 33)."""
    dispute = _locked(actor, dispute, T.CONFIRM, expected_version)
    window = confirmation_window(dispute)
    if window is None:
        raise DomainError(_("Only a written agreement can be confirmed by a court."), code="illegal_transition")
    court = (court or "").strip()
    if not court:
        raise DomainError(_("Enter the court."), field="court")
    applied_on = _check_date(applied_on, "applied_on")
    start, end = window
    if applied_on < start:
        raise DomainError(_("The application cannot precede the agreement."), field="applied_on")
    if applied_on > end:
        raise DomainError(
            _("The 30 days for judicial confirmation ended on %(date)s.") % {"date": end.isoformat()},
            field="applied_on",
        )
    blocking = JudicialConfirmation.objects.filter(
        dispute=dispute, result__in=[codes.ConfirmationResult.PENDING, codes.ConfirmationResult.CONFIRMED]
    ).first()
    if blocking is not None:
        raise DomainError(_("The agreement is already before the court or confirmed."), field="court", code="duplicate")
    confirmation = JudicialConfirmation.objects.create(
        dispute=dispute, org_id=dispute.org_id, court=court, applied_on=applied_on, note=(note or "").strip()
    )
    _move(actor, dispute, T.CONFIRM, court)
    return confirmation


@transaction.atomic
def confirmation_record_result(
    *,
    actor,
    dispute: Dispute,
    result: str,
    ruled_on,
    ruling_number: str = "",
    note: str = "",
    expected_version=None,
) -> JudicialConfirmation:
    """The court's ruling on the pending application."""
    dispute = _locked(actor, dispute, T.CONFIRM_RESULT, expected_version)
    confirmation = (
        JudicialConfirmation.objects.select_for_update()
        .filter(dispute=dispute, result=codes.ConfirmationResult.PENDING)
        .first()
    )
    if confirmation is None:
        raise DomainError(
            _("No application for judicial confirmation is awaiting a ruling."), code="illegal_transition"
        )
    if result not in codes.ConfirmationResult.values or result == codes.ConfirmationResult.PENDING:
        raise DomainError(_("Choose the ruling."), field="result")
    ruled_on = _check_date(ruled_on, "ruled_on")
    if ruled_on < confirmation.applied_on:
        raise DomainError(_("The ruling cannot come before the application."), field="ruled_on")
    before = audit.snapshot(confirmation)
    confirmation.result, confirmation.ruled_on = result, ruled_on
    confirmation.ruling_number = (ruling_number or "").strip()
    if note:
        confirmation.note = "\n".join(x for x in (confirmation.note, note.strip()) if x)
    confirmation.save()
    audit.record_update(actor=actor, obj=confirmation, before=before, action="confirmation.result")
    _move(actor, dispute, T.CONFIRM_RESULT, confirmation.get_result_display())
    return confirmation


# --- early warning ---------------------------------------------------------------------------------

UNHANDLED = (codes.FlagStatus.OPEN, codes.FlagStatus.ACKNOWLEDGED)


def _refresh_flags(actor, dispute: Dispute, parties=None, *, cascade=True):
    """Apply the rules' findings to the case's flags: raise new ones, raise the level of existing
    ones (an acknowledged flag that gets worse needs attention again), never silently drop a flag
    someone must still handle. A new cluster also flags the other open cases in it."""
    parties = list(parties) if parties is not None else list(Party.objects.filter(dispute=dispute))
    findings = risk.evaluate(dispute, parties)
    flags = {f.kind: f for f in RiskFlag.objects.select_for_update().filter(dispute=dispute, status__in=UNHANDLED)}
    for kind, finding in findings.items():
        flag = flags.get(kind)
        if flag is None:
            handled = (
                RiskFlag.objects.filter(dispute=dispute, kind=kind, status=codes.FlagStatus.HANDLED)
                .order_by("-level")
                .first()
            )
            if handled is not None and handled.level >= finding.level and handled.reasons == finding.reasons:
                continue  # the same warning was dealt with already
            flag = RiskFlag.objects.create(
                dispute=dispute, org_id=dispute.org_id, kind=kind, level=finding.level, reasons=finding.reasons
            )
            _flag_event(actor, dispute, flag, raised=True)
            flags[kind] = flag
        elif finding.level > flag.level or finding.reasons != flag.reasons:
            worse = finding.level > flag.level
            flag.level, flag.reasons = max(flag.level, finding.level), finding.reasons
            if worse:
                flag.status = codes.FlagStatus.OPEN
            flag.save(update_fields=["level", "reasons", "status", "updated_at"])
            if worse:
                _flag_event(actor, dispute, flag, raised=True)
    _sync_risk_level(dispute)
    clustered = {r["code"] for r in findings[codes.RiskKind.MASS].reasons} if codes.RiskKind.MASS in findings else set()
    if cascade and clustered & {"same_respondent", "same_place"}:
        same_respondent, same_place = risk.cluster_members(dispute, parties)
        cluster = set(same_respondent if "same_respondent" in clustered else ())
        cluster |= set(same_place if "same_place" in clustered else ())
        for other in Dispute.objects.filter(pk__in=cluster - {dispute.pk}).select_for_update(of=("self",)):
            _refresh_flags(actor, other, cascade=False)


def _sync_risk_level(dispute: Dispute):
    levels = RiskFlag.objects.filter(dispute=dispute, status__in=UNHANDLED).values_list("level", flat=True)
    level = max(levels, default=0)
    if level != dispute.risk_level:
        Dispute.objects.filter(pk=dispute.pk).update(risk_level=level)
        dispute.risk_level = level


def _flag_event(actor, dispute, flag, *, raised=False, note=""):
    text = note or f"{flag.get_level_display()} · {flag.get_kind_display()}：" + "；".join(flag.reason_texts())
    _event(actor, dispute, T.WARNING, dispute.status, text)
    audit.record(
        actor=actor,
        action="warning.raise" if raised else "warning.update",
        kind=AuditKind.ACTION,
        obj=flag,
        changes={"level": [None, flag.level], "reasons": [None, flag.reasons]},
    )


def _locked_flag(actor, flag: RiskFlag) -> RiskFlag:
    flag = RiskFlag.objects.select_for_update(of=("self",)).select_related("dispute", "org").get(pk=flag.pk)
    _require(actor, flag.org, Action.CHANGE)
    return flag


@transaction.atomic
def flag_acknowledge(*, actor, flag: RiskFlag) -> RiskFlag:
    """Someone at the office has seen the warning and is on it."""
    flag = _locked_flag(actor, flag)
    if flag.status != codes.FlagStatus.OPEN:
        raise DomainError(_("This warning is no longer new."), code="illegal_transition")
    flag.status, flag.acknowledged_at, flag.acknowledged_by = (
        codes.FlagStatus.ACKNOWLEDGED,
        timezone.now(),
        _actor_user(actor),
    )
    flag.save()
    _flag_event(actor, flag.dispute, flag, note=_("Warning acknowledged: %(kind)s") % {"kind": flag.get_kind_display()})
    return flag


@transaction.atomic
def flag_handle(*, actor, flag: RiskFlag, measures: str) -> RiskFlag:
    """Record what was done about the warning (visits, security measures, report to the police …)."""
    flag = _locked_flag(actor, flag)
    if flag.status == codes.FlagStatus.HANDLED:
        raise DomainError(_("This warning was handled already."), code="illegal_transition")
    measures = (measures or "").strip()
    if not measures:
        raise DomainError(_("Describe the measures taken."), field="measures")
    now = timezone.now()
    if flag.acknowledged_at is None:
        flag.acknowledged_at, flag.acknowledged_by = now, _actor_user(actor)
    flag.status, flag.handled_at, flag.handled_by, flag.handling = (
        codes.FlagStatus.HANDLED,
        now,
        _actor_user(actor),
        measures,
    )
    flag.save()
    _flag_event(actor, flag.dispute, flag, note=_("Warning handled: %(measures)s") % {"measures": measures})
    _sync_risk_level(flag.dispute)
    return flag


# --- screening rounds and major incidents ----------------------------------------------------------


def _period_check(period_from, period_to, held_on):
    period_from = _check_date(period_from, "period_from")
    period_to = _check_date(period_to, "period_to", allow_future=True)
    held_on = _check_date(held_on, "held_on")
    if period_to < period_from:
        raise DomainError(_("The period cannot end before it starts."), field="period_to")
    if (period_to - period_from).days > 366:
        raise DomainError(_("A screening period is at most a year."), field="period_to")
    if held_on < period_from:
        raise DomainError(_("The screening cannot be held before its period starts."), field="held_on")
    return period_from, period_to, held_on


def _count(value, field):
    try:
        value = int(value or 0)
    except (TypeError, ValueError):
        raise DomainError(_("Enter a whole number."), field=field) from None
    if not 0 <= value <= MAX_PERSONS:
        raise DomainError(_("The number is out of range."), field=field)
    return value


@transaction.atomic
def screening_record(
    *,
    actor,
    org: OrgNode,
    period_from,
    period_to,
    held_on,
    participants: str,
    findings: str,
    disputes_found=0,
    risks_found=0,
) -> ScreeningRound:
    """Record a round of dispute screening (矛盾纠纷排查) in a village or town."""
    org = OrgNode.objects.get(pk=org.pk)
    _require(actor, org, Action.CREATE)
    if org.kind not in (OrgKind.TOWN, OrgKind.VILLAGE):
        raise DomainError(_("Screening is done in a village or a town."), field="org")
    period_from, period_to, held_on = _period_check(period_from, period_to, held_on)
    participants, findings = (participants or "").strip(), (findings or "").strip()
    if not participants:
        raise DomainError(_("Say who took part."), field="participants")
    if not findings:
        raise DomainError(_("Write what was found (or that nothing was)."), field="findings")
    screening = ScreeningRound.objects.create(
        org=org,
        period_from=period_from,
        period_to=period_to,
        held_on=held_on,
        participants=participants,
        findings=findings,
        disputes_found=_count(disputes_found, "disputes_found"),
        risks_found=_count(risks_found, "risks_found"),
        recorded_by=_actor_user(actor),
    )
    audit.record_create(actor=actor, obj=screening, action="screening.record")
    return screening


@transaction.atomic
def incident_record(
    *,
    actor,
    org: OrgNode,
    occurred_on,
    title: str,
    description: str,
    people_count,
    dispute: Dispute | None = None,
    caused_by_mediation: bool = False,
    cause_note: str = "",
) -> MajorIncident:
    """Record a major mass incident and the finding on whether mediation caused it (standard 8)."""
    org = OrgNode.objects.get(pk=org.pk)
    _require(actor, org, Action.CREATE)
    if org.kind not in (OrgKind.TOWN, OrgKind.VILLAGE):
        raise DomainError(_("Record the incident at the town or village where it happened."), field="org")
    occurred_on = _check_date(occurred_on, "occurred_on")
    title, description = (title or "").strip(), (description or "").strip()
    if not title:
        raise DomainError(_("Give the incident a title."), field="title")
    if not description:
        raise DomainError(_("Describe the incident."), field="description")
    people_count = _count(people_count, "people_count")
    if people_count < 2:
        raise DomainError(_("A mass incident involves many people."), field="people_count")
    if dispute is not None and dispute.office_id != org.office_id:
        raise DomainError(_("The dispute belongs to another office."), field="dispute")
    cause_note = (cause_note or "").strip()
    if caused_by_mediation and not cause_note:
        raise DomainError(_("Explain how mediation caused the incident."), field="cause_note")
    incident = MajorIncident.objects.create(
        org=org,
        occurred_on=occurred_on,
        title=title,
        description=description,
        people_count=people_count,
        dispute=dispute,
        caused_by_mediation=bool(caused_by_mediation),
        cause_note=cause_note,
        recorded_by=_actor_user(actor),
    )
    audit.record_create(actor=actor, obj=incident, action="incident.record")
    return incident


# --- committees, mediators, trainings, designations ------------------------------------------------


def _clean_committee_fields(org: OrgNode, name: str, committee_type: str, field: str):
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Enter the committee's name."), field="name")
    if committee_type not in codes.CommitteeType.values:
        raise DomainError(_("Choose the committee type."), field="committee_type")
    if org.kind not in codes.COMMITTEE_ORG_KINDS[codes.CommitteeType(committee_type)]:
        raise DomainError(
            _("A “%(type)s” committee cannot sit at a %(kind)s.")
            % {"type": codes.CommitteeType(committee_type).label, "kind": org.get_kind_display()},
            field="org",
        )
    return name, (field or "").strip()


def _unique_committee_name(org, name, exclude=None):
    clash = Committee.objects.filter(org=org, name=name)
    if exclude is not None:
        clash = clash.exclude(pk=exclude.pk)
    if clash.exists():
        raise DomainError(_("This unit already has a committee of that name."), field="name", code="duplicate")


@transaction.atomic
def committee_create(*, actor, org: OrgNode, name: str, committee_type: str, field: str = "") -> Committee:
    """Set up a people's mediation committee at a village, town or the city."""
    org = OrgNode.objects.get(pk=org.pk)
    _require(actor, org, Action.CREATE)
    if not org.is_active:
        raise DomainError(_("The unit is deactivated."), field="org")
    name, field = _clean_committee_fields(org, name, committee_type, field)
    _unique_committee_name(org, name)
    committee = Committee.objects.create(org=org, name=name, committee_type=committee_type, field=field)
    audit.record_create(actor=actor, obj=committee, action="committee.create")
    return committee


@transaction.atomic
def committee_update(
    *,
    actor,
    committee: Committee,
    name: str,
    committee_type: str,
    field: str = "",
    is_active: bool = True,
    version=None,
) -> Committee:
    """Rename, retype or deactivate a committee (its cases keep it)."""
    committee = Committee.objects.select_for_update(of=("self",)).select_related("org").get(pk=committee.pk)
    _require(actor, committee.org, Action.CHANGE)
    audit.check_version(committee, version)
    name, field = _clean_committee_fields(committee.org, name, committee_type, field)
    _unique_committee_name(committee.org, name, exclude=committee)
    if not is_active and committee.disputes.filter(status__in=codes.OPEN_STATUSES).exists():
        raise DomainError(
            _("The committee still has open cases; pass them on before deactivating it."), field="is_active"
        )
    before = audit.snapshot(committee)
    committee.name, committee.committee_type, committee.field = name, committee_type, field
    committee.is_active = bool(is_active)
    committee.save()
    audit.record_update(actor=actor, obj=committee, before=before, action="committee.update")
    return committee


def _clean_mediator(actor, org: OrgNode, full_name: str, phone: str, committees):
    from fengqiao.core.validators import validate_phone

    full_name = (full_name or "").strip()
    if not full_name:
        raise DomainError(_("Enter the mediator's name."), field="full_name")
    phone = normalize_phone(phone or "")
    if phone:
        try:
            validate_phone(phone)
        except ValidationError as exc:
            raise DomainError(exc.messages[0], field="phone") from None
    committees = list(committees or [])
    for c in committees:
        # A mediator sits on committees of their own area: the unit's own, or those above it.
        if not org.path.startswith(c.org.path) and not c.org.path.startswith(org.path):
            raise DomainError(
                _("%(committee)s is not in the mediator's area.") % {"committee": c.name}, field="committees"
            )
        if not in_scope(actor, c.org, Action.VIEW, Module.MEDIATION) and not in_scope(
            actor, org, Action.CHANGE, Module.MEDIATION
        ):
            raise DomainError(_("Choose committees of your own unit."), field="committees")
    return full_name, phone, committees


@transaction.atomic
def mediator_create(
    *,
    actor,
    org: OrgNode,
    full_name: str,
    full_time: bool = False,
    phone: str = "",
    committees=(),
    specialty: str = "",
    certificate_no: str = "",
    user=None,
) -> Mediator:
    """Add a people's mediator to a unit, on one or more committees."""
    org = OrgNode.objects.get(pk=org.pk)
    _require(actor, org, Action.CREATE)
    full_name, phone, committees = _clean_mediator(actor, org, full_name, phone, committees)
    mediator = Mediator.objects.create(
        org=org,
        full_name=full_name,
        phone=phone,
        full_time=bool(full_time),
        specialty=(specialty or "").strip(),
        certificate_no=(certificate_no or "").strip(),
        user=user,
    )
    mediator.committees.set(committees)
    audit.record_create(actor=actor, obj=mediator, action="mediator.create")
    return mediator


@transaction.atomic
def mediator_update(
    *,
    actor,
    mediator,
    full_name: str,
    full_time: bool,
    phone: str = "",
    committees=(),
    specialty: str = "",
    certificate_no: str = "",
    is_active: bool = True,
    version=None,
):
    """Change a mediator's details, committees, full-time status or deactivate them."""
    mediator = Mediator.objects.select_for_update(of=("self",)).select_related("org").get(pk=mediator.pk)
    _require(actor, mediator.org, Action.CHANGE)
    audit.check_version(mediator, version)
    full_name, phone, committees = _clean_mediator(actor, mediator.org, full_name, phone, committees)
    before = audit.snapshot(mediator)
    before["committees"] = sorted(mediator.committees.values_list("name", flat=True))
    mediator.full_name, mediator.phone, mediator.full_time = full_name, phone, bool(full_time)
    mediator.specialty, mediator.certificate_no = (specialty or "").strip(), (certificate_no or "").strip()
    mediator.is_active = bool(is_active)
    mediator.save()
    mediator.committees.set(committees)
    after = audit.snapshot(mediator)
    after["committees"] = sorted(c.name for c in committees)
    audit.record(
        actor=actor, action="mediator.update", kind=AuditKind.UPDATE, obj=mediator, changes=audit.diff(before, after)
    )
    return mediator


@transaction.atomic
def training_add(*, actor, mediator, held_on, title: str, hours, organiser: str = ""):
    """Record a training the mediator attended."""
    mediator = Mediator.objects.select_related("org").get(pk=mediator.pk)
    _require(actor, mediator.org, Action.CHANGE)
    held_on = _check_date(held_on, "held_on")
    title = (title or "").strip()
    if not title:
        raise DomainError(_("Enter the training's title."), field="title")
    try:
        hours = decimal.Decimal(str(hours))
    except decimal.InvalidOperation:
        raise DomainError(_("Enter the hours, e.g. 4 or 1.5."), field="hours") from None
    if not 0 < hours <= 500:
        raise DomainError(_("Enter between 0.5 and 500 hours."), field="hours")
    training = MediatorTraining.objects.create(
        org_id=mediator.org_id,
        mediator=mediator,
        held_on=held_on,
        title=title,
        hours=hours.quantize(decimal.Decimal("0.1")),
        organiser=(organiser or "").strip(),
    )
    audit.record_create(actor=actor, obj=training, action="mediator.training")
    return training


@transaction.atomic
def designation_add(
    *, actor, kind: str, level: str, year, committee=None, mediator=None, studio_name: str = "", conferred_by=""
):
    """Record a gold-medal designation of a studio (on a committee) or of a mediator."""
    if kind not in codes.HonourKind.values:
        raise DomainError(_("Choose what was designated."), field="kind")
    if level not in codes.HonourLevel.values:
        raise DomainError(_("Choose the level that conferred it."), field="level")
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise DomainError(_("Enter the year."), field="year") from None
    if not 2000 <= year <= _today().year:
        raise DomainError(_("Enter a year between 2000 and this year."), field="year")
    studio_name = (studio_name or "").strip()
    if kind == codes.HonourKind.STUDIO:
        if committee is None:
            raise DomainError(_("Choose the committee the studio belongs to."), field="committee")
        if not studio_name:
            raise DomainError(_("Enter the studio's name."), field="studio_name")
        holder_org, mediator = committee.org, None
    else:
        if mediator is None:
            raise DomainError(_("Choose the mediator."), field="mediator")
        holder_org, committee = mediator.org, None
    _require(actor, holder_org, Action.CHANGE)
    if Designation.objects.filter(kind=kind, level=level, year=year, committee=committee, mediator=mediator).exists():
        raise DomainError(_("This designation is already recorded."), field="year", code="duplicate")
    designation = Designation.objects.create(
        org=holder_org,
        kind=kind,
        level=level,
        year=year,
        committee=committee,
        mediator=mediator,
        studio_name=studio_name,
        conferred_by=(conferred_by or "").strip(),
    )
    audit.record_create(actor=actor, obj=designation, action="designation.add")
    return designation
