"""The construction-standard API: the 2019-style campaign end to end (self-assessment, inspection,
frozen results with their records, rectification, re-assessment, completion and matrix), scope,
rights, bad input, typical experiences and bounded list queries."""

import copy
import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fengqiao.assessment import codes, services
from fengqiao.assessment.models import (
    Assessment,
    Campaign,
    ItemResult,
    RectificationTask,
    Standard,
    StandardItem,
)
from fengqiao.assessment.testing import (
    assessment_of,
    fill_and_submit,
    judge_all,
    make_campaign,
    shipped_standard,
    upload,
)
from fengqiao.assessment.tests.test_standards import own
from fengqiao.mediation.tests.test_metrics import conclude

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
BASE = "/api/v1/standards"


def post(client, path, body=None, raw=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"} if raw else {}
    return client.post(f"{BASE}{path}", json.dumps(body or {}, default=str), content_type="application/json", **headers)


def get(client, path, params=None, raw=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"} if raw else {}
    return client.get(f"{BASE}{path}", params or {}, **headers)


def send_file(client, path, name="证明材料.pdf", **fields):
    return client.post(f"{BASE}{path}", {"file": upload(name), **fields})


def as_user(client, user):
    client.force_login(user)
    return client


def phases(start):
    """Four phases shaped like the seed's (研究部署, 重点培育 40%, 全面推进, 总结深化 100%), placed
    around today so that the rounds run now."""
    return [
        {"name": "研究部署", "starts_on": start, "ends_on": start + 9 * DAY},
        {"name": "重点培育", "starts_on": start + 10 * DAY, "ends_on": start + 50 * DAY, "target_percent": 40},
        {"name": "全面推进", "starts_on": start + 51 * DAY, "ends_on": start + 300 * DAY},
        {"name": "总结深化", "starts_on": start + 301 * DAY, "ends_on": start + 360 * DAY, "target_percent": 100},
    ]


def campaign_body(world, **changes):
    start = TODAY - 60 * DAY
    body = {
        "name": "“枫桥式”司法所创建",
        "standard_id": shipped_standard().pk,
        "starts_on": start,
        "ends_on": start + 360 * DAY,
        "rule": "all_met",
        "phases": phases(start),
    }
    body.update(changes)
    return body


def fill_through_api(client, assessment_id, judgement="met"):
    card = get(client, f"/assessments/{assessment_id}").json()
    for item in card["items"]:
        r = post(
            client, f"/assessments/{assessment_id}/self-assessment", {"item": item["number"], "judgement": judgement}
        )
        assert r.status_code == 200, r.json()
        if item["method"] != "automatic":
            r = send_file(client, f"/assessments/{assessment_id}/evidence", item=str(item["number"]))
            assert r.status_code == 201, r.json()
    r = post(client, f"/assessments/{assessment_id}/submit")
    assert r.status_code == 200 and r.json()["status"] == "submitted", r.json()


def judge_through_api(client, assessment_id, not_met=()):
    for number in range(1, 18):
        body = {"item": number, "judgement": "met"}
        if number in not_met:
            body = {"item": number, "judgement": "not_met", "comment": "调解成功率未达98%"}
        r = post(client, f"/assessments/{assessment_id}/judgements", body)
        assert r.status_code == 200, r.json()
    return post(client, f"/assessments/{assessment_id}/conclude", {"summary": "检查结论"})


def criterion(card, number, code):
    (item,) = [i for i in card["items"] if i["number"] == number]
    (row,) = [c for c in item["criteria"] if c["indicator"] == code]
    return row


# --- standards and indicators -------------------------------------------------------------------------


def test_standards_and_the_indicator_registry(world, client):
    as_user(client, world.director_a)
    listed = get(client, "").json()
    (std,) = [s for s in listed if s["code"] == "jiangyin-fengqiao" and s["version"] == "2019"]
    assert std["item_count"] == 17 and std["owner_id"] is None
    detail = get(client, f"/{std['id']}").json()
    assert [c["name"] for c in detail["categories"]][:2] == ["党建引领", "法治统揽"]
    assert [i["number"] for i in detail["items"]] == list(range(1, 18))
    (item8,) = [i for i in detail["items"] if i["number"] == 8]
    rate = {c["indicator"]: c for c in item8["criteria"]}["mediation.success_rate"]
    assert (rate["direction"], rate["threshold"], rate["unit"]) == ("ge", 98.0, "%") and rate["name"]
    assert get(client, "/999999").status_code == 404

    registry = {i["code"]: i for i in get(client, "/indicators").json()}
    success = registry["mediation.success_rate"]
    assert (success["module"], success["direction"], success["threshold"], success["drill"]) == (
        "mediation",
        "ge",
        98.0,
        True,
    )
    assert success["definition"] and registry["mediation.incidents_caused"]["direction"] == "le"


def test_import_a_standard_and_bad_files(world, client):
    as_user(client, world.city_admin)
    r = client.post(BASE, json.dumps(own()), content_type="application/json")
    assert r.status_code == 201, r.json()
    body = r.json()
    assert (body["code"], body["version"], body["owner_id"], len(body["items"])) == (
        "wuxi-own",
        "2021",
        world.city.pk,
        17,
    )
    assert get(client, f"/{body['id']}").status_code == 200

    before = Standard.objects.count()
    bad = own(version="2022")
    bad["items"] = copy.deepcopy(bad["items"])
    bad["items"][1]["number"] = 1  # item number 1 twice
    (auto,) = [i for i in bad["items"] if i["number"] == 8]
    auto["criteria"][0].pop("threshold")  # a criterion without its threshold
    r = client.post(BASE, json.dumps(bad), content_type="application/json")
    assert r.status_code == 400
    faults = r.json()["faults"]
    assert r.json()["code"] == "invalid_standard" and len(faults) >= 2
    assert any("1" in f for f in faults) and any("mediation.success_rate" in f for f in faults)
    r = client.post(BASE, b"{not json", content_type="application/json")
    assert r.status_code == 400 and r.json()["code"] == "malformed"
    r = client.post(BASE, json.dumps(own()), content_type="application/json")  # that version exists
    assert r.status_code == 400 and r.json()["field"] == "version"
    assert Standard.objects.count() == before

    # An office adds no standard; the leader writes nothing; another city's bureau is not found.
    as_user(client, world.director_a)
    r = client.post(BASE, json.dumps(own(version="2030")), content_type="application/json")
    assert r.status_code == 400 and r.json()["field"] == "owner"
    as_user(client, world.leader)
    assert client.post(BASE, json.dumps(own(version="2031")), content_type="application/json").status_code == 403
    as_user(client, world.city_admin)
    r = client.post(
        f"{BASE}?owner_id={world.office_b.pk + 10_000}", json.dumps(own(version="2032")), "application/json"
    )
    assert r.status_code == 404 and r.json()["field"] == "owner_id"
    assert Standard.objects.count() == before


# --- campaigns -----------------------------------------------------------------------------------------


def test_create_start_and_close_a_campaign(world, client):
    as_user(client, world.city_admin)
    r = post(client, "/campaigns", campaign_body(world))
    assert r.status_code == 201, r.json()
    created = r.json()
    assert created["status"] == "draft" and created["office_count"] == 2
    assert [(p["name"], p["target_percent"]) for p in created["phases"]] == [
        ("研究部署", None),
        ("重点培育", 40.0),
        ("全面推进", None),
        ("总结深化", 100.0),
    ]
    assert {o["id"] for o in created["offices"]} == {world.office_a.pk, world.office_b.pk}
    pk = created["id"]
    assert post(client, f"/campaigns/{pk}/close").status_code == 409
    started = post(client, f"/campaigns/{pk}/start")
    assert started.status_code == 200 and started.json()["status"] == "running"
    again = post(client, f"/campaigns/{pk}/start")
    assert again.status_code == 409 and again.json()["code"] == "illegal_transition"
    assert Assessment.objects.filter(campaign_id=pk).count() == 2
    assert [c["id"] for c in get(client, "/campaigns", {"status": "running"}).json()] == [pk]

    # An office sees the city's campaign and only itself among the offices in scope.
    as_user(client, world.director_a)
    seen = get(client, f"/campaigns/{pk}").json()
    assert seen["office_count"] == 2 and [o["id"] for o in seen["offices"]] == [world.office_a.pk]
    assert post(client, f"/campaigns/{pk}/close").status_code == 403  # the city runs it, not the office
    as_user(client, world.city_admin)
    closed = post(client, f"/campaigns/{pk}/close")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"ends_on": TODAY - 100 * DAY}, "ends_on"),
        ({"phases": [{"name": "甲", "starts_on": TODAY - 400 * DAY, "ends_on": TODAY}]}, "phases"),
        ({"office_ids": [1]}, "office_ids"),
        ({"standard_id": 10**9}, "standard_id"),
    ],
)
def test_campaign_refusals_change_nothing(world, client, change, field):
    as_user(client, world.city_admin)
    body = campaign_body(world, **change)
    if field == "office_ids":
        body["office_ids"] = [world.office_a.pk, world.village_a1.pk + 10_000]
    r = post(client, "/campaigns", body)
    assert r.status_code == 400 and r.json()["field"] == field, r.json()
    assert not Campaign.objects.exists()


