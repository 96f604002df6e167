"""Case documents: 人民调解申请书, 调解笔录 and 人民调解协议书, as Word (.docx) and as printable HTML.

The layout follows the Ministry of Justice's formats for people's mediation documents (人民调解文书
格式) and the People's Mediation Law (art. 28-29: what an agreement states, when it takes effect);
the typography follows GB/T 9704 (A4, margins 37/35/28/26 mm, title 二号, body 仿宋 三号 on a fixed
28.95 pt line, two-character indent, page numbers "— 1 —").

One document is laid out once, as a list of `Block`s (`document_context(...)["blocks"]`); the .docx
builder and the print template both render those blocks, so the two formats always say the same
thing. The wording of a document is legal content in Chinese and stays Chinese whatever the user's
language; only the labels the platform shows around it (`KINDS`) are translated.

Documents carry the parties' full ID numbers and phone numbers only when the caller says the reader
may see them (`reveal_ids=True`, for users with view_sensitive on the case); otherwise they are
masked as everywhere else. Showing or downloading a document is an audited export (see
`views_documents`).
"""

from __future__ import annotations

import datetime
import decimal
import io
import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_ROW_HEIGHT_RULE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from fengqiao.core.errors import NotFound
from fengqiao.core.validators import mask_id_number, mask_phone, normalize_id_number

from . import codes
from .models import Agreement, Dispute, MediationSession

APPLICATION, RECORD, AGREEMENT = "application", "record", "agreement"

# kind → label shown in the platform (translated); the documents' own titles are in TITLES.
KINDS = {
    APPLICATION: pgettext_lazy("case document", "Application for mediation"),
    RECORD: pgettext_lazy("case document", "Mediation record"),
    AGREEMENT: pgettext_lazy("case document", "Mediation agreement"),
}
TITLES = {APPLICATION: "人民调解申请书", RECORD: "调解笔录", AGREEMENT: "人民调解协议书"}

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# Fonts named as Chinese Word installs them. 方正小标宋 is not on most office PCs and Word would
# substitute it silently, so titles use 黑体, which GB/T 9704 practice accepts and every PC has.
BODY_FONT = "仿宋"
TITLE_FONT = "黑体"
LABEL_FONT = "黑体"
PAGE_NUMBER_FONT = "宋体"
LATIN_FONT = "Times New Roman"
TITLE_SIZE_PT = 22  # 二号
BODY_SIZE_PT = 16  # 三号
PAGE_NUMBER_SIZE_PT = 14  # 四号
LINE_PT = 28.95  # 22 lines on the GB/T 9704 type area
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}


# --- Chinese dates, numerals and amounts ---------------------------------------------------------------

_CAPITAL_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_CAPITAL_UNITS = ("", "拾", "佰", "仟")
_GROUP_UNITS = ("", "万", "亿")
_MAX_AMOUNT = decimal.Decimal("1e12")  # the models' 14 digits with 2 decimals stay below this
_CENT = decimal.Decimal("0.01")


def chinese_date(day: datetime.date | None) -> str:
    """2026年11月28日 (no leading zeros), or "" for no date."""
    if day is None:
        return ""
    return f"{day.year}年{day.month}月{day.day}日"


def chinese_count(n: int) -> str:
    """一, 二, … 十, 十一, … 九十九 for counts of copies or parties; digits beyond that."""
    small = "零一二三四五六七八九"
    if not 0 <= n < 100:
        return str(n)
    if n < 10:
        return small[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else small[tens]) + "十" + (small[ones] if ones else "")


def _to_cents(amount) -> int:
    try:
        value = decimal.Decimal(str(amount)).quantize(_CENT, rounding=decimal.ROUND_HALF_UP)
    except decimal.InvalidOperation:
        raise ValueError(f"not an amount: {amount!r}") from None
    if value < 0 or value >= _MAX_AMOUNT:
        raise ValueError(f"amount out of range: {amount!r}")
    return int(value * 100)


def yuan(amount) -> str:
    """¥12,000.00"""
    cents = _to_cents(amount)
    return f"¥{cents // 100:,}.{cents % 100:02d}"


