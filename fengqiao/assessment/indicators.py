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

import contextlib
import contextvars
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
    threshold: float | None
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
    threshold: float | None,
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


# One scorecard computation reads each module's figures once, however many of its figures the
# standard uses: the figures of a call are kept for the duration of `evaluation()`.
_memo: contextvars.ContextVar[dict | None] = contextvars.ContextVar("indicator_memo", default=None)


@contextlib.contextmanager
def evaluation():
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def register_figures(app: str, module: str, selectors_module):
    """Declare every figure of a module's `FIGURES` (its figures contract: `office_figures`,
    `figure_records`) as an indicator `<app>.<code>`. Rates (0..1) become percentages."""
    figures = selectors_module.FIGURES
    # A module may list its figures, or key them by code.
    as_dict = isinstance(figures, dict)
    for fig in ({"code": code, **_plain(fig)} for code, fig in figures.items()) if as_dict else figures:
        _register_figure(app, module, selectors_module, _plain(fig))


def _plain(fig) -> dict:
    import dataclasses

    return {f.name: getattr(fig, f.name) for f in dataclasses.fields(fig)} if dataclasses.is_dataclass(fig) else fig


def _register_figure(app, module, selectors_module, fig):
    code = fig["code"]
    unit = fig.get("unit")
    is_rate = isinstance(unit, str) and unit in ("rate", "ratio", "%")
    higher = fig.get("direction") in ("higher", "up", "min", "at_least", "ge", ">=", Direction.AT_LEAST, None)
    threshold = fig.get("threshold")
    if is_rate and threshold is not None and threshold <= 1:
        threshold = threshold * 100

    def compute(office_ids, start, end):
        memo = _memo.get()
        key = (app, tuple(office_ids), start, end)
        found = memo.get(key) if memo is not None else None
        if found is None:
            found = selectors_module.office_figures(list(office_ids), start, end)
            if memo is not None:
                memo[key] = found
        out = {}
        for office_id in office_ids:
            value = (found.get(office_id) or {}).get(code)
            if is_rate and value is not None:
                value = round(100 * value, 1)
            out[office_id] = value
        return out

    compute.__module__ = selectors_module.__name__.rsplit(".", 1)[0] + ".indicators"
    records = None
    if fig.get("records", fig.get("drill_down", True)) and hasattr(selectors_module, "figure_records"):

        def records(office_id, start, end):
            return selectors_module.figure_records(code, office_id, start, end)

    indicator(
        f"{app}.{code}",
        name=fig.get("name") or fig.get("label") or code,
        unit="%" if is_rate else ("" if unit == "flag" else (unit if unit and unit != "count" else _count_unit())),
        module=module,
        direction=Direction.AT_LEAST if higher else Direction.AT_MOST,
        threshold=threshold,
        definition=fig.get("description") or fig.get("definition") or fig.get("name") or code,
        records=records,
    )(compute)


def _count_unit():
    from django.utils.translation import gettext_lazy as _

    return _("count")
