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

from fengqiao.core.models import TenantModel, offices_under
from fengqiao.core.permissions import Module
from fengqiao.core.scoping import ScopedManager, register_scoped
from fengqiao.core.validators import mask_id_number, mask_phone, validate_id_number, validate_phone

from . import codes
from .matching import identity_key


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

    # Unique within the office (office, year and sequence are); two towns of a province may share a
    # short name, so the printed number alone is not unique across offices.
    number = models.CharField(_("case number"), max_length=40, db_index=True, editable=False)
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
    place = models.CharField(_("place where it arose"), max_length=200, blank=True)
    # Normalised place, so that disputes at one place are found whatever the spelling.
    place_key = models.CharField(_("place key"), max_length=200, blank=True, editable=False)
    screening = models.ForeignKey(
        "ScreeningRound",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="disputes",
        verbose_name=_("found in screening round"),
    )
    # The highest level among the case's early warnings not yet handled (0: none); kept with the
    # case so that lists filter and sort on it without a join.
    risk_level = models.PositiveSmallIntegerField(
        _("warning level"), choices=[(0, _("None")), *codes.RiskLevel.choices], default=0, editable=False
    )
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
        constraints = [
            models.UniqueConstraint(fields=["office", "year", "seq"], name="dispute_office_year_seq"),
            models.UniqueConstraint(fields=["office", "number"], name="dispute_office_number"),
        ]
        indexes = [
            models.Index(fields=["office", "-received_on", "-id"], name="dispute_office_recv"),
            # Walked for the first pages of a bureau's list (many offices), see tenant_scope_q.
            models.Index(fields=["-received_on", "-id"], name="dispute_recv"),
            models.Index(fields=["office", "status", "-received_on", "-id"], name="dispute_office_status"),
            models.Index(fields=["org", "-received_on", "-id"], name="dispute_org_recv"),
            models.Index(fields=["committee", "-received_on", "-id"], name="dispute_committee_recv"),
            models.Index(fields=["office", "deadline"], name="dispute_office_deadline"),
            models.Index(fields=["office", "concluded_on", "outcome"], name="dispute_office_concluded"),
            models.Index(
                fields=["office", "place_key", "received_on"],
                name="dispute_office_place",
                condition=~models.Q(place_key=""),
            ),
            models.Index(
                fields=["office", "-risk_level", "-received_on"],
                name="dispute_office_risk",
                condition=models.Q(risk_level__gt=0),
            ),
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
    # Who the party is for matching across cases: the ID number or organisation code when known,
    # else the normalised name.
    identity_key = models.CharField(_("identity key"), max_length=100, blank=True, editable=False)

    sensitive_fields = {"id_number": mask_id_number, "phone": mask_phone}

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["dispute", "side", "id"]
        indexes = [
            models.Index(fields=["office", "name"], name="party_office_name"),
            models.Index(fields=["office", "identity_key"], name="party_office_identity"),
        ]

    def save(self, *args, **kwargs):
        self.identity_key = identity_key(self.name, self.id_number, self.org_code)
        super().save(*args, **kwargs)

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


@register_scoped
class MediationPeriod(TenantModel):
    """The mediation period for a kind of dispute, set by the city (or an office for its own
    cases): a GB/T 31000 code of either level. The most specific rule wins; the default is 30 days."""

    scope_module = Module.MEDIATION

    code = models.CharField(_("dispute type"), max_length=4)
    days = models.PositiveSmallIntegerField(_("period (days)"))

    class Meta:
        verbose_name = _("mediation period")
        verbose_name_plural = _("mediation periods")
        ordering = ["org", "code"]
        constraints = [models.UniqueConstraint(fields=["org", "code"], name="period_unique_code_per_org")]

    def __str__(self):
        return f"{self.code}: {self.days}"


@register_scoped
class Referral(DisputeChild):
    """A case passed on to another channel (诉讼, 仲裁, 公证, 法律援助 …) and what came of it there."""

    scope_module = Module.MEDIATION

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="referrals", verbose_name=_("dispute"))
    channel = models.CharField(_("channel"), max_length=20, choices=codes.LinkageChannel.choices)
    receiving_body = models.CharField(_("receiving body"), max_length=100)
    referred_on = models.DateField(_("referred on"))
    reason = models.TextField(_("reason"), blank=True)
    outcome = models.CharField(
        _("result"), max_length=16, choices=codes.LinkageOutcome.choices, default=codes.LinkageOutcome.PENDING
    )
    result = models.TextField(_("result details"), blank=True)
    result_on = models.DateField(_("result received on"), null=True, blank=True)

    class Meta:
        verbose_name = _("referral to another channel")
        verbose_name_plural = _("referrals to other channels")
        ordering = ["dispute", "referred_on", "id"]
        indexes = [models.Index(fields=["office", "channel", "referred_on"], name="referral_office_channel")]

    def __str__(self):
        return f"{self.dispute_id} → {self.get_channel_display()}"


