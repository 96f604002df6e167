"""Pages of the construction standard: campaigns and the city dashboard, an office's scorecard
(self-assessment, inspection, frozen results), rectifications, typical experiences, standards and
evidence files. Every object is read through `visible_to`; writes go through the services."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from fengqiao.core import audit
from fengqiao.core.errors import DomainError
from fengqiao.core.exports import xlsx_response
from fengqiao.core.pagination import keyset_paginate
from fengqiao.core.permissions import Action, Module
from fengqiao.core.views import ModuleMixin, ScopedObjectMixin, apply_domain_error
from fengqiao.orgs.models import OrgKind, OrgNode

from . import codes, forms, indicators, selectors, services
from .models import (
    Assessment,
    Campaign,
    Evidence,
    Experience,
    ItemResult,
    RectificationTask,
    Standard,
    StandardItem,
)

M = Module.STANDARDS
TONES = {codes.Judgement.MET: "success", codes.Judgement.BASIC: "warning", codes.Judgement.NOT_MET: "danger"}
# Where a counted record opens, by model label.
RECORD_PAGES = {
    "mediation.Dispute": "mediation:detail",
    "corrections.Subject": "corrections:subject",
    "resettlement.ReleasedPerson": "resettlement:detail",
    "accounts.User": "accounts:detail",
    "legalservices.Service": "legalservices:detail",
    "education.Activity": "education:detail",
}


def _bureau_nodes(user, action=Action.CREATE):
    return [n for n in user.scope_nodes_for(M, action) if n.kind in (OrgKind.CITY, OrgKind.PROVINCE)]


def _can(user, obj, action) -> bool:
    return user.has_action(M, action) and type(obj).objects.visible_to(user, action).filter(pk=obj.pk).exists()


def _fail(request, exc: DomainError):
    for message in exc.message if isinstance(exc.message, list) else [exc.message]:
        messages.error(request, str(message))


# --- index and campaigns ----------------------------------------------------------------------------


class IndexView(ModuleMixin, View):
    """Campaigns in the user's reach; for an office, its own assessments and rectifications."""

    module = M

    def get(self, request):
        user = request.user
        campaigns = list(selectors.campaigns_visible(user).order_by("-starts_on", "-id")[:50])
        own = (
            Assessment.objects.visible_to(user)
            .filter(campaign__status=codes.CampaignStatus.RUNNING)
            .select_related("campaign", "office")
            .order_by("office__path", "campaign_id", "-round")
        )
        latest, seen = [], set()
        for a in own[:200]:
            if (a.office_id, a.campaign_id) not in seen:
                seen.add((a.office_id, a.campaign_id))
                latest.append(a)
        today = timezone.localdate()
        tasks = selectors.open_tasks(user)
        return render(
            request,
            "assessment/index.html",
            {
                "campaigns": campaigns,
                "assessments": latest if len(latest) <= 20 else [],
                "open_tasks": tasks.count(),
                "overdue_tasks": tasks.filter(deadline__lt=today).count(),
                "can_create": bool(_bureau_nodes(user)),
            },
        )


class CampaignCreateView(ModuleMixin, View):
    module = M
    action = Action.CREATE

    def _bureau(self, request):
        nodes = _bureau_nodes(request.user)
        if not nodes:
            raise PermissionDenied
        return nodes[0]

    def get(self, request):
        self._bureau(request)
        today = timezone.localdate()
        form = forms.CampaignForm(
            user=request.user,
            initial={"starts_on": today, "ends_on": today.replace(month=12, day=31), "rule": codes.MeetRule.ALL_MET},
        )
        return render(request, "assessment/campaign_form.html", {"form": form})

    def post(self, request):
        bureau = self._bureau(request)
        form = forms.CampaignForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                campaign = services.campaign_create(
                    actor=request.user,
                    org=bureau,
                    name=data["name"],
                    standard=data["standard"],
                    starts_on=data["starts_on"],
                    ends_on=data["ends_on"],
                    rule=data["rule"],
                    phases=form.phases(),
                    description=data["description"],
                )
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("The campaign has been created. Start it when the offices should begin."))
                return redirect("assessment:campaign", pk=campaign.pk)
        return render(request, "assessment/campaign_form.html", {"form": form}, status=400)


