"""Reads of community corrections: lists, a social worker's day, alert queues, tracks, staffing and
the metrics the scorecards reuse. Every read starts from `visible_to`, and every figure is computed
from the records (the register, the alerts, the fixes), bounded by office and time range."""

from __future__ import annotations

import datetime
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.core.pagination import keyset_paginate
from fengqiao.core.permissions import Action, Module, Role
from fengqiao.core.scoping import subtree_q
from fengqiao.orgs.models import OrgKind, OrgNode

from . import codes, policy
from .models import (
    Alert,
    Contact,
    Device,
    DeviceBinding,
    Fence,
    Fix,
    Leave,
    PositioningMeasure,
    Subject,
    SupervisionLevel,
)
from .phases import intake_deadline, phase_of, phase_q

S = codes.Status


def workers_of(office_id: int):
    """The active corrections social workers of an office."""
    from fengqiao.accounts.models import User

    return User.objects.filter(office_id=office_id, is_active=True, roles__role=Role.CORRECTIONS_WORKER).distinct()


def worker_loads(office_id: int) -> dict[int, int]:
    """Open subjects per worker of the office (workers without any count as 0)."""
    loads = {w.pk: 0 for w in workers_of(office_id)}
    for worker_id, n in (
        Subject.objects.filter(office_id=office_id, status__in=codes.OPEN_STATUSES, worker__isnull=False)
        .values_list("worker_id")
        .annotate(n=Count("id"))
    ):
        if worker_id in loads:
            loads[worker_id] = n
    return loads


def suggest_worker(office_id: int):
    """The least-loaded corrections social worker of the office (ties: the longest-serving), or None."""
    loads = worker_loads(office_id)
    if not loads:
        return None
    best = min(loads, key=lambda pk: (loads[pk], pk))
    return workers_of(office_id).get(pk=best)


# --- lists -------------------------------------------------------------------------------------------


def _id(value) -> int | None:
    """A filter's id from a query string: a positive whole number, anything else ignored."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**62 else None


def subject_filter(user, params: dict, today=None):
    """The subjects the user may see, filtered as the list's form asks."""
    today = today or timezone.localdate()
    pol = policy.current()
    qs = Subject.objects.visible_to(user, Action.VIEW)
    status = params.get("status")
    if status == "open" or not status:
        qs = qs.filter(status__in=codes.OPEN_STATUSES)
    elif status in S.values:
        qs = qs.filter(status=status)
    if params.get("phase") in codes.Phase.values:
        qs = qs.filter(phase_q(params["phase"], today, pol))
    if _id(params.get("level")):
        qs = qs.filter(level_id=_id(params["level"]))
    if params.get("category") in codes.Category.values:
        qs = qs.filter(category=params["category"])
    if _id(params.get("worker")):
        qs = qs.filter(worker_id=_id(params["worker"]))
    if _id(params.get("office")):
        qs = qs.filter(office_id=_id(params["office"]))
    if params.get("alerts") == "open":
        qs = qs.filter(pk__in=Alert.objects.filter(status__in=codes.OPEN_ALERT_STATUSES).values("subject_id"))
    if params.get("q"):
        qs = qs.filter(name__contains=params["q"].strip()[:50])
    return qs


def subject_search(user, params: dict, cursor=None, size=None):
    qs = subject_filter(user, params).select_related("level", "worker", "org", "office")
    return keyset_paginate(qs, ordering=["-id"], cursor=cursor, size=size)


def with_phase(subjects, today=None):
    today = today or timezone.localdate()
    pol = policy.current()
    for s in subjects:
        s.phase = phase_of(s, today, pol)
        s.phase_label = codes.Phase(s.phase).label
    return subjects


def open_alert_counts(subject_ids) -> dict[int, int]:
    return dict(
        Alert.objects.filter(subject_id__in=subject_ids, status__in=codes.OPEN_ALERT_STATUSES)
        .values_list("subject_id")
        .annotate(n=Count("id"))
    )


def alert_filter(user, params: dict):
    qs = Alert.objects.visible_to(user, Action.VIEW)
    status = params.get("status") or "open"
    if status == "open":
        qs = qs.filter(status__in=codes.OPEN_ALERT_STATUSES)
    elif status in codes.AlertStatus.values:
        qs = qs.filter(status=status)
    if params.get("kind") in codes.AlertKind.values:
        qs = qs.filter(kind=params["kind"])
    if params.get("escalated"):
        qs = qs.filter(escalated_at__isnull=False)
    if _id(params.get("subject")):
        qs = qs.filter(subject_id=_id(params["subject"]))
    if params.get("mine") and getattr(user, "pk", None):
        qs = qs.filter(subject__worker_id=user.pk)
    return qs


