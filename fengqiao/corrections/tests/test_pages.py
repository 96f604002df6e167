"""The corrections pages: who may open what, another office's objects answer 404, the forms' happy
paths and refusals (the reason shown in the user's language, nothing changed, what was typed kept),
audited file views, reveals and tracks, the policy page, exports and bounded queries on the list."""

import datetime
import io
import time

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from fengqiao.core.models import AuditEvent
from fengqiao.corrections import codes, policy, services
from fengqiao.corrections.ingest import ingest
from fengqiao.corrections.models import (
    Alert,
    Contact,
    Device,
    Fence,
    Leave,
    PositioningMeasure,
    Subject,
    SupervisionLevel,
    TeamMember,
)
from fengqiao.corrections.testing import CENTRE, HALF, fix, make_measure, make_subject, people, square, subject_data

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
S = codes.Status


def zh(msgid: str, **values) -> str:
    """What a Chinese-speaking user is shown for a service's message (HTML-escaped as on the page)."""
    with translation.override("zh-hans"):
        text = gettext(msgid)
    return escape(text % values if values else text)


def client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def html(response) -> str:
    return response.content.decode()


@pytest.fixture
def staff(world):
    return people(world)


@pytest.fixture
def subj(world, staff):
    return make_subject(world, name="张矫正")


@pytest.fixture
def pending(world, staff):
    return make_subject(world, name="李待报", reported=False)


@pytest.fixture
def other(world, staff):
    return make_subject(world, office="b", name="乙镇对象")


# --- who may open what ------------------------------------------------------------------------------

PAGES = ["today", "list", "alerts", "staffing", "metrics", "policy", "devices", "fences"]


def test_every_page_renders_for_office_and_bureau_roles(world, staff, subj, pending, other):
    for user in (staff["worker_a"], world.director_a, world.staff_a, staff["head"], world.city_admin, world.leader):
        c = client(user)
        for name in PAGES:
            response = c.get(reverse(f"corrections:{name}"))
            assert response.status_code == 200, (user.username, name, response.status_code)
        assert c.get(reverse("corrections:subject", args=[subj.pk])).status_code == 200, user.username
        assert c.get(reverse("corrections:subject", args=[pending.pk])).status_code == 200, user.username
    for user in (staff["worker_a"], world.director_a, world.city_admin):
        assert client(user).get(reverse("corrections:create")).status_code == 200
    # The bureau head and the leader read; they do not register.
    assert client(staff["head"]).get(reverse("corrections:create")).status_code == 403
    assert client(world.leader).get(reverse("corrections:create")).status_code == 403
    # A mediator has no corrections module at all.
    assert client(world.mediator_a1).get(reverse("corrections:today")).status_code == 403


def test_another_offices_subject_and_records_answer_404(world, staff, subj, other):
    leave = services.leave_request(
        actor=world.director_b,
        subject=other,
        destination="上海",
        reason="探亲",
        start=TODAY + datetime.timedelta(days=2),
        end=TODAY + datetime.timedelta(days=4),
    )
    c = client(staff["worker_a"])
    for name in ("subject", "edit", "track", "reveal_id", "step_contact", "step_leave", "step_measure"):
        url = reverse(f"corrections:{name}", args=[other.pk])
        assert c.get(url).status_code == 404, name
        assert c.post(url, {"contact-kind": "visit"}).status_code == 404, name
    assert c.post(reverse("corrections:leave_decide", args=[leave.pk]), {"decision": "approve"}).status_code == 404
    leave.refresh_from_db()
    assert leave.status == codes.LeaveStatus.REQUESTED
    assert not Contact.objects.filter(subject=other, kind=codes.ContactKind.VISIT).exists()
    listing = html(c.get(reverse("corrections:list"), {"q": "乙镇"}))
    assert "乙镇对象" not in listing


