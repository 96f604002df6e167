"""Remind overdue rectifications now, or (--schedule) queue the daily run on the task worker, which
then queues each next one itself (`fengqiao serve` does this at start)."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Remind overdue rectifications now, or queue the daily reminder run on the task worker"

    def add_arguments(self, parser):
        parser.add_argument("--schedule", action="store_true", help="Queue the daily run instead of running now")

    def handle(self, *args, schedule=False, **options):
        from fengqiao.assessment import services, tasks

        if schedule:
            result = tasks.schedule_reminders()
            self.stdout.write("queued" if result is not None else "already queued or not deferrable")
            return
        self.stdout.write(f"reminded {services.tasks_remind()}")
