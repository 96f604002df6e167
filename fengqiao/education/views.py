"""Legal-education pages: activities (list with export, the phone entry form, detail and edit),
the guidance stations and their staff, the demonstration villages with their steps, and the figures."""

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from fengqiao.core import audit
from fengqiao.core.errors import DomainError
from fengqiao.core.pagination import keyset_paginate
from fengqiao.core.permissions import Action, Module
from fengqiao.core.views import ModuleMixin, ScopedObjectMixin, apply_domain_error, parse_date

from . import codes, forms, selectors, services
from .models import Activity, DemoVillage, Station, StationStaff

M = Module.EDUCATION


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _can(user, action, model=None, obj=None) -> bool:
    if not user.has_action(M, action):
        return False
    if obj is None:
        return True
    return model.objects.visible_to(user, action).filter(pk=obj.pk).exists()


def _filters_for_audit(filters) -> dict:
    return {k: str(getattr(v, "pk", v)) for k, v in filters.items() if v not in (None, "", False)}


# --- activities --------------------------------------------------------------------------------------


def activity_filters(request) -> dict:
    """The list's filters from the query string; anything unknown or out of scope is ignored."""
    g = request.GET
    led = {"1": True, "0": False}.get(g.get("led", ""))
    return {
        "q": g.get("q", "").strip()[:50],
        "form": g.get("form", "") if g.get("form") in codes.Form.values else "",
        "audience": g.get("audience", "") if g.get("audience") in codes.Audience.values else "",
        "place": selectors.place_in_scope(request.user, _int(g.get("place"))),
        "led": led,
        "date_from": parse_date(g.get("date_from")),
        "date_to": parse_date(g.get("date_to")),
    }


class ActivityListView(ModuleMixin, View):
    """The landing page: activities, newest first, with filters, keyset pages and the export."""

    module = M

    def get(self, request):
        filters = activity_filters(request)
        page = selectors.activity_search(request.user, cursor=request.GET.get("cursor"), **filters)
        user = request.user
        template = "education/_activity_rows.html" if request.htmx and request.GET.get("cursor") else None
        context = {
            "page": page,
            "filters": filters,
            "forms": codes.Form.choices,
            "audiences": codes.Audience.choices,
            "places": selectors.place_choices(user),
            "can_create": user.has_action(M, Action.CREATE),
            "can_export": user.has_action(M, Action.EXPORT),
            "query": request.GET.urlencode(),
        }
        return render(request, template or "education/list.html", context)


class ActivityExportView(ModuleMixin, View):
    """The filtered activities as .xlsx, streamed; the export is audited."""

    module = M
    action = Action.EXPORT
    MAX_ROWS = 100_000

    def get(self, request):
        from fengqiao.core.exports import xlsx_stream_response

        filters = activity_filters(request)
        qs = selectors.activity_filter(request.user, action=Action.EXPORT, **filters)
        count = qs.count()
        if count > self.MAX_ROWS:
            messages.error(
                request,
                _("%(count)s activities match; narrow the filter to at most %(max)s to export.")
                % {"count": count, "max": self.MAX_ROWS},
            )
            return redirect(f"{reverse('education:index')}?{request.GET.urlencode()}")
        headers = [
            _("Date"),
            _("Office"),
            _("Village or office"),
            _("Topic"),
            _("Activity form"),
            _("Venue"),
            _("Audience"),
            _("People reached"),
            _("Leading enforcement department"),
            _("Activity record"),
            _("Recorded by"),
        ]
        forms_ = dict(codes.Form.choices)
        audiences = dict(codes.Audience.choices)

        def rows():
            for row in (
                qs.order_by(*selectors.ACTIVITY_ORDERING)
                .values_list(
                    "date",
                    "office__office_name",
                    "org__name",
                    "topic",
                    "form",
                    "venue",
                    "audience",
                    "reached",
                    "department",
                    "record",
                    "recorded_by_repr",
                )
                .iterator(chunk_size=2000)
            ):
                date, office, place, topic, form, venue, audience, reached, dept, record, by = row
                yield [
                    date,
                    office,
                    place,
                    topic,
                    str(forms_.get(form, form)),
                    venue,
                    str(audiences.get(audience, audience)),
                    reached,
                    dept,
                    record,
                    by,
                ]

        audit.record_export(
            actor=request.user, what="education.activities", count=count, filters=_filters_for_audit(filters)
        )
        return xlsx_stream_response("education-activities", str(_("Legal education activities")), headers, rows())


