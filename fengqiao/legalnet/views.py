"""Service-network pages: the service points (list, export, set up, detail with its timeline and
steps, edit), the gaps of the city (offices × the five kinds), the villages and their advisors
(assign, end), the advisors' work logs (list, export, phone entry, detail, edit), the monthly
workload and the figures."""

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

from . import codes, forms, selectors, services
from .models import PointStaff, ServicePoint, WorkLog

MODULE = Module.LEGAL_SERVICES


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _office(user, pk):
    """An office inside the user's scope, or None."""
    return selectors.office_in_scope(user, _int(pk))


def _village(user, pk, action=Action.VIEW):
    return selectors.village_in_scope(user, _int(pk), action)


def _audit_filters(filters) -> dict:
    return {k: str(getattr(v, "pk", v)) for k, v in filters.items() if v not in (None, "", False)}


def _period(request, default_days=None):
    today = timezone.localdate()
    date_from = parse_date(request.GET.get("date_from")) or (
        today - timezone.timedelta(days=default_days) if default_days else today.replace(month=1, day=1)
    )
    date_to = parse_date(request.GET.get("date_to")) or today
    if date_to < date_from:
        date_from, date_to = date_to, date_from
    return date_from, date_to


# --- service points ----------------------------------------------------------------------------------


def point_filters(request) -> dict:
    g = request.GET
    status = g.get("status", codes.PointStatus.OPEN)
    return {
        "q": g.get("q", "").strip()[:50],
        "kind": g.get("kind", "") if g.get("kind") in codes.PointKind.values else "",
        "status": status if status in codes.PointStatus.values else "",
        "office": _office(request.user, g.get("office")),
    }


class PointListView(ModuleMixin, View):
    """The landing page: the service points of the user's offices."""

    module = MODULE

    def get(self, request):
        filters = point_filters(request)
        page = selectors.point_search(request.user, cursor=request.GET.get("cursor"), **filters)
        user = request.user
        return render(
            request,
            "legalnet/points.html",
            {
                "page": page,
                "filters": filters,
                "status_param": request.GET.get("status", codes.PointStatus.OPEN),
                "kinds": codes.PointKind.choices,
                "statuses": codes.PointStatus.choices,
                "offices": selectors.office_choices(user),
                "can_create": user.has_action(MODULE, Action.CREATE)
                and selectors.scope_offices(user, Action.CREATE) != [],
                "can_export": user.has_action(MODULE, Action.EXPORT),
                "query": request.GET.urlencode(),
            },
        )


class PointExportView(ModuleMixin, View):
    module = MODULE
    action = Action.EXPORT
    MAX_ROWS = 50_000

    def get(self, request):
        from fengqiao.core.exports import xlsx_stream_response

        filters = point_filters(request)
        qs = selectors.point_filter(request.user, action=Action.EXPORT, **filters)
        count = qs.count()
        if count > self.MAX_ROWS:
            messages.error(request, _("Too many rows; narrow the filter."))
            return redirect(f"{reverse('legalnet:index')}?{request.GET.urlencode()}")
        headers = [
            _("Judicial office"),
            _("Kind of point"),
            _("Name"),
            _("Partner body"),
            _("Opening hours"),
            _("Address"),
            _("Phone"),
            _("Set up on"),
            _("Status"),
            _("Closed on"),
            _("People on duty"),
        ]
        kinds, statuses = dict(codes.PointKind.choices), dict(codes.PointStatus.choices)

        def rows():
            for p in (
                qs.select_related("office")
                .prefetch_related("staff")
                .order_by(*selectors.LIST_ORDERING)
                .iterator(chunk_size=500)
            ):
                on_duty = "、".join(s.name for s in p.staff.all() if s.until is None)
                yield [
                    p.office.display_name,
                    str(kinds.get(p.kind, p.kind)),
                    p.name,
                    p.partner,
                    p.hours,
                    p.address,
                    p.phone,
                    p.opened_on,
                    str(statuses.get(p.status, p.status)),
                    p.closed_on,
                    on_duty,
                ]

        audit.record_export(actor=request.user, what="legalnet.points", count=count, filters=_audit_filters(filters))
        return xlsx_stream_response("service-points", str(_("Service points")), headers, rows())


