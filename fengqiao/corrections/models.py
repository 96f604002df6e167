"""Community corrections: subjects and their supervision, lawful positioning measures, devices,
location fixes and alerts. Every row carries its office (the executing judicial office); a subject's
`org` is the village of residence when known."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fengqiao.core.models import TenantModel
from fengqiao.core.permissions import Action, Module
from fengqiao.core.scoping import ScopedManager, ScopedQuerySet, register_scoped
from fengqiao.core.validators import mask_id_number, mask_phone, validate_id_number, validate_phone

from . import codes


class Policy(models.Model):
    """The bureau's configurable rules for corrections: staffing ratios, deadlines, alert thresholds
    and how long location data are kept. One row; read through `policy.current()`."""

    corrections_ratio = models.PositiveSmallIntegerField(_("subjects per corrections social worker"), default=15)
    resettlement_ratio = models.PositiveSmallIntegerField(_("persons per resettlement social worker"), default=50)
    report_deadline_days = models.PositiveSmallIntegerField(
        _("days to report after the judgment takes effect"), default=10
    )
    intake_phase_months = models.PositiveSmallIntegerField(_("months of the intake phase"), default=3)
    release_phase_months = models.PositiveSmallIntegerField(_("months of the release phase"), default=1)
    escalate_after_hours = models.PositiveSmallIntegerField(
        _("hours before an unacknowledged alert is escalated"), default=24
    )
    signal_lost_minutes = models.PositiveSmallIntegerField(_("minutes without a fix before 信号中断"), default=30)
    low_battery_percent = models.PositiveSmallIntegerField(_("battery percentage that raises 低电量"), default=15)
    fence_buffer_m = models.PositiveSmallIntegerField(
        _("fence buffer (metres)"),
        default=30,
        help_text=_("A fix counts as outside only beyond this distance; GPS jitters 5-15 m at a boundary."),
    )
    fence_consecutive = models.PositiveSmallIntegerField(_("consecutive fixes that confirm a crossing"), default=3)
    co_offender_distance_m = models.PositiveIntegerField(_("co-offender distance (metres)"), default=100)
    co_offender_window_minutes = models.PositiveSmallIntegerField(_("co-offender time window (minutes)"), default=10)
    location_retention_days = models.PositiveSmallIntegerField(_("days location fixes are kept"), default=180)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("corrections policy")
        verbose_name_plural = _("corrections policies")

    def __str__(self):
        return str(_("Corrections policy"))


class SupervisionLevel(models.Model):
    """A supervision level of 分类管理 (by default 严管, 普管, 宽管) with the contact it requires.
    `rank` orders them: 1 is the strictest."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=20)
    rank = models.PositiveSmallIntegerField(_("rank"), unique=True, help_text=_("1 is the strictest."))
    report_days = models.PositiveSmallIntegerField(_("report every (days)"))
    visit_days = models.PositiveSmallIntegerField(_("field visit every (days)"))
    lost_contact_days = models.PositiveSmallIntegerField(
        _("days without contact before 脱管"),
        help_text=_("No report or visit for longer than this raises a 脱管 alert."),
    )
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("supervision level")
        verbose_name_plural = _("supervision levels")
        ordering = ["rank"]

    def __str__(self):
        return self.name


class SubjectQuerySet(ScopedQuerySet):
    pass


