"""Demo data of the construction standard: the 2019 campaign replayed on the demo city, a campaign of
this year still running, and a few typical experiences.

* The 2019 campaign “江阴市“枫桥式”司法所创建活动” against the shipped 17-item standard, with the four
  phases of the seed and every office of the city in scope. Round 1: each office assesses itself
  (a note per item, a small file on every item judged on evidence) and submits; the assessors judge
  in November and December 2019. About 40% of the offices meet the standard by 2019-12-31; the
  others have one to four items not met, each rectified during 2020 by a named member of the
  office's staff (定人), with the responsibility (定责) and a deadline (定时限), progress notes and
  evidence, verified and closed by the city; their round 2 is judged during 2020, and every office
  meets the standard by 2020-12-31.
* The campaign of this year (“复核”), running: a few offices judged, one of them with a rectification
  past its deadline, two awaiting inspection, a few still filling in their self-assessment.
* Four typical experiences: one published, one recommended, one returned with a note, one waiting.

Every write goes through `services`, as the office's director and the city's assessor would make
it, except the item-by-item self-assessments and judgements of the 2019 rounds (about 850), which are
written as `result_self_assess` and `result_judge` write them but in one statement per round, to keep
the seed fast; submissions, conclusions (the frozen snapshots and the rectifications they open),
evidence, rectification steps, re-assessments and experiences all go through the services. The
services stamp the present time, so each step is then dated to when it happened with an `update` of
the rows just written (the events keep their order; the audit events keep the time of the seed).

The indicators of every round are computed over the seeded year (the year up to `ctx.now`), so the
values frozen at judgement come from the seeded records. The assessors follow what the indicators
say wherever that is consistent with the campaign's history: an office that fails round 1 fails on
its indicator gaps; where the seeded work shows a gap in an office that meets the standard (the
first 40% in round 1, everyone in round 2: the figures of the seeded year are the same in every
round), the item is judged met with a comment giving the values and the on-site check (see
`_verdicts_2019`). The campaign of this year follows the indicators everywhere. At province scale
only the demo city's offices take part.
"""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from fengqiao.accounts.models import User, UserRole
from fengqiao.core.permissions import Role

from . import codes, selectors, services
from .models import (
    Assessment,
    Campaign,
    Evidence,
    Experience,
    ItemResult,
    RectificationTask,
    Standard,
    StandardItem,
    TaskNote,
)

J = codes.Judgement
STANDARD_FILE = Path(__file__).resolve().parent / "data" / "jiangyin-2019.json"
D = datetime.date

CAMPAIGN_2019 = "江阴市“枫桥式”司法所创建活动"
DESCRIPTION_2019 = (
    "以“围绕中心、服务群众、推动党建、矛盾化解”为主线，对照《江阴市“枫桥式”司法所建设标准》17项内容，"
    "在全市司法所开展“枫桥式”司法所建设活动：2019年12月底前建设完成率达到40%，2020年12月底前全部达到建设标准。"
)
PHASES_2019 = [
    {
        "name": "研究部署",
        "starts_on": D(2019, 10, 1),
        "ends_on": D(2019, 10, 10),
        "tasks": "对开展“枫桥式”司法所建设进行部署，明确要求、方法步骤、时序进度。",
    },
    {
        "name": "重点培育",
        "starts_on": D(2019, 10, 11),
        "ends_on": D(2019, 12, 31),
        "target_percent": 40,
        "tasks": "各司法所根据自身实际情况，研究制定方案和详实的工作计划，开展对标建设。",
    },
    {
        "name": "全面推进",
        "starts_on": D(2020, 1, 1),
        "ends_on": D(2020, 9, 30),
        "tasks": "加强谋划部署，健全工作机制，强化工作措施，以固化的制度规范形式，全面推开建设工作。",
    },
    {
        "name": "总结深化",
        "starts_on": D(2020, 10, 1),
        "ends_on": D(2020, 12, 31),
        "target_percent": 100,
        "tasks": "对全市开展建设情况进行检查，对未达到建设标准的单位定人定责定时限整改，确保全部达到建设标准。",
    },
]

