"""Writes of the construction-standard module. Each function runs in one transaction and records
its audit event; a refusal changes nothing."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fengqiao.core import audit
from fengqiao.core.errors import DomainError, Forbidden
from fengqiao.core.models import AuditKind
from fengqiao.core.permissions import Action, Module
from fengqiao.orgs.models import OrgKind

from . import codes, standards
from .models import (
    Assessment,
    Campaign,
    CampaignPhase,
    Evidence,
    Experience,
    ItemCriterion,
    ItemResult,
    RectificationTask,
    Standard,
    StandardCategory,
    StandardItem,
    TaskNote,
)

audit.register_actions(
    {
        "standard.import": gettext_lazy("Added a construction standard"),
        "campaign.create": gettext_lazy("Created an assessment campaign"),
        "campaign.start": gettext_lazy("Started an assessment campaign"),
        "campaign.close": gettext_lazy("Closed an assessment campaign"),
        "assessment.self": gettext_lazy("Self-assessed an item"),
        "assessment.submit": gettext_lazy("Submitted a self-assessment for inspection"),
        "assessment.return": gettext_lazy("Returned a self-assessment to the office"),
        "assessment.judge_item": gettext_lazy("Judged an item"),
        "assessment.judge": gettext_lazy("Concluded an office's assessment"),
        "assessment.reassess": gettext_lazy("Opened a new assessment round"),
        "evidence.upload": gettext_lazy("Uploaded an evidence file"),
        "task.assign": gettext_lazy("Named the person, responsibility and deadline of a rectification"),
        "task.note": gettext_lazy("Noted progress on a rectification"),
        "task.submit": gettext_lazy("Submitted a rectification for verification"),
        "task.return": gettext_lazy("Returned a rectification to the office"),
        "task.close": gettext_lazy("Verified and closed a rectification"),
        "task.remind": gettext_lazy("Reminded of an overdue rectification"),
        "experience.submit": gettext_lazy("Submitted a typical experience"),
        "experience.review": gettext_lazy("Reviewed a typical experience"),
    }
)


def _create(data: dict, *, owner=None, created_by=None) -> Standard:
    standard = Standard.objects.create(
        code=data["code"],
        version=data["version"],
        name=data["name"],
        issued_by=data["issued_by"],
        issued_on=data["issued_on"],
        owner=owner,
        created_by=created_by,
    )
    cats = {
        number: StandardCategory.objects.create(standard=standard, number=number, name=name)
        for number, name in data["categories"].items()
    }
    for entry in data["items"]:
        item = StandardItem.objects.create(
            standard=standard,
            category=cats[entry["category"]],
            number=entry["number"],
            text=entry["text"],
            method=entry["method"],
            guidance=entry["guidance"],
        )
        ItemCriterion.objects.bulk_create(ItemCriterion(item=item, **c) for c in entry["criteria"])
    return standard


@transaction.atomic
def standard_import(*, actor, raw, owner) -> Standard:
    """Add a standard (or a new version of one) from a standard file, owned by the bureau `owner`."""
    if owner is None or owner.kind == OrgKind.VILLAGE or owner.kind == OrgKind.TOWN:
        raise DomainError(_("Only a bureau can add a construction standard."), field="owner")
    from fengqiao.core.scoping import in_scope

    if not in_scope(actor, owner, Action.CREATE, Module.STANDARDS):
        raise Forbidden(_("You may not add a standard for this bureau."))
    data = standards.parse(raw)
    if Standard.objects.filter(code=data["code"], version=data["version"]).exists():
        raise DomainError(
            _("Version %(version)s of standard “%(code)s” exists already: give the new one another version.")
            % {"version": data["version"], "code": data["code"]},
            field="version",
        )
    standard = _create(data, owner=owner, created_by=actor)
    audit.record(
        actor=actor,
        action="standard.import",
        kind=AuditKind.CREATE,
        obj=standard,
        org=owner,
        changes={"code": standard.code, "version": standard.version, "items": len(data["items"])},
    )
    return standard


def load_builtin(raw) -> Standard | None:
    """Load a standard shipped with the platform (no owner) unless that version is there already."""
    data = standards.parse(raw)
    if Standard.objects.filter(code=data["code"], version=data["version"]).exists():
        return None
    with transaction.atomic():
        return _create(data)


# --- shared checks ------------------------------------------------------------------------------------


def _require(actor, org, action: str, message=None):
    from fengqiao.core.scoping import in_scope

    if actor is not None and not in_scope(actor, org, action, Module.STANDARDS):
        raise Forbidden(message or _("You may not do this for this unit."))


def _today():
    return timezone.localdate()


def _is_bureau(org) -> bool:
    return org is not None and org.kind in (OrgKind.CITY, OrgKind.PROVINCE)


def _assessor_of(actor, office) -> bool:
    from .selectors import is_assessor_of

    return is_assessor_of(actor, office)


def _illegal(message) -> DomainError:
    return DomainError(message, code="illegal_transition")


def _move(obj, transitions: dict, target: str, message):
    if target not in transitions.get(obj.status, set()):
        raise DomainError(message, code="illegal_transition")
    obj.status = target


# --- campaigns ----------------------------------------------------------------------------------------


def _check_phases(phases: list[dict], starts_on, ends_on) -> list[dict]:
    cleaned = []
    previous_end = None
    for n, phase in enumerate(phases, start=1):
        name = (phase.get("name") or "").strip()
        start, end = phase.get("starts_on"), phase.get("ends_on")
        if not name or start is None or end is None:
            raise DomainError(_("Phase %(n)d needs a name, a start and an end.") % {"n": n}, field="phases")
        if end < start:
            raise DomainError(_("Phase %(n)d ends before it starts.") % {"n": n}, field="phases")
        if start < starts_on or end > ends_on:
            raise DomainError(_("Phase %(n)d lies outside the campaign's dates.") % {"n": n}, field="phases")
        if previous_end is not None and start <= previous_end:
            raise DomainError(_("Phase %(n)d starts before the previous one ends.") % {"n": n}, field="phases")
        target = phase.get("target_percent")
        if target is not None and not (0 <= float(target) <= 100):
            raise DomainError(_("A target is a percentage from 0 to 100."), field="phases")
        previous_end = end
        cleaned.append(
            {
                "number": n,
                "name": name[:60],
                "starts_on": start,
                "ends_on": end,
                "target_percent": target,
                "tasks": phase.get("tasks", ""),
            }
        )
    targets = [float(p["target_percent"]) for p in cleaned if p["target_percent"] is not None]
    if targets != sorted(targets):
        raise DomainError(_("A later phase cannot have a lower target than an earlier one."), field="phases")
    return cleaned


@transaction.atomic
def campaign_create(
    *, actor, org, name, standard, starts_on, ends_on, rule=codes.MeetRule.ALL_MET, phases=(), offices=None,
    description="",
) -> Campaign:  # fmt: skip
    """A campaign of the bureau `org` against `standard`; the offices in scope default to every
    judicial office under the bureau."""
    if not _is_bureau(org):
        raise DomainError(_("Only a bureau runs an assessment campaign."), field="org")
    _require(actor, org, Action.CREATE, _("You may not run a campaign for this bureau."))
    if not Standard.objects.visible_to(actor).filter(pk=standard.pk).exists() if actor else False:
        raise DomainError(_("Choose a standard your bureau can use."), field="standard")
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Enter the campaign's name."), field="name")
    if starts_on is None or ends_on is None or ends_on < starts_on:
        raise DomainError(_("The campaign must end after it starts."), field="ends_on")
    if rule not in codes.MeetRule.values:
        raise DomainError(_("Choose a rule from the list."), field="rule")
    cleaned = _check_phases(list(phases), starts_on, ends_on)
    from fengqiao.core.scoping import subtree_q
    from fengqiao.orgs.models import OrgNode

    under = OrgNode.objects.filter(subtree_q(org.path), kind=OrgKind.TOWN, is_active=True)
    if offices is None:
        chosen = list(under)
    else:
        ids = {o.pk for o in offices}
        chosen = list(under.filter(pk__in=ids))
        if len(chosen) != len(ids):
            raise DomainError(_("Every office in scope must be a judicial office under the bureau."), field="offices")
    if not chosen:
        raise DomainError(_("A campaign needs at least one office in scope."), field="offices")
    campaign = Campaign.objects.create(
        org=org,
        name=name[:200],
        standard=standard,
        starts_on=starts_on,
        ends_on=ends_on,
        rule=rule,
        description=description,
        created_by=actor,
    )
    campaign.offices.set(chosen)
    CampaignPhase.objects.bulk_create(CampaignPhase(campaign=campaign, **p) for p in cleaned)
    audit.record_create(actor=actor, action="campaign.create", obj=campaign)
    return campaign


def _locked_campaign(campaign) -> Campaign:
    return Campaign.objects.select_for_update().select_related("org", "standard").get(pk=campaign.pk)


def _open_round(campaign: Campaign, office_id: int, rnd: int, items, start, end) -> Assessment:
    from fengqiao.orgs.models import OrgNode

    office = OrgNode.objects.get(pk=office_id)
    assessment = Assessment.objects.create(org=office, campaign=campaign, round=rnd, period_start=start, period_end=end)
    ItemResult.objects.bulk_create(
        ItemResult(org=office, office_id=office.office_id or office.pk, assessment=assessment, item=item)
        for item in items
    )
    return assessment


def _default_period(campaign: Campaign):
    """Indicators over the year up to today within the campaign (or its last year once it ended)."""
    end = min(_today(), campaign.ends_on)
    start = max(campaign.starts_on - datetime.timedelta(days=365), end - datetime.timedelta(days=364))
    return start, end


@transaction.atomic
def campaign_start(*, actor, campaign) -> Campaign:
    """Start a campaign: every office in scope gets its first assessment round to fill."""
    campaign = _locked_campaign(campaign)
    _require(actor, campaign.org, Action.CHANGE, _("You may not run a campaign for this bureau."))
    refusal = _("This campaign has already started.")
    _move(campaign, CAMPAIGN_TRANSITIONS, codes.CampaignStatus.RUNNING, refusal)
    campaign.save(update_fields=["status", "updated_at"])
    items = list(StandardItem.objects.filter(standard_id=campaign.standard_id).order_by("number"))
    start, end = _default_period(campaign)
    have = set(Assessment.objects.filter(campaign=campaign).values_list("office_id", flat=True))
    for office_id in campaign.offices.values_list("pk", flat=True):
        if office_id not in have:
            _open_round(campaign, office_id, 1, items, start, end)
    audit.record(actor=actor, action="campaign.start", obj=campaign)
    return campaign


@transaction.atomic
def campaign_close(*, actor, campaign) -> Campaign:
    campaign = _locked_campaign(campaign)
    _require(actor, campaign.org, Action.CHANGE, _("You may not run a campaign for this bureau."))
    refusal = _("Only a running campaign can be closed.")
    _move(campaign, CAMPAIGN_TRANSITIONS, codes.CampaignStatus.CLOSED, refusal)
    campaign.save(update_fields=["status", "updated_at"])
    audit.record(actor=actor, action="campaign.close", obj=campaign)
    return campaign


# --- self-assessment and inspection -----------------------------------------------------------------


def _locked_assessment(assessment) -> Assessment:
    return Assessment.objects.select_for_update().select_related("org", "campaign", "office").get(pk=assessment.pk)


def _running(assessment: Assessment):
    if assessment.campaign.status != codes.CampaignStatus.RUNNING:
        raise _illegal(_("The campaign is not running."))


@transaction.atomic
def result_self_assess(*, actor, result, self_judgement, self_note="") -> ItemResult:
    """The office's own judgement of an item and its note, while the assessment is with the office."""
    assessment = _locked_assessment(result.assessment)
    _require(actor, assessment.org, Action.CHANGE, _("Only the office itself fills its self-assessment."))
    _running(assessment)
    if assessment.status != codes.AssessmentStatus.SELF:
        raise DomainError(
            _("The self-assessment has been submitted; it can no longer be changed."), code="illegal_transition"
        )
    if self_judgement not in codes.Judgement.values:
        raise DomainError(_("Choose met, basically met or not met."), field="self_judgement")
    result = ItemResult.objects.select_for_update().get(pk=result.pk)
    before = audit.snapshot(result, ["self_judgement", "self_note"])
    result.self_judgement = self_judgement
    result.self_note = (self_note or "").strip()
    result.save(update_fields=["self_judgement", "self_note", "updated_at"])
    audit.record_update(actor=actor, action="assessment.self", obj=result, before=before)
    return result


