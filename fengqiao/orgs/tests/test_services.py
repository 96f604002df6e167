"""Writes to the organisation tree: create, update, move, deactivate, reactivate, delete."""

import pytest
from django.utils.translation import override

from fengqiao.accounts.models import User
from fengqiao.core import services as core_services
from fengqiao.core.errors import Conflict, DomainError, Forbidden
from fengqiao.core.models import ApiToken, AuditEvent
from fengqiao.core.permissions import Role
from fengqiao.orgs import services
from fengqiao.orgs.models import SEGMENT_WIDTH, OrgKind, OrgNode, encode_segment
from fengqiao.testing.factories import make_org, make_user


def tree():
    """Everything about the tree that a failed write must leave alone."""
    return list(
        OrgNode.objects.order_by("pk").values_list(
            "pk", "kind", "name", "parent_id", "office_id", "path", "depth", "is_active", "division_code"
        )
    )


def users_state():
    return list(User.objects.order_by("pk").values_list("pk", "org_id", "office_id", "is_active"))


def fresh(node):
    return OrgNode.objects.get(pk=node.pk)


def assert_path_invariants():
    """Every node's path is its parent's path plus its own segment, and depth follows from it."""
    for node in OrgNode.objects.select_related("parent"):
        prefix = node.parent.path if node.parent_id else ""
        assert node.path == prefix + encode_segment(node.pk), node.name
        assert node.depth == len(node.path) // SEGMENT_WIDTH - 1, node.name
        expected_office = node.parent.office_id if node.kind == OrgKind.VILLAGE else node.pk
        assert node.office_id == expected_office, node.name


# --- Create --------------------------------------------------------------------------------------------


def test_director_creates_a_village_in_own_office(world):
    node = services.org_create(
        actor=world.director_a,
        kind=OrgKind.VILLAGE,
        name="  甲三村 ",
        parent=world.office_a,
        division_code="320281100201",
        phone="0510-86801234",
    )
    node = fresh(node)
    assert node.name == "甲三村"
    assert node.parent_id == world.office_a.pk
    assert node.office_id == world.office_a.pk
    assert node.path == world.office_a.path + encode_segment(node.pk)
    assert node.depth == 2
    assert node.is_active
    assert_path_invariants()


def test_city_admin_creates_a_town_under_the_city(world):
    node = fresh(
        services.org_create(
            actor=world.city_admin, kind=OrgKind.TOWN, name="丙镇", parent=world.city, office_name="丙镇司法所"
        )
    )
    assert node.office_id == node.pk
    assert node.depth == 1
    assert node.display_name == "丙镇司法所"


def test_city_admin_creates_a_root_bureau(world):
    node = fresh(services.org_create(actor=world.city_admin, kind=OrgKind.CITY, name="另一市", parent=None))
    assert node.parent_id is None
    assert node.depth == 0
    assert node.path == encode_segment(node.pk)


def test_only_a_bureau_may_create_a_root(world):
    before = tree()
    with pytest.raises(Forbidden):
        services.org_create(actor=world.director_a, kind=OrgKind.CITY, name="自立市", parent=None)
    with pytest.raises(DomainError) as exc:
        services.org_create(actor=world.city_admin, kind=OrgKind.TOWN, name="无主镇", parent=None)
    assert exc.value.field == "parent"
    assert tree() == before


@pytest.mark.parametrize(
    ("kind", "parent_attr"),
    [
        (OrgKind.TOWN, "office_a"),  # a town cannot hold a town
        (OrgKind.VILLAGE, "village_a1"),  # a village cannot hold anything
        (OrgKind.TOWN, "village_a1"),
        (OrgKind.CITY, "village_a1"),
        (OrgKind.VILLAGE, "city"),  # villages sit under towns only
        (OrgKind.PROVINCE, "city"),
    ],
)
def test_kind_rules(world, kind, parent_attr):
    before = tree()
    with pytest.raises(DomainError) as exc:
        services.org_create(actor=world.city_admin, kind=kind, name="新单位", parent=getattr(world, parent_attr))
    assert exc.value.field == "parent"
    assert exc.value.status == 400
    assert tree() == before


def test_kind_rule_message_in_chinese(world):
    with override("zh-hans"), pytest.raises(DomainError) as exc:
        services.org_create(actor=world.city_admin, kind=OrgKind.TOWN, name="镇中镇", parent=world.office_a)
    assert "下不能设立" in str(exc.value)


