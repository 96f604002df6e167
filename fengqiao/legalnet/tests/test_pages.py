"""The pages: lists with filters and pagination, the forms (errors shown, nothing saved), the
steps, the gaps and advisors pages, exports (audited), workload."""

import datetime
import io

from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from fengqiao.core.audit import version_of
from fengqiao.core.models import AuditEvent
from fengqiao.core.permissions import Role
from fengqiao.legalnet import codes, services
from fengqiao.legalnet.models import PointStaff, ServicePoint, WorkLog
from fengqiao.testing.factories import make_user

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def _xlsx(response):
    body = b"".join(response.streaming_content)
    return list(load_workbook(io.BytesIO(body), read_only=True).worksheets[0].iter_rows(values_only=True))


def test_point_create_form_and_detail(world, client_for):
    c = client_for(world.staff_a)
    assert c.get(reverse("legalnet:point_create")).status_code == 200
    data = {
        "office": world.office_a.pk,
        "kind": codes.PointKind.ARBITRATION,
        "partner": "无锡仲裁委员会",
        "hours": "每周三 9:00-16:00",
        "address": "甲镇人民路1号",
        "opened_on": (TODAY + DAY).isoformat(),
    }
    r = c.post(reverse("legalnet:point_create"), data)
    assert r.status_code == 400 and "opened_on" in r.context["form"].errors
    assert not ServicePoint.objects.exists()
    data["opened_on"] = TODAY.isoformat()
    r = c.post(reverse("legalnet:point_create"), data)
    point = ServicePoint.objects.get()
    assert r.status_code == 302 and r.url == reverse("legalnet:point", args=[point.pk])
    # a second one of the same kind: the form says so
    r = c.post(reverse("legalnet:point_create"), data)
    assert r.status_code == 400 and "kind" in r.context["form"].errors
    # another office is not offered
    data2 = {**data, "office": world.office_b.pk, "kind": codes.PointKind.NOTARY}
    assert c.post(reverse("legalnet:point_create"), data2).status_code == 400
    assert ServicePoint.objects.count() == 1
    r = c.get(reverse("legalnet:point", args=[point.pk]))
    assert r.status_code == 200 and b'id="unstaffed-warning"' in r.content


def test_point_steps(world, client_for, point_a):
    c = client_for(world.staff_a)
    url = reverse("legalnet:point_staff", args=[point_a.pk])
    r = c.post(url, {"staff-version": version_of(point_a), "staff-name": "", "staff-since": TODAY.isoformat()})
    assert r.status_code == 400 and not PointStaff.objects.exists()
    r = c.post(
        url,
        {
            "staff-version": version_of(point_a),
            "staff-user": world.staff_a.pk,
            "staff-since": TODAY.isoformat(),
            "staff-duty": "每周二",
        },
    )
    assert r.status_code == 302
    staff = PointStaff.objects.get()
    assert staff.user_id == world.staff_a.pk
    r = c.get(reverse("legalnet:point", args=[point_a.pk]))
    assert b'id="unstaffed-warning"' not in r.content and len(r.context["timeline"]) == 2
    # stale form
    r = c.post(url, {"staff-version": "old", "staff-name": "李", "staff-since": TODAY.isoformat()})
    assert r.status_code == 302 and PointStaff.objects.count() == 1
    # take off duty, then close
    r = c.post(reverse("legalnet:staff_remove", args=[staff.pk]), {"remove-until": TODAY.isoformat()})
    assert r.status_code == 302
    staff.refresh_from_db()
    assert staff.until == TODAY
    point_a.refresh_from_db()
    close = reverse("legalnet:point_close", args=[point_a.pk])
    r = c.post(close, {"close-version": version_of(point_a), "close-closed_on": TODAY.isoformat(), "close-reason": ""})
    assert r.status_code == 400
    r = c.post(
        close, {"close-version": version_of(point_a), "close-closed_on": TODAY.isoformat(), "close-reason": "撤点"}
    )
    assert r.status_code == 302
    point_a.refresh_from_db()
    assert point_a.status == codes.PointStatus.CLOSED
    assert c.get(reverse("legalnet:point_edit", args=[point_a.pk])).status_code == 302


