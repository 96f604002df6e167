"""Reads of legal-education data: lists through `visible_to`, bounded and keyset-paginated, and the
figures of standards 14-15 for the construction-standard scorecards (`office_figures`, `FIGURES`,
`figure_records`), computed in a fixed number of queries whatever the number of offices."""

from __future__ import annotations

import datetime

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fengqiao.core.models import offices_under
from fengqiao.core.pagination import keyset_paginate
from fengqiao.core.permissions import Action, Module
from fengqiao.core.scoping import subtree_q

from . import codes
from .models import Activity, DemoVillage, Station, StationStaff, VillageEvent

ACTIVITY_ORDERING = ["-date", "-id"]
VILLAGE_ORDERING = ["-id"]
CHOICE_LIMIT = 150
TIMELINE_LIMIT = 500


# --- activities --------------------------------------------------------------------------------------


def activity_visible(principal, action=Action.VIEW):
    return Activity.objects.visible_to(principal, action)


def activity_filter(
    principal,
    *,
    q="",
    form="",
    audience="",
    place=None,
    led=None,
    date_from=None,
    date_to=None,
    action=Action.VIEW,
):
    """The visible activities matching the list's filters (unordered: for the page, the export and
    the API). `led`: True for those led by an enforcing department, False for the others."""
    qs = activity_visible(principal, action)
    if form:
        qs = qs.filter(form=form)
    if audience:
        qs = qs.filter(audience=audience)
    if place is not None:
        qs = qs.filter(subtree_q(place.path, field="org__path"))
    if led is True:
        qs = qs.exclude(department="")
    elif led is False:
        qs = qs.filter(department="")
    if date_from:
        qs = qs.filter(date__gte=date_from)
    if date_to:
        qs = qs.filter(date__lte=date_to)
    if q:
        qs = qs.filter(Q(topic__contains=q) | Q(venue__contains=q) | Q(department__contains=q))
    return qs


def activity_search(principal, *, cursor=None, size=None, **filters):
    qs = activity_filter(principal, **filters).select_related("org", "office")
    return keyset_paginate(qs, ordering=ACTIVITY_ORDERING, cursor=cursor, size=size)


def object_history(obj) -> list:
    """The audit events of one (already visible) object, newest first: its timeline."""
    from fengqiao.core.models import AuditEvent

    return list(
        AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).order_by("-at", "-id")[
            :TIMELINE_LIMIT
        ]
    )


# --- the station -------------------------------------------------------------------------------------


def station_visible(principal, action=Action.VIEW):
    return Station.objects.visible_to(principal, action)


def staff_of(station: Station):
    """Everyone who worked at the station, those in post first."""
    return list(
        StationStaff.objects.filter(station=station)
        .select_related("user")
        .order_by("end_on", "-start_on", "-id")[:TIMELINE_LIMIT]
    )


def station_timeline(station: Station) -> list[dict]:
    """The station's set-up and its staff joining and leaving, newest first."""
    items = [{"kind": "set_up", "date": station.set_up_on, "record": station}]
    for s in staff_of(station):
        items.append({"kind": "joined", "date": s.start_on, "record": s})
        if s.end_on:
            items.append({"kind": "left", "date": s.end_on, "record": s})
    items.sort(key=lambda i: (i["date"], i["kind"] != "set_up"), reverse=True)
    return items


def staff_candidates(office_id: int):
    """Active users of the office who may be put in post, education officers first."""
    from django.db.models import Case, IntegerField, When

    from fengqiao.accounts.models import User
    from fengqiao.core.permissions import Role

    return (
        User.objects.filter(is_active=True, office_id=office_id)
        .annotate(
            officer=Case(When(roles__role=Role.EDUCATION_OFFICER, then=0), default=1, output_field=IntegerField())
        )
        .order_by("officer", "full_name", "pk")
        .distinct()
    )


# --- demonstration villages --------------------------------------------------------------------------


def village_visible(principal, action=Action.VIEW):
    return DemoVillage.objects.visible_to(principal, action)


