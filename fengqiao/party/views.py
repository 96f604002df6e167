"""Party-building pages: the office's branch page, the branch form, members, activities, venues,
the violation register (view_sensitive only), exports and the figures."""

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
from .models import Activity, Member, Venue, Violation

MAX_EXPORT = 100_000


def _office(request, action=Action.VIEW):
    """The office the page is about: ?office= inside the user's scope, or the user's only office."""
    value = request.GET.get("office") or request.POST.get("office")
    if value:
        return selectors.office_for(request.user, value, action)
    offices = list(selectors.offices_for(request.user, action)[:2])
    return offices[0] if len(offices) == 1 else None


def _office_url(name, office, **extra):
    from urllib.parse import urlencode

    params = {"office": office.pk} if office is not None else {}
    params.update({k: v for k, v in extra.items() if v not in (None, "")})
    return reverse(name) + (f"?{urlencode(params)}" if params else "")


def _choose_office(request):
    messages.info(request, _("Choose an office first."))
    return redirect("party:index")


def _period(request):
    today = timezone.localdate()
    date_from = parse_date(request.GET.get("date_from")) or today.replace(month=1, day=1)
    date_to = parse_date(request.GET.get("date_to")) or today
    if date_to < date_from:
        date_from, date_to = date_to, date_from
    return date_from, date_to


# --- the branch page ---------------------------------------------------------------------------------


class IndexView(ModuleMixin, View):
    """One office: its branch, members, venues, recent activities and the year's 三会一课; for a
    bureau without an office chosen, the offices with this year's figures."""

    module = Module.PARTY

    def get(self, request):
        user = request.user
        office = _office(request)
        if office is None:
            today = timezone.localdate()
            data = selectors.metrics(user, date_from=today.replace(month=1, day=1), date_to=today)
            return render(
                request, "party/offices.html", {**data, "can_see_violations": selectors.may_see_violations(user)}
            )
        data = selectors.overview(user, office)
        can_create = user.has_action(Module.PARTY, Action.CREATE) and selectors.office_for(
            user, office.pk, Action.CREATE
        )
        return render(
            request,
            "party/index.html",
            {
                **data,
                "can_create": bool(can_create),
                "can_change": bool(
                    user.has_action(Module.PARTY, Action.CHANGE)
                    and selectors.office_for(user, office.pk, Action.CHANGE)
                ),
                "can_see_violations": selectors.may_see_violations(user, office),
                "several": selectors.offices_for(user)[:2].count() > 1,
                "today": timezone.localdate(),
            },
        )


class BranchView(ModuleMixin, View):
    """Register the office's branch, or change it."""

    module = Module.PARTY
    action = Action.CHANGE

    def _render(self, request, office, form, status=200):
        return render(
            request,
            "party/form.html",
            {
                "form": form,
                "office": office,
                "title": _("Party branch"),
                "back": _office_url("party:index", office),
                "form_id": "branch-form",
            },
            status=status,
        )

    def get(self, request):
        office = _office(request, Action.CHANGE)
        if office is None:
            return _choose_office(request)
        branch = selectors.branch_of(request.user, office, Action.CHANGE)
        return self._render(request, office, forms.BranchForm(branch=branch))

    def post(self, request):
        office = _office(request, Action.CHANGE)
        if office is None:
            return _choose_office(request)
        branch = selectors.branch_of(request.user, office, Action.CHANGE)
        form = forms.BranchForm(request.POST, branch=branch)
        if form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version", None)
            try:
                if branch is None:
                    services.branch_create(actor=request.user, office=office, **data)
                else:
                    services.branch_update(actor=request.user, branch=branch, expected_version=version, **data)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("Party branch saved."))
                return redirect(_office_url("party:index", office))
        return self._render(request, office, form, status=400)


# --- members -----------------------------------------------------------------------------------------


def member_filters(request):
    g = request.GET
    state = g.get("state", "active")
    return {
        "q": g.get("q", "").strip()[:50],
        "status": g.get("status", "") if g.get("status") in codes.MemberStatus.values else "",
        "state": state if state in ("active", "left", "all") else "active",
        "office": selectors.office_for(request.user, g.get("office")) if g.get("office") else None,
    }