def _render_form(request, form, title, back, status=200, template="education/form.html", **extra):
    return render(
        request,
        template,
        {"form": form, "title": title, "back": back, "departments": codes.DEPARTMENTS, **extra},
        status=status,
    )


class ActivityCreateView(ModuleMixin, View):
    """Record an activity: the phone form of education officers and village legal advisors."""

    module = M
    action = Action.CREATE

    def get(self, request):
        form = forms.ActivityForm(actor=request.user, initial={"org": request.user.org_id})
        return _render_form(request, form, _("Record an education activity"), reverse("education:index"))

    def post(self, request):
        form = forms.ActivityForm(request.POST, request.FILES, actor=request.user)
        if form.is_valid():
            try:
                activity = services.activity_record(actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("Education activity recorded."))
                return redirect("education:detail", pk=activity.pk)
        return _render_form(request, form, _("Record an education activity"), reverse("education:index"), status=400)


class ActivityDetailView(ScopedObjectMixin, View):
    module = M
    scoped_model = Activity
    select_related = ("org", "office", "recorded_by")

    def get(self, request, pk):
        activity = self.object
        return render(
            request,
            "education/detail.html",
            {
                "activity": activity,
                "history": selectors.object_history(activity),
                "can_change": _can(request.user, Action.CHANGE, Activity, activity),
            },
        )


class ActivityEditView(ScopedObjectMixin, View):
    module = M
    action = Action.CHANGE
    scoped_model = Activity
    select_related = ("org", "office")

    def _back(self):
        return reverse("education:detail", args=[self.object.pk])

    def get(self, request, pk):
        form = forms.ActivityForm(actor=request.user, activity=self.object)
        return _render_form(request, form, self.object.topic, self._back())

    def post(self, request, pk):
        form = forms.ActivityForm(request.POST, request.FILES, actor=request.user, activity=self.object)
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
        return _render_form(request, form, self.object.topic, self._back(), status=400)


class ActivityPhotoView(ScopedObjectMixin, View):
    """The activity's photo, served only to those who see the activity."""

    module = M
    scoped_model = Activity

    def get(self, request, pk):
        photo = self.object.photo
        if not photo:
            raise Http404
        ext = photo.name.rsplit(".", 1)[-1].lower()
        try:
            handle = photo.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        response = FileResponse(handle, content_type=codes.PHOTO_TYPES.get(ext, "application/octet-stream"))
        response["Cache-Control"] = "private, max-age=3600"
        response["X-Content-Type-Options"] = "nosniff"
        return response


# --- stations ----------------------------------------------------------------------------------------


class StationListView(ModuleMixin, View):
    """Every office of the user's area with its station, staff and whether a full-time staff member
    is in post (standard 14), a page of offices at a time; an office user sees their own."""

    module = M

    def get(self, request):
        from fengqiao.orgs.models import OrgKind, OrgNode

        ids = selectors.scope_offices(request.user)
        offices = OrgNode.objects.visible_to(request.user).filter(kind=OrgKind.TOWN, is_active=True)
        if ids is not None:
            offices = offices.filter(pk__in=sorted(ids))
        gaps_only = request.GET.get("gaps") == "1"
        page = keyset_paginate(offices, ordering=["path"], cursor=request.GET.get("cursor"), size=100)
        today = timezone.localdate()
        figures = selectors.office_figures([o.pk for o in page.items], today, today)
        stations = {
            s.office_id: s
            for s in selectors.station_visible(request.user).filter(office_id__in=[o.pk for o in page.items])
        }
        rows = []
        for office in page.items:
            f = figures.get(office.pk, {})
            row = {
                "office": office,
                "station": stations.get(office.pk),
                "fulltime": f.get(selectors.F_FULLTIME, 0),
                "staff": f.get(selectors.F_STAFF, 0),
            }
            row["gap"] = row["station"] is None or row["fulltime"] < codes.FULLTIME_STAFF_MIN
            if not gaps_only or row["gap"]:
                rows.append(row)
        return render(
            request,
            "education/stations.html",
            {
                "rows": rows,
                "page": page,
                "gaps_only": gaps_only,
                "can_create": request.user.has_action(M, Action.CREATE),
                "minimum": codes.FULLTIME_STAFF_MIN,
            },
        )


