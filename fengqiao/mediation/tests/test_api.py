"""The mediation API: scope, grants, masking, every step with its version check, figures."""

import datetime
import json

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fengqiao.core.models import AuditEvent
from fengqiao.mediation import codes, services
from fengqiao.mediation.models import CaseEvent, Committee, Dispute, Mediator, Party
from fengqiao.testing.factories import valid_id_number

S = codes.Status
TODAY = timezone.localdate()
BASE = "/api/v1/mediation"
ALL_GRANTS = ["mediation.view", "mediation.create", "mediation.change", "mediation.view_sensitive"]


def bearer(raw):
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"} if raw else {}


def get(client, path, raw=None, **params):
    return client.get(path, params, **bearer(raw))


def post(client, path, body, raw=None, **extra):
    data = body if isinstance(body, str | bytes) else json.dumps(body, default=str)
    return client.post(path, data, content_type="application/json", **bearer(raw), **extra)


def register(world, actor=None, **overrides):
    data = {
        "actor": actor or world.director_a,
        "org": world.village_a1,
        "channel": codes.Channel.VISIT,
        "event_type": "0201",
        "summary": "排水纠纷",
        "description": "东邻排水沟堵塞，雨水倒灌西邻院落。",
        "received_on": TODAY - datetime.timedelta(days=3),
        "parties": [
            {"side": "applicant", "name": "张三丰", "id_number": valid_id_number(), "phone": "13812345678"},
            {"side": "respondent", "name": "李四", "phone": "0510-86801234"},
        ],
    }
    data.update(overrides)
    return services.dispute_register(**data)


def snapshot(dispute):
    d = Dispute.objects.get(pk=dispute.pk)
    return d.status, d.version, CaseEvent.objects.filter(dispute=d).count(), d.outcome


@pytest.fixture
def token_a(world, api_token):
    return api_token(world.city_admin, world.office_a, ALL_GRANTS)


@pytest.fixture
def view_token_a(world, api_token):
    return api_token(world.city_admin, world.office_a, ["mediation.view"])


@pytest.fixture
def token_b(world, api_token):
    return api_token(world.city_admin, world.office_b, ALL_GRANTS)


@pytest.fixture
def committee(world):
    return Committee.objects.create(
        org=world.office_a, name="甲镇人民调解委员会", committee_type=codes.CommitteeType.TOWN
    )


@pytest.fixture
def village_committee(world):
    return Committee.objects.create(
        org=world.village_a1, name="甲一村人民调解委员会", committee_type=codes.CommitteeType.VILLAGE
    )


@pytest.fixture
def mediator(world, committee):
    m = Mediator.objects.create(org=world.office_a, full_name="王调解", full_time=True)
    m.committees.add(committee)
    return m


# --- scope and grants -----------------------------------------------------------------------------------


def test_list_shows_only_the_callers_cases_with_parties_masked(world, client, token_a, token_b):
    a = register(world)
    b = register(world, actor=world.director_b, org=world.village_b1)
    response = get(client, f"{BASE}/cases", token_a)
    assert response.status_code == 200, response.content
    items = response.json()["items"]
    assert [i["id"] for i in items] == [a.pk]
    assert items[0]["parties"] == [
        {"side": "applicant", "kind": "person", "name": "张**"},
        {"side": "respondent", "kind": "person", "name": "李*"},
    ]
    assert "13812345678" not in response.content.decode()
    assert [i["id"] for i in get(client, f"{BASE}/cases", token_b).json()["items"]] == [b.pk]


def test_another_offices_case_is_404_for_every_operation(world, client, token_b, client_for):
    case = register(world)
    before = snapshot(case)
    for path in ("", "/parties", "/sessions"):
        response = get(client, f"{BASE}/cases/{case.pk}{path}", token_b)
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    body = {"expected_version": case.version}
    assert post(client, f"{BASE}/cases/{case.pk}/transitions/accept", body, token_b).status_code == 404
    # Not even a body that could not be parsed tells another office that the case exists.
    assert post(client, f"{BASE}/cases/{case.pk}/transitions/accept", "{", token_b).status_code == 404
    session = client_for(world.director_b)
    assert session.get(f"{BASE}/cases/{case.pk}").status_code == 404
    assert post(session, f"{BASE}/cases/{case.pk}/transitions/accept", body).status_code == 404
    assert snapshot(case) == before


