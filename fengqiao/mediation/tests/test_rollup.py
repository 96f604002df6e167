"""The monthly figures kept by the services equal those recomputed from the cases."""

import datetime

from django.utils import timezone

from fengqiao.mediation import codes, rollup, services
from fengqiao.mediation.models import Committee, DisputeMonthStat
from fengqiao.mediation.tests.test_services import register

TODAY = timezone.localdate()


def table():
    return {
        (r.office_id, r.month, r.stat_category, r.level): tuple(getattr(r, f) for f in rollup.COUNTERS)
        for r in DisputeMonthStat.objects.all()
        if any(getattr(r, f) for f in rollup.COUNTERS)
    }


def test_incremental_counters_match_a_rebuild(world):
    town = Committee.objects.create(org=world.office_a, name="甲镇调委会", committee_type="town")
    a = register(world, received_on=TODAY - datetime.timedelta(days=40), amount="5000")
    services.dispute_accept(actor=world.director_a, dispute=a)
    services.dispute_succeed(
        actor=world.director_a, dispute=a, form="written", terms="赔偿", signed_on=TODAY, amount="3000",
        prevented_criminal_persons=2,
    )  # fmt: skip
    b = register(world)
    services.dispute_reject(actor=world.director_a, dispute=b, reason="已起诉")
    c = register(world, event_type="0101")
    services.dispute_accept(actor=world.director_a, dispute=c)
    services.dispute_escalate(actor=world.director_a, dispute=c, committee=town, reason="复杂")
    services.session_add(actor=world.director_a, dispute=c, held_on=TODAY, place="镇调解室", record="记录")
    services.dispute_fail(actor=world.director_a, dispute=c, reason="分歧")
    services.dispute_reopen(actor=world.director_a, dispute=c, reason="当事人要求")
    services.dispute_succeed(actor=world.director_a, dispute=c, form="oral", terms="和解", signed_on=TODAY)
    d = register(world, actor=world.director_b, org=world.village_b1)
    services.dispute_update(
        actor=world.director_b, dispute=d, summary="改", description=d.description, event_type="0701", people_count=3
    )
    services.dispute_follow_up(
        actor=world.director_a, dispute=a, visited_on=TODAY, satisfaction="satisfied", performed=True
    )
    services.dispute_archive(actor=world.director_a, dispute=a)

    kept = table()
    rollup.rebuild()
    assert table() == kept
    month = TODAY.replace(day=1)
    row = DisputeMonthStat.objects.get(office=world.office_a, month=month, stat_category="01", level=codes.Level.TOWN)
    assert (row.received, row.succeeded, row.failed) == (1, 1, 0)  # the reopened failure no longer counts
    assert DisputeMonthStat.objects.filter(office=world.office_b, stat_category="10").get().received == 1
    assert not DisputeMonthStat.objects.filter(office=world.office_b, stat_category="02", received__gt=0).exists()


def test_dashboard_from_the_counters_matches_the_live_figures(world, client):
    from fengqiao.mediation import selectors

    for i in range(4):
        d = register(world, received_on=TODAY - datetime.timedelta(days=i * 20))
        services.dispute_accept(actor=world.director_a, dispute=d)
        if i % 2:
            services.dispute_succeed(actor=world.director_a, dispute=d, form="written", terms="t", signed_on=TODAY)
        else:
            services.dispute_terminate(actor=world.director_a, dispute=d, reason="撤回")
    date_from = (TODAY - datetime.timedelta(days=200)).replace(day=1)
    fast = selectors.dashboard_figures(world.city_admin, date_from=date_from, date_to=TODAY)
    assert fast["source"] == "monthly"
    live = selectors.dispute_metrics(world.city_admin, date_from=date_from, date_to=TODAY)
    assert fast["totals"]["received"] == live["totals"]["received"] == 4
    assert fast["totals"]["success_rate"] == live["totals"]["success_rate"] == 50.0
    assert sum(m["received"] for m in fast["trend"]) == 4
    # a village mediator's dashboard is computed from the cases
    village = selectors.dashboard_figures(world.mediator_a1, date_from=date_from, date_to=TODAY)
    assert village["source"] == "cases" and village["totals"]["received"] == 4