def _capital_section(n: int) -> str:
    """1…9999 in capitals, with 零 for inner gaps: 1010 → 壹仟零壹拾."""
    out, gap = "", False
    for position in (3, 2, 1, 0):
        digit = n // 10**position % 10
        if digit == 0:
            gap = gap or bool(out)
            continue
        if gap:
            out += "零"
            gap = False
        out += _CAPITAL_DIGITS[digit] + _CAPITAL_UNITS[position]
    return out


def _capital_integer(n: int) -> str:
    groups = []
    while n:
        n, group = divmod(n, 10000)
        groups.append(group)
    out, gap = "", False
    for index in reversed(range(len(groups))):
        group = groups[index]
        if group == 0:
            gap = gap or bool(out)
            continue
        # A zero group, or a group with a zero thousands digit, after something: one 零.
        if out and (gap or group < 1000):
            out += "零"
        out += _capital_section(group) + _GROUP_UNITS[index]
        gap = False
    return out


def rmb_capitals(amount) -> str:
    """An amount in Chinese capital numerals as written on agreements and payment documents
    (the People's Bank's rules for writing amounts): 12000 → 人民币壹万贰仟元整,
    10010.5 → 人民币壹万零壹拾元零伍角, 0.05 → 人民币伍分, 10 → 人民币壹拾元整.

    整 follows 元 when there are no 角 or 分, and nothing follows 分; a zero units digit before 角, or a
    missing 角 before 分, is written as one 零 (壹仟陆佰捌拾元零叁角贰分), which the rules allow and
    which leaves no room for an inserted digit. Raises ValueError for negative or too large amounts.
    """
    cents = _to_cents(amount)
    whole, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    if jiao == 0 and fen == 0:
        return "人民币" + (_capital_integer(whole) if whole else "零") + "元整"
    out = _capital_integer(whole) + "元" if whole else ""
    if whole and (whole % 10 == 0 or jiao == 0):
        out += "零"
    if jiao:
        out += _CAPITAL_DIGITS[jiao] + "角"
    if fen:
        out += _CAPITAL_DIGITS[fen] + "分"
    return "人民币" + out


# --- what a document says ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """One piece of a laid-out document.

    kind: "title" (centred, 二号), "number" (编号, right), "para" (body text; `label` is a lead-in in
    黑体, `indent` the two-character first-line indent, `ragged` left-aligned instead of justified so that
    an ID number is not stretched or split), "signatures" (`rows` of (left, right) signing
    lines, room to sign below each), "right" (seal and date lines, right-aligned), "gap" (one blank line).
    """

    kind: str
    text: str = ""
    label: str = ""
    indent: bool = True
    rows: tuple = ()
    ragged: bool = False

    @property
    def left_share(self) -> int:
        """Width of the left signing column in per cent: the parties' (longer) lines take 60; a lone
        signer on the right (the applicant) gets the wider column."""
        return 60 if any(left for left, _right in self.rows) else 35


def _title(text):
    return Block("title", text)


def _para(text="", label="", indent=True, ragged=False):
    return Block("para", text, label, indent, ragged=ragged)


# Control characters (other than tab and newline) are not allowed in XML and mean nothing on paper.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
# Terms the writer numbered already: 一、 1. 2、 3) （一） (1)
_NUMBERED = re.compile(
    r"^\s*(?:[一二三四五六七八九十百]+[、.．]|[0-9]+[、.．)）]|[（(][一二三四五六七八九十0-9]+[)）])"
)


def _clean(text) -> str:
    return _CONTROL.sub("", str(text or "")).strip()


def _lines(text) -> list[str]:
    return [line.strip() for line in _clean(text).replace("\r\n", "\n").replace("\r", "\n").split("\n") if line.strip()]


def _numbered_terms(text) -> list[str]:
    """The agreement's terms, one paragraph each, numbered 一、二、… unless the writer numbered them."""
    lines = _lines(text)
    if len(lines) <= 1 or any(_NUMBERED.match(line) for line in lines):
        return lines
    return [f"{chinese_count(i)}、{line}" for i, line in enumerate(lines, start=1)]


def _sentence(text: str) -> str:
    """Text that ends like a sentence (adds 。 unless it already ends in punctuation)."""
    return text if not text or text[-1] in "。；;！!？?…" else text + "。"


