"""The demo seeder: every office has its branch, members, venue and a year of activities consistent
with what the services would write, and the figures show the planted gaps."""

import random

from django.db.models import F

from fengqiao.core.demo import SeedContext
from fengqiao.party import codes, demo, selectors, services
from fengqiao.party.models import Activity, Branch, Member, Venue, Violation


def _city_ctx():
    from fengqiao.accounts import demo as accounts_demo
    from fengqiao.orgs import demo as orgs_demo

    ctx = SeedContext(scale="city", rng=random.Random(2019))
    orgs_demo.seed(ctx)
    accounts_demo.seed(ctx)
    return ctx


def test_demo_city(db):
    ctx = _city_ctx()
    demo.seed(ctx)
    today = ctx.now.date()
    offices = [o.pk for o in ctx.offices]
    assert Branch.objects.count() == len(offices) == 16
    assert not Branch.objects.filter(secretary="").exists()
    # members from the office's staff plus others; probationary ones, a transfer in and one moved out
    assert Member.objects.filter(user__isnull=False).exclude(office_id=F("user__office_id")).count() == 0
    assert Member.objects.filter(user__isnull=True).exists()
    assert Member.objects.filter(status=codes.MemberStatus.PROBATIONARY, formal_on__isnull=True).exists()
    assert not Member.objects.filter(status=codes.MemberStatus.FORMAL, formal_on__isnull=True).exists()
    assert Member.objects.filter(active=False, transferred_out_on__isnull=False).exists()
    assert Member.objects.filter(transferred_in_on__isnull=False).exists()
    assert not Member.objects.filter(transferred_in_on__lt=F("joined_on")).exists()
    # activities: counts consistent with the register on the day, nothing in the future
    assert not Activity.objects.filter(date__gt=today).exists()
    for a in Activity.objects.order_by("?")[:40]:
        eligible = services.members_on(a.branch_id, a.date)
        assert a.expected_count == eligible.count()
        assert a.present_count == a.attendees.count() >= 1
        assert set(a.attendees.values_list("pk", flat=True)) <= set(eligible.values_list("pk", flat=True))
    # venues carry their last check
    for v in Venue.objects.all():
        last = v.checks.order_by("-date").first()
        assert (v.last_checked_on, v.last_result) == ((last.date, last.result) if last else (None, ""))
    # the figures show the gaps: two offices behind on 三会一课, one venue unchecked, one violation
    figures = selectors.office_figures(None, today.replace(month=1, day=1), today)
    rates = {pk: f["party_meetings_completion"] for pk, f in figures.items()}
    behind = [pk for pk, r in rates.items() if r < 1]
    assert len(behind) == 2, rates
    assert sum(1 for f in figures.values() if f["party_venue_checked"] == 0) == 1
    assert sum(f["party_violations"] for f in figures.values()) == 1
    assert Violation.objects.count() == 1
    assert all(f["party_branch"] == 1 for f in figures.values())
    assert all(0.7 <= f["party_attendance_rate"] <= 1 for f in figures.values())
    assert all(f["party_members_formal"] >= 2 for f in figures.values())


def test_demo_province_style_is_cheap(world):
    ctx = SeedContext(scale="province", rng=random.Random(7))
    ctx.offices = [world.office_a, world.office_b]
    ctx.villages_by_office = {}
    demo.seed(ctx)
    assert Branch.objects.count() == 2
    assert Member.objects.filter(office=world.office_a).exists()
    assert not Activity.objects.exists()
