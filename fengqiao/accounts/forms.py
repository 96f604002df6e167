from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from fengqiao.core.forms import BootstrapMixin
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
    version = forms.CharField(widget=forms.HiddenInput, required=False)
    full_name = forms.CharField(label=_("Full name"), max_length=50)
    title = forms.CharField(label=_("Post"), max_length=50, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False, validators=[validate_phone])
    id_number = forms.CharField(label=_("ID number"), max_length=18, required=False, validators=[validate_id_number])
    email = forms.EmailField(label=_("Email"), required=False)
    org = forms.ModelChoiceField(label=_("Organisation"), queryset=OrgNode.objects.none())
    roles = forms.MultipleChoiceField(label=_("Roles"), widget=forms.CheckboxSelectMultiple, choices=[])
    served_villages = forms.ModelMultipleChoiceField(
        label=_("Villages served (legal advisors)"),
        queryset=OrgNode.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )

    def __init__(self, *args, actor, subject=None, **kwargs):
        super().__init__(*args, **kwargs)
        if subject is not None:
            self.fields["id_number"].help_text = (
                _("On file: %(masked)s. Leave empty to keep it; type a new number to replace it.")
                % {"masked": mask_id_number(subject.id_number)}
                if subject.id_number
                else _("None on file.")
            )
            self.fields["roles"].required = False
        if subject is not None and subject.pk == actor.pk:
            # Nobody changes their own roles or unit; another administrator does.
            del self.fields["roles"]
            del self.fields["org"]
        if "org" in self.fields:
            self.fields["org"].queryset = OrgNode.objects.visible_to(actor, Action.VIEW).filter(is_active=True)
            self.fields["roles"].choices = [(r, Role(r).label) for r in grantable_roles(actor)]
        self.fields["served_villages"].queryset = OrgNode.objects.visible_to(actor, Action.VIEW).filter(
            kind=OrgKind.VILLAGE, is_active=True
        )


class UserCreateForm(UserProfileForm):
    username = forms.CharField(label=_("User name"), max_length=150, help_text=_("Letters, digits and @/./+/-/_ only."))
    password = forms.CharField(
        label=_("Initial password"),
        strip=False,
        widget=forms.PasswordInput,
        help_text=_("The user must change it at first sign-in."),
    )

    field_order = [
        "username",
        "full_name",
        "org",
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
