"""Public-legal-services pages: the service list (with the overdue section) and its export, the
entry form per kind, a service's page with its timeline and steps, complaints, the figures and the
due times."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views import View

from fengqiao.core import audit
from fengqiao.core.errors import DomainError
from fengqiao.core.permissions import Action, Module
from fengqiao.core.scoping import subtree_q
from fengqiao.core.views import ModuleMixin, ScopedObjectMixin, apply_domain_error, parse_date

from . import codes, forms, policy, selectors, services
from .models import Complaint, ServiceRecord

M = Module.LEGAL_SERVICES


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _place(user, pk):
    """A town or village inside the user's scope, or None."""
    from fengqiao.orgs.models import OrgKind, OrgNode

    if not pk:
        return None
    within = Q(pk__in=[])
    for node in user.scope_nodes_for(M, Action.VIEW):
        within |= subtree_q(node.path)
    return OrgNode.objects.filter(within, pk=pk, kind__in=[OrgKind.TOWN, OrgKind.VILLAGE]).first()


def _pick(value, choices):
    return value if value in choices.values else ""


def list_filters(request) -> dict:
    """The list's filters from the query string; anything unknown or outside the user's scope is
    ignored rather than failing."""
    g = request.GET
    satisfaction = g.get("satisfaction", "")
    return {
        "q": g.get("q", "").strip()[:50],
        "kind": _pick(g.get("kind"), codes.Kind),
        "status": _pick(g.get("status"), codes.Status),
        "channel": _pick(g.get("channel"), codes.Channel),
        "category": _pick(g.get("category"), codes.Category),
        "referral_to": _pick(g.get("referral_to"), codes.ReferralTo),
        "satisfaction": satisfaction if satisfaction == "none" else _pick(satisfaction, codes.Satisfaction),
        "village": _place(request.user, _int(g.get("village"))),
        "overdue": g.get("overdue") == "1",
        "date_from": parse_date(g.get("date_from")),
        "date_to": parse_date(g.get("date_to")),
    }


def _filters_for_audit(filters) -> dict:
    return {k: str(getattr(v, "pk", v)) for k, v in filters.items() if v not in (None, "", False)}


class ServiceListView(ModuleMixin, View):
    """The landing page: the services with filters, the overdue ones first in their own section."""

    module = M

    def get(self, request):
        filters = list_filters(request)
        page = selectors.service_search(request.user, cursor=request.GET.get("cursor"), **filters)
        user = request.user
        return render(
            request,
            "legalservices/list.html",
            {
                "page": page,
                "filters": filters,
                "counts": selectors.counts(user),
                "overdue": selectors.overdue_services(user) if not request.GET.get("cursor") else [],
                "today": timezone.localdate(),
                "kinds": codes.Kind.choices,
                "statuses": codes.Status.choices,
                "channels": codes.Channel.choices,
                "categories": codes.Category.choices,
                "satisfactions": codes.Satisfaction.choices,
                "villages": selectors.place_choices(user),
                "can_create": user.has_action(M, Action.CREATE),
                "can_export": user.has_action(M, Action.EXPORT),
                "query": request.GET.urlencode(),
            },
        )


