"""Legal-services pages: the list with its filters, overdue section, pages and export, the entry
form of each kind, the service page with its timeline and steps, complaints, due times."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from fengqiao.core import audit
from fengqiao.core.models import AuditEvent
from fengqiao.legalservices import codes, services, views
from fengqiao.legalservices.models import Complaint, ServiceRecord
from fengqiao.legalservices.tests.test_services import consult, make_overdue, refer

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


@pytest.fixture
def items(world):
    answered = consult(world, person_name="甲答复", answer="已答复", satisfaction="satisfied")
    open_one = consult(world, person_name="甲待复", village=world.village_a2, channel=codes.Channel.HOTLINE)
    overdue = make_overdue(refer(world, person_name="甲逾期"))
    other = consult(world, actor=world.director_b, office=world.office_b, village=None, person_name="乙镇人")
    return {"answered": answered, "open": open_one, "overdue": overdue, "other": other}


def listed(response):
    return {s.person_name for s in response.context["page"].items}


def test_list_filters_and_overdue_section(world, client_for, items):
    c = client_for(world.director_a)
    url = reverse("legalservices:index")
    page = c.get(url)
    assert listed(page) == {"甲答复", "甲待复", "甲逾期"}
    assert [s.pk for s in page.context["overdue"]] == [items["overdue"].pk]
    html = page.content.decode()
    assert 'id="overdue-section"' in html and "13812345678" not in html and "5678" in html
    assert listed(c.get(url, {"overdue": "1"})) == {"甲逾期"}
    assert listed(c.get(url, {"kind": "referral"})) == {"甲逾期"}
    assert listed(c.get(url, {"status": "open"})) == {"甲待复", "甲逾期"}
    assert listed(c.get(url, {"channel": "hotline"})) == {"甲待复"}
    assert listed(c.get(url, {"village": world.village_a2.pk})) == {"甲待复"}
    assert listed(c.get(url, {"satisfaction": "satisfied"})) == {"甲答复"}
    assert listed(c.get(url, {"q": "待复"})) == {"甲待复"}
    assert listed(c.get(url, {"date_from": TODAY.isoformat()})) == {"甲答复", "甲待复"}
    assert listed(c.get(url, {"village": world.village_b1.pk})) == {"甲答复", "甲待复", "甲逾期"}
    assert c.get(url, {"kind": "x", "village": "abc", "date_from": "nope", "cursor": "!!"}).status_code == 200
    assert listed(client_for(world.city_admin).get(url)) == {"甲答复", "甲待复", "甲逾期", "乙镇人"}


def test_list_pages_by_key_with_bounded_queries(world, client_for, items, settings, django_assert_max_num_queries):
    settings.FENGQIAO = {**settings.FENGQIAO, "PAGE_SIZE": 2}
    c = client_for(world.director_a)
    url = reverse("legalservices:index")
    first = c.get(url)
    second = c.get(url, {"cursor": first.context["page"].next_cursor})
    assert listed(first) | listed(second) == {"甲答复", "甲待复", "甲逾期"} and not second.context["page"].next_cursor
    for i in range(10):
        consult(world, person_name=f"批量{i}")
    with django_assert_max_num_queries(16):
        c.get(url)


def test_export_masks_phones_and_is_audited(world, client_for, items):
    from openpyxl import load_workbook

    response = client_for(world.director_a).get(reverse("legalservices:export"), {"status": "open"})
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)
    assert len(rows) == 3 and {r[8] for r in rows[1:]} == {"甲待复", "甲逾期"}
    assert all("13812345678" not in str(r) for r in rows)
    event = AuditEvent.objects.get(action="export", actor_user=world.director_a)
    assert event.changes["what"] == "legalservices.services" and event.changes["rows"] == 2


def test_pages_need_the_module(world, client_for):
    from fengqiao.core.permissions import Role
    from fengqiao.testing.factories import make_user

    outsider = make_user(world.office_a, Role.CORRECTIONS_WORKER)
    c = client_for(outsider)
    for name in ("index", "export", "create", "complaints", "metrics", "policy"):
        assert c.get(reverse(f"legalservices:{name}")).status_code == 403
    assert client_for(world.mediator_a1).get(reverse("legalservices:export")).status_code == 403


@pytest.mark.parametrize("kind", codes.Kind.values)
def test_entry_form_of_each_kind(world, client_for, kind):
    c = client_for(world.director_a)
    url = reverse("legalservices:create") + f"?kind={kind}"
    page = c.get(url)
    assert page.status_code == 200 and page.context["form"].kind == kind
    data = {"office": world.office_a.pk, "village": world.village_a1.pk, "received_on": TODAY.isoformat()}
    data.update(
        {
            "consultation": {
                "person_name": "表单人", "channel": "visit", "category": "family", "question": "离婚怎么办",
                "answer": "可起诉离婚", "satisfaction": "basic", "minutes": "15",
            },
            "referral": {
                "person_name": "表单人", "referral_to": "notary", "receiving_body": "江苏省江阴市公证处",
                "question": "继承公证",
            },
            "reconsideration": {"person_name": "表单人", "receiving_body": "市复议办", "question": "罚款不服"},
            "legislative": {"subject": "《条例（草案）》", "question": "意见若干", "opinion_count": "3"},
            "decision": {"decision_type": "contract", "subject": "租赁合同", "answer": "合法", "adoption": "adopted"},
        }[kind]
    )  # fmt: skip
    response = c.post(url, data)
    service = ServiceRecord.objects.get()
    assert response.status_code == 302 and response.url == reverse("legalservices:detail", args=[service.pk])
    assert service.kind == kind and service.org_id == world.village_a1.pk
    again = c.post(url, {**data, "another": "1"})
    assert again.status_code == 302 and again.url.endswith(f"?kind={kind}")


def test_entry_form_refusals_show_beside_the_field(world, client_for):
    c = client_for(world.director_a)
    url = reverse("legalservices:create") + "?kind=consultation"
    base = {
        "office": world.office_a.pk, "received_on": TODAY.isoformat(), "person_name": "甲", "channel": "visit",
        "category": "family", "question": "问题",
    }  # fmt: skip
    r = c.post(url, {**base, "village": world.village_b1.pk})
    assert r.status_code == 400 and "village" in r.context["form"].errors
    r = c.post(url, {**base, "satisfaction": "basic"})
    assert r.status_code == 400 and "satisfaction" in r.context["form"].errors
    r = c.post(url, {**base, "satisfaction": "ecstatic", "answer": "x"})
    assert r.status_code == 400 and "satisfaction" in r.context["form"].errors
    r = c.post(url, {**base, "received_on": (TODAY + DAY).isoformat()})
    assert r.status_code == 400 and "received_on" in r.context["form"].errors
    assert ServiceRecord.objects.count() == 0
    form = c.get(url).context["form"]
    assert world.village_b1 not in set(form.fields["village"].queryset)


def test_advisor_form_offers_served_villages(world, client_for):
    form = client_for(world.advisor_a).get(reverse("legalservices:create")).context["form"]
    assert set(form.fields["village"].queryset) == {world.village_a1, world.village_a2}
    assert list(form.fields["office"].queryset) == [world.office_a]


def test_detail_timeline_and_steps(world, client_for, items):
    c = client_for(world.director_a)
    s = items["open"]
    page = c.get(reverse("legalservices:detail", args=[s.pk]))
    assert page.status_code == 200 and [step for step, _ in page.context["steps"]] == ["conclude", "note", "withdraw"]
    r = c.post(
        reverse("legalservices:step_note", args=[s.pk]),
        {"note-note": "已联系当事人", "note-date": TODAY.isoformat(), "note-version": audit.version_of(s)},
    )
    assert r.status_code == 302
    s.refresh_from_db()
    r = c.post(
        reverse("legalservices:step_conclude", args=[s.pk]),
        {"conclude-concluded_on": TODAY.isoformat(), "conclude-answer": "", "conclude-version": audit.version_of(s)},
    )
    assert r.status_code == 400 and "answer" in dict(r.context["steps"])["conclude"].errors
    r = c.post(
        reverse("legalservices:step_conclude", args=[s.pk]),
        {
            "conclude-concluded_on": TODAY.isoformat(),
            "conclude-answer": "答复",
            "conclude-version": audit.version_of(s),
        },
    )
    s.refresh_from_db()
    assert r.status_code == 302 and s.status == codes.Status.CONCLUDED
    r = c.post(
        reverse("legalservices:step_rate", args=[s.pk]),
        {"rate-satisfaction": "ecstatic", "rate-version": audit.version_of(s)},
    )
    assert r.status_code == 400
    r = c.post(
        reverse("legalservices:step_rate", args=[s.pk]),
        {"rate-satisfaction": "dissatisfied", "rate-version": audit.version_of(s)},
    )
    s.refresh_from_db()
    assert r.status_code == 302 and s.satisfaction == "dissatisfied"
    page = c.get(reverse("legalservices:detail", args=[s.pk]))
    assert [e.step for e in page.context["events"]] == ["rate", "conclude", "note", "register"]
    # a step that does not apply now is refused with a message, nothing changed
    r = c.post(reverse("legalservices:step_withdraw", args=[s.pk]), {"withdraw-reason": "x"})
    assert r.status_code == 302
    s.refresh_from_db()
    assert s.status == codes.Status.CONCLUDED


def test_overdue_detail_offers_no_withdrawal(world, client_for, items):
    s = items["overdue"]
    c = client_for(world.director_a)
    page = c.get(reverse("legalservices:detail", args=[s.pk]))
    assert page.context["overdue"] and "withdraw" not in dict(page.context["steps"])
    assert 'id="overdue-warning"' in page.content.decode()
    r = c.post(
        reverse("legalservices:step_withdraw", args=[s.pk]),
        {"withdraw-reason": "撤回", "withdraw-date": TODAY.isoformat(), "withdraw-version": audit.version_of(s)},
    )
    s.refresh_from_db()
    assert r.status_code == 302 and s.is_open


def test_readers_and_mediators_get_no_steps(world, client_for):
    s = consult(world)  # open, in the mediator's village
    for user in (world.leader, world.mediator_a1):
        page = client_for(user).get(reverse("legalservices:detail", args=[s.pk]))
        assert page.status_code == 200 and page.context["steps"] == []
        r = client_for(user).post(reverse("legalservices:step_note", args=[s.pk]), {"note-note": "x"})
        assert r.status_code in (403, 404)


def test_complaint_pages(world, client_for, items):
    c = client_for(world.director_a)
    s = items["answered"]
    form = c.get(reverse("legalservices:complaint_create"), {"service": s.pk}).context["form"]
    assert form.initial["service"] == s.pk
    data = {
        "office": world.office_a.pk, "received_on": TODAY.isoformat(), "complainant": "投诉人",
        "content": "答复不准确", "service": s.pk,
    }  # fmt: skip
    r = c.post(reverse("legalservices:complaint_create"), data)
    complaint = Complaint.objects.get()
    assert r.status_code == 302 and complaint.service == s
    bad = c.post(reverse("legalservices:complaint_create"), {**data, "service": items["other"].pk})
    assert bad.status_code == 400 and "service" in bad.context["form"].errors
    detail = c.get(reverse("legalservices:complaint_detail", args=[complaint.pk]))
    assert detail.status_code == 200 and detail.context["form"] is not None
    close = reverse("legalservices:complaint_close", args=[complaint.pk])
    version = audit.version_of(complaint)
    r = c.post(close, {"close-handling": "经核查", "close-version": version})
    assert r.status_code == 400 and "verification" in r.context["form"].errors
    r = c.post(close, {"close-handling": "经核查", "close-verification": "substantiated", "close-version": version})
    assert r.status_code == 400 and "verified_on" in r.context["form"].errors
    complaint.refresh_from_db()
    assert complaint.is_open
    r = c.post(
        close,
        {
            "close-handling": "经核查属实", "close-verification": "substantiated",
            "close-verified_on": TODAY.isoformat(), "close-version": version,
        },
    )  # fmt: skip
    complaint.refresh_from_db()
    assert r.status_code == 302 and complaint.verification == "substantiated"
    listing = c.get(reverse("legalservices:complaints"), {"verification": "substantiated"})
    assert [x.pk for x in listing.context["page"].items] == [complaint.pk]
    assert (
        client_for(world.director_b).get(reverse("legalservices:complaint_detail", args=[complaint.pk])).status_code
        == 404
    )


def test_due_policy_page(world, client_for):
    url = reverse("legalservices:policy")
    page = client_for(world.director_a).get(url)
    assert page.status_code == 200 and not page.context["can_edit"]
    assert client_for(world.director_a).post(url, {"which": "referral"}).status_code == 403
    c = client_for(world.city_admin)
    assert c.get(url).context["can_edit"]
    r = c.post(
        url, {"which": "referral", "referral-kind": "referral", "referral-days": "5", "referral-working_days": "on"}
    )
    assert r.status_code == 302
    assert services.policy.rules()["referral"] == (5, True)
    r = c.post(url, {"which": "referral", "referral-kind": "referral", "referral-days": "-1"})
    assert r.status_code == 400


def test_step_views_declare_their_model():
    assert all(views.STEP_FORMS)
    assert views.ServiceStepView.scoped_model is ServiceRecord
