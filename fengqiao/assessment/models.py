"""The construction standard as data: a standard (a version of it), its categories, its items, and
for the items judged automatically the indicators and thresholds they are judged by.

A standard belongs to the bureau that added it (or to nobody: the ones shipped with the platform)
and is read by every unit below that bureau. The 2019 Jiangyin standard is loaded by a migration
from `data/jiangyin-2019.json`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fengqiao.core.models import TenantModel
from fengqiao.core.permissions import Module
from fengqiao.core.scoping import ScopedManager, register_scoped, subtree_q

from . import codes


@register_scoped
class Standard(models.Model):
    """One version of a construction standard (建设标准), such as the 17-item “枫桥式”司法所建设标准
    of 2019. Items and thresholds are never edited in place once assessments use them: a change is
    a new version."""

    scope_module = Module.STANDARDS

    code = models.SlugField(_("code"), max_length=60)
    version = models.CharField(_("version"), max_length=20)
    name = models.CharField(_("name"), max_length=200)
    issued_by = models.CharField(_("issued by"), max_length=100, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    owner = models.ForeignKey(
        "orgs.OrgNode",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owning bureau"),
        help_text=_("Empty for a standard shipped with the platform."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("added by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("construction standard")
        verbose_name_plural = _("construction standards")
        ordering = ["code", "-version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="standard_code_version_unique")]

    def __str__(self):
        return f"{self.name} ({self.version})"

    @classmethod
    def scope_q(cls, node):
        # Read by the bureau that owns it, every unit below it, and the bureaus above it; the
        # platform's own standards by everyone.
        return Q(owner__isnull=True) | Q(owner__path__in=node.ancestor_paths()) | subtree_q(node.path, "owner__path")


class StandardCategory(models.Model):
    """A category of a standard's items (党建引领, 法治统揽, ...)."""

    standard = models.ForeignKey(
        Standard, on_delete=models.CASCADE, related_name="categories", verbose_name=_("standard")
    )
    number = models.PositiveSmallIntegerField(_("number"))
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("standard category")
        verbose_name_plural = _("standard categories")
        ordering = ["standard", "number"]
        constraints = [models.UniqueConstraint(fields=["standard", "number"], name="standard_category_number_unique")]

    def __str__(self):
        return self.name


class StandardItem(models.Model):
    """One item of a standard, with its wording and how it is evaluated."""

    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="items", verbose_name=_("standard"))
    category = models.ForeignKey(
        StandardCategory, on_delete=models.PROTECT, related_name="items", verbose_name=_("category")
    )
    number = models.PositiveSmallIntegerField(_("number"))
    text = models.TextField(_("wording"))
    method = models.CharField(_("evaluation method"), max_length=12, choices=codes.Method.choices)
    guidance = models.TextField(
        _("evidence to provide"), blank=True, help_text=_("What an office shows for the assessor's judgement.")
    )

    class Meta:
        verbose_name = _("standard item")
        verbose_name_plural = _("standard items")
        ordering = ["standard", "number"]
        constraints = [models.UniqueConstraint(fields=["standard", "number"], name="standard_item_number_unique")]

    def __str__(self):
        return f"{self.number}. {self.text[:40]}"


class ItemCriterion(models.Model):
    """An indicator an automatic item is judged by, with the threshold the standard sets."""

    item = models.ForeignKey(StandardItem, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("item"))
    indicator = models.CharField(_("indicator"), max_length=60)
    direction = models.CharField(_("direction"), max_length=2, choices=codes.Direction.choices)
    threshold = models.DecimalField(_("threshold"), max_digits=12, decimal_places=3)

    class Meta:
        verbose_name = _("item criterion")
        verbose_name_plural = _("item criteria")
        ordering = ["item", "id"]
        constraints = [models.UniqueConstraint(fields=["item", "indicator"], name="item_criterion_unique")]

    def __str__(self):
        return f"{self.indicator} {self.get_direction_display()} {self.threshold}"


def _bureau_and_below_q(node):
    # A campaign belongs to the bureau that runs it and is read by every unit below (each office
    # assesses itself in it) and by the bureaus above.
    return Q(org__path__in=node.ancestor_paths()) | subtree_q(node.path, "org__path")


