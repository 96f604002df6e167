"""The corrections API: scope and masking, the file's audited access, registration, intake, reports
and visits, leaves, and the lawful-positioning rules, which no caller can get round: no ground,
more than 3 months, an approval by anyone but the county bureau head (or by the requester), an
extension without a reassessment are each refused and change nothing."""

import datetime
import json

import pytest
from django.utils import timezone

from fengqiao.core.models import AuditEvent
from fengqiao.core.permissions import Role
from fengqiao.corrections import codes, services
from fengqiao.corrections.models import Contact, Leave, PositioningMeasure, Subject
from fengqiao.corrections.testing import make_measure, make_subject, people, subject_data
from fengqiao.testing.factories import make_user

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
BASE = "/api/v1/corrections"
S = codes.Status
ALL_GRANTS = [f"corrections.{a}" for a in ("view", "create", "change", "export", "view_sensitive")]


def bearer(raw):
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"} if raw else {}


def get(client, path, raw=None, **params):
    return client.get(path, params, **bearer(raw))


def post(client, path, body, raw=None):
    return client.post(path, json.dumps(body, default=str), content_type="application/json", **bearer(raw))


def days(n):
    return (TODAY + datetime.timedelta(days=n)).isoformat()


@pytest.fixture
def staff(world):
    return people(world)


@pytest.fixture
def token_a(world, api_token):
    return api_token(world.city_admin, world.office_a, ALL_GRANTS)


@pytest.fixture
def subj(world, staff):
    return make_subject(world, name="张矫正")


@pytest.fixture
def other(world, staff):
    return make_subject(world, office="b", name="乙镇对象")


def state(subject):
    s = Subject.objects.get(pk=subject.pk)
    return (
        s.status,
        s.level_id,
        Contact.objects.filter(subject=s).count(),
        Leave.objects.filter(subject=s).count(),
        PositioningMeasure.objects.filter(subject=s).count(),
    )


# --- lists and files ------------------------------------------------------------------------------------


def test_list_is_scoped_masked_filtered_and_paged(world, staff, client, token_a, subj, other):
    pending = make_subject(world, name="李待报", reported=False)
    r = get(client, f"{BASE}/subjects", token_a)
    assert r.status_code == 200
    items = r.json()["items"]
    assert {i["name"] for i in items} == {"张矫正", "李待报"}
    row = next(i for i in items if i["name"] == "张矫正")
    assert row["id_number"] == subj.masked_id_number and subj.id_number not in r.content.decode()
    assert row["phase"] == codes.Phase.INTAKE and row["office_id"] == world.office_a.pk
    assert [i["id"] for i in get(client, f"{BASE}/subjects", token_a, status="pending").json()["items"]] == [pending.pk]
    first = get(client, f"{BASE}/subjects", token_a, size=1).json()
    assert len(first["items"]) == 1 and first["next_cursor"]
    second = get(client, f"{BASE}/subjects", token_a, size=1, cursor=first["next_cursor"]).json()
    assert second["items"][0]["id"] != first["items"][0]["id"]
    assert get(client, f"{BASE}/subjects", token_a, status="nonsense").status_code == 422


def test_file_is_audited_and_reveal_needs_the_sensitive_right(world, staff, client, api_token, subj):
    client.force_login(staff["worker_a"])
    r = get(client, f"{BASE}/subjects/{subj.pk}")
    assert r.status_code == 200 and r.json()["id_number"] == subj.masked_id_number and not r.json()["revealed"]
    assert AuditEvent.objects.filter(action="access.file", object_id=str(subj.pk)).count() == 1
    r = get(client, f"{BASE}/subjects/{subj.pk}", reveal=1)
    assert r.json()["id_number"] == subj.id_number and r.json()["revealed"]
    assert AuditEvent.objects.filter(action="access.id_number", object_id=str(subj.pk)).count() == 1
    view_only = api_token(world.city_admin, world.office_a, ["corrections.view"])
    assert get(client, f"{BASE}/subjects/{subj.pk}", view_only, reveal=1).status_code == 403
    assert AuditEvent.objects.filter(action="access.id_number", object_id=str(subj.pk)).count() == 1