def test_duplicate_sibling_name_is_refused_in_chinese(world):
    before = tree()
    with override("zh-hans"), pytest.raises(Conflict) as exc:
        services.org_create(actor=world.director_a, kind=OrgKind.VILLAGE, name="甲一村", parent=world.office_a)
    assert exc.value.field == "name"
    assert exc.value.code == "conflict"
    assert str(exc.value) == "同一上级单位下已有同名单位。"
    assert tree() == before


def test_blank_division_code_means_none(world):
    node = services.org_create(
        actor=world.director_a, kind=OrgKind.VILLAGE, name="无码村", parent=world.office_a, division_code="  "
    )
    assert node.division_code == ""


def test_same_name_under_another_parent_is_allowed(world):
    services.org_create(actor=world.city_admin, kind=OrgKind.VILLAGE, name="甲一村", parent=world.office_b)
    assert OrgNode.objects.filter(name="甲一村").count() == 2


@pytest.mark.parametrize("code", ["12345", "1234567890123", "32028110020a", "3202811002 1", "３２０２"])
def test_division_code_must_have_12_digits(world, code):
    before = tree()
    with pytest.raises(DomainError) as exc:
        services.org_create(
            actor=world.director_a, kind=OrgKind.VILLAGE, name="代码村", parent=world.office_a, division_code=code
        )
    assert exc.value.field == "division_code"
    assert tree() == before


def test_division_code_with_full_width_digits_is_stored_as_ascii(world):
    """Chinese input methods type full-width digits; they are folded to the ASCII code."""
    node = services.org_create(
        actor=world.director_a,
        kind=OrgKind.VILLAGE,
        name="全角村",
        parent=world.office_a,
        division_code="３２０２８１１００２０１",
    )
    assert node.division_code == "320281100201"
    before = tree()
    with pytest.raises(DomainError) as exc:  # other non-ASCII digits are still not a code
        services.org_create(
            actor=world.director_a,
            kind=OrgKind.VILLAGE,
            name="阿拉伯村",
            parent=world.office_a,
            division_code="٣٢٠٢٨١١٠٠٢٠١",
        )
    assert exc.value.field == "division_code"
    assert tree() == before


def test_division_code_message_in_chinese(world):
    with override("zh-hans"), pytest.raises(DomainError) as exc:
        services.org_create(
            actor=world.director_a, kind=OrgKind.VILLAGE, name="代码村", parent=world.office_a, division_code="12345"
        )
    assert str(exc.value) == "区划代码应为 12 位数字。"


def test_duplicate_division_code_is_refused(world):
    services.org_create(
        actor=world.director_a, kind=OrgKind.VILLAGE, name="甲三村", parent=world.office_a, division_code="320281100201"
    )
    before = tree()
    with override("zh-hans"), pytest.raises(Conflict) as exc:
        services.org_create(
            actor=world.director_b,
            kind=OrgKind.VILLAGE,
            name="乙三村",
            parent=world.office_b,
            division_code="320281100201",
        )
    assert exc.value.field == "division_code"
    assert str(exc.value) == "该区划代码已被其他机构使用。"
    assert tree() == before


def test_many_nodes_may_leave_the_division_code_empty(world):
    for name in ("无码一村", "无码二村"):
        services.org_create(actor=world.director_a, kind=OrgKind.VILLAGE, name=name, parent=world.office_a)
    assert OrgNode.objects.filter(division_code="").count() >= 9


def test_empty_name_is_refused(world):
    with pytest.raises(DomainError) as exc:
        services.org_create(actor=world.director_a, kind=OrgKind.VILLAGE, name="   ", parent=world.office_a)
    assert exc.value.field == "name"


def test_unknown_fields_are_refused(world):
    with pytest.raises(DomainError):
        services.org_create(
            actor=world.director_a, kind=OrgKind.VILLAGE, name="村", parent=world.office_a, path="hacked"
        )


def test_cannot_create_under_a_deactivated_parent(world):
    services.org_deactivate(actor=world.city_admin, node=world.office_b)
    with pytest.raises(DomainError) as exc:
        services.org_create(actor=world.city_admin, kind=OrgKind.VILLAGE, name="停村", parent=fresh(world.office_b))
    assert exc.value.field == "parent"


@pytest.mark.parametrize("who", ["director_b", "staff_a", "mediator_a1", "advisor_a", "leader", "assessor"])
def test_create_outside_scope_or_without_right_is_forbidden(world, who):
    before = tree()
    with pytest.raises(Forbidden):
        services.org_create(actor=getattr(world, who), kind=OrgKind.VILLAGE, name="越权村", parent=world.office_a)
    assert tree() == before