# --- the campaign end to end -------------------------------------------------------------------------


def test_the_2019_style_campaign_through_the_api(world, client):
    from fengqiao.mediation.models import Dispute

    # Office A's mediation: 3 of 4 succeeded (75%, below item 8's 98%).
    disputes = [conclude(world, outcome) for outcome in ("succeeded", "succeeded", "succeeded", "failed")]
    as_user(client, world.city_admin)
    campaign_id = post(client, "/campaigns", campaign_body(world)).json()["id"]
    assert post(client, f"/campaigns/{campaign_id}/start").status_code == 200

    # The office finds its round and sees its live scorecard, values drilled down to the cases.
    as_user(client, world.director_a)
    (mine,) = get(client, "/assessments", {"campaign": campaign_id}).json()["items"]
    assert (mine["office_id"], mine["round"], mine["status"]) == (world.office_a.pk, 1, "self")
    a1 = mine["id"]
    card = get(client, f"/assessments/{a1}").json()
    assert len(card["items"]) == 17 and card["frozen"] is False
    rate = criterion(card, 8, "mediation.success_rate")
    assert (rate["value"], rate["threshold"], rate["met"]) == (75.0, 98.0, False)
    (item8,) = [i for i in card["items"] if i["number"] == 8]
    assert item8["auto"] == "not_met"
    live = get(client, f"/assessments/{a1}/records", {"item": 8, "indicator": "mediation.success_rate"}).json()
    assert live["model"] == "mediation.Dispute" and live["frozen"] is False and live["count"] == 4
    assert {r["id"] for r in live["records"]} == {d.pk for d in disputes} and live["hidden"] == 0
    assert all(r["display"] for r in live["records"])

    fill_through_api(client, a1)
    card = get(client, f"/assessments/{a1}").json()
    assert {i["self_judgement"] for i in card["items"]} == {"met"}
    assert all(i["evidence"] for i in card["items"] if i["method"] != "automatic")
    again = post(client, f"/assessments/{a1}/self-assessment", {"item": 1, "judgement": "basic"})
    assert again.status_code == 409 and again.json()["code"] == "illegal_transition"

    # The office cannot judge itself, and the leader writes nothing.
    r = post(client, f"/assessments/{a1}/judgements", {"item": 8, "judgement": "met"})
    assert r.status_code == 403
    as_user(client, world.leader)
    assert get(client, f"/assessments/{a1}").status_code == 200
    assert post(client, f"/assessments/{a1}/judgements", {"item": 8, "judgement": "met"}).status_code == 403
    assert post(client, f"/assessments/{a1}/return", {"note": "补材料"}).status_code == 403
    assert not ItemResult.objects.exclude(judgement="").exists()

    # The assessor returns it once, the office submits again, the assessor judges item by item.
    as_user(client, world.assessor)
    r = post(client, f"/assessments/{a1}/return", {"note": "请补充第1项材料"})
    assert r.status_code == 200 and r.json()["status"] == "self"
    as_user(client, world.director_a)
    assert post(client, f"/assessments/{a1}/submit").json()["status"] == "submitted"
    as_user(client, world.assessor)
    early = post(client, f"/assessments/{a1}/conclude", {"summary": "过早"})
    assert early.status_code == 400 and early.json()["code"] == "incomplete"
    r = judge_through_api(client, a1, not_met=(8,))
    assert r.status_code == 200, r.json()
    judged = r.json()
    assert (judged["status"], judged["met"], judged["frozen"]) == ("judged", False, True)
    rate = criterion(judged, 8, "mediation.success_rate")
    assert (rate["value"], rate["met"], rate["records_count"]) == (75.0, False, 4)
    (item1,) = [i for i in judged["items"] if i["number"] == 1]
    assert item1["judgement"] == "met" and item1["evidence"][0]["name"] == "证明材料.pdf"
    assert post(client, f"/assessments/{a1}/conclude").status_code == 409

    # Later data never rewrite the judged round, nor the records it counted.
    for _ in range(5):
        conclude(world, "succeeded")
    later = get(client, f"/assessments/{a1}").json()
    assert criterion(later, 8, "mediation.success_rate")["value"] == 75.0
    frozen = get(client, f"/assessments/{a1}/records", {"item": 8, "indicator": "mediation.success_rate"}).json()
    assert frozen["frozen"] is True and frozen["count"] == 4 and frozen["value"] == 75.0
    assert {r["id"] for r in frozen["records"]} == {d.pk for d in disputes}
    assert Dispute.objects.filter(office=world.office_a).count() == 9

    # Rectification of item 8: 定人定责定时限, progress, evidence, verification.
    (task,) = get(client, "/tasks", {"campaign": campaign_id}).json()["items"]
    assert (task["item_number"], task["status"], task["assessment_id"]) == (8, "open", a1)
    tid = task["id"]
    as_user(client, world.director_a)
    past = {"responsible_id": world.staff_a.pk, "responsibility": "提升调解质效", "deadline": TODAY - DAY}
    r = post(client, f"/tasks/{tid}/assign", past)
    assert r.status_code == 400 and r.json()["field"] == "deadline"
    r = post(client, f"/tasks/{tid}/assign", {**past, "responsible_id": world.staff_b.pk, "deadline": TODAY + DAY})
    assert r.status_code == 400 and r.json()["field"] == "responsible_id"
    r = post(client, f"/tasks/{tid}/assign", {**past, "deadline": TODAY + 30 * DAY})
    assert r.status_code == 200 and r.json()["responsible_id"] == world.staff_a.pk
    r = post(client, f"/tasks/{tid}/submit", {"text": "已整改"})
    assert r.status_code == 400 and r.json()["code"] == "no_evidence"
    assert post(client, f"/tasks/{tid}/notes", {"text": "组织调解员培训"}).status_code == 201
    assert send_file(client, f"/tasks/{tid}/evidence", "整改报告.pdf", note="培训记录").status_code == 201
    r = post(client, f"/tasks/{tid}/submit", {"text": "已整改"})
    assert r.status_code == 200 and r.json()["status"] == "submitted"
    assert post(client, f"/tasks/{tid}/verify", {"accept": True, "text": "自己验收"}).status_code == 403
    as_user(client, world.assessor)
    r = post(client, f"/tasks/{tid}/verify", {"accept": False, "text": "材料不全"})
    assert r.status_code == 200 and r.json()["status"] == "open"
    as_user(client, world.director_a)
    post(client, f"/tasks/{tid}/submit", {"text": "补充材料"})
    as_user(client, world.assessor)
    closed = post(client, f"/tasks/{tid}/verify", {"accept": True, "text": "整改到位"}).json()
    assert closed["status"] == "closed" and closed["closed_by"]
    assert [n["kind"] for n in closed["notes"]] == ["progress", "submitted", "returned", "submitted", "verified"]
    assert [e["name"] for e in closed["evidence"]] == ["整改报告.pdf"]
    assert post(client, f"/tasks/{tid}/verify", {"accept": True, "text": "再验"}).status_code == 409

    # Re-assessment: a new round, met this time; the first stays as judged.
    as_user(client, world.director_a)
    r = post(client, f"/assessments/{a1}/reassess")
    assert r.status_code == 201 and r.json()["round"] == 2
    a2 = r.json()["id"]
    assert post(client, f"/assessments/{a1}/reassess").status_code == 409
    fill_through_api(client, a2)
    as_user(client, world.assessor)
    assert judge_through_api(client, a2).json()["met"] is True
    first = get(client, f"/assessments/{a1}").json()
    assert (first["met"], first["latest"], first["frozen"]) == (False, False, True)

    completion = get(client, f"/campaigns/{campaign_id}/completion").json()
    assert (completion["now"]["offices"], completion["now"]["met"], completion["now"]["percent"]) == (2, 1, 50.0)
    assert completion["series"][-1]["met"] == 1 and completion["series"][-1]["percent"] == 50.0
    assert completion["now"]["target"] == 40.0  # the 重点培育 phase has ended
    assert [p["target_percent"] for p in completion["phases"]] == [None, 40.0, None, 100.0]

    matrix = get(client, f"/campaigns/{campaign_id}/matrix").json()
    assert [i["number"] for i in matrix["items"]] == list(range(1, 18))
    rows = {r["office_id"]: r for r in matrix["rows"]}
    assert rows[world.office_a.pk]["round"] == 2 and rows[world.office_a.pk]["met_items"] == 17
    assert {c["judgement"] for c in rows[world.office_a.pk]["cells"]} == {"met"}
    assert rows[world.office_b.pk]["status"] == "self" and rows[world.office_b.pk]["met_items"] == 0
    as_user(client, world.director_b)
    assert [r["office_id"] for r in get(client, f"/campaigns/{campaign_id}/matrix").json()["rows"]] == [
        world.office_b.pk
    ]


