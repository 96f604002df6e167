"""The demo seeder: a year of services per office consistent with what the services would have
written, with the gaps showing in the figures; a cheap province-style run."""

import datetime
import random
import time

from django.db.models import F, Q

from fengqiao.core.demo import SeedContext
from fengqiao.legalservices import codes, demo, selectors
from fengqiao.legalservices.models import Complaint, ServiceEvent, ServiceRecord


def _city_ctx():
    from fengqiao.accounts import demo as accounts_demo
    from fengqiao.orgs import demo as orgs_demo

    ctx = SeedContext(scale="city", rng=random.Random(2019))
    orgs_demo.seed(ctx)
    accounts_demo.seed(ctx)
    return ctx


def test_demo_city(db):
    ctx = _city_ctx()
    started = time.monotonic()
    demo.seed(ctx)
    assert time.monotonic() - started < 30
    today = ctx.now.date()
    services = ServiceRecord.objects.all()
    assert len(ctx.offices) == 16
    per_office = {o.pk: services.filter(office=o).count() for o in ctx.offices}
    assert all(200 <= n <= 400 for n in per_office.values())
    # consistent with the services
    assert not services.exclude(office_id=F("org__office_id")).exists()
    assert not services.filter(Q(received_on__gt=today) | Q(concluded_on__gt=today)).exists()
    assert not services.filter(concluded_on__lt=F("received_on")).exists()
    assert not services.filter(status=codes.Status.OPEN, concluded_on__isnull=False).exists()
    assert not services.filter(status=codes.Status.CONCLUDED, kind=codes.Kind.CONSULTATION, answer="").exists()
    assert not services.filter(status=codes.Status.CONCLUDED, kind=codes.Kind.REFERRAL, outcome="").exists()
    assert not services.filter(status=codes.Status.CONCLUDED, kind=codes.Kind.LEGISLATIVE, forwarded_on=None).exists()
    assert not services.exclude(status=codes.Status.CONCLUDED).exclude(satisfaction="").exists()
    assert not services.filter(status=codes.Status.WITHDRAWN, concluded_on__gt=F("due_on")).exists()
    assert ServiceEvent.objects.filter(step="register").count() == services.count()
    assert not ServiceEvent.objects.exclude(office_id=F("service__office_id")).exists()
    assert services.filter(question__contains="工资").exists()
    # the figures show the gaps
    end, start = today, today - datetime.timedelta(days=364)
    figures = selectors.office_figures(None, start, end)
    city = [figures[o.pk] for o in ctx.offices]
    assert all(f["services_total"] >= 200 for f in city)
    assert all(f["overdue_open"] >= 1 for f in city[1:2])
    on_time = sorted(f["on_time_rate"] for f in city)
    assert on_time[0] < 0.85 < on_time[-1]
    substantiated = [f for f in city if f["complaints_substantiated_2y"]]
    assert 1 <= len(substantiated) <= 2
    assert sum(1 for f in city if f["decision_opinions"] == 0) == 1
    assert all(f["satisfaction_rate"] and f["satisfaction_rate"] > 0.7 for f in city)
    assert all(f["legislative_forwarded"] >= 1 for f in city)
    assert Complaint.objects.filter(status=codes.ComplaintStatus.OPEN).exists()
    assert not Complaint.objects.filter(status="closed", verified_on=None).exists()


def test_demo_province_style_is_cheap(world):
    ctx = SeedContext(scale="province", rng=random.Random(7))
    ctx.offices = [world.office_a, world.office_b]
    ctx.villages_by_office = {world.office_a.pk: [world.village_a1], world.office_b.pk: [world.village_b1]}
    demo.seed(ctx)
    for office in (world.office_a, world.office_b):
        assert 6 <= ServiceRecord.objects.filter(office=office).count() <= 12
    assert not Complaint.objects.exists()
