"""The campaign end to end: self-assessment, inspection, frozen results, rectification with a named
person, responsibility and deadline, re-assessment and the completion line; and every refusal
changes nothing."""

import datetime

import pytest
from django.utils import timezone

from fengqiao.assessment import codes, selectors, services
from fengqiao.assessment.models import Assessment, Campaign, ItemResult, RectificationTask, StandardItem
from fengqiao.assessment.testing import (
    assessment_of,
    fill_and_submit,
    judge_all,
    make_campaign,
    phases_2019,
    shipped_standard,
    upload,
)
from fengqiao.core.errors import DomainError, Forbidden
from fengqiao.mediation.tests.test_metrics import conclude

TODAY = timezone.localdate()


def test_campaign_with_the_2019_phases(world):
    campaign = make_campaign(
        world, start=False, starts_on=datetime.date(2019, 10, 1), ends_on=datetime.date(2020, 12, 31),
        phases=phases_2019(),
    )  # fmt: skip
    assert [p.name for p in campaign.phases.all()] == ["研究部署", "重点培育", "全面推进", "总结深化"]
    assert set(campaign.offices.all()) == {world.office_a, world.office_b}
    assert not Assessment.objects.filter(campaign=campaign).exists()
    services.campaign_start(actor=world.city_admin, campaign=campaign)
    assert Assessment.objects.filter(campaign=campaign).count() == 2
    assert ItemResult.objects.filter(assessment__campaign=campaign).count() == 34
    with pytest.raises(DomainError):
        services.campaign_start(actor=world.city_admin, campaign=campaign)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"phases": [{"name": "甲", "starts_on": datetime.date(2019, 9, 1), "ends_on": datetime.date(2019, 10, 5)}]},
         "phases"),
        ({"phases": [{"name": "甲", "starts_on": datetime.date(2019, 10, 9), "ends_on": datetime.date(2019, 10, 5)}]},
         "phases"),
        ({"phases": [{**p, "target_percent": 100 - (p.get("target_percent") or 0)} for p in phases_2019()]}, "phases"),
        ({"ends_on": datetime.date(2019, 9, 1)}, "ends_on"),
        ({"rule": "most"}, "rule"),
        ({"name": " "}, "name"),
    ],
)  # fmt: skip
def test_campaign_refusals_change_nothing(world, change, field):
    data = {
        "name": "创建",
        "standard": shipped_standard(),
        "starts_on": datetime.date(2019, 10, 1),
        "ends_on": datetime.date(2020, 12, 31),
        "phases": phases_2019(),
    } | change
    with pytest.raises(DomainError) as err:
        services.campaign_create(actor=world.city_admin, org=world.city, **data)
    assert err.value.field == field
    assert not Campaign.objects.exists()


def test_only_a_bureau_runs_a_campaign(world):
    with pytest.raises(DomainError):
        services.campaign_create(
            actor=world.director_a, org=world.office_a, name="甲", standard=shipped_standard(),
            starts_on=TODAY, ends_on=TODAY,
        )  # fmt: skip
    with pytest.raises(Forbidden):
        services.campaign_create(
            actor=world.leader, org=world.city, name="甲", standard=shipped_standard(), starts_on=TODAY, ends_on=TODAY
        )


