"""Public legal services (公共法律服务): the services an office gives (consultations, referrals,
legislative-opinion collection, reconsideration referrals, legal opinions for the town), what
happened to each, and the complaints (信访投诉) about them.

Every row carries its office (TenantModel). A service's org is the village where it was given, or
the office itself; its events and its complaints carry the same office.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fengqiao.core.models import TenantModel
from fengqiao.core.permissions import Module
from fengqiao.core.scoping import register_scoped
from fengqiao.core.validators import mask_phone, validate_phone

from . import codes


def _by(related_name="+", label=None):
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name=related_name,
        verbose_name=label or _("recorded by"),
        editable=False,
    )


@register_scoped
class ServiceRecord(TenantModel):
    """One public legal service: a consultation, a referral, a legislative-opinion collection, a
    reconsideration referral or a legal opinion for the town. Open until it is concluded (answered,
    outcome known, forwarded, opinion given) or withdrawn; due by the date its kind's due time gives."""

    scope_module = Module.LEGAL_SERVICES

    kind = models.CharField(_("kind of service"), max_length=16, choices=codes.Kind.choices)
    received_on = models.DateField(_("received on"))
    due_on = models.DateField(_("due on"), editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=codes.Status.choices, default=codes.Status.OPEN, editable=False
    )
    concluded_on = models.DateField(_("concluded on"), null=True, blank=True, editable=False)
    person_name = models.CharField(_("who asked"), max_length=50, blank=True)
    person_phone = models.CharField(_("phone"), max_length=30, blank=True, validators=[validate_phone])
    channel = models.CharField(_("channel"), max_length=10, choices=codes.Channel.choices, blank=True)
    category = models.CharField(
        pgettext_lazy("legal services", "category"), max_length=16, choices=codes.Category.choices, blank=True
    )
    subject = models.CharField(
        pgettext_lazy("legal services", "subject"),
        max_length=200,
        blank=True,
        help_text=_("The draft, the decision or contract, or a short title."),
    )
    question = models.TextField(_("question or matter"), blank=True)
    answer = models.TextField(_("answer or opinion"), blank=True)
    minutes = models.PositiveIntegerField(_("time taken (minutes)"), null=True, blank=True)
    referral_to = models.CharField(_("referred to"), max_length=16, choices=codes.ReferralTo.choices, blank=True)
    decision_type = models.CharField(_("type"), max_length=10, choices=codes.DecisionType.choices, blank=True)
    receiving_body = models.CharField(_("receiving body"), max_length=100, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    opinion_count = models.PositiveIntegerField(_("opinions gathered"), null=True, blank=True)
    forwarded_on = models.DateField(_("forwarded on"), null=True, blank=True, editable=False)
    adoption = models.CharField(_("adoption"), max_length=12, choices=codes.Adoption.choices, blank=True)
    satisfaction = models.CharField(
        _("satisfaction"), max_length=12, choices=codes.Satisfaction.choices, blank=True, editable=False
    )
    withdraw_reason = models.TextField(_("reason for withdrawal"), blank=True, editable=False)
    handled_by = _by("legal_services", pgettext_lazy("legal services", "handled by"))
    handled_by_repr = models.CharField(
        pgettext_lazy("legal services", "handled by"), max_length=150, blank=True, editable=False
    )

    sensitive_fields = {"person_phone": mask_phone}

    class Meta:
        verbose_name = _("legal service")
        verbose_name_plural = _("legal services")
        ordering = ["-received_on", "-id"]
        indexes = [
            models.Index(fields=["office", "-received_on", "-id"], name="legalsvc_office_received"),
            models.Index(fields=["org", "-received_on", "-id"], name="legalsvc_org_received"),
            models.Index(fields=["office", "kind", "received_on"], name="legalsvc_office_kind"),
            models.Index(fields=["office", "status", "due_on"], name="legalsvc_office_due"),
            models.Index(fields=["office", "concluded_on"], name="legalsvc_office_concluded"),
            models.Index(fields=["-received_on", "-id"], name="legalsvc_received"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.received_on} {self.title}"

    @property
    def title(self) -> str:
        return self.subject or (self.question or "")[:40] or self.person_name

    @property
    def is_open(self) -> bool:
        return self.status == codes.Status.OPEN

    def overdue_on(self, day) -> bool:
        """Open and past its due date on `day`."""
        return self.is_open and self.due_on < day


@register_scoped
class ServiceEvent(TenantModel):
    """One step on a service's timeline: registered, progress noted, concluded, withdrawn,
    satisfaction or adoption recorded."""

    scope_module = Module.LEGAL_SERVICES

    service = models.ForeignKey(
        ServiceRecord, on_delete=models.CASCADE, related_name="events", verbose_name=_("service")
    )
    step = models.CharField(_("step"), max_length=10, choices=codes.Step.choices)
    date = models.DateField(_("date"))
    note = models.TextField(_("note"), blank=True)
    recorded_by = _by()
    recorded_by_repr = models.CharField(_("recorded by"), max_length=150, blank=True, editable=False)

    class Meta:
        verbose_name = _("service event")
        verbose_name_plural = _("service events")
        ordering = ["service", "-date", "-id"]
        indexes = [models.Index(fields=["service", "-date", "-id"], name="legalsvc_event_service")]

    def __str__(self):
        return f"{self.service_id} {self.date} {self.get_step_display()}"


@register_scoped
class Complaint(TenantModel):
    """A complaint or petition (信访投诉) about the office's services: received, verified (查实 or
    未查实) and closed. The standard wants no substantiated complaint over two years."""

    scope_module = Module.LEGAL_SERVICES

    received_on = models.DateField(_("received on"))
    complainant = models.CharField(_("complainant"), max_length=50)
    complainant_phone = models.CharField(_("phone"), max_length=30, blank=True, validators=[validate_phone])
    content = models.TextField(_("content of the complaint"))
    service = models.ForeignKey(
        ServiceRecord,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("service concerned"),
    )
    status = models.CharField(
        _("status"), max_length=8, choices=codes.ComplaintStatus.choices, default=codes.ComplaintStatus.OPEN,
        editable=False,
    )  # fmt: skip
    verification = models.CharField(
        _("verification result"), max_length=16, choices=codes.Verification.choices, blank=True, editable=False
    )
    verified_on = models.DateField(_("verified on"), null=True, blank=True, editable=False)
    handling = models.TextField(_("verification and handling"), blank=True, editable=False)
    recorded_by = _by()
    recorded_by_repr = models.CharField(_("recorded by"), max_length=150, blank=True, editable=False)
    closed_by_repr = models.CharField(_("closed by"), max_length=150, blank=True, editable=False)

    sensitive_fields = {"complainant_phone": mask_phone}

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_on", "-id"]
        indexes = [
            models.Index(fields=["office", "-received_on", "-id"], name="legalsvc_complaint_office"),
            models.Index(fields=["office", "verification", "verified_on"], name="legalsvc_complaint_verified"),
            models.Index(fields=["-received_on", "-id"], name="legalsvc_complaint_received"),
        ]

    def __str__(self):
        return f"{self.received_on} {self.complainant}"

    @property
    def is_open(self) -> bool:
        return self.status == codes.ComplaintStatus.OPEN


class DuePolicy(models.Model):
    """The due time of one kind of service, set by the bureau (the defaults are in
    `codes.DEFAULT_DUE`). Not a tenant row: one rule for the whole platform."""

    kind = models.CharField(_("kind of service"), max_length=16, choices=codes.Kind.choices, unique=True)
    days = models.PositiveSmallIntegerField(_("days"))
    working_days = models.BooleanField(_("working days"), default=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("due time of a service")
        verbose_name_plural = _("due times of services")
        ordering = ["kind"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.days}"
