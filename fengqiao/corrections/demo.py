"""Demo community-corrections data for the demo city (and, at province scale, for benchmarks).

City scale (江阴市, about 1,500 subjects under correction plus a few hundred whose corrections
ended):

* Staff: the corrections social workers the accounts seeder made are topped up to one per 15 open
  subjects in every office except two, which stay short so that the staffing page shows a
  shortfall; one bureau head (`bureau.head`) at the city bureau approves positioning measures.
* Every office's default permitted area is the county (a plausible outline of 江阴市), saved with
  `services.fence_save`.
* The register is bulk-inserted (a service call per record would take minutes; the three big
  history tables, timeline, contacts and activities, with a plain executemany): subjects in the
  national mix of categories (about 90% 缓刑, 5% 假释, 4% 暂予监外执行, 1% 管制) with offences and
  sentences that fit the category, correction periods spread so that every phase appears, and for
  each one the history the services would have written: the registration level change, the intake
  report, interview and education, the correction team, reports and field visits at the pace of
  the supervision level, monthly education and public-interest hours, rewards and sanctions with
  the level changes they cause, past leaves, and for ended subjects the release or termination.
  Every row carries its office and org as the services set them, and each record has its timeline
  entry (same kinds and texts as the services write), dated when it happened.
* A representative subset goes through the services themselves, dated to when it happened:
  recent registrations still awaiting intake (some past the 10-day deadline: 漏管), leaves
  (requested, refused, in progress, returned, two not back past their end), recent rewards,
  sanctions and level changes, today's releases and a revocation, two subjects declared at large
  (在逃) and one found again, co-offender links, and positioning: a few dozen measures on the five grounds of article 29
  approved by the bureau head, devices registered and bound, then synthetic tracks fed through
  `ingest.ingest` (a daily routine inside the county, five fence crossings, a banned place entered,
  a low battery, a device removed, two co-offenders meeting, a trip on an approved leave that raises
  nothing, a device gone silent), a measure ended early, an extension asked for with a
  reassessment, requests awaiting the bureau head and one refused.
* Then the sweeps raise 漏管, 脱管, 未按期销假 and 信号中断 alerts, the alerts are dated to when a
  sweep or the stream would have raised them, and the social workers take some of them through
  acknowledge → handle → close; those nobody took up within a day are escalated.

Province scale: the demo city as above, and every other office about 18 subjects (the national
ratio), bulk-inserted with a short history (registration, intake report, latest contact), its
social workers and a default permitted area, no tracks.

`ctx.options["corrections_subjects"]` sets the city's number of open subjects (tests use a few
hundred). After the seed, `ctx.corrections_demo` tells how many fence crossings the tracks hold.
"""

from __future__ import annotations

import datetime
import decimal
import math
import time
from dataclasses import dataclass, field

import numpy as np
from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.accounts.models import User, UserRole
from fengqiao.core.demo import DEMO_PASSWORD
from fengqiao.core.permissions import Role
from fengqiao.core.validators import id_check_char
from fengqiao.orgs.models import OrgNode

from . import codes, geo, policy, services, sweeps
from .ingest import MAX_BATCH, device_map, ingest
from .models import (
    Activity,
    Alert,
    AlertEvent,
    Contact,
    Device,
    DeviceBinding,
    Fence,
    Leave,
    LevelChange,
    PositioningMeasure,
    RewardSanction,
    Subject,
    SubjectEvent,
    TeamMember,
)
from .phases import add_months

C, S, E = codes.Category, codes.Status, codes.EventKind
DEFAULT_CITY_SUBJECTS = 1500
PROVINCE_PER_OFFICE = 18
ENDED_SHARE = 0.2  # subjects whose corrections ended, relative to the open ones
SHORT_OFFICES = (4, 11)  # indexes of the city offices left short of social workers

# --- people and places --------------------------------------------------------------------------------

# Jiangsu surnames, the common ones repeated so that they come up more often.
SURNAMES = "陈陈陈周周张张王王徐徐吴吴朱朱沈沈顾顾黄黄蒋陆陆钱缪夏承季曹刘李杨赵孙许何高邵冯薛包范戴殷是"
GIVEN_MALE = "伟强磊军勇杰涛明超平刚建国华峰斌辉鹏飞波林宇浩凯俊龙海东亮新春文志忠良锋荣晓"
GIVEN_FEMALE = "芳娟敏静丽艳霞燕红玲萍琴秀英梅兰雪婷洁"
# Region codes of ID numbers: most subjects are from Jiangyin, some from the provinces that send it
# workers (苏北, 安徽, 河南, 四川).
REGIONS = [("320281", 78), ("320923", 4), ("320382", 3), ("341221", 5), ("412726", 4), ("511304", 3), ("321284", 3)]

# The county as the office's default permitted area: a plausible outline of 江阴市 (WGS-84, lon/lat).
COUNTY = [
    [119.99, 31.88],
    [120.05, 31.95],
    [120.15, 31.96],
    [120.25, 31.945],
    [120.33, 31.935],
    [120.42, 31.92],
    [120.52, 31.88],
    [120.59, 31.82],
    [120.57, 31.72],
    [120.50, 31.68],
    [120.40, 31.66],
    [120.30, 31.68],
    [120.20, 31.73],
    [120.10, 31.76],
    [120.02, 31.80],
]
# Where each town's people live and work (approximate centre, WGS-84 lat, lon).
TOWN_CENTRES = {
    "澄江街道": (31.910, 120.285),
    "南闸街道": (31.835, 120.285),
    "云亭街道": (31.865, 120.365),
    "申港街道": (31.922, 120.165),
    "夏港街道": (31.903, 120.225),
    "利港街道": (31.930, 120.095),
    "璜土镇": (31.893, 120.052),
    "月城镇": (31.835, 120.205),
    "青阳镇": (31.775, 120.285),
    "徐霞客镇": (31.780, 120.385),
    "华士镇": (31.810, 120.445),
    "周庄镇": (31.845, 120.425),
    "新桥镇": (31.795, 120.490),
    "长泾镇": (31.735, 120.330),
    "顾山镇": (31.735, 120.500),
    "祝塘镇": (31.720, 120.395),
}
# Destinations beyond the county line, and the towns nearest to each.
OUTSIDE = {
    "zjg": ("张家港市杨舍镇", 31.872, 120.578, ("顾山镇", "新桥镇", "华士镇", "周庄镇")),
    "jj": ("靖江市区", 32.012, 120.272, ("澄江街道", "夏港街道", "申港街道", "云亭街道")),
    "cz": ("常州市武进区", 31.782, 119.948, ("璜土镇", "利港街道", "月城镇", "申港街道")),
    "wx": ("无锡市区", 31.572, 120.302, ("青阳镇", "长泾镇", "南闸街道", "祝塘镇")),
}

# --- offences and sentences ---------------------------------------------------------------------------

# (offence, weight, penalty: "detention" 拘役 or "prison" 有期徒刑 months range)
PROBATION_OFFENCES = [
    ("危险驾驶罪", 30, "detention"),
    ("帮助信息网络犯罪活动罪", 12, (6, 24)),
    ("盗窃罪", 10, (6, 36)),
    ("诈骗罪", 8, (6, 36)),
    ("交通肇事罪", 6, (6, 36)),
    ("故意伤害罪", 6, (6, 36)),
    ("开设赌场罪", 5, (6, 36)),
    ("非法吸收公众存款罪", 3, (12, 36)),
    ("掩饰、隐瞒犯罪所得罪", 4, (6, 24)),
    ("寻衅滋事罪", 3, (6, 24)),
    ("非法捕捞水产品罪", 2, (6, 12)),
    ("污染环境罪", 2, (6, 24)),
    ("虚开增值税专用发票罪", 2, (12, 36)),
    ("拒不支付劳动报酬罪", 2, (6, 18)),
    ("重大责任事故罪", 2, (6, 36)),
    ("侵犯公民个人信息罪", 2, (6, 24)),
    ("妨害公务罪", 1, (6, 12)),
]
PAROLE_OFFENCES = [
    ("盗窃罪", 20),
    ("诈骗罪", 20),
    ("故意伤害罪", 12),
    ("抢劫罪", 8),
    ("贩卖毒品罪", 8),
    ("职务侵占罪", 8),
    ("合同诈骗罪", 8),
    ("非法吸收公众存款罪", 8),
    ("聚众斗殴罪", 8),
]
MEDICAL_OFFENCES = [
    ("诈骗罪", 20),
    ("交通肇事罪", 15),
    ("非法吸收公众存款罪", 15),
    ("职务侵占罪", 15),
    ("受贿罪", 10),
    ("故意伤害罪", 10),
    ("盗窃罪", 15),
]
MEDICAL_REASONS = ["因患严重疾病", "因患严重疾病", "因怀孕", "因正在哺乳自己的婴儿", "因生活不能自理"]
CONTROL_OFFENCES = [("寻衅滋事罪", 30), ("故意伤害罪", 25), ("盗窃罪", 20), ("妨害公务罪", 25)]
PRISONS = [
    ("江苏省苏州监狱", "苏州市中级人民法院", "苏05"),
    ("江苏省无锡监狱", "无锡市中级人民法院", "苏02"),
    ("江苏省常州监狱", "常州市中级人民法院", "苏04"),
    ("江苏省浦口监狱", "南京市中级人民法院", "苏01"),
]
BANS = [
    "禁止进入夜总会、酒吧、迪厅、网吧等娱乐场所",
    "禁止接触被害人及其近亲属",
    "禁止从事金融相关经营活动",
    "禁止进入中小学校区、幼儿园园区",
    "禁止进入赌博场所",
]
BAN_FOR = {  # the prohibition order a court typically adds to a probation for the offence
    "故意伤害罪": BANS[1],
    "寻衅滋事罪": BANS[0],
    "非法吸收公众存款罪": BANS[2],
    "开设赌场罪": BANS[4],
    "盗窃罪": BANS[0],
    "诈骗罪": BANS[2],
    "妨害公务罪": BANS[1],
}
CHINESE_DIGITS = "零一二三四五六七八九"
# Offences the Criminal Law punishes with a fine besides the main penalty.
FINED = {
    "危险驾驶罪",
    "盗窃罪",
    "诈骗罪",
    "开设赌场罪",
    "非法吸收公众存款罪",
    "帮助信息网络犯罪活动罪",
    "掩饰、隐瞒犯罪所得罪",
    "虚开增值税专用发票罪",
    "侵犯公民个人信息罪",
    "污染环境罪",
    "拒不支付劳动报酬罪",
    "非法捕捞水产品罪",
}

# --- supervision records ------------------------------------------------------------------------------