def test_a_view_only_token_cannot_write(world, client, view_token_a):
    case = register(world)
    before = snapshot(case)
    assert get(client, f"{BASE}/cases/{case.pk}", view_token_a).json()["can_change"] is False
    response = post(client, f"{BASE}/cases/{case.pk}/transitions/accept", {"expected_version": 1}, view_token_a)
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert snapshot(case) == before
    count = Dispute.objects.count()
    response = post(client, f"{BASE}/cases", intake_body(world), view_token_a)
    assert response.status_code == 403
    assert Dispute.objects.count() == count


def test_a_legal_advisor_sees_cases_but_takes_no_steps(world, client_for):
    case = register(world)
    client = client_for(world.advisor_a)
    data = client.get(f"{BASE}/cases/{case.pk}").json()
    assert data["can_change"] is False and data["allowed_transitions"] == []
    assert post(client, f"{BASE}/cases/{case.pk}/transitions/accept", {"expected_version": 1}).status_code == 403


# --- list ------------------------------------------------------------------------------------------------


def test_list_filters(world, client, token_a, committee):
    visit = register(world)
    phone = register(
        world,
        channel=codes.Channel.PHONE,
        org=world.village_a2,
        summary="噪音扰民",
        received_on=TODAY - datetime.timedelta(days=40),
        parties=[{"side": "applicant", "name": "孙七"}, {"side": "respondent", "name": "周八"}],
    )
    services.dispute_accept(actor=world.director_a, dispute=phone, committee=committee)

    def ids(**params):
        response = get(client, f"{BASE}/cases", token_a, **params)
        assert response.status_code == 200, response.content
        return {i["id"] for i in response.json()["items"]}

    assert ids() == {visit.pk, phone.pk}
    assert ids(channel="phone") == {phone.pk}
    assert ids(status="accepted") == {phone.pk}
    assert ids(q="噪音") == {phone.pk}
    assert ids(q="张三丰") == {visit.pk}
    assert ids(open=1) == {visit.pk, phone.pk}
    assert ids(date_from=(TODAY - datetime.timedelta(days=10)).isoformat()) == {visit.pk}
    assert ids(committee=committee.pk) == {phone.pk}
    assert ids(village=world.village_a2.pk) == {phone.pk}
    assert ids(village=world.village_b1.pk) == set()  # another office's village filters to nothing
    assert ids(stat_category="02") == {visit.pk, phone.pk}
    assert get(client, f"{BASE}/cases", token_a, status="lost").status_code == 422
    assert get(client, f"{BASE}/cases", token_a, date_from="2026-13-01").status_code == 422


def test_list_walks_keyset_pages(world, client, token_a):
    made = {register(world, received_on=TODAY - datetime.timedelta(days=i % 3)).pk for i in range(7)}
    seen, cursor = [], None
    while True:
        params = {"size": 3, **({"cursor": cursor} if cursor else {})}
        page = get(client, f"{BASE}/cases", token_a, **params).json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(made) and len(seen) == len(set(seen))
    assert get(client, f"{BASE}/cases", token_a, cursor="garbage").status_code == 200
    assert get(client, f"{BASE}/cases", token_a, size=500).status_code == 422


def test_list_costs_the_same_for_3_cases_or_30(world, client, token_a, django_assert_max_num_queries):
    for _ in range(3):
        register(world)
    get(client, f"{BASE}/cases", token_a)
    with CaptureQueriesContext(connection) as few:
        assert get(client, f"{BASE}/cases", token_a).status_code == 200
    for _ in range(27):
        register(world)
    with django_assert_max_num_queries(6), CaptureQueriesContext(connection) as many:
        response = get(client, f"{BASE}/cases", token_a)
    assert len(response.json()["items"]) == min(30, settings.FENGQIAO["PAGE_SIZE"])
    assert len(many) == len(few)


