from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fengqiao.accounts.models import User
from fengqiao.core.audit import version_of
from fengqiao.core.forms import BootstrapMixin, OrgChoiceField
from fengqiao.core.permissions import Action
from fengqiao.orgs.models import OrgNode

from . import codes, selectors

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
STALE_FORM = _("This form is out of date: reload the page and try again.")
COUNT = forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "max": codes.MAX_COUNT})


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        office = (obj.office.short_name or obj.office.display_name) if obj.office_id else ""
        name = obj.full_name or obj.username
        return f"{name} · {office}" if office else name


class VersionMixin(forms.Form):
    version = forms.CharField(widget=forms.HiddenInput, error_messages={"required": STALE_FORM, "invalid": STALE_FORM})


class PointForm(BootstrapMixin, forms.Form):
    office = OrgChoiceField(label=_("Judicial office"), queryset=OrgNode.objects.none())
    kind = forms.ChoiceField(label=_("Kind of point"), choices=codes.PointKind.choices)
    name = forms.CharField(
        label=_("Name"), max_length=100, required=False, help_text=_("Left empty: the office and the kind.")
    )
    partner = forms.CharField(
        label=_("Partner body"),
        max_length=100,
        widget=forms.TextInput(attrs={"list": "partner-list", "autocomplete": "off"}),
        help_text=_("For example 江阴市公证处 or 无锡仲裁委员会."),
    )
    hours = forms.CharField(label=_("Opening hours"), max_length=100, help_text=_("For example 工作日 8:30-17:00."))
    address = forms.CharField(label=_("Address"), max_length=200)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    opened_on = forms.DateField(label=_("Set up on"), widget=DATE)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, actor, point=None, **kwargs):
        if point is not None:
            initial = {
                f: getattr(point, f)
                for f in ("kind", "name", "partner", "hours", "address", "phone", "opened_on", "note")
            }
            initial["office"] = point.office_id
            initial["version"] = version_of(point)
            kwargs["initial"] = {**initial, **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)
        if point is None:
            from fengqiao.orgs.models import OrgKind

            ids = selectors.scope_offices(actor, Action.CREATE)
            qs = OrgNode.objects.filter(kind=OrgKind.TOWN, is_active=True)
            self.fields["office"].queryset = (qs if ids is None else qs.filter(pk__in=ids)).order_by("path")
            self.fields["opened_on"].initial = timezone.localdate()
        else:
            del self.fields["office"]
            del self.fields["kind"]
            self.fields["version"] = forms.CharField(widget=forms.HiddenInput)


class StaffForm(BootstrapMixin, VersionMixin, forms.Form):
    user = UserChoiceField(
        label=_("Office user"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Someone of the partner body"),
    )
    name = forms.CharField(label=_("Name"), max_length=50, required=False, help_text=_("If not an office user."))
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    duty = forms.CharField(label=_("Duty"), max_length=100, required=False, help_text=_("For example 每周二上午."))
    since = forms.DateField(label=_("On duty since"), widget=DATE)

    def __init__(self, *args, point, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("version", version_of(point))
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (
            User.objects.filter(is_active=True, office_id=point.office_id)
            .select_related("office")
            .order_by("full_name", "pk")
        )
        self.fields["since"].initial = timezone.localdate()


class CloseForm(BootstrapMixin, VersionMixin, forms.Form):
    closed_on = forms.DateField(label=_("Closed on"), widget=DATE)
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, point, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("version", version_of(point))
        super().__init__(*args, **kwargs)
        self.fields["closed_on"].initial = timezone.localdate()


class StaffRemoveForm(BootstrapMixin, forms.Form):
    until = forms.DateField(label=_("Off duty from"), widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["until"].initial = timezone.localdate()


class AssignForm(BootstrapMixin, forms.Form):
    village = OrgChoiceField(label=_("Village or community"), queryset=OrgNode.objects.none())
    advisor = UserChoiceField(label=_("Legal advisor"), queryset=User.objects.none())
    date = forms.DateField(label=_("From"), widget=DATE)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = selectors.scope_villages(actor, Action.CHANGE).order_by("path")
        ids = [a.pk for a in selectors.advisor_choices(actor, Action.CHANGE)]
        self.fields["advisor"].queryset = User.objects.filter(pk__in=ids).select_related("office").order_by("full_name")
        self.fields["date"].initial = timezone.localdate()


class WorkLogForm(BootstrapMixin, forms.Form):
    """The advisor's phone form: village, day, the counts and a note."""

    village = OrgChoiceField(label=_("Village or community"), queryset=OrgNode.objects.none())
    advisor = UserChoiceField(label=_("Legal advisor"), queryset=User.objects.none())
    date = forms.DateField(label=_("Date"), widget=DATE)
    duty_days = forms.BooleanField(label=_("On duty in the village that day (值班)"), required=False)
    consultations = forms.IntegerField(
        label=_("Legal consultations"), min_value=0, max_value=codes.MAX_COUNT, initial=0, widget=COUNT
    )
    lectures = forms.IntegerField(
        label=_("Rule-of-law lectures"), min_value=0, max_value=codes.MAX_COUNT, initial=0, widget=COUNT
    )
    contract_reviews = forms.IntegerField(
        label=_("Contract reviews"), min_value=0, max_value=codes.MAX_COUNT, initial=0, widget=COUNT
    )
    disputes = forms.IntegerField(
        label=_("Disputes joined"), min_value=0, max_value=codes.MAX_COUNT, initial=0, widget=COUNT
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, actor, log=None, **kwargs):
        if log is not None:
            initial = {k: getattr(log, k) for k in codes.WORK_FIELDS}
            initial["duty_days"] = bool(log.duty_days)
            initial["note"] = log.note
            initial["version"] = version_of(log)
            kwargs["initial"] = {**initial, **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)
        if log is not None:
            for name in ("village", "advisor", "date"):
                del self.fields[name]
            self.fields["version"] = forms.CharField(widget=forms.HiddenInput)
            return
        self.fields["village"].queryset = selectors.scope_villages(actor, Action.CREATE).order_by("path")
        advisors = selectors.advisor_choices(actor, Action.CREATE)
        self.fields["advisor"].queryset = (
            User.objects.filter(pk__in=[a.pk for a in advisors]).select_related("office").order_by("full_name")
        )
        if len(advisors) == 1:
            self.fields["advisor"].initial = advisors[0].pk
        self.fields["date"].initial = timezone.localdate()

    def counts(self) -> dict:
        data = self.cleaned_data
        counts = {k: data.get(k) or 0 for k in codes.WORK_FIELDS}
        counts["duty_days"] = 1 if data.get("duty_days") else 0
        return counts
