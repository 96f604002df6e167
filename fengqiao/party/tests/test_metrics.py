"""The figures of the construction standard, checked against records created here, and their query
count (fixed whatever the number of offices)."""

import datetime

import pytest

from fengqiao.orgs.models import OrgKind, OrgNode
from fengqiao.party import codes, selectors, services
from fengqiao.party.tests.conftest import add_member, make_branch
from fengqiao.testing.factories import make_org

START = datetime.date(2025, 1, 1)
END = datetime.date(2025, 6, 30)  # six months, two quarters


def _held(world, party, kind, day, attendees):
    return services.activity_record(
        actor=world.director_a,
        branch=party["branch"],
        date=day,
        type=kind,
        topic="主题",
        record="记录",
        attendees=attendees,
    )


@pytest.fixture
def year(world, party):
    """Office A holds everything in January–June 2025 except the party group meeting in March and
    the party lecture of the second quarter."""
    m = [party["m1"], party["m2"], party["m3"]]  # the probationary member joined later (100 days ago)
    for month in range(1, 7):
        _held(world, party, codes.ActivityType.COMMITTEE, datetime.date(2025, month, 5), m)
        if month != 3:
            _held(world, party, codes.ActivityType.GROUP, datetime.date(2025, month, 12), m[:2])
        _held(world, party, codes.ActivityType.THEME_DAY, datetime.date(2025, month, 20), m)
    for month in (1, 4):
        _held(world, party, codes.ActivityType.ASSEMBLY, datetime.date(2025, month, 8), m)
    _held(world, party, codes.ActivityType.LECTURE, datetime.date(2025, 2, 15), m)
    _held(world, party, codes.ActivityType.OTHER, datetime.date(2025, 3, 1), m[:1])  # not in the rule
    venue = services.venue_add(actor=world.director_a, office=world.office_a, name="活动室", address="路", area=50)
    services.venue_check_add(
        actor=world.director_a, venue=venue, date=datetime.date(2025, 3, 3), result="passed", checked_by="检查组"
    )
    services.violation_record(
        actor=world.director_a,
        office=world.office_a,
        person="某",
        date=datetime.date(2025, 2, 2),
        kind="rules",
        description="违规",
    )
    return party


def test_figures_from_the_records(world, year):
    f = selectors.office_figures([world.office_a.pk, world.office_b.pk], START, END)
    a = f[world.office_a.pk]
    # required: committee, group, theme day × 6 months + assembly, lecture × 2 quarters = 22; missed 2
    assert a["party_meetings_completion"] == pytest.approx(20 / 22)
    assert a["party_branch"] == 1
    assert a["party_theme_days"] == 6
    # present over expected on ruled activities: 3/3 except the five group meetings (2/3)
    held = 6 + 5 + 6 + 2 + 1
    assert a["party_attendance_rate"] == pytest.approx((3 * held - 5) / (3 * held))
    assert a["party_venue_checked"] == 1 and a["party_violations"] == 1
    # at END (mid-2025) the probationary member had not joined yet
    assert (a["party_members_formal"], a["party_members_probationary"]) == (3, 0)
    b = f[world.office_b.pk]
    assert b["party_meetings_completion"] == 0 and b["party_attendance_rate"] is None
    assert (b["party_venue_checked"], b["party_violations"], b["party_theme_days"]) == (0, 0, 0)


def test_members_at_the_end_of_the_period(world, party):
    from django.utils import timezone

    today = timezone.localdate()
    f = selectors.office_figures([world.office_a.pk], today.replace(month=1, day=1), today)[world.office_a.pk]
    assert (f["party_members_formal"], f["party_members_probationary"]) == (3, 1)
    services.member_transfer_out(actor=world.director_a, member=party["m3"], date=today, to="外单位")
    f = selectors.office_figures([world.office_a.pk], today.replace(month=1, day=1), today)[world.office_a.pk]
    assert f["party_members_formal"] == 2
    records = selectors.figure_records("party_members_probationary", world.office_a.pk, today, today)
    assert list(records) == [party["p"]]


def test_an_office_without_a_branch_measures_nothing(world):
    f = selectors.office_figures([world.office_a.pk], START, END)[world.office_a.pk]
    assert f["party_branch"] == 0 and f["party_meetings_completion"] is None
    assert selectors.office_figures([], START, END) == {}


def test_a_quarter_touched_by_the_period_is_required(world, year):
    # February alone: committee, group, theme day for February, and Q1 for assembly and lecture.
    f = selectors.office_figures([world.office_a.pk], datetime.date(2025, 2, 1), datetime.date(2025, 2, 28))
    # the Q1 assembly was held on 8 January, outside the period: 4 of 5
    assert f[world.office_a.pk]["party_meetings_completion"] == pytest.approx(4 / 5)


def test_drill_down_returns_what_was_counted(world, year):
    oid = world.office_a.pk
    assert selectors.figure_records("party_theme_days", oid, START, END).count() == 6
    assert selectors.figure_records("party_meetings_completion", oid, START, END).count() == 20
    assert selectors.figure_records("party_venue_checked", oid, START, END).count() == 1
    assert selectors.figure_records("party_violations", oid, START, END).count() == 1
    assert selectors.figure_records("party_branch", oid, START, END).count() == 1
    with pytest.raises(KeyError):
        selectors.figure_records("nonsense", oid, START, END)


def test_figures_describe_each_code(world):
    codes_ = set(selectors.office_figures([world.office_a.pk], START, END)[world.office_a.pk])
    assert codes_ == set(selectors.FIGURES)
    v = selectors.FIGURES["party_violations"]
    assert (v.threshold, v.direction, v.unit) == (0, "max", "count")
    assert selectors.FIGURES["party_meetings_completion"].unit == "rate"
    assert all(str(f.name) and str(f.description) for f in selectors.FIGURES.values())


def test_query_count_is_fixed_whatever_the_number_of_offices(world, year, django_assert_max_num_queries):
    with django_assert_max_num_queries(7) as one:
        selectors.office_figures([world.office_a.pk], START, END)
    for i in range(12):
        office = make_org(OrgKind.TOWN, world.city, name=f"多{i}镇", office_name=f"多{i}司法所", short_name=f"多{i}")
        branch = make_branch(world, office=office, actor=world.city_admin)
        add_member(world, branch, f"党员{i}", actor=world.city_admin)
    ids = list(OrgNode.objects.filter(kind=OrgKind.TOWN).values_list("pk", flat=True))
    with django_assert_max_num_queries(len(one.captured_queries)):
        many = selectors.office_figures(ids, START, END)
    assert len(many) == 14 and many[world.office_a.pk]["party_theme_days"] == 6
    # every office: one more query, to list them
    with django_assert_max_num_queries(len(one.captured_queries) + 1):
        assert selectors.office_figures(None, START, END) == many
