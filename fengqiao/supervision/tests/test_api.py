"""The supervision API: scope, grants, the state machine's steps and their refusals, figures."""

import datetime
import json

import pytest
from django.utils import timezone

from fengqiao.supervision import codes, services
from fengqiao.supervision.models import Activity, EnforcementDispute, Problem

from .conftest import activity

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
BASE = "/api/v1/supervision"
GRANTS = ["supervision.view", "supervision.create", "supervision.change"]


def bearer(raw):
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"} if raw else {}


def post(client, path, body, raw=None):
    return client.post(path, json.dumps(body, default=str), content_type="application/json", **bearer(raw))


@pytest.fixture
def token(world, api_token):
    return api_token(world.city_admin, world.office_a, GRANTS)


def activity_body(world, depts, **overrides):
    data = {
        "office_id": world.office_a.pk,
        "kind": "case_review",
        "title": "接口案卷评查",
        "date": (TODAY - 5 * DAY).isoformat(),
        "department_ids": [depts["law"].pk],
        "participants": "王所长",
        "files_reviewed": 8,
        "summary": "评查8件行政处罚案卷。",
    }
    data.update(overrides)
    return data


def test_record_an_activity_and_its_problem_and_walk_the_steps(world, client, depts, token):
    r = post(client, f"{BASE}/activities", activity_body(world, depts), token)
    assert r.status_code == 201, r.content
    act = r.json()
    assert act["department_names"] == ["综合行政执法局"] and act["can_change"]
    r = post(client, f"{BASE}/activities/{act['id']}/problems", {
        "department_id": depts["law"].pk, "category": "documents", "description": "文书缺少送达回证",
    }, token)  # fmt: skip
    assert r.status_code == 201, r.content
    p = r.json()
    assert p["status"] == "found" and p["allowed_steps"] == ["order"]
    # illegal: rectified before any order
    r = post(client, f"{BASE}/problems/{p['id']}/rectified", {"result": "x", "rectified_on": TODAY}, token)
    assert r.status_code == 409 and r.json()["code"] == "illegal_transition"
    r = post(
        client,
        f"{BASE}/problems/{p['id']}/order",
        {"requirement": "补齐送达回证", "deadline": TODAY + 10 * DAY, "expected_version": p["version"]},
        token,
    )
    assert r.status_code == 200 and r.json()["status"] == "rectifying"
    stale = post(client, f"{BASE}/problems/{p['id']}/progress", {"note": "x", "expected_version": 1}, token)
    assert stale.status_code == 409 and stale.json()["code"] == "stale"
    r = post(client, f"{BASE}/problems/{p['id']}/rectified", {"result": "已补齐", "rectified_on": TODAY}, token)
    assert r.status_code == 200 and r.json()["status"] == "rectified"
    r = post(client, f"{BASE}/problems/{p['id']}/verify", {"verified_on": TODAY - 10 * DAY}, token)
    assert r.status_code == 400 and r.json()["field"] == "verified_on"
    r = post(client, f"{BASE}/problems/{p['id']}/verify", {"verified_on": TODAY}, token)
    assert r.status_code == 200 and r.json()["status"] == "verified"
    r = post(client, f"{BASE}/problems/{p['id']}/reopen", {"reason": "复查未到位", "deadline": TODAY + DAY}, token)
    body = r.json()
    assert r.status_code == 200 and body["status"] == "rectifying"
    assert [e["step"] for e in body["timeline"]][:2] == ["reopened", "verified"]
    assert post(client, f"{BASE}/problems/{p['id']}/order", {"requirement": ""}, token).status_code == 422


def test_bad_activities_are_refused(world, client, depts, token):
    r = post(client, f"{BASE}/activities", activity_body(world, depts, department_ids=[depts["b"].pk]), token)
    assert r.status_code == 400 and r.json()["field"] == "department_ids"
    r = post(client, f"{BASE}/activities", activity_body(world, depts, office_id=world.office_b.pk), token)
    assert r.status_code == 404
    r = post(client, f"{BASE}/activities", activity_body(world, depts, files_reviewed=0), token)
    assert r.status_code == 400 and r.json()["field"] == "files_reviewed"
    r = post(client, f"{BASE}/activities", activity_body(world, depts, date=(TODAY + DAY).isoformat()), token)
    assert r.status_code == 400 and r.json()["field"] == "date"
    assert post(client, f"{BASE}/activities", activity_body(world, depts, kind="party"), token).status_code == 422
    assert Activity.objects.count() == 0