# --- scope and rights ----------------------------------------------------------------------------------


@pytest.fixture
def judged_a(world):
    """Office A's first round judged with item 8 not met (one rectification task)."""
    campaign = make_campaign(world)
    fill_and_submit(world, campaign, world.office_a, world.director_a)
    judge_all(world, assessment_of(campaign, world.office_a), except_items=(8,))
    return campaign, assessment_of(campaign, world.office_a), RectificationTask.objects.get()


def test_another_office_gets_404_everywhere(world, client, judged_a):
    campaign, assessment, task = judged_a
    ev = services.evidence_upload(actor=world.director_a, upload=upload("甲所材料.pdf"), task=task)
    as_user(client, world.director_b)
    for path in (
        f"/assessments/{assessment.pk}",
        f"/assessments/{assessment.pk}/records?item=8&indicator=mediation.success_rate",
        f"/tasks/{task.pk}",
        f"/evidence/{ev.pk}/file",
    ):
        assert get(client, path).status_code == 404, path
    for path, body in (
        (f"/assessments/{assessment.pk}/reassess", {}),
        (f"/tasks/{task.pk}/assign", {"responsible_id": world.staff_b.pk, "responsibility": "x", "deadline": TODAY}),
        (f"/tasks/{task.pk}/notes", {"text": "x"}),
    ):
        assert post(client, path, body).status_code == 404, path
    listed = get(client, "/assessments", {"campaign": campaign.pk}).json()["items"]
    assert [a["office_id"] for a in listed] == [world.office_b.pk]
    assert get(client, "/tasks").json()["items"] == []
    assert get(client, "/tasks", {"office": world.office_a.pk}).json()["items"] == []
    # Office A itself reads its file.
    as_user(client, world.director_a)
    r = get(client, f"/evidence/{ev.pk}/file")
    assert r.status_code == 200 and b"".join(r.streaming_content).startswith(b"%PDF")


