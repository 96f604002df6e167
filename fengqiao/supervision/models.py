"""Law-enforcement supervision (行政执法监督): the town's enforcing departments, the office's
supervision activities over them, the problems found and their rectification, and the enforcement
disputes the office coordinates.

Every row carries its office (TenantModel). Supervision is the office's own work, so the org of
each row is the office itself.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fengqiao.core.models import TenantModel
from fengqiao.core.permissions import Module
from fengqiao.core.scoping import register_scoped

from . import codes


@register_scoped
class Department(TenantModel):
    """An administrative enforcing department in the office's town (综合行政执法局, 市场监管分局,
    派出所 ...): the office's own list, which activities, problems and disputes refer to."""

    scope_module = Module.SUPERVISION

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=codes.DepartmentKind.choices)
    contact = models.CharField(_("contact person"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("enforcing department")
        verbose_name_plural = _("enforcing departments")
        ordering = ["office", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["office", "name"], name="supervision_department_unique_name"),
        ]
        indexes = [models.Index(fields=["office", "is_active", "name"], name="superv_dept_office")]

    def __str__(self):
        return self.name


@register_scoped
class Activity(TenantModel):
    """One supervision activity over the town's law enforcement: a case-file review, an on-site
    inspection, a joint supervision with other bodies, a check of officers' credentials."""

    scope_module = Module.SUPERVISION

    kind = models.CharField(_("kind"), max_length=16, choices=codes.ActivityKind.choices)
    title = models.CharField(_("subject of the supervision"), max_length=200)
    date = models.DateField(_("date"))
    departments = models.ManyToManyField(
        Department, related_name="activities", verbose_name=_("departments supervised"), blank=True
    )
    participants = models.CharField(_("participants"), max_length=500)
    partners = models.CharField(
        _("joint bodies"),
        max_length=300,
        blank=True,
        help_text=_("Other bodies taking part in a joint supervision, e.g. 镇纪委, 人大代表."),
    )
    files_reviewed = models.PositiveIntegerField(_("case files reviewed"), default=0)
    sites_inspected = models.PositiveIntegerField(_("sites inspected"), default=0)
    summary = models.TextField(_("summary of the supervision"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
        editable=False,
    )
    recorded_by_repr = models.CharField(_("recorded by"), max_length=150, blank=True, editable=False)

    class Meta:
        verbose_name = _("supervision activity")
        verbose_name_plural = _("supervision activities")
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["office", "-date", "-id"], name="superv_act_office_date"),
            models.Index(fields=["office", "kind", "date"], name="superv_act_office_kind"),
            models.Index(fields=["-date", "-id"], name="superv_act_date"),
        ]

    def __str__(self):
        return f"{self.date} {self.title}"


@register_scoped
class Problem(TenantModel):
    """A problem found in a supervision activity, with the department responsible, and its
    rectification: ordered with a deadline, rectified, verified by the office (or reopened)."""

    scope_module = Module.SUPERVISION

    activity = models.ForeignKey(
        Activity, on_delete=models.PROTECT, related_name="problems", verbose_name=_("supervision activity")
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="problems", verbose_name=_("responsible department")
    )
    category = models.CharField(_("problem category"), max_length=16, choices=codes.ProblemCategory.choices)
    description = models.TextField(_("problem description"))
    found_on = models.DateField(_("found on"))
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=codes.ProblemStatus.choices,
        default=codes.ProblemStatus.FOUND,
        editable=False,
    )
    requirement = models.TextField(_("rectification required"), blank=True, editable=False)
    deadline = models.DateField(_("rectification deadline"), null=True, blank=True, editable=False)
    rectified_on = models.DateField(_("rectified on"), null=True, blank=True, editable=False)
    result = models.TextField(_("rectification result"), blank=True, editable=False)
    verified_on = models.DateField(_("verified on"), null=True, blank=True, editable=False)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verified by"),
        editable=False,
    )
    # Raised by every step: a form filled from an older version is refused (no lost updates).
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        verbose_name = _("supervision problem")
        verbose_name_plural = _("supervision problems")
        ordering = ["-found_on", "-id"]
        indexes = [
            models.Index(fields=["office", "-found_on", "-id"], name="superv_prob_office_found"),
            models.Index(fields=["office", "status", "deadline"], name="superv_prob_office_status"),
            models.Index(fields=["office", "deadline"], name="superv_prob_office_deadline"),
            models.Index(fields=["department", "status"], name="superv_prob_dept_status"),
            models.Index(fields=["-found_on", "-id"], name="superv_prob_found"),
        ]

    def __str__(self):
        return f"{self.found_on} {self.get_category_display()}"

    def is_overdue(self, today) -> bool:
        return self.status in codes.OPEN_PROBLEM_STATUSES and self.deadline is not None and self.deadline < today

    @property
    def rectified_late(self) -> bool:
        return self.rectified_on is not None and self.deadline is not None and self.rectified_on > self.deadline


