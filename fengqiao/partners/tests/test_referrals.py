"""Partner referral intake: idempotent, scoped, and clear about every bad request."""

import datetime
import json
import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from fengqiao.core.models import AuditEvent
from fengqiao.mediation import codes
from fengqiao.mediation.models import CaseCounter, Dispute, Party
from fengqiao.orgs.models import OrgNode
from fengqiao.partners.models import IdempotencyRecord, PartnerReferral

URL = "/api/v1/mediation/referrals"
TODAY = timezone.localdate()
DIVISION_A1 = "320281100201"
DIVISION_B1 = "320281101201"


@pytest.fixture(autouse=True)
def division_codes(world):
    OrgNode.objects.filter(pk=world.village_a1.pk).update(division_code=DIVISION_A1)
    OrgNode.objects.filter(pk=world.village_b1.pk).update(division_code=DIVISION_B1)


def referral(**overrides):
    body = {
        "external_ref": "(2026)苏0281民诉前调1234号",
        "division_code": DIVISION_A1,
        "referral_source": "court",
        "event_type": "0401",
        "summary": "买卖合同货款纠纷",
        "description": "原告诉请被告支付货款，法院诉前委派调解。",
        "received_on": (TODAY - datetime.timedelta(days=1)).isoformat(),
        "amount": "36000",
        "parties": [
            {"side": "applicant", "name": "江阴某贸易有限公司", "kind": "organisation"},
            {"side": "respondent", "name": "钱六", "phone": "13900001111"},
        ],
    }
    body.update(overrides)
    return body


def send(client, raw, body, key="key-0001", **extra):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    data = body if isinstance(body, str | bytes) else json.dumps(body, ensure_ascii=False)
    return client.post(URL, data, content_type="application/json", **headers, **extra)


def nothing_created():
    return not Dispute.objects.exists() and not Party.objects.exists() and not PartnerReferral.objects.exists()


def test_a_referral_registers_a_case_from_the_partner(world, client, partner):
    token, raw = partner
    response = send(client, raw, referral())
    assert response.status_code == 201, response.content
    assert "Idempotent-Replayed" not in response
    data = response.json()
    case = Dispute.objects.get(pk=data["id"])
    assert data == {
        "id": case.pk,
        "number": case.number,
        "status": "registered",
        "external_ref": "(2026)苏0281民诉前调1234号",
        "org_id": world.village_a1.pk,
        "office_id": world.office_a.pk,
        "received_on": (TODAY - datetime.timedelta(days=1)).isoformat(),
    }
    assert case.channel == codes.Channel.REFERRAL and case.referral_source == "court"
    assert case.referral_body == "澄江法院诉调对接" and case.registered_by is None
    link = PartnerReferral.objects.get(dispute=case)
    assert link.token == token and link.office_id == world.office_a.pk
    event = AuditEvent.objects.get(action="partner_referral.receive")
    assert event.actor_token_id == token.pk and "1234" in event.object_repr


def test_the_place_may_be_given_by_org_id(world, client, partner):
    _, raw = partner
    response = send(client, raw, referral(division_code="", org_id=world.office_a.pk))
    assert response.status_code == 201, response.content
    assert response.json()["org_id"] == world.office_a.pk


def test_a_replayed_referral_returns_the_first_answer_and_creates_nothing(world, client, partner):
    _, raw = partner
    first = send(client, raw, referral())
    counter = CaseCounter.objects.get().last
    # Spacing and key order do not make it another request.
    again = send(client, raw, json.dumps(referral(), ensure_ascii=False, indent=2, sort_keys=True))
    assert again.status_code == first.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Dispute.objects.count() == 1 and PartnerReferral.objects.count() == 1
    assert CaseCounter.objects.get().last == counter
    assert AuditEvent.objects.filter(action="partner_referral.receive").count() == 1


def test_the_same_key_with_another_body_is_refused(world, client, partner):
    _, raw = partner
    send(client, raw, referral())
    response = send(client, raw, referral(summary="另一件事"))
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused" and response.json()["message"]
    assert Dispute.objects.count() == 1


def test_keys_belong_to_their_token(world, client, partner, api_token):
    """Another partner using the same key is another request."""
    _, raw = partner
    other = api_token(world.city_admin, world.office_a, ["mediation.create"])
    assert send(client, raw, referral()).status_code == 201
    assert send(client, other, referral()).status_code == 201
    assert Dispute.objects.count() == 2