@register_scoped
class Subject(TenantModel):
    """A person under community corrections (社区矫正对象), executed by the judicial office of
    `office`, living in the village `org` when known."""

    scope_module = Module.CORRECTIONS

    name = models.CharField(_("name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=1, choices=codes.Gender.choices)
    id_number = models.CharField(_("ID number"), max_length=18, validators=[validate_id_number])
    phone = models.CharField(_("phone"), max_length=30, blank=True, validators=[validate_phone])
    address = models.CharField(_("address"), max_length=200, blank=True)
    category = models.CharField(_("category"), max_length=2, choices=codes.Category.choices)
    offence = models.CharField(_("offence"), max_length=100)
    sentence = models.CharField(_("sentence"), max_length=200)
    period_start = models.DateField(_("correction period from"))
    period_end = models.DateField(_("correction period to"))
    deciding_organ = models.CharField(_("deciding organ"), max_length=100)
    judgment_effective_on = models.DateField(_("judgment took effect on"))
    decision_number = models.CharField(_("judgment or decision number"), max_length=60, blank=True)
    prohibition_order = models.TextField(_("prohibition order (禁止令)"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=codes.Status.choices, default=codes.Status.PENDING)
    reported_on = models.DateField(_("reported on"), null=True, blank=True)
    interview_on = models.DateField(_("intake interview on"), null=True, blank=True)
    intake_education_on = models.DateField(_("intake education on"), null=True, blank=True)
    level = models.ForeignKey(
        SupervisionLevel, on_delete=models.PROTECT, related_name="+", verbose_name=_("supervision level")
    )
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("corrections social worker"),
    )
    last_contact_on = models.DateField(_("last contact on"), null=True, blank=True)
    at_large_since = models.DateField(_("at large since"), null=True, blank=True)
    end_kind = models.CharField(_("how it ended"), max_length=10, choices=codes.EndKind.choices, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_document_on = models.DateField(_("date of the ending document"), null=True, blank=True)
    end_document_number = models.CharField(_("ending document number"), max_length=60, blank=True)
    co_offenders = models.ManyToManyField(
        "self", through="CoOffenderLink", symmetrical=False, blank=True, verbose_name=_("co-offenders")
    )

    objects = ScopedManager.from_queryset(SubjectQuerySet)()

    sensitive_fields = {"id_number": mask_id_number, "phone": mask_phone}

    class Meta:
        verbose_name = _("corrections subject")
        verbose_name_plural = _("corrections subjects")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["office", "status", "-id"], name="subj_office_status"),
            models.Index(fields=["office", "worker", "status"], name="subj_office_worker"),
            models.Index(fields=["office", "id_number"], name="subj_office_idno"),
            # The period figures (漏管, taken in, ended) read one office's dates, not its history.
            models.Index(fields=["office", "judgment_effective_on"], name="subj_office_effective"),
            models.Index(fields=["office", "reported_on"], name="subj_office_reported"),
            models.Index(fields=["office", "ended_on"], name="subj_office_ended"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")), name="subj_period_order"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def masked_id_number(self):
        return mask_id_number(self.id_number)

    @property
    def is_open(self):
        return self.status in codes.OPEN_STATUSES


class CoOffenderLink(TenantModel):
    """同案犯: two subjects convicted in the same case. Stored once per pair (lower id first)."""

    scope_module = Module.CORRECTIONS

    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="+", verbose_name=_("subject"))
    other = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="+", verbose_name=_("co-offender"))

    class Meta:
        verbose_name = _("co-offender link")
        verbose_name_plural = _("co-offender links")
        constraints = [
            models.UniqueConstraint(fields=["subject", "other"], name="cooffender_pair_unique"),
            models.CheckConstraint(condition=models.Q(subject__lt=models.F("other")), name="cooffender_pair_order"),
        ]


@register_scoped
class TeamMember(TenantModel):
    """A member of a subject's correction team (矫正小组), typed by the GB/T 31000 codes."""

    scope_module = Module.CORRECTIONS

    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="team", verbose_name=_("subject"))
    role = models.CharField(_("role"), max_length=2, choices=codes.TeamRole.choices)
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=30, blank=True, validators=[validate_phone])
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("platform user"),
    )

    class Meta:
        verbose_name = _("correction team member")
        verbose_name_plural = _("correction team members")
        ordering = ["role", "id"]

    def __str__(self):
        return f"{self.get_role_display()} {self.name}"


