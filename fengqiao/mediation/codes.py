"""The mediation registry: every code the module uses, and the case state machine.

One place for statuses, transitions, channels, referral sources, committee types and levels, so
services, forms, filters, statistics and the API all speak the same codes. Dispute event types
(GB/T 31000-2015) and the 15 statistical categories are in `codes_gbt`.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Status(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Not accepted")
    MEDIATING = "mediating", _("In mediation")
    SUCCEEDED = "succeeded", _("Mediation succeeded")
    FAILED = "failed", _("Mediation failed")
    TERMINATED = "terminated", _("Terminated")
    FOLLOWED_UP = "followed_up", _("Followed up")
    ARCHIVED = "archived", _("Closed and archived")


class Outcome(models.TextChoices):
    """How a case ended; kept when it moves on to follow-up and archive (cleared on reopening)."""

    SUCCEEDED = "succeeded", _("Mediation succeeded")
    FAILED = "failed", _("Mediation failed")
    TERMINATED = "terminated", _("Terminated")
    REJECTED = "rejected", _("Not accepted")


S = Status
OPEN_STATUSES = frozenset({S.REGISTERED, S.ACCEPTED, S.MEDIATING})
CONCLUDED_STATUSES = frozenset({S.SUCCEEDED, S.FAILED, S.TERMINATED})


class Transition(models.TextChoices):
    """What can happen to a case. Each is one service function and one timeline event."""

    REGISTER = "register", _("Registered")
    ACCEPT = "accept", _("Accepted")
    REJECT = "reject", _("Not accepted")
    SESSION = "session", _("Mediation session held")
    SUCCEED = "succeed", _("Agreement reached")
    FAIL = "fail", _("Mediation failed")
    TERMINATE = "terminate", _("Terminated")
    FOLLOW_UP = "follow_up", _("Follow-up visit")
    ARCHIVE = "archive", _("Closed and archived")
    REOPEN = "reopen", _("Reopened")
    ESCALATE = "escalate", _("Passed up to a higher committee")
    EDIT = "edit", _("Details changed")
    REFER = "refer", _("Referred to another channel")
    REFERRAL_RESULT = "referral_result", _("Result of the referral received")
    CONFIRM = "confirm", _("Judicial confirmation applied for")
    CONFIRM_RESULT = "confirm_result", _("Court's ruling on confirmation received")
    WARNING = "warning", _("Early warning")


T = Transition
# transition → (states it may start from, state it leads to; None keeps the state)
TRANSITIONS: dict[str, tuple[frozenset, str | None]] = {
    T.ACCEPT: (frozenset({S.REGISTERED}), S.ACCEPTED),
    T.REJECT: (frozenset({S.REGISTERED}), S.REJECTED),
    T.SESSION: (frozenset({S.ACCEPTED, S.MEDIATING}), S.MEDIATING),
    T.SUCCEED: (frozenset({S.ACCEPTED, S.MEDIATING}), S.SUCCEEDED),
    T.FAIL: (frozenset({S.MEDIATING}), S.FAILED),
    T.TERMINATE: (frozenset({S.ACCEPTED, S.MEDIATING}), S.TERMINATED),
    T.FOLLOW_UP: (frozenset({S.SUCCEEDED, S.FAILED, S.TERMINATED, S.FOLLOWED_UP}), S.FOLLOWED_UP),
    T.ARCHIVE: (frozenset({S.FOLLOWED_UP, S.REJECTED, S.FAILED, S.TERMINATED}), S.ARCHIVED),
    T.REOPEN: (frozenset({S.ARCHIVED, S.REJECTED, S.FAILED, S.TERMINATED}), S.ACCEPTED),
    T.ESCALATE: (frozenset({S.REGISTERED, S.ACCEPTED, S.MEDIATING}), None),
    T.EDIT: (frozenset(OPEN_STATUSES), None),
    T.REFER: (frozenset({S.REJECTED, S.FAILED, S.TERMINATED, S.FOLLOWED_UP, S.ARCHIVED}), None),
    T.REFERRAL_RESULT: (frozenset({S.REJECTED, S.FAILED, S.TERMINATED, S.FOLLOWED_UP, S.ARCHIVED}), None),
    T.CONFIRM: (frozenset({S.SUCCEEDED, S.FOLLOWED_UP, S.ARCHIVED}), None),
    T.CONFIRM_RESULT: (frozenset({S.SUCCEEDED, S.FOLLOWED_UP, S.ARCHIVED}), None),
}
# Steps that only apply when the case has something pending (a referral without its result, an
# application for confirmation without the ruling); the services check it too.
CONDITIONAL_STEPS = {
    T.REFER: "referable",
    T.REFERRAL_RESULT: "pending_referral",
    T.CONFIRM_RESULT: "pending_confirmation",
    T.CONFIRM: "confirmable",
}


# What a user does, for buttons and messages ("Accept"); the Transition labels name what happened,
# for the timeline ("Accepted").
STEP_ACTIONS = {
    T.ACCEPT: pgettext_lazy("case action", "Accept"),
    T.REJECT: pgettext_lazy("case action", "Decline"),
    T.SESSION: pgettext_lazy("case action", "Record a mediation session"),
    T.SUCCEED: pgettext_lazy("case action", "Record the agreement"),
    T.FAIL: pgettext_lazy("case action", "Record that mediation failed"),
    T.TERMINATE: pgettext_lazy("case action", "Terminate mediation"),
    T.FOLLOW_UP: pgettext_lazy("case action", "Record a follow-up visit"),
    T.ARCHIVE: pgettext_lazy("case action", "Close and archive"),
    T.REOPEN: pgettext_lazy("case action", "Reopen"),
    T.ESCALATE: pgettext_lazy("case action", "Pass up to a higher committee"),
    T.EDIT: pgettext_lazy("case action", "Change details"),
    T.REFER: pgettext_lazy("case action", "Refer to another channel"),
    T.REFERRAL_RESULT: pgettext_lazy("case action", "Record the referral's result"),
    T.CONFIRM: pgettext_lazy("case action", "Record an application for judicial confirmation"),
    T.CONFIRM_RESULT: pgettext_lazy("case action", "Record the court's ruling"),
}


def allowed_transitions(status: str) -> list[str]:
    return [t for t, (sources, _target) in TRANSITIONS.items() if status in sources]


class Channel(models.TextChoices):
    VISIT = "visit", _("In person")
    PHONE = "phone", _("Telephone (incl. 12348)")
    ONLINE = "online", _("Online")
    SCREENING = "screening", _("Found in screening")
    REFERRAL = "referral", _("Referred by another body")


class ReferralSource(models.TextChoices):
    """The docking mechanisms of the seed: 公调, 诉调, 访调, 交调, and others."""

    POLICE = "police", _("Police station (公调)")
    COURT = "court", _("Court (诉调)")
    PETITION = "petition", _("Petition bureau (访调)")
    TRAFFIC = "traffic", _("Traffic police (交调)")
    PROCURATORATE = "procuratorate", _("Procuratorate (检调)")
    OTHER = "other", _("Other body")


class IntakeMode(models.TextChoices):
    """The three intake modes of the bureaus' monthly statistics."""

    ACTIVE = "active", _("Mediated on own initiative")
    APPLIED = "applied", _("On application")
    REFERRED = "referred", _("Entrusted or referred")


