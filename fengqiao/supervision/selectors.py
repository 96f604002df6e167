"""Reads of law-enforcement supervision, always through `visible_to` (except the scorecard figures,
which take office ids and no user), bounded by office and keyset-paginated."""

from __future__ import annotations

import datetime

from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fengqiao.core.models import offices_under
from fengqiao.core.pagination import keyset_paginate
from fengqiao.core.permissions import Action, Module
from fengqiao.core.scoping import subtree_q

from . import codes
from .models import Activity, Department, EnforcementDispute, Problem, ProblemEvent

ACTIVITY_ORDERING = ["-date", "-id"]
PROBLEM_ORDERING = ["-found_on", "-id"]
DISPUTE_ORDERING = ["-received_on", "-id"]
# A filter is offered as a drop-down only while its list stays short enough to read and to send.
CHOICE_LIMIT = 300
TIMELINE_LIMIT = 500


def _today():
    return timezone.localdate()


# --- scope helpers -----------------------------------------------------------------------------------


def scope_offices(principal, action=Action.VIEW) -> set[int] | None:
    """The ids of the offices inside the principal's supervision scope, or None for every office of
    the only tree."""
    from fengqiao.orgs.models import OrgKind

    ids: set[int] = set()
    for node in principal.scope_nodes_for(Module.SUPERVISION, action):
        if node.kind == OrgKind.TOWN:
            ids.add(node.pk)
        elif node.kind != OrgKind.VILLAGE:
            under = offices_under(node)
            if under is None:
                return None
            ids.update(under)
    return ids


def office_choices(principal, action=Action.VIEW, limit=CHOICE_LIMIT):
    """The active offices where the principal may do `action` on supervision (bounded: a province
    gets nothing to choose from and types nothing either; it filters by the city's lists)."""
    from fengqiao.orgs.models import OrgKind, OrgNode

    nodes = principal.scope_nodes_for(Module.SUPERVISION, action)
    within = Q(pk__in=[])
    for node in nodes:
        within |= subtree_q(node.path)
    found = list(OrgNode.objects.filter(within, kind=OrgKind.TOWN, is_active=True).order_by("path")[: limit + 1])
    return found if len(found) <= limit else []


def office_in_scope(principal, pk, action=Action.VIEW):
    """The office `pk` if it lies inside the principal's supervision scope, else None."""
    from fengqiao.orgs.models import OrgKind, OrgNode

    if not pk:
        return None
    within = Q(pk__in=[])
    for node in principal.scope_nodes_for(Module.SUPERVISION, action):
        within |= subtree_q(node.path)
    return OrgNode.objects.filter(within, pk=pk, kind=OrgKind.TOWN).first()


# --- departments -------------------------------------------------------------------------------------


def department_visible(principal, action=Action.VIEW):
    return Department.objects.visible_to(principal, action)


def department_list(principal, *, office=None, q="", active_only=False, limit=CHOICE_LIMIT):
    qs = department_visible(principal).select_related("office")
    if office is not None:
        qs = qs.filter(office_id=getattr(office, "pk", office))
    if active_only:
        qs = qs.filter(is_active=True)
    if q:
        qs = qs.filter(name__contains=q)
    return list(qs.order_by("office__path", "name", "id")[:limit])


def department_choices(principal, *, office=None, action=Action.VIEW, limit=CHOICE_LIMIT):
    """Active departments for a form or a filter; empty when too many to list."""
    qs = department_visible(principal, action).filter(is_active=True).select_related("office")
    if office is not None:
        qs = qs.filter(office_id=getattr(office, "pk", office))
    found = list(qs.order_by("office__path", "name", "id")[: limit + 1])
    return found if len(found) <= limit else []


# --- activities --------------------------------------------------------------------------------------


def activity_visible(principal, action=Action.VIEW):
    return Activity.objects.visible_to(principal, action)


def activity_get(principal, pk, action=Action.VIEW) -> Activity | None:
    return activity_visible(principal, action).select_related("org", "office").filter(pk=pk).first()


def activity_filter(
    principal, *, q="", kind="", department=None, office=None, date_from=None, date_to=None, action=Action.VIEW
):
    """The visible activities matching the list's filters (unordered, unpaginated)."""
    qs = activity_visible(principal, action)
    if kind:
        qs = qs.filter(kind=kind)
    if office is not None:
        qs = qs.filter(office_id=getattr(office, "pk", office))
    if department:
        qs = qs.filter(departments=getattr(department, "pk", department))
    if date_from:
        qs = qs.filter(date__gte=date_from)
    if date_to:
        qs = qs.filter(date__lte=date_to)
    if q:
        qs = qs.filter(Q(title__contains=q) | Q(summary__contains=q))
    return qs