def _render_form(request, form, title, back, status=200, template="legalnet/form.html", **extra):
    return render(request, template, {"form": form, "title": title, "back": back, **extra}, status=status)


PARTNERS = sorted({p for ps in codes.PARTNERS.values() for p in ps})


class PointCreateView(ModuleMixin, View):
    module = MODULE
    action = Action.CREATE

    def get(self, request):
        initial = {"office": request.user.office_id, "kind": request.GET.get("kind", "")}
        form = forms.PointForm(actor=request.user, initial=initial)
        return _render_form(request, form, _("Set up a service point"), reverse("legalnet:index"), partners=PARTNERS)

    def post(self, request):
        form = forms.PointForm(request.POST, actor=request.user)
        if form.is_valid():
            try:
                point = services.point_open(actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("Service point set up. Now put someone on duty."))
                return redirect("legalnet:point", pk=point.pk)
        return _render_form(
            request, form, _("Set up a service point"), reverse("legalnet:index"), status=400, partners=PARTNERS
        )


STEP_FORMS = {"staff": forms.StaffForm, "close": forms.CloseForm}
STEP_LABELS = {
    "staff": gettext_lazy("Put someone on duty"),
    "close": gettext_lazy("Close the point"),
}
STEP_DONE = {"staff": gettext_lazy("Person on duty added."), "close": gettext_lazy("Service point closed.")}


def _step_staff(actor, point, data):
    version = data.pop("version", None)
    return services.staff_add(actor=actor, point=point, expected_version=version, **data)


def _step_close(actor, point, data):
    version = data.pop("version", None)
    return services.point_close(actor=actor, point=point, expected_version=version, **data)


STEP_SERVICES = {"staff": _step_staff, "close": _step_close}


def _can(user, model, obj, action) -> bool:
    return user.has_action(MODULE, action) and model.objects.visible_to(user, action).filter(pk=obj.pk).exists()


class PointDetailView(ScopedObjectMixin, View):
    module = MODULE
    scoped_model = ServicePoint
    select_related = ("org", "office", "created_by")

    def get(self, request, pk, bound=None, status=200):
        point = self.object
        can_change = point.is_open and _can(request.user, ServicePoint, point, Action.CHANGE)
        steps = []
        if can_change:
            for step, form_class in STEP_FORMS.items():
                form = bound[1] if bound is not None and bound[0] == step else form_class(point=point, prefix=step)
                steps.append((step, form))
        staff = selectors.point_staff(point)
        return render(
            request,
            "legalnet/point.html",
            {
                "point": point,
                "staff": staff,
                "on_duty": [s for s in staff if s.until is None],
                "timeline": selectors.point_timeline(point),
                "steps": steps,
                "open_step": bound[0] if bound is not None else "staff",
                "step_labels": STEP_LABELS,
                "can_change": can_change,
                "remove_form": forms.StaffRemoveForm(prefix="remove"),
            },
            status=status,
        )


class PointStepView(ScopedObjectMixin, View):
    module = MODULE
    action = Action.CHANGE
    scoped_model = ServicePoint
    select_related = ("org", "office")
    step = ""

    def get(self, request, pk):
        return redirect("legalnet:point", pk=pk)

    def post(self, request, pk):
        point = self.object
        if not point.is_open:
            messages.error(request, str(services.CLOSED_MESSAGE))
            return redirect("legalnet:point", pk=pk)
        form = STEP_FORMS[self.step](request.POST, point=point, prefix=self.step)
        if form.is_valid():
            try:
                STEP_SERVICES[self.step](request.user, point, dict(form.cleaned_data))
            except DomainError as exc:
                if exc.code in ("stale", "illegal_transition"):
                    messages.error(request, str(exc))
                    return redirect("legalnet:point", pk=pk)
                apply_domain_error(form, exc)
            else:
                messages.success(request, str(STEP_DONE[self.step]))
                return redirect("legalnet:point", pk=pk)
        detail = PointDetailView()
        detail.object, detail.request = point, request
        return detail.get(request, pk, bound=(self.step, form), status=400)