CHANNEL_MODE = {
    Channel.VISIT: IntakeMode.APPLIED,
    Channel.PHONE: IntakeMode.APPLIED,
    Channel.ONLINE: IntakeMode.APPLIED,
    Channel.SCREENING: IntakeMode.ACTIVE,
    Channel.REFERRAL: IntakeMode.REFERRED,
}


class Level(models.IntegerChoices):
    """Where a dispute is handled: 小事不出村，大事不出镇，矛盾不上交."""

    VILLAGE = 1, _("Village or community")
    TOWN = 2, _("Town or street")
    CITY = 3, _("City")


class CommitteeType(models.TextChoices):
    INDUSTRY = "industry", _("Industry or professional")
    TOWN = "town", _("Town or street")
    VILLAGE = "village", _("Village or community")
    ENTERPRISE = "enterprise", _("Enterprise or institution")
    REGIONAL = "regional", _("Regional")


# Full-time mediators each committee type must have (standard 10). Other types have no norm.
FULL_TIME_NORM = {CommitteeType.INDUSTRY: 3, CommitteeType.TOWN: 2, CommitteeType.VILLAGE: 1}

COMMITTEE_LEVEL = {
    CommitteeType.VILLAGE: Level.VILLAGE,
    CommitteeType.TOWN: Level.TOWN,
    CommitteeType.ENTERPRISE: Level.TOWN,
    CommitteeType.REGIONAL: Level.TOWN,
    CommitteeType.INDUSTRY: Level.CITY,
}


