"""Millions of realistic disputes, fast: for benchmarks and the province-scale demo.

`generate_disputes(offices=…, total=…, years=…)` spreads `total` cases over the given offices (their
villages and committees) and the last `years` years, in the order they would have been received,
as the services would have left them:

- the case number from the office's counter, per office and year, continuing any counter that
  exists, and the counters moved on to the last number given;
- status, outcome and dates consistent with the state machine for the case's age: recent cases
  still open (some past their deadline), older ones concluded, followed up and archived; the
  outcome kept through follow-up and archive; days to conclude stored; an agreement for every
  succeeded mediation; both sides' parties;
- event types in a realistic mix, with their statistical category from `codes_gbt`; the level and
  handling committee (the village's own, the town's, or a city industry committee), created for
  the offices that lack them.

Timelines (CaseEvent), sessions, follow-up visits and mediator assignments are not generated: the
case lists, the metrics and the dashboard do not read them, and they would multiply the rows.

On PostgreSQL the rows go in with COPY; for large loads the secondary indexes and foreign keys of
the tables filled are dropped first and rebuilt afterwards from their own definitions (so the schema
ends exactly as migrated), and the tables are analysed. Elsewhere (SQLite) bulk_create does it, which
is fine at the sizes of tests and small demos.
"""

from __future__ import annotations

import datetime
import random
import tempfile
import time
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.db import connection, transaction
from django.utils import timezone

from fengqiao.core.validators import id_check_char
from fengqiao.orgs.models import OrgKind, OrgNode

from . import codes, codes_gbt
from .models import Agreement, CaseCounter, Committee, Dispute, Party
from .services import format_number

S, OUT = codes.Status, codes.Outcome

# PostgreSQL loads of at least this many cases rebuild the indexes afterwards instead of
# maintaining them row by row (several times faster for millions of rows).
REBUILD_INDEXES_FROM = 200_000