# --- detail and reveal -------------------------------------------------------------------------------------


def test_detail_masks_until_revealed_and_records_the_showing(world, client_for):
    case = register(world)
    client = client_for(world.director_a)
    data = client.get(f"{BASE}/cases/{case.pk}").json()
    assert data["version"] == 1 and data["status"] == "registered"
    zhang = data["parties"][0]
    assert zhang["name"] == "张三丰" and zhang["id_number"].startswith("3202") and "*" in zhang["id_number"]
    assert zhang["phone"] == "138****5678" and zhang["revealed"] is False
    assert {s["step"] for s in data["allowed_transitions"]} == {"accept", "reject", "escalate", "edit"}
    assert [e["transition"] for e in data["events"]] == ["register"]
    assert not AuditEvent.objects.filter(action="access.id_number").exists()

    response = client.get(f"{BASE}/cases/{case.pk}?reveal=1")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    zhang = response.json()["parties"][0]
    assert zhang["id_number"] == valid_id_number() and zhang["phone"] == "13812345678" and zhang["revealed"]
    events = AuditEvent.objects.filter(action="access.id_number", actor_user=world.director_a)
    assert events.count() == 2  # one per party shown
    parties = client.get(f"{BASE}/cases/{case.pk}/parties?reveal=1").json()
    assert parties[0]["id_number"] == valid_id_number()


def test_reveal_needs_the_right_to_change_and_to_see_sensitive_data(world, client_for, client, view_token_a):
    case = register(world)
    # Staff may change cases but not see full ID numbers; a view-only token neither.
    response = client_for(world.staff_a).get(f"{BASE}/cases/{case.pk}?reveal=1")
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert get(client, f"{BASE}/cases/{case.pk}", view_token_a, reveal=1).status_code == 403
    assert not AuditEvent.objects.filter(action="access.id_number").exists()


def test_detail_query_count_is_bounded(world, client_for, django_assert_max_num_queries, committee, mediator):
    case = register(world)
    client = client_for(world.director_a)
    with django_assert_max_num_queries(20):
        assert client.get(f"{BASE}/cases/{case.pk}").status_code == 200


# --- intake ----------------------------------------------------------------------------------------------


def intake_body(world, **overrides):
    body = {
        "org_id": world.village_a1.pk,
        "channel": "visit",
        "event_type": "0201",
        "summary": "宅基地界址纠纷",
        "description": "两户对界桩位置有争议。",
        "received_on": (TODAY - datetime.timedelta(days=1)).isoformat(),
        "amount": "1200.50",
        "parties": [
            {"side": "applicant", "name": "赵五", "phone": "13900001111"},
            {"side": "respondent", "name": "钱六"},
        ],
    }
    body.update(overrides)
    return body


def test_intake_by_token(world, client, token_a):
    response = post(client, f"{BASE}/cases", intake_body(world), token_a)
    assert response.status_code == 201, response.content
    data = response.json()
    case = Dispute.objects.get(pk=data["id"])
    assert case.office_id == world.office_a.pk and case.status == S.REGISTERED and str(case.amount) == "1200.50"
    assert data["number"] == case.number and len(data["parties"]) == 2
    event = AuditEvent.objects.get(action="dispute.register", object_id=str(case.pk))
    assert event.actor_token_id is not None and event.actor_user_id is None
    assert CaseEvent.objects.get(dispute=case).actor_repr == "API:test gateway"


