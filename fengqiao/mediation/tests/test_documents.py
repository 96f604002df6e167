"""Case documents: 人民调解申请书, 调解笔录, 人民调解协议书 as .docx and printable HTML."""

import datetime
import io
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt

from fengqiao.core.errors import NotFound
from fengqiao.core.models import AuditEvent, AuditKind
from fengqiao.mediation import codes, documents, services
from fengqiao.mediation.documents import chinese_count, chinese_date, rmb_capitals, yuan
from fengqiao.mediation.models import Committee, Mediator
from fengqiao.testing.factories import valid_id_number

TODAY = timezone.localdate()
ID_ZHANG = valid_id_number("32028119900307123")  # 1990-03-07, 17th digit 3: male
ID_LI = valid_id_number("32028119851120002")  # 1985-11-20, 17th digit 2: female
TERMS = "李四于协议签订之日起三日内疏通排水沟。\n李四赔偿张三财产损失。\n双方今后互谅互让，不再就此事发生争执。"


def _case(world, *, agreement_form="written", amount="12000", sessions=1):
    committee = Committee.objects.create(
        org=world.office_a, name="甲镇人民调解委员会", committee_type=codes.CommitteeType.TOWN
    )
    mediator = Mediator.objects.create(org=world.office_a, full_name="王调解", full_time=True)
    mediator.committees.add(committee)
    d = services.dispute_register(
        actor=world.director_a,
        org=world.village_a1,
        channel=codes.Channel.VISIT,
        event_type="0201",
        summary="排水纠纷",
        description="东邻排水沟堵塞，雨水倒灌西邻院落。\n双方多次协商未果。",
        amount="15000",
        received_on=TODAY - datetime.timedelta(days=10),
        parties=[
            {
                "side": "applicant",
                "name": "张三",
                "id_number": ID_ZHANG,
                "phone": "13812345678",
                "address": "甲一村3组12号",
            },
            {"side": "respondent", "name": "李四", "id_number": ID_LI, "phone": "13987654321"},
        ],
    )
    services.dispute_accept(actor=world.director_a, dispute=d, committee=committee, mediators=[mediator])
    made = [
        services.session_add(
            actor=world.director_a,
            dispute=d,
            held_on=TODAY,
            place="甲镇调解室",
            record=f"第{i + 1}次：双方陈述意见。\n调解员释明相邻关系的法律规定。",
            attendees="甲一村村委会主任赵六",
            mediators=[mediator],
        )
        for i in range(sessions)
    ]
    if agreement_form:
        services.dispute_succeed(
            actor=world.director_a,
            dispute=d,
            form=agreement_form,
            terms=TERMS,
            signed_on=TODAY,
            amount=amount,
            performance_method="银行转账",
            performance_deadline=TODAY + datetime.timedelta(days=30),
        )
    d.refresh_from_db()
    return d, made


@pytest.fixture
def case(world):
    return _case(world)


def _text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    parts += [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


# --- numbers and dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("0.05", "人民币伍分"),
        ("0.50", "人民币伍角"),
        ("0", "人民币零元整"),
        ("10", "人民币壹拾元整"),
        ("12000", "人民币壹万贰仟元整"),
        ("100000", "人民币壹拾万元整"),
        ("10010.5", "人民币壹万零壹拾元零伍角"),
        ("1000000000.00", "人民币壹拾亿元整"),
        ("1409.50", "人民币壹仟肆佰零玖元伍角"),
        ("325.04", "人民币叁佰贰拾伍元零肆分"),
        ("1680.32", "人民币壹仟陆佰捌拾元零叁角贰分"),
        ("107000.53", "人民币壹拾万柒仟元零伍角叁分"),
        ("100000001", "人民币壹亿零壹元整"),
        ("100100", "人民币壹拾万零壹佰元整"),
        ("1010", "人民币壹仟零壹拾元整"),
        ("6007.14", "人民币陆仟零柒元壹角肆分"),
        ("999999999999.99", "人民币玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
        (Decimal("500.00"), "人民币伍佰元整"),
        (12000, "人民币壹万贰仟元整"),
    ],
)
def test_amounts_in_capitals(amount, expected):
    assert rmb_capitals(amount) == expected


@pytest.mark.parametrize("amount", ["-1", "1000000000000", "abc"])
def test_amounts_out_of_range_are_refused(amount):
    with pytest.raises(ValueError):
        rmb_capitals(amount)


