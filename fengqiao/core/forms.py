from django import forms
from django.utils.translation import gettext_lazy as _

from fengqiao.orgs.models import OrgNode

from .models import GRANTABLE_TOKEN_ACTIONS
from .permissions import Action, Module


class BootstrapMixin:
    """Gives every widget Bootstrap's classes (and marks invalid fields) so templates stay plain."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect | forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            # Errors are marked in full_clean(): reading self.errors here would validate the form
            # before subclasses have set their choices and querysets.
            widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                w = self.fields[name].widget
                if "is-invalid" not in w.attrs.get("class", ""):
                    w.attrs["class"] = (w.attrs.get("class", "") + " is-invalid").strip()

    def add_error(self, field, error):
        super().add_error(field, error)
        if field in self.fields:
            w = self.fields[field].widget
            if "is-invalid" not in w.attrs.get("class", ""):
                w.attrs["class"] = (w.attrs.get("class", "") + " is-invalid").strip()


class OrgChoiceField(forms.ModelChoiceField):
    """Units as staff name them: the office (澄江司法所) rather than the town (澄江街道)."""

    def label_from_instance(self, obj):
        return obj.display_name


class OrgMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


def grant_label(grant: str) -> str:
    module, action = grant.split(".", 1)
    return f"{Module(module).label} · {Action(action).label}"


class ApiTokenForm(BootstrapMixin, forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("The partner system or gateway that will use it.")
    )
    org = OrgChoiceField(
        label=_("Organisation scope"),
        queryset=OrgNode.objects.none(),
        help_text=_("The token sees this unit and everything under it."),
    )
    grants = forms.MultipleChoiceField(label=_("Permitted actions"), widget=forms.CheckboxSelectMultiple, choices=[])
    expires_at = forms.DateTimeField(
        label=_("Expires at"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = (
            OrgNode.objects.visible_to(user, Action.CREATE).exclude(kind="village").filter(is_active=True)
        )
        self.fields["grants"].choices = [(g, grant_label(g)) for g in GRANTABLE_TOKEN_ACTIONS]


def places_for(actor, module: str, action: str, *, office=None):
    """Towns and villages where `actor` may keep a module's records (its scope for `action`). A
    bureau picks an office first: the villages of a whole city or province are too many to list."""
    from django.db.models import Q

    from fengqiao.core.scoping import subtree_q
    from fengqiao.orgs.models import OrgKind

    nodes = actor.scope_nodes_for(module, action)
    within = Q(pk__in=[])
    for node in nodes:
        within |= subtree_q(node.path)
    qs = OrgNode.objects.filter(within, is_active=True, kind__in=[OrgKind.TOWN, OrgKind.VILLAGE])
    if office is not None:
        return qs.filter(subtree_q(office.path)).order_by("path")
    if any(n.is_bureau for n in nodes):
        qs = qs.filter(kind=OrgKind.TOWN)
    return qs.order_by("path")