@register_scoped
class Campaign(TenantModel):
    """An assessment campaign (创建活动) run by a bureau against one standard: its phases with their
    completion targets, the offices in scope, and the rule by which an office meets the standard."""

    scope_module = Module.STANDARDS

    name = models.CharField(_("name"), max_length=200)
    standard = models.ForeignKey(Standard, on_delete=models.PROTECT, related_name="+", verbose_name=_("standard"))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    rule = models.CharField(
        _("an office meets the standard when"),
        max_length=16,
        choices=codes.MeetRule.choices,
        default=codes.MeetRule.ALL_MET,
    )
    status = models.CharField(
        _("status"), max_length=10, choices=codes.CampaignStatus.choices, default=codes.CampaignStatus.DRAFT
    )
    offices = models.ManyToManyField("orgs.OrgNode", related_name="+", verbose_name=_("offices in scope"), blank=True)
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )

    class Meta:
        verbose_name = _("assessment campaign")
        verbose_name_plural = _("assessment campaigns")
        ordering = ["-starts_on", "-id"]

    def __str__(self):
        return self.name

    @classmethod
    def scope_q(cls, node):
        return _bureau_and_below_q(node)


class CampaignPhase(models.Model):
    """A phase of a campaign (研究部署, 重点培育, 全面推进, 总结深化) and the share of the offices in
    scope that should meet the standard by its end."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="phases", verbose_name=_("campaign"))
    number = models.PositiveSmallIntegerField(_("number"))
    name = models.CharField(_("name"), max_length=60)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    target_percent = models.DecimalField(
        _("target: offices meeting the standard (%)"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    tasks = models.TextField(_("what the phase does"), blank=True)

    class Meta:
        verbose_name = _("campaign phase")
        verbose_name_plural = _("campaign phases")
        ordering = ["campaign", "number"]
        constraints = [models.UniqueConstraint(fields=["campaign", "number"], name="campaign_phase_number_unique")]

    def __str__(self):
        return self.name


@register_scoped
class Assessment(TenantModel):
    """One office's assessment in a campaign: its self-assessment, then the assessors' inspection
    and judgement. A judged assessment is frozen; re-assessment is a new round."""

    scope_module = Module.STANDARDS

    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("campaign")
    )
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    status = models.CharField(
        _("status"), max_length=10, choices=codes.AssessmentStatus.choices, default=codes.AssessmentStatus.SELF
    )
    period_start = models.DateField(_("indicators from"))
    period_end = models.DateField(_("indicators to"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    judged_at = models.DateTimeField(_("judged at"), null=True, blank=True)
    judged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("judged by"),
    )
    met = models.BooleanField(_("meets the standard"), null=True, blank=True)
    summary = models.TextField(_("assessors' summary"), blank=True)

    class Meta:
        verbose_name = _("office assessment")
        verbose_name_plural = _("office assessments")
        ordering = ["campaign", "office", "-round"]
        constraints = [models.UniqueConstraint(fields=["campaign", "office", "round"], name="assessment_round_unique")]
        indexes = [models.Index(fields=["office", "campaign", "round"], name="assessment_office_campaign")]

    def __str__(self):
        return f"{self.office} · {self.campaign} · {self.round}"


@register_scoped
class ItemResult(TenantModel):
    """One item of an office's assessment: the office's self-assessment with its evidence, and the
    assessors' judgement with the indicator values frozen at that moment."""

    scope_module = Module.STANDARDS

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="results", verbose_name=_("assessment")
    )
    item = models.ForeignKey(StandardItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    self_judgement = models.CharField(_("self-assessment"), max_length=8, choices=codes.Judgement.choices, blank=True)
    self_note = models.TextField(_("office's note"), blank=True)
    judgement = models.CharField(_("judgement"), max_length=8, choices=codes.Judgement.choices, blank=True)
    comment = models.TextField(_("assessor's comment"), blank=True)
    judged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("judged by"),
    )
    judged_at = models.DateTimeField(_("judged at"), null=True, blank=True)
    # Frozen when the assessment is judged: each indicator's value, threshold, whether it was met,
    # how many records it counted and which (the first ones), and the evidence files as they were.
    snapshot = models.JSONField(_("snapshot"), default=dict, blank=True, editable=False)

    class Meta:
        verbose_name = _("item result")
        verbose_name_plural = _("item results")
        ordering = ["assessment", "item__number"]
        constraints = [models.UniqueConstraint(fields=["assessment", "item"], name="item_result_unique")]

    def __str__(self):
        return f"{self.assessment} · {self.item.number}"


