"""The platform as a person uses it, in headless Chromium: sign in, browse the tree, change a
password, get locked out. Screenshots go to var/screenshots/."""

import re

import pytest
from playwright.sync_api import expect

from fengqiao.accounts.models import User
from fengqiao.core.models import AuditEvent, AuditKind
from fengqiao.testing.browser import login, shot
from fengqiao.testing.factories import PASSWORD, World, valid_id_number

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def w(transactional_db):
    return World.build()


def test_sign_in_and_home(page, w):
    login(page, "director_a", "wrong-password")
    expect(page.locator(".alert-danger")).to_contain_text("用户名或密码")
    login(page, "director_a", PASSWORD)
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("#home-org")).to_contain_text("甲镇司法所")
    expect(page.locator("#home-roles")).to_contain_text("司法所所长")
    expect(page.locator("#home-modules")).to_contain_text("组织机构")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    shot(page, "home-director")


def test_browse_org_tree(page, w):
    login(page, "cityadmin", PASSWORD)
    # The platform pages share one menu in the navigation bar.
    page.click("#fq-nav a.dropdown-toggle:has-text('平台')")
    page.click("#fq-nav .dropdown-item:has-text('组织机构')")
    tree = page.locator("#org-tree")
    expect(tree).to_contain_text("甲镇司法所")  # the root's children arrive by HTMX
    page.locator("summary", has_text="甲镇司法所").click()
    expect(tree).to_contain_text("甲一村")
    shot(page, "org-tree")
    page.click("text=甲一村")
    expect(page.locator("#node-title")).to_have_text("甲一村")
    expect(page.locator(".breadcrumb")).to_contain_text("甲镇司法所")
    shot(page, "org-village")


def test_add_a_village_after_a_bad_division_code(page, w):
    login(page, "cityadmin", PASSWORD)
    page.goto(f"/orgs/{w.office_a.pk}/add/")
    page.select_option("#id_kind", "village")
    page.fill("#id_name", "新建村")
    page.fill("#id_division_code", "12345")
    page.click("#org-form button[type=submit]")
    expect(page.locator(".invalid-feedback")).to_contain_text("12")
    page.fill("#id_division_code", "320281001099")
    page.click("#org-form button[type=submit]")
    expect(page.locator("#node-title")).to_have_text("新建村")
    expect(page.locator(".alert-success")).to_contain_text("新建村")


def test_change_password(page, w):
    login(page, "staff_a", PASSWORD)
    page.goto("/password/")
    page.fill("#id_old_password", "not-my-password")
    page.fill("#id_new_password1", "Brand-New-Pass-2026")
    page.fill("#id_new_password2", "Brand-New-Pass-2026")
    page.click("#password-form button[type=submit]")
    expect(page.locator(".invalid-feedback")).to_contain_text("当前密码")
    page.fill("#id_old_password", PASSWORD)
    page.fill("#id_new_password1", "12345678")
    page.fill("#id_new_password2", "12345678")
    page.click("#password-form button[type=submit]")
    expect(page.locator(".invalid-feedback").first).to_contain_text("密码太短，至少需要 10 个字符")
    expect(page.locator(".invalid-feedback")).to_have_count(4)  # one line per rule broken
    expect(page.locator("main")).not_to_contain_text("too short")
    shot(page, "password-weak")
    page.fill("#id_old_password", PASSWORD)
    page.fill("#id_new_password1", "Brand-New-Pass-2026")
    page.fill("#id_new_password2", "Brand-New-Pass-2026")
    page.click("#password-form button[type=submit]")
    expect(page.locator(".alert-success")).to_contain_text("密码")
    assert User.objects.get(username="staff_a").check_password("Brand-New-Pass-2026")


def test_lockout_after_repeated_failures(page, w):
    for _ in range(5):
        login(page, "staff_a", "wrong-password")
    expect(page.locator("#lockout")).to_contain_text("锁定")
    shot(page, "lockout")
    login(page, "staff_a", PASSWORD)  # even the right password is refused while locked
    expect(page.locator("#lockout")).to_be_visible()
    assert AuditEvent.objects.filter(kind=AuditKind.LOGIN_FAILED, object_repr="staff_a").count() >= 5


def test_masked_id_and_audited_reveal(page, w):
    User.objects.filter(pk=w.staff_a.pk).update(id_number=valid_id_number(), phone="13812345678")
    login(page, "director_a", PASSWORD)
    page.goto("/users/")
    expect(page.locator("#user-table")).to_contain_text("3202**********")
    expect(page.locator("#user-table")).not_to_contain_text(valid_id_number())
    expect(page.locator("#user-table")).to_contain_text("138****5678")
    shot(page, "user-list")
    page.goto(f"/users/{w.staff_a.pk}/")
    page.click("#reveal-id")
    expect(page.locator("#id-number")).to_contain_text(valid_id_number())
    assert AuditEvent.objects.filter(kind=AuditKind.ACCESS, object_id=str(w.staff_a.pk)).count() == 1


def test_phone_layout(phone_page, w):
    login(phone_page, "mediator_a1", PASSWORD)
    expect(phone_page.locator("#home-org")).to_contain_text("甲一村")
    shot(phone_page, "home-phone-mediator")
    phone_page.click(".navbar-toggler")
    expect(phone_page.locator("#fq-nav")).to_contain_text("组织机构")


def test_director_adds_a_village_mediator(page, w):
    login(page, "director_a", PASSWORD)
    page.goto("/users/new/")
    page.fill("#id_username", "jiayi.tiaojie")
    page.fill("#id_full_name", "甲一调解员")
    with page.expect_response(lambda r: "/users/village-fields/" in r.url):
        page.select_option("#id_unit", str(w.office_a.pk))
    expect(page.locator("#id_village")).to_contain_text("甲一村")  # reloaded by HTMX for the office
    page.select_option("#id_village", str(w.village_a1.pk))
    page.check("input[name=roles][value=mediator]")
    page.fill("#id_phone", "1381234567")  # one digit short
    page.fill("#id_password", "Str0ng-Passw0rd!")
    page.click("#user-form button[type=submit]")
    expect(page.locator(".invalid-feedback").first).to_contain_text("11")
    page.fill("#id_phone", "13812345678")
    page.fill("#id_password", "Str0ng-Passw0rd!")
    page.click("#user-form button[type=submit]")
    expect(page.locator(".alert-success")).to_contain_text("甲一调解员")
    shot(page, "user-created")
    assert User.objects.get(username="jiayi.tiaojie").org_id == w.village_a1.pk
