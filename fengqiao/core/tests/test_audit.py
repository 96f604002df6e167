"""The audit trail: one event per service write, nothing on failure, append-only, request context,
sign-in events, sensitive-data access, and the audit page."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from fengqiao.accounts import services as account_services
from fengqiao.accounts.models import User
from fengqiao.core import services as core_services
from fengqiao.core.errors import Conflict, DomainError, Forbidden
from fengqiao.core.models import ApiToken, AuditEvent, AuditKind
from fengqiao.core.pagination import _encode
from fengqiao.core.permissions import Role
from fengqiao.orgs import services as org_services
from fengqiao.orgs.models import OrgKind, OrgNode
from fengqiao.testing.factories import PASSWORD, make_org, valid_id_number

NEW_PASSWORD = "Fresh-Passw0rd#2"


class Trail:
    """Events written since the marker was set."""

    def __init__(self):
        self.last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    def new(self):
        return list(AuditEvent.objects.filter(id__gt=self.last).order_by("id"))

    def one(self):
        events = self.new()
        assert len(events) == 1, [e.action for e in events]
        return events[0]


def _check(event, *, actor, action, kind, obj, office, org=None):
    assert event.action == action
    assert event.kind == kind
    assert event.actor_user_id == actor.pk
    assert event.actor_repr == actor.username
    assert event.object_type == obj._meta.label_lower
    assert event.object_id == str(obj.pk)
    assert event.object_repr == str(obj)[:200]
    assert event.office_id == office.pk
    assert event.org_id == (org or obj).pk


# --- One event per service write -----------------------------------------------------------------------


def test_org_create_writes_one_event(world):
    trail = Trail()
    node = org_services.org_create(
        actor=world.director_a, kind=OrgKind.VILLAGE, name="甲三村", parent=world.office_a, phone="0510-86801234"
    )
    event = trail.one()
    _check(event, actor=world.director_a, action="org.create", kind=AuditKind.CREATE, obj=node, office=world.office_a)
    assert event.changes["name"] == [None, "甲三村"]
    assert event.changes["phone"] == [None, "0510-86801234"]
    assert event.changes["parent_id"] == [None, world.office_a.pk]
    assert event.changes["office_id"] == [None, world.office_a.pk]


def test_org_update_writes_one_event_with_before_and_after(world):
    trail = Trail()
    node = org_services.org_update(actor=world.director_a, node=world.village_a1, name="甲一社区", address="新址 1 号")
    event = trail.one()
    _check(event, actor=world.director_a, action="org.update", kind=AuditKind.UPDATE, obj=node, office=world.office_a)
    assert event.changes["name"] == ["甲一村", "甲一社区"]
    assert event.changes["address"] == ["", "新址 1 号"]
    assert "updated_at" not in event.changes
    assert "kind" not in event.changes


def test_org_move_writes_one_event(world):
    old_path = world.village_a2.path
    trail = Trail()
    node = org_services.org_move(actor=world.city_admin, node=world.village_a2, new_parent=world.office_b)
    event = trail.one()
    _check(event, actor=world.city_admin, action="org.move", kind=AuditKind.UPDATE, obj=node, office=world.office_b)
    assert event.changes["parent_id"] == [world.office_a.pk, world.office_b.pk]
    assert event.changes["path"] == [old_path, node.path]


def test_org_deactivate_writes_one_event_for_the_whole_subtree(world):
    trail = Trail()
    org_services.org_deactivate(actor=world.city_admin, node=world.office_a)
    event = trail.one()
    _check(
        event,
        actor=world.city_admin,
        action="org.deactivate",
        kind=AuditKind.UPDATE,
        obj=world.office_a,
        office=world.office_a,
    )
    assert event.changes["is_active"] == [True, False]
    assert event.changes["units"] == 3


def test_org_delete_writes_one_event_that_outlives_the_node(world):
    node = make_org(OrgKind.VILLAGE, world.office_a, name="待删村")
    pk = node.pk
    trail = Trail()
    org_services.org_delete(actor=world.director_a, node=node)
    event = trail.one()
    assert not OrgNode.objects.filter(pk=pk).exists()
    assert event.action == "org.delete"
    assert event.kind == AuditKind.DELETE
    assert event.actor_user_id == world.director_a.pk
    assert event.object_type == "orgs.orgnode"
    assert event.object_id == str(pk)
    assert event.object_repr == "待删村"
    assert event.office_id == world.office_a.pk
    assert event.changes["name"] == "待删村"


def test_user_create_writes_one_event(world):
    trail = Trail()
    user = account_services.user_create(
        actor=world.director_a,
        username="new_staff",
        org=world.office_a,
        roles=[Role.STAFF],
        password=NEW_PASSWORD,
        full_name="王新",
        title="科员",
    )
    event = trail.one()
    _check(
        event,
        actor=world.director_a,
        action="user.create",
        kind=AuditKind.CREATE,
        obj=user,
        office=world.office_a,
        org=world.office_a,
    )
    assert event.changes["username"] == [None, "new_staff"]
    assert event.changes["full_name"] == [None, "王新"]
    assert event.changes["roles"] == [[], [Role.STAFF]]
    assert "password" not in event.changes
    assert NEW_PASSWORD not in str(event.changes)


def test_user_update_writes_one_event(world):
    trail = Trail()
    user = account_services.user_update(actor=world.director_a, user=world.staff_a, full_name="李改名", title="副所长")
    event = trail.one()
    _check(
        event,
        actor=world.director_a,
        action="user.update",
        kind=AuditKind.UPDATE,
        obj=user,
        office=world.office_a,
        org=world.office_a,
    )
    assert event.changes["full_name"] == [world.staff_a.full_name, "李改名"]
    assert event.changes["title"] == ["", "副所长"]
    assert "password" not in event.changes


def test_user_update_records_role_changes(world):
    trail = Trail()
    account_services.user_update(actor=world.director_a, user=world.staff_a, roles=[Role.STAFF, Role.MEDIATOR])
    event = trail.one()
    assert event.changes["roles"] == [[Role.STAFF], sorted([Role.STAFF, Role.MEDIATOR])]


def test_user_set_active_writes_one_event(world):
    trail = Trail()
    account_services.user_set_active(actor=world.director_a, user=world.staff_a, active=False)
    event = trail.one()
    _check(
        event,
        actor=world.director_a,
        action="user.deactivate",
        kind=AuditKind.UPDATE,
        obj=world.staff_a,
        office=world.office_a,
        org=world.office_a,
    )
    assert event.changes == {"is_active": [True, False]}


def test_user_set_active_without_change_writes_nothing(world):
    trail = Trail()
    account_services.user_set_active(actor=world.director_a, user=world.staff_a, active=True)
    assert trail.new() == []


def test_user_reset_password_writes_one_event_without_the_password(world):
    trail = Trail()
    account_services.user_reset_password(actor=world.director_a, user=world.staff_a, password=NEW_PASSWORD)
    event = trail.one()
    _check(
        event,
        actor=world.director_a,
        action="user.reset_password",
        kind=AuditKind.UPDATE,
        obj=world.staff_a,
        office=world.office_a,
        org=world.office_a,
    )
    assert NEW_PASSWORD not in str(event.changes)
    assert User.objects.get(pk=world.staff_a.pk).password not in str(event.changes)


def test_api_token_create_writes_one_event_without_the_key(world):
    trail = Trail()
    token, raw = core_services.api_token_create(
        actor=world.city_admin, name="法院", org=world.office_a, grants=["orgs.view"]
    )
    event = trail.one()
    _check(
        event,
        actor=world.city_admin,
        action="api_token.create",
        kind=AuditKind.CREATE,
        obj=token,
        office=world.office_a,
        org=world.office_a,
    )
    assert event.changes["name"] == [None, "法院"]
    assert event.changes["grants"] == [None, ["orgs.view"]]
    assert raw not in str(event.changes)
    assert token.key_hash not in str(event.changes)


def test_api_token_revoke_writes_one_event(world):
    token, _ = core_services.api_token_create(
        actor=world.city_admin, name="公安", org=world.office_b, grants=["orgs.view"]
    )
    trail = Trail()
    core_services.api_token_revoke(actor=world.city_admin, token=token)
    event = trail.one()
    _check(
        event,
        actor=world.city_admin,
        action="api_token.revoke",
        kind=AuditKind.UPDATE,
        obj=token,
        office=world.office_b,
        org=world.office_b,
    )
    assert event.changes["revoked_at"][0] is None
    assert event.changes["revoked_at"][1]
    # Revoking twice is a no-op, not a second event.
    core_services.api_token_revoke(actor=world.city_admin, token=token)
    assert len(trail.new()) == 1


def test_event_records_the_token_as_actor(world):
    token, _ = core_services.api_token_create(
        actor=world.city_admin, name="网关", org=world.office_a, grants=["orgs.create", "orgs.view"]
    )
    trail = Trail()
    org_services.org_create(actor=token, kind=OrgKind.VILLAGE, name="网关村", parent=world.office_a)
    event = trail.one()
    assert event.actor_token_id == token.pk
    assert event.actor_user_id is None
    assert event.actor_repr == "API:网关"


# --- A service that raises writes nothing -------------------------------------------------------------


def _state():
    return (
        AuditEvent.objects.count(),
        list(OrgNode.objects.order_by("pk").values_list("pk", "name", "path", "parent_id", "is_active")),
        list(User.objects.order_by("pk").values_list("pk", "username", "full_name", "is_active", "password")),
        ApiToken.objects.count(),
    )


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(
            lambda w: org_services.org_create(
                actor=w.director_a, kind=OrgKind.VILLAGE, name="甲一村", parent=w.office_a
            ),
            id="org_create_dup",
        ),
        pytest.param(
            lambda w: org_services.org_create(actor=w.director_b, kind=OrgKind.VILLAGE, name="外村", parent=w.office_a),
            id="org_create_scope",
        ),
        pytest.param(
            lambda w: org_services.org_update(actor=w.director_a, node=w.village_a1, name="甲二村"), id="org_update_dup"
        ),
        pytest.param(
            lambda w: org_services.org_update(actor=w.director_a, node=w.village_a1, name="改名", division_code="123"),
            id="org_update_code",
        ),
        pytest.param(
            lambda w: org_services.org_move(actor=w.city_admin, node=w.office_a, new_parent=w.village_a1),
            id="org_move_cycle",
        ),
        pytest.param(
            lambda w: org_services.org_move(actor=w.director_a, node=w.village_a1, new_parent=w.office_b),
            id="org_move_scope",
        ),
        pytest.param(
            lambda w: org_services.org_deactivate(actor=w.director_a, node=w.office_a), id="org_deactivate_own"
        ),
        pytest.param(lambda w: org_services.org_delete(actor=w.city_admin, node=w.office_b), id="org_delete_in_use"),
        pytest.param(
            lambda w: account_services.user_create(
                actor=w.director_a, username="weak", org=w.office_a, roles=[Role.STAFF], password="abc", full_name="弱"
            ),
            id="user_create_weak",
        ),
        pytest.param(
            lambda w: account_services.user_create(
                actor=w.director_a,
                username="adv2",
                org=w.village_a1,
                roles=[Role.LEGAL_ADVISOR],
                password=NEW_PASSWORD,
                full_name="顾问",
                served_villages=[w.village_b1],
            ),
            id="user_create_fails_after_save",
        ),
        pytest.param(
            lambda w: account_services.user_update(actor=w.director_a, user=w.staff_a, full_name="新名", phone="12345"),
            id="user_update_phone",
        ),
        pytest.param(
            lambda w: account_services.user_update(
                actor=w.director_a, user=w.advisor_a, full_name="新名", served_villages=[w.village_b1]
            ),
            id="user_update_fails_after_save",
        ),
        pytest.param(
            lambda w: account_services.user_set_active(actor=w.director_a, user=w.director_a, active=False),
            id="user_set_active_self",
        ),
        pytest.param(
            lambda w: account_services.user_reset_password(actor=w.director_b, user=w.staff_a, password=NEW_PASSWORD),
            id="user_reset_scope",
        ),
        pytest.param(
            lambda w: core_services.api_token_create(
                actor=w.director_a, name="x", org=w.office_a, grants=["orgs.view"]
            ),
            id="token_create_role",
        ),
        pytest.param(
            lambda w: core_services.api_token_create(
                actor=w.city_admin, name="x", org=w.office_a, grants=["audit.view"]
            ),
            id="token_create_grant",
        ),
    ],
)
def test_service_that_raises_writes_no_event_and_changes_nothing(world, call):
    before = _state()
    with pytest.raises(DomainError):
        call(world)
    assert _state() == before


def test_failed_token_revoke_changes_nothing(world):
    token, _ = core_services.api_token_create(
        actor=world.city_admin, name="x", org=world.office_a, grants=["orgs.view"]
    )
    before = _state()
    with pytest.raises(Forbidden):
        core_services.api_token_revoke(actor=world.director_a, token=token)
    assert _state() == before
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


# --- Append-only ------------------------------------------------------------------------------------------


@pytest.fixture
def event(world):
    org_services.org_update(actor=world.director_a, node=world.village_a1, address="某路 1 号")
    return AuditEvent.objects.get(action="org.update")


def test_saving_an_existing_event_is_refused(event):
    event.action = "forged"
    with pytest.raises(PermissionError):
        event.save()
    assert AuditEvent.objects.get(pk=event.pk).action == "org.update"


def test_deleting_an_event_is_refused(event):
    with pytest.raises(PermissionError):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_queryset_update_and_delete_are_refused(event):
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(action="forged")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().update(actor_repr="nobody")
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.visible_to(event.actor_user).delete()
    event.action = "forged"
    # bulk_update runs inside its own atomic block; keep the test's transaction usable afterwards.
    with pytest.raises(PermissionError), transaction.atomic():
        AuditEvent.objects.bulk_update([event], ["action"])
    assert AuditEvent.objects.get(pk=event.pk).action == "org.update"


# --- Request context -------------------------------------------------------------------------------------


def test_client_ip_is_stored(world, client_for):
    client = client_for(world.director_a)
    trail = Trail()
    response = client.post(f"/users/{world.staff_a.pk}/deactivate/", REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 302
    event = trail.one()
    assert event.action == "user.deactivate"
    assert event.ip == "203.0.113.7"


def test_client_ip_is_stored_for_org_changes(world, client_for):
    client = client_for(world.city_admin)
    trail = Trail()
    response = client.post(f"/orgs/{world.village_a2.pk}/deactivate/", REMOTE_ADDR="2001:db8::5")
    assert response.status_code == 302
    event = trail.one()
    assert event.action == "org.deactivate"
    assert event.ip == "2001:db8::5"


def test_event_outside_a_request_has_no_ip(world):
    trail = Trail()
    org_services.org_update(actor=world.director_a, node=world.village_a1, address="路")
    assert trail.one().ip is None


def test_x_real_ip_is_ignored_when_not_behind_a_proxy(world, client_for):
    client = client_for(world.director_a)
    trail = Trail()
    client.post(f"/users/{world.staff_a.pk}/deactivate/", REMOTE_ADDR="203.0.113.8", HTTP_X_REAL_IP="198.51.100.1")
    assert trail.one().ip == "203.0.113.8"


# --- Sign-in events ------------------------------------------------------------------------------------------


def test_login_is_recorded(world, client):
    trail = Trail()
    response = client.post("/login/", {"username": "staff_a", "password": PASSWORD}, REMOTE_ADDR="192.0.2.10")
    assert response.status_code == 302
    event = trail.one()
    assert event.action == "auth.login"
    assert event.kind == AuditKind.LOGIN
    assert event.actor_user_id == world.staff_a.pk
    assert event.object_id == str(world.staff_a.pk)
    assert event.ip == "192.0.2.10"
    assert event.office_id == world.office_a.pk


def test_failed_login_is_recorded(world, client):
    trail = Trail()
    response = client.post("/login/", {"username": "staff_a", "password": "wrong-password"}, REMOTE_ADDR="192.0.2.11")
    assert response.status_code == 200
    event = trail.one()
    assert event.action == "auth.login_failed"
    assert event.kind == AuditKind.LOGIN_FAILED
    assert event.actor_user_id is None
    assert event.object_repr == "staff_a"
    assert event.object_id == str(world.staff_a.pk)
    assert event.ip == "192.0.2.11"
    assert event.office_id == world.office_a.pk
    assert "wrong-password" not in str(event.changes)


def test_failed_login_for_unknown_user_is_recorded(world, client):
    trail = Trail()
    client.post("/login/", {"username": "ghost", "password": "whatever-1A"})
    event = trail.one()
    assert event.action == "auth.login_failed"
    assert event.object_repr == "ghost"
    assert event.object_id == ""
    assert event.office_id == world.city.pk  # filed under the top bureau, where its admins see it


def test_logout_is_recorded(world, client_for):
    client = client_for(world.staff_b)
    trail = Trail()
    response = client.post("/logout/")
    assert response.status_code == 302
    event = trail.one()
    assert event.action == "auth.logout"
    assert event.kind == AuditKind.LOGOUT
    assert event.actor_user_id == world.staff_b.pk
    assert event.office_id == world.office_b.pk


# --- Sensitive data access -------------------------------------------------------------------------------------


@pytest.fixture
def staff_with_id(world):
    number = valid_id_number()
    User.objects.filter(pk=world.staff_a.pk).update(id_number=number)
    return world.staff_a, number


def test_revealing_an_id_number_writes_an_access_event(world, client_for, staff_with_id):
    subject, number = staff_with_id
    client = client_for(world.director_a)
    trail = Trail()
    # Only a deliberate POST reveals the number: a prefetch or crawler GET shows and records nothing.
    assert client.get(f"/users/{subject.pk}/id-number/").status_code == 405
    response = client.post(f"/users/{subject.pk}/id-number/", REMOTE_ADDR="198.51.100.20")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert number in response.content.decode()
    event = trail.one()
    assert event.kind == AuditKind.ACCESS
    assert event.action == "access.id_number"
    assert event.actor_user_id == world.director_a.pk
    assert event.object_type == "accounts.user"
    assert event.object_id == str(subject.pk)
    assert event.office_id == world.office_a.pk
    assert event.ip == "198.51.100.20"
    assert event.changes == {"field": "id_number"}


def test_detail_page_masks_the_id_number(world, client_for, staff_with_id):
    subject, number = staff_with_id
    client = client_for(world.director_a)
    trail = Trail()
    response = client.get(f"/users/{subject.pk}/")
    assert response.status_code == 200
    assert number not in response.content.decode()
    assert trail.new() == []


@pytest.mark.parametrize("who", ["staff_a", "mediator_a1", "director_b", "leader", "assessor"])
def test_revealing_without_view_sensitive_is_refused_without_event(world, client_for, staff_with_id, who):
    subject, number = staff_with_id
    client = client_for(getattr(world, who))
    trail = Trail()
    response = client.post(f"/users/{subject.pk}/id-number/")
    assert response.status_code in (403, 404)
    assert number not in response.content.decode()
    assert trail.new() == []


def test_revealing_by_post_also_records(world, client_for, staff_with_id):
    subject, _ = staff_with_id
    client = client_for(world.city_admin)
    trail = Trail()
    assert client.post(f"/users/{subject.pk}/id-number/").status_code == 200
    assert trail.one().actor_user_id == world.city_admin.pk


# --- The audit page ---------------------------------------------------------------------------------------------


@pytest.fixture
def events(world):
    """Events in both offices by different people, plus one old event."""
    org_services.org_create(actor=world.director_a, kind=OrgKind.VILLAGE, name="甲新村", parent=world.office_a)
    org_services.org_update(actor=world.director_a, node=world.village_a1, address="甲路")
    account_services.user_update(actor=world.director_a, user=world.staff_a, title="科员")
    org_services.org_create(actor=world.director_b, kind=OrgKind.VILLAGE, name="乙新村", parent=world.office_b)
    account_services.user_update(actor=world.director_b, user=world.staff_b, title="科员")
    old = AuditEvent.objects.create(
        at=timezone.make_aware(datetime.datetime(2020, 5, 17, 10, 0)),
        kind=AuditKind.ACTION,
        action="legacy.import",
        actor_repr="system",
        org=world.office_a,
        office=world.office_a,
    )
    return old


def _listed(response):
    """Events on the page, leaving out the sign-in event that signing the test client in wrote."""
    assert response.status_code == 200
    return [e for e in response.context["page"].items if e.kind != AuditKind.LOGIN]


def test_audit_page_director_sees_only_own_office(world, client_for, events):
    items = _listed(client_for(world.director_a).get("/platform/audit/"))
    assert items
    assert {e.office_id for e in items} == {world.office_a.pk}
    assert "乙新村" not in {e.object_repr for e in items}
    assert "甲新村" in {e.object_repr for e in items}


def test_audit_page_city_admin_sees_both_offices(world, client_for, events):
    items = _listed(client_for(world.city_admin).get("/platform/audit/"))
    assert {world.office_a.pk, world.office_b.pk} <= {e.office_id for e in items}


@pytest.mark.parametrize("who", ["staff_a", "mediator_a1", "leader"])
def test_audit_page_refused_without_audit_module(world, client_for, who):
    assert client_for(getattr(world, who)).get("/platform/audit/").status_code == 403


def test_audit_page_filters_by_user(world, client_for, events):
    items = _listed(client_for(world.city_admin).get("/platform/audit/", {"user": "director_b"}))
    assert len(items) == 2
    assert {e.actor_user_id for e in items} == {world.director_b.pk}
    by_full_name = _listed(client_for(world.city_admin).get("/platform/audit/", {"user": world.director_b.full_name}))
    assert {e.pk for e in by_full_name} == {e.pk for e in items}


def test_audit_page_filters_by_org(world, client_for, events):
    items = _listed(client_for(world.city_admin).get("/platform/audit/", {"org": "甲一村"}))
    assert [e.action for e in items] == ["org.update"]
    assert items[0].org_id == world.village_a1.pk
    by_pk = _listed(client_for(world.city_admin).get("/platform/audit/", {"org": str(world.office_b.pk)}))
    assert {e.office_id for e in by_pk} == {world.office_b.pk}
    assert len(by_pk) == 2


def test_audit_page_org_filter_cannot_reach_another_office(world, client_for, events):
    items = _listed(client_for(world.director_a).get("/platform/audit/", {"org": "乙镇"}))
    assert items == []


def test_audit_page_filters_by_object_type(world, client_for, events):
    items = _listed(client_for(world.city_admin).get("/platform/audit/", {"object_type": "accounts.user"}))
    assert {e.object_type for e in items} == {"accounts.user"}
    assert len(items) == 2


def test_audit_page_filters_by_date(world, client_for, events):
    client = client_for(world.director_a)
    items = _listed(client.get("/platform/audit/", {"date_from": "2020-05-17", "date_to": "2020-05-17"}))
    assert [e.pk for e in items] == [events.pk]
    assert _listed(client.get("/platform/audit/", {"date_from": "2020-05-18", "date_to": "2020-05-18"})) == []
    recent = _listed(client.get("/platform/audit/", {"date_from": timezone.localdate().isoformat()}))
    assert events.pk not in {e.pk for e in recent}
    assert len(recent) == 3


def test_audit_page_bad_date_is_ignored_with_a_warning(world, client_for, events):
    response = client_for(world.director_a).get("/platform/audit/", {"date_from": "17/05/2020"})
    assert response.context["bad_date"] is True
    assert len(_listed(response)) == 4


def test_audit_page_lists_newest_first_and_pages(world, client_for, events, settings):
    settings.FENGQIAO = {**settings.FENGQIAO, "PAGE_SIZE": 50}
    client = client_for(world.city_admin)
    for i in range(55):
        org_services.org_update(actor=world.city_admin, node=world.village_b2, address=f"乙路 {i} 号")
    first = client.get("/platform/audit/")
    page1 = list(first.context["page"].items)
    assert len(page1) == 50
    assert [(e.at, e.pk) for e in page1] == sorted(((e.at, e.pk) for e in page1), reverse=True)
    cursor = first.context["page"].next_cursor
    page2 = list(client.get("/platform/audit/", {"cursor": cursor}).context["page"].items)
    assert not {e.pk for e in page1} & {e.pk for e in page2}
    assert len(page1) + len(page2) == AuditEvent.objects.visible_to(world.city_admin).count()


def test_audit_page_with_a_damaged_cursor_shows_the_first_page(world, client_for, events):
    client = client_for(world.director_a)
    first = _listed(client.get("/platform/audit/"))
    for cursor in ("garbage", _encode(["not-a-time", "not-an-id"])):
        assert [e.pk for e in _listed(client.get("/platform/audit/", {"cursor": cursor}))] == [e.pk for e in first]


def test_audit_detail_is_scoped(world, client_for, events):
    foreign = AuditEvent.objects.filter(office=world.office_b).first()
    own = AuditEvent.objects.filter(office=world.office_a).first()
    client = client_for(world.director_a)
    assert client.get(f"/platform/audit/{own.pk}/").status_code == 200
    assert client.get(f"/platform/audit/{foreign.pk}/").status_code == 404


def test_conflict_and_forbidden_are_domain_errors():
    # The API and views rely on the status carried by each error class.
    assert (Conflict("x").status, Forbidden("x").status, DomainError("x").status) == (409, 403, 400)


def test_failed_sign_in_under_an_unknown_name_is_visible_to_the_city_admin(world, client):
    client.post("/login/", {"username": "no-such-person", "password": "whatever-123"})
    events = AuditEvent.objects.visible_to(world.city_admin).filter(kind=AuditKind.LOGIN_FAILED)
    assert [e.object_repr for e in events] == ["no-such-person"]
    assert not AuditEvent.objects.visible_to(world.director_a).filter(kind=AuditKind.LOGIN_FAILED).exists()
