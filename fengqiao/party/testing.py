"""Leak-matrix planters for party building: one object of each scoped model in office B."""

import datetime

from django.utils import timezone

from fengqiao.testing.leak import MARKER, planter

from . import codes


def _days(n):
    return timezone.localdate() - datetime.timedelta(days=n)


@planter("party.Branch")
def _plant_branch(world):
    from . import services
    from .models import Branch

    found = Branch.objects.filter(office=world.office_b).first()
    return found or services.branch_create(
        actor=world.director_b,
        office=world.office_b,
        name=f"{MARKER}支部",
        secretary=f"{MARKER}书记",
        established_on=_days(3000),
        parent_organisation=f"{MARKER}机关党委",
    )


def _member(world):
    from .models import Member

    return Member.objects.filter(office=world.office_b, name=f"{MARKER}党员").first() or _plant_member(world)


@planter("party.Member")
def _plant_member(world):
    from . import services

    return services.member_add(
        actor=world.director_b,
        branch=_plant_branch(world),
        name=f"{MARKER}党员",
        status=codes.MemberStatus.PROBATIONARY,
        joined_on=_days(100),
    )


@planter("party.Venue")
def _plant_venue(world):
    from . import services

    return services.venue_add(
        actor=world.director_b, office=world.office_b, name=f"{MARKER}活动室", address=f"{MARKER}路1号", area=60
    )


@planter("party.VenueCheck")
def _plant_check(world):
    from . import services

    # A venue of its own: a check moves the venue's last check, and the matrix compares the planted
    # venue with what it finds afterwards.
    venue = services.venue_add(
        actor=world.director_b, office=world.office_b, name=f"{MARKER}阵地", address=f"{MARKER}路2号", area=80
    )
    return services.venue_check_add(
        actor=world.director_b,
        venue=venue,
        date=_days(5),
        result=codes.CheckResult.RECTIFY,
        checked_by=f"{MARKER}检查组",
        notes=f"{MARKER}整改",
    )


@planter("party.Activity")
def _plant_activity(world):
    from . import services

    return services.activity_record(
        actor=world.director_b,
        branch=_plant_branch(world),
        date=_days(2),
        type=codes.ActivityType.THEME_DAY,
        topic=f"{MARKER}主题党日",
        record=f"{MARKER}记录",
        attendees=[_member(world)],
    )


@planter("party.Violation")
def _plant_violation(world):
    from . import services

    return services.violation_record(
        actor=world.director_b,
        office=world.office_b,
        person=f"{MARKER}某",
        date=_days(10),
        kind=codes.ViolationKind.RULES,
        description=f"{MARKER}违规",
    )