@pytest.mark.parametrize(
    ("overrides", "status", "code", "field"),
    [
        ({"received_on": (TODAY + datetime.timedelta(days=2)).isoformat()}, 400, "invalid", "received_on"),
        ({"event_type": "0000"}, 400, "invalid", "event_type"),
        ({"channel": "referral"}, 400, "invalid", "referral_source"),
        (
            {"parties": [{"side": "applicant", "name": "赵五"}, {"side": "applicant", "name": "钱六"}]},
            400,
            "invalid",
            "parties",
        ),
        (
            {
                "parties": [
                    {"side": "applicant", "name": "赵五", "id_number": "320281199002301234"},
                    {"side": "respondent", "name": "钱六"},
                ]
            },
            400,
            "invalid",
            "parties.0.id_number",
        ),
        ({"org_id": "B"}, 404, "not_found", "org_id"),
        ({"org_id": 99_999_999}, 404, "not_found", "org_id"),
        ({"committee_id": 99_999_999}, 400, "invalid", "committee_id"),
    ],
)
def test_bad_intake_is_refused_and_changes_nothing(world, client, token_a, overrides, status, code, field):
    if overrides.get("org_id") == "B":
        overrides = {**overrides, "org_id": world.village_b1.pk}
    response = post(client, f"{BASE}/cases", intake_body(world, **overrides), token_a)
    assert response.status_code == status, response.content
    assert response.json()["code"] == code and response.json()["field"] == field
    assert not Dispute.objects.exists() and not Party.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        '{"org_id": ',
        {"channel": "visit"},
        {"org_id": 1, "channel": "carrier pigeon"},
        [],
    ],
)
def test_malformed_intake_is_refused(world, client, token_a, body):
    response = post(client, f"{BASE}/cases", body, token_a)
    assert response.status_code in (400, 422)
    assert response.json()["code"] in ("malformed_body", "invalid")
    assert not Dispute.objects.exists()


# --- every step ------------------------------------------------------------------------------------------


def step(client, case_id, name, raw=None, **body):
    response = post(client, f"{BASE}/cases/{case_id}/transitions/{name}", body, raw)
    return response


def ok(response):
    assert response.status_code == 200, response.content
    return response.json()


def test_every_step_through_the_api(world, client, token_a, committee, mediator):
    case = register(world)
    v = 1
    data = ok(
        step(
            client,
            case.pk,
            "accept",
            token_a,
            expected_version=v,
            committee_id=committee.pk,
            mediator_ids=[mediator.pk],
            period_days=20,
        )
    )
    assert data["status"] == "accepted" and data["committee_id"] == committee.pk
    assert data["deadline"] == (TODAY + datetime.timedelta(days=20)).isoformat()
    assert [m["id"] for m in data["mediators"]] == [mediator.pk]
    data = ok(
        step(
            client,
            case.pk,
            "session",
            token_a,
            expected_version=data["version"],
            held_on=TODAY.isoformat(),
            place="村委会",
            record="双方陈述意见。",
            mediator_ids=[mediator.pk],
        )
    )
    assert data["status"] == "mediating" and len(data["sessions"]) == 1
    sessions = get(client, f"{BASE}/cases/{case.pk}/sessions", token_a).json()
    assert sessions[0]["place"] == "村委会" and sessions[0]["mediators"][0]["full_name"] == "王调解"
    data = ok(
        step(
            client,
            case.pk,
            "succeed",
            token_a,
            expected_version=data["version"],
            form="written",
            terms="东邻疏通水沟。",
            signed_on=TODAY.isoformat(),
            amount="800",
            prevented_criminal_persons=2,
        )
    )
    assert data["status"] == "succeeded" and data["outcome"] == "succeeded"
    assert data["agreement"]["terms"] == "东邻疏通水沟。" and data["prevented_criminal_persons"] == 2
    data = ok(
        step(
            client,
            case.pk,
            "follow_up",
            token_a,
            expected_version=data["version"],
            visited_on=TODAY.isoformat(),
            satisfaction="satisfied",
            performed=True,
        )
    )
    assert data["status"] == "followed_up" and len(data["follow_ups"]) == 1
    data = ok(step(client, case.pk, "archive", token_a, expected_version=data["version"]))
    assert data["status"] == "archived" and data["outcome"] == "succeeded"
    data = ok(step(client, case.pk, "reopen", token_a, expected_version=data["version"], reason="当事人反悔"))
    assert data["status"] == "accepted" and data["agreement"] is None and data["outcome"] == ""
    data = ok(
        step(
            client,
            case.pk,
            "session",
            token_a,
            expected_version=data["version"],
            held_on=TODAY.isoformat(),
            place="司法所",
            record="再次调解。",
        )
    )
    data = ok(step(client, case.pk, "fail", token_a, expected_version=data["version"], reason="分歧过大"))
    assert data["status"] == "failed" and data["outcome_reason"] == "分歧过大"
    data = ok(step(client, case.pk, "reopen", token_a, expected_version=data["version"], reason="愿意再谈"))
    data = ok(step(client, case.pk, "terminate", token_a, expected_version=data["version"], reason="已起诉"))
    assert data["status"] == "terminated"
    assert {s["step"] for s in data["allowed_transitions"]} == {"follow_up", "archive", "reopen", "refer"}

    declined = register(world)
    data = ok(step(client, declined.pk, "reject", token_a, expected_version=1, reason="不属于民间纠纷"))
    assert data["status"] == "rejected" and data["outcome"] == "rejected"

    transitions = [e["transition"] for e in get(client, f"{BASE}/cases/{case.pk}", token_a).json()["events"]]
    assert transitions == [
        "register",
        "accept",
        "session",
        "succeed",
        "follow_up",
        "archive",
        "reopen",
        "session",
        "fail",
        "reopen",
        "terminate",
    ]
    actions = set(
        AuditEvent.objects.filter(object_id=str(case.pk), object_type="mediation.dispute").values_list(
            "action", flat=True
        )
    )
    assert {"dispute.accept", "dispute.session", "dispute.succeed", "dispute.archive", "dispute.reopen"} <= actions


