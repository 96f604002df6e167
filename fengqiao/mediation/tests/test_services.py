"""The case state machine, numbering and bad input."""

import datetime
import threading

import pytest
from django.db import connections
from django.utils import timezone
from django.utils.translation import override

from fengqiao.core.errors import Conflict, DomainError, Forbidden
from fengqiao.core.models import AuditEvent
from fengqiao.mediation import codes, services
from fengqiao.mediation.models import CaseEvent, Committee, Dispute, Mediator, Party
from fengqiao.testing.factories import World, valid_id_number

S = codes.Status
TODAY = timezone.localdate()


def register(world, actor=None, **overrides):
    data = {
        "actor": actor or world.director_a,
        "org": world.village_a1,
        "channel": codes.Channel.VISIT,
        "event_type": "0201",
        "summary": "排水纠纷",
        "description": "东邻排水沟堵塞，雨水倒灌西邻院落。",
        "received_on": TODAY - datetime.timedelta(days=3),
        "parties": [
            {"side": "applicant", "name": "张三", "id_number": valid_id_number(), "phone": "13812345678"},
            {"side": "respondent", "name": "李四", "phone": "0510-86801234"},
        ],
    }
    data.update(overrides)
    return services.dispute_register(**data)


@pytest.fixture
def committee(world):
    return Committee.objects.create(
        org=world.office_a, name="甲镇人民调解委员会", committee_type=codes.CommitteeType.TOWN
    )


@pytest.fixture
def mediator(world, committee):
    m = Mediator.objects.create(org=world.office_a, full_name="王调解", full_time=True)
    m.committees.add(committee)
    return m


def test_register_gives_a_readable_gap_free_number(world):
    first = register(world)
    second = register(world, org=world.office_a)
    year = first.received_on.year
    assert first.number == f"（{year}）甲镇人调字第00001号"
    assert second.seq == first.seq + 1
    assert first.office_id == world.office_a.pk and first.status == S.REGISTERED
    assert first.stat_category == "02" and first.level == codes.Level.VILLAGE
    assert [p.name for p in first.parties.order_by("side")] == ["张三", "李四"]
    assert first.parties.get(name="张三").office_id == world.office_a.pk
    assert CaseEvent.objects.filter(dispute=first, transition=codes.Transition.REGISTER).count() == 1
    assert AuditEvent.objects.filter(action="dispute.register", object_id=str(first.pk)).count() == 1


def test_numbers_restart_per_office(world):
    a = register(world)
    b = register(world, actor=world.director_b, org=world.village_b1)
    assert a.seq == b.seq == 1 and a.number != b.number


@pytest.mark.parametrize(
    ("field", "overrides"),
    [
        ("received_on", {"received_on": TODAY + datetime.timedelta(days=1)}),
        ("amount", {"amount": "-5"}),
        ("event_type", {"event_type": "0000"}),
        ("summary", {"summary": "  "}),
        ("parties", {"parties": [{"side": "applicant", "name": "张三"}]}),
        (
            "parties.0.id_number",
            {
                "parties": [
                    {"side": "applicant", "name": "张三", "id_number": "320281199002301234"},
                    {"side": "respondent", "name": "李四"},
                ]
            },
        ),
        (
            "parties.1.phone",
            {
                "parties": [
                    {"side": "applicant", "name": "张三"},
                    {"side": "respondent", "name": "李四", "phone": "12345"},
                ]
            },
        ),
        ("referral_source", {"channel": codes.Channel.REFERRAL}),
        ("people_count", {"people_count": 1}),
    ],
)
def test_bad_intake_is_refused_and_changes_nothing(world, field, overrides):
    with pytest.raises(DomainError) as exc:
        register(world, **overrides)
    assert exc.value.field == field
    assert not Dispute.objects.exists() and not Party.objects.exists()


def test_refused_intake_gives_its_number_back(world):
    with pytest.raises(DomainError):
        register(world, amount="-1")
    assert register(world).seq == 1


def test_register_outside_scope_is_forbidden(world):
    with pytest.raises(Forbidden):
        register(world, org=world.village_b1)


