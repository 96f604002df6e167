"""The construction-standard pages as office staff and the city's assessors use them."""

import datetime
import io

from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from fengqiao.assessment import codes
from fengqiao.assessment.models import Assessment, Campaign, Evidence, RectificationTask
from fengqiao.assessment.testing import (
    assessment_of,
    fill_and_submit,
    judge_all,
    make_campaign,
    shipped_standard,
    upload,
)
from fengqiao.core.models import AuditEvent
from fengqiao.mediation.tests.test_metrics import conclude

TODAY = timezone.localdate()


def test_city_creates_and_starts_a_campaign(world, client_for):
    c = client_for(world.city_admin)
    assert c.get(reverse("assessment:campaign_create")).status_code == 200
    data = {
        "name": "2026年度创建",
        "standard": str(shipped_standard().pk),
        "starts_on": TODAY.isoformat(),
        "ends_on": (TODAY + datetime.timedelta(days=200)).isoformat(),
        "rule": codes.MeetRule.ALL_MET,
        "phase1_name": "重点培育",
        "phase1_starts_on": TODAY.isoformat(),
        "phase1_ends_on": (TODAY + datetime.timedelta(days=60)).isoformat(),
        "phase1_target": "40",
        "phase2_name": "全面推进",
        "phase2_starts_on": (TODAY + datetime.timedelta(days=30)).isoformat(),
        "phase2_ends_on": (TODAY + datetime.timedelta(days=100)).isoformat(),
    }
    bad = c.post(reverse("assessment:campaign_create"), data)
    assert bad.status_code == 400 and 'id="form-errors"' in bad.content.decode()  # overlapping phases
    assert not Campaign.objects.exists()
    data["phase2_starts_on"] = (TODAY + datetime.timedelta(days=61)).isoformat()
    ok = c.post(reverse("assessment:campaign_create"), data)
    campaign = Campaign.objects.get()
    assert ok.status_code == 302 and campaign.phases.count() == 2
    c.post(reverse("assessment:campaign_start", args=[campaign.pk]))
    assert Assessment.objects.filter(campaign=campaign).count() == 2
    page = c.get(reverse("assessment:campaign", args=[campaign.pk]))
    assert page.status_code == 200 and 'id="matrix"' in page.content.decode()


def test_office_cannot_create_a_campaign(world, client_for):
    assert client_for(world.director_a).get(reverse("assessment:campaign_create")).status_code == 403


