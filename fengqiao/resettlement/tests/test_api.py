"""The resettlement API: scope, grants, masking and the audited reveal, registration and help
records with their refusals."""

import datetime
import json

import pytest
from django.utils import timezone

from fengqiao.core.models import AuditEvent
from fengqiao.core.permissions import Role
from fengqiao.resettlement import codes, services
from fengqiao.resettlement.models import HelpRecord, ReleasedPerson
from fengqiao.resettlement.tests.test_services import register
from fengqiao.testing.factories import make_user, valid_id_number

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
BASE = "/api/v1/resettlement"
ALL_GRANTS = ["resettlement.view", "resettlement.create", "resettlement.change", "resettlement.view_sensitive"]


def bearer(raw):
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"} if raw else {}


def post(client, path, body, raw=None):
    return client.post(path, json.dumps(body, default=str), content_type="application/json", **bearer(raw))


@pytest.fixture
def worker_a(world):
    return make_user(world.office_a, Role.RESETTLEMENT_WORKER, username="resettle_a", full_name="安置甲")


@pytest.fixture
def people(world, worker_a):
    a1 = register(world, name="甲一", id_number=valid_id_number("32028119800101001"))
    a2 = register(world, name="甲二", id_number=valid_id_number("32028119800101002"), level=codes.Level.KEY)
    b = register(world, actor=world.director_b, org=world.village_b1, name="乙一")
    return {"a1": a1, "a2": a2, "b": b}


def payload(world, **overrides):
    data = {
        "org_id": world.village_a1.pk,
        "name": "接口人",
        "gender": "1",
        "id_number": valid_id_number("32028119900202123"),
        "phone": "13812345678",
        "offence": "诈骗罪",
        "prison": "江苏省苏州监狱",
        "released_on": (TODAY - 3 * DAY).isoformat(),
        "handover_on": (TODAY - 2 * DAY).isoformat(),
        "met_at_gate": True,
        "level": "01",
        "employment": "unemployed",
        "housing": "family",
        "assistance": "none",
    }
    data.update(overrides)
    return data


def test_list_is_scoped_masked_and_paged_by_key(world, client, people, worker_a):
    client.force_login(worker_a)
    r = client.get(f"{BASE}/persons", {"size": 1})
    body = r.json()
    assert r.status_code == 200 and len(body["items"]) == 1 and body["next_cursor"]
    second = client.get(f"{BASE}/persons", {"size": 1, "cursor": body["next_cursor"]}).json()
    names = {body["items"][0]["name"], second["items"][0]["name"]}
    assert names == {"甲一", "甲二"} and second["next_cursor"] is None
    item = body["items"][0]
    assert "*" in item["id_number"] and item["due_for_contact"] is True
    assert {i["name"] for i in client.get(f"{BASE}/persons", {"level": "01"}).json()["items"]} == {"甲二"}
    assert client.get(f"{BASE}/persons", {"village": world.village_b1.pk}).json()["items"] == []
    assert client.get(f"{BASE}/persons", {"level": "09"}).status_code == 422


def test_detail_and_the_audited_reveal(world, client, people, worker_a, api_token):
    person = people["a1"]
    client.force_login(worker_a)
    r = client.get(f"{BASE}/persons/{person.pk}")
    body = r.json()
    assert r.status_code == 200 and body["id_number"] != person.id_number and not body["revealed"]
    assert [c["to_level"] for c in body["level_changes"]] == ["02"] and body["can_change"]
    revealed = client.get(f"{BASE}/persons/{person.pk}", {"reveal": 1})
    assert revealed.json()["id_number"] == person.id_number and revealed.json()["phone"] == person.phone
    assert AuditEvent.objects.filter(action="access.id_number", object_id=str(person.pk)).count() == 1
    # a token without view_sensitive may read, not reveal
    raw = api_token(world.city_admin, world.office_a, ["resettlement.view"])
    assert client.get(f"{BASE}/persons/{person.pk}", **bearer(raw)).status_code == 200
    assert client.get(f"{BASE}/persons/{person.pk}", {"reveal": 1}, **bearer(raw)).status_code == 403
    assert AuditEvent.objects.filter(action="access.id_number").count() == 1