class StationCreateView(ModuleMixin, View):
    module = M
    action = Action.CREATE

    def get(self, request):
        initial = {"office": request.user.office_id, "set_up_on": timezone.localdate()}
        office = request.user.office
        if office is not None:
            initial["name"] = f"{office.name}法治宣传教育辅导站"
            initial["address"] = office.address
        form = forms.StationForm(actor=request.user, initial=initial)
        return _render_form(request, form, _("Set up the guidance station"), reverse("education:stations"))

    def post(self, request):
        form = forms.StationForm(request.POST, actor=request.user)
        if form.is_valid():
            try:
                station = services.station_set_up(actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("Guidance station recorded."))
                return redirect("education:station", pk=station.pk)
        return _render_form(request, form, _("Set up the guidance station"), reverse("education:stations"), status=400)


class StationDetailView(ScopedObjectMixin, View):
    module = M
    scoped_model = Station
    select_related = ("org", "office")

    def get(self, request, pk, staff_form=None, status=200):
        station = self.object
        can_change = _can(request.user, Action.CHANGE, Station, station)
        today = timezone.localdate()
        staff = selectors.staff_of(station)
        in_post = [s for s in staff if s.in_post_on(today)]
        return render(
            request,
            "education/station.html",
            {
                "station": station,
                "staff": staff,
                "fulltime": sum(1 for s in in_post if s.employment == codes.Employment.FULL_TIME),
                "minimum": codes.FULLTIME_STAFF_MIN,
                "timeline": selectors.station_timeline(station),
                "can_change": can_change,
                "staff_form": staff_form or (forms.StaffForm(station=station, prefix="staff") if can_change else None),
                "end_form": forms.StaffEndForm(prefix="end") if can_change else None,
                "today": today,
            },
            status=status,
        )


class StationEditView(ScopedObjectMixin, View):
    module = M
    action = Action.CHANGE
    scoped_model = Station
    select_related = ("org", "office")

    def _back(self):
        return reverse("education:station", args=[self.object.pk])

    def get(self, request, pk):
        form = forms.StationForm(actor=request.user, station=self.object)
        return _render_form(request, form, self.object.name, self._back())

    def post(self, request, pk):
        form = forms.StationForm(request.POST, actor=request.user, station=self.object)
        if form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version", None)
            try:
                services.station_update(actor=request.user, station=self.object, expected_version=version, **data)
            except DomainError as exc:
                if exc.code == "stale":
                    messages.error(request, str(exc))
                    return redirect(self._back())
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("Details saved."))
                return redirect(self._back())
        return _render_form(request, form, self.object.name, self._back(), status=400)


class StaffAddView(ScopedObjectMixin, View):
    """POST: put someone in post at the station; GET goes back to the station."""

    module = M
    action = Action.CHANGE
    scoped_model = Station
    select_related = ("org", "office")

    def get(self, request, pk):
        return redirect("education:station", pk=pk)

    def post(self, request, pk):
        station = self.object
        form = forms.StaffForm(request.POST, station=station, prefix="staff")
        if form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version", None)
            try:
                services.staff_add(actor=request.user, station=station, expected_version=version, **data)
            except DomainError as exc:
                if exc.code == "stale":
                    messages.error(request, str(exc))
                    return redirect("education:station", pk=pk)
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("Staff member added."))
                return redirect("education:station", pk=pk)
        detail = StationDetailView()
        detail.object, detail.request = station, request
        return detail.get(request, pk, staff_form=form, status=400)