def _age(birth: datetime.date, on: datetime.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _person_facts(id_number: str, on: datetime.date) -> list[str]:
    """Sex and age read from a resident ID number (GB 11643: birth date, odd 17th digit = male)."""
    number = normalize_id_number(id_number)
    if len(number) != 18 or not number[:17].isdigit():
        return []
    try:
        birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return []
    facts = ["男" if int(number[16]) % 2 else "女"]
    if birth <= on:
        facts.append(f"{_age(birth, on)}岁")
    return facts


def party_details(party, *, on: datetime.date, reveal_ids: bool) -> str:
    """张三，男，36岁，公民身份号码…，联系电话…，住址…。 — the party's particulars as the formats list
    them; ID and phone masked unless `reveal_ids`."""
    parts = [_clean(party.name)]
    if party.kind == codes.PartyKind.ORGANISATION:
        if party.org_code:
            parts.append(f"统一社会信用代码{_clean(party.org_code)}")
        if party.phone:
            parts.append(f"联系电话{_clean(party.phone if reveal_ids else mask_phone(party.phone))}")
        if party.address:
            parts.append(f"住所{_clean(party.address)}")
    else:
        if party.id_number:
            parts.extend(_person_facts(party.id_number, on))
            shown = normalize_id_number(party.id_number) if reveal_ids else mask_id_number(party.id_number)
            parts.append(f"公民身份号码{shown}")
        if party.phone:
            parts.append(f"联系电话{_clean(party.phone if reveal_ids else mask_phone(party.phone))}")
        if party.address:
            parts.append(f"住址{_clean(party.address)}")
    return _sentence("，".join(parts))


SIDE_TITLES = {codes.PartySide.APPLICANT: "申请人", codes.PartySide.RESPONDENT: "被申请人"}


def available(dispute: Dispute, *, sessions, agreement) -> list[tuple[str, object, MediationSession | None]]:
    """The documents this case has now, as (kind, label, session or None): the application always,
    a record per session (in the order given), the agreement only when it is written (an oral
    agreement is noted in the record, not signed as a document)."""
    docs = [(APPLICATION, KINDS[APPLICATION], None)]
    docs += [(RECORD, KINDS[RECORD], s) for s in sessions if s.dispute_id == dispute.pk]
    if agreement is not None and agreement.dispute_id == dispute.pk and agreement.form == codes.AgreementForm.WRITTEN:
        docs.append((AGREEMENT, KINDS[AGREEMENT], None))
    return docs


def _session_of(dispute: Dispute, session) -> MediationSession:
    if session is None or session == "":
        raise NotFound(_("Choose the mediation session whose record you want."))
    if isinstance(session, MediationSession):
        if session.dispute_id != dispute.pk:
            raise NotFound(_("That mediation session does not belong to this case."))
        return session
    try:
        pk = int(session)
    except (TypeError, ValueError):
        raise NotFound(_("That mediation session does not belong to this case.")) from None
    found = dispute.sessions.filter(pk=pk).first()
    if found is None:
        raise NotFound(_("That mediation session does not belong to this case."))
    return found


def document_context(dispute: Dispute, kind: str, *, session=None, reveal_ids: bool = False) -> dict:
    """Everything one document shows, and its layout (`blocks`).

    `session` (a MediationSession of this case, or its id) is required for the record. Raises
    NotFound for an unknown kind, a record without a session of this case, or an agreement the case
    does not have in writing. `reveal_ids` prints full ID and phone numbers (legal documents need
    them); leave it False for readers without view_sensitive.
    """
    if kind not in KINDS:
        raise NotFound(_("There is no such document."))
    agreement = None
    session = _session_of(dispute, session) if kind == RECORD else None
    if kind == AGREEMENT:
        agreement = Agreement.objects.filter(dispute=dispute).first()
        if agreement is None or agreement.form != codes.AgreementForm.WRITTEN:
            raise NotFound(_("This case has no written mediation agreement."))

    committee = dispute.committee
    committee_name = _clean(committee.name) if committee else ""
    parties = list(dispute.parties.all())
    applicants = [p for p in parties if p.side == codes.PartySide.APPLICANT]
    respondents = [p for p in parties if p.side == codes.PartySide.RESPONDENT]
    doc_date = {
        APPLICATION: dispute.received_on,
        RECORD: session.held_on if session else None,
        AGREEMENT: agreement.signed_on if agreement else None,
    }[kind]
    age_on = doc_date or timezone.localdate()

    ctx = {
        "kind": kind,
        "label": KINDS[kind],
        "title": TITLES[kind],
        "dispute": dispute,
        "number": dispute.number,
        "committee_name": committee_name,
        "parties": [
            {
                "party": p,
                "side_title": SIDE_TITLES.get(p.side, "当事人"),
                "details": party_details(p, on=age_on, reveal_ids=reveal_ids),
            }
            for p in applicants + respondents
        ],
        "applicants": applicants,
        "respondents": respondents,
        "reveal_ids": reveal_ids,
        "date": doc_date,
        "date_cn": chinese_date(doc_date),
        "session": session,
        "agreement": agreement,
    }
    if kind == APPLICATION:
        ctx["amount_yuan"] = yuan(dispute.amount) if dispute.amount is not None else ""
        ctx["blocks"] = _application_blocks(ctx)
    elif kind == RECORD:
        ordered = list(dispute.sessions.order_by("held_on", "id").values_list("pk", flat=True))
        ctx["session_ordinal"] = ordered.index(session.pk) + 1
        session_mediators = [m.full_name for m in session.mediators.all()]
        ctx["mediator_names"] = session_mediators or [m.full_name for m in dispute.mediators.all()]
        ctx["blocks"] = _record_blocks(ctx)
    else:
        ctx["amount_yuan"] = yuan(agreement.amount) if agreement.amount is not None else ""
        ctx["amount_capitals"] = rmb_capitals(agreement.amount) if agreement.amount is not None else ""
        ctx["copies"] = len(parties) + 1
        ctx["blocks"] = _agreement_blocks(ctx)
    ctx["filename"] = document_filename(ctx)
    return ctx


def _party_blocks(ctx) -> list[Block]:
    return [_para(p["details"], label=f"{p['side_title']}：", ragged=True) for p in ctx["parties"]]


def _application_blocks(ctx) -> list[Block]:
    d = ctx["dispute"]
    committee = ctx["committee_name"] or "人民调解委员会"
    blocks = [_title(ctx["title"]), Block("number", f"编号：{ctx['number']}"), *_party_blocks(ctx)]
    blocks.append(_para(label="纠纷简要情况："))
    blocks += [_para(line) for line in _lines(d.description)]
    if ctx["amount_yuan"]:
        blocks.append(_para(f"{ctx['amount_yuan']}。", label="涉及金额："))
    blocks.append(
        _para(f"请求{committee}依法调解申请人与被申请人之间的纠纷（{_clean(d.summary)}）。", label="申请事项：")
    )
    blocks.append(_para(f"{committee}已将申请人民调解的相关规定告知我，现自愿申请{committee}进行调解。"))
    blocks += [
        Block("gap"),
        Block("signatures", rows=(("", "申请人（签名盖章或按指印）："),)),
        Block("right", ctx["date_cn"]),
    ]
    return blocks


def _record_blocks(ctx) -> list[Block]:
    d, s = ctx["dispute"], ctx["session"]
    sides = []
    if ctx["applicants"]:
        sides.append("申请人" + "、".join(_clean(p.name) for p in ctx["applicants"]))
    if ctx["respondents"]:
        sides.append("被申请人" + "、".join(_clean(p.name) for p in ctx["respondents"]))
    blocks = [
        _title(ctx["title"]),
        Block("number", f"编号：{ctx['number']}"),
        _para(ctx["date_cn"], label="时间：", indent=False),
        _para(_clean(s.place), label="地点：", indent=False),
        _para(_clean(d.summary), label="事由：", indent=False),
        _para("、".join(_clean(n) for n in ctx["mediator_names"]), label="人民调解员：", indent=False),
        _para(_clean(s.attendees) or "无", label="参加人：", indent=False),
        _para("；".join(sides), label="当事人：", indent=False),
        _para(label="记录：", indent=False),
    ]
    blocks += [_para(line) for line in _lines(s.record)]
    blocks.append(_para("以上笔录已经当事人阅读（或向当事人宣读），确认无误。"))
    blocks += [
        Block("gap"),
        Block("signatures", rows=(("当事人（签名盖章或按指印）：", "人民调解员（签名）："), ("", "记录人（签名）："))),
    ]
    return blocks


def _agreement_blocks(ctx) -> list[Block]:
    d, a = ctx["dispute"], ctx["agreement"]
    committee = ctx["committee_name"] or "人民调解委员会"
    both = "双方" if len(ctx["parties"]) == 2 else "各方"
    blocks = [_title(ctx["title"]), Block("number", f"编号：{ctx['number']}"), *_party_blocks(ctx)]
    blocks.append(_para(label="纠纷主要事实、争议事项："))
    blocks += [_para(line) for line in _lines(d.description)]
    blocks.append(_para(f"经调解，{both}自愿达成如下协议："))
    blocks += [_para(line) for line in _numbered_terms(a.terms)]
    if ctx["amount_capitals"]:
        blocks.append(_para(f"{ctx['amount_capitals']}（{ctx['amount_yuan']}）。", label="协议金额："))
    performance = []
    if a.performance_method:
        performance.append(_clean(a.performance_method).rstrip("。；;"))
    if a.performance_deadline:
        performance.append(f"于{chinese_date(a.performance_deadline)}前履行完毕")
    blocks.append(_para(_sentence("，".join(performance)), label="履行方式、时限："))
    blocks.append(_para(f"本协议一式{chinese_count(ctx['copies'])}份，当事人各执一份，{committee}留存一份。"))
    blocks.append(_para("本协议自各方当事人签名、盖章或者按指印，人民调解员签名并加盖人民调解委员会印章之日起生效。"))
    party_lines = []
    if ctx["applicants"]:
        party_lines.append("申请人（签名盖章或按指印）：")
    if ctx["respondents"]:
        party_lines.append("被申请人（签名盖章或按指印）：")
    staff_lines = ["人民调解员（签名）：", "记录人（签名）："]
    rows = []
    for i in range(max(len(party_lines), len(staff_lines))):
        rows.append((party_lines[i] if i < len(party_lines) else "", staff_lines[i] if i < len(staff_lines) else ""))
    blocks += [
        Block("gap"),
        Block("signatures", rows=tuple(rows)),
        Block("right", f"{committee}（印）"),
        Block("right", ctx["date_cn"]),
    ]
    return blocks


_UNSAFE_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')


def document_filename(ctx) -> str:
    """（2026）甲镇人调字第00012号人民调解协议书.docx; the record adds （第2次）."""
    stem = f"{ctx['number']}{ctx['title']}"
    if ctx["kind"] == RECORD:
        stem += f"（第{ctx['session_ordinal']}次）"
    return _UNSAFE_FILENAME.sub("_", stem) + ".docx"


# --- Word ---------------------------------------------------------------------------------------------


def build_docx(dispute: Dispute, kind: str, *, session=None, reveal_ids: bool = False) -> bytes:
    """The document as a .docx file (bytes). Raises NotFound like `document_context`."""
    return render_docx(document_context(dispute, kind, session=session, reveal_ids=reveal_ids))


def _set_fonts(rpr, east_asia: str, latin: str = LATIN_FONT) -> None:
    """Name the fonts explicitly for every script. The theme attributes that Word's default template
    puts on rFonts would win over the explicit names, so they are removed."""
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:cs"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)


def _run(paragraph, text, *, east_asia=BODY_FONT, size=BODY_SIZE_PT):
    run = paragraph.add_run(text)
    run.font.size = Pt(size)
    _set_fonts(run._element.get_or_add_rPr(), east_asia)
    return run


def _fixed_lines(paragraph, *, line_pt=LINE_PT, indent=False, align=None, right_chars=0):
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(line_pt)
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    if align is not None:
        paragraph.alignment = align
    ind = paragraph._p.get_or_add_pPr().get_or_add_ind()
    if indent:
        # Two characters whatever the font size (firstLineChars), with the equivalent length for
        # programs that ignore character units.
        fmt.first_line_indent = Pt(2 * BODY_SIZE_PT)
        ind.set(qn("w:firstLineChars"), "200")
    else:
        fmt.first_line_indent = Pt(0)
        ind.set(qn("w:firstLineChars"), "0")
    if right_chars:
        fmt.right_indent = Pt(right_chars * BODY_SIZE_PT)
        ind.set(qn("w:rightChars"), str(right_chars * 100))


def _page_number_footer(section) -> None:
    """— 1 — centred in the footer: 宋体 四号 with a PAGE field between two dashes."""
    footer = section.footer
    footer.is_linked_to_previous = False
    p = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _fixed_lines(p, line_pt=PAGE_NUMBER_SIZE_PT * 1.5)
    _run(p, "— ", east_asia=PAGE_NUMBER_FONT, size=PAGE_NUMBER_SIZE_PT)
    for field_type, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        run = _run(p, "", east_asia=PAGE_NUMBER_FONT, size=PAGE_NUMBER_SIZE_PT)
        if field_type:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), field_type)
            run._element.append(char)
        elif text == " PAGE ":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._element.append(instr)
        else:
            run.text = text
    _run(p, " —", east_asia=PAGE_NUMBER_FONT, size=PAGE_NUMBER_SIZE_PT)


