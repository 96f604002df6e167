"""The demo seeder: five points for most offices, the deliberate gaps, the assignment history and a
year of work logs consistent with what the services would have written; the figures show the gaps."""

import datetime
import random
import time

from django.db.models import F, Q

from fengqiao.core.demo import SeedContext
from fengqiao.legalnet import codes, demo, selectors
from fengqiao.legalnet.models import AdvisorAssignment, PointStaff, ServicePoint, WorkLog


def _city_ctx():
    from fengqiao.accounts import demo as accounts_demo
    from fengqiao.orgs import demo as orgs_demo

    ctx = SeedContext(scale="city", rng=random.Random(2019))
    orgs_demo.seed(ctx)
    accounts_demo.seed(ctx)
    return ctx


def test_demo_city(db):
    ctx = _city_ctx()
    started = time.monotonic()
    demo.seed(ctx)
    assert time.monotonic() - started < 15
    today = ctx.now.date()
    # the tenant key follows the org everywhere, nothing is dated after today
    for model in (ServicePoint, PointStaff, AdvisorAssignment, WorkLog):
        assert not model.objects.exclude(office_id=F("org__office_id")).exists(), model
    assert not WorkLog.objects.filter(date__gt=today).exists()
    assert not PointStaff.objects.filter(since__lt=F("point__opened_on")).exists()
    assert not PointStaff.objects.filter(until__lt=F("since")).exists()
    assert not ServicePoint.objects.filter(closed_on__lt=F("opened_on")).exists()
    # logs only where the advisor serves, one per advisor, village and day
    from fengqiao.accounts.models import User

    through = User.served_villages.through
    pairs = set(through.objects.values_list("user_id", "orgnode_id"))
    assert set(WorkLog.objects.values_list("advisor_id", "org_id").distinct()) <= pairs
    assert not WorkLog.objects.filter(duty_days=0, consultations=0, lectures=0, contract_reviews=0, disputes=0).exists()
    assert WorkLog.objects.count() > 3000
    assert AdvisorAssignment.objects.filter(ended_on__isnull=True).count() == len(pairs)
    # realistic partner bodies
    assert ServicePoint.objects.filter(partner="江阴市公证处").exists()
    assert ServicePoint.objects.filter(partner="无锡仲裁委员会").exists()

    figures = selectors.office_figures(None, today - datetime.timedelta(days=90), today)
    assert len(figures) == 16
    complete = [f for f in figures.values() if f["service_points_complete"]]
    assert 10 <= len(complete) <= 14
    assert any(f["service_points_present"] == 4 for f in figures.values())
    assert any(f["service_points_present"] == 5 and f["service_points_staffed"] == 4 for f in figures.values())
    uncovered = [f for f in figures.values() if f["villages_without_active_advisor"]]
    assert 1 <= len(uncovered) <= 4
    assert all(f["advisor_coverage"] is not None for f in figures.values())
    assert sum(f["advisor_consultations"] for f in figures.values()) > 500
    assert sum(f["advisor_lectures"] for f in figures.values()) > 0
    # the gaps page agrees
    admin = ctx.city.members.get(username="admin")
    gaps = selectors.gaps(admin)
    assert gaps["totals"]["offices"] == 16 and gaps["totals"]["missing"] == 2 and gaps["totals"]["unstaffed"] == 1
    assert ServicePoint.objects.filter(status=codes.PointStatus.CLOSED).exists()


def test_demo_province_style_is_cheap(world):
    ctx = SeedContext(scale="province", rng=random.Random(7))
    ctx.offices = [world.office_a, world.office_b]
    ctx.villages_by_office = {world.office_a.pk: [world.village_a1], world.office_b.pk: [world.village_b1]}
    demo.seed(ctx)
    for office in (world.office_a, world.office_b):
        assert ServicePoint.objects.filter(office=office, status="open").count() == 5
        assert PointStaff.objects.filter(office=office).count() == 5
    # world.advisor_a serves two villages of office A: their logs are seeded
    assert WorkLog.objects.filter(advisor=world.advisor_a).exists()
    assert not WorkLog.objects.filter(
        ~Q(org__in=[world.village_a1, world.village_a2]), advisor=world.advisor_a
    ).exists()
