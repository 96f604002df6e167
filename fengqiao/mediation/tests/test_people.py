"""Committees and mediators managed in the platform: setting up, editing, trainings, designations."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fengqiao.core import audit
from fengqiao.core.errors import Conflict, DomainError, Forbidden
from fengqiao.mediation import services
from fengqiao.mediation.models import Committee, Designation, Mediator, MediatorTraining

TODAY = timezone.localdate()


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_committee_type_must_fit_the_unit(world):
    with pytest.raises(DomainError) as exc:
        services.committee_create(actor=world.director_a, org=world.office_a, name="x", committee_type="village")
    assert exc.value.field == "org"
    c = services.committee_create(
        actor=world.director_a, org=world.village_a1, name="甲一村人民调解委员会", committee_type="village"
    )
    assert c.office_id == world.office_a.pk
    with pytest.raises(DomainError) as exc:
        services.committee_create(
            actor=world.director_a, org=world.village_a1, name="甲一村人民调解委员会", committee_type="village"
        )
    assert exc.value.code == "duplicate"
    with pytest.raises(Forbidden):
        services.committee_create(actor=world.director_b, org=world.village_a1, name="y", committee_type="village")


def test_committee_with_open_cases_cannot_be_deactivated(world):
    from fengqiao.mediation.tests.test_services import register

    c = services.committee_create(actor=world.director_a, org=world.office_a, name="甲镇调委会", committee_type="town")
    register(world, committee=c)
    with pytest.raises(DomainError) as exc:
        services.committee_update(
            actor=world.director_a, committee=c, name=c.name, committee_type="town", is_active=False
        )
    assert exc.value.field == "is_active"


def test_mediator_edit_refuses_a_stale_form(world):
    c = services.committee_create(actor=world.director_a, org=world.office_a, name="甲镇调委会", committee_type="town")
    m = services.mediator_create(actor=world.director_a, org=world.office_a, full_name="王调解", committees=[c])
    version = audit.version_of(m)
    services.mediator_update(
        actor=world.director_a, mediator=m, full_name="王调解", full_time=True, committees=[c], version=version
    )
    with pytest.raises(Conflict):
        services.mediator_update(
            actor=world.staff_a, mediator=m, full_name="王二", full_time=False, committees=[c], version=version
        )
    m.refresh_from_db()
    assert m.full_name == "王调解" and m.full_time
    with pytest.raises(DomainError) as exc:
        services.mediator_create(actor=world.director_a, org=world.office_a, full_name="李", phone="12345")
    assert exc.value.field == "phone"


def test_training_and_designations(world):
    c = services.committee_create(actor=world.director_a, org=world.office_a, name="甲镇调委会", committee_type="town")
    m = services.mediator_create(actor=world.director_a, org=world.office_a, full_name="王调解", committees=[c])
    services.training_add(actor=world.staff_a, mediator=m, held_on=TODAY, title="人民调解业务培训", hours="6")
    with pytest.raises(DomainError) as exc:
        services.training_add(actor=world.staff_a, mediator=m, held_on=TODAY, title="x", hours="0")
    assert exc.value.field == "hours"
    services.designation_add(actor=world.director_a, kind="mediator", level="city", year=TODAY.year, mediator=m)
    services.designation_add(
        actor=world.director_a,
        kind="studio",
        level="province",
        year=TODAY.year - 1,
        committee=c,
        studio_name="老王调解工作室",
    )
    with pytest.raises(DomainError) as exc:
        services.designation_add(actor=world.director_a, kind="mediator", level="city", year=TODAY.year, mediator=m)
    assert exc.value.code == "duplicate"
    with pytest.raises(DomainError):
        services.designation_add(actor=world.director_a, kind="studio", level="city", year=TODAY.year, committee=c)
    with pytest.raises(DomainError):
        services.designation_add(actor=world.director_a, kind="mediator", level="city", year=TODAY.year + 1, mediator=m)
    with pytest.raises(Forbidden):
        services.designation_add(actor=world.director_b, kind="mediator", level="county", year=TODAY.year, mediator=m)
    assert Designation.objects.count() == 2 and MediatorTraining.objects.count() == 1


def test_pages_set_up_a_committee_and_a_mediator(world):
    c = signed_in(world.director_a)
    r = c.post(
        reverse("mediation:committee_new"),
        {"org": world.office_a.pk, "name": "甲镇人民调解委员会", "committee_type": "town"},
    )
    assert r.status_code == 302
    committee = Committee.objects.get()
    r = c.post(
        reverse("mediation:mediator_new"),
        {
            "org": world.office_a.pk,
            "full_name": "王调解",
            "full_time": "on",
            "committees": [committee.pk],
            "phone": "13812345678",
        },
    )
    assert r.status_code == 302
    mediator = Mediator.objects.get()
    assert list(mediator.committees.all()) == [committee]
    page = c.get(reverse("mediation:mediator", args=[mediator.pk]))
    assert page.status_code == 200 and "138****5678" in page.content.decode()
    r = c.post(
        reverse("mediation:training_add", args=[mediator.pk]),
        {"held_on": TODAY.isoformat(), "title": "培训", "hours": "4"},
    )
    assert r.status_code == 302 and mediator.trainings.count() == 1
    bad = c.post(
        reverse("mediation:training_add", args=[mediator.pk]), {"held_on": "2999-01-01", "title": "培训", "hours": "4"}
    )
    assert bad.status_code == 400 and mediator.trainings.count() == 1
    edit = c.get(reverse("mediation:mediator_edit", args=[mediator.pk]))
    version = edit.context["form"].initial["version"]
    r = c.post(
        reverse("mediation:mediator_edit", args=[mediator.pk]),
        {"full_name": "王调解", "committees": [committee.pk], "is_active": "on", "version": version},
    )
    assert r.status_code == 302
    mediator.refresh_from_db()
    assert not mediator.full_time
    # the stale form is refused and the change kept
    r = c.post(
        reverse("mediation:mediator_edit", args=[mediator.pk]),
        {"full_name": "王二", "committees": [committee.pk], "is_active": "on", "version": version},
    )
    assert r.status_code == 400
    mediator.refresh_from_db()
    assert mediator.full_name == "王调解"
    listing = c.get(reverse("mediation:mediators"))
    assert "王调解" in listing.content.decode()
    assert "王调解" not in signed_in(world.director_b).get(reverse("mediation:mediators")).content.decode()
    r = c.post(
        reverse("mediation:designation_new"),
        {"kind": "mediator", "level": "county", "year": TODAY.year, "mediator": mediator.pk},
    )
    assert r.status_code == 302
    assert "王调解" in c.get(reverse("mediation:designations")).content.decode()
    assert c.get(reverse("mediation:committee_edit", args=[committee.pk])).status_code == 200
    assert signed_in(world.director_b).get(reverse("mediation:committee_edit", args=[committee.pk])).status_code == 404


def test_staffing_summed_per_office(world):
    from fengqiao.mediation import selectors

    a = services.committee_create(actor=world.director_a, org=world.office_a, name="甲镇调委会", committee_type="town")
    services.committee_create(actor=world.director_b, org=world.office_b, name="乙镇调委会", committee_type="town")
    for name in ("甲", "乙", "丙"):  # more than the norm of 2 counts as 2
        services.mediator_create(
            actor=world.director_a, org=world.office_a, full_name=name, full_time=True, committees=[a]
        )
    rows = {r["office"].pk: r for r in selectors.staffing_by_office(selectors.committee_staffing(world.city_admin))}
    assert rows[world.office_a.pk] | {"office": None} == {
        "office": None,
        "committees": 1,
        "short": 0,
        "full_time": 2,
        "required": 2,
    }
    assert rows[world.office_b.pk]["short"] == 1
    page = signed_in(world.city_admin).get(reverse("mediation:committees"), {"short": "1"})
    assert [c.name for c in page.context["committees"]] == ["乙镇调委会"]
    assert page.context["norm_count"] == 2 and page.context["short_count"] == 1


def test_deactivated_committee_can_be_reactivated(world):
    c = services.committee_create(actor=world.director_a, org=world.office_a, name="甲镇调委会", committee_type="town")
    services.committee_update(actor=world.director_a, committee=c, name=c.name, committee_type="town", is_active=False)
    client = signed_in(world.director_a)
    page = client.get(reverse("mediation:committees"))
    assert [x.pk for x in page.context["deactivated"]] == [c.pk]
    edit = client.get(reverse("mediation:committee_edit", args=[c.pk]))
    version = edit.context["form"].initial["version"]
    r = client.post(
        reverse("mediation:committee_edit", args=[c.pk]),
        {"name": c.name, "committee_type": "town", "is_active": "on", "version": version},
    )
    assert r.status_code == 302
    c.refresh_from_db()
    assert c.is_active
