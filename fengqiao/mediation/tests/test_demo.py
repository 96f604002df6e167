"""The demo city's mediation data are consistent with what the services would have written."""

import datetime

from django.db.models import F
from django.utils import timezone

from fengqiao.core.demo import run_seed
from fengqiao.mediation import codes, selectors
from fengqiao.mediation.models import (
    Agreement,
    CaseCounter,
    CaseEvent,
    Committee,
    Dispute,
    JudicialConfirmation,
    MajorIncident,
    Referral,
    RiskFlag,
    ScreeningRound,
)


def test_demo_year_is_consistent(db):
    ctx = run_seed("city", disputes_per_year=800)
    disputes = Dispute.objects.all()
    # the bulk year plus the cases registered through the services to raise warnings
    assert 700 <= disputes.count() <= 850
    # every succeeded outcome has its agreement; nothing open has an outcome
    succeeded = disputes.filter(outcome=codes.Outcome.SUCCEEDED)
    assert Agreement.objects.filter(dispute__in=succeeded).count() == succeeded.count()
    assert not disputes.filter(status__in=codes.OPEN_STATUSES).exclude(outcome="").exists()
    assert not disputes.filter(status=codes.Status.SUCCEEDED).exclude(outcome=codes.Outcome.SUCCEEDED).exists()
    assert not disputes.filter(outcome=codes.Outcome.REJECTED, accepted_on__isnull=False).exists()
    assert not disputes.filter(concluded_on__lt=F("accepted_on")).exists()
    assert not disputes.filter(prevented_criminal=True).exclude(outcome=codes.Outcome.SUCCEEDED).exists()
    assert not disputes.filter(concluded_on__isnull=False, days_to_conclude__isnull=True).exists()
    # timelines end where the case is, in time order
    for d in disputes.order_by("?")[:50]:
        events = list(CaseEvent.objects.filter(dispute=d).order_by("at", "id"))
        assert events[0].transition == codes.Transition.REGISTER
        assert events[-1].to_status == d.status
        assert [e.at for e in events] == sorted(e.at for e in events)
    # counters continue after the seeded numbers
    for counter in CaseCounter.objects.all():
        top = disputes.filter(office_id=counter.office_id, year=counter.year).order_by("-seq").first()
        assert top.seq == counter.last
    # the figures look like the city's: success near 98%
    admin = ctx.city.members.get(username="admin")
    today = timezone.localdate()
    m = selectors.dispute_metrics(admin, date_from=today - datetime.timedelta(days=366), date_to=today)
    assert 95 <= m["totals"]["success_rate"] <= 100
    # a committee short of mediators shows up in the staffing check
    assert any(c.shortfall for c in selectors.committee_staffing(admin))
    assert Committee.objects.filter(committee_type=codes.CommitteeType.INDUSTRY).count() == 5

    # warnings of every kind and colour, raised by the rules; linkage and screening records
    flags = RiskFlag.objects.all()
    assert {f.kind for f in flags} == set(codes.RiskKind.values)
    assert flags.filter(level=codes.RiskLevel.RED).exists()
    assert not Dispute.objects.filter(risk_level__gt=0).exclude(flags__status="open").exists()
    assert not Referral.objects.exclude(dispute__outcome__in=["failed", "terminated", "rejected"]).exists()
    assert not Referral.objects.filter(referred_on__lt=F("dispute__concluded_on")).exists()
    assert not JudicialConfirmation.objects.filter(
        applied_on__gt=F("dispute__agreement__signed_on") + datetime.timedelta(days=30)
    ).exists()
    assert ScreeningRound.objects.count() >= 4 * len(ctx.offices)
    assert MajorIncident.objects.filter(caused_by_mediation=True).count() == 1
