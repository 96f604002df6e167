"""Legal-services services: each kind recorded, each step, the rules and every refusal changing
nothing."""

import datetime

import pytest
from django.utils import timezone

from fengqiao.core import audit
from fengqiao.core.errors import DomainError, Forbidden
from fengqiao.core.models import AuditEvent
from fengqiao.core.permissions import Role
from fengqiao.legalservices import codes, policy, services
from fengqiao.legalservices.models import Complaint, DuePolicy, ServiceEvent, ServiceRecord
from fengqiao.testing.factories import make_user

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
K = codes.Kind


def consult(world, actor=None, **overrides):
    data = {
        "actor": actor or world.director_a,
        "kind": K.CONSULTATION,
        "office": world.office_a,
        "village": world.village_a1,
        "received_on": TODAY,
        "person_name": "王秀英",
        "person_phone": "13812345678",
        "channel": codes.Channel.VISIT,
        "category": codes.Category.LABOUR,
        "question": "老板拖欠三个月工资不给，怎么讨要？",
        "minutes": 20,
    }
    data.update(overrides)
    return services.service_register(**data)


def refer(world, actor=None, **overrides):
    data = {
        "actor": actor or world.director_a,
        "kind": K.REFERRAL,
        "office": world.office_a,
        "received_on": TODAY,
        "person_name": "张建国",
        "question": "拖欠工资，经济困难，申请法律援助",
        "referral_to": codes.ReferralTo.LEGAL_AID,
        "receiving_body": "江阴市法律援助中心",
    }
    data.update(overrides)
    return services.service_register(**data)


def make_overdue(service, days=10):
    ServiceRecord.objects.filter(pk=service.pk).update(received_on=TODAY - days * DAY, due_on=TODAY - (days - 1) * DAY)
    service.refresh_from_db()
    return service


def state():
    return (
        ServiceRecord.objects.count(),
        ServiceEvent.objects.count(),
        Complaint.objects.count(),
        AuditEvent.objects.count(),
        list(
            ServiceRecord.objects.order_by("pk").values_list(
                "status", "answer", "outcome", "satisfaction", "adoption", "concluded_on"
            )
        ),
        list(Complaint.objects.order_by("pk").values_list("status", "verification", "verified_on")),
        list(DuePolicy.objects.values_list("kind", "days")),
    )


def refused(fn, *, field=None, code=None, exc=DomainError, **kwargs):
    before = state()
    with pytest.raises(exc) as info:
        fn(**kwargs)
    assert state() == before
    if field is not None:
        assert info.value.field == field, info.value
    if code is not None:
        assert info.value.code == code, info.value
    return info.value


# --- recording -----------------------------------------------------------------------------------------


def test_a_consultation_answered_on_the_spot_is_concluded_with_its_satisfaction(world):
    s = consult(world, answer="可向劳动仲裁委申请仲裁。", satisfaction=codes.Satisfaction.SATISFIED)
    assert (s.status, s.concluded_on, s.due_on) == (codes.Status.CONCLUDED, TODAY, TODAY)
    assert s.office_id == world.office_a.pk and s.org_id == world.village_a1.pk
    assert s.satisfaction == codes.Satisfaction.SATISFIED
    assert list(ServiceEvent.objects.filter(service=s).order_by("id").values_list("step", flat=True)) == [
        "register", "conclude", "rate",
    ]  # fmt: skip
    event = AuditEvent.objects.get(action="legalservices.register", object_id=str(s.pk))
    assert event.office_id == world.office_a.pk
    assert "13812345678" not in str(event.changes)  # the phone is masked in the trail


def test_an_unanswered_consultation_stays_open_due_the_same_day(world):
    s = consult(world, village=None)
    assert s.status == codes.Status.OPEN and s.due_on == TODAY and s.org_id == world.office_a.pk


def test_every_kind_records_its_own_fields(world):
    r = refer(world, subject="ignored for a referral", decision_type="contract")
    assert r.subject == "" and r.decision_type == "" and r.receiving_body == "江阴市法律援助中心"
    assert r.due_on == policy.add_days(TODAY, 3, True)
    leg = services.service_register(
        actor=world.staff_a, kind=K.LEGISLATIVE, office=world.office_a, received_on=TODAY,
        subject="《江苏省养老服务条例（草案）》", question="建议增加喘息服务", opinion_count=12,
    )  # fmt: skip
    assert leg.opinion_count == 12 and leg.due_on == TODAY + 15 * DAY and leg.is_open
    dec = services.service_register(
        actor=world.director_a, kind=K.DECISION, office=world.office_a, received_on=TODAY,
        subject="厂房租赁合同", decision_type=codes.DecisionType.CONTRACT, answer="合同合法，建议补充违约条款。",
        adoption=codes.Adoption.PARTLY,
    )  # fmt: skip
    assert dec.status == codes.Status.CONCLUDED and dec.adoption == codes.Adoption.PARTLY
    rec = services.service_register(
        actor=world.director_a, kind=K.RECONSIDERATION, office=world.office_a, received_on=TODAY - DAY,
        person_name="李明", question="对罚款决定不服", receiving_body="江阴市人民政府行政复议办公室",
    )  # fmt: skip
    assert rec.is_open and rec.category == ""


