"""Linkage (referrals, judicial confirmation), mediation periods, early warnings, screening rounds
and major incidents."""

import datetime

import pytest
from django.utils import timezone

from fengqiao.core.errors import DomainError, Forbidden
from fengqiao.core.models import AuditEvent
from fengqiao.mediation import codes, services
from fengqiao.mediation.models import Agreement, CaseEvent, Dispute, MediationPeriod, Referral, RiskFlag
from fengqiao.mediation.tests.test_services import register

S = codes.Status
TODAY = timezone.localdate()
K = codes.RiskKind
L = codes.RiskLevel


def failed_case(world):
    d = register(world)
    services.dispute_accept(actor=world.director_a, dispute=d)
    services.session_add(actor=world.director_a, dispute=d, held_on=TODAY, place="村调解室", record="双方各执一词")
    return services.dispute_fail(actor=world.director_a, dispute=d, reason="双方分歧过大")


def succeeded_case(world, form=codes.AgreementForm.WRITTEN, signed_on=None):
    d = register(world)
    services.dispute_accept(actor=world.director_a, dispute=d)
    services.dispute_succeed(actor=world.director_a, dispute=d, form=form, terms="李四疏通排水沟", signed_on=TODAY)
    if signed_on:  # an agreement signed long ago (the services only take today's steps)
        Agreement.objects.filter(dispute=d).update(signed_on=signed_on)
    d.refresh_from_db()
    return d


# --- referrals -------------------------------------------------------------------------------------


def test_failed_case_is_referred_and_its_result_recorded(world):
    d = failed_case(world)
    referral = services.dispute_refer(
        actor=world.director_a,
        dispute=d,
        channel=codes.LinkageChannel.LITIGATION,
        receiving_body="江阴市人民法院",
        referred_on=TODAY,
        reason="当事人要求诉讼",
        expected_version=d.version,
    )
    d.refresh_from_db()
    assert d.status == S.FAILED  # referral does not change the case's state
    assert referral.outcome == codes.LinkageOutcome.PENDING and referral.office_id == world.office_a.pk
    with pytest.raises(DomainError) as exc:
        services.dispute_refer(
            actor=world.director_a, dispute=d, channel="litigation", receiving_body="法院", referred_on=TODAY
        )
    assert exc.value.code == "duplicate"
    services.referral_record_result(
        actor=world.director_a,
        dispute=d,
        referral=referral,
        outcome=codes.LinkageOutcome.RESOLVED,
        result_on=TODAY,
        result="法院调解结案",
    )
    referral.refresh_from_db()
    assert referral.outcome == codes.LinkageOutcome.RESOLVED
    steps = list(CaseEvent.objects.filter(dispute=d).values_list("transition", flat=True))
    assert steps[-2:] == [codes.Transition.REFER, codes.Transition.REFERRAL_RESULT]
    assert AuditEvent.objects.filter(action="referral.result").count() == 1
    with pytest.raises(DomainError):
        services.referral_record_result(
            actor=world.director_a, dispute=d, referral=referral, outcome="resolved", result_on=TODAY
        )


def test_referral_refuses_bad_input_and_changes_nothing(world):
    d = failed_case(world)
    version = d.version
    for kwargs, field in (
        ({"channel": "mars"}, "channel"),
        ({"receiving_body": " "}, "receiving_body"),
        ({"referred_on": TODAY + datetime.timedelta(days=2)}, "referred_on"),
        ({"referred_on": d.received_on - datetime.timedelta(days=1)}, "referred_on"),
    ):
        data = {"channel": "arbitration", "receiving_body": "劳动仲裁委", "referred_on": TODAY} | kwargs
        with pytest.raises(DomainError) as exc:
            services.dispute_refer(actor=world.director_a, dispute=d, **data)
        assert exc.value.field == field
    d.refresh_from_db()
    assert d.version == version and not Referral.objects.exists()