def village_filter(principal, *, q="", status="", level="", place=None, action=Action.VIEW):
    qs = village_visible(principal, action)
    if status:
        qs = qs.filter(status=status)
    if level:
        qs = qs.filter(level=level)
    if place is not None:
        qs = qs.filter(subtree_q(place.path, field="org__path"))
    if q:
        qs = qs.filter(org__name__contains=q)
    return qs


def village_search(principal, *, cursor=None, size=None, **filters):
    qs = village_filter(principal, **filters).select_related("org", "office")
    return keyset_paginate(qs, ordering=VILLAGE_ORDERING, cursor=cursor, size=size)


def village_history(village: DemoVillage):
    return list(
        VillageEvent.objects.filter(village=village).select_related("by").order_by("-date", "-id")[:TIMELINE_LIMIT]
    )


# --- choices for filters and forms -------------------------------------------------------------------


def scope_offices(principal, module=Module.EDUCATION, action=Action.VIEW):
    """Ids of the offices inside the principal's scope, or None for every office of the only tree."""
    from fengqiao.orgs.models import OrgKind

    ids: set[int] = set()
    for node in principal.scope_nodes_for(module, action):
        if node.kind == OrgKind.TOWN:
            ids.add(node.pk)
        elif node.kind == OrgKind.VILLAGE:
            ids.add(node.office_id)
        else:
            under = offices_under(node)
            if under is None:
                return None
            ids.update(under)
    return ids


def place_choices(principal, limit=CHOICE_LIMIT):
    """Towns and villages of the principal's area for the list filters; a bureau gets its towns."""
    from fengqiao.orgs.models import OrgKind, OrgNode

    nodes = principal.scope_nodes_for(Module.EDUCATION, Action.VIEW)
    within = Q(pk__in=[])
    for node in nodes:
        within |= subtree_q(node.path)
    qs = OrgNode.objects.filter(within, is_active=True)
    if any(n.is_bureau for n in nodes):
        qs = qs.filter(kind=OrgKind.TOWN)
    else:
        qs = qs.filter(kind__in=[OrgKind.TOWN, OrgKind.VILLAGE])
    found = list(qs.order_by("path")[: limit + 1])
    return found if len(found) <= limit else []


def place_in_scope(principal, pk, action=Action.VIEW):
    """The town or village `pk` if it lies inside the principal's education scope, else None."""
    from fengqiao.orgs.models import OrgKind, OrgNode

    if not pk:
        return None
    nodes = principal.scope_nodes_for(Module.EDUCATION, action)
    if not nodes:
        return None
    within = Q(pk__in=[])
    for node in nodes:
        within |= subtree_q(node.path)
    return OrgNode.objects.filter(within, pk=pk, kind__in=[OrgKind.TOWN, OrgKind.VILLAGE]).first()


# --- figures -----------------------------------------------------------------------------------------

F_STATION = "education_station_present"
F_FULLTIME = "education_fulltime_staff"
F_STAFF = "education_staff"
F_ACTIVITIES = "education_activities"
F_REACHED = "education_people_reached"
F_LED_RATE = "education_department_led_rate"
F_VILLAGES_COVERED_RATE = "education_villages_covered_rate"
F_DESIGNATED = "education_villages_designated"
F_DESIGNATED_LEVEL = {level: f"education_villages_designated_{level}" for level in codes.Level.values}
F_DESIGNATED_RATE = "education_villages_designated_rate"
F_CANDIDATES = "education_villages_candidate"