def activity_search(principal, *, cursor=None, size=None, **filters):
    qs = (
        activity_filter(principal, **filters)
        .select_related("office")
        .prefetch_related("departments")
        .annotate(problem_count=Count("problems"))
    )
    return keyset_paginate(qs, ordering=ACTIVITY_ORDERING, cursor=cursor, size=size)


def activity_problems(activity: Activity):
    return list(
        Problem.objects.filter(activity=activity)
        .select_related("department")
        .order_by("found_on", "id")[:TIMELINE_LIMIT]
    )


# --- problems ----------------------------------------------------------------------------------------


def problem_visible(principal, action=Action.VIEW):
    return Problem.objects.visible_to(principal, action)


def problem_get(principal, pk, action=Action.VIEW) -> Problem | None:
    return (
        problem_visible(principal, action)
        .select_related("org", "office", "activity", "department")
        .filter(pk=pk)
        .first()
    )


def overdue_q(today: datetime.date | None = None) -> Q:
    """Open problems whose rectification deadline has passed."""
    return Q(status__in=codes.OPEN_PROBLEM_STATUSES, deadline__lt=today or _today())


def problem_filter(
    principal,
    *,
    q="",
    status="",
    category="",
    department=None,
    office=None,
    activity=None,
    overdue=False,
    open_only=False,
    date_from=None,
    date_to=None,
    action=Action.VIEW,
):
    qs = problem_visible(principal, action)
    if status:
        qs = qs.filter(status=status)
    if open_only:
        qs = qs.filter(status__in=codes.OPEN_PROBLEM_STATUSES)
    if category:
        qs = qs.filter(category=category)
    if department:
        qs = qs.filter(department_id=getattr(department, "pk", department))
    if office is not None:
        qs = qs.filter(office_id=getattr(office, "pk", office))
    if activity:
        qs = qs.filter(activity_id=getattr(activity, "pk", activity))
    if overdue:
        qs = qs.filter(overdue_q())
    if date_from:
        qs = qs.filter(found_on__gte=date_from)
    if date_to:
        qs = qs.filter(found_on__lte=date_to)
    if q:
        qs = qs.filter(description__contains=q)
    return qs


def problem_search(principal, *, cursor=None, size=None, **filters):
    qs = problem_filter(principal, **filters).select_related("office", "department", "activity")
    return keyset_paginate(qs, ordering=PROBLEM_ORDERING, cursor=cursor, size=size)


def problem_timeline(problem: Problem):
    """The problem's steps, newest first."""
    return list(ProblemEvent.objects.filter(problem=problem).order_by("-date", "-id")[:TIMELINE_LIMIT])


# --- disputes ----------------------------------------------------------------------------------------


def dispute_visible(principal, action=Action.VIEW):
    return EnforcementDispute.objects.visible_to(principal, action)


def dispute_filter(
    principal, *, q="", status="", office=None, department=None, date_from=None, date_to=None, action=Action.VIEW
):
    qs = dispute_visible(principal, action)
    if status:
        qs = qs.filter(status=status)
    if office is not None:
        qs = qs.filter(office_id=getattr(office, "pk", office))
    if department:
        qs = qs.filter(departments=getattr(department, "pk", department))
    if date_from:
        qs = qs.filter(received_on__gte=date_from)
    if date_to:
        qs = qs.filter(received_on__lte=date_to)
    if q:
        qs = qs.filter(Q(subject__contains=q) | Q(parties__contains=q))
    return qs


def dispute_search(principal, *, cursor=None, size=None, **filters):
    qs = dispute_filter(principal, **filters).select_related("office").prefetch_related("departments")
    return keyset_paginate(qs, ordering=DISPUTE_ORDERING, cursor=cursor, size=size)


# --- the scorecard figures ---------------------------------------------------------------------------

UP, DOWN = "up", "down"

