"""The API: lists with filters and cursor, detail, create, each step, errors as the other APIs
answer them, metrics."""

import datetime
import json

from django.utils import timezone

from fengqiao.core.audit import version_of
from fengqiao.core.permissions import Role
from fengqiao.legalnet import codes
from fengqiao.legalnet.models import PointStaff, ServicePoint, WorkLog
from fengqiao.testing.factories import make_user

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
BASE = "/api/v1/service-network"


def post(client, url, data, method="post"):
    return getattr(client, method)(url, json.dumps(data, default=str), content_type="application/json")


def test_points_api(world, client_for):
    c = client_for(world.director_a)
    body = {
        "office_id": world.office_a.pk,
        "kind": "legal_aid",
        "partner": "江阴市法律援助中心",
        "hours": "工作日 8:30-17:00",
        "address": "甲镇人民路1号",
        "opened_on": TODAY.isoformat(),
    }
    assert post(c, f"{BASE}/points", {**body, "kind": "bank"}).status_code == 422
    r = post(c, f"{BASE}/points", {**body, "opened_on": (TODAY + DAY).isoformat()})
    assert r.status_code == 400 and r.json()["code"] == "invalid"
    assert post(c, f"{BASE}/points", {**body, "office_id": world.office_b.pk}).status_code == 404
    r = post(c, f"{BASE}/points", body)
    assert r.status_code == 201
    pk = r.json()["id"]
    r2 = post(c, f"{BASE}/points", body)
    assert r2.status_code == 400 and r2.json()["code"] == "duplicate"
    assert ServicePoint.objects.count() == 1
    r = post(c, f"{BASE}/points/{pk}/staff", {"name": "王律师", "phone": "13812345678", "since": TODAY.isoformat()})
    assert r.status_code == 201
    staff_pk = r.json()["id"]
    r = post(c, f"{BASE}/points/{pk}/staff", {"user_id": world.staff_b.pk, "since": TODAY.isoformat()})
    assert r.status_code == 400
    detail = c.get(f"{BASE}/points/{pk}").json()
    assert detail["on_duty"] == 1 and detail["staff"][0]["name"] == "王律师"
    items = c.get(f"{BASE}/points", {"kind": "legal_aid"}).json()["items"]
    assert [i["id"] for i in items] == [pk]
    assert c.get(f"{BASE}/points", {"kind": "notary"}).json()["items"] == []
    assert c.get(f"{BASE}/points", {"office": world.office_b.pk}).json()["items"] == []
    gaps = c.get(f"{BASE}/gaps").json()
    assert gaps["offices"][0]["points"]["legal_aid"]["state"] == "ok"
    r = post(c, f"{BASE}/staff/{staff_pk}/remove", {"until": (TODAY - DAY).isoformat()})
    assert r.status_code == 400
    r = post(c, f"{BASE}/staff/{staff_pk}/remove", {"until": TODAY.isoformat()})
    assert r.status_code == 200 and PointStaff.objects.get().until == TODAY
    r = post(
        c, f"{BASE}/points/{pk}/close", {"closed_on": TODAY.isoformat(), "reason": "撤点", "expected_version": "stale"}
    )
    assert r.status_code == 409 and r.json()["code"] == "stale"
    r = post(c, f"{BASE}/points/{pk}/close", {"closed_on": TODAY.isoformat(), "reason": "撤点"})
    assert r.status_code == 200 and r.json()["status"] == "closed"
    r = post(c, f"{BASE}/points/{pk}/close", {"closed_on": TODAY.isoformat(), "reason": "撤点"})
    assert r.status_code == 409 and r.json()["code"] == "illegal_transition"