# (GB/T 31000 event type, weight, summaries, amounts in yuan (None: no money at stake))
TYPES = [
    ("0201", 14, ["排水沟堵塞引发邻里纠纷", "采光通风受阻纠纷", "通行道路被占纠纷"], [None]),
    ("0202", 7, ["院墙越界纠纷", "相邻建房纠纷", "楼上漏水引发纠纷"], [None, 2000, 5000]),
    ("0299", 3, ["噪声扰邻纠纷", "饲养宠物引发纠纷"], [None]),
    ("0902", 5, ["宅基地边界纠纷"], [None]),
    ("0101", 9, ["婚姻家庭矛盾", "离婚财产分割纠纷"], [None, 30000, 80000]),
    ("0102", 6, ["赡养老人费用纠纷", "子女抚养费纠纷"], [6000, 12000, 24000]),
    ("0103", 4, ["遗产继承纠纷", "分家析产纠纷"], [50000, 120000, 300000]),
    ("0603", 7, ["买卖合同货款纠纷", "装修合同纠纷"], [8000, 20000, 60000]),
    ("0602", 5, ["房屋租赁押金纠纷"], [2000, 5000]),
    ("0601", 4, ["消费服务纠纷", "预付卡退费纠纷"], [500, 1500, 3000]),
    ("0701", 6, ["劳动合同解除纠纷"], [10000, 30000]),
    ("0703", 5, ["拖欠工资纠纷"], [6000, 15000, 40000]),
    ("0804", 5, ["民间借贷纠纷"], [10000, 50000, 100000]),
    ("0503", 8, ["道路交通事故赔偿纠纷"], [5000, 20000, 80000]),
    ("0502", 2, ["医疗损害赔偿纠纷"], [20000, 100000]),
    ("0507", 3, ["务工受伤赔偿纠纷"], [10000, 40000]),
    ("0901", 4, ["土地承包经营权纠纷"], [None, 5000]),
    ("1102", 2, ["征地补偿纠纷"], [30000, 100000]),
    ("0402", 4, ["物业服务费纠纷", "小区停车纠纷"], [1000, 3000]),
    ("0504", 2, ["环境污染损害纠纷"], [None, 10000]),
]
CHANNELS = [
    (codes.Channel.VISIT, 40),
    (codes.Channel.PHONE, 15),
    (codes.Channel.ONLINE, 10),
    (codes.Channel.SCREENING, 20),
    (codes.Channel.REFERRAL, 15),
]
REFERRALS = [
    (codes.ReferralSource.POLICE, "派出所"),
    (codes.ReferralSource.COURT, "人民法庭"),
    (codes.ReferralSource.PETITION, "信访办"),
    (codes.ReferralSource.TRAFFIC, "交警中队"),
]
INDUSTRY = [
    ("物业纠纷人民调解委员会", "物业"),
    ("道路交通事故人民调解委员会", "交通"),
    ("劳动争议人民调解委员会", "劳动争议"),
    ("医患纠纷人民调解委员会", "医患"),
    ("消费纠纷人民调解委员会", "消费"),
]
DESCRIPTIONS = [
    "{place}{summary}，当事人申请调解。",
    "{place}{summary}，双方多次协商未果，来所请求调解。",
    "{place}{summary}，网格员排查发现，及时介入。",
    "{place}{summary}，经村（居）委会转来调解。",
]
REASONS = {
    S.FAILED: "双方分歧较大，调解未达成一致。",
    S.TERMINATED: "申请人撤回调解申请。",
    S.REJECTED: "已进入诉讼程序，不予受理。",
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国红玉兰春梅海燕志文斌鑫宇浩凯佳欣怡晨阳雪琳婷慧"
COMPANY = ["贸易", "建筑工程", "物业管理", "纺织", "机械制造", "商贸", "餐饮管理", "运输", "装饰工程", "电子科技"]
TERMS = ["双方自愿达成协议，按约履行。", "被申请人一次性支付赔偿款，双方再无其他纠葛。", "双方同意分期履行，互不追究。"]
PERFORMANCE = ["当场履行", "一次性履行", "分期履行"]


@dataclass
class _Office:
    node: object
    number_office: object  # what format_number is given: the office, or a disambiguated stand-in
    town_committee: tuple  # (committee pk, level)
    villages: list = field(default_factory=list)  # (pk, name, committee pk, committee level)
    industry: list = field(default_factory=list)  # (committee pk, level)
    registrar: int | None = None


def generate_disputes(
    *,
    offices,
    total: int,
    years: float,
    rng_seed: int = 1,
    progress=None,
    end: datetime.date | None = None,
    focus=None,
    focus_per_year: int | None = None,
) -> int:
    """Add `total` disputes received over the `years` years up to `end` (default today) in `offices`
    (town nodes, or bureaus for their own cases). With `focus` (an org node) and `focus_per_year`,
    the offices under `focus` get that many cases a year and the other offices share the rest
    (the demo city's towns at their real rate inside a quieter province). Returns the number added.
    """
    offices = [o for o in offices if o.kind in (OrgKind.TOWN, OrgKind.CITY, OrgKind.PROVINCE)]
    if total <= 0 or not offices:
        return 0
    say = progress or (lambda message: None)
    today = timezone.localdate()
    end = min(end or today, today)
    days = max(1, round(365.25 * years))
    rng = random.Random(rng_seed)  # noqa: S311 - synthetic data, reproducible on purpose
    with transaction.atomic():
        infos = _prepare_offices(offices, rng)
        weights = _office_weights(infos, rng, total, years, focus, focus_per_year)
        plan = _Plan(rng=rng, infos=infos, weights=weights, total=total, end=end, days=days, today=today)
        started = time.perf_counter()
        if connection.vendor == "postgresql":
            _load_postgresql(plan, say)
        else:
            _load_orm(plan, say)
        _save_counters(plan.counters)
    elapsed = time.perf_counter() - started
    say(f"  disputes: {total:,} in {len(offices):,} offices over {years:g} years ({elapsed:.0f} s)")
    return total


# --- the offices --------------------------------------------------------------------------------------


def _prepare_offices(offices, rng) -> list[_Office]:
    """Committees for every office, village and bureau that lacks them; who registers the cases;
    and what each office's case numbers look like."""
    from fengqiao.accounts.models import UserRole
    from fengqiao.core.permissions import Role

    office_ids = [o.pk for o in offices]
    villages = {}
    for v in OrgNode.objects.filter(parent_id__in=office_ids, kind=OrgKind.VILLAGE).order_by("pk"):
        villages.setdefault(v.parent_id, []).append(v)
    bureaus = {o.parent_id for o in offices if o.kind == OrgKind.TOWN and o.parent_id}
    _ensure_committees(offices, villages, bureaus)
    by_org = {}
    industry = {}
    for c in Committee.objects.filter(is_active=True).filter(org_id__in=[*office_ids, *bureaus]).order_by("pk"):
        if c.committee_type == codes.CommitteeType.INDUSTRY:
            industry.setdefault(c.org_id, []).append((c.pk, c.level))
        else:
            by_org.setdefault(c.org_id, (c.pk, c.level))
    village_ids = [v.pk for vs in villages.values() for v in vs]
    for i in range(0, len(village_ids), 5000):
        for c in Committee.objects.filter(is_active=True, org_id__in=village_ids[i : i + 5000]).order_by("pk"):
            by_org.setdefault(c.org_id, (c.pk, c.level))
    registrars = dict(
        UserRole.objects.filter(role__in=[Role.MEDIATOR, Role.DIRECTOR, Role.STAFF], user__office_id__in=office_ids)
        .order_by("user_id")
        .values_list("user__office_id", "user_id")
    )
    numbering = _numbering_offices(offices)
    infos = []
    for o in offices:
        town = by_org.get(o.pk) or (None, codes.Level.TOWN if o.kind == OrgKind.TOWN else codes.Level.CITY)
        infos.append(
            _Office(
                node=o,
                number_office=numbering[o.pk],
                town_committee=town,
                villages=[(v.pk, v.name, *(by_org.get(v.pk) or town)) for v in villages.get(o.pk, [])],
                industry=industry.get(o.parent_id, []),
                registrar=registrars.get(o.pk),
            )
        )
    return infos


def _ensure_committees(offices, villages, bureaus):
    have = set(Committee.objects.filter(org_id__in=[o.pk for o in offices]).values_list("org_id", "name"))
    village_ids = [v.pk for vs in villages.values() for v in vs]
    for i in range(0, len(village_ids), 5000):
        have |= set(Committee.objects.filter(org_id__in=village_ids[i : i + 5000]).values_list("org_id", "name"))
    have |= set(Committee.objects.filter(org_id__in=bureaus).values_list("org_id", "name"))
    new = []
    for bureau in OrgNode.objects.filter(pk__in=bureaus).order_by("pk"):
        for name, field_ in INDUSTRY:
            if (bureau.pk, name) not in have:
                new.append(
                    Committee(
                        org=bureau,
                        office_id=bureau.office_id,
                        name=name,
                        committee_type=codes.CommitteeType.INDUSTRY,
                        field=field_,
                    )
                )
    for o in offices:
        name = f"{o.short_name or o.name}人民调解委员会"
        if o.kind == OrgKind.TOWN and (o.pk, name) not in have:
            new.append(Committee(org=o, office_id=o.pk, name=name, committee_type=codes.CommitteeType.TOWN))
        for v in villages.get(o.pk, []):
            name = f"{v.name}人民调解委员会"
            if (v.pk, name) not in have:
                new.append(Committee(org=v, office_id=o.pk, name=name, committee_type=codes.CommitteeType.VILLAGE))
    Committee.objects.bulk_create(new, batch_size=2000)


def _numbering_offices(offices) -> dict:
    """What format_number gets for each office. Case numbers are unique across the platform, but
    two towns of a province may share a short name (the synthetic province has hundreds of such
    pairs): the number of such a town carries its county's short name too, so that the generated
    numbers stay unique."""
    result = {o.pk: o for o in offices}
    if not Dispute._meta.get_field("number").unique:
        return result
    prefix = {}
    for node in OrgNode.objects.filter(kind__in=[OrgKind.TOWN, OrgKind.CITY, OrgKind.PROVINCE]).only(
        "pk", "name", "short_name", "parent_id"
    ):
        prefix.setdefault(format_number(node, 2000, 1), []).append(node)
    parents = {}
    for o in offices:
        if len(prefix.get(format_number(o, 2000, 1), ())) > 1 and o.parent_id:
            parents.setdefault(o.parent_id, []).append(o)
    for parent in OrgNode.objects.filter(pk__in=parents):
        for o in parents[parent.pk]:
            short = (parent.short_name or parent.name[:2]) + (o.short_name or o.name[:2])
            result[o.pk] = SimpleNamespace(short_name=short, name=o.name)
    return result


def _office_weights(infos, rng, total, years, focus, focus_per_year) -> list[float]:
    weights = [rng.uniform(0.6, 1.4) for _ in infos]
    if focus is None or not focus_per_year:
        return weights
    inside = [i for i, info in enumerate(infos) if (info.node.path or "").startswith(focus.path)]
    share = min(1.0, focus_per_year * years / total)
    if not inside or len(inside) == len(infos):
        return weights
    w_in = sum(weights[i] for i in inside)
    w_out = sum(weights) - w_in
    inside_set = set(inside)
    return [w * share / w_in if i in inside_set else w * (1 - share) / w_out for i, w in enumerate(weights)]


# --- the cases ------------------------------------------------------------------------------------------


class _Plan:
    """The cases to generate, in the order received, as text rows for COPY.

    Every value is already text (COPY's text format; `\\N` for NULL), so that a row is one join.
    """

    def __init__(self, *, rng, infos, weights, total, end, days, today):
        self.rng, self.infos, self.total, self.today = rng, infos, total, today
        self.first = end - datetime.timedelta(days=days - 1)
        self.days = days
        self.cum = _cumulative(weights)
        self.counters = {
            (c.office_id, c.year): c.last for c in CaseCounter.objects.filter(office_id__in=[i.node.pk for i in infos])
        }
        self.day_counts = _spread(total, [0.4 if (self.first.weekday() + d) % 7 >= 5 else 1.0 for d in range(days)])
        # Dates as text, from the first day received to the last day anything can happen (today).
        self.base = self.first.toordinal()
        span = today.toordinal() - self.base + 60
        self.iso = [datetime.date.fromordinal(self.base + k).isoformat() for k in range(span)]
        self.year_of = [datetime.date.fromordinal(self.base + k).year for k in range(span)]
        self.today_k = today.toordinal() - self.base
        self.types = [t for t in TYPES if codes_gbt.is_valid_event_type(t[0])]
        self.type_cum = _cumulative([t[1] for t in self.types])
        self.type_stat = [codes_gbt.stat_category_for(t[0]) for t in self.types]
        self.channel_cum = _cumulative([w for _c, w in CHANNELS])
        self.people = _People(rng)

    def cases(self):
        """Yield (dispute values, parties, agreement or None) per case; ids are given by the caller."""
        rng = self.rng
        rand, randint = rng.random, rng.randint
        infos, iso, year_of, today_k = self.infos, self.iso, self.year_of, self.today_k
        counters, types, type_stat = self.counters, self.types, self.type_stat
        n_infos = range(len(infos))
        people = self.people
        for d, n in enumerate(self.day_counts):
            if not n:
                continue
            age = today_k - d
            picks = rng.choices(n_infos, cum_weights=self.cum, k=n)
            type_picks = rng.choices(range(len(types)), cum_weights=self.type_cum, k=n)
            channel_picks = rng.choices(range(len(CHANNELS)), cum_weights=self.channel_cum, k=n)
            year = year_of[d]
            for oi, ti, ci in zip(picks, type_picks, channel_picks, strict=True):
                info = infos[oi]
                office_id = info.node.pk
                key = (office_id, year)
                seq = counters[key] = counters.get(key, 0) + 1
                # Where it arose and who handles it: 小事不出村，大事不出镇，矛盾不上交.
                roll = rand()
                villages = info.villages
                if villages and roll < 0.75:
                    org_id, place, committee_id, level = villages[int(rand() * len(villages))]
                else:
                    if villages and rand() < 0.5:
                        org_id, place, _c, _l = villages[int(rand() * len(villages))]
                    else:
                        org_id, place = office_id, info.node.name
                    committee_id, level = info.town_committee
                    if roll >= 0.97 and info.industry:
                        committee_id, level = info.industry[int(rand() * len(info.industry))]
                etype, _w, summaries, amounts = types[ti]
                summary = summaries[int(rand() * len(summaries))]
                amount = amounts[int(rand() * len(amounts))]
                channel = CHANNELS[ci][0]
                if channel == codes.Channel.REFERRAL:
                    source, body_suffix = REFERRALS[int(rand() * len(REFERRALS))]
                    referral_body = info.node.name[:2] + body_suffix
                else:
                    source = referral_body = ""
                status = _status_for(rand(), age)
                failed = rand() < 0.014
                accepted = concluded = archived = deadline = None
                outcome = reason = ""
                version = 1
                if status not in (S.REGISTERED, S.REJECTED):
                    accepted = min(today_k, d + randint(0, 2))
                    deadline = accepted + codes.DEFAULT_PERIOD_DAYS
                    version = 2
                if status in (S.SUCCEEDED, S.FOLLOWED_UP, S.ARCHIVED) and failed:
                    outcome, reason = OUT.FAILED, REASONS[S.FAILED]
                    if status == S.SUCCEEDED:
                        status = S.FAILED
                elif status in (S.SUCCEEDED, S.FOLLOWED_UP, S.ARCHIVED):
                    outcome = OUT.SUCCEEDED
                elif status in (S.FAILED, S.TERMINATED, S.REJECTED):
                    outcome, reason = status, REASONS[status]
                if outcome:
                    start = accepted if accepted is not None else d
                    concluded = min(today_k, start + randint(1, 25))
                    version = {S.REJECTED: 2, S.TERMINATED: 3}.get(status, 4)
                if status == S.FOLLOWED_UP:
                    version = 5
                elif status == S.ARCHIVED:
                    archived = min(today_k, concluded + randint(7, 30))
                    version = 6
                elif status == S.MEDIATING:
                    version = 3
                criminal = mass = False
                criminal_n = mass_n = 0
                if outcome == OUT.SUCCEEDED:
                    r = rand()
                    if r < 0.03:
                        criminal, criminal_n = True, randint(1, 3)
                    elif r < 0.035:
                        mass, mass_n = True, randint(5, 30)
                parties, n_people = people.parties(rand, place)
                last = next(k for k in (archived, concluded, accepted, d) if k is not None)
                created = f"{iso[d]} {8 + int(rand() * 9):02d}:{int(rand() * 60):02d}:00+08"
                values = [
                    created,
                    f"{iso[last]} 17:30:00+08" if last != d else created,
                    format_number(info.number_office, year, seq),
                    str(year),
                    str(seq),
                    status,
                    str(version),
                    channel,
                    source,
                    referral_body,
                    etype,
                    type_stat[ti],
                    summary,
                    DESCRIPTIONS[int(rand() * len(DESCRIPTIONS))].format(place=place, summary=summary),
                    "\\N" if amount is None else f"{amount}.00",
                    str(max(n_people, (2, 2, 2, 3, 4, 6)[int(rand() * 6)])),
                    "02" if mass else "01",
                    "\\N" if committee_id is None else str(committee_id),
                    str(level),
                    iso[d],
                    "\\N" if accepted is None else iso[accepted],
                    "\\N" if deadline is None else iso[deadline],
                    "\\N" if concluded is None else iso[concluded],
                    "\\N" if archived is None else iso[archived],
                    "\\N" if concluded is None else str(concluded - d),
                    outcome,
                    reason,
                    "t" if criminal else "f",
                    str(criminal_n),
                    "t" if mass else "f",
                    str(mass_n),
                    str(org_id),
                    str(office_id),
                    "\\N" if info.registrar is None else str(info.registrar),
                ]
                agreement = None
                if outcome == OUT.SUCCEEDED:
                    signed = iso[concluded]
                    agreement = [
                        f"{signed} 16:00:00+08",
                        f"{signed} 16:00:00+08",
                        "oral" if rand() < 0.3 else "written",
                        TERMS[int(rand() * len(TERMS))],
                        values[14],
                        PERFORMANCE[int(rand() * len(PERFORMANCE))],
                        "\\N" if amount is None else iso[concluded + 30],
                        signed,
                        str(office_id),
                        str(org_id),
                    ]
                yield values, parties, agreement


# Dispute columns the generator fills, in the order of the values above; the others get their defaults.
DISPUTE_FIELDS = [
    "created_at",
    "updated_at",
    "number",
    "year",
    "seq",
    "status",
    "version",
    "channel",
    "referral_source",
    "referral_body",
    "event_type",
    "stat_category",
    "summary",
    "description",
    "amount",
    "people_count",
    "scale",
    "committee_id",
    "level",
    "received_on",
    "accepted_on",
    "deadline",
    "concluded_on",
    "archived_on",
    "days_to_conclude",
    "outcome",
    "outcome_reason",
    "prevented_criminal",
    "prevented_criminal_persons",
    "prevented_mass_petition",
    "prevented_mass_petition_persons",
    "org_id",
    "office_id",
    "registered_by_id",
]
PARTY_FIELDS = ["side", "kind", "name", "id_number", "org_code", "phone", "address", "identity_key"]
AGREEMENT_FIELDS = [
    "created_at",
    "updated_at",
    "form",
    "terms",
    "amount",
    "performance_method",
    "performance_deadline",
    "signed_on",
    "office_id",
    "org_id",
]


def _status_for(r: float, age: int) -> str:
    """A status for a case received `age` days ago: open when recent, archived when old."""
    if age < 10:
        return (S.REGISTERED, S.ACCEPTED, S.MEDIATING, S.MEDIATING, S.SUCCEEDED)[int(r * 5)]
    if age < 45:
        return (S.MEDIATING, S.SUCCEEDED, S.SUCCEEDED, S.FOLLOWED_UP, S.ARCHIVED, S.ARCHIVED)[int(r * 6)]
    if r < 0.94:
        return S.ARCHIVED
    if r < 0.985:
        return S.FOLLOWED_UP
    return S.REJECTED if r < 0.996 else S.TERMINATED


class _People:
    """Pools of names, ID numbers, phones and companies, drawn from for the parties."""

    def __init__(self, rng):
        if "identity_key" in _party_fields():
            from .matching import identity_key
        else:
            identity_key = _no_key

        names = sorted({rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(["", *GIVEN]) for _ in range(6000)})
        self.names = [(n, identity_key(n)) for n in names]
        self.ids = []
        for _ in range(20000):
            body = (
                f"3202{rng.randint(1, 99):02d}{rng.randint(1950, 2004)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
            )
            body += f"{rng.randint(0, 999):03d}"
            self.ids.append(body + id_check_char(body))
        self.phones = [f"1{rng.choice('3589')}{rng.randint(0, 9)}{rng.randint(0, 99999999):08d}" for _ in range(20000)]
        self.companies = []
        for i in range(3000):
            brand = rng.choice("东西南北中新长永兴华") + rng.choice("盛达丰泰隆源鑫宏")
            name = f"江阴市{brand}{rng.choice(COMPANY)}有限公司"
            code = f"91320281MA{i:07d}{rng.choice('0123456789ABCDEFGHJKLMNPQRTUWXY')}"
            self.companies.append((name, code, identity_key(name, org_code=code)))

    def parties(self, rand, place):
        """The parties of one case, as text values of PARTY_FIELDS, and how many persons they are."""
        names, ids, phones = self.names, self.ids, self.phones
        out = []
        sides = ("applicant", "respondent") if rand() < 0.85 else ("applicant", "respondent", "respondent")
        persons = 0
        for side in sides:
            if side == "respondent" and rand() < 0.12:
                name, code, key = self.companies[int(rand() * len(self.companies))]
                out.append([side, "organisation", name, "", code, "", "", key])
                continue
            persons += 1
            name, key = names[int(rand() * len(names))]
            id_number = ids[int(rand() * len(ids))] if rand() < 0.6 else ""
            phone = phones[int(rand() * len(phones))] if side == "applicant" or rand() < 0.5 else ""
            address = f"{place}{int(rand() * 200) + 1}号" if rand() < 0.7 else ""
            out.append([side, "person", name, id_number, "", phone, address, f"id:{id_number}" if id_number else key])
        return out, persons


def _party_fields() -> list[str]:
    """PARTY_FIELDS that the model has (the identity key came later than the others)."""
    names = {f.attname for f in Party._meta.concrete_fields}
    return [n for n in PARTY_FIELDS if n in names]


def _no_key(*args, **kwargs) -> str:
    return ""


def _cumulative(weights):
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out


def _spread(total: int, weights) -> list[int]:
    """`total` split in proportion to `weights`, exactly (largest remainders)."""
    s = sum(weights)
    exact = [total * w / s for w in weights]
    counts = [int(x) for x in exact]
    rest = total - sum(counts)
    for i in sorted(range(len(exact)), key=lambda i: counts[i] - exact[i])[:rest]:
        counts[i] += 1
    return counts


def _save_counters(counters):
    existing = {(c.office_id, c.year): c for c in CaseCounter.objects.filter(office_id__in={k[0] for k in counters})}
    new, changed = [], []
    for (office_id, year), last in counters.items():
        c = existing.get((office_id, year))
        if c is None:
            new.append(CaseCounter(office_id=office_id, year=year, last=last))
        elif c.last != last:
            c.last = last
            changed.append(c)
    CaseCounter.objects.bulk_create(new, batch_size=5000)
    CaseCounter.objects.bulk_update(changed, ["last"], batch_size=5000)


def _defaults(model, filled):
    """Columns the generator does not fill, with their default as COPY text."""
    out = []
    for f in model._meta.concrete_fields:
        if f.primary_key or f.attname in filled or f.attname == "dispute_id":
            continue
        value = f.get_default()
        if value is None:
            if not f.null:
                raise RuntimeError(f"bulk.py does not know how to fill {model.__name__}.{f.name}")
            text = "\\N"
        elif isinstance(value, bool):
            text = "t" if value else "f"
        else:
            text = str(value)
        out.append((f.column, text))
    return out


# --- PostgreSQL: COPY ---------------------------------------------------------------------------------


def _load_postgresql(plan: _Plan, say):
    tables = [Dispute._meta.db_table, Party._meta.db_table, Agreement._meta.db_table]
    raw = connection.cursor().cursor  # psycopg's own cursor, for COPY
    for t in tables:
        raw.execute(f'LOCK TABLE "{t}" IN SHARE ROW EXCLUSIVE MODE')
    rebuild = plan.total >= REBUILD_INDEXES_FROM
    if rebuild:
        # Foreign-key checks still queued in this transaction (the committees just created) must
        # run before the constraints can be dropped; Django's constraints are all deferred again after.
        raw.execute("SET CONSTRAINTS ALL IMMEDIATE")
        raw.execute("SET CONSTRAINTS ALL DEFERRED")
    dropped = drop_secondary_indexes(raw, tables, say) if rebuild else None
    d_id, p_id, a_id = (_reserve_ids(raw, t) for t in tables)
    first = (d_id, p_id, a_id)

    def copy_sql(model, names, extra):
        columns = ["id", *(model._meta.get_field(n).column for n in names), *(c for c, _t in extra)]
        if model is not Dispute:
            columns.insert(1, "dispute_id")
        return f'COPY "{model._meta.db_table}" ({", ".join(columns)}) FROM STDIN'

    d_extra = _defaults(Dispute, set(DISPUTE_FIELDS))
    party_fields = _party_fields()
    p_width = len(party_fields)
    p_extra = _defaults(Party, {*party_fields, "created_at", "updated_at", "office_id", "org_id"})
    a_extra = _defaults(Agreement, set(AGREEMENT_FIELDS))
    d_tail = "".join("\t" + t for _c, t in d_extra) + "\n"
    p_tail = "".join("\t" + t for _c, t in p_extra) + "\n"
    a_tail = "".join("\t" + t for _c, t in a_extra) + "\n"
    step = max(1, plan.total // 10)
    t0 = time.perf_counter()
    with (
        tempfile.TemporaryFile("w+", encoding="utf-8") as parties_file,
        tempfile.TemporaryFile("w+", encoding="utf-8") as agreements_file,
    ):
        with raw.copy(copy_sql(Dispute, DISPUTE_FIELDS, d_extra)) as copy:
            buf, pbuf, abuf = [], [], []
            for n, (values, parties, agreement) in enumerate(plan.cases(), 1):
                dispute = str(d_id)
                buf.append(dispute + "\t" + "\t".join(values) + d_tail)
                common = f"\t{values[0]}\t{values[0]}\t{values[-2]}\t{values[-3]}"  # created, updated, office, org
                for p in parties:
                    pbuf.append(f"{p_id}\t{dispute}\t" + "\t".join(p[:p_width]) + common + p_tail)
                    p_id += 1
                if agreement is not None:
                    abuf.append(f"{a_id}\t{dispute}\t" + "\t".join(agreement) + a_tail)
                    a_id += 1
                d_id += 1
                if len(buf) >= 5000:
                    copy.write("".join(buf))
                    parties_file.write("".join(pbuf))
                    agreements_file.write("".join(abuf))
                    buf, pbuf, abuf = [], [], []
                    if n % step < 5000:
                        say(f"    {n:,} cases generated ({time.perf_counter() - t0:.0f} s)")
            copy.write("".join(buf))
            parties_file.write("".join(pbuf))
            agreements_file.write("".join(abuf))
        say(f"    disputes copied; parties and agreements … ({time.perf_counter() - t0:.0f} s)")
        p_cols = [*party_fields, "created_at", "updated_at", "office_id", "org_id"]
        for f, sql in (
            (parties_file, copy_sql(Party, p_cols, p_extra)),
            (agreements_file, copy_sql(Agreement, AGREEMENT_FIELDS, a_extra)),
        ):
            f.seek(0)
            with raw.copy(sql) as copy:
                while chunk := f.read(1 << 20):
                    copy.write(chunk)
    for table, start, nxt in zip(tables, first, (d_id, p_id, a_id), strict=True):
        if nxt > start:
            raw.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, nxt - 1])
    say(f"    rows copied ({time.perf_counter() - t0:.0f} s)")
    if dropped is not None:
        restore_secondary_indexes(raw, dropped, say)
    for t in tables:
        raw.execute(f'ANALYZE "{t}"')
    say(f"    analysed ({time.perf_counter() - t0:.0f} s)")


