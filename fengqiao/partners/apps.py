from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    name = "fengqiao.partners"
    label = "partners"
    verbose_name = _("Partner systems")

    def ready(self):
        # Mediation knows nothing of partners: they follow its cases through its signal.
        from fengqiao.mediation.signals import dispute_moved

        from . import webhooks

        dispute_moved.connect(webhooks.on_dispute_moved, dispatch_uid="partners.webhooks.on_dispute_moved")
