"""Legal education (普法, standards 14-15): the office's guidance station and its staff, the
education activities, and the democracy-and-rule-of-law demonstration villages with their history.

Every row carries its office (TenantModel). The station and its staff belong to the office; an
activity to the village where it took place (or the office); a demonstration village to its village.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fengqiao.core.models import TenantModel
from fengqiao.core.permissions import Module
from fengqiao.core.scoping import register_scoped

from . import codes


def _by_user(related_name="+", label=None):
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
class Station(TenantModel):
    """The office's legal-education guidance station (法治宣传教育辅导站): one per office,
    set up at the judicial office (standard 15)."""

    scope_module = Module.EDUCATION

    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200)
    set_up_on = models.DateField(_("set up on"))
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_by = _by_user(label=_("set up by"))

    class Meta:
        verbose_name = _("legal education guidance station")
        verbose_name_plural = _("legal education guidance stations")
        ordering = ["office", "-id"]
        constraints = [models.UniqueConstraint(fields=["office"], name="education_one_station_per_office")]
        indexes = [models.Index(fields=["office", "set_up_on"], name="edu_station_office_setup")]

    def __str__(self):
        return self.name


@register_scoped
class StationStaff(TenantModel):
    """A person working at the guidance station, full-time or part-time, from a date and (once they
    leave) to a date. An office user when the person has an account, otherwise just a name."""

    scope_module = Module.EDUCATION

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="staff", verbose_name=_("station"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="education_posts",
        verbose_name=_("office user"),
    )
    name = models.CharField(_("full name"), max_length=50)
    employment = models.CharField(_("full-time or part-time"), max_length=16, choices=codes.Employment.choices)
    duty = models.CharField(_("duty at the station"), max_length=100, blank=True)
    start_on = models.DateField(_("in post from"))
    end_on = models.DateField(_("in post until"), null=True, blank=True)
    end_note = models.CharField(_("reason for leaving"), max_length=200, blank=True)
    recorded_by = _by_user()

    class Meta:
        verbose_name = _("station staff member")
        verbose_name_plural = _("station staff")
        ordering = ["station", "end_on", "-start_on", "-id"]
        indexes = [
            models.Index(fields=["office", "employment", "start_on", "end_on"], name="edu_staff_office_emp"),
            models.Index(fields=["station", "-start_on", "-id"], name="edu_staff_station"),
        ]

    def __str__(self):
        return f"{self.name} ({self.get_employment_display()})"

    def save(self, *args, **kwargs):
        if self.station_id and not self.org_id:
            self.org_id = self.station.org_id
        super().save(*args, **kwargs)

    def in_post_on(self, day) -> bool:
        return self.start_on <= day and (self.end_on is None or self.end_on >= day)


@register_scoped
class Activity(TenantModel):
    """One legal-education activity (普法活动): a lecture, a consultation stand, a performance, a
    notice board, a new-media post... with its audience and the number of people it reached. `org`
    is the village where it took place, or the office."""

    scope_module = Module.EDUCATION

    topic = models.CharField(_("topic"), max_length=200)
    form = models.CharField(_("activity form"), max_length=20, choices=codes.Form.choices)
    venue = models.CharField(_("activity venue"), max_length=200)
    date = models.DateField(_("date"))
    audience = models.CharField(_("audience"), max_length=16, choices=codes.Audience.choices)
    reached = models.PositiveIntegerField(_("people reached"))
    department = models.CharField(
        _("leading enforcement department"),
        max_length=100,
        blank=True,
        help_text=_("谁执法谁普法: the law-enforcement department that led the activity, if any."),
    )
    record = models.TextField(_("activity record"), blank=True)
    photo = models.FileField(_("photo"), upload_to="education/%Y/%m/", blank=True, max_length=200)
    recorded_by = _by_user()
    recorded_by_repr = models.CharField(_("recorded by"), max_length=150, blank=True, editable=False)

    class Meta:
        verbose_name = _("legal education activity")
        verbose_name_plural = _("legal education activities")
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["office", "-date", "-id"], name="edu_activity_office_date"),
            models.Index(fields=["org", "-date", "-id"], name="edu_activity_org_date"),
            models.Index(fields=["office", "form", "date"], name="edu_activity_office_form"),
            models.Index(fields=["-date", "-id"], name="edu_activity_date"),
        ]

    def __str__(self):
        return f"{self.date} {self.topic}"

    @property
    def led_by_department(self) -> bool:
        return bool(self.department)


@register_scoped
class DemoVillage(TenantModel):
    """A village or community in the democracy-and-rule-of-law demonstration scheme (民主法治示范村
    (社区)), from its candidacy through designations at rising levels and their reviews. `org` is
    the village; one record per village, its history in `VillageEvent`."""

    scope_module = Module.EDUCATION

    status = models.CharField(
        _("status"),
        max_length=12,
        choices=codes.VillageStatus.choices,
        default=codes.VillageStatus.CANDIDATE,
        editable=False,
    )
    # The highest standing designation; kept when revoked, so the list says what was lost.
    level = models.CharField(
        _("designation level"), max_length=10, choices=codes.Level.choices, blank=True, editable=False
    )
    designated_year = models.PositiveSmallIntegerField(_("year designated"), null=True, blank=True, editable=False)
    designated_on = models.DateField(_("designated on"), null=True, blank=True, editable=False)
    last_review_year = models.PositiveSmallIntegerField(_("last review"), null=True, blank=True, editable=False)
    nominated_on = models.DateField(_("put forward on"))
    target_level = models.CharField(_("level applied for"), max_length=10, choices=codes.Level.choices)
    note = models.TextField(_("note"), blank=True)
    created_by = _by_user(label=_("put forward by"))

    class Meta:
        verbose_name = _("democracy and rule-of-law demonstration village")
        verbose_name_plural = _("democracy and rule-of-law demonstration villages")
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["org"], name="education_one_record_per_village")]
        indexes = [
            models.Index(fields=["office", "status", "level"], name="edu_village_office_status"),
            models.Index(fields=["office", "-id"], name="edu_village_office_id"),
        ]

    def __str__(self):
        return self.org.name if self.org_id else str(self.pk)

    @property
    def is_designated(self) -> bool:
        return self.status == codes.VillageStatus.DESIGNATED


@register_scoped
class VillageEvent(TenantModel):
    """One step in a demonstration village's history: put forward, designated at a level in a year,
    reviewed (passed, or failed and revoked), withdrawn, put forward again."""

    scope_module = Module.EDUCATION

    village = models.ForeignKey(
        DemoVillage, on_delete=models.CASCADE, related_name="events", verbose_name=_("demonstration village")
    )
    step = models.CharField(_("demonstration step"), max_length=16, choices=codes.Step.choices)
    level = models.CharField(_("designation level"), max_length=10, choices=codes.Level.choices, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    date = models.DateField(_("date"))
    note = models.TextField(_("note"), blank=True)
    by = _by_user(label=_("recorded by"))
    by_repr = models.CharField(_("recorded by"), max_length=150, blank=True, editable=False)

    class Meta:
        verbose_name = _("demonstration village history entry")
        verbose_name_plural = _("demonstration village history")
        ordering = ["village", "-date", "-id"]
        indexes = [models.Index(fields=["village", "-date", "-id"], name="edu_villageevent_village")]

    def __str__(self):
        return f"{self.village_id} {self.date} {self.get_step_display()}"

    def save(self, *args, **kwargs):
        if self.village_id and not self.org_id:
            self.org_id = self.village.org_id
        super().save(*args, **kwargs)