# The office's note on each item of its self-assessment ({n}: a figure drawn per office).
SELF_NOTES = {
    1: "所党支部按期开展“三会一课”，全年组织生活{n}次，党员带头化解疑难纠纷。",
    2: "党建活动室按规范设置，制度上墙，配有党建书架和宣传栏。",
    3: "本所干部、社工全年无违纪违规情况，均已签订廉政承诺书。",
    4: "公证协办点、法律援助站、仲裁联系点、立法民意收集点、行政复议联系点均已挂牌，明确值班人员。",
    5: "司法所承担镇法治建设办公室日常工作，统筹公共法律服务工作站运行。",
    6: "每季度开展行政执法监督检查，全年发现问题{n}个，均已督促整改。",
    7: "建成“3NN1”调解组织网络，培育金牌调解工作室{k}个。",
    8: "调解台账完整，调处成功率达标，未发生因调解不当引发的群体性事件。",
    9: "与派出所、法庭、信访办建立公调、诉调、访调对接机制，全年衔接案件{n}件。",
    10: "镇调委会配备专职调解员，村（社区）调委会专职调解员按要求配备。",
    11: "为镇党委、政府重大决策和重大合同出具法律意见{n}份，均被采纳。",
    12: "村（社区）法律顾问每月到村坐班，司法行政服务站台账齐全。",
    13: "服务事项均在时限内办结，群众满意率{p}%，无查实投诉。",
    14: "配备专职法治宣传教育人员，全年开展普法活动{n}场。",
    15: "法治宣传教育辅导站已建成，创建民主法治示范村（社区）{k}个。",
    16: "社区矫正对象分类管理，电子定位措施均经审批，每日核查定位数据。",
    17: "社矫社工、安置帮教社工按比例配备，花名册已报局备案。",
}
EVIDENCE_NAMES = {
    1: "党支部组织生活记录",
    2: "党建阵地建设检查记录",
    3: "廉政承诺书及情况说明",
    4: "一所五站点设立文件",
    5: "三个平台建设材料",
    6: "执法监督活动记录",
    7: "调解组织网络图",
    8: "矛盾纠纷调处台账",
    9: "诉调公调访调对接机制文件",
    10: "专职调解员名册",
    11: "法律意见书汇编",
    12: "村法律顾问履职台账",
    13: "服务时限及满意度测评",
    14: "普法工作台账",
    15: "民主法治示范村创建材料",
    16: "社区矫正分类管理台账",
    17: "社工花名册",
}
# Why an item judged on evidence was found not met, and what rectifying it took.
GAPS = {
    2: "党建阵地不规范，制度未上墙，活动记录不全。",
    4: "行政复议联系点、立法民意收集点尚未挂牌，值班制度未建立。",
    6: "执法监督活动记录不全，联合执法监督机制文件缺失。",
    7: "金牌调解工作室培育滞后，尚未形成“3NN1”调解网络。",
    9: "访调、交调对接机制未建立，衔接案例不足。",
    12: "部分村（社区）法律顾问履职台账缺失，服务站指引功能发挥不明显。",
    13: "服务时限台账不完整，群众满意度测评未开展。",
    14: "专职法治宣传教育人员未到位，普法活动记录零散。",
    15: "依托司法所的法治宣传教育辅导站尚未设立。",
}
FIXES = {
    1: "健全党支部组织生活制度",
    2: "重新布置党建活动室，制度上墙，补齐活动记录",
    3: "开展警示教育，完善廉政风险防控台账",
    4: "五个站点全部挂牌并明确值班人员和开放时间",
    5: "完善三个平台建设方案和工作台账",
    6: "补齐执法监督台账，与综合行政执法局签订联合监督协议",
    7: "新建调解工作室两个，完成“3NN1”调解网络图",
    8: "对未调解成功的案件逐件回访复核，完善矛盾纠纷预警研判机制",
    9: "与交警中队、信访办签订对接协议，建立衔接案件台账",
    10: "新聘专职调解员并完成备案，配齐各调委会专职调解员",
    11: "建立法律意见书登记和跟踪制度",
    12: "补齐法律顾问履职台账，服务站每周固定开放",
    13: "建立服务时限台账，委托第三方开展满意度测评",
    14: "招录专职法治宣传教育人员一名，建立普法活动台账",
    15: "依托司法所设立法治宣传教育辅导站并挂牌",
    16: "逐人核查漏管脱管情况，完善电子定位审批和每日巡查制度",
    17: "面向社会招聘社工，补齐社矫、安置帮教队伍",
}
# Who in an office answers for an item's rectification, by role (the director when nobody fits).
RESPONSIBLE_ROLE = {
    4: Role.STAFF,
    5: Role.STAFF,
    6: Role.STAFF,
    7: Role.MEDIATOR,
    8: Role.MEDIATOR,
    9: Role.MEDIATOR,
    10: Role.MEDIATOR,
    11: Role.STAFF,
    12: Role.STAFF,
    13: Role.STAFF,
    14: Role.EDUCATION_OFFICER,
    15: Role.EDUCATION_OFFICER,
    16: Role.CORRECTIONS_WORKER,
}
# How the indicators are named in the assessors' comments.
INDICATOR_WORDS = {
    "mediation.success_rate": ("矛盾纠纷调处成功率", "%"),
    "mediation.incidents_caused": ("因调解不当引发的重大群体性事件", "起"),
    "mediation.fulltime_shortfall": ("专职调解员缺配", "人"),
    "corrections.missed_intake": ("漏管", "人"),
    "corrections.lost_contact": ("脱管", "人"),
    "corrections.at_large": ("在逃", "人"),
    "corrections.positioning_coverage": ("电子定位覆盖率", "%"),
    "corrections.positioning_success": ("电子定位成功率", "%"),
    "corrections.worker_shortfall": ("社矫社工缺配", "人"),
    "resettlement.worker_shortfall": ("安置帮教社工缺配", "人"),
}

