"""The demo's construction-standard data: the 2019 campaign replayed on the demo city (40% by the end
of 2019, every office by the end of 2020, rectifications with a named person and a deadline in
between), values frozen from the seeded records, and a campaign of this year with live work."""

import datetime
import random

from django.apps import apps
from django.db.models import F
from django.utils import timezone

from fengqiao.assessment import codes, demo, selectors
from fengqiao.assessment.models import Assessment, Campaign, Evidence, Experience, ItemResult, RectificationTask
from fengqiao.core.demo import SeedContext
from fengqiao.orgs.models import OrgKind
from fengqiao.testing.factories import make_org

D = datetime.date
J = codes.Judgement


def _check_2019(city):
    campaign = Campaign.objects.get(org=city, name=demo.CAMPAIGN_2019)
    assert campaign.status == codes.CampaignStatus.CLOSED
    assert (campaign.starts_on, campaign.ends_on) == (D(2019, 10, 1), D(2020, 12, 31))
    phases = list(campaign.phases.order_by("number"))
    assert [p.name for p in phases] == ["研究部署", "重点培育", "全面推进", "总结深化"]
    assert [p.target_percent for p in phases if p.target_percent is not None] == [40, 100]
    offices = campaign.offices.count()

    end_2019 = selectors.completion(campaign, D(2019, 12, 31))
    assert end_2019["judged"] == offices and end_2019["percent"] >= 40
    assert selectors.completion(campaign, D(2019, 11, 30))["percent"] < 40
    assert selectors.completion(campaign, D(2020, 12, 31))["percent"] == 100
    series = {p["day"]: p["percent"] for p in selectors.completion_series(campaign)}
    assert series[D(2019, 12, 31)] >= 40 and series[D(2020, 12, 31)] == 100
    assert list(series.values()) == sorted(series.values())  # the line only rises

    assessments = Assessment.objects.filter(campaign=campaign)
    # Every round judged after it was submitted, inside the campaign, on the seeded year's figures.
    assert not assessments.exclude(status=codes.AssessmentStatus.JUDGED).exists()
    assert not assessments.filter(judged_at__lte=F("submitted_at")).exists()
    assert not assessments.filter(submitted_at__lt=timezone.make_aware(datetime.datetime(2019, 10, 1))).exists()
    assert not assessments.filter(judged_at__gte=timezone.make_aware(datetime.datetime(2021, 1, 1))).exists()
    round1 = assessments.filter(round=1)
    assert round1.count() == offices
    assert round1.filter(met=True).count() >= 0.4 * offices
    # The rest rectified and met the standard in round 2, during 2020.
    for a in round1.filter(met=False):
        second = assessments.get(office=a.office, round=2)
        assert second.met and second.judged_at.year == 2020
        tasks = RectificationTask.objects.filter(result__assessment=a)
        assert 1 <= tasks.count() <= 4
        assert not tasks.exclude(status=codes.TaskStatus.CLOSED).exists()
        for task in tasks:
            assert task.closed_at.year == 2020 and task.closed_at < second.created_at
            assert a.judged_at <= task.created_at < task.submitted_at <= task.closed_at
            assert task.evidence.exists() and task.notes.filter(kind=codes.NoteKind.PROGRESS).exists()
    return campaign


def _check_tasks(offices):
    # Every item not met has its rectification: 定人 (a member of the office), 定责, 定时限.
    not_met = ItemResult.objects.filter(office__in=offices, assessment__status=codes.AssessmentStatus.JUDGED).exclude(
        judgement=J.MET
    )
    assert not_met.exists()
    for result in not_met.select_related("assessment"):
        task = RectificationTask.objects.select_related("responsible").get(result=result)
        assert task.responsible is not None and task.responsible.office_id == task.office_id
        assert task.responsibility and task.deadline is not None


def _check_snapshots(offices):
    """The values frozen at judgement, each with the records of the office it counted."""
    rows = []
    judged = ItemResult.objects.filter(office__in=offices, assessment__status=codes.AssessmentStatus.JUDGED)
    for result in judged.select_related("assessment"):
        a = result.assessment
        assert result.snapshot["period"] == [a.period_start.isoformat(), a.period_end.isoformat()]
        rows += [(result, row) for row in result.snapshot["criteria"]]
    assert rows
    assert any(row["value"] is not None for _r, row in rows)
    counted = 0
    for result, row in rows:
        if row.get("record_ids"):
            found = apps.get_model(row["records_model"]).objects.filter(pk__in=row["record_ids"])
            assert found.filter(office_id=result.office_id).count() == len(row["record_ids"])
            counted += 1
    return rows, counted


