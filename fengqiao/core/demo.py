"""The demo seeder: builds a deterministic synthetic city (or province) for demos and benchmarks.

Each app that has demo data provides `<app>/demo.py` with `seed(ctx)`; the seed command calls them
in INSTALLED_APPS order with one shared context, so later modules extend the demo city without
touching this file.
"""

from __future__ import annotations

import importlib
import random
from dataclasses import dataclass, field

from django.apps import apps
from django.db import transaction
from django.utils import timezone

from .validators import id_check_char

DEMO_PASSWORD = "Fengqiao@2026"  # noqa: S105 - printed to the operator on purpose: demo data only
# One login per role, in the order the seed command prints them.
DEMO_LOGINS = [
    "admin",
    "assessor",
    "leader",
    "bureau.head",
    "chengjiang.director",
    "chengjiang.staff",
    "chengjiang.mediator1",
    "chengjiang.corrections1",
    "chengjiang.resettlement1",
    "chengjiang.education1",
    "chengjiang.v1.mediator",
    "chengjiang.advisor1",
]


@dataclass
class SeedContext:
    scale: str
    rng: random.Random
    stdout: object = None
    root: object = None  # the top bureau node
    city: object = None  # the city whose offices get the full demo (Jiangyin)
    offices: list = field(default_factory=list)
    villages_by_office: dict = field(default_factory=dict)
    logins: list = field(default_factory=list)  # (role label, username, unit)
    now: object = field(default_factory=timezone.now)
    options: dict = field(default_factory=dict)  # e.g. {"disputes_per_year": 500} for a small demo

    def log(self, message):
        if self.stdout is not None:
            self.stdout.write(message)

    def fake_id_number(self, region="320281", year_from=1965, year_to=1998) -> str:
        y = self.rng.randint(year_from, year_to)
        m = self.rng.randint(1, 12)
        d = self.rng.randint(1, 28)
        body = f"{region}{y:04d}{m:02d}{d:02d}{self.rng.randint(0, 999):03d}"
        return body + id_check_char(body)

    def fake_phone(self) -> str:
        return f"1{self.rng.choice('3589')}{self.rng.randint(0, 9)}{self.rng.randint(0, 99999999):08d}"


def demo_modules():
    for config in apps.get_app_configs():
        if not config.name.startswith("fengqiao."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.demo":
                raise
            continue
        if hasattr(module, "seed"):
            yield config.label, module


def run_seed(scale: str, stdout=None, seed: int = 2019, **options) -> SeedContext:
    # One transaction: a failure half-way leaves an empty database, which the next run fills,
    # rather than half a city that `seed --if-empty` would then skip forever.
    with transaction.atomic():
        return _run_seed(scale, stdout, seed, options)


def _run_seed(scale, stdout, seed, options):
    ctx = SeedContext(scale=scale, rng=random.Random(seed), stdout=stdout, options=options)
    for label, module in demo_modules():
        ctx.log(f"seeding {label} …")
        module.seed(ctx)
    return ctx
