"""A corrections social worker takes a subject from registration through intake, a report, a leave
(requested, approved, back), a level change, to release (解除); the bureau head approves a
positioning measure from the day's page, and the track is drawn. Screenshots in var/screenshots/."""

import datetime
import math
import time

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from fengqiao.core.models import AuditEvent
from fengqiao.corrections import codes, policy, services
from fengqiao.corrections.ingest import ingest
from fengqiao.corrections.models import Contact, Leave, PositioningMeasure, Subject
from fengqiao.corrections.testing import CENTRE, HALF, fix, make_subject, people, square
from fengqiao.testing.browser import login, shot
from fengqiao.testing.factories import PASSWORD, World, valid_id_number

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def w(transactional_db):
    # A transactional test empties every table after it ran, the supervision levels and the policy
    # of the data migration included: put them back as the migration made them.
    import importlib

    from django.apps import apps

    importlib.import_module("fengqiao.corrections.migrations.0002_default_levels").create(apps, None)
    world = World.build()
    world.people = people(world)
    return world


def open_step(page, name):
    """Open a step of the file's accordion (the usual one is already open) and wait for it."""
    panel = page.locator(f"#step-{name}")
    if "show" not in (panel.get_attribute("class") or ""):
        page.click(f"#open-{name}")
    expect(panel).to_have_class("accordion-collapse collapse show")


def submit(page, selector):
    with page.expect_navigation():
        page.click(selector)


def test_registration_to_release(page, w):
    today = timezone.localdate()
    number = valid_id_number("32028119880808123")
    login(page, "corr_worker_a", PASSWORD)
    page.click("a.nav-link[href='/corrections/']")
    expect(page.locator("#today-counts")).to_be_visible()
    shot(page, "corrections-01-today-empty")

    page.click("#corrections-subnav a[href='/corrections/subjects/']")
    page.click("#new-subject")
    page.select_option("#id_org", str(w.village_a1.pk))
    page.fill("#id_name", "陈矫正")
    page.select_option("#id_gender", codes.Gender.MALE)
    page.fill("#id_id_number", number)
    page.fill("#id_phone", "13812345678")
    page.select_option("#id_category", codes.Category.PROBATION)
    page.fill("#id_offence", "危险驾驶罪")
    page.fill("#id_sentence", "拘役四个月，缓刑八个月")
    page.fill("#id_period_start", (today - datetime.timedelta(days=3)).isoformat())
    page.fill("#id_period_end", (today - datetime.timedelta(days=10)).isoformat())  # before the start
    page.fill("#id_deciding_organ", "江阴市人民法院")
    page.fill("#id_judgment_effective_on", (today - datetime.timedelta(days=3)).isoformat())
    page.click("#subject-form button[type=submit]")
    expect(page.locator("#id_period_end.is-invalid")).to_be_visible()
    expect(page.locator("#id_name")).to_have_value("陈矫正")  # what was typed is kept
    shot(page, "corrections-02-register-error")
    assert not Subject.objects.filter(name="陈矫正").exists()
    page.fill("#id_period_end", (today + datetime.timedelta(days=240)).isoformat())
    submit(page, "#subject-form button[type=submit]")
    expect(page.locator("#subject-name")).to_contain_text("陈矫正")
    subject = Subject.objects.get(name="陈矫正")
    assert subject.status == codes.Status.PENDING and subject.worker == w.people["worker_a"]
    expect(page.locator("#id-number")).not_to_contain_text(number)
    expect(page.locator("#intake-warning")).to_be_visible()
    shot(page, "corrections-03-registered")

    # the full ID number, on request, recorded
    page.click("#reveal-id")
    expect(page.locator("#full-id-number")).to_have_text(number)
    assert AuditEvent.objects.filter(action="access.id_number", object_id=str(subject.pk)).count() == 1

    # intake (the intake form is open first for a subject awaiting intake)
    open_step(page, "intake")
    page.fill("#id_intake-reported_on", today.isoformat())
    page.fill("#id_intake-interview_on", today.isoformat())
    page.fill("#id_intake-note", "本人到司法所报到")
    submit(page, "#form-intake button[type=submit]")
    subject.refresh_from_db()
    assert subject.status == codes.Status.ACTIVE and subject.reported_on == today
    expect(page.locator("#subject-intake")).to_contain_text(today.isoformat())
    shot(page, "corrections-04-intake")

    # a report by phone (the report form is open first for a subject under correction)
    open_step(page, "contact")
    page.select_option("#id_contact-kind", codes.ContactKind.REPORT_PHONE)
    page.fill("#id_contact-note", "电话报告近况，在家务农")
    submit(page, "#form-contact button[type=submit]")
    assert Contact.objects.filter(subject=subject, kind=codes.ContactKind.REPORT_PHONE).exists()
    expect(page.locator("#timeline")).to_contain_text(today.isoformat())
    shot(page, "corrections-05-report")

    # a leave: requested, approved, back
    open_step(page, "leave")
    page.fill("#id_leave-destination", "无锡市人民医院")
    page.fill("#id_leave-reason", "陪同母亲就医")
    page.fill("#id_leave-start", today.isoformat())
    page.fill("#id_leave-end", (today + datetime.timedelta(days=2)).isoformat())
    submit(page, "#form-leave button[type=submit]")
    leave = Leave.objects.get(subject=subject)
    expect(page.locator(f"#leave-{leave.pk}")).to_contain_text("无锡市人民医院")
    shot(page, "corrections-06-leave-requested")
    submit(page, f"#leave-decide-{leave.pk} button[value=approve]")
    leave.refresh_from_db()
    assert leave.status == codes.LeaveStatus.APPROVED
    submit(page, f"#leave-return-{leave.pk} button[type=submit]")
    leave.refresh_from_db()
    assert leave.status == codes.LeaveStatus.RETURNED and leave.returned_on == today
    shot(page, "corrections-07-leave-returned")

    # a level change
    strict = policy.strictest()
    open_step(page, "level")
    page.select_option("#id_level-level", str(strict.pk))
    page.fill("#id_level-reason", "外出期间未按时报告，调整为严管")
    submit(page, "#form-level button[type=submit]")
    subject.refresh_from_db()
    assert subject.level_id == strict.pk
    expect(page.locator("#subject-level")).to_have_text(strict.name)
    shot(page, "corrections-08-level")

    # release (解除): refused before the term expires, then (the term moved into the past) done
    open_step(page, "end")
    page.select_option("#id_end-kind", codes.EndKind.EXPIRED)
    page.fill("#id_end-on", today.isoformat())
    page.fill("#id_end-document_on", today.isoformat())
    page.fill("#id_end-document_number", "澄司矫解字〔2026〕1号")
    submit(page, "#form-end button[type=submit]")
    expect(page.locator("#form-end .invalid-feedback")).to_be_visible()
    subject.refresh_from_db()
    assert subject.status == codes.Status.ACTIVE
    shot(page, "corrections-09-release-refused")
    Subject.objects.filter(pk=subject.pk).update(period_end=today - datetime.timedelta(days=1))
    page.goto(f"/corrections/subjects/{subject.pk}/")
    open_step(page, "end")
    page.select_option("#id_end-kind", codes.EndKind.EXPIRED)
    page.fill("#id_end-on", today.isoformat())
    page.fill("#id_end-document_on", today.isoformat())
    page.fill("#id_end-document_number", "澄司矫解字〔2026〕1号")
    submit(page, "#form-end button[type=submit]")
    subject.refresh_from_db()
    assert subject.status == codes.Status.RELEASED and subject.end_document_number == "澄司矫解字〔2026〕1号"
    expect(page.locator("#subject-ended")).to_be_visible()
    expect(page.locator("#steps")).to_have_count(0)  # nothing more to record
    shot(page, "corrections-10-released")


