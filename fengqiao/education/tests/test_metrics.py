"""The figures contract: office_figures computed from the records, in a fixed number of queries;
FIGURES describing each code; figure_records for drill-down; the home summary."""

import datetime

import pytest
from django.utils import timezone

from fengqiao.education import codes, selectors, services
from fengqiao.education.tests.test_services import activity, nominate, station
from fengqiao.orgs.models import OrgKind
from fengqiao.testing.factories import make_org

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
START = TODAY - 30 * DAY


@pytest.fixture
def records(world):
    s = station(world)
    full = services.staff_add(
        actor=world.director_a,
        station=s,
        name="专职甲",
        employment=codes.Employment.FULL_TIME,
        start_on=TODAY - 100 * DAY,
    )
    services.staff_add(
        actor=world.director_a,
        station=s,
        name="兼职甲",
        employment=codes.Employment.PART_TIME,
        start_on=TODAY - 50 * DAY,
    )
    activity(world, reached=100, department="公安派出所")
    activity(world, reached=50, org=world.village_a1)
    activity(world, reached=30, org=world.office_a)
    activity(world, reached=999, date=TODAY - 60 * DAY)  # outside the period
    y = TODAY.year - 2
    v = nominate(world)
    services.village_designate(
        actor=world.director_a, village=v, level=codes.Level.CITY, year=y, date=datetime.date(y, 12, 1)
    )
    nominate(world, org=world.village_a2, nominated_on=TODAY - 5 * DAY)
    # office B: a station without full-time staff, nothing else
    station(world, actor=world.director_b, office=world.office_b, name="乙站", set_up_on=TODAY - 10 * DAY)
    return {"full": full}


def test_office_figures_from_the_records(world, records):
    figures = selectors.office_figures([world.office_a.pk, world.office_b.pk], START, TODAY)
    a, b = figures[world.office_a.pk], figures[world.office_b.pk]
    assert a[selectors.F_STATION] == 1 and a[selectors.F_FULLTIME] == 1 and a[selectors.F_STAFF] == 2
    assert a[selectors.F_ACTIVITIES] == 3 and a[selectors.F_REACHED] == 180
    assert a[selectors.F_LED_RATE] == pytest.approx(1 / 3, abs=1e-3)
    assert a[selectors.F_VILLAGES_COVERED_RATE] == 0.5  # one of two villages
    assert a[selectors.F_DESIGNATED] == 1 and a[selectors.F_DESIGNATED_LEVEL[codes.Level.CITY]] == 1
    assert a[selectors.F_DESIGNATED_RATE] == 0.5 and a[selectors.F_CANDIDATES] == 1
    assert b[selectors.F_STATION] == 1 and b[selectors.F_FULLTIME] == 0
    assert b[selectors.F_ACTIVITIES] == 0 and b[selectors.F_LED_RATE] is None
    assert set(a) == set(selectors.FIGURES)


def test_figures_follow_the_period(world, records):
    # before the station and the staff existed
    early = selectors.office_figures([world.office_a.pk], TODAY - 1200 * DAY, TODAY - 800 * DAY)[world.office_a.pk]
    assert early[selectors.F_STATION] == 0 and early[selectors.F_FULLTIME] == 0 and early[selectors.F_DESIGNATED] == 0
    # a full-time member who left before the period's end no longer counts
    services.staff_end(actor=world.director_a, staff=records["full"], end_on=TODAY - DAY)
    now = selectors.office_figures([world.office_a.pk], START, TODAY)[world.office_a.pk]
    assert now[selectors.F_FULLTIME] == 0
    before = selectors.office_figures([world.office_a.pk], START, TODAY - 2 * DAY)[world.office_a.pk]
    assert before[selectors.F_FULLTIME] == 1


def test_office_figures_use_a_fixed_number_of_queries(world, records, django_assert_max_num_queries):
    with django_assert_max_num_queries(7):
        one = selectors.office_figures([world.office_a.pk], START, TODAY)
    for i in range(8):
        office = make_org(OrgKind.TOWN, world.city, name=f"新镇{i}")
        make_org(OrgKind.VILLAGE, office, name=f"新村{i}")
    with django_assert_max_num_queries(7):
        every = selectors.office_figures(None, START, TODAY)
    assert len(one) == 1 and len(every) == 10
    assert every[world.office_a.pk] == one[world.office_a.pk]


def test_figure_records_drill_down(world, records):
    acts = selectors.figure_records(selectors.F_ACTIVITIES, world.office_a.pk, START, TODAY)
    assert acts.count() == 3 and sum(a.reached for a in acts) == 180
    assert selectors.figure_records(selectors.F_LED_RATE, world.office_a.pk, START, TODAY).count() == 1
    assert [s.name for s in selectors.figure_records(selectors.F_FULLTIME, world.office_a.pk, START, TODAY)] == [
        "专职甲"
    ]
    assert selectors.figure_records(selectors.F_DESIGNATED, world.office_a.pk, START, TODAY).count() == 1
    assert selectors.figure_records(selectors.F_STATION, world.office_b.pk, START, TODAY).count() == 1
    with pytest.raises(KeyError):
        selectors.figure_records("nonsense", world.office_a.pk, START, TODAY)


def test_figures_describe_each_code():
    for code, figure in selectors.FIGURES.items():
        assert code.startswith("education_")
        assert str(figure["name"]) and figure["unit"] in ("flag", "persons", "activities", "villages", "rate")
    assert selectors.FIGURES[selectors.F_FULLTIME]["threshold"] == 1
    assert selectors.FIGURES[selectors.F_FULLTIME]["direction"] == "min"


def test_home_summary(world, records):
    rows = selectors.home_summary(world.city_admin)
    values = [r[1] for r in rows]
    this_year = [d for d in (TODAY - DAY, TODAY - DAY, TODAY - DAY, TODAY - 60 * DAY) if d.year == TODAY.year]
    assert values[0] == len(this_year)
    assert values[2] == 1  # office B has no full-time staff
    assert values[3] == 1
    own = selectors.home_summary(world.director_a)
    assert own[2][1] == 0
