"""Indicators of community corrections and resettlement staffing for the construction standard
(items 16 and 17), built on the module's metrics selectors."""

import math

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from fengqiao.assessment.codes import Direction
from fengqiao.assessment.indicators import _memo, indicator, rate
from fengqiao.core.permissions import Module, Role

from . import codes, policy, selectors
from .models import PositioningMeasure, Subject


def _shared(name, fn, office_ids, start, end):
    # Within one scorecard computation the 漏管, 脱管 and 在逃 indicators share one reading of the
    # register, and coverage and success one reading of the positioning data.
    memo = _memo.get()
    key = ("corrections", name, tuple(office_ids), start, end)
    if memo is not None and key in memo:
        return memo[key]
    found = fn(Subject.objects.filter(office_id__in=office_ids), start, end)
    if memo is not None:
        memo[key] = found
    return found


def _register(office_ids, start, end):
    return _shared("register", selectors.register_by_office, office_ids, start, end)


def _positioning(office_ids, start, end):
    return _shared("positioning", selectors.positioning_by_office, office_ids, start, end)


def _count(key):
    def compute(office_ids, start, end):
        found = _register(office_ids, start, end)
        return {office_id: found.get(office_id, {}).get(key, 0) for office_id in office_ids}

    return compute


def _subjects(office_id):
    return Subject.objects.filter(office_id=office_id).order_by("name", "id")


indicator(
    "corrections.missed_intake",
    name=_("Subjects not taken in (漏管)"),
    unit=_("persons"),
    module=Module.CORRECTIONS,
    direction=Direction.AT_MOST,
    threshold=0,
    definition=_("Subjects whose deadline to report fell in the period and who reported late or have not reported."),
    records=lambda office_id, start, end: _subjects(office_id).filter(selectors.missed_intake_q(start, end)),
)(_count("missed_intake"))

indicator(
    "corrections.lost_contact",
    name=_("Subjects out of contact (脱管)"),
    unit=_("persons"),
    module=Module.CORRECTIONS,
    direction=Direction.AT_MOST,
    threshold=0,
    definition=_("Subjects with an out-of-contact or not-back-from-leave alert raised in the period."),
    records=lambda office_id, start, end: selectors.lost_contact_subjects(_subjects(office_id), start, end),
)(_count("lost_contact"))

indicator(
    "corrections.at_large",
    name=_("Subjects at large (在逃)"),
    unit=_("persons"),
    module=Module.CORRECTIONS,
    direction=Direction.AT_MOST,
    threshold=0,
    definition=_("Subjects whose status is at large today."),
    records=lambda office_id, start, end: _subjects(office_id).filter(status=codes.Status.AT_LARGE),
)(_count("at_large"))


def _measures(office_id, start, end):
    return PositioningMeasure.objects.filter(
        office_id=office_id, status=codes.MeasureStatus.APPROVED, start__lte=end, end__gte=start
    ).order_by("-start", "-id")


@indicator(
    "corrections.positioning_coverage",
    name=_("Electronic positioning coverage"),
    unit="%",
    module=Module.CORRECTIONS,
    threshold=98,
    definition=_(
        "Subjects under a positioning measure in force whose bound device reported within the signal-loss "
        "window, over the subjects under a measure in force (at the end of the period)."
    ),
    records=_measures,
)
def positioning_coverage(office_ids, start, end):
    found = _positioning(office_ids, start, end)
    return {o: rate(found[o].get("covered", 0), found[o].get("measures", 0)) for o in office_ids if o in found}


@indicator(
    "corrections.positioning_success",
    name=_("Electronic positioning success"),
    unit="%",
    module=Module.CORRECTIONS,
    threshold=98,
    definition=_(
        "Valid fixes received over the fixes the measures' reporting intervals call for, over the time each "
        "lawful measure was in force within the period."
    ),
    records=_measures,
)
def positioning_success(office_ids, start, end):
    found = _positioning(office_ids, start, end)
    return {o: rate(found[o].get("received", 0), found[o].get("expected", 0)) for o in office_ids if o in found}


def workers_by_office(office_ids, role):
    from fengqiao.accounts.models import User

    return dict(
        User.objects.filter(office_id__in=office_ids, is_active=True, roles__role=role)
        .values_list("office_id")
        .annotate(n=Count("id", distinct=True))
        .order_by()
    )


def shortfall(office_ids, people: dict, workers: dict, ratio: int) -> dict:
    return {o: max(0, math.ceil(people.get(o, 0) / ratio) - workers.get(o, 0)) for o in office_ids}


def worker_records(role):
    def records(office_id, start, end):
        from fengqiao.accounts.models import User

        return User.objects.filter(office_id=office_id, is_active=True, roles__role=role).distinct().order_by("pk")

    return records


@indicator(
    "corrections.worker_shortfall",
    name=_("Corrections social workers missing (1:15)"),
    unit=_("persons"),
    module=Module.CORRECTIONS,
    direction=Direction.AT_MOST,
    threshold=0,
    definition=_(
        "Corrections social workers the office lacks today: subjects under correction divided by the "
        "configured ratio (15 by default), rounded up, less the active workers."
    ),
    records=worker_records(Role.CORRECTIONS_WORKER),
)
def corrections_shortfall(office_ids, start, end):
    people = dict(
        Subject.objects.filter(office_id__in=office_ids, status__in=codes.OPEN_STATUSES)
        .values_list("office_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    workers = workers_by_office(office_ids, Role.CORRECTIONS_WORKER)
    return shortfall(office_ids, people, workers, max(1, policy.corrections_ratio()))