def test_working_days_skip_weekends():
    friday = datetime.date(2026, 11, 27)
    assert policy.add_days(friday, 3, True) == datetime.date(2026, 12, 2)
    assert policy.add_days(friday, 0, True) == friday
    assert policy.add_days(friday, 3, False) == datetime.date(2026, 11, 30)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"village": "b1"}, "village"),
        ({"village": "office_b"}, "village"),
        ({"office": None}, "office"),
        ({"received_on": TODAY + DAY}, "received_on"),
        ({"received_on": None}, "received_on"),
        ({"received_on": datetime.date(1980, 1, 1)}, "received_on"),
        ({"person_name": " "}, "person_name"),
        ({"person_phone": "12345"}, "person_phone"),
        ({"channel": "pigeon"}, "channel"),
        ({"channel": ""}, "channel"),
        ({"category": "astrology"}, "category"),
        ({"question": ""}, "question"),
        ({"minutes": -5}, "minutes"),
        ({"minutes": 99999}, "minutes"),
        ({"kind": "divination"}, "kind"),
        ({"answer": "答复", "satisfaction": "ecstatic"}, "satisfaction"),
        ({"satisfaction": codes.Satisfaction.SATISFIED}, "satisfaction"),
        ({"adoption": codes.Adoption.ADOPTED, "answer": "x"}, "adoption"),
    ],
)
def test_register_refusals_change_nothing(world, overrides, field):
    places = {"b1": world.village_b1, "office_b": world.office_b}
    for key in ("village",):
        if isinstance(overrides.get(key), str):
            overrides = {**overrides, key: places[overrides[key]]}
    refused(consult, world=world, field=field, **overrides)


def test_another_offices_village_names_the_problem(world):
    error = refused(consult, world=world, village=world.village_b1, field="village")
    assert world.village_b1.name in str(error)


def test_referral_and_opinion_refusals(world):
    refused(refer, world=world, referral_to="", field="referral_to")
    refused(refer, world=world, referral_to="lottery", field="referral_to")
    refused(refer, world=world, receiving_body="", field="receiving_body")
    refused(refer, world=world, answer="不能当场答复转介", field="answer")
    kw = {"actor": world.director_a, "kind": K.DECISION, "office": world.office_a, "received_on": TODAY}
    refused(services.service_register, **kw, subject="", decision_type="contract", field="subject")
    refused(services.service_register, **kw, subject="合同", decision_type="", field="decision_type")
    refused(services.service_register, **kw, subject="合同", decision_type="contract", adoption="adopted",
            field="adoption")  # fmt: skip
    refused(services.service_register, **kw, subject="合同", decision_type="contract", bogus=1)


def test_register_outside_the_actors_unit_is_forbidden(world):
    refused(consult, world=world, actor=world.director_b, exc=Forbidden)
    refused(consult, world=world, actor=world.leader, exc=Forbidden)


def test_advisor_records_in_the_villages_they_serve_only(world):
    s = consult(world, actor=world.advisor_a, village=world.village_a2, answer="已解答")
    assert s.org_id == world.village_a2.pk and s.handled_by == world.advisor_a
    refused(consult, world=world, actor=world.advisor_a, village=None, exc=Forbidden)
    refused(consult, world=world, actor=world.advisor_a, village=world.village_b1, field="village")


def test_mediator_records_but_does_not_change(world):
    s = consult(world, actor=world.mediator_a1)
    refused(services.service_conclude, actor=world.mediator_a1, service=s, concluded_on=TODAY, answer="x",
            exc=Forbidden)  # fmt: skip


# --- steps ---------------------------------------------------------------------------------------------


