"""Keyset pagination: complete, duplicate-free walks; damaged cursors; page-size bounds."""

import base64
import datetime
import json

import pytest
from django.utils import timezone

from fengqiao.core.models import AuditEvent, AuditKind
from fengqiao.core.pagination import MAX_PAGE_SIZE, _encode, keyset_paginate
from fengqiao.orgs.models import OrgKind, OrgNode
from fengqiao.testing.factories import make_org

pytestmark = pytest.mark.django_db

ORDERING = ["-at", "-id"]


def _events(n, timestamps):
    """n audit events spread over a few timestamps, so that most rows tie on `at`."""
    AuditEvent.objects.bulk_create(
        [AuditEvent(at=timestamps[i % len(timestamps)], kind=AuditKind.ACTION, action=f"test.{i}") for i in range(n)]
    )
    return list(AuditEvent.objects.order_by(*ORDERING).values_list("pk", flat=True))


def _walk(queryset, ordering, size):
    seen, cursor, pages = [], None, 0
    while True:
        page = keyset_paginate(queryset, ordering=ordering, cursor=cursor, size=size)
        pages += 1
        seen.extend(obj.pk for obj in page.items)
        assert len(page.items) <= size
        if not page.has_next:
            return seen, pages
        assert len(page.items) == size
        cursor = page.next_cursor
        assert pages < 1000, "pagination does not terminate"


@pytest.mark.parametrize("size", [1, 3, 7, 10, 49, 50])
def test_walk_over_tied_timestamps_has_no_gaps_or_duplicates(size):
    base = timezone.now().replace(microsecond=0)
    expected = _events(50, [base, base, base - datetime.timedelta(seconds=1), base + datetime.timedelta(hours=2)])
    seen, pages = _walk(AuditEvent.objects.all(), ORDERING, size)
    assert len(seen) == len(set(seen)), "a row appeared on two pages"
    assert seen == expected
    assert pages == -(-50 // size)


def test_walk_when_every_row_shares_one_timestamp():
    moment = timezone.now()
    expected = _events(23, [moment])
    seen, _ = _walk(AuditEvent.objects.all(), ORDERING, 5)
    assert seen == expected


def test_walk_with_microsecond_timestamps():
    base = timezone.now().replace(microsecond=123456)
    stamps = [base + datetime.timedelta(microseconds=i) for i in range(3)]
    expected = _events(17, stamps)
    seen, _ = _walk(AuditEvent.objects.all(), ORDERING, 4)
    assert seen == expected


def test_walk_respects_a_filtered_queryset():
    moment = timezone.now()
    _events(30, [moment])
    qs = AuditEvent.objects.filter(action__in=[f"test.{i}" for i in range(0, 30, 3)])
    seen, _ = _walk(qs, ORDERING, 4)
    assert seen == list(qs.order_by(*ORDERING).values_list("pk", flat=True))
    assert len(seen) == 10


def test_walk_over_org_nodes_by_name_and_id():
    city = make_org(OrgKind.CITY, name="分页市")
    town = make_org(OrgKind.TOWN, city, name="分页镇")
    for i in range(12):
        make_org(OrgKind.VILLAGE, town, name=f"村{i % 4}-{i}")
    qs = OrgNode.objects.all()
    expected = list(qs.order_by("name", "id").values_list("pk", flat=True))
    seen, _ = _walk(qs, ["name", "id"], 5)
    assert seen == expected
    seen_path, _ = _walk(qs, ["path"], 4)
    assert seen_path == list(qs.order_by("path").values_list("pk", flat=True))
    assert len(seen_path) == 14


def test_last_page_has_no_cursor_and_exact_fit_has_no_empty_extra_page():
    _events(10, [timezone.now()])
    page = keyset_paginate(AuditEvent.objects.all(), ordering=ORDERING, size=10)
    assert len(page.items) == 10
    assert page.next_cursor is None
    assert not page.has_next


def test_empty_queryset():
    page = keyset_paginate(AuditEvent.objects.all(), ordering=ORDERING, size=10)
    assert page.items == []
    assert page.next_cursor is None


def _b64(obj) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "!!!not-base64!!!",
        "%%%",
        "bm90IGpzb24",  # base64 of "not json"
        _b64({"at": "x"}),  # JSON, but not a list
        _b64(["2024-01-01T00:00:00+00:00"]),  # a list of the wrong length
        _b64([1, 2, 3]),
        "",
    ],
)
def test_damaged_cursor_restarts_from_the_beginning(cursor):
    expected = _events(12, [timezone.now()])
    page = keyset_paginate(AuditEvent.objects.all(), ordering=ORDERING, cursor=cursor, size=5)
    assert [e.pk for e in page.items] == expected[:5]
    assert page.has_next


def test_truncated_cursor_restarts_from_the_beginning():
    expected = _events(12, [timezone.now()])
    first = keyset_paginate(AuditEvent.objects.all(), ordering=ORDERING, size=5)
    damaged = first.next_cursor[: len(first.next_cursor) // 2]
    page = keyset_paginate(AuditEvent.objects.all(), ordering=ORDERING, cursor=damaged, size=5)
    assert [e.pk for e in page.items] == expected[:5]


def test_cursor_with_unreadable_values_restarts_from_the_beginning():
    """A list of the right length whose values are not a time and an id is just as damaged."""
    expected = _events(12, [timezone.now()])
    cursor = _encode(["yesterday-ish", "seven"])
    page = keyset_paginate(AuditEvent.objects.all(), ordering=ORDERING, cursor=cursor, size=5)
    assert [e.pk for e in page.items] == expected[:5]


def test_cursor_round_trips_through_encode():
    expected = _events(9, [timezone.now()])
    first = keyset_paginate(AuditEvent.objects.all(), ordering=ORDERING, size=4)
    second = keyset_paginate(AuditEvent.objects.all(), ordering=ORDERING, cursor=first.next_cursor, size=4)
    assert [e.pk for e in second.items] == expected[4:8]
    assert "=" not in first.next_cursor


def test_size_is_capped_at_the_maximum():
    now = timezone.now()
    _events(MAX_PAGE_SIZE + 20, [now, now - datetime.timedelta(minutes=1)])
    page = keyset_paginate(AuditEvent.objects.all(), ordering=ORDERING, size=10_000)
    assert page.size == MAX_PAGE_SIZE
    assert len(page.items) == MAX_PAGE_SIZE
    assert page.has_next


@pytest.mark.parametrize(("requested", "effective"), [(-5, 1), (1, 1), (None, 50), (0, 50), ("7", 7)])
def test_size_lower_bound_and_default(settings, requested, effective):
    settings.FENGQIAO = {**settings.FENGQIAO, "PAGE_SIZE": 50}
    _events(60, [timezone.now()])
    page = keyset_paginate(AuditEvent.objects.all(), ordering=ORDERING, size=requested)
    assert page.size == effective
    assert len(page.items) == effective