def _audit_filters(filters):
    return {k: str(getattr(v, "pk", v)) for k, v in filters.items() if v not in (None, "", False)}


class MemberListView(ModuleMixin, View):
    module = Module.PARTY

    def get(self, request):
        filters = member_filters(request)
        page = selectors.member_search(request.user, cursor=request.GET.get("cursor"), **filters)
        return render(
            request,
            "party/members.html",
            {
                "page": page,
                "filters": filters,
                "statuses": codes.MemberStatus.choices,
                "offices": list(selectors.offices_for(request.user)[:200]),
                "can_create": request.user.has_action(Module.PARTY, Action.CREATE),
                "can_export": request.user.has_action(Module.PARTY, Action.EXPORT),
                "query": request.GET.urlencode(),
            },
        )


class MemberExportView(ModuleMixin, View):
    module = Module.PARTY
    action = Action.EXPORT

    def get(self, request):
        from fengqiao.core.exports import xlsx_stream_response

        filters = member_filters(request)
        qs = selectors.member_filter(request.user, action=Action.EXPORT, **filters)
        count = qs.count()
        if count > MAX_EXPORT:
            messages.error(request, _("Too many rows: narrow the filter to export."))
            return redirect(f"{reverse('party:members')}?{request.GET.urlencode()}")
        headers = [
            _("Office"),
            _("Full name"),
            _("Membership"),
            _("Joined the party on"),
            _("Became a full member on"),
            _("Transferred in on"),
            _("Transferred in from"),
            _("Transferred out on"),
            _("Transferred out to"),
            _("User account"),
        ]
        statuses = dict(codes.MemberStatus.choices)

        def rows():
            for r in (
                qs.order_by(*selectors.LIST_ORDERING)
                .values_list(
                    "office__office_name",
                    "name",
                    "status",
                    "joined_on",
                    "formal_on",
                    "transferred_in_on",
                    "transferred_from",
                    "transferred_out_on",
                    "transferred_to",
                    "user__username",
                )
                .iterator(chunk_size=2000)
            ):
                yield [r[0], r[1], str(statuses.get(r[2], r[2])), *r[3:]]

        audit.record_export(actor=request.user, what="party.members", count=count, filters=_audit_filters(filters))
        return xlsx_stream_response("party-members", str(_("Party members")), headers, rows())


class MemberCreateView(ModuleMixin, View):
    module = Module.PARTY
    action = Action.CREATE

    def _render(self, request, office, form, status=200):
        return render(
            request,
            "party/form.html",
            {
                "form": form,
                "office": office,
                "title": _("Add a party member"),
                "back": _office_url("party:index", office),
                "form_id": "member-form",
            },
            status=status,
        )

    def _setup(self, request):
        office = _office(request, Action.CREATE)
        branch = selectors.branch_of(request.user, office, Action.CREATE) if office is not None else None
        return office, branch

    def get(self, request):
        office, branch = self._setup(request)
        if office is None:
            return _choose_office(request)
        if branch is None:
            messages.warning(request, _("Register the office's party branch first."))
            return redirect(_office_url("party:branch", office))
        return self._render(request, office, forms.MemberForm(office=office))

    def post(self, request):
        office, branch = self._setup(request)
        if office is None or branch is None:
            return _choose_office(request)
        form = forms.MemberForm(request.POST, office=office)
        if form.is_valid():
            try:
                member = services.member_add(actor=request.user, branch=branch, **form.cleaned_data)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("%(name)s added to the branch.") % {"name": member.name})
                return redirect("party:member", pk=member.pk)
        return self._render(request, office, form, status=400)


MEMBER_STEPS = {"confirm": forms.ConfirmForm, "out": forms.TransferOutForm}
MEMBER_STEP_LABELS = {
    "confirm": gettext_lazy("Becomes a full member"),
    "out": gettext_lazy("Moves out of the branch"),
}


