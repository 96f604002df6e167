"""Community-corrections pages: a social worker's day, the subject list and its export, registration,
the subject's file with its timeline and one small form per step, the alert queue, the track view,
staffing, the metrics dashboard, the policy, devices and fences.

Every page starts from `visible_to` or a selector that does; another office's object answers 404.
Every view of a subject's file, of a full ID number and of a track is written to the audit trail."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max, Q, Sum
from django.db.models.functions import TruncMonth
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from fengqiao.core import audit
from fengqiao.core.errors import DomainError
from fengqiao.core.models import AuditKind
from fengqiao.core.pagination import keyset_paginate
from fengqiao.core.permissions import Action, Module, Role
from fengqiao.core.views import ModuleMixin, ScopedObjectMixin, apply_domain_error, parse_date
from fengqiao.orgs.models import OrgKind

from . import codes, forms, policy, selectors, services
from .models import (
    Activity,
    Alert,
    AlertEvent,
    Contact,
    Device,
    Fence,
    Leave,
    LevelChange,
    PositioningMeasure,
    RewardSanction,
    Subject,
    SubjectEvent,
    SupervisionLevel,
    TeamMember,
)
from .phases import intake_deadline, phase_of

M = Module.CORRECTIONS
S = codes.Status

audit.register_actions(
    {
        "access.file": gettext_lazy("Viewed a corrections file"),
        "access.track": gettext_lazy("Viewed a location track"),
    }
)


def _int(value):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


def _back(request, fallback: str):
    """Where a form posted from elsewhere (the day's page, the alert queue) returns to."""
    target = request.POST.get("next", "") or request.GET.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect(fallback)


def _may(user, obj, action: str) -> bool:
    """Whether `user` may do `action` on this object (its module right and its scope)."""
    return user.has_action(M, action) and type(obj).objects.visible_to(user, action).filter(pk=obj.pk).exists()


def _is_bureau(user) -> bool:
    return user.org.kind != OrgKind.TOWN and user.org.kind != OrgKind.VILLAGE


def _period(request):
    today = timezone.localdate()
    start = parse_date(request.GET.get("start")) or today.replace(month=1, day=1)
    end = parse_date(request.GET.get("end")) or today
    if end < start:
        start, end = end, start
    if (end - start).days > 5 * 366:
        start = end - datetime.timedelta(days=5 * 366)
    return start, end


# --- a social worker's day -------------------------------------------------------------------------


class TodayView(ModuleMixin, View):
    """What is due today: reports and visits, leaves to decide and returns due, intakes due (late ones
    are 漏管), subjects releasing within a month, open alerts, and for the bureau head the positioning
    measures waiting for a decision."""

    module = M

    def get(self, request):
        user = request.user
        today = timezone.localdate()
        day = selectors.today_for(user, today)
        for m in day.measures_to_decide:
            m.can_decide = services.may_approve(user, m)
        can_change = user.has_action(M, Action.CHANGE)
        mine = Role.CORRECTIONS_WORKER in user.role_codes and Role.DIRECTOR not in user.role_codes
        counts = [
            ("reports", _("Reports due"), len(day.reports_due), "primary"),
            ("visits", _("Visits due"), len(day.visits_due), "primary"),
            ("intakes", _("Intakes due"), len(day.intakes_due), "warning"),
            (
                "leaves",
                _("Leaves to decide or close"),
                len(day.leaves_to_decide) + len(day.leaves_returning),
                "warning",
            ),
            ("alerts", _("Open alerts"), len(day.alerts), "danger"),
            ("releasing", _("Releasing within a month"), len(day.releasing), "success"),
        ]
        if Role.BUREAU_HEAD in user.role_codes:
            counts.append(("measures", _("Positioning requests"), len(day.measures_to_decide), "warning"))
        return render(
            request,
            "corrections/today.html",
            {
                "day": day,
                "today": today,
                "counts": counts,
                "mine": mine,
                "can_change": can_change,
                "can_create": user.has_action(M, Action.CREATE),
                "limit": selectors.TODAY_LIMIT,
                "is_bureau_head": Role.BUREAU_HEAD in user.role_codes,
            },
        )


# --- the subject list ------------------------------------------------------------------------------

LIST_STATUSES = ("open", "all", *S.values)


def list_params(request) -> dict:
    """The list's filters from the query string, cleaned: anything unknown is ignored, not an error
    (the selector would fail on a non-number id)."""
    g = request.GET
    status = g.get("status", "open")
    return {
        "status": status if status in LIST_STATUSES else "open",
        "phase": g.get("phase", "") if g.get("phase") in codes.Phase.values else "",
        "level": _int(g.get("level")) or "",
        "category": g.get("category", "") if g.get("category") in codes.Category.values else "",
        "worker": _int(g.get("worker")) or "",
        "office": _int(g.get("office")) or "",
        "alerts": "open" if g.get("alerts") == "open" else "",
        "q": g.get("q", "").strip()[:50],
    }


def _worker_choices(user, office_id):
    if office_id:
        return list(selectors.workers_of(office_id).order_by("full_name", "pk"))
    return []


class SubjectListView(ModuleMixin, View):
    module = M

    def get(self, request):
        user = request.user
        params = list_params(request)
        page = selectors.subject_search(user, params, cursor=request.GET.get("cursor"))
        selectors.with_phase(page.items)
        counts = selectors.open_alert_counts([s.pk for s in page.items])
        for s in page.items:
            s.open_alerts = counts.get(s.pk, 0)
        bureau = _is_bureau(user)
        offices = list(forms.offices_for(user, Action.VIEW)) if bureau else []
        office_id = params["office"] if bureau else user.office_id
        if bureau and office_id and office_id not in {o.pk for o in offices}:
            office_id = None
        return render(
            request,
            "corrections/list.html",
            {
                "page": page,
                "params": params,
                "statuses": [("open", _("Open (not ended)")), ("all", _("All")), *S.choices],
                "phases": codes.Phase.choices,
                "levels": SupervisionLevel.objects.filter(active=True).order_by("rank"),
                "categories": codes.Category.choices,
                "workers": _worker_choices(user, office_id),
                "offices": offices,
                "can_create": user.has_action(M, Action.CREATE),
                "can_export": user.has_action(M, Action.EXPORT),
                "query": request.GET.urlencode(),
            },
        )


class SubjectExportView(ModuleMixin, View):
    """The filtered list as .xlsx, streamed; ID numbers and phones masked."""

    module = M
    action = Action.EXPORT
    MAX_ROWS = 100_000

    def get(self, request):
        from fengqiao.core.exports import xlsx_stream_response
        from fengqiao.core.validators import mask_id_number, mask_phone

        user = request.user
        params = list_params(request)
        # subject_filter reads with `view`; the module check above demands `export`, and a user's
        # export scope is the same set of nodes as their view scope.
        qs = selectors.subject_filter(user, params)
        count = qs.count()
        if count > self.MAX_ROWS:
            messages.error(
                request,
                _("%(count)s subjects match; narrow the filter to at most %(max)s to export.")
                % {"count": count, "max": self.MAX_ROWS},
            )
            return redirect(f"{reverse('corrections:list')}?{request.GET.urlencode()}")
        headers = [
            _("Full name"),
            _("Sex"),
            _("ID number"),
            _("Phone"),
            _("Corrections category"),
            _("Offence"),
            _("Sentence"),
            _("Correction period from"),
            _("Correction period to"),
            _("Deciding organ"),
            _("Judgment took effect on"),
            _("Judicial office"),
            _("Village of residence"),
            _("Corrections social worker"),
            _("Supervision level"),
            _("Status"),
            _("Phase"),
            _("Reported on"),
            _("Last contact"),
            _("Ended on"),
        ]
        genders, categories, statuses = dict(codes.Gender.choices), dict(codes.Category.choices), dict(S.choices)
        today, pol = timezone.localdate(), policy.current()

        def rows():
            for s in qs.select_related("office", "org", "worker", "level").order_by("-id").iterator(chunk_size=2000):
                yield [
                    s.name,
                    str(genders.get(s.gender, s.gender)),
                    mask_id_number(s.id_number),
                    mask_phone(s.phone),
                    str(categories.get(s.category, s.category)),
                    s.offence,
                    s.sentence,
                    s.period_start,
                    s.period_end,
                    s.deciding_organ,
                    s.judgment_effective_on,
                    s.office.display_name,
                    s.org.name,
                    (s.worker.full_name or s.worker.username) if s.worker_id else "",
                    s.level.name,
                    str(statuses.get(s.status, s.status)),
                    str(codes.Phase(phase_of(s, today, pol)).label),
                    s.reported_on,
                    s.last_contact_on,
                    s.ended_on,
                ]

        audit.record_export(
            actor=user,
            what="corrections.subjects",
            count=count,
            filters={k: str(v) for k, v in params.items() if v not in (None, "")},
        )
        return xlsx_stream_response("corrections-subjects", str(_("Corrections subjects")), headers, rows())


# --- registration and the particulars ---------------------------------------------------------------


def _render_form(request, form, title, back, back_label, status=200, **extra):
    return render(
        request,
        "corrections/form.html",
        {"form": form, "title": title, "back": back, "back_label": back_label, **extra},
        status=status,
    )


class SubjectCreateView(ModuleMixin, View):
    """Registration of a subject handed over by the deciding organ: awaiting intake until they report."""

    module = M
    action = Action.CREATE

    def get(self, request):
        form = forms.SubjectForm(actor=request.user, initial={"org": request.user.org_id})
        return _render_form(
            request, form, _("Register a subject"), reverse("corrections:list"), _("Corrections subjects")
        )

    def post(self, request):
        form = forms.SubjectForm(request.POST, actor=request.user)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                subject = services.subject_register(
                    actor=request.user,
                    org=data.pop("org"),
                    worker=data.pop("worker"),
                    level=data.pop("level"),
                    **{k: v for k, v in data.items() if k in forms.SUBJECT_FIELDS},
                )
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                worker = subject.worker.full_name if subject.worker_id else _("nobody yet")
                messages.success(
                    request,
                    _("%(name)s registered and awaiting intake; social worker: %(worker)s.")
                    % {"name": subject.name, "worker": worker},
                )
                return redirect("corrections:subject", pk=subject.pk)
        return _render_form(
            request, form, _("Register a subject"), reverse("corrections:list"), _("Corrections subjects"), status=400
        )


class SubjectEditView(ScopedObjectMixin, View):
    module = M
    action = Action.CHANGE
    scoped_model = Subject
    select_related = ("org", "office")

    def _back(self):
        return reverse("corrections:subject", args=[self.object.pk])

    def _sensitive(self, request):
        return _may(request.user, self.object, Action.VIEW_SENSITIVE)

    def get(self, request, pk):
        sensitive = self._sensitive(request)
        form = forms.SubjectForm(actor=request.user, subject=self.object, sensitive=sensitive)
        if sensitive:
            # The edit form carries the full ID number: showing it is an access like the reveal.
            audit.record_access(actor=request.user, obj=self.object, what="id_number")
        response = _render_form(request, form, self.object.name, self._back(), _("Back to the file"))
        add_never_cache_headers(response)
        return response

    def post(self, request, pk):
        form = forms.SubjectForm(
            request.POST, actor=request.user, subject=self.object, sensitive=self._sensitive(request)
        )
        if form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version", None)
            try:
                services.subject_update(actor=request.user, subject=self.object, version=version, **data)
            except DomainError as exc:
                if exc.code in ("stale", "illegal_transition"):
                    messages.error(request, str(exc))
                    return redirect(self._back())
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("Particulars saved."))
                return redirect(self._back())
        response = _render_form(request, form, self.object.name, self._back(), _("Back to the file"), status=400)
        add_never_cache_headers(response)
        return response