FIGURES: dict[str, dict] = {
    "activities": {
        "name": _("Supervision activities"),
        "unit": _("activities"),
        "direction": UP,
        "threshold": None,
        "counts": "supervision.Activity",
    },
    **{
        f"activities_{kind.value}": {
            "name": kind.label,
            "unit": _("activities"),
            "direction": UP,
            # 探索建立联合执法监督机制: at least one joint supervision in the period.
            "threshold": 1 if kind == codes.ActivityKind.JOINT else None,
            "counts": "supervision.Activity",
        }
        for kind in codes.ActivityKind
    },
    "files_reviewed": {
        "name": _("Case files reviewed"),
        "unit": _("files"),
        "direction": UP,
        "threshold": None,
        "counts": "supervision.Activity",
    },
    "sites_inspected": {
        "name": _("Sites inspected"),
        "unit": _("sites"),
        "direction": UP,
        "threshold": None,
        "counts": "supervision.Activity",
    },
    "problems_found": {
        "name": _("Problems found"),
        "unit": _("problems"),
        "direction": None,
        "threshold": None,
        "counts": "supervision.Problem",
    },
    "rectifications_due": {
        "name": _("Rectifications due"),
        "unit": _("problems"),
        "direction": None,
        "threshold": None,
        "counts": "supervision.Problem",
    },
    "rectified_on_time": {
        "name": _("Rectified on time"),
        "unit": _("problems"),
        "direction": UP,
        "threshold": None,
        "counts": "supervision.Problem",
    },
    "rectified_on_time_rate": {
        "name": _("Rectified on time rate"),
        "unit": "%",
        "direction": UP,
        "threshold": None,
        "counts": "supervision.Problem",
    },
    "overdue_open": {
        "name": _("Overdue rectifications open"),
        "unit": _("problems"),
        "direction": DOWN,
        "threshold": 0,
        "counts": "supervision.Problem",
    },
    "problems_verified": {
        "name": _("Rectifications verified"),
        "unit": _("problems"),
        "direction": UP,
        "threshold": None,
        "counts": "supervision.Problem",
    },
    "disputes_received": {
        "name": _("Enforcement disputes received"),
        "unit": _("enforcement disputes"),
        "direction": None,
        "threshold": None,
        "counts": "supervision.EnforcementDispute",
    },
    "disputes_coordinated": {
        "name": _("Enforcement disputes coordinated"),
        "unit": _("enforcement disputes"),
        "direction": UP,
        "threshold": None,
        "counts": "supervision.EnforcementDispute",
    },
    "disputes_open": {
        "name": _("Enforcement disputes being coordinated"),
        "unit": _("enforcement disputes"),
        "direction": DOWN,
        "threshold": None,
        "counts": "supervision.EnforcementDispute",
    },
}
INT_FIGURES = [code for code in FIGURES if code != "rectified_on_time_rate"]


def _rate(part: int, whole: int):
    return part / whole if whole else None


def _as_of(end: datetime.date) -> datetime.date:
    """States (overdue, open) are read at the end of the period, or today for a running period."""
    return min(end, _today())


def _problem_aggregates(start, end):
    asof = _as_of(end)
    due = Q(deadline__gte=start, deadline__lte=asof)
    overdue = Q(deadline__lt=asof) & (Q(rectified_on__isnull=True) | Q(rectified_on__gt=asof))
    return {
        "problems_found": Count("id", filter=Q(found_on__gte=start, found_on__lte=end)),
        "rectifications_due": Count("id", filter=due),
        "rectified_on_time": Count("id", filter=due & Q(rectified_on__isnull=False, rectified_on__lte=F("deadline"))),
        "overdue_open": Count("id", filter=overdue),
        "problems_verified": Count("id", filter=Q(verified_on__gte=start, verified_on__lte=end)),
    }, (Q(found_on__gte=start, found_on__lte=end) | due | overdue | Q(verified_on__gte=start, verified_on__lte=end))


def _dispute_aggregates(start, end):
    asof = _as_of(end)
    open_ = Q(received_on__lte=asof) & (Q(concluded_on__isnull=True) | Q(concluded_on__gt=asof))
    received = Q(received_on__gte=start, received_on__lte=end)
    coordinated = Q(concluded_on__gte=start, concluded_on__lte=end)
    return {
        "disputes_received": Count("id", filter=received),
        "disputes_coordinated": Count("id", filter=coordinated),
        "disputes_open": Count("id", filter=open_),
    }, (received | coordinated | open_)


