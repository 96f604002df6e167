"""Writes to public legal services: registering a service, noting progress, concluding or
withdrawing it, recording satisfaction and the town's adoption of an opinion; complaints and their
verification; the bureau's due times. Each function is one transaction with its audit event. A
refusal raises DomainError and changes nothing."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from fengqiao.core import audit, checks
from fengqiao.core.errors import DomainError, Forbidden
from fengqiao.core.models import AuditKind
from fengqiao.core.permissions import Action, Module
from fengqiao.core.scoping import in_scope
from fengqiao.core.validators import normalize_phone, validate_phone
from fengqiao.orgs.models import OrgKind, OrgNode

from . import codes, policy
from .models import Complaint, DuePolicy, ServiceEvent, ServiceRecord

audit.register_actions(
    {
        "legalservices.register": gettext_lazy("Registered a legal service"),
        "legalservices.note": gettext_lazy("Noted progress on a legal service"),
        "legalservices.conclude": gettext_lazy("Concluded a legal service"),
        "legalservices.withdraw": gettext_lazy("Withdrew a legal service"),
        "legalservices.rate": gettext_lazy("Recorded satisfaction with a legal service"),
        "legalservices.adoption": gettext_lazy("Recorded the adoption of a legal opinion"),
        "legalservices.complaint": gettext_lazy("Registered a complaint about legal services"),
        "legalservices.complaint_close": gettext_lazy("Closed a complaint about legal services"),
        "legalservices.due_policy": gettext_lazy("Changed the due time of a kind of legal service"),
    }
)

MAX_MINUTES = 24 * 60
MAX_DUE_DAYS = 90
# The fields each kind keeps; the others are left empty whatever was sent.
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    codes.Kind.CONSULTATION: ("person_name", "person_phone", "channel", "category", "question", "minutes"),
    codes.Kind.REFERRAL: (
        "person_name", "person_phone", "channel", "category", "question", "referral_to", "receiving_body", "minutes",
    ),
    codes.Kind.RECONSIDERATION: (
        "person_name", "person_phone", "channel", "category", "question", "receiving_body", "minutes",
    ),
    codes.Kind.LEGISLATIVE: ("subject", "question", "opinion_count"),
    codes.Kind.DECISION: ("subject", "decision_type", "question"),
}  # fmt: skip


# --- helpers -----------------------------------------------------------------------------------------


def _today():
    return timezone.localdate()


def _require(actor, org: OrgNode, action: str):
    # actor None is the platform itself (the demo seeder).
    if actor is not None and not in_scope(actor, org, action, Module.LEGAL_SERVICES):
        raise Forbidden(_("You may not record legal services outside your own unit."))


_actor_user = checks.actor_user


_actor_repr = checks.actor_repr


def _text(value, field: str, message, max_length: int | None = None, *, required=True) -> str:
    value = (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()
    if required and not value:
        raise DomainError(message, field=field)
    if max_length and len(value) > max_length:
        raise DomainError(_("Too long: at most %(max)s characters.") % {"max": max_length}, field=field)
    return value


def _date(value, field: str, *, not_before=None, before_message=None):
    if value is None or value == "":
        raise DomainError(_("Enter a date."), field=field)
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        raise DomainError(_("Enter a date as YYYY-MM-DD."), field=field)
    if value > _today():
        raise DomainError(_("The date cannot be in the future."), field=field)
    if value.year < 1990:
        raise DomainError(_("The date is too far in the past."), field=field)
    if not_before is not None and value < not_before:
        raise DomainError(before_message, field=field)
    return value


def _choice(value, choices, field: str, message, *, required=True):
    if not value and not required:
        return ""
    if value not in choices.values:
        raise DomainError(message, field=field)
    return str(value)


def _phone(value, field: str) -> str:
    phone = normalize_phone(value or "")
    if phone:
        try:
            validate_phone(phone)
        except ValidationError as exc:
            raise DomainError(exc.messages[0], field=field) from None
    return phone


def _count(value, field: str, maximum: int, *, required=False):
    if value in (None, ""):
        if required:
            raise DomainError(_("Enter a number."), field=field)
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise DomainError(_("Enter a whole number."), field=field) from None
    if number < 0 or number > maximum:
        raise DomainError(_("Enter a number from 0 to %(max)s.") % {"max": maximum}, field=field)
    return number


def place(actor, office: OrgNode | None, village: OrgNode | None, action: str = Action.CREATE) -> OrgNode:
    """Where a record is kept: the village if given (it must belong to `office`), else the office;
    inside the actor's scope."""
    if office is None:
        raise DomainError(_("Choose the judicial office."), field="office")
    office = OrgNode.objects.get(pk=office.pk)
    if office.kind != OrgKind.TOWN:
        raise DomainError(_("Choose a judicial office."), field="office")
    if not office.is_active:
        raise DomainError(_("The unit is deactivated."), field="office")
    org = office
    if village is not None:
        village = OrgNode.objects.get(pk=village.pk)
        if village.kind != OrgKind.VILLAGE:
            raise DomainError(_("Choose a village or community."), field="village")
        if village.office_id != office.pk:
            raise DomainError(
                _("%(village)s belongs to another office, not to %(office)s.")
                % {"village": village.name, "office": office.display_name},
                field="village",
            )
        if not village.is_active:
            raise DomainError(_("The unit is deactivated."), field="village")
        org = village
    _require(actor, org, action)
    return org


