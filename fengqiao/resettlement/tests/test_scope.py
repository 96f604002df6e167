"""Another office's person answers 404 on every page and API operation, and appears in no list;
the city sees every office, a resettlement worker only their own."""

import pytest
from django.urls import reverse

from fengqiao.core.permissions import Role
from fengqiao.resettlement import views
from fengqiao.resettlement.models import ReleasedPerson
from fengqiao.resettlement.tests.test_services import register
from fengqiao.testing.factories import make_user

PAGES = ["detail", "edit", "reveal_id", *[f"step_{s}" for s in views.STEP_FORMS]]


@pytest.fixture
def person_b(world):
    return register(world, actor=world.director_b, org=world.village_b1, name="乙镇帮教对象")


@pytest.fixture
def worker_a(world):
    return make_user(world.office_a, Role.RESETTLEMENT_WORKER, username="resettle_a")


@pytest.mark.parametrize("name", PAGES)
def test_another_offices_person_is_not_found_on_any_page(world, client_for, person_b, worker_a, name):
    before = ReleasedPerson.objects.filter(pk=person_b.pk).values().get()
    for user in (worker_a, world.director_a):
        c = client_for(user)
        url = reverse(f"resettlement:{name}", args=[person_b.pk])
        assert c.get(url).status_code == 404
        assert c.post(url, {}).status_code == 404
    assert ReleasedPerson.objects.filter(pk=person_b.pk).values().get() == before


def test_another_offices_person_is_not_found_in_the_api(world, client, person_b, worker_a):
    client.force_login(worker_a)
    assert client.get(f"/api/v1/resettlement/persons/{person_b.pk}").status_code == 404
    assert client.get(f"/api/v1/resettlement/persons/{person_b.pk}", {"reveal": 1}).status_code == 404
    r = client.post(f"/api/v1/resettlement/persons/{person_b.pk}/help-records", "{}", content_type="application/json")
    assert r.status_code == 404


def test_lists_exports_and_figures_stay_inside_the_office(world, client_for, person_b, worker_a):
    c = client_for(worker_a)
    for name in ("list", "export", "staffing", "metrics"):
        response = c.get(reverse(f"resettlement:{name}"), {"q": "乙镇", "status": "all"})
        assert response.status_code == 200
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert "乙镇帮教对象".encode() not in body
    assert c.get("/api/v1/resettlement/persons", {"q": "乙镇"}).json()["items"] == []


def test_the_city_and_the_own_office_see_the_person(world, client_for, person_b):
    for user in (world.city_admin, world.leader, world.director_b, world.staff_b):
        assert client_for(user).get(reverse("resettlement:detail", args=[person_b.pk])).status_code == 200


def test_leak_matrix_over_the_resettlement_routes(world, monkeypatch):
    """The shared matrix (fengqiao/testing/leak.py) restricted to this module's pages and API
    operations, so that a failure here points at resettlement."""
    from fengqiao.api import api
    from fengqiao.testing import leak

    planted, missing = leak.plant_all(world)
    assert not [m for m in missing if "resettlement" in m]
    web, api_viewers = leak.build_viewers(world)
    routes = [r for r in leak.django_routes() if r.route.startswith("resettlement/")]
    assert len(routes) >= 10
    monkeypatch.setattr(leak, "django_routes", lambda urlconf=None: routes)
    assert not leak.check_django_routes(web, planted)

    class OnlyResettlement:
        def get_openapi_schema(self):
            schema = api.get_openapi_schema()
            paths = {p: ops for p, ops in schema["paths"].items() if p.startswith("/api/v1/resettlement/")}
            assert len(paths) >= 4
            return {**schema, "paths": paths}

    assert not leak.check_api(api_viewers, planted, OnlyResettlement())
