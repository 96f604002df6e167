import datetime

import pytest
from django.utils import timezone

from fengqiao.party import codes, services

DAY = datetime.timedelta(days=1)


def today():
    return timezone.localdate()


def make_branch(world, office=None, actor=None, **overrides):
    office = office or world.office_a
    data = {
        "name": f"中共{office.short_name}司法所支部委员会",
        "secretary": "王书记",
        "established_on": today() - 3000 * DAY,
        "parent_organisation": "中共测试市司法局机关委员会",
    }
    data.update(overrides)
    return services.branch_create(actor=actor or world.director_a, office=office, **data)


def add_member(world, branch, name, actor=None, **overrides):
    data = {
        "name": name,
        "status": codes.MemberStatus.FORMAL,
        "joined_on": today() - 2000 * DAY,
        "formal_on": today() - 1600 * DAY,
    }
    data.update(overrides)
    return services.member_add(actor=actor or world.director_a, branch=branch, **data)


@pytest.fixture
def party(world):
    """Office A's branch with three full members and one probationary; office B's with one member."""
    branch = make_branch(world)
    m1 = add_member(world, branch, "张一", user=world.staff_a)
    m2 = add_member(world, branch, "李二")
    m3 = add_member(world, branch, "王三")
    p = add_member(
        world, branch, "赵预备", status=codes.MemberStatus.PROBATIONARY, joined_on=today() - 100 * DAY, formal_on=None
    )
    branch_b = make_branch(world, office=world.office_b, actor=world.director_b)
    b1 = add_member(world, branch_b, "乙党员", actor=world.director_b)
    return {"branch": branch, "m1": m1, "m2": m2, "m3": m3, "p": p, "branch_b": branch_b, "b1": b1}