def test_rights_of_the_leader_the_office_and_a_token(world, client, judged_a, api_token):
    campaign, assessment, task = judged_a
    as_user(client, world.leader)
    assert get(client, f"/assessments/{assessment.pk}").status_code == 200
    assert get(client, f"/tasks/{task.pk}").status_code == 200
    assert post(client, "/campaigns", campaign_body(world)).status_code == 403
    assert post(client, f"/tasks/{task.pk}/notes", {"text": "领导批示"}).status_code == 403
    assert post(client, f"/campaigns/{campaign.pk}/close").status_code == 403
    assert post(client, f"/assessments/{assessment.pk}/reassess").status_code == 403

    # An office neither verifies its own rectification nor reviews experiences.
    as_user(client, world.director_a)
    assert post(client, f"/tasks/{task.pk}/verify", {"accept": False, "text": "自己退回"}).status_code == 403
    exp = services.experience_submit(actor=world.director_a, org=world.office_a, title="经验", text="做法")
    assert post(client, f"/experiences/{exp.pk}/review", {"status": "published"}).status_code == 403

    # A token reads and never writes.
    raw = api_token(world.city_admin, world.office_a, ["standards.view", "standards.change"])
    client.logout()
    assert get(client, f"/assessments/{assessment.pk}", raw=raw).status_code == 200
    assert post(client, f"/tasks/{task.pk}/notes", {"text": "接口"}, raw=raw).status_code == 403
    assert not task.notes.exists()


