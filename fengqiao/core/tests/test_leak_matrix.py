"""The leak matrix over every route and API operation (see fengqiao/testing/leak.py)."""

import pytest

from fengqiao.api import api
from fengqiao.testing import leak


@pytest.fixture
def matrix(world):
    planted, missing = leak.plant_all(world)
    web, api_viewers = leak.build_viewers(world)
    return planted, missing, web, api_viewers


def test_every_scoped_model_has_a_planter(matrix):
    _, missing, _, _ = matrix
    assert not missing, "\n".join(missing)


def test_no_route_shows_another_offices_objects(matrix):
    planted, _, viewers, _ = matrix
    routes = leak.django_routes()
    assert any(r.params for r in routes) and any(not r.params for r in routes)
    failures = leak.check_django_routes(viewers, planted)
    assert not failures, "\n".join(failures)


def test_no_api_operation_shows_another_offices_objects(matrix):
    planted, _, _, viewers = matrix
    failures = leak.check_api(viewers, planted, api)
    assert not failures, "\n".join(failures)


def test_planted_objects_are_visible_to_their_own_office(world, client_for):
    """The matrix proves nothing if the planted objects could not be seen by anyone."""
    planted, _ = leak.plant_all(world)
    client = client_for(world.city_admin)
    user = planted["accounts.User"]
    assert leak.MARKER in client.get(f"/users/{user.pk}/").content.decode()
    assert leak.MARKER in client.get(f"/users/?q={leak.QUERY}").content.decode()
    assert client.get(f"/api/v1/users/{user.pk}").status_code == 200
    assert client.get(f"/platform/audit/{planted['core.AuditEvent'].pk}/").status_code == 200


def test_matrix_catches_a_deliberately_unscoped_route(world, settings):
    settings.ROOT_URLCONF = "fengqiao.testing.leaky_urls"
    from django.urls import clear_url_caches

    clear_url_caches()
    try:
        planted, _ = leak.plant_all(world)
        viewers, api_viewers = leak.build_viewers(world)
        failures = leak.check_django_routes(viewers, planted, urlconf="fengqiao.testing.leaky_urls")
        assert any(f.startswith("leaky/users/<id:pk>/") for f in failures), failures
        assert any(f.startswith("leaky/users/?q=") or f.startswith("leaky/users/ [") for f in failures), failures
        assert any(f.startswith("leaky/undeclared/<id:pk>/") and "declares no scoped_model" in f for f in failures), (
            failures
        )
        assert all(f.startswith("leaky/") for f in failures), failures

        from fengqiao.testing.leaky_urls import leaky_api

        api_failures = leak.check_api(api_viewers, planted, leaky_api)
        assert any("/people/{pk}" in f for f in api_failures), api_failures
        assert any("GET /leaky-api/people" in f and "{pk}" not in f for f in api_failures), api_failures
    finally:
        clear_url_caches()