class ServiceExportView(ModuleMixin, View):
    """The filtered list as .xlsx, streamed row by row; phones masked."""

    module = M
    action = Action.EXPORT
    MAX_ROWS = 100_000

    def get(self, request):
        from fengqiao.core.exports import xlsx_stream_response
        from fengqiao.core.validators import mask_phone

        filters = list_filters(request)
        qs = selectors.service_filter(request.user, action=Action.EXPORT, **filters)
        count = qs.count()
        if count > self.MAX_ROWS:
            messages.error(
                request,
                _("%(count)s services match; narrow the filter to at most %(max)s to export.")
                % {"count": count, "max": self.MAX_ROWS},
            )
            return redirect(f"{reverse('legalservices:index')}?{request.GET.urlencode()}")
        headers = [
            _("Number"), _("Kind of service"), _("Judicial office"), pgettext("legal services", "Place"),
            _("Received on"), _("Due on"), _("Status"), _("Concluded on"), _("Who asked"), _("Phone"), _("Channel"),
            _("Category"), pgettext("legal services", "Subject"), _("Question or matter"), _("Answer or opinion"),
            _("Referred to"), _("Receiving body"), _("Outcome"), _("Opinions gathered"), _("Forwarded on"),
            _("Adoption"), _("Satisfaction"), _("Time taken (minutes)"), _("Handled by"),
        ]  # fmt: skip
        labels = {
            "kind": dict(codes.Kind.choices),
            "status": dict(codes.Status.choices),
            "channel": dict(codes.Channel.choices),
            "category": dict(codes.Category.choices),
            "referral_to": dict(codes.ReferralTo.choices),
            "adoption": dict(codes.Adoption.choices),
            "satisfaction": dict(codes.Satisfaction.choices),
        }

        def label(kind, value):
            return str(labels[kind].get(value, value)) if value else ""

        fields = (
            "pk", "kind", "office__office_name", "org__name", "received_on", "due_on", "status", "concluded_on",
            "person_name", "person_phone", "channel", "category", "subject", "question", "answer", "referral_to",
            "receiving_body", "outcome", "opinion_count", "forwarded_on", "adoption", "satisfaction", "minutes",
            "handled_by_repr",
        )  # fmt: skip

        def rows():
            for values in qs.order_by(*selectors.LIST_ORDERING).values_list(*fields).iterator(chunk_size=2000):
                row = dict(zip(fields, values, strict=True))
                for key in labels:
                    row[key] = label(key, row[key])
                row["person_phone"] = mask_phone(row["person_phone"])
                yield [row[f] for f in fields]

        audit.record_export(
            actor=request.user, what="legalservices.services", count=count, filters=_filters_for_audit(filters)
        )
        return xlsx_stream_response("legal-services", str(_("Legal services")), headers, rows())


def _kind_param(request):
    return request.GET.get("kind") if request.GET.get("kind") in codes.Kind.values else codes.Kind.CONSULTATION


class ServiceCreateView(ModuleMixin, View):
    """The entry form, one kind at a time (tabs); a consultation answered on the spot is concluded
    when saved. Usable on a phone."""

    module = M
    action = Action.CREATE

    def _render(self, request, form, status=200):
        return render(
            request,
            "legalservices/form.html",
            {"form": form, "kind": form.kind, "kinds": codes.Kind.choices, "bodies": codes.BODY_SUGGESTIONS},
            status=status,
        )

    def get(self, request):
        return self._render(request, forms.ServiceForm(actor=request.user, kind=_kind_param(request)))

    def post(self, request):
        form = forms.ServiceForm(request.POST, actor=request.user, kind=_kind_param(request))
        if form.is_valid():
            try:
                service = services.service_register(actor=request.user, **form.service_kwargs())
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("Service recorded."))
                if request.POST.get("another"):
                    return redirect(f"{reverse('legalservices:create')}?kind={service.kind}")
                return redirect("legalservices:detail", pk=service.pk)
        return self._render(request, form, status=400)


STEP_FORMS = {
    "conclude": forms.ConcludeForm,
    "note": forms.NoteForm,
    "withdraw": forms.WithdrawForm,
    "rate": forms.RateForm,
    "adoption": forms.AdoptionForm,
}
STEP_LABELS = {
    "conclude": gettext_lazy("Conclude with the result"),
    "note": gettext_lazy("Note progress"),
    "withdraw": gettext_lazy("Withdraw"),
    "rate": gettext_lazy("Record satisfaction"),
    "adoption": gettext_lazy("Record the town's adoption"),
}
STEP_DONE = {
    "conclude": gettext_lazy("Service concluded."),
    "note": gettext_lazy("Progress noted."),
    "withdraw": gettext_lazy("Service withdrawn."),
    "rate": gettext_lazy("Satisfaction recorded."),
    "adoption": gettext_lazy("Adoption recorded."),
}


def _run_step(step, actor, service, data):
    version = data.pop("version", None)
    if step == "conclude":
        return services.service_conclude(actor=actor, service=service, expected_version=version, **data)
    if step == "note":
        return services.service_note(actor=actor, service=service, expected_version=version, **data)
    if step == "withdraw":
        return services.service_withdraw(actor=actor, service=service, expected_version=version, **data)
    if step == "rate":
        return services.service_rate(actor=actor, service=service, expected_version=version, **data)
    return services.service_set_adoption(actor=actor, service=service, expected_version=version, **data)


