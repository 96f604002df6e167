import datetime

import pytest
from django.utils import timezone


@pytest.fixture
def point_a(world):
    from fengqiao.legalnet import codes, services

    return services.point_open(
        actor=world.director_a,
        office=world.office_a,
        kind=codes.PointKind.NOTARY,
        partner="江阴市公证处",
        hours="工作日 8:30-17:00",
        address="甲镇人民路1号",
        opened_on=timezone.localdate() - datetime.timedelta(days=100),
    )
