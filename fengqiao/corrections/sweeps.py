"""Periodic checks over the register and the positioning stream: 漏管 (never taken in), 脱管 (lost
contact, not back from leave), 信号中断 (no fix under a measure), escalation of alerts nobody took
up, the move of devices onto an approved extension, and the deletion of location data past the
retention period. Each is idempotent (alerts are keyed), bounded by indexes, and safe to run every
minute from `manage.py corrections_sweep` or the task worker."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from . import codes, policy
from .models import (
    Alert,
    AlertEvent,
    Device,
    DeviceBinding,
    Fix,
    Leave,
    PositioningMeasure,
    Subject,
    SupervisionLevel,
)
from .services import _bump_generation, alert_raise

S = codes.Status


def _raise_for(subject, kind, key, **extra):
    return alert_raise(subject_id=subject.pk, office_id=subject.office_id, org_id=subject.org_id, kind=kind, key=key,
                       **extra)[1]  # fmt: skip


@transaction.atomic
def sweep_register(today: datetime.date | None = None) -> dict:
    """漏管 and 脱管 from the register."""
    today = today or timezone.localdate()
    pol = policy.current()
    counts = {"missed_intake": 0, "lost_contact": 0, "leave_overdue": 0}
    # 漏管: not reported within the deadline after the judgment took effect.
    cutoff = today - datetime.timedelta(days=pol.report_deadline_days)
    for subject in Subject.objects.filter(status=S.PENDING, judgment_effective_on__lt=cutoff).only(
        "pk", "office_id", "org_id", "judgment_effective_on"
    ):
        counts["missed_intake"] += _raise_for(
            subject,
            codes.AlertKind.MISSED_INTAKE,
            "missed_intake",
            details={
                "deadline": str(subject.judgment_effective_on + datetime.timedelta(days=pol.report_deadline_days))
            },
        )
    # 脱管: no contact for longer than the subject's level allows. A subject on leave is not lost.
    on_leave = Leave.objects.filter(status=codes.LeaveStatus.APPROVED, start__lte=today, end__gte=today).values(
        "subject_id"
    )
    for level in SupervisionLevel.objects.all():
        limit = today - datetime.timedelta(days=level.lost_contact_days)
        lost = (
            Subject.objects.filter(status=S.ACTIVE, level=level)
            .filter(Q(last_contact_on__lt=limit) | Q(last_contact_on__isnull=True, reported_on__lt=limit))
            .exclude(pk__in=on_leave)
            .only("pk", "office_id", "org_id", "last_contact_on")
        )
        for subject in lost:
            counts["lost_contact"] += _raise_for(
                subject,
                codes.AlertKind.LOST_CONTACT,
                f"lost_contact:{subject.last_contact_on}",
                details={"last_contact_on": str(subject.last_contact_on), "days": level.lost_contact_days},
            )
    # Not back from an approved leave.
    for leave in Leave.objects.filter(status=codes.LeaveStatus.APPROVED, end__lt=today).select_related("subject"):
        counts["leave_overdue"] += _raise_for(
            leave.subject,
            codes.AlertKind.LEAVE_OVERDUE,
            f"leave_overdue:{leave.pk}",
            details={"leave": leave.pk, "end": str(leave.end), "destination": leave.destination},
        )
    return counts


@transaction.atomic
def sweep_signal(now: datetime.datetime | None = None) -> int:
    """信号中断: a device bound to a measure in force sent no fix for the configured minutes."""
    now = now or timezone.now()
    pol = policy.current()
    today = timezone.localdate(now)
    cutoff = now - datetime.timedelta(minutes=pol.signal_lost_minutes)
    devices = list(
        Device.objects.filter(
            measure__status=codes.MeasureStatus.APPROVED,
            measure__ended_on__isnull=True,
            measure__start__lte=today,
            measure__end__gte=today,
            bound_at__lt=cutoff,
        ).select_related("measure__subject")
    )
    if not devices:
        return 0
    # The newest fix per device: one probe of the (device, seq) key each, in one statement.
    newest = Fix.objects.filter(device_id=OuterRef("pk")).order_by("-seq").values("at")[:1]
    recent = dict(
        Device.objects.filter(pk__in=[d.pk for d in devices]).annotate(last=Subquery(newest)).values_list("pk", "last")
    )
    raised = 0
    for device in devices:
        last = recent.get(device.pk)
        if last is not None and last >= cutoff:
            continue
        since = last or device.bound_at
        raised += _raise_for(
            device.measure.subject,
            codes.AlertKind.SIGNAL_LOST,
            f"signal_lost:{device.pk}:{int(since.timestamp())}",
            measure_id=device.measure_id,
            first_at=since,
            last_at=now,
            details={"device": device.identifier, "since": since.isoformat()},
        )
    return raised


@transaction.atomic
def escalate(now: datetime.datetime | None = None) -> int:
    """Alerts nobody acknowledged within the configured hours go up to the bureau."""
    now = now or timezone.now()
    pol = policy.current()
    stale = Alert.objects.filter(
        status=codes.AlertStatus.RAISED,
        escalated_at__isnull=True,
        raised_at__lt=now - datetime.timedelta(hours=pol.escalate_after_hours),
    )
    count = 0
    for alert in stale.select_for_update(of=("self",)):
        alert.escalated_at = now
        alert.save(update_fields=["escalated_at", "updated_at"])
        AlertEvent.objects.create(alert=alert, org_id=alert.org_id, step="escalated", at=now)
        count += 1
    return count


@transaction.atomic
def roll_measures(today: datetime.date | None = None) -> int:
    """Devices move onto an approved extension the day it starts; expired measures free their devices."""
    today = today or timezone.localdate()
    moved = 0
    for device in Device.objects.filter(measure__isnull=False, measure__end__lt=today).select_related("measure"):
        ext = PositioningMeasure.objects.filter(
            extends=device.measure, status=codes.MeasureStatus.APPROVED, ended_on__isnull=True
        ).first()
        now = timezone.now()
        DeviceBinding.objects.filter(device=device, unbound_at__isnull=True).update(unbound_at=now)
        device.measure = ext if ext is not None and ext.end >= today else None
        if device.measure is None:
            device.bound_at = None
        else:
            DeviceBinding.objects.create(
                device=device, measure=ext, subject_id=ext.subject_id, org_id=device.org_id, bound_at=now
            )
        device.save(update_fields=["measure", "bound_at", "updated_at"])
        moved += 1
    if moved:
        _bump_generation()
    return moved


def purge_locations(now: datetime.datetime | None = None, batch: int = 50_000) -> int:
    """Delete fixes older than the retention period, device by device through the key (and the
    BRIN index on time on PostgreSQL), in bounded chunks."""
    from django.db import connection

    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=policy.current().location_retention_days)
    deleted = 0
    table = Fix._meta.db_table
    devices = set(DeviceBinding.objects.filter(bound_at__lt=cutoff).values_list("device_id", flat=True))
    for device_id in devices:
        while True:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    f"DELETE FROM {table} WHERE device_id = %s AND seq IN "  # noqa: S608
                    f"(SELECT seq FROM {table} WHERE device_id = %s AND at < %s LIMIT %s)",
                    [device_id, device_id, cutoff, batch],
                )
                count = cursor.rowcount
            deleted += count
            if count < batch:
                break
    return deleted


def run_all() -> dict:
    return {
        "register": sweep_register(),
        "signal_lost": sweep_signal(),
        "escalated": escalate(),
        "measures_rolled": roll_measures(),
        "fixes_purged": purge_locations(),
    }