def test_figures_dates_and_counts():
    assert yuan("12000") == "¥12,000.00"
    assert yuan("0.05") == "¥0.05"
    assert yuan(Decimal("1000000000")) == "¥1,000,000,000.00"
    assert chinese_date(datetime.date(2026, 11, 8)) == "2026年11月8日"
    assert [chinese_count(n) for n in (1, 3, 10, 11, 20, 21)] == ["一", "三", "十", "十一", "二十", "二十一"]


# --- which documents, and their content --------------------------------------------------------------


def test_available_lists_application_records_and_written_agreement(world):
    d, sessions = _case(world, sessions=2)
    agreement = d.agreement
    docs = documents.available(d, sessions=sessions, agreement=agreement)
    assert [(k, s) for k, _label, s in docs] == [
        ("application", None),
        ("record", sessions[0]),
        ("record", sessions[1]),
        ("agreement", None),
    ]
    assert list(documents.KINDS) == ["application", "record", "agreement"]
    assert documents.available(d, sessions=[], agreement=None) == [
        ("application", documents.KINDS["application"], None)
    ]


def test_oral_agreement_has_no_agreement_document(world):
    d, sessions = _case(world, agreement_form="oral")
    assert "agreement" not in [k for k, _l, _s in documents.available(d, sessions=sessions, agreement=d.agreement)]
    with pytest.raises(NotFound):
        documents.document_context(d, "agreement")


def test_missing_documents_are_not_found(world, case):
    d, _sessions = case
    other, other_sessions = _case_b(world)
    with pytest.raises(NotFound):
        documents.document_context(d, "minutes")
    with pytest.raises(NotFound):
        documents.document_context(d, "record")  # which session?
    with pytest.raises(NotFound):
        documents.document_context(d, "record", session=other_sessions[0])
    with pytest.raises(NotFound):
        documents.document_context(d, "record", session=other_sessions[0].pk)
    with pytest.raises(NotFound):
        documents.document_context(other, "agreement")


def _case_b(world):
    d = services.dispute_register(
        actor=world.director_b,
        org=world.village_b1,
        channel=codes.Channel.VISIT,
        event_type="0201",
        summary="乙镇纠纷",
        description="乙镇的描述",
        received_on=TODAY - datetime.timedelta(days=3),
        parties=[{"side": "applicant", "name": "王五"}, {"side": "respondent", "name": "赵七"}],
    )
    services.dispute_accept(actor=world.director_b, dispute=d)
    s = services.session_add(actor=world.director_b, dispute=d, held_on=TODAY, place="乙镇", record="记录")
    return d, [s]


def _fonts_ok(data: bytes):
    doc = Document(io.BytesIO(data))
    defaults = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    assert defaults.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "仿宋"
    assert defaults.find(qn("w:rFonts")).get(qn("w:eastAsiaTheme")) is None
    assert doc.styles["Normal"].element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋"
    title = doc.paragraphs[0]
    assert title.alignment == 1  # centred
    assert title.runs[0].font.size == Pt(22)
    assert title.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"
    body = [p for p in doc.paragraphs if p.paragraph_format.first_line_indent == Pt(32)]
    assert body, "no indented body paragraph"
    for p in body:
        assert p.paragraph_format.line_spacing == Pt(28.95)
        assert p._p.pPr.ind.get(qn("w:firstLineChars")) == "200"
        for run in p.runs:
            assert run.font.size == Pt(16)
            assert run._element.rPr.rFonts.get(qn("w:eastAsia")) in ("仿宋", "黑体")
    section = doc.sections[0]
    # Word stores lengths in twips: compare in millimetres.
    measured = [section.page_width, section.page_height, section.top_margin, section.bottom_margin]
    measured += [section.left_margin, section.right_margin]
    assert [round(x.mm, 1) for x in measured] == [210, 297, 37, 35, 28, 26]
    footer = section.footer.paragraphs[0]._p.xml
    assert "PAGE" in footer and "— " in footer and " —" in footer
    assert doc.core_properties.author != "python-docx"


