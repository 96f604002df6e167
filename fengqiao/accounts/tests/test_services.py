"""Writes to users and roles: create, update, (de)activate, password resets and changes."""

import pytest
from django.utils.translation import override

from fengqiao.accounts import services
from fengqiao.accounts.models import User, UserRole
from fengqiao.core.errors import Conflict, DomainError, Forbidden
from fengqiao.core.models import AuditEvent
from fengqiao.core.permissions import BUREAU_ROLES, OFFICE_GRANTABLE_ROLES, Role
from fengqiao.orgs import services as org_services
from fengqiao.orgs.models import OrgKind
from fengqiao.testing.factories import PASSWORD, make_org, valid_id_number

GOOD_PASSWORD = "Qiao-Feng#2024x"


def create(actor, org, roles, username="newbie", password=GOOD_PASSWORD, full_name="新同事", **kw):
    return services.user_create(
        actor=actor, username=username, org=org, roles=roles, password=password, full_name=full_name, **kw
    )


def snapshot():
    return (
        list(
            User.objects.order_by("pk").values_list(
                "pk", "username", "org_id", "office_id", "full_name", "phone", "id_number", "is_active", "password"
            )
        ),
        list(UserRole.objects.order_by("user_id", "role").values_list("user_id", "role")),
        list(User.served_villages.through.objects.order_by("pk").values_list("user_id", "orgnode_id")),
        AuditEvent.objects.count(),
    )


def fresh(user):
    return User.objects.get(pk=user.pk)


# --- user_create --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", sorted(OFFICE_GRANTABLE_ROLES))
def test_director_grants_office_roles_in_own_office(world, role):
    org = world.village_a1 if role in (Role.MEDIATOR, Role.LEGAL_ADVISOR) else world.office_a
    user = create(world.director_a, org, [role])
    user = fresh(user)
    assert user.role_codes == {role}
    assert user.office_id == world.office_a.pk
    assert user.must_change_password
    assert user.check_password(GOOD_PASSWORD)
    assert user.is_active
    granted = UserRole.objects.get(user=user)
    assert granted.granted_by_id == world.director_a.pk


def test_new_user_may_hold_several_roles(world):
    user = create(world.director_a, world.office_a, [Role.STAFF, Role.MEDIATOR, Role.STAFF])
    assert fresh(user).role_codes == {Role.STAFF, Role.MEDIATOR}


@pytest.mark.parametrize("role", [Role.CITY_ADMIN, Role.DIRECTOR, Role.LEADER, Role.CITY_ASSESSOR])
def test_director_cannot_grant_bureau_roles_or_director(world, role):
    before = snapshot()
    with override("zh-hans"), pytest.raises(Forbidden) as exc:
        create(world.director_a, world.office_a, [role])
    assert exc.value.code == "role"
    assert str(exc.value) == f"您无权授予“{Role(role).label}”角色。"
    assert snapshot() == before


def test_director_cannot_create_users_in_another_office(world):
    before = snapshot()
    with pytest.raises(Forbidden):
        create(world.director_a, world.office_b, [Role.STAFF])
    with pytest.raises(Forbidden):
        create(world.director_a, world.village_b1, [Role.MEDIATOR])
    with pytest.raises(Forbidden):
        create(world.director_a, world.city, [Role.STAFF])
    assert snapshot() == before


@pytest.mark.parametrize("who", ["staff_a", "mediator_a1", "leader", "assessor", "advisor_a"])
def test_roles_without_create_right_cannot_create_users(world, who):
    before = snapshot()
    with pytest.raises(Forbidden):
        create(getattr(world, who), getattr(world, who).org, [Role.STAFF])
    assert snapshot() == before


def test_city_admin_grants_any_role_where_it_fits(world):
    admin2 = create(world.city_admin, world.city, [Role.CITY_ADMIN, Role.LEADER], username="admin2")
    director = create(world.city_admin, world.office_b, [Role.DIRECTOR], username="director_b2")
    assert fresh(admin2).role_codes == {Role.CITY_ADMIN, Role.LEADER}
    assert fresh(director).role_codes == {Role.DIRECTOR}


@pytest.mark.parametrize("role", sorted(BUREAU_ROLES))
def test_bureau_roles_only_at_bureau_nodes(world, role):
    before = snapshot()
    with override("zh-hans"), pytest.raises(DomainError) as exc:
        create(world.city_admin, world.office_a, [role])
    assert exc.value.field == "roles"
    assert str(exc.value) == f"“{Role(role).label}”角色不适用于甲镇的用户。"
    with pytest.raises(DomainError):
        create(world.city_admin, world.village_a1, [role])
    assert snapshot() == before