def test_the_office_cannot_judge(world, client):
    campaign = make_campaign(world)
    fill_and_submit(world, campaign, world.office_a, world.director_a)
    assessment = assessment_of(campaign, world.office_a)
    as_user(client, world.director_a)
    assert post(client, f"/assessments/{assessment.pk}/judgements", {"item": 1, "judgement": "met"}).status_code == 403
    assert post(client, f"/assessments/{assessment.pk}/conclude").status_code == 403
    assert post(client, f"/assessments/{assessment.pk}/return", {"note": "自退"}).status_code == 403
    assessment.refresh_from_db()
    assert assessment.status == codes.AssessmentStatus.SUBMITTED
    assert not ItemResult.objects.exclude(judgement="").exists()


def test_records_only_those_the_caller_may_see(world, client, api_token):
    conclude(world, "succeeded")
    conclude(world, "failed")
    campaign = make_campaign(world)
    assessment = assessment_of(campaign, world.office_a)
    params = {"item": 8, "indicator": "mediation.success_rate"}
    raw = api_token(world.city_admin, world.office_a, ["standards.view"])  # no right on mediation
    r = get(client, f"/assessments/{assessment.pk}/records", params, raw=raw).json()
    assert (r["count"], r["hidden"], r["records"], r["value"]) == (2, 2, [], 50.0)
    as_user(client, world.assessor)
    r = get(client, f"/assessments/{assessment.pk}/records", params).json()
    assert (r["count"], r["hidden"], len(r["records"])) == (2, 0, 2)
    r = get(client, f"/assessments/{assessment.pk}/records", {"item": 8, "indicator": "corrections.at_large"})
    assert r.status_code == 404 and r.json()["field"] == "indicator"
    r = get(client, f"/assessments/{assessment.pk}/records", {"item": 99, "indicator": "mediation.success_rate"})
    assert r.status_code == 404 and r.json()["field"] == "item"
    r = get(client, f"/assessments/{assessment.pk}/records", {"indicator": "mediation.success_rate"})
    assert r.status_code == 400 and r.json()["field"] == "item"
    r = get(client, f"/assessments/{assessment.pk}/records", {"item": 8})
    assert r.status_code == 400 and r.json()["field"] == "indicator"


