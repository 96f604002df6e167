"""The register, the three phases, classified and daily supervision, and the article-29 rules for
positioning measures: every refusal changes nothing."""

import datetime

import pytest
from django.utils import timezone

from fengqiao.core.errors import DomainError, Forbidden
from fengqiao.core.models import AuditEvent
from fengqiao.corrections import codes, policy, services
from fengqiao.corrections.models import (
    DeviceBinding,
    LevelChange,
    PositioningMeasure,
    Subject,
    SubjectEvent,
)
from fengqiao.corrections.phases import add_months, phase_of, phase_q
from fengqiao.corrections.testing import make_measure, make_subject, people, subject_data

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
D = datetime.timedelta


def test_register_assigns_the_least_loaded_worker_and_refuses_duplicates(world):
    staff = people(world)
    from fengqiao.core.permissions import Role
    from fengqiao.testing.factories import make_user

    second = make_user(world.office_a, Role.CORRECTIONS_WORKER, username="corr_worker_a2")
    first = make_subject(world)
    assert first.worker == staff["worker_a"]
    assert make_subject(world).worker == second
    data = subject_data(id_number=first.id_number)
    with pytest.raises(DomainError) as err:
        services.subject_register(actor=world.director_a, org=world.village_a1, **data)
    assert err.value.field == "id_number"
    assert Subject.objects.count() == 2


def test_register_refuses_bad_periods_and_other_offices(world):
    with pytest.raises(DomainError) as err:
        services.subject_register(
            actor=world.director_a,
            org=world.village_a1,
            **subject_data(period_start=TODAY, period_end=TODAY - D(days=1)),
        )
    assert err.value.field == "period_end"
    with pytest.raises(Forbidden):
        services.subject_register(actor=world.director_a, org=world.village_b1, **subject_data())
    assert not Subject.objects.exists()


def test_phases_are_derived_and_the_filter_agrees(world):
    pol = policy.current()
    pending = make_subject(world, reported=False)
    intake = make_subject(world)
    regular = make_subject(world, judgment_effective_on=TODAY - D(days=200), period_start=TODAY - D(days=200))
    Subject.objects.filter(pk=regular.pk).update(reported_on=TODAY - D(days=190))
    release = make_subject(world, period_end=TODAY + D(days=20))
    expected = {
        pending.pk: codes.Phase.AWAITING,
        intake.pk: codes.Phase.INTAKE,
        regular.pk: codes.Phase.REGULAR,
        release.pk: codes.Phase.RELEASE,
    }
    for subject in Subject.objects.all():
        assert phase_of(subject, TODAY, pol) == expected[subject.pk]
    for phase in set(expected.values()):
        assert set(Subject.objects.filter(phase_q(phase, TODAY, pol)).values_list("pk", flat=True)) == {
            pk for pk, p in expected.items() if p == phase
        }


def test_add_months_clamps_to_month_end():
    assert add_months(datetime.date(2026, 1, 31), 1) == datetime.date(2026, 2, 28)
    assert add_months(datetime.date(2026, 11, 30), 3) == datetime.date(2027, 2, 28)
    assert add_months(datetime.date(2026, 3, 15), -3) == datetime.date(2025, 12, 15)


def test_intake_rules(world):
    subject = make_subject(world, reported=False)
    with pytest.raises(DomainError):
        services.subject_intake(
            actor=world.director_a, subject=subject, reported_on=subject.judgment_effective_on - D(days=1)
        )
    with pytest.raises(DomainError):
        services.subject_intake(actor=world.director_a, subject=subject, reported_on=TODAY + D(days=1))
    subject.refresh_from_db()
    assert subject.status == codes.Status.PENDING
    services.subject_intake(actor=world.director_a, subject=subject, reported_on=TODAY)
    subject.refresh_from_db()
    assert subject.status == codes.Status.ACTIVE and subject.last_contact_on == TODAY
    with pytest.raises(DomainError) as err:
        services.subject_intake(actor=world.director_a, subject=subject, reported_on=TODAY)
    assert err.value.code == "illegal_transition"