def _event(actor, service, step, date, note=""):
    return ServiceEvent.objects.create(
        service=service,
        org_id=service.org_id,
        date=date,
        step=step,
        note=note,
        recorded_by=_actor_user(actor),
        recorded_by_repr=_actor_repr(actor),
    )


def _locked(actor, service: ServiceRecord, step: str, expected_version=None, action=Action.CHANGE) -> ServiceRecord:
    """The service re-read under a row lock, after the checks every step shares."""
    service = ServiceRecord.objects.select_for_update(of=("self",)).select_related("org").get(pk=service.pk)
    _require(actor, service.org, action)
    audit.check_version(service, expected_version)
    sources, _target = codes.TRANSITIONS[step]
    if service.status not in sources:
        raise DomainError(
            _("This cannot be done to a service that is “%(status)s”.") % {"status": service.get_status_display()},
            code="illegal_transition",
        )
    return service


def _record_step(actor, service, action, before, **extra):
    changes = audit.diff(before, audit.snapshot(service))
    changes.update(extra)
    audit.record(actor=actor, action=action, kind=AuditKind.ACTION, obj=service, changes=changes)


# --- services ----------------------------------------------------------------------------------------


def _kind_fields(kind: str, data: dict) -> dict:
    """Validate what the kind needs; return the cleaned values of its fields."""
    K = codes.Kind
    keep = KIND_FIELDS[kind]
    clean: dict = {}
    if "person_name" in keep:
        clean["person_name"] = _text(data.get("person_name"), "person_name", _("Enter who asked."), 50)
        clean["person_phone"] = _phone(data.get("person_phone"), "person_phone")
    if "channel" in keep:
        clean["channel"] = _choice(
            data.get("channel"), codes.Channel, "channel", _("Choose how the request came in."),
            required=kind == K.CONSULTATION,
        )  # fmt: skip
    if "category" in keep:
        clean["category"] = _choice(
            data.get("category"), codes.Category, "category", _("Choose what the matter is about."),
            required=kind == K.CONSULTATION,
        )  # fmt: skip
    if "subject" in keep:
        message = _("Enter the draft law or regulation.") if kind == K.LEGISLATIVE else _("Enter the subject.")
        clean["subject"] = _text(data.get("subject"), "subject", message, 200)
    if "question" in keep:
        messages = {
            K.CONSULTATION: _("Enter the question."),
            K.REFERRAL: _("Describe the matter referred."),
            K.RECONSIDERATION: _("Describe the administrative act and the request."),
            K.LEGISLATIVE: _("Enter the opinions gathered."),
            K.DECISION: "",
        }
        clean["question"] = _text(data.get("question"), "question", messages[kind], 5000, required=kind != K.DECISION)
    if "minutes" in keep:
        clean["minutes"] = _count(data.get("minutes"), "minutes", MAX_MINUTES)
    if "referral_to" in keep:
        clean["referral_to"] = _choice(
            data.get("referral_to"), codes.ReferralTo, "referral_to", _("Choose where the person is referred.")
        )
    if "receiving_body" in keep:
        clean["receiving_body"] = _text(
            data.get("receiving_body"), "receiving_body", _("Enter the receiving body."), 100
        )
    if "opinion_count" in keep:
        clean["opinion_count"] = _count(data.get("opinion_count"), "opinion_count", 100000)
    if "decision_type" in keep:
        clean["decision_type"] = _choice(
            data.get("decision_type"),
            codes.DecisionType,
            "decision_type",
            _("Choose a decision, contract or document."),
        )
    return clean


