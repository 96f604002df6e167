"""Reads of public legal services, always through `visible_to` (except the figures contract, which
issue 6's scorecards call without a user), bounded by office and keyset-paginated."""

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
from .models import Complaint, ServiceEvent, ServiceRecord

LIST_ORDERING = ["-received_on", "-id"]
CHOICE_LIMIT = 150
TIMELINE_LIMIT = 500
OVERDUE_SECTION = 10


def service_visible(principal, action=Action.VIEW):
    return ServiceRecord.objects.visible_to(principal, action)


def service_get(principal, pk, action=Action.VIEW) -> ServiceRecord | None:
    return service_visible(principal, action).select_related("org", "office", "handled_by").filter(pk=pk).first()


def overdue_q(today: datetime.date | None = None) -> Q:
    """Open services past their due date."""
    return Q(status=codes.Status.OPEN, due_on__lt=today or timezone.localdate())


def service_filter(
    principal,
    *,
    q="",
    kind="",
    status="",
    channel="",
    category="",
    referral_to="",
    satisfaction="",
    village=None,
    overdue=False,
    date_from=None,
    date_to=None,
    action=Action.VIEW,
):
    """The visible services matching the list's filters (unordered, unpaginated: for the list page,
    the export and the API)."""
    qs = service_visible(principal, action)
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    if channel:
        qs = qs.filter(channel=channel)
    if category:
        qs = qs.filter(category=category)
    if referral_to:
        qs = qs.filter(referral_to=referral_to)
    if satisfaction == "none":
        qs = qs.filter(status=codes.Status.CONCLUDED, satisfaction="")
    elif satisfaction:
        qs = qs.filter(satisfaction=satisfaction)
    if village is not None:
        qs = qs.filter(subtree_q(village.path, field="org__path"))
    if overdue:
        qs = qs.filter(overdue_q())
    if date_from:
        qs = qs.filter(received_on__gte=date_from)
    if date_to:
        qs = qs.filter(received_on__lte=date_to)
    if q:
        qs = qs.filter(Q(person_name__contains=q) | Q(subject__contains=q) | Q(question__contains=q))
    return qs


def service_search(principal, *, cursor=None, size=None, **filters):
    qs = service_filter(principal, **filters).select_related("org", "office")
    return keyset_paginate(qs, ordering=LIST_ORDERING, cursor=cursor, size=size)


def overdue_services(principal, limit=OVERDUE_SECTION):
    """The longest-overdue open services, for the section at the top of the list."""
    return list(
        service_visible(principal).filter(overdue_q()).select_related("org", "office").order_by("due_on", "id")[:limit]
    )


def service_events(service: ServiceRecord):
    return list(ServiceEvent.objects.filter(service=service).order_by("-date", "-id")[:TIMELINE_LIMIT])


def counts(principal) -> dict:
    today = timezone.localdate()
    year_start = today.replace(month=1, day=1)
    found = service_visible(principal).aggregate(
        open=Count("id", filter=Q(status=codes.Status.OPEN)),
        overdue=Count("id", filter=overdue_q(today)),
        this_year=Count("id", filter=Q(received_on__gte=year_start)),
        unrated=Count("id", filter=Q(status=codes.Status.CONCLUDED, satisfaction="", concluded_on__gte=year_start)),
    )
    found["complaints_open"] = complaint_visible(principal).filter(status=codes.ComplaintStatus.OPEN).count()
    return found


# --- complaints --------------------------------------------------------------------------------------


def complaint_visible(principal, action=Action.VIEW):
    return Complaint.objects.visible_to(principal, action)


def complaint_filter(principal, *, q="", status="", verification="", action=Action.VIEW):
    qs = complaint_visible(principal, action)
    if status:
        qs = qs.filter(status=status)
    if verification:
        qs = qs.filter(verification=verification)
    if q:
        qs = qs.filter(Q(complainant__contains=q) | Q(content__contains=q))
    return qs


def complaint_search(principal, *, cursor=None, size=None, **filters):
    qs = complaint_filter(principal, **filters).select_related("org", "office", "service")
    return keyset_paginate(qs, ordering=LIST_ORDERING, cursor=cursor, size=size)


# --- choices -----------------------------------------------------------------------------------------


def place_choices(principal, limit=CHOICE_LIMIT):
    """Towns and villages of the principal's area for the list's filter; a bureau gets its towns,
    and nothing when they are too many to list."""
    from fengqiao.orgs.models import OrgKind, OrgNode

    nodes = principal.scope_nodes_for(Module.LEGAL_SERVICES, Action.VIEW)
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


