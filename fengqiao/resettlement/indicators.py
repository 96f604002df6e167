"""Indicators of resettlement for the construction standard (item 17: one resettlement social
worker per 50 released persons in assistance)."""

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from fengqiao.assessment.codes import Direction
from fengqiao.assessment.indicators import indicator
from fengqiao.core.permissions import Module, Role
from fengqiao.corrections import policy
from fengqiao.corrections.indicators import shortfall, worker_records, workers_by_office

from . import codes
from .models import ReleasedPerson


@indicator(
    "resettlement.worker_shortfall",
    name=_("Resettlement social workers missing (1:50)"),
    unit=_("persons"),
    module=Module.RESETTLEMENT,
    direction=Direction.AT_MOST,
    threshold=0,
    definition=_(
        "Resettlement social workers the office lacks today: released persons in assistance divided by the "
        "configured ratio (50 by default), rounded up, less the active workers."
    ),
    records=worker_records(Role.RESETTLEMENT_WORKER),
)
def resettlement_shortfall(office_ids, start, end):
    people = dict(
        ReleasedPerson.objects.filter(office_id__in=office_ids, status=codes.Status.ACTIVE)
        .values_list("office_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    workers = workers_by_office(office_ids, Role.RESETTLEMENT_WORKER)
    return shortfall(office_ids, people, workers, max(1, policy.resettlement_ratio()))
