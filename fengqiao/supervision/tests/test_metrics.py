"""The scorecard figures: values checked against the records, a fixed number of queries whatever
the number of offices, the drill-down, and the figures' description."""

import datetime

import pytest
from django.utils import timezone

from fengqiao.orgs.models import OrgKind
from fengqiao.supervision import codes, selectors, services
from fengqiao.testing.factories import make_org

from .conftest import activity, department

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


@pytest.fixture
def records(world, depts):
    """Office A in the last 100 days: three activities (one joint), four problems, two disputes."""
    a1 = activity(world, date=TODAY - 90 * DAY, files_reviewed=20)
    activity(world, kind=codes.ActivityKind.JOINT, partners="镇纪委", date=TODAY - 50 * DAY, files_reviewed=0,
             departments=[depts["law"], depts["market"]])  # fmt: skip
    activity(world, kind=codes.ActivityKind.SITE_INSPECTION, sites_inspected=4, date=TODAY - 20 * DAY, files_reviewed=0)
    old = activity(world, date=TODAY - 400 * DAY, files_reviewed=3)  # outside the period
    kw = {"actor": world.staff_a, "activity": a1, "category": codes.ProblemCategory.EVIDENCE, "description": "证据不足"}
    # rectified on time and verified
    on_time = services.problem_record(**kw, department=depts["law"], deadline=TODAY - 60 * DAY, requirement="补证")
    services.problem_rectified(actor=world.staff_a, problem=on_time, result="已补证", rectified_on=TODAY - 65 * DAY)
    services.problem_verify(actor=world.staff_a, problem=on_time, verified_on=TODAY - 64 * DAY)
    # rectified after the deadline
    late = services.problem_record(**kw, department=depts["law"], deadline=TODAY - 70 * DAY, requirement="补证")
    services.problem_rectified(actor=world.staff_a, problem=late, result="逾期补证", rectified_on=TODAY - 40 * DAY)
    # overdue and open
    services.problem_record(**kw, department=depts["market"], deadline=TODAY - 5 * DAY, requirement="补证")
    # not due yet
    services.problem_record(**kw, department=depts["market"], deadline=TODAY + 20 * DAY, requirement="补证")
    # found long ago, outside the period, still open and overdue
    services.problem_record(**{**kw, "activity": old}, department=depts["police"], found_on=old.date,
                            deadline=old.date + 30 * DAY, requirement="补证")  # fmt: skip
    d1 = services.dispute_record(actor=world.staff_a, office=world.office_a, subject="职责争议", description="x",
                                 received_on=TODAY - 30 * DAY, departments=[depts["law"], depts["market"]])  # fmt: skip
    services.dispute_coordinate(actor=world.staff_a, dispute=d1, outcome=codes.DisputeOutcome.AGREED, result="明确职责",
                                concluded_on=TODAY - 25 * DAY)  # fmt: skip
    services.dispute_record(actor=world.staff_a, office=world.office_a, subject="处罚争议", description="x",
                            received_on=TODAY - 3 * DAY, departments=[depts["police"]], parties="某公司")  # fmt: skip
    # office B: one activity
    activity(world, actor=world.staff_b, office=world.office_b, departments=[depts["b"]], date=TODAY - 10 * DAY)


