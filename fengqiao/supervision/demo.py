"""Demo law-enforcement supervision: for every office of the demo city, its town's enforcing
departments and a year of supervision (a dozen or two activities: case-file reviews, on-site
inspections, joint supervision with the town's discipline commission or people's congress
deputies, credential checks), the problems found with their rectification (most on time, some
overdue, a few reopened), and a few enforcement disputes coordinated. Two offices did almost no
supervision, so that the gap shows in the figures.

Rows are bulk-inserted, built as the services would build them: the tenant key from the office,
deadlines never before the finding, each problem's status matching its dates and its timeline. At
province scale the offices outside the demo city get a handful of activities each.
"""

from __future__ import annotations

import datetime

from django.db import transaction

from fengqiao.accounts.models import User
from fengqiao.core.permissions import Role

from . import codes
from .models import Activity, Department, EnforcementDispute, Problem, ProblemEvent

K = codes.ActivityKind
C = codes.ProblemCategory
S = codes.ProblemStatus
T = codes.ProblemStep

DEPARTMENTS = [
    ("{town}综合行政执法局", codes.DepartmentKind.COMPREHENSIVE, 1.0),
    ("市场监督管理局{town}分局", codes.DepartmentKind.MARKET, 1.0),
    ("{town}派出所", codes.DepartmentKind.POLICE, 1.0),
    ("自然资源和规划局{town}所", codes.DepartmentKind.LAND, 0.9),
    ("生态环境局{town}执法中队", codes.DepartmentKind.ENVIRONMENT, 0.7),
    ("{town}应急管理办公室", codes.DepartmentKind.SAFETY, 0.8),
    ("{town}劳动保障监察中队", codes.DepartmentKind.LABOUR, 0.6),
    ("卫生健康委{town}卫生监督所", codes.DepartmentKind.HEALTH, 0.5),
]
# (kind, weight, title templates)
KINDS = [
    (K.CASE_REVIEW, 35, ["{q}行政处罚案卷评查", "{q}行政许可案卷评查", "{dept}重大执法决定案卷抽查"]),
    (K.SITE_INSPECTION, 25, ["{dept}执法现场检查", "{dept}执法过程随机检查", "{dept}“双随机”抽查执法监督"]),
    (K.JOINT, 15, ["{q}联合执法监督", "镇人大代表参与执法监督活动", "行政执法“三项制度”落实情况联合检查"]),
    (K.QUALIFICATION, 12, ["执法人员持证上岗情况检查", "{q}执法证件专项检查"]),
    (K.SPECIAL, 10, ["违法建设整治执法专项监督", "安全生产执法专项监督", "食品安全执法专项监督"]),
    (K.OTHER, 3, ["行政执法公示情况检查", "执法投诉举报办理情况回访"]),
]
PARTNERS = ["镇纪委", "镇人大代表", "市司法局执法监督科", "镇党政办", "特邀行政执法监督员", "镇人大主席团"]
PARTICIPANTS = ["所长{a}、工作人员{b}", "所长{a}、{b}、法律顾问{c}", "工作人员{a}、{b}"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡钱沈顾陆缪"
GIVEN = "伟强磊军勇杰涛明超平刚建国华峰斌辉鹏飞波林宇浩凯俊龙海东亮新春文志忠良芳娟燕敏静丽"
SUMMARIES = {
    K.CASE_REVIEW: "随机抽取{n}件已办结案卷，对照《行政处罚法》逐项评查，总体较规范，发现问题已当场反馈。",
    K.SITE_INSPECTION: "对{n}处执法现场进行检查，查看执法记录仪使用、亮证执法和文书送达情况。",
    K.JOINT: "会同{partners}开展联合监督，听取执法部门汇报，抽查执法台账和案卷。",
    K.QUALIFICATION: "核对执法人员名单与执法证件，检查持证上岗和辅助人员使用情况。",
    K.SPECIAL: "围绕专项整治开展执法监督，查看执法程序、证据固定和处理结果。",
    K.OTHER: "检查执法信息公示和投诉举报处理情况，听取群众意见。",
}
PROBLEMS = {
    C.PROCEDURE: ["未依法告知当事人陈述、申辩权利", "先处罚后取证，调查程序倒置", "听证告知期限不足"],
    C.EVIDENCE: ["现场检查笔录未由当事人签字确认", "违法事实认定缺少照片等证据", "证据材料未编号装订"],
    C.LAW: ["处罚依据引用已废止的条款", "适用法律条款不准确", "未区分违法情节适用从轻条款"],
    C.DOCUMENTS: ["处罚决定书文号不规范", "送达回证缺失", "文书填写涂改未签名"],
    C.OVERDUE: ["案件超过法定期限办结", "立案审批超期"],
    C.DISCRETION: ["自由裁量未说明理由", "同类案件处罚幅度差异较大"],
    C.CREDENTIALS: ["执法辅助人员单独执法", "执法人员未出示执法证件"],
    C.CONDUCT: ["执法记录仪未全程开启", "执法用语不规范"],
    C.OTHER: ["执法公示信息更新不及时"],
}
CATEGORY_WEIGHTS = [
    (C.PROCEDURE, 20), (C.EVIDENCE, 20), (C.DOCUMENTS, 22), (C.LAW, 8), (C.OVERDUE, 8),
    (C.DISCRETION, 8), (C.CREDENTIALS, 5), (C.CONDUCT, 6), (C.OTHER, 3),
]  # fmt: skip
REQUIREMENTS = ["限期补正相关文书，并报送整改情况", "组织执法人员专题学习，完善相关制度", "对同类案件开展自查自纠"]
RESULTS = ["已补正文书并归档，报送整改报告", "已组织专题培训，修订执法程序指引", "已完成自查，对3件案卷进行补正"]
PROGRESS = ["电话督促整改进度", "执法部门报送阶段性整改情况", "实地查看整改情况，部分完成"]
DISPUTES = [
    ("农村违法建设查处职责争议", ["COMPREHENSIVE", "LAND"], ""),
    ("流动摊贩占道经营管理职责争议", ["COMPREHENSIVE", "MARKET"], ""),
    ("餐饮油烟扰民执法职责争议", ["COMPREHENSIVE", "ENVIRONMENT"], ""),
    ("企业安全生产行政处罚争议", ["SAFETY"], "江阴某机械制造有限公司"),
    ("拖欠工资投诉处理职责争议", ["LABOUR", "POLICE"], ""),
    ("违规广告牌拆除争议", ["COMPREHENSIVE"], "某广告传媒公司"),
]
OUTCOMES = [
    (codes.DisputeOutcome.AGREED, 70, "经协调，明确由{a}牵头、{b}配合，已形成会议纪要。"),
    (codes.DisputeOutcome.DECIDED, 15, "双方意见不一致，报请镇政府研究决定，已明确职责分工。"),
    (codes.DisputeOutcome.REFERRED, 10, "涉及跨区域执法，报请市司法局协调。"),
    (codes.DisputeOutcome.WITHDRAWN, 5, "当事人撤回协调申请。"),
]
QUARTERS = ["第一季度", "第二季度", "第三季度", "第四季度"]


def _pick(rng, weighted):
    total = sum(item[1] for item in weighted)
    r = rng.uniform(0, total)
    for item in weighted:
        r -= item[1]
        if r <= 0:
            return item
    return weighted[-1]


def _person(rng):
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.5 else "")


