"""Forms of the corrections pages. They check what a form can check (types, lengths, choices in the
user's scope) and leave the rules of corrections (deadlines, the lawful-positioning rules, overlaps)
to the services, whose refusals the views show beside the field they concern."""

from __future__ import annotations

import json
import re

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from fengqiao.accounts.models import User
from fengqiao.core.audit import version_of
from fengqiao.core.forms import BootstrapMixin, OrgChoiceField, places_for
from fengqiao.core.permissions import Action, Module
from fengqiao.core.scoping import subtree_q
from fengqiao.core.validators import validate_phone
from fengqiao.orgs.models import OrgKind, OrgNode

from . import codes, selectors, services
from .models import Device, Fence, PositioningMeasure, Subject, SupervisionLevel

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
STALE_FORM = _("This form is out of date: reload the page and try again.")


def _today():
    return timezone.localdate()


# --- choice fields ---------------------------------------------------------------------------------


class WorkerChoiceField(forms.ModelChoiceField):
    """A corrections social worker, with the subjects they already carry in brackets."""

    def label_from_instance(self, obj):
        name = obj.full_name or obj.username
        office = getattr(obj, "office_label", "")
        load = getattr(obj, "load", None)
        label = f"{name} · {office}" if office else name
        return f"{label} ({load})" if load is not None else label


class LevelChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


def offices_for(actor, action):
    """The judicial offices inside the actor's corrections scope."""
    nodes = actor.scope_nodes_for(Module.CORRECTIONS, action)
    within = Q(pk__in=[])
    for node in nodes:
        within |= subtree_q(node.path)
    return OrgNode.objects.filter(within, is_active=True, kind=OrgKind.TOWN).order_by("path")


def workers_with_load(office_ids):
    """Active corrections social workers of these offices (read through the selector), each with
    `load` (open subjects) and a short office label, for a choice list."""
    office_ids = sorted(set(office_ids))[:100]
    several = len(office_ids) > 1
    workers = []
    for office_id in office_ids:
        loads = selectors.worker_loads(office_id)
        for w in selectors.workers_of(office_id).select_related("office").order_by("full_name", "pk"):
            w.load = loads.get(w.pk, 0)
            w.office_label = (w.office.short_name or w.office.display_name) if several else ""
            workers.append(w)
    return workers


class _ListChoiceField(WorkerChoiceField):
    """A worker field whose choices are a prepared list (with loads), validated against the ids."""

    def __init__(self, *args, **kwargs):
        super().__init__(User.objects.none(), *args, **kwargs)
        self._objects = []

    def set_objects(self, objects):
        self._objects = list(objects)
        empty = [("", self.empty_label)] if self.empty_label is not None else []
        self.widget.choices = empty + [(o.pk, self.label_from_instance(o)) for o in self._objects]

    def to_python(self, value):
        if value in self.empty_values:
            return None
        for o in self._objects:
            if str(o.pk) == str(value):
                return o
        raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")


class VersionMixin(forms.Form):
    version = forms.CharField(
        widget=forms.HiddenInput, required=False, error_messages={"required": STALE_FORM, "invalid": STALE_FORM}
    )


# --- the register ----------------------------------------------------------------------------------

SUBJECT_FIELDS = services.SUBJECT_FIELDS


