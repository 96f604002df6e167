"""In the browser: a village legal advisor records a day's work on a phone (a refusal first), office
staff set up a service point and put someone on duty, and the city reads the gaps, the villages
and the figures (screenshots in var/screenshots/)."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from fengqiao.core.permissions import Role
from fengqiao.legalnet import codes
from fengqiao.legalnet.models import PointStaff, ServicePoint, WorkLog
from fengqiao.testing.browser import login, shot
from fengqiao.testing.factories import PASSWORD, World, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def w(transactional_db):
    world = World.build()
    world.lawyer = make_user(
        world.village_a1,
        Role.LEGAL_ADVISOR,
        username="guwen",
        full_name="周律师",
        served_villages=[world.village_a1, world.village_a2],
    )
    return world


def test_advisor_logs_work_on_a_phone(phone_page, w):
    page = phone_page
    today = timezone.localdate()
    login(page, "guwen", PASSWORD)
    page.goto("/service-network/logs/")
    page.click("#new-log")
    page.select_option("#id_village", str(w.village_a2.pk))
    expect(page.locator("#id_advisor")).to_have_value(str(w.lawyer.pk))
    expect(page.locator("#id_date")).to_have_value(today.isoformat())
    # nothing counted: refused, nothing saved
    page.click("#log-form button[type=submit]")
    expect(page.locator("#id_consultations.is-invalid")).to_be_visible()
    assert not WorkLog.objects.exists()
    shot(page, "legalnet-worklog-phone-refused")
    page.check("#id_duty_days")
    page.fill("#id_consultations", "3")
    page.fill("#id_contract_reviews", "1")
    page.fill("#id_note", "到村值班，解答土地流转咨询，审查村集体厂房租赁合同。")
    shot(page, "legalnet-worklog-phone")
    page.click("#log-form button[type=submit]")
    expect(page.locator("#log-note")).to_contain_text("土地流转")
    log = WorkLog.objects.get()
    assert (log.org_id, log.advisor_id, log.duty_days, log.consultations, log.contract_reviews) == (
        w.village_a2.pk,
        w.lawyer.pk,
        1,
        3,
        1,
    )
    expect(page.locator("#timeline li")).to_have_count(1)
    shot(page, "legalnet-worklog-detail-phone")


def test_staff_set_up_a_point_and_the_city_sees_the_gaps(page, w):
    today = timezone.localdate()
    login(page, "staff_a", PASSWORD)
    page.goto("/service-network/")
    page.click("#new-point")
    page.select_option("#id_kind", codes.PointKind.ARBITRATION)
    page.fill("#id_partner", "无锡仲裁委员会")
    page.fill("#id_hours", "每周三 9:00-16:00")
    page.fill("#id_address", "甲镇人民路1号司法所二楼调解室")
    page.fill("#id_opened_on", today.isoformat())
    page.click("#point-form button[type=submit]")
    expect(page.locator("#point-name")).to_be_visible()
    expect(page.locator("#unstaffed-warning")).to_be_visible()
    point = ServicePoint.objects.get()
    assert point.office_id == w.office_a.pk and point.partner == "无锡仲裁委员会"
    page.fill("#id_staff-name", "钱仲裁")
    page.fill("#id_staff-phone", "13812345678")
    page.fill("#id_staff-duty", "每周三全天")
    with page.expect_navigation():
        page.click("#form-staff button[type=submit]")
    expect(page.locator("#unstaffed-warning")).to_have_count(0)
    expect(page.locator("#staff-list")).to_contain_text("钱仲裁")
    assert PointStaff.objects.filter(point=point, until__isnull=True).count() == 1
    shot(page, "legalnet-point")
    page.context.clear_cookies()
    login(page, "cityadmin", PASSWORD)
    page.goto("/service-network/gaps/")
    cell = page.locator(f"#gap-office-{w.office_a.pk} td[data-kind=arbitration]")
    expect(cell).to_have_attribute("data-state", "ok")
    expect(page.locator(f"#gap-office-{w.office_a.pk} td[data-state=missing]")).to_have_count(4)
    expect(page.locator(f"#gap-office-{w.office_b.pk} td[data-state=missing]")).to_have_count(5)
    shot(page, "legalnet-gaps")
    page.goto("/service-network/advisors/")
    expect(page.locator(f"#village-{w.village_b1.pk}")).to_have_attribute("data-state", "none")
    shot(page, "legalnet-advisors")
    page.goto("/service-network/metrics/")
    expect(page.locator(f"#metrics-{w.office_a.pk}")).to_be_visible()
    shot(page, "legalnet-metrics")