def test_another_offices_subject_is_404_for_every_operation(world, staff, client, token_a, other):
    before = state(other)
    assert get(client, f"{BASE}/subjects/{other.pk}", token_a).status_code == 404
    for path, body in (
        ("intake", {"reported_on": TODAY}),
        ("contacts", {"kind": "visit", "on": TODAY}),
        ("leaves", {"destination": "上海", "reason": "探亲", "start": days(2), "end": days(3)}),
        ("measures", {"ground": "2", "facts": "擅自离开", "start": days(0), "end": days(30)}),
    ):
        assert post(client, f"{BASE}/subjects/{other.pk}/{path}", body, token_a).status_code == 404, path
    assert state(other) == before
    client.force_login(world.director_a)
    assert get(client, f"{BASE}/subjects/{other.pk}").status_code == 404
    assert "乙镇对象" not in get(client, f"{BASE}/subjects", q="乙镇").content.decode()


# --- registration and daily supervision ------------------------------------------------------------------


def test_register_intake_contact_and_leave(world, staff, client, token_a):
    data = {k: (v.isoformat() if isinstance(v, datetime.date) else v) for k, v in subject_data(name="王登记").items()}
    r = post(client, f"{BASE}/subjects", {**data, "org_id": world.village_a1.pk, "phone": "12345"}, token_a)
    assert r.status_code == 400 and r.json()["field"] == "phone"
    r = post(client, f"{BASE}/subjects", {**data, "org_id": world.village_b1.pk}, token_a)
    assert r.status_code == 404 and not Subject.objects.filter(name="王登记").exists()
    r = post(client, f"{BASE}/subjects", {**data, "org_id": world.village_a1.pk}, token_a)
    assert r.status_code == 201, r.content
    created = r.json()
    assert created["status"] == S.PENDING and created["worker_id"] == staff["worker_a"].pk
    assert created["id_number"] != data["id_number"]  # masked
    again = post(client, f"{BASE}/subjects", {**data, "org_id": world.village_a1.pk}, token_a)
    assert again.status_code == 400 and again.json()["code"] == "duplicate"
    pk = created["id"]

    r = post(client, f"{BASE}/subjects/{pk}/contacts", {"kind": "visit", "on": TODAY}, token_a)
    assert r.status_code == 409 and r.json()["code"] == "illegal_transition"  # not taken in yet
    r = post(client, f"{BASE}/subjects/{pk}/intake", {"reported_on": TODAY, "interview_on": TODAY}, token_a)
    assert r.status_code == 200 and r.json()["status"] == S.ACTIVE
    assert post(client, f"{BASE}/subjects/{pk}/intake", {"reported_on": TODAY}, token_a).status_code == 409

    r = post(client, f"{BASE}/subjects/{pk}/contacts", {"kind": "report_video", "on": TODAY, "note": "视频"}, token_a)
    assert r.status_code == 201 and Contact.objects.filter(subject_id=pk, kind="report_video").exists()
    r = post(client, f"{BASE}/subjects/{pk}/contacts", {"kind": "visit", "on": days(3)}, token_a)
    assert r.status_code == 400 and r.json()["field"] == "on"  # not in the future

    leave = {"destination": "无锡", "reason": "就医", "start": days(1), "end": days(4)}
    r = post(client, f"{BASE}/subjects/{pk}/leaves", leave, token_a)
    assert r.status_code == 201 and r.json()["status"] == codes.LeaveStatus.REQUESTED
    r = post(client, f"{BASE}/subjects/{pk}/leaves", {**leave, "start": days(3), "end": days(6)}, token_a)
    assert r.status_code == 400 and r.json()["code"] == "overlap"
    r = post(client, f"{BASE}/subjects/{pk}/leaves", {**leave, "start": days(10), "end": days(8)}, token_a)
    assert r.status_code == 400 and r.json()["field"] == "end"
    assert Leave.objects.filter(subject_id=pk).count() == 1


