"""Another office's station, staff, activity and village answer 404 on every page and API
operation and appear in no list; the leak matrix restricted to this module's routes."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from fengqiao.core.permissions import Role
from fengqiao.education import codes, services
from fengqiao.education.models import Activity
from fengqiao.testing.factories import make_user


@pytest.fixture
def b_records(world):
    today = timezone.localdate()
    station = services.station_set_up(
        actor=world.director_b,
        office=world.office_b,
        name="乙镇法治宣传教育辅导站",
        address="乙镇1号",
        set_up_on=today - datetime.timedelta(days=100),
    )
    staff = services.staff_add(
        actor=world.director_b,
        station=station,
        name="乙专职",
        employment=codes.Employment.FULL_TIME,
        start_on=today - datetime.timedelta(days=10),
    )
    activity = services.activity_record(
        actor=world.director_b,
        org=world.village_b1,
        topic="乙镇普法讲座",
        form=codes.Form.LECTURE,
        venue="乙一村会堂",
        date=today,
        audience=codes.Audience.VILLAGERS,
        reached=40,
    )
    village = services.village_nominate(
        actor=world.director_b, org=world.village_b1, target_level=codes.Level.COUNTY, nominated_on=today
    )
    return {"station": station, "staff": staff, "activity": activity, "village": village}


@pytest.fixture
def officer_a(world):
    return make_user(world.office_a, Role.EDUCATION_OFFICER, username="edu_a")


PAGES = {
    "activity": ["detail", "edit", "photo"],
    "station": ["station", "station_edit", "staff_add"],
    "staff": ["staff_end"],
    "village": ["village", "village_designate", "village_review", "village_withdraw", "village_renominate"],
}


def test_another_offices_records_are_not_found_on_any_page(world, client_for, b_records, officer_a):
    before = Activity.objects.filter(pk=b_records["activity"].pk).values().get()
    for user in (officer_a, world.director_a, world.advisor_a):
        c = client_for(user)
        for key, names in PAGES.items():
            for name in names:
                url = reverse(f"education:{name}", args=[b_records[key].pk])
                assert c.get(url).status_code in (403, 404), url
                assert c.post(url, {}).status_code in (403, 404), url
    assert Activity.objects.filter(pk=b_records["activity"].pk).values().get() == before


def test_another_offices_records_are_not_found_in_the_api(world, client, b_records, officer_a):
    client.force_login(officer_a)
    base = "/api/v1/education"
    assert client.get(f"{base}/activities/{b_records['activity'].pk}").status_code == 404
    assert client.get(f"{base}/stations/{b_records['station'].pk}").status_code == 404
    assert client.get(f"{base}/villages/{b_records['village'].pk}").status_code == 404
    r = client.post(f"{base}/villages/{b_records['village'].pk}/designate", "{}", content_type="application/json")
    assert r.status_code == 404
    r = client.post(f"{base}/staff/{b_records['staff'].pk}/end", "{}", content_type="application/json")
    assert r.status_code == 404


def test_lists_exports_and_figures_stay_inside_the_office(world, client_for, b_records, officer_a):
    c = client_for(officer_a)
    for name in ("index", "export", "stations", "villages", "metrics"):
        response = c.get(reverse(f"education:{name}"))
        assert response.status_code == 200
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert "乙镇普法讲座".encode() not in body and "乙一村".encode() not in body
        assert "乙镇法治宣传教育辅导站".encode() not in body
    assert c.get("/api/v1/education/activities").json()["items"] == []
    assert c.get("/api/v1/education/villages").json()["items"] == []
    assert c.get("/api/v1/education/stations").json()["items"] == []


def test_the_city_and_the_own_office_see_the_records(world, client_for, b_records):
    for user in (world.city_admin, world.leader, world.director_b, world.staff_b):
        c = client_for(user)
        assert c.get(reverse("education:detail", args=[b_records["activity"].pk])).status_code == 200
        assert c.get(reverse("education:village", args=[b_records["village"].pk])).status_code == 200
        assert c.get(reverse("education:station", args=[b_records["station"].pk])).status_code == 200


def test_leak_matrix_over_the_education_routes(world, monkeypatch):
    from fengqiao.api import api
    from fengqiao.testing import leak

    planted, missing = leak.plant_all(world)
    assert not [m for m in missing if "education" in m]
    web, api_viewers = leak.build_viewers(world)
    routes = [r for r in leak.django_routes() if r.route.startswith("education/")]
    assert len(routes) >= 18
    monkeypatch.setattr(leak, "django_routes", lambda urlconf=None: routes)
    assert not leak.check_django_routes(web, planted)

    class OnlyEducation:
        def get_openapi_schema(self):
            schema = api.get_openapi_schema()
            paths = {p: ops for p, ops in schema["paths"].items() if p.startswith("/api/v1/education/")}
            assert len(paths) >= 10
            return {**schema, "paths": paths}

    assert not leak.check_api(api_viewers, planted, OnlyEducation())