REGISTER_FIELDS = (
    "person_name", "person_phone", "channel", "category", "subject", "question", "minutes", "referral_to",
    "decision_type", "receiving_body", "opinion_count",
)  # fmt: skip


@transaction.atomic
def service_register(
    *,
    actor,
    kind: str,
    office: OrgNode,
    village: OrgNode | None = None,
    received_on: datetime.date,
    answer: str = "",
    satisfaction: str = "",
    adoption: str = "",
    **fields,
) -> ServiceRecord:
    """Record a service. A consultation (or a legal opinion) answered on the spot is given with its
    answer and is concluded at once, and may carry the asker's satisfaction; the others stay open
    until their outcome is known. The due date follows the kind's due time."""
    unknown = set(fields) - set(REGISTER_FIELDS)
    if unknown:
        raise DomainError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    kind = _choice(kind, codes.Kind, "kind", _("Choose the kind of service."))
    org = place(actor, office, village, Action.CREATE)
    received_on = _date(received_on, "received_on")
    clean = _kind_fields(kind, fields)
    answer = _text(answer, "answer", "", 10000, required=False)
    satisfaction = _choice(
        satisfaction, codes.Satisfaction, "satisfaction", _("Choose 满意, 基本满意 or 不满意."), required=False
    )
    adoption = _choice(adoption, codes.Adoption, "adoption", _("Choose how the town took the opinion."), required=False)
    answerable = kind in (codes.Kind.CONSULTATION, codes.Kind.DECISION)
    if answer and not answerable:
        raise DomainError(_("Only a consultation or a legal opinion is answered when it is recorded."), field="answer")
    if satisfaction and not answer:
        raise DomainError(_("Satisfaction is recorded once the service is concluded."), field="satisfaction")
    if adoption and not (answer and kind == codes.Kind.DECISION):
        raise DomainError(_("Adoption is recorded for a legal opinion that has been given."), field="adoption")
    service = ServiceRecord(
        org=org,
        kind=kind,
        received_on=received_on,
        due_on=policy.due_date(kind, received_on),
        handled_by=_actor_user(actor),
        handled_by_repr=_actor_repr(actor),
        **clean,
    )
    if answer:
        service.answer = answer
        service.status = codes.Status.CONCLUDED
        service.concluded_on = received_on
        service.satisfaction = satisfaction
        service.adoption = adoption
    service.save()
    _event(actor, service, codes.Step.REGISTER, received_on)
    if answer:
        _event(actor, service, codes.Step.CONCLUDE, received_on, answer[:500])
        if satisfaction:
            _event(actor, service, codes.Step.RATE, received_on, str(codes.Satisfaction(satisfaction).label))
    audit.record_create(actor=actor, action="legalservices.register", obj=service)
    return service


