"""Reads of the construction-standard module: scorecards (live or frozen), the city's matrix and
completion line, rectification lists. Indicator values are computed for a whole list of offices
at once, one indicator at a time, so a province costs as many queries as a city."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import Max, Q
from django.utils import timezone

from fengqiao.core.permissions import Action, Module

from . import codes, indicators
from .models import Assessment, Campaign, ItemCriterion, ItemResult, RectificationTask, StandardItem

RECORD_IDS_KEPT = 200


def criteria_by_item(standard_id: int) -> dict[int, list[ItemCriterion]]:
    out: dict[int, list[ItemCriterion]] = defaultdict(list)
    for c in ItemCriterion.objects.filter(item__standard_id=standard_id).order_by("item_id", "id"):
        out[c.item_id].append(c)
    return out


def indicator_values(
    office_ids: list[int], codes_needed, start: datetime.date, end: datetime.date
) -> dict[str, dict[int, float | int | None]]:
    """code → office id → value, each indicator computed once for every office of the list."""
    out = {}
    with indicators.evaluation():
        for code in sorted(set(codes_needed)):
            ind = indicators.get(code)
            out[code] = ind.values(office_ids, start, end) if ind else dict.fromkeys(office_ids)
    return out


def evaluate(criteria: list[ItemCriterion], values: dict[str, dict], office_id: int) -> list[dict]:
    """Each criterion of an item with the office's value and whether it meets the threshold."""
    rows = []
    for c in criteria:
        ind = indicators.get(c.indicator)
        value = values.get(c.indicator, {}).get(office_id)
        threshold = float(c.threshold) if isinstance(c.threshold, Decimal) else c.threshold
        rows.append(
            {
                "indicator": c.indicator,
                "name": str(ind.name) if ind else c.indicator,
                "unit": str(ind.unit) if ind else "",
                "definition": str(ind.definition) if ind else "",
                "direction": c.direction,
                "threshold": threshold,
                "value": value,
                "met": codes.meets(value, threshold, c.direction),
                "drill": bool(ind and ind.records),
            }
        )
    return rows


def auto_judgement(rows: list[dict]) -> str | None:
    """What the indicators alone say: met when every one is met, not met when any is not, None
    when none could be measured."""
    results = [r["met"] for r in rows if r["met"] is not None]
    if not results:
        return None
    return codes.Judgement.MET if all(results) else codes.Judgement.NOT_MET


def records(code: str, office_id: int, start: datetime.date, end: datetime.date):
    ind = indicators.get(code)
    if ind is None or ind.records is None:
        return None
    return ind.records(office_id, start, end)


def freeze(rows: list[dict], office_id: int, start: datetime.date, end: datetime.date) -> list[dict]:
    """The criteria rows with the records each value counted (how many, and the first ids)."""
    frozen = []
    for row in rows:
        entry = dict(row)
        qs = records(row["indicator"], office_id, start, end)
        if qs is not None:
            entry["records_model"] = qs.model._meta.label
            ids = list(qs.values_list("pk", flat=True)[: RECORD_IDS_KEPT + 1])
            entry["record_ids"] = ids[:RECORD_IDS_KEPT]
            entry["records_truncated"] = len(ids) > RECORD_IDS_KEPT
            entry["records_count"] = qs.count() if len(ids) > RECORD_IDS_KEPT else len(ids)
        frozen.append(entry)
    return frozen


def scorecard(assessment: Assessment) -> list[dict]:
    """The items of an assessment with the office's self-assessment, the judgement and the
    indicator values: live while the assessment is open, frozen once it is judged."""
    results = list(assessment.results.select_related("item", "item__category", "judged_by").order_by("item__number"))
    frozen = assessment.status == codes.AssessmentStatus.JUDGED
    live: dict = {}
    crit = {}
    if not frozen:
        crit = criteria_by_item(assessment.campaign.standard_id)
        needed = {c.indicator for cs in crit.values() for c in cs}
        live = indicator_values([assessment.office_id], needed, assessment.period_start, assessment.period_end)
    evidence = defaultdict(list)
    for ev in _evidence_of(results):
        evidence[ev.result_id].append(ev)
    cards = []
    for r in results:
        rows = (
            _labelled(r.snapshot.get("criteria", []))
            if frozen
            else evaluate(crit.get(r.item_id, []), live, r.office_id)
        )
        cards.append(
            {
                "result": r,
                "item": r.item,
                "criteria": rows,
                "auto": auto_judgement(rows),
                "evidence": evidence.get(r.pk, []),
                "frozen_evidence": r.snapshot.get("evidence", []) if frozen else [],
            }
        )
    return cards