def _campaign_context(campaign, user):
    today = timezone.localdate()
    grid = selectors.matrix(campaign, user)
    # Closest and furthest among the offices judged and not (yet) meeting the standard.
    judged = codes.AssessmentStatus.JUDGED
    not_met = sorted(
        (r for r in grid["rows"] if r["assessment"] is not None and r["assessment"].status == judged),
        key=lambda r: (-r["met_items"], r["office"].path),
    )
    not_met = [r for r in not_met if not r["assessment"].met]
    series = selectors.completion_series(campaign)
    tasks = selectors.open_tasks(user).filter(result__assessment__campaign=campaign)
    return {
        "campaign": campaign,
        "phases": list(campaign.phases.all()),
        "grid": grid,
        "tones": TONES,
        "completion": selectors.completion(campaign),
        "closest": not_met[:3],
        "furthest": list(reversed(not_met[-3:])) if len(not_met) > 3 else [],
        "series": series,
        "trend_indicators": selectors.trend_indicators(campaign),
        "tasks": list(tasks[:50]),
        "overdue": tasks.filter(deadline__lt=today).count(),
        "chart": {
            "days": [p["day"].isoformat() for p in series],
            "percent": [p["percent"] for p in series],
            "target": [p["target"] for p in series],
            "labels": {
                "met": str(gettext_lazy("Offices meeting the standard (%)")),
                "target": str(gettext_lazy("Target (%)")),
                "average": str(gettext_lazy("Average over the offices")),
                "met_share": str(gettext_lazy("Offices meeting the threshold (%)")),
                "threshold": str(gettext_lazy("Threshold")),
            },
            "trend_url": reverse("assessment:campaign_trend", args=[campaign.pk]),
        },
    }


class CampaignView(ScopedObjectMixin, View):
    """The city dashboard of a campaign: completion against the phases' targets, the office ×
    item matrix, the offices closest to and furthest from the standard, open rectifications."""

    module = M
    scoped_model = Campaign
    select_related = ("standard", "org")

    def get(self, request, pk):
        context = _campaign_context(self.object, request.user)
        context["can_run"] = _can(request.user, self.object, Action.CHANGE) and bool(
            _bureau_nodes(request.user, Action.CHANGE)
        )
        return render(request, "assessment/campaign.html", context)


class CampaignTrendView(ScopedObjectMixin, View):
    """One indicator month by month over the campaign's offices the user can see (JSON for the
    dashboard's chart)."""

    module = M
    scoped_model = Campaign
    select_related = ("standard",)

    def get(self, request, pk):
        campaign = self.object
        offices = OrgNode.objects.visible_to(request.user).filter(pk__in=campaign.offices.values("pk"))
        trend = selectors.indicator_trend(
            campaign, request.GET.get("indicator", ""), list(offices.values_list("pk", flat=True))
        )
        if trend["spec"] is None:
            raise Http404
        return JsonResponse(trend)


class CampaignStepView(ScopedObjectMixin, View):
    module = M
    action = Action.CHANGE
    scoped_model = Campaign
    step = ""

    def get(self, request, pk):
        return redirect("assessment:campaign", pk=pk)

    def post(self, request, pk):
        fn = {"start": services.campaign_start, "close": services.campaign_close}[self.step]
        try:
            fn(actor=request.user, campaign=self.object)
        except DomainError as exc:
            _fail(request, exc)
        else:
            messages.success(request, _("Done."))
        return redirect("assessment:campaign", pk=pk)


class CampaignExportView(ScopedObjectMixin, View):
    module = M
    action = Action.EXPORT
    scoped_model = Campaign

    def get(self, request, pk):
        campaign = self.object
        grid = selectors.matrix(campaign, request.user)
        labels = dict(codes.Judgement.choices)
        headers = [_("Office"), _("Round"), _("Status"), _("Meets the standard")] + [
            f"{item.number}" for item in grid["items"]
        ]
        rows = []
        for r in grid["rows"]:
            a = r["assessment"]
            rows.append(
                [
                    r["office"].display_name,
                    a.round if a else "",
                    a.get_status_display() if a else "",
                    (_("yes") if a.met else _("no")) if a and a.met is not None else "",
                    *[str(labels.get(c["judgement"], "")) for c in r["cells"]],
                ]
            )
        audit.record_export(actor=request.user, what="assessment.matrix", count=len(rows), filters={"campaign": pk})
        return xlsx_response("scorecards", campaign.name[:31], headers, rows)