@transaction.atomic
def assessment_submit(*, actor, assessment) -> Assessment:
    """Hand the self-assessment to the city's assessors: every item must have been assessed, and
    every item judged on evidence must carry at least one file."""
    assessment = _locked_assessment(assessment)
    _require(actor, assessment.org, Action.CHANGE, _("Only the office itself submits its self-assessment."))
    _running(assessment)
    results = list(assessment.results.select_related("item").order_by("item__number"))
    missing = [r.item.number for r in results if not r.self_judgement]
    if missing:
        raise DomainError(
            _("Assess every item first; still open: %(items)s.") % {"items": ", ".join(map(str, missing))},
            code="incomplete",
        )
    from .models import Evidence

    with_files = set(Evidence.objects.filter(result__in=results).values_list("result_id", flat=True))
    bare = [r.item.number for r in results if r.item.method != codes.Method.AUTOMATIC and r.pk not in with_files]
    if bare:
        raise DomainError(
            _("Attach evidence to every item judged on evidence; missing for: %(items)s.")
            % {"items": ", ".join(map(str, bare))},
            code="incomplete",
        )
    _move(
        assessment,
        codes.ASSESSMENT_TRANSITIONS,
        codes.AssessmentStatus.SUBMITTED,
        _("This assessment has already been submitted."),
    )
    assessment.submitted_at = timezone.now()
    assessment.submitted_by = actor
    assessment.save(update_fields=["status", "submitted_at", "submitted_by", "updated_at"])
    audit.record(actor=actor, action="assessment.submit", obj=assessment)
    return assessment


