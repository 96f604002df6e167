"""Test data: factories for the org tree and users, and a small world of two sibling offices."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from fengqiao.accounts.models import User, UserRole
from fengqiao.core.permissions import Role
from fengqiao.core.validators import id_check_char
from fengqiao.orgs.models import OrgKind, OrgNode, encode_segment

PASSWORD = "Test-Passw0rd!"
_seq = itertools.count(1)


def make_org(kind=OrgKind.VILLAGE, parent=None, name=None, **fields) -> OrgNode:
    """Create a node directly (no service, no audit): test scaffolding only."""
    n = next(_seq)
    node = OrgNode.objects.create(kind=kind, parent=parent, name=name or f"{kind}-{n}", **fields)
    node.path = (parent.path if parent else "") + encode_segment(node.pk)
    node.depth = len(node.path) // 6 - 1
    node.office_id = parent.office_id if kind == OrgKind.VILLAGE else node.pk
    node.save(update_fields=["path", "depth", "office"])
    return node


def make_user(org, *roles, username=None, password=PASSWORD, served_villages=(), **fields) -> User:
    n = next(_seq)
    user = User(username=username or f"user{n}", full_name=fields.pop("full_name", f"测试{n}"), org=org, **fields)
    user.set_password(password)
    user.save()
    UserRole.objects.bulk_create([UserRole(user=user, role=r) for r in roles])
    if served_villages:
        user.served_villages.set(served_villages)
    return user


def valid_id_number(body17="32028119900307123") -> str:
    return body17 + id_check_char(body17)


@dataclass
class World:
    """A city with two sibling offices (A and B), two villages each, and users of every role."""

    city: OrgNode
    office_a: OrgNode
    office_b: OrgNode
    village_a1: OrgNode
    village_a2: OrgNode
    village_b1: OrgNode
    village_b2: OrgNode
    city_admin: User
    assessor: User
    leader: User
    director_a: User
    staff_a: User
    director_b: User
    staff_b: User
    mediator_a1: User
    advisor_a: User

    @classmethod
    def build(cls) -> World:
        city = make_org(OrgKind.CITY, name="测试市", office_name="测试市司法局", short_name="测试")
        office_a = make_org(OrgKind.TOWN, city, name="甲镇", office_name="甲镇司法所", short_name="甲镇")
        office_b = make_org(OrgKind.TOWN, city, name="乙镇", office_name="乙镇司法所", short_name="乙镇")
        va1 = make_org(OrgKind.VILLAGE, office_a, name="甲一村")
        va2 = make_org(OrgKind.VILLAGE, office_a, name="甲二村")
        vb1 = make_org(OrgKind.VILLAGE, office_b, name="乙一村")
        vb2 = make_org(OrgKind.VILLAGE, office_b, name="乙二村")
        return cls(
            city=city,
            office_a=office_a,
            office_b=office_b,
            village_a1=va1,
            village_a2=va2,
            village_b1=vb1,
            village_b2=vb2,
            city_admin=make_user(city, Role.CITY_ADMIN, username="cityadmin"),
            assessor=make_user(city, Role.CITY_ASSESSOR, username="assessor"),
            leader=make_user(city, Role.LEADER, username="leader"),
            director_a=make_user(office_a, Role.DIRECTOR, username="director_a"),
            staff_a=make_user(office_a, Role.STAFF, username="staff_a"),
            director_b=make_user(office_b, Role.DIRECTOR, username="director_b"),
            staff_b=make_user(office_b, Role.STAFF, username="staff_b"),
            mediator_a1=make_user(va1, Role.MEDIATOR, username="mediator_a1"),
            advisor_a=make_user(va1, Role.LEGAL_ADVISOR, username="advisor_a", served_villages=[va1, va2]),
        )
