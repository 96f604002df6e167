from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fengqiao.accounts.models import User
from fengqiao.core.audit import version_of
from fengqiao.core.forms import BootstrapMixin, OrgChoiceField, places_for
from fengqiao.core.permissions import Action, Module
from fengqiao.core.scoping import subtree_q
from fengqiao.orgs.models import OrgKind, OrgNode

from . import codes, selectors

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
BLANK = ("", "---------")
STALE_FORM = _("This form is out of date: reload the page and try again.")


class VersionMixin(forms.Form):
    version = forms.CharField(widget=forms.HiddenInput, error_messages={"required": STALE_FORM, "invalid": STALE_FORM})


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.full_name or obj.username}" + (f" · {obj.title}" if obj.title else "")


def _year_field(label):
    this_year = timezone.localdate().year
    return forms.IntegerField(
        label=label,
        min_value=1990,
        max_value=this_year,
        initial=this_year,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


def villages_for(actor, action):
    """Villages where the actor keeps education records (a bureau: every village under it)."""
    nodes = actor.scope_nodes_for(Module.EDUCATION, action)
    within = Q(pk__in=[])
    for node in nodes:
        within |= subtree_q(node.path)
    return (
        OrgNode.objects.filter(within, is_active=True, kind=OrgKind.VILLAGE).select_related("parent").order_by("path")
    )


class ActivityForm(BootstrapMixin, VersionMixin, forms.Form):
    """Recording an activity (and, with its version, correcting one): short enough for a phone."""

    org = OrgChoiceField(
        label=_("Village or office"),
        queryset=OrgNode.objects.none(),
        help_text=_("The village or community where it took place; the office for a town-wide activity."),
    )
    topic = forms.CharField(label=_("Topic"), max_length=200)
    form = forms.ChoiceField(label=_("Activity form"), choices=[BLANK, *codes.Form.choices])
    date = forms.DateField(label=_("Date"), widget=DATE)
    venue = forms.CharField(label=_("Venue"), max_length=200)
    audience = forms.ChoiceField(label=_("Audience"), choices=[BLANK, *codes.Audience.choices])
    reached = forms.IntegerField(
        label=_("People reached"),
        min_value=1,
        max_value=codes.MAX_REACHED,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    department = forms.CharField(
        label=_("Leading enforcement department"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"list": "department-list", "autocomplete": "off"}),
        help_text=_("谁执法谁普法: leave empty when the office held it alone."),
    )
    record = forms.CharField(
        label=_("Activity record"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp", "capture": "environment"}),
        help_text=_("JPEG, PNG or WebP, at most 5 MB."),
    )

    def __init__(self, *args, actor, activity=None, **kwargs):
        if activity is not None:
            initial = {f: getattr(activity, f) for f in ("topic", "form", "date", "venue", "audience", "reached")}
            initial.update(
                org=activity.org_id,
                department=activity.department,
                record=activity.record,
                version=version_of(activity),
            )
            kwargs["initial"] = {**initial, **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)
        if activity is None:
            self.fields["org"].queryset = places_for(actor, Module.EDUCATION, Action.CREATE)
            self.fields["date"].initial = timezone.localdate()
            del self.fields["version"]
        else:
            self.fields["org"].queryset = places_for(actor, Module.EDUCATION, Action.CHANGE, office=activity.office)


class StationForm(BootstrapMixin, VersionMixin, forms.Form):
    office = OrgChoiceField(label=_("Judicial office"), queryset=OrgNode.objects.none())
    name = forms.CharField(label=_("Name"), max_length=100)
    address = forms.CharField(label=_("Address"), max_length=200)
    set_up_on = forms.DateField(label=_("Set up on"), widget=DATE)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, actor, station=None, **kwargs):
        if station is not None:
            initial = {f: getattr(station, f) for f in ("name", "address", "set_up_on", "phone", "note")}
            initial["version"] = version_of(station)
            kwargs["initial"] = {**initial, **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)
        if station is None:
            self.fields["office"].queryset = places_for(actor, Module.EDUCATION, Action.CREATE).filter(
                kind=OrgKind.TOWN
            )
            del self.fields["version"]
        else:
            del self.fields["office"]


class StaffForm(BootstrapMixin, VersionMixin, forms.Form):
    user = UserChoiceField(
        label=_("Office user"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Someone without an account (enter the name)"),
    )
    name = forms.CharField(label=_("Full name"), max_length=50, required=False)
    employment = forms.ChoiceField(label=_("Full-time or part-time"), choices=codes.Employment.choices)
    start_on = forms.DateField(label=_("From"), widget=DATE)
    duty = forms.CharField(label=_("Duty at the station"), max_length=100, required=False)

    def __init__(self, *args, station, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("version", version_of(station))
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = selectors.staff_candidates(station.office_id)
        self.fields["start_on"].initial = timezone.localdate()

    def clean(self):
        data = super().clean()
        if not data.get("user") and not (data.get("name") or "").strip():
            self.add_error("name", _("Choose an office user or enter the staff member's name."))
        return data


class StaffEndForm(BootstrapMixin, forms.Form):
    end_on = forms.DateField(label=_("To"), widget=DATE)
    note = forms.CharField(label=_("Reason for leaving"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["end_on"].initial = timezone.localdate()


class VillageForm(BootstrapMixin, forms.Form):
    org = OrgChoiceField(label=_("Village or community"), queryset=OrgNode.objects.none())
    target_level = forms.ChoiceField(label=_("Level applied for"), choices=codes.Level.choices)
    nominated_on = forms.DateField(label=_("Put forward on"), widget=DATE)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = villages_for(actor, Action.CREATE)
        self.fields["nominated_on"].initial = timezone.localdate()


class DesignateForm(BootstrapMixin, VersionMixin, forms.Form):
    level = forms.ChoiceField(label=_("Level"), choices=codes.Level.choices)
    year = _year_field(_("Year"))
    date = forms.DateField(label=_("Date of the decision"), widget=DATE)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, village, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("version", version_of(village))
        higher = codes.Level.values
        if village.is_designated and village.level:
            # Levels only rise: offer those above the one held.
            higher = [lv for lv in codes.Level.values if codes.LEVEL_RANK[lv] > codes.LEVEL_RANK[village.level]]
        kwargs["initial"].setdefault(
            "level", village.target_level if village.target_level in higher else (higher or [""])[0]
        )
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [c for c in codes.Level.choices if c[0] in higher]
        self.fields["year"] = _year_field(_("Year"))
        self.fields["year"].widget.attrs["class"] = "form-control"
        self.fields["date"].initial = timezone.localdate()


class ReviewForm(BootstrapMixin, VersionMixin, forms.Form):
    passed = forms.TypedChoiceField(
        label=_("Result"),
        choices=[("1", _("Passed")), ("0", _("Failed: revoke the designation"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        initial="1",
    )
    year = _year_field(_("Year"))
    date = forms.DateField(label=_("Date"), widget=DATE)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when the review failed: the reasons."),
    )

    def __init__(self, *args, village, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("version", version_of(village))
        super().__init__(*args, **kwargs)
        self.fields["year"] = _year_field(_("Year"))
        self.fields["year"].widget.attrs["class"] = "form-control"
        self.fields["date"].initial = timezone.localdate()


class WithdrawForm(BootstrapMixin, VersionMixin, forms.Form):
    date = forms.DateField(label=_("Date"), widget=DATE)
    note = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, village, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("version", version_of(village))
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate()


class RenominateForm(BootstrapMixin, VersionMixin, forms.Form):
    target_level = forms.ChoiceField(label=_("Level applied for"), choices=codes.Level.choices)
    date = forms.DateField(label=_("Date"), widget=DATE)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, village, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("version", version_of(village))
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate()
