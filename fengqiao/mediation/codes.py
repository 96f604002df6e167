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
