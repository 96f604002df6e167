"""Item 9's figures are computed from the records, for a period, in a bounded number of queries."""

import datetime
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fengqiao.corrections import selectors, services, sweeps
from fengqiao.corrections.ingest import ingest
from fengqiao.corrections.models import Subject
from fengqiao.corrections.testing import fix, make_measure, make_subject, people

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
D = datetime.timedelta


def test_missed_intake_and_lost_contact_are_counted_from_the_register(world):
    head = people(world)["head"]
    late = make_subject(world, reported=False, judgment_effective_on=TODAY - D(days=20))
    make_subject(world, reported=False, judgment_effective_on=TODAY - D(days=3))  # still within 10 days
    lost = make_subject(world)
    Subject.objects.filter(pk=lost.pk).update(last_contact_on=TODAY - D(days=40), reported_on=TODAY - D(days=41))
    make_subject(world, office="b")
    sweeps.sweep_register()
    figures = selectors.metrics(head, TODAY - D(days=30), TODAY)
    total = figures["total"]
    assert (total["missed_intake"], total["missed_intake_now"]) == (1, 1)
    assert (total["lost_contact"], total["lost_contact_now"]) == (1, 1)
    assert total["open"] == 4
    rows = {r["office"].pk: r for r in figures["offices"]}
    assert rows[world.office_a.pk]["missed_intake"] == 1 and rows[world.office_b.pk]["missed_intake"] == 0
    assert rows[world.office_b.pk]["open"] == 1
    # Reporting late still counts as 漏管 for the period; the live figure clears.
    services.subject_intake(actor=world.director_a, subject=late, reported_on=TODAY)
    total = selectors.metrics(head, TODAY - D(days=30), TODAY)["total"]
    assert (total["missed_intake"], total["missed_intake_now"]) == (1, 0)
    # An office director sees only their office.
    assert selectors.metrics(world.director_b, TODAY - D(days=30), TODAY)["total"]["open"] == 1


def test_positioning_coverage_and_success_are_computed_from_the_fixes(world):
    head = people(world)["head"]
    one = make_subject(world)
    two = make_subject(world)
    _m1, d1 = make_measure(world, one, identifier="W-1", interval=60)
    _m2, _d2 = make_measure(world, two, identifier="W-2", interval=60)
    now = time.time()
    # Device 1 reported every minute of the last hour; device 2 never.
    ingest(token=None, body={"fixes": [fix(d1, i, t=now - 3600 + 60 * i) for i in range(60)]})
    # Since yesterday: the last hour may straddle local midnight.
    total = selectors.metrics(head, TODAY - D(days=1), TODAY)["total"]
    assert (total["measures"], total["covered"], total["coverage"]) == (2, 1, 50.0)
    # Both devices were fitted a day ago: fixes were due from then at one a minute.
    assert total["received"] == 60
    assert 2 * 1440 * 0.9 < total["expected"] <= 2 * 1440 * 1.05 + 2
    assert total["success"] == round(100 * 60 / total["expected"], 1)


def test_metrics_take_a_fixed_number_of_queries_whatever_the_offices(world):
    from fengqiao.orgs.models import OrgKind
    from fengqiao.testing.factories import make_org

    head = people(world)["head"]
    make_subject(world)
    with CaptureQueriesContext(connection) as few:
        selectors.metrics(head, TODAY - D(days=30), TODAY)
    for k in range(8):
        make_org(OrgKind.TOWN, world.city, name=f"新镇{k}", short_name=f"新{k}")
    with CaptureQueriesContext(connection) as many:
        selectors.metrics(head, TODAY - D(days=30), TODAY)
    # Eight more offices cost no query (the first call also warmed the policy and the scope).
    assert len(many) <= len(few) <= 30