# --- the subject's file ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    form: type
    run: object
    label: str
    done: str
    statuses: tuple
    action: str = Action.CHANGE
    group: str = "file"


def _run_intake(actor, s, d):
    return services.subject_intake(
        actor=actor,
        subject=s,
        reported_on=d["reported_on"],
        interview_on=d["interview_on"],
        education_on=d["education_on"],
        note=d["note"],
    )


def _run_fence(actor, s, d):
    return services.fence_save(
        actor=actor,
        org=s.org,
        kind=d["kind"],
        name=d["name"],
        polygon=d["points"],
        subject=s,
        datum=d["datum"],
    )


OPEN = tuple(codes.OPEN_STATUSES)
SUBJECT_STEPS: dict[str, Step] = {
    "intake": Step(
        forms.IntakeForm,
        _run_intake,
        gettext_lazy("Take in (the subject reported)"),
        gettext_lazy("Taken in: the intake phase has begun."),
        (S.PENDING,),
        group="intake",
    ),
    "intake_record": Step(
        forms.IntakeRecordForm,
        lambda a, s, d: services.subject_intake_record(actor=a, subject=s, **d),
        gettext_lazy("Record the intake interview or education"),
        gettext_lazy("Intake record saved."),
        (S.ACTIVE,),
        group="intake",
    ),
    "contact": Step(
        forms.ContactForm,
        lambda a, s, d: services.contact_record(actor=a, subject=s, **d),
        gettext_lazy("Record a report or a field visit"),
        gettext_lazy("Report or visit recorded."),
        (S.ACTIVE,),
        Action.CREATE,
        "supervision",
    ),
    "activity": Step(
        forms.ActivityForm,
        lambda a, s, d: services.activity_record(actor=a, subject=s, **d),
        gettext_lazy("Record education or public-interest hours"),
        gettext_lazy("Hours recorded."),
        (S.ACTIVE,),
        Action.CREATE,
        "supervision",
    ),
    "leave": Step(
        forms.LeaveForm,
        lambda a, s, d: services.leave_request(actor=a, subject=s, **d),
        gettext_lazy("Request leave to go away"),
        gettext_lazy("Leave requested; it now needs a decision."),
        (S.ACTIVE,),
        Action.CREATE,
        "supervision",
    ),
    "level": Step(
        forms.LevelForm,
        lambda a, s, d: services.level_change(actor=a, subject=s, **d),
        gettext_lazy("Change the supervision level"),
        gettext_lazy("Supervision level changed."),
        (S.ACTIVE, S.AT_LARGE),
        group="supervision",
    ),
    "reward": Step(
        forms.RewardForm,
        lambda a, s, d: services.reward_record(actor=a, subject=s, **d),
        gettext_lazy("Record a reward or sanction"),
        gettext_lazy("Reward or sanction recorded."),
        (S.ACTIVE, S.AT_LARGE),
        group="supervision",
    ),
    "measure": Step(
        forms.MeasureForm,
        lambda a, s, d: services.measure_request(
            actor=a,
            subject=s,
            ground=d["ground"],
            facts=d["facts"],
            start=d["start"],
            end=d["end"],
            interval_seconds=d["interval_seconds"] or 60,
        ),
        gettext_lazy("Request electronic positioning"),
        gettext_lazy("Positioning requested; it now needs the approval of the county bureau head."),
        (S.ACTIVE,),
        Action.CREATE,
        "positioning",
    ),
    "fence": Step(
        forms.FenceForm,
        _run_fence,
        gettext_lazy("Draw the subject's permitted area or a banned place"),
        gettext_lazy("Fence saved."),
        (S.ACTIVE, S.AT_LARGE),
        Action.CREATE,
        "positioning",
    ),
    "worker": Step(
        forms.WorkerForm,
        lambda a, s, d: services.subject_assign_worker(actor=a, subject=s, worker=d["worker"]),
        gettext_lazy("Assign the social worker"),
        gettext_lazy("Social worker assigned."),
        OPEN,
    ),
    "team": Step(
        forms.TeamMemberForm,
        lambda a, s, d: services.team_member_add(actor=a, subject=s, **d),
        gettext_lazy("Add a member to the correction team"),
        gettext_lazy("Team member added."),
        OPEN,
    ),
    "cooffender": Step(
        forms.CoOffenderForm,
        lambda a, s, d: services.co_offender_link(actor=a, subject=s, other=d["other"]),
        gettext_lazy("Link a co-offender"),
        gettext_lazy("Co-offender linked."),
        OPEN,
    ),
    "cooffender_unlink": Step(
        forms.CoOffenderUnlinkForm,
        lambda a, s, d: services.co_offender_unlink(actor=a, subject=s, other=d["other"], reason=d["reason"]),
        gettext_lazy("Remove a co-offender link entered by mistake"),
        gettext_lazy("Co-offender link removed."),
        OPEN,
    ),
    "residence": Step(
        forms.ResidenceForm,
        lambda a, s, d: services.residence_change(actor=a, subject=s, **d),
        gettext_lazy("Record a change of residence"),
        gettext_lazy("Change of residence recorded."),
        (S.ACTIVE, S.PENDING),
    ),
    "at_large": Step(
        forms.AtLargeForm,
        lambda a, s, d: services.subject_at_large(actor=a, subject=s, **d),
        gettext_lazy("Declare the subject at large (在逃)"),
        gettext_lazy("The subject is recorded as at large."),
        (S.ACTIVE,),
    ),
    "found": Step(
        forms.FoundForm,
        lambda a, s, d: services.subject_found(actor=a, subject=s, **d),
        gettext_lazy("Back under supervision"),
        gettext_lazy("The subject is back under supervision."),
        (S.AT_LARGE,),
    ),
    "end": Step(
        forms.EndForm,
        lambda a, s, d: services.subject_end(actor=a, subject=s, **d),
        gettext_lazy("End corrections (解除 or 终止)"),
        gettext_lazy("Corrections ended."),
        OPEN,
    ),
}
STEP_GROUPS = [
    ("supervision", gettext_lazy("Daily supervision")),
    ("intake", gettext_lazy("Intake")),
    ("positioning", gettext_lazy("Electronic positioning (article 29)")),
    ("file", gettext_lazy("The file")),
]
DEFAULT_STEP = {S.PENDING: "intake", S.ACTIVE: "contact", S.AT_LARGE: "found"}
TIMELINE_SIZE = 20


