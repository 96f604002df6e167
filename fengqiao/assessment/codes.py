"""Codes of the construction-standard module: how an item is evaluated and how an indicator's
value is compared with its threshold."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Method(models.TextChoices):
    AUTOMATIC = "automatic", _("Automatic (indicators)")
    EVIDENCE = "evidence", _("Evidence and judgement")
    BOTH = "both", _("Indicators and evidence")


class Direction(models.TextChoices):
    # The value must be at least the threshold (a rate, a number of staff) or at most it (a count
    # the standard wants at zero).
    AT_LEAST = "ge", _("at least")
    AT_MOST = "le", _("at most")


def meets(value, threshold, direction: str) -> bool | None:
    """Whether `value` meets `threshold` in `direction`; None when there was nothing to measure."""
    if value is None:
        return None
    return value >= threshold if direction == Direction.AT_LEAST else value <= threshold


class Judgement(models.TextChoices):
    MET = "met", _("Met (达标)")
    BASIC = "basic", _("Basically met (基本达标)")
    NOT_MET = "not_met", _("Not met (未达标)")


class MeetRule(models.TextChoices):
    # How the items' judgements make the office's result (item 4: configurable per campaign).
    ALL_MET = "all_met", _("Every item met")
    MET_OR_BASIC = "met_or_basic", _("Every item met or basically met")


def office_meets(judgements, rule: str) -> bool:
    allowed = {Judgement.MET} if rule == MeetRule.ALL_MET else {Judgement.MET, Judgement.BASIC}
    judgements = list(judgements)
    return bool(judgements) and all(j in allowed for j in judgements)


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Being prepared")
    RUNNING = "running", _("Running")
    CLOSED = "closed", _("Closed")


class AssessmentStatus(models.TextChoices):
    SELF = "self", _("Self-assessment")
    SUBMITTED = "submitted", _("Submitted for inspection")
    JUDGED = "judged", _("Judged")


ASSESSMENT_TRANSITIONS = {
    AssessmentStatus.SELF: {AssessmentStatus.SUBMITTED},
    # An assessor may send a submission back for more evidence before judging it.
    AssessmentStatus.SUBMITTED: {AssessmentStatus.SELF, AssessmentStatus.JUDGED},
    AssessmentStatus.JUDGED: set(),
}


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    SUBMITTED = "submitted", _("Awaiting verification")
    CLOSED = "closed", _("Verified and closed")


TASK_TRANSITIONS = {
    TaskStatus.OPEN: {TaskStatus.SUBMITTED},
    # The city verifies: closes it, or sends it back with a note.
    TaskStatus.SUBMITTED: {TaskStatus.CLOSED, TaskStatus.OPEN},
    TaskStatus.CLOSED: set(),
}


class ExperienceStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for revision")
    RECOMMENDED = "recommended", _("Recommended")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


EXPERIENCE_TRANSITIONS = {
    ExperienceStatus.SUBMITTED: {ExperienceStatus.RETURNED, ExperienceStatus.RECOMMENDED, ExperienceStatus.PUBLISHED},
    ExperienceStatus.RETURNED: {ExperienceStatus.SUBMITTED, ExperienceStatus.WITHDRAWN},
    ExperienceStatus.RECOMMENDED: {ExperienceStatus.PUBLISHED, ExperienceStatus.RETURNED},
    ExperienceStatus.PUBLISHED: {ExperienceStatus.WITHDRAWN},
    ExperienceStatus.WITHDRAWN: set(),
}


class NoteKind(models.TextChoices):
    PROGRESS = "progress", _("Progress")
    SUBMITTED = "submitted", _("Submitted for verification")
    RETURNED = "returned", _("Returned")
    VERIFIED = "verified", _("Verified and closed")
    REMINDER = "reminder", _("Reminder")
