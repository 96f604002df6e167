"""The 2019 campaign in the browser: the city creates and starts it, an office assesses itself and
submits, an assessor judges and concludes, the office names who rectifies the item not met, and
the city reads the matrix and the scorecard (screenshots in var/screenshots/)."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from fengqiao.assessment import codes, services
from fengqiao.assessment.models import Assessment, Campaign, RectificationTask
from fengqiao.assessment.testing import shipped_standard, upload
from fengqiao.testing.browser import login, shot
from fengqiao.testing.factories import PASSWORD, World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def w(transactional_db):
    world = World.build()
    shipped_standard()  # the data migration's rows are flushed between transactional tests
    return world


def test_campaign_end_to_end(page, w):
    today = timezone.localdate()
    login(page, "cityadmin", PASSWORD)
    page.goto("/standards/")
    page.click("#new-campaign")
    page.fill("#id_name", "“枫桥式”司法所创建活动")
    page.select_option("#id_standard", str(shipped_standard().pk))
    page.fill("#id_starts_on", (today - datetime.timedelta(days=30)).isoformat())
    page.fill("#id_ends_on", (today + datetime.timedelta(days=300)).isoformat())
    page.fill("#id_phase1_starts_on", (today - datetime.timedelta(days=30)).isoformat())
    page.fill("#id_phase1_ends_on", (today - datetime.timedelta(days=20)).isoformat())
    page.fill("#id_phase2_starts_on", (today - datetime.timedelta(days=19)).isoformat())
    page.fill("#id_phase2_ends_on", (today + datetime.timedelta(days=60)).isoformat())
    page.fill("#id_phase2_target", "40")
    page.fill("#id_phase3_starts_on", (today + datetime.timedelta(days=61)).isoformat())
    page.fill("#id_phase3_ends_on", (today + datetime.timedelta(days=300)).isoformat())
    page.fill("#id_phase3_target", "100")
    page.click("#save-campaign")
    expect(page.locator("#campaign-name")).to_have_text("“枫桥式”司法所创建活动")
    with page.expect_navigation():
        page.click("#start-campaign")
    campaign = Campaign.objects.get()
    assert campaign.status == codes.CampaignStatus.RUNNING and campaign.phases.count() == 3

    # The office: item 1 in the browser (judgement, note, evidence file), the rest through services.
    a = Assessment.objects.get(campaign=campaign, office=w.office_a)
    first = a.results.get(item__number=1)
    page.context.clear_cookies()
    login(page, "director_a", PASSWORD)
    page.goto(f"/standards/assessments/{a.pk}/")
    card = page.locator(f"#item-{first.pk}")
    card.locator("select").select_option("met")
    card.locator("textarea").fill("党支部“三会一课”按时开展，记录完整。")
    with page.expect_navigation():
        card.locator(".self-form button").click()
    card.locator("input[type=file]").set_input_files(
        files=[{"name": "党建台账.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 demo"}]
    )
    with page.expect_navigation():
        page.locator(f"#item-{first.pk} .evidence-form button").click()
    expect(page.locator(f"#item-{first.pk} .evidence")).to_contain_text("党建台账.pdf")
    for r in a.results.select_related("item").exclude(pk=first.pk):
        services.result_self_assess(actor=w.director_a, result=r, self_judgement=codes.Judgement.MET)
        if r.item.method != codes.Method.AUTOMATIC:
            services.evidence_upload(actor=w.director_a, upload=upload(), result=r)
    page.reload()
    shot(page, "assessment-self")
    with page.expect_navigation():
        page.click("#submit-assessment")
    a.refresh_from_db()
    assert a.status == codes.AssessmentStatus.SUBMITTED

    # The assessor: item 3 not met in the browser, the rest met, then concluded.
    page.context.clear_cookies()
    login(page, "assessor", PASSWORD)
    third = a.results.get(item__number=3)
    page.goto(f"/standards/assessments/{a.pk}/")
    judge = page.locator(f"#item-{third.pk} .judge-form")
    judge.locator("select").select_option("not_met")
    judge.locator("textarea").fill("发现一起违纪问题，未及时处理。")
    with page.expect_navigation():
        judge.locator("button").click()
    for r in a.results.select_related("item").exclude(pk=third.pk):
        services.result_judge(actor=w.assessor, assessment=a, item=r.item, judgement=codes.Judgement.MET)
    page.reload()
    with page.expect_navigation():
        page.click("#conclude-assessment")
    expect(page.locator("#assessment-result")).to_be_visible()
    a.refresh_from_db()
    assert a.status == codes.AssessmentStatus.JUDGED and a.met is False
    expect(page.locator(f"#item-{third.pk}")).to_have_attribute("data-judgement", "not_met")
    shot(page, "assessment-scorecard")

    page.goto(f"/standards/campaigns/{campaign.pk}/")
    expect(page.locator("#matrix tbody tr")).to_have_count(2)
    expect(page.locator("#chart-completion svg")).to_have_count(1)
    shot(page, "assessment-matrix")

    # The office names the person, the responsibility and the deadline.
    task = RectificationTask.objects.get()
    page.context.clear_cookies()
    login(page, "director_a", PASSWORD)
    page.goto(f"/standards/rectifications/{task.pk}/")
    page.select_option("#id_responsible", str(w.staff_a.pk))
    page.fill("#id_responsibility", "组织全所开展纪律教育，完成问题整改。")
    page.fill("#id_deadline", (today + datetime.timedelta(days=30)).isoformat())
    with page.expect_navigation():
        page.click("#assign-form button")
    expect(page.locator("#task-responsible")).to_have_text(w.staff_a.full_name or "staff_a")
    task.refresh_from_db()
    assert task.responsible_id == w.staff_a.pk and task.deadline == today + datetime.timedelta(days=30)
    shot(page, "assessment-rectification")