class MemberDetailView(ScopedObjectMixin, View):
    module = Module.PARTY
    scoped_model = Member
    select_related = ("office", "branch", "user")

    def get(self, request, pk, bound=None, status=200):
        member = self.object
        steps = []
        if member.active and selectors.may(request.user, member, Action.CHANGE):
            for step, form_class in MEMBER_STEPS.items():
                if step == "confirm" and member.status != codes.MemberStatus.PROBATIONARY:
                    continue
                form = bound[1] if bound and bound[0] == step else form_class(member=member, prefix=step)
                steps.append((step, form))
        return render(
            request,
            "party/member.html",
            {
                "member": member,
                "timeline": selectors.member_timeline(member),
                "steps": steps,
                "step_labels": MEMBER_STEP_LABELS,
                "open_step": bound[0] if bound else (steps[0][0] if steps else ""),
            },
            status=status,
        )


class MemberStepView(ScopedObjectMixin, View):
    module = Module.PARTY
    action = Action.CHANGE
    scoped_model = Member
    select_related = ("office", "branch", "user")
    step = ""

    def get(self, request, pk):
        return redirect("party:member", pk=pk)

    def post(self, request, pk):
        member = self.object
        form = MEMBER_STEPS[self.step](request.POST, member=member, prefix=self.step)
        if form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version")
            try:
                if self.step == "confirm":
                    services.member_confirm(actor=request.user, member=member, expected_version=version, **data)
                else:
                    services.member_transfer_out(actor=request.user, member=member, expected_version=version, **data)
            except DomainError as exc:
                if exc.code in ("stale", "illegal_transition"):
                    messages.error(request, str(exc))
                    return redirect("party:member", pk=pk)
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("party:member", pk=pk)
        view = MemberDetailView()
        view.object, view.request = member, request
        return view.get(request, pk, bound=(self.step, form), status=400)


# --- activities --------------------------------------------------------------------------------------


def activity_filters(request):
    g = request.GET
    return {
        "q": g.get("q", "").strip()[:50],
        "type": g.get("type", "") if g.get("type") in codes.ActivityType.values else "",
        "date_from": parse_date(g.get("date_from")),
        "date_to": parse_date(g.get("date_to")),
        "office": selectors.office_for(request.user, g.get("office")) if g.get("office") else None,
    }


class ActivityListView(ModuleMixin, View):
    module = Module.PARTY

    def get(self, request):
        filters = activity_filters(request)
        page = selectors.activity_search(request.user, cursor=request.GET.get("cursor"), **filters)
        return render(
            request,
            "party/activities.html",
            {
                "page": page,
                "filters": filters,
                "types": codes.ActivityType.choices,
                "offices": list(selectors.offices_for(request.user)[:200]),
                "can_create": request.user.has_action(Module.PARTY, Action.CREATE),
                "can_export": request.user.has_action(Module.PARTY, Action.EXPORT),
                "query": request.GET.urlencode(),
            },
        )


class ActivityExportView(ModuleMixin, View):
    module = Module.PARTY
    action = Action.EXPORT

    def get(self, request):
        from fengqiao.core.exports import xlsx_stream_response

        filters = activity_filters(request)
        qs = selectors.activity_filter(request.user, action=Action.EXPORT, **filters)
        count = qs.count()
        if count > MAX_EXPORT:
            messages.error(request, _("Too many rows: narrow the filter to export."))
            return redirect(f"{reverse('party:activities')}?{request.GET.urlencode()}")
        headers = [
            _("Office"),
            _("Date"),
            _("Type"),
            _("Topic"),
            _("Place of the activity"),
            _("Members in the branch"),
            _("Members present"),
            _("Attendance rate"),
            _("Minutes"),
        ]
        types = dict(codes.ActivityType.choices)

        def rows():
            for r in (
                qs.order_by(*selectors.ACTIVITY_ORDERING)
                .values_list(
                    "office__office_name", "date", "type", "topic", "place", "expected_count", "present_count", "record"
                )
                .iterator(chunk_size=2000)
            ):
                rate = round(r[6] / r[5], 3) if r[5] else None
                yield [r[0], r[1], str(types.get(r[2], r[2])), r[3], r[4], r[5], r[6], rate, r[7]]

        audit.record_export(actor=request.user, what="party.activities", count=count, filters=_audit_filters(filters))
        return xlsx_stream_response("party-activities", str(_("Party activities")), headers, rows())


