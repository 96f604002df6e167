"""The indicator registry: the figures the construction standard's automatic items are judged by.

Each domain app declares its indicators in `<app>/indicators.py` with `@indicator(...)` on a
function `(office_ids, start, end) -> {office_id: value}` built on the app's own selectors, which
computes every office of the list in a fixed number of queries (a province has about 1,200
offices). An indicator may also name a `records` function `(office_id, start, end) -> QuerySet`
giving the rows its value counted, so that every value drills down to real records.

The registry is filled when the apps are ready (`autodiscover`, called by `AssessmentConfig`),
and a standard's item can only name an indicator that is registered.
"""

from __future__ import annotations

import datetime
import importlib
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.utils.functional import Promise

from .codes import Direction

Values = dict[int, float | int | None]


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str | Promise
    unit: str | Promise
    module: str
    direction: str
    threshold: float
    definition: str | Promise
    compute: Callable[[list[int], datetime.date, datetime.date], Values]
    records: Callable | None = None

    def values(self, office_ids: list[int], start: datetime.date, end: datetime.date) -> Values:
        found = self.compute(list(office_ids), start, end)
        return {office_id: found.get(office_id) for office_id in office_ids}


REGISTRY: dict[str, Indicator] = {}


def indicator(
    code: str,
    *,
    name,
    unit,
    module: str,
    direction: str = Direction.AT_LEAST,
    threshold: float,
    definition,
    records: Callable | None = None,
):
    """Declare an indicator; the decorated function computes it for a list of offices."""

    def register(fn):
        if code in REGISTRY and REGISTRY[code].compute is not fn:
            raise ValueError(f"indicator {code} is declared twice")
        REGISTRY[code] = Indicator(
            code=code,
            name=name,
            unit=unit,
            module=module,
            direction=direction,
            threshold=threshold,
            definition=definition,
            compute=fn,
            records=records,
        )
        return fn

    return register


def autodiscover():
    """Import every installed app's `indicators` module (once)."""
    for config in apps.get_app_configs():
        if not config.name.startswith("fengqiao."):
            continue
        try:
            importlib.import_module(f"{config.name}.indicators")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.indicators":
                raise


def get(code: str) -> Indicator | None:
    return REGISTRY.get(code)


def rate(part: int, whole: int) -> float | None:
    """A percentage with one decimal, or None when there is nothing to measure."""
    return round(100 * part / whole, 1) if whole else None
