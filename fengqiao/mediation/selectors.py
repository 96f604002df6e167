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

    agreement = Agreement.objects.filter(dispute=dispute).first()
    referrals = list(dispute.referrals.all())
    confirmations = list(dispute.confirmations.all())
    today = timezone.localdate()
    blocking = {codes.ConfirmationResult.PENDING, codes.ConfirmationResult.CONFIRMED}
    window_end = (
        agreement.signed_on + datetime.timedelta(days=codes.CONFIRMATION_WINDOW_DAYS)
        if agreement is not None and agreement.form == codes.AgreementForm.WRITTEN
        else None
    )
    return {
        "parties": list(dispute.parties.all()),
        "events": list(dispute.events.select_related("actor")),
        "sessions": list(dispute.sessions.prefetch_related("mediators")),
        "mediators": list(dispute.mediators.all()),
        "agreement": agreement,
        "follow_ups": list(dispute.follow_ups.all()),
        "referrals": referrals,
        "confirmations": confirmations,
        "flags": list(dispute.flags.select_related("acknowledged_by", "handled_by")),
        "confirmation_deadline": window_end,
        # Which of the conditional steps (codes.CONDITIONAL_STEPS) apply now.
        "conditions": {
            "referable": dispute.outcome != codes.Outcome.SUCCEEDED,
            "pending_referral": any(r.outcome == codes.LinkageOutcome.PENDING for r in referrals),
            "pending_confirmation": any(c.result == codes.ConfirmationResult.PENDING for c in confirmations),
            "confirmable": window_end is not None
            and today <= window_end
            and not any(c.result in blocking for c in confirmations),
        },
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
    mediator=None,
    risk=None,
    cursor=None,
    size=None,
):
    qs = dispute_filter(
        principal,
        q=q,
        status=status,
        stat_category=stat_category,
        channel=channel,
        level=level,
        overdue=overdue,
        at_risk=at_risk,
        open_only=open_only,
        date_from=date_from,
        date_to=date_to,
        village=village,
        committee=committee,
        mediator=mediator,
        risk=risk,
    ).select_related("org", "committee")
    return keyset_paginate(qs, ordering=["-received_on", "-id"], cursor=cursor, size=size)


def dispute_filter(
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
    mediator=None,
    risk=None,
    action=Action.VIEW,
):
    """The visible cases matching the list's filters (unordered, unpaginated: for the list page,
    the export and the API)."""
    qs = dispute_visible(principal, action)
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
    if mediator is not None:
        assigned = Dispute.mediators.through.objects.filter(
            dispute_id=OuterRef("pk"), mediator_id=getattr(mediator, "pk", mediator)
        )
        qs = qs.filter(Exists(assigned))
    if risk:
        qs = qs.filter(risk_level__gte=int(risk))
    if q:
        # Case number, summary, description, or a party's name; parties are matched by an EXISTS on
        # the same office so the search stays inside the office's index.
        party = Party.objects.filter(dispute_id=OuterRef("pk"), name__contains=q)
        qs = qs.filter(Q(number__contains=q) | Q(summary__contains=q) | Q(description__contains=q) | Exists(party))
    return qs


def deadline_counts(principal) -> dict:
    """Open cases past and near their deadline, for the home page."""
    today = timezone.localdate()
    soon = today + datetime.timedelta(days=codes.AT_RISK_DAYS)
    # Every open case counts as open; only accepted ones have a deadline to be near or past.
    qs = dispute_visible(principal).filter(status__in=codes.OPEN_STATUSES)
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
    flags = flag_counts(principal)
    url = reverse("mediation:list")
    return [
        (_("open"), counts["open"], f"{url}?open=1", "body"),
        (_("due soon"), counts["at_risk"], f"{url}?at_risk=1", "warning"),
        (_("overdue"), counts["overdue"], f"{url}?overdue=1", "danger"),
        (
            _("red warnings"),
            flags["by_level"][codes.RiskLevel.RED],
            reverse("mediation:warnings") + "?level=3",
            "danger",
        ),
    ]


def staffing_by_office(committees) -> list[dict]:
    """The staffing check summed per office (from `committee_staffing`'s rows): committees under a
    norm, those short of it, and full-time mediators present against those required."""
    offices: dict[int, dict] = {}
    for c in committees:
        if not c.norm:
            continue
        row = offices.setdefault(
            c.office_id, {"office": c.office, "committees": 0, "short": 0, "full_time": 0, "required": 0}
        )
        row["committees"] += 1
        row["short"] += 1 if c.shortfall else 0
        row["full_time"] += min(c.full_time, c.norm)
        row["required"] += c.norm
    return sorted(offices.values(), key=lambda r: (-r["short"], r["office"].path))


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

