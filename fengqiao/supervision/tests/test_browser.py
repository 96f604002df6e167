"""Office staff record a case-file review on a phone, record the problem it found with a
rectification deadline, follow the rectification to verification, and read the figures
(screenshots in var/screenshots/)."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from fengqiao.supervision import codes, services
from fengqiao.supervision.models import Activity, Problem
from fengqiao.testing.browser import login, shot
from fengqiao.testing.factories import PASSWORD, World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def w(transactional_db):
    world = World.build()
    world.law = services.department_create(
        actor=world.director_a,
        office=world.office_a,
        name="甲镇综合行政执法局",
        kind=codes.DepartmentKind.COMPREHENSIVE,
    )
    world.market = services.department_create(
        actor=world.director_a, office=world.office_a, name="市场监督管理局甲镇分局", kind=codes.DepartmentKind.MARKET
    )
    return world


def test_record_supervision_on_a_phone_and_follow_the_rectification(phone_page, page, w):
    today = timezone.localdate()
    p = phone_page
    login(p, "staff_a", PASSWORD)
    p.goto("/supervision/")
    p.click("#new-activity")
    p.select_option("#id_kind", codes.ActivityKind.CASE_REVIEW)
    p.fill("#id_title", "第四季度行政处罚案卷评查")
    p.fill("#id_date", (today - datetime.timedelta(days=3)).isoformat())
    p.check(f"input[name=departments][value='{w.law.pk}']")
    p.fill("#id_participants", "王所长、李干事")
    p.fill("#id_summary", "随机抽取12件行政处罚案卷进行评查。")
    shot(p, "supervision-activity-form-phone")
    # a case-file review without the number of files is refused beside the field
    p.click("#supervision-form button[type=submit]")
    expect(p.locator("#id_files_reviewed.is-invalid")).to_be_visible()
    p.fill("#id_files_reviewed", "12")
    p.click("#supervision-form button[type=submit]")
    expect(p.locator("#activity-title")).to_have_text("第四季度行政处罚案卷评查")
    activity = Activity.objects.get()
    assert activity.files_reviewed == 12 and list(activity.departments.all()) == [w.law]

    # the problem it found, with a deadline: the rectification is ordered at once
    p.select_option("#id_problem-department", str(w.law.pk))
    p.select_option("#id_problem-category", codes.ProblemCategory.DOCUMENTS)
    p.fill("#id_problem-description", "3件案卷缺少送达回证")
    p.fill("#id_problem-deadline", (today + datetime.timedelta(days=15)).isoformat())
    p.fill("#id_problem-requirement", "补齐送达回证并报送整改报告")
    shot(p, "supervision-problem-form-phone")
    p.click("#problem-form button[type=submit]")
    expect(p.locator("#problem-status")).to_have_attribute("data-status", "rectifying")
    problem = Problem.objects.get()
    assert problem.deadline == today + datetime.timedelta(days=15)

    # the department reports, the office verifies
    p.click("#open-rectified")
    p.fill("#id_rectified-result", "已补齐送达回证，报送整改报告")
    with p.expect_navigation():
        p.click("#form-rectified button[type=submit]")
    expect(p.locator("#problem-status")).to_have_attribute("data-status", "rectified")
    with p.expect_navigation():
        p.click("#form-verified button[type=submit]")
    expect(p.locator("#problem-status")).to_have_attribute("data-status", "verified")
    expect(p.locator("#timeline li")).to_have_count(4)
    shot(p, "supervision-problem-phone")
    problem.refresh_from_db()
    assert problem.status == codes.ProblemStatus.VERIFIED and problem.verified_by == w.staff_a

    # the figures, on a desktop
    login(page, "staff_a", PASSWORD)
    page.goto(f"/supervision/metrics/?date_from={(today - datetime.timedelta(days=30)).isoformat()}")
    expect(page.locator("#m-activities")).to_have_text("1")
    expect(page.locator("#m-problems")).to_have_text("1")
    expect(page.locator("#chart-kinds svg")).to_have_count(1)
    expect(page.locator(f"#department-metrics tr[data-department='{w.law.pk}']")).to_be_visible()
    shot(page, "supervision-metrics")
    page.goto("/supervision/")
    expect(page.locator(f"#activity-{activity.pk}")).to_be_visible()
    shot(page, "supervision-activities")
