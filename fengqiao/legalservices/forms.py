from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fengqiao.core.audit import version_of
from fengqiao.core.forms import BootstrapMixin, OrgChoiceField, places_for
from fengqiao.core.permissions import Action, Module
from fengqiao.core.validators import validate_phone
from fengqiao.orgs.models import OrgKind, OrgNode

from . import codes, services

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
BLANK = ("", "---------")


class InlineRadio(forms.RadioSelect):
    """Radio buttons side by side, big enough to tap on a phone."""

    template_name = "legalservices/widgets/radio.html"


STALE_FORM = _("This form is out of date: reload the page and try again.")


def offices_and_villages(actor, action=Action.CREATE):
    """The offices and the villages where `actor` may keep legal-service records."""
    places = places_for(actor, Module.LEGAL_SERVICES, action)
    town_ids = set()
    village_ids = []
    for pk, kind, office_id in places.values_list("pk", "kind", "office_id"):
        if kind == OrgKind.TOWN:
            town_ids.add(pk)
        else:
            village_ids.append(pk)
            town_ids.add(office_id)
    offices = OrgNode.objects.filter(pk__in=town_ids).order_by("path")
    villages = OrgNode.objects.filter(pk__in=village_ids).order_by("path")
    return offices, villages


class VersionMixin(forms.Form):
    version = forms.CharField(widget=forms.HiddenInput, error_messages={"required": STALE_FORM, "invalid": STALE_FORM})


class PlaceMixin(forms.Form):
    office = OrgChoiceField(label=_("Judicial office"), queryset=OrgNode.objects.none())
    village = OrgChoiceField(
        label=_("Village or community"),
        queryset=OrgNode.objects.none(),
        required=False,
        help_text=_("Where the service was given; leave empty for the office itself."),
    )

    def set_places(self, actor):
        offices, villages = offices_and_villages(actor)
        self.fields["office"].queryset = offices
        self.fields["village"].queryset = villages
        only = list(offices[:2])
        if len(only) == 1:
            self.fields["office"].initial = only[0].pk
        if actor.org.kind == OrgKind.VILLAGE and villages.filter(pk=actor.org_id).exists():
            self.fields["village"].initial = actor.org_id

    def clean(self):
        data = super().clean()
        office, village = data.get("office"), data.get("village")
        if office is not None and village is not None and village.office_id != office.pk:
            self.add_error(
                "village",
                _("%(village)s belongs to another office, not to %(office)s.")
                % {"village": village.name, "office": office.display_name},
            )
        return data


