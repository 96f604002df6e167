"""Reads of party-building data: always through `visible_to` for what a person sees, bounded by office
and keyset-paginated; and the figures of the construction standard (`office_figures`, `FIGURES`,
`figure_records`), which read the tables directly for the scorecards, in a fixed number of queries."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fengqiao.core.pagination import keyset_paginate
from fengqiao.core.permissions import Action, Module

from . import codes
from .models import Activity, Branch, Member, Venue, VenueCheck, Violation

LIST_ORDERING = ["-id"]
ACTIVITY_ORDERING = ["-date", "-id"]
TIMELINE_LIMIT = 200


# --- scope -------------------------------------------------------------------------------------------


def offices_for(principal, action=Action.VIEW):
    """The offices (towns) inside the principal's party-building scope, by path."""
    from fengqiao.core.scoping import subtree_q
    from fengqiao.orgs.models import OrgKind, OrgNode

    within = Q(pk__in=[])
    for node in principal.scope_nodes_for(Module.PARTY, action):
        if node.kind == OrgKind.VILLAGE:
            continue
        within |= subtree_q(node.path)
    return OrgNode.objects.filter(within, kind=OrgKind.TOWN).order_by("path")


def office_for(principal, pk, action=Action.VIEW):
    """Office `pk` if it lies inside the principal's scope for `action`, else None."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return offices_for(principal, action).filter(pk=pk).first()


def may(principal, obj, action) -> bool:
    """Whether the principal may do `action` on this (visible) object."""
    return principal.has_action(Module.PARTY, action) and (
        type(obj).objects.visible_to(principal, action).filter(pk=obj.pk).exists()
    )


def may_see_violations(principal, office=None) -> bool:
    if not principal.has_action(Module.PARTY, Action.VIEW_SENSITIVE):
        return False
    if office is None:
        return True
    return offices_for(principal, Action.VIEW_SENSITIVE).filter(pk=office.pk).exists()


# --- branch ------------------------------------------------------------------------------------------


def branch_visible(principal, action=Action.VIEW):
    return Branch.objects.visible_to(principal, action)


def branch_of(principal, office, action=Action.VIEW) -> Branch | None:
    return branch_visible(principal, action).filter(office=office).first()


def members_now(branch_id: int):
    return Member.objects.filter(branch_id=branch_id, active=True)


def overview(principal, office, today: datetime.date | None = None) -> dict:
    """Everything the office's branch page shows: branch, members by status, venues, recent
    activities, the year's 三会一课 grid, and the violation count."""
    today = today or timezone.localdate()
    branch = branch_of(principal, office)
    year_start = today.replace(month=1, day=1)
    figures = office_figures([office.pk], year_start, today)[office.pk]
    data = {
        "office": office,
        "branch": branch,
        "figures": figures,
        "venues": list(Venue.objects.visible_to(principal).filter(office=office).order_by("id")[:50]),
        "activities": [],
        "grid": [],
        "members": [],
    }
    if branch is not None:
        data["members"] = list(members_now(branch.pk).select_related("user").order_by("status", "name", "id")[:300])
        data["activities"] = list(Activity.objects.filter(branch=branch).order_by(*ACTIVITY_ORDERING)[:10])
        data["grid"] = completion_grid(branch, year_start, today)
    return data


