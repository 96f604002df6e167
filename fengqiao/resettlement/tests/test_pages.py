"""Resettlement pages: the list with its filters, pages and export, the handover and edit forms, the
person's page with the audited reveal and its steps, staffing and the figures."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from fengqiao.core import audit
from fengqiao.core.models import AuditEvent
from fengqiao.core.permissions import Role
from fengqiao.resettlement import codes, selectors, services
from fengqiao.resettlement.models import HelpRecord, ReleasedPerson
from fengqiao.resettlement.tests.test_services import register
from fengqiao.testing.factories import make_user, valid_id_number

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


@pytest.fixture
def worker_a(world):
    return make_user(world.office_a, Role.RESETTLEMENT_WORKER, username="resettle_a", full_name="安置甲")


@pytest.fixture
def people(world, worker_a):
    key = register(world, name="重点甲", level=codes.Level.KEY, id_number=valid_id_number("32028119800101001"))
    plain = register(
        world,
        name="一般甲",
        org=world.village_a2,
        id_number=valid_id_number("32028119800101002"),
        employment=codes.Employment.EMPLOYED,
    )
    services.help_record_add(actor=worker_a, person=plain, kind=codes.HelpKind.VISIT, date=TODAY, note="走访")
    ended = register(world, name="已结束", id_number=valid_id_number("32028119800101003"))
    services.person_end(actor=worker_a, person=ended, reason=codes.EndReason.MOVED, ended_on=TODAY, note="迁往外省")
    other = register(
        world,
        actor=world.director_b,
        org=world.village_b1,
        name="乙镇人",
        id_number=valid_id_number("32028119800101004"),
    )
    return {"key": key, "plain": plain, "ended": ended, "other": other}


def listed(response):
    return {p.name for p in response.context["page"].items}


def test_list_shows_masked_ids_and_filters(world, client_for, people):
    c = client_for(world.director_a)
    url = reverse("resettlement:list")
    response = c.get(url)
    assert listed(response) == {"重点甲", "一般甲"}  # in assistance by default
    html = response.content.decode()
    assert people["key"].id_number not in html and people["key"].id_number[-4:] in html
    assert listed(c.get(url, {"status": "all"})) == {"重点甲", "一般甲", "已结束"}
    assert listed(c.get(url, {"status": "ended"})) == {"已结束"}
    assert listed(c.get(url, {"level": codes.Level.KEY})) == {"重点甲"}
    assert listed(c.get(url, {"due": "1"})) == {"重点甲"}
    assert listed(c.get(url, {"village": world.village_a2.pk})) == {"一般甲"}
    assert listed(c.get(url, {"employment": codes.Employment.EMPLOYED})) == {"一般甲"}
    assert listed(c.get(url, {"q": "重点"})) == {"重点甲"}
    assert listed(c.get(url, {"q": people["plain"].id_number})) == {"一般甲"}
    worker = people["key"].worker_id
    assert listed(c.get(url, {"worker": worker})) == {"重点甲", "一般甲"}
    # another office's village and nonsense are ignored, not errors
    assert listed(c.get(url, {"village": world.village_b1.pk})) == {"重点甲", "一般甲"}
    assert c.get(url, {"level": "9", "worker": "x", "village": "abc", "status": "zzz"}).status_code == 200
    # the city sees both offices
    assert listed(client_for(world.city_admin).get(url)) == {"重点甲", "一般甲", "乙镇人"}


def test_list_pages_by_key(world, client_for, people, settings):
    settings.FENGQIAO = {**settings.FENGQIAO, "PAGE_SIZE": 1}
    c = client_for(world.director_a)
    url = reverse("resettlement:list")
    first = c.get(url)
    assert len(first.context["page"].items) == 1 and first.context["page"].next_cursor
    second = c.get(url, {"cursor": first.context["page"].next_cursor})
    assert listed(first) | listed(second) == {"重点甲", "一般甲"}
    assert second.context["page"].next_cursor is None


def test_list_queries_are_bounded(world, client_for, people, django_assert_max_num_queries):
    c = client_for(world.director_a)
    c.get(reverse("resettlement:list"))
    for i in range(10):
        register(world, name=f"批量{i}", id_number=valid_id_number(f"3202811980021{i}100"))
    with django_assert_max_num_queries(14):
        c.get(reverse("resettlement:list"))


def test_export_masks_ids_and_is_audited(world, client_for, people):
    from openpyxl import load_workbook

    c = client_for(world.director_a)
    response = c.get(reverse("resettlement:export"), {"level": codes.Level.KEY})
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(book.active.values)
    assert len(rows) == 2 and rows[1][0] == "重点甲"
    assert rows[1][2] != people["key"].id_number and rows[1][2].endswith(people["key"].id_number[-4:])
    event = AuditEvent.objects.get(action="export", actor_user=world.director_a)
    assert event.changes["what"] == "resettlement.persons" and event.changes["rows"] == 1


def test_export_and_pages_need_the_module(world, client_for, people):
    c = client_for(world.mediator_a1)
    assert c.get(reverse("resettlement:export")).status_code == 403
    assert c.get(reverse("resettlement:list")).status_code == 403


def test_detail_reveal_is_audited_and_limited_to_sensitive_roles(world, client_for, people, worker_a):
    person = people["key"]
    c = client_for(worker_a)
    page = c.get(reverse("resettlement:detail", args=[person.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and person.id_number not in html and 'id="reveal-id"' in html
    reveal = c.post(reverse("resettlement:reveal_id", args=[person.pk]))
    assert reveal.status_code == 200 and person.id_number in reveal.content.decode()
    assert "no-cache" in reveal["Cache-Control"] or "max-age=0" in reveal["Cache-Control"]
    event = AuditEvent.objects.get(action="access.id_number", object_id=str(person.pk))
    assert event.actor_user == worker_a and event.office_id == world.office_a.pk
    # staff work on the persons but may not see full numbers
    staff = client_for(world.staff_a)
    assert 'id="reveal-id"' not in staff.get(reverse("resettlement:detail", args=[person.pk])).content.decode()
    assert staff.post(reverse("resettlement:reveal_id", args=[person.pk])).status_code in (403, 404)
    assert AuditEvent.objects.filter(action="access.id_number").count() == 1


def test_detail_timeline_newest_first(world, client_for, people, worker_a):
    person = people["key"]
    services.help_record_add(
        actor=worker_a, person=person, kind=codes.HelpKind.CONTACT, date=TODAY - 3 * DAY, note="第一次"
    )
    services.help_record_add(actor=worker_a, person=person, kind=codes.HelpKind.VISIT, date=TODAY - DAY, note="第二次")
    page = client_for(worker_a).get(reverse("resettlement:detail", args=[person.pk]))
    timeline = page.context["timeline"]
    assert [i["kind"] for i in timeline] == ["help", "help", "level"]
    assert timeline[0]["record"].note == "第二次"


def test_register_form(world, client_for, worker_a):
    c = client_for(world.director_a)
    url = reverse("resettlement:create")
    assert c.get(url).status_code == 200
    data = {
        "org": world.village_a1.pk,
        "name": "王新",
        "gender": codes.Gender.MALE,
        "id_number": valid_id_number("32028119850505123"),
        "phone": "13912345678",
        "offence": "诈骗罪",
        "prison": "江苏省苏州监狱",
        "released_on": (TODAY - 2 * DAY).isoformat(),
        "handover_on": (TODAY - DAY).isoformat(),
        "met_at_gate": "on",
        "level": codes.Level.KEY,
        "employment": codes.Employment.UNEMPLOYED,
        "housing": codes.Housing.RENTED,
        "assistance": codes.Assistance.TEMPORARY,
        "worker": "",
    }
    response = c.post(url, data)
    person = ReleasedPerson.objects.get(name="王新")
    assert response.status_code == 302 and response.url == reverse("resettlement:detail", args=[person.pk])
    assert person.worker == worker_a and person.met_at_gate and person.level == codes.Level.KEY
    # the same person again: the service's message shows beside the ID number
    again = c.post(url, data)
    assert again.status_code == 400 and "id_number" in again.context["form"].errors
    # a handover before the release is refused by the form
    bad = c.post(url, {**data, "id_number": valid_id_number("32028119850505124"), "handover_on": "2000-01-01"})
    assert bad.status_code == 400 and "handover_on" in bad.context["form"].errors
    assert ReleasedPerson.objects.count() == 1


def test_register_form_offers_only_the_users_places(world, client_for):
    form = client_for(world.director_a).get(reverse("resettlement:create")).context["form"]
    places = set(form.fields["org"].queryset)
    assert world.village_a1 in places and world.village_b1 not in places


def test_edit_form_with_version(world, client_for, people):
    person = people["key"]
    c = client_for(world.staff_a)
    url = reverse("resettlement:edit", args=[person.pk])
    form = c.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update({"org": person.org_id, "address": "新地址8号", "released_on": person.released_on.isoformat()})
    data["handover_on"] = person.handover_on.isoformat()
    data["met_at_gate"] = "on" if person.met_at_gate else ""
    response = c.post(url, data)
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.address == "新地址8号"
    # the same form again is stale: refused with a message, nothing changed
    again = c.post(url, {**data, "address": "别的地址"}, follow=True)
    person.refresh_from_db()
    assert person.address == "新地址8号"
    assert "他人已修改此记录" in again.content.decode()


def test_steps_on_the_person_page(world, client_for, people, worker_a):
    person = people["key"]
    c = client_for(world.director_a)
    version = audit.version_of(person)
    r = c.post(
        reverse("resettlement:step_help", args=[person.pk]),
        {"help-kind": codes.HelpKind.VISIT, "help-date": TODAY.isoformat(), "help-note": "入户走访"},
    )
    assert r.status_code == 302 and HelpRecord.objects.filter(person=person, note="入户走访").exists()
    # the help record changed the last contact: the old version is stale now
    r = c.post(
        reverse("resettlement:step_level", args=[person.pk]),
        {
            "level-level": codes.Level.GENERAL,
            "level-reason": "表现稳定",
            "level-date": TODAY.isoformat(),
            "level-version": version,
        },
    )
    person.refresh_from_db()
    assert r.status_code == 302 and person.level == codes.Level.KEY
    r = c.post(
        reverse("resettlement:step_level", args=[person.pk]),
        {
            "level-level": codes.Level.GENERAL,
            "level-reason": "表现稳定",
            "level-date": TODAY.isoformat(),
            "level-version": audit.version_of(person),
        },
    )
    person.refresh_from_db()
    assert r.status_code == 302 and person.level == codes.Level.GENERAL
    other = make_user(world.office_a, Role.RESETTLEMENT_WORKER, username="other_a")
    r = c.post(
        reverse("resettlement:step_assign", args=[person.pk]),
        {"assign-worker": other.pk, "assign-version": audit.version_of(person)},
    )
    person.refresh_from_db()
    assert r.status_code == 302 and person.worker == other
    # a refusal shows on the form, with the page
    r = c.post(
        reverse("resettlement:step_end", args=[person.pk]),
        {
            "end-reason": codes.EndReason.DIED,
            "end-ended_on": TODAY.isoformat(),
            "end-version": audit.version_of(person),
        },
    )
    assert r.status_code == 400 and "note" in dict(r.context["steps"])["end"].errors
    r = c.post(
        reverse("resettlement:step_end", args=[person.pk]),
        {
            "end-reason": codes.EndReason.DIED,
            "end-ended_on": TODAY.isoformat(),
            "end-note": "病故",
            "end-version": audit.version_of(person),
        },
    )
    person.refresh_from_db()
    assert r.status_code == 302 and person.status == codes.Status.ENDED
    # an ended person offers no steps and refuses them
    page = c.get(reverse("resettlement:detail", args=[person.pk]))
    assert page.context["steps"] == [] and not page.context["can_change"]
    r = c.post(
        reverse("resettlement:step_help", args=[person.pk]),
        {"help-kind": codes.HelpKind.VISIT, "help-date": TODAY.isoformat(), "help-note": "再走访"},
    )
    assert r.status_code == 302 and not HelpRecord.objects.filter(note="再走访").exists()


def test_readers_get_no_steps(world, client_for, people):
    page = client_for(world.leader).get(reverse("resettlement:detail", args=[people["key"].pk]))
    assert page.status_code == 200 and page.context["steps"] == []
    r = client_for(world.leader).post(
        reverse("resettlement:step_help", args=[people["key"].pk]),
        {"help-kind": codes.HelpKind.VISIT, "help-date": TODAY.isoformat(), "help-note": "x"},
    )
    assert r.status_code in (403, 404)


def test_staffing_numbers(world, client_for, worker_a):
    from fengqiao.corrections import policy
    from fengqiao.corrections.models import Policy

    policy.current()
    Policy.objects.update(resettlement_ratio=2)
    for i in range(5):
        register(world, name=f"人{i}", id_number=valid_id_number(f"3202811980031{i}100"))
    register(world, actor=world.director_b, org=world.village_b1, name="乙镇人")
    page = client_for(world.city_admin).get(reverse("resettlement:staffing"))
    assert page.status_code == 200 and page.context["ratio"] == 2
    rows = {r["office"].pk: r for r in page.context["offices"]}
    a, b = rows[world.office_a.pk], rows[world.office_b.pk]
    assert (a["persons"], a["worker_count"], a["needed"], a["shortfall"]) == (5, 1, 3, 2)
    assert [w["load"] for w in a["workers"]] == [5] and a["overloaded"][0]["id"] == worker_a.pk
    assert a["suggested"]["id"] == worker_a.pk
    assert (b["persons"], b["worker_count"], b["needed"], b["shortfall"], b["unassigned"]) == (1, 0, 1, 1, 1)
    assert page.context["totals"]["shortfall"] == 3
    # an office sees only itself
    own = client_for(world.director_a).get(reverse("resettlement:staffing"))
    assert [r["office"].pk for r in own.context["offices"]] == [world.office_a.pk]
    assert client_for(world.director_a).get(reverse("resettlement:staffing"), {"short": "1"}).status_code == 200


def test_metrics_are_computed_from_the_records(world, client_for, worker_a):
    start = TODAY.replace(month=1, day=1)
    if (TODAY - start).days < 20:
        pytest.skip("needs a few weeks of the year for the default period")
    met = register(
        world, name="接", released_on=TODAY - 10 * DAY, handover_on=TODAY - 10 * DAY, met_at_gate=True,
        id_number=valid_id_number("32028119800101011"), employment=codes.Employment.EMPLOYED, level=codes.Level.KEY,
    )  # fmt: skip
    register(
        world, name="未接", released_on=TODAY - 5 * DAY, handover_on=TODAY - 5 * DAY, met_at_gate=False,
        id_number=valid_id_number("32028119800101012"), employment=codes.Employment.UNABLE,
    )  # fmt: skip
    old = register(
        world, name="早", released_on=TODAY - 900 * DAY, handover_on=TODAY - 900 * DAY,
        id_number=valid_id_number("32028119800101013"), employment=codes.Employment.UNEMPLOYED,
    )  # fmt: skip
    gone = register(
        world, name="走", released_on=TODAY - 800 * DAY, handover_on=TODAY - 800 * DAY,
        id_number=valid_id_number("32028119800101014"), employment=codes.Employment.EMPLOYED,
    )  # fmt: skip
    services.help_record_add(actor=worker_a, person=met, kind=codes.HelpKind.VISIT, date=TODAY, note="走访")
    services.help_record_add(actor=worker_a, person=old, kind=codes.HelpKind.EMPLOYMENT, date=TODAY, note="推荐")
    services.help_record_add(actor=worker_a, person=gone, kind=codes.HelpKind.CONTACT, date=TODAY - DAY, note="电话")
    services.person_end(actor=worker_a, person=gone, reason=codes.EndReason.MOVED, ended_on=TODAY, note="迁出")
    register(
        world, actor=world.director_b, org=world.village_b1, name="乙", released_on=TODAY - 3 * DAY, handover_on=TODAY
    )

    m = selectors.metrics(world.director_a, date_from=start, date_to=TODAY)
    t = m["totals"]
    assert (t["active"], t["key"]) == (3, 1)
    assert m["by_level"] == {codes.Level.KEY: 1, codes.Level.GENERAL: 2}
    # released in the period: 接 (met) and 未接 (not met) → 50%
    assert (t["released"], t["met"], t["handover_rate"]) == (2, 1, 50.0)
    # in work among those able to: 接 of (接, 早) → 50%; 未接 cannot work and is left out
    assert (t["working"], t["labour"], t["employment_rate"]) == (1, 2, 50.0)
    # in assistance in the period: all four; contacted or visited: 接 and 走 → 50%
    assert (t["in_period"], t["contacted"], t["contact_coverage"]) == (4, 2, 50.0)
    assert m["ended_by_reason"][codes.EndReason.MOVED] == 1 and t["ended"] == 1
    assert [o["name"] for o in m["offices"]] == [world.office_a.display_name]

    page = client_for(world.city_admin).get(reverse("resettlement:metrics"))
    assert page.status_code == 200
    assert page.context["totals"]["active"] == 4 and len(page.context["offices"]) == 2
    assert 'id="resettlement-data"' in page.content.decode()
    bad = client_for(world.city_admin).get(reverse("resettlement:metrics"), {"date_from": "x", "date_to": "1800-01-01"})
    assert bad.status_code == 200


def test_home_summary(world, client_for, people, worker_a):
    figures = selectors.home_summary(world.director_a)
    values = [f[1] for f in figures]
    assert values == [2, 1, 1, 0]  # in assistance, key, due for contact, workers short
    assert all(len(f) == 4 for f in figures)
    home = client_for(worker_a).get("/")
    assert home.status_code == 200 and reverse("resettlement:list") in home.content.decode()


def test_a_step_without_the_version_is_refused_as_out_of_date(world, client_for, people):
    person = people["key"]
    r = client_for(world.director_a).post(
        reverse("resettlement:step_level", args=[person.pk]),
        {"level-level": codes.Level.GENERAL, "level-reason": "表现稳定", "level-date": TODAY.isoformat()},
    )
    assert r.status_code == 400 and "version" in dict(r.context["steps"])["level"].errors
    person.refresh_from_db()
    assert person.level == codes.Level.KEY