class SubjectForm(BootstrapMixin, VersionMixin, forms.Form):
    """Registration of a subject handed over by the deciding organ, and (without the place, worker
    and level) the edit form of the particulars."""

    org = OrgChoiceField(
        label=_("Village of residence"),
        queryset=OrgNode.objects.none(),
        help_text=_("The village or community where the subject lives; the judicial office if not yet known."),
    )
    name = forms.CharField(label=_("Full name"), max_length=50)
    gender = forms.ChoiceField(label=_("Sex"), choices=codes.Gender.choices)
    id_number = forms.CharField(label=_("ID number"), max_length=30)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False, validators=[validate_phone])
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    category = forms.ChoiceField(
        label=_("Corrections category"), choices=codes.Category.choices, initial=codes.Category.PROBATION
    )
    offence = forms.CharField(label=_("Offence"), max_length=100, help_text=_("For example: 危险驾驶罪"))
    sentence = forms.CharField(label=_("Sentence"), max_length=200, help_text=_("For example: 拘役三个月，缓刑六个月"))
    period_start = forms.DateField(label=_("Correction period from"), widget=DATE)
    period_end = forms.DateField(label=_("Correction period to"), widget=DATE)
    deciding_organ = forms.CharField(
        label=_("Deciding organ"), max_length=100, help_text=_("The court, prison or public-security organ.")
    )
    judgment_effective_on = forms.DateField(
        label=_("Judgment took effect on"),
        widget=DATE,
        help_text=_("The subject must report within 10 days of this date; later is 漏管."),
    )
    decision_number = forms.CharField(label=_("Judgment or decision number"), max_length=60, required=False)
    prohibition_order = forms.CharField(
        label=_("Prohibition order (禁止令)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Leave empty when the judgment has none."),
    )
    worker = _ListChoiceField(
        label=_("Corrections social worker"),
        required=False,
        empty_label=_("Assign automatically: the least-loaded worker"),
        help_text=_(
            "In brackets: subjects each worker already carries. Left empty, the worker with the fewest "
            "subjects is assigned (one worker per 15 subjects is the standard)."
        ),
    )
    level = LevelChoiceField(
        label=_("Supervision level"),
        queryset=SupervisionLevel.objects.none(),
        required=False,
        empty_label=_("The usual starting level"),
    )

    def __init__(self, *args, actor, subject: Subject | None = None, sensitive: bool = True, **kwargs):
        if subject is not None:
            initial = {f: getattr(subject, f) for f in SUBJECT_FIELDS}
            initial["version"] = version_of(subject)
            kwargs["initial"] = {**initial, **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)
        self.subject = subject
        if subject is None:
            places = places_for(actor, Module.CORRECTIONS, Action.CREATE)
            self.fields["org"].queryset = places
            offices = {o.office_id for o in places if o.kind == OrgKind.TOWN}
            self.fields["worker"].set_objects(workers_with_load(offices))
            self.fields["level"].queryset = SupervisionLevel.objects.filter(active=True).order_by("rank")
            del self.fields["version"]
        else:
            for name in ("org", "worker", "level"):
                del self.fields[name]
            if sensitive:
                self.fields["id_number"].help_text = _("Shown in full only here, to those who may edit the file.")
            else:
                # Without the right to see them, the ID number and phone are neither shown nor changed
                # here (the service keeps the values it has).
                del self.fields["id_number"]
                del self.fields["phone"]

    SECTIONS = [
        (_("The person"), ["org", "name", "gender", "id_number", "phone", "address"]),
        (
            _("The judgment"),
            [
                "category",
                "offence",
                "sentence",
                "period_start",
                "period_end",
                "deciding_organ",
                "judgment_effective_on",
                "decision_number",
                "prohibition_order",
            ],
        ),
        (_("Supervision"), ["worker", "level"]),
    ]

    def sections(self):
        """The visible fields in the form's sections (those the form has), for the page."""
        out = []
        for label, names in self.SECTIONS:
            fields = [self[name] for name in names if name in self.fields]
            if fields:
                out.append((label, fields))
        return out

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("The correction period cannot end before it starts."))
        worker, org = data.get("worker"), data.get("org")
        if worker is not None and org is not None and worker.office_id != org.office_id:
            self.add_error("worker", _("Choose a social worker of the office where the subject lives."))
        return data


# --- steps on a subject ----------------------------------------------------------------------------


