"""The figures (the contract of issue 6), checked against records made here, with the query count
fixed whatever the number of offices, the drill-down and the metrics page."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from fengqiao.legalservices import codes, selectors, services
from fengqiao.legalservices.models import ServiceRecord
from fengqiao.legalservices.tests.test_services import complain, consult, make_overdue, refer
from fengqiao.orgs.models import OrgKind
from fengqiao.testing.factories import make_org

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
K = codes.Kind


@pytest.fixture
def records(world):
    a = world.director_a
    # on time, satisfied
    consult(world, answer="答复", satisfaction=codes.Satisfaction.SATISFIED)
    # on time, basically satisfied
    consult(world, answer="答复", satisfaction=codes.Satisfaction.BASIC)
    # late (answered two days after receipt), dissatisfied
    late = consult(world, received_on=TODAY - 2 * DAY)
    services.service_conclude(actor=a, service=late, concluded_on=TODAY, answer="迟复")
    services.service_rate(actor=a, service=late, satisfaction=codes.Satisfaction.DISSATISFIED)
    # open and overdue
    make_overdue(refer(world))
    # open, not yet due
    refer(world)
    # withdrawn: not concluded
    services.service_withdraw(actor=a, service=refer(world), reason="撤回")
    # opinions for the town: one adopted, one partly, one not yet known
    for adoption in (codes.Adoption.ADOPTED, codes.Adoption.NOT_ADOPTED, ""):
        services.service_register(
            actor=a, kind=K.DECISION, office=world.office_a, received_on=TODAY, subject="合同",
            decision_type=codes.DecisionType.CONTRACT, answer="意见", adoption=adoption,
        )  # fmt: skip
    leg = services.service_register(
        actor=a, kind=K.LEGISLATIVE, office=world.office_a, received_on=TODAY - DAY, subject="草案",
        question="意见", opinion_count=7,
    )  # fmt: skip
    services.service_conclude(actor=a, service=leg, concluded_on=TODAY, forwarded_on=TODAY, receiving_body="市人大")
    # complaints: one substantiated (verified 400 days ago: inside two years), one not
    old = complain(world, received_on=TODAY - 500 * DAY)
    services.complaint_close(
        actor=a, complaint=old, verification="substantiated", verified_on=TODAY - 400 * DAY, handling="属实"
    )
    complain(world)
    # office B: one consultation
    consult(world, actor=world.director_b, office=world.office_b, village=None, answer="答复")


def test_office_figures_from_the_records(world, records):
    start = TODAY - 30 * DAY
    figures = selectors.office_figures([world.office_a.pk], start, TODAY)
    f = figures[world.office_a.pk]
    assert set(figures) == {world.office_a.pk}
    assert f["services_total"] == 3 + 3 + 3 + 1
    assert f["services_consultation"] == 3 and f["services_referral"] == 3 and f["services_decision"] == 3
    assert f["services_legislative"] == 1 and f["services_reconsideration"] == 0
    # concluded: 3 consultations + 3 opinions + 1 legislative = 7; the late one is not on time
    assert f["services_concluded"] == 7 and f["on_time_rate"] == round(6 / 7, 4)
    assert f["overdue_open"] == 1
    assert f["satisfaction_rate"] == round(2 / 3, 4) and f["dissatisfied"] == 1
    assert f["decision_opinions"] == 3 and f["decision_adopted_rate"] == 0.5
    assert f["legislative_forwarded"] == 1 and f["legislative_opinions"] == 7
    assert f["complaints_received"] == 1 and f["complaints_substantiated_2y"] == 1
    assert set(f) == set(selectors.FIGURE_CODES)
    # every figure code is described, with its unit
    assert all(x["unit"] in ("count", "rate") and x["name"] for x in selectors.FIGURES)
    assert selectors.FIGURE_CODES["complaints_substantiated_2y"]["threshold"] == 0


def test_two_year_window_and_empty_periods(world, records):
    later = TODAY + 400 * DAY  # the substantiated complaint is then more than two years old
    f = selectors.office_figures([world.office_a.pk], later, later)[world.office_a.pk]
    assert f["complaints_substantiated_2y"] == 0
    assert f["services_total"] == 0 and f["on_time_rate"] is None and f["satisfaction_rate"] is None
    early = TODAY - 1000 * DAY
    f = selectors.office_figures([world.office_a.pk], early, early)[world.office_a.pk]
    assert f["overdue_open"] == 0 and f["decision_adopted_rate"] is None
    assert selectors.two_years_before(datetime.date(2026, 5, 10)) == datetime.date(2024, 5, 11)
    assert selectors.two_years_before(datetime.date(2028, 2, 29)) == datetime.date(2026, 3, 1)


def test_every_office_and_fixed_query_count(world, records, django_assert_max_num_queries):
    start = TODAY - 30 * DAY
    with django_assert_max_num_queries(3):
        everyone = selectors.office_figures(None, start, TODAY)
    assert everyone[world.office_b.pk]["services_total"] == 1
    assert everyone[world.office_b.pk]["complaints_substantiated_2y"] == 0
    more = [make_org(OrgKind.TOWN, world.city, name=f"丙{i}镇") for i in range(12)]
    for office in more[:3]:
        consult(world, actor=world.city_admin, office=office, village=None, answer="答复")
    ids = [world.office_a.pk, world.office_b.pk, *[o.pk for o in more]]
    with django_assert_max_num_queries(2):
        many = selectors.office_figures(ids, start, TODAY)
    with django_assert_max_num_queries(2):
        one = selectors.office_figures([world.office_a.pk], start, TODAY)
    assert many[world.office_a.pk] == one[world.office_a.pk]
    assert many[more[0].pk]["services_total"] == 1 and many[more[5].pk]["services_total"] == 0


def test_figure_records_drill_down(world, records):
    start = TODAY - 30 * DAY
    figures = selectors.office_figures([world.office_a.pk], start, TODAY)[world.office_a.pk]
    for code in ("services_total", "services_referral", "overdue_open", "decision_opinions", "services_concluded"):
        assert selectors.figure_records(code, world.office_a.pk, start, TODAY).count() == figures[code], code
    assert selectors.figure_records("complaints_substantiated_2y", world.office_a.pk, start, TODAY).count() == 1
    assert selectors.figure_records("dissatisfied", world.office_a.pk, start, TODAY).get().answer == "迟复"
    assert selectors.figure_records("legislative_forwarded", world.office_a.pk, start, TODAY).get().opinion_count == 7
    assert selectors.figure_records("services_total", world.office_b.pk, start, TODAY).count() == 1
    with pytest.raises(KeyError):
        selectors.figure_records("nonsense", world.office_a.pk, start, TODAY)


def test_metrics_page_per_office_and_per_village(world, records, client_for):
    url = reverse("legalservices:metrics")
    page = client_for(world.city_admin).get(url, {"date_from": (TODAY - 30 * DAY).isoformat()})
    assert page.status_code == 200
    rows = {r["office_id"]: r for r in page.context["offices"]}
    assert rows[world.office_a.pk]["overdue_open"] == 1 and rows[world.office_b.pk]["services_total"] == 1
    assert page.context["totals"]["services_total"] == 11
    html = page.content.decode()
    assert 'id="office-metrics"' in html and f'data-office="{world.office_a.pk}"' in html
    own = client_for(world.director_a).get(url, {"date_from": (TODAY - 30 * DAY).isoformat()})
    assert [r["office_id"] for r in own.context["offices"]] == [world.office_a.pk]
    villages = {r["org_id"]: r for r in own.context["villages"]}
    assert villages[world.village_a1.pk]["services_consultation"] == 3
    advisor = client_for(world.advisor_a).get(url)
    assert advisor.status_code == 200 and advisor.context["offices"] == []
    assert client_for(world.city_admin).get(url, {"date_from": "x", "date_to": "1800-01-01"}).status_code == 200


def test_home_summary(world, records, client_for):
    figures = selectors.home_summary(world.director_a)
    assert [f[1] for f in figures] == [
        ServiceRecord.objects.filter(office=world.office_a, received_on__year=TODAY.year).count(), 2, 1, 1,
    ]  # fmt: skip
    assert all(len(f) == 4 for f in figures)
