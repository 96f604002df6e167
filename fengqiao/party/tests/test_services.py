"""Party-building services: each rule, each refusal of bad input, and that a refusal changes nothing."""

import datetime

import pytest

from fengqiao.core.errors import DomainError, Forbidden
from fengqiao.core.models import AuditEvent
from fengqiao.party import codes, services
from fengqiao.party.models import Activity, Branch, Member, Venue, VenueCheck, Violation
from fengqiao.party.tests.conftest import DAY, add_member, make_branch, today


def state():
    return (
        Branch.objects.count(),
        list(
            Member.objects.order_by("pk").values_list("status", "formal_on", "active", "transferred_out_on", "version")
        ),
        Activity.objects.count(),
        Activity.attendees.through.objects.count(),
        Venue.objects.count(),
        VenueCheck.objects.count(),
        list(Violation.objects.order_by("pk").values_list("status", "decision", "version")),
        AuditEvent.objects.count(),
    )


def refused(fn, *, field=None, code=None, error=DomainError, **kwargs):
    before = state()
    with pytest.raises(error) as info:
        fn(**kwargs)
    assert state() == before
    if field is not None:
        assert info.value.field == field, info.value
    if code is not None:
        assert info.value.code == code, info.value
    return info.value


# --- branch ------------------------------------------------------------------------------------------


def test_branch_is_one_per_office_and_audited(world):
    branch = make_branch(world)
    assert branch.office_id == world.office_a.pk and branch.org_id == world.office_a.pk
    assert AuditEvent.objects.filter(action="party.branch_create", object_id=str(branch.pk)).exists()
    refused(make_branch, world=world, code="duplicate")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": " "}, "name"),
        ({"secretary": ""}, "secretary"),
        ({"established_on": today() + DAY}, "established_on"),
        ({"established_on": None}, "established_on"),
        ({"established_on": "2020-01-01"}, "established_on"),
        ({"parent_organisation": ""}, "parent_organisation"),
        ({"name": "长" * 101}, "name"),
    ],
)
def test_branch_bad_input_is_refused(world, overrides, field):
    refused(make_branch, world=world, field=field, **overrides)


def test_branch_of_another_office_or_a_village_is_refused(world):
    refused(make_branch, world=world, office=world.office_b, error=Forbidden)
    refused(make_branch, world=world, office=world.village_a1, field="office")
    refused(make_branch, world=world, actor=world.mediator_a1, error=Forbidden)


def test_branch_update_checks_version_and_the_first_activity(world, party):
    branch = party["branch"]
    services.activity_record(
        actor=world.staff_a,
        branch=branch,
        date=today() - 10 * DAY,
        type=codes.ActivityType.COMMITTEE,
        topic="研究工作",
        record="记录",
        attendees=[party["m1"]],
    )
    refused(
        services.branch_update,
        actor=world.director_a,
        branch=branch,
        expected_version=branch.version,
        established_on=today() - 5 * DAY,
        field="established_on",
    )
    updated = services.branch_update(actor=world.director_a, branch=branch, expected_version=1, secretary="李书记")
    assert updated.secretary == "李书记" and updated.version == 2
    refused(
        services.branch_update, actor=world.director_a, branch=branch, expected_version=1, secretary="X", code="stale"
    )
    refused(services.branch_update, actor=world.director_a, branch=branch, color="red")


# --- members -----------------------------------------------------------------------------------------


def test_member_add_keeps_dates_and_place_in_the_branch(world, party):
    m = party["m1"]
    assert m.in_branch_from == m.joined_on and m.active and m.user == world.staff_a
    moved = add_member(
        world, party["branch"], "转入者", transferred_in_on=today() - 30 * DAY, transferred_from="某街道支部"
    )
    assert moved.in_branch_from == today() - 30 * DAY


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": ""}, "name"),
        ({"status": "member"}, "status"),
        ({"joined_on": today() + DAY}, "joined_on"),
        ({"formal_on": None}, "formal_on"),
        ({"formal_on": today() - 1999 * DAY}, "formal_on"),  # less than a year after joining
        ({"status": codes.MemberStatus.PROBATIONARY}, "formal_on"),  # probationary with a formal date
        ({"status": codes.MemberStatus.PROBATIONARY, "formal_on": None}, "status"),  # joined years ago
        ({"transferred_in_on": today() - 2100 * DAY, "transferred_from": "某支部"}, "transferred_in_on"),
        ({"transferred_in_on": today() - 10 * DAY}, "transferred_from"),
        ({"transferred_from": "某支部"}, "transferred_in_on"),
    ],
)
def test_member_bad_input_is_refused(world, party, overrides, field):
    refused(add_member, world=world, branch=party["branch"], field=field, **{"name": "新党员", **overrides})