@transaction.atomic
def service_note(
    *, actor, service: ServiceRecord, note: str, date: datetime.date | None = None, expected_version=None
) -> ServiceEvent:
    """Note progress on an open service (a call to the receiving body, a document received)."""
    service = _locked(actor, service, codes.Step.NOTE, expected_version)
    note = _text(note, "note", pgettext("legal services", "Describe what was done."), 2000)
    date = _date(
        date or _today(), "date", not_before=service.received_on,
        before_message=_("The date cannot be before the service was received."),
    )  # fmt: skip
    event = _event(actor, service, codes.Step.NOTE, date, note)
    service.save(update_fields=["updated_at"])
    audit.record(actor=actor, action="legalservices.note", kind=AuditKind.ACTION, obj=service, changes={"note": note})
    return event


@transaction.atomic
def service_conclude(
    *,
    actor,
    service: ServiceRecord,
    concluded_on: datetime.date,
    answer: str | None = None,
    outcome: str | None = None,
    forwarded_on: datetime.date | None = None,
    receiving_body: str | None = None,
    adoption: str = "",
    expected_version=None,
) -> ServiceRecord:
    """Close a service with its result: the answer of a consultation, the outcome a referral or
    reconsideration came to, the forwarding of the opinions gathered on a draft, the opinion given
    to the town. Never without it, and so never an overdue service without it."""
    service = _locked(actor, service, codes.Step.CONCLUDE, expected_version)
    before = audit.snapshot(service)
    concluded_on = _date(
        concluded_on, "concluded_on", not_before=service.received_on,
        before_message=_("A service cannot be concluded before it was received."),
    )  # fmt: skip
    overdue = service.due_on < _today()
    K = codes.Kind

    def missing(field, message):
        if overdue:
            message = _("This service is overdue (due %(date)s): it can only be closed with its result. %(what)s") % {
                "date": service.due_on.isoformat(),
                "what": message,
            }
        raise DomainError(message, field=field)

    if service.kind in (K.CONSULTATION, K.DECISION):
        text = _text(answer if answer is not None else service.answer, "answer", "", 10000, required=False)
        if not text:
            missing(
                "answer", _("Enter the answer.") if service.kind == K.CONSULTATION else _("Enter the opinion given.")
            )
        service.answer = text
        if service.kind == K.DECISION:
            service.adoption = _choice(
                adoption, codes.Adoption, "adoption", _("Choose how the town took the opinion."), required=False
            )
    elif service.kind in (K.REFERRAL, K.RECONSIDERATION):
        text = _text(outcome if outcome is not None else service.outcome, "outcome", "", 5000, required=False)
        if not text:
            missing("outcome", _("Enter the outcome the receiving body reported."))
        service.outcome = text
        if receiving_body:
            service.receiving_body = _text(receiving_body, "receiving_body", "", 100)
    else:
        body = _text(receiving_body if receiving_body is not None else service.receiving_body, "receiving_body", "",
                     100, required=False)  # fmt: skip
        if not body:
            missing("receiving_body", _("Enter to whom the opinions were forwarded."))
        if forwarded_on is None:
            missing("forwarded_on", _("Enter when the opinions were forwarded."))
        service.forwarded_on = _date(
            forwarded_on, "forwarded_on", not_before=service.received_on,
            before_message=_("The opinions cannot be forwarded before they were collected."),
        )  # fmt: skip
        service.receiving_body = body
        if answer:
            service.answer = _text(answer, "answer", "", 10000, required=False)
    service.status = codes.Status.CONCLUDED
    service.concluded_on = concluded_on
    service.save()
    summary = service.answer if service.kind in (K.CONSULTATION, K.DECISION) else service.outcome
    if service.kind == K.LEGISLATIVE:
        summary = f"{service.forwarded_on.isoformat()} → {service.receiving_body}"
    _event(actor, service, codes.Step.CONCLUDE, concluded_on, (summary or "")[:500])
    if service.adoption:
        _event(actor, service, codes.Step.ADOPTION, concluded_on, str(service.get_adoption_display()))
    _record_step(actor, service, "legalservices.conclude", before, overdue=overdue)
    return service


