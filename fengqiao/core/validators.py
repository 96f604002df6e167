"""Personal data: validation and masking of resident ID numbers (GB 11643) and mainland phone numbers."""

from __future__ import annotations

import datetime
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
ID_RE = re.compile(r"^[0-9]{17}[0-9X]$")
PHONE_RE = re.compile(r"^1[3-9][0-9]{9}$")
# Landlines: area code (3-4 digits starting with 0), then 7-8 digits, optional extension.
LANDLINE_RE = re.compile(r"^0[0-9]{2,3}-?[0-9]{7,8}(-[0-9]{1,6})?$")


def _nfkc(value: str) -> str:
    # Chinese input methods produce full-width digits and letters (１２３Ｘ); NFKC folds them to ASCII.
    return unicodedata.normalize("NFKC", value or "")


def normalize_id_number(value: str) -> str:
    return _nfkc(value).strip().replace(" ", "").upper()


def id_check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11]


def validate_id_number(value: str) -> None:
    """Raise ValidationError unless `value` is a well-formed 18-character resident ID number."""
    number = normalize_id_number(value)
    if not ID_RE.match(number):
        raise ValidationError(_("An ID number has 18 characters: 17 digits and a final digit or X."), code="id_format")
    if number[:2] in ("00", "10", "20", "30", "40", "60", "70", "80", "90") or number[:6] == "000000":
        raise ValidationError(_("The ID number does not start with a valid region code."), code="id_region")
    try:
        birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(_("The birth date inside the ID number is not a real date."), code="id_birth") from None
    if birth.year < 1900 or birth > datetime.date.today():
        raise ValidationError(_("The birth date inside the ID number is out of range."), code="id_birth")
    if id_check_char(number[:17]) != number[17]:
        raise ValidationError(
            _("The last character of the ID number does not match the others; please check it."),
            code="id_checksum",
        )


def id_birth_date(value: str) -> datetime.date:
    number = normalize_id_number(value)
    return datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def normalize_phone(value: str) -> str:
    v = _nfkc(value).strip().replace(" ", "")
    if v.startswith("+86"):
        v = v[3:]
    elif v.startswith("0086"):
        v = v[4:]
    return v.replace("-", "") if PHONE_RE.match(v.replace("-", "")) else v


def validate_phone(value: str) -> None:
    """A mainland mobile number (11 digits starting 13-19) or a landline with area code."""
    v = normalize_phone(value)
    if PHONE_RE.match(v) or LANDLINE_RE.match(v):
        return
    raise ValidationError(
        _("Enter an 11-digit mobile number (e.g. 13812345678) or a landline with area code (e.g. 0510-86801234)."),
        code="phone",
    )


def mask_id_number(value: str | None) -> str:
    """3202**********123X: region prefix and last four kept."""
    if not value:
        return ""
    v = normalize_id_number(value)
    if len(v) < 8:
        return "*" * len(v)
    return v[:4] + "*" * (len(v) - 8) + v[-4:]


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    v = normalize_phone(value)
    if PHONE_RE.match(v):
        return v[:3] + "****" + v[-4:]
    if len(v) > 4:
        return "*" * (len(v) - 4) + v[-4:]
    return v