def _setup(doc, ctx) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    section.header_distance, section.footer_distance = Mm(15), Mm(20)

    # Document defaults and Normal: 仿宋 三号, Chinese as the East Asian language, no paragraph spacing.
    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _set_fonts(rpr, BODY_FONT)
    lang = rpr.find(qn("w:lang"))
    if lang is not None:
        lang.set(qn("w:val"), "en-US")
        lang.set(qn("w:eastAsia"), "zh-CN")
    normal = doc.styles["Normal"]
    normal.font.size = Pt(BODY_SIZE_PT)
    _set_fonts(normal.element.get_or_add_rPr(), BODY_FONT)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.space_before = Pt(0)

    _page_number_footer(section)

    props = doc.core_properties
    now = timezone.now()
    props.title = ctx["title"]
    props.subject = ctx["number"]
    props.author = ctx["committee_name"] or ctx["dispute"].office.display_name
    props.last_modified_by = ""
    props.comments = ""
    props.keywords = ""
    props.category = ""
    props.language = "zh-CN"
    props.created = props.modified = now.replace(tzinfo=None)
    props.revision = 1
    # python-docx's template carries a thumbnail of its own blank page; file browsers would show it.
    package_rels = doc.part.package.rels
    for rel_id in [k for k, rel in package_rels.items() if rel.reltype == RT.THUMBNAIL]:
        del package_rels[rel_id]