class PointEditView(ScopedObjectMixin, View):
    module = MODULE
    action = Action.CHANGE
    scoped_model = ServicePoint
    select_related = ("org", "office")

    def _back(self):
        return reverse("legalnet:point", args=[self.object.pk])

    def get(self, request, pk):
        if not self.object.is_open:
            messages.error(request, str(services.CLOSED_MESSAGE))
            return redirect(self._back())
        form = forms.PointForm(actor=request.user, point=self.object)
        return _render_form(request, form, self.object.name, self._back(), partners=PARTNERS)

    def post(self, request, pk):
        form = forms.PointForm(request.POST, actor=request.user, point=self.object)
        if form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version", None)
            try:
                services.point_update(actor=request.user, point=self.object, expected_version=version, **data)
            except DomainError as exc:
                if exc.code in ("stale", "illegal_transition"):
                    messages.error(request, str(exc))
                    return redirect(self._back())
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("Details saved."))
                return redirect(self._back())
        return _render_form(request, form, self.object.name, self._back(), status=400, partners=PARTNERS)


class StaffRemoveView(ScopedObjectMixin, View):
    """POST: take a person off duty."""

    module = MODULE
    action = Action.CHANGE
    scoped_model = PointStaff
    select_related = ("point",)

    def get(self, request, pk):
        return redirect("legalnet:point", pk=self.object.point_id)

    def post(self, request, pk):
        form = forms.StaffRemoveForm(request.POST, prefix="remove")
        if form.is_valid():
            try:
                services.staff_remove(actor=request.user, staff=self.object, until=form.cleaned_data["until"])
            except DomainError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("%(name)s is off duty.") % {"name": self.object.name})
        else:
            messages.error(request, _("Enter a date as YYYY-MM-DD."))
        return redirect("legalnet:point", pk=self.object.point_id)


class GapsView(ModuleMixin, View):
    """Offices × the five kinds: what each office has, what is missing or unstaffed."""

    module = MODULE

    def get(self, request):
        missing_only = request.GET.get("missing") == "1"
        data = selectors.gaps(request.user, missing_only=missing_only)
        return render(request, "legalnet/gaps.html", {**data, "missing_only": missing_only})


# --- advisors ----------------------------------------------------------------------------------------


class AdvisorsView(ModuleMixin, View):
    """The villages with their current advisors; villages without one, or whose advisor logged
    nothing in the period, stand out. Directors assign and end assignments here."""

    module = MODULE

    def get(self, request, form=None, status=200):
        user = request.user
        date_from, date_to = _period(request, default_days=89)
        office = _office(user, request.GET.get("office"))
        uncovered = request.GET.get("uncovered") == "1"
        data = selectors.advisor_villages(user, office=office, start=date_from, end=date_to, uncovered_only=uncovered)
        can_assign = user.has_action(MODULE, Action.CHANGE) and user.has_action(Module.ACCOUNTS, Action.CHANGE)
        return render(
            request,
            "legalnet/advisors.html",
            {
                **data,
                "office": office,
                "offices": selectors.office_choices(user),
                "uncovered": uncovered,
                "can_assign": can_assign,
                "form": form or (forms.AssignForm(actor=user) if can_assign else None),
                "history": selectors.assignment_history(user, office=office, limit=15),
                "end_form": forms.StaffRemoveForm(prefix="end"),
            },
            status=status,
        )