class StepForm(BootstrapMixin, forms.Form):
    """Base of the small forms on the subject's page; `subject` and `actor` are kept for choices."""

    def __init__(self, *args, subject=None, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.subject = subject
        self.actor = actor


class IntakeForm(StepForm):
    reported_on = forms.DateField(label=_("Reported on"), widget=DATE, required=False)
    interview_on = forms.DateField(label=_("Intake interview on"), widget=DATE, required=False)
    education_on = forms.DateField(label=_("Intake education on"), widget=DATE, required=False)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reported_on"].initial = _today()
        self.fields["reported_on"].help_text = _("The day the subject reported to the office in person.")


class IntakeRecordForm(StepForm):
    interview_on = forms.DateField(label=_("Intake interview on"), widget=DATE, required=False)
    education_on = forms.DateField(label=_("Intake education on"), widget=DATE, required=False)


class WorkerForm(StepForm):
    worker = _ListChoiceField(label=_("Corrections social worker"), required=False, empty_label="---------")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["worker"].set_objects(workers_with_load([self.subject.office_id]))
        self.fields["worker"].help_text = _("In brackets: subjects each worker already carries.")


class TeamMemberForm(StepForm):
    role = forms.ChoiceField(label=_("Role in the team"), choices=codes.TeamRole.choices)
    name = forms.CharField(label=_("Full name"), max_length=50)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False, validators=[validate_phone])


class CoOffenderForm(StepForm):
    """The other subject is chosen from a search among the subjects the user may change."""

    other = forms.IntegerField(label=_("Co-offender"), required=False, widget=forms.HiddenInput)

    def clean_other(self):
        pk = self.cleaned_data.get("other")
        if not pk:
            raise forms.ValidationError(_("Search for the co-offender and choose them from the results."))
        other = Subject.objects.visible_to(self.actor, Action.CHANGE).filter(pk=pk).first()
        if other is None:
            raise forms.ValidationError(_("Choose a subject of your own unit."))
        return other