@register_scoped
class JudicialConfirmation(DisputeChild):
    """An application to the court for judicial confirmation (司法确认) of the agreement, and the
    ruling. The parties must apply within 30 days of the agreement taking effect."""

    scope_module = Module.MEDIATION

    dispute = models.ForeignKey(
        Dispute, on_delete=models.CASCADE, related_name="confirmations", verbose_name=_("dispute")
    )
    court = models.CharField(_("court"), max_length=100)
    applied_on = models.DateField(_("applied on"))
    result = models.CharField(
        _("ruling"),
        max_length=16,
        choices=codes.ConfirmationResult.choices,
        default=codes.ConfirmationResult.PENDING,
    )
    ruled_on = models.DateField(_("ruled on"), null=True, blank=True)
    ruling_number = models.CharField(_("ruling number"), max_length=60, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("judicial confirmation")
        verbose_name_plural = _("judicial confirmations")
        ordering = ["dispute", "applied_on", "id"]

    def __str__(self):
        return f"{self.dispute_id} {self.court}"


@register_scoped
class RiskFlag(DisputeChild):
    """An early warning (预警) raised on a case by the rules: its kind, level and reasons, and how
    the office acknowledged and handled it. One unhandled flag per kind and case."""

    scope_module = Module.MEDIATION

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="flags", verbose_name=_("dispute"))
    kind = models.CharField(_("kind"), max_length=16, choices=codes.RiskKind.choices)
    level = models.PositiveSmallIntegerField(_("level"), choices=codes.RiskLevel.choices)
    reasons = models.JSONField(_("reasons"), default=list)
    status = models.CharField(
        _("status"), max_length=16, choices=codes.FlagStatus.choices, default=codes.FlagStatus.OPEN
    )
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handled by"),
    )
    handling = models.TextField(_("measures taken"), blank=True)

    class Meta:
        verbose_name = _("early warning")
        verbose_name_plural = _("early warnings")
        ordering = ["-level", "-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dispute", "kind"],
                condition=~models.Q(status="handled"),
                name="riskflag_one_unhandled_per_kind",
            )
        ]
        indexes = [models.Index(fields=["office", "status", "-level", "-raised_at"], name="riskflag_office_status")]

    def __str__(self):
        return f"{self.dispute_id} {self.get_kind_display()} {self.get_level_display()}"

    def reason_texts(self) -> list[str]:
        return [codes.risk_reason_text(r) for r in self.reasons]


@register_scoped
class ScreeningRound(TenantModel):
    """A round of dispute screening (矛盾纠纷排查) in a village or town for a period: who took part
    and what was found. Disputes registered from it point back to it."""

    scope_module = Module.MEDIATION

    period_from = models.DateField(_("period from"))
    period_to = models.DateField(_("period to"))
    held_on = models.DateField(_("held on"))
    participants = models.CharField(_("participants"), max_length=300)
    disputes_found = models.PositiveIntegerField(_("disputes found"), default=0)
    risks_found = models.PositiveIntegerField(_("risks found"), default=0)
    findings = models.TextField(_("findings"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("recorded by"),
        editable=False,
    )

    class Meta:
        verbose_name = _("screening round")
        verbose_name_plural = _("screening rounds")
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["office", "-held_on", "-id"], name="screening_office_held")]

    def __str__(self):
        return f"{self.org} {self.period_from}–{self.period_to}"


