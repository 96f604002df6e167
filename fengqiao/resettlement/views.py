"""Resettlement pages: the list of released persons with its export, the handover form, the person's
page with its timeline and steps, the edit form, staffing and the figures."""

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from fengqiao.core import audit
from fengqiao.core.errors import DomainError
from fengqiao.core.permissions import Action, Module
from fengqiao.core.scoping import subtree_q
from fengqiao.core.views import ModuleMixin, ScopedObjectMixin, apply_domain_error, parse_date

from . import codes, forms, selectors, services
from .models import ReleasedPerson


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _place(user, pk):
    """A town or village inside the user's resettlement scope, or None."""
    from fengqiao.orgs.models import OrgKind, OrgNode

    if not pk:
        return None
    within = Q(pk__in=[])
    for node in user.scope_nodes_for(Module.RESETTLEMENT, Action.VIEW):
        within |= subtree_q(node.path)
    return OrgNode.objects.filter(within, pk=pk, kind__in=[OrgKind.TOWN, OrgKind.VILLAGE]).first()


def list_filters(request) -> dict:
    """The list's filters from the query string; anything unknown or outside the user's scope is
    ignored rather than failing. Without a status the list shows the persons in assistance."""
    g = request.GET
    status = g.get("status", codes.Status.ACTIVE)
    return {
        "q": g.get("q", "").strip()[:50],
        "level": g.get("level", "") if g.get("level") in codes.Level.values else "",
        "worker": _int(g.get("worker")),
        "status": status if status in codes.Status.values else "",
        "village": _place(request.user, _int(g.get("village"))),
        "employment": g.get("employment", "") if g.get("employment") in codes.Employment.values else "",
        "due": g.get("due") == "1",
        "expired": g.get("expired") == "1",
        "unassigned": g.get("unassigned") == "1",
    }


def _filters_for_audit(filters) -> dict:
    return {k: str(getattr(v, "pk", v)) for k, v in filters.items() if v not in (None, "", False)}


class PersonListView(ModuleMixin, View):
    module = Module.RESETTLEMENT

    def get(self, request):
        filters = list_filters(request)
        if request.GET.get("status") == "all":
            filters["status"] = ""
        page = selectors.person_search(request.user, cursor=request.GET.get("cursor"), **filters)
        user = request.user
        return render(
            request,
            "resettlement/list.html",
            {
                "page": page,
                "filters": filters,
                "status_param": request.GET.get("status", codes.Status.ACTIVE),
                "counts": selectors.counts(user),
                "levels": codes.Level.choices,
                "statuses": codes.Status.choices,
                "employments": codes.Employment.choices,
                "workers": selectors.worker_choices(user),
                "villages": selectors.place_choices(user),
                "can_create": user.has_action(Module.RESETTLEMENT, Action.CREATE),
                "can_export": user.has_action(Module.RESETTLEMENT, Action.EXPORT),
                "query": request.GET.urlencode(),
                "due_days": codes.CONTACT_DUE_DAYS,
            },
        )


class PersonExportView(ModuleMixin, View):
    """The filtered list as .xlsx, streamed row by row; ID numbers and phones masked."""

    module = Module.RESETTLEMENT
    action = Action.EXPORT
    MAX_ROWS = 100_000

    def get(self, request):
        from fengqiao.core.exports import xlsx_stream_response
        from fengqiao.core.validators import mask_id_number, mask_phone

        filters = list_filters(request)
        if request.GET.get("status") == "all":
            filters["status"] = ""
        qs = selectors.person_filter(request.user, action=Action.EXPORT, **filters)
        count = qs.count()
        if count > self.MAX_ROWS:
            messages.error(
                request,
                _("%(count)s persons match; narrow the filter to at most %(max)s to export.")
                % {"count": count, "max": self.MAX_ROWS},
            )
            return redirect(f"{reverse('resettlement:list')}?{request.GET.urlencode()}")
        headers = [
            _("Full name"),
            _("Gender"),
            _("ID number"),
            _("Phone"),
            _("Place of residence"),
            _("Offence"),
            _("Sentence"),
            _("Released from"),
            _("Released on"),
            _("Handed over on"),
            _("Met at the prison gate"),
            _("Assistance level"),
            _("Employment"),
            _("Housing"),
            _("Social assistance"),
            _("Resettlement worker"),
            _("Assistance period ends"),
            _("Last contact"),
            _("Status"),
            _("Ended on"),
            _("Reason for ending"),
        ]
        labels = {
            "gender": dict(codes.Gender.choices),
            "level": dict(codes.Level.choices),
            "employment": dict(codes.Employment.choices),
            "housing": dict(codes.Housing.choices),
            "assistance": dict(codes.Assistance.choices),
            "status": dict(codes.Status.choices),
            "end_reason": dict(codes.EndReason.choices),
        }
        yes, no = _("Yes"), _("No")

        def label(kind, value):
            return str(labels[kind].get(value, value)) if value else ""

        def rows():
            for p in (
                qs.order_by(*selectors.LIST_ORDERING)
                .values_list(
                    "name",
                    "gender",
                    "id_number",
                    "phone",
                    "org__name",
                    "offence",
                    "sentence",
                    "prison",
                    "released_on",
                    "handover_on",
                    "met_at_gate",
                    "level",
                    "employment",
                    "housing",
                    "assistance",
                    "worker__full_name",
                    "period_end",
                    "last_contact_on",
                    "status",
                    "ended_on",
                    "end_reason",
                )
                .iterator(chunk_size=2000)
            ):
                (name, gender, idno, phone, place, offence, sentence, prison, released, handover, met, level,
                 employment, housing, assistance, worker, period_end, contact, status, ended, reason) = p  # fmt: skip
                yield [
                    name,
                    label("gender", gender),
                    mask_id_number(idno),
                    mask_phone(phone),
                    place,
                    offence,
                    sentence,
                    prison,
                    released,
                    handover,
                    yes if met else no,
                    label("level", level),
                    label("employment", employment),
                    label("housing", housing),
                    label("assistance", assistance),
                    worker,
                    period_end,
                    contact,
                    label("status", status),
                    ended,
                    label("end_reason", reason),
                ]

        audit.record_export(
            actor=request.user, what="resettlement.persons", count=count, filters=_filters_for_audit(filters)
        )
        return xlsx_stream_response("released-persons", str(_("Released persons")), headers, rows())


