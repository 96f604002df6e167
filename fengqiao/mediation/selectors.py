"""Reads of mediation data, always through `visible_to`, bounded and keyset-paginated."""

from __future__ import annotations

import datetime

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from fengqiao.core.pagination import keyset_paginate
from fengqiao.core.permissions import Action
from fengqiao.core.scoping import subtree_q

from . import codes
from .models import Committee, Dispute, Mediator, Party


def dispute_visible(principal, action=Action.VIEW):
    return Dispute.objects.visible_to(principal, action)


def dispute_get(principal, pk, action=Action.VIEW) -> Dispute | None:
    return (
        dispute_visible(principal, action)
        .select_related("org", "office", "committee", "registered_by")
        .filter(pk=pk)
        .first()
    )


def dispute_detail(dispute: Dispute) -> dict:
    """Everything the case page shows, in a fixed number of queries."""
    from .models import Agreement

    return {
        "parties": list(dispute.parties.all()),
        "events": list(dispute.events.select_related("actor")),
        "sessions": list(dispute.sessions.prefetch_related("mediators")),
        "mediators": list(dispute.mediators.all()),
        "agreement": Agreement.objects.filter(dispute=dispute).first(),
        "follow_ups": list(dispute.follow_ups.all()),
    }


def dispute_search(
    principal,
    *,
    q="",
    status="",
    stat_category="",
    channel="",
    level=None,
    overdue=False,
    at_risk=False,
    open_only=False,
    date_from=None,
    date_to=None,
    village=None,
    committee=None,
    cursor=None,
    size=None,
):
    qs = dispute_visible(principal)
    today = timezone.localdate()
    if open_only:
        qs = qs.filter(status__in=codes.OPEN_STATUSES)
    if at_risk:
        soon = today + datetime.timedelta(days=codes.AT_RISK_DAYS)
        qs = qs.filter(status__in=codes.OPEN_STATUSES, deadline__gte=today, deadline__lte=soon)
    if status:
        qs = qs.filter(status=status)
    if stat_category:
        qs = qs.filter(stat_category=stat_category)
    if channel:
        qs = qs.filter(channel=channel)
    if level:
        qs = qs.filter(level=level)
    if overdue:
        qs = qs.filter(status__in=codes.OPEN_STATUSES, deadline__lt=today)
    if date_from:
        qs = qs.filter(received_on__gte=date_from)
    if date_to:
        qs = qs.filter(received_on__lte=date_to)
    if village is not None:
        qs = qs.filter(subtree_q(village.path, field="org__path"))
    if committee is not None:
        qs = qs.filter(committee=committee)
    if q:
        # Case number, summary, description, or a party's name; parties are matched by an EXISTS on
        # the same office so the search stays inside the office's index.
        party = Party.objects.filter(dispute_id=OuterRef("pk"), name__contains=q)
        qs = qs.filter(Q(number__contains=q) | Q(summary__contains=q) | Q(description__contains=q) | Exists(party))
    qs = qs.select_related("org", "committee")
    return keyset_paginate(qs, ordering=["-received_on", "-id"], cursor=cursor, size=size)


def deadline_counts(principal) -> dict:
    """Open cases past and near their deadline, for the home page."""
    today = timezone.localdate()
    soon = today + datetime.timedelta(days=codes.AT_RISK_DAYS)
    qs = dispute_visible(principal).filter(status__in=codes.OPEN_STATUSES, deadline__isnull=False)
    return qs.aggregate(
        overdue=Count("id", filter=Q(deadline__lt=today)),
        at_risk=Count("id", filter=Q(deadline__gte=today, deadline__lte=soon)),
        open=Count("id"),
    )


def home_summary(principal):
    """Open, at-risk and overdue cases for the home page card."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    counts = deadline_counts(principal)
    url = reverse("mediation:list")
    return [
        (_("open"), counts["open"], f"{url}?open=1", "body"),
        (_("due soon"), counts["at_risk"], f"{url}?at_risk=1", "warning"),
        (_("overdue"), counts["overdue"], f"{url}?overdue=1", "danger"),
    ]


def committees_for(principal, action=Action.VIEW):
    return Committee.objects.visible_to(principal, action).filter(is_active=True).select_related("org", "office")


def committees_covering(org) -> list[Committee]:
    """Active committees that may take a dispute arising at `org`: its own, its town's and the
    city's. Their names are no secret, so this reads across offices on purpose; the case itself
    stays scoped."""
    return list(
        Committee.objects.filter(org__path__in=org.ancestor_paths(), is_active=True)
        .select_related("org")
        .order_by("org__depth", "name")
    )


def mediators_for(principal, action=Action.VIEW):
    return Mediator.objects.visible_to(principal, action).filter(is_active=True)


def committee_choices_for_intake(principal):
    """Committees a new case may go to: the user's own, and those above them that cover their area
    (the town's committee for a village mediator, the city's industry committees)."""
    from .models import Committee

    own = list(committees_for(principal).values_list("pk", flat=True))
    above = set()
    for node in principal.scope_nodes_for("mediation", Action.CREATE):
        above.update(c.pk for c in committees_covering(node))
    return Committee.objects.filter(pk__in=set(own) | above).select_related("org").order_by("org__depth", "name")


def committee_choices_for_case(dispute, *, higher_only=False):
    """Committees that cover the case's place, at its level or above (strictly above to escalate)."""
    from .models import Committee

    ok = [
        c.pk
        for c in committees_covering(dispute.org)
        if (c.level > dispute.level if higher_only else c.level >= dispute.level)
    ]
    return Committee.objects.filter(pk__in=ok).select_related("org").order_by("org__depth", "name")