def _check_current(city, offices):
    today = timezone.localdate()
    campaign = Campaign.objects.filter(org=city, status=codes.CampaignStatus.RUNNING).get()
    assert campaign.starts_on <= today <= campaign.ends_on
    assessments = Assessment.objects.filter(campaign=campaign)
    assert assessments.filter(status=codes.AssessmentStatus.JUDGED).exists()
    assert assessments.filter(period_end=today).count() == assessments.count()
    overdue = RectificationTask.objects.filter(
        result__assessment__campaign=campaign, status=codes.TaskStatus.OPEN, deadline__lt=today
    )
    assert overdue.exists() and overdue.filter(responsible__isnull=False).exists()
    assert overdue.first().notes.filter(kind=codes.NoteKind.REMINDER).exists()
    # The assessors follow what the indicators say wherever they measured something.
    for result in ItemResult.objects.filter(assessment__campaign=campaign, assessment__status="judged"):
        auto = selectors.auto_judgement(result.snapshot["criteria"])
        if auto is not None:
            assert result.judgement == auto
    return campaign


def _city_ctx():
    """The demo city with the work the indicators count (mediation, corrections, resettlement), kept
    small; the other modules' seeders add nothing the standard's indicators read."""
    from fengqiao.accounts import demo as accounts_demo
    from fengqiao.corrections import demo as corrections_demo
    from fengqiao.mediation import demo as mediation_demo
    from fengqiao.orgs import demo as orgs_demo
    from fengqiao.resettlement import demo as resettlement_demo

    ctx = SeedContext(
        scale="city", rng=random.Random(2019), options={"disputes_per_year": 150, "corrections_subjects": 320}
    )
    for module in (orgs_demo, accounts_demo, mediation_demo, corrections_demo, resettlement_demo, demo):
        module.seed(ctx)
    return ctx


def test_demo_city(db):
    ctx = _city_ctx()
    city, offices = ctx.city, ctx.offices
    campaign = _check_2019(city)
    _check_tasks(offices)
    rows, counted = _check_snapshots(offices)
    # Real figures of the seeded work: mediation cases and corrections subjects were counted.
    models = {row.get("records_model") for _r, row in rows if row.get("records_count")}
    assert {"mediation.Dispute"} <= models and counted > 0
    values = [row["value"] for _r, row in rows if row["indicator"] == "mediation.success_rate"]
    assert any(v is not None and v > 0 for v in values)

    # Round 1 of an office that did not meet the standard fails where its indicators do.
    for a in Assessment.objects.filter(campaign=campaign, round=1, met=False):
        failing = [r for r in a.results.all() if selectors.auto_judgement(r.snapshot["criteria"]) == J.NOT_MET]
        assert all(r.judgement == J.NOT_MET for r in failing[:4])

    current = _check_current(city, offices)
    statuses = set(Assessment.objects.filter(campaign=current).values_list("status", flat=True))
    assert statuses == set(codes.AssessmentStatus.values)
    filling = Assessment.objects.filter(campaign=current, status=codes.AssessmentStatus.SELF)
    assert filling.filter(results__self_judgement__in=J.values).exists()

    # Evidence files are there, on the items judged on evidence.
    files = Evidence.objects.filter(result__assessment__campaign=campaign)
    assert files.exists() and not files.filter(result__item__method=codes.Method.AUTOMATIC).exists()
    ev = files.first()
    assert ev.file.storage.exists(ev.file.name) and ev.file.read(5) == b"%PDF-"

    experiences = dict(Experience.objects.filter(office__in=offices).values_list("status", "review_note"))
    E = codes.ExperienceStatus
    assert {E.PUBLISHED, E.RECOMMENDED, E.RETURNED} <= set(experiences)
    assert experiences[E.RETURNED]
    assert Experience.objects.get(status=E.PUBLISHED).published_at.year == 2020


def test_demo_province_style_seeds_only_the_city(world):
    """At province scale the offices of other cities take no part; a city without any seeded work
    still gets its campaigns (the indicators then measure little)."""
    other_city = make_org(OrgKind.CITY, name="他市", office_name="他市司法局", short_name="他市")
    other = make_org(OrgKind.TOWN, other_city, name="丙镇", office_name="丙镇司法所", short_name="丙镇")
    ctx = SeedContext(scale="province", rng=random.Random(3))
    ctx.root, ctx.city = world.city, world.city
    ctx.offices = [world.office_a, world.office_b, other]
    demo.seed(ctx)
    c2019 = Campaign.objects.get(org=world.city, name=demo.CAMPAIGN_2019)
    assert set(c2019.offices.values_list("pk", flat=True)) == {world.office_a.pk, world.office_b.pk}
    assert not Assessment.objects.filter(office=other).exists()
    assert selectors.completion(c2019, D(2019, 12, 31))["percent"] >= 40
    assert selectors.completion(c2019, D(2020, 12, 31))["percent"] == 100
    _check_tasks([world.office_a, world.office_b])
    _check_current(world.city, [world.office_a, world.office_b])
    # Seeding again changes nothing.
    before = Assessment.objects.count()
    demo.seed(ctx)
    assert Assessment.objects.count() == before