def test_subject_list_masks_ids_filters_and_pages_by_key(world, staff, subj, pending):
    c = client(staff["worker_a"])
    response = c.get(reverse("corrections:list"))
    page = html(response)
    assert subj.masked_id_number in page and subj.id_number not in page
    names = {s.name for s in response.context["page"].items}
    assert names == {"张矫正", "李待报"}
    assert {s.name for s in c.get(reverse("corrections:list"), {"status": "pending"}).context["page"].items} == {
        "李待报"
    }
    phase = c.get(reverse("corrections:list"), {"phase": codes.Phase.INTAKE}).context["page"].items
    assert [s.name for s in phase] == ["张矫正"] and phase[0].phase_label
    # nonsense filters are ignored, not a server error
    assert c.get(reverse("corrections:list"), {"worker": "x", "level": "1e9", "office": "abc"}).status_code == 200
    # key pagination
    for i in range(3):
        make_subject(world, name=f"翻页{i}")
    first = c.get(reverse("corrections:list"), {"q": "翻页"}).context["page"]
    assert len(first.items) == 3 and first.next_cursor is None


def test_list_queries_do_not_grow_with_the_page(world, staff, django_assert_max_num_queries):
    for i in range(5):
        make_subject(world, name=f"甲{i}")
    c = client(world.director_a)
    c.get(reverse("corrections:list"))  # warm the session and caches
    with django_assert_max_num_queries(16):
        assert c.get(reverse("corrections:list")).status_code == 200
    for i in range(25):
        make_subject(world, name=f"乙{i}")
    with django_assert_max_num_queries(16):
        response = c.get(reverse("corrections:list"))
    assert len(response.context["page"].items) == 25


def test_export_masks_ids_and_is_audited(world, staff, subj):
    from openpyxl import load_workbook

    c = client(world.director_a)
    response = c.get(reverse("corrections:export"), {"q": "张"})
    assert response.status_code == 200 and response.streaming
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)
    assert len(rows) == 2 and rows[1][0] == "张矫正" and rows[1][2] == subj.masked_id_number
    event = AuditEvent.objects.get(action="export", actor_user=world.director_a)
    assert event.changes["what"] == "corrections.subjects" and event.changes["rows"] == 1
    # Without the export right (a mediator has no corrections at all): refused.
    assert client(world.mediator_a1).get(reverse("corrections:export")).status_code == 403


# --- registration ------------------------------------------------------------------------------------


def _form(prefix="", **values):
    return {(f"{prefix}-{k}" if prefix else k): v for k, v in values.items()}


def register_post(world, **overrides):
    data = subject_data(**overrides)
    data = {k: (v.isoformat() if isinstance(v, datetime.date) else v) for k, v in data.items()}
    data.setdefault("org", world.village_a1.pk)
    return data


def test_register_suggests_the_least_loaded_worker(world, staff):
    c = client(world.director_a)
    form = c.get(reverse("corrections:create")).context["form"]
    assert "least-loaded" in str(form.fields["worker"].empty_label) or form.fields["worker"].empty_label
    response = c.post(reverse("corrections:create"), register_post(world, name="王登记"))
    assert response.status_code == 302, response.content.decode()[:2000]
    subject = Subject.objects.get(name="王登记")
    assert response["Location"] == reverse("corrections:subject", args=[subject.pk])
    assert subject.status == S.PENDING and subject.worker == staff["worker_a"]
    assert subject.office_id == world.office_a.pk


def test_register_refusal_keeps_what_was_typed(world, staff):
    c = client(world.director_a)
    data = register_post(world, name="赵错误", period_end=(TODAY - datetime.timedelta(days=30)).isoformat())
    response = c.post(reverse("corrections:create"), data)
    assert response.status_code == 400
    page = html(response)
    assert zh("The correction period cannot end before it starts.") in page
    assert 'value="赵错误"' in page
    assert not Subject.objects.filter(name="赵错误").exists()
    # a village of another office is not a choice
    data = register_post(world, name="钱越界", org=world.village_b1.pk)
    assert c.post(reverse("corrections:create"), data).status_code == 400
    assert not Subject.objects.filter(name="钱越界").exists()


def test_edit_particulars_with_version_check(world, staff, subj):
    c = client(world.director_a)
    url = reverse("corrections:edit", args=[subj.pk])
    form = c.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data = {k: (v.isoformat() if isinstance(v, datetime.date) else v) for k, v in data.items()}
    stale = dict(data, address="旧地址")
    data["address"] = "甲镇人民路1号"
    assert c.post(url, data).status_code == 302
    subj.refresh_from_db()
    assert subj.address == "甲镇人民路1号"
    # the same (now stale) form again: refused, nothing changed
    response = c.post(url, stale, follow=True)
    subj.refresh_from_db()
    assert subj.address == "甲镇人民路1号"
    assert response.status_code == 200 and response.redirect_chain