def test_agreement_docx(world, case):
    d, _sessions = case
    data = documents.build_docx(d, "agreement", reveal_ids=True)
    text = _text(data)
    for expected in [
        "人民调解协议书",
        f"编号：{d.number}",
        "申请人：张三，男，",
        f"公民身份号码{ID_ZHANG}",
        "联系电话13812345678",
        "住址甲一村3组12号",
        "被申请人：李四，女，",
        f"公民身份号码{ID_LI}",
        "纠纷主要事实、争议事项：",
        "东邻排水沟堵塞，雨水倒灌西邻院落。",
        "经调解，双方自愿达成如下协议：",
        "一、李四于协议签订之日起三日内疏通排水沟。",
        "三、双方今后互谅互让，不再就此事发生争执。",
        "协议金额：人民币壹万贰仟元整（¥12,000.00）。",
        f"履行方式、时限：银行转账，于{chinese_date(TODAY + datetime.timedelta(days=30))}前履行完毕。",
        "本协议一式三份，当事人各执一份，甲镇人民调解委员会留存一份。",
        "申请人（签名盖章或按指印）：",
        "被申请人（签名盖章或按指印）：",
        "人民调解员（签名）：",
        "记录人（签名）：",
        "甲镇人民调解委员会（印）",
        chinese_date(TODAY),
    ]:
        assert expected in text, expected
    _fonts_ok(data)


def test_masked_unless_revealed(world, case):
    d, _sessions = case
    text = _text(documents.build_docx(d, "agreement"))
    assert ID_ZHANG not in text and "13812345678" not in text
    assert "公民身份号码3202**********" in text and "138****5678" in text


def test_application_docx(world, case):
    d, _sessions = case
    data = documents.build_docx(d, "application", reveal_ids=True)
    text = _text(data)
    for expected in [
        "人民调解申请书",
        d.number,
        f"申请人：张三，男，{_age_at(1990, 3, 7, d.received_on)}岁，公民身份号码{ID_ZHANG}",
        "被申请人：李四",
        "纠纷简要情况：",
        "双方多次协商未果。",
        "涉及金额：¥15,000.00。",
        "申请事项：请求甲镇人民调解委员会依法调解申请人与被申请人之间的纠纷（排水纠纷）。",
        "甲镇人民调解委员会已将申请人民调解的相关规定告知我，现自愿申请甲镇人民调解委员会进行调解。",
        "申请人（签名盖章或按指印）：",
        chinese_date(d.received_on),
    ]:
        assert expected in text, expected
    _fonts_ok(data)


def _age_at(y, m, day, on):
    return on.year - y - ((on.month, on.day) < (m, day))


def test_record_docx(world):
    d, sessions = _case(world, sessions=2)
    data = documents.build_docx(d, "record", session=sessions[1], reveal_ids=True)
    text = _text(data)
    for expected in [
        "调解笔录",
        d.number,
        f"时间：{chinese_date(sessions[1].held_on)}",
        "地点：甲镇调解室",
        "事由：排水纠纷",
        "人民调解员：王调解",
        "参加人：甲一村村委会主任赵六",
        "当事人：申请人张三；被申请人李四",
        "第2次：双方陈述意见。",
        "调解员释明相邻关系的法律规定。",
        "当事人（签名盖章或按指印）：",
        "人民调解员（签名）：",
        "记录人（签名）：",
    ]:
        assert expected in text, expected
    assert "第1次" not in text
    ctx = documents.document_context(d, "record", session=sessions[1].pk)
    assert ctx["filename"] == f"{d.number}调解笔录（第2次）.docx"
    _fonts_ok(data)


def test_terms_numbered_by_the_writer_are_kept(world):
    d, _s = _case(world, agreement_form=None)
    services.dispute_succeed(
        actor=world.director_a, dispute=d, form="written", terms="1. 甲方付款。\n2. 乙方收款。", signed_on=TODAY
    )
    text = _text(documents.build_docx(d, "agreement"))
    assert "1. 甲方付款。" in text and "一、1." not in text
    assert "协议金额" not in text  # no amount agreed


