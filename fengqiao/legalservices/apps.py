from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LegalServicesConfig(AppConfig):
    name = "fengqiao.legalservices"
    label = "legalservices"
    verbose_name = _("Public legal services")