@transaction.atomic
def assessment_return(*, actor, assessment, note) -> Assessment:
    """An assessor sends a submission back to the office (more evidence needed)."""
    assessment = _locked_assessment(assessment)
    if not _assessor_of(actor, assessment.office):
        raise Forbidden(_("Only the city's assessors inspect an office's assessment."))
    note = (note or "").strip()
    if not note:
        raise DomainError(_("Say what the office should add or change."), field="note")
    _move(
        assessment,
        codes.ASSESSMENT_TRANSITIONS,
        codes.AssessmentStatus.SELF,
        _("Only a submitted assessment can be returned."),
    )
    assessment.summary = note
    assessment.save(update_fields=["status", "summary", "updated_at"])
    audit.record(actor=actor, action="assessment.return", obj=assessment, changes={"note": note})
    return assessment


@transaction.atomic
def result_judge(*, actor, assessment, item, judgement, comment="") -> ItemResult:
    """An assessor's judgement of one item of a submitted assessment."""
    assessment = _locked_assessment(assessment)
    if not _assessor_of(actor, assessment.office):
        raise Forbidden(_("Only the city's assessors judge an office's items."))
    if assessment.status != codes.AssessmentStatus.SUBMITTED:
        raise DomainError(
            _("Items are judged once the office has submitted its self-assessment."), code="illegal_transition"
        )
    result = (
        ItemResult.objects.select_for_update().filter(assessment=assessment, item_id=getattr(item, "pk", item)).first()
    )
    if result is None:
        raise DomainError(_("This item is not part of the campaign's standard."), field="item")
    if judgement not in codes.Judgement.values:
        raise DomainError(_("Choose met, basically met or not met."), field="judgement")
    comment = (comment or "").strip()
    if judgement != codes.Judgement.MET and not comment:
        raise DomainError(_("Say why the item is not fully met."), field="comment")
    before = audit.snapshot(result, ["judgement", "comment"])
    result.judgement, result.comment = judgement, comment
    result.judged_by, result.judged_at = actor, timezone.now()
    result.save(update_fields=["judgement", "comment", "judged_by", "judged_at", "updated_at"])
    audit.record_update(actor=actor, action="assessment.judge_item", obj=result, before=before)
    return result