def _timeline(user, subject, cursor):
    qs = SubjectEvent.objects.visible_to(user).filter(subject=subject).select_related("recorded_by")
    return keyset_paginate(qs, ordering=["-at", "-id"], cursor=cursor, size=TIMELINE_SIZE)


def _co_offenders(user, subject):
    """The co-offenders the user may see, and how many more are linked in other units."""
    ids = selectors.co_offender_ids(subject)
    visible = selectors.co_offenders_of(user, subject, ids)
    return visible, len(ids) - len(visible)


def _hours_by_month(user, subject, today):
    """Education and public-interest hours of the last six months, newest first."""
    since = (today.replace(day=1) - datetime.timedelta(days=150)).replace(day=1)
    rows = (
        Activity.objects.visible_to(user)
        .filter(subject=subject, on__gte=since)
        .annotate(month=TruncMonth("on"))
        .values("month", "kind")
        .annotate(hours=Sum("hours"))
        .order_by()
    )
    months: dict = {}
    for r in rows:
        month = r["month"].date() if isinstance(r["month"], datetime.datetime) else r["month"]
        months.setdefault(month, {})[r["kind"]] = r["hours"]
    return [
        {
            "month": m,
            "education": months[m].get(codes.ActivityKind.EDUCATION, 0),
            "public_interest": months[m].get(codes.ActivityKind.PUBLIC_INTEREST, 0),
        }
        for m in sorted(months, reverse=True)
    ]


def _supervision(user, subject, today):
    """When the subject last reported and was visited, and when the next ones are due."""
    last = {"report": None, "visit": None}
    for kind, on in (
        Contact.objects.visible_to(user)
        .filter(subject=subject)
        .values("kind")
        .annotate(last=Max("on"))
        .values_list("kind", "last")
        .order_by()
    ):
        bucket = "visit" if kind == codes.ContactKind.VISIT else "report"
        if on and (last[bucket] is None or on > last[bucket]):
            last[bucket] = on
    level = subject.level
    report_base = last["report"] or subject.reported_on
    report_due = report_base + datetime.timedelta(days=level.report_days) if report_base else None
    visit_base = last["visit"] or subject.reported_on
    visit_due = visit_base + datetime.timedelta(days=level.visit_days) if visit_base else None
    return {
        "last_report": last["report"],
        "last_visit": last["visit"],
        "report_due": report_due,
        "visit_due": visit_due,
        "report_overdue": subject.status == S.ACTIVE and report_due is not None and report_due <= today,
        "visit_overdue": subject.status == S.ACTIVE and visit_due is not None and visit_due <= today,
    }


def subject_steps(subject, user, bound=None):
    """The step forms this subject allows now and the user may use, grouped for the page."""
    groups = []
    for group, label in STEP_GROUPS:
        items = []
        for name, step in SUBJECT_STEPS.items():
            if step.group != group or subject.status not in step.statuses:
                continue
            if not user.has_action(M, step.action):
                continue
            if bound is not None and bound[0] == name:
                form = bound[1]
            else:
                form = step.form(subject=subject, actor=user, prefix=name)
            if getattr(form, "nothing_to_do", False):
                continue
            items.append((name, step.label, form))
        if items:
            groups.append((group, label, items))
    return groups