# --- an office's assessment -------------------------------------------------------------------------


def _assessment_context(assessment, user, bound=None):
    cards = selectors.scorecard(assessment)
    office_side = _can(user, assessment, Action.CHANGE) and not selectors.is_assessor_of(user, assessment.office)
    assessor = selectors.is_assessor_of(user, assessment.office) and user.has_action(M, Action.APPROVE)
    status = assessment.status
    running = assessment.campaign.status == codes.CampaignStatus.RUNNING
    for card in cards:
        r = card["result"]
        card["tone"] = TONES.get(r.judgement, "secondary")
        if office_side and running and status == codes.AssessmentStatus.SELF:
            key = ("self", r.pk)
            card["self_form"] = (
                bound[1]
                if bound and bound[0] == key
                else forms.SelfAssessForm(
                    prefix=f"s{r.pk}",
                    initial={"self_judgement": r.self_judgement or card["auto"] or "", "self_note": r.self_note},
                )
            )
            card["evidence_form"] = forms.EvidenceForm(prefix=f"e{r.pk}")
        if assessor and status == codes.AssessmentStatus.SUBMITTED:
            key = ("judge", r.pk)
            card["judge_form"] = (
                bound[1]
                if bound and bound[0] == key
                else forms.JudgeForm(
                    prefix=f"j{r.pk}",
                    initial={"judgement": r.judgement or card["auto"] or r.self_judgement, "comment": r.comment},
                )
            )
    counts = {j: sum(1 for c in cards if c["result"].judgement == j) for j in codes.Judgement.values}
    return {
        "assessment": assessment,
        "cards": cards,
        "rounds": selectors.rounds_of(assessment),
        "office_side": office_side,
        "assessor": assessor,
        "running": running,
        "counts": counts,
        "self_done": sum(1 for c in cards if c["result"].self_judgement),
        "tasks": selectors.tasks_of(assessment),
        "summary_form": forms.SummaryForm(initial={"summary": assessment.summary}),
        "return_form": forms.NoteForm(prefix="ret"),
        "today": timezone.localdate(),
    }


class AssessmentView(ScopedObjectMixin, View):
    """An office's scorecard: its items with the indicator values (live while open, frozen once
    judged), its self-assessment and evidence, the assessors' judgement, and its rectifications."""

    module = M
    scoped_model = Assessment
    select_related = ("campaign", "campaign__standard", "office", "org", "judged_by", "submitted_by")

    def get(self, request, pk, bound=None, status=200):
        context = _assessment_context(self.object, request.user, bound)
        return render(request, "assessment/assessment.html", context, status=status)


