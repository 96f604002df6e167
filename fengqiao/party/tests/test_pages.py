"""Party-building pages: the branch page for an office and for the city, the forms, lists with
filters, pages and exports, the detail pages with their steps, the violation register's limits and
the figures."""

import io

import pytest
from django.urls import reverse

from fengqiao.core.models import AuditEvent
from fengqiao.party import codes, services
from fengqiao.party.models import Activity, Branch, Member, Venue, Violation
from fengqiao.party.tests.conftest import DAY, today


@pytest.fixture
def activity(world, party):
    return services.activity_record(
        actor=world.staff_a,
        branch=party["branch"],
        date=today() - 2 * DAY,
        type=codes.ActivityType.THEME_DAY,
        topic="重温入党誓词",
        record="全体党员参加",
        attendees=[party["m1"], party["m2"]],
    )


@pytest.fixture
def violation(world, party):
    return services.violation_record(
        actor=world.director_a,
        office=world.office_a,
        person="违纪某",
        date=today() - 5 * DAY,
        kind="rules",
        description="工作日饮酒",
    )


def test_office_branch_page(world, client_for, party, activity, violation):
    r = client_for(world.staff_a).get(reverse("party:index"))
    assert r.status_code == 200 and r.context["branch"] == party["branch"]
    html = r.content.decode()
    assert "乙党员" not in html and "张一" in html and "重温入党誓词" in html
    assert r.context["figures"]["party_violations"] == 1
    # staff see the count only, never the person
    assert "违纪某" not in html and not r.context["can_see_violations"]
    assert len(r.context["grid"]) == today().month
    r = client_for(world.director_a).get(reverse("party:index"))
    assert r.context["can_see_violations"]


def test_city_sees_every_office_then_one(world, client_for, party):
    c = client_for(world.city_admin)
    r = c.get(reverse("party:index"))
    assert r.status_code == 200 and {o["office_id"] for o in r.context["offices"]} == {
        world.office_a.pk,
        world.office_b.pk,
    }
    r = c.get(reverse("party:index"), {"office": world.office_b.pk})
    assert r.context["branch"] == party["branch_b"]
    # an office outside the user's scope is ignored
    r = client_for(world.staff_a).get(reverse("party:index"), {"office": world.office_b.pk})
    assert r.context.get("branch") is None and "乙党员" not in r.content.decode()


def test_branch_form_creates_then_edits(world, client_for):
    c = client_for(world.director_a)
    url = reverse("party:branch")
    assert c.get(url).status_code == 200
    data = {
        "name": "中共甲镇司法所支部委员会",
        "secretary": "王书记",
        "established_on": "2010-05-01",
        "parent_organisation": "中共测试市司法局机关委员会",
    }
    assert c.post(url, {**data, "established_on": (today() + DAY).isoformat()}).status_code == 400
    assert not Branch.objects.exists()
    assert c.post(url, data).status_code == 302
    branch = Branch.objects.get(office=world.office_a)
    r = c.post(url, {**data, "secretary": "李书记", "version": branch.version})
    assert r.status_code == 302 and Branch.objects.get().secretary == "李书记"
    # a stale form is refused
    assert c.post(url, {**data, "secretary": "X", "version": 1}).status_code == 400
    assert Branch.objects.get().secretary == "李书记"


def test_member_pages(world, client_for, party):
    c = client_for(world.staff_a)
    url = reverse("party:members")
    names = {m.name for m in c.get(url).context["page"].items}
    assert names == {"张一", "李二", "王三", "赵预备"}
    assert {m.name for m in c.get(url, {"status": "probationary"}).context["page"].items} == {"赵预备"}
    assert {m.name for m in c.get(url, {"q": "张"}).context["page"].items} == {"张一"}
    assert c.get(url, {"status": "zzz", "state": "x", "office": "abc"}).status_code == 200
    create = reverse("party:member_create")
    r = c.post(create, {"name": "新党员", "status": "formal", "joined_on": "2010-01-01", "formal_on": "2010-03-01"})
    assert r.status_code == 400 and not Member.objects.filter(name="新党员").exists()
    r = c.post(create, {"name": "新党员", "status": "formal", "joined_on": "2010-01-01", "formal_on": "2011-03-01"})
    member = Member.objects.get(name="新党员")
    assert r.status_code == 302 and r["Location"] == reverse("party:member", args=[member.pk])
    detail = c.get(reverse("party:member", args=[party["p"].pk]))
    assert detail.status_code == 200 and [s for s, _ in detail.context["steps"]] == ["confirm", "out"]
    r = c.post(
        reverse("party:member_out", args=[member.pk]),
        {"out-date": today().isoformat(), "out-to": "外单位", "out-version": member.version},
    )
    assert r.status_code == 302 and not Member.objects.get(pk=member.pk).active
    # the left member keeps their page, without steps
    assert c.get(reverse("party:member", args=[member.pk])).context["steps"] == []
    assert member.pk in {m.pk for m in c.get(url, {"state": "left"}).context["page"].items}


def test_member_list_pages_by_key(world, client_for, party, settings):
    settings.FENGQIAO = {**settings.FENGQIAO, "PAGE_SIZE": 3}
    c = client_for(world.staff_a)
    first = c.get(reverse("party:members"))
    second = c.get(reverse("party:members"), {"cursor": first.context["page"].next_cursor})
    assert len(first.context["page"].items) == 3 and len(second.context["page"].items) == 1