@transaction.atomic
def assessment_judge(*, actor, assessment, summary="") -> Assessment:
    """Conclude an assessment: every item judged; the indicator values and evidence are frozen;
    each item not met under the campaign's rule opens a rectification task."""
    from . import selectors
    from .models import Evidence

    assessment = _locked_assessment(assessment)
    if not _assessor_of(actor, assessment.office):
        raise Forbidden(_("Only the city's assessors conclude an office's assessment."))
    if assessment.status != codes.AssessmentStatus.SUBMITTED:
        raise _illegal(_("Only a submitted assessment can be concluded."))
    results = list(assessment.results.select_for_update().select_related("item").order_by("item__number"))
    open_items = [r.item.number for r in results if not r.judgement]
    if open_items:
        raise DomainError(
            _("Judge every item first; still open: %(items)s.") % {"items": ", ".join(map(str, open_items))},
            code="incomplete",
        )
    crit = selectors.criteria_by_item(assessment.campaign.standard_id)
    needed = {c.indicator for cs in crit.values() for c in cs}
    values = selectors.indicator_values([assessment.office_id], needed, assessment.period_start, assessment.period_end)
    files = {}
    for ev in Evidence.objects.filter(result__in=results).order_by("id"):
        files.setdefault(ev.result_id, []).append(
            {"id": ev.pk, "name": ev.name, "size": ev.size, "sha256": ev.sha256, "note": ev.note}
        )
    now = timezone.now()
    allowed = {codes.Judgement.MET} | (
        {codes.Judgement.BASIC} if assessment.campaign.rule == codes.MeetRule.MET_OR_BASIC else set()
    )
    for r in results:
        rows = selectors.evaluate(crit.get(r.item_id, []), values, assessment.office_id)
        r.snapshot = {
            "frozen_at": now.isoformat(),
            "period": [assessment.period_start.isoformat(), assessment.period_end.isoformat()],
            "criteria": selectors.freeze(rows, assessment.office_id, assessment.period_start, assessment.period_end),
            "evidence": files.get(r.pk, []),
        }
        r.save(update_fields=["snapshot", "updated_at"])
        if r.judgement not in allowed:
            RectificationTask.objects.create(org=assessment.org, result=r, item=r.item)
    assessment.status = codes.AssessmentStatus.JUDGED
    assessment.met = codes.office_meets([r.judgement for r in results], assessment.campaign.rule)
    assessment.judged_at, assessment.judged_by = now, actor
    assessment.summary = (summary or "").strip() or assessment.summary
    assessment.save(update_fields=["status", "met", "judged_at", "judged_by", "summary", "updated_at"])
    audit.record(actor=actor, action="assessment.judge", obj=assessment, changes={"met": assessment.met})
    return assessment