def test_a_sanction_tightens_and_a_praise_loosens_the_level(world):
    subject = make_subject(world)
    levels = policy.levels()
    assert subject.level == levels[1]
    services.reward_record(
        actor=world.director_a, subject=subject, kind=codes.RewardKind.WARNING, on=TODAY, reason="未按时报到"
    )
    subject.refresh_from_db()
    assert subject.level == levels[0]
    # A praise within 90 days of a sanction does not loosen the level.
    services.reward_record(
        actor=world.director_a, subject=subject, kind=codes.RewardKind.PRAISE, on=TODAY, reason="表现良好"
    )
    subject.refresh_from_db()
    assert subject.level == levels[0]
    other = make_subject(world)
    services.reward_record(
        actor=world.director_a, subject=other, kind=codes.RewardKind.PRAISE, on=TODAY, reason="表现良好"
    )
    other.refresh_from_db()
    assert other.level == levels[2]
    reasons = list(LevelChange.objects.filter(subject=subject).values_list("reason", flat=True))
    assert len(reasons) == 2


def test_level_change_needs_a_reason_and_a_different_level(world):
    subject = make_subject(world)
    with pytest.raises(DomainError):
        services.level_change(actor=world.director_a, subject=subject, level=subject.level, reason="x")
    with pytest.raises(DomainError):
        services.level_change(actor=world.director_a, subject=subject, level=policy.levels()[0], reason=" ")
    services.level_change(actor=world.director_a, subject=subject, level=policy.levels()[0], reason="再犯风险评估高")
    assert SubjectEvent.objects.filter(subject=subject, kind=codes.EventKind.LEVEL).exists()


def test_leave_overlap_return_and_cancel(world):
    subject = make_subject(world)
    a = services.leave_request(
        actor=world.director_a, subject=subject, destination="上海", reason="探亲", start=TODAY + D(days=2),
        end=TODAY + D(days=5),
    )  # fmt: skip
    with pytest.raises(DomainError) as err:
        services.leave_request(
            actor=world.director_a, subject=subject, destination="南京", reason="就医", start=TODAY + D(days=5),
            end=TODAY + D(days=6),
        )  # fmt: skip
    assert err.value.code == "overlap"
    with pytest.raises(DomainError):
        services.leave_request(
            actor=world.director_a, subject=subject, destination="南京", reason="就医", start=TODAY + D(days=9),
            end=TODAY + D(days=8),
        )  # fmt: skip
    with pytest.raises(DomainError):
        services.leave_return(actor=world.director_a, leave=a, returned_on=TODAY)
    services.leave_cancel(actor=world.director_a, leave=a)
    # A cancelled leave frees its dates.
    services.leave_request(
        actor=world.director_a, subject=subject, destination="南京", reason="就医", start=TODAY + D(days=5),
        end=TODAY + D(days=6),
    )  # fmt: skip


def test_residence_change_to_another_office_moves_the_file(world):
    subject = make_subject(world)
    services.contact_record(actor=world.director_a, subject=subject, kind=codes.ContactKind.VISIT, on=TODAY)
    services.residence_change(
        actor=world.director_a, subject=subject, to_org=world.village_b1, on=TODAY, reason="购房搬迁"
    )
    subject.refresh_from_db()
    assert subject.office_id == world.office_b.pk
    assert subject.worker == people(world)["worker_b"]
    assert not SubjectEvent.objects.filter(subject=subject).exclude(office_id=world.office_b.pk).exists()
    assert Subject.objects.visible_to(world.director_b).filter(pk=subject.pk).exists()
    assert not Subject.objects.visible_to(world.director_a).filter(pk=subject.pk).exists()


def test_end_rules(world):
    subject = make_subject(world)
    with pytest.raises(DomainError):
        services.subject_end(
            actor=world.director_a, subject=subject, kind=codes.EndKind.EXPIRED, on=TODAY, document_on=TODAY
        )
    measure, device = make_measure(world, subject)
    services.subject_end(
        actor=world.director_a, subject=subject, kind=codes.EndKind.REVOKED, on=TODAY, document_on=TODAY
    )
    subject.refresh_from_db()
    measure.refresh_from_db()
    device.refresh_from_db()
    assert subject.status == codes.Status.TERMINATED
    assert measure.status == codes.MeasureStatus.ENDED and device.measure_id is None
    assert DeviceBinding.objects.get(device=device).unbound_at is not None


