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