@transaction.atomic
def assessment_reassess(*, actor, assessment) -> Assessment:
    """Open the next round for an office whose latest round was judged (after rectification)."""
    assessment = _locked_assessment(assessment)
    _require(actor, assessment.org, Action.CHANGE, _("You may not open a new round for this office."))
    _running(assessment)
    latest = (
        Assessment.objects.filter(campaign=assessment.campaign, office=assessment.office).order_by("-round").first()
    )
    if latest.pk != assessment.pk or assessment.status != codes.AssessmentStatus.JUDGED:
        raise _illegal(_("A new round opens only after the latest one has been judged."))
    items = list(StandardItem.objects.filter(standard_id=assessment.campaign.standard_id).order_by("number"))
    start, end = _default_period(assessment.campaign)
    new = _open_round(assessment.campaign, assessment.office_id, assessment.round + 1, items, start, end)
    audit.record(actor=actor, action="assessment.reassess", obj=new)
    return new


# --- evidence ---------------------------------------------------------------------------------------

MAX_FILE_BYTES = 20 * 2**20
ALLOWED_SUFFIXES = {".pdf", ".jpg", ".jpeg", ".png", ".doc", ".docx", ".xls", ".xlsx", ".ofd", ".txt"}


@transaction.atomic
def evidence_upload(*, actor, upload, result=None, task=None, experience=None, note="") -> Evidence:
    """Attach a file to an item (while the office fills its self-assessment), to a rectification
    (while it is open) or to a typical experience (while it can be revised)."""
    import hashlib
    from pathlib import PurePath

    from .models import Evidence

    owner = result or task or experience
    if sum(x is not None for x in (result, task, experience)) != 1:
        raise DomainError(_("Attach the file to one item, rectification or experience."))
    _require(actor, owner.org, Action.CHANGE, _("Only the office itself adds its evidence."))
    if result is not None:
        assessment = _locked_assessment(result.assessment)
        if assessment.status != codes.AssessmentStatus.SELF:
            raise DomainError(
                _("Evidence is added while the office fills its self-assessment."), code="illegal_transition"
            )
    if task is not None and task.status != codes.TaskStatus.OPEN:
        raise _illegal(_("Evidence is added while the rectification is open."))
    if experience is not None and experience.status not in (
        codes.ExperienceStatus.SUBMITTED,
        codes.ExperienceStatus.RETURNED,
    ):
        raise _illegal(_("A published experience can no longer be changed."))
    name = PurePath(upload.name or "").name[:200]
    if PurePath(name).suffix.lower() not in ALLOWED_SUFFIXES:
        raise DomainError(_("Upload a PDF, OFD, image, Word, Excel or text file."), field="file", code="file_type")
    if upload.size == 0 or upload.size > MAX_FILE_BYTES:
        raise DomainError(_("A file must hold something and be at most 20 MB."), field="file", code="file_size")
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    ev = Evidence(
        org=owner.org,
        result=result,
        task=task,
        experience=experience,
        name=name,
        size=upload.size,
        sha256=digest.hexdigest(),
        note=(note or "").strip()[:200],
        uploaded_by=actor,
    )
    ev.file.save(name, upload, save=False)
    ev.save()
    audit.record_create(actor=actor, action="evidence.upload", obj=ev)
    return ev