def test_forbidden_message_in_chinese(world):
    with override("zh-hans"), pytest.raises(Forbidden) as exc:
        services.org_update(actor=world.director_b, node=world.village_a1, name="改")
    assert str(exc.value) == "您无权修改本单位以外的机构。"
    assert exc.value.status == 403


# --- Update ----------------------------------------------------------------------------------------------


def test_update_changes_editable_fields_only(world):
    node = services.org_update(actor=world.director_a, node=world.village_a1, name="甲一社区", phone="13812345678")
    node = fresh(node)
    assert node.name == "甲一社区"
    assert node.phone == "13812345678"
    assert node.path == world.village_a1.path
    with pytest.raises(DomainError):
        services.org_update(actor=world.director_a, node=world.village_a1, parent=world.office_b)
    with pytest.raises(DomainError):
        services.org_update(actor=world.director_a, node=world.village_a1, kind=OrgKind.TOWN)
    assert fresh(world.village_a1).kind == OrgKind.VILLAGE


def test_update_to_a_sibling_name_is_refused(world):
    before = tree()
    with pytest.raises(Conflict):
        services.org_update(actor=world.director_a, node=world.village_a1, name="甲二村")
    assert tree() == before


def test_update_keeping_own_name_and_code_is_fine(world):
    services.org_update(actor=world.director_a, node=world.village_a1, division_code="320281100201")
    services.org_update(
        actor=world.director_a, node=world.village_a1, name="甲一村", division_code="320281100201", address="新址"
    )
    assert fresh(world.village_a1).address == "新址"


@pytest.mark.parametrize("who", ["director_b", "staff_a", "leader"])
def test_update_outside_scope_is_forbidden(world, who):
    before = tree()
    with pytest.raises(Forbidden):
        services.org_update(actor=getattr(world, who), node=world.village_a1, name="越权")
    assert tree() == before


# --- Move ------------------------------------------------------------------------------------------------


def test_move_rewrites_paths_and_depths_of_the_subtree(world):
    region = services.org_create(actor=world.city_admin, kind=OrgKind.CITY, name="县级市", parent=world.city)
    extra = make_org(OrgKind.VILLAGE, world.office_a, name="甲深村")
    old_paths = {n.pk: n.path for n in OrgNode.objects.all()}

    services.org_move(actor=world.city_admin, node=world.office_a, new_parent=region)

    office_a = fresh(world.office_a)
    region = fresh(region)
    assert office_a.parent_id == region.pk
    assert office_a.path == region.path + encode_segment(office_a.pk)
    assert office_a.depth == 2
    for village in (world.village_a1, world.village_a2, extra):
        v = fresh(village)
        assert v.path == office_a.path + encode_segment(v.pk)
        assert v.depth == 3
        assert v.office_id == office_a.pk
    # Nodes outside the moved subtree are untouched.
    for node in (world.city, world.office_b, world.village_b1, world.village_b2):
        assert fresh(node).path == old_paths[node.pk]
    assert_path_invariants()


def test_moved_subtree_is_still_found_by_scope(world):
    region = services.org_create(actor=world.city_admin, kind=OrgKind.CITY, name="县级市", parent=world.city)
    services.org_move(actor=world.city_admin, node=world.office_a, new_parent=region)
    director = User.objects.get(pk=world.director_a.pk)
    visible = set(OrgNode.objects.visible_to(director).values_list("pk", flat=True))
    assert visible == {world.office_a.pk, world.village_a1.pk, world.village_a2.pk}
    assert set(OrgNode.objects.subtree(fresh(region)).values_list("pk", flat=True)) == {
        region.pk,
        world.office_a.pk,
        world.village_a1.pk,
        world.village_a2.pk,
    }


@pytest.mark.parametrize("target", ["office_a", "village_a1"])
def test_move_under_itself_or_a_descendant_is_refused(world, target):
    before, before_users = tree(), users_state()
    with override("zh-hans"), pytest.raises(DomainError) as exc:
        services.org_move(actor=world.city_admin, node=world.office_a, new_parent=getattr(world, target))
    assert exc.value.code == "cycle"
    assert str(exc.value) == "不能将单位移动到其自身或其下级单位之下。"
    assert tree() == before
    assert users_state() == before_users


def test_move_a_city_under_its_own_descendant_city_is_refused(world):
    inner = services.org_create(actor=world.city_admin, kind=OrgKind.CITY, name="下级市", parent=world.city)
    before = tree()
    with pytest.raises(DomainError) as exc:
        services.org_move(actor=world.city_admin, node=world.city, new_parent=inner)
    assert exc.value.code == "cycle"
    assert tree() == before


