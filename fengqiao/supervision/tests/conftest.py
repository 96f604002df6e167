"""Shared data for the supervision tests: each office's departments and a recorded activity."""

import datetime

import pytest
from django.utils import timezone

from fengqiao.supervision import codes, services


def department(world, name="综合行政执法局", office=None, kind=codes.DepartmentKind.COMPREHENSIVE, actor=None):
    office = office or world.office_a
    actor = actor or (world.director_a if office == world.office_a else world.director_b)
    return services.department_create(actor=actor, office=office, name=name, kind=kind)


def activity(world, actor=None, **overrides):
    today = timezone.localdate()
    data = {
        "actor": actor or world.staff_a,
        "office": world.office_a,
        "kind": codes.ActivityKind.CASE_REVIEW,
        "title": "第三季度行政处罚案卷评查",
        "date": today - datetime.timedelta(days=30),
        "participants": "王所长、李干事",
        "summary": "抽查行政处罚案卷，总体规范。",
        "files_reviewed": 15,
    }
    data.update(overrides)
    if "departments" not in data:
        data["departments"] = list(
            services.Department.objects.filter(office=data["office"], is_active=True).order_by("pk")[:1]
        )
    return services.activity_record(**data)


@pytest.fixture
def depts(world):
    return {
        "law": department(world),
        "market": department(world, "市场监督管理分局", kind=codes.DepartmentKind.MARKET),
        "police": department(world, "派出所", kind=codes.DepartmentKind.POLICE),
        "b": department(world, "乙镇综合行政执法局", office=world.office_b),
    }
