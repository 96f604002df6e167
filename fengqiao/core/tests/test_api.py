"""The HTTP API under /api/v1: session and token authentication, scoping, errors, OpenAPI and docs."""

import datetime
import hashlib
import json
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fengqiao.core import services as core_services
from fengqiao.core.models import ApiToken, AuditEvent
from fengqiao.orgs.models import OrgKind, OrgNode
from fengqiao.testing.factories import make_org, make_user, valid_id_number


def bearer(raw):
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def get(client, path, raw=None, params=None, **extra):
    return client.get(path, params or {}, **(bearer(raw) if raw else {}), **extra)


def post_json(client, path, body, raw=None, **extra):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(path, data, content_type="application/json", **(bearer(raw) if raw else {}), **extra)


def org_ids(response):
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


def ids(*nodes):
    return {n.pk for n in nodes}


@pytest.fixture
def office_a_token(world, api_token):
    return api_token(world.city_admin, world.office_a, ["orgs.view", "orgs.create", "accounts.view"])


# --- /me ------------------------------------------------------------------------------------------------


def test_me_with_session(world, client_for):
    response = client_for(world.director_a).get("/api/v1/me")
    assert response.status_code == 200
    data = response.json()
    assert data["kind"] == "user"
    assert data["id"] == world.director_a.pk
    assert data["roles"] == ["director"]
    assert data["org"] == {"id": world.office_a.pk, "name": "甲镇", "kind": "town"}
    assert [s["id"] for s in data["scope"]] == [world.office_a.pk]
    assert "view_sensitive" in data["permissions"]["accounts"]


def test_me_of_a_legal_advisor_lists_served_villages(world, client_for):
    data = client_for(world.advisor_a).get("/api/v1/me").json()
    assert {s["id"] for s in data["scope"]} == ids(world.village_a1, world.village_a2)


def test_me_with_token(world, client, office_a_token):
    response = get(client, "/api/v1/me", office_a_token)
    assert response.status_code == 200
    data = response.json()
    assert data["kind"] == "token"
    assert data["roles"] == []
    assert data["org"]["id"] == world.office_a.pk
    assert sorted(data["permissions"]["orgs"]) == ["create", "view"]
    assert data["permissions"]["accounts"] == ["view"]
    assert [s["id"] for s in data["scope"]] == [world.office_a.pk]


def test_me_without_credentials_is_401_json(client, db):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "unauthenticated"
    assert body["message"]


def test_me_of_a_deactivated_session_user_is_401(world, client_for):
    client = client_for(world.staff_a)
    world.staff_a.is_active = False
    world.staff_a.save()
    assert client.get("/api/v1/me").status_code == 401


# --- Token authentication ---------------------------------------------------------------------------------


def test_revoked_token_is_401(world, client, office_a_token):
    token = ApiToken.objects.get(key_hash=hashlib.sha256(office_a_token.encode()).hexdigest())
    core_services.api_token_revoke(actor=world.city_admin, token=token)
    response = get(client, "/api/v1/orgs", office_a_token)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert response["Content-Type"].startswith("application/json")


def test_expired_token_is_401(world, client, office_a_token):
    ApiToken.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    response = get(client, "/api/v1/orgs", office_a_token)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_token_expiring_in_the_future_works(world, client):
    _, raw = core_services.api_token_create(
        actor=world.city_admin,
        name="限时",
        org=world.office_a,
        grants=["orgs.view"],
        expires_at=timezone.now() + datetime.timedelta(hours=1),
    )
    assert get(client, "/api/v1/orgs", raw).status_code == 200