def test_escalate_through_the_api(world, client, token_a, village_committee, committee):
    case = register(world, committee=village_committee)
    assert case.level == codes.Level.VILLAGE
    wrong = step(
        client, case.pk, "escalate", token_a, expected_version=1, committee_id=village_committee.pk, reason="x"
    )
    assert wrong.status_code == 400 and wrong.json()["field"] == "committee_id"
    data = ok(
        step(client, case.pk, "escalate", token_a, expected_version=1, committee_id=committee.pk, reason="涉及多村")
    )
    assert data["committee_id"] == committee.pk and data["level"] == codes.Level.TOWN
    assert data["status"] == "registered" and data["version"] == 2


def test_a_stale_version_is_409_and_changes_nothing(world, client, client_for, token_a):
    """Two people act on the same case: the second is told, and the first one's step stands."""
    case = register(world)
    first = step(client, case.pk, "accept", token_a, expected_version=1)
    assert first.status_code == 200
    before = snapshot(case)
    second = step(client_for(world.director_a), case.pk, "reject", None, expected_version=1, reason="重复登记")
    assert second.status_code == 409
    assert second.json()["code"] == "stale" and second.json()["message"]
    assert snapshot(case) == before == (S.ACCEPTED, 2, 2, "")


def test_an_illegal_step_is_409_and_changes_nothing(world, client, token_a):
    case = register(world)
    before = snapshot(case)
    response = step(client, case.pk, "archive", token_a, expected_version=1)
    assert response.status_code == 409
    assert response.json()["code"] == "illegal_transition"
    assert "Registered" in response.json()["message"] or "登记" in response.json()["message"]
    assert snapshot(case) == before


