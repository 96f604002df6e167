"""Demo party-building data: a branch for every office of the demo city with its members (drawn from
the office's staff plus a few others: retired cadres, community workers), a venue with its
standardisation checks, and a year of 三会一课, themed party days and other activities with
attendance. Two offices skipped meetings (so the completion rate shows the gap), one office's venue
was not checked this year, and one office has a recorded violation.

Rows are bulk-inserted as the services would write them: attendance counts from the register on the
day, the venue's last check from its checks, each member's place in the branch from their dates. At
province scale the other offices get only a branch and its members.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction

from fengqiao.accounts.models import User

from . import codes
from .models import Activity, Branch, Member, Venue, VenueCheck, Violation

SURNAMES = "王李张刘陈杨黄赵吴周徐孙朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡钱沈顾陆缪"
GIVEN = "伟强磊军勇杰涛明超平刚建国华峰斌辉鹏飞波林宇浩凯俊龙海东亮新春文志忠良芳娟敏静丽霞燕"
STREETS = ["人民路", "府前路", "中心路", "文化路"]
TOPICS = {
    codes.ActivityType.ASSEMBLY: [
        "学习贯彻党的二十届三中全会精神",
        "讨论预备党员转正事宜",
        "通报上半年支部工作，部署下半年任务",
        "召开专题组织生活会",
    ],
    codes.ActivityType.COMMITTEE: [
        "研究本月支部工作安排",
        "研究党员发展和教育管理工作",
        "研究“枫桥式”司法所创建推进事项",
        "研究党风廉政建设责任制落实",
    ],
    codes.ActivityType.GROUP: [
        "学习新修订的《中国共产党纪律处分条例》",
        "交流人民调解工作中践行群众路线的体会",
        "学习社区矫正法，讨论精准矫治",
        "学习民法典婚姻家庭编",
    ],
    codes.ActivityType.LECTURE: [
        "书记讲党课：坚持和发展新时代“枫桥经验”",
        "专题党课：以高质量党建引领基层法治建设",
        "廉政党课：守纪律讲规矩，做忠诚干净担当的司法行政干部",
    ],
    codes.ActivityType.THEME_DAY: [
        "重温入党誓词，开展“法律明白人”进村活动",
        "走进社区开展法律咨询志愿服务",
        "参观革命传统教育基地",
        "开展“学法用法”主题党日",
        "结对共建，走访困难党员",
    ],
    codes.ActivityType.OTHER: ["七一建党节表彰先进", "“宪法宣传周”党员志愿服务", "观看警示教育片"],
}
RECORDS = {
    codes.ActivityType.ASSEMBLY: "支部书记主持会议，全体党员参加。会议传达学习了上级文件精神，党员逐一发言交流，"
    "会议形成决议并明确责任人。",
    codes.ActivityType.COMMITTEE: "支委会成员到会，书记主持。会议研究了本月重点工作，明确分工和完成时限。",
    codes.ActivityType.GROUP: "党小组长组织学习，党员结合本职工作谈体会，记录人整理发言要点。",
    codes.ActivityType.LECTURE: "支部书记讲授党课，党员认真听讲并做笔记，课后开展交流讨论。",
    codes.ActivityType.THEME_DAY: "按照主题党日“学、议、做”流程开展，党员佩戴党徽参加，活动结束后撰写心得。",
    codes.ActivityType.OTHER: "党员积极参加，活动取得良好效果。",
}
# (type, usual day of the month, months of the quarter it is held in: None = every month)
SCHEDULE = [
    (codes.ActivityType.COMMITTEE, 5, None),
    (codes.ActivityType.GROUP, 12, None),
    (codes.ActivityType.THEME_DAY, 20, None),
    (codes.ActivityType.ASSEMBLY, 8, (0,)),
    (codes.ActivityType.LECTURE, 15, (0,)),
]


def _name(rng):
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")


def _months_back(today: datetime.date, n: int) -> datetime.date:
    y, m = today.year, today.month - n
    while m < 1:
        y, m = y - 1, m + 12
    return datetime.date(y, m, 1)


@transaction.atomic
def seed(ctx):
    if ctx.scale not in ("city", "province") or not ctx.offices:
        return
    today = ctx.now.date()
    city_ids = {o.pk for o in ctx.offices if ctx.city is not None and o.parent_id == ctx.city.pk}
    users: dict[int, list[User]] = {}
    for u in User.objects.filter(office_id__in=[o.pk for o in ctx.offices], is_active=True).order_by("pk"):
        users.setdefault(u.office_id, []).append(u)
    city_offices = [o for o in ctx.offices if o.pk in city_ids]
    # The offices with gaps, by their place in the city: skipped meetings, an unchecked venue, a
    # violation.
    roles = {}
    for i, key in ((3, "skips_meetings"), (8, "skips_theme_days"), (5, "unchecked"), (11, "violation")):
        if len(city_offices) > i:
            roles.setdefault(city_offices[i].pk, set()).add(key)
    branches = Branch.objects.bulk_create(
        [
            Branch(
                org=o,
                office_id=o.pk,
                name=f"中共{o.short_name or o.name}司法所支部委员会",
                secretary="",
                established_on=datetime.date(ctx.rng.randint(2003, 2016), ctx.rng.randint(1, 12), 1),
                parent_organisation="中共" + (ctx.city.name if ctx.city is not None else "") + "司法局机关委员会",
            )
            for o in ctx.offices
        ],
        batch_size=2000,
    )
    members = []
    for office, branch in zip(ctx.offices, branches, strict=True):
        full = office.pk in city_ids
        rows = _members(ctx, office, branch, users.get(office.pk, []), today, full)
        members += rows
        director = next((m for m in rows if m.user is not None and m.user.username.endswith(".director")), None)
        branch.secretary = director.name if director else rows[0].name
    Branch.objects.bulk_update(branches, ["secretary"], batch_size=2000)
    members = Member.objects.bulk_create(members, batch_size=5000)
    by_branch: dict[int, list[Member]] = {}
    for m in members:
        by_branch.setdefault(m.branch_id, []).append(m)
    venues = Venue.objects.bulk_create(
        [
            Venue(
                org=o,
                office_id=o.pk,
                name=f"{o.short_name or o.name}司法所党员活动室",
                address=f"{o.name}{ctx.rng.choice(STREETS)}{ctx.rng.randint(1, 200)}号",
                area=Decimal(ctx.rng.randint(35, 120)),
                facilities="党旗、入党誓词墙、党建书架、学习园地、投影设备",
            )
            for o in ctx.offices
        ],
        batch_size=2000,
    )
    checks = []
    for office, venue in zip(ctx.offices, venues, strict=True):
        if office.pk not in city_ids:
            continue
        checks += _checks(ctx, venue, today, unchecked="unchecked" in roles.get(office.pk, set()))
    VenueCheck.objects.bulk_create(checks, batch_size=5000)
    for venue in venues:
        mine = [c for c in checks if c.venue_id == venue.pk]
        if mine:
            last = max(mine, key=lambda c: c.date)
            venue.last_checked_on, venue.last_result = last.date, last.result
    Venue.objects.bulk_update(venues, ["last_checked_on", "last_result"], batch_size=2000)
    activities, attendance = [], []
    for office, branch in zip(ctx.offices, branches, strict=True):
        if office.pk not in city_ids:
            continue
        a, p = _activities(ctx, branch, by_branch.get(branch.pk, []), today, roles.get(office.pk, set()))
        activities += a
        attendance += p
    activities = Activity.objects.bulk_create(activities, batch_size=5000)
    through = Activity.attendees.through
    rows = [
        through(activity_id=activity.pk, member_id=m.pk)
        for activity, present in zip(activities, attendance, strict=True)
        for m in present
    ]
    through.objects.bulk_create(rows, batch_size=10000)
    violations = []
    for office, branch in zip(ctx.offices, branches, strict=True):
        if "violation" in roles.get(office.pk, set()):
            violations.append(_violation(ctx, office, by_branch.get(branch.pk, []), today))
    Violation.objects.bulk_create(violations)
    ctx.log(
        f"  party: {len(branches)} branches, {len(members)} members, {len(activities)} activities, "
        f"{len(checks)} venue checks, {len(violations)} violations"
    )


def _members(ctx, office, branch, staff, today, full) -> list[Member]:
    """About two in three of the office's staff are members, plus a few others; a few probationary,
    one transferred in, one moved out during the year."""
    rng = ctx.rng
    rows = []

    def add(name, user=None):
        years = rng.randint(2, 30)
        joined = today - datetime.timedelta(days=365 * years + rng.randint(0, 300))
        member = Member(
            org=office,
            office_id=office.pk,
            branch=branch,
            name=name,
            user=user,
            status=codes.MemberStatus.FORMAL,
            joined_on=joined,
            formal_on=joined + datetime.timedelta(days=365 + rng.randint(0, 30)),
            in_branch_from=max(joined, branch.established_on),
        )
        rows.append(member)
        return member

    for i, u in enumerate(staff):
        if i == 0 or rng.random() < 0.65:
            add(u.full_name or u.username, u)
    for _ in range(rng.randint(2, 4) if full else 1):
        add(_name(rng))
    if not full:
        return rows
    # Probationary members: joined within the last year.
    for m in rng.sample(rows[1:-2], 2) if len(rows) > 4 else []:
        m.joined_on = m.in_branch_from = today - datetime.timedelta(days=rng.randint(60, 330))
        m.status, m.formal_on = codes.MemberStatus.PROBATIONARY, None
    # One transferred in this year from another unit, one moved out.
    if len(rows) > 4:
        moved_in = rows[-1]
        moved_in.transferred_in_on = moved_in.in_branch_from = today - datetime.timedelta(days=rng.randint(90, 200))
        moved_in.transferred_from = "中共江阴市某街道机关支部委员会"
        left = rows[-2]
        if left.status == codes.MemberStatus.FORMAL:
            left.active = False
            left.transferred_out_on = today - datetime.timedelta(days=rng.randint(20, 80))
            left.transferred_to = "中共无锡市司法局机关支部委员会（工作调动）"
    return rows


def _checks(ctx, venue, today, *, unchecked) -> list[VenueCheck]:
    """Checks twice a year over the last two years; the unchecked office's last check was before
    this year."""
    rows = []
    start = today.replace(month=1, day=1) - datetime.timedelta(days=365)
    day = start + datetime.timedelta(days=ctx.rng.randint(30, 100))
    while day <= today:
        if unchecked and day.year == today.year:
            break
        result = codes.CheckResult.PASSED if ctx.rng.random() < 0.85 else codes.CheckResult.RECTIFY
        rows.append(
            VenueCheck(
                venue=venue,
                org_id=venue.org_id,
                office_id=venue.office_id,
                date=day,
                result=result,
                checked_by="市局基层科检查组" if ctx.rng.random() < 0.5 else "司法所自查",
                notes=""
                if result == codes.CheckResult.PASSED
                else "学习园地内容未及时更新，党建书架需补充新书；限期一个月整改。",
            )
        )
        day += datetime.timedelta(days=ctx.rng.randint(150, 200))
    return rows


def _in_branch(m: Member, day: datetime.date) -> bool:
    return m.in_branch_from <= day and (m.transferred_out_on is None or m.transferred_out_on > day)


def _activities(ctx, branch, members, today, roles):
    """Twelve months back from this month: committee and group meetings and the themed day every
    month, the general meeting and the party lecture every quarter, a few other activities."""
    rng = ctx.rng
    rows, present = [], []
    skip_meetings = {_months_back(today, n) for n in (2, 3, 5)} if "skips_meetings" in roles else set()
    skip_theme = {_months_back(today, n) for n in (1, 4)} if "skips_theme_days" in roles else set()
    for back in range(11, -1, -1):
        month = _months_back(today, back)
        for kind, usual, quarter_months in SCHEDULE:
            if quarter_months is not None and (month.month - 1) % 3 not in quarter_months:
                continue
            if month in skip_meetings and kind in (codes.ActivityType.COMMITTEE, codes.ActivityType.GROUP):
                continue
            if month in skip_theme and kind in (codes.ActivityType.THEME_DAY, codes.ActivityType.LECTURE):
                continue
            day = month.replace(day=max(1, min(usual + rng.randint(-3, 3), 28)))
            if day > today:
                day = month.replace(day=max(1, min(today.day, usual)))
                if day > today:
                    continue
            rows.append(_activity(rng, branch, kind, day, members, present))
        if rng.random() < 0.25:
            day = month.replace(day=rng.randint(1, 28))
            if day <= today:
                rows.append(_activity(rng, branch, codes.ActivityType.OTHER, day, members, present))
    return rows, present


def _activity(rng, branch, kind, day, members, present_out):
    eligible = [m for m in members if _in_branch(m, day)]
    share = rng.uniform(0.75, 1.0)
    present = [m for m in eligible if rng.random() < share] or eligible[:1]
    present_out.append(present)
    return Activity(
        branch=branch,
        org_id=branch.org_id,
        office_id=branch.office_id,
        date=day,
        type=kind,
        topic=rng.choice(TOPICS[kind]),
        place=rng.choice(["司法所党员活动室", "镇党群服务中心", "村党群服务中心"]),
        record=RECORDS[kind],
        expected_count=len(eligible),
        present_count=len(present),
    )


def _violation(ctx, office, members, today):
    member = next((m for m in members if m.user_id is not None and not m.user.username.endswith(".director")), None)
    date = today - datetime.timedelta(days=ctx.rng.randint(90, 150))
    return Violation(
        org=office,
        office_id=office.pk,
        person=member.name if member else _name(ctx.rng),
        member=member,
        date=date,
        kind=codes.ViolationKind.RULES,
        description="工作日中午饮酒后返岗，违反工作纪律，经群众反映查实。",
        status=codes.ViolationStatus.DECIDED,
        decision=codes.Decision.CRITICISM,
        decision_note="经所务会研究，给予批评教育，责令作出书面检查，并在支部组织生活会上作检讨。",
        decided_on=date + datetime.timedelta(days=14),
    )
