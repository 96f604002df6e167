"""Mediation pages: the case list, intake, the case page and one small form per step, warnings,
screening, incidents, periods, statistics and the dashboard."""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from fengqiao.core import audit
from fengqiao.core.errors import DomainError
from fengqiao.core.permissions import Action, Module
from fengqiao.core.views import ModuleMixin, ScopedObjectMixin, apply_domain_error, parse_date

from . import codes, codes_gbt, documents, forms, selectors, services
from .models import Committee, Dispute, MediationPeriod, Mediator, RiskFlag


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def list_filters(request) -> dict:
    """The case list's filters from the query string; anything unknown or outside the user's
    scope is ignored rather than failing."""
    from fengqiao.orgs.models import OrgKind, OrgNode

    g, user = request.GET, request.user
    village = mediator = None
    if _int(g.get("village")):
        village = OrgNode.objects.visible_to(user).filter(pk=_int(g.get("village"))).first()
    if _int(g.get("mediator")):
        mediator = Mediator.objects.visible_to(user).filter(pk=_int(g.get("mediator"))).first()
    level = _int(g.get("level"))
    risk = _int(g.get("risk"))
    return {
        "q": g.get("q", "").strip()[:100],
        "status": g.get("status", "") if g.get("status") in codes.Status.values else "",
        "stat_category": g.get("stat_category", "") if g.get("stat_category") in codes_gbt.STAT_CATEGORIES else "",
        "channel": g.get("channel", "") if g.get("channel") in codes.Channel.values else "",
        "level": level if level in codes.Level.values else None,
        "risk": risk if risk in codes.RiskLevel.values else None,
        "overdue": g.get("overdue") == "1",
        "at_risk": g.get("at_risk") == "1",
        "open_only": g.get("open") == "1",
        "date_from": parse_date(g.get("date_from")),
        "date_to": parse_date(g.get("date_to")),
        "village": village if village is None or village.kind in (OrgKind.VILLAGE, OrgKind.TOWN) else None,
        # The id is enough: the cases are already the user's, whichever committee handled them
        # (a city industry committee takes an office's cases without being the office's).
        "committee": _int(g.get("committee")),
        "mediator": mediator,
    }


class DisputeListView(ModuleMixin, View):
    module = Module.MEDIATION

    def get(self, request):
        filters = list_filters(request)
        page = selectors.dispute_search(request.user, cursor=request.GET.get("cursor"), **filters)
        zh = request.LANGUAGE_CODE.startswith("zh")
        return render(
            request,
            "mediation/list.html",
            {
                "page": page,
                "filters": filters,
                "statuses": codes.Status.choices,
                "channels": codes.Channel.choices,
                "levels": codes.Level.choices,
                "risk_levels": codes.RiskLevel.choices,
                "categories": [(k, v[0] if zh else v[1]) for k, v in codes_gbt.STAT_CATEGORIES.items()],
                **selectors.list_filter_choices(request.user, place=filters["village"]),
                "count_labels": [
                    _("Open cases"),
                    _("Due within %(days)s days") % {"days": codes.AT_RISK_DAYS},
                    _("Overdue"),
                ],
                "can_create": request.user.has_action(Module.MEDIATION, Action.CREATE),
                "can_export": request.user.has_action(Module.MEDIATION, Action.EXPORT),
                "query": request.GET.urlencode(),
            },
        )


class DisputeCountsView(ModuleMixin, View):
    """Open, at-risk and overdue cases of the user's area: the case list loads them after the list."""

    module = Module.MEDIATION

    def get(self, request):
        return render(
            request,
            "mediation/_counts.html",
            {"deadlines": selectors.deadline_counts(request.user), "at_risk_days": codes.AT_RISK_DAYS},
        )