def _labelled(rows: list[dict]) -> list[dict]:
    """Frozen rows keep their values; names and definitions are read in the reader's language."""
    out = []
    for row in rows:
        ind = indicators.get(row.get("indicator", ""))
        if ind is not None:
            row = {**row, "name": str(ind.name), "unit": str(ind.unit), "definition": str(ind.definition)}
        out.append(row)
    return out


def _evidence_of(results):
    from .models import Evidence

    return Evidence.objects.filter(result__in=[r.pk for r in results]).select_related("uploaded_by")


def is_assessor_of(principal, office) -> bool:
    """An assessor judges from a bureau above the office (holding approve on the standard there),
    never from the office itself. None is the platform (the demo seeder)."""
    from fengqiao.core.permissions import Module
    from fengqiao.core.scoping import in_scope
    from fengqiao.orgs.models import OrgKind

    if principal is None:
        return True
    if not in_scope(principal, office, Action.APPROVE, Module.STANDARDS):
        return False
    return any(
        n.kind in (OrgKind.CITY, OrgKind.PROVINCE) for n in principal.scope_nodes_for(Module.STANDARDS, Action.APPROVE)
    )


# --- campaigns --------------------------------------------------------------------------------------


def campaigns_visible(principal, action=Action.VIEW):
    return Campaign.objects.visible_to(principal, action).select_related("standard", "org")


def latest_assessments(campaign: Campaign, office_ids=None, *, judged_by: datetime.datetime | None = None):
    """Each office's latest round (or latest judged round, as of `judged_by`)."""
    qs = Assessment.objects.filter(campaign=campaign)
    if office_ids is not None:
        qs = qs.filter(office_id__in=office_ids)
    if judged_by is not None:
        qs = qs.filter(status=codes.AssessmentStatus.JUDGED, judged_at__lte=judged_by)
    latest = qs.values("office_id").annotate(last=Max("round")).order_by()
    if not latest:
        return {}
    cond = Q()
    for row in latest:
        cond |= Q(office_id=row["office_id"], round=row["last"])
    return {a.office_id: a for a in qs.filter(cond).select_related("office")}


def completion(campaign: Campaign, as_of: datetime.date | None = None) -> dict:
    """Offices in scope, those whose latest judged assessment (as of a day) meets the standard, and
    the share, against the target of the phase that day falls in."""
    as_of = as_of or timezone.localdate()
    end = _day_end(as_of)
    scope = list(campaign.offices.values_list("pk", flat=True))
    judged = latest_assessments(campaign, scope, judged_by=end)
    met = sum(1 for a in judged.values() if a.met)
    target = None
    for phase in campaign.phases.all():
        if phase.target_percent is not None and phase.ends_on <= as_of:
            target = float(phase.target_percent)
    return {
        "as_of": as_of,
        "offices": len(scope),
        "judged": len(judged),
        "met": met,
        "percent": round(100 * met / len(scope), 1) if scope else None,
        "target": target,
    }