@register_scoped
class MajorIncident(TenantModel):
    """A major mass incident (重大群体性事件) in the office's area, and whether improper or late
    mediation caused it (standard 8 wants none)."""

    scope_module = Module.MEDIATION

    occurred_on = models.DateField(_("occurred on"))
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"))
    people_count = models.PositiveIntegerField(_("people involved"))
    dispute = models.ForeignKey(
        Dispute,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="major_incidents",
        verbose_name=_("related dispute"),
    )
    caused_by_mediation = models.BooleanField(_("caused by improper or late mediation"), default=False)
    cause_note = models.TextField(_("finding on the cause"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("recorded by"),
        editable=False,
    )

    class Meta:
        verbose_name = _("major mass incident")
        verbose_name_plural = _("major mass incidents")
        ordering = ["-occurred_on", "-id"]
        indexes = [models.Index(fields=["office", "-occurred_on"], name="incident_office_occurred")]

    def __str__(self):
        return self.title


@register_scoped
class MediatorTraining(TenantModel):
    """A training a mediator attended (业务培训): when, what, how long, who held it."""

    scope_module = Module.MEDIATION

    mediator = models.ForeignKey(
        Mediator, on_delete=models.CASCADE, related_name="trainings", verbose_name=_("mediator")
    )
    held_on = models.DateField(_("held on"))
    title = models.CharField(_("title"), max_length=100)
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1, validators=[MinValueValidator(0)])
    organiser = models.CharField(_("organiser"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("mediator training")
        verbose_name_plural = _("mediator trainings")
        ordering = ["mediator", "-held_on", "-id"]

    def __str__(self):
        return f"{self.mediator_id} {self.title}"


@register_scoped
class Designation(TenantModel):
    """A gold-medal designation (金牌调解工作室 / 金牌调解员) conferred on a committee's studio or on a
    mediator, with the conferring level and year."""

    scope_module = Module.MEDIATION

    kind = models.CharField(_("kind"), max_length=16, choices=codes.HonourKind.choices)
    level = models.CharField(_("level"), max_length=16, choices=codes.HonourLevel.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    committee = models.ForeignKey(
        Committee,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="designations",
        verbose_name=_("committee"),
    )
    mediator = models.ForeignKey(
        Mediator,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="designations",
        verbose_name=_("mediator"),
    )
    studio_name = models.CharField(_("studio name"), max_length=100, blank=True)
    conferred_by = models.CharField(_("conferred by"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("designation")
        verbose_name_plural = _("designations")
        ordering = ["-year", "level", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind="studio", committee__isnull=False, mediator__isnull=True))
                | (models.Q(kind="mediator", mediator__isnull=False, committee__isnull=True)),
                name="designation_holder_matches_kind",
            )
        ]

    def __str__(self):
        holder = self.studio_name or (self.mediator and self.mediator.full_name) or ""
        return f"{self.year} {self.get_level_display()} {holder}"


class DisputeMonthStat(models.Model):
    """Monthly counters per office, statistical category and level, kept in step with the cases by
    the services (and rebuilt in one pass after a bulk load), so that the dashboard reads a few
    hundred rows whatever the history. Received counts by the month received; outcomes by the month
    concluded; both at the case's current level."""

    scope_module = Module.MEDIATION

    office = models.ForeignKey(
        "orgs.OrgNode", on_delete=models.CASCADE, related_name="+", verbose_name=_("owning office or bureau")
    )
    month = models.DateField(_("month"))
    stat_category = models.CharField(_("statistical category"), max_length=2)
    level = models.PositiveSmallIntegerField(_("level"), choices=codes.Level.choices)
    received = models.IntegerField(_("received"), default=0)
    succeeded = models.IntegerField(_("succeeded"), default=0)
    failed = models.IntegerField(_("failed"), default=0)
    terminated = models.IntegerField(_("terminated"), default=0)
    rejected = models.IntegerField(_("not accepted"), default=0)
    amount = models.DecimalField(_("agreement amount (yuan)"), max_digits=18, decimal_places=2, default=0)
    prevented_criminal = models.IntegerField(_("kept from turning criminal"), default=0)
    prevented_criminal_persons = models.IntegerField(_("persons kept from turning criminal"), default=0)
    prevented_mass_petition = models.IntegerField(_("mass petition prevented"), default=0)
    prevented_mass_petition_persons = models.IntegerField(_("persons in prevented mass petition"), default=0)
    days_total = models.BigIntegerField(_("days to conclude, summed"), default=0)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("monthly mediation figures")
        verbose_name_plural = _("monthly mediation figures")
        constraints = [
            models.UniqueConstraint(fields=["office", "month", "stat_category", "level"], name="monthstat_key")
        ]
        indexes = [models.Index(fields=["month", "office"], name="monthstat_month_office")]

    def __str__(self):
        return f"{self.office_id} {self.month:%Y-%m} {self.stat_category} {self.level}"

    @classmethod
    def scope_q(cls, node):
        from fengqiao.orgs.models import OrgKind

        if node.kind == OrgKind.VILLAGE:
            return models.Q(pk__in=[])  # kept per office only: villages read the cases themselves
        if node.kind == OrgKind.TOWN:
            return models.Q(office_id=node.pk)
        ids = offices_under(node)
        return models.Q(office_id__isnull=False) if ids is None else models.Q(office_id__in=ids)