EXPERIENCES = [
    (
        "“金牌调解工作室”引领调解网络从“3531”向“3NN1”拓展",
        [7, 8],
        "以镇调委会为龙头，依托退休法官、律师和老党员设立金牌调解工作室，在工业园区、集贸市场和医院设立行业性"
        "调解组织，形成“镇调委会+N个专业调解组织+N个村（社区）调解室+1个矛盾纠纷联调中心”的网络。"
        "建立“每日排查、每周研判、每月通报”制度，疑难纠纷由工作室领办，调处成功率保持在98%以上。",
    ),
    (
        "村（社区）法律顾问“点单式”服务",
        [12],
        "编制村（社区）法律服务菜单，群众通过服务站和微信群“点单”，法律顾问按约上门“接单”，"
        "司法所每月对“接单”情况进行回访评价，评价结果与法律顾问考核挂钩，服务站从“坐等上门”变为“主动指引”。",
    ),
    (
        "社区矫正“智慧矫正+网格”双线监管",
        [16],
        "将社区矫正对象纳入网格化社会治理，网格员每周走访，电子定位数据每日核查，"
        "发现异常由社矫社工和网格员双线核实，实现分类管控、无漏管脱管。",
    ),
    (
        "“党建+法治”打造红色司法所",
        [1, 2],
        "所党支部与辖区村党组织结对共建，组建党员调解志愿服务队，党员亮身份、领任务，"
        "将党建阵地与法治宣传阵地融合建设，党员作用在矛盾化解一线充分发挥。",
    ),
]
RETURN_NOTE = "请补充电子定位数据统计和典型案例，说明双线核实的具体流程后再报。"


def seed(ctx):
    if ctx.city is None or not ctx.offices:
        return
    offices = sorted((o for o in ctx.offices if o.parent_id == ctx.city.pk), key=lambda o: o.path)
    if not offices:
        return
    with translation.override("zh-hans"):
        demo = _Demo(ctx, offices)
        if demo.assessor is None or demo.admin is None:
            ctx.log("  assessment: no bureau administrator or assessor; nothing seeded")
            return
        demo.campaign_2019()
        demo.campaign_current()
        demo.experiences()
    ctx.log(
        f"  assessment: {Campaign.objects.filter(org=ctx.city).count()} campaigns, "
        f"{Assessment.objects.filter(office__in=offices).count()} assessments, "
        f"{RectificationTask.objects.filter(office__in=offices).count()} rectifications"
    )


def _standard() -> Standard:
    found = Standard.objects.filter(code="jiangyin-fengqiao", version="2019").first()
    return found or services.load_builtin(STANDARD_FILE.read_bytes())