@transaction.atomic
def seed(ctx):
    if ctx.scale not in ("city", "province") or not ctx.offices:
        return
    today = ctx.now.date()
    city_offices = [o for o in ctx.offices if ctx.city is not None and o.parent_id == ctx.city.pk]
    city_ids = {o.pk for o in city_offices}
    # Two offices of the demo city did almost no supervision this year: the gap shows in the figures.
    sparse = {city_offices[i].pk: n for i, n in ((4, 1), (11, 0)) if len(city_offices) > i}
    staff = {}
    for office_id, name in (
        User.objects.filter(roles__role=Role.STAFF, office_id__in=[o.pk for o in ctx.offices])
        .order_by("pk")
        .values_list("office_id", "full_name")
    ):
        staff.setdefault(office_id, name)
    departments = _departments(ctx, city_ids)
    plan = []
    for office in ctx.offices:
        if office.pk in sparse:
            count = sparse[office.pk]
        elif office.pk in city_ids:
            count = ctx.rng.randint(12, 24)
        else:
            count = ctx.rng.randint(2, 5)
        plan.append((office, count, office.pk in city_ids))
    _seed(ctx, plan, departments, staff, today, sparse)


def _departments(ctx, city_ids) -> dict[int, list[Department]]:
    rows = []
    for office in ctx.offices:
        town = office.short_name or office.name[:2]
        full = office.pk in city_ids
        for template, kind, share in DEPARTMENTS:
            if not full and kind not in (codes.DepartmentKind.COMPREHENSIVE, codes.DepartmentKind.MARKET,
                                         codes.DepartmentKind.POLICE, codes.DepartmentKind.LAND):  # fmt: skip
                continue
            if full and ctx.rng.random() > share:
                continue
            rows.append(
                Department(
                    org=office,
                    office_id=office.pk,
                    name=template.format(town=town),
                    kind=kind,
                    contact=_person(ctx.rng) if full else "",
                    phone=f"0510-86{ctx.rng.randint(100000, 999999)}" if full else "",
                )
            )
    rows = Department.objects.bulk_create(rows, batch_size=2000)
    by_office: dict[int, list[Department]] = {}
    for d in rows:
        by_office.setdefault(d.office_id, []).append(d)
    return by_office