class ActivityCreateView(ModuleMixin, View):
    """Record a meeting or activity with the members present: the phone form."""

    module = Module.PARTY
    action = Action.CREATE

    def _setup(self, request):
        office = _office(request, Action.CREATE)
        branch = selectors.branch_of(request.user, office, Action.CREATE) if office is not None else None
        return office, branch

    def _render(self, request, office, form, status=200):
        return render(
            request,
            "party/activity_form.html",
            {"form": form, "office": office, "topics": codes.TOPICS, "back": _office_url("party:index", office)},
            status=status,
        )

    def get(self, request):
        office, branch = self._setup(request)
        if office is None:
            return _choose_office(request)
        if branch is None:
            messages.warning(request, _("Register the office's party branch first."))
            return redirect(_office_url("party:branch", office))
        initial = {}
        if request.GET.get("type") in codes.ActivityType.values:
            initial["type"] = request.GET["type"]
        return self._render(request, office, forms.ActivityForm(members=_branch_members(branch), initial=initial))

    def post(self, request):
        office, branch = self._setup(request)
        if office is None or branch is None:
            return _choose_office(request)
        form = forms.ActivityForm(request.POST, members=_branch_members(branch))
        if form.is_valid():
            try:
                activity = services.activity_record(actor=request.user, branch=branch, **form.cleaned_data)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("Activity recorded."))
                return redirect("party:activity", pk=activity.pk)
        return self._render(request, office, form, status=400)


def _branch_members(branch):
    # Every member ever on the register may be offered: the service checks they were in the branch
    # on the activity's day, which may be in the past.
    return Member.objects.filter(branch=branch).order_by("-active", "name", "id")


class ActivityDetailView(ScopedObjectMixin, View):
    module = Module.PARTY
    scoped_model = Activity
    select_related = ("office", "branch", "recorded_by")

    def get(self, request, pk):
        from fengqiao.core.models import AuditEvent

        activity = self.object
        history = AuditEvent.objects.filter(object_type="party.activity", object_id=str(activity.pk)).order_by("at")[
            :50
        ]
        return render(
            request,
            "party/activity.html",
            {"activity": activity, "attendance": selectors.activity_attendance(activity), "history": history},
        )


# --- venues ------------------------------------------------------------------------------------------


class VenueCreateView(ModuleMixin, View):
    module = Module.PARTY
    action = Action.CREATE

    def _render(self, request, office, form, status=200):
        return render(
            request,
            "party/form.html",
            {
                "form": form,
                "office": office,
                "title": _("Register a party-building venue"),
                "back": _office_url("party:index", office),
                "form_id": "venue-form",
            },
            status=status,
        )

    def get(self, request):
        office = _office(request, Action.CREATE)
        if office is None:
            return _choose_office(request)
        return self._render(request, office, forms.VenueForm())

    def post(self, request):
        office = _office(request, Action.CREATE)
        if office is None:
            return _choose_office(request)
        form = forms.VenueForm(request.POST)
        if form.is_valid():
            try:
                venue = services.venue_add(actor=request.user, office=office, **form.cleaned_data)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("Venue registered."))
                return redirect("party:venue", pk=venue.pk)
        return self._render(request, office, form, status=400)


class VenueDetailView(ScopedObjectMixin, View):
    module = Module.PARTY
    scoped_model = Venue
    select_related = ("office",)

    def get(self, request, pk, form=None, status=200):
        venue = self.object
        can_change = selectors.may(request.user, venue, Action.CHANGE)
        return render(
            request,
            "party/venue.html",
            {
                "venue": venue,
                "checks": venue.checks.order_by("-date", "-id")[: selectors.TIMELINE_LIMIT],
                "form": (form or forms.VenueCheckForm()) if can_change else None,
            },
            status=status,
        )


class VenueCheckView(ScopedObjectMixin, View):
    module = Module.PARTY
    action = Action.CHANGE
    scoped_model = Venue

    def get(self, request, pk):
        return redirect("party:venue", pk=pk)

    def post(self, request, pk):
        form = forms.VenueCheckForm(request.POST)
        if form.is_valid():
            try:
                services.venue_check_add(actor=request.user, venue=self.object, **form.cleaned_data)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("Check recorded."))
                return redirect("party:venue", pk=pk)
        view = VenueDetailView()
        view.object, view.request = self.object, request
        return view.get(request, pk, form=form, status=400)


