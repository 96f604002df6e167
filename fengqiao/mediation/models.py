"""People's mediation: committees, mediators, disputes with their parties, sessions, agreements,
follow-ups and the case timeline.

Every row carries its office (TenantModel). Disputes are the big table (tens of thousands a year
per city, millions per province): every list filters by office first and pages by key.
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fengqiao.core.models import TenantModel
from fengqiao.core.permissions import Module
from fengqiao.core.scoping import register_scoped
from fengqiao.core.validators import mask_id_number, mask_phone, validate_id_number, validate_phone

from . import codes


@register_scoped
class Committee(TenantModel):
    """A people's mediation committee (人民调解委员会), attached to the org node it serves."""

    scope_module = Module.MEDIATION

    name = models.CharField(_("name"), max_length=100)
    committee_type = models.CharField(_("committee type"), max_length=16, choices=codes.CommitteeType.choices)
    field = models.CharField(
        _("field"),
        max_length=50,
        blank=True,
        help_text=_("For industry committees: property, traffic, consumer, labour, medical …"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("mediation committee")
        verbose_name_plural = _("mediation committees")
        ordering = ["office", "name"]
        constraints = [models.UniqueConstraint(fields=["org", "name"], name="committee_unique_name_per_org")]

    def __str__(self):
        return self.name

    @property
    def level(self) -> int:
        return codes.COMMITTEE_LEVEL[codes.CommitteeType(self.committee_type)]

    @property
    def full_time_norm(self) -> int:
        return codes.FULL_TIME_NORM.get(codes.CommitteeType(self.committee_type), 0)


@register_scoped
class Mediator(TenantModel):
    """A people's mediator (人民调解员), full-time or part-time, on one or more committees."""

    scope_module = Module.MEDIATION

    full_name = models.CharField(_("full name"), max_length=50)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="mediator_profiles",
        verbose_name=_("platform account"),
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True, validators=[validate_phone])
    full_time = models.BooleanField(_("full-time"), default=False)
    committees = models.ManyToManyField(Committee, related_name="mediators", verbose_name=_("committees"))
    specialty = models.CharField(_("specialty"), max_length=100, blank=True)
    certificate_no = models.CharField(_("certificate number"), max_length=50, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    sensitive_fields = {"phone": mask_phone}

    class Meta:
        verbose_name = _("mediator")
        verbose_name_plural = _("mediators")
        ordering = ["office", "full_name"]

    def __str__(self):
        return self.full_name


class CaseCounter(models.Model):
    """The last case number given per office and year. Locked while a number is taken, so numbers
    are unique and without gaps even under concurrent intake."""

    office = models.ForeignKey("orgs.OrgNode", on_delete=models.PROTECT, related_name="+", verbose_name=_("office"))
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("case counter")
        verbose_name_plural = _("case counters")
        constraints = [models.UniqueConstraint(fields=["office", "year"], name="casecounter_office_year")]

    def __str__(self):
        return f"{self.office_id}/{self.year}: {self.last}"


@register_scoped
class Dispute(TenantModel):
    """A dispute (矛盾纠纷) from intake to archive: one case number for its whole life."""

    scope_module = Module.MEDIATION

    number = models.CharField(_("case number"), max_length=40, unique=True, editable=False)
    year = models.PositiveSmallIntegerField(_("year"), editable=False)
    seq = models.PositiveIntegerField(_("sequence"), editable=False)
    status = models.CharField(
        _("status"), max_length=16, choices=codes.Status.choices, default=codes.Status.REGISTERED, editable=False
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    channel = models.CharField(_("channel"), max_length=16, choices=codes.Channel.choices)
    referral_source = models.CharField(
        _("referred by"), max_length=16, choices=codes.ReferralSource.choices, blank=True
    )
    referral_body = models.CharField(_("referring body"), max_length=100, blank=True)
    event_type = models.CharField(_("dispute type"), max_length=4, help_text=_("GB/T 31000-2015 event type code"))
    stat_category = models.CharField(_("statistical category"), max_length=2, editable=False)
    summary = models.CharField(_("summary"), max_length=100)
    description = models.TextField(_("description"))
    amount = models.DecimalField(
        _("amount involved (yuan)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    people_count = models.PositiveIntegerField(_("people involved"), default=2)
    scale = models.CharField(_("scale"), max_length=2, default="01")
    committee = models.ForeignKey(
        Committee,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="disputes",
        verbose_name=_("handling committee"),
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=codes.Level.choices, default=codes.Level.VILLAGE)
    mediators = models.ManyToManyField(Mediator, blank=True, related_name="disputes", verbose_name=_("mediators"))

    received_on = models.DateField(_("received on"))
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True, editable=False)
    deadline = models.DateField(_("mediation deadline"), null=True, blank=True, editable=False)
    concluded_on = models.DateField(_("concluded on"), null=True, blank=True, editable=False)
    archived_on = models.DateField(_("archived on"), null=True, blank=True, editable=False)
    days_to_conclude = models.PositiveIntegerField(_("days to conclude"), null=True, blank=True, editable=False)
    outcome = models.CharField(_("outcome"), max_length=16, choices=codes.Outcome.choices, blank=True, editable=False)
    outcome_reason = models.TextField(_("reason"), blank=True, editable=False)

    prevented_criminal = models.BooleanField(_("kept from turning criminal"), default=False)
    prevented_criminal_persons = models.PositiveIntegerField(_("persons kept from turning criminal"), default=0)
    prevented_mass_petition = models.BooleanField(_("mass petition prevented"), default=False)
    prevented_mass_petition_persons = models.PositiveIntegerField(_("persons in prevented mass petition"), default=0)

    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registered by"),
        editable=False,
    )

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        ordering = ["-received_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["office", "year", "seq"], name="dispute_office_year_seq")]
        indexes = [
            models.Index(fields=["office", "-received_on", "-id"], name="dispute_office_recv"),
            models.Index(fields=["office", "status", "-received_on", "-id"], name="dispute_office_status"),
            models.Index(fields=["org", "-received_on", "-id"], name="dispute_org_recv"),
            models.Index(fields=["committee", "-received_on", "-id"], name="dispute_committee_recv"),
            models.Index(fields=["office", "deadline"], name="dispute_office_deadline"),
            models.Index(fields=["office", "concluded_on", "outcome"], name="dispute_office_concluded"),
        ]

    def __str__(self):
        return f"{self.number} {self.summary}"

    @property
    def is_open(self) -> bool:
        return self.status in codes.OPEN_STATUSES

    def allowed_transitions(self) -> list[str]:
        return codes.allowed_transitions(self.status)


class DisputeChild(TenantModel):
    """Rows that belong to one dispute: they carry its org and office."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="+", verbose_name=_("dispute"))

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.dispute_id and not self.org_id:
            self.org_id = self.dispute.org_id
        super().save(*args, **kwargs)


class Party(DisputeChild):
    """A party to a dispute: a person (validated ID and phone, masked in lists) or an organisation."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="parties", verbose_name=_("dispute"))
    side = models.CharField(_("side"), max_length=16, choices=codes.PartySide.choices)
    kind = models.CharField(_("kind"), max_length=16, choices=codes.PartyKind.choices, default=codes.PartyKind.PERSON)
    name = models.CharField(_("name"), max_length=100)
    id_number = models.CharField(_("ID number"), max_length=18, blank=True, validators=[validate_id_number])
    org_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True, validators=[validate_phone])
    address = models.CharField(_("address"), max_length=200, blank=True)

    sensitive_fields = {"id_number": mask_id_number, "phone": mask_phone}

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["dispute", "side", "id"]
        indexes = [models.Index(fields=["office", "name"], name="party_office_name")]

    def __str__(self):
        return self.name


class CaseEvent(DisputeChild):
    """One step on a case's timeline: a transition, a session, an escalation, an edit."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="events", verbose_name=_("dispute"))
    at = models.DateTimeField(_("time"), default=timezone.now, db_index=False)
    transition = models.CharField(_("step"), max_length=16, choices=codes.Transition.choices)
    from_status = models.CharField(_("from"), max_length=16, choices=codes.Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=codes.Status.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("by")
    )
    actor_repr = models.CharField(_("by"), max_length=150, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["dispute", "at", "id"]

    def __str__(self):
        return f"{self.dispute_id} {self.transition}"


class MediationSession(DisputeChild):
    """A mediation session (调解): when, where, who, and the record (调解笔录)."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("dispute"))
    held_on = models.DateField(_("held on"))
    place = models.CharField(_("place"), max_length=100)
    mediators = models.ManyToManyField(Mediator, blank=True, related_name="+", verbose_name=_("mediators"))
    attendees = models.CharField(_("attendees"), max_length=300, blank=True)
    record = models.TextField(_("record"))

    class Meta:
        verbose_name = _("mediation session")
        verbose_name_plural = _("mediation sessions")
        ordering = ["dispute", "held_on", "id"]

    def __str__(self):
        return f"{self.dispute_id} {self.held_on}"


class Agreement(DisputeChild):
    """The mediation agreement (人民调解协议), written or oral."""

    dispute = models.OneToOneField(
        Dispute, on_delete=models.CASCADE, related_name="agreement", verbose_name=_("dispute")
    )
    form = models.CharField(_("form"), max_length=16, choices=codes.AgreementForm.choices)
    terms = models.TextField(_("terms"))
    amount = models.DecimalField(
        _("agreed amount (yuan)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    performance_method = models.CharField(_("performance method"), max_length=200, blank=True)
    performance_deadline = models.DateField(_("performance deadline"), null=True, blank=True)
    signed_on = models.DateField(_("signed on"))

    class Meta:
        verbose_name = _("mediation agreement")
        verbose_name_plural = _("mediation agreements")

    def __str__(self):
        return f"{self.dispute_id} {self.get_form_display()}"


class FollowUp(DisputeChild):
    """A follow-up visit (回访): was the agreement performed, and are the parties satisfied."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="follow_ups", verbose_name=_("dispute"))
    visited_on = models.DateField(_("visited on"))
    performed = models.BooleanField(_("agreement performed"), null=True, blank=True)
    satisfaction = models.CharField(_("satisfaction"), max_length=16, choices=codes.Satisfaction.choices)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("follow-up visit")
        verbose_name_plural = _("follow-up visits")
        ordering = ["dispute", "visited_on", "id"]

    def __str__(self):
        return f"{self.dispute_id} {self.visited_on}"