def _seed(ctx, plan, departments, staff, today, sparse):
    rng = ctx.rng
    start = today - datetime.timedelta(days=364)
    activities, links = [], []
    for office, count, full in plan:
        depts = departments.get(office.pk, [])
        if not depts:
            continue
        by = staff.get(office.pk, "司法所工作人员")
        days = sorted(rng.randint(0, 364) for _ in range(count))
        joint_done = False
        for i, offset in enumerate(days):
            date = start + datetime.timedelta(days=offset)
            kind, _w, titles = _pick(rng, KINDS)
            if office.pk in sparse:
                kind, titles = K.CASE_REVIEW, KINDS[0][2]
            elif full and not joint_done and i == count // 2:
                # Every office that supervises at all held at least one joint supervision.
                kind, titles = K.JOINT, KINDS[2][2]
            joint_done = joint_done or kind == K.JOINT
            chosen = rng.sample(depts, k=min(len(depts), 1 if kind != K.JOINT else rng.randint(2, 3)))
            partners = "、".join(rng.sample(PARTNERS, k=2)) if kind == K.JOINT else ""
            files = rng.randint(8, 40) if kind == K.CASE_REVIEW else (rng.randint(3, 10) if kind == K.SPECIAL else 0)
            sites = rng.randint(2, 8) if kind in (K.SITE_INSPECTION, K.JOINT) else 0
            title = rng.choice(titles).format(q=f"{date.year}年{QUARTERS[(date.month - 1) // 3]}", dept=chosen[0].name)
            summary = SUMMARIES[kind].format(n=files or sites or rng.randint(2, 6), partners=partners)
            names = {"a": _person(rng), "b": _person(rng), "c": _person(rng)}
            a = Activity(
                org=office,
                office_id=office.pk,
                kind=kind,
                title=title,
                date=date,
                participants=rng.choice(PARTICIPANTS).format(**names),
                partners=partners,
                files_reviewed=files,
                sites_inspected=sites,
                summary=summary,
                recorded_by_repr=by,
            )
            a.created_at = ctx.now - datetime.timedelta(days=(today - date).days)
            activities.append(a)
            links.append(chosen)
    activities = Activity.objects.bulk_create(activities, batch_size=2000)
    through = Activity.departments.through
    through.objects.bulk_create(
        [
            through(activity_id=a.pk, department_id=d.pk)
            for a, chosen in zip(activities, links, strict=True)
            for d in chosen
        ],
        batch_size=5000,
    )
    problems, extras = [], []
    for a, chosen in zip(activities, links, strict=True):
        if a.kind == K.OTHER:
            continue
        for _ in range(rng.choice([0, 0, 1, 1, 1, 2, 2, 3])):
            p, extra = _problem(rng, a, rng.choice(chosen), today, staff.get(a.office_id, "司法所工作人员"))
            problems.append(p)
            extras.append(extra)
    problems = Problem.objects.bulk_create(problems, batch_size=2000)
    events = []
    for p, extra in zip(problems, extras, strict=True):
        events += _events(p, extra)
    ProblemEvent.objects.bulk_create(events, batch_size=5000)
    disputes = _disputes(ctx, plan, departments, staff, today, sparse)
    ctx.log(
        f"  supervision: {sum(len(v) for v in departments.values())} departments, {len(activities)} activities, "
        f"{len(problems)} problems, {len(disputes)} enforcement disputes"
    )