def test_member_user_must_be_of_the_office_and_not_twice(world, party):
    refused(add_member, world=world, branch=party["branch"], name="乙", user=world.staff_b, field="user")
    refused(add_member, world=world, branch=party["branch"], name="张一", user=world.staff_a, code="duplicate")
    refused(add_member, world=world, branch=party["branch_b"], name="越界", error=Forbidden)


def test_probationary_member_becomes_full_after_a_year_only(world, party):
    p = party["p"]
    refused(services.member_confirm, actor=world.staff_a, member=p, formal_on=today(), field="formal_on")
    refused(
        services.member_confirm, actor=world.staff_a, member=party["m1"], formal_on=today(), code="illegal_transition"
    )
    p.joined_on = today() - 400 * DAY
    Member.objects.filter(pk=p.pk).update(joined_on=p.joined_on, in_branch_from=p.joined_on)
    refused(services.member_confirm, actor=world.staff_a, member=p, formal_on=today(), expected_version=7, code="stale")
    done = services.member_confirm(actor=world.staff_a, member=p, formal_on=today(), expected_version=1)
    assert done.status == codes.MemberStatus.FORMAL and done.formal_on == today() and done.version == 2
    assert AuditEvent.objects.filter(action="party.member_confirm", object_id=str(p.pk)).exists()


def test_member_moving_out_keeps_the_history(world, party):
    m = party["m2"]
    refused(services.member_transfer_out, actor=world.staff_a, member=m, date=m.joined_on - DAY, to="X", field="date")
    refused(services.member_transfer_out, actor=world.staff_a, member=m, date=today(), to=" ", field="to")
    refused(services.member_transfer_out, actor=world.staff_a, member=m, date=today() + DAY, to="X", field="date")
    refused(services.member_transfer_out, actor=world.staff_b, member=m, date=today(), to="X", error=Forbidden)
    out = services.member_transfer_out(actor=world.staff_a, member=m, date=today() - DAY, to="无锡市司法局机关支部")
    assert not out.active and Member.objects.filter(pk=m.pk).exists()
    refused(
        services.member_transfer_out, actor=world.staff_a, member=m, date=today(), to="X", code="illegal_transition"
    )
    # still counted for the days before the move, not after
    assert services.members_on(m.branch_id, today() - 2 * DAY).filter(pk=m.pk).exists()
    assert not services.members_on(m.branch_id, today()).filter(pk=m.pk).exists()


# --- activities --------------------------------------------------------------------------------------


def record(world, party, actor=None, **overrides):
    data = {
        "actor": actor or world.staff_a,
        "branch": party["branch"],
        "date": today() - 3 * DAY,
        "type": codes.ActivityType.THEME_DAY,
        "topic": "重温入党誓词",
        "record": "全体党员参加。",
        "attendees": [party["m1"], party["m2"], party["p"]],
    }
    data.update(overrides)
    return services.activity_record(**data)


def test_activity_attendance_is_computed(world, party):
    a = record(world, party)
    assert (a.expected_count, a.present_count) == (4, 3) and a.attendance_rate == 0.75
    assert set(a.attendees.all()) == {party["m1"], party["m2"], party["p"]}
    event = AuditEvent.objects.get(action="party.activity_record", object_id=str(a.pk))
    assert event.office_id == world.office_a.pk
    # a member who joined later is not expected at an earlier meeting
    early = record(world, party, date=today() - 150 * DAY, attendees=[party["m1"]])
    assert early.expected_count == 3


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"type": "picnic"}, "type"),
        ({"topic": ""}, "topic"),
        ({"record": " "}, "record"),
        ({"date": today() + DAY}, "date"),
        ({"date": today() - 4000 * DAY}, "date"),  # before the branch was established
        ({"attendees": []}, "attendees"),
        ({"attendees": ["x"]}, "attendees"),
    ],
)
def test_activity_bad_input_is_refused(world, party, overrides, field):
    refused(record, world=world, party=party, field=field, **overrides)


def test_activity_refuses_members_of_another_branch_or_not_yet_joined(world, party):
    refused(record, world=world, party=party, attendees=[party["m1"], party["b1"]], code="not_member")
    refused(record, world=world, party=party, date=today() - 150 * DAY, attendees=[party["p"]], code="not_member")
    refused(record, world=world, party=party, actor=world.staff_b, error=Forbidden)


# --- venues ------------------------------------------------------------------------------------------