def _render_form(request, form, title, back, status=200):
    return render(
        request,
        "resettlement/form.html",
        {"form": form, "title": title, "back": back, "prisons": codes.PRISONS},
        status=status,
    )


class PersonCreateView(ModuleMixin, View):
    """The handover (衔接): register a released person and open the assistance."""

    module = Module.RESETTLEMENT
    action = Action.CREATE

    def get(self, request):
        initial = {"org": request.user.org_id}
        form = forms.PersonForm(actor=request.user, initial=initial)
        return _render_form(request, form, _("Register a released person"), reverse("resettlement:list"))

    def post(self, request):
        form = forms.PersonForm(request.POST, actor=request.user)
        if form.is_valid():
            try:
                person = services.person_register(actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                worker = person.worker.full_name if person.worker_id else _("nobody yet")
                messages.success(
                    request,
                    _("%(name)s registered; resettlement worker: %(worker)s.")
                    % {"name": person.name, "worker": worker},
                )
                return redirect("resettlement:detail", pk=person.pk)
        return _render_form(request, form, _("Register a released person"), reverse("resettlement:list"), status=400)


STEP_FORMS = {
    "help": forms.HelpForm,
    "level": forms.LevelForm,
    "assign": forms.AssignForm,
    "end": forms.EndForm,
}


def _step_help(actor, person, data):
    return services.help_record_add(actor=actor, person=person, **data)


def _step_level(actor, person, data):
    version = data.pop("version", None)
    return services.person_set_level(actor=actor, person=person, expected_version=version, **data)


def _step_assign(actor, person, data):
    return services.person_assign_worker(
        actor=actor, person=person, worker=data["worker"], expected_version=data.get("version")
    )


def _step_end(actor, person, data):
    version = data.pop("version", None)
    return services.person_end(actor=actor, person=person, expected_version=version, **data)


STEP_SERVICES = {"help": _step_help, "level": _step_level, "assign": _step_assign, "end": _step_end}
STEP_DONE = {
    "help": gettext_lazy("Help recorded."),
    "level": gettext_lazy("Assistance level changed."),
    "assign": gettext_lazy("Resettlement worker assigned."),
    "end": gettext_lazy("Assistance ended."),
}


class PersonDetailView(ScopedObjectMixin, View):
    module = Module.RESETTLEMENT
    scoped_model = ReleasedPerson
    select_related = ("org", "office", "worker", "registered_by")

    def get(self, request, pk, bound=None, status=200):
        person = self.object
        user = request.user
        can_change = (
            person.in_assistance
            and user.has_action(Module.RESETTLEMENT, Action.CHANGE)
            and ReleasedPerson.objects.visible_to(user, Action.CHANGE).filter(pk=person.pk).exists()
        )
        steps = []
        if can_change:
            for step, form_class in STEP_FORMS.items():
                if bound is not None and bound[0] == step:
                    steps.append((step, bound[1]))
                else:
                    steps.append((step, form_class(person=person, prefix=step)))
        can_view_sensitive = (
            user.has_action(Module.RESETTLEMENT, Action.VIEW_SENSITIVE)
            and ReleasedPerson.objects.visible_to(user, Action.VIEW_SENSITIVE).filter(pk=person.pk).exists()
        )
        today = timezone.localdate()
        return render(
            request,
            "resettlement/detail.html",
            {
                "person": person,
                "timeline": selectors.person_timeline(person),
                "steps": steps,
                "open_step": bound[0] if bound is not None else "help",
                "step_labels": STEP_LABELS,
                "can_change": can_change,
                "can_view_sensitive": can_view_sensitive,
                "due": person.in_assistance
                and (person.last_contact_on is None or person.last_contact_on < selectors.contact_due_before(today)),
                "expired": person.in_assistance and person.period_end < today,
            },
            status=status,
        )


STEP_LABELS = {
    "help": gettext_lazy("Record help or contact"),
    "level": gettext_lazy("Change the assistance level"),
    "assign": gettext_lazy("Assign a resettlement worker"),
    "end": gettext_lazy("End the assistance"),
}


class PersonStepView(ScopedObjectMixin, View):
    """POST one step on a person (help, level, worker, end); GET goes back to the person."""

    module = Module.RESETTLEMENT
    action = Action.CHANGE
    scoped_model = ReleasedPerson
    select_related = ("org", "office", "worker")
    step = ""

    def get(self, request, pk):
        return redirect("resettlement:detail", pk=pk)

    def post(self, request, pk):
        step = self.step
        person = self.object
        if not person.in_assistance:
            messages.error(request, str(services.ENDED_MESSAGE))
            return redirect("resettlement:detail", pk=pk)
        form = STEP_FORMS[step](request.POST, person=person, prefix=step)
        if form.is_valid():
            try:
                STEP_SERVICES[step](request.user, person, dict(form.cleaned_data))
            except DomainError as exc:
                if exc.code in ("stale", "illegal_transition"):
                    messages.error(request, str(exc))
                    return redirect("resettlement:detail", pk=pk)
                apply_domain_error(form, exc)
            else:
                messages.success(request, str(STEP_DONE[step]))
                return redirect("resettlement:detail", pk=pk)
        detail = PersonDetailView()
        detail.object, detail.request = person, request
        return detail.get(request, pk, bound=(step, form), status=400)


class PersonEditView(ScopedObjectMixin, View):
    module = Module.RESETTLEMENT
    action = Action.CHANGE
    scoped_model = ReleasedPerson
    select_related = ("org", "office")

    def _back(self):
        return reverse("resettlement:detail", args=[self.object.pk])

    def get(self, request, pk):
        if not self.object.in_assistance:
            messages.error(request, str(services.ENDED_MESSAGE))
            return redirect(self._back())
        form = forms.PersonForm(actor=request.user, person=self.object)
        return _render_form(request, form, self.object.name, self._back())

    def post(self, request, pk):
        form = forms.PersonForm(request.POST, actor=request.user, person=self.object)
        if form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version", None)
            try:
                services.person_update(actor=request.user, person=self.object, expected_version=version, **data)
            except DomainError as exc:
                if exc.code in ("stale", "illegal_transition"):
                    messages.error(request, str(exc))
                    return redirect(self._back())
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("Details saved."))
                return redirect(self._back())
        return _render_form(request, form, self.object.name, self._back(), status=400)