VISIT_PLACES = ["家中", "家中", "工作单位", "村（居）委会"]
VISIT_NOTES = [
    "入户走访，本人在家，家庭关系和睦，思想稳定。",
    "到工作单位了解表现，负责人反映工作积极，遵守规章。",
    "走访村（居）委会，了解到本人近期无异常情况。",
    "与本人及家属谈话，了解生活和就业情况，无异常。",
]
REPORT_NOTES = {
    codes.ContactKind.REPORT_IN_PERSON: ["到所汇报近期思想、工作和生活情况。", "按时报到，汇报本月活动情况。"],
    codes.ContactKind.REPORT_PHONE: ["电话汇报近期情况，情绪稳定。", "电话报告，在本地务工，无异常。"],
    codes.ContactKind.REPORT_VIDEO: ["视频报到，核对所在位置无异常。", "视频报到，汇报近期生活情况。"],
}
EDUCATION = [
    "集中教育：《社区矫正法》学习",
    "集中教育：认罪悔罪教育",
    "线上学习：法律常识与道德教育",
    "集中教育：交通安全法规学习",
    "个别教育：心理健康辅导",
    "集中教育：防范电信网络诈骗专题",
]
PUBLIC_INTEREST = [
    "社区环境卫生整治",
    "敬老院志愿服务",
    "交通路口文明劝导",
    "垃圾分类宣传",
    "图书馆整理图书",
    "防汛物资整理",
]
PRAISES = ["矫正期间遵纪守法，积极参加教育学习和公益活动", "见义勇为，协助村委会抢险救灾", "认罪悔罪，表现良好"]
WARNINGS = ["未按规定时间报到", "未经批准离开所居住的县（市）", "不按规定参加教育学习"]
LEAVE_TRIPS = [
    ("上海市", "就医复查"),
    ("南京市", "探望病重亲属"),
    ("苏州市", "处理工程结算事务"),
    ("安徽省阜阳市", "回原籍办理户籍事务"),
    ("常州市", "参加子女婚礼"),
    ("杭州市", "商务洽谈"),
]
VENDORS = ["江苏移动（和矫正）", "江苏电信（天翼矫正）", "中矫科技"]


REPORT_IN_PERSON = str(codes.ContactKind.REPORT_IN_PERSON)
HOURS = {h: decimal.Decimal(h) for h in ("2", "2.5", "3", "4")}
# The three big history tables are written with plain executemany: the ORM's bulk_create spends
# most of its time preparing values one by one, which these plain columns do not need.
RAW_COLUMNS = {
    SubjectEvent: ("subject_id", "org_id", "office_id", "recorded_by_id", "kind", "text", "at", "created_at"),
    Contact: ("subject_id", "org_id", "office_id", "recorded_by_id", "kind", "on", "place", "note", "created_at"),
    Activity: ("subject_id", "org_id", "office_id", "recorded_by_id", "kind", "on", "hours", "content", "created_at"),
}


def _insert(model, columns, rows, batch=5000):
    """Insert `rows` (tuples in `columns` order, plain values, aware datetimes) into `model`'s table,
    with `updated_at` set to now."""
    if not rows:
        return
    ops = connection.ops
    meta = model._meta
    fields = [meta.get_field(c) for c in columns]
    stamps = [i for i, f in enumerate(fields) if isinstance(f, models.DateTimeField)]
    table = ops.quote_name(meta.db_table)
    names = ", ".join(ops.quote_name(f.column) for f in [*fields, meta.get_field("updated_at")])
    marks = ", ".join(["%s"] * (len(fields) + 1))
    sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608 - names from the model
    adapt = ops.adapt_datetimefield_value
    now = adapt(timezone.now())
    with connection.cursor() as cursor:
        for i in range(0, len(rows), batch):
            values = []
            for row in rows[i : i + batch]:
                row = list(row)
                for k in stamps:
                    row[k] = adapt(row[k])
                row.append(now)
                values.append(row)
            cursor.executemany(sql, values)


def _pick(rng, weighted):
    total = sum(w[1] for w in weighted)
    r = rng.uniform(0, total)
    for item in weighted:
        r -= item[1]
        if r <= 0:
            return item
    return weighted[-1]


def _cn(n: int) -> str:
    """Chinese numerals up to 99, as judgments write them (二年, 十一个月)."""
    if n < 10:
        return CHINESE_DIGITS[n]
    tens, units = divmod(n, 10)
    return ("" if tens == 1 else CHINESE_DIGITS[tens]) + "十" + (CHINESE_DIGITS[units] if units else "")


def _term(months: int) -> str:
    years, rest = divmod(months, 12)
    return (f"{_cn(years)}年" if years else "") + (f"{_cn(rest)}个月" if rest else "")


@dataclass
class Plan:
    """One subject to insert, with what its history needs to know."""

    office: OrgNode
    org: OrgNode
    worker: User | None
    name: str
    gender: str
    id_number: str
    phone: str
    address: str
    category: str
    offence: str
    sentence: str
    period_start: datetime.date
    period_end: datetime.date
    judgment_on: datetime.date
    organ: str
    decision_number: str
    registered_on: datetime.date
    reported_on: datetime.date
    prohibition: str = ""
    status: str = S.ACTIVE
    end_kind: str = ""
    ended_on: datetime.date | None = None
    end_document: str = ""
    months: int = 12
    contact_until: datetime.date | None = None  # 脱管: no contact after this day
    quiet: tuple | None = None  # (first, last) days without contact or activity (away on leave)
    levels: list = field(default_factory=list)  # [(day, level, reason, reward kind or "")]
    detailed: bool = True
    role: str = ""  # scenario role in the demo city
    extra: dict = field(default_factory=dict)
    subject: Subject | None = None

    today: datetime.date | None = None

    @property
    def last_day(self) -> datetime.date:
        return self.ended_on or self.today