FIGURES: dict[str, dict] = {
    F_STATION: {
        "name": _("Guidance station set up"),
        "unit": "flag",
        "threshold": 1,
        "direction": "min",
        "standard": 15,
        "definition": _("1 when the office's guidance station was set up on or before the period's end, else 0."),
    },
    F_FULLTIME: {
        "name": _("Full-time legal education staff"),
        "unit": "persons",
        "threshold": codes.FULLTIME_STAFF_MIN,
        "direction": "min",
        "standard": 14,
        "definition": _("Full-time staff in post at the guidance station on the period's last day."),
    },
    F_STAFF: {
        "name": _("Station staff in post"),
        "unit": "persons",
        "threshold": None,
        "direction": None,
        "standard": 14,
        "definition": _("Full-time and part-time staff in post at the guidance station on the period's last day."),
    },
    F_ACTIVITIES: {
        "name": _("Legal education activities"),
        "unit": "activities",
        "threshold": None,
        "direction": "min",
        "standard": 14,
        "definition": _("Activities held in the period."),
    },
    F_REACHED: {
        "name": _("People reached"),
        "unit": "persons",
        "threshold": None,
        "direction": "min",
        "standard": 14,
        "definition": _("Sum of the people reached by the period's activities."),
    },
    F_LED_RATE: {
        "name": _("Share of activities led by an enforcing department"),
        "unit": "rate",
        "threshold": None,
        "direction": "min",
        "standard": 14,
        "definition": _(
            "谁执法谁普法: activities of the period led by a law-enforcement department ÷ activities of the period."
        ),
    },
    F_VILLAGES_COVERED_RATE: {
        "name": _("Share of villages with an activity"),
        "unit": "rate",
        "threshold": None,
        "direction": "min",
        "standard": 14,
        "definition": _(
            "Active villages of the office with at least one activity in the period ÷ its active villages."
        ),
    },
    F_DESIGNATED: {
        "name": _("Designated demonstration villages"),
        "unit": "villages",
        "threshold": None,
        "direction": "min",
        "standard": 15,
        "definition": _("Villages whose designation stands, designated on or before the period's end."),
    },
    **{
        F_DESIGNATED_LEVEL[level]: {
            "name": name,
            "unit": "villages",
            "threshold": None,
            "direction": None,
            "standard": 15,
            "definition": _("Designated demonstration villages whose highest standing designation is at this level."),
        }
        for level, name in (
            (codes.Level.COUNTY, _("Demonstration villages designated at county level")),
            (codes.Level.CITY, _("Demonstration villages designated at city level")),
            (codes.Level.PROVINCE, _("Demonstration villages designated at provincial level")),
            (codes.Level.NATIONAL, _("Demonstration villages designated at national level")),
        )
    },
    F_DESIGNATED_RATE: {
        "name": _("Share of villages designated"),
        "unit": "rate",
        "threshold": None,
        "direction": "min",
        "standard": 15,
        "definition": _("Designated demonstration villages ÷ the office's active villages."),
    },
    F_CANDIDATES: {
        "name": _("Candidate demonstration villages"),
        "unit": "villages",
        "threshold": None,
        "direction": None,
        "standard": 15,
        "definition": _("Villages put forward and not yet designated, withdrawn or revoked."),
    },
}


def _rate(part, whole):
    return round(part / whole, 4) if whole else None


def _by_office(qs, office_ids):
    return qs.filter(office_id__in=office_ids) if office_ids is not None else qs


