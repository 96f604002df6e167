"""Run the corrections sweeps (漏管, 脱管, 信号中断, escalation, measure roll-over, retention) once, or
every N seconds with --every (what `fengqiao serve` starts next to the task worker)."""

import json
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from fengqiao.corrections import sweeps


class Command(BaseCommand):
    help = "Run the community-corrections sweeps once, or every N seconds"

    def add_arguments(self, parser):
        parser.add_argument("--every", type=int, default=0, help="Repeat every N seconds (0: run once)")

    def handle(self, *args, every=0, **options):
        while True:
            close_old_connections()
            result = sweeps.run_all()
            # Every run when asked once; only runs that did something when repeating (a quiet log).
            if not every or any(v for v in [*result["register"].values(), *list(result.values())[1:]]):
                self.stdout.write(json.dumps(result, ensure_ascii=False))
            if not every:
                return
            time.sleep(every)