def _measure_rows(user, subject, today, can_change, bound=None):
    measures = selectors.measures_of(user, subject)
    devices = selectors.devices_of(user, subject)
    by_measure: dict = {}
    for d in devices:
        by_measure.setdefault(d.measure_id, []).append(d)
    rows = []
    for m in measures:
        in_force = m.in_force_on(today) and not m.ended_on
        row = {
            "measure": m,
            "in_force": in_force,
            "devices": by_measure.get(m.pk, []),
            "can_decide": m.status == codes.MeasureStatus.REQUESTED and services.may_approve(user, m),
        }
        if can_change and m.status == codes.MeasureStatus.APPROVED and not m.ended_on and m.end >= today:
            row["bind_form"] = forms.DeviceBindForm(actor=user, measure=m, auto_id=f"id_bind{m.pk}_%s")
            row["extendable"] = not any(
                x.extends_id == m.pk and x.status != codes.MeasureStatus.REFUSED for x in measures
            )
        rows.append(row)
    return rows


class SubjectDetailView(ScopedObjectMixin, View):
    """The subject's file: particulars, phase, supervision, team, co-offenders, measures and devices,
    leaves, open alerts, the timeline and the step forms. Every showing is an audited access."""

    module = M
    scoped_model = Subject
    select_related = ("org", "office", "level", "worker")

    def get(self, request, pk, bound=None, status=200, revealed=False):
        user = request.user
        subject = self.object
        cursor = request.GET.get("tcursor")
        audit.record_access(actor=user, obj=subject, what="file")
        if request.htmx and cursor:
            response = render(
                request,
                "corrections/_timeline_rows.html",
                {"timeline": _timeline(user, subject, cursor), "subject": subject},
            )
            add_never_cache_headers(response)
            return response
        today = timezone.localdate()
        pol = policy.current()
        can_change = _may(user, subject, Action.CHANGE)
        can_create = _may(user, subject, Action.CREATE)
        can_view_sensitive = _may(user, subject, Action.VIEW_SENSITIVE)
        phase = phase_of(subject, today, pol)
        co_offenders, hidden_co_offenders = _co_offenders(user, subject)
        leaves = list(
            Leave.objects.visible_to(user)
            .filter(subject=subject)
            .select_related("decided_by")
            .order_by("-start", "-id")[:20]
        )
        for leave in leaves:
            leave.can_cancel = leave.status == codes.LeaveStatus.REQUESTED or (
                leave.status == codes.LeaveStatus.APPROVED and leave.start > today
            )
        context = {
            "subject": subject,
            "today": today,
            "phase": phase,
            "phase_label": codes.Phase(phase).label,
            "policy": pol,
            "deadline": intake_deadline(subject, pol),
            "revealed": revealed,
            "can_change": can_change,
            "can_view_sensitive": can_view_sensitive,
            "can_track": can_view_sensitive,
            "supervision": _supervision(user, subject, today) if subject.reported_on else None,
            "team": list(TeamMember.objects.visible_to(user).filter(subject=subject).order_by("role", "id")),
            "co_offenders": co_offenders,
            "hidden_co_offenders": hidden_co_offenders,
            "measures": _measure_rows(user, subject, today, can_change),
            "leaves": leaves,
            "alerts": list(
                Alert.objects.visible_to(user)
                .filter(subject=subject, status__in=codes.OPEN_ALERT_STATUSES)
                .order_by("-raised_at", "-id")[:50]
            ),
            "level_changes": list(
                LevelChange.objects.visible_to(user)
                .filter(subject=subject)
                .select_related("from_level", "to_level")
                .order_by("-on", "-id")[:10]
            ),
            "rewards": list(
                RewardSanction.objects.visible_to(user).filter(subject=subject).order_by("-on", "-id")[:10]
            ),
            "hours": _hours_by_month(user, subject, today),
            "fences": list(
                Fence.objects.visible_to(user).filter(subject=subject, active=True).order_by("kind", "name")
            ),
            "timeline": _timeline(user, subject, cursor),
            "step_groups": subject_steps(subject, user, bound) if can_change or can_create else [],
            "open_step": bound[0] if bound is not None else DEFAULT_STEP.get(subject.status),
            "decision_form": forms.DecisionForm(),
        }
        response = render(request, "corrections/subject.html", context, status=status)
        add_never_cache_headers(response)
        return response


class SubjectStepView(ScopedObjectMixin, View):
    """POST one step on a subject (intake, report, leave, level, measure, …); GET goes back to the file."""

    module = M
    action = Action.CHANGE
    scoped_model = Subject
    select_related = ("org", "office", "level", "worker")
    step = ""

    def get(self, request, pk):
        return redirect("corrections:subject", pk=pk)

    def post(self, request, pk):
        step = SUBJECT_STEPS[self.step]
        subject = self.object
        if subject.status not in step.statuses:
            messages.error(
                request,
                _("Not possible while the subject is “%(status)s”.") % {"status": subject.get_status_display()},
            )
            return redirect("corrections:subject", pk=pk)
        form = step.form(request.POST, subject=subject, actor=request.user, prefix=self.step)
        if form.is_valid():
            try:
                step.run(request.user, subject, dict(form.cleaned_data))
            except DomainError as exc:
                if exc.code in ("stale", "illegal_transition") or exc.status == 403:
                    messages.error(request, str(exc))
                    return redirect("corrections:subject", pk=pk)
                apply_domain_error(form, exc)
            else:
                messages.success(request, str(step.done))
                return redirect("corrections:subject", pk=pk)
        detail = SubjectDetailView()
        detail.object, detail.request = subject, request
        return detail.get(request, pk, bound=(self.step, form), status=400)


class SubjectRevealView(ScopedObjectMixin, View):
    """Shows a subject's full ID number and phone to a role that may see them; writes an access event."""

    module = M
    action = Action.VIEW_SENSITIVE
    scoped_model = Subject
    select_related = ("org", "office", "level", "worker")
    http_method_names = ["post"]

    def post(self, request, pk):
        audit.record_access(actor=request.user, obj=self.object, what="id_number")
        if not request.htmx:
            detail = SubjectDetailView()
            detail.object, detail.request = self.object, request
            return detail.get(request, pk, revealed=True)
        response = render(
            request, "corrections/_revealed.html", {"id_number": self.object.id_number, "phone": self.object.phone}
        )
        add_never_cache_headers(response)
        return response


class CoOffenderSearchView(ScopedObjectMixin, View):
    """Subjects of the user's unit matching a name or a full ID number, to link as co-offenders."""

    module = M
    action = Action.CHANGE
    scoped_model = Subject

    def get(self, request, pk):
        from fengqiao.core.validators import normalize_id_number

        q = request.GET.get("q", "").strip()[:50]
        found = []
        if q:
            match = Q(name__contains=q)
            if len(q) >= 15:
                match |= Q(id_number=normalize_id_number(q))
            found = list(
                Subject.objects.visible_to(request.user, Action.CHANGE)
                .filter(match)
                .exclude(pk=self.object.pk)
                .select_related("office")
                .order_by("-id")[:20]
            )
        return render(request, "corrections/_cooffender_results.html", {"found": found, "q": q})