class AssessmentStepView(ScopedObjectMixin, View):
    """POST one step on an assessment: self-assess or add evidence to an item, submit, return,
    judge an item, conclude, or open the next round."""

    module = M
    scoped_model = Assessment
    select_related = ("campaign", "office", "org")
    step = ""

    def get(self, request, pk):
        return redirect("assessment:assessment", pk=pk)

    def _result(self, request):
        result = selectors.result_of(self.object, request.POST.get("result") or 0)
        if result is None:
            raise Http404
        return result

    def post(self, request, pk):
        a, user, step = self.object, request.user, self.step
        try:
            if step == "self":
                result = self._result(request)
                form = forms.SelfAssessForm(request.POST, prefix=f"s{result.pk}")
                if not form.is_valid():
                    return self._again(request, pk, ("self", result.pk), form)
                services.result_self_assess(actor=user, result=result, **form.cleaned_data)
            elif step == "evidence":
                result = self._result(request)
                form = forms.EvidenceForm(request.POST, request.FILES, prefix=f"e{result.pk}")
                if not form.is_valid():
                    messages.error(request, _("Choose a file to upload."))
                    return redirect("assessment:assessment", pk=pk)
                services.evidence_upload(
                    actor=user, upload=form.cleaned_data["file"], result=result, note=form.cleaned_data["note"]
                )
            elif step == "submit":
                services.assessment_submit(actor=user, assessment=a)
            elif step == "return":
                services.assessment_return(actor=user, assessment=a, note=request.POST.get("ret-text", ""))
            elif step == "judge":
                result = self._result(request)
                form = forms.JudgeForm(request.POST, prefix=f"j{result.pk}")
                if not form.is_valid():
                    return self._again(request, pk, ("judge", result.pk), form)
                services.result_judge(actor=user, assessment=a, item=result.item, **form.cleaned_data)
            elif step == "conclude":
                services.assessment_judge(actor=user, assessment=a, summary=request.POST.get("summary", ""))
            elif step == "reassess":
                new = services.assessment_reassess(actor=user, assessment=a)
                messages.success(request, _("Round %(n)d is open for the office's self-assessment.") % {"n": new.round})
                return redirect("assessment:assessment", pk=new.pk)
        except DomainError as exc:
            _fail(request, exc)
            return redirect("assessment:assessment", pk=pk)
        messages.success(request, str(STEP_DONE[step]))
        anchor = f"#item-{request.POST.get('result')}" if request.POST.get("result") else ""
        return redirect(reverse("assessment:assessment", args=[pk]) + anchor)

    def _again(self, request, pk, key, form):
        view = AssessmentView()
        view.object, view.request = self.object, request
        return view.get(request, pk, bound=(key, form), status=400)


STEP_DONE = {
    "self": gettext_lazy("Self-assessment saved."),
    "evidence": gettext_lazy("File added."),
    "submit": gettext_lazy("Submitted to the city's assessors."),
    "return": gettext_lazy("Returned to the office."),
    "judge": gettext_lazy("Judgement saved."),
    "conclude": gettext_lazy("The assessment is concluded and its results are frozen."),
    "reassess": gettext_lazy("A new round is open."),
}


class AssessmentExportView(ScopedObjectMixin, View):
    module = M
    action = Action.EXPORT
    scoped_model = Assessment
    select_related = ("campaign", "office")

    def get(self, request, pk):
        a = self.object
        labels = dict(codes.Judgement.choices)
        rows = []
        for card in selectors.scorecard(a):
            r = card["result"]
            values = "; ".join(
                f"{c['name']}: {'—' if c['value'] is None else c['value']}{c['unit'] if c['unit'] == '%' else ''}"
                f" ({'≥' if c['direction'] == 'ge' else '≤'}{c['threshold']:g})"
                for c in card["criteria"]
            )
            rows.append(
                [
                    card["item"].number,
                    card["item"].category.name,
                    card["item"].text,
                    str(labels.get(r.self_judgement, "")),
                    r.self_note,
                    values,
                    str(labels.get(r.judgement, "")),
                    r.comment,
                ]
            )
        headers = [
            _("Item"), _("Category"), _("Wording"), _("Self-assessment"), _("Office's note"), _("Indicators"),
            _("Judgement"), _("Assessor's comment"),
        ]  # fmt: skip
        audit.record_export(
            actor=request.user, what="assessment.scorecard", count=len(rows), filters={"assessment": pk}
        )
        return xlsx_response("scorecard", a.office.display_name[:31], headers, rows)


