"""The party-building registry: every code the module uses, in one place.

Services, forms, filters, figures and the API all speak these codes. The 三会一课 rule follows the
party's regulations on branch work: the branch committee (支委会) and the party groups (党小组会)
meet monthly, the branch assembly (支部党员大会) and the party lecture (党课) are held at least once a
quarter; the themed party day (主题党日) is monthly.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

# The probation of a probationary member lasts one year before they can become a full member.
PROBATION_DAYS = 365


class MemberStatus(models.TextChoices):
    FORMAL = "formal", _("Full member")
    PROBATIONARY = "probationary", _("Probationary member")


class ActivityType(models.TextChoices):
    ASSEMBLY = "assembly", _("Branch general meeting")
    COMMITTEE = "committee", _("Branch committee meeting")
    GROUP = "group", _("Party group meeting")
    LECTURE = "lecture", _("Party lecture")
    THEME_DAY = "theme_day", _("Themed party day")
    OTHER = "other", _("Other themed activity")


# 三会一课 and the themed day: how often each must be held, in months.
REQUIRED_EVERY_MONTHS = {
    ActivityType.COMMITTEE: 1,
    ActivityType.GROUP: 1,
    ActivityType.THEME_DAY: 1,
    ActivityType.ASSEMBLY: 3,
    ActivityType.LECTURE: 3,
}
# The activities whose attendance counts for the average attendance rate.
RULED_TYPES = frozenset(REQUIRED_EVERY_MONTHS)


class CheckResult(models.TextChoices):
    PASSED = "passed", _("Meets the standard")
    RECTIFY = "rectify", _("Needs rectification")
    FAILED = "failed", _("Does not meet the standard")


class ViolationKind(models.TextChoices):
    DISCIPLINE = "discipline", _("Breach of party discipline")
    RULES = "rules", _("Breach of rules")


class ViolationStatus(models.TextChoices):
    OPEN = "open", _("Being handled")
    DECIDED = "decided", _("Decided")


class Decision(models.TextChoices):
    ADMONITION = "admonition", _("Talk and admonition")
    CRITICISM = "criticism", _("Criticism and education")
    WARNING = "warning", _("Party warning")
    SERIOUS_WARNING = "serious_warning", _("Serious party warning")
    REMOVAL = "removal", _("Removal from party posts")
    PROBATION = "probation", _("Probation within the party")
    EXPULSION = "expulsion", _("Expulsion from the party")
    ADMINISTRATIVE = "administrative", _("Administrative sanction")
    NONE = "none", _("No sanction after review")


# Where the topics of 三会一课 and themed days come from; the form offers them as suggestions.
TOPICS = [
    "学习贯彻习近平新时代中国特色社会主义思想",
    "学习党章党规，重温入党誓词",
    "专题学习枫桥经验，践行新时代群众路线",
    "讨论发展党员和预备党员转正事宜",
    "开展批评与自我批评，召开组织生活会",
    "廉政警示教育，观看警示教育片",
    "志愿服务进村（社区），开展法律咨询",
    "学习民法典，提升依法办事能力",
]