# --- steps on a subject's records (leaves, team, measures, devices, fences) --------------------------


@dataclass(frozen=True)
class ObjectStep:
    form: type
    run: object
    label: str
    done: str


def _decision(data) -> bool:
    return data.get("decision") == "approve"


class _ObjectStepView(ScopedObjectMixin, View):
    """One step on a record of a subject: the small form on the file (or the day's page) posts here;
    a refusal shows the form again on its own page, with what was typed and the reason."""

    step = ""
    steps: dict[str, ObjectStep] = {}

    def subject_of(self, obj):
        return getattr(obj, "subject", None)

    def form_kwargs(self, obj) -> dict:
        return {}

    def fallback(self, obj) -> str:
        subject = self.subject_of(obj)
        return reverse("corrections:subject", args=[subject.pk]) if subject else reverse("corrections:today")

    def describe(self, obj) -> str:
        return str(obj)

    def details(self, obj) -> list:
        """(label, value) rows shown above the form, so that the decision is taken on the record."""
        return []

    def page(self, request, form, status=200):
        obj = self.object
        spec = self.steps[self.step]
        return render(
            request,
            "corrections/step_form.html",
            {
                "form": form,
                "title": spec.label,
                "object": obj,
                "description": self.describe(obj),
                "details": self.details(obj),
                "subject": self.subject_of(obj),
                "step": self.step,
                "action_url": request.path,
                "back": self.fallback(obj),
                "next": request.POST.get("next") or request.GET.get("next", ""),
            },
            status=status,
        )

    def get(self, request, pk):
        spec = self.steps[self.step]
        obj = self.object
        form = spec.form(subject=self.subject_of(obj), actor=request.user, **self.form_kwargs(obj))
        return self.page(request, form)

    def post(self, request, pk):
        spec = self.steps[self.step]
        obj = self.object
        form = spec.form(request.POST, subject=self.subject_of(obj), actor=request.user, **self.form_kwargs(obj))
        if form.is_valid():
            try:
                spec.run(request.user, obj, dict(form.cleaned_data))
            except DomainError as exc:
                if exc.code in ("stale", "illegal_transition") or exc.status == 403:
                    messages.error(request, str(exc))
                    return _back(request, self.fallback(obj))
                apply_domain_error(form, exc)
            else:
                messages.success(request, str(spec.done))
                return _back(request, self.fallback(obj))
        return self.page(request, form, status=400)


class LeaveStepView(_ObjectStepView):
    module = M
    action = Action.CHANGE
    scoped_model = Leave
    select_related = ("subject",)
    steps = {
        "decide": ObjectStep(
            forms.DecisionForm,
            lambda a, o, d: services.leave_decide(actor=a, leave=o, approve=_decision(d), note=d["note"]),
            gettext_lazy("Decide on the leave"),
            gettext_lazy("Leave decided."),
        ),
        "return": ObjectStep(
            forms.LeaveReturnForm,
            lambda a, o, d: services.leave_return(actor=a, leave=o, **d),
            gettext_lazy("Record the return from leave"),
            gettext_lazy("Return recorded."),
        ),
        "cancel": ObjectStep(
            forms.NoteForm,
            lambda a, o, d: services.leave_cancel(actor=a, leave=o, **d),
            gettext_lazy("Cancel the leave"),
            gettext_lazy("Leave cancelled."),
        ),
    }

    def describe(self, obj):
        dates = f"{obj.start:%Y-%m-%d} – {obj.end:%Y-%m-%d}"
        return f"{obj.subject.name} · {obj.destination} · {dates} · {obj.get_status_display()}"

    def details(self, obj):
        return [(_("Reason"), obj.reason)]


class EmptyForm(forms.StepForm):
    pass


class TeamMemberRemoveView(_ObjectStepView):
    module = M
    action = Action.CHANGE
    scoped_model = TeamMember
    select_related = ("subject",)
    steps = {
        "remove": ObjectStep(
            EmptyForm,
            lambda a, o, d: services.team_member_remove(actor=a, member=o),
            gettext_lazy("Remove from the correction team"),
            gettext_lazy("Team member removed."),
        )
    }


class MeasureStepView(_ObjectStepView):
    module = M
    action = Action.CHANGE  # the routes set `view` for the decision (the service judges) and `create` for an extension
    scoped_model = PositioningMeasure
    select_related = ("subject", "office", "requested_by")
    steps = {
        "decide": ObjectStep(
            forms.DecisionForm,
            lambda a, o, d: services.measure_decide(actor=a, measure=o, approve=_decision(d), note=d["note"]),
            gettext_lazy("Decide on the positioning measure"),
            gettext_lazy("Positioning measure decided."),
        ),
        "extend": ObjectStep(
            forms.MeasureExtendForm,
            lambda a, o, d: services.measure_extend(actor=a, measure=o, **d),
            gettext_lazy("Ask to extend the measure"),
            gettext_lazy("Extension requested; it needs a new approval."),
        ),
        "end": ObjectStep(
            forms.MeasureEndForm,
            lambda a, o, d: services.measure_end(actor=a, measure=o, **d),
            gettext_lazy("End the measure early"),
            gettext_lazy("Positioning measure ended."),
        ),
        "bind": ObjectStep(
            forms.DeviceBindForm,
            lambda a, o, d: services.device_bind(actor=a, device=d["device"], measure=o),
            gettext_lazy("Bind a device"),
            gettext_lazy("Device bound: its fixes are now accepted."),
        ),
    }

    def form_kwargs(self, obj):
        return {"measure": obj} if self.step == "bind" else {}

    def describe(self, obj):
        return (
            f"{obj.subject.name} · {obj.get_ground_display()} · {obj.start:%Y-%m-%d} – {obj.end:%Y-%m-%d}"
            f" · {obj.get_status_display()}"
        )

    def details(self, obj):
        rows = [
            (_("Legal ground (article 29)"), obj.get_ground_display()),
            (_("Facts supporting the ground"), obj.facts),
            (_("Judicial office"), obj.office.display_name),
            (
                _("Requested by"),
                obj.requested_by.full_name or obj.requested_by.username if obj.requested_by_id else "—",
            ),
        ]
        if obj.reassessment:
            rows.append((_("Reassessment"), obj.reassessment))
        return rows


class DeviceUnbindView(_ObjectStepView):
    module = M
    action = Action.CHANGE
    scoped_model = Device
    select_related = ("measure__subject",)
    steps = {
        "unbind": ObjectStep(
            forms.ReasonForm,
            lambda a, o, d: services.device_unbind(actor=a, device=o, **d),
            gettext_lazy("Unbind the device"),
            gettext_lazy("Device unbound."),
        ),
        "retire": ObjectStep(
            forms.ReasonForm,
            lambda a, o, d: services.device_retire(actor=a, device=o, **d),
            gettext_lazy("Retire the device"),
            gettext_lazy("Device retired."),
        ),
    }

    def subject_of(self, obj):
        return obj.measure.subject if obj.measure_id else None

    def fallback(self, obj):
        subject = self.subject_of(obj)
        return reverse("corrections:subject", args=[subject.pk]) if subject else reverse("corrections:devices")