def test_conclude_each_kind_with_its_result(world):
    s = consult(world)
    services.service_conclude(actor=world.staff_a, service=s, concluded_on=TODAY, answer="建议申请劳动仲裁。")
    s.refresh_from_db()
    assert (s.status, s.answer, s.concluded_on) == (codes.Status.CONCLUDED, "建议申请劳动仲裁。", TODAY)
    r = refer(world)
    services.service_note(actor=world.staff_a, service=r, note="已电话联系法律援助中心")
    services.service_conclude(actor=world.staff_a, service=r, concluded_on=TODAY, outcome="已受理并指派律师")
    r.refresh_from_db()
    assert r.outcome == "已受理并指派律师"
    assert [e.step for e in ServiceEvent.objects.filter(service=r).order_by("id")] == ["register", "note", "conclude"]
    leg = services.service_register(
        actor=world.staff_a, kind=K.LEGISLATIVE, office=world.office_a, received_on=TODAY - 3 * DAY,
        subject="《条例（草案）》", question="意见若干",
    )  # fmt: skip
    services.service_conclude(
        actor=world.staff_a, service=leg, concluded_on=TODAY, forwarded_on=TODAY - DAY, receiving_body="市人大法工委"
    )
    leg.refresh_from_db()
    assert (leg.forwarded_on, leg.receiving_body) == (TODAY - DAY, "市人大法工委")
    assert AuditEvent.objects.filter(action="legalservices.conclude").count() == 3


def test_conclude_refusals(world):
    s = consult(world)
    kw = {"actor": world.staff_a, "service": s}
    refused(services.service_conclude, **kw, concluded_on=TODAY, answer=" ", field="answer")
    refused(services.service_conclude, **kw, concluded_on=TODAY + DAY, answer="x", field="concluded_on")
    refused(services.service_conclude, **kw, concluded_on=TODAY - DAY, answer="x", field="concluded_on")
    r = refer(world)
    refused(services.service_conclude, actor=world.staff_a, service=r, concluded_on=TODAY, field="outcome")
    leg = services.service_register(
        actor=world.staff_a, kind=K.LEGISLATIVE, office=world.office_a, received_on=TODAY,
        subject="《条例（草案）》", question="意见若干",
    )  # fmt: skip
    kw = {"actor": world.staff_a, "service": leg, "concluded_on": TODAY}
    refused(services.service_conclude, **kw, receiving_body="市人大", field="forwarded_on")
    refused(services.service_conclude, **kw, forwarded_on=TODAY, field="receiving_body")
    refused(services.service_conclude, **kw, forwarded_on=TODAY - DAY, receiving_body="市人大", field="forwarded_on")


def test_an_overdue_service_is_only_closed_with_its_result(world):
    r = make_overdue(refer(world))
    error = refused(services.service_conclude, actor=world.staff_a, service=r, concluded_on=TODAY, field="outcome")
    assert r.due_on.isoformat() in str(error)
    refused(services.service_withdraw, actor=world.staff_a, service=r, reason="当事人撤回", code="overdue")
    services.service_conclude(actor=world.staff_a, service=r, concluded_on=TODAY, outcome="已受理")
    r.refresh_from_db()
    assert r.status == codes.Status.CONCLUDED and r.concluded_on > r.due_on


def test_withdraw_before_due(world):
    r = refer(world)
    refused(services.service_withdraw, actor=world.staff_a, service=r, reason=" ", field="reason")
    services.service_withdraw(actor=world.staff_a, service=r, reason="当事人已自行和解")
    r.refresh_from_db()
    assert (r.status, r.withdraw_reason) == (codes.Status.WITHDRAWN, "当事人已自行和解")
    refused(services.service_conclude, actor=world.staff_a, service=r, concluded_on=TODAY, outcome="x",
            code="illegal_transition")  # fmt: skip
    refused(services.service_rate, actor=world.staff_a, service=r, satisfaction="satisfied", code="illegal_transition")


def test_satisfaction_on_concluded_services_only_and_from_the_list(world):
    s = consult(world)
    refused(services.service_rate, actor=world.staff_a, service=s, satisfaction="satisfied", code="illegal_transition")
    services.service_conclude(actor=world.staff_a, service=s, concluded_on=TODAY, answer="已答复")
    for bad in ("ecstatic", "", "满意", None):
        refused(services.service_rate, actor=world.staff_a, service=s, satisfaction=bad, field="satisfaction")
    services.service_rate(actor=world.staff_a, service=s, satisfaction=codes.Satisfaction.BASIC, note="回访")
    s.refresh_from_db()
    assert s.satisfaction == codes.Satisfaction.BASIC
    assert ServiceEvent.objects.filter(service=s, step="rate").count() == 1


