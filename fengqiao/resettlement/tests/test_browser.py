"""A resettlement worker takes over a released person in the browser, sees the full ID number
(recorded), records a visit, and reads the staffing and figures pages (screenshots in
var/screenshots/)."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from fengqiao.core.models import AuditEvent
from fengqiao.core.permissions import Role
from fengqiao.resettlement import codes
from fengqiao.resettlement.models import HelpRecord, ReleasedPerson
from fengqiao.testing.browser import login, shot
from fengqiao.testing.factories import PASSWORD, World, make_user, valid_id_number

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def w(transactional_db):
    world = World.build()
    world.worker = make_user(world.office_a, Role.RESETTLEMENT_WORKER, username="bangjiao", full_name="李帮教")
    return world


def test_handover_reveal_and_visit(page, w):
    today = timezone.localdate()
    number = valid_id_number("32028119850505123")
    login(page, "bangjiao", PASSWORD)
    page.goto("/resettlement/")
    page.click("#new-person")
    page.select_option("#id_org", str(w.village_a1.pk))
    page.fill("#id_name", "王新")
    page.fill("#id_id_number", number)
    page.fill("#id_offence", "诈骗罪")
    page.fill("#id_prison", "江苏省苏州监狱")
    page.fill("#id_released_on", (today - datetime.timedelta(days=2)).isoformat())
    page.fill("#id_handover_on", (today - datetime.timedelta(days=3)).isoformat())
    page.select_option("#id_level", codes.Level.KEY)
    page.select_option("#id_gender", codes.Gender.MALE)
    page.select_option("#id_employment", codes.Employment.UNEMPLOYED)
    page.select_option("#id_housing", codes.Housing.FAMILY)
    page.select_option("#id_assistance", codes.Assistance.NONE)
    page.click("#person-form button[type=submit]")
    expect(page.locator("#id_handover_on.is-invalid")).to_be_visible()
    page.fill("#id_handover_on", (today - datetime.timedelta(days=1)).isoformat())
    page.check("#id_met_at_gate")
    page.click("#person-form button[type=submit]")
    expect(page.locator("#person-name")).to_have_text("王新")
    person = ReleasedPerson.objects.get(name="王新")
    assert person.worker_id == w.worker.pk and person.met_at_gate
    expect(page.locator("#id-number")).not_to_contain_text(number)
    page.click("#reveal-id")
    expect(page.locator("#full-id-number")).to_have_text(number)
    assert AuditEvent.objects.filter(action="access.id_number", object_id=str(person.pk)).count() == 1
    expect(page.locator("#due-warning")).to_be_visible()
    # the help form is open first
    page.select_option("#id_help-kind", codes.HelpKind.VISIT)
    page.fill("#id_help-note", "入户走访，了解就业意向。")
    with page.expect_navigation():
        page.click("#form-help button[type=submit]")
    expect(page.locator("#timeline")).to_contain_text("入户走访")
    expect(page.locator("#due-warning")).to_have_count(0)
    assert HelpRecord.objects.filter(person=person).count() == 1
    shot(page, "resettlement-person")
    page.goto("/resettlement/staffing/")
    expect(page.locator("#staffing-table")).to_contain_text("李帮教")
    shot(page, "resettlement-staffing")
    page.goto(f"/resettlement/metrics/?date_from={(today - datetime.timedelta(days=30)).isoformat()}")
    expect(page.locator("#chart-levels svg")).to_have_count(1)
    expect(page.locator("#m-handover")).to_have_text("100.0%")
    shot(page, "resettlement-metrics")
