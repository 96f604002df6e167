"""Reads of resettlement data, always through `visible_to`, bounded by office and keyset-paginated."""

from __future__ import annotations

import datetime
import math

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from fengqiao.core.models import offices_under
from fengqiao.core.pagination import keyset_paginate
from fengqiao.core.permissions import Action, Module, Role
from fengqiao.core.scoping import subtree_q
from fengqiao.core.validators import normalize_id_number

from . import codes
from .models import HelpRecord, LevelChange, ReleasedPerson

LIST_ORDERING = ["-id"]
# A filter is offered as a drop-down only while its list stays short enough to read and to send.
CHOICE_LIMIT = 150


def person_visible(principal, action=Action.VIEW):
    return ReleasedPerson.objects.visible_to(principal, action)


def person_get(principal, pk, action=Action.VIEW) -> ReleasedPerson | None:
    return person_visible(principal, action).select_related("org", "office", "worker").filter(pk=pk).first()


def contact_due_before(today: datetime.date | None = None) -> datetime.date:
    """A person whose last contact is before this day is due for contact."""
    today = today or timezone.localdate()
    return today - datetime.timedelta(days=codes.CONTACT_DUE_DAYS)


def due_q(today: datetime.date | None = None) -> Q:
    return Q(status=codes.Status.ACTIVE) & (
        Q(last_contact_on__isnull=True) | Q(last_contact_on__lt=contact_due_before(today))
    )


def person_filter(
    principal,
    *,
    q="",
    level="",
    worker=None,
    status="",
    village=None,
    employment="",
    due=False,
    expired=False,
    unassigned=False,
    action=Action.VIEW,
):
    """The visible persons matching the list's filters (unordered, unpaginated: for the list page,
    the export and the API)."""
    qs = person_visible(principal, action)
    today = timezone.localdate()
    if status:
        qs = qs.filter(status=status)
    if level:
        qs = qs.filter(level=level)
    if worker:
        qs = qs.filter(worker_id=getattr(worker, "pk", worker))
    if unassigned:
        qs = qs.filter(worker__isnull=True)
    if village is not None:
        qs = qs.filter(subtree_q(village.path, field="org__path"))
    if employment:
        qs = qs.filter(employment=employment)
    if due:
        qs = qs.filter(due_q(today))
    if expired:
        # Still open although the five years are over: the worker should end the assistance.
        qs = qs.filter(status=codes.Status.ACTIVE, period_end__lt=today)
    if q:
        number = normalize_id_number(q)
        qs = qs.filter(id_number=number) if len(number) == 18 else qs.filter(name__contains=q)
    return qs


def person_search(principal, *, cursor=None, size=None, **filters):
    qs = person_filter(principal, **filters).select_related("org", "office", "worker")
    return keyset_paginate(qs, ordering=LIST_ORDERING, cursor=cursor, size=size)


TIMELINE_LIMIT = 500


def person_records(person: ReleasedPerson):
    """The newest help records and level changes of one (already visible) person."""
    helps = HelpRecord.objects.filter(person=person).order_by("-date", "-id")[:TIMELINE_LIMIT]
    changes = LevelChange.objects.filter(person=person).order_by("-date", "-id")[:TIMELINE_LIMIT]
    return helps, changes


def person_timeline(person: ReleasedPerson) -> list[dict]:
    """Help records and level changes of one person, newest first, as one list for the page."""
    helps = HelpRecord.objects.filter(person=person).select_related("recorded_by").order_by("-date", "-id")
    changes = LevelChange.objects.filter(person=person).select_related("changed_by").order_by("-date", "-id")
    items = [
        {"kind": "help", "date": h.date, "at": h.created_at, "record": h, "by": h.recorded_by_repr}
        for h in helps[:TIMELINE_LIMIT]
    ] + [
        {"kind": "level", "date": c.date, "at": c.created_at, "record": c, "by": c.changed_by_repr}
        for c in changes[:TIMELINE_LIMIT]
    ]
    items.sort(key=lambda i: (i["date"], i["at"]), reverse=True)
    return items


# --- workers -----------------------------------------------------------------------------------------