@register_scoped
class ProblemEvent(TenantModel):
    """One entry of a problem's timeline: found, rectification ordered, progress, rectified,
    verified, reopened."""

    scope_module = Module.SUPERVISION

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="events", verbose_name=_("problem"))
    step = models.CharField(_("step"), max_length=12, choices=codes.ProblemStep.choices)
    date = models.DateField(_("date"))
    note = models.TextField(_("note"), blank=True)
    from_status = models.CharField(_("previous status"), max_length=12, choices=codes.ProblemStatus.choices, blank=True)
    to_status = models.CharField(_("new status"), max_length=12, choices=codes.ProblemStatus.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
        editable=False,
    )
    by_repr = models.CharField(_("recorded by"), max_length=150, blank=True, editable=False)

    class Meta:
        verbose_name = _("problem timeline entry")
        verbose_name_plural = _("problem timeline entries")
        ordering = ["problem", "-date", "-id"]
        indexes = [models.Index(fields=["problem", "-date", "-id"], name="superv_event_problem")]

    def __str__(self):
        return f"{self.problem_id} {self.date} {self.get_step_display()}"


@register_scoped
class EnforcementDispute(TenantModel):
    """An enforcement dispute the office coordinates (行政执法争议协调): between departments (who is
    competent, who acts) or between a department and the party it acts against."""

    scope_module = Module.SUPERVISION

    subject = models.CharField(_("subject of the dispute"), max_length=200)
    departments = models.ManyToManyField(
        Department, related_name="disputes", verbose_name=_("departments involved"), blank=True
    )
    parties = models.CharField(
        _("other parties"), max_length=300, blank=True, help_text=_("Parties other than the town's departments.")
    )
    description = models.TextField(_("what the dispute is about"))
    received_on = models.DateField(_("received on"))
    status = models.CharField(
        _("status"),
        max_length=8,
        choices=codes.DisputeStatus.choices,
        default=codes.DisputeStatus.OPEN,
        editable=False,
    )
    outcome = models.CharField(
        _("outcome"), max_length=12, choices=codes.DisputeOutcome.choices, blank=True, editable=False
    )
    result = models.TextField(_("coordination result"), blank=True, editable=False)
    concluded_on = models.DateField(_("coordinated on"), null=True, blank=True, editable=False)
    recorded_by_repr = models.CharField(_("recorded by"), max_length=150, blank=True, editable=False)
    concluded_by_repr = models.CharField(_("coordinated by"), max_length=150, blank=True, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        verbose_name = _("enforcement dispute")
        verbose_name_plural = _("enforcement disputes")
        ordering = ["-received_on", "-id"]
        indexes = [
            models.Index(fields=["office", "-received_on", "-id"], name="superv_disp_office_recv"),
            models.Index(fields=["office", "concluded_on"], name="superv_disp_office_concl"),
            models.Index(fields=["office", "status"], name="superv_disp_office_status"),
            models.Index(fields=["-received_on", "-id"], name="superv_disp_recv"),
        ]

    def __str__(self):
        return self.subject