def test_full_life_of_a_case(world, committee, mediator):
    d = register(world)
    services.dispute_accept(actor=world.director_a, dispute=d, committee=committee, mediators=[mediator])
    d.refresh_from_db()
    assert d.status == S.ACCEPTED and d.deadline == TODAY + datetime.timedelta(days=30)
    assert d.level == codes.Level.TOWN and list(d.mediators.all()) == [mediator]
    services.session_add(
        actor=world.director_a,
        dispute=d,
        held_on=TODAY,
        place="甲镇调解室",
        record="双方陈述意见。",
        attendees="张三、李四",
    )
    d.refresh_from_db()
    assert d.status == S.MEDIATING
    agreement = services.dispute_succeed(
        actor=world.director_a, dispute=d, form="written", terms="李四三日内疏通排水沟。", signed_on=TODAY, amount="500"
    )
    d.refresh_from_db()
    assert d.status == S.SUCCEEDED and d.concluded_on == TODAY and agreement.amount == 500
    services.dispute_follow_up(
        actor=world.director_a, dispute=d, visited_on=TODAY, satisfaction="satisfied", performed=True
    )
    services.dispute_archive(actor=world.director_a, dispute=d)
    d.refresh_from_db()
    assert d.status == S.ARCHIVED and d.archived_on == TODAY
    steps = list(CaseEvent.objects.filter(dispute=d).values_list("transition", flat=True))
    assert steps == ["register", "accept", "session", "succeed", "follow_up", "archive"]
    services.dispute_reopen(actor=world.director_a, dispute=d, reason="一方反悔，申请重新调解。")
    d.refresh_from_db()
    assert d.status == S.ACCEPTED and d.archived_on is None and d.concluded_on is None


def test_illegal_transitions_are_refused_in_chinese_and_change_nothing(world):
    d = register(world)
    before = (d.status, d.version)
    with override("zh-hans"), pytest.raises(DomainError) as exc:
        services.dispute_archive(actor=world.director_a, dispute=d)
    assert exc.value.code == "illegal_transition"
    assert "已登记" in str(exc.value) or "登记" in str(exc.value)
    d.refresh_from_db()
    assert (d.status, d.version) == before
    with pytest.raises(DomainError):
        services.dispute_fail(actor=world.director_a, dispute=d, reason="x")  # not yet in mediation


def test_agreement_needs_terms(world):
    d = register(world)
    services.dispute_accept(actor=world.director_a, dispute=d)
    with pytest.raises(DomainError) as exc:
        services.dispute_succeed(actor=world.director_a, dispute=d, form="oral", terms=" ", signed_on=TODAY)
    assert exc.value.field == "terms"
    d.refresh_from_db()
    assert d.status == S.ACCEPTED


def test_stale_version_is_refused(world):
    d = register(world)
    services.dispute_accept(actor=world.director_a, dispute=d, expected_version=1)
    with pytest.raises(Conflict) as exc:
        services.dispute_terminate(actor=world.staff_a, dispute=d, reason="撤回", expected_version=1)
    assert exc.value.code == "stale"
    d.refresh_from_db()
    assert d.status == S.ACCEPTED and d.version == 2


def test_reasons_are_required(world):
    d = register(world)
    with pytest.raises(DomainError) as exc:
        services.dispute_reject(actor=world.director_a, dispute=d, reason="")
    assert exc.value.field == "reason"


def test_escalation_goes_up_only(world, committee):
    village_committee = Committee.objects.create(
        org=world.village_a1, name="甲一村调委会", committee_type=codes.CommitteeType.VILLAGE
    )
    d = register(world, committee=village_committee)
    assert d.level == codes.Level.VILLAGE
    with pytest.raises(DomainError):
        services.dispute_escalate(actor=world.director_a, dispute=d, committee=village_committee, reason="难")
    services.dispute_escalate(actor=world.director_a, dispute=d, committee=committee, reason="涉及多户")
    d.refresh_from_db()
    assert d.level == codes.Level.TOWN and d.committee == committee


def test_committee_must_cover_the_place(world):
    other = Committee.objects.create(org=world.office_b, name="乙镇调委会", committee_type=codes.CommitteeType.TOWN)
    with pytest.raises(DomainError) as exc:
        register(world, committee=other)
    assert exc.value.field == "committee"


def test_another_office_cannot_move_the_case(world):
    d = register(world)
    with pytest.raises(Forbidden):
        services.dispute_accept(actor=world.director_b, dispute=d)


