from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fengqiao.core.audit import version_of
from fengqiao.core.forms import BootstrapMixin, OrgChoiceField
from fengqiao.core.permissions import Action
from fengqiao.orgs.models import OrgNode

from . import codes, selectors
from .models import Department

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
BLANK = ("", "---------")
STALE_FORM = _("This form is out of date: reload the page and try again.")


class DepartmentField(forms.ModelMultipleChoiceField):
    def __init__(self, *args, show_office=False, **kwargs):
        self.show_office = show_office
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj):
        if self.show_office and obj.office_id:
            return f"{obj.name} · {obj.office.short_name or obj.office.display_name}"
        return obj.name


class OneDepartmentField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


def _offices(form, actor, action):
    offices = selectors.office_choices(actor, action)
    form.fields["office"].queryset = OrgNode.objects.filter(pk__in=[o.pk for o in offices]).order_by("path")
    if len(offices) == 1:
        form.fields["office"].initial = offices[0].pk
        form.fields["office"].widget = forms.HiddenInput()
    return offices


def _check_office_departments(form, data, field="departments"):
    office, departments = data.get("office"), data.get(field)
    if office is not None and departments and any(d.office_id != office.pk for d in departments):
        form.add_error(field, _("Choose active departments of the office's own town."))


class ActivityForm(BootstrapMixin, forms.Form):
    office = OrgChoiceField(label=_("Judicial office"), queryset=OrgNode.objects.none())
    kind = forms.ChoiceField(label=_("Kind of supervision"), choices=[BLANK, *codes.ActivityKind.choices])
    title = forms.CharField(
        label=_("Subject of the supervision"),
        max_length=200,
        help_text=_("For example: 2026年第三季度行政处罚案卷评查"),
    )
    date = forms.DateField(label=_("Date"), widget=DATE)
    departments = DepartmentField(
        label=_("Departments supervised"), queryset=Department.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    participants = forms.CharField(label=_("Participants"), max_length=500)
    partners = forms.CharField(
        label=_("Joint bodies"),
        max_length=300,
        required=False,
        help_text=_("Other bodies taking part in a joint supervision, e.g. 镇纪委, 人大代表."),
    )
    files_reviewed = forms.IntegerField(label=_("Case files reviewed"), min_value=0, max_value=100000, required=False)
    sites_inspected = forms.IntegerField(label=_("Sites inspected"), min_value=0, max_value=100000, required=False)
    summary = forms.CharField(
        label=_("Summary of the supervision"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )
    version = forms.CharField(widget=forms.HiddenInput, error_messages={"required": STALE_FORM})

    def __init__(self, *args, actor, activity=None, **kwargs):
        if activity is not None:
            initial = {
                f: getattr(activity, f)
                for f in (
                    "kind",
                    "title",
                    "date",
                    "participants",
                    "partners",
                    "files_reviewed",
                    "sites_inspected",
                    "summary",
                )
            }
            initial.update(
                office=activity.office_id, departments=list(activity.departments.all()), version=version_of(activity)
            )
            kwargs["initial"] = {**initial, **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)
        self.activity = activity
        if activity is None:
            offices = _offices(self, actor, Action.CREATE)
            qs = Department.objects.visible_to(actor, Action.CREATE).filter(is_active=True)
            self.fields["departments"].show_office = len(offices) > 1
            self.fields["departments"].queryset = qs.select_related("office").order_by("office__path", "name")
            self.fields["date"].initial = timezone.localdate()
            del self.fields["version"]
        else:
            del self.fields["office"]
            self.fields["departments"].queryset = Department.objects.filter(office_id=activity.office_id).filter(
                is_active=True
            ) | Department.objects.filter(pk__in=activity.departments.values("pk"))

    def clean(self):
        data = super().clean()
        if "office" in self.fields:
            _check_office_departments(self, data)
        return data


class ProblemForm(BootstrapMixin, forms.Form):
    department = OneDepartmentField(label=_("Responsible department"), queryset=Department.objects.none())
    category = forms.ChoiceField(label=_("Problem category"), choices=[BLANK, *codes.ProblemCategory.choices])
    description = forms.CharField(label=_("Problem found"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    found_on = forms.DateField(label=_("Found on"), widget=DATE)
    deadline = forms.DateField(
        label=_("Rectification deadline"),
        widget=DATE,
        required=False,
        help_text=_("With a deadline the rectification is ordered at once."),
    )
    requirement = forms.CharField(
        label=_("Rectification required"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False
    )

    def __init__(self, *args, activity, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(
            office_id=activity.office_id, is_active=True
        ).order_by("name")
        self.fields["found_on"].initial = activity.date
        if activity.date:
            import datetime

            self.fields["deadline"].initial = activity.date + datetime.timedelta(days=codes.DEFAULT_RECTIFY_DAYS)

    def clean(self):
        data = super().clean()
        found, deadline = data.get("found_on"), data.get("deadline")
        if found and deadline and deadline < found:
            self.add_error("deadline", _("The rectification deadline cannot be before the problem was found."))
        return data


class VersionForm(BootstrapMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, error_messages={"required": STALE_FORM})

    def __init__(self, *args, obj, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("version", obj.version)
        super().__init__(*args, **kwargs)


class OrderForm(VersionForm):
    requirement = forms.CharField(
        label=_("Rectification required"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    deadline = forms.DateField(label=_("Rectification deadline"), widget=DATE)
    date = forms.DateField(label=_("Date of the order"), widget=DATE)

    def __init__(self, *args, obj, **kwargs):
        super().__init__(*args, obj=obj, **kwargs)
        import datetime

        today = timezone.localdate()
        self.fields["date"].initial = today
        self.fields["deadline"].initial = today + datetime.timedelta(days=codes.DEFAULT_RECTIFY_DAYS)


class ProgressForm(VersionForm):
    note = forms.CharField(label=_("Progress"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    date = forms.DateField(label=_("Date"), widget=DATE)

    def __init__(self, *args, obj, **kwargs):
        super().__init__(*args, obj=obj, **kwargs)
        self.fields["date"].initial = timezone.localdate()


class RectifiedForm(VersionForm):
    result = forms.CharField(
        label=_("What the department did"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    rectified_on = forms.DateField(label=_("Rectified on"), widget=DATE)

    def __init__(self, *args, obj, **kwargs):
        super().__init__(*args, obj=obj, **kwargs)
        self.fields["rectified_on"].initial = timezone.localdate()


class VerifyForm(VersionForm):
    verified_on = forms.DateField(label=_("Verified on"), widget=DATE)
    note = forms.CharField(
        label=_("How it was checked"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False
    )

    def __init__(self, *args, obj, **kwargs):
        super().__init__(*args, obj=obj, **kwargs)
        self.fields["verified_on"].initial = timezone.localdate()


class ReopenForm(VersionForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    deadline = forms.DateField(label=_("New rectification deadline"), widget=DATE)
    date = forms.DateField(label=_("Date"), widget=DATE)

    def __init__(self, *args, obj, **kwargs):
        super().__init__(*args, obj=obj, **kwargs)
        self.fields["date"].initial = timezone.localdate()


class DisputeForm(BootstrapMixin, forms.Form):
    office = OrgChoiceField(label=_("Judicial office"), queryset=OrgNode.objects.none())
    subject = forms.CharField(label=_("Subject of the dispute"), max_length=200)
    departments = DepartmentField(
        label=_("Departments involved"),
        queryset=Department.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    parties = forms.CharField(
        label=_("Other parties"),
        max_length=300,
        required=False,
        help_text=_("Parties other than the town's departments."),
    )
    description = forms.CharField(
        label=_("What the dispute is about"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )
    received_on = forms.DateField(label=_("Received on"), widget=DATE)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        offices = _offices(self, actor, Action.CREATE)
        qs = Department.objects.visible_to(actor, Action.CREATE).filter(is_active=True)
        self.fields["departments"].show_office = len(offices) > 1
        self.fields["departments"].queryset = qs.select_related("office").order_by("office__path", "name")
        self.fields["received_on"].initial = timezone.localdate()

    def clean(self):
        data = super().clean()
        _check_office_departments(self, data)
        return data


class CoordinateForm(VersionForm):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=[BLANK, *codes.DisputeOutcome.choices])
    result = forms.CharField(label=_("Coordination result"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    concluded_on = forms.DateField(label=_("Coordinated on"), widget=DATE)

    def __init__(self, *args, obj, **kwargs):
        super().__init__(*args, obj=obj, **kwargs)
        self.fields["concluded_on"].initial = timezone.localdate()


class DepartmentForm(BootstrapMixin, forms.Form):
    office = OrgChoiceField(label=_("Judicial office"), queryset=OrgNode.objects.none())
    name = forms.CharField(label=_("Name"), max_length=100, widget=forms.TextInput(attrs={"list": "department-names"}))
    kind = forms.ChoiceField(label=_("Kind"), choices=[BLANK, *codes.DepartmentKind.choices])
    contact = forms.CharField(label=_("Contact person"), max_length=50, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        _offices(self, actor, Action.CREATE)