class RecordsView(ScopedObjectMixin, View):
    """The records an indicator value counted, each shown only if the viewer may see it: frozen ids
    once the assessment is judged, the live query before."""

    module = M
    scoped_model = ItemResult
    select_related = ("assessment", "item", "office")

    def get(self, request, pk):
        result = self.object
        a = result.assessment
        code = request.GET.get("indicator", "")
        ind = indicators.get(code)
        if ind is None or ind.records is None:
            raise Http404
        total, truncated = None, False
        if a.status == codes.AssessmentStatus.JUDGED:
            frozen = next((c for c in result.snapshot.get("criteria", []) if c.get("indicator") == code), None)
            if frozen is None or "record_ids" not in frozen:
                raise Http404
            from django.apps import apps

            model = apps.get_model(frozen["records_model"])
            qs = model.objects.filter(pk__in=frozen["record_ids"])
            total, truncated = frozen.get("records_count"), frozen.get("records_truncated")
            value = frozen.get("value")
        else:
            qs = ind.records(a.office_id, a.period_start, a.period_end)
            model = qs.model
            value = ind.values([a.office_id], a.period_start, a.period_end).get(a.office_id)
        visible = model.objects.visible_to(request.user, getattr(model, "records_action", Action.VIEW))
        rows = list(qs.filter(pk__in=visible.values("pk"))[: selectors.RECORD_IDS_KEPT])
        total = total if total is not None else qs.count()
        page = RECORD_PAGES.get(model._meta.label)

        def link(obj):
            if not page:
                return None
            try:
                return reverse(page, args=[obj.pk])
            except NoReverseMatch:
                return None

        return render(
            request,
            "assessment/records.html",
            {
                "result": result,
                "assessment": a,
                "indicator": ind,
                "value": value,
                "rows": [(obj, link(obj)) for obj in rows],
                "total": total,
                "hidden": max(0, min(total, selectors.RECORD_IDS_KEPT) - len(rows)),
                "truncated": truncated,
                "frozen": a.status == codes.AssessmentStatus.JUDGED,
                "model_name": model._meta.verbose_name_plural,
            },
        )


# --- rectification ----------------------------------------------------------------------------------


class TaskListView(ModuleMixin, View):
    module = M

    def get(self, request):
        user, today = request.user, timezone.localdate()
        qs = RectificationTask.objects.visible_to(user).select_related("office", "item", "responsible")
        status = request.GET.get("status", "open")
        if status == "open":
            qs = qs.exclude(status=codes.TaskStatus.CLOSED)
        elif status in codes.TaskStatus.values:
            qs = qs.filter(status=status)
        overdue = request.GET.get("overdue") == "1"
        if overdue:
            qs = qs.exclude(status=codes.TaskStatus.CLOSED).filter(deadline__lt=today)
        office = request.GET.get("office")
        if office and office.isdigit():
            qs = qs.filter(office_id=int(office))
        page = keyset_paginate(qs, ordering=["-id"], cursor=request.GET.get("cursor"))
        offices = OrgNode.objects.visible_to(user).filter(kind=OrgKind.TOWN).order_by("path")[:300]
        return render(
            request,
            "assessment/tasks.html",
            {
                "page": page,
                "status": status,
                "overdue": overdue,
                "office": office or "",
                "offices": offices,
                "statuses": codes.TaskStatus.choices,
                "today": today,
            },
        )


class TaskView(ScopedObjectMixin, View):
    module = M
    scoped_model = RectificationTask
    select_related = ("office", "item", "responsible", "result", "result__assessment", "closed_by")

    def get(self, request, pk, bound=None, status=200):
        task, user = self.object, request.user
        office_side = _can(user, task, Action.CHANGE) and not selectors.is_assessor_of(user, task.office)
        verifier = selectors.is_assessor_of(user, task.office) and user.has_action(M, Action.APPROVE)
        open_ = task.status == codes.TaskStatus.OPEN

        def form(key, factory):
            return bound[1] if bound and bound[0] == key else factory()

        return render(
            request,
            "assessment/task.html",
            {
                "task": task,
                "notes": list(task.notes.select_related("author")),
                "evidence": list(task.evidence.select_related("uploaded_by")),
                "assign_form": form("assign", lambda: forms.AssignForm(task=task))
                if office_side and task.status != codes.TaskStatus.CLOSED
                else None,
                "note_form": form("note", forms.NoteForm) if office_side and open_ else None,
                "evidence_form": forms.EvidenceForm() if office_side and open_ else None,
                "submit_form": form("submit", lambda: forms.NoteForm(prefix="sub")) if office_side and open_ else None,
                "verify_form": form("verify", forms.VerifyForm)
                if verifier and task.status == codes.TaskStatus.SUBMITTED
                else None,
                "overdue": task.deadline
                and task.deadline < timezone.localdate()
                and task.status != codes.TaskStatus.CLOSED,
            },
            status=status,
        )


