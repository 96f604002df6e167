"""Demo service network: the five service points of every office with their partner bodies, hours
and people on duty; the assignment history of the village legal advisors the accounts seeder
created; and a year of the advisors' work logs.

Gaps are deliberate, so that the figures show them: among the city's offices, one never set up its
legislative opinion collection point, one closed its administrative reconsideration contact point
and has not replaced it, and at one the arbitration contact point has nobody on duty. One advisor
stopped logging four months ago, and the accounts seeder leaves some villages without an advisor.

Rows are bulk-inserted as the services would write them (tenant key from the org, one open point
per kind, staff inside the point's dates, logs only where and when the advisor serves). At province
scale the other offices get their points without staff detail, and logs only where advisors exist.
"""

from __future__ import annotations

import datetime

from django.db import transaction

from fengqiao.accounts.models import User, UserRole
from fengqiao.core.permissions import Role

from . import codes
from .models import AdvisorAssignment, PointStaff, ServicePoint, WorkLog

K = codes.PointKind
HOURS = {
    K.NOTARY: ["工作日 8:30-11:30，14:00-17:00", "每周二、周四 9:00-16:30"],
    K.LEGAL_AID: ["工作日 8:30-17:00", "工作日 8:30-11:30，13:30-17:00"],
    K.ARBITRATION: ["每周三 9:00-16:00", "工作日 9:00-11:30（预约制）"],
    K.LEGISLATION: ["工作日 8:30-17:00（征求意见期间每周五下午集中座谈）", "工作日 8:30-17:00"],
    K.RECONSIDERATION: ["工作日 8:30-17:00", "每周一、周四 9:00-16:00"],
}
ROOMS = {
    K.NOTARY: "司法所一楼公证协办窗口",
    K.LEGAL_AID: "公共法律服务工作站法律援助窗口",
    K.ARBITRATION: "司法所二楼调解室",
    K.LEGISLATION: "司法所二楼会议室",
    K.RECONSIDERATION: "公共法律服务工作站综合窗口",
}
ROADS = ["人民中路", "澄江东路", "长山大道", "朝阳路", "虹桥北路", "通江北路", "芙蓉大道", "镇中路", "府前街"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡沈顾陆缪"
GIVEN = "伟芳敏静丽强磊军洋勇艳杰娟涛明超霞平刚华建国红玉兰春梅海燕志文斌宇浩凯佳欣婷慧"
DUTY = ["每周二上午", "每周四下午", "工作日轮值", "每月第一、三周周三", "预约接待"]
NOTES = {
    "duty": [
        "到村值班，接待来访群众。",
        "在村公共法律服务室坐班，解答群众法律问题。",
        "到村值班，与村两委沟通近期矛盾纠纷情况。",
    ],
    "consultations": [
        "解答土地承包经营权流转问题。",
        "解答婚姻家庭、继承方面的咨询。",
        "解答劳动报酬拖欠问题，引导申请劳动仲裁。",
        "解答宅基地使用权纠纷咨询。",
        "解答民间借贷纠纷咨询，建议保留证据。",
        "解答交通事故赔偿咨询。",
    ],
    "lectures": [
        "开展《民法典》婚姻家庭编专题讲座。",
        "开展防范电信网络诈骗法治讲座。",
        "为村民开展《反家庭暴力法》宣讲。",
    ],
    "contract_reviews": ["审查村集体厂房租赁合同，提出修改意见。", "审查村道路工程施工合同。", "审查土地流转合同。"],
    "disputes": ["参与调解邻里排水纠纷。", "参与调解赡养纠纷，双方达成协议。", "参与调解房屋租赁纠纷。"],
}


def _name(rng):
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")


@transaction.atomic
def seed(ctx):
    if not ctx.offices:
        return
    today = ctx.now.date()
    city_offices = [o for o in ctx.offices if ctx.city is not None and o.parent_id == ctx.city.pk]
    gaps = {}
    if len(city_offices) > 7:
        gaps = {
            city_offices[1].pk: ("missing", K.LEGISLATION),
            city_offices[4].pk: ("unstaffed", K.ARBITRATION),
            city_offices[7].pk: ("closed", K.RECONSIDERATION),
        }
    detailed = {o.pk for o in city_offices} if ctx.scale == "province" else {o.pk for o in ctx.offices}
    _seed_points(ctx, today, gaps, detailed)
    advisors = _seed_assignments(ctx, today)
    inactive = None
    if len(city_offices) > 6:
        candidates = [a for a in advisors if a.office_id == city_offices[6].pk]
        inactive = candidates[0].pk if candidates else None
    _seed_logs(ctx, today, advisors, inactive)


def _seed_points(ctx, today, gaps, detailed):
    rng = ctx.rng
    staff_users: dict[int, list[User]] = {}
    for user in (
        User.objects.filter(office_id__in=[o.pk for o in ctx.offices], roles__role__in=[Role.STAFF, Role.DIRECTOR])
        .order_by("pk")
        .distinct()
    ):
        staff_users.setdefault(user.office_id, []).append(user)
    points, staff_plan = [], []
    for office in ctx.offices:
        gap = gaps.get(office.pk)
        road = rng.choice(ROADS)
        number = rng.randint(1, 300)
        for kind in codes.POINT_KINDS:
            if gap == ("missing", kind):
                continue
            opened = today - datetime.timedelta(days=rng.randint(400, 2200))
            partner = rng.choice(codes.PARTNERS[kind])
            point = ServicePoint(
                org=office,
                office_id=office.pk,
                kind=kind,
                name=f"{office.name}{codes.POINT_NAMES[kind]}",
                partner=partner,
                hours=rng.choice(HOURS[kind]),
                address=f"{office.name}{road}{number}号{ROOMS[kind]}",
                phone=f"0510-86{rng.randint(100000, 999999)}",
                opened_on=opened,
            )
            point.created_at = ctx.now - datetime.timedelta(days=(today - opened).days)
            if gap == ("closed", kind):
                closed = today - datetime.timedelta(days=rng.randint(100, 140))
                point.status = codes.PointStatus.CLOSED
                point.closed_on = closed
                point.close_reason = "合作单位调整驻点安排，原联系点撤销，待与新合作单位重新设立。"
            points.append(point)
            staff_plan.append((point, gap == ("unstaffed", kind), office))
    points = ServicePoint.objects.bulk_create(points, batch_size=2000)
    staff = []
    for point, unstaffed, office in staff_plan:
        if office.pk not in detailed and not unstaffed:
            # Province scale: one person on duty from the partner body, no history.
            staff.append(_staff(ctx, point, None, point.opened_on, None))
            continue
        users = staff_users.get(office.pk, [])
        end = point.closed_on
        if unstaffed:
            # The only person on duty left in spring and nobody replaced them.
            until = ctx.now.date() - datetime.timedelta(days=rng.randint(60, 120))
            staff.append(_staff(ctx, point, None, point.opened_on, until))
            continue
        if users and rng.random() < 0.7:
            staff.append(_staff(ctx, point, rng.choice(users), point.opened_on, end))
        staff.append(_staff(ctx, point, None, point.opened_on + datetime.timedelta(days=rng.randint(0, 60)), end))
        if rng.random() < 0.3:
            # Someone who went off duty earlier: the timeline has a change.
            since = point.opened_on
            until = since + datetime.timedelta(days=rng.randint(100, 300))
            if until < (end or ctx.now.date()):
                staff.append(_staff(ctx, point, None, since, until))
    PointStaff.objects.bulk_create(staff, batch_size=5000)
    ctx.log(f"  service points: {len(points)}, people on duty: {len(staff)}")


def _staff(ctx, point, user, since, until):
    rng = ctx.rng
    if user is not None:
        name, phone = user.full_name, user.phone
    else:
        name, phone = _name(rng), ctx.fake_phone()
    return PointStaff(
        point=point,
        org_id=point.org_id,
        office_id=point.office_id,
        user=user,
        name=name,
        phone=phone,
        duty=rng.choice(DUTY),
        since=min(since, point.closed_on or since),
        until=until,
    )


def _seed_assignments(ctx, today) -> list[User]:
    """An open assignment for every village an advisor serves, and for a few villages the advisor
    who served them before."""
    rng = ctx.rng
    advisor_ids = UserRole.objects.filter(role=Role.LEGAL_ADVISOR, user__office_id__in=[o.pk for o in ctx.offices])
    advisors = list(User.objects.filter(pk__in=advisor_ids.values("user_id")).order_by("pk"))
    through = User.served_villages.through
    served: dict[int, list[int]] = {}
    offices = {}
    for user_id, village_id, office_id in through.objects.filter(user_id__in=[a.pk for a in advisors]).values_list(
        "user_id", "orgnode_id", "orgnode__office_id"
    ):
        served.setdefault(user_id, []).append(village_id)
        offices[village_id] = office_id
    rows = []
    for advisor in advisors:
        start = today - datetime.timedelta(days=rng.randint(500, 1500))
        for village_id in served.get(advisor.pk, []):
            rows.append(
                AdvisorAssignment(
                    org_id=village_id,
                    office_id=offices[village_id],
                    advisor=advisor,
                    started_on=start,
                    note="签订村（居）法律顾问服务协议",
                )
            )
            if rng.random() < 0.15:
                # A previous advisor of the same office served here before.
                others = [a for a in advisors if a.office_id == advisor.office_id and a.pk != advisor.pk]
                if others:
                    rows.append(
                        AdvisorAssignment(
                            org_id=village_id,
                            office_id=offices[village_id],
                            advisor=rng.choice(others),
                            started_on=start - datetime.timedelta(days=rng.randint(365, 1100)),
                            ended_on=start,
                            note="服务协议到期，不再续聘",
                        )
                    )
    AdvisorAssignment.objects.bulk_create(rows, batch_size=5000)
    ctx._legalnet_served = served
    ctx.log(f"  advisor assignments: {len(rows)}")
    return advisors


def _seed_logs(ctx, today, advisors, inactive):
    rng = ctx.rng
    served = ctx._legalnet_served
    start = today - datetime.timedelta(days=364)
    offices = dict(User.served_villages.through.objects.values_list("orgnode_id", "orgnode__office_id").distinct())
    logs = []
    for advisor in advisors:
        stop = today - datetime.timedelta(days=125) if advisor.pk == inactive else today
        for village_id in served.get(advisor.pk, []):
            day = start + datetime.timedelta(days=rng.randint(0, 10))
            used = set()
            while day <= stop:
                if day not in used:
                    used.add(day)
                    logs.append(_log(rng, advisor, village_id, offices[village_id], day))
                day += datetime.timedelta(days=rng.randint(8, 16))
    WorkLog.objects.bulk_create(logs, batch_size=5000)
    ctx.log(f"  advisor work logs: {len(logs)}")


def _log(rng, advisor, village_id, office_id, day):
    duty = 1 if rng.random() < 0.8 else 0
    counts = {
        "duty_days": duty,
        "consultations": rng.choice([0, 1, 1, 2, 2, 3, 4, 5]) if duty else rng.choice([1, 2]),
        "lectures": 1 if rng.random() < 0.12 else 0,
        "contract_reviews": 1 if rng.random() < 0.15 else 0,
        "disputes": 1 if rng.random() < 0.15 else 0,
    }
    parts = [rng.choice(NOTES["duty"])] if duty else []
    for key in ("consultations", "lectures", "contract_reviews", "disputes"):
        if counts[key]:
            parts.append(rng.choice(NOTES[key]))
    log = WorkLog(
        org_id=village_id,
        office_id=office_id,
        advisor=advisor,
        date=day,
        note="".join(parts),
        recorded_by=advisor,
        recorded_by_repr=advisor.full_name,
        **counts,
    )
    return log
