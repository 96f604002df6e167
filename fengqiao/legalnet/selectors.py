"""Reads of the service network, always through `visible_to`, bounded by office and keyset-paginated;
and the figures for the construction-standard scorecards (`office_figures`, `FIGURES`,
`figure_records`), which read the tables directly for the offices asked, with no user involved."""

from __future__ import annotations

import datetime

from django.db.models import Count, Exists, Max, OuterRef, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fengqiao.core.models import offices_under
from fengqiao.core.pagination import keyset_paginate
from fengqiao.core.permissions import Action, Module, Role
from fengqiao.core.scoping import subtree_q

from . import codes
from .models import AdvisorAssignment, PointStaff, ServicePoint, WorkLog

LIST_ORDERING = ["-id"]
LOG_ORDERING = ["-date", "-id"]
CHOICE_LIMIT = 150
# The gaps and advisors pages list offices × kinds and villages; beyond this a bureau narrows down.
OFFICE_LIMIT = 400
VILLAGE_LIMIT = 2000


# --- scope -------------------------------------------------------------------------------------------


def scope_offices(principal, action=Action.VIEW) -> list[int] | None:
    """Ids of the offices wholly inside the principal's service-network scope (None: every office).
    An advisor's villages do not make their office's points visible."""
    from fengqiao.orgs.models import OrgKind

    ids: set[int] = set()
    for node in principal.scope_nodes_for(Module.LEGAL_SERVICES, action):
        if node.kind == OrgKind.TOWN:
            ids.add(node.pk)
        elif node.kind != OrgKind.VILLAGE:
            under = offices_under(node)
            if under is None:
                return None
            ids.update(under)
    return sorted(ids)


def scope_villages(principal, action=Action.VIEW):
    """The active villages inside the principal's scope (an advisor: the villages they serve)."""
    from fengqiao.orgs.models import OrgKind, OrgNode

    nodes = principal.scope_nodes_for(Module.LEGAL_SERVICES, action)
    within = Q(pk__in=[])
    for node in nodes:
        within |= subtree_q(node.path)
    return OrgNode.objects.filter(within, kind=OrgKind.VILLAGE, is_active=True)


def office_choices(principal, limit=CHOICE_LIMIT):
    from fengqiao.orgs.models import OrgKind, OrgNode

    ids = scope_offices(principal)
    qs = OrgNode.objects.filter(kind=OrgKind.TOWN, is_active=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    found = list(qs.order_by("path")[: limit + 1])
    return found if len(found) <= limit else []


def village_choices(principal, action=Action.VIEW, limit=CHOICE_LIMIT):
    found = list(scope_villages(principal, action).order_by("path")[: limit + 1])
    return found if len(found) <= limit else []


def advisor_choices(principal, action=Action.VIEW, limit=CHOICE_LIMIT):
    """Active legal advisors of the offices in the principal's scope (an advisor: themselves)."""
    from fengqiao.accounts.models import User

    qs = User.objects.filter(is_active=True, roles__role=Role.LEGAL_ADVISOR)
    ids = scope_offices(principal, action)
    if ids is not None:
        if not ids:
            return [principal] if getattr(principal, "pk", None) and Role.LEGAL_ADVISOR in principal.role_codes else []
        qs = qs.filter(office_id__in=ids)
    found = list(qs.select_related("office").order_by("office__path", "full_name", "pk").distinct()[: limit + 1])
    return found if len(found) <= limit else []


# --- service points ----------------------------------------------------------------------------------


def point_visible(principal, action=Action.VIEW):
    return ServicePoint.objects.visible_to(principal, action)


def point_filter(principal, *, q="", kind="", status="", office=None, action=Action.VIEW):
    qs = point_visible(principal, action)
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    if office is not None:
        qs = qs.filter(office_id=getattr(office, "pk", office))
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(partner__contains=q) | Q(address__contains=q))
    return qs


def staffed_q(on: datetime.date | None = None) -> Q:
    """Points with at least one person on duty (on a given day, or now)."""
    staff = PointStaff.objects.filter(point_id=OuterRef("pk"))
    if on is None:
        staff = staff.filter(until__isnull=True)
    else:
        staff = staff.filter(since__lte=on).filter(Q(until__isnull=True) | Q(until__gt=on))
    return Q(Exists(staff))