@transaction.atomic
def service_withdraw(
    *, actor, service: ServiceRecord, reason: str, date: datetime.date | None = None, expected_version=None
) -> ServiceRecord:
    """Close a service that will not be concluded (the person withdrew the request, cannot be
    reached). Refused once the service is overdue: an overdue service is closed with its result."""
    service = _locked(actor, service, codes.Step.WITHDRAW, expected_version)
    if service.due_on < _today():
        raise DomainError(
            _("This service is overdue (due %(date)s): it can only be closed with its result.")
            % {"date": service.due_on.isoformat()},
            code="overdue",
        )
    reason = _text(reason, "reason", _("Say why the service is withdrawn."), 2000)
    date = _date(
        date or _today(), "date", not_before=service.received_on,
        before_message=_("The date cannot be before the service was received."),
    )  # fmt: skip
    before = audit.snapshot(service)
    service.status = codes.Status.WITHDRAWN
    service.concluded_on = date
    service.withdraw_reason = reason
    service.save()
    _event(actor, service, codes.Step.WITHDRAW, date, reason)
    _record_step(actor, service, "legalservices.withdraw", before)
    return service


@transaction.atomic
def service_rate(
    *, actor, service: ServiceRecord, satisfaction: str, note: str = "", expected_version=None
) -> ServiceRecord:
    """Record how satisfied the person served was (满意 / 基本满意 / 不满意), on a concluded service."""
    service = _locked(actor, service, codes.Step.RATE, expected_version)
    satisfaction = _choice(satisfaction, codes.Satisfaction, "satisfaction", _("Choose 满意, 基本满意 or 不满意."))
    note = _text(note, "note", "", 2000, required=False)
    before = audit.snapshot(service)
    service.satisfaction = satisfaction
    service.save()
    label = str(codes.Satisfaction(satisfaction).label)
    _event(actor, service, codes.Step.RATE, _today(), f"{label}{'：' + note if note else ''}")
    _record_step(actor, service, "legalservices.rate", before)
    return service


@transaction.atomic
def service_set_adoption(
    *, actor, service: ServiceRecord, adoption: str, note: str = "", expected_version=None
) -> ServiceRecord:
    """Record whether the town adopted a legal opinion given to it (采纳 / 部分采纳 / 未采纳)."""
    service = _locked(actor, service, codes.Step.ADOPTION, expected_version)
    if service.kind != codes.Kind.DECISION:
        raise DomainError(_("Adoption is recorded for a legal opinion that has been given."), code="illegal_transition")
    adoption = _choice(adoption, codes.Adoption, "adoption", _("Choose how the town took the opinion."))
    note = _text(note, "note", "", 2000, required=False)
    before = audit.snapshot(service)
    service.adoption = adoption
    service.save()
    label = str(codes.Adoption(adoption).label)
    _event(actor, service, codes.Step.ADOPTION, _today(), f"{label}{'：' + note if note else ''}")
    _record_step(actor, service, "legalservices.adoption", before)
    return service


# --- complaints --------------------------------------------------------------------------------------


@transaction.atomic
def complaint_register(
    *,
    actor,
    office: OrgNode,
    received_on: datetime.date,
    complainant: str,
    content: str,
    complainant_phone: str = "",
    village: OrgNode | None = None,
    service: ServiceRecord | None = None,
) -> Complaint:
    """Register a complaint (信访投诉) about the office's services; it stays open until verified."""
    org = place(actor, office, village, Action.CREATE)
    received_on = _date(received_on, "received_on")
    complainant = _text(complainant, "complainant", _("Enter the complainant."), 50)
    content = _text(content, "content", _("Enter what the complaint says."), 5000)
    phone = _phone(complainant_phone, "complainant_phone")
    if service is not None:
        service = ServiceRecord.objects.filter(pk=service.pk).first()
        if service is None or service.office_id != org.office_id:
            raise DomainError(_("The service concerned must be one of this office's services."), field="service")
        if received_on < service.received_on:
            raise DomainError(
                _("The complaint cannot be received before the service it concerns."), field="received_on"
            )
    complaint = Complaint.objects.create(
        org=org,
        received_on=received_on,
        complainant=complainant,
        complainant_phone=phone,
        content=content,
        service=service,
        recorded_by=_actor_user(actor),
        recorded_by_repr=_actor_repr(actor),
    )
    audit.record_create(actor=actor, action="legalservices.complaint", obj=complaint)
    return complaint