class FenceEditView(_ObjectStepView):
    """Redraw a fence (an office's default permitted area, a subject's area or banned place)."""

    module = M
    action = Action.CHANGE
    scoped_model = Fence
    select_related = ("subject", "org")
    step = "edit"
    steps = {
        "edit": ObjectStep(
            forms.FenceForm,
            lambda a, o, d: services.fence_save(
                actor=a,
                org=o.org,
                kind=o.kind,
                name=d["name"],
                polygon=d["points"],
                subject=o.subject,
                fence=o,
                datum=d["datum"],
            ),
            gettext_lazy("Redraw the fence"),
            gettext_lazy("Fence saved."),
        )
    }

    def form_kwargs(self, obj):
        return {"fence": obj}

    def fallback(self, obj):
        return (
            reverse("corrections:subject", args=[obj.subject_id]) if obj.subject_id else reverse("corrections:fences")
        )

    def describe(self, obj):
        return f"{obj.get_kind_display()} · {obj.name}"


class FenceLiftView(FenceEditView):
    """Lift a subject's own area or a banned place (the prohibition order ended)."""

    step = "lift"
    steps = {
        "lift": ObjectStep(
            forms.ReasonForm,
            lambda a, o, d: services.fence_deactivate(actor=a, fence=o, **d),
            gettext_lazy("Lift the fence"),
            gettext_lazy("Fence lifted."),
        )
    }

    def form_kwargs(self, obj):
        return {}


# --- alerts ----------------------------------------------------------------------------------------


def alert_params(request) -> dict:
    g = request.GET
    status = g.get("status", "open")
    return {
        "status": status if status in ("open", "all", *codes.AlertStatus.values) else "open",
        "kind": g.get("kind", "") if g.get("kind") in codes.AlertKind.values else "",
        "escalated": "1" if g.get("escalated") == "1" else "",
        "mine": "1" if g.get("mine") == "1" else "",
        "subject": _int(g.get("subject")) or "",
    }


class AlertListView(ModuleMixin, View):
    module = M

    def get(self, request):
        params = alert_params(request)
        selector_params = dict(params)
        if params["status"] == "all":
            selector_params["status"] = "any"  # not "open", not a status: no status filter
        page = selectors.alert_search(request.user, selector_params, cursor=request.GET.get("cursor"))
        return render(
            request,
            "corrections/alerts.html",
            {
                "page": page,
                "params": params,
                "statuses": [("open", _("Open (not closed)")), ("all", _("All")), *codes.AlertStatus.choices],
                "kinds": codes.AlertKind.choices,
                "is_worker": Role.CORRECTIONS_WORKER in request.user.role_codes,
                "can_change": request.user.has_action(M, Action.CHANGE),
            },
        )


ALERT_STEPS = {
    "acknowledge": (
        forms.AlertNoteForm,
        lambda a, o, d: services.alert_acknowledge(actor=a, alert=o, **d),
        gettext_lazy("Acknowledge"),
        gettext_lazy("Alert acknowledged."),
    ),
    "handle": (
        forms.AlertHandleForm,
        lambda a, o, d: services.alert_handle(actor=a, alert=o, **d),
        gettext_lazy("Record the handling"),
        gettext_lazy("Handling recorded."),
    ),
    "close": (
        forms.AlertNoteForm,
        lambda a, o, d: services.alert_close(actor=a, alert=o, **d),
        gettext_lazy("Close the alert"),
        gettext_lazy("Alert closed."),
    ),
}
ALERT_STEP_FROM = {step: allowed for step, (allowed, _target) in codes.ALERT_TRANSITIONS.items()}


# Alert details as the detectors write them: readable labels, and location only for those who may
# see location data (article 29).
ALERT_DETAIL_LABELS = {
    "fixes": gettext_lazy("Fixes in the episode"),
    "lat": gettext_lazy("Latitude (WGS-84)"),
    "lon": gettext_lazy("Longitude (WGS-84)"),
    "deadline": gettext_lazy("Report deadline"),
    "last_contact_on": gettext_lazy("Last contact"),
    "days": gettext_lazy("Days allowed without contact"),
    "end": gettext_lazy("Leave ended on"),
    "destination": gettext_lazy("Destination"),
    "device": gettext_lazy("Device"),
    "since": gettext_lazy("Silent since"),
}
ALERT_LOCATION_KEYS = {"lat", "lon", "wlat", "wlon"}
ALERT_HIDDEN_KEYS = {"leave", "pair", "other"}


def alert_details(alert, sensitive: bool) -> list:
    rows = []
    for key, value in sorted((alert.details or {}).items()):
        if key in ALERT_HIDDEN_KEYS or (key in ALERT_LOCATION_KEYS and not sensitive):
            continue
        rows.append((ALERT_DETAIL_LABELS.get(key, key), value))
    return rows


class AlertDetailView(ScopedObjectMixin, View):
    module = M
    scoped_model = Alert
    select_related = ("subject", "subject__worker", "office", "measure", "acknowledged_by", "handled_by", "closed_by")

    def get(self, request, pk, bound=None, status=200):
        alert = self.object
        user = request.user
        can_change = _may(user, alert, Action.CHANGE)
        steps = []
        if can_change:
            for step, (form_class, _run, label, _done) in ALERT_STEPS.items():
                if alert.status not in ALERT_STEP_FROM[step]:
                    continue
                form = bound[1] if bound is not None and bound[0] == step else form_class(prefix=step)
                steps.append((step, label, form))
        track_query = ""
        if alert.first_at:
            pad = datetime.timedelta(hours=1)
            since = timezone.localtime(alert.first_at - pad)
            until = timezone.localtime((alert.last_at or alert.first_at) + pad)
            track_query = f"?since={since:%Y-%m-%dT%H:%M}&until={until:%Y-%m-%dT%H:%M}"
        events = list(
            AlertEvent.objects.visible_to(user).filter(alert=alert).select_related("actor").order_by("at", "id")
        )
        return render(
            request,
            "corrections/alert.html",
            {
                "alert": alert,
                "events": events,
                "steps": steps,
                "can_track": alert.kind in codes.POSITION_ALERTS and _may(user, alert.subject, Action.VIEW_SENSITIVE),
                "details": alert_details(alert, _may(user, alert.subject, Action.VIEW_SENSITIVE)),
                "co_offender": Subject.objects.visible_to(user)
                .filter(pk=_int((alert.details or {}).get("other")) or 0)
                .first()
                if alert.kind == codes.AlertKind.CO_OFFENDERS
                else None,
                "track_query": track_query,
            },
            status=status,
        )


class AlertStepView(ScopedObjectMixin, View):
    module = M
    action = Action.CHANGE
    scoped_model = Alert
    select_related = ("subject",)
    step = ""

    def get(self, request, pk):
        return redirect("corrections:alert", pk=pk)

    def post(self, request, pk):
        form_class, run, _label, done = ALERT_STEPS[self.step]
        form = form_class(request.POST, prefix=self.step)
        if form.is_valid():
            try:
                run(request.user, self.object, dict(form.cleaned_data))
            except DomainError as exc:
                if exc.code in ("stale", "illegal_transition") or exc.status == 403:
                    messages.error(request, str(exc))
                    return _back(request, reverse("corrections:alert", args=[pk]))
                apply_domain_error(form, exc)
            else:
                messages.success(request, str(done))
                return _back(request, reverse("corrections:alert", args=[pk]))
        detail = AlertDetailView()
        detail.object, detail.request = self.object, request
        return detail.get(request, pk, bound=(self.step, form), status=400)