def office_figures(office_ids: list[int] | None, start: datetime.date, end: datetime.date) -> dict[int, dict]:
    """For each office (None: every office of the platform) the supervision figures of the period
    [start, end], in four queries whatever the number of offices. No user is involved: callers
    (the scorecards, the metrics page) decide which offices a reader may see.

    - activities, activities_<kind>, files_reviewed, sites_inspected: activities dated in the period;
    - problems_found: problems found in the period; problems_verified: verified in the period;
    - rectifications_due: problems whose rectification deadline falls in the period and has passed;
      rectified_on_time: those of them rectified by the deadline; rectified_on_time_rate: the share
      (None when none was due);
    - overdue_open: problems whose deadline passed before the end of the period (or today) and that
      were not rectified by then;
    - disputes_received / disputes_coordinated: enforcement disputes received / coordinated in the
      period; disputes_open: being coordinated at the end of the period (or today).
    """
    from fengqiao.orgs.models import OrgKind, OrgNode

    if office_ids is None:
        ids = list(OrgNode.objects.filter(kind=OrgKind.TOWN).values_list("pk", flat=True))
    else:
        ids = list(office_ids)
    result = {pk: dict.fromkeys(INT_FIGURES, 0) for pk in ids}

    def scoped(qs):
        return qs if office_ids is None else qs.filter(office_id__in=ids)

    for office_id, kind, n, files, sites in (
        scoped(Activity.objects.filter(date__gte=start, date__lte=end))
        .values_list("office_id", "kind")
        .annotate(n=Count("id"), files=Sum("files_reviewed"), sites=Sum("sites_inspected"))
        .order_by()
    ):
        row = result.get(office_id)
        if row is None:
            continue
        row["activities"] += n
        row[f"activities_{kind}"] = row.get(f"activities_{kind}", 0) + n
        row["files_reviewed"] += files or 0
        row["sites_inspected"] += sites or 0

    aggregates, within = _problem_aggregates(start, end)
    for row_values in scoped(Problem.objects.filter(within)).values("office_id").annotate(**aggregates).order_by():
        row = result.get(row_values.pop("office_id"))
        if row is not None:
            row.update(row_values)

    aggregates, within = _dispute_aggregates(start, end)
    for row_values in (
        scoped(EnforcementDispute.objects.filter(within)).values("office_id").annotate(**aggregates).order_by()
    ):
        row = result.get(row_values.pop("office_id"))
        if row is not None:
            row.update(row_values)

    for row in result.values():
        row["rectified_on_time_rate"] = _rate(row["rectified_on_time"], row["rectifications_due"])
    return result


def figure_records(code: str, office_id: int, start: datetime.date, end: datetime.date):
    """The records a figure of `office_figures` counted for one office and period (drill-down)."""
    asof = _as_of(end)
    activities = Activity.objects.filter(office_id=office_id, date__gte=start, date__lte=end)
    problems = Problem.objects.filter(office_id=office_id)
    disputes = EnforcementDispute.objects.filter(office_id=office_id)
    due = problems.filter(deadline__gte=start, deadline__lte=asof)
    if code == "activities":
        return activities
    if code.startswith("activities_") and code[len("activities_") :] in codes.ActivityKind.values:
        return activities.filter(kind=code[len("activities_") :])
    records = {
        "files_reviewed": lambda: activities.filter(files_reviewed__gt=0),
        "sites_inspected": lambda: activities.filter(sites_inspected__gt=0),
        "problems_found": lambda: problems.filter(found_on__gte=start, found_on__lte=end),
        "rectifications_due": lambda: due,
        "rectified_on_time_rate": lambda: due,
        "rectified_on_time": lambda: due.filter(rectified_on__isnull=False, rectified_on__lte=F("deadline")),
        "overdue_open": lambda: problems.filter(deadline__lt=asof).filter(
            Q(rectified_on__isnull=True) | Q(rectified_on__gt=asof)
        ),
        "problems_verified": lambda: problems.filter(verified_on__gte=start, verified_on__lte=end),
        "disputes_received": lambda: disputes.filter(received_on__gte=start, received_on__lte=end),
        "disputes_coordinated": lambda: disputes.filter(concluded_on__gte=start, concluded_on__lte=end),
        "disputes_open": lambda: disputes.filter(received_on__lte=asof).filter(
            Q(concluded_on__isnull=True) | Q(concluded_on__gt=asof)
        ),
    }
    if code not in records:
        raise KeyError(f"unknown supervision figure: {code}")
    return records[code]()