def point_search(principal, *, cursor=None, size=None, **filters):
    qs = (
        point_filter(principal, **filters)
        .select_related("office")
        .annotate(on_duty=Count("staff", filter=Q(staff__until__isnull=True)))
    )
    return keyset_paginate(qs, ordering=LIST_ORDERING, cursor=cursor, size=size)


def point_staff(point: ServicePoint):
    return PointStaff.objects.filter(point=point).select_related("user").order_by("until", "since", "id")[:500]


def point_timeline(point: ServicePoint) -> list[dict]:
    """What happened at a point, newest first: set up, people on and off duty, closed."""
    items = [{"kind": "opened", "date": point.opened_on, "text": point.partner, "order": 0}]
    for s in point_staff(point):
        items.append({"kind": "on_duty", "date": s.since, "text": s.name, "staff": s, "order": 1})
        if s.until:
            items.append({"kind": "off_duty", "date": s.until, "text": s.name, "staff": s, "order": 2})
    if point.closed_on:
        items.append({"kind": "closed", "date": point.closed_on, "text": point.close_reason, "order": 3})
    items.sort(key=lambda i: (i["date"], i["order"]), reverse=True)
    return items


def _present_q(on: datetime.date) -> Q:
    return Q(opened_on__lte=on) & (Q(closed_on__isnull=True) | Q(closed_on__gt=on))


def gaps(principal, *, missing_only=False) -> dict:
    """Offices × the five kinds as they stand today: which points are open and staffed, which are
    missing or without anyone on duty. A fixed number of queries whatever the number of offices."""
    from fengqiao.orgs.models import OrgKind, OrgNode

    ids = scope_offices(principal)
    offices_qs = OrgNode.objects.filter(kind=OrgKind.TOWN, is_active=True)
    if ids is not None:
        offices_qs = offices_qs.filter(pk__in=ids)
    offices = list(offices_qs.order_by("path")[:OFFICE_LIMIT])
    points = {}
    for p in (
        point_visible(principal)
        .filter(status=codes.PointStatus.OPEN, office_id__in=[o.pk for o in offices])
        .annotate(on_duty=Count("staff", filter=Q(staff__until__isnull=True)))
        .values("pk", "office_id", "kind", "name", "partner", "on_duty")
    ):
        points[(p["office_id"], p["kind"])] = p
    rows, totals = [], {"offices": 0, "complete": 0, "missing": 0, "unstaffed": 0}
    for office in offices:
        cells, missing, unstaffed = [], 0, 0
        for kind in codes.POINT_KINDS:
            p = points.get((office.pk, kind))
            state = "missing" if p is None else ("unstaffed" if not p["on_duty"] else "ok")
            missing += state == "missing"
            unstaffed += state == "unstaffed"
            cells.append({"kind": kind, "point": p, "state": state})
        complete = not missing and not unstaffed
        totals["offices"] += 1
        totals["complete"] += complete
        totals["missing"] += missing
        totals["unstaffed"] += unstaffed
        if missing_only and complete:
            continue
        rows.append({"office": office, "cells": cells, "present": codes.POINT_COUNT - missing, "complete": complete})
    return {"kinds": codes.PointKind.choices, "rows": rows, "totals": totals, "truncated": len(offices) >= OFFICE_LIMIT}


# --- advisors ----------------------------------------------------------------------------------------


