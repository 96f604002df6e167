"""A mediator takes a dispute from intake to archive in the browser (screenshots in var/screenshots/)."""

import pytest
from playwright.sync_api import expect

from fengqiao.core.permissions import Role
from fengqiao.mediation import codes
from fengqiao.mediation.models import Committee, Dispute, Mediator
from fengqiao.testing.browser import login, shot
from fengqiao.testing.factories import PASSWORD, World, make_user, valid_id_number

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def w(transactional_db):
    world = World.build()
    committee = Committee.objects.create(
        org=world.office_a, name="甲镇人民调解委员会", committee_type=codes.CommitteeType.TOWN
    )
    user = make_user(world.office_a, Role.MEDIATOR, username="tiaojie", full_name="王调解")
    m = Mediator.objects.create(org=world.office_a, full_name="王调解", full_time=True, user=user)
    m.committees.add(committee)
    world.committee, world.mediator = committee, m
    return world


def step(page, name):
    page.click(f"#open-{name}")
    expect(page.locator(f"#form-{name}")).to_be_visible()
    # Bootstrap's collapse animates; wait until it has finished before typing into the form.
    expect(page.locator(f"#step-{name}")).to_have_class("accordion-collapse collapse show")


def submit(page, name):
    with page.expect_navigation():
        page.click(f"#form-{name} button[type=submit]")


def test_intake_to_archive(page, w):
    login(page, "tiaojie", PASSWORD)
    page.click("text=人民调解")
    page.click("#new-dispute")
    page.select_option("#id_org", str(w.village_a1.pk))
    page.select_option("#id_channel", codes.Channel.VISIT)
    page.select_option("#id_event_type", "0201")
    page.fill("#id_summary", "排水沟堵塞纠纷")
    page.fill("#id_description", "东邻排水沟堵塞，雨水倒灌西邻院落，双方多次争吵。")
    page.fill("#id_amount", "-100")
    page.fill("#id_parties-0-name", "张三")
    page.fill("#id_parties-0-id_number", "320281199002301234")  # 2月30日: not a real birth date
    page.fill("#id_parties-2-name", "李四")
    page.click("#intake-form button[type=submit]")
    expect(page.locator(".invalid-feedback").first).to_be_visible()
    shot(page, "mediation-intake-errors")
    page.fill("#id_amount", "3000")
    page.fill("#id_parties-0-id_number", valid_id_number())
    page.fill("#id_parties-0-phone", "13812345678")
    page.click("#intake-form button[type=submit]")
    expect(page.locator(".alert-success")).to_contain_text("甲镇人调字第00001号")
    expect(page.locator("#case-status")).to_have_text("已登记")
    expect(page.locator("#party-table")).to_contain_text("3202**********")

    step(page, "accept")
    page.select_option("#id_accept-committee", str(w.committee.pk))
    page.select_option("#id_accept-mediators", str(w.mediator.pk))
    submit(page, "accept")
    expect(page.locator("#case-status")).to_have_text("已受理")

    step(page, "session")
    page.fill("#id_session-place", "甲镇调解室")
    page.fill("#id_session-record", "双方陈述意见，调解员释法明理。")
    submit(page, "session")
    expect(page.locator("#case-status")).to_have_text("调解中")

    step(page, "succeed")
    page.fill("#id_succeed-terms", "")
    submit(page, "succeed")
    expect(page.locator("#form-succeed .invalid-feedback")).to_be_visible()  # no agreement without terms
    page.fill("#id_succeed-terms", "李四于三日内疏通排水沟，并赔偿张三损失三千元。")
    page.fill("#id_succeed-amount", "3000")
    submit(page, "succeed")
    expect(page.locator("#case-status")).to_have_text("调解成功")
    expect(page.locator("#agreement")).to_contain_text("疏通排水沟")

    step(page, "follow_up")
    page.select_option("#id_follow_up-performed", "true")
    page.select_option("#id_follow_up-satisfaction", "satisfied")
    submit(page, "follow_up")
    expect(page.locator("#case-status")).to_have_text("已回访")

    step(page, "archive")
    submit(page, "archive")
    expect(page.locator("#case-status")).to_have_text("已结案归档")
    expect(page.locator("#timeline li")).to_have_count(6)
    shot(page, "mediation-archived")
    d = Dispute.objects.get()
    assert d.status == codes.Status.ARCHIVED and d.office_id == w.office_a.pk