class TaskStepView(ScopedObjectMixin, View):
    module = M
    scoped_model = RectificationTask
    select_related = ("office", "org", "item")
    step = ""

    def get(self, request, pk):
        return redirect("assessment:task", pk=pk)

    def post(self, request, pk):
        task, user, step = self.object, request.user, self.step
        form_classes = {
            "assign": lambda: forms.AssignForm(request.POST, task=task),
            "note": lambda: forms.NoteForm(request.POST),
            "submit": lambda: forms.NoteForm(request.POST, prefix="sub"),
            "verify": lambda: forms.VerifyForm(request.POST),
            "evidence": lambda: forms.EvidenceForm(request.POST, request.FILES),
        }
        form = form_classes[step]()
        if not form.is_valid():
            if step == "evidence":
                messages.error(request, _("Choose a file to upload."))
                return redirect("assessment:task", pk=pk)
            view = TaskView()
            view.object, view.request = task, request
            return view.get(request, pk, bound=(step, form), status=400)
        data = form.cleaned_data
        try:
            if step == "assign":
                services.task_assign(actor=user, task=task, **data)
            elif step == "note":
                services.task_note(actor=user, task=task, text=data["text"])
            elif step == "submit":
                services.task_submit(actor=user, task=task, text=data["text"])
            elif step == "verify":
                services.task_verify(actor=user, task=task, accept=data["accept"], text=data["text"])
            elif step == "evidence":
                services.evidence_upload(actor=user, upload=data["file"], task=task, note=data["note"])
        except DomainError as exc:
            if exc.field and exc.field in form.fields:
                apply_domain_error(form, exc)
                view = TaskView()
                view.object, view.request = task, request
                return view.get(request, pk, bound=(step, form), status=400)
            _fail(request, exc)
            return redirect("assessment:task", pk=pk)
        messages.success(request, _("Saved."))
        return redirect("assessment:task", pk=pk)


# --- typical experiences ----------------------------------------------------------------------------


class ExperienceListView(ModuleMixin, View):
    module = M

    def get(self, request):
        from django.db.models import Q

        user = request.user
        qs = Experience.objects.visible_to(user).select_related("office")
        q = (request.GET.get("q") or "").strip()[:50]
        if q:
            qs = qs.filter(Q(title__icontains=q) | Q(text__icontains=q))
        status = request.GET.get("status", "")
        if status in codes.ExperienceStatus.values:
            qs = qs.filter(status=status)
        page = keyset_paginate(qs, ordering=["-created_at", "-id"], cursor=request.GET.get("cursor"))
        can_submit = any(n.kind == OrgKind.TOWN for n in user.scope_nodes_for(M, Action.CREATE))
        return render(
            request,
            "assessment/experiences.html",
            {
                "page": page,
                "q": q,
                "status": status,
                "statuses": codes.ExperienceStatus.choices,
                "can_submit": can_submit,
            },
        )


def _items_qs(user):
    return selectors.experience_items(user)


class ExperienceCreateView(ModuleMixin, View):
    module = M
    action = Action.CREATE

    def _office(self, request):
        for n in request.user.scope_nodes_for(M, Action.CREATE):
            if n.kind == OrgKind.TOWN:
                return n
        raise PermissionDenied

    def get(self, request):
        self._office(request)
        return render(
            request, "assessment/experience_form.html", {"form": forms.ExperienceForm(items_qs=_items_qs(request.user))}
        )

    def post(self, request):
        office = self._office(request)
        form = forms.ExperienceForm(request.POST, items_qs=_items_qs(request.user))
        if form.is_valid():
            try:
                exp = services.experience_submit(actor=request.user, org=office, **form.cleaned_data)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("Submitted to the city for review."))
                return redirect("assessment:experience", pk=exp.pk)
        return render(request, "assessment/experience_form.html", {"form": form}, status=400)


