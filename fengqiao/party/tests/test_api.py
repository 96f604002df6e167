"""The party-building API: scope, grants, the violation register's limits, creation and each step
with their refusals, keyset pages and the figures."""

import json

from fengqiao.party import codes
from fengqiao.party.models import Activity, Member, Violation
from fengqiao.party.tests.conftest import DAY, today

BASE = "/api/v1/party"


def post(client, path, body, raw=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"} if raw else {}
    return client.post(path, json.dumps(body, default=str), content_type="application/json", **headers)


def test_lists_are_scoped_and_paged(world, client, party):
    client.force_login(world.staff_a)
    r = client.get(f"{BASE}/members", {"size": 3})
    body = r.json()
    assert r.status_code == 200 and len(body["items"]) == 3 and body["next_cursor"]
    rest = client.get(f"{BASE}/members", {"size": 3, "cursor": body["next_cursor"]}).json()
    names = {i["name"] for i in body["items"] + rest["items"]}
    assert names == {"张一", "李二", "王三", "赵预备"} and rest["next_cursor"] is None
    assert client.get(f"{BASE}/members", {"status": "nonsense"}).status_code == 422
    assert client.get(f"{BASE}/members", {"office": world.office_b.pk}).json()["items"] == []
    assert [b["id"] for b in client.get(f"{BASE}/branches").json()] == [party["branch"].pk]
    assert client.get(f"{BASE}/branches/{party['branch_b'].pk}").status_code == 404
    assert client.get(f"{BASE}/members/{party['b1'].pk}").status_code == 404
    assert client.get(f"{BASE}/members/{party['m1'].pk}").json()["name"] == "张一"


def test_record_an_activity_and_its_refusals(world, client, party):
    client.force_login(world.staff_a)
    body = {
        "office_id": world.office_a.pk,
        "date": (today() - DAY).isoformat(),
        "type": "group",
        "topic": "学习党章",
        "record": "党小组学习",
        "attendee_ids": [party["m1"].pk, party["m2"].pk, party["p"].pk],
    }
    r = post(client, f"{BASE}/activities", body)
    assert r.status_code == 201, r.json()
    data = r.json()
    assert (data["present_count"], data["expected_count"], data["attendance_rate"]) == (3, 4, 0.75)
    assert client.get(f"{BASE}/activities/{data['id']}").json()["attendee_ids"] == sorted(body["attendee_ids"])
    items = client.get(f"{BASE}/activities", {"type": "group"}).json()["items"]
    assert [i["id"] for i in items] == [data["id"]] and items[0]["attendee_ids"] == sorted(body["attendee_ids"])
    r = post(client, f"{BASE}/activities", {**body, "attendee_ids": [party["b1"].pk]})
    assert r.status_code == 400 and r.json()["code"] == "not_member"
    assert post(client, f"{BASE}/activities", {**body, "type": "picnic"}).status_code == 422
    r = post(client, f"{BASE}/activities", {**body, "date": (today() + DAY).isoformat()})
    assert r.status_code == 400 and r.json()["field"] == "date"
    assert post(client, f"{BASE}/activities", {**body, "office_id": world.office_b.pk}).status_code == 404
    assert Activity.objects.count() == 1


def test_member_steps(world, client, party):
    client.force_login(world.staff_a)
    r = post(
        client,
        f"{BASE}/members",
        {
            "office_id": world.office_a.pk,
            "name": "接口党员",
            "status": "probationary",
            "joined_on": (today() - 400 * DAY).isoformat(),
        },
    )
    assert r.status_code == 201, r.json()
    pk = r.json()["id"]
    r = post(client, f"{BASE}/members/{pk}/confirm", {"formal_on": today().isoformat(), "expected_version": 5})
    assert r.status_code == 409 and r.json()["code"] == "stale"
    r = post(client, f"{BASE}/members/{pk}/confirm", {"formal_on": today().isoformat(), "expected_version": 1})
    assert r.status_code == 200 and r.json()["status"] == codes.MemberStatus.FORMAL
    r = post(client, f"{BASE}/members/{pk}/confirm", {"formal_on": today().isoformat()})
    assert r.status_code == 409 and r.json()["code"] == "illegal_transition"
    r = post(client, f"{BASE}/members/{pk}/transfer-out", {"date": today().isoformat(), "to": "外单位"})
    assert r.status_code == 200 and r.json()["active"] is False
    assert (
        post(
            client, f"{BASE}/members/{party['b1'].pk}/transfer-out", {"date": today().isoformat(), "to": "X"}
        ).status_code
        == 404
    )
    r = post(
        client,
        f"{BASE}/members",
        {
            "office_id": world.office_a.pk,
            "name": "X",
            "status": "formal",
            "joined_on": "2000-01-01",
            "formal_on": "2001-02-01",
            "user_id": world.staff_b.pk,
        },
    )
    assert r.status_code == 400 and r.json()["field"] == "user_id"


def test_venues_and_checks(world, client):
    client.force_login(world.staff_a)
    r = post(
        client, f"{BASE}/venues", {"office_id": world.office_a.pk, "name": "活动室", "address": "人民路", "area": 60}
    )
    assert r.status_code == 201
    pk = r.json()["id"]
    r = post(
        client, f"{BASE}/venues/{pk}/checks", {"date": today().isoformat(), "result": "failed", "checked_by": "组"}
    )
    assert r.status_code == 400 and r.json()["field"] == "notes"
    r = post(
        client, f"{BASE}/venues/{pk}/checks", {"date": today().isoformat(), "result": "passed", "checked_by": "组"}
    )
    assert r.status_code == 201
    venue = client.get(f"{BASE}/venues/{pk}").json()
    assert venue["last_result"] == "passed" and len(venue["checks"]) == 1


def test_violations_need_view_sensitive(world, client, party, api_token):
    client.force_login(world.director_a)
    body = {
        "office_id": world.office_a.pk,
        "person": "某",
        "date": today().isoformat(),
        "kind": "rules",
        "description": "违规",
    }
    r = post(client, f"{BASE}/violations", body)
    assert r.status_code == 201
    pk = r.json()["id"]
    assert client.get(f"{BASE}/violations").json()["items"][0]["person"] == "某"
    r = post(
        client,
        f"{BASE}/violations/{pk}/decide",
        {"decision": "warning", "decided_on": today().isoformat(), "note": "决定"},
    )
    assert r.status_code == 200 and r.json()["status"] == "decided"
    client.force_login(world.staff_a)
    assert client.get(f"{BASE}/violations").status_code == 403
    assert client.get(f"{BASE}/violations/{pk}").status_code == 404
    assert post(client, f"{BASE}/violations", body).status_code == 403
    # the count stays visible in the figures
    metrics = client.get(f"{BASE}/metrics").json()
    assert metrics["offices"][0]["party_violations"] == 1
    raw = api_token(world.city_admin, world.office_a, ["party.view"])
    assert client.get(f"{BASE}/violations", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 403
    assert Violation.objects.count() == 1


def test_token_grants(world, client, party, api_token):
    raw = api_token(world.city_admin, world.office_a, ["party.view"])
    assert client.get(f"{BASE}/members", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    body = {
        "office_id": world.office_a.pk,
        "name": "X",
        "status": "formal",
        "joined_on": "2000-01-01",
        "formal_on": "2001-02-01",
    }
    assert post(client, f"{BASE}/members", body, raw).status_code == 403
    assert not Member.objects.filter(name="X").exists()


def test_metrics_and_figures(world, client, party):
    client.force_login(world.city_admin)
    r = client.get(f"{BASE}/metrics", {"date_from": "2025-01-01", "date_to": "2024-01-01"})
    assert r.status_code == 400 and r.json()["code"] == "invalid_period"
    data = client.get(f"{BASE}/metrics").json()
    assert {o["office_id"] for o in data["offices"]} == {world.office_a.pk, world.office_b.pk}
    figures = {f["code"]: f for f in client.get(f"{BASE}/figures").json()}
    assert figures["party_violations"]["threshold"] == 0 and figures["party_violations"]["direction"] == "max"


def test_branch_creation(world, client):
    client.force_login(world.director_a)
    body = {
        "office_id": world.office_a.pk,
        "name": "中共甲镇司法所支部委员会",
        "secretary": "王书记",
        "established_on": "2012-07-01",
        "parent_organisation": "中共测试市司法局机关委员会",
    }
    r = post(client, f"{BASE}/branches", body)
    assert r.status_code == 201 and r.json()["office_id"] == world.office_a.pk
    r = post(client, f"{BASE}/branches", body)
    assert r.status_code == 400 and r.json()["code"] == "duplicate"
    assert post(client, f"{BASE}/branches", {**body, "office_id": world.office_b.pk}).status_code == 404
    r = post(
        client,
        f"{BASE}/members",
        {
            "office_id": world.office_b.pk,
            "name": "X",
            "status": "formal",
            "joined_on": "2000-01-01",
            "formal_on": "2001-02-01",
        },
    )
    assert r.status_code == 404