class DisputeExportView(ModuleMixin, View):
    """The filtered case list as .xlsx, streamed row by row; parties' details masked."""

    module = Module.MEDIATION
    action = Action.EXPORT
    MAX_ROWS = 200_000

    def get(self, request):
        from fengqiao.core import audit
        from fengqiao.core.exports import xlsx_stream_response

        filters = list_filters(request)
        qs = selectors.dispute_filter(request.user, action=Action.EXPORT, **filters)
        count = qs.count()
        if count > self.MAX_ROWS:
            messages.error(
                request,
                _("%(count)s cases match; narrow the filter to at most %(max)s to export.")
                % {"count": count, "max": self.MAX_ROWS},
            )
            return redirect(f"{reverse('mediation:list')}?{request.GET.urlencode()}")
        zh = request.LANGUAGE_CODE.startswith("zh")
        headers = [
            _("Case number"),
            _("Received on"),
            _("Where it arose"),
            _("Dispute type"),
            _("Category"),
            _("Summary"),
            _("Channel"),
            _("Level"),
            _("Handling committee"),
            _("Status"),
            _("Outcome"),
            _("Deadline"),
            _("Concluded on"),
            _("Days to conclude"),
            _("Amount involved (yuan)"),
            _("People involved"),
            _("Warning level"),
        ]
        statuses, channels, outcomes = (
            dict(codes.Status.choices),
            dict(codes.Channel.choices),
            dict(codes.Outcome.choices),
        )
        levels, risks = dict(codes.Level.choices), dict(codes.RiskLevel.choices)
        language = request.LANGUAGE_CODE
        categories = {k: v[0] if zh else v[1] for k, v in codes_gbt.STAT_CATEGORIES.items()}

        def rows():
            for d in (
                qs.order_by("-received_on", "-id")
                .values_list(
                    "number",
                    "received_on",
                    "org__name",
                    "event_type",
                    "stat_category",
                    "summary",
                    "channel",
                    "level",
                    "committee__name",
                    "status",
                    "outcome",
                    "deadline",
                    "concluded_on",
                    "days_to_conclude",
                    "amount",
                    "people_count",
                    "risk_level",
                )
                .iterator(chunk_size=2000)
            ):
                (number, received, place, etype, cat, summary, channel, level, committee, status, outcome,
                 deadline, concluded, days, amount, people, risk) = d  # fmt: skip
                yield [
                    number,
                    received,
                    place,
                    codes_gbt.event_type_label(etype, language) if codes_gbt.is_valid_event_type(etype) else etype,
                    categories.get(cat, cat),
                    summary,
                    str(channels.get(channel, channel)),
                    str(levels.get(level, level)),
                    committee,
                    str(statuses.get(status, status)),
                    str(outcomes.get(outcome, "")) if outcome else "",
                    deadline,
                    concluded,
                    days,
                    amount,
                    people,
                    str(risks[risk]) if risk else "",
                ]

        audit.record_export(
            actor=request.user,
            what="mediation.disputes",
            count=count,
            filters={k: str(v) for k, v in filters.items() if v not in (None, "", False)},
        )
        return xlsx_stream_response("disputes", str(_("Disputes")), headers, rows())


class DisputeCreateView(ModuleMixin, View):
    module = Module.MEDIATION
    action = Action.CREATE

    def get(self, request):
        form = forms.DisputeForm(actor=request.user, initial={"org": request.user.org_id})
        return render(request, "mediation/intake.html", {"form": form, "parties": forms.party_formset()})

    def post(self, request):
        form = forms.DisputeForm(request.POST, actor=request.user)
        parties = forms.party_formset(request.POST)
        if form.is_valid() and parties.is_valid():
            data = form.cleaned_data
            try:
                dispute = services.dispute_register(
                    actor=request.user,
                    org=data["org"],
                    channel=data["channel"],
                    referral_source=data["referral_source"],
                    referral_body=data["referral_body"],
                    event_type=data["event_type"],
                    summary=data["summary"],
                    description=data["description"],
                    amount=data["amount"],
                    people_count=data["people_count"],
                    scale=data["scale"],
                    committee=data["committee"],
                    place=data["place"],
                    screening=data["screening"],
                    received_on=data["received_on"],
                    parties=[p for p in parties.cleaned_data if p.get("name")],
                )
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("Case %(number)s registered.") % {"number": dispute.number})
                return redirect("mediation:detail", pk=dispute.pk)
        return render(request, "mediation/intake.html", {"form": form, "parties": parties}, status=400)