GROUPS = {
    "office": "office_id",
    "village": "org_id",
    "category": "stat_category",
    "committee": "committee_id",
    "mediator": "mediators",
    "level": "level",
}


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


def deactivated_committees(principal):
    """Committees of the area that were deactivated, so that they can be set up again."""
    return list(
        Committee.objects.visible_to(principal).filter(is_active=False).select_related("org").order_by("org__path")
    )


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


def group_labels(principal, group_by: str, keys) -> dict:
    """Display names for the keys of a metrics grouping, read through the principal's scope."""
    from django.utils.translation import get_language

    from fengqiao.orgs.models import OrgNode

    from . import codes_gbt

    keys = [k for k in keys if k is not None]
    if group_by in ("office", "village"):
        return {o.pk: o.display_name for o in OrgNode.objects.visible_to(principal).filter(pk__in=keys)}
    if group_by == "committee":
        # A city industry committee may handle an office's case: its name is no secret.
        return dict(Committee.objects.filter(pk__in=keys).values_list("pk", "name"))
    if group_by == "mediator":
        return dict(Mediator.objects.filter(pk__in=keys).values_list("pk", "full_name"))
    if group_by == "level":
        return {k: codes.Level(k).label for k in keys}
    if group_by == "category":
        zh = (get_language() or "zh-hans").startswith("zh")
        return {k: v[0] if zh else v[1] for k, v in codes_gbt.STAT_CATEGORIES.items()}
    raise ValueError(group_by)


