"""The demo city's corrections data look like a city's: the national mix, every phase, the alerts a
month of supervision leaves behind (each crossing alerted once), figures and staffing worth showing."""

import datetime
from collections import Counter

from django.db.models import F
from django.utils import timezone

from fengqiao.core.demo import run_seed
from fengqiao.corrections import codes, policy, selectors
from fengqiao.corrections.models import (
    Activity,
    Alert,
    Contact,
    Device,
    Fix,
    IngestRefusal,
    LevelChange,
    PositioningMeasure,
    Subject,
    SubjectEvent,
)
from fengqiao.corrections.phases import phase_of

K = codes.AlertKind


def _runs(rows, bit, need):
    """Maximal runs of consecutive sequence numbers with `bit` set, at least `need` long."""
    runs, length, previous = 0, 0, None
    for seq, flags in rows:
        if flags & bit and previous is not None and seq == previous + 1 and length:
            length += 1
        elif flags & bit:
            runs += length >= need
            length = 1
        else:
            runs += length >= need
            length = 0
        previous = seq
    return runs + (length >= need)


def test_demo_city_corrections(db):
    ctx = run_seed("city", disputes_per_year=150, corrections_subjects=320)
    today = timezone.localdate()
    pol = policy.current()
    subjects = list(Subject.objects.select_related("level"))
    open_subjects = [s for s in subjects if s.is_open]
    assert 300 <= len(open_subjects) <= 420  # the short offices carry a few more

    # The national mix: about 90% 缓刑, 5% 假释, 4% 暂予监外执行, 1% 管制.
    mix = Counter(s.category for s in open_subjects)
    share = {k: mix[k] / len(open_subjects) for k in codes.Category.values}
    assert 0.85 <= share[codes.Category.PROBATION] <= 0.95, share
    assert 0.02 <= share[codes.Category.PAROLE] <= 0.09, share
    assert 0.015 <= share[codes.Category.MEDICAL_PAROLE] <= 0.08, share
    assert share[codes.Category.CONTROL] <= 0.03, share
    assert len({s.id_number for s in open_subjects}) == len(open_subjects)

    # Every phase of 三期分段 appears, and each status.
    assert {phase_of(s, today, pol) for s in subjects} == set(codes.Phase.values)
    assert {s.status for s in subjects} == set(codes.Status.values)

    # The history is filed under the subject's office and is consistent with the register.
    for model in (Contact, Activity, SubjectEvent, LevelChange):
        assert not model.objects.exclude(office_id=F("subject__office_id")).exists(), model
    assert not SubjectEvent.objects.filter(at__gt=timezone.now()).exists()
    assert not Contact.objects.filter(on__gt=today).exists()
    assert not Contact.objects.filter(on__lt=F("subject__reported_on")).exists()
    latest = dict(Contact.objects.order_by("subject_id", "on").values_list("subject_id", "on"))
    for s in subjects:
        assert s.last_contact_on == latest.get(s.pk), s
        assert LevelChange.objects.filter(subject=s).order_by("on", "pk").last().to_level_id == s.level_id, s
    # Everyone under correction is within their level's contact limit, except those alerted.
    lost = set(Alert.objects.filter(kind=K.LOST_CONTACT).values_list("subject_id", flat=True))
    on_leave = set(Alert.objects.filter(kind=K.LEAVE_OVERDUE).values_list("subject_id", flat=True))
    for s in open_subjects:
        if s.status == codes.Status.ACTIVE and s.pk not in lost | on_leave:
            assert (today - s.last_contact_on).days <= s.level.lost_contact_days, s

    # 漏管 and 脱管 alerts from the sweeps; leaves not returned from.
    kinds = Counter(Alert.objects.values_list("kind", flat=True))
    assert kinds[K.MISSED_INTAKE] >= 3
    assert kinds[K.LOST_CONTACT] >= 3
    assert kinds[K.LEAVE_OVERDUE] >= 1
    deadline = today - datetime.timedelta(days=pol.report_deadline_days)
    overdue = Subject.objects.filter(status=codes.Status.PENDING, judgment_effective_on__lt=deadline)
    assert set(Alert.objects.filter(kind=K.MISSED_INTAKE).values_list("subject_id", flat=True)) == set(
        overdue.values_list("pk", flat=True)
    )
    assert Subject.objects.filter(status=codes.Status.PENDING, judgment_effective_on__gte=deadline).exists()
    assert Subject.objects.filter(status=codes.Status.AT_LARGE).count() >= 2

    # Positioning: measures only on the five grounds, approved by the bureau head, at most 3 months.
    head = ctx.city.members.get(username="bureau.head")
    measures = PositioningMeasure.objects.all()
    assert measures.filter(status=codes.MeasureStatus.APPROVED).count() >= 12
    assert measures.filter(status=codes.MeasureStatus.REQUESTED, extends__isnull=True).exists()
    assert (
        measures.filter(status=codes.MeasureStatus.REQUESTED, extends__isnull=False).exclude(reassessment="").exists()
    )
    assert measures.filter(status=codes.MeasureStatus.ENDED, ended_on=today).exists()
    assert measures.filter(status=codes.MeasureStatus.REFUSED).exists()
    assert len(set(measures.values_list("ground", flat=True))) == len(codes.Ground.values)
    for m in measures.exclude(status=codes.MeasureStatus.REQUESTED).exclude(status=codes.MeasureStatus.REFUSED):
        assert m.decided_by_id == head.pk
        assert m.end <= m.start + datetime.timedelta(days=92)
    assert Device.objects.filter(measure__isnull=True).exists()  # spares, and the freed device

    # The tracks: nothing refused, no more than the budget, each crossing alerted exactly once.
    assert not IngestRefusal.objects.exists()
    assert 1000 <= Fix.objects.count() <= 50_000
    crossings = 0
    for m in measures:
        rows = list(Fix.objects.filter(measure=m).order_by("seq").values_list("seq", "flags"))
        runs = _runs(rows, 1, pol.fence_consecutive)
        crossings += runs
        assert Alert.objects.filter(measure=m, kind=K.OUT_OF_AREA).count() == runs, m
        assert Alert.objects.filter(measure=m, kind=K.BANNED_PLACE).count() == _runs(rows, 2, pol.fence_consecutive)
    assert crossings == ctx.corrections_demo["crossings"] >= 4
    assert kinds[K.BANNED_PLACE] == 1
    assert kinds[K.LOW_BATTERY] == 1
    assert kinds[K.TAMPER] == 1
    assert kinds[K.CO_OFFENDERS] == 2  # one on each co-offender
    assert kinds[K.SIGNAL_LOST] == 1

    # Alerts in every state of their lifecycle; those nobody took up were escalated.
    alerts = Alert.objects.all()
    assert set(alerts.values_list("status", flat=True)) == set(codes.AlertStatus.values)
    assert alerts.filter(escalated_at__isnull=False).exists()
    assert not alerts.filter(escalated_at__isnull=False).exclude(status=codes.AlertStatus.RAISED).exists()
    assert not alerts.filter(acknowledged_at__lt=F("raised_at")).exists()
    assert not alerts.filter(closed_at__lt=F("handled_at")).exists()
    assert not alerts.filter(raised_at__gt=timezone.now()).exists()

    # The figures: coverage and success computed, 漏管 and 脱管 counted; the staffing shows a gap.
    figures = selectors.metrics(head, today - datetime.timedelta(days=30), today)["total"]
    assert figures["coverage"] is not None and 80 <= figures["coverage"] < 100
    assert figures["success"] is not None and 95 <= figures["success"] <= 100
    assert figures["missed_intake_now"] >= 3
    assert figures["lost_contact_now"] >= 3
    assert figures["at_large"] >= 2
    staffing = selectors.staffing(head)
    short = [r for r in staffing["rows"] if r["shortfall"]]
    assert 1 <= len(short) <= 3

    # The demo logins: the bureau head is printed; the first office's worker has stories to show.
    assert "bureau.head" in [username for _label, username, _unit in ctx.logins]
    worker = ctx.offices[0].members.get(username="chengjiang.corrections1")
    mine = Alert.objects.filter(subject__worker=worker)
    assert mine.filter(status__in=codes.OPEN_ALERT_STATUSES).exists()
    assert selectors.today_for(worker).intakes_due
