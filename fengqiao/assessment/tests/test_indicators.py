"""The indicators of the mediation, corrections and resettlement modules: each value comes from the
records, each drills down to the records it counted, and a list of offices costs a fixed number of
queries."""

import datetime

import pytest
from django.utils import timezone

from fengqiao.assessment import indicators
from fengqiao.assessment.codes import Direction, meets
from fengqiao.core.permissions import Role
from fengqiao.corrections.testing import make_subject, people
from fengqiao.mediation import codes as mcodes
from fengqiao.mediation.models import Committee, Mediator
from fengqiao.mediation.tests.test_metrics import conclude
from fengqiao.orgs.models import OrgKind
from fengqiao.testing.factories import make_org, make_user

TODAY = timezone.localdate()
YEAR = (TODAY.replace(month=1, day=1), TODAY)


def values(code, world, period=YEAR):
    return indicators.get(code).values([world.office_a.pk, world.office_b.pk], *period)


def test_every_indicator_is_complete():
    assert len(indicators.REGISTRY) >= 10
    for ind in indicators.REGISTRY.values():
        assert ind.direction in Direction.values and str(ind.name) and str(ind.definition)
        assert ind.code.split(".")[0] in ind.compute.__module__


def test_meets():
    assert meets(98.0, 98, Direction.AT_LEAST) and not meets(97.9, 98, Direction.AT_LEAST)
    assert meets(0, 0, Direction.AT_MOST) and not meets(1, 0, Direction.AT_MOST)
    assert meets(None, 0, Direction.AT_MOST) is None


def test_success_rate_from_cases(world):
    for outcome in ("succeeded", "succeeded", "succeeded", "failed"):
        conclude(world, outcome)
    conclude(world, "succeeded", actor=world.director_b, org=world.village_b1)
    found = values("mediation.success_rate", world)
    assert found == {world.office_a.pk: 75.0, world.office_b.pk: 100.0}
    records = indicators.get("mediation.success_rate").records(world.office_a.pk, *YEAR)
    assert records.count() == 4
    last_year = (YEAR[0].replace(year=YEAR[0].year - 1), YEAR[0] - datetime.timedelta(days=1))
    assert values("mediation.success_rate", world, last_year) == {world.office_a.pk: None, world.office_b.pk: None}


def test_fulltime_shortfall_counts_missing_mediators(world):
    town = Committee.objects.create(org=world.office_a, name="甲镇调委会", committee_type=mcodes.CommitteeType.TOWN)
    village = Committee.objects.create(
        org=world.village_a1, name="甲一村调委会", committee_type=mcodes.CommitteeType.VILLAGE
    )
    m = Mediator.objects.create(org=world.office_a, full_name="专职甲", full_time=True)
    m.committees.add(town)
    Mediator.objects.create(org=world.office_a, full_name="兼职乙", full_time=False).committees.add(village)
    found = values("mediation.fulltime_shortfall", world)
    assert found == {world.office_a.pk: 2, world.office_b.pk: 0}  # town lacks 1, village lacks 1
    short = indicators.get("mediation.fulltime_shortfall").records(world.office_a.pk, *YEAR)
    assert set(short) == {town, village}
    m2 = Mediator.objects.create(org=world.village_a1, full_name="专职丙", full_time=True)
    m2.committees.add(village)
    assert values("mediation.fulltime_shortfall", world)[world.office_a.pk] == 1


def test_missed_intake_and_staffing(world):
    people(world)  # one corrections worker in each office
    late = TODAY - datetime.timedelta(days=40)
    missed = make_subject(world, reported=False, judgment_effective_on=late, period_start=late)
    make_subject(world)
    found = values("corrections.missed_intake", world)
    assert found == {world.office_a.pk: 1, world.office_b.pk: 0}
    assert list(indicators.get("corrections.missed_intake").records(world.office_a.pk, *YEAR)) == [missed]
    # Two subjects and one worker: within 1:15.
    assert values("corrections.worker_shortfall", world) == {world.office_a.pk: 0, world.office_b.pk: 0}
    for _ in range(15):
        make_subject(world)
    assert values("corrections.worker_shortfall", world)[world.office_a.pk] == 1
    make_user(world.office_a, Role.CORRECTIONS_WORKER, username="second_worker")
    assert values("corrections.worker_shortfall", world)[world.office_a.pk] == 0


def test_positioning_without_measures_is_not_measured(world):
    make_subject(world)
    assert values("corrections.positioning_coverage", world) == {world.office_a.pk: None, world.office_b.pk: None}


@pytest.mark.parametrize("code", sorted(indicators.REGISTRY))
def test_fixed_query_count(world, code, django_assert_max_num_queries):
    """Two offices or twenty: the same number of queries."""
    ind = indicators.get(code)
    with CountQueries() as few:
        ind.values([world.office_a.pk, world.office_b.pk], *YEAR)
    offices = [world.office_a.pk, world.office_b.pk] + [
        make_org(OrgKind.TOWN, world.city, name=f"{n}镇", office_name=f"{n}镇司法所", short_name=f"{n}镇").pk
        for n in "丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉"
    ]
    with django_assert_max_num_queries(few.count):
        ind.values(offices, *YEAR)


class CountQueries:
    def __enter__(self):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        self._ctx = CaptureQueriesContext(connection)
        self._ctx.__enter__()
        return self

    def __exit__(self, *exc):
        self._ctx.__exit__(*exc)
        self.count = len(self._ctx.captured_queries)
