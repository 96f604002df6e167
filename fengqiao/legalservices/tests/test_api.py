"""The legal-services API: scope, grants, masking, recording, each step with its refusals,
complaints and the figures."""

import datetime
import json

import pytest
from django.utils import timezone

from fengqiao.core import audit
from fengqiao.legalservices import codes
from fengqiao.legalservices.models import Complaint, ServiceRecord
from fengqiao.legalservices.tests.test_services import consult, make_overdue, refer

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
BASE = "/api/v1/legal-services"
ALL = ["legal_services.view", "legal_services.create", "legal_services.change"]


def bearer(raw):
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"} if raw else {}


def post(client, path, body, raw=None):
    return client.post(path, json.dumps(body, default=str), content_type="application/json", **bearer(raw))


@pytest.fixture
def items(world):
    return {
        "a": consult(world, person_name="甲一", answer="答复"),
        "overdue": make_overdue(refer(world, person_name="甲二")),
        "b": consult(world, actor=world.director_b, office=world.office_b, village=None, person_name="乙一"),
    }


def payload(world, **overrides):
    data = {
        "kind": "consultation",
        "office_id": world.office_a.pk,
        "village_id": world.village_a1.pk,
        "received_on": TODAY.isoformat(),
        "person_name": "接口人",
        "person_phone": "13812345678",
        "channel": "hotline",
        "category": "labour",
        "question": "工资被拖欠",
        "answer": "可申请劳动仲裁",
        "satisfaction": "satisfied",
        "minutes": 12,
    }
    data.update(overrides)
    return data


def test_list_is_scoped_masked_and_paged(world, client, items):
    client.force_login(world.director_a)
    body = client.get(f"{BASE}/services", {"size": 1}).json()
    assert len(body["items"]) == 1 and body["next_cursor"]
    second = client.get(f"{BASE}/services", {"size": 1, "cursor": body["next_cursor"]}).json()
    assert {body["items"][0]["person_name"], second["items"][0]["person_name"]} == {"甲一", "甲二"}
    assert "*" in body["items"][0]["person_phone"]
    overdue = client.get(f"{BASE}/services", {"overdue": "true"}).json()["items"]
    assert [i["person_name"] for i in overdue] == ["甲二"] and overdue[0]["overdue"]
    assert client.get(f"{BASE}/services", {"village": world.village_b1.pk}).json()["items"] == []
    assert client.get(f"{BASE}/services", {"kind": "x"}).status_code == 422


def test_detail_and_another_office(world, client, items, api_token):
    raw = api_token(world.city_admin, world.office_a, ALL)
    r = client.get(f"{BASE}/services/{items['a'].pk}", **bearer(raw))
    assert r.status_code == 200 and [e["step"] for e in r.json()["events"]] == ["conclude", "register"]
    assert client.get(f"{BASE}/services/{items['b'].pk}", **bearer(raw)).status_code == 404
    r = post(client, f"{BASE}/services/{items['b'].pk}/notes", {"note": "x"}, raw)
    assert r.status_code == 404


def test_create_through_the_api(world, client, api_token):
    raw = api_token(world.city_admin, world.office_a, ALL)
    r = post(client, f"{BASE}/services", payload(world), raw)
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["status"] == "concluded" and body["satisfaction"] == "satisfied" and "*" in body["person_phone"]
    s = ServiceRecord.objects.get(pk=body["id"])
    assert s.handled_by is None and s.org_id == world.village_a1.pk
    other = post(client, f"{BASE}/services", payload(world, village_id=world.village_b1.pk), raw)
    assert other.status_code == 400 and other.json()["field"] == "village_id"
    office_b = post(client, f"{BASE}/services", payload(world, office_id=world.office_b.pk, village_id=None), raw)
    assert office_b.status_code == 404
    assert post(client, f"{BASE}/services", payload(world, satisfaction="ecstatic"), raw).status_code == 422
    future = post(client, f"{BASE}/services", payload(world, received_on=(TODAY + DAY).isoformat()), raw)
    assert future.status_code == 400 and future.json()["field"] == "received_on"
    no_answer = post(client, f"{BASE}/services", payload(world, answer=""), raw)
    assert no_answer.status_code == 400 and no_answer.json()["field"] == "satisfaction"
    assert ServiceRecord.objects.count() == 1
    view_only = api_token(world.city_admin, world.office_a, ["legal_services.view"])
    assert post(client, f"{BASE}/services", payload(world), view_only).status_code == 403