def level_shares(principal, *, date_from, date_to) -> dict:
    """Where the cases concluded in the period were finally handled, as counts and shares:
    小事不出村，大事不出镇，矛盾不上交."""
    rows = (
        dispute_visible(principal)
        .filter(concluded_on__gte=date_from, concluded_on__lte=date_to)
        .exclude(outcome=codes.Outcome.REJECTED)
        .values("level")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = {codes.Level(r["level"]): r["n"] for r in rows}
    total = sum(counts.values())
    return {
        "total": total,
        "levels": [
            {
                "level": level,
                "label": level.label,
                "count": counts.get(level, 0),
                "share": round(100 * counts.get(level, 0) / total, 1) if total else None,
            }
            for level in codes.Level
        ],
    }


def monthly_trend(principal, *, date_from, date_to) -> list[dict]:
    """Cases received and concluded with agreement per month of the period."""
    from django.db.models.functions import TruncMonth

    base = dispute_visible(principal)
    received = {
        _month(r["m"]): r["n"]
        for r in base.filter(received_on__gte=date_from, received_on__lte=date_to)
        .annotate(m=TruncMonth("received_on"))
        .values("m")
        .annotate(n=Count("id"))
        .order_by()
    }
    concluded = {
        _month(r["m"]): r
        for r in base.filter(concluded_on__gte=date_from, concluded_on__lte=date_to)
        .exclude(outcome=codes.Outcome.REJECTED)
        .annotate(m=TruncMonth("concluded_on"))
        .values("m")
        .annotate(n=Count("id"), ok=Count("id", filter=Q(outcome=codes.Outcome.SUCCEEDED)))
        .order_by()
    }
    months, cursor = [], date_from.replace(day=1)
    while cursor <= date_to:
        done = concluded.get(cursor)
        months.append(
            {
                "month": cursor.strftime("%Y-%m"),
                "received": received.get(cursor, 0),
                "succeeded": done["ok"] if done else 0,
                "concluded": done["n"] if done else 0,
                "success_rate": _rate(done["ok"], done["n"] - done["ok"]) if done else None,
            }
        )
        cursor = (cursor + datetime.timedelta(days=32)).replace(day=1)
    return months


def _month(value) -> datetime.date:
    # TruncMonth gives a date on PostgreSQL and SQLite alike for a DateField; keep it robust.
    return value.date().replace(day=1) if isinstance(value, datetime.datetime) else value.replace(day=1)


def flag_counts(principal) -> dict:
    """Early warnings not yet handled, by level and kind."""
    from .models import RiskFlag

    rows = (
        RiskFlag.objects.visible_to(principal)
        .filter(status__in=[codes.FlagStatus.OPEN, codes.FlagStatus.ACKNOWLEDGED])
        .values("level", "kind", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_level = dict.fromkeys(codes.RiskLevel.values, 0)
    by_kind = dict.fromkeys(codes.RiskKind.values, 0)
    new = 0
    for r in rows:
        by_level[r["level"]] += r["n"]
        by_kind[r["kind"]] += r["n"]
        if r["status"] == codes.FlagStatus.OPEN:
            new += r["n"]
    return {"by_level": by_level, "by_kind": by_kind, "total": sum(by_level.values()), "new": new}


def flag_search(principal, *, status="", level=None, kind="", cursor=None, size=None):
    from .models import RiskFlag

    qs = RiskFlag.objects.visible_to(principal)
    if status == "unhandled" or not status:
        qs = qs.filter(status__in=[codes.FlagStatus.OPEN, codes.FlagStatus.ACKNOWLEDGED])
    elif status in codes.FlagStatus.values:
        qs = qs.filter(status=status)
    if level:
        qs = qs.filter(level=level)
    if kind:
        qs = qs.filter(kind=kind)
    qs = qs.select_related("dispute", "org", "acknowledged_by", "handled_by")
    return keyset_paginate(qs, ordering=["-raised_at", "-id"], cursor=cursor, size=size)


def incident_counts(principal, *, date_from, date_to) -> dict:
    """Major mass incidents of the period, and those caused by improper or late mediation (standard 8)."""
    from .models import MajorIncident

    return (
        MajorIncident.objects.visible_to(principal)
        .filter(occurred_on__gte=date_from, occurred_on__lte=date_to)
        .aggregate(total=Count("id"), caused_by_mediation=Count("id", filter=Q(caused_by_mediation=True)))
    )


def incident_search(principal, *, cursor=None, size=None):
    from .models import MajorIncident

    qs = MajorIncident.objects.visible_to(principal).select_related("org", "dispute")
    return keyset_paginate(qs, ordering=["-occurred_on", "-id"], cursor=cursor, size=size)


def screening_search(principal, *, village=None, cursor=None, size=None):
    from .models import ScreeningRound

    qs = (
        ScreeningRound.objects.visible_to(principal)
        .select_related("org", "recorded_by")
        .annotate(case_count=Count("disputes"))
    )
    if village is not None:
        qs = qs.filter(org=village)
    return keyset_paginate(qs, ordering=["-held_on", "-id"], cursor=cursor, size=size)


def periods_visible(principal):
    """Period rules that apply in the principal's area: those set above it and within it."""
    from .models import MediationPeriod

    paths = set()
    for node in principal.scope_nodes_for("mediation", Action.VIEW):
        paths.update(node.ancestor_paths())
    own = MediationPeriod.objects.visible_to(principal).values_list("pk", flat=True)
    return (
        MediationPeriod.objects.filter(Q(org__path__in=paths) | Q(pk__in=own))
        .select_related("org")
        .order_by("org__path", "code")
    )


def village_choices(principal, limit=1000):
    """Towns and villages of the principal's mediation scope, for filters, in tree order."""
    from fengqiao.orgs.models import OrgKind, OrgNode

    return list(
        OrgNode.objects.visible_to(principal)
        .filter(kind__in=[OrgKind.TOWN, OrgKind.VILLAGE], is_active=True)
        .order_by("path")[:limit]
    )


def mediator_search(principal, *, q="", full_time=None, active=True, cursor=None, size=None):
    """The mediators of the principal's area with this year's training hours and designations."""
    from django.db.models import Sum

    year_start = timezone.localdate().replace(month=1, day=1)
    qs = Mediator.objects.visible_to(principal).select_related("org")
    if q:
        qs = qs.filter(full_name__contains=q)
    if full_time is not None:
        qs = qs.filter(full_time=full_time)
    if active is not None:
        qs = qs.filter(is_active=active)
    qs = qs.annotate(
        training_hours=Sum("trainings__hours", filter=Q(trainings__held_on__gte=year_start)),
        honours=Count("designations", distinct=True),
    )
    page = keyset_paginate(qs, ordering=["full_name", "id"], cursor=cursor, size=size)
    from django.db.models import prefetch_related_objects

    prefetch_related_objects(page.items, "committees")
    return page


def mediator_detail(mediator) -> dict:
    return {
        "committees": list(mediator.committees.select_related("org")),
        "trainings": list(mediator.trainings.all()),
        "designations": list(mediator.designations.all()),
        "open_cases": mediator.disputes.filter(status__in=codes.OPEN_STATUSES).count(),
    }


def designation_list(principal, *, year=None):
    from .models import Designation

    qs = Designation.objects.visible_to(principal).select_related("committee", "mediator", "org")
    if year:
        qs = qs.filter(year=year)
    return list(qs.order_by("-year", "level", "id")[:500])


def _months(date_from, date_to):
    months, cursor = [], date_from.replace(day=1)
    while cursor <= date_to:
        months.append(cursor)
        cursor = (cursor + datetime.timedelta(days=32)).replace(day=1)
    return months


def _uses_monthly_figures(principal) -> bool:
    """The monthly counters are kept per office: they serve a principal whose scope is offices or
    bureaus (a village inside one of them adds nothing); a village-only scope reads the cases."""
    from fengqiao.orgs.models import OrgKind

    nodes = principal.scope_nodes_for("mediation", Action.VIEW)
    wide = [n for n in nodes if n.kind != OrgKind.VILLAGE]
    return bool(wide) and all(any(n.path.startswith(w.path) for w in wide) for n in nodes if n.kind == OrgKind.VILLAGE)


def dashboard_figures(principal, *, date_from, date_to) -> dict:
    """The dashboard's figures for whole months from `date_from`'s to `date_to`'s: totals, the
    monthly trend, the mix of categories, each office's success rate and where cases were handled.
    Read from the monthly counters (a few hundred rows whatever the history) when the scope allows,
    else from the cases."""
    from .models import DisputeMonthStat

    months = _months(date_from, date_to)
    if not _uses_monthly_figures(principal):
        return _dashboard_from_cases(principal, date_from=months[0], date_to=date_to, months=months)
    rows = (
        DisputeMonthStat.objects.visible_to(principal)
        .filter(month__gte=months[0], month__lte=months[-1])
        .values_list(
            "office_id",
            "month",
            "stat_category",
            "level",
            "received",
            "succeeded",
            "failed",
            "terminated",
            "prevented_criminal",
            "amount",
        )
    )
    totals = dict.fromkeys(("received", "succeeded", "failed", "terminated", "prevented_criminal"), 0)
    totals["amount"] = 0
    trend = {m: {"received": 0, "succeeded": 0, "concluded": 0} for m in months}
    categories: dict[str, int] = {}
    levels = dict.fromkeys(codes.Level.values, 0)
    offices: dict[int, dict] = {}
    for office_id, month, category, level, rec, ok, failed, term, prevented, amount in rows:
        ended = ok + failed + term
        totals["received"] += rec
        totals["succeeded"] += ok
        totals["failed"] += failed
        totals["terminated"] += term
        totals["prevented_criminal"] += prevented
        totals["amount"] += amount
        t = trend[month]
        t["received"] += rec
        t["succeeded"] += ok
        t["concluded"] += ended
        categories[category] = categories.get(category, 0) + rec
        levels[level] = levels.get(level, 0) + ended
        o = offices.setdefault(office_id, {"received": 0, "succeeded": 0, "concluded": 0})
        o["received"] += rec
        o["succeeded"] += ok
        o["concluded"] += ended
    return _dashboard_result("monthly", principal, totals, trend, categories, levels, offices)


def _dashboard_from_cases(principal, *, date_from, date_to, months) -> dict:
    by_office = dispute_metrics(principal, date_from=date_from, date_to=date_to, group_by="office")
    by_category = dispute_metrics(principal, date_from=date_from, date_to=date_to, group_by="category")
    totals = by_office["totals"]
    trend = {
        datetime.date.fromisoformat(m["month"] + "-01"): {
            "received": m["received"],
            "succeeded": m["succeeded"],
            "concluded": m["concluded"],
        }
        for m in monthly_trend(principal, date_from=date_from, date_to=date_to)
    }
    shares = level_shares(principal, date_from=date_from, date_to=date_to)
    return _dashboard_result(
        "cases",
        principal,
        totals,
        trend,
        {k: r["received"] for k, r in by_category["rows"].items()},
        {x["level"]: x["count"] for x in shares["levels"]},
        {
            k: {
                "received": r["received"],
                "succeeded": r["succeeded"],
                "concluded": r["succeeded"] + r["failed"] + r["terminated"],
            }
            for k, r in by_office["rows"].items()
        },
    )


def _dashboard_result(source, principal, totals, trend, categories, levels, offices) -> dict:
    names = group_labels(principal, "office", offices.keys())
    category_names = group_labels(principal, "category", [])
    level_total = sum(levels.values())
    return {
        "source": source,
        "totals": {
            **totals,
            "success_rate": _rate(totals["succeeded"], totals["failed"] + totals["terminated"]),
        },
        "trend": [
            {
                "month": m.strftime("%Y-%m"),
                "received": t["received"],
                "succeeded": t["succeeded"],
                "success_rate": _rate(t["succeeded"], t["concluded"] - t["succeeded"]),
            }
            for m, t in sorted(trend.items())
        ],
        "categories": [
            {"code": k, "name": category_names.get(k, k), "value": n} for k, n in sorted(categories.items()) if n
        ],
        "levels": [
            {
                "level": level,
                "name": str(level.label),
                "value": levels.get(level, 0),
                "share": round(100 * levels.get(level, 0) / level_total, 1) if level_total else None,
            }
            for level in codes.Level
        ],
        "offices": sorted(
            (
                {
                    "name": names[k],
                    "received": o["received"],
                    "concluded": o["concluded"],
                    "success_rate": _rate(o["succeeded"], o["concluded"] - o["succeeded"]),
                }
                for k, o in offices.items()
                if k in names
            ),
            key=lambda o: (o["success_rate"] is None, -(o["success_rate"] or 0), o["name"]),
        ),
    }


# A filter is offered as a drop-down only while its list stays short enough to read and to send;
# a province's thousands of villages and committees would make every list page megabytes.
CHOICE_LIMIT = 150


CHOICES_CACHE_SECONDS = 60


def list_filter_choices(principal, *, place=None) -> dict:
    """`filter_choices` for the case list, kept a minute per area and place: the list is the page
    staff open most, and a committee or mediator added meanwhile appears within that minute."""
    from django.core.cache import cache

    nodes = principal.scope_nodes_for("mediation", Action.VIEW)
    key = "mediation:list-choices:{}:{}".format(
        ",".join(f"{n.pk}.{n.path}" for n in nodes), place.pk if place is not None else ""
    )
    choices = cache.get(key)
    if choices is None:
        found = filter_choices(principal, place=place)
        # Plain values, so that the cache holds no model instances.
        choices = {
            "villages": [{"pk": n.pk, "display_name": n.display_name} for n in found["villages"]],
            "committees": [{"pk": c.pk, "name": c.name} for c in found["committees"]],
            "mediators": [{"pk": m.pk, "full_name": m.full_name} for m in found["mediators"]],
        }
        cache.set(key, choices, CHOICES_CACHE_SECONDS)
    return choices


def filter_choices(principal, *, place=None) -> dict:
    """The place, committee and mediator choices of the case list's filter, bounded by the size of
    the user's area: an office or village sees its villages, committees and mediators; a bureau
    sees its towns (a province none) and, once a place is chosen, that place's committees and
    mediators. A province's tens of thousands of committees are never listed."""
    from fengqiao.core.models import offices_under
    from fengqiao.orgs.models import OrgKind, OrgNode

    nodes = principal.scope_nodes_for("mediation", Action.VIEW)
    under = [offices_under(n) for n in nodes if n.is_bureau]
    if None in under:  # the whole tree
        bureau_offices = OrgNode.objects.exclude(kind=OrgKind.VILLAGE).count()
    else:
        bureau_offices = sum(len(ids) for ids in under)
    visible = OrgNode.objects.visible_to(principal).filter(is_active=True)
    if bureau_offices > CHOICE_LIMIT:
        places = []
    elif bureau_offices:
        places = list(visible.filter(kind=OrgKind.TOWN).order_by("path")[:CHOICE_LIMIT])
    else:
        places = list(visible.filter(kind__in=[OrgKind.TOWN, OrgKind.VILLAGE]).order_by("path")[:CHOICE_LIMIT])
    committees, mediators = [], []
    if place is not None or not bureau_offices:
        committees = committees_for(principal).order_by("org__path", "name")
        mediators = mediators_for(principal).order_by("full_name")
        if place is not None:
            committees = committees.filter(subtree_q(place.path, field="org__path"))
            mediators = mediators.filter(subtree_q(place.path, field="org__path"))
        committees = list(committees[: CHOICE_LIMIT + 1])
        mediators = list(mediators[: CHOICE_LIMIT + 1])
    return {
        "villages": places,
        "committees": committees if len(committees) <= CHOICE_LIMIT else [],
        "mediators": mediators if len(mediators) <= CHOICE_LIMIT else [],
    }
