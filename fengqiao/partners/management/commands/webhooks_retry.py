from django.core.management.base import BaseCommand
from django.utils.translation import gettext_lazy as _


class Command(BaseCommand):
    help = _(
        "Queue every pending webhook delivery whose attempt is due. Deliveries queue their own retries; "
        "this catches those whose task was lost (a worker killed mid-attempt). Safe to run from cron."
    )

    def handle(self, *args, **options):
        from fengqiao.partners.webhooks import retry_due

        count = retry_due()
        self.stdout.write(str(_("%(count)s due deliveries queued.") % {"count": count}))