def test_moving_a_village_to_another_town_retargets_its_users_and_records(world):
    token, _ = core_services.api_token_create(
        actor=world.city_admin, name="村网关", org=world.village_a1, grants=["orgs.view"]
    )
    old_events = set(AuditEvent.objects.filter(org_id=world.village_a1.pk).values_list("pk", "office_id"))
    assert old_events

    services.org_move(actor=world.city_admin, node=world.village_a1, new_parent=world.office_b)

    village = fresh(world.village_a1)
    assert village.office_id == world.office_b.pk
    assert village.parent_id == world.office_b.pk
    for user in (world.mediator_a1, world.advisor_a):
        assert User.objects.get(pk=user.pk).office_id == world.office_b.pk
    # Users elsewhere in office A keep their office.
    assert User.objects.get(pk=world.staff_a.pk).office_id == world.office_a.pk
    assert ApiToken.objects.get(pk=token.pk).office_id == world.office_b.pk
    # The audit trail keeps where things happened at the time.
    assert old_events <= set(AuditEvent.objects.filter(org_id=world.village_a1.pk).values_list("pk", "office_id"))
    # Office B's director now manages the village's people; office A's no longer does.
    director_b = User.objects.get(pk=world.director_b.pk)
    director_a = User.objects.get(pk=world.director_a.pk)
    assert User.objects.visible_to(director_b).filter(pk=world.mediator_a1.pk).exists()
    assert not User.objects.visible_to(director_a).filter(pk=world.mediator_a1.pk).exists()
    assert_path_invariants()


def test_move_to_the_current_parent_changes_nothing(world):
    before = tree()
    services.org_move(actor=world.director_a, node=world.village_a1, new_parent=world.office_a)
    assert tree() == before


def test_move_within_own_office_is_not_possible_across_offices_for_a_director(world):
    before, before_users = tree(), users_state()
    with pytest.raises(Forbidden):
        services.org_move(actor=world.director_a, node=world.village_a1, new_parent=world.office_b)
    with pytest.raises(Forbidden):
        services.org_move(actor=world.director_b, node=world.village_a1, new_parent=world.office_b)
    assert tree() == before
    assert users_state() == before_users


def test_move_respects_kind_rules(world):
    before = tree()
    with pytest.raises(DomainError) as exc:
        services.org_move(actor=world.city_admin, node=world.village_a1, new_parent=world.city)
    assert exc.value.field == "parent"
    with pytest.raises(DomainError):
        services.org_move(actor=world.city_admin, node=world.office_a, new_parent=world.office_b)
    assert tree() == before


def test_move_onto_a_name_taken_under_the_new_parent_is_refused(world):
    make_org(OrgKind.VILLAGE, world.office_b, name="甲一村")
    before = tree()
    with override("zh-hans"), pytest.raises(Conflict) as exc:
        services.org_move(actor=world.city_admin, node=world.village_a1, new_parent=world.office_b)
    assert str(exc.value) == "新的上级单位下已有同名单位。"
    assert tree() == before


def test_move_under_a_deactivated_parent_is_refused(world):
    services.org_deactivate(actor=world.city_admin, node=world.office_b)
    before = tree()
    with pytest.raises(DomainError):
        services.org_move(actor=world.city_admin, node=world.village_a1, new_parent=world.office_b)
    assert tree() == before


# --- Deactivate / reactivate -------------------------------------------------------------------------------


def test_deactivate_cascades_to_descendants(world):
    count = services.org_deactivate(actor=world.city_admin, node=world.office_a)
    assert count == 3
    for node in (world.office_a, world.village_a1, world.village_a2):
        assert not fresh(node).is_active
    for node in (world.city, world.office_b, world.village_b1, world.village_b2):
        assert fresh(node).is_active


def test_deactivate_counts_only_nodes_that_were_active(world):
    services.org_deactivate(actor=world.director_a, node=world.village_a1)
    assert services.org_deactivate(actor=world.city_admin, node=world.office_a) == 2


def test_cannot_deactivate_own_unit(world):
    before = tree()
    with override("zh-hans"), pytest.raises(DomainError) as exc:
        services.org_deactivate(actor=world.director_a, node=world.office_a)
    assert str(exc.value) == "不能停用本人所在单位。"
    with pytest.raises(DomainError):
        services.org_deactivate(actor=world.city_admin, node=world.city)
    assert tree() == before


def test_deactivate_outside_scope_is_forbidden(world):
    before = tree()
    with pytest.raises(Forbidden):
        services.org_deactivate(actor=world.director_a, node=world.village_b1)
    assert tree() == before


