"""The mediation pages beyond the case itself: list filters and export, warnings, screening,
incidents, periods, statistics groupings and the dashboard."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from fengqiao.core.models import AuditEvent
from fengqiao.mediation import codes, services
from fengqiao.mediation.models import Committee, MajorIncident, MediationPeriod, Mediator, RiskFlag, ScreeningRound
from fengqiao.mediation.tests.test_services import register

TODAY = timezone.localdate()


@pytest.fixture
def cases(world):
    committee = Committee.objects.create(org=world.office_a, name="甲镇调委会", committee_type="town")
    mediator = Mediator.objects.create(org=world.office_a, full_name="王调解", full_time=True)
    mediator.committees.add(committee)
    quiet = register(world, summary="安静的纠纷")
    risky = register(world, summary="危险的纠纷", description="扬言报复", amount="2000000", org=world.village_a2)
    services.dispute_accept(actor=world.director_a, dispute=quiet, committee=committee, mediators=[mediator])
    other = register(world, actor=world.director_b, org=world.village_b1, summary="乙镇的纠纷")
    return {"quiet": quiet, "risky": risky, "other": other, "committee": committee, "mediator": mediator}


def listed(response):
    return {d.summary for d in response.context["page"].items}


def test_list_filters_by_risk_village_committee_mediator_and_level(world, client_for, cases):
    c = client_for(world.city_admin)
    url = reverse("mediation:list")
    assert listed(c.get(url)) == {"安静的纠纷", "危险的纠纷", "乙镇的纠纷"}
    assert listed(c.get(url, {"risk": codes.RiskLevel.RED})) == {"危险的纠纷"}
    assert listed(c.get(url, {"village": world.village_a2.pk})) == {"危险的纠纷"}
    assert listed(c.get(url, {"village": world.office_b.pk})) == {"乙镇的纠纷"}
    assert listed(c.get(url, {"committee": cases["committee"].pk})) == {"安静的纠纷"}
    assert listed(c.get(url, {"mediator": cases["mediator"].pk})) == {"安静的纠纷"}
    assert listed(c.get(url, {"level": codes.Level.TOWN})) == {"安静的纠纷"}
    # nonsense is ignored, not an error
    assert c.get(url, {"risk": "x", "village": "abc", "level": "99"}).status_code == 200


def test_list_ignores_another_offices_village_filter(world, client_for, cases):
    c = client_for(world.director_a)
    assert listed(c.get(reverse("mediation:list"), {"village": world.village_b1.pk})) == {"安静的纠纷", "危险的纠纷"}


def test_export_streams_the_filtered_list_and_is_audited(world, client_for, cases):
    from openpyxl import load_workbook

    c = client_for(world.director_a)
    response = c.get(reverse("mediation:export"), {"risk": codes.RiskLevel.RED})
    assert response.status_code == 200 and response.streaming
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(book.active.values)
    assert len(rows) == 2 and rows[1][5] == "危险的纠纷"
    assert rows[1][16] == str(codes.RiskLevel.RED.label) or rows[1][16] == "红"
    event = AuditEvent.objects.get(action="export", actor_user=world.director_a)
    assert event.changes["rows"] == 1 and event.changes["what"] == "mediation.disputes"


def test_export_needs_the_export_right(world, client_for, cases):
    assert client_for(world.advisor_a).get(reverse("mediation:export")).status_code == 403


def test_warning_list_and_actions(world, client_for, cases):
    flag = RiskFlag.objects.filter(dispute=cases["risky"], kind=codes.RiskKind.AMOUNT).get()
    c = client_for(world.staff_a)
    page = c.get(reverse("mediation:warnings"))
    assert page.status_code == 200 and flag in page.context["page"].items
    assert page.context["counts"]["by_level"][codes.RiskLevel.RED] == 2  # amount and criminal
    back = reverse("mediation:warnings")
    r = c.post(reverse("mediation:flag_acknowledge", args=[flag.pk]), {"next": back})
    assert r.status_code == 302 and r["Location"] == back
    flag.refresh_from_db()
    assert flag.status == codes.FlagStatus.ACKNOWLEDGED
    r = c.post(reverse("mediation:flag_handle", args=[flag.pk]), {"measures": ""})
    flag.refresh_from_db()
    assert flag.status == codes.FlagStatus.ACKNOWLEDGED  # nothing changed without measures
    c.post(reverse("mediation:flag_handle", args=[flag.pk]), {"measures": "已约谈", "next": "https://evil.example/"})
    flag.refresh_from_db()
    assert flag.status == codes.FlagStatus.HANDLED
    # another office's user cannot see or act on it
    other = client_for(world.staff_b)
    assert other.post(reverse("mediation:flag_acknowledge", args=[flag.pk])).status_code == 404


def test_case_page_shows_warnings_and_handles_them(world, client_for, cases):
    c = client_for(world.director_a)
    page = c.get(reverse("mediation:detail", args=[cases["risky"].pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="warnings"' in html and "报复" in html


def test_screening_round_form(world, client_for):
    c = client_for(world.mediator_a1)
    assert c.get(reverse("mediation:screening_new")).status_code == 200
    bad = c.post(
        reverse("mediation:screening_new"),
        {"org": world.village_a1.pk, "period_from": "2026-11-01", "period_to": "2026-10-01", "held_on": "2026-11-02",
         "participants": "网格员", "findings": "无", "disputes_found": 0, "risks_found": 0},
    )  # fmt: skip
    assert bad.status_code == 400 and not ScreeningRound.objects.exists()
    good = c.post(
        reverse("mediation:screening_new"),
        {"org": world.village_a1.pk, "period_from": TODAY.replace(day=1).isoformat(), "period_to": TODAY.isoformat(),
         "held_on": TODAY.isoformat(), "participants": "网格员", "findings": "发现纠纷2起", "disputes_found": 2,
         "risks_found": 0},
    )  # fmt: skip
    assert good.status_code == 302
    listing = c.get(reverse("mediation:screening"))
    assert "发现纠纷2起" in listing.content.decode()
    assert "发现纠纷2起" not in client_for(world.director_b).get(reverse("mediation:screening")).content.decode()


def test_incident_form_links_a_case_by_number(world, client_for, cases):
    c = client_for(world.director_a)
    data = {
        "org": world.office_a.pk,
        "occurred_on": TODAY.isoformat(),
        "title": "业主聚集",
        "description": "百余名业主聚集",
        "people_count": 120,
        "dispute_number": cases["other"].number,  # office B's case: not found for A
    }
    r = c.post(reverse("mediation:incident_new"), data)
    assert r.status_code == 400 and not MajorIncident.objects.exists()
    r = c.post(reverse("mediation:incident_new"), data | {"dispute_number": cases["quiet"].number})
    assert r.status_code == 302
    assert MajorIncident.objects.get().dispute_id == cases["quiet"].pk
    assert "业主聚集" in c.get(reverse("mediation:incidents")).content.decode()


def signed_in(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def test_periods_page(world):
    c = signed_in(world.city_admin)
    r = c.post(reverse("mediation:periods"), {"org": world.city.pk, "code": "02", "days": 20})
    assert r.status_code == 302
    period = MediationPeriod.objects.get()
    # the director of A sees the city's rule but cannot remove it
    page = signed_in(world.director_a).get(reverse("mediation:periods"))
    assert page.status_code == 200 and period in page.context["periods"]
    assert not [p for p in page.context["periods"] if p.can_delete]
    assert signed_in(world.director_a).post(reverse("mediation:period_delete", args=[period.pk])).status_code == 404
    assert signed_in(world.staff_a).post(reverse("mediation:periods"), {"org": world.office_a.pk}).status_code == 403
    r = c.post(reverse("mediation:periods"), {"org": world.city.pk, "code": "02", "days": 0})
    assert r.status_code == 400 and MediationPeriod.objects.get().days == 20
    assert c.post(reverse("mediation:period_delete", args=[period.pk])).status_code == 302
    assert not MediationPeriod.objects.exists()


@pytest.mark.parametrize("by", ["office", "village", "committee", "mediator", "level"])
def test_stats_groupings(world, client_for, cases, by):
    services.dispute_succeed(
        actor=world.director_a, dispute=cases["quiet"], form="written", terms="修好水沟", signed_on=TODAY
    )
    c = client_for(world.city_admin)
    r = c.get(reverse("mediation:stats"), {"by": by, "date_from": (TODAY - datetime.timedelta(days=30)).isoformat()})
    assert r.status_code == 200
    names = [name for name, _row in r.context["group_rows"]]
    expected = {
        "office": "甲镇司法所",
        "village": "甲一村",
        "committee": "甲镇调委会",
        "mediator": "王调解",
        "level": str(codes.Level.TOWN.label),
    }[by]
    assert any(expected in str(n) for n in names), names


def test_dashboard_figures_come_from_the_cases(world, client_for, cases):
    services.dispute_succeed(
        actor=world.director_a, dispute=cases["quiet"], form="written", terms="修好水沟", signed_on=TODAY
    )
    r = client_for(world.city_admin).get(reverse("mediation:dashboard"))
    assert r.status_code == 200
    chart = r.context["chart"]
    assert sum(m["received"] for m in chart["trend"]) == 3
    assert sum(m["succeeded"] for m in chart["trend"]) == 1
    assert {o["name"] for o in chart["offices"]} == {"甲镇司法所", "乙镇司法所"}
    assert sum(x["value"] for x in chart["levels"]) == 1
    assert r.context["totals"]["success_rate"] == 100.0
    assert 'id="dashboard-data"' in r.content.decode()
    # an office sees only itself
    r = client_for(world.director_b).get(reverse("mediation:dashboard"))
    assert {o["name"] for o in r.context["chart"]["offices"]} == {"乙镇司法所"}


def test_dashboard_query_count_is_bounded(world, client_for, cases, django_assert_max_num_queries):
    c = client_for(world.city_admin)
    with django_assert_max_num_queries(25):
        c.get(reverse("mediation:dashboard"))


def test_list_counts_load_after_the_list(world, client_for, cases):
    c = client_for(world.director_a)
    page = c.get(reverse("mediation:list")).content.decode()
    assert 'hx-get="/mediation/counts/"' in page
    counts = c.get(reverse("mediation:counts"))
    assert counts.status_code == 200 and counts.context["deadlines"]["open"] == 2


def test_filter_choices_are_bounded(world, monkeypatch):
    from fengqiao.mediation import selectors

    # a bureau picks a town; an office sees its villages, committees and mediators
    choices = selectors.filter_choices(world.city_admin)
    assert {n.name for n in choices["villages"]} == {"甲镇", "乙镇"}
    assert choices["committees"] == [] and choices["mediators"] == []
    office = selectors.filter_choices(world.director_a)
    assert {n.name for n in office["villages"]} == {"甲镇", "甲一村", "甲二村"}
    monkeypatch.setattr(selectors, "CHOICE_LIMIT", 1)
    assert selectors.filter_choices(world.city_admin)["villages"] == []  # a province-sized area
