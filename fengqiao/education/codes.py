"""The legal-education registry (standards 14-15): every code the module uses, in one place.

The guidance station (法治宣传教育辅导站) and its staff, the forms and audiences of education
activities, the departments that lead them under "谁执法谁普法", and the state machine of the
democracy-and-rule-of-law demonstration villages (民主法治示范村(社区)).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

# Standard 14: "专职法治宣传教育人员不少于1名".
FULLTIME_STAFF_MIN = 1
# Photos of an activity: what a phone takes, not whole albums.
PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_TYPES = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
# An activity reaching more people than this is a typing error (a whole town is about 100,000).
MAX_REACHED = 200_000


class Employment(models.TextChoices):
    FULL_TIME = "full_time", _("Full-time")
    PART_TIME = "part_time", _("Part-time")


class Form(models.TextChoices):
    """How the activity educated people."""

    LECTURE = "lecture", _("Legal lecture")
    CONSULTATION = "consultation", _("Legal consultation event")
    PERFORMANCE = "performance", _("Rule-of-law performance")
    BOARD = "board", _("Notice board or display window")
    NEW_MEDIA = "new_media", _("New-media post")
    CASE = "case", _("Explaining the law through cases")
    CONSTITUTION_WEEK = "constitution_week", _("Constitution Week event")
    CAMPUS = "campus", _("Law in schools")
    MATERIALS = "materials", _("Handing out materials")
    OTHER = "other", _("Other form")


class Audience(models.TextChoices):
    VILLAGERS = "villagers", _("Villagers and residents")
    YOUTH = "youth", _("Young people and students")
    WORKERS = "workers", _("Company employees")
    ELDERLY = "elderly", _("Elderly people")
    MIGRANTS = "migrants", _("Migrant workers")
    CADRES = "cadres", _("Village cadres")
    WOMEN = "women", _("Women")
    SUBJECTS = "subjects", _("Persons under correction or assistance")
    PUBLIC = "public", _("General public")


# Enforcing departments the forms suggest for "谁执法谁普法"; any other may be typed in.
DEPARTMENTS = [
    "镇（街道）综合行政执法局",
    "公安派出所",
    "市场监督管理分局",
    "交警中队",
    "自然资源和规划所",
    "生态环境局",
    "人力资源和社会保障所",
    "应急管理办公室",
    "税务分局",
    "消防救援站",
    "卫生健康监督所",
    "农业农村局",
    "人民法庭",
    "检察院",
]


class Level(models.TextChoices):
    """Level of a demonstration-village designation, lowest first (the order is the rank)."""

    COUNTY = "county", _("County level")
    CITY = "city", _("City level")
    PROVINCE = "province", _("Provincial level")
    NATIONAL = "national", _("National level")


LEVEL_RANK = {code: i for i, code in enumerate(Level.values)}


class VillageStatus(models.TextChoices):
    CANDIDATE = "candidate", _("Candidate")
    DESIGNATED = "designated", _("Designated")
    REVOKED = "revoked", _("Revoked")
    WITHDRAWN = "withdrawn", _("Candidacy withdrawn")


class Step(models.TextChoices):
    """What can happen to a demonstration village; each is one service and one history entry."""

    NOMINATE = "nominate", _("Put forward as a candidate")
    DESIGNATE = "designate", _("Designated")
    REVIEW_PASS = "review_pass", _("Review passed")
    REVIEW_FAIL = "review_fail", _("Review failed: designation revoked")
    WITHDRAW = "withdraw", _("Candidacy withdrawn")
    RENOMINATE = "renominate", _("Put forward again")


VS = VillageStatus
# step → (statuses it may start from, status it leads to)
TRANSITIONS: dict[str, tuple[frozenset, str]] = {
    Step.DESIGNATE: (frozenset({VS.CANDIDATE, VS.DESIGNATED}), VS.DESIGNATED),
    Step.REVIEW_PASS: (frozenset({VS.DESIGNATED}), VS.DESIGNATED),
    Step.REVIEW_FAIL: (frozenset({VS.DESIGNATED}), VS.REVOKED),
    Step.WITHDRAW: (frozenset({VS.CANDIDATE}), VS.WITHDRAWN),
    Step.RENOMINATE: (frozenset({VS.REVOKED, VS.WITHDRAWN}), VS.CANDIDATE),
}


def steps_from(status: str) -> list[str]:
    return [s for s, (sources, _target) in TRANSITIONS.items() if status in sources]