def completion_series(campaign: Campaign, *, today: datetime.date | None = None) -> list[dict]:
    """Month by month from the campaign's start to its end (or today), with each phase's target
    line: one pass over the judged assessments, not one query per month."""
    today = today or timezone.localdate()
    last = min(campaign.ends_on, today)
    scope = set(campaign.offices.values_list("pk", flat=True))
    judged = list(
        Assessment.objects.filter(
            campaign=campaign, status=codes.AssessmentStatus.JUDGED, office_id__in=scope
        ).values_list("office_id", "round", "judged_at", "met")
    )
    phases = list(campaign.phases.all())
    points = []
    day = _month_end(campaign.starts_on)
    while True:
        point_day = min(day, last)
        cutoff = timezone.make_aware(
            datetime.datetime.combine(point_day + datetime.timedelta(days=1), datetime.time.min)
        )
        latest: dict[int, tuple[int, bool]] = {}
        for office_id, rnd, judged_at, met in judged:
            if judged_at <= cutoff and (office_id not in latest or rnd > latest[office_id][0]):
                latest[office_id] = (rnd, bool(met))
        met_count = sum(1 for _r, m in latest.values() if m)
        target = None
        for phase in phases:
            if phase.target_percent is not None and phase.starts_on <= point_day:
                target = float(phase.target_percent)
        points.append(
            {
                "day": point_day,
                "met": met_count,
                "percent": round(100 * met_count / len(scope), 1) if scope else None,
                "target": target,
            }
        )
        if point_day >= last:
            break
        day = _month_end(day + datetime.timedelta(days=1))
    return points


def _day_end(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min))


def _month_end(day: datetime.date) -> datetime.date:
    nxt = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return nxt - datetime.timedelta(days=1)


def matrix(campaign: Campaign, principal) -> dict:
    """Offices (those of the campaign the principal can see) × items: the judgement of each
    office's latest round, or while it is open the self-assessment and what the indicators say."""
    from fengqiao.orgs.models import OrgNode

    visible = OrgNode.objects.visible_to(principal).filter(pk__in=campaign.offices.values("pk"))
    offices = list(visible.order_by("path"))
    ids = [o.pk for o in offices]
    items = list(StandardItem.objects.filter(standard_id=campaign.standard_id).order_by("number"))
    latest = latest_assessments(campaign, ids)
    by_assessment = defaultdict(dict)
    for r in ItemResult.objects.filter(assessment__in=[a.pk for a in latest.values()]).values(
        "assessment_id", "item_id", "judgement", "self_judgement"
    ):
        by_assessment[r["assessment_id"]][r["item_id"]] = r
    rows = []
    for office in offices:
        a = latest.get(office.pk)
        cells = []
        met_items = 0
        for item in items:
            r = by_assessment.get(a.pk, {}).get(item.pk) if a else None
            judgement = (r or {}).get("judgement") or ""
            met_items += judgement in (codes.Judgement.MET,) or (
                judgement == codes.Judgement.BASIC and campaign.rule == codes.MeetRule.MET_OR_BASIC
            )
            cells.append({"item": item, "judgement": judgement, "self": (r or {}).get("self_judgement") or ""})
        rows.append({"office": office, "assessment": a, "cells": cells, "met_items": met_items})
    return {"items": items, "rows": rows}


def open_tasks(principal, *, overdue_only=False, today=None):
    today = today or timezone.localdate()
    qs = (
        RectificationTask.objects.visible_to(principal)
        .exclude(status=codes.TaskStatus.CLOSED)
        .select_related("office", "item", "responsible")
    )
    if overdue_only:
        qs = qs.filter(deadline__lt=today)
    return qs.order_by("deadline", "id")


def scorecards_for(office_ids: list[int], standard_id: int, start: datetime.date, end: datetime.date) -> dict:
    """Live scorecards of many offices for one period: office id → item number → the criteria rows
    and what they say. Each indicator the standard uses is computed once for all the offices, so
    the cost grows with the number of offices, not with the number of offices × indicators."""
    crit = criteria_by_item(standard_id)
    items = dict(StandardItem.objects.filter(standard_id=standard_id).values_list("pk", "number"))
    needed = {c.indicator for cs in crit.values() for c in cs}
    values = indicator_values(office_ids, needed, start, end)
    out = {}
    for office_id in office_ids:
        card = {}
        for item_id, number in items.items():
            rows = evaluate(crit.get(item_id, []), values, office_id)
            card[number] = {"criteria": rows, "auto": auto_judgement(rows)}
        out[office_id] = card
    return out