# --- article 29 -----------------------------------------------------------------------------------------


def _request(world, subject, **kw):
    args = {
        "actor": world.director_a,
        "subject": subject,
        "ground": codes.Ground.BAN_VIOLATION,
        "facts": "进入禁止令所列场所",
        "start": TODAY,
        "end": TODAY + D(days=30),
    }
    args.update(kw)
    return services.measure_request(**args)


def test_a_measure_needs_a_legal_ground_and_at_most_three_months(world):
    subject = make_subject(world)
    for bad in ("", "6", "other", None):
        with pytest.raises(DomainError) as err:
            _request(world, subject, ground=bad)
        assert err.value.field == "ground"
    with pytest.raises(DomainError) as err:
        _request(world, subject, end=add_months(TODAY, 3) + D(days=1))
    assert err.value.field == "end"
    with pytest.raises(DomainError):
        _request(world, subject, start=TODAY - D(days=1))
    with pytest.raises(DomainError):
        _request(world, subject, end=TODAY - D(days=1))
    assert not PositioningMeasure.objects.exists()
    _request(world, subject, end=add_months(TODAY, 3))


def test_only_the_bureau_head_approves_and_never_their_own_request(world):
    subject = make_subject(world)
    measure = _request(world, subject)
    for actor in (world.director_a, world.city_admin, world.staff_a, people(world)["worker_a"], world.leader):
        with pytest.raises(Forbidden):
            services.measure_decide(actor=actor, measure=measure, approve=True)
    measure.refresh_from_db()
    assert measure.status == codes.MeasureStatus.REQUESTED
    head = people(world)["head"]
    with pytest.raises(DomainError):
        services.measure_decide(actor=head, measure=measure, approve=False, note="")
    services.measure_decide(actor=head, measure=measure, approve=True)
    measure.refresh_from_db()
    assert (measure.status, measure.decided_by) == (codes.MeasureStatus.APPROVED, head)
    with pytest.raises(DomainError):
        services.measure_decide(actor=head, measure=measure, approve=True)


def test_devices_bind_only_to_an_approved_measure_in_force(world):
    subject = make_subject(world)
    measure = _request(world, subject)
    device = services.device_register(actor=world.director_a, org=world.office_a, identifier="W-9", kind="wristband")
    with pytest.raises(DomainError) as err:
        services.device_bind(actor=world.director_a, device=device, measure=measure)
    assert err.value.code == "no_measure"
    with pytest.raises(DomainError):
        services.device_register(actor=world.director_a, org=world.office_a, identifier="W-9", kind="wristband")


def test_extension_needs_a_reassessment_and_a_new_approval(world):
    subject = make_subject(world)
    measure, _device = make_measure(world, subject, backdate=False)
    with pytest.raises(DomainError) as err:
        services.measure_extend(actor=world.director_a, measure=measure, reassessment="", end=measure.end + D(days=30))
    assert err.value.field == "reassessment"
    with pytest.raises(DomainError):
        services.measure_extend(
            actor=world.director_a, measure=measure, reassessment="仍多次未按规定报告活动情况，需继续定位",
            end=add_months(measure.end + D(days=1), 3) + D(days=1),
        )  # fmt: skip
    extension = services.measure_extend(
        actor=world.director_a, measure=measure, reassessment="仍多次未按规定报告活动情况，需继续定位",
        end=measure.end + D(days=60),
    )  # fmt: skip
    assert extension.status == codes.MeasureStatus.REQUESTED and extension.start == measure.end + D(days=1)
    with pytest.raises(DomainError):
        services.measure_extend(
            actor=world.director_a,
            measure=measure,
            reassessment="再次申请延长定位措施的评估",
            end=measure.end + D(days=9),
        )
    services.measure_decide(actor=people(world)["head"], measure=extension, approve=True)


