"""Law-enforcement supervision pages: activities (the landing list), problems and their
rectification, enforcement disputes, the office's departments, and the figures."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from fengqiao.core import audit
from fengqiao.core.errors import DomainError
from fengqiao.core.exports import MAX_EXPORT_ROWS
from fengqiao.core.permissions import Action, Module
from fengqiao.core.views import ModuleMixin, ScopedObjectMixin, apply_domain_error, parse_date

from . import codes, forms, selectors, services
from .models import Activity, Department, EnforcementDispute, Problem

M = Module.SUPERVISION


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _choice(value, choices):
    return value if value in choices.values else ""


def _common_filters(request) -> dict:
    g = request.GET
    return {
        "q": g.get("q", "").strip()[:50],
        "office": selectors.office_in_scope(request.user, _int(g.get("office"))),
        "date_from": parse_date(g.get("date_from")),
        "date_to": parse_date(g.get("date_to")),
    }


def _department_filter(request, filters):
    pk = _int(request.GET.get("department"))
    if pk and Department.objects.visible_to(request.user).filter(pk=pk).exists():
        filters["department"] = pk
    else:
        filters["department"] = None
    return filters


def activity_filters(request) -> dict:
    filters = _department_filter(request, _common_filters(request))
    filters["kind"] = _choice(request.GET.get("kind", ""), codes.ActivityKind)
    return filters


def problem_filters(request) -> dict:
    filters = _department_filter(request, _common_filters(request))
    filters["status"] = _choice(request.GET.get("status", ""), codes.ProblemStatus)
    filters["category"] = _choice(request.GET.get("category", ""), codes.ProblemCategory)
    filters["overdue"] = request.GET.get("overdue") == "1"
    filters["open_only"] = request.GET.get("open") == "1"
    return filters


def dispute_filters(request) -> dict:
    filters = _department_filter(request, _common_filters(request))
    filters["status"] = _choice(request.GET.get("status", ""), codes.DisputeStatus)
    return filters


def _for_audit(filters) -> dict:
    return {k: str(getattr(v, "pk", v)) for k, v in filters.items() if v not in (None, "", False)}


def _list_context(request):
    user = request.user
    return {
        "offices": selectors.office_choices(user),
        "departments": selectors.department_choices(user),
        "can_create": user.has_action(M, Action.CREATE),
        "can_export": user.has_action(M, Action.EXPORT),
        "query": request.GET.urlencode(),
        "counts": selectors.counts(user),
    }


def _too_many(request, count, back):
    if count > MAX_EXPORT_ROWS:
        messages.error(
            request,
            _("%(count)s rows match; narrow the filter to at most %(max)s to export.")
            % {"count": count, "max": MAX_EXPORT_ROWS},
        )
        return redirect(f"{reverse(back)}?{request.GET.urlencode()}")
    return None


def _labels(choices):
    table = dict(choices)
    return lambda value: str(table.get(value, value)) if value else ""


def _names(departments) -> str:
    return "、".join(d.name for d in departments)


# --- activities --------------------------------------------------------------------------------------


class ActivityListView(ModuleMixin, View):
    """The landing page: supervision activities, newest first."""

    module = M

    def get(self, request):
        filters = activity_filters(request)
        page = selectors.activity_search(request.user, cursor=request.GET.get("cursor"), **filters)
        return render(
            request,
            "supervision/activity_list.html",
            {**_list_context(request), "page": page, "filters": filters, "kinds": codes.ActivityKind.choices},
        )


class ActivityExportView(ModuleMixin, View):
    module = M
    action = Action.EXPORT

    def get(self, request):
        from fengqiao.core.exports import xlsx_stream_response

        filters = activity_filters(request)
        qs = selectors.activity_filter(request.user, action=Action.EXPORT, **filters)
        count = qs.count()
        refused = _too_many(request, count, "supervision:index")
        if refused:
            return refused
        kind = _labels(codes.ActivityKind.choices)
        headers = [
            _("Judicial office"),
            _("Date"),
            _("Kind of supervision"),
            _("Subject of the supervision"),
            _("Departments supervised"),
            _("Participants"),
            _("Joint bodies"),
            _("Case files reviewed"),
            _("Sites inspected"),
            _("Problems found"),
            _("Summary of the supervision"),
        ]

        def rows():
            from django.db.models import Count

            for a in (
                qs.select_related("office")
                .prefetch_related("departments")
                .annotate(problem_count=Count("problems"))
                .order_by(*selectors.ACTIVITY_ORDERING)
                .iterator(chunk_size=1000)
            ):
                yield [
                    a.office.display_name,
                    a.date,
                    kind(a.kind),
                    a.title,
                    _names(a.departments.all()),
                    a.participants,
                    a.partners,
                    a.files_reviewed,
                    a.sites_inspected,
                    a.problem_count,
                    a.summary,
                ]

        audit.record_export(actor=request.user, what="supervision.activities", count=count, filters=_for_audit(filters))
        return xlsx_stream_response("supervision-activities", str(_("Supervision activities")), headers, rows())


def _render_form(request, form, title, back, status=200, template="supervision/form.html", **extra):
    return render(
        request,
        template,
        {"form": form, "title": title, "back": back, **extra},
        status=status,
    )


class ActivityCreateView(ModuleMixin, View):
    module = M
    action = Action.CREATE

    def get(self, request):
        form = forms.ActivityForm(actor=request.user)
        return _render_form(request, form, _("Record a supervision activity"), reverse("supervision:index"))

    def post(self, request):
        form = forms.ActivityForm(request.POST, actor=request.user)
        if form.is_valid():
            try:
                activity = services.activity_record(actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("Supervision activity recorded."))
                return redirect("supervision:activity", pk=activity.pk)
        return _render_form(request, form, _("Record a supervision activity"), reverse("supervision:index"), status=400)


def _may_change(user, model, obj) -> bool:
    return (
        user.has_action(M, Action.CHANGE) and model.objects.visible_to(user, Action.CHANGE).filter(pk=obj.pk).exists()
    )


class ActivityDetailView(ScopedObjectMixin, View):
    module = M
    scoped_model = Activity
    select_related = ("office", "org")

    def get(self, request, pk, form=None, status=200):
        activity = self.object
        can_change = _may_change(request.user, Activity, activity)
        if can_change and form is None:
            form = forms.ProblemForm(activity=activity, prefix="problem")
        today = timezone.localdate()
        problems = selectors.activity_problems(activity)
        for p in problems:
            p.overdue = p.is_overdue(today)
        return render(
            request,
            "supervision/activity_detail.html",
            {
                "activity": activity,
                "departments": list(activity.departments.all()),
                "problems": problems,
                "form": form if can_change else None,
                "can_change": can_change,
            },
            status=status,
        )


class ActivityProblemView(ScopedObjectMixin, View):
    """POST a problem found in the activity; GET goes back to the activity."""

    module = M
    action = Action.CHANGE
    scoped_model = Activity
    select_related = ("office", "org")

    def get(self, request, pk):
        return redirect("supervision:activity", pk=pk)

    def post(self, request, pk):
        activity = self.object
        form = forms.ProblemForm(request.POST, activity=activity, prefix="problem")
        if form.is_valid():
            try:
                problem = services.problem_record(actor=request.user, activity=activity, **form.cleaned_data)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("Problem recorded."))
                return redirect("supervision:problem", pk=problem.pk)
        detail = ActivityDetailView()
        detail.object, detail.request = activity, request
        return detail.get(request, pk, form=form, status=400)


class ActivityEditView(ScopedObjectMixin, View):
    module = M
    action = Action.CHANGE
    scoped_model = Activity
    select_related = ("office", "org")

    def _back(self):
        return reverse("supervision:activity", args=[self.object.pk])

    def get(self, request, pk):
        form = forms.ActivityForm(actor=request.user, activity=self.object)
        return _render_form(request, form, str(self.object.title), self._back())

    def post(self, request, pk):
        form = forms.ActivityForm(request.POST, actor=request.user, activity=self.object)
        if form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version", None)
            try:
                services.activity_update(actor=request.user, activity=self.object, expected_version=version, **data)
            except DomainError as exc:
                if exc.code == "stale":
                    messages.error(request, str(exc))
                    return redirect(self._back())
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("Details saved."))
                return redirect(self._back())
        return _render_form(request, form, str(self.object.title), self._back(), status=400)


# --- problems ----------------------------------------------------------------------------------------


class ProblemListView(ModuleMixin, View):
    module = M

    def get(self, request):
        filters = problem_filters(request)
        page = selectors.problem_search(request.user, cursor=request.GET.get("cursor"), **filters)
        today = timezone.localdate()
        for p in page.items:
            p.overdue = p.is_overdue(today)
        return render(
            request,
            "supervision/problem_list.html",
            {
                **_list_context(request),
                "page": page,
                "filters": filters,
                "statuses": codes.ProblemStatus.choices,
                "categories": codes.ProblemCategory.choices,
            },
        )


class ProblemExportView(ModuleMixin, View):
    module = M
    action = Action.EXPORT

    def get(self, request):
        from fengqiao.core.exports import xlsx_stream_response

        filters = problem_filters(request)
        qs = selectors.problem_filter(request.user, action=Action.EXPORT, **filters)
        count = qs.count()
        refused = _too_many(request, count, "supervision:problems")
        if refused:
            return refused
        category, status = _labels(codes.ProblemCategory.choices), _labels(codes.ProblemStatus.choices)
        today = timezone.localdate()
        yes, no = _("Yes"), _("No")
        headers = [
            _("Judicial office"),
            _("Found on"),
            _("Responsible department"),
            _("Problem category"),
            _("Problem found"),
            _("Supervision activity"),
            _("Status"),
            _("Rectification required"),
            _("Rectification deadline"),
            _("Overdue"),
            _("Rectified on"),
            _("Rectification result"),
            _("Verified on"),
        ]

        def rows():
            for p in (
                qs.select_related("office", "department", "activity")
                .order_by(*selectors.PROBLEM_ORDERING)
                .iterator(chunk_size=1000)
            ):
                yield [
                    p.office.display_name,
                    p.found_on,
                    p.department.name,
                    category(p.category),
                    p.description,
                    p.activity.title,
                    status(p.status),
                    p.requirement,
                    p.deadline,
                    yes if p.is_overdue(today) else no,
                    p.rectified_on,
                    p.result,
                    p.verified_on,
                ]

        audit.record_export(actor=request.user, what="supervision.problems", count=count, filters=_for_audit(filters))
        return xlsx_stream_response("supervision-problems", str(_("Supervision problems")), headers, rows())


STEP_FORMS = {
    codes.ProblemStep.ORDER: forms.OrderForm,
    codes.ProblemStep.PROGRESS: forms.ProgressForm,
    codes.ProblemStep.RECTIFIED: forms.RectifiedForm,
    codes.ProblemStep.VERIFIED: forms.VerifyForm,
    codes.ProblemStep.REOPENED: forms.ReopenForm,
}


def _run_step(step, actor, problem, data):
    version = data.pop("version", None)
    fn = {
        codes.ProblemStep.ORDER: services.problem_order,
        codes.ProblemStep.PROGRESS: services.problem_note_progress,
        codes.ProblemStep.RECTIFIED: services.problem_rectified,
        codes.ProblemStep.VERIFIED: services.problem_verify,
        codes.ProblemStep.REOPENED: services.problem_reopen,
    }[step]
    return fn(actor=actor, problem=problem, expected_version=version, **data)


STEP_DONE = {
    codes.ProblemStep.ORDER: gettext_lazy("Rectification ordered."),
    codes.ProblemStep.PROGRESS: gettext_lazy("Progress noted."),
    codes.ProblemStep.RECTIFIED: gettext_lazy("Rectification recorded."),
    codes.ProblemStep.VERIFIED: gettext_lazy("Rectification verified."),
    codes.ProblemStep.REOPENED: gettext_lazy("Problem reopened."),
}


class ProblemDetailView(ScopedObjectMixin, View):
    module = M
    scoped_model = Problem
    select_related = ("office", "org", "activity", "department", "verified_by")

    def get(self, request, pk, bound=None, status=200):
        problem = self.object
        steps = []
        if _may_change(request.user, Problem, problem):
            for step in codes.allowed_steps(problem.status):
                if bound is not None and bound[0] == step:
                    steps.append((step, bound[1]))
                else:
                    steps.append((step, STEP_FORMS[step](obj=problem, prefix=step)))
        return render(
            request,
            "supervision/problem_detail.html",
            {
                "problem": problem,
                "timeline": selectors.problem_timeline(problem),
                "steps": steps,
                "open_step": bound[0] if bound is not None else (steps[0][0] if steps else ""),
                "step_labels": codes.STEP_ACTIONS,
                "overdue": problem.is_overdue(timezone.localdate()),
            },
            status=status,
        )


class ProblemStepView(ScopedObjectMixin, View):
    """POST one step of the rectification; GET goes back to the problem."""

    module = M
    action = Action.CHANGE
    scoped_model = Problem
    select_related = ("office", "org", "activity", "department")
    step = ""

    def get(self, request, pk):
        return redirect("supervision:problem", pk=pk)

    def post(self, request, pk):
        problem = self.object
        form = STEP_FORMS[self.step](request.POST, obj=problem, prefix=self.step)
        if form.is_valid():
            try:
                _run_step(self.step, request.user, problem, dict(form.cleaned_data))
            except DomainError as exc:
                if exc.code in ("stale", "illegal_transition"):
                    messages.error(request, str(exc))
                    return redirect("supervision:problem", pk=pk)
                apply_domain_error(form, exc)
            else:
                messages.success(request, str(STEP_DONE[self.step]))
                return redirect("supervision:problem", pk=pk)
        if self.step not in codes.allowed_steps(problem.status):
            messages.error(request, _("This step does not apply to the problem any more."))
            return redirect("supervision:problem", pk=pk)
        detail = ProblemDetailView()
        detail.object, detail.request = problem, request
        return detail.get(request, pk, bound=(self.step, form), status=400)


# --- enforcement disputes ----------------------------------------------------------------------------


class DisputeListView(ModuleMixin, View):
    module = M

    def get(self, request):
        filters = dispute_filters(request)
        page = selectors.dispute_search(request.user, cursor=request.GET.get("cursor"), **filters)
        return render(
            request,
            "supervision/dispute_list.html",
            {**_list_context(request), "page": page, "filters": filters, "statuses": codes.DisputeStatus.choices},
        )


class DisputeExportView(ModuleMixin, View):
    module = M
    action = Action.EXPORT

    def get(self, request):
        from fengqiao.core.exports import xlsx_stream_response

        filters = dispute_filters(request)
        qs = selectors.dispute_filter(request.user, action=Action.EXPORT, **filters)
        count = qs.count()
        refused = _too_many(request, count, "supervision:disputes")
        if refused:
            return refused
        status, outcome = _labels(codes.DisputeStatus.choices), _labels(codes.DisputeOutcome.choices)
        headers = [
            _("Judicial office"),
            _("Received on"),
            _("Subject of the dispute"),
            _("Departments involved"),
            _("Other parties"),
            _("What the dispute is about"),
            _("Status"),
            _("Outcome"),
            _("Coordination result"),
            _("Coordinated on"),
        ]

        def rows():
            for d in (
                qs.select_related("office")
                .prefetch_related("departments")
                .order_by(*selectors.DISPUTE_ORDERING)
                .iterator(chunk_size=1000)
            ):
                yield [
                    d.office.display_name,
                    d.received_on,
                    d.subject,
                    _names(d.departments.all()),
                    d.parties,
                    d.description,
                    status(d.status),
                    outcome(d.outcome),
                    d.result,
                    d.concluded_on,
                ]

        audit.record_export(actor=request.user, what="supervision.disputes", count=count, filters=_for_audit(filters))
        return xlsx_stream_response("enforcement-disputes", str(_("Enforcement disputes")), headers, rows())


class DisputeCreateView(ModuleMixin, View):
    module = M
    action = Action.CREATE

    def get(self, request):
        form = forms.DisputeForm(actor=request.user)
        return _render_form(request, form, _("Register an enforcement dispute"), reverse("supervision:disputes"))

    def post(self, request):
        form = forms.DisputeForm(request.POST, actor=request.user)
        if form.is_valid():
            try:
                dispute = services.dispute_record(actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("Enforcement dispute registered."))
                return redirect("supervision:dispute", pk=dispute.pk)
        return _render_form(
            request, form, _("Register an enforcement dispute"), reverse("supervision:disputes"), status=400
        )


class DisputeDetailView(ScopedObjectMixin, View):
    module = M
    scoped_model = EnforcementDispute
    select_related = ("office", "org")

    def get(self, request, pk, form=None, status=200):
        dispute = self.object
        can_close = dispute.status == codes.DisputeStatus.OPEN and _may_change(
            request.user, EnforcementDispute, dispute
        )
        if can_close and form is None:
            form = forms.CoordinateForm(obj=dispute, prefix="coordinate")
        return render(
            request,
            "supervision/dispute_detail.html",
            {
                "dispute": dispute,
                "departments": list(dispute.departments.all()),
                "form": form if can_close else None,
            },
            status=status,
        )


class DisputeCoordinateView(ScopedObjectMixin, View):
    module = M
    action = Action.CHANGE
    scoped_model = EnforcementDispute
    select_related = ("office", "org")

    def get(self, request, pk):
        return redirect("supervision:dispute", pk=pk)

    def post(self, request, pk):
        dispute = self.object
        if dispute.status != codes.DisputeStatus.OPEN:
            messages.error(request, _("The coordination of this dispute is already closed."))
            return redirect("supervision:dispute", pk=pk)
        form = forms.CoordinateForm(request.POST, obj=dispute, prefix="coordinate")
        if form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version", None)
            try:
                services.dispute_coordinate(actor=request.user, dispute=dispute, expected_version=version, **data)
            except DomainError as exc:
                if exc.code in ("stale", "illegal_transition"):
                    messages.error(request, str(exc))
                    return redirect("supervision:dispute", pk=pk)
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("Coordination recorded."))
                return redirect("supervision:dispute", pk=pk)
        detail = DisputeDetailView()
        detail.object, detail.request = dispute, request
        return detail.get(request, pk, form=form, status=400)


# --- departments -------------------------------------------------------------------------------------


class DepartmentListView(ModuleMixin, View):
    """The enforcing departments of the office's town, and the form to add one."""

    module = M

    def get(self, request, form=None, status=200):
        user = request.user
        can_create = user.has_action(M, Action.CREATE)
        if can_create and form is None:
            form = forms.DepartmentForm(actor=user)
        office = selectors.office_in_scope(user, _int(request.GET.get("office")))
        q = request.GET.get("q", "").strip()[:50]
        return render(
            request,
            "supervision/departments.html",
            {
                "departments": selectors.department_list(user, office=office, q=q),
                "offices": selectors.office_choices(user),
                "office": office,
                "q": q,
                "form": form if can_create else None,
                "can_change": user.has_action(M, Action.CHANGE),
                "suggestions": [name for name, _kind in codes.DEFAULT_DEPARTMENTS],
            },
            status=status,
        )

    def post(self, request):
        if not request.user.has_action(M, Action.CREATE):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        form = forms.DepartmentForm(request.POST, actor=request.user)
        if form.is_valid():
            try:
                services.department_create(actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("Department added."))
                return redirect("supervision:departments")
        return self.get(request, form=form, status=400)