def test_second_user_is_told_the_case_changed(browser, live_server, w):
    from fengqiao.mediation import services

    d = services.dispute_register(
        actor=w.director_a,
        org=w.village_a1,
        channel="visit",
        event_type="0201",
        summary="并发纠纷",
        description="测试并发",
        received_on=__import__("datetime").date(2026, 1, 5),
        parties=[{"side": "applicant", "name": "甲"}, {"side": "respondent", "name": "乙"}],
    )
    pages = []
    for username in ("director_a", "tiaojie"):
        context = browser.new_context(locale="zh-CN", base_url=live_server.url)
        pg = context.new_page()
        login(pg, username, PASSWORD)
        pg.goto(f"/mediation/{d.pk}/")
        pages.append(pg)
    first, second = pages
    step(first, "accept")
    submit(first, "accept")
    expect(first.locator("#case-status")).to_have_text("已受理")
    step(second, "reject")
    second.fill("#id_reject-reason", "不属于调解范围")
    submit(second, "reject")
    expect(second.locator(".alert-danger")).to_contain_text("他人已修改")  # told, and shown the case as it is now
    expect(second.locator("#case-status")).to_have_text("已受理")
    shot(second, "mediation-stale")
    d.refresh_from_db()
    assert d.status == codes.Status.ACCEPTED


def test_warning_handled_and_failed_case_referred(page, w):
    import datetime

    from django.utils import timezone

    from fengqiao.mediation import services

    d = services.dispute_register(
        actor=w.director_a,
        org=w.village_a1,
        channel="visit",
        event_type="0201",
        summary="宅基地纠纷激化",
        description="被申请人扬言要报复，申请人曾被打伤住院。",
        received_on=timezone.localdate() - datetime.timedelta(days=2),
        parties=[{"side": "applicant", "name": "张三"}, {"side": "respondent", "name": "李四"}],
    )
    services.dispute_accept(actor=w.director_a, dispute=d)
    services.session_add(actor=w.director_a, dispute=d, held_on=timezone.localdate(), place="调解室", record="分歧很大")
    services.dispute_fail(actor=w.director_a, dispute=d, reason="双方分歧过大")

    login(page, "director_a", PASSWORD)
    page.goto(f"/mediation/{d.pk}/")
    expect(page.locator("#warnings")).to_contain_text("报复")
    shot(page, "mediation-warning")
    page.fill("#warnings input[name=measures]", "已约谈双方并通报派出所")
    with page.expect_navigation():
        page.click("#warnings button:has-text('标记已处置')")
    expect(page.locator("#warnings")).to_contain_text("已约谈双方")

    step(page, "refer")
    page.select_option("#id_refer-channel", codes.LinkageChannel.LITIGATION)
    page.fill("#id_refer-receiving_body", "江阴市人民法院")
    submit(page, "refer")
    expect(page.locator("#referrals")).to_contain_text("江阴市人民法院")

    step(page, "referral_result")
    page.select_option("#id_referral_result-outcome", codes.LinkageOutcome.RESOLVED)
    page.fill("#id_referral_result-result", "法院调解结案")
    submit(page, "referral_result")
    expect(page.locator("#referrals")).to_contain_text("法院调解结案")
    shot(page, "mediation-referral")

    page.click("text=人民调解")
    page.click("a.nav-link:has-text('工作看板')")
    expect(page.locator("#chart-trend svg")).to_be_visible()
    expect(page.locator("#chart-offices svg")).to_be_visible()
    shot(page, "mediation-dashboard")