# --- bad input -----------------------------------------------------------------------------------------


def test_judgement_on_an_item_outside_the_campaign(world, client):
    campaign = make_campaign(world)
    fill_and_submit(world, campaign, world.office_a, world.director_a)
    assessment = assessment_of(campaign, world.office_a)
    other = services.standard_import(actor=world.city_admin, raw=json.dumps(own()), owner=world.city)
    foreign = StandardItem.objects.get(standard=other, number=8)
    as_user(client, world.assessor)
    for body in (
        {"item_id": foreign.pk, "judgement": "met"},
        {"item": 99, "judgement": "met"},
        {"judgement": "met"},
    ):
        r = post(client, f"/assessments/{assessment.pk}/judgements", body)
        assert r.status_code == 400 and r.json()["field"] == "item", body
    r = post(client, f"/assessments/{assessment.pk}/judgements", {"item": 8, "judgement": "not_met"})
    assert r.status_code == 400 and r.json()["field"] == "comment"
    r = post(client, f"/assessments/{assessment.pk}/judgements", {"item": 8, "judgement": "perfect"})
    assert r.status_code == 422
    assert not ItemResult.objects.exclude(judgement="").exists()


def test_rectification_refusals_change_nothing(world, client, judged_a):
    _, _, task = judged_a
    as_user(client, world.director_a)
    body = {"responsible_id": world.staff_a.pk, "responsibility": "提升调解质效", "deadline": TODAY - DAY}
    r = post(client, f"/tasks/{task.pk}/assign", body)
    assert r.status_code == 400 and r.json()["field"] == "deadline"
    post(client, f"/tasks/{task.pk}/assign", {**body, "deadline": TODAY + 10 * DAY})
    r = post(client, f"/tasks/{task.pk}/submit", {"text": "已整改"})
    assert r.status_code == 400 and r.json()["code"] == "no_evidence"
    r = send_file(client, f"/tasks/{task.pk}/evidence", "病毒.exe")
    assert r.status_code == 400 and r.json()["field"] == "file"
    assert client.post(f"{BASE}/tasks/{task.pk}/evidence", {"note": "无文件"}).json()["field"] == "file"
    as_user(client, world.assessor)
    r = post(client, f"/tasks/{task.pk}/verify", {"accept": True, "text": "验收"})
    assert r.status_code == 400 and r.json()["code"] == "no_evidence"
    task.refresh_from_db()
    assert task.status == codes.TaskStatus.OPEN and not task.evidence.exists()
    assert task.deadline == TODAY + 10 * DAY


