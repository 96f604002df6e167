"""Another office's records answer 404 on every page and API operation of the module and appear in
no list; the shared leak matrix restricted to this module's routes."""

import pytest
from django.urls import reverse

from fengqiao.legalservices import views
from fengqiao.legalservices.models import Complaint, ServiceRecord
from fengqiao.legalservices.tests.test_services import complain, consult

PAGES = ["detail", *[f"step_{s}" for s in views.STEP_FORMS]]


@pytest.fixture
def service_b(world):
    return consult(world, actor=world.director_b, office=world.office_b, village=world.village_b1, person_name="乙镇人")


@pytest.mark.parametrize("name", PAGES)
def test_another_offices_service_is_not_found(world, client_for, service_b, name):
    before = ServiceRecord.objects.filter(pk=service_b.pk).values().get()
    for user in (world.director_a, world.advisor_a):
        c = client_for(user)
        url = reverse(f"legalservices:{name}", args=[service_b.pk])
        assert c.get(url).status_code == 404
        assert c.post(url, {}).status_code == 404
    assert ServiceRecord.objects.filter(pk=service_b.pk).values().get() == before


def test_another_offices_complaint_is_not_found(world, client_for, service_b):
    c_b = complain(world, actor=world.director_b, office=world.office_b, service=service_b, complainant="乙投诉")
    c = client_for(world.director_a)
    for name in ("complaint_detail", "complaint_close"):
        assert c.get(reverse(f"legalservices:{name}", args=[c_b.pk])).status_code == 404
        assert c.post(reverse(f"legalservices:{name}", args=[c_b.pk]), {}).status_code == 404
    assert Complaint.objects.get(pk=c_b.pk).is_open


def test_an_advisor_sees_only_the_villages_served(world, client_for, service_b):
    at_office = consult(world, village=None, person_name="所本部")
    served = consult(world, village=world.village_a2, person_name="甲二村")
    c = client_for(world.advisor_a)
    names = {s.person_name for s in c.get(reverse("legalservices:index")).context["page"].items}
    assert names == {"甲二村"}
    assert c.get(reverse("legalservices:detail", args=[at_office.pk])).status_code == 404
    assert c.get(reverse("legalservices:detail", args=[served.pk])).status_code == 200


def test_leak_matrix_over_the_legal_services_routes(world, monkeypatch):
    from fengqiao.api import api
    from fengqiao.testing import leak

    planted, missing = leak.plant_all(world)
    assert not [m for m in missing if "legalservices" in m]
    web, api_viewers = leak.build_viewers(world)
    routes = [r for r in leak.django_routes() if r.route.startswith("legal-services/")]
    assert len(routes) >= 13
    monkeypatch.setattr(leak, "django_routes", lambda urlconf=None: routes)
    assert not leak.check_django_routes(web, planted)

    class Only:
        def get_openapi_schema(self):
            schema = api.get_openapi_schema()
            paths = {p: ops for p, ops in schema["paths"].items() if p.startswith("/api/v1/legal-services/")}
            assert len(paths) >= 10
            return {**schema, "paths": paths}

    assert not leak.check_api(api_viewers, planted, Only())