def _at(day: datetime.date, hour=9, minute=0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _pdf(text: str) -> bytes:
    """A one-page PDF saying `text` (ASCII), small but well formed."""
    stream = f"BT /F1 11 Tf 56 780 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _upload(name: str, office, what: str, day: datetime.date):
    content = _pdf(f"Fengqiao demo evidence / office {office.division_code or office.pk} / {what} / {day.isoformat()}")
    return SimpleUploadedFile(f"{name}.pdf", content, content_type="application/pdf")


def _figures(rows) -> str:
    parts = []
    for row in rows:
        if row.get("value") is None:
            continue
        word, unit = INDICATOR_WORDS.get(row["indicator"], (row.get("name", row["indicator"]), row.get("unit", "")))
        sign = "≥" if row["direction"] == codes.Direction.AT_LEAST else "≤"
        parts.append(f"{word}{row['value']:g}{unit}（标准{sign}{row['threshold']:g}{unit}）")
    return "；".join(parts)


class _Demo:
    def __init__(self, ctx, offices):
        self.ctx = ctx
        self.rng = ctx.rng
        self.offices = offices
        self.today = timezone.localdate(ctx.now)
        # The indicators of every round are taken over the seeded year.
        self.period = (self.today - datetime.timedelta(days=365), self.today)
        self.standard = _standard()
        self.items = {i.number: i for i in StandardItem.objects.filter(standard=self.standard)}
        self._people()
        ids = [o.pk for o in offices]
        self.cards = selectors.scorecards_for(ids, self.standard.pk, *self.period)
        # Items the indicators say are not met, per office.
        self.gaps = {
            o.pk: [n for n, card in sorted(self.cards[o.pk].items()) if card["auto"] == J.NOT_MET] for o in offices
        }
        self.seeded = [o for o in offices if self.director.get(o.pk)]

    def _people(self):
        city = self.ctx.city
        users = {
            u.pk: u
            for u in User.objects.filter(
                is_active=True, office_id__in=[o.pk for o in self.offices] + [city.pk]
            ).order_by("username", "pk")
        }
        roles = defaultdict(set)
        for user_id, role in UserRole.objects.filter(user_id__in=list(users)).values_list("user_id", "role"):
            roles[user_id].add(role)
        self.by_role = defaultdict(lambda: defaultdict(list))
        bureau = defaultdict(list)
        for user in users.values():
            for code in sorted(roles[user.pk]):
                if user.org_id == city.pk:
                    bureau[code].append(user)
                elif user.office_id != city.pk:
                    self.by_role[user.office_id][code].append(user)
        self.assessor = (bureau[Role.CITY_ASSESSOR] or bureau[Role.CITY_ADMIN] or [None])[0]
        self.admin = (bureau[Role.CITY_ADMIN] or bureau[Role.CITY_ASSESSOR] or [None])[0]
        self.director = {
            o.pk: (self.by_role[o.pk][Role.DIRECTOR] or self.by_role[o.pk][Role.STAFF] or [None])[0]
            for o in self.offices
        }

    def responsible(self, office, number):
        staff = self.by_role[office.pk]
        role = RESPONSIBLE_ROLE.get(number)
        # Office-level people first (a village mediator answers for a village committee, not the office).
        for candidates in (staff.get(role, []) if role else [], staff.get(Role.STAFF, [])):
            at_office = [u for u in candidates if u.org_id == office.pk] or candidates
            if at_office:
                return at_office[0]
        return self.director[office.pk]

    # --- the steps an office and the city go through -----------------------------------------------

    def fill(self, assessment, office, selfs, fill_at, submit_at=None, only=None, bulk=False):
        """The office's self-assessment (a note, and a file on each item judged on evidence), and its
        submission; dated `fill_at` and `submit_at`. With `bulk` the items' self-assessments are
        written as `result_self_assess` writes them, in one statement (the history of 2019 holds
        hundreds of them); the evidence and the submission always go through the services."""
        director = self.director[office.pk]
        rng = self.rng
        results = list(assessment.results.select_related("item").order_by("item__number"))
        for r in results:
            number = r.item.number
            if only is not None and number not in only:
                continue
            note = SELF_NOTES.get(number, "对照标准自查，已落实。").format(
                n=rng.randint(8, 40), k=rng.randint(1, 3), p=f"{rng.uniform(96, 99.6):.1f}"
            )
            judgement = selfs.get(number, J.MET)
            if bulk:
                r.self_judgement, r.self_note = judgement, note
            else:
                services.result_self_assess(actor=director, result=r, self_judgement=judgement, self_note=note)
            if r.item.method != codes.Method.AUTOMATIC:
                name = EVIDENCE_NAMES.get(number, f"第{number}项材料")
                services.evidence_upload(
                    actor=director, upload=_upload(name, office, f"item {number}", fill_at.date()), result=r, note=name
                )
        if bulk:
            ItemResult.objects.bulk_update(results, ["self_judgement", "self_note"])
        ItemResult.objects.filter(assessment=assessment).exclude(self_judgement="").update(updated_at=fill_at)
        Evidence.objects.filter(result__assessment=assessment).update(created_at=fill_at, updated_at=fill_at)
        Assessment.objects.filter(pk=assessment.pk).update(updated_at=fill_at)
        if submit_at is None:
            return assessment
        services.assessment_submit(actor=director, assessment=assessment)
        Assessment.objects.filter(pk=assessment.pk).update(submitted_at=submit_at, updated_at=submit_at)
        return assessment

    def judge(self, assessment, verdicts, judged_at, summary, bulk=False):
        """The assessors' judgement of each item (`verdicts`: number → (judgement, comment)) and their
        conclusion, dated `judged_at`; the rectifications it opens are dated with it."""
        results = list(assessment.results.select_related("item").order_by("item__number"))
        for r in results:
            judgement, comment = verdicts.get(r.item.number, (J.MET, ""))
            if bulk:  # as `result_judge` writes it
                r.judgement, r.comment, r.judged_by = judgement, comment, self.assessor
            else:
                services.result_judge(
                    actor=self.assessor, assessment=assessment, item=r.item, judgement=judgement, comment=comment
                )
        if bulk:
            ItemResult.objects.bulk_update(results, ["judgement", "comment", "judged_by"])
        services.assessment_judge(actor=self.assessor, assessment=assessment, summary=summary)
        results = list(ItemResult.objects.filter(assessment=assessment))
        for r in results:
            r.snapshot = {**r.snapshot, "frozen_at": judged_at.isoformat()}
            r.judged_at = r.updated_at = judged_at
        ItemResult.objects.bulk_update(results, ["snapshot", "judged_at", "updated_at"])
        Assessment.objects.filter(pk=assessment.pk).update(judged_at=judged_at, updated_at=judged_at)
        RectificationTask.objects.filter(result__assessment=assessment).update(
            created_at=judged_at, updated_at=judged_at
        )
        return list(
            RectificationTask.objects.filter(result__assessment=assessment)
            .select_related("item")
            .order_by("item__number")
        )

    def assign(self, task, office, deadline, at):
        """定人、定责、定时限. The service refuses a deadline in the past, so a historical deadline is
        given as today's and then set to the day it was."""
        number = task.item.number
        person = self.responsible(office, number)
        fix = FIXES.get(number, "对照标准逐项整改")
        services.task_assign(
            actor=self.director[office.pk],
            task=task,
            responsible=person,
            responsibility=f"对照建设标准第{number}项，{fix}，按期报送整改材料。",
            deadline=max(deadline, timezone.localdate()),
        )
        RectificationTask.objects.filter(pk=task.pk).update(deadline=deadline, updated_at=at)
        task.deadline = deadline
        return person

    def note(self, task, office, text, at):
        services.task_note(actor=self.director[office.pk], task=task, text=text)
        TaskNote.objects.filter(pk=TaskNote.objects.filter(task=task).latest("id").pk).update(created_at=at)
        RectificationTask.objects.filter(pk=task.pk).update(updated_at=at)

    def upload_for_task(self, task, office, at):
        name = EVIDENCE_NAMES.get(task.item.number, "整改材料") + "（整改）"
        ev = services.evidence_upload(
            actor=self.director[office.pk],
            upload=_upload(name, office, f"rectification of item {task.item.number}", at.date()),
            task=task,
            note="整改佐证材料",
        )
        Evidence.objects.filter(pk=ev.pk).update(created_at=at, updated_at=at)

    def submit_task(self, task, office, at):
        fix = FIXES.get(task.item.number, "对照标准逐项整改")
        services.task_submit(actor=self.director[office.pk], task=task, text=f"整改已完成：{fix}，佐证材料已上传。")
        TaskNote.objects.filter(pk=TaskNote.objects.filter(task=task).latest("id").pk).update(created_at=at)
        RectificationTask.objects.filter(pk=task.pk).update(submitted_at=at, updated_at=at)

    def verify(self, task, accept, text, at):
        services.task_verify(actor=self.assessor, task=task, accept=accept, text=text)
        TaskNote.objects.filter(pk=TaskNote.objects.filter(task=task).latest("id").pk).update(created_at=at)
        changes = {"updated_at": at}
        if accept:
            changes["closed_at"] = at
        RectificationTask.objects.filter(pk=task.pk).update(**changes)
        task.refresh_from_db()

    def open_rounds(self, campaign):
        """Every office's first round, its indicators taken over the seeded year."""
        Assessment.objects.filter(campaign=campaign).update(period_start=self.period[0], period_end=self.period[1])
        return {a.office_id: a for a in Assessment.objects.filter(campaign=campaign, round=1)}

    # --- the 2019 campaign ---------------------------------------------------------------------------

    def campaign_2019(self):
        if Campaign.objects.filter(org=self.ctx.city, name=CAMPAIGN_2019).exists():
            return
        rng = self.rng
        campaign = services.campaign_create(
            actor=self.admin,
            org=self.ctx.city,
            name=CAMPAIGN_2019,
            standard=self.standard,
            starts_on=D(2019, 10, 1),
            ends_on=D(2020, 12, 31),
            phases=PHASES_2019,
            offices=self.offices,
            description=DESCRIPTION_2019,
        )
        campaign = services.campaign_start(actor=self.admin, campaign=campaign)
        Campaign.objects.filter(pk=campaign.pk).update(
            created_at=_at(D(2019, 9, 27), 15), updated_at=_at(D(2019, 10, 8))
        )
        rounds = self.open_rounds(campaign)
        Assessment.objects.filter(campaign=campaign).update(
            created_at=_at(D(2019, 10, 8)), updated_at=_at(D(2019, 10, 8))
        )
        ItemResult.objects.filter(assessment__campaign=campaign).update(
            created_at=_at(D(2019, 10, 8)), updated_at=_at(D(2019, 10, 8))
        )

        # About 40% meet the standard in round 1: the offices the indicators find fewest gaps in.
        order = sorted(self.seeded, key=lambda o: (len(self.gaps[o.pk]), rng.random()))
        first = order[: math.ceil(0.4 * len(self.offices))]
        later = order[len(first) :]
        passed = {o.pk for o in first}
        # Judged in November and December 2019, a few of those that meet it before December.
        days = sorted(D(2019, 11, 18) + datetime.timedelta(days=rng.randint(0, 14)) for _office in first[:3])
        days += sorted(D(2019, 12, 2) + datetime.timedelta(days=rng.randint(0, 24)) for _office in first[3:])
        days += [D(2019, 11, 15) + datetime.timedelta(days=rng.randint(0, 35)) for _office in later]
        for office, day in zip(first + later, days, strict=True):
            assessment = rounds[office.pk]
            verdicts = self._verdicts_2019(office, 1, office.pk in passed)
            selfs = {n: (J.BASIC if rng.random() < 0.5 else J.MET) for n, (j, _c) in verdicts.items() if j != J.MET}
            selfs.update({n: c["auto"] for n, c in self.cards[office.pk].items() if c["auto"]})
            submit_at = _at(day - datetime.timedelta(days=rng.randint(6, 14)), rng.randint(9, 16), rng.randint(0, 59))
            fill_at = submit_at - datetime.timedelta(days=rng.randint(2, 6), hours=2)
            self.fill(assessment, office, selfs, fill_at, submit_at, bulk=True)
            summary = (
                "对照建设标准17项逐项检查，全部达标，评定为“枫桥式”司法所。"
                if office.pk in passed
                else f"对照建设标准17项逐项检查，{len(verdicts)}项未达标，限期整改后复查。"
            )
            judged_at = _at(day, rng.randint(14, 17), rng.randint(0, 59))
            tasks = self.judge(assessment, verdicts, judged_at, summary, bulk=True)
            if office.pk not in passed:
                self._rectify_2019(office, assessment, tasks, later.index(office), len(later))
        services.campaign_close(actor=self.admin, campaign=campaign)
        Campaign.objects.filter(pk=campaign.pk).update(updated_at=_at(D(2020, 12, 31), 17))

    def _verdicts_2019(self, office, rnd, passes):
        """number → (judgement, comment) of the items not simply met. An office that does not meet the
        standard in round 1 fails on what its indicators say (one to four items), or on an item judged
        on evidence when they find nothing. The indicators are those of the seeded year, the same in
        every round: where they show a gap in an office that meets the standard (round 1 of the
        first 40%, or round 2 after rectification), the assessors' comment states the values and the
        on-site check the judgement rests on."""
        rng = self.rng
        card = self.cards[office.pk]
        verdicts = {}
        gaps = self.gaps[office.pk]
        if not passes:
            failing = gaps[:4]
            for n in failing:
                verdicts[n] = (
                    J.NOT_MET,
                    f"{_figures(r for r in card[n]['criteria'] if r['met'] is False)}，未达到标准要求。",
                )
            if len(failing) < 2 and (not failing or rng.random() < 0.5):
                n = self.evidence_gap(office, failing, force=not failing)
                if n is not None:
                    verdicts[n] = (J.NOT_MET, GAPS[n])
            gaps = gaps[4:]  # more than four: the assessors name the worst and check the rest on site
        for n in gaps:
            figures = _figures(card[n]["criteria"])
            if rnd == 1:
                text = f"系统指标：{figures}。经现场核查，差距已在检查期间补齐，佐证材料齐全，评定达标。"
            else:
                text = f"系统指标：{figures}。经现场复查，整改措施已落实到位，评定达标。"
            verdicts.setdefault(n, (J.MET, text))
        return verdicts

    def evidence_gap(self, office, exclude=(), force=False):
        """An item the assessors find short on evidence: one the indicators measured nothing for, so
        that the judgement rests on the evidence alone; with `force`, any of them when there is none."""
        card = self.cards[office.pk]
        candidates = [n for n in sorted(GAPS) if n not in exclude]
        free = [n for n in candidates if n in self.items and card.get(n, {}).get("auto") is None]
        if free or force:
            return self.rng.choice(free or candidates)
        return None

    def _rectify_2019(self, office, assessment, tasks, index, count):
        """The rectifications of an office that did not meet the standard in round 1, closed during
        2020, then its round 2 judged: the offices' round 2 spread from March to November 2020."""
        rng = self.rng
        judged = Assessment.objects.get(pk=assessment.pk).judged_at
        judged2 = D(2020, 3, 20) + datetime.timedelta(days=int(235 * index / max(1, count - 1)) + rng.randint(0, 5))
        submitted2 = judged2 - datetime.timedelta(days=rng.randint(8, 14))
        opened2 = submitted2 - datetime.timedelta(days=rng.randint(12, 20))
        for k, task in enumerate(tasks):
            assigned = judged + datetime.timedelta(days=rng.randint(2, 6), hours=1)
            closed = _at(opened2 - datetime.timedelta(days=rng.randint(3, 10)), rng.randint(9, 16))
            done = closed - datetime.timedelta(days=rng.randint(5, 12))
            deadline = min(D(2020, 12, 31), done.date() + datetime.timedelta(days=rng.randint(3, 20)))
            self.assign(task, office, deadline, assigned)
            span = done - assigned
            self.note(task, office, "已制定整改方案，明确整改措施、责任人和完成时限。", assigned + span * 0.2)
            self.note(
                task, office, f"整改推进中：{FIXES.get(task.item.number, '对照标准逐项整改')}。", assigned + span * 0.6
            )
            self.upload_for_task(task, office, done - datetime.timedelta(hours=3))
            self.submit_task(task, office, done)
            if k == 0 and index % 3 == 1:
                # Sent back once: the city asked for more, the office added it.
                back = done + datetime.timedelta(days=3)
                self.verify(task, False, "整改材料不完整，请补充相关制度文件和现场照片。", back)
                self.note(task, office, "已补充制度文件和现场照片。", back + datetime.timedelta(days=2))
                self.upload_for_task(task, office, back + datetime.timedelta(days=2, hours=1))
                self.submit_task(task, office, back + datetime.timedelta(days=2, hours=2))
                closed = max(closed, back + datetime.timedelta(days=4))
            self.verify(task, True, "经现场复核，整改到位，同意销号。", closed)
        new = services.assessment_reassess(actor=self.director[office.pk], assessment=assessment)
        Assessment.objects.filter(pk=new.pk).update(
            period_start=self.period[0], period_end=self.period[1], created_at=_at(opened2), updated_at=_at(opened2)
        )
        ItemResult.objects.filter(assessment=new).update(created_at=_at(opened2), updated_at=_at(opened2))
        new.refresh_from_db()
        selfs = {n: c["auto"] for n, c in self.cards[office.pk].items() if c["auto"]}
        submit_at = _at(submitted2, rng.randint(9, 16), rng.randint(0, 59))
        self.fill(new, office, selfs, submit_at - datetime.timedelta(days=rng.randint(2, 6)), submit_at, bulk=True)
        verdicts = self._verdicts_2019(office, 2, True)
        self.judge(
            new,
            verdicts,
            _at(judged2, rng.randint(14, 17), rng.randint(0, 59)),
            "整改后复查，建设标准17项全部达标，评定为“枫桥式”司法所。",
            bulk=True,
        )

    # --- the campaign of this year -------------------------------------------------------------------

    def campaign_current(self):
        today, rng = self.today, self.rng
        year = today.year
        name = f"{year}年度“枫桥式”司法所复核"
        if Campaign.objects.filter(org=self.ctx.city, name=name).exists():
            return
        starts = min(D(year, 3, 1), today - datetime.timedelta(days=100))
        ends = D(year, 12, 31) if today <= D(year, 12, 10) else today + datetime.timedelta(days=30)
        span = (ends - starts).days
        cut1 = starts + datetime.timedelta(days=span * 35 // 100)
        cut2 = starts + datetime.timedelta(days=span * 75 // 100)
        phases = [
            {
                "name": "自查自评",
                "starts_on": starts,
                "ends_on": cut1,
                "tasks": "各司法所对照建设标准逐项自查，上传佐证材料。",
            },
            {
                "name": "检查复核",
                "starts_on": cut1 + datetime.timedelta(days=1),
                "ends_on": cut2,
                "target_percent": 60,
                "tasks": "市局考评组逐所检查，评定各项达标情况。",
            },
            {
                "name": "整改提升",
                "starts_on": cut2 + datetime.timedelta(days=1),
                "ends_on": ends,
                "target_percent": 100,
                "tasks": "未达标事项定人定责定时限整改，市局验收销号。",
            },
        ]
        campaign = services.campaign_create(
            actor=self.admin,
            org=self.ctx.city,
            name=name,
            standard=self.standard,
            starts_on=starts,
            ends_on=ends,
            phases=phases,
            offices=self.offices,
            description="对已建成的“枫桥式”司法所开展年度复核，巩固建设成果，对发现的问题限期整改。",
        )
        campaign = services.campaign_start(actor=self.admin, campaign=campaign)
        started = _at(starts, 10)
        Campaign.objects.filter(pk=campaign.pk).update(
            created_at=started - datetime.timedelta(days=5), updated_at=started
        )
        rounds = self.open_rounds(campaign)
        Assessment.objects.filter(campaign=campaign).update(created_at=started, updated_at=started)
        ItemResult.objects.filter(assessment__campaign=campaign).update(created_at=started, updated_at=started)

        shuffled = rng.sample(self.seeded, len(self.seeded))
        judged, waiting, filling = shuffled[:4], shuffled[4:6], shuffled[6:9]
        # The office with the most gaps among those judged is the one whose rectification is late.
        judged.sort(key=lambda o: -len(self.gaps[o.pk]))
        for k, office in enumerate(judged):
            day = today - datetime.timedelta(days=rng.randint(32, 60))
            verdicts = {}
            for n, card in self.cards[office.pk].items():
                if card["auto"] == J.NOT_MET:
                    verdicts[n] = (
                        J.NOT_MET,
                        f"{_figures(r for r in card['criteria'] if r['met'] is False)}，未达到标准要求。",
                    )
            if k == 0 and not verdicts:
                n = self.evidence_gap(office, force=True)
                verdicts[n] = (J.NOT_MET, GAPS[n])
            if k == 1 and (n := self.evidence_gap(office, verdicts)) is not None:
                verdicts[n] = (J.BASIC, "基本达标：" + GAPS[n])
            selfs = {n: c["auto"] for n, c in self.cards[office.pk].items() if c["auto"]}
            submit_at = _at(day - datetime.timedelta(days=rng.randint(6, 12)), rng.randint(9, 16))
            self.fill(rounds[office.pk], office, selfs, submit_at - datetime.timedelta(days=2), submit_at)
            judged_at = _at(day, rng.randint(14, 17))
            summary = (
                "复核未发现问题，继续保持。" if not verdicts else f"复核发现{len(verdicts)}项未完全达标，限期整改。"
            )
            tasks = self.judge(rounds[office.pk], verdicts, judged_at, summary)
            for t, task in enumerate(tasks):
                assigned = judged_at + datetime.timedelta(days=2)
                if k == 0 and t == 0:
                    # 定时限 passed without the rectification reported done: overdue.
                    self.assign(task, office, today - datetime.timedelta(days=12), assigned)
                    self.note(task, office, "已制定整改方案，正在落实。", assigned + datetime.timedelta(days=6))
                    continue
                self.assign(task, office, today + datetime.timedelta(days=rng.randint(15, 60)), assigned)
                if t % 2 == 0:
                    self.note(
                        task, office, "已制定整改方案，明确责任人和完成时限。", assigned + datetime.timedelta(days=5)
                    )
                if k == 1 and t == 0:
                    done = min(_at(today - datetime.timedelta(days=4), 11), assigned + datetime.timedelta(days=20))
                    self.upload_for_task(task, office, done - datetime.timedelta(hours=2))
                    self.submit_task(task, office, done)
        for office in waiting:
            submit_at = _at(today - datetime.timedelta(days=rng.randint(3, 9)), rng.randint(9, 16))
            selfs = {n: c["auto"] for n, c in self.cards[office.pk].items() if c["auto"]}
            self.fill(rounds[office.pk], office, selfs, submit_at - datetime.timedelta(days=3), submit_at)
        for office in filling:
            fill_at = _at(today - datetime.timedelta(days=rng.randint(1, 10)), rng.randint(9, 16))
            self.fill(rounds[office.pk], office, {}, fill_at, only=set(range(1, rng.randint(5, 13))))
        self.remind(today)

    def remind(self, today):
        """The task worker's reminder of the late rectification."""
        services.tasks_remind(today=today)

    # --- typical experiences -------------------------------------------------------------------------

    def experiences(self):
        rng = self.rng
        if Experience.objects.filter(office__in=self.offices).exists() or not self.seeded:
            return
        plans = [
            (codes.ExperienceStatus.PUBLISHED, _at(D(2020, 5, 12), 10), _at(D(2020, 6, 3), 15)),
            (codes.ExperienceStatus.RECOMMENDED, _at(D(2020, 9, 8), 10), _at(D(2020, 9, 25), 15)),
            (codes.ExperienceStatus.RETURNED, self._recent(40), self._recent(20)),
            (codes.ExperienceStatus.SUBMITTED, self._recent(6), None),
        ]
        picks = rng.sample(self.seeded, min(len(self.seeded), len(plans)))
        for (title, numbers, text), plan, office in zip(EXPERIENCES, plans, picks, strict=False):
            status, submitted, reviewed = plan
            exp = services.experience_submit(
                actor=self.director[office.pk],
                org=office,
                title=title,
                text=text,
                items=[self.items[n] for n in numbers if n in self.items],
            )
            ev = services.evidence_upload(
                actor=self.director[office.pk],
                upload=_upload(title[:20], office, "typical experience", submitted.date()),
                experience=exp,
                note="经验材料",
            )
            Evidence.objects.filter(pk=ev.pk).update(created_at=submitted, updated_at=submitted)
            if status == codes.ExperienceStatus.PUBLISHED:
                services.experience_review(
                    actor=self.assessor,
                    experience=exp,
                    status=codes.ExperienceStatus.RECOMMENDED,
                    note="做法可复制可推广。",
                )
                services.experience_review(actor=self.assessor, experience=exp, status=status)
            elif status == codes.ExperienceStatus.RECOMMENDED:
                services.experience_review(
                    actor=self.assessor, experience=exp, status=status, note="推荐市局审定后发布。"
                )
            elif status == codes.ExperienceStatus.RETURNED:
                services.experience_review(actor=self.assessor, experience=exp, status=status, note=RETURN_NOTE)
            changes = {"created_at": submitted, "updated_at": reviewed or submitted}
            if status == codes.ExperienceStatus.PUBLISHED:
                changes["published_at"] = reviewed
            Experience.objects.filter(pk=exp.pk).update(**changes)

    def _recent(self, days):
        return _at(self.today - datetime.timedelta(days=days), 10)