def test_several_parties_an_organisation_and_no_committee(world):
    d = services.dispute_register(
        actor=world.director_a,
        org=world.village_a1,
        channel=codes.Channel.VISIT,
        event_type="0201",
        summary="<b>欠薪</b>纠纷",
        description="工资拖欠三个月。",
        received_on=TODAY,
        parties=[
            {"side": "applicant", "name": "张三"},
            {"side": "applicant", "name": "王五"},
            {
                "side": "respondent",
                "name": "某某建筑有限公司",
                "kind": codes.PartyKind.ORGANISATION,
                "org_code": "91320281MA1N2BQX4Y",
                "address": "甲镇工业园1号",
            },
        ],
    )
    services.dispute_accept(actor=world.director_a, dispute=d)
    services.dispute_succeed(
        actor=world.director_a, dispute=d, form="written", terms="公司于十日内支付工资。", signed_on=TODAY
    )
    text = _text(documents.build_docx(d, "agreement"))
    assert "被申请人：某某建筑有限公司，统一社会信用代码91320281MA1N2BQX4Y，住所甲镇工业园1号。" in text
    assert "经调解，各方自愿达成如下协议：" in text
    assert "本协议一式四份，当事人各执一份，人民调解委员会留存一份。" in text
    assert "人民调解委员会（印）" in text
    assert "履行方式、时限：" in text
    html = render_to_string("mediation/documents/document.html", documents.document_context(d, "application"))
    assert "&lt;b&gt;欠薪&lt;/b&gt;" in html and "<b>欠薪" not in html


def test_control_characters_do_not_break_the_docx(world):
    d, sessions = _case(world, agreement_form=None)
    sessions[0].record = "双方\x0b陈述\x01意见。"
    sessions[0].save()
    assert "双方陈述意见。" in _text(documents.build_docx(d, "record", session=sessions[0]))


# --- the pages --------------------------------------------------------------------------------------


def _url(d, kind, name="mediation:document", session=None):
    url = reverse(name, kwargs={"pk": d.pk, "kind": kind})
    return f"{url}?session={session.pk}" if session else url


def test_docx_download_is_named_and_audited(world, client_for, case, django_assert_max_num_queries):
    d, _sessions = case
    client = client_for(world.director_a)
    response = client.get(_url(d, "agreement", "mediation:document_docx"))
    assert response.status_code == 200
    assert response["Content-Type"] == documents.DOCX_CONTENT_TYPE
    with django_assert_max_num_queries(20):
        client.get(_url(d, "record", "mediation:document_docx", session=_sessions[0]))
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    assert f"filename*=UTF-8''{quote(d.number + '人民调解协议书.docx')}" in disposition
    assert f'filename="mediation-{d.pk}-agreement.docx"' in disposition
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    text = _text(response.content)
    assert ID_ZHANG in text and "人民币壹万贰仟元整" in text
    event = AuditEvent.objects.filter(kind=AuditKind.EXPORT, object_id=str(d.pk)).order_by("id").first()
    assert event.action == "export" and event.actor_user == world.director_a
    assert event.object_type == "mediation.dispute" and event.office_id == d.office_id
    assert event.changes["what"] == "mediation.document.agreement"
    assert event.changes["filters"]["format"] == "docx" and event.changes["filters"]["full_id_numbers"] is True


