"""Test helpers for corrections: the people the World lacks, subjects in a given state, an approved
measure with a bound device and a fence, and the leak-matrix planters (one object of each scoped
model in office B)."""

from __future__ import annotations

import datetime
import time

from django.utils import timezone

from fengqiao.core.permissions import Role
from fengqiao.testing.factories import make_user, valid_id_number
from fengqiao.testing.leak import MARKER, planter

from . import codes

# A square of about 11 km around a point of Jiangyin, as the office's permitted area.
CENTRE = (31.91, 120.28)  # lat, lon
HALF = 0.05


def square(lat=CENTRE[0], lon=CENTRE[1], half=HALF):
    return [[lon - half, lat - half], [lon + half, lat - half], [lon + half, lat + half], [lon - half, lat + half]]


def ensure_reference_rows():
    """Transactional tests flush the tables, data migrations included: put the default supervision
    levels, the policy and the ingest generation row back."""
    import importlib

    from django.apps import apps

    importlib.import_module("fengqiao.corrections.migrations.0002_default_levels").create(apps, None)


def people(world):
    """Corrections people of the World: a worker in each office and the bureau head (cached)."""
    cached = getattr(world, "_corrections_people", None)
    if cached:
        return cached
    from fengqiao.accounts.models import User

    def get(org, role, username):
        return User.objects.filter(username=username).first() or make_user(org, role, username=username)

    cached = {
        "worker_a": get(world.office_a, Role.CORRECTIONS_WORKER, "corr_worker_a"),
        "worker_b": get(world.office_b, Role.CORRECTIONS_WORKER, "corr_worker_b"),
        "head": get(world.city, Role.BUREAU_HEAD, "bureau_head"),
    }
    world._corrections_people = cached
    return cached


_counter = [0]


def subject_data(**overrides):
    _counter[0] += 1
    today = timezone.localdate()
    data = {
        "name": f"测试对象{_counter[0]}",
        "gender": codes.Gender.MALE,
        "id_number": valid_id_number(f"32028119900101{_counter[0] % 1000:03d}"),
        "category": codes.Category.PROBATION,
        "offence": "危险驾驶罪",
        "sentence": "拘役三个月，缓刑六个月",
        "period_start": today - datetime.timedelta(days=5),
        "period_end": today + datetime.timedelta(days=365),
        "deciding_organ": "江阴市人民法院",
        "judgment_effective_on": today - datetime.timedelta(days=5),
    }
    data.update(overrides)
    return data


def make_subject(world, *, office="a", actor=None, reported=True, org=None, **overrides):
    """A subject of office A (or B), taken in unless reported=False."""
    from . import services

    staff = people(world)
    actor = actor or (world.director_a if office == "a" else world.director_b)
    org = org or (world.village_a1 if office == "a" else world.village_b1)
    subject = services.subject_register(actor=actor, org=org, **subject_data(**overrides))
    if reported:
        subject = services.subject_intake(actor=actor, subject=subject, reported_on=subject.judgment_effective_on)
    assert staff
    return subject


def make_measure(world, subject, *, actor=None, fence=True, identifier=None, interval=60, backdate=True):
    """An approved positioning measure in force from today, a bound device and the office's fence."""
    from . import services
    from .models import Fence

    staff = people(world)
    director = actor or (world.director_a if subject.office_id == world.office_a.pk else world.director_b)
    today = timezone.localdate()
    measure = services.measure_request(
        actor=director,
        subject=subject,
        ground=codes.Ground.LEFT_AREA,
        facts="未经批准离开所居住的市、县",
        start=today,
        end=today + datetime.timedelta(days=60),
        interval_seconds=interval,
    )
    measure = services.measure_decide(actor=staff["head"], measure=measure, approve=True)
    device = services.device_register(
        actor=director,
        org=subject.office,
        identifier=identifier or f"DEV-{subject.pk}",
        kind=codes.DeviceKind.WRISTBAND,
    )
    services.device_bind(actor=director, device=device, measure=measure)
    if fence and not Fence.objects.filter(office_id=subject.office_id, subject__isnull=True, kind="area").exists():
        services.fence_save(
            actor=director, org=subject.office, kind=codes.FenceKind.AREA, name="县界", polygon=square()
        )
    if backdate:
        # Fixes are accepted from the binding on; tests replay the last hours, so the measure and the
        # binding are moved a day back (what a measure approved yesterday looks like).
        from .models import Device, PositioningMeasure
        from .services import _bump_generation

        PositioningMeasure.objects.filter(pk=measure.pk).update(start=today - datetime.timedelta(days=1))
        from .models import DeviceBinding

        day_ago = timezone.now() - datetime.timedelta(days=1)
        Device.objects.filter(pk=device.pk).update(bound_at=day_ago)
        DeviceBinding.objects.filter(device=device, measure=measure).update(bound_at=day_ago)
        _bump_generation()
        measure.refresh_from_db()
    device.refresh_from_db()
    return measure, device