def alert_search(user, params: dict, cursor=None, size=None):
    qs = alert_filter(user, params).select_related("subject", "office")
    return keyset_paginate(qs, ordering=["-raised_at", "-id"], cursor=cursor, size=size)


# --- a social worker's day -------------------------------------------------------------------------------


@dataclass
class Today:
    reports_due: list = field(default_factory=list)
    visits_due: list = field(default_factory=list)
    leaves_returning: list = field(default_factory=list)
    leaves_to_decide: list = field(default_factory=list)
    intakes_due: list = field(default_factory=list)
    alerts: list = field(default_factory=list)
    releasing: list = field(default_factory=list)
    measures_to_decide: list = field(default_factory=list)


TODAY_LIMIT = 200


def today_for(user, today=None) -> Today:
    """What is due today: for a social worker their own subjects, for others the office's."""
    today = today or timezone.localdate()
    subjects = Subject.objects.visible_to(user, Action.VIEW)
    if Role.CORRECTIONS_WORKER in user.role_codes and Role.DIRECTOR not in user.role_codes:
        subjects = subjects.filter(worker=user)
    out = Today()
    active = subjects.filter(status=S.ACTIVE).select_related("level", "org")
    # Reports and visits due are an office's to-do list; the bureau sees alerts and decisions.
    office_level = user.org.kind in (OrgKind.TOWN, OrgKind.VILLAGE)
    ids = list(active.values_list("pk", flat=True)[:5000]) if office_level else []
    last = defaultdict(dict)
    for subject_id, kind, on in (
        Contact.objects.filter(subject_id__in=ids)
        .values("subject_id", "kind")
        .annotate(last=models_max("on"))
        .values_list("subject_id", "kind", "last")
    ):
        bucket = "visit" if kind == codes.ContactKind.VISIT else "report"
        if on and (bucket not in last[subject_id] or on > last[subject_id][bucket]):
            last[subject_id][bucket] = on
    for s in active.filter(pk__in=ids):
        report = last[s.pk].get("report") or s.reported_on
        visit = last[s.pk].get("visit")
        if report is None or report + datetime.timedelta(days=s.level.report_days) <= today:
            s.due_since = (report + datetime.timedelta(days=s.level.report_days)) if report else s.reported_on
            out.reports_due.append(s)
        if visit is None or visit + datetime.timedelta(days=s.level.visit_days) <= today:
            s.last_visit = visit
            out.visits_due.append(s)
    pol = policy.current()
    out.releasing = list(
        subjects.filter(
            status=S.ACTIVE, period_end__gte=today, period_end__lte=today + datetime.timedelta(days=31)
        ).order_by("period_end")[:TODAY_LIMIT]
    )
    out.leaves_returning = list(
        Leave.objects.filter(subject__in=subjects, status=codes.LeaveStatus.APPROVED, end__lte=today)
        .select_related("subject")
        .order_by("end")[:TODAY_LIMIT]
    )
    out.leaves_to_decide = list(
        Leave.objects.filter(subject__in=subjects, status=codes.LeaveStatus.REQUESTED)
        .select_related("subject")
        .order_by("start")[:TODAY_LIMIT]
    )
    pending = subjects.filter(status=S.PENDING).order_by("judgment_effective_on")[:TODAY_LIMIT]
    for s in pending:
        s.deadline = intake_deadline(s, pol)
        s.overdue = s.deadline < today
    out.intakes_due = list(pending)
    out.alerts = list(
        Alert.objects.filter(subject__in=subjects, status__in=codes.OPEN_ALERT_STATUSES)
        .select_related("subject")
        .order_by("-raised_at")[:TODAY_LIMIT]
    )
    out.reports_due = out.reports_due[:TODAY_LIMIT]
    out.visits_due = out.visits_due[:TODAY_LIMIT]
    if Role.BUREAU_HEAD in user.role_codes:
        out.measures_to_decide = list(
            PositioningMeasure.objects.visible_to(user, Action.APPROVE)
            .filter(status=codes.MeasureStatus.REQUESTED)
            .select_related("subject", "office")
            .order_by("start")[:TODAY_LIMIT]
        )
    return out


def models_max(name):
    from django.db.models import Max

    return Max(name)


# --- positioning -------------------------------------------------------------------------------------


