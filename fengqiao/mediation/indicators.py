"""Indicators of people's mediation for the construction standard (items 8 and 10)."""

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from fengqiao.assessment.codes import Direction
from fengqiao.assessment.indicators import indicator, rate
from fengqiao.core.permissions import Module

from . import codes
from .models import Committee, Dispute, MajorIncident

CONCLUDED = [codes.Outcome.SUCCEEDED, codes.Outcome.FAILED, codes.Outcome.TERMINATED]


def concluded_records(office_id, start, end):
    return Dispute.objects.filter(
        office_id=office_id, concluded_on__gte=start, concluded_on__lte=end, outcome__in=CONCLUDED
    ).order_by("-concluded_on", "-id")


@indicator(
    "mediation.success_rate",
    name=_("Mediation success rate"),
    unit="%",
    module=Module.MEDIATION,
    threshold=98,
    definition=_(
        "Cases concluded in the period with a successful mediation, over all cases whose mediation ended in it "
        "(succeeded, failed or terminated; a case not accepted was never mediated)."
    ),
    records=concluded_records,
)
def success_rate(office_ids, start, end):
    rows = (
        Dispute.objects.filter(
            office_id__in=office_ids, concluded_on__gte=start, concluded_on__lte=end, outcome__in=CONCLUDED
        )
        .values("office_id")
        .annotate(n=Count("id"), ok=Count("id", filter=Q(outcome=codes.Outcome.SUCCEEDED)))
        .order_by()
    )
    return {r["office_id"]: rate(r["ok"], r["n"]) for r in rows}


def incident_records(office_id, start, end):
    return MajorIncident.objects.filter(
        office_id=office_id, occurred_on__gte=start, occurred_on__lte=end, caused_by_mediation=True
    ).order_by("-occurred_on", "-id")


@indicator(
    "mediation.incidents_caused",
    name=_("Major mass incidents caused by mediation"),
    unit=_("incidents"),
    module=Module.MEDIATION,
    direction=Direction.AT_MOST,
    threshold=0,
    definition=_("Major mass incidents of the period found to have been caused by improper or late mediation."),
    records=incident_records,
)
def incidents_caused(office_ids, start, end):
    counts = dict(
        MajorIncident.objects.filter(
            office_id__in=office_ids, occurred_on__gte=start, occurred_on__lte=end, caused_by_mediation=True
        )
        .values_list("office_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {office_id: counts.get(office_id, 0) for office_id in office_ids}


def _committees(office_ids):
    full_time = Count("mediators", filter=Q(mediators__full_time=True, mediators__is_active=True), distinct=True)
    return Committee.objects.filter(
        office_id__in=office_ids, is_active=True, committee_type__in=list(codes.FULL_TIME_NORM)
    ).annotate(full_time=full_time)


def short_committee_records(office_id, start, end):
    short = Q()
    for committee_type, norm in codes.FULL_TIME_NORM.items():
        short |= Q(committee_type=committee_type, full_time__lt=norm)
    return _committees([office_id]).filter(short).order_by("name", "id")


@indicator(
    "mediation.fulltime_shortfall",
    name=_("Full-time mediators missing"),
    unit=_("persons"),
    module=Module.MEDIATION,
    direction=Direction.AT_MOST,
    threshold=0,
    definition=_(
        "Full-time mediators the office's committees lack today against the norm of their type: 3 for a "
        "professional or industry committee, 2 for a town committee, 1 for a village committee."
    ),
    records=short_committee_records,
)
def fulltime_shortfall(office_ids, start, end):
    out = dict.fromkeys(office_ids, 0)
    for office_id, committee_type, full_time in _committees(office_ids).values_list(
        "office_id", "committee_type", "full_time"
    ):
        out[office_id] += max(0, codes.FULL_TIME_NORM[committee_type] - full_time)
    return out
