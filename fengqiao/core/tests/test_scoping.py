"""`visible_to` and `in_scope` for every kind of principal of the two-office world."""

import datetime
import uuid

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from fengqiao.accounts.models import User
from fengqiao.core import audit
from fengqiao.core.models import ApiToken, AuditEvent
from fengqiao.core.permissions import Action, Module, Role
from fengqiao.core.scoping import SCOPED_MODELS, in_scope
from fengqiao.orgs.models import OrgNode
from fengqiao.testing.factories import make_user


def orgs(principal, action=Action.VIEW):
    return set(OrgNode.objects.visible_to(principal, action))


def users(principal, action=Action.VIEW):
    return set(User.objects.visible_to(principal, action))


def office_a_orgs(w):
    return {w.office_a, w.village_a1, w.village_a2}


def office_b_orgs(w):
    return {w.office_b, w.village_b1, w.village_b2}


def all_orgs(w):
    return {w.city} | office_a_orgs(w) | office_b_orgs(w)


def office_a_users(w):
    return {w.director_a, w.staff_a, w.mediator_a1, w.advisor_a}


def office_b_users(w):
    return {w.director_b, w.staff_b}


def bureau_users(w):
    return {w.city_admin, w.assessor, w.leader}


def test_registry_lists_the_scoped_models():
    assert SCOPED_MODELS["orgs.OrgNode"] is OrgNode
    assert SCOPED_MODELS["accounts.User"] is User
    assert SCOPED_MODELS["core.AuditEvent"] is AuditEvent
    assert SCOPED_MODELS["core.ApiToken"] is ApiToken


@pytest.mark.parametrize("who", ["director_a", "staff_a"])
def test_office_a_users_never_see_office_b(world, who):
    p = getattr(world, who)
    assert orgs(p) == office_a_orgs(world)
    assert users(p) == office_a_users(world)
    assert not orgs(p) & office_b_orgs(world)
    assert not users(p) & office_b_users(world)
    assert world.city not in orgs(p)


@pytest.mark.parametrize("who", ["director_b", "staff_b"])
def test_office_b_users_never_see_office_a(world, who):
    p = getattr(world, who)
    assert orgs(p) == office_b_orgs(world)
    assert users(p) == office_b_users(world)


@pytest.mark.parametrize("who", ["city_admin", "assessor", "leader"])
def test_bureau_roles_see_both_offices(world, who):
    p = getattr(world, who)
    assert orgs(p) == all_orgs(world)
    assert users(p) == bureau_users(world) | office_a_users(world) | office_b_users(world)


def test_read_only_bureau_roles_cannot_change(world):
    for p in (world.assessor, world.leader):
        assert orgs(p, Action.CHANGE) == set()
        assert users(p, Action.CHANGE) == set()
    assert orgs(world.city_admin, Action.CHANGE) == all_orgs(world)


def test_director_may_change_own_office_only(world):
    assert orgs(world.director_a, Action.CHANGE) == office_a_orgs(world)
    assert users(world.director_a, Action.CHANGE) == office_a_users(world)
    assert users(world.director_a, Action.VIEW_SENSITIVE) == office_a_users(world)


def test_staff_cannot_change_orgs_or_users(world):
    assert orgs(world.staff_a, Action.CHANGE) == set()
    assert users(world.staff_a, Action.CREATE) == set()
    assert users(world.staff_a, Action.VIEW_SENSITIVE) == set()


def test_mediator_sees_only_own_village(world):
    assert orgs(world.mediator_a1) == {world.village_a1}
    # A mediator has no right on the user directory at all.
    assert users(world.mediator_a1) == set()


def test_legal_advisor_sees_served_villages(world):
    assert orgs(world.advisor_a) == {world.village_a1, world.village_a2}
    assert users(world.advisor_a) == set()


def test_legal_advisor_serving_a_village_of_another_office(world):
    advisor = make_user(world.village_b1, Role.LEGAL_ADVISOR, served_villages=[world.village_a2])
    assert orgs(advisor) == {world.village_b1, world.village_a2}


def test_served_villages_do_not_widen_scope_without_the_advisor_role(world):
    # Only legal advisors get scope from served villages; the same rows on a staff member do nothing.
    staff = make_user(world.office_b, Role.STAFF, served_villages=[world.village_a1])
    assert orgs(staff) == office_b_orgs(world)


def test_user_without_the_module_action_sees_nothing(world):
    assert AuditEvent.objects.visible_to(world.staff_a).count() == 0
    assert ApiToken.objects.visible_to(world.director_a).count() == 0
    assert orgs(world.mediator_a1, Action.CREATE) == set()
    assert orgs(world.director_a, Action.APPROVE) == set()


def test_user_without_roles_sees_nothing(world):
    nobody = make_user(world.office_a)
    assert orgs(nobody) == set()
    assert users(nobody) == set()


def test_inactive_user_sees_nothing(world):
    world.director_a.is_active = False
    world.director_a.save()
    director = User.objects.get(pk=world.director_a.pk)
    assert orgs(director) == set()
    assert users(director) == set()
    assert not in_scope(director, world.office_a, Action.VIEW, Module.ORGS)


def test_anonymous_and_none_see_nothing(world):
    for p in (None, AnonymousUser()):
        assert orgs(p) == set()
        assert users(p) == set()
        assert AuditEvent.objects.visible_to(p).count() == 0
        assert not in_scope(p, world.office_a, Action.VIEW, Module.ORGS)