def steps_for(service: ServiceRecord, today) -> list[str]:
    if service.is_open:
        found = ["conclude", "note"]
        if service.due_on >= today:
            found.append("withdraw")
        return found
    if service.status == codes.Status.CONCLUDED:
        return ["rate", "adoption"] if service.kind == codes.Kind.DECISION else ["rate"]
    return []


class ServiceDetailView(ScopedObjectMixin, View):
    module = M
    scoped_model = ServiceRecord
    select_related = ("org", "office", "handled_by")

    def get(self, request, pk, bound=None, status=200):
        service = self.object
        user = request.user
        today = timezone.localdate()
        can_change = (
            user.has_action(M, Action.CHANGE)
            and ServiceRecord.objects.visible_to(user, Action.CHANGE).filter(pk=service.pk).exists()
        )
        steps = []
        if can_change:
            for step in steps_for(service, today):
                if bound is not None and bound[0] == step:
                    steps.append((step, bound[1]))
                else:
                    steps.append((step, STEP_FORMS[step](service=service, prefix=step)))
        return render(
            request,
            "legalservices/detail.html",
            {
                "service": service,
                "events": selectors.service_events(service),
                "complaints": list(Complaint.objects.visible_to(user).filter(service=service)[:50]),
                "steps": steps,
                "open_step": bound[0] if bound is not None else (steps[0][0] if steps else ""),
                "step_labels": STEP_LABELS,
                "overdue": service.overdue_on(today),
                "can_complain": user.has_action(M, Action.CREATE),
                "bodies": codes.BODY_SUGGESTIONS,
            },
            status=status,
        )


class ServiceStepView(ScopedObjectMixin, View):
    """POST one step on a service; GET goes back to the service."""

    module = M
    action = Action.CHANGE
    scoped_model = ServiceRecord
    select_related = ("org", "office")
    step = ""

    def get(self, request, pk):
        return redirect("legalservices:detail", pk=pk)

    def post(self, request, pk):
        step, service = self.step, self.object
        if step not in steps_for(service, timezone.localdate()):
            messages.error(request, _("This step is not possible on this service now."))
            return redirect("legalservices:detail", pk=pk)
        form = STEP_FORMS[step](request.POST, service=service, prefix=step)
        if form.is_valid():
            try:
                _run_step(step, request.user, service, dict(form.cleaned_data))
            except DomainError as exc:
                if exc.code in ("stale", "illegal_transition", "overdue"):
                    messages.error(request, str(exc))
                    return redirect("legalservices:detail", pk=pk)
                apply_domain_error(form, exc)
            else:
                messages.success(request, str(STEP_DONE[step]))
                return redirect("legalservices:detail", pk=pk)
        detail = ServiceDetailView()
        detail.object, detail.request = service, request
        return detail.get(request, pk, bound=(step, form), status=400)


# --- complaints --------------------------------------------------------------------------------------


class ComplaintListView(ModuleMixin, View):
    module = M

    def get(self, request):
        g = request.GET
        filters = {
            "q": g.get("q", "").strip()[:50],
            "status": _pick(g.get("status"), codes.ComplaintStatus),
            "verification": _pick(g.get("verification"), codes.Verification),
        }
        page = selectors.complaint_search(request.user, cursor=g.get("cursor"), **filters)
        return render(
            request,
            "legalservices/complaints.html",
            {
                "page": page,
                "filters": filters,
                "statuses": codes.ComplaintStatus.choices,
                "verifications": codes.Verification.choices,
                "can_create": request.user.has_action(M, Action.CREATE),
            },
        )


class ComplaintCreateView(ModuleMixin, View):
    module = M
    action = Action.CREATE

    def _render(self, request, form, status=200):
        return render(
            request,
            "legalservices/form.html",
            {"form": form, "title": _("Register a complaint"), "complaint": True},
            status=status,
        )

    def get(self, request):
        initial = {}
        service = selectors.service_get(request.user, _int(request.GET.get("service")) or 0)
        if service is not None:
            initial = {"service": service.pk, "office": service.office_id}
            if service.org_id != service.office_id:
                initial["village"] = service.org_id
        return self._render(request, forms.ComplaintForm(actor=request.user, initial=initial))

    def post(self, request):
        form = forms.ComplaintForm(request.POST, actor=request.user)
        if form.is_valid():
            data = dict(form.cleaned_data)
            service_pk = data.pop("service")
            service = None
            if service_pk:
                service = selectors.service_get(request.user, service_pk)
                if service is None:
                    form.add_error("service", _("The service concerned must be one of this office's services."))
            if not form.errors:
                try:
                    complaint = services.complaint_register(actor=request.user, service=service, **data)
                except DomainError as exc:
                    apply_domain_error(form, exc)
                else:
                    messages.success(request, _("Complaint registered."))
                    return redirect("legalservices:complaint_detail", pk=complaint.pk)
        return self._render(request, form, status=400)


