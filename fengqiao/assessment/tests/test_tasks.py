"""The daily reminder run: it reminds, and it queues its own next run on a deferring backend."""

import datetime

from django.utils import timezone

from fengqiao.assessment import codes, services, tasks
from fengqiao.assessment.models import RectificationTask
from fengqiao.assessment.testing import assessment_of, fill_and_submit, judge_all, make_campaign


def test_next_run_is_the_coming_morning():
    tz = timezone.get_current_timezone()
    early = datetime.datetime(2026, 3, 2, 7, 0, tzinfo=tz)
    late = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=tz)
    assert tasks.next_run(early) == datetime.datetime(2026, 3, 2, 8, 0, tzinfo=tz)
    assert tasks.next_run(late) == datetime.datetime(2026, 3, 3, 8, 0, tzinfo=tz)


def test_the_task_reminds(world):
    campaign = make_campaign(world)
    fill_and_submit(world, campaign, world.office_a, world.director_a)
    judge_all(world, assessment_of(campaign, world.office_a), except_items=(2,))
    task = RectificationTask.objects.get()
    services.task_assign(
        actor=world.director_a, task=task, responsible=world.staff_a, responsibility="阵地整改",
        deadline=timezone.localdate(),
    )  # fmt: skip
    RectificationTask.objects.filter(pk=task.pk).update(deadline=timezone.localdate() - datetime.timedelta(days=2))
    result = tasks.remind_overdue_rectifications.enqueue()  # the immediate backend of the tests
    assert result.return_value == 1
    assert task.notes.filter(kind=codes.NoteKind.REMINDER).count() == 1


def test_schedule_on_a_deferring_backend(settings, db):
    # Settings changes reset django-tasks' backends (its setting_changed receiver).
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    from django_tasks_db.models import DBTaskResult

    first = tasks.schedule_reminders()
    assert first is not None and tasks.schedule_reminders() is None
    queued = DBTaskResult.objects.get()
    assert queued.status == "READY" and queued.run_after > timezone.now()
