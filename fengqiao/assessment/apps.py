from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    name = "fengqiao.assessment"
    label = "assessment"
    verbose_name = _("Construction standard")

    def ready(self):
        from . import indicators

        indicators.autodiscover()