def test_audit_events_visible_by_office(world):
    with_a = audit.record_access(actor=world.director_a, obj=world.staff_a, what="id_number")
    with_b = audit.record_access(actor=world.director_b, obj=world.staff_b, what="id_number")
    assert set(AuditEvent.objects.visible_to(world.director_a)) == {with_a}
    assert set(AuditEvent.objects.visible_to(world.director_b)) == {with_b}
    assert set(AuditEvent.objects.visible_to(world.city_admin)) == {with_a, with_b}


# --- API tokens as principals ------------------------------------------------------------------------


def _token(world, org, grants, **fields):
    token = ApiToken.objects.create(
        name="gw",
        org=org,
        grants=grants,
        key_prefix="fq_test",
        key_hash=uuid.uuid4().hex,
        created_by=world.city_admin,
        **fields,
    )
    return ApiToken.objects.select_related("org").get(pk=token.pk)


def test_token_sees_only_its_org_subtree(world):
    token = _token(world, world.office_a, ["orgs.view", "accounts.view"])
    assert orgs(token) == office_a_orgs(world)
    assert users(token) == office_a_users(world)


def test_token_bound_to_a_village_sees_only_that_village(world):
    token = _token(world, world.village_b2, ["orgs.view"])
    assert orgs(token) == {world.village_b2}


def test_token_sees_only_granted_modules_and_actions(world):
    token = _token(world, world.city, ["orgs.view"])
    assert orgs(token) == all_orgs(world)
    assert users(token) == set()
    assert orgs(token, Action.CHANGE) == set()
    assert orgs(token, Action.CREATE) == set()
    assert AuditEvent.objects.visible_to(token).count() == 0


def test_token_with_create_grant_may_create_but_not_view(world):
    token = _token(world, world.office_a, ["orgs.create"])
    assert orgs(token) == set()
    assert orgs(token, Action.CREATE) == office_a_orgs(world)


def test_revoked_or_expired_token_sees_nothing(world):
    revoked = _token(world, world.city, ["orgs.view"], revoked_at=timezone.now())
    expired = _token(world, world.city, ["orgs.view"], expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert orgs(revoked) == set()
    assert orgs(expired) == set()


# --- in_scope --------------------------------------------------------------------------------------------


def test_in_scope_for_directors(world):
    assert in_scope(world.director_a, world.office_a, Action.CHANGE, Module.ORGS)
    assert in_scope(world.director_a, world.village_a2, Action.CHANGE, Module.ORGS)
    assert not in_scope(world.director_a, world.office_b, Action.CHANGE, Module.ORGS)
    assert not in_scope(world.director_a, world.village_b1, Action.VIEW, Module.ORGS)
    assert not in_scope(world.director_a, world.city, Action.VIEW, Module.ORGS)
    # The right module matters as much as the node.
    assert not in_scope(world.director_a, world.office_a, Action.CREATE, Module.API_TOKENS)


def test_in_scope_for_city_admin_and_read_only_roles(world):
    for node in all_orgs(world):
        assert in_scope(world.city_admin, node, Action.CHANGE, Module.ORGS)
        assert in_scope(world.leader, node, Action.VIEW, Module.ORGS)
        assert not in_scope(world.leader, node, Action.CHANGE, Module.ORGS)


def test_in_scope_for_village_roles(world):
    assert in_scope(world.mediator_a1, world.village_a1, Action.VIEW, Module.ORGS)
    assert not in_scope(world.mediator_a1, world.village_a2, Action.VIEW, Module.ORGS)
    assert not in_scope(world.mediator_a1, world.office_a, Action.VIEW, Module.ORGS)
    assert in_scope(world.advisor_a, world.village_a2, Action.VIEW, Module.ORGS)
    assert not in_scope(world.advisor_a, world.village_b1, Action.VIEW, Module.ORGS)


def test_in_scope_does_not_confuse_path_prefixes_of_siblings(world):
    # Office B's path is not a prefix of office A's, whatever their ids.
    assert not world.office_a.path.startswith(world.office_b.path)
    assert not in_scope(world.director_b, world.village_a1, Action.VIEW, Module.ORGS)


def test_in_scope_for_tokens(world):
    token = _token(world, world.office_a, ["orgs.view", "orgs.create"])
    assert in_scope(token, world.village_a1, Action.CREATE, Module.ORGS)
    assert not in_scope(token, world.village_a1, Action.CHANGE, Module.ORGS)
    assert not in_scope(token, world.office_b, Action.VIEW, Module.ORGS)


def test_in_scope_agrees_with_visible_to_for_every_principal(world):
    """Services (in_scope) and reads (visible_to) must never disagree about who may act where."""
    inactive = make_user(world.office_a, Role.DIRECTOR, is_active=False)
    principals = [
        world.city_admin,
        world.assessor,
        world.leader,
        world.director_a,
        world.staff_a,
        world.director_b,
        world.staff_b,
        world.mediator_a1,
        world.advisor_a,
        inactive,
        _token(world, world.office_a, ["orgs.view", "orgs.change"]),
        _token(world, world.city, ["orgs.view", "orgs.change"], revoked_at=timezone.now()),
        _token(world, world.city, ["orgs.view"], expires_at=timezone.now() - datetime.timedelta(minutes=1)),
    ]
    for p in principals:
        for action in (Action.VIEW, Action.CHANGE):
            visible = orgs(p, action)
            for node in all_orgs(world):
                assert in_scope(p, node, action, Module.ORGS) == (node in visible), (p, node.name, action)