class AssignView(ModuleMixin, View):
    module = MODULE
    action = Action.CHANGE
    http_method_names = ["get", "post"]

    def get(self, request):
        return redirect("legalnet:advisors")

    def post(self, request):
        if not request.user.has_action(Module.ACCOUNTS, Action.CHANGE):
            raise PermissionDenied
        form = forms.AssignForm(request.POST, actor=request.user)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.advisor_assign(
                    actor=request.user, village=d["village"], advisor=d["advisor"], started_on=d["date"], note=d["note"]
                )
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("Advisor assigned."))
                return redirect("legalnet:advisors")
        return AdvisorsView().get(request, form=form, status=400)


class UnassignView(ModuleMixin, View):
    """POST village, advisor, date: end an advisor's service of a village."""

    module = MODULE
    action = Action.CHANGE

    def get(self, request):
        return redirect("legalnet:advisors")

    def post(self, request):
        village = _village(request.user, request.POST.get("village"), Action.CHANGE)
        advisor_id = _int(request.POST.get("advisor"))
        advisor = selectors.user_of_office(advisor_id, village.office_id) if advisor_id and village else None
        form = forms.StaffRemoveForm(request.POST, prefix="end")
        if village is None or advisor is None or not form.is_valid():
            messages.error(request, _("Choose a village, an advisor and a date."))
            return redirect("legalnet:advisors")
        try:
            services.advisor_unassign(
                actor=request.user, village=village, advisor=advisor, ended_on=form.cleaned_data["until"]
            )
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The advisor no longer serves %(village)s.") % {"village": village.name})
        return redirect("legalnet:advisors")


# --- work logs ---------------------------------------------------------------------------------------


def log_filters(request) -> dict:
    g = request.GET
    return {
        "q": g.get("q", "").strip()[:50],
        "village": _village(request.user, g.get("village")),
        "office": _office(request.user, g.get("office")),
        "advisor": _int(g.get("advisor")),
        "kind": g.get("kind", "") if g.get("kind") in codes.WORK_FIELDS else "",
        "date_from": parse_date(g.get("date_from")),
        "date_to": parse_date(g.get("date_to")),
    }


class LogListView(ModuleMixin, View):
    module = MODULE

    def get(self, request):
        user = request.user
        filters = log_filters(request)
        page = selectors.log_search(user, cursor=request.GET.get("cursor"), **filters)
        return render(
            request,
            "legalnet/logs.html",
            {
                "page": page,
                "filters": filters,
                "kinds": codes.WorkKind.choices,
                "villages": selectors.village_choices(user),
                "offices": selectors.office_choices(user),
                "advisors": selectors.advisor_choices(user),
                "can_create": user.has_action(MODULE, Action.CREATE),
                "can_export": user.has_action(MODULE, Action.EXPORT),
                "query": request.GET.urlencode(),
            },
        )


class LogExportView(ModuleMixin, View):
    module = MODULE
    action = Action.EXPORT
    MAX_ROWS = 100_000

    def get(self, request):
        from fengqiao.core.exports import xlsx_stream_response

        filters = log_filters(request)
        qs = selectors.log_filter(request.user, action=Action.EXPORT, **filters)
        count = qs.count()
        if count > self.MAX_ROWS:
            messages.error(request, _("Too many rows; narrow the filter."))
            return redirect(f"{reverse('legalnet:logs')}?{request.GET.urlencode()}")
        headers = [
            _("Date"),
            _("Judicial office"),
            _("Village or community"),
            _("Legal advisor"),
            *[str(label) for _code, label in codes.WorkKind.choices],
            _("Note"),
            _("Recorded by"),
        ]

        def rows():
            for row in (
                qs.order_by(*selectors.LOG_ORDERING)
                .values_list(
                    "date",
                    "office__office_name",
                    "org__name",
                    "advisor__full_name",
                    *codes.WORK_FIELDS,
                    "note",
                    "recorded_by_repr",
                )
                .iterator(chunk_size=2000)
            ):
                yield list(row)

        audit.record_export(actor=request.user, what="legalnet.worklogs", count=count, filters=_audit_filters(filters))
        return xlsx_stream_response("advisor-work-logs", str(_("Advisor work logs")), headers, rows())


