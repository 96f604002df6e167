"""An education officer records an activity on a phone (a refusal first), puts themself in post at
the station, the director designates a demonstration village, and the figures show it
(screenshots in var/screenshots/)."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from fengqiao.core.permissions import Role
from fengqiao.education import codes, services
from fengqiao.education.models import Activity, DemoVillage, StationStaff
from fengqiao.testing.browser import login, shot
from fengqiao.testing.factories import PASSWORD, World, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def w(transactional_db):
    world = World.build()
    world.officer = make_user(world.office_a, Role.EDUCATION_OFFICER, username="pufa", full_name="陈普法")
    return world


def test_officer_records_an_activity_on_a_phone(phone_page, page, w):
    today = timezone.localdate()
    p = phone_page
    login(p, "pufa", PASSWORD)
    p.goto("/education/")
    p.click("#new-activity")
    p.select_option("#id_org", str(w.village_a1.pk))
    p.fill("#id_topic", "防范电信网络诈骗讲座")
    p.select_option("#id_form", codes.Form.LECTURE)
    p.fill("#id_venue", "甲一村新时代文明实践站")
    p.select_option("#id_audience", codes.Audience.ELDERLY)
    p.fill("#id_reached", "0")
    p.fill("#id_department", "公安派出所")
    p.fill("#id_record", "民警结合本地案例讲解养老诈骗常见手法。")
    p.click("#education-form button[type=submit]")
    expect(p.locator("#id_reached.is-invalid")).to_be_visible()
    assert Activity.objects.count() == 0
    shot(p, "education-activity-form-phone")
    p.fill("#id_reached", "86")
    p.click("#education-form button[type=submit]")
    expect(p.locator("#activity-topic")).to_have_text("防范电信网络诈骗讲座")
    expect(p.locator("#activity-reached")).to_have_text("86")
    a = Activity.objects.get()
    assert (a.org_id, a.department, a.recorded_by_id) == (w.village_a1.pk, "公安派出所", w.officer.pk)
    shot(p, "education-activity-phone")
    p.goto("/education/")
    expect(p.locator(f"#activity-{a.pk}")).to_be_visible()
    shot(p, "education-list-phone")

    # The director sets up the station, puts the officer in post and designates a village.
    station = services.station_set_up(
        actor=w.director_a,
        office=w.office_a,
        name="甲镇法治宣传教育辅导站",
        address="甲镇人民路1号",
        set_up_on=today - datetime.timedelta(days=300),
    )
    village = services.village_nominate(
        actor=w.director_a,
        org=w.village_a1,
        target_level=codes.Level.COUNTY,
        nominated_on=today - datetime.timedelta(days=100),
    )
    login(page, "director_a", PASSWORD)
    page.goto(f"/education/stations/{station.pk}/")
    expect(page.locator("#station-fulltime")).to_have_class("badge text-bg-danger")
    page.select_option("#id_staff-user", str(w.officer.pk))
    page.select_option("#id_staff-employment", codes.Employment.FULL_TIME)
    page.fill("#id_staff-start_on", (today - datetime.timedelta(days=200)).isoformat())
    with page.expect_navigation():
        page.click("#staff-form button[type=submit]")
    expect(page.locator("#station-fulltime")).to_have_class("badge text-bg-success")
    assert StationStaff.objects.get().user_id == w.officer.pk
    shot(page, "education-station")
    page.goto(f"/education/villages/{village.pk}/")
    page.select_option("#id_designate-level", codes.Level.COUNTY)
    page.fill("#id_designate-year", str(today.year))
    page.fill("#id_designate-date", today.isoformat())
    with page.expect_navigation():
        page.click("#form-designate button[type=submit]")
    expect(page.locator("#timeline li[data-step=designate]")).to_have_count(1)
    assert DemoVillage.objects.get().status == codes.VillageStatus.DESIGNATED
    shot(page, "education-village")
    page.goto(f"/education/metrics/?date_from={(today - datetime.timedelta(days=30)).isoformat()}")
    expect(page.locator("#chart-forms svg")).to_have_count(1)
    expect(page.locator("#m-activities")).to_have_text("1")
    expect(page.locator("#m-designated")).to_have_text("1")
    expect(page.locator(f"#office-{w.office_a.pk}")).to_have_attribute("data-fulltime", "1")
    shot(page, "education-metrics")