def scope_offices(principal, action=Action.VIEW) -> list[int] | None:
    """Ids of the offices (towns) wholly inside the principal's scope, or None for every office."""
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


# --- figures (the contract of issue 6) ---------------------------------------------------------------

COUNT, RATE = "count", "rate"
HIGHER, LOWER = "higher", "lower"


def _figure(code, name, unit, *, direction=None, threshold=None, standard=(13,), description="", records=True):
    return {
        "code": code,
        "name": name,
        "unit": unit,
        "direction": direction,
        "threshold": threshold,
        "standard": list(standard),
        "description": description,
        "records": records,
    }


FIGURES: list[dict] = [
    _figure(
        "services_total", _("Legal services received"), COUNT, direction=HIGHER, standard=(5,),
        description=_("Services of every kind received in the period."),
    ),
    *[
        _figure(
            f"services_{kind}", label, COUNT, direction=HIGHER, standard=(11,) if kind == "decision" else (5,),
            description=_("Services of this kind received in the period."),
        )
        for kind, label in codes.Kind.choices
    ],
    _figure(
        "services_concluded", _("Services concluded"), COUNT,
        description=_("Services concluded in the period (withdrawn ones are not counted)."),
    ),
    _figure(
        "on_time_rate", _("On-time rate"), RATE, direction=HIGHER,
        description=_("Services concluded in the period by their due date ÷ services concluded in the period."),
    ),
    _figure(
        "overdue_open", _("Overdue open services"), COUNT, direction=LOWER, threshold=0,
        description=_("Services received by the end of the period, past their due date and still open at its end."),
    ),
    _figure(
        "satisfaction_rate", _("Satisfaction rate"), RATE, direction=HIGHER,
        description=_(
            "Services concluded in the period rated satisfied or basically satisfied ÷ those of them that were rated."
        ),
    ),
    _figure(
        "dissatisfied", _("Dissatisfied ratings"), COUNT, direction=LOWER,
        description=_("Services concluded in the period rated dissatisfied."),
    ),
    _figure(
        "complaints_received", _("Complaints received"), COUNT, direction=LOWER,
        description=_("Complaints about the office's services received in the period."),
    ),
    _figure(
        "complaints_substantiated_2y", _("Substantiated complaints (two years)"), COUNT, direction=LOWER,
        threshold=0,
        description=_(
            "Complaints verified as substantiated in the two years ending on the last day of the period; "
            "the standard wants none."
        ),
    ),
    _figure(
        "decision_opinions", _("Legal opinions given to the town"), COUNT, direction=HIGHER, standard=(11,),
        description=_("Legal opinions on major decisions, contracts and documents given to the town in the period."),
    ),
    _figure(
        "decision_adopted_rate", _("Legal opinions adopted"), RATE, direction=HIGHER, standard=(11,),
        description=_(
            "Opinions given in the period that the town adopted in full or in part ÷ those of them whose "
            "adoption is known."
        ),
    ),
    _figure(
        "legislative_forwarded", _("Legislative opinion collections forwarded"), COUNT, direction=HIGHER,
        standard=(5,), description=_("Collections of opinions on a draft forwarded in the period."),
    ),
    _figure(
        "legislative_opinions", _("Legislative opinions gathered"), COUNT, direction=HIGHER, standard=(5,),
        description=_("Opinions gathered in the collections forwarded in the period."),
    ),
]  # fmt: skip
FIGURE_CODES = {f["code"]: f for f in FIGURES}


def two_years_before(end: datetime.date) -> datetime.date:
    """The first day of the two years that end on `end`."""
    try:
        first = end.replace(year=end.year - codes.COMPLAINT_YEARS)
    except ValueError:  # 29 February
        first = end.replace(year=end.year - codes.COMPLAINT_YEARS, day=28)
    return first + datetime.timedelta(days=1)


def _periods(start, end):
    received = Q(received_on__gte=start, received_on__lte=end)
    concluded = Q(status=codes.Status.CONCLUDED, concluded_on__gte=start, concluded_on__lte=end)
    overdue = Q(received_on__lte=end, due_on__lt=end) & (Q(status=codes.Status.OPEN) | Q(concluded_on__gt=end))
    forwarded = Q(kind=codes.Kind.LEGISLATIVE, forwarded_on__gte=start, forwarded_on__lte=end)
    return received, concluded, overdue, forwarded


