"""Party building (党建): the office's party branch (党支部), its members, the venue (党建阵地) with
its standardisation checks, the branch's activities (三会一课, 主题党日 and other themed activities)
with attendance, and the register of disciplinary violations (违纪违规).

Every row carries its office (TenantModel); the branch and everything under it belong to the office
node itself. Members who leave stay on the register with their dates, so history is never lost.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fengqiao.core.models import TenantModel
from fengqiao.core.permissions import Action, Module
from fengqiao.core.scoping import register_scoped

from . import codes


def _user_fk(name, related_name="+"):
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name=related_name,
        verbose_name=name,
        editable=False,
    )


@register_scoped
class Branch(TenantModel):
    """The party branch of a judicial office (司法所党支部): one per office."""

    scope_module = Module.PARTY

    name = models.CharField(_("branch name"), max_length=100)
    secretary = models.CharField(_("branch secretary"), max_length=50)
    established_on = models.DateField(_("established on"))
    parent_organisation = models.CharField(
        _("higher party organisation"), max_length=100, help_text=_("For example: 中共江阴市司法局机关委员会")
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        verbose_name = _("party branch")
        verbose_name_plural = _("party branches")
        ordering = ["office", "id"]
        constraints = [models.UniqueConstraint(fields=["office"], name="party_one_branch_per_office")]

    def __str__(self):
        return self.name


@register_scoped
class Member(TenantModel):
    """A party member of the branch: full or probationary, with the dates they joined the party,
    became a full member, and moved their membership in or out. One who leaves stays here."""

    scope_module = Module.PARTY

    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="members", verbose_name=_("branch"))
    name = models.CharField(_("full name"), max_length=50)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="party_memberships",
        verbose_name=_("user account"),
    )
    status = models.CharField(_("membership"), max_length=16, choices=codes.MemberStatus.choices)
    joined_on = models.DateField(_("joined the party on"))
    formal_on = models.DateField(_("became a full member on"), null=True, blank=True)
    transferred_in_on = models.DateField(_("transferred in on"), null=True, blank=True)
    transferred_from = models.CharField(_("transferred in from"), max_length=100, blank=True)
    transferred_out_on = models.DateField(_("transferred out on"), null=True, blank=True, editable=False)
    transferred_to = models.CharField(_("transferred out to"), max_length=100, blank=True, editable=False)
    # Kept by the services: the day the member counts in this branch (transfer in, or joining).
    in_branch_from = models.DateField(_("in the branch from"), editable=False)
    active = models.BooleanField(_("in the branch"), default=True, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        verbose_name = _("party member")
        verbose_name_plural = _("party members")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["office", "active", "-id"], name="party_member_office_active"),
            models.Index(fields=["office", "-id"], name="party_member_office_id"),
            models.Index(fields=["branch", "in_branch_from"], name="party_member_branch_from"),
        ]

    def __str__(self):
        return self.name

    def status_on(self, day):
        """Full or probationary on `day`."""
        if self.formal_on is not None and self.formal_on <= day:
            return codes.MemberStatus.FORMAL
        return codes.MemberStatus.PROBATIONARY


@register_scoped
class Venue(TenantModel):
    """A party-building venue (党建阵地) of the office: an activity room, a party member's home…"""

    scope_module = Module.PARTY

    name = models.CharField(_("venue name"), max_length=100)
    address = models.CharField(_("address"), max_length=200)
    area = models.DecimalField(_("area (m²)"), max_digits=7, decimal_places=1)
    facilities = models.TextField(_("facilities"), blank=True)
    last_checked_on = models.DateField(_("last checked on"), null=True, blank=True, editable=False)
    last_result = models.CharField(
        _("last result"), max_length=16, choices=codes.CheckResult.choices, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("party-building venue")
        verbose_name_plural = _("party-building venues")
        ordering = ["office", "id"]
        indexes = [models.Index(fields=["office", "-id"], name="party_venue_office_id")]

    def __str__(self):
        return self.name


@register_scoped
class VenueCheck(TenantModel):
    """One standardisation check of a venue (阵地规范化检查): date, result and notes."""

    scope_module = Module.PARTY

    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="checks", verbose_name=_("venue"))
    date = models.DateField(_("date"))
    result = models.CharField(_("result"), max_length=16, choices=codes.CheckResult.choices)
    notes = models.TextField(_("notes"), blank=True)
    checked_by = models.CharField(_("checked by"), max_length=100)
    recorded_by = _user_fk(_("recorded by"))

    class Meta:
        verbose_name = _("venue check")
        verbose_name_plural = _("venue checks")
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["office", "date"], name="party_check_office_date"),
            models.Index(fields=["venue", "-date", "-id"], name="party_check_venue_date"),
        ]

    def __str__(self):
        return f"{self.venue_id} {self.date} {self.get_result_display()}"


@register_scoped
class Activity(TenantModel):
    """A meeting or activity of the branch (三会一课, 主题党日, other themed activities) with the
    members present. The attendance rate is computed from the members present over the members
    in the branch on that day, never typed."""

    scope_module = Module.PARTY

    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="activities", verbose_name=_("branch"))
    date = models.DateField(_("date"))
    type = models.CharField(_("type"), max_length=16, choices=codes.ActivityType.choices)
    topic = models.CharField(_("topic"), max_length=200)
    place = models.CharField(_("place of the activity"), max_length=100, blank=True)
    record = models.TextField(_("minutes"))
    attendees = models.ManyToManyField(Member, related_name="activities", verbose_name=_("members present"))
    # Kept by the service so that the figures add up counts rather than join the attendance.
    expected_count = models.PositiveIntegerField(_("members in the branch"), default=0, editable=False)
    present_count = models.PositiveIntegerField(_("members present"), default=0, editable=False)
    recorded_by = _user_fk(_("recorded by"))

    class Meta:
        verbose_name = _("party activity")
        verbose_name_plural = _("party activities")
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["office", "-date", "-id"], name="party_activity_office_date"),
            models.Index(fields=["office", "type", "date"], name="party_activity_office_type"),
        ]

    def __str__(self):
        return f"{self.date} {self.get_type_display()} {self.topic}"

    @property
    def attendance_rate(self):
        return self.present_count / self.expected_count if self.expected_count else None


def _hidden(value):
    return "***"


@register_scoped
class Violation(TenantModel):
    """A disciplinary violation (违纪违规) by the office's cadres or social workers, and its handling.
    Its details are shown only to principals with view_sensitive on party building; the standard
    wants none."""

    scope_module = Module.PARTY

    person = models.CharField(_("person"), max_length=50)
    member = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("party member")
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=16, choices=codes.ViolationKind.choices)
    description = models.TextField(_("facts of the violation"))
    status = models.CharField(
        _("status"),
        max_length=8,
        choices=codes.ViolationStatus.choices,
        default=codes.ViolationStatus.OPEN,
        editable=False,
    )
    decision = models.CharField(_("handling decision"), max_length=16, choices=codes.Decision.choices, blank=True)
    decision_note = models.TextField(_("decision details"), blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    recorded_by = _user_fk(_("recorded by"))
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    # The audit trail is read by more people than may read the register: it keeps no names or facts.
    sensitive_fields = {"person": _hidden, "description": _hidden, "decision_note": _hidden}
    # The construction standard's drill-down lists the violations it counted only to those who may
    # read the register.
    records_action = Action.VIEW_SENSITIVE

    class Meta:
        verbose_name = _("disciplinary violation")
        verbose_name_plural = _("disciplinary violations")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["office", "date"], name="party_violation_office_date")]

    def __str__(self):
        return f"#{self.pk} {self.date}"