def test_adoption_for_opinions_only(world):
    dec = services.service_register(
        actor=world.director_a, kind=K.DECISION, office=world.office_a, received_on=TODAY,
        subject="合同", decision_type=codes.DecisionType.CONTRACT,
    )  # fmt: skip
    refused(services.service_set_adoption, actor=world.director_a, service=dec, adoption="adopted",
            code="illegal_transition")  # fmt: skip
    services.service_conclude(actor=world.director_a, service=dec, concluded_on=TODAY, answer="意见")
    refused(services.service_set_adoption, actor=world.director_a, service=dec, adoption="maybe", field="adoption")
    services.service_set_adoption(actor=world.director_a, service=dec, adoption=codes.Adoption.NOT_ADOPTED)
    dec.refresh_from_db()
    assert dec.adoption == codes.Adoption.NOT_ADOPTED
    s = consult(world, answer="x")
    refused(services.service_set_adoption, actor=world.director_a, service=s, adoption="adopted",
            code="illegal_transition")  # fmt: skip


def test_a_stale_version_loses_nothing(world):
    s = consult(world)
    version = audit.version_of(s)
    services.service_note(actor=world.staff_a, service=s, note="补充材料", expected_version=version)
    services.service_conclude(actor=world.staff_a, service=s, concluded_on=TODAY, answer="答复一",
                              expected_version=version)  # fmt: skip
    refused(services.service_rate, actor=world.staff_a, service=s, satisfaction="satisfied",
            expected_version=version, code="stale")  # fmt: skip


def test_steps_of_another_office_are_forbidden(world):
    s = consult(world)
    refused(services.service_note, actor=world.staff_b, service=s, note="x", exc=Forbidden)


# --- complaints ----------------------------------------------------------------------------------------


def complain(world, **overrides):
    data = {
        "actor": world.director_a,
        "office": world.office_a,
        "received_on": TODAY,
        "complainant": "陈某",
        "content": "咨询时工作人员态度生硬",
    }
    data.update(overrides)
    return services.complaint_register(**data)


def test_complaint_about_a_service_and_its_verification(world):
    s = consult(world, received_on=TODAY - 5 * DAY, answer="x")
    c = complain(world, service=s, complainant_phone="13900001111")
    assert c.is_open and c.service == s
    kw = {"actor": world.director_a, "complaint": c, "handling": "经核查属实，已批评教育"}
    refused(services.complaint_close, **kw, verification="", verified_on=TODAY, field="verification")
    refused(services.complaint_close, **kw, verification="maybe", verified_on=TODAY, field="verification")
    refused(services.complaint_close, **kw, verification="substantiated", verified_on=None, field="verified_on")
    refused(services.complaint_close, **kw, verification="substantiated", verified_on=TODAY - DAY,
            field="verified_on")  # fmt: skip
    refused(services.complaint_close, **{**kw, "handling": ""}, verification="substantiated", verified_on=TODAY,
            field="handling")  # fmt: skip
    services.complaint_close(**kw, verification=codes.Verification.SUBSTANTIATED, verified_on=TODAY)
    c.refresh_from_db()
    assert (c.status, c.verification, c.verified_on) == ("closed", "substantiated", TODAY)
    refused(services.complaint_close, **kw, verification="unsubstantiated", verified_on=TODAY,
            code="illegal_transition")  # fmt: skip


def test_complaint_refusals(world):
    other = consult(world, actor=world.director_b, office=world.office_b, village=world.village_b1)
    refused(complain, world=world, service=other, field="service")
    refused(complain, world=world, village=world.village_b1, field="village")
    refused(complain, world=world, complainant="", field="complainant")
    refused(complain, world=world, content="", field="content")
    refused(complain, world=world, received_on=TODAY + DAY, field="received_on")
    early = consult(world)
    refused(complain, world=world, service=early, received_on=TODAY - DAY, field="received_on")
    refused(complain, world=world, actor=world.staff_b, exc=Forbidden)


# --- due times -----------------------------------------------------------------------------------------


def test_due_policy_is_set_by_the_top_bureau_and_applies_to_new_services(world):
    old = refer(world)
    services.due_policy_set(actor=world.city_admin, kind=K.REFERRAL, days=10, working_days=False)
    assert policy.rules()[K.REFERRAL] == (10, False)
    new = refer(world)
    old.refresh_from_db()
    assert new.due_on == TODAY + 10 * DAY and old.due_on == policy.add_days(TODAY, 3, True)
    assert AuditEvent.objects.filter(action="legalservices.due_policy").count() == 1
    refused(services.due_policy_set, actor=world.director_a, kind=K.REFERRAL, days=1, working_days=False,
            exc=Forbidden)  # fmt: skip
    refused(services.due_policy_set, actor=world.city_admin, kind=K.REFERRAL, days=-1, working_days=False,
            field="days")  # fmt: skip
    refused(services.due_policy_set, actor=world.city_admin, kind="x", days=1, working_days=False, field="kind")
    director = make_user(world.office_a, Role.DIRECTOR)
    assert not services.may_set_due_policy(director)