# --- article 29 ------------------------------------------------------------------------------------------


def measure_body(**overrides):
    body = {
        "ground": codes.Ground.REFUSED_REPORT,
        "facts": "拒不报告行踪，经警告仍不改正",
        "start": days(0),
        "end": days(30),
    }
    body.update(overrides)
    return body


def test_measure_request_rules_cannot_be_bypassed(world, staff, client, token_a, subj):
    client.force_login(world.director_a)
    url = f"{BASE}/subjects/{subj.pk}/measures"
    before = state(subj)
    for body, code, field in (
        (measure_body(ground=""), "no_legal_ground", "ground"),
        (measure_body(ground="9"), "no_legal_ground", "ground"),
        (measure_body(end=days(120)), "invalid", "end"),
        (measure_body(start=days(-5)), "invalid", "start"),
        (measure_body(end=days(-1), start=days(0)), "invalid", "end"),
    ):
        r = post(client, url, body)
        assert r.status_code == 400, (body, r.content)
        assert r.json()["code"] == code and r.json()["field"] == field
    # a system token cannot ask for positioning: a named person answers for it
    r = post(client, url, measure_body(), token_a)
    assert r.status_code == 403 and r.json()["code"] == "person_required"
    assert state(subj) == before
    r = post(client, url, measure_body())
    assert r.status_code == 201 and r.json()["status"] == codes.MeasureStatus.REQUESTED
    assert r.json()["requested_by"]


def test_only_the_bureau_head_decides_and_never_on_their_own_request(world, staff, client, api_token, subj):
    measure = services.measure_request(
        actor=world.director_a, subject=subj, ground=codes.Ground.LEFT_AREA, facts="擅自离开", start=TODAY,
        end=TODAY + datetime.timedelta(days=30),
    )  # fmt: skip
    url = f"{BASE}/measures/{measure.pk}/decision"

    def unchanged():
        m = PositioningMeasure.objects.get(pk=measure.pk)
        return m.status == codes.MeasureStatus.REQUESTED and m.decided_by_id is None

    client.force_login(world.director_a)
    r = post(client, url, {"approve": True})
    assert r.status_code == 403 and unchanged()
    gateway = api_token(world.city_admin, world.city, ["corrections.view", "corrections.approve"])
    r = post(client, url, {"approve": True}, gateway)
    assert r.status_code == 403 and unchanged()
    client.force_login(world.city_admin)  # every right on corrections, but not the bureau head
    assert post(client, url, {"approve": True}).status_code == 403 and unchanged()
    client.force_login(staff["head"])
    r = post(client, url, {"approve": False, "note": ""})
    assert r.status_code == 400 and r.json()["field"] == "note" and unchanged()
    r = post(client, url, {"approve": True})
    assert r.status_code == 200 and r.json()["status"] == codes.MeasureStatus.APPROVED
    assert post(client, url, {"approve": True}).status_code == 409  # already decided
    # a head who also administers the city asks for a measure: they may not approve it themselves
    head_admin = make_user(world.city, Role.BUREAU_HEAD, Role.CITY_ADMIN, username="head_admin")
    client.force_login(head_admin)
    other = make_subject(world, name="另一对象")
    own = post(client, f"{BASE}/subjects/{other.pk}/measures", measure_body())
    assert own.status_code == 201
    r = post(client, f"{BASE}/measures/{own.json()['id']}/decision", {"approve": True})
    assert r.status_code == 403
    assert PositioningMeasure.objects.get(pk=own.json()["id"]).status == codes.MeasureStatus.REQUESTED