STEP_FORMS = {
    codes.Transition.EDIT: forms.EditForm,
    codes.Transition.REFER: forms.ReferForm,
    codes.Transition.REFERRAL_RESULT: forms.ReferralResultForm,
    codes.Transition.CONFIRM: forms.ConfirmForm,
    codes.Transition.CONFIRM_RESULT: forms.ConfirmResultForm,
    codes.Transition.ACCEPT: forms.AcceptForm,
    codes.Transition.REJECT: forms.ReasonForm,
    codes.Transition.SESSION: forms.SessionForm,
    codes.Transition.SUCCEED: forms.SucceedForm,
    codes.Transition.FAIL: forms.ReasonForm,
    codes.Transition.TERMINATE: forms.ReasonForm,
    codes.Transition.FOLLOW_UP: forms.FollowUpForm,
    codes.Transition.ARCHIVE: forms.StepForm,
    codes.Transition.REOPEN: forms.ReasonForm,
    codes.Transition.ESCALATE: forms.EscalateForm,
}
STEP_SERVICES = {
    codes.Transition.EDIT: services.dispute_update,
    codes.Transition.REFER: services.dispute_refer,
    codes.Transition.REFERRAL_RESULT: services.referral_record_result,
    codes.Transition.CONFIRM: services.confirmation_apply,
    codes.Transition.CONFIRM_RESULT: services.confirmation_record_result,
    codes.Transition.ACCEPT: services.dispute_accept,
    codes.Transition.REJECT: services.dispute_reject,
    codes.Transition.SESSION: services.session_add,
    codes.Transition.SUCCEED: services.dispute_succeed,
    codes.Transition.FAIL: services.dispute_fail,
    codes.Transition.TERMINATE: services.dispute_terminate,
    codes.Transition.FOLLOW_UP: services.dispute_follow_up,
    codes.Transition.ARCHIVE: services.dispute_archive,
    codes.Transition.REOPEN: services.dispute_reopen,
    codes.Transition.ESCALATE: services.dispute_escalate,
}


def step_forms(dispute, actor, bound=None, conditions=None):
    """The forms of the steps this case allows now, for the case page (the main steps first,
    changing details last)."""
    result = []
    steps = dispute.allowed_transitions()
    steps.sort(key=lambda t: t == codes.Transition.EDIT)
    for step in steps:
        if step not in STEP_FORMS:
            continue
        condition = codes.CONDITIONAL_STEPS.get(step)
        if condition and conditions is not None and not conditions.get(condition):
            continue
        if bound is not None and bound[0] == step:
            result.append((step, bound[1]))
        else:
            result.append((step, STEP_FORMS[step](dispute=dispute, actor=actor, prefix=step)))
    return result


class DisputeDetailView(ScopedObjectMixin, View):
    module = Module.MEDIATION
    scoped_model = Dispute
    select_related = ("org", "office", "committee", "registered_by")

    def get(self, request, pk, bound=None, status=200):
        dispute = self.object
        can_change = Dispute.objects.visible_to(request.user, Action.CHANGE).filter(pk=dispute.pk).exists()
        detail = selectors.dispute_detail(dispute)
        return render(
            request,
            "mediation/detail.html",
            {
                "dispute": dispute,
                **detail,
                "can_change": can_change,
                "documents": documents.available(dispute, sessions=detail["sessions"], agreement=detail["agreement"])
                if can_change
                else [],
                "event_type_label": codes_gbt.event_type_label(dispute.event_type, request.LANGUAGE_CODE)
                if codes_gbt.is_valid_event_type(dispute.event_type)
                else dispute.event_type,
                "steps": step_forms(dispute, request.user, bound, detail["conditions"]) if can_change else [],
                "can_view_sensitive": request.user.has_action(Module.MEDIATION, Action.VIEW_SENSITIVE),
            },
            status=status,
        )


