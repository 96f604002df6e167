from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.validators import ASCIIUsernameValidator
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fengqiao.core.forms import BootstrapMixin, OrgChoiceField, OrgMultipleChoiceField
from fengqiao.core.permissions import Action, Role, grantable_roles
from fengqiao.core.validators import mask_id_number, validate_id_number, validate_phone
from fengqiao.orgs.models import OrgKind, OrgNode


class LoginForm(BootstrapMixin, AuthenticationForm):
    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class OwnPasswordForm(BootstrapMixin, forms.Form):
    old_password = forms.CharField(
        label=_("Current password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    new_password1 = forms.CharField(
        label=_("New password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    new_password2 = forms.CharField(
        label=_("Repeat the new password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("new_password1") and data.get("new_password1") != data.get("new_password2"):
            self.add_error("new_password2", _("The two new passwords differ."))
        return data


class UserProfileForm(BootstrapMixin, forms.Form):
    """Profile, unit and roles of a user.

    The unit is chosen in two steps, a bureau or office and then (optionally) one of that office's
    villages, so that no page ever lists every village of a province; the village lists are
    reloaded by HTMX when the unit changes (see `VillageFieldsView`).
    """

    version = forms.CharField(widget=forms.HiddenInput, required=False)
    full_name = forms.CharField(label=_("Full name"), max_length=50)
    title = forms.CharField(label=_("Post"), max_length=50, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False, validators=[validate_phone])
    id_number = forms.CharField(label=_("ID number"), max_length=18, required=False, validators=[validate_id_number])
    email = forms.EmailField(label=_("Email"), required=False)
    unit = OrgChoiceField(label=_("Bureau or judicial office"), queryset=OrgNode.objects.none())
    village = OrgChoiceField(
        label=_("Village or community"),
        queryset=OrgNode.objects.none(),
        required=False,
        help_text=_("For village mediators and other village staff; leave empty for office staff."),
    )
    roles = forms.MultipleChoiceField(label=_("Roles"), widget=forms.CheckboxSelectMultiple, choices=[])
    served_villages = OrgMultipleChoiceField(
        label=_("Villages served (legal advisors)"),
        queryset=OrgNode.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )

    VILLAGE_FIELDS = ("village", "served_villages")

    def __init__(self, *args, actor, subject=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        visible = OrgNode.objects.visible_to(actor, Action.VIEW).filter(is_active=True)
        if subject is not None:
            self.fields["id_number"].help_text = (
                _("On file: %(masked)s. Leave empty to keep it; type a new number to replace it.")
                % {"masked": mask_id_number(subject.id_number)}
                if subject.id_number
                else _("None on file.")
            )
            self.fields["roles"].required = False
        self.editing_self = subject is not None and subject.pk == actor.pk
        if self.editing_self:
            # Nobody changes their own roles or unit; another administrator does.
            for name in ("roles", "unit", "village"):
                del self.fields[name]
            office = subject.office
        else:
            self.fields["unit"].queryset = visible.exclude(kind=OrgKind.VILLAGE)
            self.fields["roles"].choices = [(r, Role(r).label) for r in grantable_roles(actor)]
            office = self._chosen_unit()
            self.fields["unit"].widget.attrs.update(
                {
                    "hx-get": reverse("accounts:village_fields"),
                    "hx-target": "#village-fields",
                    "hx-trigger": "change",
                    "hx-include": "this",
                }
            )
        villages = (
            visible.filter(kind=OrgKind.VILLAGE, parent=office)
            if office is not None and office.kind == OrgKind.TOWN
            else OrgNode.objects.none()
        )
        if "village" in self.fields:
            self.fields["village"].queryset = villages
        self.fields["served_villages"].queryset = villages
        if office is None or office.kind != OrgKind.TOWN:
            self.fields["served_villages"].help_text = _("Choose a judicial office above to list its villages.")

    @property
    def village_anchor(self):
        """Where the village fields (reloaded together by HTMX) stand in the form."""
        return "village" if "village" in self.fields else "served_villages"

    def _chosen_unit(self):
        """The unit the form is about: the posted one, else the initial one, else none."""
        raw = self.data.get(self.add_prefix("unit")) if self.is_bound else self.initial.get("unit")
        if raw in (None, ""):
            return None
        if isinstance(raw, OrgNode):
            return raw
        try:
            return self.fields["unit"].queryset.filter(pk=int(raw)).first()
        except (TypeError, ValueError):
            return None

    def clean(self):
        data = super().clean()
        if "unit" in self.fields:
            data["org"] = data.get("village") or data.get("unit")
        return data

    @staticmethod
    def initial_for(user) -> dict:
        """Initial unit/village values for an existing user."""
        if user.org.kind == OrgKind.VILLAGE:
            return {"unit": user.org.parent_id, "village": user.org_id}
        return {"unit": user.org_id}


class UserCreateForm(UserProfileForm):
    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        help_text=_("Letters, digits and @/./+/-/_ only."),
        validators=[ASCIIUsernameValidator(message=_("Use only letters, digits and @ . + - _ (e.g. zhang.san)."))],
    )
    password = forms.CharField(
        label=_("Initial password"),
        strip=False,
        widget=forms.PasswordInput,
        help_text=_("The user must change it at first sign-in."),
    )

    field_order = [
        "username",
        "full_name",
        "unit",
        "village",
        "roles",
        "title",
        "phone",
        "id_number",
        "email",
        "served_villages",
        "password",
    ]


class ResetPasswordForm(BootstrapMixin, forms.Form):
    password = forms.CharField(label=_("New password"), strip=False, widget=forms.PasswordInput)