def test_ending_early_frees_the_device_and_is_audited(world):
    subject = make_subject(world)
    measure, device = make_measure(world, subject, backdate=False)
    services.measure_end(actor=world.director_a, measure=measure, on=TODAY, reason="已无必要")
    device.refresh_from_db()
    measure.refresh_from_db()
    assert measure.status == codes.MeasureStatus.ENDED and measure.ended_on == TODAY
    assert device.measure_id is None
    assert AuditEvent.objects.filter(action="corrections.measure.end").exists()
    with pytest.raises(DomainError):
        services.measure_end(actor=world.director_a, measure=measure, on=TODAY, reason="again")


def test_policy_only_for_the_city_admin_and_bounded(world):
    with pytest.raises(Forbidden):
        services.policy_update(actor=world.director_a, corrections_ratio=20)
    with pytest.raises(DomainError):
        services.policy_update(actor=world.city_admin, corrections_ratio=0)
    services.policy_update(actor=world.city_admin, corrections_ratio=20)
    assert policy.corrections_ratio() == 20


def test_a_move_out_of_the_county_is_refused(world):
    from fengqiao.orgs.models import OrgKind
    from fengqiao.testing.factories import make_org

    other_city = make_org(OrgKind.CITY, name="外县", office_name="外县司法局", short_name="外县")
    far = make_org(OrgKind.VILLAGE, make_org(OrgKind.TOWN, other_city, name="外镇"), name="外村")
    subject = make_subject(world)
    with pytest.raises(DomainError) as err:
        services.residence_change(actor=world.director_a, subject=subject, to_org=far, on=TODAY, reason="外迁")
    assert err.value.field == "to_org"
    subject.refresh_from_db()
    assert subject.org == world.village_a1


def test_retire_a_device_only_once_unbound(world):
    subject = make_subject(world)
    _measure, device = make_measure(world, subject, backdate=False)
    with pytest.raises(DomainError):
        services.device_retire(actor=world.director_a, device=device, reason="损坏")
    services.device_unbind(actor=world.director_a, device=device, reason="更换设备")
    services.device_retire(actor=world.director_a, device=device, reason="损坏")
    device.refresh_from_db()
    assert device.retired
    with pytest.raises(DomainError):
        services.device_retire(actor=world.director_a, device=device, reason="again")


def test_lift_a_banned_place_but_never_the_default_area(world):
    import time

    from fengqiao.corrections import geo
    from fengqiao.corrections.ingest import ingest
    from fengqiao.corrections.models import Alert, Fence
    from fengqiao.corrections.testing import CENTRE, fix

    subject = make_subject(world)
    _measure, device = make_measure(world, subject)
    banned = services.fence_save(
        actor=world.director_a, org=subject.office, kind=codes.FenceKind.BANNED, name="酒吧", subject=subject,
        polygon=geo.circle(CENTRE[0], CENTRE[1], 300),
    )  # fmt: skip
    default = Fence.objects.get(office=subject.office, subject__isnull=True)
    with pytest.raises(DomainError):
        services.fence_deactivate(actor=world.director_a, fence=default, reason="不需要")
    services.fence_deactivate(actor=world.director_a, fence=banned, reason="禁止令期满")
    t0 = time.time() - 600
    ingest(token=None, body={"fixes": [fix(device, i, t=t0 + 60 * i) for i in range(5)]})
    assert not Alert.objects.filter(subject=subject, kind=codes.AlertKind.BANNED_PLACE).exists()
    with pytest.raises(DomainError):
        services.fence_deactivate(actor=world.director_a, fence=banned, reason="again")


def test_unlink_co_offenders(world):
    from fengqiao.corrections.models import CoOffenderLink

    one, two = make_subject(world), make_subject(world)
    services.co_offender_link(actor=world.director_a, subject=one, other=two)
    services.co_offender_unlink(actor=world.director_a, subject=two, other=one, reason="录入错误")
    assert not CoOffenderLink.objects.exists()
    with pytest.raises(DomainError):
        services.co_offender_unlink(actor=world.director_a, subject=one, other=two, reason="again")