def test_edit_without_the_sensitive_right_neither_shows_nor_changes_the_id_number(world, staff, subj):
    c = client(world.staff_a)  # may change the file, may not see ID numbers
    url = reverse("corrections:edit", args=[subj.pk])
    page = c.get(url)
    assert (
        page.status_code == 200 and subj.id_number not in html(page) and "id_number" not in page.context["form"].fields
    )
    data = {k: v for k, v in page.context["form"].initial.items() if v is not None and k != "id_number"}
    data = {k: (v.isoformat() if isinstance(v, datetime.date) else v) for k, v in data.items()}
    data.update(address="乙地址", id_number="110101199003077777", phone="13900000000")
    assert c.post(url, data).status_code == 302
    before = subj.id_number, subj.phone
    subj.refresh_from_db()
    assert subj.address == "乙地址" and (subj.id_number, subj.phone) == before
    assert not AuditEvent.objects.filter(action="access.id_number", actor_user=world.staff_a).exists()


# --- the file -----------------------------------------------------------------------------------------


def test_file_view_and_reveal_are_audited(world, staff, subj):
    c = client(staff["worker_a"])
    response = c.get(reverse("corrections:subject", args=[subj.pk]))
    assert response.status_code == 200
    assert subj.id_number not in html(response)
    assert (
        AuditEvent.objects.filter(action="access.file", object_id=str(subj.pk), actor_user=staff["worker_a"]).count()
        == 1
    )
    revealed = c.post(reverse("corrections:reveal_id", args=[subj.pk]), HTTP_HX_REQUEST="true")
    assert revealed.status_code == 200 and subj.id_number in html(revealed)
    assert "no-cache" in revealed["Cache-Control"] or "no-store" in revealed["Cache-Control"]
    assert AuditEvent.objects.filter(action="access.id_number", object_id=str(subj.pk)).count() == 1
    # staff without the sensitive right see the file (audited) but cannot reveal
    s = client(world.staff_a)
    assert s.get(reverse("corrections:subject", args=[subj.pk])).status_code == 200
    # (the lookup through visible_to(view_sensitive) finds nothing for them: 404, as if absent)
    assert s.post(reverse("corrections:reveal_id", args=[subj.pk])).status_code == 404
    assert subj.id_number not in html(s.get(reverse("corrections:subject", args=[subj.pk])))
    assert AuditEvent.objects.filter(action="access.id_number", object_id=str(subj.pk)).count() == 1


def test_intake_happy_path_and_refusal(world, staff, pending):
    c = client(staff["worker_a"])
    url = reverse("corrections:step_intake", args=[pending.pk])
    too_early = (pending.judgment_effective_on - datetime.timedelta(days=1)).isoformat()
    response = c.post(url, _form("intake", reported_on=too_early, note="本人到所报到"))
    assert response.status_code == 400
    assert zh("The report cannot come before the judgment took effect.") in html(response)
    assert "本人到所报到" in html(response)  # what was typed is kept
    pending.refresh_from_db()
    assert pending.status == S.PENDING
    response = c.post(url, _form("intake", reported_on=TODAY.isoformat(), interview_on=TODAY.isoformat()))
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == S.ACTIVE and pending.reported_on == TODAY and pending.interview_on == TODAY


def test_contact_activity_level_reward_and_team(world, staff, subj):
    c = client(staff["worker_a"])
    r = c.post(
        reverse("corrections:step_contact", args=[subj.pk]),
        _form("contact", kind=codes.ContactKind.REPORT_PHONE, on=TODAY.isoformat(), note="电话报告"),
    )
    assert r.status_code == 302
    assert Contact.objects.filter(subject=subj, kind=codes.ContactKind.REPORT_PHONE).exists()
    r = c.post(
        reverse("corrections:step_activity", args=[subj.pk]),
        _form("activity", kind=codes.ActivityKind.PUBLIC_INTEREST, on=TODAY.isoformat(), hours="30", content="植树"),
    )
    assert r.status_code == 400 and zh("Hours must be more than 0 and at most 24.") in html(r)
    r = c.post(
        reverse("corrections:step_activity", args=[subj.pk]),
        _form("activity", kind=codes.ActivityKind.PUBLIC_INTEREST, on=TODAY.isoformat(), hours="2.5", content="植树"),
    )
    assert r.status_code == 302
    strict = policy.strictest()
    r = c.post(reverse("corrections:step_level", args=[subj.pk]), _form("level", level=strict.pk, reason="多次迟到"))
    assert r.status_code == 302
    subj.refresh_from_db()
    assert subj.level_id == strict.pk
    r = c.post(
        reverse("corrections:step_reward", args=[subj.pk]),
        _form("reward", kind=codes.RewardKind.WARNING, on=TODAY.isoformat(), reason="未按时报告"),
    )
    assert r.status_code == 302
    r = c.post(
        reverse("corrections:step_team", args=[subj.pk]),
        _form("team", role=codes.TeamRole.FAMILY, name="张父", phone="13812345678"),
    )
    assert r.status_code == 302
    member = TeamMember.objects.get(subject=subj)
    assert c.post(reverse("corrections:team_remove", args=[member.pk])).status_code == 302
    assert not TeamMember.objects.filter(subject=subj).exists()
    page = html(c.get(reverse("corrections:subject", args=[subj.pk])))
    assert "植树" in page or "2.5" in page
    assert 'id="timeline"' in page