def mediator_choices_for_case(dispute):
    """Mediators who may take the case: its office's, or the members of its handling committee
    (a city industry committee's mediators belong to the bureau)."""
    condition = Q(office_id=dispute.office_id)
    if dispute.committee_id:
        condition |= Q(committees=dispute.committee_id)
    return Mediator.objects.filter(condition, is_active=True).distinct().order_by("-full_time", "full_name")


# --- metrics -----------------------------------------------------------------------------------------

GROUPS = {"office": "office_id", "category": "stat_category", "committee": "committee_id", "level": "level"}


def dispute_metrics(principal, *, date_from: datetime.date, date_to: datetime.date, group_by: str = "office"):
    """The figures of a period, per group and in total.

    received: cases received in the period; accepted: accepted in it; succeeded, failed,
    terminated, rejected: cases concluded in it with that outcome; success rate: succeeded /
    concluded, where concluded = succeeded + failed + terminated (every case whose mediation
    ended; a case not accepted was never mediated); overdue: open cases past their deadline
    today, whenever received.
    """
    from django.db.models import Avg, Sum

    key = GROUPS[group_by]
    base = dispute_visible(principal)
    today = timezone.localdate()
    received = base.filter(received_on__gte=date_from, received_on__lte=date_to)
    concluded = base.filter(concluded_on__gte=date_from, concluded_on__lte=date_to)
    rows: dict = {}

    def merge(qs, **aggregates):
        for row in qs.values(key).annotate(**aggregates).order_by():
            rows.setdefault(row.pop(key), {}).update(row)

    merge(
        received,
        received=Count("id"),
        accepted=Count("id", filter=Q(accepted_on__isnull=False) & ~Q(outcome=codes.Outcome.REJECTED)),
    )
    merge(base.filter(status__in=codes.OPEN_STATUSES, deadline__lt=today), overdue=Count("id"))
    merge(
        concluded,
        succeeded=Count("id", filter=Q(outcome=codes.Outcome.SUCCEEDED)),
        failed=Count("id", filter=Q(outcome=codes.Outcome.FAILED)),
        terminated=Count("id", filter=Q(outcome=codes.Outcome.TERMINATED)),
        rejected=Count("id", filter=Q(outcome=codes.Outcome.REJECTED)),
        amount=Sum("agreement__amount", filter=Q(outcome=codes.Outcome.SUCCEEDED)),
        prevented_criminal=Count("id", filter=Q(prevented_criminal=True)),
        prevented_criminal_persons=Sum("prevented_criminal_persons"),
        prevented_mass_petition=Count("id", filter=Q(prevented_mass_petition=True)),
        prevented_mass_petition_persons=Sum("prevented_mass_petition_persons"),
        avg_days=Avg("days_to_conclude"),
    )
    fields = [
        "received",
        "accepted",
        "overdue",
        "succeeded",
        "failed",
        "terminated",
        "rejected",
        "prevented_criminal",
        "prevented_criminal_persons",
        "prevented_mass_petition",
        "prevented_mass_petition_persons",
    ]
    totals = dict.fromkeys(fields, 0) | {"amount": 0}
    weighted_days, concluded_count = 0.0, 0
    for row in rows.values():
        for f in fields:
            row[f] = row.get(f) or 0
            totals[f] += row[f]
        row["amount"] = row.get("amount") or 0
        totals["amount"] += row["amount"]
        days = row.get("avg_days")
        row["avg_days"] = round(float(days), 1) if days is not None else None
        n = row["succeeded"] + row["failed"] + row["terminated"] + row["rejected"]
        if row["avg_days"] is not None:
            weighted_days += row["avg_days"] * n
            concluded_count += n
        row["success_rate"] = _rate(row["succeeded"], row["failed"] + row["terminated"])
    totals["success_rate"] = _rate(totals["succeeded"], totals["failed"] + totals["terminated"])
    totals["avg_days"] = round(weighted_days / concluded_count, 1) if concluded_count else None
    return {"rows": rows, "totals": totals}


def _rate(succeeded: int, other_concluded: int):
    total = succeeded + other_concluded
    return round(100 * succeeded / total, 1) if total else None


def committee_staffing(principal, *, short_only=False):
    """Full-time mediators of each committee against the norm of its type (standard 10)."""
    full_time = Count("mediators", filter=Q(mediators__full_time=True, mediators__is_active=True), distinct=True)
    part_time = Count("mediators", filter=Q(mediators__full_time=False, mediators__is_active=True), distinct=True)
    committees = list(
        committees_for(principal).annotate(full_time=full_time, part_time=part_time).order_by("org__path", "name")
    )
    for c in committees:
        c.norm = c.full_time_norm
        c.shortfall = max(0, c.norm - c.full_time)
    if short_only:
        committees = [c for c in committees if c.shortfall]
    return committees