def _service_rows(qs, group: str, start, end) -> dict:
    received, concluded, overdue, forwarded = _periods(start, end)
    rated = concluded & ~Q(satisfaction="")
    decisions = concluded & Q(kind=codes.Kind.DECISION)
    aggregates = {
        "services_total": Count("id", filter=received),
        **{f"services_{k}": Count("id", filter=received & Q(kind=k)) for k in codes.Kind.values},
        "services_concluded": Count("id", filter=concluded),
        "on_time": Count("id", filter=concluded & Q(concluded_on__lte=F("due_on"))),
        "overdue_open": Count("id", filter=overdue),
        "rated": Count("id", filter=rated),
        "satisfied": Count("id", filter=rated & Q(satisfaction__in=codes.SATISFIED)),
        "dissatisfied": Count("id", filter=rated & Q(satisfaction=codes.Satisfaction.DISSATISFIED)),
        "decision_opinions": Count("id", filter=decisions),
        "decisions_known": Count("id", filter=decisions & ~Q(adoption="")),
        "decisions_adopted": Count("id", filter=decisions & Q(adoption__in=codes.ADOPTED)),
        "legislative_forwarded": Count("id", filter=forwarded),
        "legislative_opinions": Sum("opinion_count", filter=forwarded),
    }
    rows = qs.filter(received | concluded | overdue | forwarded).values(group).annotate(**aggregates).order_by()
    return {r.pop(group): r for r in rows}


def _complaint_rows(qs, group: str, start, end) -> dict:
    window = Q(
        verification=codes.Verification.SUBSTANTIATED, verified_on__gte=two_years_before(end), verified_on__lte=end
    )
    received = Q(received_on__gte=start, received_on__lte=end)
    rows = (
        qs.filter(window | received)
        .values(group)
        .annotate(
            complaints_received=Count("id", filter=received),
            complaints_substantiated_2y=Count("id", filter=window),
        )
        .order_by()
    )
    return {r.pop(group): r for r in rows}


PARTS = ("on_time", "rated", "satisfied", "decisions_known", "decisions_adopted")


def _rate(part, whole):
    return round(part / whole, 4) if whole else None


def _finish(services: dict, complaints: dict) -> dict:
    s, c = services, complaints
    result = {
        "services_total": s.get("services_total", 0),
        **{f"services_{k}": s.get(f"services_{k}", 0) for k in codes.Kind.values},
        "services_concluded": s.get("services_concluded", 0),
        "on_time_rate": _rate(s.get("on_time", 0), s.get("services_concluded", 0)),
        "overdue_open": s.get("overdue_open", 0),
        "satisfaction_rate": _rate(s.get("satisfied", 0), s.get("rated", 0)),
        "dissatisfied": s.get("dissatisfied", 0),
        "complaints_received": c.get("complaints_received", 0),
        "complaints_substantiated_2y": c.get("complaints_substantiated_2y", 0),
        "decision_opinions": s.get("decision_opinions", 0),
        "decision_adopted_rate": _rate(s.get("decisions_adopted", 0), s.get("decisions_known", 0)),
        "legislative_forwarded": s.get("legislative_forwarded", 0),
        "legislative_opinions": s.get("legislative_opinions") or 0,
    }
    # The parts of the rates, for pages that show "12/15".
    result["parts"] = {k: s.get(k, 0) for k in PARTS}
    return result


def _office_rows(office_ids, start, end) -> dict[int, dict]:
    from fengqiao.orgs.models import OrgKind, OrgNode

    services = ServiceRecord.objects.all()
    complaints = Complaint.objects.all()
    if office_ids is None:
        office_ids = list(OrgNode.objects.filter(kind=OrgKind.TOWN).values_list("pk", flat=True))
    else:
        office_ids = list(office_ids)
        services = services.filter(office_id__in=office_ids)
        complaints = complaints.filter(office_id__in=office_ids)
    s_rows = _service_rows(services, "office_id", start, end)
    c_rows = _complaint_rows(complaints, "office_id", start, end)
    return {pk: _finish(s_rows.get(pk, {}), c_rows.get(pk, {})) for pk in office_ids}


def office_figures(office_ids: list[int] | None, start: datetime.date, end: datetime.date) -> dict[int, dict]:
    """For each office (None: every office) the figures of FIGURES over [start, end], from the
    records: three queries whatever the number of offices."""
    rows = _office_rows(office_ids, start, end)
    for figures in rows.values():
        figures.pop("parts")
    return rows