def test_leave_request_overlap_decide_and_return(world, staff, subj):
    c = client(staff["worker_a"])
    url = reverse("corrections:step_leave", args=[subj.pk])
    start, end = TODAY + datetime.timedelta(days=1), TODAY + datetime.timedelta(days=5)
    ok = _form("leave", destination="无锡", reason="就医", start=start.isoformat(), end=end.isoformat())
    assert c.post(url, ok).status_code == 302
    leave = Leave.objects.get(subject=subj)
    overlapping = _form(
        "leave",
        destination="苏州",
        reason="探亲",
        start=(start + datetime.timedelta(days=2)).isoformat(),
        end=(end + datetime.timedelta(days=2)).isoformat(),
    )
    r = c.post(url, overlapping)
    assert r.status_code == 400
    assert zh("This leave overlaps the leave of %(start)s to %(end)s.", start=start, end=end) in html(r)
    assert 'value="苏州"' in html(r)
    backwards = _form("leave", destination="常州", reason="探亲", start=end.isoformat(), end=start.isoformat())
    r = c.post(url, backwards)
    assert r.status_code == 400 and zh("The leave cannot end before it starts.") in html(r)
    assert Leave.objects.filter(subject=subj).count() == 1
    # refusing needs a reason: the form comes back on its own page with the message
    r = c.post(reverse("corrections:leave_decide", args=[leave.pk]), {"decision": "refuse", "note": ""})
    assert r.status_code == 400 and zh("Give the reason for refusing.") in html(r)
    r = c.post(reverse("corrections:leave_decide", args=[leave.pk]), {"decision": "approve"})
    assert r.status_code == 302
    Leave.objects.filter(pk=leave.pk).update(start=TODAY - datetime.timedelta(days=3), end=TODAY)
    r = c.post(reverse("corrections:leave_return", args=[leave.pk]), {"returned_on": TODAY.isoformat()})
    assert r.status_code == 302
    leave.refresh_from_db()
    assert leave.status == codes.LeaveStatus.RETURNED and leave.returned_on == TODAY


def test_end_refused_before_the_term_expires_then_released(world, staff, subj):
    c = client(staff["worker_a"])
    url = reverse("corrections:step_end", args=[subj.pk])
    data = _form(
        "end",
        kind=codes.EndKind.EXPIRED,
        on=TODAY.isoformat(),
        document_on=TODAY.isoformat(),
        document_number="解字1号",
    )
    r = c.post(url, data)
    assert r.status_code == 400
    assert zh(
        "The term expires on %(day)s; it cannot be released as expired before then.",
        day=subj.period_end,
    ) in html(r)
    subj.refresh_from_db()
    assert subj.status == S.ACTIVE
    Subject.objects.filter(pk=subj.pk).update(period_end=TODAY - datetime.timedelta(days=1))
    assert c.post(url, data).status_code == 302
    subj.refresh_from_db()
    assert subj.status == S.RELEASED and subj.end_document_number == "解字1号"