def advisor_villages(principal, *, office=None, start=None, end=None, uncovered_only=False) -> dict:
    """The villages of the principal's scope with their current advisors (from served_villages), the
    last work logged there and the period's work; a village has an active advisor when one of its
    current advisors logged work there in the period (default: the last 90 days)."""
    from fengqiao.accounts.models import User

    end = end or timezone.localdate()
    start = start or end - datetime.timedelta(days=89)
    villages_qs = scope_villages(principal)
    if office is not None:
        villages_qs = villages_qs.filter(office_id=getattr(office, "pk", office))
    villages = list(villages_qs.select_related("parent").order_by("path")[:VILLAGE_LIMIT])
    ids = [v.pk for v in villages]
    through = User.served_villages.through
    advisors: dict[int, list] = {}
    for village_id, user_id, name, username, phone in (
        through.objects.filter(orgnode_id__in=ids, user__is_active=True, user__roles__role=Role.LEGAL_ADVISOR)
        .values_list("orgnode_id", "user_id", "user__full_name", "user__username", "user__phone")
        .order_by("user__full_name", "user_id")
        .distinct()
    ):
        advisors.setdefault(village_id, []).append({"id": user_id, "name": name or username, "phone": phone})
    logs = WorkLog.objects.filter(org_id__in=ids)
    last = dict(logs.values_list("org_id").annotate(m=Max("date")).order_by())
    worked: dict[int, set] = {}
    period = {}
    for org_id, advisor_id, n, total in (
        logs.filter(date__gte=start, date__lte=end)
        .values_list("org_id", "advisor_id")
        .annotate(
            n=Count("id"), total=Sum("consultations") + Sum("lectures") + Sum("contract_reviews") + Sum("disputes")
        )
        .order_by()
    ):
        worked.setdefault(org_id, set()).add(advisor_id)
        p = period.setdefault(org_id, {"logs": 0, "work": 0})
        p["logs"] += n
        p["work"] += total or 0
    rows = []
    totals = {"villages": 0, "covered": 0, "without_advisor": 0, "inactive": 0}
    for v in villages:
        current = advisors.get(v.pk, [])
        active = [a for a in current if a["id"] in worked.get(v.pk, set())]
        state = "ok" if active else ("none" if not current else "inactive")
        totals["villages"] += 1
        totals["covered"] += state == "ok"
        totals["without_advisor"] += state == "none"
        totals["inactive"] += state == "inactive"
        if uncovered_only and state == "ok":
            continue
        rows.append(
            {
                "village": v,
                "advisors": current,
                "active": active,
                "state": state,
                "last_log": last.get(v.pk),
                "logs": period.get(v.pk, {}).get("logs", 0),
                "work": period.get(v.pk, {}).get("work", 0),
            }
        )
    totals["coverage"] = round(totals["covered"] / totals["villages"], 3) if totals["villages"] else None
    return {"rows": rows, "totals": totals, "start": start, "end": end}


def assignment_history(principal, *, village=None, advisor=None, office=None, limit=200):
    """The latest assignments (open and ended) the principal may see, newest first."""
    qs = AdvisorAssignment.objects.visible_to(principal).select_related("org", "advisor", "changed_by")
    if office is not None:
        qs = qs.filter(office_id=getattr(office, "pk", office))
    if village is not None:
        qs = qs.filter(org_id=getattr(village, "pk", village))
    if advisor is not None:
        qs = qs.filter(advisor_id=getattr(advisor, "pk", advisor))
    return list(qs.order_by("-started_on", "-id")[:limit])


# --- work logs ---------------------------------------------------------------------------------------


def log_visible(principal, action=Action.VIEW):
    return WorkLog.objects.visible_to(principal, action)


def log_get(principal, pk, action=Action.VIEW):
    return log_visible(principal, action).select_related("org", "office", "advisor").filter(pk=pk).first()


def log_filter(
    principal,
    *,
    q="",
    village=None,
    advisor=None,
    office=None,
    date_from=None,
    date_to=None,
    kind="",
    action=Action.VIEW,
):
    qs = log_visible(principal, action)
    if village is not None:
        qs = qs.filter(org_id=getattr(village, "pk", village))
    if office is not None:
        qs = qs.filter(office_id=getattr(office, "pk", office))
    if advisor:
        qs = qs.filter(advisor_id=getattr(advisor, "pk", advisor))
    if date_from:
        qs = qs.filter(date__gte=date_from)
    if date_to:
        qs = qs.filter(date__lte=date_to)
    if kind in codes.WORK_FIELDS:
        qs = qs.filter(**{f"{kind}__gt": 0})
    if q:
        qs = qs.filter(Q(note__contains=q) | Q(advisor__full_name__contains=q))
    return qs


def log_search(principal, *, cursor=None, size=None, **filters):
    qs = log_filter(principal, **filters).select_related("org", "office", "advisor")
    return keyset_paginate(qs, ordering=LOG_ORDERING, cursor=cursor, size=size)