def test_point_edit(world, client_for, point_a):
    c = client_for(world.director_a)
    url = reverse("legalnet:point_edit", args=[point_a.pk])
    assert c.get(url).status_code == 200
    data = {
        "version": version_of(point_a),
        "name": point_a.name,
        "partner": "无锡市锡城公证处",
        "hours": point_a.hours,
        "address": point_a.address,
        "phone": "",
        "opened_on": point_a.opened_on.isoformat(),
        "note": "",
    }
    assert c.post(url, data).status_code == 302
    point_a.refresh_from_db()
    assert point_a.partner == "无锡市锡城公证处"
    assert c.post(url, {**data, "partner": "x"}).status_code == 302  # stale: refused with a message
    point_a.refresh_from_db()
    assert point_a.partner == "无锡市锡城公证处"


def test_point_list_filters_pagination_and_export(world, client_for):
    for i, kind in enumerate(codes.POINT_KINDS):
        services.point_open(
            actor=world.director_a,
            office=world.office_a,
            kind=kind,
            partner=f"单位{i}",
            hours="工作日",
            address="路",
            opened_on=TODAY,
        )
    c = client_for(world.staff_a)
    r = c.get(reverse("legalnet:index"))
    assert r.status_code == 200 and len(r.context["page"].items) == 5
    r = c.get(reverse("legalnet:index"), {"kind": codes.PointKind.NOTARY})
    assert [p.kind for p in r.context["page"].items] == [codes.PointKind.NOTARY]
    r = c.get(reverse("legalnet:index"), {"q": "单位3"})
    assert len(r.context["page"].items) == 1
    from fengqiao.legalnet import selectors

    page = selectors.point_search(world.staff_a, size=2)
    assert len(page.items) == 2 and page.next_cursor
    r = c.get(reverse("legalnet:index"), {"cursor": page.next_cursor, "status": "all"})
    assert r.status_code == 200
    r = c.get(reverse("legalnet:point_export"), {"kind": codes.PointKind.NOTARY})
    rows = _xlsx(r)
    assert len(rows) == 2 and rows[1][3] == "单位0"
    assert AuditEvent.objects.filter(kind="export", object_repr__startswith="legalnet.points").exists()


def test_gaps_page(world, client_for, point_a):
    c = client_for(world.city_admin)
    r = c.get(reverse("legalnet:gaps"))
    assert r.status_code == 200
    rows = {row["office"].pk: row for row in r.context["rows"]}
    states = {cell["kind"]: cell["state"] for cell in rows[world.office_a.pk]["cells"]}
    assert states[codes.PointKind.NOTARY] == "unstaffed" and states[codes.PointKind.LEGAL_AID] == "missing"
    assert r.context["totals"]["missing"] == 9 and r.context["totals"]["unstaffed"] == 1
    assert b'data-state="missing"' in r.content
    assert len(c.get(reverse("legalnet:gaps"), {"missing": "1"}).context["rows"]) == 2


def test_advisors_page_assign_and_end(world, client_for):
    adv = make_user(world.village_a2, Role.LEGAL_ADVISOR, username="adv2", full_name="顾问二")
    c = client_for(world.director_a)
    r = c.get(reverse("legalnet:advisors"))
    assert r.status_code == 200 and r.context["can_assign"]
    states = {row["village"].pk: row["state"] for row in r.context["rows"]}
    assert states == {world.village_a1.pk: "inactive", world.village_a2.pk: "inactive"}
    r = c.post(
        reverse("legalnet:assign"),
        {"village": world.village_a2.pk, "advisor": adv.pk, "date": (TODAY + DAY).isoformat()},
    )
    assert r.status_code == 400 and not adv.served_villages.exists()
    r = c.post(
        reverse("legalnet:assign"), {"village": world.village_a2.pk, "advisor": adv.pk, "date": TODAY.isoformat()}
    )
    assert r.status_code == 302 and list(adv.served_villages.all()) == [world.village_a2]
    r = c.post(
        reverse("legalnet:unassign"),
        {"village": world.village_a2.pk, "advisor": adv.pk, "end-until": TODAY.isoformat()},
    )
    assert r.status_code == 302 and not adv.served_villages.exists()
    # staff see the page but may not assign
    s = client_for(world.staff_a)
    assert s.get(reverse("legalnet:advisors")).context["can_assign"] is False
    assert (
        s.post(
            reverse("legalnet:assign"), {"village": world.village_a2.pk, "advisor": adv.pk, "date": TODAY.isoformat()}
        ).status_code
        == 403
    )
    # another office's village is not offered
    r = c.post(
        reverse("legalnet:unassign"),
        {"village": world.village_b1.pk, "advisor": adv.pk, "end-until": TODAY.isoformat()},
    )
    assert r.status_code == 302
    r = c.get(reverse("legalnet:advisors"), {"uncovered": "1"})
    assert len(r.context["rows"]) == 2


