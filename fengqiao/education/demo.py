"""Demo legal-education data: every office's guidance station with its staff, a year of education
activities up to `ctx.now`, and a few democracy-and-rule-of-law demonstration villages per office
with their designations and reviews.

Gaps on purpose, so the figures show them: the office the accounts seeder leaves without an
education officer has only part-time staff; in another the full-time officer left months ago and
nobody replaced them; in a third the officer is recorded part-time. At province scale the other
offices get a station, one full-time staff member, a handful of activities and at most two villages.

Rows are bulk-inserted, built as the services would build them (tenant key from the org, status
and level of a village matching its history).
"""

from __future__ import annotations

import datetime

from django.db import transaction

from fengqiao.accounts.models import User
from fengqiao.core.permissions import Role

from . import codes
from .models import Activity, DemoVillage, Station, StationStaff, VillageEvent

F = codes.Form
A = codes.Audience
# (form, weight, audiences, reached range)
FORMS = [
    (F.LECTURE, 26, [A.VILLAGERS, A.ELDERLY, A.WORKERS, A.CADRES, A.WOMEN], (25, 160)),
    (F.CONSULTATION, 16, [A.VILLAGERS, A.PUBLIC, A.MIGRANTS, A.ELDERLY], (40, 300)),
    (F.PERFORMANCE, 6, [A.VILLAGERS, A.PUBLIC], (150, 800)),
    (F.BOARD, 10, [A.VILLAGERS, A.PUBLIC], (100, 600)),
    (F.NEW_MEDIA, 14, [A.PUBLIC, A.YOUTH, A.VILLAGERS], (300, 4000)),
    (F.CASE, 10, [A.VILLAGERS, A.WORKERS, A.SUBJECTS, A.MIGRANTS], (20, 120)),
    (F.CAMPUS, 9, [A.YOUTH], (80, 900)),
    (F.MATERIALS, 7, [A.PUBLIC, A.MIGRANTS, A.ELDERLY], (60, 500)),
    (F.OTHER, 2, [A.VILLAGERS, A.WOMEN], (20, 100)),
]
# Dated campaigns: (month, day, form, topic, department or "")
CAMPAIGNS = [
    (3, 15, F.CONSULTATION, "“3·15”消费者权益日法律咨询", "市场监督管理分局"),
    (4, 15, F.LECTURE, "全民国家安全教育日宣讲", "公安派出所"),
    (5, 20, F.LECTURE, "“美好生活·民法典相伴”主题宣传月讲座", ""),
    (6, 26, F.MATERIALS, "“6·26”国际禁毒日禁毒宣传", "公安派出所"),
    (9, 1, F.CAMPUS, "开学第一课：预防校园欺凌", "公安派出所"),
    (11, 9, F.CONSULTATION, "“11·9”消防宣传日安全法规宣传", "消防救援站"),
    (12, 4, F.CONSTITUTION_WEEK, "“12·4”国家宪法日宪法宣誓及宣传", ""),
    (12, 6, F.CONSTITUTION_WEEK, "宪法宣传周：宪法进社区", ""),
]
TOPICS = {
    F.LECTURE: [
        "民法典婚姻家庭编解读",
        "农村土地承包法律知识讲座",
        "防范电信网络诈骗讲座",
        "老年人权益保障法宣讲",
        "劳动合同法与工伤维权",
        "未成年人保护法家长课堂",
        "反家庭暴力法宣讲",
        "村规民约与基层治理法治讲座",
        "安全生产法企业负责人培训",
        "宅基地与建房审批政策解读",
    ],
    F.CONSULTATION: ["法律援助进村居咨询", "赶集日法律咨询服务", "农民工欠薪维权咨询", "遗嘱继承法律咨询"],
    F.PERFORMANCE: ["法治文艺进村巡演（锡剧小品《一纸协议》）", "“法治润万家”文艺汇演", "普法快板书专场"],
    F.BOARD: ["法治宣传栏更新：民法典人格权编", "法治橱窗：扫黑除恶常态化", "宣传栏：防范养老诈骗"],
    F.NEW_MEDIA: ["公众号推送：以案说法之邻里纠纷", "普法短视频：电动自行车上牌新规", "微信群推送：反诈十条"],
    F.CASE: ["以案释法：高空抛物致人损害案", "以案释法：借名买房纠纷", "庭审观摩暨以案释法（交通肇事）"],
    F.CAMPUS: ["法治副校长进校园：网络安全", "模拟法庭进校园", "青少年禁毒知识课堂"],
    F.MATERIALS: ["发放《民法典》口袋书及宣传折页", "发放反诈宣传单"],
    F.OTHER: ["“法律明白人”培训", "普法志愿者集中培训"],
}
DEPARTMENTS_BY_FORM = {
    F.LECTURE: ["公安派出所", "人力资源和社会保障所", "自然资源和规划所", "应急管理办公室", "人民法庭"],
    F.CONSULTATION: ["市场监督管理分局", "人力资源和社会保障所", "税务分局"],
    F.CASE: ["人民法庭", "检察院", "交警中队"],
    F.CAMPUS: ["公安派出所", "检察院", "交警中队"],
    F.BOARD: ["镇（街道）综合行政执法局", "生态环境局"],
    F.NEW_MEDIA: ["交警中队", "公安派出所"],
}
VENUES_VILLAGE = ["村委会会议室", "村新时代文明实践站", "村文化广场", "村民小组活动室", "村老年活动室"]
VENUES_OFFICE = ["司法所调解室", "镇（街道）政务服务中心广场", "辖区企业会议室", "辖区中心小学", "镇文体中心"]
RECORDS = [
    "活动由司法所牵头组织，现场发放宣传资料，解答群众提问。",
    "结合身边真实案例讲解，群众参与度高，现场登记法律咨询事项，已转交相关部门跟进。",
    "活动前在村民微信群发布通知，结束后收集反馈意见，群众普遍反映通俗易懂。",
    "邀请执法部门业务骨干授课，围绕群众关心的问题进行互动答疑。",
]
PART_TIME_NAMES = ["志愿者", "普法讲师团成员", "网格员", "村法律明白人"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙朱胡郭何高林罗郑梁谢宋唐许韩邓曹彭曾"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚华建国红玉兰春梅海燕"


def _name(rng):
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")


def _pick(rng, weighted):
    total = sum(item[1] for item in weighted)
    r = rng.uniform(0, total)
    for item in weighted:
        r -= item[1]
        if r <= 0:
            return item
    return weighted[-1]


def _users_by_office(office_ids, role):
    found: dict[int, list[User]] = {}
    for user in (
        User.objects.filter(roles__role=role, office_id__in=office_ids, is_active=True).order_by("pk").distinct()
    ):
        found.setdefault(user.office_id, []).append(user)
    return found


@transaction.atomic
def seed(ctx):
    if not ctx.offices:
        return
    today = ctx.now.date()
    city_ids = [o.pk for o in ctx.offices if ctx.city is not None and o.parent_id == ctx.city.pk]
    detailed = set(city_ids) if ctx.scale in ("city", "province") else {o.pk for o in ctx.offices}
    ids = [o.pk for o in ctx.offices]
    officers = _users_by_office(ids, Role.EDUCATION_OFFICER)
    staff_users = _users_by_office(ids, Role.STAFF)
    directors = _users_by_office(ids, Role.DIRECTOR)
    # Gaps that show in the figures: an officer who left unreplaced, an officer kept part-time.
    left_unreplaced = city_ids[4] if len(city_ids) > 4 else None
    part_time_only = city_ids[12] if len(city_ids) > 12 else None

    stations = []
    for office in ctx.offices:
        set_up = datetime.date(ctx.rng.choice([2017, 2018, 2019, 2019, 2020]), ctx.rng.randint(1, 12), 1)
        set_up = min(set_up + datetime.timedelta(days=ctx.rng.randint(0, 27)), today - datetime.timedelta(days=400))
        stations.append(
            Station(
                org=office,
                office_id=office.pk,
                name=f"{office.name}法治宣传教育辅导站",
                address=office.address or f"{office.name}司法所二楼",
                set_up_on=set_up,
                phone=office.phone or ctx.fake_phone(),
                note="依托司法所设立，配备普法宣传资料架和法律图书角。",
            )
        )
    stations = Station.objects.bulk_create(stations, batch_size=2000)
    station_by_office = {s.office_id: s for s in stations}

    staff = []
    for office in ctx.offices:
        station = station_by_office[office.pk]
        rng = ctx.rng

        def add(name, employment, start, end=None, user=None, duty="", note="", station=station):
            staff.append(
                StationStaff(
                    station=station,
                    org_id=station.org_id,
                    office_id=station.office_id,
                    user=user,
                    name=name,
                    employment=employment,
                    duty=duty,
                    start_on=start,
                    end_on=end,
                    end_note=note,
                )
            )

        start = station.set_up_on + datetime.timedelta(days=rng.randint(0, 60))
        office_officers = officers.get(office.pk, [])
        if office.pk not in detailed:
            add(_name(rng), codes.Employment.FULL_TIME, start, duty="专职法治宣传教育")
            continue
        for officer in office_officers:
            name = officer.full_name or officer.username
            if office.pk == left_unreplaced:
                end = today - datetime.timedelta(days=rng.randint(120, 200))
                add(name, codes.Employment.FULL_TIME, start, end, officer, "专职法治宣传教育", "调任镇综治中心")
            elif office.pk == part_time_only:
                add(name, codes.Employment.PART_TIME, start, user=officer, duty="法治宣传（兼任人民调解工作）")
            else:
                add(name, codes.Employment.FULL_TIME, start, user=officer, duty="专职法治宣传教育")
        # A predecessor who moved on, so the station's history reads like one.
        if rng.random() < 0.4 and (start - station.set_up_on).days > 1:
            add(_name(rng), codes.Employment.FULL_TIME, station.set_up_on, start - datetime.timedelta(days=1),
                duty="专职法治宣传教育", note="退休")  # fmt: skip
        for user in staff_users.get(office.pk, [])[:1]:
            add(user.full_name or user.username, codes.Employment.PART_TIME, start, user=user, duty="普法宣传资料管理")
        for _i in range(rng.randint(1, 2)):
            add(
                f"{_name(rng)}",
                codes.Employment.PART_TIME,
                start + datetime.timedelta(days=rng.randint(0, 300)),
                duty=rng.choice(PART_TIME_NAMES),
            )
    for s in staff:
        s.start_on = min(s.start_on, today)
    StationStaff.objects.bulk_create(staff, batch_size=2000)

    activities = _activities(ctx, today, detailed, officers, directors)
    Activity.objects.bulk_create(activities, batch_size=2000)
    villages, events = _villages(ctx, today, detailed, officers, directors)
    ctx.log(
        f"  education: {len(stations)} stations, {len(staff)} staff, {len(activities)} activities, "
        f"{len(villages)} demonstration villages ({len(events)} history entries)"
    )


def _recorder(office_id, officers, directors):
    people = officers.get(office_id) or directors.get(office_id) or []
    return people[0] if people else None


def _activities(ctx, today, detailed, officers, directors):
    rng = ctx.rng
    rows = []
    start = today - datetime.timedelta(days=364)
    for office in ctx.offices:
        villages = ctx.villages_by_office.get(office.pk, [])
        user = _recorder(office.pk, officers, directors)
        by = (user.full_name or user.username) if user else "系统"
        full = office.pk in detailed
        count = rng.randint(40, 75) if full else rng.randint(4, 8)
        plan = []
        if full:
            for month, day, form, topic, dept in CAMPAIGNS:
                for year in (today.year - 1, today.year):
                    date = datetime.date(year, month, day)
                    if start <= date <= today:
                        plan.append((date, form, topic, dept))
        for _i in range(count - len(plan)):
            form = _pick(rng, FORMS)[0]
            date = start + datetime.timedelta(days=rng.randint(0, 364))
            dept = ""
            if form in DEPARTMENTS_BY_FORM and rng.random() < 0.45:
                dept = rng.choice(DEPARTMENTS_BY_FORM[form])
            plan.append((date, form, rng.choice(TOPICS[form]), dept))
        for date, form, topic, dept in plan:
            spec = next(f for f in FORMS if f[0] == form) if form != F.CONSTITUTION_WEEK else None
            audiences = spec[2] if spec else [A.VILLAGERS, A.PUBLIC, A.YOUTH]
            low, high = spec[3] if spec else (80, 600)
            in_village = villages and form not in (F.NEW_MEDIA,) and rng.random() < 0.7
            org = rng.choice(villages) if in_village else office
            venue = (
                f"{org.name}{rng.choice(VENUES_VILLAGE).removeprefix('村')}"
                if in_village
                else rng.choice(VENUES_OFFICE)
            )
            if form == F.NEW_MEDIA:
                venue = "“法润澄江”微信公众号" if rng.random() < 0.5 else "司法所微信视频号"
            activity = Activity(
                org=org,
                office_id=office.pk,
                topic=topic,
                form=form,
                venue=venue,
                date=date,
                audience=rng.choice(audiences),
                reached=rng.randint(low, high),
                department=dept,
                record=rng.choice(RECORDS),
                recorded_by=user,
                recorded_by_repr=by,
            )
            activity.created_at = ctx.now - datetime.timedelta(days=(today - date).days, hours=-rng.randint(2, 30))
            activity.created_at = min(activity.created_at, ctx.now)
            rows.append(activity)
    return rows


def _villages(ctx, today, detailed, officers, directors):
    """A few villages per office: most designated at county level over the years, some raised to
    city or provincial level, candidates of this year, one revoked after a failed review and one
    withdrawn candidacy in the city."""
    rng = ctx.rng
    records = []
    revoked_done = withdrawn_done = national_done = False
    for office in ctx.offices:
        villages = list(ctx.villages_by_office.get(office.pk, []))
        if not villages:
            continue
        full = office.pk in detailed
        user = _recorder(office.pk, officers, directors)
        by = (user.full_name or user.username) if user else "系统"
        count = min(len(villages), rng.randint(3, 6) if full else rng.randint(0, 2))
        for village in rng.sample(villages, count):
            history = []
            first_year = rng.randint(2012, today.year - 1)
            nominated = datetime.date(first_year, rng.randint(3, 6), rng.randint(1, 28))
            roll = rng.random()
            record = DemoVillage(
                org=village,
                office_id=office.pk,
                nominated_on=nominated,
                target_level=codes.Level.COUNTY,
                note="村“两委”班子健全，村务公开、民主议事制度落实，建有法治文化阵地。",
                created_by=user,
                status=codes.VillageStatus.CANDIDATE,
            )
            history.append((codes.Step.NOMINATE, codes.Level.COUNTY, None, nominated, "推荐申报县级民主法治示范村。"))
            if full and roll < 0.18 and nominated.year >= today.year - 1:
                pass  # still a candidate this year
            elif full and not withdrawn_done and roll < 0.26:
                withdrawn_done = True
                record.status = codes.VillageStatus.WITHDRAWN
                history.append(
                    (
                        codes.Step.WITHDRAW,
                        "",
                        None,
                        nominated + datetime.timedelta(days=60),
                        "创建材料不完整，暂缓申报。",
                    )
                )
            else:
                year = nominated.year
                date = datetime.date(year, 12, rng.randint(10, 28))
                if date > today:
                    record.created_at = ctx.now
                    records.append((record, history, by, user))
                    continue
                history.append((codes.Step.DESIGNATE, codes.Level.COUNTY, year, date, "经考核验收，命名为县级示范村。"))
                record.status, record.level, record.designated_year, record.designated_on = (
                    codes.VillageStatus.DESIGNATED,
                    codes.Level.COUNTY,
                    year,
                    date,
                )
                for level, chance in ((codes.Level.CITY, 0.45), (codes.Level.PROVINCE, 0.3)):
                    year = record.designated_year + rng.randint(2, 4)
                    date = datetime.date(year, 11, rng.randint(1, 28))
                    if rng.random() > chance or date > today:
                        break
                    history.append((codes.Step.DESIGNATE, level, year, date, "经逐级推荐，获得更高层级命名。"))
                    record.level, record.designated_year, record.designated_on = level, year, date
                if full and not national_done and record.level == codes.Level.PROVINCE and rng.random() < 0.5:
                    year = record.designated_year + 2
                    date = datetime.date(year, 10, 20)
                    if date <= today:
                        national_done = True
                        history.append((codes.Step.DESIGNATE, codes.Level.NATIONAL, year, date, "司法部、民政部命名。"))
                        record.level, record.designated_year, record.designated_on = codes.Level.NATIONAL, year, date
                review_year = record.designated_year + 3
                if review_year < today.year:
                    date = datetime.date(review_year, 9, rng.randint(1, 28))
                    if full and not revoked_done and rng.random() < 0.2:
                        revoked_done = True
                        reason = "复核发现村务公开不到位、发生群体性事件，撤销命名。"
                        history.append((codes.Step.REVIEW_FAIL, record.level, review_year, date, reason))
                        record.status = codes.VillageStatus.REVOKED
                    else:
                        history.append((codes.Step.REVIEW_PASS, record.level, review_year, date, "动态复核合格。"))
                    record.last_review_year = review_year
            record.target_level = max((h[1] for h in history if h[1]), key=lambda lv: codes.LEVEL_RANK[lv])
            records.append((record, history, by, user))
    saved = DemoVillage.objects.bulk_create([r[0] for r in records], batch_size=2000)
    events = []
    for village, (_r, history, by, user) in zip(saved, records, strict=True):
        for step, level, year, date, note in history:
            events.append(
                VillageEvent(
                    village=village,
                    org_id=village.org_id,
                    office_id=village.office_id,
                    step=step,
                    level=level,
                    year=year,
                    date=date,
                    note=note,
                    by=user,
                    by_repr=by,
                )
            )
    VillageEvent.objects.bulk_create(events, batch_size=5000)
    return saved, events