@pytest.mark.parametrize(
    ("key", "code"),
    [
        (None, "idempotency_key_missing"),
        ("", "idempotency_key_missing"),
        ("k" * 256, "idempotency_key_invalid"),
        ("两个字", "idempotency_key_invalid"),
        ("has space", "idempotency_key_invalid"),
    ],
)
def test_a_missing_or_bad_key_is_400_and_creates_nothing(world, client, partner, key, code):
    _, raw = partner
    response = send(client, raw, referral(), key=key, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["code"] == code and "Idempotency-Key" in response.json()["message"]
    assert nothing_created() and not IdempotencyRecord.objects.exists()


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ('{"external_ref": ', 400, "malformed_body"),
        ({"external_ref": "x"}, 422, "invalid"),
        (referral(referral_source="aliens"), 422, "invalid"),
        (referral(parties=[{"side": "applicant", "name": "孤"}]), 422, "invalid"),
        (referral(unexpected="field"), 422, "invalid"),
        (referral(people_count=1), 422, "invalid"),
        (referral(event_type="0000"), 400, "invalid"),
        (referral(received_on=(TODAY + datetime.timedelta(days=3)).isoformat()), 400, "invalid"),
        (
            referral(
                parties=[{"side": "applicant", "name": "甲", "id_number": "123"}, {"side": "respondent", "name": "乙"}]
            ),
            400,
            "invalid",
        ),
        (referral(division_code=""), 400, "org_missing"),
        (referral(division_code="999999999999"), 400, "unknown_org"),
        (referral(division_code=DIVISION_B1), 400, "unknown_org"),
        (referral(division_code="", org_id=99_999_999), 400, "unknown_org"),
    ],
)
def test_a_malformed_referral_is_refused_and_creates_nothing(world, client, partner, body, status, code):
    _, raw = partner
    response = send(client, raw, body)
    assert response.status_code == status, response.content
    assert response.json()["code"] == code and response.json()["message"]
    assert nothing_created()
    # The key was not used up: the partner fixes the request and sends it again with the same key.
    assert send(client, raw, referral()).status_code == 201


def test_another_office_is_refused_like_an_unknown_one(world, client, partner):
    _, raw = partner
    theirs = send(client, raw, referral(division_code=DIVISION_B1), key="k1").json()
    nobody = send(client, raw, referral(division_code="999999999999"), key="k2").json()
    assert theirs == {**nobody, "field": theirs["field"]}


def test_a_reference_already_received_is_a_duplicate(world, client, partner):
    _, raw = partner
    first = send(client, raw, referral(), key="first").json()
    response = send(client, raw, referral(), key="second")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "duplicate_referral" and first["number"] in body["message"]
    assert Dispute.objects.count() == 1


def test_only_a_token_with_the_create_grant_may_refer(world, client, client_for, api_token):
    view_only = api_token(world.city_admin, world.office_a, ["mediation.view"])
    assert send(client, view_only, referral()).status_code == 403
    session = client_for(world.director_a)
    response = session.post(URL, json.dumps(referral()), content_type="application/json", HTTP_IDEMPOTENCY_KEY="abc")
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert nothing_created()


def test_a_revoked_token_is_refused(world, client, partner):
    from fengqiao.core.services import api_token_revoke

    token, raw = partner
    api_token_revoke(actor=world.city_admin, token=token)
    assert send(client, raw, referral()).status_code == 401
    assert nothing_created()


def _concurrently(n, fn):
    barrier = threading.Barrier(n)
    results = [None] * n

    def run(i):
        try:
            barrier.wait()
            results[i] = fn(i)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


@pytest.mark.django_db(transaction=True)
def test_concurrent_identical_referrals_create_one_case(world, partner):
    _, raw = partner
    connection.close()  # the threads use their own connections; this one is not needed meanwhile

    def call(_i):
        response = send(Client(), raw, referral(), key="same-key")
        return response.status_code, response.json(), response.get("Idempotent-Replayed")

    results = _concurrently(4, call)
    assert {status for status, _body, _replayed in results} == {201}
    assert len({json.dumps(body, sort_keys=True) for _s, body, _r in results}) == 1
    assert sorted(str(r) for _s, _b, r in results) == ["None", "true", "true", "true"]
    assert Dispute.objects.count() == 1 and PartnerReferral.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_referrals_of_one_reference_under_two_keys_create_one_case(world, partner):
    _, raw = partner
    connection.close()
    results = _concurrently(2, lambda i: send(Client(), raw, referral(), key=f"key-{i}").status_code)
    assert sorted(results) == [201, 409]
    assert Dispute.objects.count() == 1


def test_an_org_id_too_large_for_the_database_is_refused_cleanly(world, client, partner):
    _, raw = partner
    response = send(client, raw, referral(division_code="", org_id=2**64))
    assert response.status_code == 422 and response.json()["code"] == "invalid"
    assert nothing_created()
