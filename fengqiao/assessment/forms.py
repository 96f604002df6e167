"""Forms of the construction-standard pages. They only read and check input; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fengqiao.core.forms import BootstrapMixin
from fengqiao.core.permissions import Action

from . import codes
from .models import Standard


def _date():
    return forms.DateInput(attrs={"type": "date"})


PHASE_ROWS = 4
PHASE_NAMES_2019 = ["研究部署", "重点培育", "全面推进", "总结深化"]


class CampaignForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    standard = forms.ModelChoiceField(label=_("Standard"), queryset=Standard.objects.none())
    starts_on = forms.DateField(label=_("Starts on"), widget=_date())
    ends_on = forms.DateField(label=_("Ends on"), widget=_date())
    rule = forms.ChoiceField(label=_("An office meets the standard when"), choices=codes.MeetRule.choices)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["standard"].queryset = Standard.objects.visible_to(user, Action.VIEW).order_by("code", "-version")

    def phase_rows(self):
        return [
            [self[f"phase{n}_name"], self[f"phase{n}_starts_on"], self[f"phase{n}_ends_on"], self[f"phase{n}_target"]]
            for n in range(1, PHASE_ROWS + 1)
        ]

    def phases(self) -> list[dict]:
        out = []
        for n in range(1, PHASE_ROWS + 1):
            name = self.cleaned_data.get(f"phase{n}_name")
            start = self.cleaned_data.get(f"phase{n}_starts_on")
            end = self.cleaned_data.get(f"phase{n}_ends_on")
            target = self.cleaned_data.get(f"phase{n}_target")
            if not (start or end or target is not None):
                continue  # an unused row, whatever its prefilled name
            out.append({"name": name or "", "starts_on": start, "ends_on": end, "target_percent": target})
        return out


for _n in range(1, PHASE_ROWS + 1):
    CampaignForm.base_fields.update(
        {
            f"phase{_n}_name": forms.CharField(
                label=_("Phase %(n)d") % {"n": _n},
                required=False,
                max_length=60,
                initial=PHASE_NAMES_2019[_n - 1] if _n <= len(PHASE_NAMES_2019) else "",
            ),
            f"phase{_n}_starts_on": forms.DateField(label=_("from"), required=False, widget=_date()),
            f"phase{_n}_ends_on": forms.DateField(label=_("to"), required=False, widget=_date()),
            f"phase{_n}_target": forms.DecimalField(
                label=_("target (%)"), required=False, min_value=0, max_value=100, decimal_places=1
            ),
        }
    )


class SelfAssessForm(BootstrapMixin, forms.Form):
    self_judgement = forms.ChoiceField(label=_("Self-assessment"), choices=codes.Judgement.choices)
    self_note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class EvidenceForm(BootstrapMixin, forms.Form):
    file = forms.FileField(label=_("File"))
    note = forms.CharField(label=_("Description"), required=False, max_length=200)


class JudgeForm(BootstrapMixin, forms.Form):
    judgement = forms.ChoiceField(label=_("Judgement"), choices=codes.Judgement.choices)
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class NoteForm(BootstrapMixin, forms.Form):
    text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 2}))


class SummaryForm(BootstrapMixin, forms.Form):
    summary = forms.CharField(label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AssignForm(BootstrapMixin, forms.Form):
    responsible = forms.ModelChoiceField(label=_("Responsible person"), queryset=None)
    responsibility = forms.CharField(label=_("Responsibility"), widget=forms.Textarea(attrs={"rows": 2}))
    deadline = forms.DateField(label=_("Deadline"), widget=_date())

    def __init__(self, *args, task, **kwargs):
        from fengqiao.accounts.models import User

        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = User.objects.filter(office_id=task.office_id, is_active=True).order_by(
            "full_name", "pk"
        )
        if task.responsible_id:
            self.initial.update(
                responsible=task.responsible_id, responsibility=task.responsibility, deadline=task.deadline
            )


class VerifyForm(BootstrapMixin, forms.Form):
    accept = forms.TypedChoiceField(
        label=_("Result"),
        choices=[("1", _("Rectified: close it")), ("0", _("Not yet: return it"))],
        coerce=lambda v: v == "1",
    )
    text = forms.CharField(label=_("What you found"), widget=forms.Textarea(attrs={"rows": 2}))


class ExperienceForm(BootstrapMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    text = forms.CharField(label=_("The practice"), widget=forms.Textarea(attrs={"rows": 8}))
    items = forms.ModelMultipleChoiceField(
        label=_("Items concerned"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, items_qs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].queryset = items_qs
        self.fields["items"].label_from_instance = lambda item: f"{item.number}. {item.text[:40]}"


class ReviewForm(BootstrapMixin, forms.Form):
    status = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (codes.ExperienceStatus.RECOMMENDED, _("Recommend")),
            (codes.ExperienceStatus.PUBLISHED, _("Publish to every office")),
            (codes.ExperienceStatus.RETURNED, _("Return for revision")),
            (codes.ExperienceStatus.WITHDRAWN, _("Withdraw")),
        ],
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class StandardImportForm(BootstrapMixin, forms.Form):
    file = forms.FileField(label=_("Standard file (JSON)"))
