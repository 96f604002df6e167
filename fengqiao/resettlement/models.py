"""Resettlement and assistance (安置帮教): released prisoners in their five-year assistance period,
the help they receive and how their assessed level changes.

Every row carries its office (TenantModel). A person's org is the village of residence, or the
office when the village is not known; help records and level changes carry the person's org.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fengqiao.core.models import TenantModel
from fengqiao.core.permissions import Module
from fengqiao.core.scoping import register_scoped
from fengqiao.core.validators import mask_id_number, mask_phone, validate_id_number, validate_phone

from . import codes


@register_scoped
class ReleasedPerson(TenantModel):
    """A released prisoner (刑满释放人员) handed over to the office for resettlement and assistance,
    from the handover (衔接) until the assistance ends, normally five years after release."""

    scope_module = Module.RESETTLEMENT

    name = models.CharField(_("full name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=1, choices=codes.Gender.choices)
    id_number = models.CharField(_("ID number"), max_length=18, validators=[validate_id_number])
    phone = models.CharField(_("phone"), max_length=30, blank=True, validators=[validate_phone])
    address = models.CharField(_("address"), max_length=200, blank=True)
    offence = models.CharField(_("offence"), max_length=100)
    sentence = models.CharField(_("sentence"), max_length=100, blank=True)
    prison = models.CharField(_("released from"), max_length=100, help_text=_("The prison or detention centre."))
    released_on = models.DateField(_("released on"))
    handover_on = models.DateField(_("handed over on"))
    met_at_gate = models.BooleanField(
        _("met at the prison gate"), default=False, help_text=_("必接必送: received at the gate on release.")
    )
    level = models.CharField(
        _("assistance level"), max_length=2, choices=codes.Level.choices, default=codes.Level.GENERAL, editable=False
    )
    employment = models.CharField(_("employment"), max_length=16, choices=codes.Employment.choices)
    housing = models.CharField(_("housing"), max_length=16, choices=codes.Housing.choices)
    assistance = models.CharField(_("social assistance"), max_length=16, choices=codes.Assistance.choices)
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="resettlement_persons",
        verbose_name=_("resettlement worker"),
        editable=False,
    )
    # Kept with the person (released_on + five years) so that lists and figures filter on an index.
    period_end = models.DateField(_("assistance period ends"), editable=False)
    status = models.CharField(
        _("status"), max_length=8, choices=codes.Status.choices, default=codes.Status.ACTIVE, editable=False
    )
    ended_on = models.DateField(_("ended on"), null=True, blank=True, editable=False)
    end_reason = models.CharField(
        _("reason for ending"), max_length=16, choices=codes.EndReason.choices, blank=True, editable=False
    )
    end_note = models.TextField(_("note on ending"), blank=True, editable=False)
    # The latest contact or visit, kept by the services so that "due for contact" is an index range.
    last_contact_on = models.DateField(_("last contact"), null=True, blank=True, editable=False)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registered by"),
        editable=False,
    )

    sensitive_fields = {"id_number": mask_id_number, "phone": mask_phone}

    class Meta:
        verbose_name = _("released person")
        verbose_name_plural = _("released persons")
        ordering = ["-id"]
        constraints = [
            # One open record per person and office: a second handover of someone still in
            # assistance is a mistake (or a re-release, which ends the first record first).
            models.UniqueConstraint(
                fields=["office", "id_number"],
                condition=models.Q(status="active"),
                name="resettlement_one_open_per_id",
            ),
        ]
        indexes = [
            models.Index(fields=["office", "status", "-id"], name="resettle_office_status"),
            models.Index(fields=["office", "-id"], name="resettle_office_id"),
            models.Index(fields=["org", "-id"], name="resettle_org_id"),
            models.Index(fields=["worker", "status"], name="resettle_worker_status"),
            models.Index(fields=["office", "status", "last_contact_on"], name="resettle_office_contact"),
            models.Index(fields=["office", "status", "level"], name="resettle_office_level"),
            models.Index(fields=["office", "released_on"], name="resettle_office_released"),
            models.Index(fields=["office", "ended_on"], name="resettle_office_ended"),
            models.Index(fields=["office", "id_number"], name="resettle_office_idno"),
        ]

    def __str__(self):
        return self.name

    @property
    def in_assistance(self) -> bool:
        return self.status == codes.Status.ACTIVE

    @property
    def is_key(self) -> bool:
        return self.level == codes.Level.KEY


class PersonChild(TenantModel):
    """Rows that belong to one released person: they carry the person's org and office."""

    person = models.ForeignKey(ReleasedPerson, on_delete=models.CASCADE, related_name="+", verbose_name=_("person"))

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.person_id and not self.org_id:
            self.org_id = self.person.org_id
        super().save(*args, **kwargs)


@register_scoped
class HelpRecord(PersonChild):
    """One piece of help or contact (帮教记录): a call, a visit, help with work, housing or social
    assistance, a training."""

    scope_module = Module.RESETTLEMENT

    person = models.ForeignKey(
        ReleasedPerson, on_delete=models.CASCADE, related_name="help_records", verbose_name=_("person")
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=16, choices=codes.HelpKind.choices)
    note = models.TextField(_("note"))
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
        verbose_name = _("help record")
        verbose_name_plural = _("help records")
        ordering = ["person", "-date", "-id"]
        indexes = [
            models.Index(fields=["person", "-date", "-id"], name="helprecord_person_date"),
            models.Index(fields=["office", "kind", "date"], name="helprecord_office_kind_date"),
        ]

    def __str__(self):
        return f"{self.person_id} {self.date} {self.get_kind_display()}"


@register_scoped
class LevelChange(PersonChild):
    """A change of a person's assistance level, with its reason; the first one is the assessment
    made at the handover (no previous level)."""

    scope_module = Module.RESETTLEMENT

    person = models.ForeignKey(
        ReleasedPerson, on_delete=models.CASCADE, related_name="level_changes", verbose_name=_("person")
    )
    date = models.DateField(_("date"))
    from_level = models.CharField(_("previous level"), max_length=2, choices=codes.Level.choices, blank=True)
    to_level = models.CharField(_("new level"), max_length=2, choices=codes.Level.choices)
    reason = models.TextField(_("reason"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
        editable=False,
    )
    changed_by_repr = models.CharField(_("changed by"), max_length=150, blank=True, editable=False)

    class Meta:
        verbose_name = _("assistance level change")
        verbose_name_plural = _("assistance level changes")
        ordering = ["person", "-date", "-id"]
        indexes = [models.Index(fields=["person", "-date", "-id"], name="levelchange_person_date")]

    def __str__(self):
        return f"{self.person_id} {self.date} {self.from_level}→{self.to_level}"