def test_bureau_head_approves_a_measure_and_the_track_is_drawn(browser, live_server, w):
    today = timezone.localdate()
    subject = make_subject(w, name="刘定位")
    measure = services.measure_request(
        actor=w.director_a,
        subject=subject,
        ground=codes.Ground.REFUSED_REPORT,
        facts="多次拒不报告活动情况，已予警告",
        start=today,
        end=today + datetime.timedelta(days=60),
    )
    head = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 860}, base_url=live_server.url)
    page = head.new_page()
    page.set_default_timeout(10_000)
    login(page, "bureau_head", PASSWORD)
    page.goto("/corrections/")
    expect(page.locator(f"#measure-{measure.pk}")).to_contain_text("刘定位")
    shot(page, "corrections-11-head-today")
    submit(page, f"#approve-{measure.pk}")
    measure.refresh_from_db()
    assert measure.status == codes.MeasureStatus.APPROVED and measure.decided_by == w.people["head"]
    expect(page.locator("#measures-to-decide")).not_to_contain_text("刘定位")
    shot(page, "corrections-12-head-approved")
    head.close()

    # the office binds a device, the gateway sends a day of fixes, the worker opens the track
    services.fence_save(actor=w.director_a, org=w.office_a, kind="area", name="县界", polygon=square())
    device = services.device_register(actor=w.director_a, org=w.office_a, identifier="WB-7", kind="wristband")
    services.device_bind(actor=w.director_a, device=device, measure=measure)
    PositioningMeasure.objects.filter(pk=measure.pk).update(start=today - datetime.timedelta(days=1))
    type(device).objects.filter(pk=device.pk).update(bound_at=timezone.now() - datetime.timedelta(days=1))
    services._bump_generation()
    t0 = time.time() - 6 * 3600
    fixes = []
    for i in range(300):
        away = 0.02 if 200 <= i < 215 else 0  # a trip over the boundary
        lon = CENTRE[1] + 0.01 * math.sin(i / 30) + (HALF + away if away else 0)
        lat = CENTRE[0] + 0.01 * math.cos(i / 45)
        fixes.append(fix(device, i, t=t0 + i * 60, lat=lat, lon=lon))
    assert not ingest(token=None, body={"fixes": fixes}).refused
    worker = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 860}, base_url=live_server.url)
    page = worker.new_page()
    page.set_default_timeout(10_000)
    login(page, "corr_worker_a", PASSWORD)
    page.goto(f"/corrections/subjects/{subject.pk}/")
    page.click("#open-track")
    expect(page.locator("#chart-track canvas, #chart-track svg").first).to_be_visible()
    expect(page.locator("#track-count")).to_have_text("300")
    expect(page.locator("#track-outside")).not_to_have_text("0")
    assert AuditEvent.objects.filter(action="access.track", object_id=str(subject.pk)).count() == 1
    shot(page, "corrections-13-track")
    page.goto("/corrections/alerts/")
    shot(page, "corrections-14-alerts")
    worker.close()