class ExperienceView(ScopedObjectMixin, View):
    module = M
    scoped_model = Experience
    select_related = ("office", "submitted_by", "reviewed_by")

    def get(self, request, pk, bound=None, status=200):
        exp, user = self.object, request.user
        reviewer = selectors.is_assessor_of(user, exp.office) and user.has_action(M, Action.APPROVE)
        mine = _can(user, exp, Action.CHANGE) and not reviewer
        revisable = exp.status in (codes.ExperienceStatus.SUBMITTED, codes.ExperienceStatus.RETURNED)
        return render(
            request,
            "assessment/experience.html",
            {
                "exp": exp,
                "items": list(exp.items.order_by("number")),
                "attachments": list(exp.attachments.all()),
                "review_form": (bound[1] if bound else forms.ReviewForm())
                if reviewer and codes.EXPERIENCE_TRANSITIONS[exp.status]
                else None,
                "evidence_form": forms.EvidenceForm() if mine and revisable else None,
                "resubmit_form": forms.ExperienceForm(
                    initial={"title": exp.title, "text": exp.text}, items_qs=StandardItem.objects.none()
                )
                if mine and exp.status == codes.ExperienceStatus.RETURNED
                else None,
            },
            status=status,
        )


class ExperienceStepView(ScopedObjectMixin, View):
    module = M
    scoped_model = Experience
    select_related = ("office", "org")
    step = ""

    def get(self, request, pk):
        return redirect("assessment:experience", pk=pk)

    def post(self, request, pk):
        exp, user = self.object, request.user
        try:
            if self.step == "review":
                form = forms.ReviewForm(request.POST)
                if not form.is_valid():
                    view = ExperienceView()
                    view.object, view.request = exp, request
                    return view.get(request, pk, bound=("review", form), status=400)
                services.experience_review(actor=user, experience=exp, **form.cleaned_data)
            elif self.step == "evidence":
                form = forms.EvidenceForm(request.POST, request.FILES)
                if not form.is_valid():
                    messages.error(request, _("Choose a file to upload."))
                    return redirect("assessment:experience", pk=pk)
                services.evidence_upload(
                    actor=user, upload=form.cleaned_data["file"], experience=exp, note=form.cleaned_data["note"]
                )
            elif self.step == "resubmit":
                services.experience_resubmit(
                    actor=user, experience=exp, title=request.POST.get("title", ""), text=request.POST.get("text", "")
                )
        except DomainError as exc:
            _fail(request, exc)
            return redirect("assessment:experience", pk=pk)
        messages.success(request, _("Saved."))
        return redirect("assessment:experience", pk=pk)


# --- standards and files ------------------------------------------------------------------------------


class StandardListView(ModuleMixin, View):
    module = M

    def get(self, request):
        standards = Standard.objects.visible_to(request.user).select_related("owner").order_by("code", "-version")
        return render(
            request,
            "assessment/standards.html",
            {
                "standards": list(standards[:100]),
                "can_import": bool(_bureau_nodes(request.user)),
                "form": forms.StandardImportForm(),
            },
        )

    def post(self, request):
        nodes = _bureau_nodes(request.user)
        if not nodes:
            raise PermissionDenied
        form = forms.StandardImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > 2 * 2**20:
                form.add_error("file", _("A standard file is at most 2 MB."))
            else:
                try:
                    standard = services.standard_import(actor=request.user, raw=upload.read(), owner=nodes[0])
                except DomainError as exc:
                    apply_domain_error(form, exc)
                else:
                    messages.success(request, _("The standard has been added."))
                    return redirect("assessment:standard", pk=standard.pk)
        standards = Standard.objects.visible_to(request.user).select_related("owner").order_by("code", "-version")
        return render(
            request,
            "assessment/standards.html",
            {"standards": list(standards[:100]), "can_import": True, "form": form},
            status=400,
        )


class StandardView(ScopedObjectMixin, View):
    module = M
    scoped_model = Standard
    select_related = ("owner",)

    def get(self, request, pk):
        standard = self.object
        crit = selectors.criteria_by_item(standard.pk)
        items = list(standard.items.select_related("category").order_by("number"))
        for item in items:
            item.rows = [{"c": c, "indicator": indicators.get(c.indicator)} for c in crit.get(item.pk, [])]
        return render(request, "assessment/standard.html", {"standard": standard, "items": items})


class EvidenceDownloadView(ScopedObjectMixin, View):
    """An evidence file, to those who may see its item, rectification or experience (audited)."""

    module = M
    scoped_model = Evidence

    def get(self, request, pk):
        ev = self.object
        try:
            handle = ev.file.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        audit.record_access(actor=request.user, obj=ev, what="evidence")
        return FileResponse(handle, as_attachment=True, filename=ev.name)
