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
from .models import Committee, Mediator, Referral, ScreeningRound

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
    place = forms.CharField(
        label=_("Place where it arose"),
        max_length=200,
        required=False,
        help_text=_("Street, building or field; disputes at one place are matched for early warning."),
    )
    screening = forms.ModelChoiceField(
        label=_("Found in screening round"),
        queryset=ScreeningRound.objects.none(),
        required=False,
        help_text=_("Only for disputes found in screening."),
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        recent = ScreeningRound.objects.visible_to(actor, Action.CREATE).values_list("pk", flat=True)[:50]
        self.fields["screening"].queryset = ScreeningRound.objects.filter(pk__in=list(recent)).select_related("org")
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
        if data.get("screening") and data.get("channel") != codes.Channel.SCREENING:
            self.add_error("screening", _("Only a dispute found in screening belongs to a screening round."))
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


class EditForm(StepForm):
    summary = forms.CharField(label=_("Summary"), max_length=100)
    event_type = forms.ChoiceField(label=_("Dispute type"), choices=[])
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}))
    place = forms.CharField(label=_("Place where it arose"), max_length=200, required=False)
    amount = forms.DecimalField(
        label=_("Amount involved (yuan)"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    people_count = forms.IntegerField(label=_("People involved"), min_value=2, max_value=100_000)
    scale = forms.ChoiceField(label=_("Scale"), choices=[])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        d = self.dispute
        for name in ("summary", "event_type", "description", "place", "amount", "people_count", "scale"):
            self.fields[name].initial = getattr(d, name)
        self.fields["event_type"].choices = event_type_choices()
        zh = (get_language() or "zh-hans").startswith("zh")
        self.fields["scale"].choices = [(k, v[0] if zh else v[1]) for k, v in codes_gbt.SCALES.items()]


class ReferForm(StepForm):
    channel = forms.ChoiceField(label=_("Channel"), choices=codes.LinkageChannel.choices)
    receiving_body = forms.CharField(label=_("Receiving body"), max_length=100)
    referred_on = forms.DateField(label=_("Referred on"), widget=DATE)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["referred_on"].initial = timezone.localdate()


class ReferralResultForm(StepForm):
    referral = forms.ModelChoiceField(label=_("Referral"), queryset=Referral.objects.none())
    outcome = forms.ChoiceField(
        label=_("Result"), choices=[c for c in codes.LinkageOutcome.choices if c[0] != codes.LinkageOutcome.PENDING]
    )
    result_on = forms.DateField(label=_("Result received on"), widget=DATE)
    result = forms.CharField(label=_("Result details"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        pending = Referral.objects.filter(dispute=self.dispute, outcome=codes.LinkageOutcome.PENDING)
        self.fields["referral"].queryset = pending
        self.fields["referral"].label_from_instance = lambda r: (
            f"{r.get_channel_display()} · {r.receiving_body} · {r.referred_on:%Y-%m-%d}"
        )
        if len(pending) == 1:
            self.fields["referral"].initial = pending[0].pk
        self.fields["result_on"].initial = timezone.localdate()


class ConfirmForm(StepForm):
    court = forms.CharField(label=_("Court"), max_length=100)
    applied_on = forms.DateField(label=_("Applied on"), widget=DATE)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["applied_on"].initial = timezone.localdate()


class ConfirmResultForm(StepForm):
    result = forms.ChoiceField(
        label=_("Ruling"),
        choices=[c for c in codes.ConfirmationResult.choices if c[0] != codes.ConfirmationResult.PENDING],
    )
    ruled_on = forms.DateField(label=_("Ruled on"), widget=DATE)
    ruling_number = forms.CharField(label=_("Ruling number"), max_length=60, required=False)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ruled_on"].initial = timezone.localdate()


# --- records that are not steps of a case -------------------------------------------------------------


class HandleFlagForm(BootstrapMixin, forms.Form):
    measures = forms.CharField(label=_("Measures taken"), widget=forms.Textarea(attrs={"rows": 2}))


def _places(actor, *, kinds):
    places = actor.scope_nodes_for(Module.MEDIATION, Action.CREATE)
    within = Q(pk__in=[])
    for node in places:
        within |= subtree_q(node.path)
    return OrgNode.objects.visible_to(actor).filter(within, is_active=True, kind__in=kinds)


class ScreeningForm(BootstrapMixin, forms.Form):
    org = OrgChoiceField(label=_("Village or town"), queryset=OrgNode.objects.none())
    period_from = forms.DateField(label=_("Period from"), widget=DATE)
    period_to = forms.DateField(label=_("Period to"), widget=DATE)
    held_on = forms.DateField(label=_("Held on"), widget=DATE)
    participants = forms.CharField(label=_("Participants"), max_length=300)
    disputes_found = forms.IntegerField(label=_("Disputes found"), min_value=0, max_value=100_000, initial=0)
    risks_found = forms.IntegerField(label=_("Risks found"), min_value=0, max_value=100_000, initial=0)
    findings = forms.CharField(label=_("Findings"), widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = _places(actor, kinds=[OrgKind.TOWN, OrgKind.VILLAGE])
        today = timezone.localdate()
        self.fields["period_from"].initial = today.replace(day=1)
        self.fields["period_to"].initial = today
        self.fields["held_on"].initial = today


class IncidentForm(BootstrapMixin, forms.Form):
    org = OrgChoiceField(label=_("Town or village"), queryset=OrgNode.objects.none())
    occurred_on = forms.DateField(label=_("Occurred on"), widget=DATE)
    title = forms.CharField(label=_("Title"), max_length=100)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}))
    people_count = forms.IntegerField(label=_("People involved"), min_value=2, max_value=100_000)
    dispute_number = forms.CharField(
        label=_("Related case number"),
        max_length=40,
        required=False,
        help_text=_("The case from which the incident arose, if any."),
    )
    caused_by_mediation = forms.BooleanField(label=_("Caused by improper or late mediation"), required=False)
    cause_note = forms.CharField(
        label=_("Finding on the cause"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.fields["org"].queryset = _places(actor, kinds=[OrgKind.TOWN, OrgKind.VILLAGE])
        self.fields["occurred_on"].initial = timezone.localdate()

    def clean_dispute_number(self):
        from .models import Dispute

        number = self.cleaned_data.get("dispute_number", "").strip()
        if not number:
            return None
        found = Dispute.objects.visible_to(self.actor).filter(number=number).first()
        if found is None:
            raise forms.ValidationError(_("No case with that number in your unit."))
        return found


class PeriodForm(BootstrapMixin, forms.Form):
    org = OrgChoiceField(label=_("Unit"), queryset=OrgNode.objects.none())
    code = forms.ChoiceField(label=_("Dispute type"), choices=[])
    days = forms.IntegerField(label=_("Period (days)"), min_value=1, max_value=366)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        units = OrgNode.objects.none()
        for node in actor.scope_nodes_for(Module.MEDIATION, Action.APPROVE):
            units |= OrgNode.objects.filter(subtree_q(node.path), kind__in=[OrgKind.CITY, OrgKind.TOWN])
        self.fields["org"].queryset = units.filter(is_active=True)
        zh = (get_language() or "zh-hans").startswith("zh")
        classes = [(k, f"{k} {v[0] if zh else v[1]}") for k, v in codes_gbt.EVENT_CLASSES.items()]
        self.fields["code"].choices = [
            ("", "---------"),
            (_("Whole class"), classes),
            *codes_gbt.event_type_choices(get_language() or "zh-hans"),
        ]


# --- committees, mediators, trainings, designations ---------------------------------------------------


class VersionedForm(BootstrapMixin, forms.Form):
    """Carries the fingerprint of the row as loaded, so that a concurrent edit is refused, not lost."""

    version = forms.CharField(widget=forms.HiddenInput, required=False)


class CommitteeForm(VersionedForm):
    org = OrgChoiceField(label=_("Unit"), queryset=OrgNode.objects.none())
    name = forms.CharField(label=_("Name"), max_length=100)
    committee_type = forms.ChoiceField(label=_("Committee type"), choices=codes.CommitteeType.choices)
    field = forms.CharField(
        label=_("Field"),
        max_length=50,
        required=False,
        help_text=_("For industry committees: property, traffic, consumer, labour, medical …"),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, actor, instance=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = _places(actor, kinds=[OrgKind.CITY, OrgKind.TOWN, OrgKind.VILLAGE])
        if instance is None:
            del self.fields["is_active"]
        else:
            del self.fields["org"]  # a committee stays where it was set up


class MediatorForm(VersionedForm):
    org = OrgChoiceField(label=_("Unit"), queryset=OrgNode.objects.none())
    full_name = forms.CharField(label=_("Full name"), max_length=50)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False, validators=[validate_phone])
    full_time = forms.BooleanField(label=_("Full-time"), required=False)
    committees = forms.ModelMultipleChoiceField(
        label=_("Committees"),
        queryset=Committee.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    specialty = forms.CharField(label=_("Specialty"), max_length=100, required=False)
    certificate_no = forms.CharField(label=_("Certificate number"), max_length=50, required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, actor, instance=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = _places(actor, kinds=[OrgKind.CITY, OrgKind.TOWN, OrgKind.VILLAGE])
        from . import selectors

        self.fields["committees"].queryset = selectors.committee_choices_for_intake(actor)
        if instance is None:
            del self.fields["is_active"]
        else:
            del self.fields["org"]


class TrainingForm(BootstrapMixin, forms.Form):
    held_on = forms.DateField(label=_("Training date"), widget=DATE)
    title = forms.CharField(label=_("Training"), max_length=100)
    hours = forms.DecimalField(label=_("Hours"), min_value=0, max_value=500, max_digits=5, decimal_places=1)
    organiser = forms.CharField(label=_("Organiser"), max_length=100, required=False)


class DesignationForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Designation"), choices=codes.HonourKind.choices)
    level = forms.ChoiceField(label=_("Level"), choices=codes.HonourLevel.choices)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    committee = CommitteeChoiceField(
        label=_("Committee (for a studio)"), queryset=Committee.objects.none(), required=False
    )
    studio_name = forms.CharField(label=_("Studio name"), max_length=100, required=False)
    mediator = forms.ModelChoiceField(label=_("Mediator"), queryset=Mediator.objects.none(), required=False)
    conferred_by = forms.CharField(label=_("Conferred by"), max_length=100, required=False)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["committee"].queryset = Committee.objects.visible_to(actor, Action.CHANGE).order_by("name")
        self.fields["mediator"].queryset = Mediator.objects.visible_to(actor, Action.CHANGE).order_by("full_name")
        self.fields["year"].initial = timezone.localdate().year
