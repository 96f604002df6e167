"""The figures of item 8 and the staffing check, computed from the cases."""

import datetime
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from fengqiao.mediation import codes, selectors, services
from fengqiao.mediation.models import Committee, Mediator
from fengqiao.mediation.tests.test_services import register

TODAY = timezone.localdate()
YEAR_START = TODAY.replace(month=1, day=1)


def conclude(world, outcome, **kwargs):
    d = register(world, **kwargs)
    actor = kwargs.get("actor", world.director_a)
    services.dispute_accept(actor=actor, dispute=d)
    if outcome == "succeeded":
        services.dispute_succeed(
            actor=actor,
            dispute=d,
            form="written",
            terms="履行",
            signed_on=TODAY,
            amount="1000",
            prevented_criminal_persons=2,
        )
    elif outcome == "failed":
        services.session_add(actor=actor, dispute=d, held_on=TODAY, place="调解室", record="记录")
        services.dispute_fail(actor=actor, dispute=d, reason="分歧大")
    elif outcome == "terminated":
        services.dispute_terminate(actor=actor, dispute=d, reason="撤回")
    return d


@pytest.fixture
def cases(world):
    for _ in range(3):
        conclude(world, "succeeded")
    conclude(world, "failed")
    conclude(world, "terminated")
    register(world)  # still open
    conclude(world, "succeeded", actor=world.director_b, org=world.village_b1)


def test_office_figures_and_success_rate(world, cases):
    m = selectors.dispute_metrics(world.director_a, date_from=YEAR_START, date_to=TODAY)
    totals = m["totals"]
    assert totals["received"] == 6
    assert (totals["succeeded"], totals["failed"], totals["terminated"]) == (3, 1, 1)
    assert totals["success_rate"] == 60.0  # 3 / (3 + 1 + 1): every case whose mediation ended
    assert totals["amount"] == 3000
    assert totals["prevented_criminal"] == 3 and totals["prevented_criminal_persons"] == 6
    assert list(m["rows"]) == [world.office_a.pk]


def test_city_sees_every_office(world, cases):
    m = selectors.dispute_metrics(world.city_admin, date_from=YEAR_START, date_to=TODAY)
    assert m["totals"]["received"] == 7 and set(m["rows"]) == {world.office_a.pk, world.office_b.pk}
    assert m["rows"][world.office_b.pk]["success_rate"] == 100.0


def test_success_survives_follow_up_and_archive(world):
    d = conclude(world, "succeeded")
    services.dispute_follow_up(
        actor=world.director_a, dispute=d, visited_on=TODAY, satisfaction="satisfied", performed=True
    )
    services.dispute_archive(actor=world.director_a, dispute=d)
    m = selectors.dispute_metrics(world.director_a, date_from=YEAR_START, date_to=TODAY)
    assert m["totals"]["succeeded"] == 1 and m["totals"]["success_rate"] == 100.0


def test_by_category(world, cases):
    m = selectors.dispute_metrics(world.director_a, date_from=YEAR_START, date_to=TODAY, group_by="category")
    assert set(m["rows"]) == {"02"}  # 0201 → 邻里


def test_period_bounds(world, cases):
    past = TODAY - datetime.timedelta(days=400)
    m = selectors.dispute_metrics(world.director_a, date_from=past, date_to=past)
    assert m["totals"]["received"] == 0 and m["totals"]["success_rate"] is None


def test_stats_page_and_export(world, cases, client_for):
    client = client_for(world.director_a)
    page = client.get("/mediation/stats/")
    assert page.status_code == 200 and "60.0" in page.content.decode()
    export = client.get("/mediation/stats/export/")
    assert export.status_code == 200
    rows = list(load_workbook(io.BytesIO(export.content)).worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 1 + 15 + 1  # header, the 15 categories, total
    assert rows[-1][1] == 6 and rows[-1][2] == 3


def test_staffing_check(world, client_for):
    town = Committee.objects.create(org=world.office_a, name="甲镇调委会", committee_type=codes.CommitteeType.TOWN)
    village = Committee.objects.create(
        org=world.village_a1, name="甲一村调委会", committee_type=codes.CommitteeType.VILLAGE
    )
    m = Mediator.objects.create(org=world.office_a, full_name="专职一", full_time=True)
    m.committees.add(town, village)
    Mediator.objects.create(org=world.office_a, full_name="兼职一", full_time=False).committees.add(town)
    Mediator.objects.create(org=world.office_a, full_name="离任", full_time=True, is_active=False).committees.add(town)
    rows = {c.name: c for c in selectors.committee_staffing(world.director_a)}
    assert (rows["甲镇调委会"].full_time, rows["甲镇调委会"].norm, rows["甲镇调委会"].shortfall) == (1, 2, 1)
    assert rows["甲镇调委会"].part_time == 1
    assert rows["甲一村调委会"].shortfall == 0
    assert [c.name for c in selectors.committee_staffing(world.director_a, short_only=True)] == ["甲镇调委会"]
    assert selectors.committee_staffing(world.director_b) == []
    assert "甲镇调委会" in client_for(world.director_a).get("/mediation/committees/?short=1").content.decode()
