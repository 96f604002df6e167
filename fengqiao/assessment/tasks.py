"""Background work of the construction standard, run by the task worker (`fengqiao worker`): the
daily reminder of overdue rectifications, which queues its own next run."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django_tasks import task

REMIND_AT = datetime.time(8, 0)


@task()
def remind_overdue_rectifications() -> int:
    """Note a reminder on every overdue rectification, then queue tomorrow's run."""
    from . import services

    count = services.tasks_remind()
    schedule_reminders()
    return count


def next_run(now: datetime.datetime | None = None) -> datetime.datetime:
    now = timezone.localtime(now or timezone.now())
    when = now.replace(hour=REMIND_AT.hour, minute=REMIND_AT.minute, second=0, microsecond=0)
    return when if when > now else when + datetime.timedelta(days=1)


def schedule_reminders(now=None):
    """Queue the next daily run unless one is waiting already (so `fengqiao serve` may call this on
    every start). A backend that cannot defer (the tests' immediate backend) is left alone."""
    backend = remind_overdue_rectifications.get_backend()
    if not backend.supports_defer:
        return None
    from django_tasks_db.models import DBTaskResult

    path = remind_overdue_rectifications.module_path
    if DBTaskResult.objects.filter(task_path=path, status="READY").exists():
        return None
    return remind_overdue_rectifications.using(run_after=next_run(now)).enqueue()
