from django import forms
from django.utils.translation import gettext_lazy as _

from fengqiao.core.forms import BootstrapMixin, OrgChoiceField

from .models import ALLOWED_CHILDREN, OrgKind, OrgNode
from .services import EDITABLE_FIELDS


class OrgForm(BootstrapMixin, forms.ModelForm):
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = OrgNode
        fields = EDITABLE_FIELDS


class OrgCreateForm(OrgForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=[])

    class Meta(OrgForm.Meta):
        fields = ["kind", *EDITABLE_FIELDS]

    def __init__(self, *args, parent: OrgNode, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["version"]
        allowed = ALLOWED_CHILDREN[OrgKind(parent.kind)]
        self.fields["kind"].choices = [(k.value, k.label) for k in OrgKind if k in allowed]

    def validate_unique(self):
        # Uniqueness under the parent is checked by the service, which knows the parent.
        pass


class OrgMoveForm(BootstrapMixin, forms.Form):
    new_parent = OrgChoiceField(label=_("New parent unit"), queryset=OrgNode.objects.none())

    def __init__(self, *args, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_parent"].queryset = targets