def _signature_table(doc, block) -> None:
    rows = block.rows
    width = Mm(210 - MARGINS_MM["left"] - MARGINS_MM["right"])
    table = doc.add_table(rows=len(rows), cols=2)
    table.autofit = False
    shares = (block.left_share / 100, 1 - block.left_share / 100)
    for column, share in zip(table.columns, shares, strict=True):
        column.width = int(width * share)  # the grid, which LibreOffice and WPS read
    for row, (left, right) in zip(table.rows, rows, strict=True):
        # Room to sign under each line.
        row.height = Pt(LINE_PT * 3)
        row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
        for cell, text, share in zip(row.cells, (left, right), shares, strict=True):
            cell.width = int(width * share)
            p = cell.paragraphs[0]
            _fixed_lines(p, align=WD_ALIGN_PARAGRAPH.LEFT)
            if text:
                _run(p, text)


def render_docx(ctx) -> bytes:
    """Render a `document_context` as a .docx file."""
    doc = Document()
    _setup(doc, ctx)
    for block in ctx["blocks"]:
        if block.kind == "title":
            p = doc.add_paragraph()
            _fixed_lines(p, line_pt=36, align=WD_ALIGN_PARAGRAPH.CENTER)
            p.paragraph_format.space_after = Pt(LINE_PT)
            _run(p, block.text, east_asia=TITLE_FONT, size=TITLE_SIZE_PT)
        elif block.kind == "number":
            p = doc.add_paragraph()
            _fixed_lines(p, align=WD_ALIGN_PARAGRAPH.RIGHT)
            _run(p, block.text)
        elif block.kind == "para":
            p = doc.add_paragraph()
            align = WD_ALIGN_PARAGRAPH.LEFT if block.ragged else WD_ALIGN_PARAGRAPH.JUSTIFY
            _fixed_lines(p, indent=block.indent, align=align)
            if block.label:
                _run(p, block.label, east_asia=LABEL_FONT)
            if block.text:
                _run(p, block.text)
        elif block.kind == "signatures":
            _signature_table(doc, block)
        elif block.kind == "right":
            p = doc.add_paragraph()
            _fixed_lines(p, align=WD_ALIGN_PARAGRAPH.RIGHT, right_chars=2)
            _run(p, block.text)
        elif block.kind == "gap":
            _fixed_lines(doc.add_paragraph())
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