@pytest.mark.parametrize("role", [Role.DIRECTOR, Role.STAFF, Role.MEDIATOR])
def test_office_roles_not_at_bureau_nodes(world, role):
    before = snapshot()
    with pytest.raises(DomainError) as exc:
        create(world.city_admin, world.city, [role])
    assert exc.value.field == "roles"
    assert snapshot() == before


def test_no_role_or_unknown_role_is_refused(world):
    with pytest.raises(DomainError) as exc:
        create(world.director_a, world.office_a, [])
    assert exc.value.field == "roles"
    with pytest.raises(DomainError) as exc:
        create(world.director_a, world.office_a, ["superuser"])
    assert exc.value.field == "roles"
    assert not User.objects.filter(username="newbie").exists()


@pytest.mark.parametrize(
    "password",
    [
        "Ab1!x",  # too short
        "abcdefghijkl",  # one character class
        "abcdefgh1234",  # two character classes
        "12345678901234",  # only digits
        "Password123",  # a common password
        "Newbie2024x",  # too close to the user name
    ],
)
def test_weak_passwords_are_refused_with_a_message(world, password):
    before = snapshot()
    with pytest.raises(DomainError) as exc:
        create(world.director_a, world.office_a, [Role.STAFF], password=password)
    assert exc.value.field == "password"
    assert str(exc.value).strip()
    assert snapshot() == before


def test_weak_password_message_in_chinese(world):
    with override("zh-hans"), pytest.raises(DomainError) as exc:
        create(world.director_a, world.office_a, [Role.STAFF], password="abcdefgh1234")
    assert "密码须包含小写字母、大写字母、数字和符号中的至少三类。" in str(exc.value)


def test_bad_id_number_is_refused(world):
    before = snapshot()
    with override("zh-hans"), pytest.raises(DomainError) as exc:
        create(world.director_a, world.office_a, [Role.STAFF], id_number="320281199003071230")
    assert exc.value.field == "id_number"
    assert str(exc.value) == "身份证号最后一位（校验码）不正确，请核对。"
    with pytest.raises(DomainError) as exc:
        create(world.director_a, world.office_a, [Role.STAFF], id_number="32028119990230123X")
    assert exc.value.field == "id_number"
    assert snapshot() == before


def test_id_number_and_phone_are_normalised(world):
    user = create(
        world.director_a, world.office_a, [Role.STAFF], id_number=valid_id_number().lower(), phone="+86 138 1234 5678"
    )
    user = fresh(user)
    assert user.id_number == valid_id_number()
    assert user.phone == "13812345678"


@pytest.mark.parametrize("phone", ["12345", "1381234567", "abc"])
def test_bad_phone_is_refused(world, phone):
    before = snapshot()
    with override("zh-hans"), pytest.raises(DomainError) as exc:
        create(world.director_a, world.office_a, [Role.STAFF], phone=phone)
    assert exc.value.field == "phone"
    assert str(exc.value).startswith("请输入 11 位手机号码")
    assert snapshot() == before


@pytest.mark.parametrize("username", ["staff_a", "STAFF_A", "Staff_A", " staff_a "])
def test_duplicate_username_is_refused_case_insensitively(world, username):
    before = snapshot()
    with override("zh-hans"), pytest.raises(Conflict) as exc:
        create(world.director_a, world.office_a, [Role.STAFF], username=username)
    assert exc.value.field == "username"
    assert str(exc.value) == "该用户名已被使用。"
    assert snapshot() == before


def test_empty_full_name_or_username_is_refused(world):
    with pytest.raises(DomainError) as exc:
        create(world.director_a, world.office_a, [Role.STAFF], full_name="  ")
    assert exc.value.field == "full_name"
    with pytest.raises(DomainError) as exc:
        create(world.director_a, world.office_a, [Role.STAFF], username="  ")
    assert exc.value.field == "username"


def test_no_user_in_a_deactivated_unit(world):
    org_services.org_deactivate(actor=world.city_admin, node=world.village_a2)
    with pytest.raises(DomainError):
        create(world.director_a, world.village_a2.__class__.objects.get(pk=world.village_a2.pk), [Role.MEDIATOR])


def test_legal_advisor_served_villages(world):
    user = create(world.director_a, world.village_a1, [Role.LEGAL_ADVISOR], served_villages=[world.village_a2])
    assert set(fresh(user).served_villages.all()) == {world.village_a2}


