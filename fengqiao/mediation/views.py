"""Mediation pages: the case list, intake, the case page and one small form per step."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from fengqiao.core.errors import DomainError
from fengqiao.core.permissions import Action, Module
from fengqiao.core.views import ModuleMixin, ScopedObjectMixin, apply_domain_error, parse_date

from . import codes, codes_gbt, forms, selectors, services
from .models import Dispute


class DisputeListView(ModuleMixin, View):
    module = Module.MEDIATION

    def get(self, request):
        g = request.GET
        filters = {
            "q": g.get("q", "").strip(),
            "status": g.get("status", "") if g.get("status") in codes.Status.values else "",
            "stat_category": g.get("stat_category", "") if g.get("stat_category") in codes_gbt.STAT_CATEGORIES else "",
            "channel": g.get("channel", "") if g.get("channel") in codes.Channel.values else "",
            "overdue": g.get("overdue") == "1",
            "at_risk": g.get("at_risk") == "1",
            "open_only": g.get("open") == "1",
            "date_from": parse_date(g.get("date_from")),
            "date_to": parse_date(g.get("date_to")),
        }
        page = selectors.dispute_search(request.user, cursor=g.get("cursor"), **filters)
        zh = request.LANGUAGE_CODE.startswith("zh")
        return render(
            request,
            "mediation/list.html",
            {
                "page": page,
                "filters": filters,
                "statuses": codes.Status.choices,
                "channels": codes.Channel.choices,
                "categories": [(k, v[0] if zh else v[1]) for k, v in codes_gbt.STAT_CATEGORIES.items()],
                "deadlines": selectors.deadline_counts(request.user),
                "at_risk_days": codes.AT_RISK_DAYS,
                "can_create": request.user.has_action(Module.MEDIATION, Action.CREATE),
            },
        )


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


def step_forms(dispute, actor, bound=None):
    """The forms of the steps this case allows now, for the case page."""
    result = []
    for step in dispute.allowed_transitions():
        if step not in STEP_FORMS:
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
        return render(
            request,
            "mediation/detail.html",
            {
                "dispute": dispute,
                **selectors.dispute_detail(dispute),
                "event_type_label": codes_gbt.event_type_label(dispute.event_type, request.LANGUAGE_CODE)
                if codes_gbt.is_valid_event_type(dispute.event_type)
                else dispute.event_type,
                "steps": step_forms(dispute, request.user, bound) if can_change else [],
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


class StatsView(ModuleMixin, View):
    """The period's figures per office (or committee) and per statistical category."""

    module = Module.MEDIATION

    def get(self, request):
        from fengqiao.orgs.models import OrgNode

        date_from, date_to = _period(request)
        by_office = selectors.dispute_metrics(request.user, date_from=date_from, date_to=date_to, group_by="office")
        by_category = selectors.dispute_metrics(request.user, date_from=date_from, date_to=date_to, group_by="category")
        offices = OrgNode.objects.visible_to(request.user).filter(pk__in=by_office["rows"]).order_by("path")
        zh = request.LANGUAGE_CODE.startswith("zh")
        return render(
            request,
            "mediation/stats.html",
            {
                "date_from": date_from,
                "date_to": date_to,
                "office_rows": [(o.display_name, by_office["rows"][o.pk]) for o in offices],
                "totals": by_office["totals"],
                "category_rows": _category_rows(by_category, zh),
                "category_totals": by_category["totals"],
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
        committees = selectors.committee_staffing(request.user, short_only=short_only)
        with_norm = [c for c in committees if c.norm]
        return render(
            request,
            "mediation/committees.html",
            {
                "committees": committees,
                "short_only": short_only,
                "short_count": sum(1 for c in with_norm if c.shortfall),
                "norm_count": len(with_norm),
                "norms": [(codes.CommitteeType(t).label, n) for t, n in codes.FULL_TIME_NORM.items()],
            },
        )
