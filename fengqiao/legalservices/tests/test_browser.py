"""A village legal advisor records a consultation on a phone in a village they serve; the office
director finds the overdue referral on the list, is refused closing it without its outcome, closes
it with the outcome, and reads the figures (screenshots in var/screenshots/)."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from fengqiao.legalservices import codes, services
from fengqiao.legalservices.models import ServiceRecord
from fengqiao.testing.browser import login, shot
from fengqiao.testing.factories import PASSWORD, World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def w(transactional_db):
    world = World.build()
    world.advisor_a.full_name = "周律师"
    world.advisor_a.save()
    today = timezone.localdate()
    referral = services.service_register(
        actor=world.director_a, kind=codes.Kind.REFERRAL, office=world.office_a, village=world.village_a1,
        received_on=today - datetime.timedelta(days=12), person_name="钱进", question="被拖欠工资，申请法律援助",
        referral_to=codes.ReferralTo.LEGAL_AID, receiving_body="江阴市法律援助中心",
    )  # fmt: skip
    ServiceRecord.objects.filter(pk=referral.pk).update(due_on=today - datetime.timedelta(days=7))
    world.referral = referral
    return world


def test_advisor_records_on_a_phone_and_the_office_closes_an_overdue_referral(phone_page, page, w):
    # the advisor, on a phone, in a village they serve
    login(phone_page, "advisor_a", PASSWORD)
    phone_page.goto("/legal-services/")
    phone_page.click("#new-service")
    expect(phone_page.locator("#kind-consultation")).to_have_class("nav-link text-nowrap active")
    phone_page.select_option("#id_village", str(w.village_a2.pk))
    phone_page.fill("#id_person_name", "孙桂芳")
    phone_page.fill("#id_person_phone", "13951234567")
    phone_page.select_option("#id_channel", codes.Channel.VISIT)
    phone_page.select_option("#id_category", codes.Category.INHERITANCE)
    phone_page.fill("#id_question", "父亲去世没有遗嘱，出嫁的女儿能否继承老宅？")
    phone_page.fill("#id_answer", "出嫁女儿与儿子享有同等继承权，建议到公证处办理继承公证。")
    phone_page.fill("#id_minutes", "25")
    phone_page.check("input[name=satisfaction][value=satisfied]")
    shot(phone_page, "legalservices-phone-form")
    phone_page.click("#save-service")
    expect(phone_page.locator("#service-status")).to_have_attribute("data-status", "concluded")
    expect(phone_page.locator("#service-satisfaction")).to_have_attribute("data-satisfaction", "satisfied")
    service = ServiceRecord.objects.get(person_name="孙桂芳")
    assert service.org_id == w.village_a2.pk and service.handled_by_id == w.advisor_a.pk
    assert service.minutes == 25 and service.status == codes.Status.CONCLUDED
    shot(phone_page, "legalservices-phone-detail")

    # the director finds the overdue referral and closes it with its outcome
    login(page, "director_a", PASSWORD)
    page.goto("/legal-services/")
    expect(page.locator(f"#overdue-section a[href='/legal-services/{w.referral.pk}/']")).to_be_visible()
    expect(page.locator(f"#service-{service.pk}")).to_be_visible()
    shot(page, "legalservices-list")
    page.goto(f"/legal-services/{w.referral.pk}/")
    expect(page.locator("#overdue-warning")).to_be_visible()
    expect(page.locator("#open-withdraw")).to_have_count(0)
    with page.expect_navigation():
        page.click("#form-conclude button[type=submit]")
    expect(page.locator("#id_conclude-outcome.is-invalid")).to_be_visible()
    w.referral.refresh_from_db()
    assert w.referral.is_open
    page.fill("#id_conclude-outcome", "法律援助中心已受理并指派律师代理劳动仲裁。")
    with page.expect_navigation():
        page.click("#form-conclude button[type=submit]")
    expect(page.locator("#service-status")).to_have_attribute("data-status", "concluded")
    expect(page.locator("#timeline li[data-step=conclude]")).to_contain_text("指派律师")
    shot(page, "legalservices-detail")
    page.goto("/legal-services/metrics/")
    expect(page.locator(f"#office-metrics tr[data-office='{w.office_a.pk}']")).to_be_visible()
    expect(page.locator("#m-total")).to_have_text("2")
    shot(page, "legalservices-metrics")