# --- rectification ----------------------------------------------------------------------------------


def _locked_task(task) -> RectificationTask:
    return RectificationTask.objects.select_for_update().select_related("org", "office", "item").get(pk=task.pk)


def _note(task, actor, kind, text):
    TaskNote.objects.create(org=task.org, task=task, kind=kind, text=text, author=actor)


@transaction.atomic
def task_assign(*, actor, task, responsible, responsibility, deadline) -> RectificationTask:
    """定人、定责、定时限: the named person of the office, what they answer for, and the deadline."""
    task = _locked_task(task)
    _require(actor, task.org, Action.CHANGE, _("Only the office names who rectifies an item."))
    if task.status == codes.TaskStatus.CLOSED:
        raise _illegal(_("This rectification has been closed."))
    if responsible is None or responsible.office_id != task.office_id or not responsible.is_active:
        raise DomainError(_("Name an active member of the office's staff."), field="responsible")
    responsibility = (responsibility or "").strip()
    if not responsibility:
        raise DomainError(_("Say what the responsible person answers for."), field="responsibility")
    if deadline is None or deadline < _today():
        raise DomainError(_("The deadline cannot be in the past."), field="deadline")
    before = audit.snapshot(task, ["responsible", "responsibility", "deadline"])
    task.responsible, task.responsibility, task.deadline = responsible, responsibility, deadline
    task.save(update_fields=["responsible", "responsibility", "deadline", "updated_at"])
    audit.record_update(actor=actor, action="task.assign", obj=task, before=before)
    return task