class DisputeStepView(ScopedObjectMixin, View):
    """POST one step of the case (accept, session, succeed, …); GET goes back to the case."""

    module = Module.MEDIATION
    action = Action.CHANGE
    scoped_model = Dispute
    step = ""

    def get(self, request, pk):
        return redirect("mediation:detail", pk=pk)

    def post(self, request, pk):
        step = self.step
        if step not in STEP_FORMS:
            raise PermissionDenied
        if step not in self.object.allowed_transitions():
            # Checked before the form, so that the user hears why even if the form was empty:
            # someone else moved the case on (their page was older), or the step never applied.
            if request.POST.get(f"{step}-version") not in (None, "", str(self.object.version)):
                messages.error(request, str(services.STALE_MESSAGE))
            else:
                messages.error(
                    request,
                    _("A case that is “%(status)s” cannot be “%(step)s”.")
                    % {"status": self.object.get_status_display(), "step": codes.STEP_ACTIONS[step]},
                )
            return redirect("mediation:detail", pk=pk)
        form = STEP_FORMS[step](request.POST, dispute=self.object, actor=request.user, prefix=step)
        if form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version")
            try:
                STEP_SERVICES[step](actor=request.user, dispute=self.object, expected_version=version, **data)
            except DomainError as exc:
                if exc.code in ("stale", "illegal_transition"):
                    # The case moved on under this user: show it as it is now, with the reason.
                    messages.error(request, str(exc))
                    return redirect("mediation:detail", pk=pk)
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("Done: %(step)s.") % {"step": codes.Transition(step).label})
                return redirect("mediation:detail", pk=pk)
        detail = DisputeDetailView()
        detail.object = self.object
        detail.request = request
        return detail.get(request, pk, bound=(step, form), status=400)


def _period(request):
    today = timezone.localdate()
    date_from = parse_date(request.GET.get("date_from")) or today.replace(month=1, day=1)
    date_to = parse_date(request.GET.get("date_to")) or today
    if date_to < date_from:
        date_from, date_to = date_to, date_from
    return date_from, date_to


def _category_rows(metrics, zh):
    return [
        (code, label[0] if zh else label[1], metrics["rows"].get(code, {}))
        for code, label in codes_gbt.STAT_CATEGORIES.items()
    ]


GROUP_LABELS = {
    "office": gettext_lazy("Office"),
    "village": gettext_lazy("Village or town"),
    "committee": gettext_lazy("Committee"),
    "mediator": gettext_lazy("Mediator"),
    "level": gettext_lazy("Level"),
}


class StatsView(ModuleMixin, View):
    """The period's figures per office, village, committee, mediator or level, and per
    statistical category; where cases were handled; incidents."""

    module = Module.MEDIATION

    def get(self, request):
        date_from, date_to = _period(request)
        by = request.GET.get("by", "office")
        if by not in GROUP_LABELS:
            by = "office"
        user = request.user
        grouped = selectors.dispute_metrics(user, date_from=date_from, date_to=date_to, group_by=by)
        by_category = selectors.dispute_metrics(user, date_from=date_from, date_to=date_to, group_by="category")
        names = selectors.group_labels(user, by, grouped["rows"].keys())
        unassigned = _("(none)")
        rows = sorted(
            ((names.get(k, unassigned) if k is not None else unassigned, r) for k, r in grouped["rows"].items()),
            key=lambda x: (x[0] == unassigned, str(x[0])),
        )
        zh = request.LANGUAGE_CODE.startswith("zh")
        return render(
            request,
            "mediation/stats.html",
            {
                "date_from": date_from,
                "date_to": date_to,
                "by": by,
                "groups": list(GROUP_LABELS.items()),
                "group_label": GROUP_LABELS[by],
                "group_rows": rows,
                "totals": grouped["totals"] if by not in ("mediator",) else by_category["totals"],
                "category_rows": _category_rows(by_category, zh),
                "category_totals": by_category["totals"],
                "levels": selectors.level_shares(user, date_from=date_from, date_to=date_to),
                "incidents": selectors.incident_counts(user, date_from=date_from, date_to=date_to),
            },
        )