class StaffEndView(ScopedObjectMixin, View):
    """POST: record that a staff member left the station."""

    module = M
    action = Action.CHANGE
    scoped_model = StationStaff
    select_related = ("org", "station")

    def get(self, request, pk):
        return redirect("education:station", pk=self.object.station_id)

    def post(self, request, pk):
        staff = self.object
        form = forms.StaffEndForm(request.POST, prefix="end")
        if form.is_valid():
            try:
                services.staff_end(
                    actor=request.user, staff=staff, end_on=form.cleaned_data["end_on"], note=form.cleaned_data["note"]
                )
            except DomainError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("%(name)s left the station.") % {"name": staff.name})
        else:
            messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("education:station", pk=staff.station_id)


# --- demonstration villages --------------------------------------------------------------------------


def village_filters(request) -> dict:
    g = request.GET
    return {
        "q": g.get("q", "").strip()[:50],
        "status": g.get("status", "") if g.get("status") in codes.VillageStatus.values else "",
        "level": g.get("level", "") if g.get("level") in codes.Level.values else "",
        "place": selectors.place_in_scope(request.user, _int(g.get("place"))),
    }


class VillageListView(ModuleMixin, View):
    module = M

    def get(self, request):
        filters = village_filters(request)
        page = selectors.village_search(request.user, cursor=request.GET.get("cursor"), **filters)
        return render(
            request,
            "education/villages.html",
            {
                "page": page,
                "filters": filters,
                "statuses": codes.VillageStatus.choices,
                "levels": codes.Level.choices,
                "places": selectors.place_choices(request.user),
                "can_create": request.user.has_action(M, Action.CREATE),
            },
        )


class VillageCreateView(ModuleMixin, View):
    module = M
    action = Action.CREATE

    def get(self, request):
        form = forms.VillageForm(actor=request.user)
        return _render_form(request, form, _("Put forward a demonstration village"), reverse("education:villages"))

    def post(self, request):
        form = forms.VillageForm(request.POST, actor=request.user)
        if form.is_valid():
            try:
                village = services.village_nominate(actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("Candidate recorded."))
                return redirect("education:village", pk=village.pk)
        return _render_form(
            request, form, _("Put forward a demonstration village"), reverse("education:villages"), status=400
        )


VILLAGE_STEP_FORMS = {
    codes.Step.DESIGNATE: forms.DesignateForm,
    codes.Step.REVIEW_PASS: forms.ReviewForm,  # one form for both results of a review
    codes.Step.WITHDRAW: forms.WithdrawForm,
    codes.Step.RENOMINATE: forms.RenominateForm,
}
# URL segment → step (the review form records a pass or a failure)
STEP_URLS = {"designate": codes.Step.DESIGNATE, "review": codes.Step.REVIEW_PASS, "withdraw": codes.Step.WITHDRAW,
             "renominate": codes.Step.RENOMINATE}  # fmt: skip
STEP_LABELS = {
    "designate": gettext_lazy("Record a designation"),
    "review": gettext_lazy("Record a review"),
    "withdraw": gettext_lazy("Withdraw the candidacy"),
    "renominate": gettext_lazy("Put forward again"),
}
STEP_DONE = {
    "designate": gettext_lazy("Designation recorded."),
    "review": gettext_lazy("Review recorded."),
    "withdraw": gettext_lazy("Candidacy withdrawn."),
    "renominate": gettext_lazy("Village put forward again."),
}


def _steps_for(village) -> list[str]:
    allowed = set(codes.steps_from(village.status))
    if village.is_designated and village.level == codes.Level.NATIONAL:
        allowed.discard(codes.Step.DESIGNATE)  # nothing above the national level
    return [name for name, step in STEP_URLS.items() if step in allowed]