class ComplaintDetailView(ScopedObjectMixin, View):
    module = M
    scoped_model = Complaint
    select_related = ("org", "office", "service")

    def get(self, request, pk, form=None, status=200):
        complaint = self.object
        user = request.user
        can_change = (
            complaint.is_open
            and user.has_action(M, Action.CHANGE)
            and Complaint.objects.visible_to(user, Action.CHANGE).filter(pk=complaint.pk).exists()
        )
        if can_change and form is None:
            form = forms.CloseComplaintForm(complaint=complaint, prefix="close")
        service = complaint.service
        if service is not None and not ServiceRecord.objects.visible_to(user).filter(pk=service.pk).exists():
            service = None
        return render(
            request,
            "legalservices/complaint_detail.html",
            {"complaint": complaint, "service": service, "form": form if can_change else None},
            status=status,
        )


class ComplaintCloseView(ScopedObjectMixin, View):
    module = M
    action = Action.CHANGE
    scoped_model = Complaint
    select_related = ("org", "office", "service")

    def get(self, request, pk):
        return redirect("legalservices:complaint_detail", pk=pk)

    def post(self, request, pk):
        complaint = self.object
        form = forms.CloseComplaintForm(request.POST, complaint=complaint, prefix="close")
        if form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version")
            try:
                services.complaint_close(actor=request.user, complaint=complaint, expected_version=version, **data)
            except DomainError as exc:
                if exc.code in ("stale", "illegal_transition"):
                    messages.error(request, str(exc))
                    return redirect("legalservices:complaint_detail", pk=pk)
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("Complaint closed."))
                return redirect("legalservices:complaint_detail", pk=pk)
        detail = ComplaintDetailView()
        detail.object, detail.request = complaint, request
        return detail.get(request, pk, form=form, status=400)


# --- figures and due times ---------------------------------------------------------------------------


def period(request):
    today = timezone.localdate()
    date_from = parse_date(request.GET.get("date_from")) or today.replace(month=1, day=1)
    date_to = parse_date(request.GET.get("date_to")) or today
    if date_to < date_from:
        date_from, date_to = date_to, date_from
    return date_from, date_to


class MetricsView(ModuleMixin, View):
    """The figures of standards 5, 11 and 13 per office (and per village for one office) for a period."""

    module = M

    def get(self, request):
        date_from, date_to = period(request)
        data = selectors.metrics(request.user, date_from=date_from, date_to=date_to)
        return render(
            request,
            "legalservices/metrics.html",
            {**data, "figures": selectors.FIGURES, "window_start": selectors.two_years_before(date_to)},
        )


class DuePolicyView(ModuleMixin, View):
    """The due time of each kind of service; the top bureau changes them."""

    module = M

    def _render(self, request, bound=None, status=200):
        table = policy.rules()
        can_edit = services.may_set_due_policy(request.user)
        rows = []
        for kind, label in codes.Kind.choices:
            days, working = table[kind]
            form = None
            if can_edit:
                form = (
                    bound
                    if bound is not None and bound.prefix == kind
                    else forms.DuePolicyForm(prefix=kind, initial={"kind": kind, "days": days, "working_days": working})
                )
            rows.append({"kind": kind, "label": label, "days": days, "working": working, "form": form})
        return render(request, "legalservices/policy.html", {"rows": rows, "can_edit": can_edit}, status=status)

    def get(self, request):
        return self._render(request)

    def post(self, request):
        if not services.may_set_due_policy(request.user):
            raise PermissionDenied
        kind = request.POST.get("which")
        if kind not in codes.Kind.values:
            return redirect("legalservices:policy")
        form = forms.DuePolicyForm(request.POST, prefix=kind)
        if form.is_valid():
            try:
                services.due_policy_set(actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("Due time saved; it applies to services registered from now on."))
                return redirect("legalservices:policy")
        return self._render(request, bound=form, status=400)