def department_figures(office_id: int, start: datetime.date, end: datetime.date) -> list[dict]:
    """The period's figures per department of one office (the metrics page), in four queries."""
    departments = list(Department.objects.filter(office_id=office_id).order_by("-is_active", "name", "id"))
    ids = [d.pk for d in departments]
    rows = {d.pk: {"department": d, **dict.fromkeys(INT_FIGURES, 0)} for d in departments}
    through = Activity.departments.through
    for dept_id, kind, n in (
        through.objects.filter(department_id__in=ids, activity__date__gte=start, activity__date__lte=end)
        .values_list("department_id", "activity__kind")
        .annotate(n=Count("id"))
        .order_by()
    ):
        rows[dept_id]["activities"] += n
        rows[dept_id][f"activities_{kind}"] += n
    aggregates, within = _problem_aggregates(start, end)
    for values in (
        Problem.objects.filter(within, department_id__in=ids).values("department_id").annotate(**aggregates).order_by()
    ):
        rows[values.pop("department_id")].update(values)
    aggregates, within = _dispute_aggregates(start, end)
    dthrough = EnforcementDispute.departments.through
    for dept_id, received, coordinated in (
        dthrough.objects.filter(department_id__in=ids)
        .values_list("department_id")
        .annotate(
            received=Count(
                "id", filter=Q(enforcementdispute__received_on__gte=start, enforcementdispute__received_on__lte=end)
            ),
            coordinated=Count(
                "id", filter=Q(enforcementdispute__concluded_on__gte=start, enforcementdispute__concluded_on__lte=end)
            ),
        )
        .order_by()
    ):
        rows[dept_id]["disputes_received"] = received
        rows[dept_id]["disputes_coordinated"] = coordinated
    result = list(rows.values())
    for row in result:
        row["rectified_on_time_rate"] = _rate(row["rectified_on_time"], row["rectifications_due"])
    return result


def metrics(principal, *, date_from: datetime.date, date_to: datetime.date, office=None) -> dict:
    """The figures of the offices the principal sees (or of one of them), with totals."""
    from fengqiao.orgs.models import OrgKind, OrgNode

    ids = scope_offices(principal)
    if office is not None:
        ids = [office.pk] if ids is None or office.pk in ids else []
    figures = office_figures(None if ids is None else sorted(ids), date_from, date_to)
    names = {
        pk: (office_name or name, is_active)
        for pk, office_name, name, is_active in OrgNode.objects.filter(
            pk__in=list(figures), kind=OrgKind.TOWN
        ).values_list("pk", "office_name", "name", "is_active")
    }
    offices = sorted(
        (
            {"office_id": pk, "name": names[pk][0], **row}
            for pk, row in figures.items()
            if pk in names and (names[pk][1] or row["activities"] or row["problems_found"])
        ),
        key=lambda r: r["name"],
    )
    totals = {code: sum(r[code] for r in offices) for code in INT_FIGURES}
    totals["rectified_on_time_rate"] = _rate(totals["rectified_on_time"], totals["rectifications_due"])
    by_kind = [(kind.value, kind.label, totals[f"activities_{kind.value}"]) for kind in codes.ActivityKind]
    by_category = dict(
        problem_visible(principal)
        .filter(found_on__gte=date_from, found_on__lte=date_to, **({"office_id": office.pk} if office else {}))
        .values_list("category")
        .annotate(n=Count("id"))
        .order_by()
    )
    departments = []
    single = (
        office if office is not None else (OrgNode.objects.get(pk=next(iter(ids))) if ids and len(ids) == 1 else None)
    )
    if single is not None:
        departments = department_figures(single.pk, date_from, date_to)
    return {
        "date_from": date_from,
        "date_to": date_to,
        "offices": offices,
        "totals": totals,
        "by_kind": by_kind,
        "by_category": [(c.value, c.label, by_category.get(c.value, 0)) for c in codes.ProblemCategory],
        "department_office": single,
        "departments": departments,
    }


# --- the home page -----------------------------------------------------------------------------------


def counts(principal) -> dict:
    today = _today()
    start = today.replace(month=1, day=1)
    problems = (
        problem_visible(principal)
        .filter(status__in=codes.OPEN_PROBLEM_STATUSES)
        .aggregate(open=Count("id"), overdue=Count("id", filter=Q(deadline__lt=today)))
    )
    return {
        "activities": activity_visible(principal).filter(date__gte=start, date__lte=today).count(),
        "open": problems["open"],
        "overdue": problems["overdue"],
        "disputes_open": dispute_visible(principal).filter(status=codes.DisputeStatus.OPEN).count(),
    }


def home_summary(principal):
    """Activities this year, open and overdue rectifications, disputes being coordinated."""
    from django.urls import reverse
    from django.utils.translation import gettext

    c = counts(principal)
    problems = reverse("supervision:problems")
    return [
        (gettext("supervision activities this year"), c["activities"], reverse("supervision:index"), "body"),
        (gettext("problems being rectified"), c["open"], f"{problems}?open=1", "warning"),
        (gettext("overdue rectifications"), c["overdue"], f"{problems}?overdue=1", "danger"),
        (
            gettext("enforcement disputes being coordinated"),
            c["disputes_open"],
            f"{reverse('supervision:disputes')}?status=open",
            "body",
        ),
    ]