class StatsExportView(ModuleMixin, View):
    """The monthly statistics table by the 15 categories, as the bureaus publish it (.xlsx)."""

    module = Module.MEDIATION
    action = Action.EXPORT

    def get(self, request):
        from fengqiao.core import audit
        from fengqiao.core.exports import xlsx_response

        date_from, date_to = _period(request)
        metrics = selectors.dispute_metrics(request.user, date_from=date_from, date_to=date_to, group_by="category")
        zh = request.LANGUAGE_CODE.startswith("zh")
        headers = [
            _("Category"),
            _("Received"),
            _("Succeeded"),
            _("Failed"),
            _("Success rate (%)"),
            _("Agreement amount (yuan)"),
            _("Kept from turning criminal (cases)"),
            _("(persons)"),
            _("Mass petitions prevented (cases)"),
            _("(persons)"),
        ]

        def row(label, r):
            return [
                label,
                r.get("received", 0),
                r.get("succeeded", 0),
                r.get("failed", 0),
                r.get("success_rate"),
                r.get("amount", 0),
                r.get("prevented_criminal", 0),
                r.get("prevented_criminal_persons", 0),
                r.get("prevented_mass_petition", 0),
                r.get("prevented_mass_petition_persons", 0),
            ]

        rows = [row(label, r) for _code, label, r in _category_rows(metrics, zh)]
        rows.append(row(_("Total"), metrics["totals"]))
        audit.record_export(
            actor=request.user,
            what="mediation.stats",
            count=len(rows),
            filters={"date_from": str(date_from), "date_to": str(date_to)},
        )
        return xlsx_response(f"mediation-{date_from:%Y%m%d}-{date_to:%Y%m%d}", str(_("Statistics")), headers, rows)


class CommitteeListView(ModuleMixin, View):
    """Committees with their full-time mediators against the norm (3 / 2 / 1)."""

    module = Module.MEDIATION

    def get(self, request):
        short_only = request.GET.get("short") == "1"
        every = selectors.committee_staffing(request.user)
        with_norm = [c for c in every if c.norm]
        return render(
            request,
            "mediation/committees.html",
            {
                "committees": [c for c in every if c.shortfall] if short_only else every,
                "offices": selectors.staffing_by_office(every),
                "deactivated": selectors.deactivated_committees(request.user),
                "short_only": short_only,
                "short_count": sum(1 for c in with_norm if c.shortfall),
                "norm_count": len(with_norm),
                "norms": [(codes.CommitteeType(t).label, n) for t, n in codes.FULL_TIME_NORM.items()],
                "can_create": request.user.has_action(Module.MEDIATION, Action.CREATE),
                "can_change": request.user.has_action(Module.MEDIATION, Action.CHANGE),
            },
        )


# --- early warnings --------------------------------------------------------------------------------


class WarningListView(ModuleMixin, View):
    """Early warnings of the user's area, the unhandled ones first."""

    module = Module.MEDIATION

    def get(self, request):
        g = request.GET
        status = g.get("status", "unhandled")
        level = _int(g.get("level"))
        kind = g.get("kind", "") if g.get("kind") in codes.RiskKind.values else ""
        page = selectors.flag_search(
            request.user,
            status=status,
            level=level if level in codes.RiskLevel.values else None,
            kind=kind,
            cursor=g.get("cursor"),
        )
        return render(
            request,
            "mediation/warnings.html",
            {
                "page": page,
                "counts": selectors.flag_counts(request.user),
                "status": status,
                "level": level,
                "kind": kind,
                "statuses": [("unhandled", _("Not yet handled")), *codes.FlagStatus.choices],
                "levels": codes.RiskLevel.choices,
                "kinds": codes.RiskKind.choices,
                "colours": codes.RISK_LEVEL_COLOURS,
                "handle_form": forms.HandleFlagForm(),
                "can_change": request.user.has_action(Module.MEDIATION, Action.CHANGE),
            },
        )


def _back(request, fallback):
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect(fallback)


class FlagActionView(ScopedObjectMixin, View):
    """Acknowledge or handle one warning (POST), then go back where the user came from."""

    module = Module.MEDIATION
    action = Action.CHANGE
    scoped_model = RiskFlag
    select_related = ("dispute",)
    verb = ""

    def post(self, request, pk):
        flag = self.object
        try:
            if self.verb == "acknowledge":
                services.flag_acknowledge(actor=request.user, flag=flag)
                messages.success(request, _("Warning acknowledged."))
            else:
                form = forms.HandleFlagForm(request.POST)
                if not form.is_valid():
                    raise DomainError(_("Describe the measures taken."), field="measures")
                services.flag_handle(actor=request.user, flag=flag, measures=form.cleaned_data["measures"])
                messages.success(request, _("Warning handled."))
        except DomainError as exc:
            messages.error(request, str(exc))
        return _back(request, reverse("mediation:detail", args=[flag.dispute_id]))

    def get(self, request, pk):
        return redirect("mediation:detail", pk=self.object.dispute_id)