def test_full_round_freezes_and_opens_rectification(world):
    campaign = make_campaign(world)
    # Office A's mediation this year: 3 of 4 succeeded (75%, below the 98% of item 8).
    for outcome in ("succeeded", "succeeded", "succeeded", "failed"):
        conclude(world, outcome)
    fill_and_submit(world, campaign, world.office_a, world.director_a)
    assessment = assessment_of(campaign, world.office_a)
    live = {c["item"].number: c for c in selectors.scorecard(assessment)}
    (rate,) = [c for c in live[8]["criteria"] if c["indicator"] == "mediation.success_rate"]
    assert rate["value"] == 75.0 and rate["met"] is False and live[8]["auto"] == codes.Judgement.NOT_MET

    # The office cannot judge itself; the assessor can.
    with pytest.raises(Forbidden):
        services.result_judge(
            actor=world.director_a, assessment=assessment, item=live[8]["item"], judgement=codes.Judgement.MET
        )
    with pytest.raises(DomainError):  # not fully met needs a reason
        services.result_judge(
            actor=world.assessor, assessment=assessment, item=live[8]["item"], judgement=codes.Judgement.NOT_MET
        )
    assessment = judge_all(world, assessment, except_items=(8,))
    assert assessment.status == codes.AssessmentStatus.JUDGED and assessment.met is False

    frozen = {c["item"].number: c for c in selectors.scorecard(assessment)}
    (rate,) = [c for c in frozen[8]["criteria"] if c["indicator"] == "mediation.success_rate"]
    assert rate["value"] == 75.0 and rate["records_count"] == 4 and len(rate["record_ids"]) == 4
    assert frozen[1]["frozen_evidence"][0]["name"] == "证明材料.pdf"

    # Later data never rewrite the judged round.
    for _ in range(20):
        conclude(world, "succeeded")
    again = {c["item"].number: c for c in selectors.scorecard(Assessment.objects.get(pk=assessment.pk))}
    assert next(c for c in again[8]["criteria"] if c["indicator"] == "mediation.success_rate")["value"] == 75.0

    (task,) = RectificationTask.objects.filter(result__assessment=assessment)
    assert task.item.number == 8 and task.status == codes.TaskStatus.OPEN

    # 定人定责定时限, then evidence, then the city's verification.
    with pytest.raises(DomainError) as err:
        services.task_assign(
            actor=world.director_a, task=task, responsible=world.staff_a, responsibility="提升调解质效",
            deadline=TODAY - datetime.timedelta(days=1),
        )  # fmt: skip
    assert err.value.field == "deadline"
    with pytest.raises(DomainError):  # someone of another office
        services.task_assign(
            actor=world.director_a, task=task, responsible=world.staff_b, responsibility="提升调解质效",
            deadline=TODAY + datetime.timedelta(days=30),
        )  # fmt: skip
    services.task_assign(
        actor=world.director_a, task=task, responsible=world.staff_a, responsibility="提升调解质效",
        deadline=TODAY + datetime.timedelta(days=30),
    )  # fmt: skip
    with pytest.raises(DomainError) as err:
        services.task_submit(actor=world.director_a, task=task, text="已整改")
    assert err.value.code == "no_evidence"
    services.task_note(actor=world.staff_a, task=task, text="组织调解员培训")
    services.evidence_upload(actor=world.staff_a, upload=upload("整改报告.pdf"), task=task)
    services.task_submit(actor=world.director_a, task=task, text="已整改")
    with pytest.raises(Forbidden):
        services.task_verify(actor=world.director_a, task=task, accept=True, text="自己验收")
    services.task_verify(actor=world.assessor, task=task, accept=False, text="材料不全")
    task.refresh_from_db()
    assert task.status == codes.TaskStatus.OPEN
    services.task_submit(actor=world.director_a, task=task, text="补充材料")
    services.task_verify(actor=world.assessor, task=task, accept=True, text="整改到位")
    task.refresh_from_db()
    assert task.status == codes.TaskStatus.CLOSED
    assert list(task.notes.values_list("kind", flat=True)) == [
        "progress", "submitted", "returned", "submitted", "verified"
    ]  # fmt: skip

    # Re-assessment is a new round; the judged one stays as it was.
    second = services.assessment_reassess(actor=world.director_a, assessment=assessment)
    assert second.round == 2 and second.status == codes.AssessmentStatus.SELF
    fill_and_submit(world, campaign, world.office_a, world.director_a)
    second = judge_all(world, Assessment.objects.get(pk=second.pk))
    assert second.met is True
    assert Assessment.objects.get(pk=assessment.pk).met is False
    point = selectors.completion(campaign)
    assert (point["offices"], point["met"], point["percent"]) == (2, 1, 50.0)


def test_judgement_on_an_item_outside_the_campaign(world):
    import json

    campaign = make_campaign(world)
    fill_and_submit(world, campaign, world.office_a, world.director_a)
    from fengqiao.assessment.tests.test_standards import own

    other = services.standard_import(actor=world.city_admin, raw=json.dumps(own()), owner=world.city)
    foreign = StandardItem.objects.get(standard=other, number=1)
    with pytest.raises(DomainError) as err:
        services.result_judge(
            actor=world.assessor, assessment=assessment_of(campaign, world.office_a), item=foreign,
            judgement=codes.Judgement.MET,
        )  # fmt: skip
    assert err.value.field == "item"
    assert not ItemResult.objects.exclude(judgement="").exists()


