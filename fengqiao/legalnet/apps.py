from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LegalNetConfig(AppConfig):
    name = "fengqiao.legalnet"
    label = "legalnet"
    verbose_name = _("Service points and village legal advisors")