def test_venue_and_checks(world):
    venue = services.venue_add(
        actor=world.staff_a, office=world.office_a, name="党员活动室", address="人民路1号", area="60.5"
    )
    assert venue.area == venue.area.__class__("60.5")
    for bad, field in ((0, "area"), ("abc", "area"), (-3, "area")):
        refused(
            services.venue_add, actor=world.staff_a, office=world.office_a, name="X", address="Y", area=bad, field=field
        )
    refused(
        services.venue_add, actor=world.staff_a, office=world.office_b, name="X", address="Y", area=1, error=Forbidden
    )
    kw = {"actor": world.staff_a, "venue": venue, "checked_by": "市局检查组"}
    refused(services.venue_check_add, **kw, date=today(), result="great", field="result")
    refused(services.venue_check_add, **kw, date=today(), result=codes.CheckResult.RECTIFY, field="notes")
    refused(services.venue_check_add, **kw, date=today() + DAY, result=codes.CheckResult.PASSED, field="date")
    services.venue_check_add(**kw, date=today() - 10 * DAY, result=codes.CheckResult.RECTIFY, notes="学习园地未更新")
    services.venue_check_add(**kw, date=today() - 20 * DAY, result=codes.CheckResult.PASSED)
    venue.refresh_from_db()
    assert (venue.last_checked_on, venue.last_result) == (today() - 10 * DAY, codes.CheckResult.RECTIFY)


# --- violations --------------------------------------------------------------------------------------


def violation(world, actor=None, **overrides):
    data = {
        "actor": actor or world.director_a,
        "office": world.office_a,
        "person": "某某",
        "date": today() - 20 * DAY,
        "kind": codes.ViolationKind.RULES,
        "description": "工作日饮酒",
    }
    data.update(overrides)
    return services.violation_record(**data)


def test_only_sensitive_roles_keep_the_violation_register(world, party):
    refused(violation, world=world, actor=world.staff_a, error=Forbidden)
    refused(violation, world=world, actor=world.director_b, error=Forbidden)
    refused(violation, world=world, kind="crime", field="kind")
    refused(violation, world=world, date=today() + DAY, field="date")
    refused(violation, world=world, description="", field="description")
    refused(violation, world=world, member=party["b1"], field="member")
    v = violation(world, member=party["m1"])
    by_city = violation(world, actor=world.city_admin, person="另一人")
    assert v.status == by_city.status == codes.ViolationStatus.OPEN
    # the audit trail never holds the person or the facts
    event = AuditEvent.objects.get(action="party.violation_record", object_id=str(v.pk))
    assert "某某" not in str(event.changes) and "饮酒" not in str(event.changes) and "某某" not in event.object_repr


def test_violation_decision_is_a_one_way_step(world):
    v = violation(world)
    kw = {"actor": world.director_a, "violation": v}
    refused(services.violation_decide, **kw, decision="fine", decided_on=today(), note="X", field="decision")
    refused(
        services.violation_decide,
        **kw,
        decision=codes.Decision.WARNING,
        decided_on=today() - 30 * DAY,
        note="X",
        field="decided_on",
    )
    refused(services.violation_decide, **kw, decision=codes.Decision.WARNING, decided_on=today(), note="", field="note")
    refused(
        services.violation_decide,
        actor=world.staff_a,
        violation=v,
        decision=codes.Decision.WARNING,
        decided_on=today(),
        note="X",
        error=Forbidden,
    )
    done = services.violation_decide(
        **kw, decision=codes.Decision.WARNING, decided_on=today(), note="支部大会决定", expected_version=1
    )
    assert done.status == codes.ViolationStatus.DECIDED and done.version == 2
    refused(
        services.violation_decide,
        **kw,
        decision=codes.Decision.WARNING,
        decided_on=today(),
        note="X",
        code="illegal_transition",
    )


def test_concurrent_confirmations_lose_nothing(world, party):
    """Two forms filled from the same version: the second is refused as stale."""
    m = party["m3"]
    services.member_transfer_out(actor=world.staff_a, member=m, date=today(), to="A", expected_version=1)
    refused(
        services.member_transfer_out,
        actor=world.director_a,
        member=m,
        date=today(),
        to="B",
        expected_version=1,
        code="stale",
    )
    assert Member.objects.get(pk=m.pk).transferred_to == "A"


def test_dates_are_validated_whatever_their_type(world, party):
    refused(record, world=world, party=party, date=datetime.datetime.now(), field="date")


def test_member_update_corrects_name_and_account(world, party):
    m = party["m2"]
    refused(services.member_update, actor=world.staff_a, member=m, name=" ", field="name")
    refused(services.member_update, actor=world.staff_a, member=m, user=world.staff_b, field="user")
    refused(services.member_update, actor=world.staff_a, member=m, user=world.staff_a, code="duplicate")
    done = services.member_update(
        actor=world.staff_a, member=m, name="李二二", user=world.director_a, expected_version=1
    )
    assert (done.name, done.user, done.version) == ("李二二", world.director_a, 2)
    assert AuditEvent.objects.filter(action="party.member_update", object_id=str(m.pk)).exists()