def test_step_errors_are_clear_and_change_nothing(world, client, token_a):
    case = register(world)
    before = snapshot(case)
    missing = step(client, case.pk, "reject", token_a, expected_version=1)
    assert missing.status_code == 422 and missing.json()["code"] == "invalid"
    assert missing.json()["errors"][0]["loc"][-1] == "reason"
    no_version = step(client, case.pk, "accept", token_a)
    assert no_version.status_code == 422
    assert no_version.json()["errors"][0]["loc"][-1] == "expected_version"
    malformed = post(client, f"{BASE}/cases/{case.pk}/transitions/accept", '{"expected_version": ', token_a)
    assert malformed.status_code == 400 and malformed.json()["code"] == "malformed_body"
    blank = step(client, case.pk, "reject", token_a, expected_version=1, reason="   ")
    assert blank.status_code == 400 and blank.json()["field"] == "reason"
    bad_mediator = step(client, case.pk, "accept", token_a, expected_version=1, mediator_ids=[99_999_999])
    assert bad_mediator.status_code == 400 and bad_mediator.json()["field"] == "mediator_ids"
    assert snapshot(case) == before


def test_step_errors_speak_the_callers_language(world, client, token_a):
    case = register(world)
    response = post(
        client,
        f"{BASE}/cases/{case.pk}/transitions/archive",
        {"expected_version": 1},
        token_a,
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 409 and "登记" in response.json()["message"]


# --- figures and committees ------------------------------------------------------------------------------


def test_metrics(world, client, token_a, client_for):
    ok_case = register(world)
    services.dispute_accept(actor=world.director_a, dispute=ok_case)
    services.dispute_succeed(
        actor=world.director_a, dispute=ok_case, form="oral", terms="赔礼道歉", signed_on=TODAY, amount="500"
    )
    register(world, actor=world.director_b, org=world.village_b1)
    response = get(client, f"{BASE}/metrics", token_a)
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["totals"]["received"] == 1 and data["totals"]["succeeded"] == 1
    assert data["totals"]["success_rate"] == 100.0 and data["definition"]
    assert [r["key"] for r in data["rows"]] == [str(world.office_a.pk)]
    by_category = get(
        client,
        f"{BASE}/metrics",
        token_a,
        group_by="category",
        date_from=(TODAY - datetime.timedelta(days=30)).isoformat(),
        date_to=TODAY.isoformat(),
    ).json()
    assert by_category["rows"][0]["key"] == "02" and by_category["rows"][0]["label"]
    office = client_for(world.director_a).get(f"{BASE}/metrics").json()
    assert office["rows"][0]["label"] == "甲镇司法所"


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"date_from": "2026-03-01", "date_to": "2026-02-01"}, 400),
        ({"date_from": "2000-01-01", "date_to": "2026-01-01"}, 400),
        ({"date_from": "yesterday"}, 422),
        ({"group_by": "planet"}, 422),
    ],
)
def test_metrics_refuse_a_bad_period(world, client, token_a, params, status):
    response = get(client, f"{BASE}/metrics", token_a, **params)
    assert response.status_code == status
    assert response.json()["code"] in ("invalid_period", "invalid")


def test_committees_are_scoped(world, client, token_a, committee):
    Committee.objects.create(org=world.office_b, name="乙镇人民调解委员会", committee_type=codes.CommitteeType.TOWN)
    data = get(client, f"{BASE}/committees", token_a).json()
    assert [c["name"] for c in data] == ["甲镇人民调解委员会"]
    assert data[0]["full_time_norm"] == 2 and data[0]["level"] == codes.Level.TOWN


