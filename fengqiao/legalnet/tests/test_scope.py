"""Another office's points, people on duty and work logs answer 404 on every page and API
operation and appear in no list; the shared leak matrix restricted to this module."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from fengqiao.legalnet import codes, services
from fengqiao.legalnet.models import ServicePoint, WorkLog
from fengqiao.testing.factories import make_user

TODAY = timezone.localdate()


@pytest.fixture
def b_objects(world):
    from fengqiao.core.permissions import Role

    point = services.point_open(
        actor=world.director_b,
        office=world.office_b,
        kind=codes.PointKind.NOTARY,
        name="乙镇秘密公证点",
        partner="乙镇公证处",
        hours="工作日",
        address="乙镇路1号",
        opened_on=TODAY - datetime.timedelta(days=10),
    )
    staff = services.staff_add(actor=world.director_b, point=point, name="乙镇值班员", since=TODAY)
    advisor = make_user(world.village_b1, Role.LEGAL_ADVISOR, full_name="乙镇顾问", served_villages=[world.village_b1])
    log = services.worklog_add(
        actor=advisor, village=world.village_b1, advisor=advisor, date=TODAY, consultations=1, note="乙镇秘密日志"
    )
    return point, staff, log


def test_another_offices_objects_are_not_found(world, client_for, b_objects):
    point, staff, log = b_objects
    before = (ServicePoint.objects.filter(pk=point.pk).values().get(), WorkLog.objects.filter(pk=log.pk).values().get())
    urls = [
        reverse("legalnet:point", args=[point.pk]),
        reverse("legalnet:point_edit", args=[point.pk]),
        reverse("legalnet:point_staff", args=[point.pk]),
        reverse("legalnet:point_close", args=[point.pk]),
        reverse("legalnet:staff_remove", args=[staff.pk]),
        reverse("legalnet:log", args=[log.pk]),
        reverse("legalnet:log_edit", args=[log.pk]),
    ]
    for user in (world.director_a, world.staff_a, world.advisor_a):
        c = client_for(user)
        for url in urls:
            assert c.get(url).status_code == 404, url
            assert c.post(url, {}).status_code == 404, url
        assert c.get(f"/api/v1/service-network/points/{point.pk}").status_code == 404
        assert c.get(f"/api/v1/service-network/worklogs/{log.pk}").status_code == 404
        r = c.post(f"/api/v1/service-network/points/{point.pk}/close", "{}", content_type="application/json")
        assert r.status_code == 404
    after = (ServicePoint.objects.filter(pk=point.pk).values().get(), WorkLog.objects.filter(pk=log.pk).values().get())
    assert after == before


def test_lists_and_exports_stay_inside_the_office(world, client_for, b_objects):
    c = client_for(world.director_a)
    for name in ("index", "point_export", "gaps", "advisors", "logs", "log_export", "workload", "metrics"):
        response = c.get(reverse(f"legalnet:{name}"), {"q": "乙镇", "status": "all"})
        assert response.status_code == 200, name
        body = b"".join(response.streaming_content) if response.streaming else response.content
        for secret in ("乙镇秘密", "乙镇顾问", "乙镇值班员"):
            assert secret.encode() not in body, name


def test_the_city_and_the_own_office_see_them(world, client_for, b_objects):
    point, _staff, log = b_objects
    for user in (world.city_admin, world.leader, world.director_b, world.staff_b):
        c = client_for(user)
        assert c.get(reverse("legalnet:point", args=[point.pk])).status_code == 200
        assert c.get(reverse("legalnet:log", args=[log.pk])).status_code == 200


def test_leak_matrix_over_the_service_network_routes(world, monkeypatch):
    from fengqiao.api import api
    from fengqiao.testing import leak

    planted, missing = leak.plant_all(world)
    assert not [m for m in missing if "legalnet" in m]
    web, api_viewers = leak.build_viewers(world)
    routes = [r for r in leak.django_routes() if r.route.startswith("service-network/")]
    assert len(routes) >= 15
    monkeypatch.setattr(leak, "django_routes", lambda urlconf=None: routes)
    assert not leak.check_django_routes(web, planted)

    class Only:
        def get_openapi_schema(self):
            schema = api.get_openapi_schema()
            paths = {p: ops for p, ops in schema["paths"].items() if p.startswith("/api/v1/service-network/")}
            assert len(paths) >= 8
            return {**schema, "paths": paths}

    assert not leak.check_api(api_viewers, planted, Only())
