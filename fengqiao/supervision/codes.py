"""The law-enforcement supervision registry (行政执法监督): every code the module uses, in one place.

Standard 6 of the annex asks the office to 健全行政执法监督联动机制，探索建立联合执法监督机制，发挥司法所
在执法监督体系中一线监督功能. The office supervises the town's enforcing departments (case-file reviews,
on-site inspections, joint supervision with other bodies), follows every problem it finds through
rectification to verification, and coordinates enforcement disputes between departments.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ActivityKind(models.TextChoices):
    """What kind of supervision an activity was."""

    CASE_REVIEW = "case_review", _("Case-file review")
    SITE_INSPECTION = "site_inspection", _("On-site inspection")
    JOINT = "joint", _("Joint supervision")
    QUALIFICATION = "qualification", _("Enforcement officers' credentials check")
    SPECIAL = "special", _("Special inspection")
    OTHER = "other", _("Other supervision")


class DepartmentKind(models.TextChoices):
    """The kind of an enforcing department in the town."""

    COMPREHENSIVE = "comprehensive", _("Comprehensive administrative enforcement")
    MARKET = "market", _("Market regulation")
    POLICE = "police", _("Police station")
    LAND = "land", _("Natural resources")
    ENVIRONMENT = "environment", _("Ecology and environment")
    SAFETY = "safety", _("Emergency management and work safety")
    LABOUR = "labour", _("Labour inspection")
    HEALTH = "health", _("Health supervision")
    TRAFFIC = "traffic", _("Traffic police")
    OTHER = "other", _("Other department")


# The departments a new office starts from (the form suggests them; the list is the office's data).
DEFAULT_DEPARTMENTS = [
    ("综合行政执法局", DepartmentKind.COMPREHENSIVE),
    ("市场监督管理分局", DepartmentKind.MARKET),
    ("派出所", DepartmentKind.POLICE),
    ("自然资源所", DepartmentKind.LAND),
    ("生态环境执法中队", DepartmentKind.ENVIRONMENT),
    ("应急管理办公室", DepartmentKind.SAFETY),
    ("劳动保障监察中队", DepartmentKind.LABOUR),
    ("卫生监督所", DepartmentKind.HEALTH),
]


class ProblemCategory(models.TextChoices):
    """What was wrong with the enforcement."""

    PROCEDURE = "procedure", _("Procedural violation")
    EVIDENCE = "evidence", _("Insufficient evidence")
    LAW = "law", _("Wrong application of the law")
    DOCUMENTS = "documents", _("Non-standard enforcement documents")
    OVERDUE = "overdue", _("Handled beyond the time limit")
    DISCRETION = "discretion", _("Improper use of discretion")
    CREDENTIALS = "credentials", _("Enforcement without valid credentials")
    CONDUCT = "conduct", _("Improper enforcement conduct")
    OTHER = "other", _("Other problem")


class ProblemStatus(models.TextChoices):
    FOUND = "found", _("Found")
    RECTIFYING = "rectifying", _("Being rectified")
    RECTIFIED = "rectified", _("Rectified")
    VERIFIED = "verified", _("Verified")


OPEN_PROBLEM_STATUSES = frozenset({ProblemStatus.FOUND, ProblemStatus.RECTIFYING})


class ProblemStep(models.TextChoices):
    """What can happen to a problem; each is one service function and one timeline entry."""

    FOUND = "found", _("Problem found")
    ORDER = "order", _("Rectification ordered")
    PROGRESS = "progress", _("Progress noted")
    RECTIFIED = "rectified", _("Rectification reported")
    VERIFIED = "verified", _("Rectification verified")
    REOPENED = "reopened", _("Reopened for rectification")


S = ProblemStatus
T = ProblemStep
# step → (statuses it may start from, status it leads to; None keeps the status)
TRANSITIONS: dict[str, tuple[frozenset, str | None]] = {
    T.ORDER: (frozenset({S.FOUND}), S.RECTIFYING),
    T.PROGRESS: (frozenset({S.RECTIFYING}), None),
    T.RECTIFIED: (frozenset({S.RECTIFYING}), S.RECTIFIED),
    T.VERIFIED: (frozenset({S.RECTIFIED}), S.VERIFIED),
    T.REOPENED: (frozenset({S.RECTIFIED, S.VERIFIED}), S.RECTIFYING),
}

# What a user does (buttons, messages); the ProblemStep labels say what happened (timeline).
STEP_ACTIONS = {
    T.ORDER: pgettext_lazy("supervision action", "Order rectification"),
    T.PROGRESS: pgettext_lazy("supervision action", "Note progress"),
    T.RECTIFIED: pgettext_lazy("supervision action", "Record the rectification"),
    T.VERIFIED: pgettext_lazy("supervision action", "Verify the rectification"),
    T.REOPENED: pgettext_lazy("supervision action", "Reopen"),
}


def allowed_steps(status: str) -> list[str]:
    return [t for t, (sources, _target) in TRANSITIONS.items() if status in sources]


class DisputeStatus(models.TextChoices):
    OPEN = "open", _("Being coordinated")
    CLOSED = "closed", _("Coordinated")


class DisputeOutcome(models.TextChoices):
    """How the coordination of an enforcement dispute ended."""

    AGREED = "agreed", _("Agreement reached")
    DECIDED = "decided", _("Decided by the town government")
    REFERRED = "referred", _("Referred to the city bureau")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# A department answering a rectification order is given this many days unless the office says otherwise.
DEFAULT_RECTIFY_DAYS = 30
