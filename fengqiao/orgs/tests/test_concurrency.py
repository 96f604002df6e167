"""Concurrent changes to the tree keep every path consistent (run on SQLite and PostgreSQL)."""

import threading

import pytest
from django.db import connection, connections

from fengqiao.core.errors import Conflict, DomainError
from fengqiao.orgs import services
from fengqiao.orgs.models import OrgKind, OrgNode, encode_segment
from fengqiao.testing.factories import World

pytestmark = pytest.mark.django_db(transaction=True)


def _run_together(*calls):
    """Start each call in its own thread (own connection) at the same moment; collect errors."""
    barrier = threading.Barrier(len(calls))
    errors = []

    def runner(fn):
        try:
            barrier.wait(timeout=10)
            fn()
        except (DomainError, Conflict) as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(fn,)) for fn in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return errors


def assert_tree_consistent():
    nodes = {n.pk: n for n in OrgNode.objects.all()}
    for n in nodes.values():
        expected = (nodes[n.parent_id].path if n.parent_id else "") + encode_segment(n.pk)
        assert n.path == expected, f"{n.name}: path {n.path} != {expected}"
        if n.kind == OrgKind.VILLAGE:
            assert n.office_id == n.parent_id


@pytest.fixture
def two_cities():
    assert "memory" not in str(connection.settings_dict["NAME"]), "threads need a file database (settings TEST)"
    w = World.build()
    other = services.org_create(actor=None, kind=OrgKind.CITY, name="另一县", parent=w.city)
    return w, other


def test_create_under_a_town_while_it_moves(two_cities):
    w, other = two_cities
    stale_town = OrgNode.objects.get(pk=w.office_a.pk)
    for i in range(5):
        target = other if i % 2 == 0 else w.city
        _run_together(
            lambda t=target: services.org_move(actor=w.city_admin, node=w.office_a, new_parent=t),
            lambda i=i: services.org_create(
                actor=w.city_admin, kind=OrgKind.VILLAGE, name=f"并发村{i}", parent=stale_town
            ),
        )
        assert_tree_consistent()
    assert OrgNode.objects.filter(parent=w.office_a, name__startswith="并发村").count() == 5


def test_crossing_moves_never_make_a_cycle(two_cities):
    w, other = two_cities
    third = services.org_create(actor=None, kind=OrgKind.CITY, name="第三县", parent=w.city)
    errors = _run_together(
        lambda: services.org_move(actor=w.city_admin, node=other, new_parent=third),
        lambda: services.org_move(actor=w.city_admin, node=third, new_parent=other),
    )
    assert len(errors) == 1 and errors[0].code == "cycle"
    assert_tree_consistent()


def test_same_username_at_once_gives_one_user_and_a_conflict(two_cities):
    from fengqiao.accounts import services as account_services
    from fengqiao.accounts.models import User

    w, _ = two_cities

    def create(name):
        return lambda: account_services.user_create(
            actor=w.city_admin,
            username=name,
            org=w.office_a,
            roles=["staff"],
            password="Str0ng-Passw0rd!",
            full_name="并发用户",
        )

    errors = _run_together(create("SameName"), create("samename"))
    assert User.objects.filter(username__iexact="samename").count() == 1
    assert len(errors) == 1 and isinstance(errors[0], Conflict)
