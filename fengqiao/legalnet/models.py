"""Service points and village legal advisors: the five service points of each judicial office
(一所五站点) with the people on duty, the history of advisors' assignments to villages, and the
advisors' daily work logs.

Who serves a village *now* is `accounts.User.served_villages` (it drives the advisors' scope); the
assignments here keep its history (from/to dates) for the timeline and the figures.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fengqiao.core.models import TenantModel
from fengqiao.core.permissions import Module
from fengqiao.core.scoping import register_scoped
from fengqiao.core.validators import mask_phone, validate_phone

from . import codes


def _user_fk(related_name, verbose_name, **kwargs):
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name=related_name,
        verbose_name=verbose_name,
        **kwargs,
    )


@register_scoped
class ServicePoint(TenantModel):
    """One of the five service points of a judicial office (公证协办点, 法律援助站, 仲裁联系点,
    立法民意收集点, 行政复议联系点), run with its partner body. Its org is the office; a closed
    point stays on record, and the office may then set up another of the same kind."""

    scope_module = Module.LEGAL_SERVICES

    kind = models.CharField(_("kind of point"), max_length=16, choices=codes.PointKind.choices)
    name = models.CharField(_("name"), max_length=100)
    partner = models.CharField(
        _("partner body"), max_length=100, help_text=_("For example 江阴市公证处 or 无锡仲裁委员会.")
    )
    hours = models.CharField(_("opening hours"), max_length=100)
    address = models.CharField(_("address"), max_length=200)
    phone = models.CharField(_("phone"), max_length=30, blank=True, validators=[validate_phone])
    opened_on = models.DateField(_("set up on"))
    status = models.CharField(
        _("status"), max_length=8, choices=codes.PointStatus.choices, default=codes.PointStatus.OPEN, editable=False
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True, editable=False)
    close_reason = models.TextField(_("reason for closing"), blank=True, editable=False)
    note = models.TextField(_("note"), blank=True)
    created_by = _user_fk("+", _("set up by"), editable=False)

    class Meta:
        verbose_name = _("service point")
        verbose_name_plural = _("service points")
        ordering = ["-id"]
        constraints = [
            # At most one open point of each kind per office.
            models.UniqueConstraint(
                fields=["office", "kind"], condition=models.Q(status="open"), name="legalnet_one_open_point_per_kind"
            ),
        ]
        indexes = [
            models.Index(fields=["office", "-id"], name="lnet_point_office_id"),
            models.Index(fields=["office", "kind", "opened_on"], name="lnet_point_office_kind"),
            models.Index(fields=["status", "kind"], name="lnet_point_status_kind"),
        ]

    def __str__(self):
        return self.name

    @property
    def is_open(self) -> bool:
        return self.status == codes.PointStatus.OPEN


@register_scoped
class PointStaff(TenantModel):
    """A person on duty at a service point: an office user, or someone of the partner body given by
    name and phone. Removal keeps the row (with its end date) for the timeline."""

    scope_module = Module.LEGAL_SERVICES

    point = models.ForeignKey(ServicePoint, on_delete=models.CASCADE, related_name="staff", verbose_name=_("point"))
    user = _user_fk("+", _("office user"))
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=30, blank=True, validators=[validate_phone])
    duty = models.CharField(
        _("duty"), max_length=100, blank=True, help_text=_("When the person is on duty, e.g. 每周二上午.")
    )
    since = models.DateField(_("on duty since"))
    until = models.DateField(_("on duty until"), null=True, blank=True, editable=False)

    sensitive_fields = {"phone": mask_phone}

    class Meta:
        verbose_name = _("person on duty")
        verbose_name_plural = _("people on duty")
        ordering = ["point", "since", "id"]
        indexes = [
            models.Index(fields=["point", "until"], name="lnet_staff_point_until"),
            models.Index(fields=["office", "-id"], name="lnet_staff_office_id"),
        ]

    def __str__(self):
        return self.name

    @property
    def on_duty(self) -> bool:
        return self.until is None


@register_scoped
class AdvisorAssignment(TenantModel):
    """A period during which a legal advisor served a village (org = the village). The open one
    mirrors `User.served_villages`; ended ones are the history."""

    scope_module = Module.LEGAL_SERVICES

    advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("legal advisor")
    )
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("to"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    changed_by = _user_fk("+", _("recorded by"), editable=False)

    class Meta:
        verbose_name = _("advisor assignment")
        verbose_name_plural = _("advisor assignments")
        ordering = ["-started_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "advisor"],
                condition=models.Q(ended_on__isnull=True),
                name="legalnet_one_open_assignment",
            ),
        ]
        indexes = [
            models.Index(fields=["office", "-id"], name="lnet_assign_office_id"),
            models.Index(fields=["org", "-started_on"], name="lnet_assign_org_start"),
            models.Index(fields=["advisor", "ended_on"], name="lnet_assign_advisor"),
        ]

    def __str__(self):
        return f"{self.advisor_id} @ {self.org_id} {self.started_on}–{self.ended_on or ''}"


@register_scoped
class WorkLog(TenantModel):
    """A legal advisor's work in one village on one day (org = the village): whether they were on
    duty there, and how many consultations, lectures, contract reviews and disputes."""

    scope_module = Module.LEGAL_SERVICES

    advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("legal advisor")
    )
    date = models.DateField(_("date"))
    duty_days = models.PositiveSmallIntegerField(_("duty days"), default=0, help_text=_("1 if on duty that day."))
    consultations = models.PositiveSmallIntegerField(_("legal consultations"), default=0)
    lectures = models.PositiveSmallIntegerField(_("rule-of-law lectures"), default=0)
    contract_reviews = models.PositiveSmallIntegerField(_("contract reviews"), default=0)
    disputes = models.PositiveSmallIntegerField(_("disputes joined"), default=0)
    note = models.TextField(_("note"), blank=True)
    recorded_by = _user_fk("+", _("recorded by"), editable=False)
    recorded_by_repr = models.CharField(_("recorded by"), max_length=150, blank=True, editable=False)

    class Meta:
        verbose_name = _("advisor work log")
        verbose_name_plural = _("advisor work logs")
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["advisor", "org", "date"], name="legalnet_one_log_per_day"),
        ]
        indexes = [
            models.Index(fields=["office", "-date", "-id"], name="lnet_log_office_date"),
            models.Index(fields=["org", "-date", "-id"], name="lnet_log_org_date"),
            models.Index(fields=["advisor", "-date"], name="lnet_log_advisor_date"),
        ]

    def __str__(self):
        return f"{self.date} {self.advisor_id} @ {self.org_id}"

    @property
    def total(self) -> int:
        return sum(getattr(self, f) for f in codes.WORK_FIELDS)