def test_log_form_list_detail_edit_export(world, client_for):
    c = client_for(world.advisor_a)
    r = c.get(reverse("legalnet:log_create"))
    assert r.status_code == 200
    assert r.context["form"].fields["advisor"].initial == world.advisor_a.pk
    assert set(r.context["form"].fields["village"].queryset) == {world.village_a1, world.village_a2}
    data = {
        "village": world.village_a1.pk,
        "advisor": world.advisor_a.pk,
        "date": TODAY.isoformat(),
        "consultations": 0,
        "lectures": 0,
        "contract_reviews": 0,
        "disputes": 0,
        "note": "",
    }
    r = c.post(reverse("legalnet:log_create"), data)
    assert r.status_code == 400 and not WorkLog.objects.exists()
    r = c.post(reverse("legalnet:log_create"), {**data, "village": world.village_b1.pk, "duty_days": "on"})
    assert r.status_code == 400 and not WorkLog.objects.exists()
    r = c.post(reverse("legalnet:log_create"), {**data, "duty_days": "on", "consultations": 2, "note": "值班"})
    log = WorkLog.objects.get()
    assert r.status_code == 302 and log.duty_days == 1 and log.consultations == 2
    r = c.get(reverse("legalnet:log", args=[log.pk]))
    assert r.status_code == 200 and len(r.context["timeline"]) == 1
    edit = reverse("legalnet:log_edit", args=[log.pk])
    assert c.get(edit).status_code == 200
    r = c.post(
        edit,
        {
            "version": version_of(log),
            "duty_days": "on",
            "consultations": 5,
            "lectures": 1,
            "contract_reviews": 0,
            "disputes": 0,
            "note": "改",
        },
    )
    assert r.status_code == 302
    log.refresh_from_db()
    assert log.consultations == 5 and log.lectures == 1
    assert len(c.get(reverse("legalnet:log", args=[log.pk])).context["timeline"]) == 2
    s = client_for(world.staff_a)
    r = s.get(reverse("legalnet:logs"), {"village": world.village_a1.pk, "kind": "lectures"})
    assert [x.pk for x in r.context["page"].items] == [log.pk]
    assert s.get(reverse("legalnet:logs"), {"kind": "disputes"}).context["page"].items == []
    rows = _xlsx(s.get(reverse("legalnet:log_export")))
    assert len(rows) == 2 and rows[1][2] == "甲一村"
    assert AuditEvent.objects.filter(kind="export", object_repr__startswith="legalnet.worklogs").exists()


def test_workload_page(world, client_for):
    services.worklog_add(
        actor=world.advisor_a,
        village=world.village_a1,
        advisor=world.advisor_a,
        date=TODAY,
        duty_days=1,
        consultations=2,
    )
    if TODAY.day > 1:
        services.worklog_add(
            actor=world.advisor_a, village=world.village_a1, advisor=world.advisor_a, date=TODAY - DAY, lectures=1
        )
    c = client_for(world.staff_a)
    r = c.get(reverse("legalnet:workload"), {"year": TODAY.year})
    assert r.status_code == 200
    row = r.context["rows"][0]
    cell = row["months"][TODAY.month - 1]
    assert cell["consultations"] == 2 and cell["duty_days"] == 1
    assert row["total"]["work"] == (3 if TODAY.day > 1 else 2)
    assert c.get(reverse("legalnet:workload"), {"year": "abc"}).status_code == 200


def test_advisor_sees_only_their_villages_and_no_points(world, client_for, point_a):
    c = client_for(world.advisor_a)
    assert c.get(reverse("legalnet:index")).context["page"].items == []
    assert c.get(reverse("legalnet:point", args=[point_a.pk])).status_code == 404
    r = c.get(reverse("legalnet:advisors"))
    assert {row["village"].pk for row in r.context["rows"]} == {world.village_a1.pk, world.village_a2.pk}
    assert c.get(reverse("legalnet:index")).context["can_create"] is False
