from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fengqiao.accounts.models import User
from fengqiao.core.forms import BootstrapMixin

from . import codes

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
BLANK = ("", "---------")
STALE_FORM = _("This form is out of date: reload the page and try again.")


class VersionMixin(forms.Form):
    version = forms.IntegerField(
        widget=forms.HiddenInput, error_messages={"required": STALE_FORM, "invalid": STALE_FORM}
    )


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.full_name or obj.username}{' · ' + obj.title if obj.title else ''}"


class MemberChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.get_status_display()}）"


class BranchForm(BootstrapMixin, VersionMixin, forms.Form):
    name = forms.CharField(
        label=_("Branch name"), max_length=100, help_text=_("For example: 中共江阴市澄江司法所支部委员会")
    )
    secretary = forms.CharField(label=_("Branch secretary"), max_length=50)
    established_on = forms.DateField(label=_("Established on"), widget=DATE)
    parent_organisation = forms.CharField(
        label=_("Higher party organisation"), max_length=100, help_text=_("For example: 中共江阴市司法局机关委员会")
    )

    def __init__(self, *args, branch=None, **kwargs):
        if branch is not None:
            initial = {f: getattr(branch, f) for f in ("name", "secretary", "established_on", "parent_organisation")}
            initial["version"] = branch.version
            kwargs["initial"] = {**initial, **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)
        if branch is None:
            del self.fields["version"]


class MemberForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("Full name"), max_length=50)
    user = UserChoiceField(
        label=_("User account"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("When the member works at the office and has an account."),
    )
    status = forms.ChoiceField(label=_("Membership"), choices=[BLANK, *codes.MemberStatus.choices])
    joined_on = forms.DateField(label=_("Joined the party on"), widget=DATE)
    formal_on = forms.DateField(label=_("Became a full member on"), widget=DATE, required=False)
    transferred_in_on = forms.DateField(
        label=_("Transferred in on"),
        widget=DATE,
        required=False,
        help_text=_("Only for a membership transferred in from another organisation."),
    )
    transferred_from = forms.CharField(label=_("Transferred in from"), max_length=100, required=False)

    def __init__(self, *args, office, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.filter(office_id=office.pk, is_active=True).order_by(
            "full_name", "pk"
        )


class ConfirmForm(BootstrapMixin, VersionMixin, forms.Form):
    formal_on = forms.DateField(label=_("Became a full member on"), widget=DATE)

    def __init__(self, *args, member, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("version", member.version)
        super().__init__(*args, **kwargs)
        self.fields["formal_on"].initial = timezone.localdate()


class TransferOutForm(BootstrapMixin, VersionMixin, forms.Form):
    date = forms.DateField(label=_("Moved out on"), widget=DATE)
    to = forms.CharField(
        label=_("Moved to"), max_length=100, help_text=_("The party organisation that receives the membership.")
    )

    def __init__(self, *args, member, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("version", member.version)
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate()


class ActivityForm(BootstrapMixin, forms.Form):
    type = forms.ChoiceField(label=_("Type"), choices=[BLANK, *codes.ActivityType.choices])
    date = forms.DateField(label=_("Date"), widget=DATE)
    topic = forms.CharField(
        label=_("Topic"), max_length=200, widget=forms.TextInput(attrs={"list": "topic-list", "autocomplete": "off"})
    )
    place = forms.CharField(label=_("Place of the activity"), max_length=100, required=False)
    attendees = MemberChoiceField(
        label=_("Members present"), queryset=None, widget=forms.CheckboxSelectMultiple, required=False
    )
    record = forms.CharField(
        label=_("Minutes"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What was studied, discussed and decided."),
    )

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = members
        self.fields["date"].initial = timezone.localdate()


class VenueForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("Venue name"), max_length=100, help_text=_("For example: 党员活动室"))
    address = forms.CharField(label=_("Address"), max_length=200)
    area = forms.DecimalField(label=_("Area (m²)"), max_digits=7, decimal_places=1, min_value=0.1)
    facilities = forms.CharField(
        label=_("Facilities"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: 党旗、入党誓词墙、党建书架、投影设备"),
    )


class VenueCheckForm(BootstrapMixin, forms.Form):
    date = forms.DateField(label=_("Date"), widget=DATE)
    result = forms.ChoiceField(label=_("Result"), choices=[BLANK, *codes.CheckResult.choices])
    checked_by = forms.CharField(label=_("Checked by"), max_length=100)
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the venue falls short: what must be put right."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate()


class ViolationForm(BootstrapMixin, forms.Form):
    person = forms.CharField(label=_("Person"), max_length=50)
    date = forms.DateField(label=_("Date"), widget=DATE)
    kind = forms.ChoiceField(label=_("Kind"), choices=[BLANK, *codes.ViolationKind.choices])
    description = forms.CharField(
        label=_("Facts of the violation"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )


class DecideForm(BootstrapMixin, VersionMixin, forms.Form):
    decision = forms.ChoiceField(label=_("Handling decision"), choices=[BLANK, *codes.Decision.choices])
    decided_on = forms.DateField(label=_("Decided on"), widget=DATE)
    note = forms.CharField(
        label=_("Decision details"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The grounds and the body that decided."),
    )

    def __init__(self, *args, violation, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("version", violation.version)
        super().__init__(*args, **kwargs)
        self.fields["decided_on"].initial = timezone.localdate()