class LogCreateView(ModuleMixin, View):
    """The phone form: an advisor records a day's work in a village."""

    module = MODULE
    action = Action.CREATE

    def _title(self):
        return _("Record an advisor's work")

    def get(self, request):
        initial = {"village": _int(request.GET.get("village"))}
        form = forms.WorkLogForm(actor=request.user, initial=initial)
        return _render_form(request, form, self._title(), reverse("legalnet:logs"), template="legalnet/log_form.html")

    def post(self, request):
        form = forms.WorkLogForm(request.POST, actor=request.user)
        if form.is_valid():
            d = form.cleaned_data
            try:
                log = services.worklog_add(
                    actor=request.user,
                    village=d["village"],
                    advisor=d["advisor"],
                    date=d["date"],
                    note=d["note"],
                    **form.counts(),
                )
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("Work recorded."))
                return redirect("legalnet:log", pk=log.pk)
        return _render_form(
            request, form, self._title(), reverse("legalnet:logs"), status=400, template="legalnet/log_form.html"
        )


class LogDetailView(ScopedObjectMixin, View):
    module = MODULE
    scoped_model = WorkLog
    select_related = ("org", "office", "advisor", "recorded_by")

    def get(self, request, pk):
        log = self.object
        return render(
            request,
            "legalnet/log.html",
            {
                "log": log,
                "counts": [(label, getattr(log, code)) for code, label in codes.WorkKind.choices],
                "timeline": selectors.log_timeline(log),
                "can_change": _can(request.user, WorkLog, log, Action.CHANGE),
            },
        )


class LogEditView(ScopedObjectMixin, View):
    module = MODULE
    action = Action.CHANGE
    scoped_model = WorkLog
    select_related = ("org", "office", "advisor")

    def _back(self):
        return reverse("legalnet:log", args=[self.object.pk])

    def get(self, request, pk):
        form = forms.WorkLogForm(actor=request.user, log=self.object)
        return _render_form(request, form, str(self.object.org.name), self._back(), template="legalnet/log_form.html")

    def post(self, request, pk):
        form = forms.WorkLogForm(request.POST, actor=request.user, log=self.object)
        if form.is_valid():
            try:
                services.worklog_update(
                    actor=request.user,
                    log=self.object,
                    expected_version=form.cleaned_data["version"],
                    note=form.cleaned_data["note"],
                    **form.counts(),
                )
            except DomainError as exc:
                if exc.code == "stale":
                    messages.error(request, str(exc))
                    return redirect(self._back())
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("Details saved."))
                return redirect(self._back())
        return _render_form(
            request, form, str(self.object.org.name), self._back(), status=400, template="legalnet/log_form.html"
        )


class WorkloadView(ModuleMixin, View):
    """Village × month of a year: the advisors' work in each village."""

    module = MODULE

    def get(self, request):
        today = timezone.localdate()
        year = _int(request.GET.get("year")) or today.year
        year = year if 2000 <= year <= today.year + 1 else today.year
        office = _office(request.user, request.GET.get("office"))
        data = selectors.monthly_workload(request.user, year=year, office=office)
        return render(
            request,
            "legalnet/workload.html",
            {
                **data,
                "office": office,
                "offices": selectors.office_choices(request.user),
                "years": range(today.year, today.year - 5, -1),
            },
        )


class MetricsView(ModuleMixin, View):
    module = MODULE

    def get(self, request):
        date_from, date_to = _period(request)
        data = selectors.metrics(request.user, date_from=date_from, date_to=date_to)
        return render(request, "legalnet/metrics.html", {**data, "work_kinds": codes.WorkKind.choices})
