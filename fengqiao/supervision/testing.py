"""Leak-matrix planters for law-enforcement supervision: one object of each scoped model in office B."""

import datetime

from django.utils import timezone

from fengqiao.testing.leak import MARKER, planter

from . import codes


def _department(world):
    from .models import Department

    found = Department.objects.filter(office=world.office_b, name=f"{MARKER}执法局").first()
    return found or _plant_department(world)


def _activity(world):
    from .models import Activity

    found = Activity.objects.filter(office=world.office_b, title=f"{MARKER}案卷评查").first()
    return found or _plant_activity(world)


def _problem(world):
    from .models import Problem

    found = Problem.objects.filter(office=world.office_b, description=f"{MARKER}程序问题").first()
    return found or _plant_problem(world)


@planter("supervision.Department")
def _plant_department(world):
    from . import services

    return services.department_create(
        actor=world.director_b,
        office=world.office_b,
        name=f"{MARKER}执法局",
        kind=codes.DepartmentKind.COMPREHENSIVE,
        contact=f"{MARKER}联系人",
    )


@planter("supervision.Activity")
def _plant_activity(world):
    from . import services

    return services.activity_record(
        actor=world.director_b,
        office=world.office_b,
        kind=codes.ActivityKind.CASE_REVIEW,
        title=f"{MARKER}案卷评查",
        date=timezone.localdate() - datetime.timedelta(days=20),
        departments=[_department(world)],
        participants=f"{MARKER}所长",
        summary=f"{MARKER}评查小结",
        files_reviewed=12,
    )


@planter("supervision.Problem")
def _plant_problem(world):
    from . import services

    today = timezone.localdate()
    return services.problem_record(
        actor=world.director_b,
        activity=_activity(world),
        department=_department(world),
        category=codes.ProblemCategory.PROCEDURE,
        description=f"{MARKER}程序问题",
        found_on=today - datetime.timedelta(days=20),
        deadline=today - datetime.timedelta(days=2),
        requirement=f"{MARKER}整改要求",
    )


@planter("supervision.ProblemEvent")
def _plant_problem_event(world):
    from .models import ProblemEvent

    return ProblemEvent.objects.filter(problem=_problem(world)).order_by("id").first()


@planter("supervision.EnforcementDispute")
def _plant_dispute(world):
    from . import services

    return services.dispute_record(
        actor=world.director_b,
        office=world.office_b,
        subject=f"{MARKER}管辖争议",
        description=f"{MARKER}争议情况",
        received_on=timezone.localdate() - datetime.timedelta(days=5),
        departments=[_department(world)],
        parties=f"{MARKER}公司",
    )