def _reserve_ids(raw, table) -> int:
    """The first id of a block of new rows: past the sequence and past any id written explicitly.
    The table is locked against other writers, and the sequence is moved past the block after."""
    sql = "SELECT GREATEST(nextval(pg_get_serial_sequence(%s, 'id')), (SELECT COALESCE(MAX(id), 0) + 1 FROM {}))"
    raw.execute(sql.format(f'"{table}"'), [table])
    return raw.fetchone()[0]


def schema_of(raw, tables) -> list[tuple]:
    """Indexes and constraints of `tables` by name and definition (to check a rebuild changed nothing)."""
    raw.execute(
        "SELECT c.relname, i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x "
        "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid "
        "WHERE c.relname = ANY(%s) AND c.relnamespace = 'public'::regnamespace",
        [list(tables)],
    )
    rows = [("index", *r) for r in raw.fetchall()]
    raw.execute(
        "SELECT c.relname, k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k "
        "JOIN pg_class c ON c.oid = k.conrelid WHERE c.relname = ANY(%s) AND c.relnamespace = 'public'::regnamespace",
        [list(tables)],
    )
    rows += [("constraint", *r) for r in raw.fetchall()]
    return sorted(rows)


def drop_secondary_indexes(raw, tables, say=None) -> list[tuple]:
    """Drop the foreign keys, unique constraints and indexes of `tables` other than primary keys,
    and return what restore_secondary_indexes needs to rebuild them exactly (within the same
    transaction, before anything reads the tables)."""
    raw.execute(
        "SELECT c.relname, k.conname, k.contype, pg_get_constraintdef(k.oid) FROM pg_constraint k "
        "JOIN pg_class c ON c.oid = k.conrelid WHERE c.relname = ANY(%s) AND k.contype IN ('f', 'u') "
        "AND c.relnamespace = 'public'::regnamespace ORDER BY k.contype, c.relname, k.conname",
        [list(tables)],
    )
    constraints = raw.fetchall()
    raw.execute(
        "SELECT c.relname, i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x "
        "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid "
        "WHERE c.relname = ANY(%s) AND c.relnamespace = 'public'::regnamespace AND NOT x.indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid) ORDER BY c.relname, i.relname",
        [list(tables)],
    )
    indexes = raw.fetchall()
    for table, name, _kind, _definition in constraints:  # foreign keys first ('f' < 'u')
        raw.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    for _table, name, _definition in indexes:
        raw.execute(f'DROP INDEX "{name}"')
    if say:
        say(f"    dropped {len(indexes)} indexes and {len(constraints)} constraints for the load")
    return [("index", *i) for i in indexes] + [("constraint", t, n, d) for t, n, _k, d in constraints]