# --- screening rounds ------------------------------------------------------------------------------


class ScreeningListView(ModuleMixin, View):
    module = Module.MEDIATION

    def get(self, request):
        page = selectors.screening_search(request.user, cursor=request.GET.get("cursor"))
        return render(
            request,
            "mediation/screening.html",
            {"page": page, "can_create": request.user.has_action(Module.MEDIATION, Action.CREATE)},
        )


class _RecordFormMixin:
    """Create or edit one record through a service, on the shared record form page."""

    title = ""
    back_url = ""
    back_label = ""

    def render_form(self, request, form, status=200):
        return render(
            request,
            "mediation/record_form.html",
            {"form": form, "title": self.title, "back": reverse(self.back_url), "back_label": self.back_label},
            status=status,
        )


class RecordCreateView(_RecordFormMixin, ModuleMixin, View):
    """GET shows an empty form; POST hands its data to `service` and goes on, or shows the form
    again with the service's refusal beside the field it concerns."""

    module = Module.MEDIATION
    action = Action.CREATE
    form_class = None
    service = None
    success_message = ""

    def service_kwargs(self, data: dict) -> dict:
        data.pop("version", None)
        return data

    def success_url(self, obj) -> str:
        return reverse(self.back_url)

    def get(self, request):
        return self.render_form(request, self.form_class(actor=request.user))

    def post(self, request):
        form = self.form_class(request.POST, actor=request.user)
        if form.is_valid():
            try:
                # `service` is a plain function kept on the class: called through the class, unbound.
                obj = type(self).service(actor=request.user, **self.service_kwargs(dict(form.cleaned_data)))
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, self.success_message)
                return redirect(self.success_url(obj))
        return self.render_form(request, form, status=400)


class ScreeningCreateView(RecordCreateView):
    form_class = forms.ScreeningForm
    service = services.screening_record
    title = gettext_lazy("Record a screening round")
    back_url = "mediation:screening"
    back_label = gettext_lazy("Screening")
    success_message = gettext_lazy("Screening round recorded.")


# --- major incidents -------------------------------------------------------------------------------


class IncidentListView(ModuleMixin, View):
    module = Module.MEDIATION

    def get(self, request):
        today = timezone.localdate()
        page = selectors.incident_search(request.user, cursor=request.GET.get("cursor"))
        return render(
            request,
            "mediation/incidents.html",
            {
                "page": page,
                "year_counts": selectors.incident_counts(
                    request.user, date_from=today.replace(month=1, day=1), date_to=today
                ),
                "can_create": request.user.has_action(Module.MEDIATION, Action.CREATE),
            },
        )


class IncidentCreateView(RecordCreateView):
    form_class = forms.IncidentForm
    service = services.incident_record
    title = gettext_lazy("Record a major mass incident")
    back_url = "mediation:incidents"
    back_label = gettext_lazy("Major incidents")
    success_message = gettext_lazy("Incident recorded.")

    def service_kwargs(self, data):
        data["dispute"] = data.pop("dispute_number")
        return data


# --- mediation periods -----------------------------------------------------------------------------


class PeriodListView(ModuleMixin, View):
    """The mediation period per dispute type: the rules in force here, and (for the bureau and
    directors) a form to set one."""

    module = Module.MEDIATION

    def get(self, request, form=None, status=200):
        can_set = request.user.has_action(Module.MEDIATION, Action.APPROVE)
        language = request.LANGUAGE_CODE
        periods = list(selectors.periods_visible(request.user))
        own = set(MediationPeriod.objects.visible_to(request.user, Action.APPROVE).values_list("pk", flat=True))
        for p in periods:
            # A two-level type's label already starts with its code; a class's does not.
            p.label = (
                codes_gbt.event_type_label(p.code, language)
                if len(p.code) == 4
                else f"{p.code} "
                + codes_gbt.EVENT_CLASSES.get(p.code, (p.code, p.code))[0 if language.startswith("zh") else 1]
            )
            p.can_delete = can_set and p.pk in own
        return render(
            request,
            "mediation/periods.html",
            {
                "periods": periods,
                "default_days": codes.DEFAULT_PERIOD_DAYS,
                "form": form or (forms.PeriodForm(actor=request.user) if can_set else None),
            },
            status=status,
        )

    def post(self, request):
        if not request.user.has_action(Module.MEDIATION, Action.APPROVE):
            raise PermissionDenied
        form = forms.PeriodForm(request.POST, actor=request.user)
        if form.is_valid():
            try:
                services.period_set(actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("Mediation period saved."))
                return redirect("mediation:periods")
        return self.get(request, form=form, status=400)