def test_at_large_and_found(world, staff, subj):
    c = client(staff["worker_a"])
    r = c.post(
        reverse("corrections:step_at_large", args=[subj.pk]),
        _form("at_large", since=TODAY.isoformat(), note="联系不上"),
    )
    assert r.status_code == 302
    subj.refresh_from_db()
    assert subj.status == S.AT_LARGE
    r = c.post(reverse("corrections:step_found", args=[subj.pk]), _form("found", on=TODAY.isoformat(), note="已到案"))
    assert r.status_code == 302
    subj.refresh_from_db()
    assert subj.status == S.ACTIVE


def test_co_offender_search_and_link(world, staff, subj, other):
    partner = make_subject(world, name="张同案")
    c = client(staff["worker_a"])
    found = html(c.get(reverse("corrections:cooffender_search", args=[subj.pk]), {"q": "同案"}))
    assert "张同案" in found and partner.masked_id_number in found
    assert "乙镇对象" not in html(c.get(reverse("corrections:cooffender_search", args=[subj.pk]), {"q": "对象"}))
    r = c.post(reverse("corrections:step_cooffender", args=[subj.pk]), {"cooffender-other": other.pk})
    assert r.status_code == 400  # another office's subject is not a choice
    r = c.post(reverse("corrections:step_cooffender", args=[subj.pk]), {"cooffender-other": partner.pk})
    assert r.status_code == 302
    assert "张同案" in html(c.get(reverse("corrections:subject", args=[subj.pk])))


# --- positioning -------------------------------------------------------------------------------------


def measure_post(**values):
    base = {"ground": codes.Ground.REFUSED_REPORT, "facts": "拒不报告行踪，经警告仍不改正", "start": TODAY.isoformat()}
    base.update(values)
    return _form("measure", **base)


def test_measure_request_refusals_and_happy_path(world, staff, subj):
    c = client(world.director_a)
    url = reverse("corrections:step_measure", args=[subj.pk])
    too_long = measure_post(end=(TODAY + datetime.timedelta(days=120)).isoformat())
    r = c.post(url, too_long)
    assert r.status_code == 400
    from fengqiao.corrections.phases import add_months

    assert zh(
        "A positioning measure lasts at most 3 months (until %(day)s at the latest).", day=add_months(TODAY, 3)
    ) in html(r)
    no_ground = measure_post(ground="", end=(TODAY + datetime.timedelta(days=30)).isoformat())
    r = c.post(url, no_ground)
    assert r.status_code == 400
    assert zh("A positioning measure needs one of the five legal grounds of article 29.") in html(r)
    assert "拒不报告行踪" in html(r)  # the facts typed are kept
    assert not PositioningMeasure.objects.filter(subject=subj).exists()
    r = c.post(url, measure_post(end=(TODAY + datetime.timedelta(days=30)).isoformat()))
    assert r.status_code == 302
    measure = PositioningMeasure.objects.get(subject=subj)
    assert measure.status == codes.MeasureStatus.REQUESTED
    # the director cannot decide: the service refuses and says who may; the head can
    decide = reverse("corrections:measure_decide", args=[measure.pk])
    r = c.post(decide, {"decision": "approve"}, follow=True)
    assert zh("Only the head of the county justice bureau may approve a positioning measure.") in html(r)
    assert f'id="decide-{measure.pk}"' not in html(r)  # no approve buttons on the director's page
    measure.refresh_from_db()
    assert measure.status == codes.MeasureStatus.REQUESTED
    head = client(staff["head"])
    today_page = html(head.get(reverse("corrections:today")))
    assert f'id="approve-{measure.pk}"' in today_page
    r = head.post(decide, {"decision": "approve", "next": reverse("corrections:today")})
    assert r.status_code == 302 and r["Location"] == reverse("corrections:today")
    measure.refresh_from_db()
    assert measure.status == codes.MeasureStatus.APPROVED and measure.decided_by == staff["head"]


def test_measure_extension_needs_a_reassessment(world, staff, subj):
    measure, _device = make_measure(world, subj)
    c = client(world.director_a)
    url = reverse("corrections:measure_extend", args=[measure.pk])
    end = (measure.end + datetime.timedelta(days=30)).isoformat()
    r = c.post(url, {"reassessment": "", "end": end})
    assert r.status_code == 400
    assert PositioningMeasure.objects.filter(extends=measure).count() == 0
    r = c.post(url, {"reassessment": "经重新评估，对象仍多次违反报告规定，需继续定位", "end": end})
    assert r.status_code == 302
    assert PositioningMeasure.objects.get(extends=measure).status == codes.MeasureStatus.REQUESTED