# --- typical experiences -------------------------------------------------------------------------------


def test_typical_experiences(world, client):
    items = {i.number: i.pk for i in shipped_standard().items.all()}
    as_user(client, world.director_a)
    r = post(
        client,
        "/experiences",
        {"title": "“枫桥式”调解工作室", "text": "矛盾不上交的做法", "item_ids": [items[7], items[8]]},
    )
    assert r.status_code == 201, r.json()
    exp = r.json()
    assert exp["items"] == [7, 8] and exp["status"] == "submitted" and exp["office_id"] == world.office_a.pk
    assert send_file(client, f"/experiences/{exp['id']}/attachments", "做法介绍.docx").status_code == 201
    r = post(client, "/experiences", {"title": "甲", "text": "乙", "item_ids": [10**9]})
    assert r.status_code == 400 and r.json()["field"] == "item_ids"

    as_user(client, world.director_b)
    assert get(client, f"/experiences/{exp['id']}").status_code == 404
    assert get(client, "/experiences", {"q": "调解工作室"}).json()["items"] == []

    as_user(client, world.assessor)
    r = post(client, f"/experiences/{exp['id']}/review", {"status": "returned"})
    assert r.status_code == 400 and r.json()["field"] == "note"
    assert post(client, f"/experiences/{exp['id']}/review", {"status": "recommended"}).json()["status"] == "recommended"
    published = post(client, f"/experiences/{exp['id']}/review", {"status": "published"}).json()
    assert published["status"] == "published" and published["published_at"]
    r = post(client, f"/experiences/{exp['id']}/review", {"status": "recommended"})
    assert r.status_code == 409 and r.json()["code"] == "illegal_transition"

    # Published: every office of the city finds it, by its title or its text.
    as_user(client, world.director_b)
    assert [e["id"] for e in get(client, "/experiences", {"q": "不上交"}).json()["items"]] == [exp["id"]]
    assert [e["id"] for e in get(client, "/experiences", {"item": 8}).json()["items"]] == [exp["id"]]
    assert get(client, "/experiences", {"q": "无此内容"}).json()["items"] == []
    assert get(client, f"/experiences/{exp['id']}").json()["text"] == "矛盾不上交的做法"


