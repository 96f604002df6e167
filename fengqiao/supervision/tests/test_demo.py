"""The demo seeder: a year of supervision for every office of the demo city, consistent with what
the services would write, with two offices that did almost none (the gap shows in the figures)."""

import datetime
import random
import time

from django.db.models import Count, F, Q

from fengqiao.core.demo import SeedContext
from fengqiao.supervision import codes, demo, selectors
from fengqiao.supervision.models import Activity, Department, EnforcementDispute, Problem, ProblemEvent


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
    assert time.monotonic() - started < 15
    today = ctx.now.date()
    offices = [o.pk for o in ctx.offices]
    assert len(offices) == 16
    per_office = dict(Activity.objects.values_list("office_id").annotate(n=Count("id")))
    busy = [n for n in per_office.values() if n >= 12]
    assert len(busy) >= 14 and max(per_office.values()) <= 24
    # every row belongs to the office of its org, every department an activity names is its office's
    for model in (Department, Activity, Problem, ProblemEvent, EnforcementDispute):
        assert not model.objects.exclude(office_id=F("org__office_id")).exists(), model
    assert not Activity.departments.through.objects.exclude(department__office_id=F("activity__office_id")).exists()
    assert not Problem.objects.exclude(department__office_id=F("office_id")).exists()
    # the state machine's invariants
    problems = Problem.objects.all()
    assert problems.count() > 200
    assert not problems.filter(deadline__lt=F("found_on")).exists()
    assert not problems.filter(found_on__lt=F("activity__date")).exists()
    assert not problems.filter(Q(found_on__gt=today) | Q(rectified_on__gt=today) | Q(verified_on__gt=today)).exists()
    assert not problems.filter(status=codes.ProblemStatus.RECTIFYING, deadline__isnull=True).exists()
    assert not problems.filter(status=codes.ProblemStatus.VERIFIED, verified_on__isnull=True).exists()
    assert not problems.filter(status__in=codes.OPEN_PROBLEM_STATUSES, rectified_on__isnull=False).exists()
    assert not problems.filter(verified_on__lt=F("rectified_on")).exists()
    assert ProblemEvent.objects.filter(step=codes.ProblemStep.FOUND).count() == problems.count()
    for p in problems.order_by("?")[:30]:
        last = ProblemEvent.objects.filter(problem=p).order_by("-date", "-id").first()
        assert last.to_status == p.status, p
    statuses = set(problems.values_list("status", flat=True))
    assert statuses == set(codes.ProblemStatus.values)
    assert problems.filter(selectors.overdue_q(today)).count() >= 5
    # disputes: some coordinated, each with its result
    disputes = EnforcementDispute.objects.all()
    assert disputes.filter(status=codes.DisputeStatus.CLOSED).count() >= 5
    assert not disputes.filter(status=codes.DisputeStatus.CLOSED, result="").exists()
    assert not disputes.filter(concluded_on__lt=F("received_on")).exists()
    # the figures show the gap: two offices with (almost) no supervision, every other with a joint one
    figures = selectors.office_figures(offices, today - datetime.timedelta(days=364), today)
    quiet = [pk for pk, f in figures.items() if f["activities"] <= 1]
    assert len(quiet) == 2
    assert all(f["activities_joint"] >= 1 for pk, f in figures.items() if pk not in quiet)
    rates = [f["rectified_on_time_rate"] for pk, f in figures.items() if pk not in quiet]
    assert all(r is not None for r in rates), rates
    assert 0.5 < sum(rates) / len(rates) < 0.95, rates
    assert sum(f["overdue_open"] for f in figures.values()) >= 5
    assert sum(f["disputes_coordinated"] for f in figures.values()) >= 5
    assert Department.objects.filter(name__endswith="综合行政执法局").count() == 16


def test_demo_province_style_is_cheap(world):
    ctx = SeedContext(scale="province", rng=random.Random(7))
    ctx.offices = [world.office_a, world.office_b]
    demo.seed(ctx)
    for office in (world.office_a, world.office_b):
        assert Department.objects.filter(office=office).count() == 4
        assert 2 <= Activity.objects.filter(office=office).count() <= 5
    assert not EnforcementDispute.objects.exists()