def _months(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    months, day = [], start.replace(day=1)
    while day <= end:
        months.append(day)
        day = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return months


def _unit_of(month: datetime.date, every: int) -> tuple[int, int]:
    return (month.year, (month.month - 1) // every)


def required_units(start: datetime.date, end: datetime.date) -> dict[str, set]:
    """For each ruled type, the months (or quarters) that intersect [start, end]: each must hold
    at least one such activity."""
    months = _months(start, end)
    return {t: {_unit_of(m, every) for m in months} for t, every in codes.REQUIRED_EVERY_MONTHS.items()}


def completion_grid(branch: Branch, start: datetime.date, end: datetime.date) -> list[dict]:
    """Per month of the period: for each ruled type whether it was held in its month or quarter."""
    held = {}
    for t, month in (
        Activity.objects.filter(branch=branch, date__gte=start, date__lte=end, type__in=codes.RULED_TYPES)
        .annotate(month=TruncMonth("date"))
        .values_list("type", "month")
        .distinct()
    ):
        month = month.date() if isinstance(month, datetime.datetime) else month
        held.setdefault(t, set()).add(_unit_of(month, codes.REQUIRED_EVERY_MONTHS[t]))
    rows = []
    for m in _months(start, end):
        cells = []
        for t, label in codes.ActivityType.choices:
            if t not in codes.REQUIRED_EVERY_MONTHS:
                continue
            every = codes.REQUIRED_EVERY_MONTHS[t]
            cells.append({"type": t, "label": label, "done": _unit_of(m, every) in held.get(t, set()), "every": every})
        rows.append({"month": m, "cells": cells})
    return rows


# --- members -----------------------------------------------------------------------------------------


def member_filter(principal, *, q="", status="", state="active", office=None, action=Action.VIEW):
    qs = Member.objects.visible_to(principal, action)
    if office is not None:
        qs = qs.filter(office=office)
    if status:
        qs = qs.filter(status=status)
    if state == "active":
        qs = qs.filter(active=True)
    elif state == "left":
        qs = qs.filter(active=False)
    if q:
        qs = qs.filter(name__contains=q)
    return qs


def member_search(principal, *, cursor=None, size=None, **filters):
    qs = member_filter(principal, **filters).select_related("office", "user")
    return keyset_paginate(qs, ordering=LIST_ORDERING, cursor=cursor, size=size)


def member_timeline(member: Member) -> list[dict]:
    """What happened to the member, newest first: joining, transfers, becoming full, activities."""
    items = [{"kind": "joined", "date": member.joined_on}]
    if member.transferred_in_on:
        items.append({"kind": "in", "date": member.transferred_in_on, "text": member.transferred_from})
    if member.formal_on:
        items.append({"kind": "formal", "date": member.formal_on})
    if member.transferred_out_on:
        items.append({"kind": "out", "date": member.transferred_out_on, "text": member.transferred_to})
    for a in member.activities.order_by("-date", "-id")[:TIMELINE_LIMIT]:
        items.append({"kind": "activity", "date": a.date, "activity": a})
    order = {"joined": 0, "in": 1, "formal": 2, "activity": 3, "out": 4}
    items.sort(key=lambda i: (i["date"], order[i["kind"]]), reverse=True)
    return items


def member_choices(branch: Branch, day: datetime.date | None = None):
    """Members who can be marked present: in the branch on `day` (today when not given)."""
    from .services import members_on

    return members_on(branch.pk, day or timezone.localdate()).order_by("name", "id")


# --- activities --------------------------------------------------------------------------------------


def activity_filter(principal, *, q="", type="", date_from=None, date_to=None, office=None, action=Action.VIEW):
    qs = Activity.objects.visible_to(principal, action)
    if office is not None:
        qs = qs.filter(office=office)
    if type:
        qs = qs.filter(type=type)
    if date_from:
        qs = qs.filter(date__gte=date_from)
    if date_to:
        qs = qs.filter(date__lte=date_to)
    if q:
        qs = qs.filter(topic__contains=q)
    return qs


def activity_search(principal, *, cursor=None, size=None, **filters):
    qs = activity_filter(principal, **filters).select_related("office")
    return keyset_paginate(qs, ordering=ACTIVITY_ORDERING, cursor=cursor, size=size)


def activity_attendance(activity: Activity) -> list[tuple[Member, bool]]:
    """Each member of the branch on the activity's day, with whether they were present."""
    from .services import members_on

    present = set(activity.attendees.values_list("pk", flat=True))
    return [(m, m.pk in present) for m in members_on(activity.branch_id, activity.date).order_by("name", "id")]


# --- venues and violations ---------------------------------------------------------------------------


def venue_filter(principal, *, q="", office=None, action=Action.VIEW):
    qs = Venue.objects.visible_to(principal, action)
    if office is not None:
        qs = qs.filter(office=office)
    if q:
        qs = qs.filter(name__contains=q)
    return qs


def violation_filter(principal, *, q="", status="", office=None):
    """Violations in full: only for principals with view_sensitive (others get none)."""
    qs = Violation.objects.visible_to(principal, Action.VIEW_SENSITIVE)
    if office is not None:
        qs = qs.filter(office=office)
    if status:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(person__contains=q)
    return qs


def violation_search(principal, *, cursor=None, size=None, **filters):
    qs = violation_filter(principal, **filters).select_related("office")
    return keyset_paginate(qs, ordering=ACTIVITY_ORDERING, cursor=cursor, size=size)


def violation_count(principal, office=None, start=None, end=None) -> int:
    """How many violations the principal's area has: the figure anyone with view may see."""
    qs = Violation.objects.visible_to(principal, Action.VIEW)
    if office is not None:
        qs = qs.filter(office=office)
    if start is not None:
        qs = qs.filter(date__gte=start)
    if end is not None:
        qs = qs.filter(date__lte=end)
    return qs.count()


# --- figures for the construction standard ----------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    code: str
    name: object  # lazy translation
    unit: str  # "count", "rate" (0..1) or "flag" (0/1)
    description: object
    threshold: float | int | None = None
    direction: str | None = None  # "min": at least the threshold; "max": at most
    standard: int | None = None  # the item of the 17-item construction standard
    drill_down: bool = True


FIGURES: dict[str, Figure] = {
    f.code: f
    for f in [
        Figure(
            "party_branch",
            _("Party branch established"),
            "flag",
            _("1 when the office has a party branch established by the end of the period."),
            threshold=1,
            direction="min",
            standard=1,
        ),
        Figure(
            "party_members_formal",
            _("Full members"),
            "count",
            _("Full members in the branch at the end of the period."),
            standard=1,
        ),
        Figure(
            "party_members_probationary",
            _("Probationary members"),
            "count",
            _("Probationary members in the branch at the end of the period."),
            standard=1,
        ),
        Figure(
            "party_meetings_completion",
            _("三会一课 completion rate"),
            "rate",
            _(
                "Months (for the branch committee, party group meetings and the themed party day) and quarters "
                "(for the branch general meeting and the party lecture) of the period in which the activity was "
                "held, over the months and quarters the period touches. None without a branch."
            ),
            threshold=1.0,
            direction="min",
            standard=1,
        ),
        Figure(
            "party_theme_days",
            _("Themed party days held"),
            "count",
            _("Themed party days held in the period."),
            standard=1,
        ),
        Figure(
            "party_attendance_rate",
            _("Average attendance rate"),
            "rate",
            _(
                "Members present over members in the branch, summed over the 三会一课 and themed party days of "
                "the period. None when none was held."
            ),
            standard=1,
        ),
        Figure(
            "party_venue_checked",
            _("Venue checked"),
            "flag",
            _("1 when a standardisation check of a party-building venue of the office was recorded in the period."),
            threshold=1,
            direction="min",
            standard=2,
        ),
        Figure(
            "party_violations",
            _("Disciplinary violations"),
            "count",
            _("Violations of discipline or rules by the office's cadres and social workers dated in the period."),
            threshold=0,
            direction="max",
            standard=3,
        ),
    ]
}


def _office_ids(office_ids):
    from fengqiao.orgs.models import OrgKind, OrgNode

    if office_ids is None:
        return list(OrgNode.objects.filter(kind=OrgKind.TOWN).values_list("pk", flat=True))
    return list(office_ids)


def _within(qs, ids, all_offices):
    return qs if all_offices else qs.filter(office_id__in=ids)


def office_figures(office_ids: list[int] | None, start: datetime.date, end: datetime.date) -> dict[int, dict]:
    """For each office, the party-building figures of [start, end] (see FIGURES), computed in a
    fixed number of queries whatever the number of offices. No user is involved: the caller
    decides which offices it may show."""
    ids = _office_ids(office_ids)
    every = office_ids is None
    result = {
        pk: {
            "party_branch": 0,
            "party_members_formal": 0,
            "party_members_probationary": 0,
            "party_meetings_completion": None,
            "party_theme_days": 0,
            "party_attendance_rate": None,
            "party_venue_checked": 0,
            "party_violations": 0,
        }
        for pk in ids
    }
    if not ids:
        return result
    branches = set(
        _within(Branch.objects.filter(established_on__lte=end), ids, every).values_list("office_id", flat=True)
    )
    members = (
        _within(Member.objects.filter(in_branch_from__lte=end), ids, every)
        .filter(Q(transferred_out_on__isnull=True) | Q(transferred_out_on__gt=end))
        .values_list("office_id")
        .annotate(
            formal=Count("id", filter=Q(formal_on__lte=end)),
            total=Count("id"),
        )
        .order_by()
    )
    activities = _within(Activity.objects.filter(date__gte=start, date__lte=end), ids, every)
    held: dict[int, dict[str, set]] = {}
    for office_id, t, month in (
        activities.filter(type__in=codes.RULED_TYPES)
        .annotate(month=TruncMonth("date"))
        .values_list("office_id", "type", "month")
        .distinct()
        .order_by()
    ):
        month = month.date() if isinstance(month, datetime.datetime) else month
        held.setdefault(office_id, {}).setdefault(t, set()).add(_unit_of(month, codes.REQUIRED_EVERY_MONTHS[t]))
    sums = (
        activities.values_list("office_id")
        .annotate(
            theme=Count("id", filter=Q(type=codes.ActivityType.THEME_DAY)),
            expected=Sum("expected_count", filter=Q(type__in=codes.RULED_TYPES)),
            present=Sum("present_count", filter=Q(type__in=codes.RULED_TYPES)),
        )
        .order_by()
    )
    checked = set(
        _within(VenueCheck.objects.filter(date__gte=start, date__lte=end), ids, every).values_list(
            "office_id", flat=True
        )
    )
    violations = (
        _within(Violation.objects.filter(date__gte=start, date__lte=end), ids, every)
        .values_list("office_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    required = required_units(start, end)
    needed = sum(len(units) for units in required.values())
    for pk, row in result.items():
        if pk in branches:
            row["party_branch"] = 1
            done = sum(len(held.get(pk, {}).get(t, set()) & units) for t, units in required.items())
            row["party_meetings_completion"] = done / needed if needed else None
        row["party_venue_checked"] = 1 if pk in checked else 0
    for office_id, formal, total in members:
        if office_id in result:
            result[office_id]["party_members_formal"] = formal
            result[office_id]["party_members_probationary"] = total - formal
    for office_id, theme, expected, present in sums:
        if office_id in result:
            result[office_id]["party_theme_days"] = theme
            result[office_id]["party_attendance_rate"] = (present or 0) / expected if expected else None
    for office_id, n in violations:
        if office_id in result:
            result[office_id]["party_violations"] = n
    return result


def figure_records(code: str, office_id: int, start: datetime.date, end: datetime.date):
    """The records a figure counted for one office and period (drill-down). Violations are
    sensitive: a caller shows them only to principals with view_sensitive on party building."""
    if code == "party_branch":
        return Branch.objects.filter(office_id=office_id, established_on__lte=end)
    if code in ("party_members_formal", "party_members_probationary"):
        qs = Member.objects.filter(office_id=office_id, in_branch_from__lte=end).filter(
            Q(transferred_out_on__isnull=True) | Q(transferred_out_on__gt=end)
        )
        if code == "party_members_formal":
            return qs.filter(formal_on__lte=end)
        return qs.filter(Q(formal_on__isnull=True) | Q(formal_on__gt=end))
    if code in ("party_meetings_completion", "party_attendance_rate"):
        return Activity.objects.filter(
            office_id=office_id, date__gte=start, date__lte=end, type__in=codes.RULED_TYPES
        ).order_by("date", "id")
    if code == "party_theme_days":
        return Activity.objects.filter(
            office_id=office_id, date__gte=start, date__lte=end, type=codes.ActivityType.THEME_DAY
        ).order_by("date", "id")
    if code == "party_venue_checked":
        return VenueCheck.objects.filter(office_id=office_id, date__gte=start, date__lte=end).order_by("date", "id")
    if code == "party_violations":
        return Violation.objects.filter(office_id=office_id, date__gte=start, date__lte=end).order_by("date", "id")
    raise KeyError(code)


def metrics(principal, *, date_from: datetime.date, date_to: datetime.date) -> dict:
    """The figures per office of the principal's area, for the metrics page and the API."""
    offices = list(offices_for(principal))
    figures = office_figures([o.pk for o in offices], date_from, date_to)
    rows = [{"office": o, "office_id": o.pk, "name": o.display_name, **figures[o.pk]} for o in offices]
    totals = {
        "offices": len(rows),
        "with_branch": sum(r["party_branch"] for r in rows),
        "party_members_formal": sum(r["party_members_formal"] for r in rows),
        "party_members_probationary": sum(r["party_members_probationary"] for r in rows),
        "party_theme_days": sum(r["party_theme_days"] for r in rows),
        "venue_checked": sum(r["party_venue_checked"] for r in rows),
        "party_violations": sum(r["party_violations"] for r in rows),
        "incomplete": sum(
            1 for r in rows if r["party_meetings_completion"] is not None and r["party_meetings_completion"] < 1
        ),
    }
    return {"date_from": date_from, "date_to": date_to, "offices": rows, "totals": totals}


# --- the home page -----------------------------------------------------------------------------------


def home_summary(principal):
    """Members, this year's 三会一课 completion, offices behind on it and violations, for the home card."""
    from django.urls import reverse
    from django.utils.translation import gettext

    today = timezone.localdate()
    data = metrics(principal, date_from=today.replace(month=1, day=1), date_to=today)
    rows = data["offices"]
    rates = [r["party_meetings_completion"] for r in rows if r["party_meetings_completion"] is not None]
    rate = f"{round(100 * sum(rates) / len(rates))}%" if rates else "—"
    t = data["totals"]
    url = reverse("party:index")
    return [
        (
            gettext("party members"),
            t["party_members_formal"] + t["party_members_probationary"],
            reverse("party:members"),
            "body",
        ),
        (gettext("三会一课 completion"), rate, url, "body"),
        (gettext("offices behind on 三会一课"), t["incomplete"], reverse("party:metrics"), "warning"),
        (gettext("violations this year"), t["party_violations"], reverse("party:metrics"), "danger"),
    ]