class SubjectRecord(TenantModel):
    """Base of the records kept on a subject: who recorded it, and when."""

    scope_module = Module.CORRECTIONS

    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="+", verbose_name=_("subject"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        abstract = True


@register_scoped
class SubjectEvent(SubjectRecord):
    """One entry of a subject's timeline, written by the service that made the change."""

    kind = models.CharField(_("kind"), max_length=20, choices=codes.EventKind.choices)
    at = models.DateTimeField(_("time"), default=timezone.now)
    text = models.CharField(_("text"), max_length=300)

    class Meta:
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["subject", "-at", "-id"], name="subjevent_subject_at")]

    def __str__(self):
        return self.text


@register_scoped
class LevelChange(SubjectRecord):
    """A change of supervision level, with its reason (and the reward or sanction behind it)."""

    on = models.DateField(_("date"))
    from_level = models.ForeignKey(
        SupervisionLevel, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("from")
    )
    to_level = models.ForeignKey(SupervisionLevel, on_delete=models.PROTECT, related_name="+", verbose_name=_("to"))
    reason = models.CharField(_("reason"), max_length=300)

    class Meta:
        verbose_name = _("supervision level change")
        verbose_name_plural = _("supervision level changes")
        ordering = ["-on", "-id"]


@register_scoped
class RewardSanction(SubjectRecord):
    """考核奖惩: a praise or a sanction, with its document."""

    kind = models.CharField(_("kind"), max_length=20, choices=codes.RewardKind.choices)
    on = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=300)
    document_number = models.CharField(_("document number"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("reward or sanction")
        verbose_name_plural = _("rewards and sanctions")
        ordering = ["-on", "-id"]


@register_scoped
class Contact(SubjectRecord):
    """A report (in person, by phone or video) or a field visit: each is contact for 脱管 detection."""

    kind = models.CharField(_("kind"), max_length=20, choices=codes.ContactKind.choices)
    on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("report or visit")
        verbose_name_plural = _("reports and visits")
        ordering = ["-on", "-id"]
        indexes = [models.Index(fields=["subject", "kind", "-on"], name="contact_subject_kind_on")]


@register_scoped
class Activity(SubjectRecord):
    """Hours of education and learning or of public-interest activity on one day."""

    kind = models.CharField(_("kind"), max_length=20, choices=codes.ActivityKind.choices)
    on = models.DateField(_("date"))
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=1)
    content = models.CharField(_("content"), max_length=200)

    class Meta:
        verbose_name = _("education or public-interest activity")
        verbose_name_plural = _("education and public-interest activities")
        ordering = ["-on", "-id"]
        indexes = [models.Index(fields=["subject", "kind", "on"], name="activity_subject_kind_on")]
        constraints = [
            models.CheckConstraint(condition=models.Q(hours__gt=0, hours__lte=24), name="activity_hours_range"),
        ]


@register_scoped
class Leave(SubjectRecord):
    """外出请假: a request to leave the county, its decision and the confirmed return."""

    destination = models.CharField(_("destination"), max_length=100)
    reason = models.CharField(_("reason"), max_length=300)
    start = models.DateField(_("from"))
    end = models.DateField(_("to"))
    status = models.CharField(
        _("status"), max_length=10, choices=codes.LeaveStatus.choices, default=codes.LeaveStatus.REQUESTED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=300, blank=True)
    returned_on = models.DateField(_("returned on"), null=True, blank=True)

    class Meta:
        verbose_name = _("leave")
        verbose_name_plural = _("leaves")
        ordering = ["-start", "-id"]
        indexes = [models.Index(fields=["office", "status", "end"], name="leave_office_status_end")]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gte=models.F("start")), name="leave_dates_order"),
        ]


@register_scoped
class ResidenceChange(SubjectRecord):
    """A change of residence; when the new village belongs to another office, the subject's file
    moves to that office."""

    on = models.DateField(_("date"))
    from_org = models.ForeignKey("orgs.OrgNode", on_delete=models.PROTECT, related_name="+", verbose_name=_("from"))
    to_org = models.ForeignKey("orgs.OrgNode", on_delete=models.PROTECT, related_name="+", verbose_name=_("to"))
    address = models.CharField(_("new address"), max_length=200, blank=True)
    reason = models.CharField(_("reason"), max_length=300)

    class Meta:
        verbose_name = _("change of residence")
        verbose_name_plural = _("changes of residence")
        ordering = ["-on", "-id"]