@pytest.mark.django_db(transaction=True)
def test_concurrent_intake_never_shares_a_number():
    w = World.build()
    errors, barrier = [], threading.Barrier(4)

    def intake():
        try:
            barrier.wait(timeout=10)
            register(w)
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=intake) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert sorted(Dispute.objects.values_list("seq", flat=True)) == [1, 2, 3, 4]


def test_reopen_withdraws_the_agreement_and_its_figures(world):
    d = register(world)
    services.dispute_accept(actor=world.director_a, dispute=d)
    services.dispute_succeed(
        actor=world.director_a, dispute=d, form="written", terms="履行", signed_on=TODAY, prevented_criminal_persons=2
    )
    services.dispute_follow_up(
        actor=world.director_a, dispute=d, visited_on=TODAY, satisfaction="satisfied", performed=True
    )
    services.dispute_archive(actor=world.director_a, dispute=d)
    services.dispute_reopen(actor=world.director_a, dispute=d, reason="一方反悔")
    d.refresh_from_db()
    assert not hasattr(d, "agreement") or not Dispute.objects.filter(pk=d.pk, agreement__isnull=False).exists()
    assert (d.prevented_criminal, d.prevented_criminal_persons, d.outcome, d.days_to_conclude) == (False, 0, "", None)
    assert AuditEvent.objects.filter(action="dispute.agreement_withdrawn").count() == 1
    services.dispute_terminate(actor=world.director_a, dispute=d, reason="撤回")
    d.refresh_from_db()
    assert d.outcome == codes.Outcome.TERMINATED and d.days_to_conclude == 3


def test_reopening_a_declined_case_accepts_it(world):
    d = register(world)
    services.dispute_reject(actor=world.director_a, dispute=d, reason="不属于调解范围")
    services.dispute_reopen(actor=world.director_a, dispute=d, reason="复核后受理")
    d.refresh_from_db()
    assert d.status == S.ACCEPTED and d.accepted_on == TODAY and d.deadline is not None


def test_accept_cannot_undo_an_escalation(world, committee):
    village_committee = Committee.objects.create(
        org=world.village_a1, name="甲一村调委会", committee_type=codes.CommitteeType.VILLAGE
    )
    d = register(world, committee=village_committee)
    services.dispute_escalate(actor=world.director_a, dispute=d, committee=committee, reason="涉及多户")
    with pytest.raises(DomainError) as exc:
        services.dispute_accept(actor=world.director_a, dispute=d, committee=village_committee)
    assert exc.value.field == "committee"
    event = AuditEvent.objects.filter(action="dispute.escalate").get()
    assert event.changes["committee_id"] == [village_committee.pk, committee.pk]
    assert event.changes["level"] == [codes.Level.VILLAGE, codes.Level.TOWN]


def test_mediators_come_from_the_office_or_the_committee(world, committee):
    other = Mediator.objects.create(org=world.office_b, full_name="乙镇调解员", full_time=True)
    d = register(world)
    with pytest.raises(DomainError) as exc:
        services.dispute_accept(actor=world.city_admin, dispute=d, mediators=[other])
    assert exc.value.field == "mediators"
    other.committees.add(committee)  # a member of the handling committee may mediate
    services.dispute_accept(actor=world.city_admin, dispute=d, committee=committee, mediators=[other])


def test_numbers_and_dates_out_of_range(world):
    with pytest.raises(DomainError) as exc:
        register(world, people_count=10**12)
    assert exc.value.field == "people_count"
    d = register(world, received_on=TODAY - datetime.timedelta(days=10))
    services.dispute_accept(actor=world.director_a, dispute=d)
    with pytest.raises(DomainError) as exc:
        services.session_add(
            actor=world.director_a, dispute=d, held_on=TODAY - datetime.timedelta(days=9), place="调解室", record="记录"
        )
    assert exc.value.field == "held_on"
    with pytest.raises(DomainError) as exc:
        services.dispute_succeed(
            actor=world.director_a, dispute=d, form="oral", terms="履行", signed_on=TODAY - datetime.timedelta(days=5)
        )
    assert exc.value.field == "signed_on"
    with pytest.raises(DomainError) as exc:
        services.dispute_succeed(
            actor=world.director_a,
            dispute=d,
            form="oral",
            terms="履行",
            signed_on=TODAY,
            prevented_criminal_persons=10**9,
        )
    assert exc.value.field == "prevented_criminal_persons"