@transaction.atomic
def task_note(*, actor, task, text) -> RectificationTask:
    task = _locked_task(task)
    _require(actor, task.org, Action.CHANGE, _("Only the office reports progress on its rectification."))
    if task.status != codes.TaskStatus.OPEN:
        raise _illegal(_("Progress is noted while the rectification is open."))
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Write what was done."), field="text")
    _note(task, actor, codes.NoteKind.PROGRESS, text)
    audit.record(actor=actor, action="task.note", obj=task)
    return task


@transaction.atomic
def task_submit(*, actor, task, text) -> RectificationTask:
    """The office reports the rectification done, with its evidence, for the city to verify."""
    task = _locked_task(task)
    _require(actor, task.org, Action.CHANGE, _("Only the office reports its rectification done."))
    if task.responsible_id is None or task.deadline is None:
        raise DomainError(_("Name the responsible person and the deadline first."), code="incomplete")
    if not task.evidence.exists():
        raise DomainError(_("Attach the evidence of the rectification first."), field="file", code="no_evidence")
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Say what was rectified."), field="text")
    _move(task, codes.TASK_TRANSITIONS, codes.TaskStatus.SUBMITTED, _("This rectification is not open."))
    task.submitted_at = timezone.now()
    task.save(update_fields=["status", "submitted_at", "updated_at"])
    _note(task, actor, codes.NoteKind.SUBMITTED, text)
    audit.record(actor=actor, action="task.submit", obj=task)
    return task


@transaction.atomic
def task_verify(*, actor, task, accept: bool, text) -> RectificationTask:
    """The city closes a rectification it has verified, or sends it back with what is missing."""
    task = _locked_task(task)
    if not _assessor_of(actor, task.office):
        raise Forbidden(_("Only the city verifies a rectification."))
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Say what you found."), field="text")
    if accept:
        if not task.evidence.exists():
            raise DomainError(_("A rectification cannot be closed without evidence."), code="no_evidence")
        _move(
            task,
            codes.TASK_TRANSITIONS,
            codes.TaskStatus.CLOSED,
            _("Only a rectification reported done can be closed."),
        )
        task.closed_at, task.closed_by = timezone.now(), actor
        task.save(update_fields=["status", "closed_at", "closed_by", "updated_at"])
        _note(task, actor, codes.NoteKind.VERIFIED, text)
        audit.record(actor=actor, action="task.close", obj=task)
    else:
        _move(
            task,
            codes.TASK_TRANSITIONS,
            codes.TaskStatus.OPEN,
            _("Only a rectification reported done can be returned."),
        )
        task.save(update_fields=["status", "updated_at"])
        _note(task, actor, codes.NoteKind.RETURNED, text)
        audit.record(actor=actor, action="task.return", obj=task)
    return task