def active_load():
    """A user's persons in assistance, as an annotation."""
    return Count("resettlement_persons", filter=Q(resettlement_persons__status=codes.Status.ACTIVE), distinct=True)


def workers_of_office(office_id: int):
    """Active users holding the resettlement-worker role in the office, with their current load."""
    from fengqiao.accounts.models import User

    return (
        User.objects.filter(is_active=True, office_id=office_id, roles__role=Role.RESETTLEMENT_WORKER)
        .annotate(load=active_load())
        .order_by("load", "pk")
    )


def least_loaded_worker(office_id: int):
    """The office's resettlement worker with the fewest persons in assistance (None if it has none)."""
    return workers_of_office(office_id).first()


def is_office_worker(user, office_id: int) -> bool:
    from fengqiao.accounts.models import UserRole

    return (
        user is not None
        and user.is_active
        and user.office_id == office_id
        and UserRole.objects.filter(user_id=user.pk, role=Role.RESETTLEMENT_WORKER).exists()
    )


def _scope_offices(principal):
    """The ids of the offices (towns) inside the principal's resettlement scope, or None for every
    office of the only tree."""
    from fengqiao.orgs.models import OrgKind

    ids: set[int] = set()
    for node in principal.scope_nodes_for(Module.RESETTLEMENT, Action.VIEW):
        if node.kind == OrgKind.TOWN:
            ids.add(node.pk)
        elif node.kind != OrgKind.VILLAGE:
            under = offices_under(node)
            if under is None:
                return None
            ids.update(under)
    return ids


def worker_choices(principal, limit=CHOICE_LIMIT):
    """Resettlement workers of the offices the principal sees, for the list's filter (bounded)."""
    from fengqiao.accounts.models import User
    from fengqiao.orgs.models import OrgKind

    ids = _scope_offices(principal)
    qs = User.objects.filter(is_active=True, roles__role=Role.RESETTLEMENT_WORKER, office__kind=OrgKind.TOWN)
    if ids is not None:
        qs = qs.filter(office_id__in=ids)
    found = list(qs.select_related("office").order_by("office__path", "full_name", "pk")[: limit + 1])
    return found if len(found) <= limit else []


def assignable_workers(principal, office_id: int | None = None):
    """Who a person may be assigned to: resettlement workers of the person's office, or (for the
    register form, before the office is known) of the offices where the principal registers."""
    from fengqiao.accounts.models import User
    from fengqiao.orgs.models import OrgKind

    qs = User.objects.filter(is_active=True, roles__role=Role.RESETTLEMENT_WORKER, office__kind=OrgKind.TOWN)
    if office_id is not None:
        return qs.filter(office_id=office_id).select_related("office").order_by("full_name", "pk").distinct()
    ids = set()
    for node in principal.scope_nodes_for(Module.RESETTLEMENT, Action.CREATE):
        if node.kind == OrgKind.TOWN:
            ids.add(node.pk)
        elif node.kind != OrgKind.VILLAGE:
            under = offices_under(node)
            if under is None:
                return qs.select_related("office").order_by("office__path", "full_name", "pk").distinct()
            ids.update(under)
    return qs.filter(office_id__in=ids).select_related("office").order_by("office__path", "full_name", "pk").distinct()


def place_choices(principal, limit=CHOICE_LIMIT):
    """Towns and villages of the principal's area for the list's filter; a bureau gets its towns,
    and nothing when they are too many to list."""
    from fengqiao.orgs.models import OrgKind, OrgNode

    nodes = principal.scope_nodes_for(Module.RESETTLEMENT, Action.VIEW)
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


# --- staffing ----------------------------------------------------------------------------------------


