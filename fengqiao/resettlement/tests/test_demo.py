"""The demo seeder: a city's released persons consistent with what the services would have written,
and a cheap province-style run that creates the missing workers."""

import random

from django.db.models import Count, F, Max, Q
from django.utils import timezone

from fengqiao.core.demo import SeedContext
from fengqiao.resettlement import codes, demo, selectors
from fengqiao.resettlement.models import HelpRecord, LevelChange, ReleasedPerson


def _city_ctx():
    from fengqiao.accounts import demo as accounts_demo
    from fengqiao.orgs import demo as orgs_demo

    ctx = SeedContext(scale="city", rng=random.Random(2019))
    orgs_demo.seed(ctx)
    accounts_demo.seed(ctx)
    return ctx


def test_demo_city(db):
    ctx = _city_ctx()
    demo.seed(ctx)
    persons = ReleasedPerson.objects.all()
    total = persons.count()
    assert 250 <= total <= 500
    active = persons.filter(status=codes.Status.ACTIVE)
    share_key = active.filter(level=codes.Level.KEY).count() / active.count()
    assert 0.1 <= share_key <= 0.3
    assert (
        persons.filter(status=codes.Status.ENDED).exclude(end_reason="").count()
        == persons.filter(status=codes.Status.ENDED).count()
    )
    assert not persons.filter(status=codes.Status.ACTIVE, ended_on__isnull=False).exists()
    assert not persons.filter(handover_on__lt=F("released_on")).exists()
    assert not persons.filter(
        Q(released_on__gt=timezone.localdate()) | Q(handover_on__gt=timezone.localdate())
    ).exists()
    assert not persons.exclude(office_id=F("org__office_id")).exists()
    # every person has an assessment at the handover, and the level of the latest change
    assert LevelChange.objects.filter(from_level="").count() == total
    for p in persons.order_by("?")[:40]:
        latest = LevelChange.objects.filter(person=p).order_by("-date", "-id").first()
        assert latest.to_level == p.level
        contacts = HelpRecord.objects.filter(person=p, kind__in=codes.CONTACT_KINDS).aggregate(m=Max("date"))["m"]
        assert p.last_contact_on == contacts
    assert not HelpRecord.objects.filter(date__lt=F("person__released_on")).exists()
    assert not HelpRecord.objects.exclude(office_id=F("person__office_id")).exists()
    # every office has its worker; one is short of workers and its worker overloaded
    admin = ctx.city.members.get(username="admin")
    staffing = selectors.staffing_by_office(admin)
    assert len(staffing["offices"]) == 16 and all(r["worker_count"] >= 1 for r in staffing["offices"])
    assert staffing["totals"]["shortfall"] >= 1 and staffing["totals"]["overloaded"] >= 1
    # some due for contact, some expired waiting to be ended, ended ones of every reason
    counts = selectors.counts(admin)
    assert 0 < counts["due"] < counts["active"] and counts["expired"] >= 1
    reasons = set(persons.filter(status=codes.Status.ENDED).values_list("end_reason", flat=True))
    assert codes.EndReason.EXPIRED in reasons and len(reasons) >= 3
    # realistic prisons and offences
    assert persons.filter(prison="江苏省无锡监狱").exists() and persons.filter(offence="盗窃罪").exists()
    by_office = persons.values("office_id").annotate(n=Count("id"))
    assert max(r["n"] for r in by_office) > 50


def test_demo_province_style_creates_missing_workers(world):
    ctx = SeedContext(scale="province", rng=random.Random(7))
    ctx.offices = [world.office_a, world.office_b]
    ctx.villages_by_office = {world.office_a.pk: [world.village_a1], world.office_b.pk: [world.village_b1]}
    demo.seed(ctx)
    for office in (world.office_a, world.office_b):
        workers = list(selectors.workers_of_office(office.pk))
        assert len(workers) == 1 and workers[0].username == f"o{office.pk}.resettlement1"
        assert 5 <= ReleasedPerson.objects.filter(office=office).count() <= 11
    assert not ReleasedPerson.objects.filter(worker__isnull=True).exists()