def test_print_page_renders_and_is_audited(world, client_for, case, django_assert_max_num_queries):
    d, sessions = case
    client = client_for(world.director_a)
    with django_assert_max_num_queries(20):
        response = client.get(_url(d, "record", session=sessions[0]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "window.print()" in html and "@media print" in html and "@page" in html
    assert "调解笔录" in html and d.number in html and "甲镇调解室" in html
    assert "Noto Serif CJK SC" in html and "FangSong" in html
    assert "https://" not in html and "http://" not in html  # nothing from a CDN
    page = client.get(_url(d, "agreement")).content.decode()
    assert "人民币壹万贰仟元整（¥12,000.00）" in page and ID_ZHANG in page
    assert AuditEvent.objects.filter(kind=AuditKind.EXPORT, object_id=str(d.pk)).count() == 2


def test_document_stays_chinese_in_the_english_ui(world, client_for, case):
    d, _sessions = case
    client = client_for(world.director_a)
    client.cookies["django_language"] = "en"
    html = client.get(_url(d, "agreement"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "经调解，双方自愿达成如下协议：" in html


@pytest.mark.parametrize("user", ["director_a", "mediator_a1", "city_admin"])
def test_those_who_work_the_case_get_full_numbers(world, client_for, case, user):
    d, _sessions = case
    response = client_for(getattr(world, user)).get(_url(d, "application", "mediation:document_docx"))
    assert response.status_code == 200
    assert ID_ZHANG in _text(response.content)


def test_staff_without_view_sensitive_get_masked_numbers(world, client_for, case):
    d, _sessions = case
    response = client_for(world.staff_a).get(_url(d, "agreement", "mediation:document_docx"))
    assert response.status_code == 200
    text = _text(response.content)
    assert ID_ZHANG not in text and "3202**********" in text
    event = AuditEvent.objects.get(kind=AuditKind.EXPORT, object_id=str(d.pk))
    assert event.changes["filters"]["full_id_numbers"] is False


@pytest.mark.parametrize("user", ["director_b", "staff_b"])
def test_another_office_gets_404(world, client_for, case, user):
    d, sessions = case
    client = client_for(getattr(world, user))
    for name in ("mediation:document", "mediation:document_docx"):
        assert client.get(_url(d, "application", name)).status_code == 404
        assert client.get(_url(d, "record", name, session=sessions[0])).status_code == 404
    assert not AuditEvent.objects.filter(kind=AuditKind.EXPORT).exists()


@pytest.mark.parametrize("user", ["leader", "assessor", "advisor_a"])
def test_readers_without_change_get_404(world, client_for, case, user):
    # They may view the case, but documents need CHANGE: like another office's case, 404.
    d, _sessions = case
    assert client_for(getattr(world, user)).get(reverse("mediation:detail", args=[d.pk])).status_code == 200
    client = client_for(getattr(world, user))
    assert client.get(_url(d, "agreement")).status_code == 404
    assert client.get(_url(d, "agreement", "mediation:document_docx")).status_code == 404
    assert not AuditEvent.objects.filter(kind=AuditKind.EXPORT).exists()


def test_missing_documents_answer_404(world, client_for):
    d, sessions = _case(world, agreement_form=None)
    _other, other_sessions = _case_b(world)
    client = client_for(world.director_a)
    base = reverse("mediation:detail", args=[d.pk])
    assert client.get(f"{base}documents/minutes/").status_code == 404
    assert client.get(f"{base}documents/minutes.docx").status_code == 404
    assert client.get(_url(d, "agreement")).status_code == 404
    assert client.get(_url(d, "record")).status_code == 404
    assert client.get(_url(d, "record") + "?session=abc").status_code == 404
    assert client.get(_url(d, "record") + "?session=99999999999999999999999").status_code == 404
    assert client.get(_url(d, "record", session=other_sessions[0])).status_code == 404
    assert client.get(_url(d, "record", session=sessions[0])).status_code == 200


def test_anonymous_users_are_sent_to_sign_in(client, case):
    d, _sessions = case
    response = client.get(_url(d, "application"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_links_include(world, case):
    d, sessions = case
    docs = documents.available(d, sessions=sessions, agreement=d.agreement)
    html = render_to_string("mediation/documents/_links.html", {"dispute": d, "documents": docs})
    assert _url(d, "application") in html
    assert _url(d, "record", session=sessions[0]) in html
    assert _url(d, "agreement", "mediation:document_docx") in html
    assert html.count("bi-printer") == 3 and html.count("bi-file-earmark-word") == 3
    assert render_to_string("mediation/documents/_links.html", {"dispute": d, "documents": []}).strip() == ""


# --- in a real browser -------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_print_pages_in_chromium(page):
    from playwright.sync_api import expect

    from fengqiao.testing.browser import SCREENSHOTS, login, shot
    from fengqiao.testing.factories import PASSWORD, World

    world = World.build()
    d, sessions = _case(world)
    login(page, "director_a", PASSWORD)
    for kind, session in (("application", None), ("record", sessions[0]), ("agreement", None)):
        page.emulate_media(media="screen")
        page.goto(_url(d, kind, session=session))
        expect(page.locator("#doc-print")).to_be_visible()
        expect(page.locator("#document")).to_contain_text(d.number)
        # The text is set in a CJK serif the machine has; nothing is fetched from elsewhere.
        family = page.evaluate("getComputedStyle(document.querySelector('.doc-para')).fontFamily")
        assert "FangSong" in family and "Noto Serif CJK SC" in family
        shot(page, f"mediation-document-{kind}")
        page.emulate_media(media="print")
        expect(page.locator("#doc-print")).to_be_hidden()
        pdf = page.pdf(prefer_css_page_size=True)
        assert pdf.startswith(b"%PDF")
        (SCREENSHOTS / f"mediation-document-{kind}.pdf").write_bytes(pdf)
    expect(page.locator("#document")).to_contain_text("人民币壹万贰仟元整")