def test_open_or_settled_case_cannot_be_referred(world):
    open_case = register(world)
    with pytest.raises(DomainError) as exc:
        services.dispute_refer(
            actor=world.director_a, dispute=open_case, channel="litigation", receiving_body="法院", referred_on=TODAY
        )
    assert exc.value.code == "illegal_transition"
    settled = succeeded_case(world)
    services.dispute_follow_up(
        actor=world.director_a, dispute=settled, visited_on=TODAY, satisfaction="satisfied", performed=True
    )
    with pytest.raises(DomainError):
        services.dispute_refer(
            actor=world.director_a, dispute=settled, channel="litigation", receiving_body="法院", referred_on=TODAY
        )


def test_referral_by_another_office_is_forbidden(world):
    d = failed_case(world)
    with pytest.raises(Forbidden):
        services.dispute_refer(
            actor=world.director_b, dispute=d, channel="litigation", receiving_body="法院", referred_on=TODAY
        )


# --- judicial confirmation -------------------------------------------------------------------------


def test_confirmation_within_thirty_days(world):
    d = succeeded_case(world, signed_on=TODAY - datetime.timedelta(days=31))
    with pytest.raises(DomainError) as exc:
        services.confirmation_apply(actor=world.director_a, dispute=d, court="江阴市人民法院", applied_on=TODAY)
    assert exc.value.field == "applied_on" and "30" in str(exc.value)
    confirmation = services.confirmation_apply(
        actor=world.director_a, dispute=d, court="江阴市人民法院", applied_on=TODAY - datetime.timedelta(days=1)
    )
    assert confirmation.result == codes.ConfirmationResult.PENDING
    with pytest.raises(DomainError) as exc:
        services.confirmation_apply(
            actor=world.director_a, dispute=d, court="法院", applied_on=TODAY - datetime.timedelta(days=1)
        )
    assert exc.value.code == "duplicate"
    services.confirmation_record_result(
        actor=world.director_a,
        dispute=d,
        result=codes.ConfirmationResult.CONFIRMED,
        ruled_on=TODAY,
        ruling_number="（2026）苏0281民特1号",
    )
    confirmation.refresh_from_db()
    assert confirmation.result == codes.ConfirmationResult.CONFIRMED
    with pytest.raises(DomainError):
        services.confirmation_record_result(actor=world.director_a, dispute=d, result="confirmed", ruled_on=TODAY)


def test_oral_agreement_cannot_be_confirmed(world):
    d = succeeded_case(world, form=codes.AgreementForm.ORAL)
    with pytest.raises(DomainError) as exc:
        services.confirmation_apply(actor=world.director_a, dispute=d, court="法院", applied_on=TODAY)
    assert exc.value.code == "illegal_transition"


# --- periods ---------------------------------------------------------------------------------------


def test_period_most_specific_rule_wins(world):
    d = register(world, event_type="0201")
    assert services.period_for(d) == codes.DEFAULT_PERIOD_DAYS
    services.period_set(actor=world.city_admin, org=world.city, code="02", days=20)
    assert services.period_for(d) == 20
    services.period_set(actor=world.director_a, org=world.office_a, code="02", days=15)
    assert services.period_for(d) == 15
    services.period_set(actor=world.city_admin, org=world.city, code="0201", days=10)
    assert services.period_for(d) == 10  # a two-level code beats a class, wherever it is set
    accepted = services.dispute_accept(actor=world.director_a, dispute=d)
    assert accepted.deadline == TODAY + datetime.timedelta(days=10)
    # office B is not bound by office A's rule
    b = register(world, actor=world.director_b, org=world.village_b1, event_type="0202")
    assert services.period_for(b) == 20


def test_period_bad_input_and_rights(world):
    with pytest.raises(DomainError):
        services.period_set(actor=world.city_admin, org=world.city, code="99x", days=10)
    with pytest.raises(DomainError):
        services.period_set(actor=world.city_admin, org=world.city, code="02", days=0)
    with pytest.raises(DomainError):
        services.period_set(actor=world.city_admin, org=world.village_a1, code="02", days=10)
    with pytest.raises(Forbidden):
        services.period_set(actor=world.staff_a, org=world.office_a, code="02", days=10)
    with pytest.raises(Forbidden):
        services.period_set(actor=world.director_b, org=world.office_a, code="02", days=10)
    period = services.period_set(actor=world.city_admin, org=world.city, code="02", days=10)
    services.period_set(actor=world.city_admin, org=world.city, code="02", days=12)
    assert MediationPeriod.objects.get().days == 12
    services.period_delete(actor=world.city_admin, period=period)
    assert not MediationPeriod.objects.exists()


