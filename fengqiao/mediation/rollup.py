"""Monthly figures per office (DisputeMonthStat), kept in step with the cases.

Every change of a case goes through `services._move` (or registration), which calls `apply` with
the case's contribution before and after: the counters move by the difference, in the same
transaction, so they always equal what `rebuild` computes from the cases themselves. A bulk load
(the demo, the benchmarks) calls `rebuild` once at the end.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncMonth

from . import codes
from .models import Agreement, Dispute, DisputeMonthStat

OUTCOME_FIELD = {
    codes.Outcome.SUCCEEDED: "succeeded",
    codes.Outcome.FAILED: "failed",
    codes.Outcome.TERMINATED: "terminated",
    codes.Outcome.REJECTED: "rejected",
}
COUNTERS = (
    "received",
    "succeeded",
    "failed",
    "terminated",
    "rejected",
    "amount",
    "prevented_criminal",
    "prevented_criminal_persons",
    "prevented_mass_petition",
    "prevented_mass_petition_persons",
    "days_total",
)

Key = tuple  # (office_id, month, stat_category, level)


def month_of(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def contribution(dispute: Dispute, amount: Decimal | None = None) -> dict[Key, dict]:
    """What this case adds to the counters as it stands now."""
    result: dict[Key, dict] = {}
    if dispute.received_on:
        key = (dispute.office_id, month_of(dispute.received_on), dispute.stat_category, dispute.level)
        result[key] = {"received": 1}
    if dispute.concluded_on and dispute.outcome in OUTCOME_FIELD:
        key = (dispute.office_id, month_of(dispute.concluded_on), dispute.stat_category, dispute.level)
        deltas = result.setdefault(key, {})
        deltas[OUTCOME_FIELD[dispute.outcome]] = 1
        deltas["days_total"] = dispute.days_to_conclude or 0
        if dispute.outcome == codes.Outcome.SUCCEEDED:
            if amount is None:
                amount = Agreement.objects.filter(dispute_id=dispute.pk).values_list("amount", flat=True).first()
            deltas["amount"] = amount or Decimal(0)
        deltas["prevented_criminal"] = 1 if dispute.prevented_criminal else 0
        deltas["prevented_criminal_persons"] = dispute.prevented_criminal_persons
        deltas["prevented_mass_petition"] = 1 if dispute.prevented_mass_petition else 0
        deltas["prevented_mass_petition_persons"] = dispute.prevented_mass_petition_persons
    return result


def apply(before: dict[Key, dict], after: dict[Key, dict]) -> None:
    """Move the counters from the case's old contribution to its new one."""
    changes: dict[Key, dict] = defaultdict(dict)
    for sign, part in ((-1, before), (1, after)):
        for key, deltas in part.items():
            for field, value in deltas.items():
                changes[key][field] = changes[key].get(field, 0) + sign * value
    for key, deltas in changes.items():
        deltas = {f: v for f, v in deltas.items() if v}
        if deltas:
            _add(key, deltas)


def _add(key: Key, deltas: dict) -> None:
    office_id, month, category, level = key
    rows = DisputeMonthStat.objects.filter(office_id=office_id, month=month, stat_category=category, level=level)
    if rows.update(**{f: F(f) + v for f, v in deltas.items()}):
        return
    try:
        with transaction.atomic():
            DisputeMonthStat.objects.create(
                office_id=office_id, month=month, stat_category=category, level=level, **deltas
            )
    except IntegrityError:
        # Another transaction created the row first; it is there now.
        rows.update(**{f: F(f) + v for f, v in deltas.items()})


def rebuild(office_ids=None) -> int:
    """Recompute the counters from the cases (all offices, or the given ones). Two grouped scans."""
    disputes = Dispute.objects.all()
    stats = DisputeMonthStat.objects.all()
    if office_ids is not None:
        disputes = disputes.filter(office_id__in=office_ids)
        stats = stats.filter(office_id__in=office_ids)
    rows: dict[Key, dict] = defaultdict(lambda: dict.fromkeys(COUNTERS, 0))
    received = (
        disputes.annotate(m=TruncMonth("received_on"))
        .values("office_id", "m", "stat_category", "level")
        .annotate(n=Count("id"))
        .order_by()
    )
    for r in received:
        rows[(r["office_id"], _as_date(r["m"]), r["stat_category"], r["level"])]["received"] = r["n"]
    concluded = (
        disputes.filter(concluded_on__isnull=False, outcome__in=list(OUTCOME_FIELD))
        .annotate(m=TruncMonth("concluded_on"))
        .values("office_id", "m", "stat_category", "level", "outcome")
        .annotate(
            n=Count("id"),
            amount=Sum("agreement__amount"),
            pc=Count("id", filter=Q(prevented_criminal=True)),
            pcp=Sum("prevented_criminal_persons"),
            pm=Count("id", filter=Q(prevented_mass_petition=True)),
            pmp=Sum("prevented_mass_petition_persons"),
            days=Sum("days_to_conclude"),
        )
        .order_by()
    )
    for r in concluded:
        row = rows[(r["office_id"], _as_date(r["m"]), r["stat_category"], r["level"])]
        row[OUTCOME_FIELD[r["outcome"]]] += r["n"]
        if r["outcome"] == codes.Outcome.SUCCEEDED:
            row["amount"] += r["amount"] or 0
        row["prevented_criminal"] += r["pc"]
        row["prevented_criminal_persons"] += r["pcp"] or 0
        row["prevented_mass_petition"] += r["pm"]
        row["prevented_mass_petition_persons"] += r["pmp"] or 0
        row["days_total"] += r["days"] or 0
    with transaction.atomic():
        stats.delete()
        DisputeMonthStat.objects.bulk_create(
            [
                DisputeMonthStat(office_id=o, month=m, stat_category=c, level=lv, **values)
                for (o, m, c, lv), values in rows.items()
            ],
            batch_size=5000,
        )
    return len(rows)


def _as_date(value) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value