@register_scoped
class RectificationTask(TenantModel):
    """A rectification (整改) of an item not met: a named person (定人), the responsibility (定责)
    and a deadline (定时限); the office reports progress, the city verifies and closes it."""

    scope_module = Module.STANDARDS

    result = models.ForeignKey(
        ItemResult, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("item result")
    )
    item = models.ForeignKey(StandardItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rectification_tasks",
        verbose_name=_("responsible person"),
    )
    responsibility = models.TextField(_("responsibility"), blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=codes.TaskStatus.choices, default=codes.TaskStatus.OPEN
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verified by"),
    )
    last_reminded_on = models.DateField(_("last reminded on"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("rectification task")
        verbose_name_plural = _("rectification tasks")
        ordering = ["deadline", "id"]
        indexes = [models.Index(fields=["office", "status", "deadline"], name="rectification_office_status")]

    def __str__(self):
        return f"{self.office} · {self.item.number}"


@register_scoped
class TaskNote(TenantModel):
    """A step in a rectification: a progress note, a submission, a return or the verification."""

    scope_module = Module.STANDARDS

    task = models.ForeignKey(RectificationTask, on_delete=models.CASCADE, related_name="notes", verbose_name=_("task"))
    kind = models.CharField(_("kind"), max_length=12, choices=codes.NoteKind.choices)
    text = models.TextField(_("text"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("author")
    )

    class Meta:
        verbose_name = _("rectification note")
        verbose_name_plural = _("rectification notes")
        ordering = ["task", "created_at", "id"]

    def __str__(self):
        return self.text[:40]


def _own_or_published_q(node, prefix: str):
    """Rows of the node's own subtree, and those published by an office of the node's city (an
    office under one of the node's ancestors)."""
    from fengqiao.core.models import tenant_scope_q

    ancestors = node.ancestor_paths()
    published = Q(**{f"{prefix}status": codes.ExperienceStatus.PUBLISHED}) & (
        Q(office__path__in=ancestors) | Q(office__parent__path__in=ancestors)
    )
    return tenant_scope_q(node) | published


@register_scoped
class Experience(TenantModel):
    """A typical experience (典型经验) an office submits: the city reviews, recommends and publishes
    it to every office."""

    scope_module = Module.STANDARDS

    title = models.CharField(_("title"), max_length=200)
    items = models.ManyToManyField(StandardItem, related_name="+", verbose_name=_("items concerned"), blank=True)
    text = models.TextField(_("text"))
    status = models.CharField(
        _("status"), max_length=12, choices=codes.ExperienceStatus.choices, default=codes.ExperienceStatus.SUBMITTED
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("submitted by")
    )
    review_note = models.TextField(_("review note"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("typical experience")
        verbose_name_plural = _("typical experiences")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "published_at"], name="experience_status_published")]

    def __str__(self):
        return self.title

    @classmethod
    def scope_q(cls, node):
        # An office's own experiences, whatever their state, and every published one in its city.
        return _own_or_published_q(node, "")


@register_scoped
class Evidence(TenantModel):
    """A file an office provides: evidence for an item, for a rectification, or an attachment of a
    typical experience. Served only through a scoped view; never rewritten once uploaded."""

    scope_module = Module.STANDARDS

    result = models.ForeignKey(
        ItemResult, on_delete=models.PROTECT, null=True, blank=True, related_name="evidence", verbose_name=_("item")
    )
    task = models.ForeignKey(
        RectificationTask,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evidence",
        verbose_name=_("rectification"),
    )
    experience = models.ForeignKey(
        Experience,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attachments",
        verbose_name=_("typical experience"),
    )
    file = models.FileField(_("file"), upload_to="assessment/%Y/%m/", max_length=200)
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    note = models.CharField(_("description"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )

    @classmethod
    def scope_q(cls, node):
        # An office's own files, and the attachments of the experiences published in its city.
        return _own_or_published_q(node, "experience__")

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(result__isnull=False, task__isnull=True, experience__isnull=True)
                    | Q(result__isnull=True, task__isnull=False, experience__isnull=True)
                    | Q(result__isnull=True, task__isnull=True, experience__isnull=False)
                ),
                name="evidence_one_owner",
            )
        ]

    def __str__(self):
        return self.name