# --- the track ---------------------------------------------------------------------------------------

TRACK_MAX_DAYS = 31
# The bits of Fix.flags as ingest sets them.
FLAG_OUTSIDE, FLAG_BANNED, FLAG_LOW_BATTERY, FLAG_TAMPER = 1, 2, 4, 8
FLAG_PLACE = FLAG_OUTSIDE | FLAG_BANNED
FLAG_LABELS = [
    (FLAG_OUTSIDE, gettext_lazy("Outside the permitted area")),
    (FLAG_BANNED, gettext_lazy("In a banned place")),
    (FLAG_LOW_BATTERY, gettext_lazy("Low battery")),
    (FLAG_TAMPER, gettext_lazy("Device removed")),
]


def flag_label(flags: int) -> str:
    return "、".join(str(label) for bit, label in FLAG_LABELS if flags & bit) or str(_("Inside"))


def _parse_datetime(value):
    if not value:
        return None
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment if 2000 <= moment.year <= 2200 else None


class TrackView(ScopedObjectMixin, View):
    """A subject's location fixes in a time range on plain longitude/latitude axes (no map tiles: the
    intranets reach none), with the fences in force. Location data are confidential (article 29):
    only for those who may see sensitive corrections data, and every showing is recorded."""

    module = M
    action = Action.VIEW_SENSITIVE
    scoped_model = Subject
    select_related = ("org", "office", "level")

    def get(self, request, pk):
        subject = self.object
        now = timezone.now()
        until = _parse_datetime(request.GET.get("until")) or now
        since = _parse_datetime(request.GET.get("since")) or until - datetime.timedelta(hours=24)
        notice = ""
        if since >= until:
            since, until = until - datetime.timedelta(hours=24), until
            notice = _("The start must come before the end; showing the 24 hours before the end.")
        if until - since > datetime.timedelta(days=TRACK_MAX_DAYS):
            since = until - datetime.timedelta(days=TRACK_MAX_DAYS)
            notice = _("A track covers at most %(n)d days; showing the last %(n)d days of the range.") % {
                "n": TRACK_MAX_DAYS
            }
        points, fences = selectors.track(request.user, subject, since, until)
        with transaction.atomic():
            audit.record(
                actor=request.user,
                action="access.track",
                kind=AuditKind.ACCESS,
                obj=subject,
                changes={"field": "track", "since": since, "until": until, "points": len(points)},
            )
        local = timezone.localtime
        chart = {
            "fixes": [
                [round(lon, 6), round(lat, 6), local(at).strftime("%m-%d %H:%M:%S"), flags & FLAG_PLACE]
                for at, lat, lon, flags, _seq, _acc, _bat in points
            ],
            "fences": [{"name": f.name, "kind": f.kind, "polygon": f.polygon} for f in fences],
            "labels": {
                "inside": str(_("Fix inside")),
                "outside": str(_("Fix outside or in a banned place")),
                "path": str(_("Path")),
                "area": str(codes.FenceKind.AREA.label),
                "banned": str(codes.FenceKind.BANNED.label),
                "lon": str(_("Longitude (WGS-84)")),
                "lat": str(_("Latitude (WGS-84)")),
            },
        }
        last = [
            {
                "at": at,
                "lat": lat,
                "lon": lon,
                "flags": flags,
                "flag_label": flag_label(flags),
                "alarm": bool(flags & FLAG_PLACE),
                "seq": seq,
                "accuracy": acc,
                "battery": bat,
            }
            for at, lat, lon, flags, seq, acc, bat in reversed(points[-50:])
        ]
        outside = sum(1 for p in points if p[3] & FLAG_PLACE)
        response = render(
            request,
            "corrections/track.html",
            {
                "subject": subject,
                "since": local(since),
                "until": local(until),
                "count": len(points),
                "outside": outside,
                "thinned": len(points) >= selectors.TRACK_MAX_POINTS,
                "chart": chart,
                "last": last,
                "fences": fences,
                "notice": notice,
                "measures": [
                    m for m in selectors.measures_of(request.user, subject) if m.status != codes.MeasureStatus.REFUSED
                ][:5],
            },
        )
        add_never_cache_headers(response)
        return response


# --- staffing, metrics, policy ------------------------------------------------------------------------


class StaffingView(ModuleMixin, View):
    """Per office: subjects, corrections social workers and each one's load against the ratio (one per
    15 subjects by default), workers needed, the shortfall and who should take the next intake."""

    module = M

    def get(self, request):
        data = selectors.staffing(request.user)
        for row in data["rows"]:
            for item in row["loads"]:
                item["share"] = min(100, round(100 * item["load"] / data["ratio"])) if data["ratio"] else 0
        return render(request, "corrections/staffing.html", data)


class MetricsView(ModuleMixin, View):
    module = M

    def get(self, request):
        start, end = _period(request)
        data = selectors.metrics(request.user, start, end)
        total = data["total"]

        def series(mapping):
            return [{"name": str(k), "value": v} for k, v in mapping.items()]

        chart = {
            "category": series(total["by_category"]),
            "phase": series(total["by_phase"]),
            "level": series(total["by_level"]),
            "labels": {"subjects": str(_("Subjects"))},
        }
        return render(
            request,
            "corrections/metrics.html",
            {
                **data,
                "chart": chart,
                "signal_minutes": policy.current().signal_lost_minutes,
                "can_export": request.user.has_action(M, Action.EXPORT),
            },
        )


def metric_headers():
    return [
        _("Judicial office"),
        _("Under correction now"),
        _("Taken in (period)"),
        _("Ended (period)"),
        _("漏管 (period)"),
        _("漏管 now"),
        _("脱管 (period)"),
        _("脱管 now"),
        _("At large"),
        _("Subjects under a measure"),
        _("Covered"),
        _("Positioning coverage (%)"),
        _("Fixes expected"),
        _("Fixes received"),
        _("Positioning success (%)"),
        _("Social workers"),
        _("Workers needed"),
        _("Shortfall"),
    ]


def metric_row(label, r, staffing_row):
    return [
        label,
        r["open"],
        r["taken_in"],
        r["ended"],
        r["missed_intake"],
        r["missed_intake_now"],
        r["lost_contact"],
        r["lost_contact_now"],
        r["at_large"],
        r["measures"],
        r["covered"],
        r["coverage"],
        r["expected"],
        r["received"],
        r["success"],
        (staffing_row or {}).get("workers"),
        (staffing_row or {}).get("needed"),
        (staffing_row or {}).get("shortfall"),
    ]


