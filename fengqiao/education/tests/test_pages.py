"""Legal-education pages: the activity list with filters, pages and the audited export, the entry
and edit forms with their refusals, the photo, stations and staff, demonstration villages and
their steps, and the figures."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from fengqiao.core.audit import version_of
from fengqiao.core.models import AuditEvent
from fengqiao.core.permissions import Role
from fengqiao.education import codes, services
from fengqiao.education.models import Activity, DemoVillage, Station, StationStaff, VillageEvent
from fengqiao.education.tests.test_services import PNG, activity, nominate
from fengqiao.testing.factories import make_user

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


@pytest.fixture
def officer_a(world):
    return make_user(world.office_a, Role.EDUCATION_OFFICER, username="edu_a", full_name="普法甲")


@pytest.fixture
def acts(world):
    return {
        "lecture": activity(world, topic="民法典讲座", department="公安派出所"),
        "board": activity(world, topic="宣传栏更新", form=codes.Form.BOARD, org=world.village_a2, reached=300),
        "old": activity(world, topic="去年宪法周", form=codes.Form.CONSTITUTION_WEEK, date=TODAY - 200 * DAY),
        "other": activity(world, actor=world.director_b, org=world.village_b1, topic="乙镇活动"),
    }


def listed(response):
    return {a.topic for a in response.context["page"].items}


def test_list_filters(world, client_for, acts, officer_a):
    c = client_for(officer_a)
    url = reverse("education:index")
    assert listed(c.get(url)) == {"民法典讲座", "宣传栏更新", "去年宪法周"}
    assert listed(c.get(url, {"form": codes.Form.BOARD})) == {"宣传栏更新"}
    assert listed(c.get(url, {"led": "1"})) == {"民法典讲座"}
    assert listed(c.get(url, {"led": "0"})) == {"宣传栏更新", "去年宪法周"}
    assert listed(c.get(url, {"place": world.village_a2.pk})) == {"宣传栏更新"}
    assert listed(c.get(url, {"q": "宣传栏"})) == {"宣传栏更新"}
    assert listed(c.get(url, {"date_from": (TODAY - 10 * DAY).isoformat()})) == {"民法典讲座", "宣传栏更新"}
    # another office's village and nonsense are ignored
    assert listed(c.get(url, {"place": world.village_b1.pk})) == {"民法典讲座", "宣传栏更新", "去年宪法周"}
    assert c.get(url, {"form": "x", "place": "abc", "date_from": "2020-13-45", "led": "7"}).status_code == 200
    assert "乙镇活动" in listed(client_for(world.city_admin).get(url))


def test_list_pages_by_key_and_htmx_rows(world, client_for, acts, settings, django_assert_max_num_queries):
    settings.FENGQIAO = {**settings.FENGQIAO, "PAGE_SIZE": 2}
    c = client_for(world.director_a)
    url = reverse("education:index")
    first = c.get(url)
    cursor = first.context["page"].next_cursor
    assert cursor and len(first.context["page"].items) == 2
    more = c.get(url, {"cursor": cursor}, HTTP_HX_REQUEST="true")
    assert more.status_code == 200 and b"<html" not in more.content and "去年宪法周" in more.content.decode()
    for i in range(10):
        activity(world, topic=f"批量{i}")
    with django_assert_max_num_queries(14):
        c.get(url)


def test_export_is_filtered_and_audited(world, client_for, acts):
    from openpyxl import load_workbook

    c = client_for(world.director_a)
    response = c.get(reverse("education:export"), {"led": "1"})
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)
    assert len(rows) == 2 and rows[1][3] == "民法典讲座" and rows[1][8] == "公安派出所"
    event = AuditEvent.objects.get(action="export", actor_user=world.director_a)
    assert event.changes["what"] == "education.activities" and event.changes["rows"] == 1


def test_pages_need_the_module(world, client_for):
    c = client_for(world.mediator_a1)
    for name in ("index", "export", "stations", "villages", "metrics", "create"):
        assert c.get(reverse(f"education:{name}")).status_code == 403
    # the advisor records but does not export or change
    c = client_for(world.advisor_a)
    assert c.get(reverse("education:create")).status_code == 200
    assert c.get(reverse("education:export")).status_code == 403


def test_create_form_records_and_refuses_bad_input(world, client_for, officer_a, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    c = client_for(officer_a)
    url = reverse("education:create")
    assert c.get(url).status_code == 200
    data = {
        "org": world.village_a1.pk,
        "topic": "防范电信诈骗",
        "form": codes.Form.LECTURE,
        "date": TODAY.isoformat(),
        "venue": "甲一村会议室",
        "audience": codes.Audience.ELDERLY,
        "reached": "45",
        "department": "公安派出所",
    }
    for bad in ({"reached": "0"}, {"date": (TODAY + DAY).isoformat()}, {"org": world.village_b1.pk}, {"form": "x"}):
        response = c.post(url, {**data, **bad})
        assert response.status_code == 400
    assert Activity.objects.count() == 0
    response = c.post(url, {**data, "photo": SimpleUploadedFile("p.png", PNG, content_type="image/png")})
    a = Activity.objects.get()
    assert response.status_code == 302 and response.url == reverse("education:detail", args=[a.pk])
    assert (a.reached, a.department, a.recorded_by_id) == (45, "公安派出所", officer_a.pk)
    detail = c.get(response.url)
    assert detail.status_code == 200 and len(detail.context["history"]) == 1
    photo = c.get(reverse("education:photo", args=[a.pk]))
    assert photo.status_code == 200 and photo["Content-Type"] == "image/png"
    assert b"".join(photo.streaming_content) == PNG


def test_edit_form_and_stale_version(world, client_for, acts):
    c = client_for(world.director_a)
    a = acts["lecture"]
    url = reverse("education:edit", args=[a.pk])
    form = c.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(org=a.org_id, date=a.date.isoformat(), reached="99")
    assert c.post(url, data).status_code == 302
    a.refresh_from_db()
    assert a.reached == 99
    data["reached"] = "5"  # the same, now stale, version
    response = c.post(url, data)
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.reached == 99


def test_station_pages_staff_and_gaps(world, client_for, officer_a):
    c = client_for(world.director_a)
    response = c.get(reverse("education:stations"))
    assert [r["gap"] for r in response.context["rows"]] == [True]
    response = c.post(
        reverse("education:station_create"),
        {"office": world.office_a.pk, "name": "甲镇辅导站", "address": "甲镇1号", "set_up_on": TODAY.isoformat()},
    )
    s = Station.objects.get()
    assert response.status_code == 302 and response.url == reverse("education:station", args=[s.pk])
    page = c.get(response.url)
    assert page.status_code == 200 and page.context["fulltime"] == 0
    add = reverse("education:staff_add", args=[s.pk])
    bad = c.post(add, {"staff-version": version_of(s), "staff-employment": "full_time", "staff-start_on": TODAY})
    assert bad.status_code == 400 and StationStaff.objects.count() == 0  # neither a user nor a name
    ok = c.post(
        add,
        {
            "staff-version": version_of(s),
            "staff-user": officer_a.pk,
            "staff-employment": "full_time",
            "staff-start_on": TODAY.isoformat(),
        },
    )
    assert ok.status_code == 302
    member = StationStaff.objects.get()
    assert c.get(reverse("education:station", args=[s.pk])).context["fulltime"] == 1
    assert [r["gap"] for r in c.get(reverse("education:stations")).context["rows"]] == [False]
    # an end before the start is refused with a message, nothing changes
    c.post(reverse("education:staff_end", args=[member.pk]), {"end-end_on": (TODAY - DAY).isoformat()})
    member.refresh_from_db()
    assert member.end_on is None
    c.post(reverse("education:staff_end", args=[member.pk]), {"end-end_on": TODAY.isoformat(), "end-note": "调任"})
    member.refresh_from_db()
    assert member.end_on == TODAY
    # a second station for the office is refused
    again = c.post(
        reverse("education:station_create"),
        {"office": world.office_a.pk, "name": "又一站", "address": "x", "set_up_on": TODAY.isoformat()},
    )
    assert again.status_code == 400 and Station.objects.count() == 1


def test_village_pages_and_steps(world, client_for):
    c = client_for(world.director_a)
    response = c.post(
        reverse("education:village_create"),
        {"org": world.village_a1.pk, "target_level": codes.Level.COUNTY, "nominated_on": TODAY.isoformat()},
    )
    v = DemoVillage.objects.get()
    assert response.status_code == 302
    page = c.get(reverse("education:village", args=[v.pk]))
    assert [s for s, _f in page.context["steps"]] == ["designate", "withdraw"]
    data = {
        "designate-version": version_of(v),
        "designate-level": codes.Level.COUNTY,
        "designate-year": TODAY.year,
        "designate-date": TODAY.isoformat(),
    }
    assert c.post(reverse("education:village_designate", args=[v.pk]), data).status_code == 302
    v.refresh_from_db()
    assert v.status == codes.VillageStatus.DESIGNATED
    steps = dict(c.get(reverse("education:village", args=[v.pk])).context["steps"])
    assert [code for code, _label in steps["designate"].fields["level"].choices] == ["city", "province", "national"]
    # the same level again: refused on the form, nothing changes
    data["designate-version"] = version_of(v)
    again = c.post(reverse("education:village_designate", args=[v.pk]), data)
    assert again.status_code == 400 and VillageEvent.objects.filter(step="designate").count() == 1
    # a step the status does not allow
    c.post(reverse("education:village_withdraw", args=[v.pk]), {"withdraw-date": TODAY, "withdraw-note": "x"})
    v.refresh_from_db()
    assert v.status == codes.VillageStatus.DESIGNATED
    review = {"review-version": version_of(v), "review-passed": "0", "review-year": TODAY.year, "review-date": TODAY}
    assert c.post(reverse("education:village_review", args=[v.pk]), review).status_code == 400  # no reasons
    review["review-note"] = "村务公开不到位"
    assert c.post(reverse("education:village_review", args=[v.pk]), review).status_code == 302
    v.refresh_from_db()
    assert v.status == codes.VillageStatus.REVOKED
    listing = c.get(reverse("education:villages"), {"status": "revoked"})
    assert [x.pk for x in listing.context["page"].items] == [v.pk]
    assert c.get(reverse("education:villages"), {"level": "national"}).context["page"].items == []


def test_metrics_page(world, client_for, acts):
    services.station_set_up(
        actor=world.director_a, office=world.office_a, name="站", address="址", set_up_on=TODAY - 30 * DAY
    )
    nominate(world)
    c = client_for(world.city_admin)
    response = c.get(reverse("education:metrics"), {"date_from": (TODAY - 30 * DAY).isoformat()})
    assert response.status_code == 200
    totals = response.context["totals"]
    assert totals["offices"] == 2 and totals["stations"] == 1 and totals["without_fulltime"] == 2
    assert totals["activities"] == 3
    chosen = c.get(reverse("education:metrics"), {"office": world.office_a.pk})
    assert {r["village"].name: r["activities"] for r in chosen.context["villages"]} == {"甲一村": 2, "甲二村": 1}
    # an office outside the user's area gives no village rows
    own = client_for(world.director_a).get(reverse("education:metrics"), {"office": world.office_b.pk})
    assert own.context["villages"] == [] and len(own.context["offices"]) == 1
    assert c.get(reverse("education:metrics"), {"date_from": "garbage", "date_to": "2020-01-01"}).status_code == 200


def test_a_national_village_offers_no_further_designation(world, client_for):
    v = nominate(world)
    services.village_designate(
        actor=world.director_a, village=v, level=codes.Level.NATIONAL, year=TODAY.year, date=TODAY
    )
    page = client_for(world.director_a).get(reverse("education:village", args=[v.pk]))
    assert [s for s, _f in page.context["steps"]] == ["review"]
