"""The legal-education API: scope, grants, lists with filters and cursors, creation and each step
with their refusals, and the figures."""

import datetime
import json

import pytest
from django.utils import timezone

from fengqiao.core.permissions import Role
from fengqiao.education import codes
from fengqiao.education.models import Activity, DemoVillage, StationStaff
from fengqiao.education.tests.test_services import activity, nominate, station
from fengqiao.testing.factories import make_user

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
BASE = "/api/v1/education"


def send(client, method, path, body, raw=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"} if raw else {}
    return client.generic(method, path, json.dumps(body, default=str), content_type="application/json", **headers)


@pytest.fixture
def officer_a(world):
    return make_user(world.office_a, Role.EDUCATION_OFFICER, username="edu_a", full_name="普法甲")


def payload(world, **overrides):
    data = {
        "org_id": world.village_a1.pk,
        "topic": "接口普法",
        "form": "lecture",
        "venue": "村会议室",
        "date": TODAY.isoformat(),
        "audience": "villagers",
        "reached": 30,
        "department": "交警中队",
    }
    data.update(overrides)
    return data


def test_activities_list_detail_create_and_patch(world, client, officer_a):
    activity(world, topic="甲一")
    activity(world, topic="甲二", form=codes.Form.BOARD)
    activity(world, actor=world.director_b, org=world.village_b1, topic="乙一")
    client.force_login(officer_a)
    r = client.get(f"{BASE}/activities", {"size": 1})
    body = r.json()
    assert r.status_code == 200 and len(body["items"]) == 1 and body["next_cursor"]
    second = client.get(f"{BASE}/activities", {"size": 1, "cursor": body["next_cursor"]}).json()
    assert {body["items"][0]["topic"], second["items"][0]["topic"]} == {"甲一", "甲二"}
    assert [i["topic"] for i in client.get(f"{BASE}/activities", {"form": "board"}).json()["items"]] == ["甲二"]
    assert client.get(f"{BASE}/activities", {"place": world.village_b1.pk}).json()["items"] == []
    assert client.get(f"{BASE}/activities", {"form": "dance"}).status_code == 422

    created = send(client, "POST", f"{BASE}/activities", payload(world))
    assert created.status_code == 201, created.content
    detail = created.json()
    assert detail["department"] == "交警中队" and detail["can_change"] is True
    pk = detail["id"]
    assert client.get(f"{BASE}/activities/{pk}").json()["topic"] == "接口普法"
    patched = send(client, "PATCH", f"{BASE}/activities/{pk}", {"reached": 44, "expected_version": detail["version"]})
    assert patched.status_code == 200 and patched.json()["reached"] == 44
    stale = send(client, "PATCH", f"{BASE}/activities/{pk}", {"reached": 1, "expected_version": detail["version"]})
    assert stale.status_code == 409 and stale.json()["code"] == "stale"


def test_activity_bad_input(world, client, officer_a):
    client.force_login(officer_a)
    other = send(client, "POST", f"{BASE}/activities", payload(world, org_id=world.village_b1.pk))
    assert other.status_code == 404
    future = send(client, "POST", f"{BASE}/activities", payload(world, date=(TODAY + DAY).isoformat()))
    assert future.status_code == 400 and future.json()["field"] == "date"
    assert send(client, "POST", f"{BASE}/activities", payload(world, reached=0)).status_code == 422
    assert send(client, "POST", f"{BASE}/activities", payload(world, audience="aliens")).status_code == 422
    assert Activity.objects.count() == 0


def test_grants_are_checked(world, client, api_token):
    raw = api_token(world.city_admin, world.office_a, ["education.view"])
    assert client.get(f"{BASE}/activities", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    r = send(client, "POST", f"{BASE}/activities", payload(world), raw=raw)
    assert r.status_code == 403 and Activity.objects.count() == 0
    client.force_login(world.mediator_a1)
    assert send(client, "POST", f"{BASE}/activities", payload(world)).status_code == 403


def test_station_and_staff(world, client, officer_a):
    client.force_login(world.director_a)
    body = {"office_id": world.office_a.pk, "name": "甲镇辅导站", "address": "甲镇1号", "set_up_on": TODAY.isoformat()}
    created = send(client, "POST", f"{BASE}/stations", body)
    assert created.status_code == 201 and created.json()["fulltime_in_post"] == 0
    pk = created.json()["id"]
    dup = send(client, "POST", f"{BASE}/stations", body)
    assert dup.status_code == 400 and dup.json()["code"] == "duplicate"
    added = send(
        client,
        "POST",
        f"{BASE}/stations/{pk}/staff",
        {"user_id": officer_a.pk, "employment": "full_time", "start_on": TODAY.isoformat()},
    )
    assert added.status_code == 201 and added.json()["name"] == "普法甲"
    assert client.get(f"{BASE}/stations/{pk}").json()["fulltime_in_post"] == 1
    assert client.get(f"{BASE}/stations").json()["items"][0]["fulltime_in_post"] == 1
    b_user = make_user(world.office_b, Role.STAFF, username="b_staff")
    wrong = send(
        client,
        "POST",
        f"{BASE}/stations/{pk}/staff",
        {"user_id": b_user.pk, "employment": "full_time", "start_on": TODAY.isoformat()},
    )
    assert wrong.status_code == 400 and StationStaff.objects.count() == 1
    staff_pk = added.json()["id"]
    early = send(client, "POST", f"{BASE}/staff/{staff_pk}/end", {"end_on": (TODAY - DAY).isoformat()})
    assert early.status_code == 400 and early.json()["field"] == "end_on"
    assert send(client, "POST", f"{BASE}/staff/{staff_pk}/end", {"end_on": TODAY.isoformat()}).status_code == 200
    again = send(client, "POST", f"{BASE}/staff/{staff_pk}/end", {"end_on": TODAY.isoformat()})
    assert again.status_code == 409 and again.json()["code"] == "illegal_transition"
    patched = send(client, "PATCH", f"{BASE}/stations/{pk}", {"phone": "0510-1"})
    assert patched.status_code == 200 and patched.json()["phone"] == "0510-1"


def test_village_steps(world, client):
    client.force_login(world.director_a)
    created = send(
        client,
        "POST",
        f"{BASE}/villages",
        {"org_id": world.village_a1.pk, "target_level": "county", "nominated_on": TODAY.isoformat()},
    )
    assert created.status_code == 201 and created.json()["next_steps"] == ["designate", "withdraw"]
    pk = created.json()["id"]
    step = {"level": "county", "year": TODAY.year, "date": TODAY.isoformat()}
    r = send(client, "POST", f"{BASE}/villages/{pk}/designate", step)
    assert r.status_code == 200 and r.json()["status"] == "designated"
    dup = send(client, "POST", f"{BASE}/villages/{pk}/designate", step)
    assert dup.status_code == 400 and dup.json()["code"] == "duplicate"
    illegal = send(client, "POST", f"{BASE}/villages/{pk}/withdraw", {"date": TODAY.isoformat(), "note": "x"})
    assert illegal.status_code == 409
    fail = send(client, "POST", f"{BASE}/villages/{pk}/review", {"passed": False, "year": TODAY.year, "date": TODAY})
    assert fail.status_code == 400 and fail.json()["field"] == "note"
    fail = send(
        client,
        "POST",
        f"{BASE}/villages/{pk}/review",
        {"passed": False, "year": TODAY.year, "date": TODAY.isoformat(), "note": "不合格"},
    )
    assert fail.status_code == 200 and fail.json()["status"] == "revoked"
    assert [h["step"] for h in fail.json()["history"]] == ["review_fail", "designate", "nominate"]
    again = send(
        client, "POST", f"{BASE}/villages/{pk}/renominate", {"target_level": "city", "date": TODAY.isoformat()}
    )
    assert again.status_code == 200 and again.json()["status"] == "candidate"
    assert [v["id"] for v in client.get(f"{BASE}/villages", {"status": "candidate"}).json()["items"]] == [pk]
    other = send(
        client,
        "POST",
        f"{BASE}/villages",
        {"org_id": world.village_b1.pk, "target_level": "county", "nominated_on": TODAY.isoformat()},
    )
    assert other.status_code == 404 and DemoVillage.objects.count() == 1


def test_metrics_endpoint(world, client):
    station(world)
    activity(world, department="公安派出所")
    nominate(world)
    client.force_login(world.city_admin)
    r = client.get(f"{BASE}/metrics", {"date_from": (TODAY - 10 * DAY).isoformat()})
    body = r.json()
    assert r.status_code == 200 and body["totals"]["activities"] == 1 and body["totals"]["stations"] == 1
    row = next(o for o in body["offices"] if o["office_id"] == world.office_a.pk)
    assert row["education_department_led_rate"] == 1.0 and row["education_fulltime_staff"] == 0
    assert body["figures"]["education_fulltime_staff"]["threshold"] == 1
    bad = client.get(f"{BASE}/metrics", {"date_from": TODAY.isoformat(), "date_to": (TODAY - DAY).isoformat()})
    assert bad.status_code == 400