class PersonRevealView(ScopedObjectMixin, View):
    """Shows a person's full ID number and phone to a role that may see them, and writes an access
    event."""

    module = Module.RESETTLEMENT
    action = Action.VIEW_SENSITIVE
    scoped_model = ReleasedPerson

    http_method_names = ["post"]

    def post(self, request, pk):
        audit.record_access(actor=request.user, obj=self.object, what="id_number")
        response = render(
            request, "resettlement/_revealed.html", {"id_number": self.object.id_number, "phone": self.object.phone}
        )
        add_never_cache_headers(response)
        return response


class StaffingView(ModuleMixin, View):
    """Resettlement workers per office against the ratio (one per 50 persons by default), with each
    worker's load, the shortfall and where the next person should go."""

    module = Module.RESETTLEMENT

    def get(self, request):
        short_only = request.GET.get("short") == "1"
        data = selectors.staffing_by_office(request.user, short_only=short_only)
        return render(
            request,
            "resettlement/staffing.html",
            {
                **data,
                "short_only": short_only,
                "can_change": request.user.has_action(Module.RESETTLEMENT, Action.CHANGE),
            },
        )


def _period(request):
    today = timezone.localdate()
    date_from = parse_date(request.GET.get("date_from")) or today.replace(month=1, day=1)
    date_to = parse_date(request.GET.get("date_to")) or today
    if date_to < date_from:
        date_from, date_to = date_to, date_from
    return date_from, date_to


class MetricsView(ModuleMixin, View):
    """The period's figures from the records: persons by level and employment, handover rate,
    employment rate, contact coverage and ended assistance by reason, per office."""

    module = Module.RESETTLEMENT

    def get(self, request):
        date_from, date_to = _period(request)
        data = selectors.metrics(request.user, date_from=date_from, date_to=date_to)
        chart = {
            "levels": [
                {"name": str(label), "value": data["by_level"].get(code, 0)} for code, label in codes.Level.choices
            ],
            "employment": [
                {"name": str(label), "value": data["by_employment"].get(code, 0)}
                for code, label in codes.Employment.choices
            ],
            "labels": {"persons": str(_("Persons"))},
        }
        return render(
            request,
            "resettlement/metrics.html",
            {
                **data,
                "chart": chart,
                "levels": [(label, data["by_level"].get(code, 0)) for code, label in codes.Level.choices],
                "employments": [
                    (label, data["by_employment"].get(code, 0)) for code, label in codes.Employment.choices
                ],
                "reasons": [(label, data["ended_by_reason"].get(code, 0)) for code, label in codes.EndReason.choices],
            },
        )
