"""Supervision pages: lists with filters, pages and exports, the entry forms, the problem's steps
and timeline, the dispute's coordination, departments and the figures."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from fengqiao.core.models import AuditEvent
from fengqiao.supervision import codes, services
from fengqiao.supervision.models import Activity, Department, EnforcementDispute, Problem

from .conftest import activity

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


@pytest.fixture
def data(world, depts):
    review = activity(world, title="案卷评查甲", date=TODAY - 40 * DAY)
    joint = activity(world, title="联合监督甲", kind=codes.ActivityKind.JOINT, partners="镇纪委",
                     departments=[depts["market"]], date=TODAY - 10 * DAY)  # fmt: skip
    late = services.problem_record(actor=world.staff_a, activity=review, department=depts["law"],
                                   category=codes.ProblemCategory.DOCUMENTS, description="文书不规范甲",
                                   deadline=TODAY - DAY, requirement="规范文书")  # fmt: skip
    fresh = services.problem_record(actor=world.staff_a, activity=joint, department=depts["market"],
                                    category=codes.ProblemCategory.EVIDENCE, description="证据不足甲")  # fmt: skip
    other = activity(world, actor=world.staff_b, office=world.office_b, departments=[depts["b"]], title="乙镇评查")
    return {"review": review, "joint": joint, "late": late, "fresh": fresh, "other": other}


def items(response):
    return list(response.context["page"].items)


def test_activity_list_filters_and_scope(world, client_for, data, depts):
    c = client_for(world.staff_a)
    url = reverse("supervision:index")
    r = c.get(url)
    assert r.status_code == 200 and {a.title for a in items(r)} == {"案卷评查甲", "联合监督甲"}
    assert [a.title for a in items(c.get(url, {"kind": "joint"}))] == ["联合监督甲"]
    assert [a.title for a in items(c.get(url, {"department": depts["market"].pk}))] == ["联合监督甲"]
    assert [a.title for a in items(c.get(url, {"q": "评查甲"}))] == ["案卷评查甲"]
    assert [a.title for a in items(c.get(url, {"date_from": (TODAY - 20 * DAY).isoformat()}))] == ["联合监督甲"]
    # another office's department or office is ignored; nonsense is not an error
    assert len(items(c.get(url, {"department": depts["b"].pk, "office": world.office_b.pk}))) == 2
    assert c.get(url, {"kind": "x", "date_from": "bad", "department": "z", "cursor": "!!"}).status_code == 200
    city = client_for(world.city_admin).get(url)
    assert len(items(city)) == 3


def test_lists_page_by_key(world, client_for, data, settings):
    settings.FENGQIAO = {**settings.FENGQIAO, "PAGE_SIZE": 1}
    c = client_for(world.staff_a)
    first = c.get(reverse("supervision:index"))
    second = c.get(reverse("supervision:index"), {"cursor": first.context["page"].next_cursor})
    assert [a.title for a in items(first) + items(second)] == ["联合监督甲", "案卷评查甲"]
    assert second.context["page"].next_cursor is None


def test_list_queries_are_bounded(world, client_for, data, depts, django_assert_max_num_queries):
    c = client_for(world.staff_a)
    c.get(reverse("supervision:index"))
    for i in range(8):
        activity(world, title=f"批量{i}")
    with django_assert_max_num_queries(16):
        c.get(reverse("supervision:index"))
    with django_assert_max_num_queries(16):
        c.get(reverse("supervision:problems"))


def test_problem_list_overdue_and_export(world, client_for, data):
    from openpyxl import load_workbook

    c = client_for(world.staff_a)
    url = reverse("supervision:problems")
    assert [p.description for p in items(c.get(url, {"overdue": "1"}))] == ["文书不规范甲"]
    assert [p.description for p in items(c.get(url, {"status": "found"}))] == ["证据不足甲"]
    assert len(items(c.get(url, {"open": "1"}))) == 2
    r = c.get(reverse("supervision:problem_export"), {"overdue": "1"})
    assert r.status_code == 200 and "attachment" in r["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(b"".join(r.streaming_content))).active.values)
    assert len(rows) == 2 and rows[1][4] == "文书不规范甲"
    event = AuditEvent.objects.get(action="export")
    assert event.changes["what"] == "supervision.problems" and event.changes["rows"] == 1


def test_activity_and_dispute_exports_are_audited(world, client_for, data, depts):
    from openpyxl import load_workbook

    services.dispute_record(actor=world.staff_a, office=world.office_a, subject="争议甲", description="x",
                            received_on=TODAY, departments=[depts["law"], depts["market"]])  # fmt: skip
    c = client_for(world.staff_a)
    r = c.get(reverse("supervision:activity_export"), {"kind": "joint"})
    rows = list(load_workbook(io.BytesIO(b"".join(r.streaming_content))).active.values)
    assert len(rows) == 2 and rows[1][3] == "联合监督甲" and rows[1][9] == 1
    r = c.get(reverse("supervision:dispute_export"))
    rows = list(load_workbook(io.BytesIO(b"".join(r.streaming_content))).active.values)
    assert rows[1][2] == "争议甲"
    assert AuditEvent.objects.filter(action="export").count() == 2
    assert client_for(world.mediator_a1).get(reverse("supervision:activity_export")).status_code == 403
    assert client_for(world.leader).get(reverse("supervision:activity_create")).status_code == 403


def test_record_an_activity_through_the_form(world, client_for, depts):
    c = client_for(world.staff_a)
    url = reverse("supervision:activity_create")
    form = c.get(url).context["form"]
    assert set(form.fields["departments"].queryset) == {depts["law"], depts["market"], depts["police"]}
    data = {
        "office": world.office_a.pk,
        "kind": codes.ActivityKind.SITE_INSPECTION,
        "title": "餐饮油烟执法现场检查",
        "date": TODAY.isoformat(),
        "departments": [depts["law"].pk],
        "participants": "王所长",
        "sites_inspected": "",
        "summary": "检查3处执法现场。",
    }
    bad = c.post(url, data)
    assert bad.status_code == 400 and "sites_inspected" in bad.context["form"].errors
    assert c.post(url, {**data, "departments": [depts["b"].pk], "sites_inspected": 3}).status_code == 400
    r = c.post(url, {**data, "sites_inspected": 3})
    act = Activity.objects.get(title="餐饮油烟执法现场检查")
    assert r.status_code == 302 and r.url == reverse("supervision:activity", args=[act.pk])
    assert act.sites_inspected == 3 and Activity.objects.count() == 1


def test_edit_an_activity(world, client_for, data):
    act = data["review"]
    c = client_for(world.staff_a)
    url = reverse("supervision:activity_edit", args=[act.pk])
    form = c.get(url).context["form"]
    post = {k: v for k, v in form.initial.items() if v is not None}
    post.update(date=act.date.isoformat(), departments=[d.pk for d in post["departments"]], title="新主题")
    assert c.post(url, post).status_code == 302
    act.refresh_from_db()
    assert act.title == "新主题"
    again = c.post(url, {**post, "title": "再改"}, follow=True)
    act.refresh_from_db()
    assert act.title == "新主题" and again.status_code == 200


def test_record_a_problem_and_walk_its_steps(world, client_for, data, depts):
    act = data["review"]
    c = client_for(world.staff_a)
    page = c.get(reverse("supervision:activity", args=[act.pk]))
    assert page.status_code == 200 and len(page.context["problems"]) == 1
    post = {
        "problem-department": depts["police"].pk,
        "problem-category": codes.ProblemCategory.OVERDUE,
        "problem-description": "行政处罚超期办理",
        "problem-found_on": act.date.isoformat(),
        "problem-deadline": (act.date - DAY).isoformat(),
        "problem-requirement": "说明超期原因",
    }
    bad = c.post(reverse("supervision:activity_problem", args=[act.pk]), post)
    assert bad.status_code == 400 and "deadline" in bad.context["form"].errors
    r = c.post(reverse("supervision:activity_problem", args=[act.pk]), {**post, "problem-deadline": TODAY.isoformat()})
    problem = Problem.objects.get(description="行政处罚超期办理")
    assert r.status_code == 302 and problem.status == codes.ProblemStatus.RECTIFYING
    detail = c.get(reverse("supervision:problem", args=[problem.pk]))
    assert [s for s, _f in detail.context["steps"]] == ["progress", "rectified"]
    assert [e.step for e in detail.context["timeline"]] == ["order", "found"]
    # a step with an old version is refused with a message, nothing changes
    r = c.post(
        reverse("supervision:problem_rectified", args=[problem.pk]),
        {"rectified-result": "x", "rectified-rectified_on": TODAY.isoformat(), "rectified-version": 1},
    )
    problem.refresh_from_db()
    assert r.status_code == 302 and problem.status == codes.ProblemStatus.RECTIFYING
    r = c.post(
        reverse("supervision:problem_rectified", args=[problem.pk]),
        {"rectified-result": "", "rectified-rectified_on": TODAY.isoformat(), "rectified-version": 2},
    )
    assert r.status_code == 400
    r = c.post(
        reverse("supervision:problem_rectified", args=[problem.pk]),
        {"rectified-result": "已说明", "rectified-rectified_on": TODAY.isoformat(), "rectified-version": 2},
    )
    problem.refresh_from_db()
    assert r.status_code == 302 and problem.status == codes.ProblemStatus.RECTIFIED
    # an illegal step (order again) is refused
    r = c.post(reverse("supervision:problem_order", args=[problem.pk]),
               {"order-requirement": "x", "order-deadline": TODAY.isoformat(), "order-date": TODAY.isoformat(),
                "order-version": problem.version})  # fmt: skip
    problem.refresh_from_db()
    assert r.status_code == 302 and problem.status == codes.ProblemStatus.RECTIFIED
    r = c.post(
        reverse("supervision:problem_verified", args=[problem.pk]),
        {"verified-verified_on": TODAY.isoformat(), "verified-version": problem.version},
    )
    problem.refresh_from_db()
    assert r.status_code == 302 and problem.status == codes.ProblemStatus.VERIFIED


def test_readers_get_no_forms(world, client_for, data):
    c = client_for(world.leader)
    assert c.get(reverse("supervision:activity", args=[data["review"].pk])).context["form"] is None
    assert c.get(reverse("supervision:problem", args=[data["late"].pk])).context["steps"] == []
    r = c.post(reverse("supervision:problem_progress", args=[data["late"].pk]), {"progress-note": "x"})
    assert r.status_code in (403, 404)


def test_register_and_coordinate_a_dispute(world, client_for, depts):
    c = client_for(world.staff_a)
    r = c.post(reverse("supervision:dispute_create"), {
        "office": world.office_a.pk, "subject": "摊贩管理职责争议", "departments": [depts["law"].pk],
        "parties": "", "description": "x", "received_on": TODAY.isoformat(),
    })  # fmt: skip
    assert r.status_code == 400 and "departments" in r.context["form"].errors
    r = c.post(reverse("supervision:dispute_create"), {
        "office": world.office_a.pk, "subject": "摊贩管理职责争议",
        "departments": [depts["law"].pk, depts["market"].pk],
        "description": "两部门就流动摊贩管理职责存在争议", "received_on": TODAY.isoformat(),
    })  # fmt: skip
    d = EnforcementDispute.objects.get()
    assert r.status_code == 302
    r = c.post(reverse("supervision:dispute_coordinate", args=[d.pk]),
               {"coordinate-outcome": "agreed", "coordinate-result": "", "coordinate-concluded_on": TODAY.isoformat(),
                "coordinate-version": d.version})  # fmt: skip
    assert r.status_code == 400
    r = c.post(reverse("supervision:dispute_coordinate", args=[d.pk]),
               {"coordinate-outcome": "agreed", "coordinate-result": "由综合执法局牵头",
                "coordinate-concluded_on": TODAY.isoformat(), "coordinate-version": d.version})  # fmt: skip
    d.refresh_from_db()
    assert r.status_code == 302 and d.status == codes.DisputeStatus.CLOSED
    page = c.get(reverse("supervision:dispute", args=[d.pk]))
    assert page.context["form"] is None and 'id="dispute-result"' in page.content.decode()
    lst = c.get(reverse("supervision:disputes"), {"status": "closed"})
    assert [x.subject for x in items(lst)] == ["摊贩管理职责争议"]


def test_departments_page(world, client_for, depts):
    c = client_for(world.director_a)
    page = c.get(reverse("supervision:departments"))
    assert {d.name for d in page.context["departments"]} == {"综合行政执法局", "市场监督管理分局", "派出所"}
    r = c.post(reverse("supervision:departments"), {"office": world.office_a.pk, "name": "派出所", "kind": "police"})
    assert r.status_code == 400 and "name" in r.context["form"].errors
    r = c.post(reverse("supervision:departments"), {"office": world.office_a.pk, "name": "自然资源所", "kind": "land"})
    assert r.status_code == 302 and Department.objects.filter(name="自然资源所", office=world.office_a).exists()
    c.post(reverse("supervision:department_toggle", args=[depts["police"].pk]))
    depts["police"].refresh_from_db()
    assert not depts["police"].is_active


def test_metrics_page(world, client_for, data):
    c = client_for(world.staff_a)
    r = c.get(reverse("supervision:metrics"), {"date_from": (TODAY - 60 * DAY).isoformat()})
    assert r.status_code == 200
    assert r.context["totals"]["activities"] == 2 and r.context["totals"]["overdue_open"] == 1
    assert len(r.context["departments"]) == 3 and 'id="supervision-data"' in r.content.decode()
    city = client_for(world.city_admin)
    r = city.get(reverse("supervision:metrics"), {"office": world.office_b.pk})
    assert [o["office_id"] for o in r.context["offices"]] == [world.office_b.pk]
    assert city.get(reverse("supervision:metrics"), {"date_from": "x", "date_to": "1800-01-01"}).status_code == 200


def test_the_city_picks_the_office_in_its_forms(world, client_for, depts):
    c = client_for(world.city_admin)
    form = c.get(reverse("supervision:activity_create")).context["form"]
    assert set(form.fields["office"].queryset) == {world.office_a, world.office_b}
    assert depts["b"] in set(form.fields["departments"].queryset)
    data = {
        "office": world.office_a.pk, "kind": codes.ActivityKind.QUALIFICATION, "title": "执法证件检查",
        "date": TODAY.isoformat(), "departments": [depts["b"].pk], "participants": "市局执法监督科",
        "summary": "核对执法证件。",
    }  # fmt: skip
    r = c.post(reverse("supervision:activity_create"), data)
    assert r.status_code == 400 and "departments" in r.context["form"].errors
    r = c.post(reverse("supervision:activity_create"), {**data, "office": world.office_b.pk})
    assert r.status_code == 302 and Activity.objects.get().office_id == world.office_b.pk
    assert c.get(reverse("supervision:dispute_create")).status_code == 200
    assert c.get(reverse("supervision:departments")).status_code == 200