def test_activity_form_and_pages(world, client_for, party):
    c = client_for(world.staff_a)
    create = reverse("party:activity_create")
    r = c.get(create)
    assert r.status_code == 200 and party["b1"] not in r.context["form"].fields["attendees"].queryset
    data = {
        "type": "committee",
        "date": (today() - DAY).isoformat(),
        "topic": "研究工作",
        "record": "会议记录",
        "attendees": [party["m1"].pk, party["m2"].pk],
    }
    assert c.post(create, {**data, "attendees": [party["b1"].pk]}).status_code == 400
    assert c.post(create, {**data, "type": "party"}).status_code == 400
    assert not Activity.objects.exists()
    r = c.post(create, data)
    a = Activity.objects.get()
    assert r.status_code == 302 and (a.present_count, a.expected_count) == (2, 4)
    page = c.get(reverse("party:activity", args=[a.pk]))
    assert page.status_code == 200 and [p for _, p in page.context["attendance"]].count(True) == 2
    assert len(page.context["history"]) == 1
    lst = c.get(reverse("party:activities"), {"type": "committee"})
    assert [x.pk for x in lst.context["page"].items] == [a.pk]
    assert c.get(reverse("party:activities"), {"type": "lecture"}).context["page"].items == []


def test_exports_are_filtered_and_audited(world, client_for, party, activity):
    from openpyxl import load_workbook

    c = client_for(world.staff_a)
    r = c.get(reverse("party:members_export"), {"status": "probationary"})
    rows = list(load_workbook(io.BytesIO(b"".join(r.streaming_content))).active.values)
    assert len(rows) == 2 and rows[1][1] == "赵预备"
    r = c.get(reverse("party:activities_export"))
    rows = list(load_workbook(io.BytesIO(b"".join(r.streaming_content))).active.values)
    assert len(rows) == 2 and rows[1][3] == "重温入党誓词" and rows[1][7] == 0.5
    events = AuditEvent.objects.filter(action="export", actor_user=world.staff_a)
    assert {e.changes["what"] for e in events} == {"party.members", "party.activities"}
    assert client_for(world.mediator_a1).get(reverse("party:members_export")).status_code == 403


def test_venue_pages(world, client_for):
    c = client_for(world.staff_a)
    r = c.post(reverse("party:venue_create"), {"name": "党员活动室", "address": "人民路1号", "area": "80"})
    assert r.status_code == 302
    venue = Venue.objects.get()
    url = reverse("party:venue_check", args=[venue.pk])
    assert c.post(url, {"date": today().isoformat(), "result": "rectify", "checked_by": "检查组"}).status_code == 400
    assert c.post(url, {"date": today().isoformat(), "result": "passed", "checked_by": "检查组"}).status_code == 302
    assert c.get(reverse("party:venue", args=[venue.pk])).context["checks"][0].result == "passed"


def test_violation_register_is_for_sensitive_roles_only(world, client_for, party, violation):
    for user in (world.staff_a, world.assessor, world.leader):
        c = client_for(user)
        assert c.get(reverse("party:violations")).status_code == 403
        assert c.get(reverse("party:violation", args=[violation.pk])).status_code in (403, 404)
        assert c.get(reverse("party:violation_create")).status_code == 403
    c = client_for(world.director_a)
    r = c.get(reverse("party:violations"))
    assert r.status_code == 200 and "违纪某" in r.content.decode()
    detail = c.get(reverse("party:violation", args=[violation.pk]))
    assert detail.status_code == 200 and detail.context["form"] is not None
    url = reverse("party:violation_decide", args=[violation.pk])
    assert (
        c.post(url, {"decision": "warning", "decided_on": today().isoformat(), "note": "", "version": 1}).status_code
        == 400
    )
    r = c.post(url, {"decision": "warning", "decided_on": today().isoformat(), "note": "支部大会决定", "version": 1})
    assert r.status_code == 302 and Violation.objects.get().status == codes.ViolationStatus.DECIDED
    r = c.post(
        reverse("party:violation_create"),
        {"person": "另一人", "date": today().isoformat(), "kind": "rules", "description": "迟到早退"},
    )
    assert r.status_code == 302 and Violation.objects.count() == 2
    assert client_for(world.city_admin).get(reverse("party:violations")).status_code == 200


def test_metrics_page(world, client_for, party, activity, violation):
    r = client_for(world.city_admin).get(reverse("party:metrics"), {"date_from": "2020-01-01"})
    assert r.status_code == 200
    rows = {o["office_id"]: o for o in r.context["offices"]}
    assert rows[world.office_a.pk]["party_theme_days"] == 1 and rows[world.office_a.pk]["party_violations"] == 1
    assert r.context["totals"]["party_violations"] == 1
    r = client_for(world.staff_a).get(reverse("party:metrics"), {"date_from": "bad", "date_to": "2020-13-01"})
    assert r.status_code == 200 and [o["office_id"] for o in r.context["offices"]] == [world.office_a.pk]


def test_home_summary(world, party, violation):
    from fengqiao.party.selectors import home_summary

    figures = home_summary(world.director_a)
    assert figures[0][1] == 4 and figures[-1][1] == 1


def test_pages_need_the_module(world, client_for, party):
    c = client_for(world.mediator_a1)
    for name in ("index", "members", "activities", "metrics", "activity_create"):
        assert c.get(reverse(f"party:{name}")).status_code == 403
    # read-only roles may look but not write
    c = client_for(world.leader)
    assert c.get(reverse("party:index")).status_code == 200
    assert c.get(reverse("party:activity_create")).status_code == 403
    assert c.post(reverse("party:member_confirm", args=[party["p"].pk]), {}).status_code in (403, 404)


def test_page_queries_are_bounded(world, client_for, party, activity, django_assert_max_num_queries):
    c = client_for(world.staff_a)
    c.get(reverse("party:index"))
    with django_assert_max_num_queries(30):
        c.get(reverse("party:index"))
    with django_assert_max_num_queries(15):
        c.get(reverse("party:members"))
