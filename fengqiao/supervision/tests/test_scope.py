"""Another office's supervision records answer 404 on every page and API operation and appear in
no list; the shared leak matrix restricted to this module's routes."""

import pytest
from django.urls import reverse

from fengqiao.supervision.models import Activity


@pytest.fixture
def planted(world):
    from fengqiao.core.scoping import SCOPED_MODELS
    from fengqiao.supervision import testing  # noqa: F401 - registers the planters
    from fengqiao.testing import leak

    labels = [label for label in SCOPED_MODELS if label.startswith("supervision.")]
    assert len(labels) == 5 and all(label in leak.PLANTERS for label in labels)
    return {label: leak.PLANTERS[label](world) for label in labels}


def test_leak_matrix_over_the_supervision_routes(world, planted, monkeypatch):
    """The shared matrix (fengqiao/testing/leak.py) over this module's pages and API operations
    only, so that it runs while sibling modules are still being built."""
    from fengqiao.api import api
    from fengqiao.testing import leak

    web, api_viewers = leak.build_viewers(world)
    routes = [r for r in leak.django_routes() if r.route.startswith("supervision/")]
    assert len(routes) >= 18
    monkeypatch.setattr(leak, "django_routes", lambda urlconf=None: routes)
    assert not leak.check_django_routes(web, planted)

    class OnlySupervision:
        def get_openapi_schema(self):
            schema = api.get_openapi_schema()
            paths = {p: ops for p, ops in schema["paths"].items() if p.startswith("/api/v1/supervision/")}
            assert len(paths) >= 10
            return {**schema, "paths": paths}

    assert not leak.check_api(api_viewers, planted, OnlySupervision())


def test_the_own_office_and_the_city_see_the_planted_records(world, planted, client_for):
    from fengqiao.testing.leak import MARKER, QUERY

    act = planted["supervision.Activity"]
    for user in (world.director_b, world.city_admin):
        c = client_for(user)
        assert c.get(reverse("supervision:activity", args=[act.pk])).status_code == 200
        assert MARKER in c.get(reverse("supervision:index"), {"q": QUERY}).content.decode()
        assert c.get(reverse("supervision:problem", args=[planted["supervision.Problem"].pk])).status_code == 200
    assert Activity.objects.visible_to(world.staff_a).count() == 0