class ServiceForm(BootstrapMixin, PlaceMixin, forms.Form):
    """Recording a service; the fields depend on its kind."""

    received_on = forms.DateField(label=_("Received on"), widget=DATE)
    person_name = forms.CharField(label=_("Who asked"), max_length=50)
    person_phone = forms.CharField(
        label=_("Phone"), max_length=30, required=False, validators=[validate_phone],
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )  # fmt: skip
    channel = forms.ChoiceField(label=_("Channel"), choices=[BLANK, *codes.Channel.choices])
    category = forms.ChoiceField(label=_("Category"), choices=[BLANK, *codes.Category.choices])
    referral_to = forms.ChoiceField(label=_("Referred to"), choices=[BLANK, *codes.ReferralTo.choices])
    decision_type = forms.ChoiceField(label=_("Type"), choices=[BLANK, *codes.DecisionType.choices])
    subject = forms.CharField(label=pgettext_lazy("legal services", "Subject"), max_length=200)
    question = forms.CharField(label=_("Question"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    receiving_body = forms.CharField(
        label=_("Receiving body"), max_length=100,
        widget=forms.TextInput(attrs={"list": "body-list", "autocomplete": "off"}),
    )  # fmt: skip
    opinion_count = forms.IntegerField(label=_("Opinions gathered"), min_value=0, max_value=100000, required=False)
    answer = forms.CharField(
        label=_("Answer"), max_length=10000, required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Answered on the spot: the consultation is concluded when saved."),
    )  # fmt: skip
    minutes = forms.IntegerField(
        label=_("Time taken (minutes)"), min_value=0, max_value=services.MAX_MINUTES, required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )  # fmt: skip
    satisfaction = forms.ChoiceField(
        label=_("Satisfaction"), choices=[("", _("Not asked")), *codes.Satisfaction.choices], required=False,
        widget=InlineRadio,
    )  # fmt: skip
    adoption = forms.ChoiceField(
        label=_("Adoption"), choices=[("", _("Not yet known")), *codes.Adoption.choices], required=False
    )

    KIND_FORM_FIELDS = {
        codes.Kind.CONSULTATION: (
            "person_name", "person_phone", "channel", "category", "question", "answer", "minutes", "satisfaction",
        ),
        codes.Kind.REFERRAL: (
            "person_name", "person_phone", "channel", "category", "referral_to", "receiving_body", "question",
            "minutes",
        ),
        codes.Kind.RECONSIDERATION: (
            "person_name", "person_phone", "channel", "category", "receiving_body", "question", "minutes",
        ),
        codes.Kind.LEGISLATIVE: ("subject", "question", "opinion_count"),
        codes.Kind.DECISION: ("decision_type", "subject", "question", "answer", "adoption"),
    }  # fmt: skip
    LABELS = {
        codes.Kind.REFERRAL: {"question": _("Matter referred")},
        codes.Kind.RECONSIDERATION: {
            "question": _("Administrative act and request"),
            "receiving_body": _("Reconsideration body"),
        },
        codes.Kind.LEGISLATIVE: {"subject": _("Draft law or regulation"), "question": _("Opinions gathered")},
        codes.Kind.DECISION: {
            "subject": _("Decision, contract or document"),
            "question": _("Matter reviewed"),
            "answer": _("Legal opinion"),
        },
    }

    def __init__(self, *args, actor, kind, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.set_places(actor)
        self.fields["received_on"].initial = timezone.localdate()
        keep = {"office", "village", "received_on", *self.KIND_FORM_FIELDS[kind]}
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        for name, label in self.LABELS.get(kind, {}).items():
            if name in self.fields:
                self.fields[name].label = label
        if kind == codes.Kind.DECISION:
            self.fields["question"].required = False
            self.fields["answer"].help_text = _("Given already: the opinion is concluded when saved.")
        if kind != codes.Kind.CONSULTATION:
            for name in ("channel", "category"):
                if name in self.fields:
                    self.fields[name].required = False
        if kind == codes.Kind.REFERRAL:
            self.fields["receiving_body"].help_text = _("For example: 江阴市法律援助中心")

    def clean(self):
        data = super().clean()
        if data.get("satisfaction") and not data.get("answer"):
            self.add_error("satisfaction", _("Satisfaction is recorded once the service is concluded."))
        return data

    def service_kwargs(self) -> dict:
        return {"kind": self.kind, **self.cleaned_data}


class NoteForm(BootstrapMixin, VersionMixin, forms.Form):
    date = forms.DateField(label=_("Date"), widget=DATE)
    note = forms.CharField(
        label=pgettext_lazy("legal services", "What was done"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, service, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("version", version_of(service))
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate()


class ConcludeForm(BootstrapMixin, VersionMixin, forms.Form):
    concluded_on = forms.DateField(label=_("Concluded on"), widget=DATE)
    answer = forms.CharField(
        label=_("Answer"), max_length=10000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    outcome = forms.CharField(
        label=_("Outcome"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the receiving body did: accepted, assistance granted, notarised, ruled..."),
    )  # fmt: skip
    receiving_body = forms.CharField(
        label=_("Forwarded to"), max_length=100, required=False,
        widget=forms.TextInput(attrs={"list": "body-list", "autocomplete": "off"}),
    )  # fmt: skip
    forwarded_on = forms.DateField(label=_("Forwarded on"), widget=DATE, required=False)
    adoption = forms.ChoiceField(
        label=_("Adoption"), choices=[("", _("Not yet known")), *codes.Adoption.choices], required=False
    )

    KEEP = {
        codes.Kind.CONSULTATION: ("answer",),
        codes.Kind.DECISION: ("answer", "adoption"),
        codes.Kind.REFERRAL: ("outcome",),
        codes.Kind.RECONSIDERATION: ("outcome",),
        codes.Kind.LEGISLATIVE: ("receiving_body", "forwarded_on", "answer"),
    }

    def __init__(self, *args, service, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("version", version_of(service))
        kwargs["initial"].setdefault("answer", service.answer)
        kwargs["initial"].setdefault("outcome", service.outcome)
        super().__init__(*args, **kwargs)
        self.fields["concluded_on"].initial = timezone.localdate()
        keep = {"version", "concluded_on", *self.KEEP[service.kind]}
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        if service.kind == codes.Kind.DECISION:
            self.fields["answer"].label = _("Legal opinion")
        if service.kind == codes.Kind.LEGISLATIVE:
            self.fields["answer"].label = _("Summary of the opinions forwarded")
            self.fields["forwarded_on"].initial = timezone.localdate()


class WithdrawForm(BootstrapMixin, VersionMixin, forms.Form):
    date = forms.DateField(label=_("Date"), widget=DATE)
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, service, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("version", version_of(service))
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate()


class RateForm(BootstrapMixin, VersionMixin, forms.Form):
    satisfaction = forms.ChoiceField(label=_("Satisfaction"), choices=codes.Satisfaction.choices, widget=InlineRadio)
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)

    def __init__(self, *args, service, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("version", version_of(service))
        super().__init__(*args, **kwargs)


class AdoptionForm(BootstrapMixin, VersionMixin, forms.Form):
    adoption = forms.ChoiceField(label=_("Adoption"), choices=codes.Adoption.choices)
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)

    def __init__(self, *args, service, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("version", version_of(service))
        super().__init__(*args, **kwargs)


class ComplaintForm(BootstrapMixin, PlaceMixin, forms.Form):
    received_on = forms.DateField(label=_("Received on"), widget=DATE)
    complainant = forms.CharField(label=_("Complainant"), max_length=50)
    complainant_phone = forms.CharField(label=_("Phone"), max_length=30, required=False, validators=[validate_phone])
    content = forms.CharField(
        label=_("Content of the complaint"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    service = forms.IntegerField(
        label=_("Service concerned (number)"), required=False, min_value=1,
        help_text=_("The number shown on the service's page, if the complaint is about one service."),
    )  # fmt: skip

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_places(actor)
        self.fields["received_on"].initial = timezone.localdate()


class CloseComplaintForm(BootstrapMixin, VersionMixin, forms.Form):
    verification = forms.ChoiceField(
        label=_("Verification result"), choices=[BLANK, *codes.Verification.choices], required=False
    )
    verified_on = forms.DateField(label=_("Verified on"), widget=DATE, required=False)
    handling = forms.CharField(
        label=_("Verification and handling"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, complaint, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("version", version_of(complaint))
        super().__init__(*args, **kwargs)


class DuePolicyForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind of service"), choices=codes.Kind.choices, widget=forms.HiddenInput)
    days = forms.IntegerField(label=_("Days"), min_value=0, max_value=services.MAX_DUE_DAYS)
    working_days = forms.BooleanField(label=_("Working days"), required=False)