def test_extension_needs_a_reassessment_and_a_new_approval(world, staff, client, token_a, subj):
    measure, _device = make_measure(world, subj)
    url = f"{BASE}/measures/{measure.pk}/extension"
    end = (measure.end + datetime.timedelta(days=30)).isoformat()
    client.force_login(world.director_a)
    r = post(client, url, {"reassessment": "", "end": end})
    assert r.status_code == 400 and r.json()["field"] == "reassessment"
    r = post(client, url, {"reassessment": "仍需", "end": end})
    assert r.status_code == 400 and r.json()["field"] == "reassessment"
    too_long = (measure.end + datetime.timedelta(days=120)).isoformat()
    r = post(client, url, {"reassessment": "经重新评估，对象仍有脱离监管的风险", "end": too_long})
    assert r.status_code == 400 and r.json()["field"] == "end"
    assert (
        post(client, url, {"reassessment": "经重新评估，对象仍有脱离监管的风险", "end": end}, token_a).status_code
        == 403
    )
    assert not PositioningMeasure.objects.filter(extends=measure).exists()
    r = post(client, url, {"reassessment": "经重新评估，对象仍有脱离监管的风险", "end": end})
    assert r.status_code == 201
    ext = r.json()
    assert ext["extends_id"] == measure.pk and ext["status"] == codes.MeasureStatus.REQUESTED
    assert ext["start"] == (measure.end + datetime.timedelta(days=1)).isoformat()


# --- alerts, figures, staffing ---------------------------------------------------------------------------


def test_alert_queue_and_steps(world, staff, client, token_a, subj, other):
    alert, _ = services.alert_raise(
        subject_id=subj.pk, office_id=subj.office_id, org_id=subj.org_id, kind=codes.AlertKind.LOST_CONTACT, key="a1"
    )
    theirs, _ = services.alert_raise(
        subject_id=other.pk, office_id=other.office_id, org_id=other.org_id, kind=codes.AlertKind.LOST_CONTACT, key="b1"
    )
    r = get(client, f"{BASE}/alerts", token_a)
    assert [a["id"] for a in r.json()["items"]] == [alert.pk]
    assert post(client, f"{BASE}/alerts/{theirs.pk}/acknowledge", {}, token_a).status_code == 404
    assert post(client, f"{BASE}/alerts/{alert.pk}/close", {}, token_a).status_code == 409
    r = post(client, f"{BASE}/alerts/{alert.pk}/acknowledge", {"note": "已知悉"}, token_a)
    assert r.status_code == 200 and r.json()["status"] == codes.AlertStatus.ACKNOWLEDGED
    r = post(client, f"{BASE}/alerts/{alert.pk}/handle", {"action_taken": "上门查访"}, token_a)
    assert r.status_code == 400 and r.json()["field"] == "result"
    r = post(client, f"{BASE}/alerts/{alert.pk}/handle", {"action_taken": "上门查访", "result": "已恢复联系"}, token_a)
    assert r.status_code == 200 and [e["step"] for e in r.json()["events"]] == ["raised", "acknowledged", "handled"]
    r = post(client, f"{BASE}/alerts/{alert.pk}/close", {}, token_a)
    assert r.json()["status"] == codes.AlertStatus.CLOSED
    assert get(client, f"{BASE}/alerts", token_a).json()["items"] == []
    assert len(get(client, f"{BASE}/alerts", token_a, status="all").json()["items"]) == 1


def test_metrics_and_staffing(world, staff, client, token_a, subj, other):
    r = get(client, f"{BASE}/metrics", token_a, start=days(-400), end=TODAY.isoformat())
    assert r.status_code == 200
    data = r.json()
    assert data["total"]["open"] == 1 and [o["office_id"] for o in data["offices"]] == [world.office_a.pk]
    assert get(client, f"{BASE}/metrics", token_a, start=days(1), end=days(0)).status_code == 400
    client.force_login(world.city_admin)
    data = get(client, f"{BASE}/metrics").json()
    assert data["total"]["open"] == 2 and data["ratio"] == 15
    staffing = get(client, f"{BASE}/staffing").json()
    rows = {r["office_id"]: r for r in staffing["rows"]}
    assert rows[world.office_a.pk]["suggestion_id"] == staff["worker_a"].pk
    assert rows[world.office_a.pk]["loads"][0]["load"] == 1
