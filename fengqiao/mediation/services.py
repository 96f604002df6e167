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

from fengqiao.core import audit
from fengqiao.core.errors import Conflict, DomainError, Forbidden
from fengqiao.core.models import AuditKind
from fengqiao.core.permissions import Action, Module
from fengqiao.core.scoping import in_scope
from fengqiao.core.validators import normalize_id_number, normalize_phone
from fengqiao.orgs.models import OrgKind, OrgNode

from . import codes, codes_gbt, signals
from .codes import Transition
from .models import Agreement, CaseCounter, CaseEvent, Committee, Dispute, FollowUp, MediationSession, Party

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


def _actor_user(actor):
    from fengqiao.accounts.models import User

    return actor if isinstance(actor, User) else None


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
) -> Dispute:
    """Register a dispute (登记) with its parties and give it its case number."""
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
    signals.dispute_moved.send(sender=Dispute, dispute=dispute, transition=T.REGISTER, from_status="", actor=actor)
    audit.record(
        actor=actor,
        action="dispute.register",
        kind=AuditKind.CREATE,
        obj=dispute,
        changes={"number": [None, dispute.number], "parties": [None, len(cleaned)]},
    )
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


def _move(actor, dispute: Dispute, transition: str, note: str = "", **fields) -> Dispute:
    before = audit.snapshot(dispute)
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
    days = period_days or codes.DEFAULT_PERIOD_DAYS
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
        accepted_on=dispute.accepted_on or today,
        concluded_on=None,
        archived_on=None,
        outcome="",
        outcome_reason="",
        prevented_criminal=False,
        prevented_criminal_persons=0,
        prevented_mass_petition=False,
        prevented_mass_petition_persons=0,
        deadline=today + datetime.timedelta(days=codes.DEFAULT_PERIOD_DAYS),
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