class Seeder:
    """Plans and writes the register; holds what the stories share (people, dates, serials)."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.rng = ctx.rng
        self.now = timezone.now()
        self.today = timezone.localdate(self.now)
        self.tz = timezone.get_current_timezone()
        self.levels = policy.levels()  # strictest first
        self.strict, self.regular, self.lenient = self.levels[0], self.levels[1], self.levels[-1]
        self.pol = policy.current()
        self.ids: set[str] = set()
        self.doc_serial: dict[str, int] = {}
        self.city_offices = [o for o in ctx.offices if ctx.city is not None and o.parent_id == ctx.city.pk]
        self.counties = {n.pk: n for n in OrgNode.objects.filter(pk__in={o.parent_id for o in ctx.offices})}
        # Labels as the services write them into the timeline, looked up once.
        self.text = {k: str(k.label) for k in [*codes.ContactKind, *codes.ActivityKind]}
        self.text.update(intake=_("Intake report"), back=_("Back from leave"))

    # --- small helpers -----------------------------------------------------------------------------

    def dt(self, day: datetime.date, hour: int | None = None, minute: int | None = None) -> datetime.datetime:
        """A moment in office hours of `day` (never in the future)."""
        rng = self.rng
        hour = rng.randint(8, 16) if hour is None else hour
        minute = rng.randint(0, 59) if minute is None else minute
        moment = datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=self.tz)
        return min(moment, self.now - datetime.timedelta(minutes=1))

    def serial(self, key: str) -> int:
        self.doc_serial[key] = self.doc_serial.get(key, 0) + 1
        return self.doc_serial[key]

    def name(self, female: bool) -> str:
        given = GIVEN_FEMALE if female else GIVEN_MALE
        return (
            self.rng.choice(SURNAMES)
            + self.rng.choice(given)
            + (self.rng.choice(given) if self.rng.random() < 0.65 else "")
        )

    def id_number(self, female: bool, year_from=1960, year_to=2004) -> str:
        rng = self.rng
        while True:
            region = _pick(rng, REGIONS)[0]
            birth = datetime.date(rng.randint(year_from, year_to), rng.randint(1, 12), rng.randint(1, 28))
            order = rng.randint(0, 99) * 10 + rng.choice([0, 2, 4, 6, 8] if female else [1, 3, 5, 7, 9])
            body = f"{region}{birth:%Y%m%d}{order:03d}"
            number = body + id_check_char(body)
            if number not in self.ids:
                self.ids.add(number)
                return number

    # --- people ------------------------------------------------------------------------------------

    def people(self, counts: dict[int, int]):
        """Directors (requesters), social workers topped up to the ratio, and the bureau head."""
        ctx = self.ctx
        office_ids = [o.pk for o in ctx.offices]
        self.directors = {
            u.office_id: u
            for u in User.objects.filter(office_id__in=office_ids, roles__role=Role.DIRECTOR).order_by("-pk")
        }
        workers: dict[int, list[User]] = {}
        for u in User.objects.filter(office_id__in=office_ids, roles__role=Role.CORRECTIONS_WORKER, is_active=True):
            workers.setdefault(u.office_id, []).append(u)
        for ws in workers.values():
            ws.sort(key=lambda u: u.pk)
        ratio = self.pol.corrections_ratio
        short = {
            self.city_offices[i].pk: 1 + (n % 2) for n, i in enumerate(SHORT_OFFICES) if i < len(self.city_offices)
        }
        password = make_password(DEMO_PASSWORD)
        new, plan = [], []
        for office in ctx.offices:
            have = workers.get(office.pk, [])
            needed = math.ceil(counts.get(office.pk, 0) / ratio)
            target = max(len(have), needed - short.get(office.pk, 0))
            director = self.directors.get(office.pk)
            prefix = (
                director.username.rsplit(".", 1)[0]
                if director and director.username.endswith(".director")
                else f"o{office.pk}"
            )
            taken = {u.username for u in have}
            k = 0
            for _i in range(target - len(have)):
                k += 1
                while f"{prefix}.corrections{k}" in taken:
                    k += 1
                username = f"{prefix}.corrections{k}"
                female = self.rng.random() < 0.6
                new.append(
                    User(
                        username=username,
                        full_name=self.name(female),
                        org=office,
                        office_id=office.pk,
                        password=password,
                        phone=ctx.fake_phone(),
                        title="社区矫正社工",
                        email=f"{username}@example.gov.cn",
                    )
                )
                plan.append(office.pk)
        city = ctx.city
        head = User(
            username="bureau.head",
            full_name=self.name(False),
            org=city,
            office_id=city.office_id or city.pk,
            password=password,
            phone=ctx.fake_phone(),
            title="局长",
            email="bureau.head@example.gov.cn",
        )
        created = User.objects.bulk_create([*new, head], batch_size=1000)
        UserRole.objects.bulk_create(
            [UserRole(user=u, role=Role.CORRECTIONS_WORKER) for u in created[:-1]]
            + [UserRole(user=created[-1], role=Role.BUREAU_HEAD)],
            batch_size=2000,
        )
        for u, office_id in zip(created[:-1], plan, strict=True):
            workers.setdefault(office_id, []).append(u)
        self.head = created[-1]
        self.workers = workers
        ctx.logins.append((Role.BUREAU_HEAD.label, self.head.username, city.display_name))
        ctx.log(f"  corrections social workers added: {len(new)}; bureau head: {self.head.username}")

    # --- fences ------------------------------------------------------------------------------------

    def fences(self):
        """The default permitted area of every office: the county. The demo city's through the
        service; elsewhere (province scale) bulk-inserted, a square around a made-up county seat."""
        for office in self.city_offices:
            services.fence_save(
                actor=self.directors.get(office.pk),
                org=office,
                kind=codes.FenceKind.AREA,
                name="江阴市行政区域（默认活动区域）",
                polygon=COUNTY,
            )
        others = [o for o in self.ctx.offices if o not in self.city_offices]
        if not others:
            return
        counties = self.counties
        rng = self.rng
        centre = {pk: (rng.uniform(31.2, 34.6), rng.uniform(117.4, 121.4)) for pk in counties}
        rows = []
        for office in others:
            lat, lon = centre[office.parent_id]
            square = [
                [lon - 0.2, lat - 0.15],
                [lon + 0.2, lat - 0.15],
                [lon + 0.2, lat + 0.15],
                [lon - 0.2, lat + 0.15],
                [lon - 0.2, lat - 0.15],
            ]
            county = counties.get(office.parent_id)
            rows.append(
                Fence(
                    org=office,
                    office_id=office.pk,
                    kind=codes.FenceKind.AREA,
                    name=f"{county.name if county else ''}行政区域（默认活动区域）",
                    polygon=square,
                )
            )
        Fence.objects.bulk_create(rows, batch_size=2000)
        services._bump_generation()

    # --- planning the register ---------------------------------------------------------------------

    def office_counts(self) -> dict[int, int]:
        ctx, rng = self.ctx, self.rng
        counts = {}
        total = ctx.options.get("corrections_subjects", DEFAULT_CITY_SUBJECTS)
        # Streets are busier than towns.
        weights = {o.pk: rng.uniform(0.7, 1.3) * (1.25 if o.name.endswith("街道") else 1.0) for o in self.city_offices}
        wsum = sum(weights.values()) or 1
        for o in self.city_offices:
            counts[o.pk] = max(12, round(total * weights[o.pk] / wsum))
        # The two short offices carry more than their existing workers may, whatever the scale.
        existing = {}
        for office_id in User.objects.filter(
            office_id__in=[o.pk for o in self.city_offices], roles__role=Role.CORRECTIONS_WORKER
        ).values_list("office_id", flat=True):
            existing[office_id] = existing.get(office_id, 0) + 1
        for i in SHORT_OFFICES:
            if i < len(self.city_offices):
                o = self.city_offices[i]
                counts[o.pk] = max(
                    counts[o.pk], self.pol.corrections_ratio * existing.get(o.pk, 0) + rng.randint(4, 12)
                )
        for o in ctx.offices:
            if o.pk not in counts:
                counts[o.pk] = max(3, round(rng.gauss(PROVINCE_PER_OFFICE, 5)))
        return counts

    def category_and_sentence(self, female: bool, office: OrgNode):
        """(category, offence, sentence, months of correction, deciding organ, number template, ban),
        judged by the county court of `office` (or, for parole, the court where the prison is)."""
        rng = self.rng
        county = self.counties.get(office.parent_id)
        court = f"{county.name}人民法院" if county else "江阴市人民法院"
        code = "苏" + (county.division_code[2:6] if county and county.division_code else "0281")
        first_instance = "（{year}）" + code + "刑初{n}号"
        roll = rng.random()
        if roll < 0.90:
            offence, _w, penalty = _pick(rng, PROBATION_OFFENCES)
            fined = offence in FINED
            if penalty == "detention" or (offence == "交通肇事罪" and rng.random() < 0.3):
                jail = rng.choice([1, 1, 2, 2, 3, 4, 5, 6])
                months = min(12, max(2, jail + rng.choice([1, 2, 2, 3, 4, 6])))
                fine = f"，并处罚金人民币{_cn(rng.choice([2, 3, 4, 5, 6, 8]))}千元" if fined else ""
                sentence = f"拘役{_term(jail)}，缓刑{_term(months)}{fine}"
            else:
                jail = rng.choice([m for m in (6, 8, 10, 12, 18, 24, 30, 36) if penalty[0] <= m <= penalty[1]])
                months = max(jail, min(60, max(12, jail + rng.choice([0, 6, 12, 12, 24]))))
                fine = f"，并处罚金人民币{_cn(rng.choice([1, 2, 3, 5, 8, 10]))}万元" if fined else ""
                sentence = f"有期徒刑{_term(jail)}，缓刑{_term(months)}{fine}"
            ban = BAN_FOR.get(offence, BANS[0]) if rng.random() < (0.12 if offence in BAN_FOR else 0.02) else ""
            if offence in ("危险驾驶罪", "交通肇事罪"):
                ban = ""
            if code == "苏0281" and rng.random() < 0.06:  # upheld on appeal
                return C.PROBATION, offence, sentence, months, "无锡市中级人民法院", "（{year}）苏02刑终{n}号", ban
            return C.PROBATION, offence, sentence, months, court, first_instance, ban
        if roll < 0.95:
            offence = _pick(rng, PAROLE_OFFENCES)[0]
            jail = rng.choice([24, 30, 36, 48, 60, 72, 96])
            months = rng.randint(3, min(24, jail // 3))
            prison, parole_court, parole_code = rng.choice(PRISONS)
            sentence = (
                f"有期徒刑{_term(jail)}，经{parole_court}裁定假释，假释考验期{_term(months)}（自{prison}释放之日起）"
            )
            return C.PAROLE, offence, sentence, months, parole_court, "（{year}）" + parole_code + "刑更{n}号", ""
        if roll < 0.99:
            offence = _pick(rng, MEDICAL_OFFENCES)[0]
            jail = rng.choice([12, 18, 24, 36, 48])
            reason = rng.choice(MEDICAL_REASONS if female else MEDICAL_REASONS[:2] + MEDICAL_REASONS[4:])
            months = rng.choice([6, 12, 12, 12, 24])
            if rng.random() < 0.5:
                organ, number = court, first_instance
            else:
                organ, number = "江苏省监狱管理局", "苏狱暂外〔{year}〕{n}号"
            return C.MEDICAL_PAROLE, offence, f"有期徒刑{_term(jail)}，{reason}暂予监外执行", months, organ, number, ""
        offence = _pick(rng, CONTROL_OFFENCES)[0]
        months = rng.choice([3, 6, 6, 8, 10, 12, 18, 24])
        ban = BAN_FOR.get(offence, BANS[0]) if rng.random() < 0.3 else ""
        return C.CONTROL, offence, f"管制{_term(months)}", months, court, first_instance, ban

    def plan(self, office, villages, worker, kind: str, detailed: bool) -> Plan:
        """A subject of `office`: kind "open" (under correction today), "ended" or "pending"."""
        rng, today = self.rng, self.today
        female = rng.random() < 0.1
        category, offence, sentence, months, organ, number, ban = self.category_and_sentence(female, office)
        village = rng.choice(villages) if villages else office
        if kind == "open":
            span = max(30, (add_months(today, months) - today).days)
            elapsed = rng.randint(0, span - 1)
            start = today - datetime.timedelta(days=elapsed)
        elif kind == "ended":
            span = max(30, (add_months(today, months) - today).days)
            start = today - datetime.timedelta(days=span + rng.randint(1, 720))
        elif kind == "ending":  # the term ran out in the last days: released today
            start = add_months(today - datetime.timedelta(days=rng.randint(0, 2)), -months) + datetime.timedelta(days=1)
        else:  # awaiting intake, still within the 10 days to report
            start = today - datetime.timedelta(days=rng.randint(0, 5))
        end = add_months(start, months) - datetime.timedelta(days=1)
        judgment = start if category in (C.PROBATION, C.CONTROL) else start - datetime.timedelta(days=rng.randint(0, 3))
        registered = min(today, judgment + datetime.timedelta(days=rng.randint(0, 3)))
        late = rng.random() < 0.015
        reported = judgment + datetime.timedelta(days=rng.randint(11, 25) if late else rng.randint(1, 9))
        reported = max(reported, registered)
        if kind == "open" and reported > today:
            reported = max(registered, today - datetime.timedelta(days=rng.randint(0, 1)))
        street = village.name.endswith("社区")
        address = (
            f"{village.name}{rng.choice(['人民', '澄江', '虹桥', '朝阳', '长山', '芙蓉'])}路{rng.randint(1, 300)}号"
            f"{rng.randint(1, 30)}幢{rng.randint(1, 18)}0{rng.randint(1, 4)}室"
            if street
            else f"{village.name}{rng.randint(1, 30)}组{rng.randint(1, 120)}号"
        )
        p = Plan(
            office=office,
            org=village,
            worker=worker,
            name=self.name(female),
            gender=codes.Gender.FEMALE if female else codes.Gender.MALE,
            id_number=self.id_number(female),
            phone=self.ctx.fake_phone(),
            address=address,
            category=category,
            offence=offence,
            sentence=sentence,
            period_start=start,
            period_end=end,
            judgment_on=judgment,
            organ=organ,
            decision_number=number.format(year=judgment.year, n=self.serial(number.format(year=judgment.year, n=""))),
            registered_on=registered,
            reported_on=reported,
            prohibition=ban,
            detailed=detailed,
            months=months,
        )
        p.today = today
        if kind == "ending":
            p.role = "ending"
            p.period_end = max(p.period_start, min(p.period_end, today))
        if kind == "ended":
            self.plan_end(p)
        elif kind == "pending":
            p.status = S.PENDING
        if p.status != S.PENDING:
            self.plan_levels(p)
        return p

    def plan_end(self, p: Plan):
        rng = self.rng
        roll = rng.random()
        if roll < 0.9:
            p.status, p.end_kind = S.RELEASED, codes.EndKind.EXPIRED
            p.ended_on = p.period_end + datetime.timedelta(days=rng.choice([0, 0, 0, 1]))
            p.end_document = f"江司矫解〔{p.ended_on.year}〕{self.serial('jie' + str(p.ended_on.year))}号"
        elif roll < 0.985:
            p.status, p.end_kind = S.TERMINATED, codes.EndKind.REVOKED
            p.ended_on = p.reported_on + datetime.timedelta(
                days=rng.randint(60, max(61, (p.period_end - p.reported_on).days))
            )
            p.end_document = f"（{p.ended_on.year}）苏0281刑更{self.serial('geng')}号"
        else:
            p.status, p.end_kind = S.TERMINATED, codes.EndKind.DEATH
            p.ended_on = p.reported_on + datetime.timedelta(
                days=rng.randint(30, max(31, (p.period_end - p.reported_on).days))
            )
            p.end_document = f"死亡证明 {self.serial('death'):04d}"
        p.ended_on = min(p.ended_on, self.today - datetime.timedelta(days=1))

    def plan_levels(self, p: Plan):
        """The supervision levels over time: start (mostly 普管), 严管 lifted after three months,
        a praise loosening, a warning tightening; a revocation ends in 严管."""
        rng = self.rng
        last = p.last_day
        days = (last - p.reported_on).days
        roll = rng.random()
        first = self.strict if roll < 0.15 else self.lenient if roll < 0.2 else self.regular
        p.levels = [(p.registered_on, first, _("Level on registration"), "")]
        current = first
        if first == self.strict and days > 100:
            day = p.reported_on + datetime.timedelta(days=rng.randint(90, 100))
            p.levels.append((day, self.regular, "入矫初期严管期满，经评估调整为普管", ""))
            current = self.regular
        after = p.levels[-1][0]
        if p.end_kind == codes.EndKind.REVOKED:
            day = max(after + datetime.timedelta(days=1), p.ended_on - datetime.timedelta(days=rng.randint(20, 50)))
            day = min(day, p.ended_on)
            if current != self.strict:
                p.levels.append((day, self.strict, rng.choice(WARNINGS), codes.RewardKind.WARNING))
            p.levels.append(
                (
                    min(p.ended_on, day + datetime.timedelta(days=7)),
                    self.strict,
                    "多次违反监督管理规定，经警告仍不改正",
                    codes.RewardKind.REVOCATION,
                )
            )
            return
        remaining = (last - after).days
        roll = rng.random()
        if remaining > 150 and roll < 0.15 and current != self.lenient:
            day = after + datetime.timedelta(days=rng.randint(120, remaining - 1))
            looser = self.levels[self.levels.index(current) + 1]
            p.levels.append((day, looser, rng.choice(PRAISES), codes.RewardKind.PRAISE))
        elif remaining > 60 and roll > 0.95:
            day = after + datetime.timedelta(days=rng.randint(30, remaining - 1))
            p.levels.append((day, self.strict, rng.choice(WARNINGS), codes.RewardKind.WARNING))

    # --- writing the register ----------------------------------------------------------------------

    def write(self, plans: list[Plan]):
        """Insert the subjects and the history the services would have written for them."""
        subjects = []
        for p in plans:
            final = p.levels[-1][1] if p.levels else policy.default_level()
            s = Subject(
                org=p.org,
                office_id=p.office.pk,
                name=p.name,
                gender=p.gender,
                id_number=p.id_number,
                phone=p.phone,
                address=p.address,
                category=p.category,
                offence=p.offence,
                sentence=p.sentence,
                period_start=p.period_start,
                period_end=p.period_end,
                deciding_organ=p.organ,
                judgment_effective_on=p.judgment_on,
                decision_number=p.decision_number,
                prohibition_order=p.prohibition,
                status=p.status,
                level=final,
                worker=p.worker,
                end_kind=p.end_kind,
                ended_on=p.ended_on,
                end_document_on=p.ended_on,
                end_document_number=p.end_document,
                created_at=self.dt(p.registered_on),
            )
            if p.status != S.PENDING:
                s.reported_on = p.reported_on
                s.interview_on = p.reported_on + datetime.timedelta(days=self.rng.choice([0, 0, 1, 2]))
                education = p.reported_on + datetime.timedelta(days=self.rng.randint(0, 7))
                if education <= p.last_day:
                    s.intake_education_on = education
                s.interview_on = min(s.interview_on, p.last_day)
            subjects.append(s)
        subjects = Subject.objects.bulk_create(subjects, batch_size=1000)
        rows = {
            model: [] for model in (SubjectEvent, LevelChange, Contact, Activity, RewardSanction, TeamMember, Leave)
        }
        for p, s in zip(plans, subjects, strict=True):
            p.subject = s
            self.history(p, s, rows)
        latest: dict[int, datetime.date] = {}
        for c in rows[Contact]:
            if c[0] not in latest or c[5] > latest[c[0]]:
                latest[c[0]] = c[5]
        for s in subjects:
            s.last_contact_on = latest.get(s.pk)
        Subject.objects.bulk_update(subjects, ["last_contact_on"], batch_size=2000)
        for model, items in rows.items():
            if model in RAW_COLUMNS:
                _insert(model, RAW_COLUMNS[model], items)
            else:
                model.objects.bulk_create(items, batch_size=2000)

    def history(self, p: Plan, s: Subject, rows: dict):
        rng = self.rng
        worker = p.worker
        base = {"subject_id": s.pk, "org_id": s.org_id, "office_id": s.office_id}
        key = (s.pk, s.org_id, s.office_id, worker.pk if worker else None)

        def event(day, kind, text, moment=None):
            # Shortly after midnight "40 minutes after the report" can lie ahead: never in the future.
            at = min(moment, self.now - datetime.timedelta(minutes=1)) if moment else self.dt(day)
            rows[SubjectEvent].append((*key, str(kind), text[:300], at, at))

        reg_at = self.dt(p.registered_on, 9)
        event(p.registered_on, E.REGISTERED, _("Registered; awaiting intake"), reg_at)
        if worker:
            event(p.registered_on, E.WORKER, _("Social worker: %(name)s") % {"name": worker}, reg_at)
        previous = None
        for day, level, reason, reward in p.levels:
            at = self.dt(day, rng.randint(9, 15)) if day > p.registered_on else reg_at
            if reward:
                rows[RewardSanction].append(
                    RewardSanction(
                        **base,
                        recorded_by=worker,
                        kind=reward,
                        on=day,
                        reason=reason,
                        document_number=f"江司矫{'奖' if reward == codes.RewardKind.PRAISE else '惩'}"
                        f"〔{day.year}〕{self.serial('rs' + str(day.year))}号",
                        created_at=at,
                    )
                )
                event(day, E.REWARD, f"{codes.RewardKind(reward).label}：{reason}", at)
                at += datetime.timedelta(minutes=2)
                reason = _("Following: %(what)s") % {"what": codes.RewardKind(reward).label}
            if previous is not None and level == previous:
                continue
            rows[LevelChange].append(
                LevelChange(
                    **base,
                    recorded_by=worker,
                    on=day,
                    from_level=previous,
                    to_level=level,
                    reason=reason,
                    created_at=at,
                )
            )
            if previous is not None:
                event(
                    day,
                    E.LEVEL,
                    _("Supervision level %(old)s → %(new)s: %(reason)s")
                    % {"old": previous, "new": level, "reason": reason},
                    at,
                )
            previous = level
        if p.status == S.PENDING:
            return
        # Intake: the report, the interview, the intake education, the correction team.
        reported = p.reported_on
        at = self.dt(reported, rng.randint(8, 10))
        rows[Contact].append(
            (*key, REPORT_IN_PERSON, reported, f"{p.office.short_name}司法所", self.text["intake"], at)
        )
        late = (reported - p.judgment_on).days - self.pol.report_deadline_days
        text = _("Reported for intake on %(day)s") % {"day": reported}
        if late > 0:
            text += _(" (%(n)d days late)") % {"n": late}
        event(reported, E.REPORTED, text, at)
        if s.interview_on:
            moment = at + datetime.timedelta(minutes=40) if s.interview_on == reported else None
            event(s.interview_on, E.INTERVIEW, _("Intake interview on %(day)s") % {"day": s.interview_on}, moment)
        if s.intake_education_on:
            event(
                s.intake_education_on,
                E.INTAKE_EDUCATION,
                _("Intake education on %(day)s") % {"day": s.intake_education_on},
            )
        if p.detailed:
            team = [(codes.TeamRole.SOCIAL_WORKER, str(worker) if worker else "", worker, "")]
            team.append((codes.TeamRole.COMMITTEE, self.name(rng.random() < 0.5), None, self.ctx.fake_phone()))
            family_name = p.name[0] + rng.choice(GIVEN_FEMALE + GIVEN_MALE) + rng.choice(GIVEN_FEMALE + GIVEN_MALE)
            team.append((codes.TeamRole.FAMILY, family_name, None, self.ctx.fake_phone()))
            if rng.random() < 0.2:
                team.append((codes.TeamRole.VOLUNTEER, self.name(rng.random() < 0.5), None, ""))
            for k, (role, name, user, phone) in enumerate(team):
                if not name:
                    continue
                moment = at + datetime.timedelta(minutes=50 + 3 * k)
                member = TeamMember(**base, role=role, name=name, phone=phone, user=user, created_at=moment)
                rows[TeamMember].append(member)
                event(reported, E.TEAM, _("Team member added: %(m)s") % {"m": member}, moment)
        # Reports and visits at the pace of the level in force, up to today (or the end, or the
        # day contact was lost).
        until = p.contact_until or (p.ended_on if p.ended_on else self.today)
        if not p.detailed:
            # A short history: the latest report only.
            level = p.levels[-1][1]
            day = max(reported, until - datetime.timedelta(days=rng.randint(0, level.report_days - 1)))
            if day > reported:
                self.contact(rows, key, p, day, rng.choice(codes.REPORT_KINDS), event)
            return
        # A past leave for some, approved and returned from.
        span = (until - reported).days
        if span > 120 and rng.random() < 0.08 and not p.contact_until and not p.role:
            start = reported + datetime.timedelta(days=rng.randint(60, span - 40))
            end = start + datetime.timedelta(days=rng.randint(1, 6))
            dest, reason = rng.choice(LEAVE_TRIPS)
            director = self.directors.get(p.office.pk)
            asked = start - datetime.timedelta(days=rng.randint(3, 10))
            p.quiet = (start, end - datetime.timedelta(days=1))
            rows[Leave].append(
                Leave(
                    **base,
                    recorded_by=worker,
                    destination=dest,
                    reason=reason,
                    start=start,
                    end=end,
                    status=codes.LeaveStatus.RETURNED,
                    decided_by=director,
                    decided_at=self.dt(asked + datetime.timedelta(days=1)),
                    returned_on=end,
                    created_at=self.dt(asked),
                )
            )
            event(
                asked,
                E.LEAVE,
                _("Leave requested: %(dest)s, %(start)s to %(end)s") % {"dest": dest, "start": start, "end": end},
            )
            event(asked + datetime.timedelta(days=1), E.LEAVE, f"{codes.LeaveStatus.APPROVED.label}：{dest}")
            at = self.dt(end, 16)
            rows[Contact].append((*key, REPORT_IN_PERSON, end, "", self.text["back"], at))
            event(end, E.LEAVE, _("Back from leave on %(day)s") % {"day": end}, at)
        segments = []
        for i, (day, level, _r, _k) in enumerate(p.levels):
            seg_end = p.levels[i + 1][0] if i + 1 < len(p.levels) else until + datetime.timedelta(days=1)
            segments.append((max(day, reported), seg_end, level))
        last_report = reported
        last_visit = reported - datetime.timedelta(days=rng.randint(0, 20))
        for seg_start, seg_end, level in segments:
            day = max(seg_start, reported + datetime.timedelta(days=1))
            while day < seg_end and day <= until:
                if p.quiet and p.quiet[0] <= day <= p.quiet[1]:
                    day += datetime.timedelta(days=1)
                    continue
                if p.quiet and day == p.quiet[0] - datetime.timedelta(days=1):
                    # Reported in person the day before leaving.
                    self.contact(rows, key, p, day, codes.ContactKind.REPORT_IN_PERSON, event)
                    last_report = day
                    day += datetime.timedelta(days=1)
                    continue
                if (day - last_report).days >= level.report_days - rng.randint(0, 2):
                    kind = rng.choices(codes.REPORT_KINDS, weights=(45, 35, 20))[0]
                    self.contact(rows, key, p, day, kind, event)
                    last_report = day
                elif (day - last_visit).days >= level.visit_days - rng.randint(0, 5):
                    self.contact(rows, key, p, day, codes.ContactKind.VISIT, event)
                    last_visit = day
                day += datetime.timedelta(days=1)
        # Education and public-interest hours, once a month each.
        month = reported.replace(day=1)
        while month <= until:
            for kind, contents in (
                (codes.ActivityKind.EDUCATION, EDUCATION),
                (codes.ActivityKind.PUBLIC_INTEREST, PUBLIC_INTEREST),
            ):
                if kind == codes.ActivityKind.PUBLIC_INTEREST and p.category == C.MEDICAL_PAROLE:
                    continue  # ill or nursing: excused
                day = month + datetime.timedelta(days=rng.randint(0, 27))
                if day < reported or day > until or (p.quiet and p.quiet[0] <= day <= p.quiet[1]):
                    continue
                hours = rng.choice(["2", "2", "2.5", "3", "4"])
                at = self.dt(day)
                rows[Activity].append((*key, str(kind), day, HOURS[hours], rng.choice(contents), at))
                event(day, E.ACTIVITY, f"{self.text[kind]} {hours}h {day}", at)
            month = add_months(month, 1)
        if p.ended_on:
            event(p.ended_on, E.ENDED, f"{codes.EndKind(p.end_kind).label} {p.ended_on}", self.dt(p.ended_on, 17, 30))

    def contact(self, rows, key, p, day, kind, event):
        rng = self.rng
        if kind == codes.ContactKind.VISIT:
            place, note = rng.choice(VISIT_PLACES), rng.choice(VISIT_NOTES)
        else:
            place = f"{p.office.short_name}司法所" if kind == codes.ContactKind.REPORT_IN_PERSON else ""
            note = rng.choice(REPORT_NOTES[kind])
        at = self.dt(day)
        rows[Contact].append((*key, str(kind), day, place, note, at))
        event(day, E.CONTACT, f"{self.text[kind]} {day}", at)

    # --- the whole register ------------------------------------------------------------------------

    def register(self, counts: dict[int, int]) -> list[Plan]:
        ctx = self.ctx
        city_ids = {o.pk for o in self.city_offices}
        # Terms that ran out in the last days, released today through the service.
        ending = {o.pk: n for o, n in zip(self.city_offices, (2, 1), strict=False)}
        all_plans = []
        for office in ctx.offices:
            detailed = office.pk in city_ids
            villages = ctx.villages_by_office.get(office.pk, [])
            workers = self.workers.get(office.pk, [])
            n_open = counts[office.pk]
            n_ended = round(n_open * ENDED_SHARE)
            n_pending = max(1, round(n_open * 0.012)) if detailed else (1 if self.rng.random() < 0.2 else 0)
            n_ending = ending.get(office.pk, 0)
            kinds = ["open"] * (n_open - n_pending - n_ending) + ["ending"] * n_ending + ["pending"] * n_pending
            kinds += ["ended"] * n_ended
            plans = []
            for i, kind in enumerate(kinds):
                worker = workers[i % len(workers)] if workers else None
                plans.append(self.plan(office, villages, worker, kind, detailed))
            all_plans += plans
        return all_plans

    # --- scenarios through the services (the demo city) --------------------------------------------

    def mark(self) -> int:
        return SubjectEvent.objects.aggregate(m=Max("pk"))["m"] or 0


# What backs each ground of article 29 in the file (the sanction recorded before the request) and the
# facts the request states.
GROUNDS = {
    codes.Ground.BAN_VIOLATION: (
        codes.RewardKind.WARNING,
        "违反禁止令进入娱乐场所",
        "{day}晚违反禁止令进入娱乐场所，经调取监控查证属实，已给予警告。",
    ),
    codes.Ground.LEFT_AREA: (
        codes.RewardKind.WARNING,
        "未经批准离开所居住的县（市）",
        "{day}未经批准擅自离开江阴市前往外地，且无正当理由，已给予警告。",
    ),
    codes.Ground.REFUSED_REPORT: (
        codes.RewardKind.WARNING,
        "拒不按要求报告本人活动情况",
        "多次拒不按要求报告本人活动情况，{day}经书面警告后仍不改正。",
    ),
    codes.Ground.SECURITY_PENALTY: (
        codes.RewardKind.SECURITY_PENALTY,
        "违反监督管理规定，提请公安机关给予治安管理处罚",
        "因违反监督管理规定，{day}被公安机关处以治安管理处罚。",
    ),
    codes.Ground.REVOCATION: (
        codes.RewardKind.WARNING,
        "多次违反监督管理规定，经警告仍不改正",
        "矫正期间多次违反监督管理规定，{day}再次受到警告，拟提请撤销缓刑。",
    ),
}
CROSSINGS = {  # role: [(days before today, from hour, to hour, destination)]
    "x_zjg": [(1, 10.5, 14.0, "zjg")],
    "x_jj": [(2, 13.0, 17.5, "jj")],
    "x_cz": [(3, 9.0, 12.5, "cz"), (1, 14.0, 17.0, "cz")],
    "x_wx": [(2, 19.0, 20.85, "wx")],
}
TRACK_ROLES = [
    "x_zjg",
    "x_jj",
    "x_cz",
    "x_wx",
    "banned",
    "battery",
    "tamper",
    "co1",
    "co2",
    "silent",
    "ended_early",
    "extend",
    "leave_trip",
]
BANNED_PLACES = ["金色年华KTV", "星光酒吧", "夜色迪厅", "极速网吧"]
M_PER_DEG_LAT = 110_574.0


def _offset(lat, lon, north_m, east_m):
    return lat + north_m / M_PER_DEG_LAT, lon + east_m / (111_320.0 * math.cos(math.radians(lat)))


class Scenes:
    """The demo city's stories told through the services: what a real month leaves behind."""

    SERVICE_ROLES = ("register", "missed")

    def __init__(self, seeder: Seeder, plans: list[Plan]):
        self.s = seeder
        self.rng = seeder.rng
        self.today = seeder.today
        self.plans = [p for p in plans if p.detailed]
        self.taken: set[int] = set()
        self.by_role: dict[str, list[Plan]] = {}
        self.crossings = 0
        self.fixes = 0
        self.inner = geo.prepare(COUNTY, buffer_m=1500, banned=True)  # well inside the county

    # --- choosing the subjects ---------------------------------------------------------------------

    def assign(self, role, plans):
        for p in plans:
            p.role = role
            self.taken.add(id(p))
        self.by_role.setdefault(role, []).extend(plans)

    def simple(self, p: Plan, level=None):
        p.levels = [(p.registered_on, level or self.s.regular, _("Level on registration"), "")]

    def active(self, reported_days=40, left_days=100, office=None):
        today = self.today

        def test(p):
            return (
                p.status == S.ACTIVE
                and not p.role
                and (today - p.reported_on).days > reported_days
                and (p.period_end - today).days > left_days
                and (office is None or p.office.name in office)
            )

        return test

    def choose(self, n, test, prefer=None):
        return _choose(self.plans, self.rng, n, test=test, prefer_office=prefer, taken=self.taken)

    def prepare(self):
        """Choose the subjects of each story and shape their plans before the register is written."""
        if not self.plans:
            return
        rng, today, s = self.rng, self.today, self.s
        first = s.city_offices[0].pk  # 澄江, whose social worker is the printed demo login
        for p in self.plans:
            if p.role == "ending":
                self.taken.add(id(p))
                self.by_role.setdefault("ending", []).append(p)
        pending = sorted((p for p in self.plans if p.status == S.PENDING), key=lambda p: p.office.pk != first)
        self.assign("register", pending)
        for p in pending[:5]:  # 漏管: still not reported, past the 10-day deadline
            p.role = "missed"
            p.judgment_on = today - datetime.timedelta(days=rng.randint(12, 30))
            p.period_start = p.judgment_on + datetime.timedelta(days=0 if p.category == C.PROBATION else 1)
            p.period_end = add_months(p.period_start, p.months) - datetime.timedelta(days=1)
            p.registered_on = p.judgment_on + datetime.timedelta(days=rng.randint(1, 3))
        lost_days = s.regular.lost_contact_days
        lost = self.choose(6, self.active(70, 40), prefer=first)
        for p in lost:  # 脱管
            self.simple(p)
            p.contact_until = today - datetime.timedelta(days=lost_days + rng.randint(2, 25))
        self.assign("lost", lost)
        at_large = self.choose(2, self.active(70, 60))
        for p in at_large:
            self.simple(p)
            p.contact_until = today - datetime.timedelta(days=lost_days + rng.randint(8, 15))
        self.assign("at_large", at_large)
        found = self.choose(1, self.active(70, 60))
        for p in found:
            self.simple(p)
            p.contact_until = today - datetime.timedelta(days=14)
        self.assign("found", found)
        leaves = self.choose(6, self.active(30, 40), prefer=first)
        specs = [
            ("overdue", -9, -4),
            ("overdue", -12, -5),
            ("current", -2, 3),
            ("returned", -12, -9),
            ("requested", 5, 8),
            ("refused", 3, 4),
        ]
        for p, (kind, a, b) in zip(leaves, specs, strict=False):
            start, end = today + datetime.timedelta(days=a), today + datetime.timedelta(days=b)
            p.extra["leave"] = (kind, start, end)
            self.simple(p)
            if kind in ("overdue", "current"):
                p.quiet = (start, today)
            elif kind == "returned":
                p.quiet = (start, end)
        self.assign("leave", leaves)

        def unrewarded(p):
            return not any(k for *_x, k in p.levels) and p.levels[-1][0] < today - datetime.timedelta(days=10)

        self.assign(
            "praise",
            self.choose(2, lambda p: self.active(120, 60)(p) and unrewarded(p) and p.levels[-1][1] != s.lenient),
        )
        warn = self.choose(1, self.active(60, 60))
        for p in warn:
            self.simple(p)
        self.assign("warn", warn)
        self.assign(
            "relax",
            self.choose(1, lambda p: self.active(120, 60)(p) and unrewarded(p) and p.levels[-1][1] == s.regular),
        )
        revoke = self.choose(1, self.active(150, 30))
        for p in revoke:
            self.simple(p)
            p.quiet = (today - datetime.timedelta(days=1), today)
        self.assign("revoke", revoke)
        self.prepare_positioning(first)
        # The printed demo login (the first office's first social worker) carries that office's stories.
        login = (s.workers.get(first) or [None])[0]
        for p in self.plans:
            if p.role and p.office.pk == first and login is not None:
                p.worker = login

    def prepare_positioning(self, first):
        rng, today, s = self.rng, self.today, self.s
        open_count = sum(1 for p in self.plans if p.status in codes.OPEN_STATUSES)
        n_plain = max(4, round(open_count * 0.012))
        roles = {}
        for role in ("x_zjg", "x_jj", "x_cz", "x_wx"):
            key = role[2:]
            towns = OUTSIDE[key][3]
            chosen = self.choose(1, self.active(40, 100, office=towns)) or self.choose(1, self.active(40, 100))
            roles[role] = chosen
        wx_towns = OUTSIDE["wx"][3]
        roles["leave_trip"] = self.choose(1, self.active(40, 100, office=wx_towns)) or self.choose(
            1, self.active(40, 100)
        )
        for role in ("banned", "battery", "tamper", "silent", "ended_early", "extend"):
            roles[role] = self.choose(1, self.active(40, 100), prefer=first if role in ("banned", "tamper") else None)

        def prison_probation(p):
            return self.active(40, 100)(p) and p.category == C.PROBATION and p.sentence.startswith("有期徒刑")

        co1 = self.choose(1, prison_probation)
        co2 = self.choose(1, self.active(40, 100, office=(co1[0].office.name,))) if co1 else []
        if co1 and co2:
            # Convicted together of running a gambling den; the accomplice got the lighter sentence.
            a, b = co1[0], co2[0]
            a.offence = b.offence = "开设赌场罪"
            b.category, b.months = a.category, a.months
            b.sentence = f"有期徒刑{_term(min(12, a.months))}，缓刑{_term(a.months)}，并处罚金人民币三万元"
            b.prohibition = a.prohibition
            for attr in ("organ", "decision_number", "judgment_on", "period_start", "period_end", "registered_on"):
                setattr(b, attr, getattr(a, attr))
            b.reported_on = a.reported_on + datetime.timedelta(days=rng.randint(0, 2))
            roles["co1"], roles["co2"] = co1, co2
        roles["plain"] = self.choose(n_plain, self.active(40, 100))
        roles["requested"] = self.choose(3, self.active(20, 100))
        roles["refused"] = self.choose(1, self.active(20, 100))
        others = [
            codes.Ground.REFUSED_REPORT,
            codes.Ground.SECURITY_PENALTY,
            codes.Ground.REVOCATION,
            codes.Ground.LEFT_AREA,
            codes.Ground.BAN_VIOLATION,
        ]
        k = 0
        for role, plans in roles.items():
            for p in plans:
                if role.startswith("x_") or role == "leave_trip":
                    ground = codes.Ground.LEFT_AREA
                elif role == "banned":
                    ground = codes.Ground.BAN_VIOLATION
                else:
                    ground = others[k % len(others)]
                    k += 1
                if ground == codes.Ground.BAN_VIOLATION:
                    p.prohibition = BANS[0]
                if role in ("requested", "refused"):
                    days = 0
                elif role == "x_cz":
                    days = rng.randint(4, 8)
                elif role == "extend":
                    days = 8
                else:
                    days = rng.randint(3, 8)
                kind, reason, _facts = GROUNDS[ground]
                sanction = today - datetime.timedelta(days=days + rng.randint(2, 8))
                self.simple(p)
                p.levels.append((sanction, s.strict, reason, kind))
                p.extra.update(ground=ground, days=days, sanction=sanction)
                if role == "leave_trip":
                    trip = today - datetime.timedelta(days=2)
                    p.quiet = (trip, trip)
                self.assign(role, [p])

    # --- the stories -------------------------------------------------------------------------------

    def call(self, moment, subjects, fn, **kwargs):
        """Run a service and date the timeline entries it wrote to `moment`."""
        mark = self.s.mark()
        result = fn(**kwargs)
        SubjectEvent.objects.filter(pk__gt=mark, subject__in=[x.pk for x in subjects]).update(
            at=moment, created_at=moment
        )
        return result

    def act(self, p: Plan, day, fn, **kwargs):
        """The subject's social worker (or the director) runs a service on `p`'s subject, dated `day`."""
        return self.call(self.s.dt(day), [p.subject], fn, actor=self.worker(p), subject=p.subject, **kwargs)

    def worker(self, p: Plan):
        return p.worker or self.s.directors.get(p.office.pk)

    def run(self):
        if not self.plans:
            return
        self.register_pending()
        self.leaves()
        self.rewards()
        self.endings()
        self.at_large_found()
        self.positioning()
        swept = sweeps.sweep_register()
        self.declare_at_large()
        swept["signal_lost"] = sweeps.sweep_signal()
        self.restamp_alerts()
        self.lifecycle()
        self.escalate()
        self.s.ctx.log(f"  sweeps: {swept}")
        self.s.ctx.corrections_demo = {"crossings": self.crossings, "fixes": self.fixes}

    def register_pending(self):
        s = self.s
        for p in self.by_role.get("register", []):
            moment = s.dt(p.registered_on)
            data = {
                "name": p.name,
                "gender": p.gender,
                "id_number": p.id_number,
                "phone": p.phone,
                "address": p.address,
                "category": p.category,
                "offence": p.offence,
                "sentence": p.sentence,
                "period_start": p.period_start,
                "period_end": p.period_end,
                "deciding_organ": p.organ,
                "judgment_effective_on": p.judgment_on,
                "decision_number": p.decision_number,
                "prohibition_order": p.prohibition,
            }
            mark = s.mark()
            subject = services.subject_register(actor=self.worker(p), org=p.org, worker=p.worker, **data)
            SubjectEvent.objects.filter(pk__gt=mark, subject=subject).update(at=moment, created_at=moment)
            LevelChange.objects.filter(subject=subject).update(on=p.registered_on, created_at=moment)
            Subject.objects.filter(pk=subject.pk).update(created_at=moment)
            p.subject = subject

    def leaves(self):
        s, rng, today = self.s, self.rng, self.today
        for p in self.by_role.get("leave", []):
            kind, start, end = p.extra["leave"]
            subject, worker, director = p.subject, self.worker(p), s.directors.get(p.office.pk)
            dest, reason = rng.choice(LEAVE_TRIPS)
            asked = min(today, start - datetime.timedelta(days=rng.randint(2, 5)))
            leave = self.call(
                s.dt(asked),
                [subject],
                services.leave_request,
                actor=worker,
                subject=subject,
                destination=dest,
                reason=reason,
                start=start,
                end=end,
            )
            Leave.objects.filter(pk=leave.pk).update(created_at=s.dt(asked))
            if kind == "requested":
                continue
            decided = min(today, asked + datetime.timedelta(days=1))
            note = "外出理由不充分，且近期有未按时报到情形，不予批准。" if kind == "refused" else "同意，按时销假。"
            self.call(
                s.dt(decided),
                [subject],
                services.leave_decide,
                actor=director,
                leave=leave,
                approve=kind != "refused",
                note=note,
            )
            Leave.objects.filter(pk=leave.pk).update(decided_at=s.dt(decided))
            if kind == "returned":
                self.call(s.dt(end), [subject], services.leave_return, actor=worker, leave=leave, returned_on=end)

    def rewards(self):
        s, rng, today = self.s, self.rng, self.today
        year = today.year
        for p in self.by_role.get("praise", []):
            day = today - datetime.timedelta(days=3)
            self.act(
                p,
                day,
                services.reward_record,
                kind=codes.RewardKind.PRAISE,
                on=day,
                reason=rng.choice(PRAISES),
                document_number=f"江司矫奖〔{year}〕{s.serial('rs' + str(year))}号",
            )
        for p in self.by_role.get("warn", []):
            day = today - datetime.timedelta(days=4)
            self.act(
                p,
                day,
                services.reward_record,
                kind=codes.RewardKind.WARNING,
                on=day,
                reason="未按规定时间报到，经教育后认识到错误",
                document_number=f"江司矫惩〔{year}〕{s.serial('rs' + str(year))}号",
            )
            day = today - datetime.timedelta(days=1)
            self.act(
                p,
                day,
                services.contact_record,
                kind=codes.ContactKind.REPORT_IN_PERSON,
                on=day,
                place=f"{p.office.short_name}司法所",
                note="受到警告后按要求到所报告，表示今后按时报到。",
            )
        for p in self.by_role.get("relax", []):
            day = today - datetime.timedelta(days=2)
            self.act(
                p,
                day,
                services.level_change,
                level=s.lenient,
                reason="矫正表现良好，经评估调整为宽管",
                on=day,
            )

    def endings(self):
        s, today = self.s, self.today
        year = today.year
        for p in self.by_role.get("ending", []):
            self.act(
                p,
                today,
                services.subject_end,
                kind=codes.EndKind.EXPIRED,
                on=today,
                document_on=today,
                document_number=f"江司矫解〔{year}〕{s.serial('jie' + str(year))}号",
            )
        for p in self.by_role.get("revoke", []):
            day = today - datetime.timedelta(days=12)
            self.act(
                p,
                day,
                services.reward_record,
                kind=codes.RewardKind.REVOCATION,
                on=day,
                reason="多次违反监督管理规定，经警告仍不改正，提请撤销缓刑",
                document_number=f"江司矫惩〔{year}〕{s.serial('rs' + str(year))}号",
            )
            day = today - datetime.timedelta(days=1)
            self.act(
                p,
                day,
                services.subject_end,
                kind=codes.EndKind.REVOKED,
                on=day,
                document_on=day,
                document_number=f"（{year}）苏0281刑更{s.serial('geng')}号",
            )

    def at_large_found(self):
        today = self.today
        for p in self.by_role.get("found", []):
            since, back = today - datetime.timedelta(days=9), today - datetime.timedelta(days=2)
            self.act(
                p,
                since,
                services.subject_at_large,
                since=since,
                note="电话关机，走访住所未见本人，家属称其外出打工未告知去向",
            )
            self.act(
                p,
                back,
                services.subject_found,
                on=back,
                note="经公安机关协助查找，本人到司法所报到，已进行训诫教育",
            )

    def declare_at_large(self):
        rng, today = self.rng, self.today
        for p in self.by_role.get("at_large", []):
            since = today - datetime.timedelta(days=rng.randint(3, 6))
            self.act(
                p,
                since,
                services.subject_at_large,
                since=since,
                note="多次电话无法联系，走访住所未见本人，已通报公安机关协助查找",
            )

    # --- positioning -------------------------------------------------------------------------------

    def positioning(self):
        s, rng, today = self.s, self.rng, self.today
        co = self.by_role.get("co1", []) + self.by_role.get("co2", [])
        if len(co) == 2:
            self.call(
                s.dt(co[1].reported_on),
                [p.subject for p in co],
                services.co_offender_link,
                actor=self.worker(co[0]),
                subject=co[0].subject,
                other=co[1].subject,
            )
        tracks = []
        n = 0
        for role in [*TRACK_ROLES, "plain", "requested", "refused"]:
            for p in self.by_role.get(role, []):
                n += 1
                made = self.measure(p, role, n)
                if made is not None:
                    tracks.append(Track(self, p, role, *made))
        for p in self.by_role.get("leave_trip", []):
            day = today - datetime.timedelta(days=2)
            dest = OUTSIDE["wx"][0]
            asked = day - datetime.timedelta(days=3)
            leave = self.act(
                p,
                asked,
                services.leave_request,
                destination=dest,
                reason="到无锡市人民医院复诊",
                start=day,
                end=day,
            )
            self.call(
                s.dt(asked + datetime.timedelta(days=1)),
                [p.subject],
                services.leave_decide,
                actor=s.directors.get(p.office.pk),
                leave=leave,
                approve=True,
                note="同意，当日往返",
            )
            self.call(
                s.dt(day, 18), [p.subject], services.leave_return, actor=self.worker(p), leave=leave, returned_on=day
            )
        # Co-offenders meet half-way between their homes.
        co_tracks = [t for t in tracks if t.role in ("co1", "co2")]
        if len(co_tracks) == 2:
            a, b = co_tracks
            b.home = self.place_near(a.home, 4500, min_m=3500)
            a.work = b.work = None
            a.market = self.place_near(a.home, 600)
            b.market = self.place_near(b.home, 600)
            meet = ((a.home[0] + b.home[0]) / 2, (a.home[1] + b.home[1]) / 2)
            for t in co_tracks:
                t.window(1, 14.0, 15.2, meet, travel=900, sigma=8)
        for t in tracks:
            if t.role == "banned":
                centre = t.banned_place()
                services.fence_save(
                    actor=s.directors.get(t.plan.office.pk),
                    org=t.plan.org,
                    kind=codes.FenceKind.BANNED,
                    name=f"{rng.choice(BANNED_PLACES)}（禁止令）",
                    polygon=geo.circle(centre[0], centre[1], 150),
                    subject=t.plan.subject,
                )
        services._bump_generation()
        # The ingest cache is keyed on the generation counter, which a rolled-back transaction (an
        # earlier failed seed or test in this process) winds back: start from an empty cache.
        dmap = device_map()
        with dmap.lock:
            dmap.generation = -1
        fixes = []
        for t in tracks:
            fixes += t.fixes()
        fixes.sort(key=lambda f: f["time"])
        stored = refused = 0
        for i in range(0, len(fixes), MAX_BATCH):
            result = ingest(token=None, body={"fixes": fixes[i : i + MAX_BATCH]})
            stored += result.stored
            refused += len(result.refused)
        if fixes:  # a gateway that timed out sends its last batch again: nothing is stored twice
            result = ingest(token=None, body={"fixes": fixes[-300:]})
            refused += len(result.refused)
        self.fixes = stored
        s.ctx.log(f"  positioning: {len(tracks)} tracked measures, {stored} fixes stored, {refused} refused")
        if refused:
            s.ctx.log("  WARNING: the ingest refused demo fixes; check the measures' windows")
        self.crossings = sum(len(CROSSINGS[t.role]) for t in tracks if t.role in CROSSINGS)
        for t in tracks:
            director = s.directors.get(t.plan.office.pk)
            if t.role == "ended_early":
                self.call(
                    s.dt(today),
                    [t.plan.subject],
                    services.measure_end,
                    actor=director,
                    measure=t.measure,
                    on=today,
                    reason="经评估，对象已认识错误并按规定报告，无继续采取电子定位措施的必要",
                )
            elif t.role == "extend":
                end = min(t.measure.end + datetime.timedelta(days=60), t.plan.period_end)
                self.call(
                    s.dt(today),
                    [t.plan.subject],
                    services.measure_extend,
                    actor=director,
                    measure=t.measure,
                    end=end,
                    reassessment="经重新评估：对象近期仍有不按规定报告活动情况的情形，擅自离开县域的风险"
                    "未消除，需继续采取电子定位措施。",
                )
        # Spare devices in the first office's cabinet.
        office = s.city_offices[0]
        for k in range(3):
            services.device_register(
                actor=s.directors.get(office.pk),
                org=office,
                identifier=f"WD-SPARE-{k + 1:03d}",
                kind=codes.DeviceKind.WRISTBAND,
                vendor=VENDORS[0],
            )

    def measure(self, p: Plan, role: str, n: int):
        s, rng, today = self.s, self.rng, self.today
        subject, director = p.subject, s.directors.get(p.office.pk)
        ground, days, sanction = p.extra["ground"], p.extra["days"], p.extra["sanction"]
        facts = GROUNDS[ground][2].format(day=f"{sanction.year}年{sanction.month}月{sanction.day}日")
        if role in ("requested", "refused"):
            start = today + datetime.timedelta(days=rng.randint(0, 2))
            end = min(start + datetime.timedelta(days=rng.randint(45, 85)), add_months(start, 3), p.period_end)
            asked = s.dt(today)
            measure = self.call(
                asked,
                [subject],
                services.measure_request,
                actor=director,
                subject=subject,
                ground=ground,
                facts=facts,
                start=start,
                end=end,
                interval_seconds=600,
            )
            PositioningMeasure.objects.filter(pk=measure.pk).update(created_at=asked)
            if role == "refused":
                self.call(
                    asked,
                    [subject],
                    services.measure_decide,
                    actor=s.head,
                    measure=measure,
                    approve=False,
                    note="现有事实不足以认定拒不报告，建议加强日常监督管理后再行评估。",
                )
            return None
        start = today - datetime.timedelta(days=days)
        if role == "extend":
            end = today + datetime.timedelta(days=4)
        else:
            end = min(add_months(start, 3), start + datetime.timedelta(days=rng.randint(50, 88)))
        end = min(end, p.period_end)
        interval = 300 if days <= 3 and role != "battery" else 600
        asked = s.dt(start - datetime.timedelta(days=2))
        decided = s.dt(start - datetime.timedelta(days=1))
        measure = self.call(
            asked,
            [subject],
            services.measure_request,
            actor=director,
            subject=subject,
            ground=ground,
            facts=facts,
            start=today,
            end=end,
            interval_seconds=interval,
        )
        measure = self.call(
            decided,
            [subject],
            services.measure_decide,
            actor=s.head,
            measure=measure,
            approve=True,
            note="经审查，符合《社区矫正法》第二十九条规定情形，同意采取电子定位措施。",
        )
        wristband = role != "co2" and rng.random() < 0.75
        imei = "86" + "".join(str(rng.randint(0, 9)) for _i in range(13))
        device = services.device_register(
            actor=director,
            org=p.office,
            identifier=f"WD{today:%y}{n:03d}{imei[-5:]}" if wristband else f"SJ{imei[-10:]}",
            kind=codes.DeviceKind.WRISTBAND if wristband else codes.DeviceKind.PHONE,
            imei=imei,
            phone_number="" if wristband else p.phone,
            vendor=rng.choice(VENDORS),
        )
        # Fitted the afternoon the measure was approved; it takes effect at midnight.
        bound = min(
            decided + datetime.timedelta(hours=2), datetime.datetime.combine(start, datetime.time.min, tzinfo=s.tz)
        )
        self.call(bound, [subject], services.device_bind, actor=director, device=device, measure=measure)
        PositioningMeasure.objects.filter(pk=measure.pk).update(start=start, created_at=asked, decided_at=decided)
        Device.objects.filter(pk=device.pk).update(bound_at=bound)
        DeviceBinding.objects.filter(device=device, measure=measure).update(bound_at=bound, created_at=bound)
        SubjectEvent.objects.filter(subject=subject, kind=E.MEASURE, at=asked).update(
            text=_("Positioning requested (%(ground)s), %(start)s to %(end)s")
            % {"ground": measure.get_ground_display(), "start": start, "end": end}
        )
        measure.start = start
        return measure, device, interval

    def place_near(self, centre, radius_m, min_m=0.0):
        """A point within `radius_m` of `centre`, well inside the county."""
        rng = self.rng
        for _i in range(500):
            angle, r = rng.uniform(0, 2 * math.pi), rng.uniform(min_m, radius_m)
            lat, lon = _offset(centre[0], centre[1], r * math.sin(angle), r * math.cos(angle))
            if self.inner.inside(np.array([lat]), np.array([lon]))[0]:
                return lat, lon
        return centre

    # --- alerts ------------------------------------------------------------------------------------

    def restamp_alerts(self):
        """Date each alert to when a sweep running every minute, or the live stream, would have raised it."""
        s, rng = self.s, self.rng
        pol = s.pol
        self.alerts = list(Alert.objects.filter(raised_at__gte=s.now).select_related("measure", "subject"))
        for a in self.alerts:
            d = a.details or {}
            kind = a.kind
            if kind == codes.AlertKind.MISSED_INTAKE:
                day = datetime.date.fromisoformat(d["deadline"]) + datetime.timedelta(days=1)
            elif kind == codes.AlertKind.LOST_CONTACT and d.get("last_contact_on") not in (None, "None"):
                day = datetime.date.fromisoformat(d["last_contact_on"]) + datetime.timedelta(days=d["days"] + 1)
            elif kind == codes.AlertKind.LEAVE_OVERDUE:
                day = datetime.date.fromisoformat(d["end"]) + datetime.timedelta(days=1)
            else:
                day = None
            if day is not None:
                moment = datetime.datetime.combine(day, datetime.time(0, rng.randint(1, 3)), tzinfo=s.tz)
            elif kind == codes.AlertKind.SIGNAL_LOST and a.first_at:
                moment = a.first_at + datetime.timedelta(minutes=pol.signal_lost_minutes, seconds=rng.randint(5, 60))
            elif kind in (codes.AlertKind.OUT_OF_AREA, codes.AlertKind.BANNED_PLACE) and a.first_at and a.measure:
                moment = a.first_at + datetime.timedelta(
                    seconds=(pol.fence_consecutive - 1) * a.measure.interval_seconds + rng.randint(5, 40)
                )
            elif a.first_at:
                moment = a.first_at + datetime.timedelta(seconds=rng.randint(5, 40))
            else:
                continue
            moment = min(moment, timezone.now())
            Alert.objects.filter(pk=a.pk).update(raised_at=moment)
            AlertEvent.objects.filter(alert=a, step="raised").update(at=moment)
            SubjectEvent.objects.filter(subject_id=a.subject_id, kind=E.ALERT, at=a.raised_at).update(
                at=moment, created_at=moment
            )
            a.raised_at = moment

    def lifecycle(self):
        """The social workers take some alerts through acknowledge → handle → close."""
        today = self.today
        by_kind: dict[str, list[Alert]] = {}
        for a in sorted(self.alerts, key=lambda a: (a.raised_at, a.pk)):
            by_kind.setdefault(a.kind, []).append(a)
        K = codes.AlertKind
        lost_roles = {p.subject.pk: p.role for p in self.by_role.get("lost", []) + self.by_role.get("at_large", [])}
        steps: list[tuple[Alert, list]] = []
        for i, a in enumerate(by_kind.get(K.MISSED_INTAKE, [])):
            if i == 0:
                steps.append((a, [("ack", "已电话联系本人及家属，告知须立即到司法所报到")]))
            elif i == 1:
                steps.append(
                    (
                        a,
                        [
                            ("ack", "本人电话无法接通，已联系户籍地村委会"),
                            (
                                "handle",
                                "函告原判法院核实法律文书送达情况，通报派出所协助查找",
                                "已查明本人在外地务工，已责令三日内返回报到",
                            ),
                        ],
                    )
                )
        lost = [a for a in by_kind.get(K.LOST_CONTACT, []) if lost_roles.get(a.subject_id) == "lost"]
        for i, a in enumerate(lost[:-1]):  # the last one nobody took up: it gets escalated
            steps.append((a, [("ack", "已多次电话联系本人未果，安排入户查找")]))
            if i < 2:
                steps.append((a, [("contact",)]))
            if i == 0:
                steps.append((a, [("close", "本人已恢复按时报告")]))
        for a in by_kind.get(K.LOST_CONTACT, []):
            if lost_roles.get(a.subject_id) == "at_large":
                steps.append(
                    (
                        a,
                        [
                            ("ack", "多次联系未果，已报告公安机关协助查找"),
                            ("handle", "宣告在逃，通报公安机关追查", "已列入在逃人员名单，持续追查"),
                        ],
                    )
                )
        for a in by_kind.get(K.LEAVE_OVERDUE, [])[:1]:
            steps.append((a, [("ack", "电话联系本人，称因病滞留外地，已要求其尽快返回并提供病历")]))
        for i, a in enumerate(by_kind.get(K.OUT_OF_AREA, [])):
            handle = (
                "handle",
                "电话核实，本人承认未经批准离开县域，已责令立即返回",
                "本人当日返回，已予训诫，拟给予警告",
            )
            if i == 0:
                steps.append((a, [("ack", "已电话联系本人"), handle, ("close", "已训诫并记录在案")]))
            elif i == 1:
                steps.append((a, [("ack", "已电话联系本人"), handle]))
            elif i == 2:
                steps.append((a, [("ack", "正在联系本人核实去向")]))
        for a in by_kind.get(K.BANNED_PLACE, []):
            steps.append(
                (
                    a,
                    [
                        ("ack", "电话责令立即离开"),
                        ("handle", "次日约谈本人，核实违反禁止令情况", "本人承认进入娱乐场所，已给予警告"),
                    ],
                )
            )
        for a in by_kind.get(K.LOW_BATTERY, []):
            steps.append((a, [("handle", "短信及电话提醒本人及时充电", "已充电，设备恢复正常"), ("close", "")]))
        for a in by_kind.get(K.TAMPER, []):
            steps.append((a, [("ack", "立即电话联系本人，派员上门核查设备佩戴情况")]))
        for a in by_kind.get(K.CO_OFFENDERS, [])[:1]:
            steps.append((a, [("ack", "已核实两人聚集地点，安排次日分别谈话")]))
        for a, todo in steps:
            self.alert_steps(a, todo, today)

    def alert_steps(self, a: Alert, todo, today):
        s, rng = self.s, self.rng
        subject = Subject.objects.get(pk=a.subject_id)
        actor = subject.worker or s.directors.get(subject.office_id)
        moment = a.raised_at
        now = timezone.now()
        for step in todo:
            if step[0] == "contact":
                services.contact_record(
                    actor=actor,
                    subject=subject,
                    kind=codes.ContactKind.VISIT,
                    on=today,
                    place="家中",
                    note="入户找到本人，已训诫教育并责令按时报告",
                )
                continue
            a.refresh_from_db()
            gap = {"ack": (10, 90), "handle": (60, 360), "close": (180, 1440)}[step[0]]
            moment = min(moment + datetime.timedelta(minutes=rng.randint(*gap)), now - datetime.timedelta(seconds=30))
            if step[0] == "ack":
                services.alert_acknowledge(actor=actor, alert=a, note=step[1])
                Alert.objects.filter(pk=a.pk).update(acknowledged_at=moment)
                name = "acknowledged"
            elif step[0] == "handle":
                services.alert_handle(actor=actor, alert=a, action_taken=step[1], result=step[2])
                fields = {"handled_at": moment}
                if a.acknowledged_at is None:
                    fields["acknowledged_at"] = moment
                Alert.objects.filter(pk=a.pk).update(**fields)
                name = "handled"
            else:
                services.alert_close(actor=actor, alert=a, note=step[1])
                Alert.objects.filter(pk=a.pk).update(closed_at=max(moment, a.handled_at or moment))
                name = "closed"
            AlertEvent.objects.filter(alert=a, step=name, actor=actor).update(at=moment)

    def escalate(self):
        s = self.s
        sweeps.escalate()
        hours = datetime.timedelta(hours=s.pol.escalate_after_hours)
        for a in Alert.objects.filter(escalated_at__isnull=False):
            moment = min(a.raised_at + hours, timezone.now())
            Alert.objects.filter(pk=a.pk).update(escalated_at=moment)
            AlertEvent.objects.filter(alert=a, step="escalated").update(at=moment)