def test_another_offices_person_is_not_found(world, client, people, api_token):
    raw = api_token(world.city_admin, world.office_a, ALL_GRANTS)
    b = people["b"]
    assert client.get(f"{BASE}/persons/{b.pk}", **bearer(raw)).status_code == 404
    r = post(client, f"{BASE}/persons/{b.pk}/help-records", {"kind": "visit", "date": TODAY, "note": "x"}, raw)
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert not HelpRecord.objects.filter(person=b).exists()
    assert {i["name"] for i in client.get(f"{BASE}/persons", **bearer(raw)).json()["items"]} == {"甲一", "甲二"}


def test_register_through_the_api(world, client, worker_a, api_token):
    raw = api_token(world.city_admin, world.office_a, ALL_GRANTS)
    r = post(client, f"{BASE}/persons", payload(world), raw)
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["worker_id"] == worker_a.pk and body["level"] == "01" and "*" in body["id_number"]
    person = ReleasedPerson.objects.get(pk=body["id"])
    assert person.registered_by is None and person.office_id == world.office_a.pk
    # the same person again
    again = post(client, f"{BASE}/persons", payload(world), raw)
    assert again.status_code == 400 and again.json()["code"] == "duplicate"
    # another office's village, a bad date order, a worker of another office
    other = post(client, f"{BASE}/persons", payload(world, org_id=world.village_b1.pk), raw)
    assert other.status_code == 404
    bad = post(
        client,
        f"{BASE}/persons",
        payload(world, id_number=valid_id_number("32028119900202124"), handover_on=(TODAY - 9 * DAY).isoformat()),
        raw,
    )
    assert bad.status_code == 400 and bad.json()["field"] == "handover_on"
    worker_b = make_user(world.office_b, Role.RESETTLEMENT_WORKER, username="resettle_b")
    wrong = post(
        client,
        f"{BASE}/persons",
        payload(world, id_number=valid_id_number("32028119900202125"), worker_id=worker_b.pk),
        raw,
    )
    assert wrong.status_code == 400 and wrong.json()["field"] == "worker_id"
    assert post(client, f"{BASE}/persons", {"org_id": world.village_a1.pk}, raw).status_code == 422
    assert ReleasedPerson.objects.count() == 1


def test_register_needs_the_create_grant(world, client, api_token):
    raw = api_token(world.city_admin, world.office_a, ["resettlement.view"])
    r = post(client, f"{BASE}/persons", payload(world), raw)
    assert r.status_code == 403 and r.json()["code"] == "forbidden"


def test_help_records(world, client, people, worker_a, api_token):
    person = people["a1"]
    client.force_login(worker_a)
    r = post(client, f"{BASE}/persons/{person.pk}/help-records", {"kind": "visit", "date": TODAY, "note": "入户走访"})
    assert r.status_code == 201 and r.json()["recorded_by"] == "安置甲"
    person.refresh_from_db()
    assert person.last_contact_on == TODAY
    future = post(
        client, f"{BASE}/persons/{person.pk}/help-records", {"kind": "visit", "date": TODAY + DAY, "note": "x"}
    )
    assert future.status_code == 400 and future.json()["field"] == "date"
    assert post(client, f"{BASE}/persons/{person.pk}/help-records", {"kind": "party"}).status_code == 422
    services.person_end(actor=worker_a, person=person, reason=codes.EndReason.MOVED, ended_on=TODAY, note="迁出")
    ended = post(client, f"{BASE}/persons/{person.pk}/help-records", {"kind": "visit", "date": TODAY, "note": "x"})
    assert ended.status_code == 409 and ended.json()["code"] == "illegal_transition"
    raw = api_token(world.city_admin, world.office_a, ["resettlement.view"])
    r = post(
        client, f"{BASE}/persons/{people['a2'].pk}/help-records", {"kind": "visit", "date": TODAY, "note": "x"}, raw
    )
    assert r.status_code == 403
    assert HelpRecord.objects.count() == 1


def test_staffing_and_metrics(world, client, people, worker_a):
    client.force_login(world.city_admin)
    staffing = client.get(f"{BASE}/staffing").json()
    rows = {r["office_id"]: r for r in staffing["offices"]}
    assert rows[world.office_a.pk]["persons"] == 2 and rows[world.office_a.pk]["workers"][0]["load"] == 2
    assert rows[world.office_b.pk]["shortfall"] == 1
    metrics = client.get(f"{BASE}/metrics").json()
    assert metrics["totals"]["active"] == 3
    assert client.get(f"{BASE}/metrics", {"date_from": "2025-02-01", "date_to": "2025-01-01"}).status_code == 400