@register_scoped
class Fence(TenantModel):
    """An area on the ground, as a polygon of WGS-84 [longitude, latitude] pairs: the permitted area
    of a subject (by default the county boundary drawn by the office) or a place a prohibition
    order bans."""

    scope_module = Module.CORRECTIONS

    kind = models.CharField(_("kind"), max_length=8, choices=codes.FenceKind.choices)
    name = models.CharField(_("name"), max_length=100)
    subject = models.ForeignKey(
        Subject,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="fences",
        verbose_name=_("subject"),
        help_text=_("Empty for the office's default permitted area."),
    )
    polygon = models.JSONField(_("polygon"), help_text=_("WGS-84 [longitude, latitude] pairs"))
    active = models.BooleanField(_("in force"), default=True)

    class Meta:
        verbose_name = _("fence")
        verbose_name_plural = _("fences")
        ordering = ["kind", "name", "id"]
        constraints = [
            # One default permitted area per office: the fence every subject without their own uses.
            models.UniqueConstraint(
                fields=["office"],
                condition=models.Q(kind="area", subject__isnull=True, active=True),
                name="fence_one_default_area",
            ),
        ]

    def __str__(self):
        return self.name


class MeasureQuerySet(ScopedQuerySet):
    def in_force(self, day=None):
        day = day or timezone.localdate()
        return self.filter(status=codes.MeasureStatus.APPROVED, start__lte=day, end__gte=day)


@register_scoped
class PositioningMeasure(TenantModel):
    """An electronic positioning measure under article 29: one of the five legal grounds, approved by
    the head of the county bureau, at most 3 months; an extension is a new measure that points to
    the one it extends and carries a reassessment."""

    scope_module = Module.CORRECTIONS

    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="measures", verbose_name=_("subject"))
    ground = models.CharField(_("legal ground"), max_length=1, choices=codes.Ground.choices)
    facts = models.TextField(_("facts supporting the ground"))
    start = models.DateField(_("from"))
    end = models.DateField(_("to"))
    interval_seconds = models.PositiveIntegerField(_("fix interval (seconds)"), default=60)
    status = models.CharField(
        _("status"), max_length=10, choices=codes.MeasureStatus.choices, default=codes.MeasureStatus.REQUESTED
    )
    extends = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="extension",
        verbose_name=_("extends"),
    )
    reassessment = models.TextField(_("reassessment"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=300, blank=True)
    ended_on = models.DateField(_("ended early on"), null=True, blank=True)
    end_reason = models.CharField(_("why it ended"), max_length=300, blank=True)

    objects = ScopedManager.from_queryset(MeasureQuerySet)()

    class Meta:
        verbose_name = _("positioning measure")
        verbose_name_plural = _("positioning measures")
        ordering = ["-start", "-id"]
        indexes = [models.Index(fields=["office", "status", "end"], name="measure_office_status_end")]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gte=models.F("start")), name="measure_dates_order"),
        ]

    def __str__(self):
        return f"{self.subject} {self.start}–{self.end}"

    def in_force_on(self, day) -> bool:
        return self.status == codes.MeasureStatus.APPROVED and self.start <= day <= self.end


@register_scoped
class Device(TenantModel):
    """A positioning device (wristband or phone), bound to at most one measure at a time."""

    scope_module = Module.CORRECTIONS

    identifier = models.CharField(_("device identifier"), max_length=64, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=codes.DeviceKind.choices)
    imei = models.CharField(_("IMEI"), max_length=20, blank=True)
    phone_number = models.CharField(_("phone number"), max_length=20, blank=True)
    vendor = models.CharField(_("vendor"), max_length=60, blank=True)
    measure = models.ForeignKey(
        PositioningMeasure,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="devices",
        verbose_name=_("bound to measure"),
    )
    bound_at = models.DateTimeField(_("bound at"), null=True, blank=True)
    retired = models.BooleanField(_("retired"), default=False)

    class Meta:
        verbose_name = _("positioning device")
        verbose_name_plural = _("positioning devices")
        ordering = ["identifier"]

    def __str__(self):
        return self.identifier