def log_timeline(log: WorkLog) -> list:
    """The audit events of one (already visible) log: recorded, then each change."""
    from fengqiao.core.models import AuditEvent

    return list(
        AuditEvent.objects.filter(object_type="legalnet.worklog", object_id=str(log.pk)).order_by("-at", "-id")[:100]
    )


def monthly_workload(principal, *, year: int, office=None, village=None) -> dict:
    """Village × month of one year: the sum of the counts of each kind and the logs per cell."""
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    qs = log_filter(principal, office=office, village=village, date_from=start, date_to=end)
    cells: dict[int, dict] = {}
    names = {}
    for row in (
        qs.annotate(month=TruncMonth("date"))
        .values("org_id", "org__name", "office__short_name", "month")
        .annotate(logs=Count("id"), **{k: Sum(k) for k in codes.WORK_FIELDS})
        .order_by()
    ):
        month = row["month"].month if hasattr(row["month"], "month") else int(str(row["month"])[5:7])
        names[row["org_id"]] = (row["office__short_name"] or "", row["org__name"])
        cell = {k: row[k] or 0 for k in codes.WORK_FIELDS}
        cell["logs"] = row["logs"]
        cell["work"] = sum(cell[k] for k in codes.WORK_FIELDS if k != "duty_days")
        cells.setdefault(row["org_id"], {})[month] = cell
    rows = []
    for org_id in sorted(cells, key=lambda k: names[k]):
        months = [cells[org_id].get(m) for m in range(1, 13)]
        total = {k: sum((c or {}).get(k, 0) for c in months) for k in [*codes.WORK_FIELDS, "logs", "work"]}
        rows.append(
            {
                "org_id": org_id,
                "office": names[org_id][0],
                "village": names[org_id][1],
                "months": months,
                "total": total,
            }
        )
    return {"year": year, "rows": rows, "months": list(range(1, 13))}


# --- figures (the scorecards' contract) --------------------------------------------------------------

FIGURES = {
    "service_points_present": {
        "name": _("Service points set up (of five)"),
        "unit": "count",
        "threshold": 5,
        "direction": "at_least",
        "standard": 4,
    },
    "service_points_staffed": {
        "name": _("Service points with someone on duty"),
        "unit": "count",
        "threshold": 5,
        "direction": "at_least",
        "standard": 4,
    },
    "service_points_complete": {
        "name": _("All five service points set up and staffed"),
        "unit": "flag",
        "threshold": 1,
        "direction": "at_least",
        "standard": 4,
    },
    "advisor_villages": {"name": _("Villages of the office"), "unit": "count", "standard": 12},
    "advisor_villages_assigned": {
        "name": _("Villages with an assigned legal advisor"),
        "unit": "count",
        "standard": 12,
    },
    "advisor_villages_active": {"name": _("Villages with an active legal advisor"), "unit": "count", "standard": 12},
    "villages_without_active_advisor": {
        "name": _("Villages without an active legal advisor"),
        "unit": "count",
        "threshold": 0,
        "direction": "at_most",
        "standard": 12,
    },
    "advisor_coverage": {
        "name": _("Legal advisor coverage"),
        "unit": "rate",
        "threshold": 1.0,
        "direction": "at_least",
        "standard": 12,
    },
    "advisor_logs": {"name": _("Advisor work logs"), "unit": "count", "standard": 12},
    "advisor_duty_days": {"name": _("Advisor duty days"), "unit": "count", "standard": 12},
    "advisor_consultations": {"name": _("Legal consultations by advisors"), "unit": "count", "standard": 12},
    "advisor_lectures": {"name": _("Rule-of-law lectures by advisors"), "unit": "count", "standard": 12},
    "advisor_contract_reviews": {"name": _("Contract reviews by advisors"), "unit": "count", "standard": 12},
    "advisor_disputes": {"name": _("Disputes joined by advisors"), "unit": "count", "standard": 12},
}
for _code, _spec in FIGURES.items():
    _spec["code"] = _code

WORK_FIGURES = {f"advisor_{k}": k for k in codes.WORK_FIELDS}


def _office_ids(office_ids):
    from fengqiao.orgs.models import OrgKind, OrgNode

    if office_ids is None:
        return list(OrgNode.objects.filter(kind=OrgKind.TOWN, is_active=True).values_list("pk", flat=True))
    return list(office_ids)