# --- early warnings --------------------------------------------------------------------------------


def flags(d):
    return {f.kind: f for f in RiskFlag.objects.filter(dispute=d)}


def test_threat_words_and_injury_raise_a_red_criminal_warning(world):
    d = register(world, description="李四扬言要报复，张三已被打伤住院。")
    f = flags(d)[K.CRIMINAL]
    assert f.level == L.RED and f.status == codes.FlagStatus.OPEN
    codes_found = [r["code"] for r in f.reasons]
    assert codes_found == ["threat_words", "injury"]
    assert "报复" in f.reason_texts()[0]
    d.refresh_from_db()
    assert d.risk_level == L.RED
    assert CaseEvent.objects.filter(dispute=d, transition=codes.Transition.WARNING).count() == 1


def test_repeated_disputes_between_the_same_parties(world):
    register(world)
    second = register(world, description="又因排水问题争吵。")
    f = flags(second)[K.CRIMINAL]
    assert f.level == L.YELLOW and f.reasons == [{"code": "repeated", "count": 1}]
    # same people, written differently (full-width spaces), and on the other side
    third = register(
        world,
        description="再起争执。",
        parties=[
            {"side": "applicant", "name": "李　四"},
            {
                "side": "respondent",
                "name": "张三",
                "id_number": Dispute.objects.first().parties.get(name="张三").id_number,
            },
        ],
    )
    assert flags(third)[K.CRIMINAL].reasons == [{"code": "repeated", "count": 2}]


def test_cluster_against_one_respondent_flags_every_case_in_it(world):
    cases = [
        register(
            world,
            description=f"业主{i}反映物业公司未履行维修义务。",
            parties=[{"side": "applicant", "name": f"业主{i}"}, {"side": "respondent", "name": "阳光物业有限公司"}],
        )
        for i in range(3)
    ]
    # "阳光物业公司" is the same company
    for d in cases[:2]:
        d.refresh_from_db()
    assert all(K.MASS in flags(d) for d in cases)
    assert flags(cases[0])[K.MASS].level == L.ORANGE
    more = [
        register(
            world,
            description="物业问题。",
            parties=[{"side": "applicant", "name": f"住户{i}"}, {"side": "respondent", "name": "阳光物业公司"}],
        )
        for i in range(2)
    ]
    assert flags(more[-1])[K.MASS].level == L.RED
    assert flags(cases[0])[K.MASS].level == L.RED  # the earlier cases follow the cluster


def test_same_place_and_scale_and_amount(world):
    for i in range(3):
        d = register(
            world,
            place=f"东街 {i % 1}号 门口",
            parties=[{"side": "applicant", "name": f"甲{i}"}, {"side": "respondent", "name": f"乙{i}"}],
        )
    f = flags(d)[K.MASS]
    assert [r["code"] for r in f.reasons] == ["same_place"]
    big = register(world, scale="03", amount="1200000")
    assert flags(big)[K.MASS].level == L.RED
    assert flags(big)[K.AMOUNT].level == L.RED
    small = register(
        world, amount="150000", parties=[{"side": "applicant", "name": "丙"}, {"side": "respondent", "name": "丁"}]
    )
    assert flags(small)[K.AMOUNT].level == L.YELLOW and K.MASS not in flags(small)