# --- bounded list queries ------------------------------------------------------------------------------


def _count(client, path, params=None):
    with CaptureQueriesContext(connection) as ctx:
        r = get(client, path, params)
    assert r.status_code == 200, r.json()
    return len(ctx.captured_queries)


def test_lists_cost_the_same_for_few_rows_or_many(world, client, django_assert_max_num_queries):
    campaign = make_campaign(world)
    fill_and_submit(world, campaign, world.office_a, world.director_a)
    judge_all(world, assessment_of(campaign, world.office_a), except_items=(8,))
    services.experience_submit(actor=world.director_a, org=world.office_a, title="经验一", text="做法")
    as_user(client, world.assessor)
    paths = ["", "/campaigns", "/assessments", "/tasks", "/experiences", "/indicators"]
    few = {p: _count(client, p) for p in paths}

    second = make_campaign(world, name="第二轮创建")
    fill_and_submit(world, second, world.office_b, world.director_b)
    judge_all(world, assessment_of(second, world.office_b), except_items=(3, 8, 10, 12, 16))
    for n in range(5):
        services.experience_submit(
            actor=world.director_b,
            org=world.office_b,
            title=f"经验{n}",
            text="做法",
            items=list(shipped_standard().items.filter(number__in=[n + 1, n + 2])),
        )
    many = {p: _count(client, p) for p in paths}
    assert get(client, "/tasks").json()["items"].__len__() == 6
    assert len(get(client, "/experiences").json()["items"]) == 6
    assert few == many
    for path in paths:
        with django_assert_max_num_queries(12):
            get(client, path)
    page = get(client, "/tasks", {"size": 4}).json()
    rest = get(client, "/tasks", {"size": 4, "cursor": page["next_cursor"]}).json()
    assert len(page["items"]) == 4 and len(rest["items"]) == 2 and rest["next_cursor"] is None
    assert {t["id"] for t in page["items"]}.isdisjoint({t["id"] for t in rest["items"]})
    assert get(client, "/tasks", {"overdue": True}).json()["items"] == []  # no deadline yet
    late = page["items"][0]["id"]
    RectificationTask.objects.filter(pk=late).update(deadline=TODAY - DAY)
    (overdue,) = get(client, "/tasks", {"overdue": True}).json()["items"]
    assert overdue["id"] == late and overdue["overdue"] is True
    assert get(client, "/tasks", {"overdue": True, "office": world.office_a.pk + 10_000}).json()["items"] == []