def test_device_register_bind_unbind(world, staff, subj):
    c = client(world.director_a)
    r = c.post(reverse("corrections:devices"), {"org": world.office_a.pk, "identifier": "WB-001", "kind": "wristband"})
    assert r.status_code == 302
    r = c.post(reverse("corrections:devices"), {"org": world.office_a.pk, "identifier": "WB-001", "kind": "wristband"})
    assert r.status_code == 400 and zh("A device with this identifier is already registered.") in html(r)
    device = Device.objects.get(identifier="WB-001")
    measure = services.measure_request(
        actor=world.director_a,
        subject=subj,
        ground=codes.Ground.LEFT_AREA,
        facts="擅自离开",
        start=TODAY,
        end=TODAY + datetime.timedelta(days=30),
    )
    bind = reverse("corrections:measure_bind", args=[measure.pk])
    r = c.post(bind, {"device": device.pk})
    assert r.status_code == 400  # not approved yet
    device.refresh_from_db()
    assert device.measure_id is None
    services.measure_decide(actor=staff["head"], measure=measure, approve=True)
    assert c.post(bind, {"device": device.pk}).status_code == 302
    device.refresh_from_db()
    assert device.measure_id == measure.pk
    assert "WB-001" in html(c.get(reverse("corrections:subject", args=[subj.pk])))
    assert c.post(reverse("corrections:device_unbind", args=[device.pk]), {"reason": "更换设备"}).status_code == 302
    device.refresh_from_db()
    assert device.measure_id is None


def test_fences_office_default_and_subject_area(world, staff, subj):
    c = client(world.director_a)
    points = "\n".join(f"{lon},{lat}" for lon, lat in square())
    r = c.post(
        reverse("corrections:fences"),
        _form("fence", org=world.office_a.pk, kind="area", name="县界", points=points, datum="WGS84"),
    )
    assert r.status_code == 302
    fence = Fence.objects.get(office=world.office_a, subject__isnull=True)
    # again: the default area is redrawn, not duplicated
    r = c.post(
        reverse("corrections:fences"),
        _form("fence", org=world.office_a.pk, kind="area", name="新县界", points=points, datum="GCJ02"),
    )
    assert r.status_code == 302
    assert Fence.objects.filter(office=world.office_a, subject__isnull=True).count() == 1
    fence.refresh_from_db()
    assert fence.name == "新县界" and fence.polygon[0] != [CENTRE[1] - HALF, CENTRE[0] - HALF]
    bad = c.post(
        reverse("corrections:fences"),
        _form("fence", org=world.office_a.pk, kind="area", name="坏", points="120,31\n121,32", datum="WGS84"),
    )
    assert bad.status_code == 400 and zh("A fence needs at least three distinct points.") in html(bad)
    banned = "[[120.27,31.90],[120.28,31.90],[120.28,31.91],[120.27,31.91]]"
    r = c.post(
        reverse("corrections:step_fence", args=[subj.pk]),
        _form("fence", kind="banned", name="某网吧", points=banned, datum="WGS84"),
    )
    assert r.status_code == 302
    own = Fence.objects.get(subject=subj)
    assert own.kind == codes.FenceKind.BANNED
    assert c.get(reverse("corrections:fence_edit", args=[own.pk])).status_code == 200


# --- the track ------------------------------------------------------------------------------------------


def test_track_needs_the_sensitive_right_and_is_audited(world, staff, subj):
    _measure, device = make_measure(world, subj)
    t0 = time.time() - 1800
    body = {"fixes": [fix(device, i, t=t0 + i * 60, lon=CENTRE[1] + (HALF + 0.02 if i > 20 else 0)) for i in range(25)]}
    assert not ingest(token=None, body=body).refused
    url = reverse("corrections:track", args=[subj.pk])
    c = client(staff["worker_a"])
    response = c.get(url)
    assert response.status_code == 200
    assert response.context["count"] == 25 and response.context["outside"] == 4
    assert len(response.context["chart"]["fences"]) == 1
    event = AuditEvent.objects.get(action="access.track", object_id=str(subj.pk))
    assert event.changes["points"] == 25
    # staff of the office lack the sensitive right: the subject is not found for them (404), no track
    # link is offered, and nothing is recorded
    assert client(world.staff_a).get(url).status_code == 404
    assert url not in html(client(world.staff_a).get(reverse("corrections:subject", args=[subj.pk])))
    # another office: as if it did not exist
    assert client(staff["worker_b"]).get(url).status_code == 404
    assert AuditEvent.objects.filter(action="access.track").count() == 1
    # an impossible range is corrected, not an error
    assert c.get(url, {"since": "2026-13-01T00:00", "until": "garbage"}).status_code == 200


