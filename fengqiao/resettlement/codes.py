"""The resettlement registry: every code the module uses, in one place.

Services, forms, filters, figures and the API all speak these codes. The assistance level follows
the danger assessment of GB/T 31000-2015 (01 重点帮教, 02 一般帮教); the other lists are the
situations a resettlement worker records and reports on.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

# The assistance period (安置帮教期) after release, in years.
ASSISTANCE_YEARS = 5
# A person in assistance is due for contact when no contact or visit was recorded for this long.
CONTACT_DUE_DAYS = 30


class Level(models.TextChoices):
    """GB/T 31000-2015 danger assessment of a released person."""

    KEY = "01", _("Key assistance")
    GENERAL = "02", _("General assistance")


class Gender(models.TextChoices):
    # GB/T 2261.1 codes.
    MALE = "1", _("Male")
    FEMALE = "2", _("Female")


class Status(models.TextChoices):
    ACTIVE = "active", _("In assistance")
    ENDED = "ended", _("Assistance ended")


class EndReason(models.TextChoices):
    EXPIRED = "expired", _("Assistance period expired")
    REOFFENDED = "reoffended", _("Reoffended")
    DIED = "died", _("Died")
    MOVED = "moved", _("Moved away")


class Employment(models.TextChoices):
    EMPLOYED = "employed", _("Employed")
    SELF_EMPLOYED = "self_employed", _("Self-employed")
    FLEXIBLE = "flexible", _("Flexible or seasonal work")
    UNEMPLOYED = "unemployed", _("Unemployed")
    UNABLE = "unable", _("Unable to work")
    RETIRED = "retired", _("Retired or past working age")


# Counted as in work for the employment rate; those who cannot work are left out of its base.
WORKING = frozenset({Employment.EMPLOYED, Employment.SELF_EMPLOYED, Employment.FLEXIBLE})
NOT_IN_LABOUR_FORCE = frozenset({Employment.UNABLE, Employment.RETIRED})


class Housing(models.TextChoices):
    OWN = "own", _("Own home")
    FAMILY = "family", _("Living with family")
    RENTED = "rented", _("Rented")
    SHELTER = "shelter", _("Resettlement base or shelter")
    NONE = "none", _("No fixed abode")


class Assistance(models.TextChoices):
    NONE = "none", _("None")
    MINIMUM = "minimum", _("Minimum living allowance")
    TEMPORARY = "temporary", _("Temporary assistance")
    EXTREME = "extreme", _("Support for the extremely poor")
    OTHER = "other", _("Other assistance")


class HelpKind(models.TextChoices):
    CONTACT = "contact", _("Contact (phone or message)")
    VISIT = "visit", _("Home visit or talk")
    EMPLOYMENT = "employment", _("Employment help")
    HOUSING = "housing", _("Housing help")
    SOCIAL = "social", _("Social assistance")
    TRAINING = "training", _("Skills training")
    OTHER = "other", _("Other help")


# What keeps a person "in contact": the kinds that count for contact coverage and due dates.
CONTACT_KINDS = frozenset({HelpKind.CONTACT, HelpKind.VISIT})

# Releasing units the forms offer as suggestions; any other prison may be typed in.
PRISONS = [
    "江苏省苏州监狱",
    "江苏省无锡监狱",
    "江苏省南京监狱",
    "江苏省常州监狱",
    "江苏省镇江监狱",
    "江苏省南通监狱",
    "江苏省浦口监狱",
    "江苏省江宁监狱",
    "江苏省龙潭监狱",
    "江苏省女子监狱",
    "江苏省未成年犯管教所",
    "无锡市看守所",
    "江阴市看守所",
]