TRACK_MAX_POINTS = 20_000


def track(user, subject: Subject, since: datetime.datetime, until: datetime.datetime):
    """A subject's fixes in a time range (at most TRACK_MAX_POINTS, evenly thinned) with the fences
    in force; location data only for those who may see sensitive corrections data."""
    devices = list(
        DeviceBinding.objects.filter(subject=subject, bound_at__lt=until)
        .filter(Q(unbound_at__isnull=True) | Q(unbound_at__gte=since))
        .values_list("device_id", flat=True)
        .distinct()
    )
    fixes = (
        Fix.objects.visible_to(user)
        .filter(device_id__in=devices, subject_id=subject.pk, at__gte=since, at__lt=until)
        .order_by("at")
        .values_list("at", "wlat", "wlon", "flags", "seq", "accuracy", "battery")
    )
    points = list(fixes[: TRACK_MAX_POINTS * 4]) if devices else []
    if len(points) > TRACK_MAX_POINTS:
        step = math.ceil(len(points) / TRACK_MAX_POINTS)
        points = points[::step]
    fences = list(
        Fence.objects.visible_to(user, Action.VIEW_SENSITIVE)
        .filter(active=True)
        .filter(Q(subject=subject) | Q(subject__isnull=True, kind=codes.FenceKind.AREA, office_id=subject.office_id))
    )
    # A subject's own permitted area replaces the office default.
    if any(f.subject_id and f.kind == codes.FenceKind.AREA for f in fences):
        fences = [f for f in fences if f.subject_id or f.kind != codes.FenceKind.AREA]
    return points, fences


def measures_of(user, subject: Subject):
    return list(
        PositioningMeasure.objects.visible_to(user, Action.VIEW)
        .filter(subject=subject)
        .select_related("requested_by", "decided_by")
        .order_by("-start", "-id")
    )


def devices_of(user, subject: Subject):
    return list(Device.objects.visible_to(user, Action.VIEW).filter(measure__subject=subject))


def co_offender_ids(subject: Subject) -> set[int]:
    """Ids of every subject linked to `subject` as a co-offender, whatever their office."""
    from .models import CoOffenderLink

    pairs = CoOffenderLink.objects.filter(Q(subject=subject) | Q(other=subject)).values_list("subject_id", "other_id")
    return {a if b == subject.pk else b for a, b in pairs}


def co_offenders_of(user, subject: Subject, ids: set[int] | None = None) -> list[Subject]:
    """The subjects linked to `subject` as co-offenders that the user may see."""
    ids = co_offender_ids(subject) if ids is None else ids
    return list(
        Subject.objects.visible_to(user, Action.VIEW).filter(pk__in=ids).select_related("office").order_by("name")
    )


def residence_targets(subject: Subject):
    """Where a subject may move within the county (the bureau above the executing office): its
    towns and villages. A move further away is a transfer of the execution, not a change here."""
    office = OrgNode.objects.select_related("parent").get(pk=subject.office_id)
    county = office.parent or office
    return OrgNode.objects.filter(
        subtree_q(county.path), is_active=True, kind__in=[OrgKind.TOWN, OrgKind.VILLAGE]
    ).order_by("path")


# --- staffing ----------------------------------------------------------------------------------------


def _offices(user, action=Action.VIEW) -> list[OrgNode]:
    """The judicial offices in the user's corrections scope (with or without subjects)."""
    condition = Q()
    for node in user.scope_nodes_for(Module.CORRECTIONS, action):
        if node.kind == OrgKind.VILLAGE:
            condition |= Q(pk=node.office_id)
        elif node.kind == OrgKind.TOWN:
            condition |= Q(pk=node.pk)
        else:
            condition |= subtree_q(node.path) & Q(kind=OrgKind.TOWN)
    if not condition:
        return []
    return list(OrgNode.objects.filter(condition).order_by("path"))