@pytest.mark.parametrize("header", ["Bearer fq_nonsense", "Bearer ", "Token abc", "Bearer notfq_abc"])
def test_unknown_or_malformed_token_is_401(world, client, header):
    response = client.get("/api/v1/orgs", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_unauthenticated_message_in_chinese(client, db):
    response = client.get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.json()["message"] == "请登录，或提供有效的接口令牌（Authorization: Bearer ...）。"


def test_raw_token_is_never_stored(world, client):
    token, raw = core_services.api_token_create(
        actor=world.city_admin, name="存储检查", org=world.office_a, grants=["orgs.view"]
    )
    assert raw.startswith("fq_")
    assert len(raw) > 40
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert row["key_hash"] == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in json.dumps(row, default=str)
    assert raw.startswith(row["key_prefix"])
    assert len(row["key_prefix"]) < len(raw) // 3
    for event in AuditEvent.objects.all():
        assert raw not in json.dumps(event.changes)
        assert raw not in event.object_repr
    # Using it does not store it either.
    get(client, "/api/v1/me", raw)
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert raw not in json.dumps(row, default=str)


def test_token_last_used_is_noted(world, client, office_a_token):
    token = ApiToken.objects.get()
    assert token.last_used_at is None
    before = timezone.now()
    assert get(client, "/api/v1/me", office_a_token, REMOTE_ADDR="198.51.100.77").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert token.last_used_at >= before
    assert token.last_used_ip == "198.51.100.77"


def test_token_last_used_is_noted_at_most_once_a_minute(world, client, office_a_token):
    get(client, "/api/v1/me", office_a_token)
    first = ApiToken.objects.get().last_used_at
    get(client, "/api/v1/me", office_a_token)
    assert ApiToken.objects.get().last_used_at == first
    ApiToken.objects.update(last_used_at=timezone.now() - datetime.timedelta(minutes=5))
    get(client, "/api/v1/me", office_a_token)
    assert ApiToken.objects.get().last_used_at > first


def test_token_reads_write_no_audit_events(world, client, office_a_token):
    count = AuditEvent.objects.count()
    get(client, "/api/v1/orgs", office_a_token)
    get(client, "/api/v1/me", office_a_token)
    assert AuditEvent.objects.count() == count


# --- /orgs: scoping -------------------------------------------------------------------------------------------


def test_orgs_list_is_scoped_for_session_users(world, client_for):
    assert org_ids(client_for(world.director_a).get("/api/v1/orgs")) == ids(
        world.office_a, world.village_a1, world.village_a2
    )


def test_orgs_list_for_city_admin(world, client_for):
    assert len(org_ids(client_for(world.city_admin).get("/api/v1/orgs"))) == 7


def test_org_of_another_office_is_404_json(world, client_for):
    response = client_for(world.director_a).get(f"/api/v1/orgs/{world.office_b.pk}")
    assert response.status_code == 404
    body = response.json()
    assert body["code"] == "not_found"
    assert body["message"]
    # Exactly what a missing one answers.
    missing = client_for(world.director_a).get("/api/v1/orgs/99999999")
    assert missing.status_code == 404
    assert missing.json() == body


def test_org_detail_in_scope(world, client_for):
    response = client_for(world.director_a).get(f"/api/v1/orgs/{world.village_a1.pk}")
    assert response.status_code == 200
    data = response.json()
    assert data["id"] == world.village_a1.pk
    assert data["office_id"] == world.office_a.pk
    assert data["parent_id"] == world.office_a.pk
    assert data["kind"] == "village"
    assert "path" not in data


def test_token_bound_to_office_a_cannot_read_office_b(world, client, office_a_token):
    assert org_ids(get(client, "/api/v1/orgs", office_a_token)) == ids(
        world.office_a, world.village_a1, world.village_a2
    )
    for node in (world.office_b, world.village_b1, world.city):
        response = get(client, f"/api/v1/orgs/{node.pk}", office_a_token)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert get(client, f"/api/v1/orgs/{world.office_b.pk}/children", office_a_token).status_code == 404
    users = get(client, "/api/v1/users", office_a_token).json()["items"]
    assert {u["username"] for u in users} == {"director_a", "staff_a", "mediator_a1", "advisor_a"}
    assert get(client, f"/api/v1/users/{world.staff_b.pk}", office_a_token).status_code == 404


def test_token_without_orgs_view_sees_no_orgs(world, client, api_token):
    raw = api_token(world.city_admin, world.city, ["accounts.view"])
    response = get(client, "/api/v1/orgs", raw)
    assert response.status_code == 200
    assert response.json()["items"] == []
    assert get(client, f"/api/v1/orgs/{world.office_a.pk}", raw).status_code == 404
    assert get(client, f"/api/v1/orgs/{world.office_a.pk}/children", raw).status_code == 404
    # The grant it has still works.
    assert len(get(client, "/api/v1/users", raw).json()["items"]) == 9


def test_token_without_accounts_view_sees_no_users(world, client, api_token):
    raw = api_token(world.city_admin, world.city, ["orgs.view"])
    assert get(client, "/api/v1/users", raw).json()["items"] == []
    assert get(client, f"/api/v1/users/{world.staff_a.pk}", raw).status_code == 404


def test_user_api_masks_personal_data(world, client_for):
    from fengqiao.accounts.models import User

    User.objects.filter(pk=world.staff_a.pk).update(id_number=valid_id_number(), phone="13800001234")
    data = client_for(world.director_a).get(f"/api/v1/users/{world.staff_a.pk}").json()
    assert data["id_number_masked"] == "3202**********123X"
    assert data["phone_masked"] == "138****1234"
    assert valid_id_number() not in json.dumps(data)
    assert "13800001234" not in json.dumps(data)
    assert "password" not in data


# --- /orgs: keyset pages ---------------------------------------------------------------------------------------


def test_orgs_list_walks_keyset_pages(world, client_for):
    for i in range(9):
        make_org(OrgKind.VILLAGE, world.office_b, name=f"乙页村{i}")
    client = client_for(world.city_admin)
    seen, cursor, pages = [], None, 0
    while True:
        params = {"size": 4, **({"cursor": cursor} if cursor else {})}
        data = client.get("/api/v1/orgs", params).json()
        seen.extend(item["id"] for item in data["items"])
        pages += 1
        cursor = data["next_cursor"]
        if cursor is None:
            break
        assert len(data["items"]) == 4
    assert len(seen) == len(set(seen)) == 16
    assert seen == list(OrgNode.objects.order_by("path").values_list("pk", flat=True))
    assert pages == 4


def test_orgs_list_with_damaged_cursor_starts_over(world, client_for):
    client = client_for(world.city_admin)
    first = client.get("/api/v1/orgs", {"size": 3}).json()
    again = client.get("/api/v1/orgs", {"size": 3, "cursor": "@@broken@@"}).json()
    assert again == first


def test_orgs_list_size_is_bounded(world, client_for):
    for i in range(5):
        make_org(OrgKind.VILLAGE, world.office_b, name=f"界村{i}")
    client = client_for(world.city_admin)
    assert len(client.get("/api/v1/orgs", {"size": 100000}).json()["items"]) == 12
    assert len(client.get("/api/v1/orgs", {"size": -1}).json()["items"]) == 1


def test_orgs_list_filters(world, client_for):
    client = client_for(world.city_admin)
    assert org_ids(client.get("/api/v1/orgs", {"kind": "town"})) == ids(world.office_a, world.office_b)
    assert org_ids(client.get("/api/v1/orgs", {"parent_id": world.office_b.pk})) == ids(
        world.village_b1, world.village_b2
    )
    assert org_ids(client.get("/api/v1/orgs", {"q": "甲"})) == ids(world.office_a, world.village_a1, world.village_a2)


def test_org_children(world, client_for):
    response = client_for(world.director_a).get(f"/api/v1/orgs/{world.office_a.pk}/children")
    assert response.status_code == 200
    assert {c["id"] for c in response.json()} == ids(world.village_a1, world.village_a2)


@pytest.mark.parametrize("template", ["/api/v1/orgs/{pk}/children", "/orgs/{pk}/children/"])
def test_org_children_query_count_is_bounded(world, client_for, django_assert_max_num_queries, template):
    """The API endpoint and the tree's lazy-expansion page cost the same for 2 children or 32."""
    client = client_for(world.city_admin)
    path = template.format(pk=world.office_a.pk)
    client.get(path)
    with CaptureQueriesContext(connection) as few:
        assert client.get(path).status_code == 200
    for i in range(30):
        village = make_org(OrgKind.VILLAGE, world.office_a, name=f"多村{i:02d}")
        make_user(village, "mediator")
        make_org(OrgKind.VILLAGE, world.office_b, name=f"乙多村{i:02d}")
    with django_assert_max_num_queries(12), CaptureQueriesContext(connection) as many:
        response = client.get(path)
    assert response.status_code == 200
    if template.startswith("/api/"):
        assert len(response.json()) == 32
    else:
        assert response.content.decode().count("fq-node-link") == 32
    assert len(many) == len(few)


# --- POST /orgs ---------------------------------------------------------------------------------------------------


def test_create_org_with_token(world, client, office_a_token):
    response = post_json(
        client, "/api/v1/orgs", {"kind": "village", "name": "接口村", "parent_id": world.office_a.pk}, office_a_token
    )
    assert response.status_code == 201, response.content
    data = response.json()
    node = OrgNode.objects.get(pk=data["id"])
    assert node.name == "接口村"
    assert node.office_id == world.office_a.pk
    event = AuditEvent.objects.get(action="org.create", object_id=str(node.pk))
    assert event.actor_token_id is not None
    assert event.actor_user_id is None


def test_create_org_malformed_body_is_400(world, client, office_a_token):
    count = OrgNode.objects.count()
    response = post_json(client, "/api/v1/orgs", '{"kind": "village", "name": ', office_a_token)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "malformed_body"
    assert body["message"]
    assert OrgNode.objects.count() == count


@pytest.mark.parametrize(
    "payload",
    [
        {"kind": "village", "parent_id": 1},  # no name
        {"kind": "hamlet", "name": "x", "parent_id": 1},  # no such kind
        {"kind": "village", "name": "", "parent_id": 1},  # empty name
        {"kind": "village", "name": "x" * 101, "parent_id": 1},
        {"kind": "village", "name": "x", "parent_id": "abc"},
        {"kind": "village", "name": "x"},  # no parent
        [],
    ],
)
def test_create_org_with_invalid_fields_is_422(world, client, office_a_token, payload):
    if isinstance(payload, dict) and payload.get("parent_id") == 1:
        payload = {**payload, "parent_id": world.office_a.pk}
    count = OrgNode.objects.count()
    response = post_json(client, "/api/v1/orgs", payload, office_a_token)
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "invalid"
    assert body["errors"]
    assert OrgNode.objects.count() == count


def test_create_org_under_out_of_scope_parent_is_404(world, client, office_a_token):
    count = OrgNode.objects.count()
    for parent in (world.office_b, world.city, 99999999):
        pk = parent if isinstance(parent, int) else parent.pk
        response = post_json(
            client, "/api/v1/orgs", {"kind": "village", "name": "越界村", "parent_id": pk}, office_a_token
        )
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert OrgNode.objects.count() == count


def test_create_org_without_create_grant_is_404(world, client, api_token):
    raw = api_token(world.city_admin, world.office_a, ["orgs.view"])
    response = post_json(
        client, "/api/v1/orgs", {"kind": "village", "name": "无权村", "parent_id": world.office_a.pk}, raw
    )
    assert response.status_code == 404
    assert not OrgNode.objects.filter(name="无权村").exists()


def test_create_org_domain_errors_carry_code_and_field(world, client, office_a_token):
    dup = post_json(
        client,
        "/api/v1/orgs",
        {"kind": "village", "name": "甲一村", "parent_id": world.office_a.pk},
        office_a_token,
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert dup.status_code == 409
    assert dup.json() == {"code": "conflict", "message": "同一上级单位下已有同名单位。", "field": "name"}
    bad_kind = post_json(
        client, "/api/v1/orgs", {"kind": "town", "name": "镇中镇", "parent_id": world.office_a.pk}, office_a_token
    )
    assert bad_kind.status_code == 400
    assert bad_kind.json()["field"] == "parent"
    bad_code = post_json(
        client,
        "/api/v1/orgs",
        {"kind": "village", "name": "码村", "parent_id": world.office_a.pk, "division_code": "12"},
        office_a_token,
    )
    assert bad_code.status_code == 400
    assert bad_code.json()["field"] == "division_code"


def test_session_post_without_csrf_token_is_refused(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.director_a)
    count = OrgNode.objects.count()
    response = post_json(client, "/api/v1/orgs", {"kind": "village", "name": "无令村", "parent_id": world.office_a.pk})
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    assert "CSRF" in response.json()["message"]
    assert OrgNode.objects.count() == count


def test_session_post_with_csrf_token_is_accepted(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.director_a)
    page = client.get("/orgs/")
    assert page.status_code == 200
    token = client.cookies["csrftoken"].value
    response = post_json(
        client,
        "/api/v1/orgs",
        {"kind": "village", "name": "有令村", "parent_id": world.office_a.pk},
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 201, response.content
    assert OrgNode.objects.filter(name="有令村", parent=world.office_a).exists()


# --- OpenAPI and docs -----------------------------------------------------------------------------------------------


def test_openapi_schema(db, client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    for path in (
        "/api/v1/me",
        "/api/v1/orgs",
        "/api/v1/orgs/{pk}",
        "/api/v1/orgs/{pk}/children",
        "/api/v1/users",
        "/api/v1/users/{pk}",
    ):
        assert path in schema["paths"], path
    assert schema["paths"]["/api/v1/orgs/{pk}"]["get"]["x-scoped-model"] == "orgs.OrgNode"


def test_docs_are_served_with_local_assets(db, client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r"""<(?:script|link)[^>]+(?:src|href)=["']([^"']+)["']""", html)
    assert sources, "the docs page loads no assets"
    for src in sources:
        assert "cdn" not in src.lower(), src
        assert not src.lower().startswith(("http:", "https:", "//")), src
    assert not re.search(r"""<script[^>]+src=["'](https?:)?//""", html)
    assert "cdn.jsdelivr" not in html
    assert "unpkg.com" not in html
    for src in sources:
        if src.startswith("/static/"):
            assert client.get(src).status_code == 200, src


def test_revoked_token_gets_a_clear_401_even_on_post(world, api_token):
    from fengqiao.core import services as core_services
    from fengqiao.core.models import ApiToken

    raw = api_token(world.city_admin, world.office_a, ["orgs.view", "orgs.create"])
    core_services.api_token_revoke(actor=world.city_admin, token=ApiToken.objects.get(key_prefix=raw[:10]))
    client = Client(headers={"Authorization": f"Bearer {raw}"}, enforce_csrf_checks=True)
    for response in (
        client.get("/api/v1/me"),
        post_json(client, "/api/v1/orgs", {"kind": "village", "name": "吊销村", "parent_id": world.office_a.pk}),
    ):
        assert response.status_code == 401
        body = response.json()
        assert body["reason"] == "token_revoked" and body["code"] == "unauthenticated"


def test_token_of_a_deactivated_unit_is_refused(world, api_token):
    from fengqiao.orgs import services as org_services

    raw = api_token(world.city_admin, world.office_a, ["orgs.view"])
    org_services.org_deactivate(actor=world.city_admin, node=world.office_a)
    response = Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/v1/me")
    assert response.status_code == 401 and response.json()["reason"] == "token_unit_inactive"


def test_nul_bytes_and_huge_ids_are_refused_cleanly(world, client_for):
    client = client_for(world.city_admin)
    assert client.get("/api/v1/orgs?q=%00").status_code == 400
    assert client.get("/api/v1/orgs?q=%00").json()["code"] == "invalid_characters"
    assert client.get("/orgs/?q=a%00b").status_code == 400
    assert client.get("/users/?q=%00").status_code == 400
    payload = {"kind": "village", "name": "a\u0000b", "parent_id": world.office_a.pk}
    response = post_json(client, "/api/v1/orgs", payload)
    assert response.status_code == 400 and response.json()["code"] == "invalid_characters"
    huge = "9" * 30
    assert client.get(f"/orgs/{huge}/").status_code == 404
    assert client.get(f"/api/v1/orgs/{'9' * 19}").status_code == 404
    assert client.get(f"/api/v1/orgs?parent_id={'9' * 19}").status_code in (200, 422)
    assert client.get("/platform/audit/?date_to=9999-12-31&date_from=0001-01-01").status_code == 200
    assert client.get("/users/?cursor=W251bGxd").status_code == 200  # base64 of [null]


def test_validation_errors_speak_chinese(world, client_for):
    client = client_for(world.city_admin)
    response = post_json(client, "/api/v1/orgs", {"kind": "planet", "parent_id": "abc"})
    assert response.status_code == 422
    errors = {e["loc"][-1]: e for e in response.json()["errors"]}
    assert errors["name"]["message"] == "该字段为必填项。"
    assert errors["parent_id"]["message"] == "请输入整数。"
    assert errors["kind"]["type"] == "enum" and errors["kind"]["message"].startswith("请从以下选项中选择")