class MetricsExportView(ModuleMixin, View):
    """The per-office table of the metrics page as .xlsx."""

    module = M
    action = Action.EXPORT

    def get(self, request):
        from fengqiao.core.exports import xlsx_response

        start, end = _period(request)
        data = selectors.metrics(request.user, start, end)
        rows = [metric_row(r["office"].display_name, r, r.get("staffing")) for r in data["offices"]]
        rows.append(metric_row(_("Total"), data["total"], data["total"].get("staffing")))
        audit.record_export(
            actor=request.user,
            what="corrections.metrics",
            count=len(rows),
            filters={"start": str(start), "end": str(end)},
        )
        return xlsx_response(
            f"corrections-{start:%Y%m%d}-{end:%Y%m%d}", str(_("Corrections figures")), metric_headers(), rows
        )


class PolicyView(ModuleMixin, View):
    """The bureau's corrections rules and the supervision levels: a city administrator edits them,
    everyone else reads them."""

    module = M

    def _can_edit(self, user):
        return Role.CITY_ADMIN in user.role_codes

    def get(self, request, policy_form=None, level_forms=None, status=200):
        current = policy.current()
        can_edit = self._can_edit(request.user)
        levels = list(SupervisionLevel.objects.order_by("rank"))
        level_forms = level_forms or {}
        rows = []
        for lv in levels:
            form = None
            if can_edit:
                form = level_forms.get(lv.pk) or forms.SupervisionLevelForm(
                    prefix=f"level{lv.pk}",
                    initial={
                        "name": lv.name,
                        "report_days": lv.report_days,
                        "visit_days": lv.visit_days,
                        "lost_contact_days": lv.lost_contact_days,
                    },
                )
            rows.append((lv, form))
        fields = [
            (
                type(current)._meta.get_field(f).verbose_name,
                getattr(current, f),
                type(current)._meta.get_field(f).help_text,
            )
            for f in services.POLICY_FIELDS
        ]
        return render(
            request,
            "corrections/policy.html",
            {
                "policy": current,
                "fields": fields,
                "levels": rows,
                "can_edit": can_edit,
                "form": policy_form or (forms.PolicyForm(current=current) if can_edit else None),
            },
            status=status,
        )

    def post(self, request):
        if not self._can_edit(request.user):
            raise PermissionDenied
        which = request.POST.get("which")
        if which == "level":
            level = SupervisionLevel.objects.filter(pk=_int(request.POST.get("level"))).first()
            if level is None:
                messages.error(request, _("That supervision level no longer exists."))
                return redirect("corrections:policy")
            form = forms.SupervisionLevelForm(request.POST, prefix=f"level{level.pk}")
            if form.is_valid():
                try:
                    services.level_update(actor=request.user, level=level, **form.cleaned_data)
                except DomainError as exc:
                    apply_domain_error(form, exc)
                else:
                    messages.success(request, _("Supervision level “%(name)s” saved.") % {"name": level.name})
                    return redirect("corrections:policy")
            return self.get(request, level_forms={level.pk: form}, status=400)
        current = policy.current()
        form = forms.PolicyForm(request.POST, current=current)
        if form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version", None)
            try:
                services.policy_update(actor=request.user, version=version, **data)
            except DomainError as exc:
                if exc.code == "stale":
                    messages.error(request, str(exc))
                    return redirect("corrections:policy")
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("Corrections policy saved."))
                return redirect("corrections:policy")
        return self.get(request, policy_form=form, status=400)


# --- devices and fences ------------------------------------------------------------------------------


class DeviceListView(ModuleMixin, View):
    """The positioning devices of the user's unit, and (for those who may) the form to register one."""

    module = M

    def get(self, request, form=None, status=200):
        user = request.user
        q = request.GET.get("q", "").strip()[:64]
        qs = Device.objects.visible_to(user).select_related("office", "measure", "measure__subject")
        if q:
            qs = qs.filter(Q(identifier__contains=q) | Q(imei__contains=q))
        page = keyset_paginate(qs, ordering=["-id"], cursor=request.GET.get("cursor"))
        today = timezone.localdate()
        for d in page.items:
            d.in_force = bool(d.measure_id and d.measure.in_force_on(today) and not d.measure.ended_on)
        can_create = user.has_action(M, Action.CREATE)
        return render(
            request,
            "corrections/devices.html",
            {
                "page": page,
                "q": q,
                "form": form or (forms.DeviceForm(actor=user) if can_create else None),
                "can_change": user.has_action(M, Action.CHANGE),
            },
            status=status,
        )

    def post(self, request):
        if not request.user.has_action(M, Action.CREATE):
            raise PermissionDenied
        form = forms.DeviceForm(request.POST, actor=request.user)
        if form.is_valid():
            try:
                device = services.device_register(actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(
                    request,
                    _("Device %(id)s registered; bind it to an approved measure on the subject's file.")
                    % {"id": device.identifier},
                )
                return redirect("corrections:devices")
        return self.get(request, form=form, status=400)


class FenceListView(ModuleMixin, View):
    """The fences of the user's unit: each office's default permitted area (the county boundary every
    subject without their own area is held to) and the subjects' areas and banned places."""

    module = M

    def get(self, request, form=None, status=200):
        user = request.user
        q = request.GET.get("q", "").strip()[:50]
        qs = Fence.objects.visible_to(user).filter(active=True).select_related("office", "subject")
        if q:
            qs = qs.filter(Q(name__contains=q) | Q(subject__name__contains=q))
        page = keyset_paginate(qs, ordering=["-id"], cursor=request.GET.get("cursor"))
        defaults = [f for f in page.items if f.subject_id is None]
        can_create = user.has_action(M, Action.CREATE)
        chart = {
            "fences": [
                {"name": f"{f.office.display_name} · {f.name}", "kind": f.kind, "polygon": f.polygon} for f in defaults
            ],
            "labels": {"lon": str(_("Longitude (WGS-84)")), "lat": str(_("Latitude (WGS-84)"))},
        }
        return render(
            request,
            "corrections/fences.html",
            {
                "page": page,
                "q": q,
                "chart": chart,
                "form": form
                or (forms.FenceForm(actor=user, office_default=True, prefix="fence") if can_create else None),
                "can_change": user.has_action(M, Action.CHANGE),
            },
            status=status,
        )

    def post(self, request):
        user = request.user
        if not user.has_action(M, Action.CREATE):
            raise PermissionDenied
        form = forms.FenceForm(request.POST, actor=user, office_default=True, prefix="fence")
        if form.is_valid():
            office = form.cleaned_data["org"]
            existing = (
                Fence.objects.visible_to(user, Action.CHANGE)
                .filter(office_id=office.pk, subject__isnull=True, kind=codes.FenceKind.AREA, active=True)
                .first()
            )
            try:
                services.fence_save(
                    actor=user,
                    org=office,
                    kind=codes.FenceKind.AREA,
                    name=form.cleaned_data["name"],
                    polygon=form.cleaned_data["points"],
                    fence=existing,
                    datum=form.cleaned_data["datum"],
                )
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                if existing is not None:
                    messages.success(request, _("The office's default permitted area was redrawn."))
                else:
                    messages.success(request, _("The office's default permitted area was saved."))
                return redirect("corrections:fences")
        return self.get(request, form=form, status=400)