# --- alerts -------------------------------------------------------------------------------------------


def test_alert_lifecycle_through_the_pages(world, staff, subj):
    alert, _ = services.alert_raise(
        subject_id=subj.pk, office_id=subj.office_id, org_id=subj.org_id, kind=codes.AlertKind.LOST_CONTACT, key="t1"
    )
    c = client(staff["worker_a"])
    queue = c.get(reverse("corrections:alerts"))
    assert alert in queue.context["page"].items
    assert alert in c.get(reverse("corrections:alerts"), {"mine": "1"}).context["page"].items
    back = reverse("corrections:alerts")
    assert c.post(reverse("corrections:alert_acknowledge", args=[alert.pk]), {"next": back})["Location"] == back
    alert.refresh_from_db()
    assert alert.status == codes.AlertStatus.ACKNOWLEDGED
    r = c.post(
        reverse("corrections:alert_handle", args=[alert.pk]), {"handle-action_taken": "电话联系", "handle-result": ""}
    )
    assert r.status_code == 400 and "电话联系" in html(r)
    alert.refresh_from_db()
    assert alert.status == codes.AlertStatus.ACKNOWLEDGED
    r = c.post(
        reverse("corrections:alert_handle", args=[alert.pk]),
        {"handle-action_taken": "电话联系并约谈", "handle-result": "已恢复联系"},
    )
    assert r.status_code == 302
    r = c.post(reverse("corrections:alert_close", args=[alert.pk]), {"close-note": "核实无误"})
    assert r.status_code == 302
    alert.refresh_from_db()
    assert alert.status == codes.AlertStatus.CLOSED
    detail = html(c.get(reverse("corrections:alert", args=[alert.pk])))
    assert "已恢复联系" in detail and "核实无误" in detail
    # a closed alert cannot be acknowledged again: told why, nothing changes
    r = c.post(reverse("corrections:alert_acknowledge", args=[alert.pk]), follow=True)
    assert r.status_code == 200
    alert.refresh_from_db()
    assert alert.status == codes.AlertStatus.CLOSED
    assert client(staff["worker_b"]).get(reverse("corrections:alert", args=[alert.pk])).status_code == 404
    assert Alert.objects.get(pk=alert.pk).status == codes.AlertStatus.CLOSED


# --- today, staffing, metrics, policy -----------------------------------------------------------------


def test_today_shows_what_is_due(world, staff, subj, pending):
    long_ago = TODAY - datetime.timedelta(days=20)
    overdue = make_subject(world, name="周漏管", reported=False, judgment_effective_on=long_ago, period_start=long_ago)
    response = client(staff["worker_a"]).get(reverse("corrections:today"))
    day = response.context["day"]
    assert {s.name for s in day.intakes_due} == {"李待报", "周漏管"}
    assert "张矫正" in {s.name for s in day.visits_due}
    page = html(response)
    assert "周漏管" in page and zh("漏管") in page
    assert overdue.pk


def test_staffing_and_metrics_pages(world, staff, subj, other):
    c = client(world.city_admin)
    staffing = c.get(reverse("corrections:staffing"))
    rows = {r["office"].pk: r for r in staffing.context["rows"]}
    assert rows[world.office_a.pk]["subjects"] == 1 and rows[world.office_a.pk]["suggestion"] == staff["worker_a"]
    metrics = c.get(reverse("corrections:metrics"), {"start": "2020-01-01", "end": TODAY.isoformat()})
    assert metrics.status_code == 200 and metrics.context["total"]["open"] == 2
    assert 'id="chart-category"' in html(metrics)
    export = c.get(reverse("corrections:metrics_export"))
    assert export.status_code == 200
    assert AuditEvent.objects.filter(action="export", changes__what="corrections.metrics").exists()
    # an office sees only itself
    mine = client(world.director_a).get(reverse("corrections:metrics")).context["offices"]
    assert [r["office"].pk for r in mine] == [world.office_a.pk]


