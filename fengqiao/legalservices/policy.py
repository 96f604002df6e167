"""Due times of the service kinds: the bureau's table (`DuePolicy`) over the defaults of
`codes.DEFAULT_DUE`, and the due date they give a service."""

from __future__ import annotations

import datetime

from . import codes


def rules() -> dict[str, tuple[int, bool]]:
    """kind → (days, working days) in force."""
    from .models import DuePolicy

    found = dict(codes.DEFAULT_DUE)
    for kind, days, working in DuePolicy.objects.values_list("kind", "days", "working_days"):
        found[kind] = (days, working)
    return found


def add_days(start: datetime.date, days: int, working: bool) -> datetime.date:
    """`start` plus `days` days, or plus `days` working days (Monday to Friday; public holidays are
    not known to the platform and count as working days)."""
    if not working:
        return start + datetime.timedelta(days=days)
    day, left = start, days
    while left > 0:
        day += datetime.timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day


def due_date(kind: str, received_on: datetime.date, table: dict | None = None) -> datetime.date:
    days, working = (table or rules()).get(kind, (0, False))
    return add_days(received_on, days, working)