def home_summary(user):
    """The home page card: open and overdue rectifications, and scorecards waiting for the user."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    today = timezone.localdate()
    tasks = open_tasks(user)
    overdue = tasks.filter(deadline__lt=today).count()
    base = reverse("assessment:tasks")
    figures = [
        (_("Open rectifications"), tasks.count(), base, "primary"),
        (_("Overdue rectifications"), overdue, f"{base}?overdue=1", "danger" if overdue else "success"),
    ]
    if user.has_action(Module.STANDARDS, Action.APPROVE) and any(
        n.kind in ("city", "province") for n in user.scope_nodes_for(Module.STANDARDS, Action.APPROVE)
    ):
        waiting = (
            Assessment.objects.visible_to(user)
            .filter(status=codes.AssessmentStatus.SUBMITTED, campaign__status=codes.CampaignStatus.RUNNING)
            .count()
        )
        figures.append(
            (_("Scorecards to inspect"), waiting, reverse("assessment:index"), "warning" if waiting else "success")
        )
    return figures


def trend_indicators(campaign: Campaign) -> list[dict]:
    """The indicators the campaign's standard judges by, with the threshold it sets (for the
    dashboard's trend chart)."""
    out, seen = [], set()
    for c in (
        ItemCriterion.objects.filter(item__standard_id=campaign.standard_id)
        .select_related("item")
        .order_by("item__number", "id")
    ):
        ind = indicators.get(c.indicator)
        if ind is None or c.indicator in seen:
            continue
        seen.add(c.indicator)
        out.append(
            {
                "code": c.indicator,
                "name": str(ind.name),
                "unit": str(ind.unit),
                "item": c.item.number,
                "direction": c.direction,
                "threshold": float(c.threshold),
            }
        )
    return out


def indicator_trend(campaign: Campaign, code: str, office_ids: list[int], *, months: int = 12, today=None) -> dict:
    """One indicator month by month over the offices: the average value and the share of offices
    meeting the standard's threshold, for the last `months` months up to today (or the campaign's
    end). Each month costs that indicator's fixed number of queries for all the offices."""
    today = today or timezone.localdate()
    spec = next((t for t in trend_indicators(campaign) if t["code"] == code), None)
    ind = indicators.get(code)
    if spec is None or ind is None or not office_ids:
        return {"points": [], "spec": spec}
    last = min(today, campaign.ends_on)
    first = last.replace(day=1)
    for _ in range(months - 1):
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    points = []
    day = first
    with indicators.evaluation():
        while day <= last:
            end = min(_month_end(day), last)
            values = ind.values(office_ids, day, end)
            measured = [v for v in values.values() if v is not None]
            met = sum(1 for v in measured if codes.meets(v, spec["threshold"], spec["direction"]))
            points.append(
                {
                    "month": day.strftime("%Y-%m"),
                    "average": round(sum(measured) / len(measured), 1) if measured else None,
                    "met_share": round(100 * met / len(measured), 1) if measured else None,
                    "measured": len(measured),
                }
            )
            day = end + datetime.timedelta(days=1)
    return {"points": points, "spec": spec}


def rounds_of(assessment: Assessment) -> list[dict]:
    """Every round of the assessment's office in its campaign (they share the office's scope)."""
    return list(
        Assessment.objects.filter(campaign_id=assessment.campaign_id, office_id=assessment.office_id)
        .order_by("round")
        .values("pk", "round", "status", "met")
    )


def tasks_of(assessment: Assessment) -> list[RectificationTask]:
    return list(RectificationTask.objects.filter(result__assessment=assessment).select_related("item", "responsible"))


def result_of(assessment: Assessment, pk) -> ItemResult | None:
    """One item of an assessment the caller has already been allowed to see."""
    return ItemResult.objects.filter(assessment=assessment, pk=pk).select_related("item").first()


def experience_items(principal):
    """The items an experience may concern: those of the newest shipped standard the user reads."""
    from .models import Standard

    standard = Standard.objects.visible_to(principal).filter(owner__isnull=True).order_by("-issued_on", "-pk").first()
    if standard is None:
        return StandardItem.objects.none()
    return StandardItem.objects.filter(standard=standard).order_by("number")
