"""三期分段: a subject's phase is derived from the status, the report date and the correction period,
never typed by hand. The same rule exists twice, as Python (for one subject) and as a Q (for lists
and counts over many), and the tests hold the two together."""

from __future__ import annotations

import calendar
import datetime

from django.db.models import Q

from . import codes

P = codes.Phase
S = codes.Status


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later (or earlier), clamped to the month's last day."""
    month0 = day.month - 1 + months
    year = day.year + month0 // 12
    month = month0 % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def phase_of(subject, today: datetime.date, policy) -> str:
    """The phase of one subject on `today`. The release phase (the last month) wins over the intake
    phase (the first months) when a short period makes them overlap: release education is due."""
    if subject.status == S.PENDING:
        return P.AWAITING
    if subject.status == S.AT_LARGE:
        return P.AT_LARGE
    if subject.status == S.RELEASED:
        return P.RELEASED
    if subject.status == S.TERMINATED:
        return P.TERMINATED
    if subject.period_end <= add_months(today, policy.release_phase_months):
        return P.RELEASE
    if subject.reported_on and subject.reported_on > add_months(today, -policy.intake_phase_months):
        return P.INTAKE
    return P.REGULAR


def phase_q(phase: str, today: datetime.date, policy) -> Q:
    """The subjects in `phase` on `today`, as a filter."""
    release = Q(period_end__lte=add_months(today, policy.release_phase_months))
    intake = Q(reported_on__gt=add_months(today, -policy.intake_phase_months))
    active = Q(status=S.ACTIVE)
    return {
        P.AWAITING: Q(status=S.PENDING),
        P.AT_LARGE: Q(status=S.AT_LARGE),
        P.RELEASED: Q(status=S.RELEASED),
        P.TERMINATED: Q(status=S.TERMINATED),
        P.RELEASE: active & release,
        P.INTAKE: active & ~release & intake,
        P.REGULAR: active & ~release & ~intake,
    }[phase]


def intake_deadline(subject, policy) -> datetime.date:
    """The last day to report: 10 days (as configured) after the judgment took effect."""
    return subject.judgment_effective_on + datetime.timedelta(days=policy.report_deadline_days)