def test_flag_acknowledged_handled_and_not_raised_again(world):
    d = register(world, amount="600000")
    f = flags(d)[K.AMOUNT]
    services.flag_acknowledge(actor=world.staff_a, flag=f)
    with pytest.raises(DomainError):
        services.flag_acknowledge(actor=world.staff_a, flag=f)
    with pytest.raises(DomainError) as exc:
        services.flag_handle(actor=world.staff_a, flag=f, measures=" ")
    assert exc.value.field == "measures"
    with pytest.raises(Forbidden):
        services.flag_handle(actor=world.director_b, flag=f, measures="x")
    services.flag_handle(actor=world.staff_a, flag=f, measures="已约谈双方，建议分期履行")
    f.refresh_from_db()
    d.refresh_from_db()
    assert f.status == codes.FlagStatus.HANDLED and f.handled_by == world.staff_a and d.risk_level == 0
    # saving the case again with the same facts does not raise the same warning twice
    services.dispute_update(
        actor=world.staff_a,
        dispute=d,
        summary="排水纠纷（补充）",
        description=d.description,
        event_type=d.event_type,
        amount=d.amount,
        people_count=d.people_count,
        scale=d.scale,
    )
    assert RiskFlag.objects.filter(dispute=d).count() == 1
    # a higher amount does
    d.refresh_from_db()
    services.dispute_update(
        actor=world.staff_a,
        dispute=d,
        summary=d.summary,
        description=d.description,
        event_type=d.event_type,
        amount="2000000",
        people_count=d.people_count,
        scale=d.scale,
    )
    assert RiskFlag.objects.filter(dispute=d, status="open").get().level == L.RED


def test_edit_refuses_no_change_and_stale_version(world):
    d = register(world)
    data = {"summary": d.summary, "description": d.description, "event_type": d.event_type, "people_count": 2}
    with pytest.raises(DomainError) as exc:
        services.dispute_update(actor=world.staff_a, dispute=d, **data)
    assert exc.value.code == "unchanged"
    services.dispute_update(actor=world.staff_a, dispute=d, expected_version=d.version, **(data | {"summary": "新"}))
    with pytest.raises(DomainError) as exc:
        services.dispute_update(
            actor=world.staff_a, dispute=d, expected_version=d.version, **(data | {"summary": "旧"})
        )
    assert exc.value.code == "stale"
    d.refresh_from_db()
    assert d.summary == "新"


# --- screening and incidents -----------------------------------------------------------------------


def test_screening_round_and_dispute_found_in_it(world):
    rnd = services.screening_record(
        actor=world.mediator_a1,
        org=world.village_a1,
        period_from=TODAY.replace(day=1),
        period_to=TODAY,
        held_on=TODAY,
        participants="网格员、调解员",
        findings="发现土地纠纷一起",
        disputes_found=1,
    )
    d = register(world, channel=codes.Channel.SCREENING, screening=rnd)
    assert d.screening == rnd and rnd.disputes.count() == 1
    with pytest.raises(DomainError):
        register(world, screening=rnd)  # a walk-in is not from screening
    with pytest.raises(DomainError) as exc:
        services.screening_record(
            actor=world.mediator_a1,
            org=world.village_a1,
            period_from=TODAY,
            period_to=TODAY - datetime.timedelta(days=1),
            held_on=TODAY,
            participants="x",
            findings="y",
        )
    assert exc.value.field == "period_to"
    with pytest.raises(Forbidden):
        services.screening_record(
            actor=world.mediator_a1,
            org=world.village_b1,
            period_from=TODAY,
            period_to=TODAY,
            held_on=TODAY,
            participants="x",
            findings="y",
        )


def test_major_incident_caused_by_mediation_needs_the_finding(world):
    d = register(world)
    with pytest.raises(DomainError) as exc:
        services.incident_record(
            actor=world.director_a,
            org=world.office_a,
            occurred_on=TODAY,
            title="聚集",
            description="群众聚集",
            people_count=80,
            dispute=d,
            caused_by_mediation=True,
        )
    assert exc.value.field == "cause_note"
    incident = services.incident_record(
        actor=world.director_a,
        org=world.office_a,
        occurred_on=TODAY,
        title="聚集",
        description="群众聚集",
        people_count=80,
        dispute=d,
        caused_by_mediation=True,
        cause_note="调解不及时",
    )
    assert incident.office_id == world.office_a.pk
    other = register(world, actor=world.director_b, org=world.village_b1)
    with pytest.raises(DomainError):
        services.incident_record(
            actor=world.director_a,
            org=world.office_a,
            occurred_on=TODAY,
            title="t",
            description="d",
            people_count=80,
            dispute=other,
        )
