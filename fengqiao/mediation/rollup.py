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
from django.db.models import F

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
    """Recompute the counters from the cases (all offices, or the given ones) inside the database:
    one INSERT … SELECT over the cases and their agreements, so a reload of millions of cases
    costs one grouped scan, not a row per case through Python."""
    from django.db import connection

    stat, dispute, agreement = (m._meta.db_table for m in (DisputeMonthStat, Dispute, Agreement))
    q = connection.ops.quote_name

    def month(column):
        if connection.vendor == "postgresql":
            return f"CAST(date_trunc('month', d.{column}) AS date)"
        return f"date(d.{column}, 'start of month')"

    where, params = "", []
    if office_ids is not None:
        office_ids = list(office_ids)
        if not office_ids:
            return 0
        where = f" AND d.office_id IN ({', '.join(['%s'] * len(office_ids))})"
    outcome = {f: v for v, f in OUTCOME_FIELD.items()}
    flags = "CASE WHEN d.{0} THEN 1 ELSE 0 END"
    counters = ", ".join(COUNTERS)
    sums = ", ".join(f"SUM({c})" for c in COUNTERS)
    received_cols = ", ".join(f"{1 if c == 'received' else 0} AS {c}" for c in COUNTERS)
    concluded_cols = ", ".join(
        {
            "received": "0",
            "amount": f"CASE WHEN d.outcome = '{codes.Outcome.SUCCEEDED}' THEN COALESCE(a.amount, 0) ELSE 0 END",
            "prevented_criminal": flags.format("prevented_criminal"),
            "prevented_mass_petition": flags.format("prevented_mass_petition"),
            "prevented_criminal_persons": "d.prevented_criminal_persons",
            "prevented_mass_petition_persons": "d.prevented_mass_petition_persons",
            "days_total": "COALESCE(d.days_to_conclude, 0)",
        }.get(c, f"CASE WHEN d.outcome = '{outcome.get(c)}' THEN 1 ELSE 0 END")
        for c in COUNTERS
    )
    outcomes = ", ".join(f"'{v}'" for v in OUTCOME_FIELD)
    # Only table names and the registry's own codes are spliced in; office ids are parameters.
    sql = f"""
        INSERT INTO {q(stat)} (office_id, month, stat_category, level, {counters})
        SELECT office_id, m, stat_category, level, {sums} FROM (
            SELECT d.office_id AS office_id, {month("received_on")} AS m, d.stat_category AS stat_category,
                   d.level AS level, {received_cols}
            FROM {q(dispute)} d WHERE d.received_on IS NOT NULL{where}
            UNION ALL
            SELECT d.office_id, {month("concluded_on")}, d.stat_category, d.level, {concluded_cols}
            FROM {q(dispute)} d LEFT JOIN {q(agreement)} a ON a.dispute_id = d.id
            WHERE d.concluded_on IS NOT NULL AND d.outcome IN ({outcomes}){where}
        ) AS x
        GROUP BY office_id, m, stat_category, level
    """  # noqa: S608
    if office_ids is not None:
        params = office_ids + office_ids
    stats = DisputeMonthStat.objects.all()
    if office_ids is not None:
        stats = stats.filter(office_id__in=office_ids)
    with transaction.atomic(), connection.cursor() as cursor:
        stats.delete()
        cursor.execute(sql, params)
        return cursor.rowcount


def _as_date(value) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value