def gateway_token(world, org=None, grants=("corrections.create",)):
    from fengqiao.core.services import api_token_create

    token, raw = api_token_create(actor=world.city_admin, org=org or world.city, name="定位网关", grants=list(grants))
    return token, raw


def fix(device, seq, *, t=None, lat=CENTRE[0], lon=CENTRE[1], **extra):
    item = {
        "device": device.identifier if hasattr(device, "identifier") else device,
        "seq": seq,
        "time": int((t if t is not None else time.time()) * 1000),
        "lat": lat,
        "lon": lon,
    }
    item.update(extra)
    return item


# --- leak-matrix planters -----------------------------------------------------------------------------


def _subject_b(world):
    from .models import Subject

    found = Subject.objects.filter(office=world.office_b, name=f"{MARKER}对象").first()
    return found or make_subject(world, office="b", name=f"{MARKER}对象")


@planter("corrections.Subject")
def _plant_subject(world):
    return _subject_b(world)


@planter("corrections.TeamMember")
def _plant_team(world):
    from . import services

    return services.team_member_add(
        actor=world.director_b, subject=_subject_b(world), role=codes.TeamRole.FAMILY, name=f"{MARKER}家属"
    )


@planter("corrections.SubjectEvent")
def _plant_event(world):
    from .models import SubjectEvent

    return SubjectEvent.objects.filter(subject=_subject_b(world)).first()


@planter("corrections.LevelChange")
def _plant_level(world):
    from .models import LevelChange

    return LevelChange.objects.filter(subject=_subject_b(world)).first()


def _second_subject_b(world):
    """A second office-B subject for planters whose records change the subject itself (a praise
    loosens the level, a move changes the village): the first one must stay as it was planted."""
    from .models import Subject

    found = Subject.objects.filter(office=world.office_b, name=f"{MARKER}对象二").first()
    return found or make_subject(world, office="b", name=f"{MARKER}对象二")


@planter("corrections.RewardSanction")
def _plant_reward(world):
    from . import services

    return services.reward_record(
        actor=world.director_b, subject=_second_subject_b(world), kind=codes.RewardKind.PRAISE,
        on=timezone.localdate(), reason=f"{MARKER}表扬",
    )  # fmt: skip


@planter("corrections.Contact")
def _plant_contact(world):
    from .models import Contact

    return Contact.objects.filter(subject=_subject_b(world)).first()


@planter("corrections.Activity")
def _plant_activity(world):
    from . import services

    return services.activity_record(
        actor=world.director_b, subject=_subject_b(world), kind=codes.ActivityKind.EDUCATION,
        on=timezone.localdate(), hours=2, content=f"{MARKER}学习",
    )  # fmt: skip


@planter("corrections.Leave")
def _plant_leave(world):
    from . import services

    today = timezone.localdate()
    return services.leave_request(
        actor=world.director_b, subject=_subject_b(world), destination=f"{MARKER}上海", reason="探亲",
        start=today + datetime.timedelta(days=3), end=today + datetime.timedelta(days=5),
    )  # fmt: skip


@planter("corrections.ResidenceChange")
def _plant_residence(world):
    from . import services

    return services.residence_change(
        actor=world.director_b, subject=_second_subject_b(world), to_org=world.village_b2, on=timezone.localdate(),
        reason=f"{MARKER}搬家",
    )  # fmt: skip


def _measure_b(world):
    from .models import PositioningMeasure

    subject = _subject_b(world)
    found = PositioningMeasure.objects.filter(subject=subject).first()
    if found:
        return found
    return make_measure(world, subject, identifier=f"{MARKER}-DEV")[0]


@planter("corrections.PositioningMeasure")
def _plant_measure(world):
    return _measure_b(world)


@planter("corrections.Device")
def _plant_device(world):
    from .models import Device

    _measure_b(world)
    return Device.objects.get(identifier=f"{MARKER}-DEV")


@planter("corrections.Fence")
def _plant_fence(world):
    from .models import Fence

    _measure_b(world)
    return Fence.objects.filter(office=world.office_b).first()


@planter("corrections.Fix")
def _plant_fix(world):
    from .ingest import ingest
    from .models import Device, Fix

    _measure_b(world)
    device = Device.objects.get(identifier=f"{MARKER}-DEV")
    ingest(token=None, body={"fixes": [fix(device, 1)]})
    return Fix.objects.filter(device=device).first()


def _alert_b(world):
    from .models import Alert
    from .services import alert_raise

    subject = _subject_b(world)
    return Alert.objects.filter(subject=subject).first() or alert_raise(
        subject_id=subject.pk, office_id=subject.office_id, org_id=subject.org_id,
        kind=codes.AlertKind.LOST_CONTACT, key=f"{MARKER}", details={},
    )[0]  # fmt: skip


@planter("corrections.Alert")
def _plant_alert(world):
    return _alert_b(world)


@planter("corrections.AlertEvent")
def _plant_alert_event(world):
    return _alert_b(world).events.first()