def _problem(rng, activity, department, today, by):
    category = _pick(rng, CATEGORY_WEIGHTS)[0]
    found = activity.date
    p = Problem(
        org_id=activity.org_id,
        office_id=activity.office_id,
        activity=activity,
        department=department,
        category=category,
        description=rng.choice(PROBLEMS[category]),
        found_on=found,
        status=S.FOUND,
    )
    steps = [(T.FOUND, found, p.description, "", S.FOUND)]
    if (today - found).days < 7 and rng.random() < 0.5:
        return p, {"steps": steps, "by": by}  # just found, no order yet
    ordered = found + datetime.timedelta(days=rng.choice([0, 0, 1, 2, 3]))
    ordered = min(ordered, today)
    p.deadline = ordered + datetime.timedelta(days=rng.choice([15, 30, 30, 45]))
    p.requirement = rng.choice(REQUIREMENTS)
    p.status = S.RECTIFYING
    steps.append((T.ORDER, ordered, p.requirement, S.FOUND, S.RECTIFYING))
    roll = rng.random()
    if p.deadline < today:
        # Past the deadline: most rectified on time, some late, about one in eight still overdue.
        if roll < 0.72:
            rectified = ordered + datetime.timedelta(days=rng.randint(3, (p.deadline - ordered).days))
        elif roll < 0.87:
            rectified = p.deadline + datetime.timedelta(days=rng.randint(1, 30))
        else:
            rectified = None
    else:
        rectified = ordered + datetime.timedelta(days=rng.randint(3, 20)) if roll < 0.35 else None
    if rectified is not None and rectified > today:
        rectified = None
    if rectified is None and rng.random() < 0.5 and (today - ordered).days > 10:
        steps.append((T.PROGRESS, ordered + datetime.timedelta(days=rng.randint(5, 10)), rng.choice(PROGRESS),
                      S.RECTIFYING, S.RECTIFYING))  # fmt: skip
    if rectified is not None:
        p.status, p.rectified_on, p.result = S.RECTIFIED, rectified, rng.choice(RESULTS)
        steps.append((T.RECTIFIED, rectified, p.result, S.RECTIFYING, S.RECTIFIED))
        verified = rectified + datetime.timedelta(days=rng.randint(2, 15))
        if verified <= today and rng.random() < 0.85:
            p.status, p.verified_on = S.VERIFIED, verified
            steps.append((T.VERIFIED, verified, "实地复查，整改到位，予以销号。", S.RECTIFIED, S.VERIFIED))
            reopen = verified + datetime.timedelta(days=rng.randint(10, 40))
            if reopen <= today - datetime.timedelta(days=5) and rng.random() < 0.05:
                # A rectification that did not hold: reopened with a new deadline.
                p.status, p.rectified_on, p.result, p.verified_on = S.RECTIFYING, None, "", None
                p.deadline = reopen + datetime.timedelta(days=30)
                steps.append((T.REOPENED, reopen, "回访发现同类问题再次出现，重新整改。", S.VERIFIED, S.RECTIFYING))
    p.version = len(steps)
    return p, {"steps": steps, "by": by}


def _events(problem, extra):
    return [
        ProblemEvent(
            problem=problem,
            org_id=problem.org_id,
            office_id=problem.office_id,
            step=step,
            date=date,
            note=note,
            from_status=from_status,
            to_status=to_status,
            by_repr=extra["by"],
        )
        for step, date, note, from_status, to_status in extra["steps"]
    ]


def _disputes(ctx, plan, departments, staff, today, sparse):
    rng = ctx.rng
    rows, links = [], []
    for office, _count, full in plan:
        if not full or office.pk in sparse:
            continue
        depts = {d.kind: d for d in departments.get(office.pk, [])}
        for _ in range(rng.randint(0, 4)):
            subject, kinds, parties = rng.choice(DISPUTES)
            chosen = [depts[codes.DepartmentKind[k]] for k in kinds if codes.DepartmentKind[k] in depts]
            if len(chosen) + (1 if parties else 0) < 2:
                continue
            received = today - datetime.timedelta(days=rng.randint(0, 360))
            sides = "与".join([x.name for x in chosen] + ([parties] if parties else []))
            d = EnforcementDispute(
                org=office,
                office_id=office.pk,
                subject=subject,
                description=f"{sides}就{subject[:-4]}存在分歧，提请司法所协调。",
                parties=parties,
                received_on=received,
                recorded_by_repr=staff.get(office.pk, "司法所工作人员"),
            )
            concluded = received + datetime.timedelta(days=rng.randint(3, 40))
            if concluded <= today and rng.random() < 0.85:
                outcome, _w, text = _pick(rng, OUTCOMES)
                d.status, d.outcome, d.concluded_on = codes.DisputeStatus.CLOSED, outcome, concluded
                d.result = text.format(a=chosen[0].name, b=chosen[-1].name if len(chosen) > 1 else parties)
                d.concluded_by_repr = d.recorded_by_repr
                d.version = 2
            rows.append(d)
            links.append(chosen)
    rows = EnforcementDispute.objects.bulk_create(rows, batch_size=2000)
    through = EnforcementDispute.departments.through
    through.objects.bulk_create(
        [
            through(enforcementdispute_id=d.pk, department_id=x.pk)
            for d, chosen in zip(rows, links, strict=True)
            for x in chosen
        ],
        batch_size=5000,
    )
    return rows