def _active_villages_q(start, end):
    """Villages where one of the current advisors logged work in the period."""
    from fengqiao.accounts.models import User

    through = User.served_villages.through
    current = through.objects.filter(
        orgnode_id=OuterRef("org_id"), user_id=OuterRef("advisor_id"), user__is_active=True
    )
    return WorkLog.objects.filter(date__gte=start, date__lte=end).filter(Exists(current))


def _assigned_q():
    from fengqiao.accounts.models import User, UserRole

    through = User.served_villages.through
    return Exists(
        through.objects.filter(orgnode_id=OuterRef("pk"), user__is_active=True).filter(
            Exists(UserRole.objects.filter(user_id=OuterRef("user_id"), role=Role.LEGAL_ADVISOR))
        )
    )


def office_figures(office_ids: list[int] | None, start: datetime.date, end: datetime.date) -> dict[int, dict]:
    """Each office's figures for the period (points as they stood on `end`; advisor coverage from the
    current assignments and the period's logs). Five queries whatever the number of offices."""
    from fengqiao.orgs.models import OrgKind, OrgNode

    ids = _office_ids(office_ids)
    result = {
        pk: {
            "service_points_present": 0,
            "service_points_staffed": 0,
            "service_points_complete": 0,
            "advisor_villages": 0,
            "advisor_villages_assigned": 0,
            "advisor_villages_active": 0,
            "villages_without_active_advisor": 0,
            "advisor_coverage": None,
            "advisor_logs": 0,
            **dict.fromkeys(WORK_FIGURES, 0),
        }
        for pk in ids
    }
    if not ids:
        return result
    present = ServicePoint.objects.filter(_present_q(end), office_id__in=ids)
    for office_id, n, staffed in (
        present.values_list("office_id")
        .annotate(n=Count("kind", distinct=True), staffed=Count("kind", distinct=True, filter=staffed_q(end)))
        .order_by()
    ):
        r = result[office_id]
        r["service_points_present"] = n
        r["service_points_staffed"] = staffed
        r["service_points_complete"] = int(n == codes.POINT_COUNT and staffed == codes.POINT_COUNT)
    villages = OrgNode.objects.filter(kind=OrgKind.VILLAGE, is_active=True, office_id__in=ids)
    for office_id, n, assigned in (
        villages.values_list("office_id").annotate(n=Count("id"), assigned=Count("id", filter=_assigned_q())).order_by()
    ):
        result[office_id]["advisor_villages"] = n
        result[office_id]["advisor_villages_assigned"] = assigned
    active = _active_villages_q(start, end).filter(office_id__in=ids, org__is_active=True, org__kind=OrgKind.VILLAGE)
    for office_id, n in active.values_list("office_id").annotate(n=Count("org_id", distinct=True)).order_by():
        result[office_id]["advisor_villages_active"] = n
    sums = {k: Sum(k) for k in codes.WORK_FIELDS}
    for row in (
        WorkLog.objects.filter(office_id__in=ids, date__gte=start, date__lte=end)
        .values("office_id")
        .annotate(n=Count("id"), **sums)
        .order_by()
    ):
        r = result[row["office_id"]]
        r["advisor_logs"] = row["n"]
        for code, field in WORK_FIGURES.items():
            r[code] = row[field] or 0
    for r in result.values():
        total = r["advisor_villages"]
        r["villages_without_active_advisor"] = total - r["advisor_villages_active"]
        r["advisor_coverage"] = round(r["advisor_villages_active"] / total, 4) if total else None
    return result