def staffing(user) -> dict:
    """Per office: open subjects, corrections social workers and each one's load, workers needed
    at the configured ratio (1:15), the shortfall, and the suggestion for the next intake."""
    from fengqiao.accounts.models import User

    ratio = policy.corrections_ratio()
    offices = _offices(user)
    office_ids = [o.pk for o in offices]
    counts = dict(
        Subject.objects.filter(office_id__in=office_ids, status__in=codes.OPEN_STATUSES)
        .values_list("office_id")
        .annotate(n=Count("id"))
    )
    loads = defaultdict(dict)
    for office_id, worker_id, n in (
        Subject.objects.filter(office_id__in=office_ids, status__in=codes.OPEN_STATUSES, worker__isnull=False)
        .values_list("office_id", "worker_id")
        .annotate(n=Count("id"))
    ):
        loads[office_id][worker_id] = n
    workers = defaultdict(list)
    for w in (
        User.objects.filter(office_id__in=office_ids, is_active=True, roles__role=Role.CORRECTIONS_WORKER)
        .distinct()
        .order_by("pk")
    ):
        workers[w.office_id].append(w)
    rows, totals = [], Counter()
    for office in offices:
        n = counts.get(office.pk, 0)
        staff = workers.get(office.pk, [])
        load_list = [{"worker": w, "load": loads[office.pk].get(w.pk, 0), "over": loads[office.pk].get(w.pk, 0) > ratio}
                     for w in staff]  # fmt: skip
        unassigned = n - sum(x["load"] for x in load_list)
        needed = math.ceil(n / ratio) if n else 0
        suggestion = min(load_list, key=lambda x: (x["load"], x["worker"].pk))["worker"] if load_list else None
        row = {
            "office": office,
            "subjects": n,
            "workers": len(staff),
            "needed": needed,
            "shortfall": max(0, needed - len(staff)),
            "loads": load_list,
            "unassigned": max(0, unassigned),
            "suggestion": suggestion,
            "ratio": round(n / len(staff), 1) if staff else None,
            "meets": len(staff) >= needed,
        }
        rows.append(row)
        totals.update({"subjects": n, "workers": len(staff), "needed": needed, "shortfall": row["shortfall"]})
    return {"ratio": ratio, "rows": rows, "totals": dict(totals)}


# --- metrics -----------------------------------------------------------------------------------------


def _period_bounds(start: datetime.date, end: datetime.date):
    tz = timezone.get_current_timezone()
    return (
        datetime.datetime.combine(start, datetime.time.min, tzinfo=tz),
        datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz),
    )


def _by_office(qs, **annotations) -> dict[int, int]:
    return {row["office_id"]: row["n"] for row in qs.order_by().values("office_id").annotate(**annotations)}


