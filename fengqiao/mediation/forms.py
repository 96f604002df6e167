from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from fengqiao.core.forms import BootstrapMixin, OrgChoiceField
from fengqiao.core.permissions import Action, Module
from fengqiao.core.scoping import subtree_q
from fengqiao.core.validators import validate_id_number, validate_phone
from fengqiao.orgs.models import OrgKind, OrgNode

from . import codes, codes_gbt
from .models import Committee, Mediator

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CommitteeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} · {obj.get_committee_type_display()}"


class MediatorChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        part_time = gettext("part-time")
        return obj.full_name if obj.full_time else f"{obj.full_name} · {part_time}"


def event_type_choices():
    return [("", "---------"), *codes_gbt.event_type_choices(get_language() or "zh-hans")]


class DisputeForm(BootstrapMixin, forms.Form):
    org = OrgChoiceField(label=_("Where it arose"), queryset=OrgNode.objects.none())
    received_on = forms.DateField(label=_("Received on"), widget=DATE)
    channel = forms.ChoiceField(label=_("Channel"), choices=codes.Channel.choices)
    referral_source = forms.ChoiceField(
        label=_("Referred by"), choices=[("", "---------"), *codes.ReferralSource.choices], required=False
    )
    referral_body = forms.CharField(label=_("Referring body"), max_length=100, required=False)
    event_type = forms.ChoiceField(label=_("Dispute type"), choices=[])
    summary = forms.CharField(label=_("Summary"), max_length=100)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}))
    amount = forms.DecimalField(
        label=_("Amount involved (yuan)"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    people_count = forms.IntegerField(label=_("People involved"), min_value=2, max_value=100_000, initial=2)
    scale = forms.ChoiceField(label=_("Scale"), choices=[])
    committee = CommitteeChoiceField(label=_("Handling committee"), queryset=Committee.objects.none(), required=False)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        # Places where this user may register disputes: their mediation scope (a village mediator's
        # village, an office's town and villages); bureaus register at office level.
        places = actor.scope_nodes_for(Module.MEDIATION, Action.CREATE)
        within = Q(pk__in=[])
        for node in places:
            within |= subtree_q(node.path)
        visible = OrgNode.objects.visible_to(actor).filter(within, is_active=True).exclude(kind=OrgKind.PROVINCE)
        if any(n.is_bureau for n in places):
            visible = visible.exclude(kind=OrgKind.VILLAGE)
        self.fields["org"].queryset = visible
        self.fields["event_type"].choices = event_type_choices()
        zh = (get_language() or "zh-hans").startswith("zh")
        self.fields["scale"].choices = [(k, v[0] if zh else v[1]) for k, v in codes_gbt.SCALES.items()]
        from . import selectors

        self.fields["committee"].queryset = selectors.committee_choices_for_intake(actor)
        self.fields["received_on"].initial = timezone.localdate()

    def clean(self):
        data = super().clean()
        if data.get("channel") == codes.Channel.REFERRAL and not data.get("referral_source"):
            self.add_error("referral_source", _("Say which body referred the dispute."))
        return data


class PartyForm(BootstrapMixin, forms.Form):
    side = forms.ChoiceField(label=_("Side"), choices=codes.PartySide.choices)
    kind = forms.ChoiceField(label=_("Kind"), choices=codes.PartyKind.choices)
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    id_number = forms.CharField(label=_("ID number"), max_length=18, required=False, validators=[validate_id_number])
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False, validators=[validate_phone])
    org_code = forms.CharField(label=_("Unified social credit code"), max_length=18, required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)

    def clean(self):
        data = super().clean()
        details = any(data.get(f) for f in ("id_number", "phone", "org_code", "address"))
        if details and not data.get("name"):
            self.add_error("name", _("Enter the name of this party, or clear the row."))
        return data


PartyFormSet = forms.formset_factory(PartyForm, extra=0, max_num=20, absolute_max=20, validate_max=True)


def party_formset(data=None):
    initial = [
        {"side": codes.PartySide.APPLICANT},
        {"side": codes.PartySide.APPLICANT},
        {"side": codes.PartySide.RESPONDENT},
        {"side": codes.PartySide.RESPONDENT},
    ]
    return PartyFormSet(data, initial=None if data else initial, prefix="parties")


# --- one form per step of the case ------------------------------------------------------------------


STALE_FORM = _("This form is out of date: reload the page and try again.")


class StepForm(BootstrapMixin, forms.Form):
    version = forms.IntegerField(
        widget=forms.HiddenInput, error_messages={"required": STALE_FORM, "invalid": STALE_FORM}
    )

    def __init__(self, *args, dispute, actor, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("version", dispute.version)
        super().__init__(*args, **kwargs)
        self.dispute = dispute
        self.actor = actor


class AcceptForm(StepForm):
    committee = CommitteeChoiceField(label=_("Handling committee"), queryset=Committee.objects.none(), required=False)
    mediators = MediatorChoiceField(
        label=_("Mediators"),
        queryset=Mediator.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from . import selectors

        self.fields["committee"].queryset = selectors.committee_choices_for_case(self.dispute)
        self.fields["committee"].initial = self.dispute.committee_id
        self.fields["mediators"].queryset = selectors.mediator_choices_for_case(self.dispute)


class ReasonForm(StepForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class SessionForm(StepForm):
    held_on = forms.DateField(label=_("Held on"), widget=DATE)
    place = forms.CharField(label=_("Place"), max_length=100)
    attendees = forms.CharField(label=_("Attendees"), max_length=300, required=False)
    record = forms.CharField(label=_("Record"), widget=forms.Textarea(attrs={"rows": 4}))
    mediators = MediatorChoiceField(
        label=_("Mediators"),
        queryset=Mediator.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from . import selectors

        self.fields["mediators"].queryset = selectors.mediator_choices_for_case(self.dispute)
        self.fields["held_on"].initial = timezone.localdate()


class SucceedForm(StepForm):
    form = forms.ChoiceField(label=_("Form"), choices=codes.AgreementForm.choices)
    terms = forms.CharField(label=_("Terms"), widget=forms.Textarea(attrs={"rows": 4}))
    amount = forms.DecimalField(
        label=_("Agreed amount (yuan)"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    performance_method = forms.CharField(label=_("Performance method"), max_length=200, required=False)
    performance_deadline = forms.DateField(label=_("Performance deadline"), required=False, widget=DATE)
    signed_on = forms.DateField(label=_("Signed on"), widget=DATE)
    prevented_criminal_persons = forms.IntegerField(
        label=_("Persons kept from turning criminal"),
        min_value=0,
        max_value=100_000,
        initial=0,
        help_text=_("防止民转刑: people whose dispute could have become a crime."),
    )
    prevented_mass_petition_persons = forms.IntegerField(
        label=_("Persons in a prevented mass petition"), min_value=0, max_value=100_000, initial=0
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["signed_on"].initial = timezone.localdate()


class FollowUpForm(StepForm):
    visited_on = forms.DateField(label=_("Visited on"), widget=DATE)
    performed = forms.NullBooleanField(
        label=_("Agreement performed"),
        widget=forms.Select(choices=[("unknown", "---------"), ("true", _("Yes")), ("false", _("No"))]),
        required=False,
    )
    satisfaction = forms.ChoiceField(label=_("Satisfaction"), choices=codes.Satisfaction.choices)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["visited_on"].initial = timezone.localdate()


class EscalateForm(StepForm):
    committee = CommitteeChoiceField(label=_("Receiving committee"), queryset=Committee.objects.none())
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from . import selectors

        self.fields["committee"].queryset = selectors.committee_choices_for_case(self.dispute, higher_only=True)