def test_advisor_records_from_the_api_in_a_served_village(world, client):
    client.force_login(world.advisor_a)
    r = post(client, f"{BASE}/services", payload(world, village_id=world.village_a2.pk))
    assert r.status_code == 201 and r.json()["org_id"] == world.village_a2.pk
    r = post(client, f"{BASE}/services", payload(world, village_id=None))
    assert r.status_code == 403


def test_steps_through_the_api(world, client, items):
    client.force_login(world.director_a)
    s = items["overdue"]
    r = post(client, f"{BASE}/services/{s.pk}/withdraw", {"reason": "撤回"})
    assert r.status_code == 409 and r.json()["code"] == "overdue"
    r = post(client, f"{BASE}/services/{s.pk}/conclude", {"concluded_on": TODAY})
    assert r.status_code == 400 and r.json()["field"] == "outcome"
    r = post(client, f"{BASE}/services/{s.pk}/notes", {"note": "已联系援助中心", "expected_version": "stale"})
    assert r.status_code == 409 and r.json()["code"] == "stale"
    s.refresh_from_db()
    r = post(
        client, f"{BASE}/services/{s.pk}/notes", {"note": "已联系援助中心", "expected_version": audit.version_of(s)}
    )
    assert r.status_code == 200
    r = post(client, f"{BASE}/services/{s.pk}/conclude", {"concluded_on": TODAY, "outcome": "已指派律师"})
    assert r.status_code == 200 and r.json()["status"] == "concluded"
    r = post(client, f"{BASE}/services/{s.pk}/rating", {"satisfaction": "great"})
    assert r.status_code == 400 and r.json()["field"] == "satisfaction"
    r = post(client, f"{BASE}/services/{s.pk}/rating", {"satisfaction": "basic"})
    assert r.status_code == 200 and r.json()["satisfaction"] == "basic"
    r = post(client, f"{BASE}/services/{s.pk}/adoption", {"adoption": "adopted"})
    assert r.status_code == 409
    assert post(client, f"{BASE}/services/{s.pk}/notes", {}).status_code in (409, 422)


def test_complaints_through_the_api(world, client, items):
    client.force_login(world.director_a)
    body = {
        "office_id": world.office_a.pk, "received_on": TODAY, "complainant": "投诉人", "content": "态度差",
        "service_id": items["a"].pk,
    }  # fmt: skip
    r = post(client, f"{BASE}/complaints", body)
    assert r.status_code == 201
    pk = r.json()["id"]
    assert post(client, f"{BASE}/complaints", {**body, "service_id": items["b"].pk}).status_code == 400
    r = post(client, f"{BASE}/complaints/{pk}/close", {"handling": "核查"})
    assert r.status_code == 400 and r.json()["field"] == "verification"
    r = post(client, f"{BASE}/complaints/{pk}/close", {"handling": "核查", "verification": "substantiated"})
    assert r.status_code == 400 and r.json()["field"] == "verified_on"
    r = post(
        client,
        f"{BASE}/complaints/{pk}/close",
        {"handling": "核查属实", "verification": "substantiated", "verified_on": TODAY},
    )
    assert r.status_code == 200 and r.json()["verification"] == "substantiated"
    assert client.get(f"{BASE}/complaints/{pk}").json()["status"] == "closed"
    assert [c["id"] for c in client.get(f"{BASE}/complaints", {"status": "closed"}).json()["items"]] == [pk]
    client.force_login(world.director_b)
    assert client.get(f"{BASE}/complaints/{pk}").status_code == 404
    assert Complaint.objects.count() == 1


def test_metrics_and_due_times(world, client, items):
    client.force_login(world.city_admin)
    m = client.get(f"{BASE}/metrics", {"date_from": (TODAY - 30 * DAY).isoformat()}).json()
    rows = {r["office_id"]: r for r in m["offices"]}
    assert rows[world.office_a.pk]["overdue_open"] == 1 and rows[world.office_b.pk]["services_total"] == 1
    assert any(f["code"] == "complaints_substantiated_2y" for f in m["figures"])
    assert client.get(f"{BASE}/metrics", {"date_from": "2025-02-01", "date_to": "2025-01-01"}).status_code == 400
    due = client.get(f"{BASE}/due-times").json()
    assert due["consultation"] == {"days": 0, "working_days": False}
    assert due[codes.Kind.REFERRAL]["working_days"] is True