@transaction.atomic
def complaint_close(
    *,
    actor,
    complaint: Complaint,
    verification: str,
    verified_on: datetime.date | None,
    handling: str,
    expected_version=None,
) -> Complaint:
    """Close a complaint with its verification result (查实 / 未查实), the date of the verification and
    what was done. A substantiated complaint counts against the office for two years."""
    complaint = Complaint.objects.select_for_update(of=("self",)).select_related("org").get(pk=complaint.pk)
    _require(actor, complaint.org, Action.CHANGE)
    audit.check_version(complaint, expected_version)
    if not complaint.is_open:
        raise DomainError(_("This complaint is already closed."), code="illegal_transition")
    verification = _choice(
        verification, codes.Verification, "verification", _("Choose the verification result: 查实 or 未查实.")
    )
    if verified_on is None:
        raise DomainError(_("Enter the date of the verification."), field="verified_on")
    verified_on = _date(
        verified_on, "verified_on", not_before=complaint.received_on,
        before_message=_("The verification cannot be before the complaint was received."),
    )  # fmt: skip
    handling = _text(handling, "handling", _("Describe the verification and what was done."), 5000)
    before = audit.snapshot(complaint)
    complaint.status = codes.ComplaintStatus.CLOSED
    complaint.verification = verification
    complaint.verified_on = verified_on
    complaint.handling = handling
    complaint.closed_by_repr = _actor_repr(actor)
    complaint.save()
    audit.record(
        actor=actor,
        action="legalservices.complaint_close",
        kind=AuditKind.ACTION,
        obj=complaint,
        changes=audit.diff(before, audit.snapshot(complaint)),
    )
    return complaint


# --- due times ---------------------------------------------------------------------------------------


def may_set_due_policy(actor) -> bool:
    return (
        actor is not None
        and actor.has_action(Module.LEGAL_SERVICES, Action.CHANGE)
        and any(
            n.is_bureau and n.parent_id is None for n in actor.scope_nodes_for(Module.LEGAL_SERVICES, Action.CHANGE)
        )
    )


@transaction.atomic
def due_policy_set(*, actor, kind: str, days, working_days: bool) -> DuePolicy:
    """Set the due time of a kind of service for the whole platform (the top bureau only). Services
    already registered keep their due date."""
    if not may_set_due_policy(actor):
        raise Forbidden(_("Only the top bureau sets the due times of services."))
    kind = _choice(kind, codes.Kind, "kind", _("Choose the kind of service."))
    days = _count(days, "days", MAX_DUE_DAYS, required=True)
    row = DuePolicy.objects.select_for_update().filter(kind=kind).first()
    before = {"days": None, "working_days": None}
    if row is None:
        default_days, default_working = codes.DEFAULT_DUE[kind]
        before = {"days": default_days, "working_days": default_working}
        row = DuePolicy(kind=kind)
    else:
        before = {"days": row.days, "working_days": row.working_days}
    row.days, row.working_days = days, bool(working_days)
    row.save()
    audit.record(
        actor=actor,
        action="legalservices.due_policy",
        kind=AuditKind.UPDATE,
        org=getattr(actor, "org", None),
        object_repr=str(row),
        changes={"kind": kind, "before": before, "after": {"days": days, "working_days": bool(working_days)}},
    )
    return row