class PeriodDeleteView(ScopedObjectMixin, View):
    module = Module.MEDIATION
    action = Action.APPROVE
    scoped_model = MediationPeriod

    def post(self, request, pk):
        try:
            services.period_delete(actor=request.user, period=self.object)
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Mediation period removed."))
        return redirect("mediation:periods")

    def get(self, request, pk):
        return redirect("mediation:periods")


# --- the dashboard ---------------------------------------------------------------------------------


class DashboardView(ModuleMixin, View):
    """The figures of the last twelve months (or chosen whole months) as charts: the monthly trend,
    the mix of types, the success rate by office, where cases were handled, and the warnings."""

    module = Module.MEDIATION

    def get(self, request):
        today = timezone.localdate()
        default_from = (today.replace(day=1) - datetime.timedelta(days=335)).replace(day=1)
        date_from = parse_date(request.GET.get("date_from")) or default_from
        date_to = parse_date(request.GET.get("date_to")) or today
        if date_to < date_from:
            date_from, date_to = date_to, date_from
        date_from = date_from.replace(day=1)
        if (date_to.year - date_from.year) * 12 + date_to.month - date_from.month >= 60:
            date_from = date_to.replace(day=1, year=date_to.year - 5)  # at most five years of months
        user = request.user
        figures = selectors.dashboard_figures(user, date_from=date_from, date_to=date_to)
        flags = selectors.flag_counts(user)
        chart = {
            "trend": figures["trend"],
            "categories": figures["categories"],
            "offices": figures["offices"],
            "levels": [{"name": x["name"], "value": x["value"]} for x in figures["levels"]],
            "warnings": [
                {"name": str(codes.RiskLevel(level).label), "value": n} for level, n in flags["by_level"].items()
            ],
            "labels": {
                "received": str(_("Received")),
                "succeeded": str(_("Succeeded")),
                "success_rate": str(_("Success rate (%)")),
            },
        }
        return render(
            request,
            "mediation/dashboard.html",
            {
                "date_from": date_from,
                "date_to": date_to,
                "totals": figures["totals"],
                "flags": flags,
                "incidents": selectors.incident_counts(user, date_from=date_from, date_to=date_to),
                "deadlines": selectors.deadline_counts(user),
                "chart": chart,
                "offices": figures["offices"],
            },
        )


# --- committees and mediators ----------------------------------------------------------------------


class CommitteeCreateView(RecordCreateView):
    form_class = forms.CommitteeForm
    service = services.committee_create
    title = gettext_lazy("Set up a committee")
    back_url = "mediation:committees"
    back_label = gettext_lazy("Committees and staffing")
    success_message = gettext_lazy("Committee set up.")


class CommitteeEditView(_RecordFormMixin, ScopedObjectMixin, View):
    module = Module.MEDIATION
    action = Action.CHANGE
    scoped_model = Committee
    select_related = ("org",)
    back_url = "mediation:committees"
    back_label = gettext_lazy("Committees and staffing")

    @property
    def title(self):
        return self.object.name

    def get(self, request, pk):
        c = self.object
        initial = {
            "name": c.name,
            "committee_type": c.committee_type,
            "field": c.field,
            "is_active": c.is_active,
            "version": audit.version_of(c),
        }
        return self.render_form(request, forms.CommitteeForm(actor=request.user, instance=c, initial=initial))

    def post(self, request, pk):
        form = forms.CommitteeForm(request.POST, actor=request.user, instance=self.object)
        if form.is_valid():
            try:
                services.committee_update(actor=request.user, committee=self.object, **form.cleaned_data)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("Committee saved."))
                return redirect("mediation:committees")
        return self.render_form(request, form, status=400)