def positioning_by_office(subject_qs, start: datetime.date, end: datetime.date, now=None) -> dict[int, dict]:
    """Per office, the numerators and denominators of positioning coverage and success.

    coverage = subjects under a measure in force at the period's end (or now) whose bound device
    sent a fix within the signal-loss window / subjects under a measure in force then;
    success = fixes received / fixes the measures' intervals call for, from the first fitting of a
    device over the time each measure was in force within the period (each measure capped at 100%).
    A fixed number of queries whatever the number of offices."""
    now = now or timezone.now()
    pol = policy.current()
    t0, t1 = _period_bounds(start, end)
    t1 = min(t1, now)
    out: dict[int, dict] = defaultdict(lambda: {"measures": 0, "covered": 0, "expected": 0, "received": 0})
    if t1 <= t0:
        return out
    at_day = timezone.localdate(t1 - datetime.timedelta(microseconds=1))
    measures = list(
        PositioningMeasure.objects.filter(
            subject__in=subject_qs, status__in=(codes.MeasureStatus.APPROVED, codes.MeasureStatus.ENDED)
        )
        .filter(start__lte=end, end__gte=start)
        .values("pk", "office_id", "subject_id", "start", "end", "ended_on", "interval_seconds", "status")
    )
    if not measures:
        return out
    tz = timezone.get_current_timezone()
    bindings = list(
        DeviceBinding.objects.filter(measure_id__in=[m["pk"] for m in measures]).values_list(
            "measure_id", "device_id", "bound_at"
        )
    )
    first_bound: dict[int, datetime.datetime] = {}
    for measure_id, _device, bound_at in bindings:
        if measure_id not in first_bound or bound_at < first_bound[measure_id]:
            first_bound[measure_id] = bound_at
    received = dict(
        Fix.objects.filter(device_id__in=list({b[1] for b in bindings}), at__gte=t0, at__lt=t1)
        .values("measure_id")
        .annotate(n=Count("seq"))
        .values_list("measure_id", "n")
    )
    for m in measures:
        if m["pk"] not in first_bound:
            continue  # never fitted with a device: nothing was due (coverage counts it below)
        last_day = min(m["end"], m["ended_on"] or m["end"])
        m_t0 = max(t0, datetime.datetime.combine(m["start"], datetime.time.min, tzinfo=tz), first_bound[m["pk"]])
        m_t1 = min(t1, datetime.datetime.combine(last_day + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz))
        seconds = (m_t1 - m_t0).total_seconds()
        if seconds <= 0:
            continue
        expected = int(seconds // m["interval_seconds"])
        out[m["office_id"]]["expected"] += expected
        out[m["office_id"]]["received"] += min(received.get(m["pk"], 0), expected)
    in_force = [
        m for m in measures
        if m["status"] == codes.MeasureStatus.APPROVED and m["start"] <= at_day <= m["end"] and not m["ended_on"]
    ]  # fmt: skip
    live = dict(
        Device.objects.filter(measure_id__in=[m["pk"] for m in in_force], retired=False).values_list("pk", "measure_id")
    )
    window_start = t1 - datetime.timedelta(minutes=pol.signal_lost_minutes)
    reporting = set(
        Fix.objects.filter(device_id__in=list(live), at__gte=window_start, at__lt=t1, measure_id__in=live.values())
        .values_list("measure_id", flat=True)
        .distinct()
    )
    subjects: dict[int, set] = defaultdict(set)
    covered: dict[int, set] = defaultdict(set)
    for m in in_force:
        subjects[m["office_id"]].add(m["subject_id"])
        if m["pk"] in reporting:
            covered[m["office_id"]].add(m["subject_id"])
    for office_id, ids in subjects.items():
        out[office_id]["measures"] = len(ids)
        out[office_id]["covered"] = len(covered[office_id])
    return out


def _rates(fig: dict) -> dict:
    fig["coverage"] = round(100 * fig["covered"] / fig["measures"], 1) if fig.get("measures") else None
    fig["success"] = round(100 * fig["received"] / fig["expected"], 1) if fig.get("expected") else None
    return fig


def missed_intake_q(start: datetime.date, end: datetime.date, pol=None) -> Q:
    """漏管 in a period: subjects whose report deadline fell in it and who reported late or not at all."""
    deadline_days = datetime.timedelta(days=(pol or policy.current()).report_deadline_days)
    return Q(judgment_effective_on__gte=start - deadline_days, judgment_effective_on__lte=end - deadline_days) & (
        Q(reported_on__isnull=True, status__in=codes.OPEN_STATUSES)
        | Q(reported_on__gt=F("judgment_effective_on") + deadline_days)
    )


def lost_contact_subjects(subject_qs, start: datetime.date, end: datetime.date):
    """Subjects with a 脱管 alert (no contact, or not back from leave) raised in the period."""
    t0, t1 = _period_bounds(start, end)
    alerts = Alert.objects.filter(kind__in=codes.LOST_KINDS, raised_at__gte=t0, raised_at__lt=t1)
    return subject_qs.filter(pk__in=alerts.values("subject_id"))


def register_by_office(subject_qs, start: datetime.date, end: datetime.date, today=None) -> dict[int, dict]:
    """Per office: 漏管 and 脱管 from the register and its alerts, subjects at large, taken in and
    ended in the period, and the open subjects by category, phase and level."""
    today = today or timezone.localdate()
    pol = policy.current()
    deadline_days = datetime.timedelta(days=pol.report_deadline_days)
    out: dict[int, dict] = defaultdict(lambda: {"by_category": Counter(), "by_phase": Counter(), "by_level": Counter()})

    def put(key, counts):
        for office_id, n in counts.items():
            out[office_id][key] = n

    open_qs = subject_qs.filter(status__in=codes.OPEN_STATUSES)
    put("open", _by_office(open_qs, n=Count("id")))
    put("missed_intake", _by_office(subject_qs.filter(missed_intake_q(start, end, pol)), n=Count("id")))
    put(
        "missed_intake_now",
        _by_office(subject_qs.filter(status=S.PENDING, judgment_effective_on__lt=today - deadline_days), n=Count("id")),
    )
    t0, t1 = _period_bounds(start, end)
    alerts = Alert.objects.filter(subject__in=subject_qs, kind__in=codes.LOST_KINDS)
    put(
        "lost_contact",
        _by_office(alerts.filter(raised_at__gte=t0, raised_at__lt=t1), n=Count("subject_id", distinct=True)),
    )
    put(
        "lost_contact_now",
        _by_office(alerts.filter(status__in=codes.OPEN_ALERT_STATUSES), n=Count("subject_id", distinct=True)),
    )
    put("at_large", _by_office(subject_qs.filter(status=S.AT_LARGE), n=Count("id")))
    put("taken_in", _by_office(subject_qs.filter(reported_on__gte=start, reported_on__lte=end), n=Count("id")))
    put("ended", _by_office(subject_qs.filter(ended_on__gte=start, ended_on__lte=end), n=Count("id")))
    for office_id, category, n in open_qs.order_by().values_list("office_id", "category").annotate(n=Count("id")):
        out[office_id]["by_category"][str(codes.Category(category).label)] += n
    levels = {lv.pk: lv.name for lv in SupervisionLevel.objects.all()}
    for office_id, level_id, n in open_qs.order_by().values_list("office_id", "level_id").annotate(n=Count("id")):
        out[office_id]["by_level"][levels.get(level_id, "?")] += n
    snapshot_day = min(end, today)
    for phase in (
        codes.Phase.AWAITING,
        codes.Phase.INTAKE,
        codes.Phase.REGULAR,
        codes.Phase.RELEASE,
        codes.Phase.AT_LARGE,
    ):
        for office_id, n in _by_office(subject_qs.filter(phase_q(phase, snapshot_day, pol)), n=Count("id")).items():
            out[office_id]["by_phase"][str(codes.Phase(phase).label)] += n
    return out


_COUNTS = ("open", "missed_intake", "missed_intake_now", "lost_contact", "lost_contact_now", "at_large", "taken_in",
           "ended", "measures", "covered", "expected", "received")  # fmt: skip


def _figures(register: dict, positioning: dict) -> dict:
    fig = {key: register.get(key, positioning.get(key, 0)) for key in _COUNTS}
    for key in ("by_category", "by_phase", "by_level"):
        fig[key] = dict(register.get(key, {}))
    return _rates(fig)


def metrics(user, start: datetime.date, end: datetime.date, *, by_office=True) -> dict:
    """Item 9's figures for the user's scope (the city as a whole and each office), for a period,
    in a fixed number of queries whatever the number of offices."""
    visible = Subject.objects.visible_to(user, Action.VIEW)
    register = register_by_office(visible, start, end)
    positioning = positioning_by_office(visible, start, end)
    staff = staffing(user)
    by_id = {r["office"].pk: r for r in staff["rows"]}
    rows = []
    total = {key: 0 for key in _COUNTS}
    total.update(by_category=Counter(), by_phase=Counter(), by_level=Counter())
    for office in _offices(user):
        fig = _figures(register.get(office.pk, {}), positioning.get(office.pk, {}))
        for key in _COUNTS:
            total[key] += fig[key]
        for key in ("by_category", "by_phase", "by_level"):
            total[key].update(fig[key])
        if by_office:
            rows.append({"office": office, **fig, "staffing": by_id.get(office.pk)})
    for key in ("by_category", "by_phase", "by_level"):
        total[key] = dict(total[key])
    total = _rates(total)
    total["staffing"] = staff["totals"]
    return {"start": start, "end": end, "total": total, "offices": rows, "ratio": staff["ratio"]}


def office_metrics(office_id: int, start: datetime.date, end: datetime.date) -> dict:
    """The same figures for one office without a user (the construction-standard scorecards)."""
    qs = Subject.objects.filter(office_id=office_id)
    return _figures(
        register_by_office(qs, start, end).get(office_id, {}), positioning_by_office(qs, start, end).get(office_id, {})
    )


# --- home page ---------------------------------------------------------------------------------------


def home_summary(user):
    subjects = Subject.objects.visible_to(user, Action.VIEW)
    if Role.CORRECTIONS_WORKER in user.role_codes and Role.DIRECTOR not in user.role_codes:
        subjects = subjects.filter(worker=user)
    alerts = Alert.objects.filter(subject__in=subjects, status__in=codes.OPEN_ALERT_STATUSES).count()
    pending = subjects.filter(status=S.PENDING).count()
    open_count = subjects.filter(status__in=codes.OPEN_STATUSES).count()
    base = reverse("corrections:list")
    figures = [
        (_("Under correction"), open_count, base, "primary"),
        (_("Open alerts"), alerts, reverse("corrections:alerts"), "danger" if alerts else "success"),
        (_("Awaiting intake"), pending, f"{base}?status=pending", "warning" if pending else "success"),
    ]
    if Role.BUREAU_HEAD in user.role_codes:
        waiting = (
            PositioningMeasure.objects.visible_to(user, Action.APPROVE)
            .filter(status=codes.MeasureStatus.REQUESTED)
            .count()
        )
        figures.append((_("Positioning requests to decide"), waiting, reverse("corrections:today"), "warning"))
    return figures