def test_reactivate_requires_an_active_parent(world):
    services.org_deactivate(actor=world.city_admin, node=world.office_a)
    with override("zh-hans"), pytest.raises(DomainError) as exc:
        services.org_reactivate(actor=world.city_admin, node=world.village_a1)
    assert str(exc.value) == "请先启用上级单位。"
    assert not fresh(world.village_a1).is_active

    assert services.org_reactivate(actor=world.city_admin, node=world.office_a) == 3
    # Reactivation mirrors deactivation: the office comes back with its villages.
    assert fresh(world.office_a).is_active
    assert fresh(world.village_a1).is_active and fresh(world.village_a2).is_active


def test_reactivate_outside_scope_is_forbidden(world):
    services.org_deactivate(actor=world.director_b, node=world.village_b1)
    with pytest.raises(Forbidden):
        services.org_reactivate(actor=world.director_a, node=world.village_b1)
    assert not fresh(world.village_b1).is_active


# --- Delete ----------------------------------------------------------------------------------------------------


def test_delete_refused_while_children_exist(world):
    before, before_users = tree(), users_state()
    node = make_org(OrgKind.TOWN, world.city, name="有村镇")
    make_org(OrgKind.VILLAGE, node, name="唯一村")
    before = tree()
    with override("zh-hans"), pytest.raises(Conflict) as exc:
        services.org_delete(actor=world.city_admin, node=node)
    assert exc.value.code == "in_use"
    assert exc.value.status == 409
    message = str(exc.value)
    assert "下级单位 1" in message
    assert message.startswith("该单位仍有关联数据")
    assert tree() == before
    assert users_state() == before_users


def test_delete_refused_while_users_exist_names_them(world):
    make_user(world.office_a, Role.STAFF)
    before = tree()
    with override("zh-hans"), pytest.raises(Conflict) as exc:
        services.org_delete(actor=world.city_admin, node=world.office_a)
    message = str(exc.value)
    assert "下级单位 2" in message
    assert f"{User._meta.verbose_name_plural} 3" in message
    assert tree() == before


def test_delete_refused_while_a_village_has_members_and_advisors(world):
    with override("zh-hans"), pytest.raises(Conflict) as exc:
        services.org_delete(actor=world.director_a, node=world.village_a1)
    message = str(exc.value)
    assert f"{User._meta.verbose_name_plural} 2" in message
    assert "服务的法律顾问 1" in message
    assert OrgNode.objects.filter(pk=world.village_a1.pk).exists()


def test_delete_refused_while_an_advisor_serves_the_village(world):
    # Nobody belongs to village A2, but advisor A serves it.
    with override("zh-hans"), pytest.raises(Conflict) as exc:
        services.org_delete(actor=world.director_a, node=world.village_a2)
    assert "服务的法律顾问 1" in str(exc.value)
    assert OrgNode.objects.filter(pk=world.village_a2.pk).exists()


def test_delete_refused_while_an_api_token_is_bound_to_it(world):
    node = make_org(OrgKind.TOWN, world.city, name="令牌镇")
    core_services.api_token_create(actor=world.city_admin, name="镇网关", org=node, grants=["orgs.view"])
    with pytest.raises(Conflict) as exc:
        services.org_delete(actor=world.city_admin, node=node)
    assert str(ApiToken._meta.verbose_name_plural) in str(exc.value)


def test_delete_of_an_empty_village_works(world):
    node = services.org_create(actor=world.director_a, kind=OrgKind.VILLAGE, name="空村", parent=world.office_a)
    services.org_delete(actor=world.director_a, node=node)
    assert not OrgNode.objects.filter(pk=node.pk).exists()
    assert fresh(world.office_a).is_active


def test_delete_of_an_empty_town_works(world):
    node = services.org_create(actor=world.city_admin, kind=OrgKind.TOWN, name="空镇", parent=world.city)
    services.org_delete(actor=world.city_admin, node=node)
    assert not OrgNode.objects.filter(pk=node.pk).exists()


def test_delete_outside_scope_is_forbidden(world):
    node = make_org(OrgKind.VILLAGE, world.office_b, name="乙空村")
    with pytest.raises(Forbidden):
        services.org_delete(actor=world.director_a, node=node)
    with pytest.raises(Forbidden):
        services.org_delete(actor=world.staff_b, node=node)
    assert OrgNode.objects.filter(pk=node.pk).exists()


def test_references_lists_what_refers_to_a_node(world):
    with override("zh-hans"):
        refs = services.references(world.office_a)
    assert refs == {"下级单位": 2, str(User._meta.verbose_name_plural): 2}
    assert services.references(make_org(OrgKind.VILLAGE, world.office_b)) == {}