def tasks_remind(*, today=None) -> int:
    """Note a reminder on each overdue open rectification (once a day), for the office and the
    city to see; run by the task worker. Returns how many were reminded."""
    today = today or _today()
    count = 0
    overdue = RectificationTask.objects.filter(status=codes.TaskStatus.OPEN, deadline__lt=today).exclude(
        last_reminded_on=today
    )
    for task_id in overdue.values_list("pk", flat=True)[:5000]:
        with transaction.atomic():
            task = (
                RectificationTask.objects.select_for_update(of=("self",)).select_related("responsible").get(pk=task_id)
            )
            if task.status != codes.TaskStatus.OPEN or task.last_reminded_on == today:
                continue
            days = (today - task.deadline).days
            who = task.responsible.full_name if task.responsible else ""
            _note_system(task, _("Overdue by %(days)d days; responsible: %(who)s.") % {"days": days, "who": who})
            task.last_reminded_on = today
            task.save(update_fields=["last_reminded_on", "updated_at"])
            audit.record(actor=None, action="task.remind", obj=task)
            count += 1
    return count


def _note_system(task, text):
    author = task.responsible or task.result.assessment.judged_by
    TaskNote.objects.create(org=task.org, task=task, kind=codes.NoteKind.REMINDER, text=text, author=author)


# --- typical experiences ----------------------------------------------------------------------------


@transaction.atomic
def experience_submit(*, actor, org, title, text, items=()) -> Experience:
    if org is None or org.kind != OrgKind.TOWN:
        raise DomainError(_("A typical experience is submitted by a judicial office."), field="org")
    _require(actor, org, Action.CREATE, _("You may not submit experiences for this office."))
    title, text = (title or "").strip(), (text or "").strip()
    if not title or not text:
        raise DomainError(_("Give the experience a title and describe the practice."), field="title")
    items = list(items)
    standards_used = {i.standard_id for i in items}
    if len(standards_used) > 1:
        raise DomainError(_("The items concerned must come from one standard."), field="items")
    exp = Experience.objects.create(org=org, title=title[:200], text=text, submitted_by=actor)
    exp.items.set(items)
    audit.record_create(actor=actor, action="experience.submit", obj=exp)
    return exp


@transaction.atomic
def experience_review(*, actor, experience, status, note="") -> Experience:
    """The city returns, recommends, publishes or withdraws an experience."""
    exp = Experience.objects.select_for_update().select_related("org", "office").get(pk=experience.pk)
    if not _assessor_of(actor, exp.office):
        raise Forbidden(_("Only the city reviews typical experiences."))
    if status == codes.ExperienceStatus.RETURNED and not (note or "").strip():
        raise DomainError(_("Say what the office should revise."), field="note")
    _move(exp, codes.EXPERIENCE_TRANSITIONS, status, _("This experience cannot move to that state."))
    before = audit.snapshot(exp, ["status", "review_note"])
    exp.review_note = (note or "").strip() or exp.review_note
    exp.reviewed_by = actor
    if status == codes.ExperienceStatus.PUBLISHED:
        exp.published_at = timezone.now()
    exp.save()
    audit.record_update(actor=actor, action="experience.review", obj=exp, before=before)
    return exp


@transaction.atomic
def experience_resubmit(*, actor, experience, title, text) -> Experience:
    exp = Experience.objects.select_for_update().select_related("org").get(pk=experience.pk)
    _require(actor, exp.org, Action.CHANGE, _("Only the office revises its experience."))
    title, text = (title or "").strip(), (text or "").strip()
    if not title or not text:
        raise DomainError(_("Give the experience a title and describe the practice."), field="title")
    _move(
        exp, codes.EXPERIENCE_TRANSITIONS, codes.ExperienceStatus.SUBMITTED, _("Only a returned experience is revised.")
    )
    before = audit.snapshot(exp, ["status", "title", "text"])
    exp.title, exp.text = title[:200], text
    exp.save()
    audit.record_update(actor=actor, action="experience.submit", obj=exp, before=before)
    return exp


CAMPAIGN_TRANSITIONS = {
    codes.CampaignStatus.DRAFT: {codes.CampaignStatus.RUNNING},
    codes.CampaignStatus.RUNNING: {codes.CampaignStatus.CLOSED},
    codes.CampaignStatus.CLOSED: set(),
}