def staffing_by_office(principal, *, short_only=False) -> dict:
    """For each office of the principal's area: persons in assistance, its resettlement workers and
    their loads, the configured ratio (persons per worker), the workers needed and the shortfall,
    and who is overloaded. A fixed number of queries, whatever the number of offices."""
    from fengqiao.accounts.models import UserRole
    from fengqiao.corrections.policy import resettlement_ratio
    from fengqiao.orgs.models import OrgKind, OrgNode

    ratio = max(1, resettlement_ratio())
    ids = _scope_offices(principal)
    offices_qs = OrgNode.objects.filter(kind=OrgKind.TOWN)
    if ids is not None:
        offices_qs = offices_qs.filter(pk__in=ids)
    counts = {
        r["office_id"]: r
        for r in person_visible(principal)
        .filter(status=codes.Status.ACTIVE)
        .values("office_id")
        .annotate(
            n=Count("id"),
            key=Count("id", filter=Q(level=codes.Level.KEY)),
            unassigned=Count("id", filter=Q(worker__isnull=True)),
        )
        .order_by()
    }
    offices = [o for o in offices_qs.order_by("path") if o.is_active or o.pk in counts]
    office_ids = [o.pk for o in offices]
    loads = dict(
        person_visible(principal)
        .filter(status=codes.Status.ACTIVE, worker__isnull=False)
        .values_list("worker_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    workers_by_office: dict[int, list[dict]] = {}
    seen = set()
    roles = UserRole.objects.filter(role=Role.RESETTLEMENT_WORKER, user__is_active=True)
    roles = roles.filter(user__office_id__in=office_ids) if ids is not None else roles
    for user_id, name, username, office_id in roles.values_list(
        "user_id", "user__full_name", "user__username", "user__office_id"
    ).order_by("user__full_name", "user_id"):
        if user_id in seen:
            continue
        seen.add(user_id)
        load = loads.get(user_id, 0)
        workers_by_office.setdefault(office_id, []).append(
            {"id": user_id, "name": name or username, "load": load, "overloaded": load > ratio}
        )
    rows = []
    totals = {"persons": 0, "key": 0, "unassigned": 0, "workers": 0, "needed": 0, "shortfall": 0, "overloaded": 0}
    for office in offices:
        c = counts.get(office.pk, {})
        persons = c.get("n", 0)
        workers = sorted(workers_by_office.get(office.pk, []), key=lambda w: (w["load"], w["name"], w["id"]))
        needed = math.ceil(persons / ratio)
        shortfall = max(0, needed - len(workers))
        overloaded = [w for w in workers if w["overloaded"]]
        row = {
            "office": office,
            "persons": persons,
            "key": c.get("key", 0),
            "unassigned": c.get("unassigned", 0),
            "workers": workers,
            "worker_count": len(workers),
            "needed": needed,
            "shortfall": shortfall,
            "overloaded": overloaded,
            # Where the next person should go: the least-loaded worker of the office.
            "suggested": workers[0] if workers else None,
        }
        for key in ("persons", "key", "unassigned", "needed", "shortfall"):
            totals[key] += row[key]
        totals["workers"] += len(workers)
        totals["overloaded"] += len(overloaded)
        rows.append(row)
    if short_only:
        rows = [r for r in rows if r["shortfall"] or r["overloaded"]]
    return {"ratio": ratio, "offices": rows, "totals": totals}


# --- figures -----------------------------------------------------------------------------------------


def _rate(part: int, whole: int):
    return round(100 * part / whole, 1) if whole else None


def metrics(principal, *, date_from: datetime.date, date_to: datetime.date) -> dict:
    """The period's figures, per office and in total, computed from the records:

    - persons in assistance now, by level and by employment;
    - handover rate: persons released in the period who were met at the prison gate ÷ persons
      released in the period;
    - employment rate: persons in assistance now who work (employed, self-employed, flexible) ÷
      those of them who can work (not unable to work, not retired);
    - contact coverage: persons in assistance at some time in the period with a contact or visit
      recorded in the period ÷ persons in assistance at some time in the period;
    - assistance ended in the period, by reason.
    """
    base = person_visible(principal)
    rows: dict[int, dict] = {}

    def row(office_id):
        return rows.setdefault(
            office_id,
            {
                "active": 0,
                "key": 0,
                "working": 0,
                "labour": 0,
                "released": 0,
                "met": 0,
                "in_period": 0,
                "contacted": 0,
                "ended": 0,
                "ended_by_reason": dict.fromkeys(codes.EndReason.values, 0),
            },
        )

    by_level = dict.fromkeys(codes.Level.values, 0)
    by_employment = dict.fromkeys(codes.Employment.values, 0)
    for office_id, level, employment, n in (
        base.filter(status=codes.Status.ACTIVE)
        .values_list("office_id", "level", "employment")
        .annotate(n=Count("id"))
        .order_by()
    ):
        r = row(office_id)
        r["active"] += n
        if level == codes.Level.KEY:
            r["key"] += n
        if employment in codes.WORKING:
            r["working"] += n
        if employment not in codes.NOT_IN_LABOUR_FORCE:
            r["labour"] += n
        by_level[level] = by_level.get(level, 0) + n
        by_employment[employment] = by_employment.get(employment, 0) + n

    for office_id, n, met in (
        base.filter(released_on__gte=date_from, released_on__lte=date_to)
        .values_list("office_id")
        .annotate(n=Count("id"), met=Count("id", filter=Q(met_at_gate=True)))
        .order_by()
    ):
        r = row(office_id)
        r["released"] += n
        r["met"] += met

    in_period = base.filter(released_on__lte=date_to, period_end__gte=date_from).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=date_from)
    )
    for office_id, n in in_period.values_list("office_id").annotate(n=Count("id")).order_by():
        row(office_id)["in_period"] += n
    contacted = HelpRecord.objects.filter(
        person_id=OuterRef("pk"), kind__in=codes.CONTACT_KINDS, date__gte=date_from, date__lte=date_to
    )
    for office_id, n in in_period.filter(Exists(contacted)).values_list("office_id").annotate(n=Count("id")).order_by():
        row(office_id)["contacted"] += n

    ended_by_reason = dict.fromkeys(codes.EndReason.values, 0)
    for office_id, reason, n in (
        base.filter(ended_on__gte=date_from, ended_on__lte=date_to)
        .values_list("office_id", "end_reason")
        .annotate(n=Count("id"))
        .order_by()
    ):
        r = row(office_id)
        r["ended"] += n
        r["ended_by_reason"][reason] = r["ended_by_reason"].get(reason, 0) + n
        ended_by_reason[reason] = ended_by_reason.get(reason, 0) + n

    totals = {
        k: sum(r[k] for r in rows.values())
        for k in ("active", "key", "working", "labour", "released", "met", "in_period", "contacted", "ended")
    }
    for r in [*rows.values(), totals]:
        r["handover_rate"] = _rate(r["met"], r["released"])
        r["employment_rate"] = _rate(r["working"], r["labour"])
        r["contact_coverage"] = _rate(r["contacted"], r["in_period"])
    from fengqiao.orgs.models import OrgNode

    names = {
        pk: office_name or name
        for pk, office_name, name in OrgNode.objects.filter(pk__in=list(rows)).values_list("pk", "office_name", "name")
    }
    offices = sorted(
        ({"office_id": k, "name": names.get(k, ""), **r} for k, r in rows.items()),
        key=lambda r: r["name"],
    )
    return {
        "date_from": date_from,
        "date_to": date_to,
        "totals": totals,
        "by_level": by_level,
        "by_employment": by_employment,
        "ended_by_reason": ended_by_reason,
        "offices": offices,
    }


# --- the home page -----------------------------------------------------------------------------------


def counts(principal) -> dict:
    today = timezone.localdate()
    return person_visible(principal).aggregate(
        active=Count("id", filter=Q(status=codes.Status.ACTIVE)),
        key=Count("id", filter=Q(status=codes.Status.ACTIVE, level=codes.Level.KEY)),
        due=Count("id", filter=due_q(today)),
        expired=Count("id", filter=Q(status=codes.Status.ACTIVE, period_end__lt=today)),
    )


def home_summary(principal):
    """Persons in assistance, key-assistance persons, those due for contact and the staffing
    shortfall, for the home page card."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    c = counts(principal)
    shortfall = staffing_by_office(principal)["totals"]["shortfall"]
    url = reverse("resettlement:list")
    return [
        (_("in assistance"), c["active"], f"{url}?status=active", "body"),
        (_("key assistance"), c["key"], f"{url}?status=active&level={codes.Level.KEY}", "warning"),
        (_("due for contact"), c["due"], f"{url}?due=1", "danger"),
        (_("workers short"), shortfall, reverse("resettlement:staffing"), "danger"),
    ]