def test_grants_are_needed(world, client, depts, api_token):
    raw = api_token(world.city_admin, world.office_a, ["supervision.view"])
    r = post(client, f"{BASE}/activities", activity_body(world, depts), raw)
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    act = activity(world)
    assert client.get(f"{BASE}/activities/{act.pk}", **bearer(raw)).status_code == 200
    r = post(client, f"{BASE}/activities/{act.pk}/problems", {}, raw)
    assert r.status_code == 403


def test_lists_are_scoped_and_paged(world, client, depts, token):
    for i in range(3):
        activity(world, title=f"评查{i}", date=TODAY - (i + 1) * DAY)
    other = activity(world, actor=world.staff_b, office=world.office_b, departments=[depts["b"]], title="乙镇")
    r = client.get(f"{BASE}/activities", {"size": 2}, **bearer(token)).json()
    assert [a["title"] for a in r["items"]] == ["评查0", "评查1"] and r["next_cursor"]
    rest = client.get(f"{BASE}/activities", {"size": 2, "cursor": r["next_cursor"]}, **bearer(token)).json()
    assert [a["title"] for a in rest["items"]] == ["评查2"] and rest["next_cursor"] is None
    assert client.get(f"{BASE}/activities/{other.pk}", **bearer(token)).status_code == 404
    assert client.get(f"{BASE}/activities", {"office": world.office_b.pk}, **bearer(token)).json()["items"] == []
    assert client.get(f"{BASE}/activities", {"kind": "x"}, **bearer(token)).status_code == 422
    names = {d["name"] for d in client.get(f"{BASE}/departments", **bearer(token)).json()}
    assert names == {"综合行政执法局", "市场监督管理分局", "派出所"}


def test_disputes(world, client, depts, token):
    body = {"office_id": world.office_a.pk, "subject": "职责争议", "description": "x",
            "received_on": TODAY - DAY, "department_ids": [depts["law"].pk]}  # fmt: skip
    r = post(client, f"{BASE}/disputes", body, token)
    assert r.status_code == 400 and r.json()["field"] == "departments"
    r = post(client, f"{BASE}/disputes", {**body, "parties": "某公司"}, token)
    assert r.status_code == 201
    d = r.json()
    bad = post(
        client,
        f"{BASE}/disputes/{d['id']}/coordinate",
        {"outcome": "agreed", "result": "x", "concluded_on": TODAY - 5 * DAY},
        token,
    )
    assert bad.status_code == 400 and bad.json()["field"] == "concluded_on"
    r = post(
        client,
        f"{BASE}/disputes/{d['id']}/coordinate",
        {"outcome": "agreed", "result": "明确职责", "concluded_on": TODAY},
        token,
    )
    assert r.status_code == 200 and r.json()["status"] == "closed"
    again = post(
        client,
        f"{BASE}/disputes/{d['id']}/coordinate",
        {"outcome": "agreed", "result": "x", "concluded_on": TODAY},
        token,
    )
    assert again.status_code == 409
    assert post(client, f"{BASE}/disputes/{d['id']}/coordinate", {"outcome": "won"}, token).status_code == 422
    listed = client.get(f"{BASE}/disputes", {"status": "closed"}, **bearer(token)).json()["items"]
    assert [x["subject"] for x in listed] == ["职责争议"]
    assert EnforcementDispute.objects.count() == 1


def test_departments_and_metrics(world, client, depts, token):
    r = post(
        client, f"{BASE}/departments", {"office_id": world.office_a.pk, "name": "自然资源所", "kind": "land"}, token
    )
    assert r.status_code == 201
    dup = post(
        client, f"{BASE}/departments", {"office_id": world.office_a.pk, "name": "派出所", "kind": "police"}, token
    )
    assert dup.status_code == 400 and dup.json()["code"] == "duplicate"
    act = activity(world)
    services.problem_record(actor=world.staff_a, activity=act, department=depts["law"],
                            category=codes.ProblemCategory.LAW, description="适用法律错误",
                            deadline=TODAY - DAY, requirement="纠正")  # fmt: skip
    m = client.get(f"{BASE}/metrics", {"date_from": (TODAY - 60 * DAY).isoformat()}, **bearer(token)).json()
    assert m["totals"]["activities"] == 1 and m["totals"]["overdue_open"] == 1
    assert [o["office_id"] for o in m["offices"]] == [world.office_a.pk]
    assert {d["name"] for d in m["departments"]} >= {"综合行政执法局", "自然资源所"}
    assert "rectified_on_time_rate" in m["figures"]
    bad = client.get(f"{BASE}/metrics", {"date_from": "2026-02-01", "date_to": "2026-01-01"}, **bearer(token))
    assert bad.status_code == 400
    assert client.get(f"{BASE}/metrics", {"office": world.office_b.pk}, **bearer(token)).status_code == 404
    assert Problem.objects.count() == 1