def test_policy_is_edited_only_by_the_city_admin(world, staff):
    current = policy.current()
    url = reverse("corrections:policy")
    director = client(world.director_a)
    page = director.get(url)
    assert page.status_code == 200 and page.context["form"] is None and 'id="policy-table"' in html(page)
    assert director.post(url, {"which": "policy", "corrections_ratio": "10"}).status_code == 403
    admin = client(world.city_admin)
    form = admin.get(url).context["form"]
    data = {name: form.initial[name] for name in services.POLICY_FIELDS}
    data.update(which="policy", version=form.initial["version"], corrections_ratio=12)
    assert admin.post(url, data).status_code == 302
    current.refresh_from_db()
    assert current.corrections_ratio == 12
    bad = dict(data, corrections_ratio=0, version=admin.get(url).context["form"].initial["version"])
    r = admin.post(url, bad)
    assert r.status_code == 400
    current.refresh_from_db()
    assert current.corrections_ratio == 12
    level = SupervisionLevel.objects.order_by("rank").first()
    prefix = f"level{level.pk}"
    r = admin.post(
        url,
        {"which": "level", "level": level.pk, f"{prefix}-name": "严管", f"{prefix}-report_days": 5,
         f"{prefix}-visit_days": 20, f"{prefix}-lost_contact_days": 4},
    )  # fmt: skip
    assert r.status_code == 302
    level.refresh_from_db()
    assert level.report_days == 5


def test_file_page_queries_do_not_grow_with_the_records(world, staff, subj, django_assert_max_num_queries):
    c = client(staff["worker_a"])
    url = reverse("corrections:subject", args=[subj.pk])
    c.get(url)
    for i in range(12):
        services.contact_record(actor=world.director_a, subject=subj, kind=codes.ContactKind.VISIT, on=TODAY)
        services.team_member_add(actor=world.director_a, subject=subj, role=codes.TeamRole.VOLUNTEER, name=f"志愿者{i}")
        services.activity_record(
            actor=world.director_a, subject=subj, kind=codes.ActivityKind.EDUCATION, on=TODAY, hours=1, content="学习"
        )
    make_measure(world, subj)
    with django_assert_max_num_queries(45):
        response = c.get(url)
    assert response.status_code == 200
    assert len(response.context["timeline"].items) == 20 and response.context["timeline"].next_cursor
    more = c.get(url, {"tcursor": response.context["timeline"].next_cursor}, HTTP_HX_REQUEST="true")
    assert more.status_code == 200 and "<li" in html(more)


def test_retire_lift_and_unlink_pages(world):
    from django.test import Client

    from fengqiao.corrections import codes, geo, services
    from fengqiao.corrections.models import CoOffenderLink, Device, Fence
    from fengqiao.corrections.testing import CENTRE, make_subject

    one, two = make_subject(world), make_subject(world)
    services.co_offender_link(actor=world.director_a, subject=one, other=two)
    device = services.device_register(actor=world.director_a, org=world.office_a, identifier="W-77", kind="phone")
    banned = services.fence_save(
        actor=world.director_a, org=one.office, kind=codes.FenceKind.BANNED, name="网吧", subject=one,
        polygon=geo.circle(CENTRE[0], CENTRE[1], 200),
    )  # fmt: skip
    client = Client()
    client.force_login(world.director_a)
    page = client.get(f"/corrections/subjects/{one.pk}/")
    assert "cooffender_unlink" in page.content.decode()
    response = client.post(
        f"/corrections/subjects/{one.pk}/cooffender_unlink/",
        {"cooffender_unlink-other": two.pk, "cooffender_unlink-reason": "录入错误"},
    )
    assert response.status_code in (302, 303), response.content.decode()[:500]
    assert not CoOffenderLink.objects.exists()
    assert client.get(f"/corrections/devices/{device.pk}/retire/").status_code == 200
    assert client.post(f"/corrections/devices/{device.pk}/retire/", {"reason": "遗失"}).status_code in (302, 303)
    assert Device.objects.get(pk=device.pk).retired
    assert client.post(f"/corrections/fences/{banned.pk}/lift/", {"reason": "禁止令期满"}).status_code in (302, 303)
    assert not Fence.objects.get(pk=banned.pk).active
    # Another office: not found.
    other = Client()
    other.force_login(world.director_b)
    assert other.get(f"/corrections/fences/{banned.pk}/lift/").status_code == 404
