"""The public-legal-services registry: service kinds, channels, categories, statuses, outcomes and the
due-time defaults, in one place.

Services, forms, filters, figures and the API all speak these codes. The kinds are the services of
standards 5, 11 and 13 of the construction standard: legal consultation, referral (指引) to legal aid,
notary, forensic appraisal and arbitration, legislative-opinion collection (立法民意收集),
administrative-reconsideration referral (行政复议) and legal opinions for the town's decisions
(依法决策).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Kind(models.TextChoices):
    CONSULTATION = "consultation", _("Legal consultation")
    REFERRAL = "referral", pgettext_lazy("legal services", "Referral")
    LEGISLATIVE = "legislative", _("Legislative opinion collection")
    RECONSIDERATION = "reconsideration", _("Administrative reconsideration referral")
    DECISION = "decision", _("Legal opinion for the town")


class Channel(models.TextChoices):
    VISIT = "visit", pgettext_lazy("channel", "Walk-in")
    PHONE = "phone", pgettext_lazy("channel", "Phone")
    ONLINE = "online", pgettext_lazy("channel", "Online")
    HOTLINE = "hotline", pgettext_lazy("channel", "12348 hotline")
    HOME = "home", pgettext_lazy("channel", "Home visit")


class Category(models.TextChoices):
    """What a consultation or referral is about (the lists bureaus publish monthly)."""

    FAMILY = "family", _("Marriage and family")
    INHERITANCE = "inheritance", _("Inheritance")
    LABOUR = "labour", _("Labour and wages")
    LAND = "land", _("Land and housing")
    CONTRACT = "contract", _("Contracts and debts")
    TORT = "tort", _("Injury and compensation")
    TRAFFIC = "traffic", _("Road traffic accidents")
    CONSUMER = "consumer", _("Consumer rights")
    NEIGHBOUR = "neighbour", _("Neighbours")
    ADMINISTRATIVE = "administrative", _("Administrative matters")
    OTHER = "other", pgettext_lazy("legal services", "Other")


class ReferralTo(models.TextChoices):
    LEGAL_AID = "legal_aid", _("Legal aid")
    NOTARY = "notary", _("Notary")
    FORENSIC = "forensic", _("Forensic appraisal")
    ARBITRATION = "arbitration", _("Arbitration")


class DecisionType(models.TextChoices):
    DECISION = "decision", _("Major decision")
    CONTRACT = "contract", _("Contract")
    DOCUMENT = "document", _("Normative document")


class Status(models.TextChoices):
    OPEN = "open", _("Open")
    CONCLUDED = "concluded", _("Concluded")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Adoption(models.TextChoices):
    ADOPTED = "adopted", _("Adopted")
    PARTLY = "partly", _("Partly adopted")
    NOT_ADOPTED = "not_adopted", _("Not adopted")


# Counted as adopted for the adopted share of the legal opinions given to the town.
ADOPTED = frozenset({Adoption.ADOPTED, Adoption.PARTLY})


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASIC = "basic", _("Basically satisfied")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")


# Counted as satisfied for the satisfaction rate.
SATISFIED = frozenset({Satisfaction.SATISFIED, Satisfaction.BASIC})


class Step(models.TextChoices):
    """What can happen to a service: each is one service function and one timeline event."""

    REGISTER = "register", _("Registered")
    NOTE = "note", _("Progress noted")
    CONCLUDE = "conclude", _("Concluded")
    WITHDRAW = "withdraw", _("Withdrawn")
    RATE = "rate", _("Satisfaction recorded")
    ADOPTION = "adoption", _("Adoption recorded")


# step → the statuses it may start from, and the status it leads to (None keeps the status)
TRANSITIONS: dict[str, tuple[frozenset, str | None]] = {
    Step.NOTE: (frozenset({Status.OPEN}), None),
    Step.CONCLUDE: (frozenset({Status.OPEN}), Status.CONCLUDED),
    Step.WITHDRAW: (frozenset({Status.OPEN}), Status.WITHDRAWN),
    Step.RATE: (frozenset({Status.CONCLUDED}), None),
    Step.ADOPTION: (frozenset({Status.CONCLUDED}), None),
}


# The default due time of each kind: (days, counted in working days). The bureau may change them on
# the due-time page; a service keeps the due date it got when it was registered.
DEFAULT_DUE: dict[str, tuple[int, bool]] = {
    Kind.CONSULTATION: (0, False),  # answered the same day
    Kind.REFERRAL: (3, True),  # referred within three working days
    Kind.RECONSIDERATION: (3, True),
    Kind.DECISION: (5, True),  # the legal opinion within five working days
    Kind.LEGISLATIVE: (15, False),  # opinions gathered and forwarded within the consultation period
}

# What must be written when a service is concluded, per kind (the fields' names).
CONCLUDE_REQUIRES: dict[str, tuple[str, ...]] = {
    Kind.CONSULTATION: ("answer",),
    Kind.REFERRAL: ("outcome",),
    Kind.RECONSIDERATION: ("outcome",),
    Kind.DECISION: ("answer",),
    Kind.LEGISLATIVE: ("forwarded_on", "receiving_body"),
}


class Verification(models.TextChoices):
    SUBSTANTIATED = "substantiated", _("Substantiated")
    UNSUBSTANTIATED = "unsubstantiated", _("Not substantiated")


class ComplaintStatus(models.TextChoices):
    OPEN = "open", _("Being verified")
    CLOSED = "closed", _("Closed")


# The standard wants no substantiated complaint over the last two years.
COMPLAINT_YEARS = 2

# Receiving bodies the forms suggest; any other may be typed in.
RECEIVING_BODIES = {
    ReferralTo.LEGAL_AID: "江阴市法律援助中心",
    ReferralTo.NOTARY: "江苏省江阴市公证处",
    ReferralTo.FORENSIC: "无锡市司法鉴定所",
    ReferralTo.ARBITRATION: "江阴市劳动人事争议仲裁委员会",
}
BODY_SUGGESTIONS = [
    "江阴市法律援助中心",
    "江苏省江阴市公证处",
    "无锡市司法鉴定所",
    "江阴市劳动人事争议仲裁委员会",
    "无锡仲裁委员会",
    "江阴市人民政府行政复议办公室",
    "无锡市人民政府行政复议办公室",
    "江阴市人大常委会法制工作委员会",
    "江阴市司法局",
]
