from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fengqiao.accounts.models import User
from fengqiao.core.audit import version_of
from fengqiao.core.forms import BootstrapMixin, OrgChoiceField, places_for
from fengqiao.core.permissions import Action, Module
from fengqiao.core.validators import validate_id_number, validate_phone
from fengqiao.orgs.models import OrgNode

from . import codes, selectors

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# The situation fields start empty: a default would be recorded whenever nobody looked at it.
BLANK = ("", "---------")
STALE_FORM = _("This form is out of date: reload the page and try again.")


class WorkerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        load = getattr(obj, "load", None)
        office = obj.office.short_name or obj.office.display_name if obj.office_id else ""
        label = f"{obj.full_name or obj.username} · {office}" if office else obj.full_name or obj.username
        return f"{label} ({load})" if load is not None else label


class VersionMixin(forms.Form):
    version = forms.CharField(widget=forms.HiddenInput, error_messages={"required": STALE_FORM, "invalid": STALE_FORM})


class PersonForm(BootstrapMixin, VersionMixin, forms.Form):
    """Registration (the handover) and, without level and worker, the edit form."""

    org = OrgChoiceField(
        label=_("Place of residence"),
        queryset=OrgNode.objects.none(),
        help_text=_("The village or community where the person lives; the office if not yet known."),
    )
    name = forms.CharField(label=_("Full name"), max_length=50)
    gender = forms.ChoiceField(label=_("Gender"), choices=[BLANK, *codes.Gender.choices])
    id_number = forms.CharField(label=_("ID number"), max_length=18, validators=[validate_id_number])
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False, validators=[validate_phone])
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    offence = forms.CharField(label=_("Offence"), max_length=100)
    sentence = forms.CharField(
        label=_("Sentence"), max_length=100, required=False, help_text=_("For example: 有期徒刑三年六个月")
    )
    prison = forms.CharField(
        label=_("Released from"),
        max_length=100,
        widget=forms.TextInput(attrs={"list": "prison-list", "autocomplete": "off"}),
        help_text=_("The prison or detention centre."),
    )
    released_on = forms.DateField(label=_("Released on"), widget=DATE)
    handover_on = forms.DateField(label=_("Handed over on"), widget=DATE)
    met_at_gate = forms.BooleanField(
        label=_("Met at the prison gate"), required=False, help_text=_("必接必送: received at the gate on release.")
    )
    level = forms.ChoiceField(
        label=_("Assistance level"),
        choices=codes.Level.choices,
        initial=codes.Level.GENERAL,
        help_text=_("GB/T 31000 danger assessment."),
    )
    level_reason = forms.CharField(
        label=_("Grounds of the assessment"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    employment = forms.ChoiceField(label=_("Employment"), choices=[BLANK, *codes.Employment.choices])
    housing = forms.ChoiceField(label=_("Housing"), choices=[BLANK, *codes.Housing.choices])
    assistance = forms.ChoiceField(label=_("Social assistance"), choices=[BLANK, *codes.Assistance.choices])
    worker = WorkerChoiceField(
        label=_("Resettlement worker"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("The office's least-loaded worker"),
        help_text=_("In brackets: persons each worker already has in assistance."),
    )

    def __init__(self, *args, actor, person=None, **kwargs):
        if person is not None:
            initial = {f: getattr(person, f) for f in PERSON_FIELDS}
            initial["org"] = person.org_id
            initial["version"] = version_of(person)
            kwargs["initial"] = {**initial, **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)
        self.person = person
        if person is None:
            self.fields["org"].queryset = places_for(actor, Module.RESETTLEMENT, Action.CREATE)
            self.fields["worker"].queryset = selectors.assignable_workers(actor).annotate(load=selectors.active_load())
            self.fields["released_on"].initial = timezone.localdate()
            self.fields["handover_on"].initial = timezone.localdate()
            del self.fields["version"]
        else:
            self.fields["org"].queryset = places_for(actor, Module.RESETTLEMENT, Action.CHANGE, office=person.office)
            for name in ("level", "level_reason", "worker"):
                del self.fields[name]

    def clean(self):
        data = super().clean()
        released, handover = data.get("released_on"), data.get("handover_on")
        if released and handover and handover < released:
            self.add_error("handover_on", _("The handover cannot be before the release."))
        worker, org = data.get("worker"), data.get("org")
        if worker is not None and org is not None and worker.office_id != org.office_id:
            self.add_error("worker", _("Choose an active resettlement social worker of the person's own office."))
        return data


PERSON_FIELDS = (
    "name",
    "gender",
    "id_number",
    "phone",
    "address",
    "offence",
    "sentence",
    "prison",
    "released_on",
    "handover_on",
    "met_at_gate",
    "employment",
    "housing",
    "assistance",
)


class HelpForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=codes.HelpKind.choices)
    date = forms.DateField(label=_("Date"), widget=DATE)
    note = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)

    def __init__(self, *args, person=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate()


class LevelForm(BootstrapMixin, VersionMixin, forms.Form):
    level = forms.ChoiceField(label=_("New level"), choices=codes.Level.choices)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    date = forms.DateField(label=_("Date"), widget=DATE)

    def __init__(self, *args, person, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("version", version_of(person))
        super().__init__(*args, **kwargs)
        other = [c for c in codes.Level.choices if c[0] != person.level]
        self.fields["level"].choices = other
        self.fields["date"].initial = timezone.localdate()


class AssignForm(BootstrapMixin, VersionMixin, forms.Form):
    worker = WorkerChoiceField(label=_("Resettlement worker"), queryset=User.objects.none())

    def __init__(self, *args, person, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("version", version_of(person))
        super().__init__(*args, **kwargs)
        self.fields["worker"].queryset = selectors.assignable_workers(None, office_id=person.office_id).annotate(
            load=selectors.active_load()
        )


class EndForm(BootstrapMixin, VersionMixin, forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=codes.EndReason.choices)
    ended_on = forms.DateField(label=_("Ended on"), widget=DATE)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For an early end: the court and judgment, the date of death or the new address."),
    )

    def __init__(self, *args, person, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("version", version_of(person))
        super().__init__(*args, **kwargs)
        self.fields["ended_on"].initial = timezone.localdate()