class FixQuerySet(ScopedQuerySet):
    def visible_to(self, principal, action: str = Action.VIEW):
        # Location data are confidential (article 29): only those who may see sensitive corrections
        # data read them, whatever the action asked for.
        return super().visible_to(principal, Action.VIEW_SENSITIVE)


@register_scoped
class Fix(models.Model):
    """One location fix from a device under a measure. The platform's biggest and fastest-growing
    table, so it is kept lean: the primary key is `(device, seq)` (which also makes a resent batch
    store nothing twice), the other references are plain ids without constraints or indexes, and
    time ranges use a BRIN index on PostgreSQL (see migration 0003): every further B-tree index
    would cost ingest a sizeable share of its rate. Reads go by device (see `DeviceBinding`)."""

    scope_module = Module.CORRECTIONS

    pk = models.CompositePrimaryKey("device", "seq")
    office = models.ForeignKey(
        "orgs.OrgNode",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
        verbose_name=_("office"),
    )
    device = models.ForeignKey(
        Device,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
        verbose_name=_("device"),
    )
    measure = models.ForeignKey(
        PositioningMeasure,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
        verbose_name=_("measure"),
    )
    subject = models.ForeignKey(
        Subject,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
        verbose_name=_("subject"),
    )
    seq = models.BigIntegerField(_("sequence number"))
    at = models.DateTimeField(_("time"))
    lat = models.FloatField(_("latitude (as sent)"))
    lon = models.FloatField(_("longitude (as sent)"))
    datum = models.SmallIntegerField(_("datum"), help_text="0 WGS-84, 1 GCJ-02")
    wlat = models.FloatField(_("latitude (WGS-84)"))
    wlon = models.FloatField(_("longitude (WGS-84)"))
    accuracy = models.FloatField(_("accuracy (metres)"), null=True)
    source = models.SmallIntegerField(_("source"), help_text="0 GPS, 1 cell, 2 WiFi")
    battery = models.SmallIntegerField(_("battery (%)"), null=True)
    tamper = models.BooleanField(_("tamper"), default=False)
    # Bits: 1 outside the permitted area (beyond the buffer), 2 inside a banned place, 4 low battery,
    # 8 tamper.
    flags = models.SmallIntegerField(_("flags"), default=0)
    received_at = models.DateTimeField(_("received at"))

    objects = models.Manager.from_queryset(FixQuerySet)()

    class Meta:
        verbose_name = _("location fix")
        verbose_name_plural = _("location fixes")

    def __str__(self):
        return f"{self.device_id}#{self.seq}"

    @classmethod
    def follow_village_move(cls, village, office_id: int):
        """The fixes of the subjects living in a village that moves to another office follow it
        (run after the subjects themselves have moved)."""
        subjects = Subject.objects.filter(org_id=village.pk).values_list("pk", flat=True)
        bindings = DeviceBinding.objects.filter(subject_id__in=subjects).values_list("device_id", "subject_id")
        for device_id, subject_id in bindings:
            cls._base_manager.filter(device_id=device_id, subject_id=subject_id).update(office_id=office_id)

    @classmethod
    def scope_q(cls, node):
        from fengqiao.core.models import offices_under
        from fengqiao.orgs.models import OrgKind

        if node.kind == OrgKind.VILLAGE:
            return models.Q(office_id__in=[])
        if node.kind == OrgKind.TOWN:
            return models.Q(office_id=node.pk)
        ids = offices_under(node)
        return models.Q(office__isnull=False) if ids is None else models.Q(office_id__in=ids)