def test_openapi_documents_each_step_with_its_body(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    op = schema["paths"]["/api/v1/mediation/cases/{pk}/transitions/succeed"]["post"]
    assert op["x-scoped-model"] == "mediation.Dispute"
    body = op["requestBody"]["content"]["application/json"]["schema"]
    assert {"expected_version", "form", "terms", "signed_on"} <= set(body["required"])
    assert "/api/v1/mediation/referrals" in schema["paths"]


# --- documents -------------------------------------------------------------------------------------------


def docx_text(content: bytes) -> str:
    import io

    from docx import Document

    doc = Document(io.BytesIO(content))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def test_documents_list_follows_the_case(world, client, token_a):
    case = register(world)
    listed = get(client, f"{BASE}/cases/{case.pk}/documents", token_a).json()
    assert [(d["kind"], d["session_id"]) for d in listed] == [("application", None)]
    case = services.dispute_accept(actor=world.director_a, dispute=case)
    session = services.session_add(actor=world.director_a, dispute=case, held_on=TODAY, place="村委会", record="陈述")
    services.dispute_succeed(actor=world.director_a, dispute=case, form="written", terms="疏通水沟", signed_on=TODAY)
    listed = get(client, f"{BASE}/cases/{case.pk}/documents", token_a).json()
    assert [(d["kind"], d["session_id"]) for d in listed] == [
        ("application", None),
        ("record", session.pk),
        ("agreement", None),
    ]
    assert listed[1]["path"] == f"documents/record.docx?session={session.pk}"
    for doc in listed:
        response = client.get(f"{BASE}/cases/{case.pk}/{doc['path']}", **bearer(token_a))
        assert response.status_code == 200, response.content
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        assert response.content[:2] == b"PK"


def test_a_document_download_is_an_audited_export(world, client_for):
    case = register(world)
    client = client_for(world.director_a)
    response = client.get(f"{BASE}/cases/{case.pk}/documents/application.docx")
    assert response.status_code == 200
    assert "attachment;" in response["Content-Disposition"] and "filename*=UTF-8''" in response["Content-Disposition"]
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    assert valid_id_number() in docx_text(response.content)  # a director may see full numbers
    event = AuditEvent.objects.get(action="export", object_id=str(case.pk))
    assert event.changes["what"] == "mediation.document.application" and event.changes["filters"]["via"] == "api"
    assert event.office_id == world.office_a.pk
    masked = client_for(world.staff_a).get(f"{BASE}/cases/{case.pk}/documents/application.docx")
    assert masked.status_code == 200 and valid_id_number() not in docx_text(masked.content)


def test_documents_need_the_right_to_change_the_case(world, client, client_for, view_token_a, token_b):
    case = register(world)
    url = f"{BASE}/cases/{case.pk}/documents/application.docx"
    assert get(client, url, view_token_a).status_code == 403
    assert client_for(world.advisor_a).get(url).status_code == 403
    assert get(client, url, token_b).status_code == 404
    assert get(client, f"{BASE}/cases/{case.pk}/documents", token_b).status_code == 404
    assert not AuditEvent.objects.filter(action="export").exists()


def test_a_document_the_case_does_not_have_is_404(world, client, token_a):
    case = register(world)
    other = register(world)
    other = services.dispute_accept(actor=world.director_a, dispute=other)
    session = services.session_add(actor=world.director_a, dispute=other, held_on=TODAY, place="所", record="谈")
    for path in ("agreement.docx", "record.docx", f"record.docx?session={session.pk}", "record.docx?session=x"):
        response = client.get(f"{BASE}/cases/{case.pk}/documents/{path}", **bearer(token_a))
        assert response.status_code in (404, 422), (path, response.content)
        if response.status_code == 404:
            assert response.json()["message"]
    assert not AuditEvent.objects.filter(action="export").exists()


def test_deadline_and_level_filters(world, client, token_a, committee):
    late = register(world)
    late = services.dispute_accept(actor=world.director_a, dispute=late, committee=committee, period_days=1)
    Dispute.objects.filter(pk=late.pk).update(deadline=TODAY - datetime.timedelta(days=1))
    soon = services.dispute_accept(actor=world.director_a, dispute=register(world), period_days=3)
    fresh = register(world)

    def ids(**params):
        response = get(client, f"{BASE}/cases", token_a, **params)
        assert response.status_code == 200, response.content
        return {i["id"] for i in response.json()["items"]}

    assert ids(overdue="true") == {late.pk}
    assert ids(at_risk=1) == {soon.pk}
    assert ids(level=codes.Level.TOWN) == {late.pk}
    assert ids(level=codes.Level.VILLAGE) == {soon.pk, fresh.pk}
    item = next(i for i in get(client, f"{BASE}/cases", token_a).json()["items"] if i["id"] == late.pk)
    assert item["overdue"] is True
    assert get(client, f"{BASE}/cases", token_a, level=7).status_code == 422


def test_ids_too_large_for_the_database_are_refused_cleanly(world, client, token_a):
    case = register(world)
    huge = 2**64
    assert post(client, f"{BASE}/cases", intake_body(world, org_id=huge), token_a).status_code == 422
    assert get(client, f"{BASE}/cases", token_a, committee=huge).status_code == 422
    assert get(client, f"{BASE}/cases", token_a, village=huge).status_code == 422
    body = {"expected_version": 1, "mediator_ids": [huge]}
    assert post(client, f"{BASE}/cases/{case.pk}/transitions/accept", body, token_a).status_code == 422
    body = {"expected_version": huge}
    assert post(client, f"{BASE}/cases/{case.pk}/transitions/archive", body, token_a).status_code == 422
    url = f"{BASE}/cases/{case.pk}/documents/record.docx?session={huge}"
    assert client.get(url, **bearer(token_a)).status_code == 422
    assert snapshot(case)[1] == 1


# --- linkage, editing and warnings through the API ------------------------------------------------


def test_failed_case_referred_and_result_recorded_through_the_api(world, client, token_a, token_b):
    d = register(world)
    services.dispute_accept(actor=world.director_a, dispute=d)
    services.session_add(actor=world.director_a, dispute=d, held_on=TODAY, place="调解室", record="分歧大")
    d = services.dispute_fail(actor=world.director_a, dispute=d, reason="分歧大")
    detail = get(client, f"{BASE}/cases/{d.pk}", token_a).json()
    steps = [s["step"] for s in detail["allowed_transitions"]]
    assert "refer" in steps and "referral_result" not in steps and "confirm" not in steps
    body = {
        "expected_version": d.version,
        "channel": "arbitration",
        "receiving_body": "江阴市劳动人事争议仲裁委员会",
        "referred_on": TODAY.isoformat(),
    }
    assert post(client, f"{BASE}/cases/{d.pk}/transitions/refer", body, token_b).status_code == 404
    r = post(client, f"{BASE}/cases/{d.pk}/transitions/refer", body, token_a)
    assert r.status_code == 200, r.content
    data = r.json()
    assert data["referrals"][0]["outcome"] == "pending"
    assert "referral_result" in [s["step"] for s in data["allowed_transitions"]]
    # the same body again is stale now
    assert post(client, f"{BASE}/cases/{d.pk}/transitions/refer", body, token_a).status_code == 409
    result = {
        "expected_version": data["version"],
        "referral_id": data["referrals"][0]["id"],
        "outcome": "resolved",
        "result_on": TODAY.isoformat(),
        "result": "仲裁调解结案",
    }
    r = post(client, f"{BASE}/cases/{d.pk}/transitions/referral_result", result, token_a)
    assert r.status_code == 200 and r.json()["referrals"][0]["outcome"] == "resolved"


def test_edit_through_the_api_raises_a_warning(world, client, token_a):
    d = register(world)
    body = {
        "expected_version": d.version,
        "summary": d.summary,
        "description": "对方扬言要报复",
        "event_type": d.event_type,
        "people_count": 2,
        "amount": "1500000",
    }
    r = post(client, f"{BASE}/cases/{d.pk}/transitions/edit", body, token_a)
    assert r.status_code == 200, r.content
    data = r.json()
    assert data["risk_level"] == codes.RiskLevel.RED
    assert {w["kind"] for w in data["warnings"]} == {"criminal", "amount"}
    listed = get(client, f"{BASE}/cases", token_a, risk=3).json()["items"]
    assert [c["id"] for c in listed] == [d.pk]
    assert get(client, f"{BASE}/cases", token_a, risk=9).status_code == 422