def figure_records(code: str, office_id: int, start: datetime.date, end: datetime.date):
    """The records a figure counted for one office (drill-down): services or complaints."""
    if code not in FIGURE_CODES:
        raise KeyError(code)
    received, concluded, overdue, forwarded = _periods(start, end)
    services = ServiceRecord.objects.filter(office_id=office_id)
    complaints = Complaint.objects.filter(office_id=office_id)
    kinds = {f"services_{k}": k for k in codes.Kind.values}
    if code == "services_total":
        return services.filter(received)
    if code in kinds:
        return services.filter(received, kind=kinds[code])
    if code in ("services_concluded", "on_time_rate"):
        return services.filter(concluded)
    if code == "overdue_open":
        return services.filter(overdue)
    if code == "satisfaction_rate":
        return services.filter(concluded).exclude(satisfaction="")
    if code == "dissatisfied":
        return services.filter(concluded, satisfaction=codes.Satisfaction.DISSATISFIED)
    if code == "complaints_received":
        return complaints.filter(received_on__gte=start, received_on__lte=end)
    if code == "complaints_substantiated_2y":
        return complaints.filter(
            verification=codes.Verification.SUBSTANTIATED, verified_on__gte=two_years_before(end), verified_on__lte=end
        )
    if code in ("decision_opinions", "decision_adopted_rate"):
        return services.filter(concluded, kind=codes.Kind.DECISION)
    return services.filter(forwarded)  # legislative_forwarded, legislative_opinions


def metrics(principal, *, date_from: datetime.date, date_to: datetime.date) -> dict:
    """The figures per office of the principal's area, and per village of what the principal sees
    when that is a single office or a few villages."""
    from fengqiao.orgs.models import OrgNode

    office_ids = scope_offices(principal)
    offices_rows = {}
    if office_ids is None or office_ids:
        offices_rows = _office_rows(office_ids, date_from, date_to)
    names = {}
    if offices_rows:
        names = {
            pk: (short or office_name or name)
            for pk, short, office_name, name in OrgNode.objects.filter(pk__in=list(offices_rows)).values_list(
                "pk", "short_name", "office_name", "name"
            )
        }
    offices = sorted(
        ({"office_id": pk, "name": names.get(pk, ""), **f} for pk, f in offices_rows.items()),
        key=lambda r: r["name"],
    )
    villages = []
    if office_ids is not None and len(office_ids) <= 1:
        s_rows = _service_rows(service_visible(principal), "org_id", date_from, date_to)
        c_rows = _complaint_rows(complaint_visible(principal), "org_id", date_from, date_to)
        ids = set(s_rows) | set(c_rows)
        labels = dict(OrgNode.objects.filter(pk__in=ids).values_list("pk", "name"))
        villages = sorted(
            (
                {"org_id": pk, "name": labels.get(pk, ""), **_finish(s_rows.get(pk, {}), c_rows.get(pk, {}))}
                for pk in ids
            ),
            key=lambda r: r["name"],
        )
    totals = _totals(offices) if offices else _totals(villages)
    return {"date_from": date_from, "date_to": date_to, "offices": offices, "villages": villages, "totals": totals}


def _totals(rows) -> dict:
    counted = [f["code"] for f in FIGURES if f["unit"] == COUNT]
    totals = {code: sum(r.get(code) or 0 for r in rows) for code in counted}
    parts = {k: sum(r["parts"][k] for r in rows) for k in PARTS}
    totals["on_time_rate"] = _rate(parts["on_time"], totals["services_concluded"])
    totals["satisfaction_rate"] = _rate(parts["satisfied"], parts["rated"])
    totals["decision_adopted_rate"] = _rate(parts["decisions_adopted"], parts["decisions_known"])
    totals["parts"] = parts
    return totals


# --- the home page -----------------------------------------------------------------------------------


def home_summary(principal):
    """Open services, overdue ones, services this year and open complaints, for the home page card."""
    from django.urls import reverse
    from django.utils.translation import gettext

    c = counts(principal)
    url = reverse("legalservices:index")
    return [
        (gettext("services this year"), c["this_year"], url, "body"),
        (gettext("open"), c["open"], f"{url}?status=open", "body"),
        (gettext("overdue"), c["overdue"], f"{url}?overdue=1", "danger"),
        (gettext("complaints being verified"), c["complaints_open"], reverse("legalservices:complaints"), "warning"),
    ]
