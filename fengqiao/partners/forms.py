from django import forms
from django.utils.translation import gettext_lazy as _

from fengqiao.core.forms import BootstrapMixin


class WebhookForm(BootstrapMixin, forms.Form):
    url = forms.CharField(
        label=_("Webhook URL"),
        max_length=500,
        help_text=_("The partner's address that receives a signed POST when a case it referred concludes."),
        widget=forms.URLInput(attrs={"placeholder": "https://", "autocomplete": "off"}),
    )
    is_active = forms.BooleanField(label=_("Send notifications"), required=False, initial=True)