def test_worklogs_api(world, client_for):
    c = client_for(world.advisor_a)
    body = {
        "village_id": world.village_a1.pk,
        "advisor_id": world.advisor_a.pk,
        "date": TODAY.isoformat(),
        "consultations": 2,
    }
    assert post(c, f"{BASE}/worklogs", {**body, "consultations": -1}).status_code == 422
    assert post(c, f"{BASE}/worklogs", {**body, "village_id": world.village_b1.pk}).status_code == 404
    assert post(c, f"{BASE}/worklogs", {**body, "consultations": 0}).status_code == 400
    r = post(c, f"{BASE}/worklogs", body)
    assert r.status_code == 201
    pk, version = r.json()["id"], r.json()["version"]
    assert post(c, f"{BASE}/worklogs", body).json()["code"] == "duplicate"
    r = post(c, f"{BASE}/worklogs/{pk}", {"lectures": 1, "expected_version": version}, method="patch")
    assert r.status_code == 200 and r.json()["lectures"] == 1 and r.json()["consultations"] == 2
    r = post(c, f"{BASE}/worklogs/{pk}", {"lectures": 2, "expected_version": version}, method="patch")
    assert r.status_code == 409
    assert c.get(f"{BASE}/worklogs/{pk}").json()["advisor_id"] == world.advisor_a.pk
    s = client_for(world.staff_a)
    assert [i["id"] for i in s.get(f"{BASE}/worklogs", {"kind": "lectures"}).json()["items"]] == [pk]
    assert s.get(f"{BASE}/worklogs", {"village": world.village_a2.pk}).json()["items"] == []
    assert s.get(f"{BASE}/worklogs", {"kind": "visits"}).status_code == 422
    for i in range(3):
        post(s, f"{BASE}/worklogs", {**body, "date": (TODAY - (i + 1) * DAY).isoformat()})
    first = s.get(f"{BASE}/worklogs", {"size": 2}).json()
    second = s.get(f"{BASE}/worklogs", {"size": 2, "cursor": first["next_cursor"]}).json()
    assert len(first["items"]) == 2 and len(second["items"]) == 2
    assert {i["id"] for i in first["items"]}.isdisjoint({i["id"] for i in second["items"]})
    assert WorkLog.objects.count() == 4
    wl = s.get(f"{BASE}/workload", {"year": TODAY.year}).json()
    assert wl["villages"][0]["total"]["consultations"] == 8


def test_assignments_and_villages_api(world, client_for):
    adv = make_user(world.village_a2, Role.LEGAL_ADVISOR, username="adv2")
    c = client_for(world.director_a)
    body = {"village_id": world.village_a2.pk, "advisor_id": adv.pk, "date": TODAY.isoformat()}
    assert post(c, f"{BASE}/assignments", {**body, "village_id": world.village_b1.pk}).status_code == 404
    r = post(c, f"{BASE}/assignments", body)
    assert r.status_code == 201 and list(adv.served_villages.all()) == [world.village_a2]
    villages = c.get(f"{BASE}/villages").json()
    row = next(v for v in villages["villages"] if v["village_id"] == world.village_a2.pk)
    assert {a["id"] for a in row["advisors"]} == {adv.pk, world.advisor_a.pk} and row["state"] == "inactive"
    assert post(client_for(world.staff_a), f"{BASE}/assignments/end", body).status_code == 403
    c = client_for(world.director_a)
    r = post(c, f"{BASE}/assignments/end", body)
    assert r.status_code == 200 and not adv.served_villages.exists()


def test_metrics_api(world, client_for):
    c = client_for(world.city_admin)
    r = c.get(f"{BASE}/metrics")
    assert r.status_code == 200
    data = r.json()
    assert "advisor_coverage" in data["figures"] and len(data["offices"]) == 2
    assert c.get(f"{BASE}/metrics", {"date_from": "2026-05-01", "date_to": "2026-01-01"}).status_code == 400


def test_token_without_grant_is_refused(world, client, api_token, point_a):
    raw = api_token(world.city_admin, world.office_a, ["legal_services.view"])
    h = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.get(f"{BASE}/points/{point_a.pk}", **h).status_code == 200
    r = client.post(
        f"{BASE}/points/{point_a.pk}/close",
        json.dumps({"closed_on": TODAY.isoformat(), "reason": "x", "expected_version": version_of(point_a)}),
        content_type="application/json",
        **h,
    )
    assert r.status_code == 403
    assert point_a.status == codes.PointStatus.OPEN


def test_device_token_of_the_office_records_an_advisors_work(world, client, api_token):
    raw = api_token(world.city_admin, world.office_a, ["legal_services.view", "legal_services.create"])
    h = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    body = {
        "village_id": world.village_a1.pk,
        "advisor_id": world.advisor_a.pk,
        "date": TODAY.isoformat(),
        "lectures": 1,
    }
    r = client.post(f"{BASE}/worklogs", json.dumps(body), content_type="application/json", **h)
    assert r.status_code == 201 and r.json()["advisor_id"] == world.advisor_a.pk
    body["village_id"] = world.village_b1.pk
    r = client.post(f"{BASE}/worklogs", json.dumps(body), content_type="application/json", **h)
    assert r.status_code == 404 and WorkLog.objects.count() == 1
