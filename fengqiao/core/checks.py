"""Input checks shared by the services: each returns the cleaned value or raises DomainError naming
the field, in the user's language, before anything is written."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _

from .errors import DomainError


def actor_user(actor):
    """The acting user, or None for an API token or the platform itself (user foreign keys)."""
    from fengqiao.accounts.models import User

    return actor if isinstance(actor, User) else None


def actor_repr(actor) -> str:
    if actor is None:
        return _("system")
    return (getattr(actor, "full_name", "") or getattr(actor, "audit_repr", "") or str(actor))[:150]


def check_date(value, field: str, *, today: datetime.date, allow_future=False, earliest_year=1950):
    if value is None:
        raise DomainError(_("Enter a date."), field=field)
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        raise DomainError(_("Enter a date as YYYY-MM-DD."), field=field)
    if not allow_future and value > today:
        raise DomainError(_("The date cannot be in the future."), field=field)
    if value.year < earliest_year:
        raise DomainError(_("The date is too far in the past."), field=field)
    return value


def choice(value, choices, field: str, message):
    if value not in choices.values:
        raise DomainError(message, field=field)
    return value


def text(value, field: str, message, max_length: int | None = None, *, required=True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(message, field=field)
    if max_length and len(value) > max_length:
        raise DomainError(_("Too long: at most %(max)s characters.") % {"max": max_length}, field=field)
    return value