# --- violations --------------------------------------------------------------------------------------


class ViolationListView(ModuleMixin, View):
    module = Module.PARTY
    action = Action.VIEW_SENSITIVE

    def get(self, request):
        g = request.GET
        filters = {
            "q": g.get("q", "").strip()[:50],
            "status": g.get("status", "") if g.get("status") in codes.ViolationStatus.values else "",
            "office": selectors.office_for(request.user, g.get("office"), Action.VIEW_SENSITIVE)
            if g.get("office")
            else None,
        }
        page = selectors.violation_search(request.user, cursor=g.get("cursor"), **filters)
        return render(
            request,
            "party/violations.html",
            {
                "page": page,
                "filters": filters,
                "statuses": codes.ViolationStatus.choices,
                "can_create": request.user.has_action(Module.PARTY, Action.CREATE),
            },
        )


class ViolationCreateView(ModuleMixin, View):
    module = Module.PARTY
    action = Action.VIEW_SENSITIVE

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.has_action(Module.PARTY, Action.CREATE):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def _office(self, request):
        office = _office(request, Action.VIEW_SENSITIVE)
        if office is not None and selectors.office_for(request.user, office.pk, Action.CREATE) is None:
            return None
        return office

    def _render(self, request, office, form, status=200):
        return render(
            request,
            "party/form.html",
            {
                "form": form,
                "office": office,
                "title": _("Record a disciplinary violation"),
                "back": reverse("party:violations"),
                "form_id": "violation-form",
            },
            status=status,
        )

    def get(self, request):
        office = self._office(request)
        if office is None:
            return _choose_office(request)
        return self._render(request, office, forms.ViolationForm())

    def post(self, request):
        office = self._office(request)
        if office is None:
            return _choose_office(request)
        form = forms.ViolationForm(request.POST)
        if form.is_valid():
            try:
                violation = services.violation_record(actor=request.user, office=office, **form.cleaned_data)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("Violation recorded."))
                return redirect("party:violation", pk=violation.pk)
        return self._render(request, office, form, status=400)


class ViolationDetailView(ScopedObjectMixin, View):
    module = Module.PARTY
    action = Action.VIEW_SENSITIVE
    scoped_model = Violation
    select_related = ("office", "recorded_by")

    def get(self, request, pk, form=None, status=200):
        violation = self.object
        can_decide = violation.status == codes.ViolationStatus.OPEN and selectors.may(
            request.user, violation, Action.CHANGE
        )
        return render(
            request,
            "party/violation.html",
            {"violation": violation, "form": (form or forms.DecideForm(violation=violation)) if can_decide else None},
            status=status,
        )


class ViolationDecideView(ScopedObjectMixin, View):
    module = Module.PARTY
    action = Action.VIEW_SENSITIVE
    scoped_model = Violation

    def get(self, request, pk):
        return redirect("party:violation", pk=pk)

    def post(self, request, pk):
        if not request.user.has_action(Module.PARTY, Action.CHANGE):
            raise PermissionDenied
        form = forms.DecideForm(request.POST, violation=self.object)
        if form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version")
            try:
                services.violation_decide(actor=request.user, violation=self.object, expected_version=version, **data)
            except DomainError as exc:
                if exc.code in ("stale", "illegal_transition"):
                    messages.error(request, str(exc))
                    return redirect("party:violation", pk=pk)
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("Decision recorded."))
                return redirect("party:violation", pk=pk)
        view = ViolationDetailView()
        view.object, view.request = self.object, request
        return view.get(request, pk, form=form, status=400)


# --- figures -----------------------------------------------------------------------------------------


class MetricsView(ModuleMixin, View):
    """The standard's party-building figures per office for a chosen period."""

    module = Module.PARTY

    def get(self, request):
        date_from, date_to = _period(request)
        data = selectors.metrics(request.user, date_from=date_from, date_to=date_to)
        return render(request, "party/metrics.html", {**data, "figures": selectors.FIGURES})
