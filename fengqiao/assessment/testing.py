"""Test helpers for the construction standard: the 2019 campaign on the test world, an office's
assessment filled and submitted, and the leak-matrix planters (one object of each scoped model in
office B)."""

from __future__ import annotations

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from fengqiao.testing.leak import MARKER, planter

from . import codes


def shipped_standard():
    import importlib

    from django.apps import apps

    from .models import Standard

    found = Standard.objects.filter(code="jiangyin-fengqiao", version="2019").first()
    if found is None:  # transactional tests flush the data migrations' rows
        importlib.import_module("fengqiao.assessment.migrations.0002_jiangyin_2019").load(apps, None)
        found = Standard.objects.get(code="jiangyin-fengqiao", version="2019")
    return found


def phases_2019() -> list[dict]:
    d = datetime.date
    return [
        {"name": "研究部署", "starts_on": d(2019, 10, 1), "ends_on": d(2019, 10, 15)},
        {"name": "重点培育", "starts_on": d(2019, 10, 16), "ends_on": d(2019, 12, 31), "target_percent": 40},
        {"name": "全面推进", "starts_on": d(2020, 1, 1), "ends_on": d(2020, 9, 30)},
        {"name": "总结深化", "starts_on": d(2020, 10, 1), "ends_on": d(2020, 12, 31), "target_percent": 100},
    ]


def make_campaign(world, *, start=True, name="“枫桥式”司法所创建", **kwargs):
    from . import services

    today = timezone.localdate()
    kwargs.setdefault("starts_on", today - datetime.timedelta(days=60))
    kwargs.setdefault("ends_on", today + datetime.timedelta(days=300))
    campaign = services.campaign_create(
        actor=world.city_admin, org=world.city, name=name, standard=shipped_standard(), **kwargs
    )
    if start:
        campaign = services.campaign_start(actor=world.city_admin, campaign=campaign)
    return campaign


def upload(name="证明材料.pdf", content=b"%PDF-1.4 evidence"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def assessment_of(campaign, office):
    from .models import Assessment

    return Assessment.objects.filter(campaign=campaign, office=office).order_by("-round").first()


def fill_and_submit(world, campaign, office, director, judgement=codes.Judgement.MET):
    """The office assesses every item, attaches evidence where the item needs it, and submits."""
    from . import services

    assessment = assessment_of(campaign, office)
    for result in assessment.results.select_related("item"):
        services.result_self_assess(actor=director, result=result, self_judgement=judgement, self_note="自评说明")
        if result.item.method != codes.Method.AUTOMATIC:
            services.evidence_upload(actor=director, upload=upload(), result=result)
    return services.assessment_submit(actor=director, assessment=assessment)


def judge_all(world, assessment, judgement=codes.Judgement.MET, *, except_items=()):
    from . import services

    for result in assessment.results.select_related("item"):
        j = codes.Judgement.NOT_MET if result.item.number in except_items else judgement
        services.result_judge(
            actor=world.assessor, assessment=assessment, item=result.item, judgement=j, comment="有欠缺"
        )
    return services.assessment_judge(actor=world.assessor, assessment=assessment, summary="检查结论")


# --- leak-matrix planters ------------------------------------------------------------------------------


@planter("assessment.Standard")
def _plant_standard(world):
    import json

    from .models import Standard

    found = Standard.objects.filter(code="leak-standard").first()
    if found:
        return found
    from . import services

    data = json.loads(
        (__import__("pathlib").Path(__file__).parent / "data" / "jiangyin-2019.json").read_text(encoding="utf-8")
    )
    data.update(code="leak-standard", version="1", name=f"{MARKER}标准")
    standard = services.load_builtin(json.dumps(data))
    standard.owner = world.office_b
    standard.save(update_fields=["owner"])
    return standard


def _campaign_b(world):
    from .models import Campaign

    found = Campaign.objects.filter(name=f"{MARKER}创建").first()
    if found:
        return found
    # A campaign owned by office B (an odd case, but the one a leak must not show to office A).
    campaign = Campaign.objects.create(
        org=world.office_b,
        name=f"{MARKER}创建",
        standard=shipped_standard(),
        starts_on=timezone.localdate() - datetime.timedelta(days=30),
        ends_on=timezone.localdate() + datetime.timedelta(days=300),
        status=codes.CampaignStatus.RUNNING,
        created_by=world.director_b,
    )
    campaign.offices.set([world.office_b])
    return campaign


@planter("assessment.Campaign")
def _plant_campaign(world):
    return _campaign_b(world)


def _assessment_b(world):
    from . import services
    from .models import Assessment, StandardItem

    campaign = _campaign_b(world)
    found = Assessment.objects.filter(campaign=campaign, office=world.office_b).first()
    if found:
        return found
    items = list(StandardItem.objects.filter(standard_id=campaign.standard_id).order_by("number"))
    today = timezone.localdate()
    assessment = services._open_round(
        campaign, world.office_b.pk, 1, items, today - datetime.timedelta(days=365), today
    )
    assessment.summary = f"{MARKER}结论"
    assessment.save(update_fields=["summary"])
    first = assessment.results.order_by("item__number").first()
    first.self_note = f"{MARKER}自评"
    first.save(update_fields=["self_note"])
    return assessment


@planter("assessment.Assessment")
def _plant_assessment(world):
    return _assessment_b(world)


@planter("assessment.ItemResult")
def _plant_result(world):
    return _assessment_b(world).results.order_by("item__number").first()


def _task_b(world):
    from .models import RectificationTask

    result = _plant_result(world)
    found = RectificationTask.objects.filter(result=result).first()
    return found or RectificationTask.objects.create(
        org=world.office_b, result=result, item=result.item, responsibility=f"{MARKER}责任"
    )


@planter("assessment.RectificationTask")
def _plant_task(world):
    return _task_b(world)


@planter("assessment.TaskNote")
def _plant_note(world):
    from .models import TaskNote

    task = _task_b(world)
    return TaskNote.objects.create(
        org=world.office_b, task=task, kind=codes.NoteKind.PROGRESS, text=f"{MARKER}进展", author=world.director_b
    )


@planter("assessment.Experience")
def _plant_experience(world):
    from . import services

    return services.experience_submit(
        actor=world.director_b, org=world.office_b, title=f"{MARKER}经验", text=f"{MARKER}做法"
    )


@planter("assessment.Evidence")
def _plant_evidence(world):
    from . import services

    return services.evidence_upload(
        actor=world.director_b, upload=upload(f"{MARKER}.pdf"), task=_task_b(world), note=f"{MARKER}材料"
    )
