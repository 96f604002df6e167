"""Office staff record a themed party day on a phone, with the members present, then the director
reads the branch page and the figures (screenshots in var/screenshots/)."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from fengqiao.party import codes, services
from fengqiao.party.models import Activity
from fengqiao.testing.browser import login, shot
from fengqiao.testing.factories import PASSWORD, World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def w(transactional_db):
    world = World.build()
    today = timezone.localdate()
    branch = services.branch_create(
        actor=world.director_a,
        office=world.office_a,
        name="中共甲镇司法所支部委员会",
        secretary="王书记",
        established_on=today - datetime.timedelta(days=3000),
        parent_organisation="中共测试市司法局机关委员会",
    )
    for name in ("王书记", "李调解", "张社工"):
        services.member_add(
            actor=world.director_a,
            branch=branch,
            name=name,
            status=codes.MemberStatus.FORMAL,
            joined_on=today - datetime.timedelta(days=3000),
            formal_on=today - datetime.timedelta(days=2600),
        )
    services.member_add(
        actor=world.director_a,
        branch=branch,
        name="赵预备",
        status=codes.MemberStatus.PROBATIONARY,
        joined_on=today - datetime.timedelta(days=90),
    )
    world.branch = branch
    return world


def test_staff_record_a_themed_day_on_a_phone(phone_page, page, w):
    today = timezone.localdate()
    pg = phone_page
    login(pg, "staff_a", PASSWORD)
    pg.goto("/party/")
    expect(pg.locator("#branch-name")).to_have_text("中共甲镇司法所支部委员会")
    pg.click("#new-activity")
    pg.select_option("#id_type", codes.ActivityType.THEME_DAY)
    pg.fill("#id_date", (today + datetime.timedelta(days=1)).isoformat())
    pg.fill("#id_topic", "重温入党誓词，开展法律咨询进社区")
    pg.fill("#id_place", "甲一村党群服务中心")
    pg.fill("#id_record", "全体党员重温入党誓词，随后到甲一村开展法律咨询，解答群众问题12个。")
    pg.click("#select-all")
    pg.locator("input[name=attendees]").nth(3).uncheck()
    shot(pg, "party-activity-form-phone")
    pg.click("#activity-form button[type=submit]")
    expect(pg.locator("#id_date.is-invalid")).to_be_visible()
    assert not Activity.objects.exists()
    pg.fill("#id_date", today.isoformat())
    pg.click("#activity-form button[type=submit]")
    expect(pg.locator("#attendance")).to_have_attribute("data-present", "3")
    expect(pg.locator("#attendance")).to_have_attribute("data-expected", "4")
    activity = Activity.objects.get()
    assert (activity.type, activity.present_count, activity.expected_count) == (codes.ActivityType.THEME_DAY, 3, 4)
    shot(pg, "party-activity-phone")

    login(page, "director_a", PASSWORD)
    page.goto("/party/")
    expect(page.locator("#f-theme")).to_have_text("1")
    expect(page.locator("#completion-grid td[data-type=theme_day][data-done='1']")).to_have_count(1)
    shot(page, "party-branch")
    page.goto("/party/metrics/")
    expect(page.locator(f"#office-{w.office_a.pk} td[data-code=party_theme_days]")).to_have_attribute("data-value", "1")
    shot(page, "party-metrics")