class Track:
    """A synthetic day-by-day track of one subject under a measure: home at night, work or the
    market by day, a few wanderings the story asks for (a trip out of the county, a banned place, a
    meeting), one fix per interval with GPS jitter, a battery charged every evening."""

    def __init__(self, scenes: Scenes, plan: Plan, role: str, measure, device, interval: int):
        self.sc, self.plan, self.role = scenes, plan, role
        self.measure, self.device, self.interval = measure, device, interval
        rng = scenes.rng
        self.rng = rng
        self.tz = scenes.s.tz
        self.now = time.time()
        self.offset = scenes.s.now.astimezone(self.tz).utcoffset().total_seconds()
        centre = TOWN_CENTRES.get(plan.office.name, (31.85, 120.30))
        self.home = scenes.place_near(centre, 1800)
        self.work = scenes.place_near(self.home, 3500, min_m=700) if rng.random() < 0.7 else None
        self.market = scenes.place_near(self.home, 700)
        self.gcj = device.kind == codes.DeviceKind.PHONE
        self.windows: list[tuple] = []
        self.drain = 2.2 if role == "battery" else rng.uniform(1.1, 1.6)
        self.skip_charge = None
        self.tamper_at = None
        self.t0 = datetime.datetime.combine(measure.start, datetime.time.min, tzinfo=self.tz).timestamp()
        self.t_end = self.now - rng.uniform(20, min(interval, 400))
        for days, h0, h1, key in CROSSINGS.get(role, []):
            _name, lat, lon, _towns = OUTSIDE[key]
            self.window(days, h0, h1, (lat, lon), travel=2400, sigma=25)
        if role == "leave_trip":
            self.window(2, 8.5, 17.0, OUTSIDE["wx"][1:3], travel=2700, sigma=40)
        if role == "battery":
            self.skip_charge = self.epoch(2, 22.0)
        if role == "tamper":
            self.tamper_at = self.epoch(1, 3.2)
        if role == "silent":
            self.t_end = self.now - 5 * 3600 - rng.uniform(0, 1800)
        if role == "ended_early":
            self.t_end = self.now - 5400

    def epoch(self, days_before: int, hour: float) -> float:
        day = self.sc.today - datetime.timedelta(days=days_before)
        return datetime.datetime.combine(day, datetime.time.min, tzinfo=self.tz).timestamp() + hour * 3600

    def window(self, days_before, h0, h1, dest, *, travel, sigma):
        self.windows.append((self.epoch(days_before, h0), self.epoch(days_before, h1), tuple(dest), travel, sigma))

    def banned_place(self):
        """A place 1-2.5 km from home, away from the daily routine, that the subject visits one night."""
        for _i in range(300):
            lat, lon = self.sc.place_near(self.home, 2500, min_m=1000)
            spots = [self.market] + ([self.work] if self.work else [])
            if all(geo.distance_m(lat, lon, a, b) > 900 for a, b in spots):
                break
        self.window(2, 21.5, 23.7, (lat, lon), travel=600, sigma=10)
        return lat, lon

    def base(self, t):
        h = ((t + self.offset) % 86400) / 3600
        home, work = self.home, self.work
        if work is not None:
            if 7.5 <= h < 8.0:
                return _lerp(home, work, (h - 7.5) / 0.5)
            if 8.0 <= h < 17.5:
                return work
            if 17.5 <= h < 18.0:
                return _lerp(work, home, (h - 17.5) / 0.5)
            return home
        if 9.0 <= h < 10.5:
            return self.market
        return home

    def position(self, t):
        for a, b, dest, travel, sigma in self.windows:
            if a <= t < b:
                if t < a + travel:
                    return _lerp(self.base(a), dest, (t - a) / travel), 20, True
                if t >= b - travel:
                    return _lerp(dest, self.base(b), (t - (b - travel)) / travel), 20, True
                return dest, sigma, True
        return self.base(t), None, False

    def battery(self, t) -> int:
        local = t + self.offset
        midnight = local - local % 86400
        h = (local - midnight) / 3600
        skip = None if self.skip_charge is None else self.skip_charge + self.offset
        full = midnight + 22 * 3600 if h >= 22 else midnight - 2 * 3600
        while skip is not None and full == skip:
            full -= 86400
        level = 100 - self.drain * (local - full) / 3600
        tonight = midnight + 22 * 3600
        if 21 <= h < 22 and tonight != skip:
            level = max(level, 3) + (h - 21) * (100 - max(level, 3))
        return int(max(3, min(100, level)))

    def fixes(self) -> list[dict]:
        rng, interval = self.rng, self.interval
        count = int((self.t_end - self.t0) // interval)
        times = [self.t_end - k * interval for k in range(count, -1, -1)]
        times = [t for t in times if t >= self.t0]
        rows, lats, lons = [], [], []
        for seq, t in enumerate(times, start=1):
            (lat, lon), sigma, special = self.position(t)
            if not special and rng.random() < 0.006:
                continue  # lost on the way: the sequence number stays missing
            h = ((t + self.offset) % 86400) / 3600
            if sigma is None:
                indoors = h < 7 or h >= 21
                roll = rng.random()
                if roll < 0.01:
                    sigma, source, accuracy = 80, "cell", rng.uniform(200, 600)
                elif indoors:
                    sigma, source, accuracy = 12, "wifi", rng.uniform(15, 40)
                else:
                    sigma, source, accuracy = 6, "gps", rng.uniform(4, 15)
            else:
                source, accuracy = "gps", rng.uniform(5, 25)
            lat, lon = _offset(lat, lon, rng.gauss(0, sigma), rng.gauss(0, sigma))
            item = {
                "device": self.device.identifier,
                "seq": seq,
                "time": int(t * 1000),
                "accuracy": round(accuracy, 1),
                "source": source,
                "battery": self.battery(t),
            }
            if self.tamper_at is not None and abs(t - self.tamper_at) < interval:
                item["tamper"] = True
            rows.append(item)
            lats.append(lat)
            lons.append(lon)
        if self.gcj and rows:
            glat, glon = geo.wgs_to_gcj(np.array(lats), np.array(lons))
            lats, lons = glat.tolist(), glon.tolist()
        for item, lat, lon in zip(rows, lats, lons, strict=True):
            item["lat"], item["lon"] = round(lat, 7), round(lon, 7)
            if self.gcj:
                item["datum"] = "GCJ02"
        return rows


def _lerp(a, b, f):
    f = min(1.0, max(0.0, f))
    return a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f


def _choose(plans, rng, n, *, test=None, prefer_office=None, taken=None):
    """Pick n plans (in the preferred office first) that pass `test` and are not taken yet."""
    taken = taken if taken is not None else set()
    pool = [p for p in plans if id(p) not in taken and (test is None or test(p))]
    rng.shuffle(pool)
    if prefer_office is not None:
        pool.sort(key=lambda p: p.office.pk != prefer_office)
    chosen = pool[:n]
    taken.update(id(p) for p in chosen)
    return chosen


@transaction.atomic
def seed(ctx):
    if ctx.scale not in ("city", "province") or not ctx.offices or ctx.city is None:
        return
    started = time.monotonic()
    seeder = Seeder(ctx)
    counts = seeder.office_counts()
    seeder.people(counts)
    seeder.fences()
    plans = seeder.register(counts)
    scenes = Scenes(seeder, plans)
    scenes.prepare()
    seeder.write([p for p in plans if p.role not in Scenes.SERVICE_ROLES])
    scenes.run()
    n_open = Subject.objects.filter(status__in=codes.OPEN_STATUSES).count()
    tables = (Subject, SubjectEvent, Contact, Activity, LevelChange, RewardSanction, Leave, TeamMember,
              PositioningMeasure, Device, Fence, Alert)  # fmt: skip
    ctx.log(
        f"  corrections: {n_open} subjects under correction; "
        + ", ".join(f"{m.__name__} {m.objects.count()}" for m in tables)
        + f" ({time.monotonic() - started:.1f}s)"
    )