def test_submission_needs_every_item_and_evidence(world):
    campaign = make_campaign(world)
    assessment = assessment_of(campaign, world.office_a)
    with pytest.raises(DomainError) as err:
        services.assessment_submit(actor=world.director_a, assessment=assessment)
    assert err.value.code == "incomplete"
    for r in assessment.results.all():
        services.result_self_assess(actor=world.director_a, result=r, self_judgement=codes.Judgement.MET)
    with pytest.raises(DomainError) as err:
        services.assessment_submit(actor=world.director_a, assessment=assessment)
    assert "1" in str(err.value)  # item 1 is judged on evidence and has none
    assessment.refresh_from_db()
    assert assessment.status == codes.AssessmentStatus.SELF
    with pytest.raises(DomainError) as err:
        services.evidence_upload(actor=world.director_a, upload=upload("病毒.exe"), result=assessment.results.first())
    assert err.value.code == "file_type"


def test_overdue_rectifications_are_reminded_once_a_day(world):
    campaign = make_campaign(world)
    fill_and_submit(world, campaign, world.office_a, world.director_a)
    judge_all(world, assessment_of(campaign, world.office_a), except_items=(3,))
    task = RectificationTask.objects.get()
    services.task_assign(
        actor=world.director_a, task=task, responsible=world.staff_a, responsibility="违纪问题整改",
        deadline=TODAY + datetime.timedelta(days=1),
    )  # fmt: skip
    later = TODAY + datetime.timedelta(days=5)
    assert services.tasks_remind(today=later) == 1
    assert services.tasks_remind(today=later) == 0
    assert task.notes.filter(kind=codes.NoteKind.REMINDER).count() == 1
    assert list(selectors.open_tasks(world.assessor, overdue_only=True, today=later)) == [task]
    assert list(selectors.open_tasks(world.director_b, overdue_only=True, today=later)) == []


def test_completion_series_against_targets(world):
    campaign = make_campaign(world)
    fill_and_submit(world, campaign, world.office_a, world.director_a)
    judge_all(world, assessment_of(campaign, world.office_a))
    series = selectors.completion_series(campaign)
    assert series[-1]["met"] == 1 and series[-1]["percent"] == 50.0
    assert series[0]["day"] <= series[-1]["day"]


def test_experience_review(world):
    exp = services.experience_submit(
        actor=world.director_a, org=world.office_a, title="“枫桥式”调解工作室", text="做法……",
        items=list(shipped_standard().items.filter(number__in=[7, 8])),
    )  # fmt: skip
    with pytest.raises(DomainError):
        services.experience_review(actor=world.assessor, experience=exp, status=codes.ExperienceStatus.RETURNED)
    services.experience_review(actor=world.assessor, experience=exp, status=codes.ExperienceStatus.RECOMMENDED)
    services.experience_review(actor=world.assessor, experience=exp, status=codes.ExperienceStatus.PUBLISHED)
    from fengqiao.assessment.models import Experience

    assert Experience.objects.visible_to(world.director_b).filter(pk=exp.pk).exists()
    with pytest.raises(DomainError):
        services.experience_review(actor=world.assessor, experience=exp, status=codes.ExperienceStatus.SUBMITTED)


def test_published_experience_attachments_are_seen_city_wide(world):
    from fengqiao.assessment.models import Evidence

    exp = services.experience_submit(actor=world.director_a, org=world.office_a, title="调解工作室", text="做法")
    ev = services.evidence_upload(actor=world.director_a, upload=upload("做法.pdf"), experience=exp)
    assert not Evidence.objects.visible_to(world.director_b).filter(pk=ev.pk).exists()
    services.experience_review(actor=world.assessor, experience=exp, status=codes.ExperienceStatus.PUBLISHED)
    assert Evidence.objects.visible_to(world.director_b).filter(pk=ev.pk).exists()