def test_office_fills_and_submits_in_the_browser_forms(world, client_for):
    campaign = make_campaign(world)
    a = assessment_of(campaign, world.office_a)
    c = client_for(world.director_a)
    page = c.get(reverse("assessment:assessment", args=[a.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and html.count("self-form") == 17 and 'id="submit-assessment"' in html
    results = list(a.results.select_related("item").order_by("item__number"))
    r = results[0]
    resp = c.post(
        reverse("assessment:assessment_self", args=[a.pk]),
        {"result": r.pk, f"s{r.pk}-self_judgement": "bogus", f"s{r.pk}-self_note": ""},
    )
    assert resp.status_code == 400
    r.refresh_from_db()
    assert r.self_judgement == ""
    for r in results:
        c.post(
            reverse("assessment:assessment_self", args=[a.pk]),
            {"result": r.pk, f"s{r.pk}-self_judgement": "met", f"s{r.pk}-self_note": "已落实"},
        )
        if r.item.method != codes.Method.AUTOMATIC:
            c.post(
                reverse("assessment:assessment_evidence", args=[a.pk]),
                {"result": r.pk, f"e{r.pk}-file": upload(), f"e{r.pk}-note": ""},
            )
    assert Evidence.objects.filter(result__assessment=a).count() == 15  # every item but the automatic 10 and 17
    c.post(reverse("assessment:assessment_submit", args=[a.pk]))
    a.refresh_from_db()
    assert a.status == codes.AssessmentStatus.SUBMITTED
    # The office sees no judging form; the assessor does.
    assert "judge-form" not in c.get(reverse("assessment:assessment", args=[a.pk])).content.decode()
    html = client_for(world.assessor).get(reverse("assessment:assessment", args=[a.pk])).content.decode()
    assert html.count("judge-form") == 17 and 'id="conclude-assessment"' in html


def test_assessor_judges_and_drills_down(world, client_for):
    campaign = make_campaign(world)
    for outcome in ("succeeded", "failed"):
        conclude(world, outcome)
    fill_and_submit(world, campaign, world.office_a, world.director_a)
    a = assessment_of(campaign, world.office_a)
    c = client_for(world.assessor)
    item8 = a.results.get(item__number=8)
    resp = c.post(
        reverse("assessment:assessment_judge", args=[a.pk]),
        {"result": item8.pk, f"j{item8.pk}-judgement": "not_met", f"j{item8.pk}-comment": ""},
    )
    assert resp.status_code == 302  # refused by the service (a reason is needed), shown as a message
    item8.refresh_from_db()
    assert item8.judgement == ""
    judge_all(world, a, except_items=(8,))
    page = c.get(reverse("assessment:assessment", args=[a.pk]))
    assert page.status_code == 200
    drill = c.get(reverse("assessment:records", args=[item8.pk]) + "?indicator=mediation.success_rate")
    assert drill.status_code == 200 and drill.content.decode().count('class="list-group-item"') == 2
    # The office of B cannot open A's drill-down.
    other = client_for(world.director_b).get(
        reverse("assessment:records", args=[item8.pk]) + "?indicator=mediation.success_rate"
    )
    assert other.status_code == 404
    task = RectificationTask.objects.get()
    office = client_for(world.director_a)
    assert 'id="assign-form"' in office.get(reverse("assessment:task", args=[task.pk])).content.decode()
    bad = office.post(
        reverse("assessment:task_assign", args=[task.pk]),
        {"responsible": world.staff_a.pk, "responsibility": "整改", "deadline": "2000-01-01"},
    )
    assert bad.status_code == 400
    task.refresh_from_db()
    assert task.deadline is None


def test_exports_are_audited(world, client_for):
    campaign = make_campaign(world)
    fill_and_submit(world, campaign, world.office_a, world.director_a)
    judge_all(world, assessment_of(campaign, world.office_a))
    c = client_for(world.assessor)
    resp = c.get(reverse("assessment:campaign_export", args=[campaign.pk]))
    rows = list(load_workbook(io.BytesIO(resp.content)).active.iter_rows(values_only=True))
    assert len(rows) == 3 and len(rows[0]) == 4 + 17
    resp = c.get(reverse("assessment:assessment_export", args=[assessment_of(campaign, world.office_a).pk]))
    rows = list(load_workbook(io.BytesIO(resp.content)).active.iter_rows(values_only=True))
    assert len(rows) == 18
    assert AuditEvent.objects.filter(kind="export").count() == 2


def test_evidence_download_is_scoped_and_audited(world, client_for):
    campaign = make_campaign(world)
    fill_and_submit(world, campaign, world.office_a, world.director_a)
    ev = Evidence.objects.first()
    resp = client_for(world.director_a).get(reverse("assessment:evidence", args=[ev.pk]))
    assert resp.status_code == 200 and b"".join(resp.streaming_content).startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="access.evidence").count() == 1
    assert client_for(world.director_b).get(reverse("assessment:evidence", args=[ev.pk])).status_code == 404


def test_standard_import_page_lists_every_fault(world, client_for):
    import json

    from django.core.files.uploadedfile import SimpleUploadedFile

    from fengqiao.assessment.tests.test_standards import own

    data = own()
    data["items"].append(data["items"][0])
    c = client_for(world.city_admin)
    resp = c.post(reverse("assessment:standards"), {"file": SimpleUploadedFile("s.json", json.dumps(data).encode())})
    assert resp.status_code == 400 and 'id="import-errors"' in resp.content.decode()
    ok = c.post(reverse("assessment:standards"), {"file": SimpleUploadedFile("s.json", json.dumps(own()).encode())})
    assert ok.status_code == 302
    assert c.get(ok["Location"]).status_code == 200


def test_lists(world, client_for):
    campaign = make_campaign(world)
    fill_and_submit(world, campaign, world.office_a, world.director_a)
    judge_all(world, assessment_of(campaign, world.office_a), except_items=(1, 2))
    for user in (world.director_a, world.assessor, world.leader):
        c = client_for(user)
        for name in ("assessment:index", "assessment:tasks", "assessment:experiences", "assessment:standards"):
            assert c.get(reverse(name)).status_code == 200, (user, name)
    import re

    task_link = re.compile(r'href="/standards/rectifications/\d+/"')
    html = client_for(world.director_a).get(reverse("assessment:tasks") + "?status=all").content.decode()
    assert len(task_link.findall(html)) == 2
    html = client_for(world.director_b).get(reverse("assessment:tasks") + "?status=all").content.decode()
    assert not task_link.findall(html)


def test_home_summary(world, client_for):
    from fengqiao.assessment import selectors

    campaign = make_campaign(world)
    fill_and_submit(world, campaign, world.office_a, world.director_a)
    figures = {label: value for label, value, _url, _tone in selectors.home_summary(world.assessor)}
    assert list(figures.values()) == [0, 0, 1]  # one scorecard waiting for inspection
    judge_all(world, assessment_of(campaign, world.office_a), except_items=(5,))
    assert [v for _l, v, _u, _t in selectors.home_summary(world.director_a)] == [1, 0]
    assert [v for _l, v, _u, _t in selectors.home_summary(world.director_b)] == [0, 0]
    assert client_for(world.assessor).get("/").status_code == 200


def test_indicator_trend(world, client_for):
    campaign = make_campaign(world)
    for outcome in ("succeeded", "succeeded", "failed"):
        conclude(world, outcome)
    c = client_for(world.assessor)
    url = reverse("assessment:campaign_trend", args=[campaign.pk])
    data = c.get(url, {"indicator": "mediation.success_rate"}).json()
    assert data["spec"]["threshold"] == 98 and 1 <= len(data["points"]) <= 12
    last = data["points"][-1]
    assert last["month"] == TODAY.strftime("%Y-%m") and last["average"] == 66.7 and last["met_share"] == 0.0
    assert c.get(url, {"indicator": "nothing.here"}).status_code == 404
    # An office sees its own offices only: B has no cases, so nothing is measured there.
    data = client_for(world.director_b).get(url, {"indicator": "mediation.success_rate"}).json()
    assert data["points"][-1]["measured"] == 0


def test_closest_lists_only_judged_offices(world, client_for):
    import re

    campaign = make_campaign(world)
    fill_and_submit(world, campaign, world.office_a, world.director_a)
    judge_all(world, assessment_of(campaign, world.office_a), except_items=(4,))
    html = client_for(world.assessor).get(reverse("assessment:campaign", args=[campaign.pk])).content.decode()
    closest = re.search(r'id="closest">(.*?)</ul>', html, re.S).group(1)
    assert "甲镇司法所" in closest and "乙镇司法所" not in closest