def test_office_figures_match_the_records(world, records):
    start = TODAY - 100 * DAY
    figures = selectors.office_figures([world.office_a.pk, world.office_b.pk], start, TODAY)
    a, b = figures[world.office_a.pk], figures[world.office_b.pk]
    assert a["activities"] == 3 and b["activities"] == 1
    assert (a["activities_case_review"], a["activities_joint"], a["activities_site_inspection"]) == (1, 1, 1)
    assert a["files_reviewed"] == 20 and a["sites_inspected"] == 4
    assert a["problems_found"] == 4
    # due in the period and passed: on_time, late, the overdue one → 1 of 3 on time
    assert (a["rectifications_due"], a["rectified_on_time"]) == (3, 1)
    assert a["rectified_on_time_rate"] == pytest.approx(1 / 3)
    # the overdue open one of the period and the old one
    assert a["overdue_open"] == 2
    assert a["problems_verified"] == 1
    assert (a["disputes_received"], a["disputes_coordinated"], a["disputes_open"]) == (2, 1, 1)
    assert b["rectified_on_time_rate"] is None and b["problems_found"] == 0
    assert set(a) == set(selectors.FIGURES)
    # an earlier period sees the old problem as found and not yet overdue at its end
    early = selectors.office_figures([world.office_a.pk], TODAY - 410 * DAY, TODAY - 380 * DAY)[world.office_a.pk]
    assert (early["activities"], early["problems_found"], early["overdue_open"]) == (1, 1, 0)


def test_figure_records_drill_down(world, records):
    start = TODAY - 100 * DAY
    figures = selectors.office_figures([world.office_a.pk], start, TODAY)[world.office_a.pk]
    for code, value in figures.items():
        if code == "rectified_on_time_rate":
            assert (
                selectors.figure_records(code, world.office_a.pk, start, TODAY).count() == figures["rectifications_due"]
            )
        elif code not in ("files_reviewed", "sites_inspected"):
            assert selectors.figure_records(code, world.office_a.pk, start, TODAY).count() == value, code
    with pytest.raises(KeyError):
        selectors.figure_records("nonsense", world.office_a.pk, start, TODAY)


def test_office_figures_take_a_fixed_number_of_queries(world, records, django_assert_max_num_queries):
    start = TODAY - 100 * DAY
    with django_assert_max_num_queries(3):
        selectors.office_figures([world.office_a.pk], start, TODAY)
    more = [make_org(OrgKind.TOWN, world.city, name=f"新镇{i}") for i in range(12)]
    for office in more[:3]:
        department(world, "派出所", office=office, actor=world.city_admin)
    with django_assert_max_num_queries(3):
        many = selectors.office_figures([world.office_a.pk, world.office_b.pk, *(o.pk for o in more)], start, TODAY)
    assert len(many) == 14 and many[more[0].pk]["activities"] == 0
    with django_assert_max_num_queries(4):
        every = selectors.office_figures(None, start, TODAY)
    assert world.office_a.pk in every and more[-1].pk in every


def test_figures_describe_themselves():
    for code, figure in selectors.FIGURES.items():
        assert {"name", "unit", "direction", "threshold"} <= set(figure), code
        assert str(figure["name"])
    assert selectors.FIGURES["overdue_open"]["threshold"] == 0
    assert selectors.FIGURES["activities_joint"]["threshold"] == 1


def test_metrics_for_a_reader_stay_in_scope_and_give_departments(world, records):
    start = TODAY - 100 * DAY
    own = selectors.metrics(world.staff_a, date_from=start, date_to=TODAY)
    assert [o["office_id"] for o in own["offices"]] == [world.office_a.pk]
    assert own["department_office"] == world.office_a
    rows = {r["department"].name: r for r in own["departments"]}
    assert rows["综合行政执法局"]["activities"] == 3 and rows["市场监督管理分局"]["activities"] == 1
    assert rows["综合行政执法局"]["problems_found"] == 2 and rows["市场监督管理分局"]["overdue_open"] == 1
    assert rows["综合行政执法局"]["rectified_on_time_rate"] == pytest.approx(0.5)
    assert rows["派出所"]["disputes_received"] == 1
    city = selectors.metrics(world.city_admin, date_from=start, date_to=TODAY)
    assert {o["office_id"] for o in city["offices"]} == {world.office_a.pk, world.office_b.pk}
    assert city["totals"]["activities"] == 4 and city["departments"] == []


def test_home_summary(world, records):
    figures = selectors.home_summary(world.staff_a)
    assert all(len(f) == 4 for f in figures)
    values = [f[1] for f in figures]
    assert values[2] == 2 and values[3] == 1  # overdue, disputes open