def test_served_villages_ignored_for_other_roles(world):
    user = create(world.director_a, world.office_a, [Role.STAFF], served_villages=[world.village_a2])
    assert not fresh(user).served_villages.exists()


def test_served_villages_outside_scope_or_not_villages_are_refused(world):
    before = snapshot()
    with pytest.raises(Forbidden):
        create(world.director_a, world.village_a1, [Role.LEGAL_ADVISOR], served_villages=[world.village_b1])
    with override("zh-hans"), pytest.raises(DomainError) as exc:
        create(world.director_a, world.village_a1, [Role.LEGAL_ADVISOR], served_villages=[world.office_a])
    assert exc.value.field == "served_villages"
    assert str(exc.value) == "法律顾问的服务对象只能是村或社区。"
    assert snapshot() == before


# --- user_update -------------------------------------------------------------------------------------------


def test_update_profile(world):
    services.user_update(
        actor=world.director_a,
        user=world.staff_a,
        full_name="张三",
        title="科员",
        phone="0510-86801234",
        id_number=valid_id_number(),
    )
    user = fresh(world.staff_a)
    assert (user.full_name, user.title, user.phone, user.id_number) == (
        "张三",
        "科员",
        "0510-86801234",
        valid_id_number(),
    )


def test_update_roles_of_another_user(world):
    services.user_update(actor=world.director_a, user=world.staff_a, roles=[Role.STAFF, Role.EDUCATION_OFFICER])
    assert fresh(world.staff_a).role_codes == {Role.STAFF, Role.EDUCATION_OFFICER}
    services.user_update(actor=world.director_a, user=world.staff_a, roles=[Role.EDUCATION_OFFICER])
    assert fresh(world.staff_a).role_codes == {Role.EDUCATION_OFFICER}


def test_cannot_change_own_roles(world):
    before = snapshot()
    with override("zh-hans"), pytest.raises(Forbidden) as exc:
        services.user_update(actor=world.city_admin, user=world.city_admin, roles=[Role.CITY_ADMIN, Role.LEADER])
    assert str(exc.value) == "不能修改自己的角色。"
    with pytest.raises(Forbidden):
        services.user_update(actor=world.director_a, user=world.director_a, roles=[Role.STAFF])
    assert snapshot() == before


def test_may_change_own_profile_without_touching_roles(world):
    services.user_update(actor=world.director_a, user=world.director_a, title="所长")
    assert fresh(world.director_a).title == "所长"
    assert fresh(world.director_a).role_codes == {Role.DIRECTOR}


def test_director_cannot_escalate_someone_to_director(world):
    before = snapshot()
    with pytest.raises(Forbidden):
        services.user_update(actor=world.director_a, user=world.staff_a, roles=[Role.DIRECTOR])
    assert snapshot() == before


def test_cannot_update_users_of_another_office(world):
    before = snapshot()
    with pytest.raises(Forbidden):
        services.user_update(actor=world.director_a, user=world.staff_b, full_name="越权")
    with pytest.raises(Forbidden):
        services.user_update(actor=world.staff_a, user=world.mediator_a1, full_name="越权")
    assert snapshot() == before


def test_cannot_move_a_user_out_of_scope(world):
    before = snapshot()
    with pytest.raises(Forbidden):
        services.user_update(actor=world.director_a, user=world.staff_a, org=world.office_b)
    assert snapshot() == before


def test_moving_a_user_to_a_village_updates_the_office(world):
    services.user_update(actor=world.city_admin, user=world.staff_a, org=world.office_b)
    assert fresh(world.staff_a).office_id == world.office_b.pk
    services.user_update(actor=world.director_b, user=world.staff_a, org=world.village_b2)
    user = fresh(world.staff_a)
    assert (user.org_id, user.office_id) == (world.village_b2.pk, world.office_b.pk)


def test_advisor_served_villages_must_be_villages_in_scope(world):
    before = snapshot()
    with pytest.raises(Forbidden):
        services.user_update(actor=world.director_a, user=world.advisor_a, served_villages=[world.village_b1])
    with pytest.raises(DomainError) as exc:
        services.user_update(actor=world.director_a, user=world.advisor_a, served_villages=[world.office_a])
    assert exc.value.field == "served_villages"
    assert snapshot() == before
    services.user_update(actor=world.director_a, user=world.advisor_a, served_villages=[world.village_a2])
    assert set(fresh(world.advisor_a).served_villages.all()) == {world.village_a2}