def restore_secondary_indexes(raw, dropped, say=None):
    t0 = time.perf_counter()
    raw.execute("SET LOCAL maintenance_work_mem = '1GB'")
    # Indexes and unique constraints before foreign keys, whose checks then use them.
    order = sorted(dropped, key=lambda d: (d[0] == "constraint" and d[3].startswith("FOREIGN KEY"), d[1], d[2]))
    for kind, table, name, definition in order:
        if kind == "index":
            raw.execute(definition)
        else:
            raw.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
    if say:
        say(f"    rebuilt {len(dropped)} indexes and constraints ({time.perf_counter() - t0:.0f} s)")


# --- elsewhere: the ORM ---------------------------------------------------------------------------------


def _load_orm(plan: _Plan, say):
    """bulk_create from the same rows (small sizes: tests and demos on SQLite)."""
    d_fields = [Dispute._meta.get_field(n.removesuffix("_id")) for n in DISPUTE_FIELDS]
    a_fields = [Agreement._meta.get_field(n.removesuffix("_id")) for n in AGREEMENT_FIELDS]
    with_identity = "identity_key" in _party_fields()

    def typed(fields, values):
        return {f.attname: None if v == "\\N" else f.to_python(v) for f, v in zip(fields, values, strict=True)}

    next_id = (Dispute.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    disputes, parties, agreements = [], [], []

    def flush():
        Dispute.objects.bulk_create(disputes, batch_size=500)
        Party.objects.bulk_create(parties, batch_size=500)
        Agreement.objects.bulk_create(agreements, batch_size=500)
        disputes.clear()
        parties.clear()
        agreements.clear()

    for values, case_parties, agreement in plan.cases():
        d = Dispute(pk=next_id, **typed(d_fields, values))
        next_id += 1
        disputes.append(d)
        for side, kind, name, id_number, org_code, phone, address, key in case_parties:
            p = Party(
                dispute_id=d.pk,
                org_id=d.org_id,
                office_id=d.office_id,
                created_at=d.created_at,
                side=side,
                kind=kind,
                name=name,
                id_number=id_number,
                org_code=org_code,
                phone=phone,
                address=address,
            )
            if with_identity:
                p.identity_key = key
            parties.append(p)
        if agreement is not None:
            agreements.append(Agreement(dispute_id=d.pk, **typed(a_fields, agreement)))
        if len(disputes) >= 2000:
            flush()
    flush()
