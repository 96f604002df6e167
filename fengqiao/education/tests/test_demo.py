"""The demo seeder: a city's stations, staff, a year of activities and demonstration villages,
consistent with what the services would write, with the gaps showing in the figures; and a cheap
province-style run."""

import datetime
import random

from django.db.models import F

from fengqiao.core.demo import SeedContext
from fengqiao.education import codes, demo, selectors
from fengqiao.education.models import Activity, DemoVillage, Station, StationStaff, VillageEvent


def _city_ctx():
    from fengqiao.accounts import demo as accounts_demo
    from fengqiao.orgs import demo as orgs_demo

    ctx = SeedContext(scale="city", rng=random.Random(2019))
    orgs_demo.seed(ctx)
    accounts_demo.seed(ctx)
    return ctx


def test_demo_city(db):
    ctx = _city_ctx()
    demo.seed(ctx)
    today = ctx.now.date()
    start = today - datetime.timedelta(days=364)
    assert Station.objects.count() == len(ctx.offices) == 16
    figures = selectors.office_figures(None, start, today)
    assert len(figures) == 16
    assert all(f[selectors.F_STATION] == 1 for f in figures.values())
    # two or three offices without full-time staff, the rest with at least one
    without = [pk for pk, f in figures.items() if f[selectors.F_FULLTIME] < 1]
    assert 2 <= len(without) <= 3
    # a year of activities everywhere, some led by enforcing departments
    assert all(f[selectors.F_ACTIVITIES] >= 30 for f in figures.values())
    rates = [f[selectors.F_LED_RATE] for f in figures.values()]
    assert all(r is not None and 0.1 < r < 0.8 for r in rates)
    acts = Activity.objects.all()
    assert not acts.filter(date__gt=today).exists() and not acts.filter(date__lt=start).exists()
    assert not acts.exclude(office_id=F("org__office_id")).exists()
    assert acts.filter(form=codes.Form.CONSTITUTION_WEEK).exists()
    # staff: periods in order, users of their own office
    staff = StationStaff.objects.all()
    assert not staff.filter(end_on__lt=F("start_on")).exists()
    assert not staff.filter(user__isnull=False).exclude(user__office_id=F("office_id")).exists()
    # demonstration villages: designated at several levels, with a history matching the status
    designated = sum(f[selectors.F_DESIGNATED] for f in figures.values())
    assert designated >= 20
    levels = set(DemoVillage.objects.filter(status=codes.VillageStatus.DESIGNATED).values_list("level", flat=True))
    assert {codes.Level.COUNTY, codes.Level.CITY} <= levels
    assert DemoVillage.objects.filter(status=codes.VillageStatus.CANDIDATE).exists()
    assert DemoVillage.objects.filter(status=codes.VillageStatus.REVOKED).exists()
    for village in DemoVillage.objects.all():
        history = list(VillageEvent.objects.filter(village=village).order_by("date", "id"))
        assert history[0].step == codes.Step.NOMINATE
        assert [h.date for h in history] == sorted(h.date for h in history)
        if village.status == codes.VillageStatus.DESIGNATED:
            last = [h for h in history if h.step == codes.Step.DESIGNATE][-1]
            assert (last.level, last.year) == (village.level, village.designated_year)
        designations = [h.level for h in history if h.step == codes.Step.DESIGNATE]
        assert len(designations) == len(set(designations))
    assert not DemoVillage.objects.exclude(office_id=F("org__office_id")).exists()
    assert all(0 < (f[selectors.F_DESIGNATED_RATE] or 0) < 0.5 for f in figures.values())


def test_demo_province_style_is_cheap(world):
    ctx = SeedContext(scale="province", rng=random.Random(7))
    ctx.offices = [world.office_a, world.office_b]
    ctx.villages_by_office = {
        world.office_a.pk: [world.village_a1, world.village_a2],
        world.office_b.pk: [world.village_b1, world.village_b2],
    }
    demo.seed(ctx)
    assert Station.objects.count() == 2
    for office in (world.office_a, world.office_b):
        assert StationStaff.objects.filter(office=office, employment=codes.Employment.FULL_TIME).count() == 1
        assert 4 <= Activity.objects.filter(office=office).count() <= 8