class PartySide(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    RESPONDENT = "respondent", _("Respondent")


class PartyKind(models.TextChoices):
    PERSON = "person", _("Natural person")
    ORGANISATION = "organisation", pgettext_lazy("party kind", "Organisation")


class AgreementForm(models.TextChoices):
    WRITTEN = "written", _("Written agreement")
    ORAL = "oral", _("Oral agreement")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    FAIRLY = "fairly", _("Fairly satisfied")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")


DEFAULT_PERIOD_DAYS = 30
AT_RISK_DAYS = 5  # a case is "at risk" this many days before its deadline


# --- linkage with the other channels (诉调、仲调、访调… and the non-litigation channels) -------------


class LinkageChannel(models.TextChoices):
    """Where a dispute goes when mediation fails or does not suit it."""

    LITIGATION = "litigation", _("Litigation (诉讼)")
    ARBITRATION = "arbitration", _("Arbitration (仲裁)")
    ADMIN_RULING = "admin_ruling", _("Administrative ruling (行政裁决)")
    ADMIN_REVIEW = "admin_review", _("Administrative reconsideration (行政复议)")
    NOTARY = "notary", _("Notarisation (公证)")
    LAWYER_MEDIATION = "lawyer_mediation", _("Lawyer mediation (律师调解)")
    LEGAL_AID = "legal_aid", _("Legal aid (法律援助)")


class LinkageOutcome(models.TextChoices):
    PENDING = "pending", _("Awaiting the result")
    RESOLVED = "resolved", _("Resolved there")
    NOT_RESOLVED = "not_resolved", _("Not resolved there")
    NOT_ACCEPTED = "not_accepted", _("Not taken up by the receiving body")
    WITHDRAWN = "withdrawn", _("Withdrawn by the parties")


class ConfirmationResult(models.TextChoices):
    PENDING = "pending", _("Awaiting the court's ruling")
    CONFIRMED = "confirmed", _("Confirmed valid")
    REFUSED = "refused", _("Not confirmed")
    WITHDRAWN = "withdrawn", _("Application withdrawn")


# Article 33 of the People's Mediation Law: the parties apply jointly within 30 days of the
# agreement taking effect.
CONFIRMATION_WINDOW_DAYS = 30


# --- early warning ---------------------------------------------------------------------------------


class RiskKind(models.TextChoices):
    CRIMINAL = "criminal", _("May turn criminal (民转刑)")
    MASS = "mass", _("May become a mass incident")
    AMOUNT = "amount", _("Large amount involved")


class RiskLevel(models.IntegerChoices):
    YELLOW = 1, _("Yellow")
    ORANGE = 2, _("Orange")
    RED = 3, _("Red")


RISK_LEVEL_COLOURS = {RiskLevel.YELLOW: "warning", RiskLevel.ORANGE: "orange", RiskLevel.RED: "danger"}


class FlagStatus(models.TextChoices):
    OPEN = "open", _("New")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    HANDLED = "handled", _("Handled")


# Words in a description that suggest violence, revenge or self-harm; matched after normalisation.
THREAT_WORDS = (
    "杀了",
    "杀人",
    "砍死",
    "砍人",
    "弄死",
    "捅死",
    "捅了",
    "报复",
    "同归于尽",
    "放火",
    "烧死",
    "炸了",
    "拼命",
    "灭门",
    "跳楼",
    "喝农药",
    "自杀",
    "以死相逼",
    "拿刀",
    "持刀",
)
INJURY_WORDS = ("受伤", "打伤", "殴打", "住院", "骨折", "流血", "轻伤", "重伤", "致残", "打架", "斗殴")

# Amounts (yuan) from which a case is flagged yellow, orange, red.
AMOUNT_THRESHOLDS = ((1_000_000, RiskLevel.RED), (500_000, RiskLevel.ORANGE), (100_000, RiskLevel.YELLOW))
# Parties or people involved from which a case counts as a possible mass incident.
MASS_PEOPLE_ORANGE = 10
MASS_PARTIES_ORANGE = 5
# Open disputes within this many days against one respondent or at one place.
CLUSTER_DAYS = 30
CLUSTER_ORANGE = 3
CLUSTER_RED = 5
# Disputes between the same parties within this many days count as repeated.
REPEAT_DAYS = 365


# Why a warning was raised: code → text with the reason's parameters.
RISK_REASONS = {
    "threat_words": _("Threatening words in the description: %(words)s"),
    "injury": _("Injury or violence mentioned: %(words)s"),
    "repeated": _("%(count)s earlier disputes between the same parties within a year"),
    "scale_major": _("Recorded as a major group incident"),
    "scale_group": _("Recorded as a group incident"),
    "many_people": _("%(count)s people involved"),
    "many_parties": _("%(count)s parties"),
    "same_respondent": _("%(count)s open disputes against the same respondent within %(days)s days"),
    "same_place": _("%(count)s open disputes at the same place within %(days)s days"),
    "amount": _("Amount involved: %(amount)s yuan"),
}


def risk_reason_text(reason: dict) -> str:
    template = RISK_REASONS.get(reason.get("code", ""))
    if template is None:
        return str(reason.get("code", ""))
    params = {k: ("、".join(v) if isinstance(v, list) else v) for k, v in reason.items() if k != "code"}
    try:
        return str(template) % params
    except (KeyError, TypeError, ValueError):
        return str(template)


class HonourLevel(models.TextChoices):
    """Who conferred a designation."""

    PROVINCE = "province", _("Provincial")
    CITY = "city", _("Municipal")
    COUNTY = "county", _("County")


class HonourKind(models.TextChoices):
    STUDIO = "studio", _("Gold-medal mediation studio (金牌调解工作室)")
    MEDIATOR = "mediator", _("Gold-medal mediator (金牌调解员)")


# The org kinds where each committee type sits.
COMMITTEE_ORG_KINDS = {
    CommitteeType.VILLAGE: ("village",),
    CommitteeType.TOWN: ("town",),
    CommitteeType.INDUSTRY: ("city", "town"),
    CommitteeType.ENTERPRISE: ("town", "village"),
    CommitteeType.REGIONAL: ("town", "village"),
}