class MediatorListView(ModuleMixin, View):
    module = Module.MEDIATION

    def get(self, request):
        g = request.GET
        full_time = {"1": True, "0": False}.get(g.get("full_time", ""))
        active = {"1": True, "0": False, "all": None}.get(g.get("active", "1"), True)
        page = selectors.mediator_search(
            request.user, q=g.get("q", "").strip()[:50], full_time=full_time, active=active, cursor=g.get("cursor")
        )
        return render(
            request,
            "mediation/mediators.html",
            {
                "page": page,
                "q": g.get("q", ""),
                "full_time": g.get("full_time", ""),
                "active": g.get("active", "1"),
                "can_create": request.user.has_action(Module.MEDIATION, Action.CREATE),
            },
        )


class MediatorCreateView(RecordCreateView):
    form_class = forms.MediatorForm
    service = services.mediator_create
    title = gettext_lazy("Add a mediator")
    back_url = "mediation:mediators"
    back_label = gettext_lazy("Mediators")
    success_message = gettext_lazy("Mediator added.")

    def success_url(self, obj):
        return reverse("mediation:mediator", args=[obj.pk])


class MediatorDetailView(ScopedObjectMixin, View):
    module = Module.MEDIATION
    scoped_model = Mediator
    select_related = ("org", "user")

    def get(self, request, pk, training_form=None, status=200):
        m = self.object
        can_change = Mediator.objects.visible_to(request.user, Action.CHANGE).filter(pk=m.pk).exists()
        return render(
            request,
            "mediation/mediator.html",
            {
                "mediator": m,
                **selectors.mediator_detail(m),
                "can_change": can_change,
                "training_form": training_form or forms.TrainingForm(initial={"held_on": timezone.localdate()}),
            },
            status=status,
        )


class MediatorEditView(_RecordFormMixin, ScopedObjectMixin, View):
    module = Module.MEDIATION
    action = Action.CHANGE
    scoped_model = Mediator
    select_related = ("org",)
    back_url = "mediation:mediators"
    back_label = gettext_lazy("Mediators")

    @property
    def title(self):
        return self.object.full_name

    def get(self, request, pk):
        m = self.object
        initial = {
            "full_name": m.full_name,
            "phone": m.phone,
            "full_time": m.full_time,
            "committees": list(m.committees.values_list("pk", flat=True)),
            "specialty": m.specialty,
            "certificate_no": m.certificate_no,
            "is_active": m.is_active,
            "version": audit.version_of(m),
        }
        return self.render_form(request, forms.MediatorForm(actor=request.user, instance=m, initial=initial))

    def post(self, request, pk):
        form = forms.MediatorForm(request.POST, actor=request.user, instance=self.object)
        if form.is_valid():
            try:
                services.mediator_update(actor=request.user, mediator=self.object, **form.cleaned_data)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("Mediator saved."))
                return redirect("mediation:mediator", pk=pk)
        return self.render_form(request, form, status=400)


class TrainingAddView(ScopedObjectMixin, View):
    module = Module.MEDIATION
    action = Action.CHANGE
    scoped_model = Mediator

    def post(self, request, pk):
        form = forms.TrainingForm(request.POST)
        if form.is_valid():
            try:
                services.training_add(actor=request.user, mediator=self.object, **form.cleaned_data)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("Training recorded."))
                return redirect("mediation:mediator", pk=pk)
        detail = MediatorDetailView()
        detail.object, detail.request = self.object, request
        return detail.get(request, pk, training_form=form, status=400)

    def get(self, request, pk):
        return redirect("mediation:mediator", pk=pk)


class DesignationListView(ModuleMixin, View):
    """Gold-medal mediation studios and mediators of the area, by year and level."""

    module = Module.MEDIATION

    def get(self, request):
        year = _int(request.GET.get("year"))
        return render(
            request,
            "mediation/designations.html",
            {
                "designations": selectors.designation_list(request.user, year=year),
                "year": year,
                "can_create": request.user.has_action(Module.MEDIATION, Action.CHANGE),
            },
        )


class DesignationCreateView(RecordCreateView):
    action = Action.CHANGE
    form_class = forms.DesignationForm
    service = services.designation_add
    title = gettext_lazy("Record a designation")
    back_url = "mediation:designations"
    back_label = gettext_lazy("Gold-medal designations")
    success_message = gettext_lazy("Designation recorded.")