def figure_records(code: str, office_id: int, start: datetime.date, end: datetime.date):
    """The records a figure counted, for drill-down: service points, work logs, or villages (for the
    advisor figures that count villages)."""
    from fengqiao.orgs.models import OrgKind, OrgNode

    if code in ("service_points_present", "service_points_complete"):
        return ServicePoint.objects.filter(_present_q(end), office_id=office_id).order_by("kind", "id")
    if code == "service_points_staffed":
        return ServicePoint.objects.filter(_present_q(end), staffed_q(end), office_id=office_id).order_by("kind", "id")
    if code == "advisor_logs" or code in WORK_FIGURES:
        qs = WorkLog.objects.filter(office_id=office_id, date__gte=start, date__lte=end)
        if code in WORK_FIGURES:
            qs = qs.filter(**{f"{WORK_FIGURES[code]}__gt": 0})
        return qs.order_by("-date", "-id")
    villages = OrgNode.objects.filter(kind=OrgKind.VILLAGE, is_active=True, office_id=office_id)
    if code == "advisor_villages":
        return villages.order_by("path")
    if code == "advisor_villages_assigned":
        return villages.filter(_assigned_q()).order_by("path")
    active_ids = _active_villages_q(start, end).filter(office_id=office_id).values("org_id")
    if code in ("advisor_villages_active", "advisor_coverage"):
        return villages.filter(pk__in=active_ids).order_by("path")
    if code == "villages_without_active_advisor":
        return villages.exclude(pk__in=active_ids).order_by("path")
    raise KeyError(code)


def metrics(principal, *, date_from: datetime.date, date_to: datetime.date) -> dict:
    """office_figures for the offices in the principal's scope, with their names and totals."""
    from fengqiao.orgs.models import OrgKind, OrgNode

    ids = scope_offices(principal)
    offices_qs = OrgNode.objects.filter(kind=OrgKind.TOWN, is_active=True)
    if ids is not None:
        offices_qs = offices_qs.filter(pk__in=ids)
    offices = list(offices_qs.order_by("path")[:OFFICE_LIMIT])
    figures = office_figures([o.pk for o in offices], date_from, date_to)
    rows = [{"office": o, **figures[o.pk]} for o in offices]
    totals = {k: sum(r[k] for r in rows) for k in FIGURES if k != "advisor_coverage"}
    totals["advisor_coverage"] = (
        round(totals["advisor_villages_active"] / totals["advisor_villages"], 4) if totals["advisor_villages"] else None
    )
    return {"date_from": date_from, "date_to": date_to, "offices": rows, "totals": totals, "figures": FIGURES}


# --- the home page -----------------------------------------------------------------------------------


def home_summary(principal):
    """Offices with all five points staffed, villages without an active advisor, this month's logs."""
    from django.urls import reverse
    from django.utils.translation import gettext

    today = timezone.localdate()
    g = gaps(principal)
    v = advisor_villages(principal)
    month_logs = log_visible(principal).filter(date__gte=today.replace(day=1), date__lte=today).count()
    items = []
    if g["totals"]["offices"]:
        items.append(
            (
                gettext("offices with all five points"),
                f"{g['totals']['complete']}/{g['totals']['offices']}",
                reverse("legalnet:gaps"),
                "body",
            )
        )
    items.append(
        (
            gettext("villages without an active advisor"),
            v["totals"]["villages"] - v["totals"]["covered"],
            reverse("legalnet:advisors") + "?uncovered=1",
            "danger",
        )
    )
    items.append((gettext("advisor logs this month"), month_logs, reverse("legalnet:logs"), "body"))
    return items


# --- lookups for views and the API (ids from a request, checked against the scope) --------------------


def office_in_scope(principal, pk, action=Action.VIEW):
    """The office `pk` if it lies in the principal's scope for `action`, else None."""
    from fengqiao.orgs.models import OrgKind, OrgNode

    ids = scope_offices(principal, action)
    if not pk or (ids is not None and pk not in ids):
        return None
    return OrgNode.objects.filter(pk=pk, kind=OrgKind.TOWN).first()


def village_in_scope(principal, pk, action=Action.VIEW):
    return scope_villages(principal, action).filter(pk=pk).first() if pk else None


def user_of_office(pk, office_id: int, *, advisor=False):
    """An active user of the office (a legal advisor when `advisor`), or None: the services check the
    rest (role, served villages)."""
    from fengqiao.accounts.models import User

    qs = User.objects.filter(pk=pk, office_id=office_id, is_active=True)
    if advisor:
        qs = qs.filter(roles__role=Role.LEGAL_ADVISOR)
    return qs.first()


def on_duty_count(point: ServicePoint) -> int:
    return PointStaff.objects.filter(point=point, until__isnull=True).count()