def _run_step(name, actor, village, data):
    version = data.pop("version", None)
    if name == "designate":
        return services.village_designate(actor=actor, village=village, expected_version=version, **data)
    if name == "review":
        return services.village_review(actor=actor, village=village, expected_version=version, **data)
    if name == "withdraw":
        return services.village_withdraw(actor=actor, village=village, expected_version=version, **data)
    return services.village_renominate(actor=actor, village=village, expected_version=version, **data)


class VillageDetailView(ScopedObjectMixin, View):
    module = M
    scoped_model = DemoVillage
    select_related = ("org", "office")

    def get(self, request, pk, bound=None, status=200):
        village = self.object
        can_change = _can(request.user, Action.CHANGE, DemoVillage, village)
        steps = []
        if can_change:
            for name in _steps_for(village):
                if bound is not None and bound[0] == name:
                    steps.append((name, bound[1]))
                else:
                    steps.append((name, VILLAGE_STEP_FORMS[STEP_URLS[name]](village=village, prefix=name)))
        return render(
            request,
            "education/village.html",
            {
                "village": village,
                "history": selectors.village_history(village),
                "steps": steps,
                "open_step": bound[0] if bound is not None else (steps[0][0] if steps else ""),
                "step_labels": STEP_LABELS,
            },
            status=status,
        )


class VillageStepView(ScopedObjectMixin, View):
    module = M
    action = Action.CHANGE
    scoped_model = DemoVillage
    select_related = ("org", "office")
    step = ""

    def get(self, request, pk):
        return redirect("education:village", pk=pk)

    def post(self, request, pk):
        name, village = self.step, self.object
        if name not in _steps_for(village):
            messages.error(
                request,
                _("A village that is “%(status)s” cannot take this step.") % {"status": village.get_status_display()},
            )
            return redirect("education:village", pk=pk)
        form = VILLAGE_STEP_FORMS[STEP_URLS[name]](request.POST, village=village, prefix=name)
        if form.is_valid():
            try:
                _run_step(name, request.user, village, dict(form.cleaned_data))
            except DomainError as exc:
                if exc.code in ("stale", "illegal_transition"):
                    messages.error(request, str(exc))
                    return redirect("education:village", pk=pk)
                apply_domain_error(form, exc)
            else:
                messages.success(request, str(STEP_DONE[name]))
                return redirect("education:village", pk=pk)
        detail = VillageDetailView()
        detail.object, detail.request = village, request
        return detail.get(request, pk, bound=(name, form), status=400)


# --- figures -----------------------------------------------------------------------------------------


def _period(request):
    today = timezone.localdate()
    date_from = parse_date(request.GET.get("date_from")) or today.replace(month=1, day=1)
    date_to = parse_date(request.GET.get("date_to")) or today
    if date_to < date_from:
        date_from, date_to = date_to, date_from
    return date_from, date_to


class MetricsView(ModuleMixin, View):
    """The period's figures per office (standards 14-15), and per village for one chosen office."""

    module = M

    def get(self, request):
        date_from, date_to = _period(request)
        data = selectors.metrics(request.user, date_from=date_from, date_to=date_to)
        office_id = _int(request.GET.get("office"))
        if office_id is None and len(data["offices"]) == 1:
            office_id = data["offices"][0]["office_id"]
        villages = selectors.village_figures(request.user, office_id, date_from, date_to) if office_id else []
        chosen = next((o for o in data["offices"] if o["office_id"] == office_id), None)
        chart = {
            "forms": [
                {"name": str(label), "value": data["by_form"].get(code, 0)} for code, label in codes.Form.choices
            ],
            "labels": {"activities": str(_("Education activities"))},
        }
        return render(
            request,
            "education/metrics.html",
            {
                **data,
                "level_codes": [(label, selectors.F_DESIGNATED_LEVEL[code]) for code, label in codes.Level.choices],
                "levels": [(label, data["totals"]["by_level"][code]) for code, label in codes.Level.choices],
                "forms_count": [(label, data["by_form"].get(code, 0)) for code, label in codes.Form.choices],
                "villages": villages,
                "chosen": chosen,
                "chart": chart,
                "minimum": codes.FULLTIME_STAFF_MIN,
            },
        )