def office_figures(office_ids: list[int] | None, start: datetime.date, end: datetime.date) -> dict[int, dict]:
    """For each office (None: every office) the figures of FIGURES over [start, end], in six
    queries whatever the number of offices. Rates are 0..1, or None when there is nothing to
    measure."""
    from fengqiao.orgs.models import OrgKind, OrgNode

    offices = OrgNode.objects.filter(kind=OrgKind.TOWN)
    if office_ids is not None:
        offices = offices.filter(pk__in=list(office_ids))
    ids = list(offices.values_list("pk", flat=True))
    scope = ids if office_ids is not None else None
    result = {
        pk: {
            F_STATION: 0,
            F_FULLTIME: 0,
            F_STAFF: 0,
            F_ACTIVITIES: 0,
            F_REACHED: 0,
            F_LED_RATE: None,
            F_VILLAGES_COVERED_RATE: None,
            F_DESIGNATED: 0,
            **dict.fromkeys(F_DESIGNATED_LEVEL.values(), 0),
            F_DESIGNATED_RATE: None,
            F_CANDIDATES: 0,
        }
        for pk in ids
    }
    for office_id in _by_office(Station.objects.filter(set_up_on__lte=end), scope).values_list("office_id", flat=True):
        if office_id in result:
            result[office_id][F_STATION] = 1
    in_post = Q(start_on__lte=end) & (Q(end_on__isnull=True) | Q(end_on__gte=end))
    for office_id, total, fulltime in (
        _by_office(StationStaff.objects.filter(in_post, station__set_up_on__lte=end), scope)
        .values_list("office_id")
        .annotate(n=Count("id"), f=Count("id", filter=Q(employment=codes.Employment.FULL_TIME)))
        .order_by()
    ):
        if office_id in result:
            result[office_id][F_STAFF] = total
            result[office_id][F_FULLTIME] = fulltime
    villages = dict(
        _by_office(OrgNode.objects.filter(kind=OrgKind.VILLAGE, is_active=True), scope)
        .values_list("office_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    covered = dict(
        _by_office(
            Activity.objects.filter(date__gte=start, date__lte=end, org__kind=OrgKind.VILLAGE, org__is_active=True),
            scope,
        )
        .values_list("office_id")
        .annotate(n=Count("org_id", distinct=True))
        .order_by()
    )
    for office_id, n, reached, led in (
        _by_office(Activity.objects.filter(date__gte=start, date__lte=end), scope)
        .values_list("office_id")
        .annotate(n=Count("id"), r=Sum("reached"), led=Count("id", filter=~Q(department="")))
        .order_by()
    ):
        if office_id in result:
            row = result[office_id]
            row[F_ACTIVITIES], row[F_REACHED], row[F_LED_RATE] = n, reached or 0, _rate(led, n)
    for office_id, status, level, n in (
        _by_office(
            DemoVillage.objects.filter(
                Q(status=codes.VillageStatus.DESIGNATED, designated_on__lte=end)
                | Q(status=codes.VillageStatus.CANDIDATE, nominated_on__lte=end)
            ),
            scope,
        )
        .values_list("office_id", "status", "level")
        .annotate(n=Count("id"))
        .order_by()
    ):
        if office_id not in result:
            continue
        row = result[office_id]
        if status == codes.VillageStatus.DESIGNATED:
            row[F_DESIGNATED] += n
            row[F_DESIGNATED_LEVEL[level]] += n
        else:
            row[F_CANDIDATES] += n
    for office_id, row in result.items():
        whole = villages.get(office_id, 0)
        row[F_DESIGNATED_RATE] = _rate(row[F_DESIGNATED], whole)
        row[F_VILLAGES_COVERED_RATE] = _rate(covered.get(office_id, 0), whole)
    return result


def figure_records(code: str, office_id: int, start: datetime.date, end: datetime.date):
    """The records a figure counted, for drill-down (figures that count records)."""
    if code in (F_ACTIVITIES, F_REACHED, F_LED_RATE, F_VILLAGES_COVERED_RATE):
        qs = Activity.objects.filter(office_id=office_id, date__gte=start, date__lte=end)
        if code == F_LED_RATE:
            qs = qs.exclude(department="")
        return qs.select_related("org").order_by(*ACTIVITY_ORDERING)
    if code in (F_FULLTIME, F_STAFF):
        qs = StationStaff.objects.filter(
            Q(end_on__isnull=True) | Q(end_on__gte=end),
            office_id=office_id,
            start_on__lte=end,
            station__set_up_on__lte=end,
        )
        if code == F_FULLTIME:
            qs = qs.filter(employment=codes.Employment.FULL_TIME)
        return qs.order_by("-start_on", "-id")
    if code == F_STATION:
        return Station.objects.filter(office_id=office_id, set_up_on__lte=end)
    if code in (F_DESIGNATED, F_DESIGNATED_RATE, *F_DESIGNATED_LEVEL.values()):
        qs = DemoVillage.objects.filter(
            office_id=office_id, status=codes.VillageStatus.DESIGNATED, designated_on__lte=end
        ).select_related("org")
        for level, level_code in F_DESIGNATED_LEVEL.items():
            if code == level_code:
                qs = qs.filter(level=level)
        return qs.order_by("-id")
    if code == F_CANDIDATES:
        return DemoVillage.objects.filter(
            office_id=office_id, status=codes.VillageStatus.CANDIDATE, nominated_on__lte=end
        ).order_by("-id")
    raise KeyError(code)


def metrics(principal, *, date_from: datetime.date, date_to: datetime.date) -> dict:
    """The figures of the offices the principal sees, per office and in total."""
    from fengqiao.orgs.models import OrgKind, OrgNode

    ids = scope_offices(principal)
    figures = office_figures(sorted(ids) if ids is not None else None, date_from, date_to)
    names = {
        pk: (office_name or name, is_active)
        for pk, office_name, name, is_active in OrgNode.objects.filter(
            kind=OrgKind.TOWN, pk__in=list(figures)
        ).values_list("pk", "office_name", "name", "is_active")
    }
    offices = sorted(
        (
            {"office_id": pk, "name": names[pk][0], **row}
            for pk, row in figures.items()
            if pk in names and (names[pk][1] or row[F_ACTIVITIES] or row[F_STATION])
        ),
        key=lambda r: r["name"],
    )
    totals = {
        "offices": len(offices),
        "stations": sum(r[F_STATION] for r in offices),
        "without_fulltime": sum(1 for r in offices if r[F_FULLTIME] < codes.FULLTIME_STAFF_MIN),
        "fulltime": sum(r[F_FULLTIME] for r in offices),
        "activities": sum(r[F_ACTIVITIES] for r in offices),
        "reached": sum(r[F_REACHED] for r in offices),
        "designated": sum(r[F_DESIGNATED] for r in offices),
        "by_level": {level: sum(r[code] for r in offices) for level, code in F_DESIGNATED_LEVEL.items()},
    }
    by_form = dict.fromkeys(codes.Form.values, 0)
    for form, n in (
        activity_visible(principal)
        .filter(date__gte=date_from, date__lte=date_to)
        .values_list("form")
        .annotate(n=Count("id"))
        .order_by()
    ):
        by_form[form] = n
    led = activity_visible(principal).filter(date__gte=date_from, date__lte=date_to).exclude(department="").count()
    totals["led_rate"] = _rate(led, totals["activities"])
    return {"date_from": date_from, "date_to": date_to, "offices": offices, "totals": totals, "by_form": by_form}


def village_figures(principal, office_id: int, date_from, date_to) -> list[dict]:
    """Per village of one visible office: activities and people reached in the period, and its
    demonstration status and level."""
    from fengqiao.orgs.models import OrgKind, OrgNode

    ids = scope_offices(principal)
    if ids is not None and office_id not in ids:
        return []
    villages = list(
        OrgNode.objects.filter(kind=OrgKind.VILLAGE, office_id=office_id, is_active=True).order_by("name")[:500]
    )
    acts = {
        org_id: (n, r)
        for org_id, n, r in activity_visible(principal)
        .filter(office_id=office_id, date__gte=date_from, date__lte=date_to)
        .values_list("org_id")
        .annotate(n=Count("id"), r=Sum("reached"))
        .order_by()
    }
    demo = {
        d.org_id: d for d in village_visible(principal).filter(office_id=office_id).only("org_id", "status", "level")
    }
    rows = []
    for v in villages:
        n, r = acts.get(v.pk, (0, 0))
        d = demo.get(v.pk)
        rows.append({"village": v, "activities": n, "reached": r or 0, "demo": d})
    return rows


# --- the home page -----------------------------------------------------------------------------------


def home_summary(principal):
    """This year's activities and people reached, offices without a full-time staff member, and
    designated demonstration villages, for the home page card."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    today = timezone.localdate()
    start = today.replace(month=1, day=1)
    data = metrics(principal, date_from=start, date_to=today)
    totals = data["totals"]
    index = reverse("education:index")
    return [
        (_("activities this year"), totals["activities"], f"{index}?date_from={start.isoformat()}", "body"),
        (_("people reached"), totals["reached"], reverse("education:metrics"), "body"),
        (_("offices without full-time staff"), totals["without_fulltime"], reverse("education:stations"), "danger"),
        (
            _("demonstration villages"),
            totals["designated"],
            f"{reverse('education:villages')}?status=designated",
            "success",
        ),
    ]