class CoOffenderUnlinkForm(StepForm):
    other = forms.TypedChoiceField(label=_("Co-offender"), coerce=int, choices=())
    reason = forms.CharField(label=_("Reason"), max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        linked = []
        if self.subject is not None:
            from fengqiao.corrections.selectors import co_offenders_of

            linked = co_offenders_of(self.actor, self.subject)
        self.linked = {s.pk: s for s in linked}
        self.fields["other"].choices = [(s.pk, s.name) for s in linked]
        # Nothing to unlink: the file does not offer the step.
        self.nothing_to_do = not linked

    def clean_other(self):
        found = self.linked.get(self.cleaned_data["other"])
        if found is None:
            raise forms.ValidationError(_("Choose one of the linked co-offenders."))
        return found


class LevelForm(StepForm):
    level = LevelChoiceField(label=_("New supervision level"), queryset=SupervisionLevel.objects.none())
    reason = forms.CharField(label=_("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))
    on = forms.DateField(label=_("Date"), widget=DATE, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        qs = SupervisionLevel.objects.filter(active=True).order_by("rank")
        if self.subject is not None:
            qs = qs.exclude(pk=self.subject.level_id)
        self.fields["level"].queryset = qs
        self.fields["on"].initial = _today()


class RewardForm(StepForm):
    kind = forms.ChoiceField(label=_("Reward or sanction"), choices=codes.RewardKind.choices)
    on = forms.DateField(label=_("Date"), widget=DATE, required=False)
    reason = forms.CharField(label=_("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))
    document_number = forms.CharField(label=_("Document number"), max_length=60, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = _today()
        self.fields["kind"].help_text = _(
            "A sanction moves the subject to the strictest level; a praise loosens the level by one step "
            "when no sanction was recorded in the previous 90 days."
        )


class ContactForm(StepForm):
    kind = forms.ChoiceField(label=_("Kind of contact"), choices=codes.ContactKind.choices)
    on = forms.DateField(label=_("Date"), widget=DATE, required=False)
    place = forms.CharField(label=_("Where it took place"), max_length=100, required=False)
    note = forms.CharField(label=_("Note"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = _today()


class ActivityForm(StepForm):
    kind = forms.ChoiceField(label=_("Kind of activity"), choices=codes.ActivityKind.choices)
    on = forms.DateField(label=_("Date"), widget=DATE, required=False)
    hours = forms.DecimalField(label=_("Number of hours"), max_digits=4, decimal_places=1, required=False)
    content = forms.CharField(label=_("Content"), max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = _today()


class LeaveForm(StepForm):
    destination = forms.CharField(label=_("Destination"), max_length=100)
    reason = forms.CharField(label=_("Reason"), max_length=300)
    start = forms.DateField(label=_("Leave from"), widget=DATE, required=False)
    end = forms.DateField(label=_("Leave to"), widget=DATE, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["end"].help_text = _("At most 30 days, and not past the end of the correction period.")


class ResidenceForm(StepForm):
    to_org = OrgChoiceField(label=_("New village of residence"), queryset=OrgNode.objects.none())
    on = forms.DateField(label=_("Moved on"), widget=DATE, required=False)
    address = forms.CharField(label=_("New address"), max_length=200, required=False)
    reason = forms.CharField(label=_("Reason"), max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        qs = OrgNode.objects.visible_to(self.actor).filter(is_active=True, kind__in=[OrgKind.TOWN, OrgKind.VILLAGE])
        if self.subject is not None:
            # A subject may move anywhere in the county: the receiving office takes the file over,
            # so its villages are offered even though they lie outside the actor's own scope.
            from fengqiao.corrections.selectors import residence_targets

            qs = residence_targets(self.subject).exclude(pk=self.subject.org_id)
        self.fields["to_org"].queryset = qs.order_by("path")
        self.fields["on"].initial = _today()
        self.fields["to_org"].help_text = _(
            "A move to a village of another office hands the whole file over to that office."
        )


class AtLargeForm(StepForm):
    since = forms.DateField(label=_("At large since"), widget=DATE, required=False)
    note = forms.CharField(label=_("Circumstances"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class FoundForm(StepForm):
    on = forms.DateField(label=_("Back under supervision on"), widget=DATE, required=False)
    note = forms.CharField(label=_("Circumstances"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = _today()


class EndForm(StepForm):
    kind = forms.ChoiceField(label=_("How corrections ends"), choices=codes.EndKind.choices)
    on = forms.DateField(label=_("Ended on"), widget=DATE, required=False)
    document_on = forms.DateField(label=_("Date of the document"), widget=DATE, required=False)
    document_number = forms.CharField(label=_("Document number"), max_length=60, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.subject is not None and self.subject.status != codes.Status.ACTIVE:
            # 解除 needs a subject under correction; a subject awaiting intake or at large can only be 终止.
            self.fields["kind"].choices = [
                (k, v) for k, v in codes.EndKind.choices if k in (codes.EndKind.REVOKED, codes.EndKind.DEATH)
            ]
        self.fields["kind"].help_text = _(
            "解除: the term expired or a pardon. 终止: revocation and committal, or death. Ending also ends "
            "any positioning measure and frees its devices."
        )
        self.fields["document_on"].help_text = _("The date of the release certificate or of the ruling.")


class MeasureForm(StepForm):
    """A request for electronic positioning under article 29 of the Community Corrections Law."""

    ground = forms.ChoiceField(
        label=_("Legal ground (article 29)"),
        choices=codes.Ground.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    facts = forms.CharField(
        label=_("Facts supporting the ground"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    start = forms.DateField(label=_("Positioning from"), widget=DATE, required=False)
    end = forms.DateField(label=_("Positioning to"), widget=DATE, required=False)
    interval_seconds = forms.IntegerField(label=_("Fix interval (seconds)"), initial=60, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["start"].initial = _today()
        self.fields["end"].help_text = _("At most 3 months from the start.")
        self.fields["interval_seconds"].help_text = _("How often the device sends its position: 10 to 3600.")


class MeasureExtendForm(StepForm):
    reassessment = forms.CharField(
        label=_("Reassessment"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why positioning is still needed, after reassessing the subject."),
    )
    end = forms.DateField(label=_("Extend to"), widget=DATE, required=False)
    facts = forms.CharField(
        label=_("New facts"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Leave empty to keep the facts of the measure."),
    )


class MeasureEndForm(StepForm):
    on = forms.DateField(label=_("Ended on"), widget=DATE, required=False)
    reason = forms.CharField(label=_("Why positioning is no longer needed"), max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = _today()


class DecisionForm(BootstrapMixin, forms.Form):
    """Approve or refuse (a measure, a leave): the button pressed says which."""

    decision = forms.ChoiceField(
        choices=[("approve", _("Grant")), ("refuse", _("Do not grant"))], widget=forms.HiddenInput
    )
    note = forms.CharField(label=_("Note (required when refusing)"), max_length=300, required=False)

    def __init__(self, *args, subject=None, actor=None, **kwargs):
        super().__init__(*args, **kwargs)


class LeaveReturnForm(StepForm):
    returned_on = forms.DateField(label=_("Back on"), widget=DATE, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["returned_on"].initial = _today()


class NoteForm(StepForm):
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class ReasonForm(StepForm):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class DeviceBindForm(StepForm):
    device = forms.ModelChoiceField(
        label=_("Device"), queryset=Device.objects.none(), empty_label=_("Choose a free device")
    )

    def __init__(self, *args, measure: PositioningMeasure | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if measure is not None:
            today = _today()
            self.fields["device"].queryset = (
                Device.objects.visible_to(self.actor, Action.CHANGE)
                .filter(office_id=measure.office_id, retired=False)
                .exclude(
                    measure__status=codes.MeasureStatus.APPROVED,
                    measure__ended_on__isnull=True,
                    measure__end__gte=today,
                )
                .order_by("identifier")
            )


class DeviceForm(BootstrapMixin, forms.Form):
    org = OrgChoiceField(label=_("Judicial office"), queryset=OrgNode.objects.none())
    identifier = forms.CharField(
        label=_("Device identifier"), max_length=64, help_text=_("As the positioning gateway sends it.")
    )
    kind = forms.ChoiceField(label=_("Kind of device"), choices=codes.DeviceKind.choices)
    imei = forms.CharField(label=_("IMEI"), max_length=20, required=False)
    phone_number = forms.CharField(label=_("Phone number"), max_length=20, required=False)
    vendor = forms.CharField(label=_("Vendor"), max_length=60, required=False)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        offices = offices_for(actor, Action.CREATE)
        self.fields["org"].queryset = offices
        if actor.org.kind == OrgKind.TOWN:
            self.fields["org"].initial = actor.org_id


# --- fences ----------------------------------------------------------------------------------------

POINT_SPLIT = re.compile(r"[\s,，;；]+")


def parse_points(text: str) -> list[list[float]]:
    """Points from a textarea: one "longitude,latitude" per line, or a JSON list of [lon, lat] pairs
    (as GIS tools and map pickers copy them)."""
    text = (text or "").strip()
    if not text:
        raise forms.ValidationError(_("Enter the fence's corner points."))
    bad = forms.ValidationError(
        _("Write one point per line as longitude,latitude (e.g. 120.2812,31.9104), or paste a JSON list of pairs.")
    )
    if text.startswith("["):
        try:
            data = json.loads(text)
        except ValueError:
            raise bad from None
        if isinstance(data, list) and data and isinstance(data[0], list) and data[0] and isinstance(data[0][0], list):
            data = data[0]  # a GeoJSON polygon's outer ring
        try:
            return [[float(p[0]), float(p[1])] for p in data if len(p) == 2]
        except (TypeError, ValueError, KeyError, IndexError):
            raise bad from None
    points = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        parts = [p for p in POINT_SPLIT.split(line) if p]
        if len(parts) != 2:
            raise bad
        try:
            points.append([float(parts[0]), float(parts[1])])
        except ValueError:
            raise bad from None
    return points


def points_text(polygon) -> str:
    return "\n".join(f"{lon:.7f},{lat:.7f}".rstrip("0").rstrip(".") for lon, lat in polygon or [])


class FenceForm(StepForm):
    """A fence: the subject's own permitted area or a banned place, or (without a subject) the
    office's default permitted area."""

    org = OrgChoiceField(label=_("Judicial office"), queryset=OrgNode.objects.none(), required=False)
    kind = forms.ChoiceField(label=_("Kind of fence"), choices=codes.FenceKind.choices)
    name = forms.CharField(label=_("Name of the area"), max_length=100)
    points = forms.CharField(
        label=_("Corner points"),
        widget=forms.Textarea(
            attrs={
                "rows": 5,
                "class": "fq-mono",
                "placeholder": "120.2300,31.8600\n120.3300,31.8600\n120.3300,31.9600\n120.2300,31.9600",
            }
        ),
        help_text=_(
            "One point per line: longitude,latitude. At least three points; the ring is closed for you. "
            "A JSON list of [longitude, latitude] pairs also works."
        ),
    )
    datum = forms.ChoiceField(
        label=_("Coordinates read off"),
        choices=[
            (codes.Datum.WGS84, _("GPS or a device (WGS-84)")),
            (codes.Datum.GCJ02, _("A Chinese map: Gaode, Tencent (GCJ-02)")),
        ],
        initial=codes.Datum.WGS84,
        help_text=_("Points read off a Chinese map are converted to WGS-84 when saved."),
    )

    def __init__(self, *args, fence=None, office_default=False, **kwargs):
        if fence is not None:
            initial = {"kind": fence.kind, "name": fence.name, "points": points_text(fence.polygon)}
            kwargs["initial"] = {**initial, **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)
        self.fence = fence
        if office_default:
            self.fields["kind"].choices = [(codes.FenceKind.AREA, codes.FenceKind.AREA.label)]
            self.fields["kind"].widget = forms.HiddenInput()
            self.fields["kind"].initial = codes.FenceKind.AREA
            offices = offices_for(self.actor, Action.CREATE)
            self.fields["org"].queryset = offices
            self.fields["org"].required = True
            self.fields["name"].initial = _("County boundary")
            if self.actor.org.kind == OrgKind.TOWN:
                # An office redraws its own area: start from the one in force, if any.
                self.fields["org"].initial = self.actor.org_id
                current = (
                    Fence.objects.visible_to(self.actor, Action.CHANGE)
                    .filter(office_id=self.actor.org_id, subject__isnull=True, kind=codes.FenceKind.AREA, active=True)
                    .first()
                )
                if current is not None:
                    self.fields["name"].initial = current.name
                    self.fields["points"].initial = points_text(current.polygon)
        else:
            del self.fields["org"]
        if fence is not None:
            self.fields["kind"].widget = forms.HiddenInput()
            self.fields.pop("org", None)

    def clean_points(self):
        return parse_points(self.cleaned_data.get("points", ""))


# --- alerts ----------------------------------------------------------------------------------------


class AlertNoteForm(BootstrapMixin, forms.Form):
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args, alert=None, **kwargs):
        super().__init__(*args, **kwargs)


class AlertHandleForm(BootstrapMixin, forms.Form):
    action_taken = forms.CharField(label=_("Action taken"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    result = forms.CharField(label=_("Result"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, alert=None, **kwargs):
        super().__init__(*args, **kwargs)


# --- policy ----------------------------------------------------------------------------------------


class PolicyForm(BootstrapMixin, VersionMixin, forms.Form):
    def __init__(self, *args, current, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"] = {
            **{f: getattr(current, f) for f in services.POLICY_FIELDS},
            "version": version_of(current),
            **kwargs["initial"],
        }
        super().__init__(*args, **kwargs)
        for name in services.POLICY_FIELDS:
            model_field = type(current)._meta.get_field(name)
            low, high = services.POLICY_BOUNDS[name]
            self.fields[name] = forms.IntegerField(
                label=capfirst(model_field.verbose_name),
                help_text=model_field.help_text,
                min_value=low,
                max_value=high,
            )
            self.fields[name].widget.attrs["class"] = "form-control"
        # The hidden version goes last so the visible fields keep their order.
        self.order_fields([*services.POLICY_FIELDS, "version"])


class SupervisionLevelForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("Name of the level"), max_length=20)
    report_days = forms.IntegerField(label=_("Report every (days)"), min_value=1, max_value=365)
    visit_days = forms.IntegerField(label=_("Field visit every (days)"), min_value=1, max_value=365)
    lost_contact_days = forms.IntegerField(label=_("Days without contact before 脱管"), min_value=1, max_value=365)