class DepartmentToggleView(ScopedObjectMixin, View):
    """POST: take a department off the lists (it keeps its records), or put it back."""

    module = M
    action = Action.CHANGE
    scoped_model = Department
    select_related = ("org",)

    def get(self, request, pk):
        return redirect("supervision:departments")

    def post(self, request, pk):
        try:
            services.department_update(actor=request.user, department=self.object, is_active=not self.object.is_active)
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Department updated."))
        return redirect("supervision:departments")


# --- figures -----------------------------------------------------------------------------------------


def _period(request):
    today = timezone.localdate()
    date_from = parse_date(request.GET.get("date_from")) or today.replace(month=1, day=1)
    date_to = parse_date(request.GET.get("date_to")) or today
    if date_to < date_from:
        date_from, date_to = date_to, date_from
    return date_from, date_to


class MetricsView(ModuleMixin, View):
    """The period's figures per office, and per department for one office."""

    module = M

    def get(self, request):
        date_from, date_to = _period(request)
        office = selectors.office_in_scope(request.user, _int(request.GET.get("office")))
        data = selectors.metrics(request.user, date_from=date_from, date_to=date_to, office=office)
        for row in [*data["offices"], *data["departments"], data["totals"]]:
            rate = row["rectified_on_time_rate"]
            row["rate_pct"] = None if rate is None else round(100 * rate, 1)
        chart = {
            "kinds": [{"name": str(label), "value": n} for _code, label, n in data["by_kind"]],
            "categories": [{"name": str(label), "value": n} for _code, label, n in data["by_category"]],
            "labels": {"count": str(_("Count"))},
        }
        return render(
            request,
            "supervision/metrics.html",
            {**data, "chart": chart, "office": office, "office_choices": selectors.office_choices(request.user)},
        )