class DeviceBinding(TenantModel):
    """Which device tracked which subject under which measure, and when: the way from a subject to
    its fixes (which are keyed by device)."""

    scope_module = Module.CORRECTIONS

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="bindings", verbose_name=_("device"))
    measure = models.ForeignKey(
        PositioningMeasure, on_delete=models.PROTECT, related_name="bindings", verbose_name=_("measure")
    )
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="+", verbose_name=_("subject"))
    bound_at = models.DateTimeField(_("bound at"))
    unbound_at = models.DateTimeField(_("unbound at"), null=True, blank=True)

    class Meta:
        verbose_name = _("device binding")
        verbose_name_plural = _("device bindings")
        ordering = ["-bound_at", "-id"]
        indexes = [models.Index(fields=["subject", "bound_at"], name="binding_subject")]

    def __str__(self):
        return f"{self.device} → {self.subject}"


class IngestRefusal(models.Model):
    """Fixes refused at ingest, counted per gateway, day and reason (the refused fixes themselves are
    not stored: data minimisation)."""

    token = models.ForeignKey(
        "core.ApiToken", on_delete=models.CASCADE, null=True, related_name="+", verbose_name=_("gateway")
    )
    day = models.DateField(_("day"))
    reason = models.CharField(_("reason"), max_length=32)
    count = models.PositiveBigIntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("refused fixes")
        verbose_name_plural = _("refused fixes")
        constraints = [models.UniqueConstraint(fields=["token", "day", "reason"], name="refusal_unique")]

    def __str__(self):
        return f"{self.day} {self.reason} × {self.count}"


class IngestGeneration(models.Model):
    """A counter bumped by every change that alters what ingest accepts (measures, devices, fences,
    co-offenders): ingest workers keep their device map until it moves."""

    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("ingest generation")
        verbose_name_plural = _("ingest generations")

    def __str__(self):
        return str(self.value)


@register_scoped
class Alert(TenantModel):
    """An alert on a subject: raised → acknowledged → handled (action, result) → closed, with its
    timeline. `key` makes raising idempotent; positioning alerts also keep the span of fixes that
    raised them so that later fixes of the same episode extend the alert instead of repeating it."""

    scope_module = Module.CORRECTIONS

    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="alerts", verbose_name=_("subject"))
    measure = models.ForeignKey(
        PositioningMeasure,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="alerts",
        verbose_name=_("measure"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=codes.AlertKind.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=codes.AlertStatus.choices, default=codes.AlertStatus.RAISED
    )
    key = models.CharField(_("key"), max_length=80)
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now)
    first_at = models.DateTimeField(_("first evidence at"), null=True, blank=True)
    last_at = models.DateTimeField(_("last evidence at"), null=True, blank=True)
    seq_from = models.BigIntegerField(_("first fix"), null=True, blank=True)
    seq_to = models.BigIntegerField(_("last fix"), null=True, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handled by"),
    )
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    action_taken = models.CharField(_("action taken"), max_length=500, blank=True)
    result = models.CharField(_("result"), max_length=500, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-raised_at", "-id"]
        indexes = [
            models.Index(fields=["office", "status", "-raised_at"], name="alert_office_status"),
            models.Index(fields=["subject", "kind", "status"], name="alert_subject_kind"),
            models.Index(fields=["office", "kind", "raised_at"], name="alert_office_kind_raised"),
        ]
        constraints = [models.UniqueConstraint(fields=["subject", "key"], name="alert_subject_key_unique")]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.subject}"

    @property
    def is_open(self):
        return self.status in codes.OPEN_ALERT_STATUSES


@register_scoped
class AlertEvent(TenantModel):
    """One step of an alert's timeline."""

    scope_module = Module.CORRECTIONS

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="events", verbose_name=_("alert"))
    at = models.DateTimeField(_("time"), default=timezone.now)
    step = models.CharField(_("step"), max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("alert step")
        verbose_name_plural = _("alert steps")
        ordering = ["at", "id"]