def test_city_admin_may_give_an_advisor_villages_of_two_offices(world):
    services.user_update(
        actor=world.city_admin, user=world.advisor_a, served_villages=[world.village_a1, world.village_b2]
    )
    advisor = fresh(world.advisor_a)
    assert set(advisor.served_villages.all()) == {world.village_a1, world.village_b2}
    assert world.village_b2 in advisor.scope_nodes()


def test_dropping_the_advisor_role_clears_served_villages(world):
    services.user_update(actor=world.director_a, user=world.advisor_a, roles=[Role.MEDIATOR])
    advisor = fresh(world.advisor_a)
    assert advisor.role_codes == {Role.MEDIATOR}
    assert not advisor.served_villages.exists()


def test_update_with_bad_values_changes_nothing(world):
    before = snapshot()
    with pytest.raises(DomainError) as exc:
        services.user_update(actor=world.director_a, user=world.staff_a, full_name="新名", id_number="123")
    assert exc.value.field == "id_number"
    with pytest.raises(DomainError):
        services.user_update(actor=world.director_a, user=world.staff_a, username="renamed")
    assert snapshot() == before


# --- user_set_active ------------------------------------------------------------------------------------------


def test_deactivate_and_reactivate(world):
    services.user_set_active(actor=world.director_a, user=world.staff_a, active=False)
    assert not fresh(world.staff_a).is_active
    services.user_set_active(actor=world.director_a, user=world.staff_a, active=True)
    assert fresh(world.staff_a).is_active


def test_cannot_deactivate_self(world):
    before = snapshot()
    with override("zh-hans"), pytest.raises(DomainError) as exc:
        services.user_set_active(actor=world.director_a, user=world.director_a, active=False)
    assert str(exc.value) == "不能停用自己的账号。"
    assert snapshot() == before


def test_cannot_deactivate_users_of_another_office(world):
    with pytest.raises(Forbidden):
        services.user_set_active(actor=world.director_b, user=world.staff_a, active=False)
    assert fresh(world.staff_a).is_active


def test_deactivated_user_is_no_principal(world):
    services.user_set_active(actor=world.director_a, user=world.staff_a, active=False)
    user = fresh(world.staff_a)
    assert user.permissions == {}
    assert not user.has_action("orgs", "view")


# --- Passwords -------------------------------------------------------------------------------------------------


def test_reset_password_sets_must_change_password(world):
    User.objects.filter(pk=world.staff_a.pk).update(must_change_password=False)
    services.user_reset_password(actor=world.director_a, user=world.staff_a, password=GOOD_PASSWORD)
    user = fresh(world.staff_a)
    assert user.must_change_password
    assert user.check_password(GOOD_PASSWORD)
    assert not user.check_password(PASSWORD)


def test_reset_password_refuses_weak_passwords_and_other_offices(world):
    before = snapshot()
    with pytest.raises(DomainError) as exc:
        services.user_reset_password(actor=world.director_a, user=world.staff_a, password="short")
    assert exc.value.field == "password"
    with pytest.raises(Forbidden):
        services.user_reset_password(actor=world.director_b, user=world.staff_a, password=GOOD_PASSWORD)
    assert snapshot() == before


def test_change_own_password(world):
    User.objects.filter(pk=world.staff_a.pk).update(must_change_password=True)
    services.user_change_own_password(actor=world.staff_a, old_password=PASSWORD, new_password=GOOD_PASSWORD)
    user = fresh(world.staff_a)
    assert user.check_password(GOOD_PASSWORD)
    assert not user.must_change_password


def test_change_own_password_refusals(world):
    before = snapshot()
    with override("zh-hans"), pytest.raises(DomainError) as exc:
        services.user_change_own_password(actor=world.staff_a, old_password="wrong", new_password=GOOD_PASSWORD)
    assert exc.value.field == "old_password"
    assert str(exc.value) == "当前密码不正确。"
    with pytest.raises(DomainError) as exc:
        services.user_change_own_password(actor=world.staff_a, old_password=PASSWORD, new_password="abc")
    assert exc.value.field == "new_password1"
    with pytest.raises(DomainError) as exc:
        services.user_change_own_password(actor=world.staff_a, old_password=PASSWORD, new_password=PASSWORD)
    assert exc.value.field == "new_password1"
    assert snapshot() == before


def test_user_created_in_a_village_then_village_moved(world):
    """A user's office follows their village when the village changes town."""
    village = make_org(OrgKind.VILLAGE, world.office_a, name="迁村")
    user = create(world.director_a, village, [Role.MEDIATOR], username="mover")
    org_services.org_move(actor=world.city_admin, node=village, new_parent=world.office_b)
    assert fresh(user).office_id == world.office_b.pk
