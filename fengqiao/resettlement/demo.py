"""Demo resettlement data: a few hundred released persons across the demo city's offices, about a
fifth of them in key assistance, released over the last five years, with their help records and
level changes; a few ended (period expired, reoffended, died, moved away). One office carries more
persons than its single worker may, so that the staffing page shows a shortfall.

Rows are bulk-inserted, built as the services would build them: the tenant key from the org, the
period end from the release date, the last contact from the help records, an assessment at the
handover on every timeline. At province scale every other office gets a handful of persons.
"""

from __future__ import annotations

import datetime

from django.contrib.auth.hashers import make_password
from django.db import transaction

from fengqiao.accounts.models import User, UserRole
from fengqiao.core.demo import DEMO_PASSWORD
from fengqiao.core.permissions import Role

from . import codes
from .models import HelpRecord, LevelChange, ReleasedPerson
from .services import period_end_for

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡钱沈顾陆缪"
GIVEN = "伟强磊军勇杰涛明超平刚建国华峰斌辉鹏飞波林宇浩凯俊龙海东亮新春文志忠良芳娟"
# (offence, weight, sentences)
OFFENCES = [
    ("盗窃罪", 22, ["有期徒刑一年六个月", "有期徒刑二年", "有期徒刑三年"]),
    ("诈骗罪", 14, ["有期徒刑三年", "有期徒刑四年六个月", "有期徒刑五年"]),
    ("故意伤害罪", 10, ["有期徒刑二年", "有期徒刑三年六个月"]),
    ("帮助信息网络犯罪活动罪", 8, ["有期徒刑一年", "有期徒刑一年三个月"]),
    ("开设赌场罪", 6, ["有期徒刑二年", "有期徒刑三年"]),
    ("贩卖毒品罪", 6, ["有期徒刑四年", "有期徒刑七年"]),
    ("寻衅滋事罪", 7, ["有期徒刑一年六个月", "有期徒刑二年"]),
    ("交通肇事罪", 5, ["有期徒刑一年", "有期徒刑二年"]),
    ("抢劫罪", 4, ["有期徒刑五年", "有期徒刑六年"]),
    ("聚众斗殴罪", 4, ["有期徒刑二年六个月"]),
    ("非法吸收公众存款罪", 4, ["有期徒刑三年", "有期徒刑四年"]),
    ("职务侵占罪", 3, ["有期徒刑二年", "有期徒刑三年"]),
    ("掩饰、隐瞒犯罪所得罪", 4, ["有期徒刑一年", "有期徒刑一年六个月"]),
    ("故意杀人罪", 1, ["有期徒刑十五年"]),
]
PRISONS = [
    ("江苏省苏州监狱", 20),
    ("江苏省无锡监狱", 24),
    ("江苏省常州监狱", 12),
    ("江苏省南京监狱", 8),
    ("江苏省镇江监狱", 8),
    ("江苏省浦口监狱", 6),
    ("江苏省江宁监狱", 6),
    ("江苏省龙潭监狱", 6),
    ("无锡市看守所", 6),
    ("江阴市看守所", 4),
]
EMPLOYMENT = [
    (codes.Employment.EMPLOYED, 35),
    (codes.Employment.SELF_EMPLOYED, 15),
    (codes.Employment.FLEXIBLE, 18),
    (codes.Employment.UNEMPLOYED, 20),
    (codes.Employment.UNABLE, 7),
    (codes.Employment.RETIRED, 5),
]
HOUSING = [
    (codes.Housing.FAMILY, 45),
    (codes.Housing.OWN, 30),
    (codes.Housing.RENTED, 18),
    (codes.Housing.SHELTER, 3),
    (codes.Housing.NONE, 4),
]
ASSISTANCE = [
    (codes.Assistance.NONE, 70),
    (codes.Assistance.MINIMUM, 15),
    (codes.Assistance.TEMPORARY, 8),
    (codes.Assistance.EXTREME, 3),
    (codes.Assistance.OTHER, 4),
]
NOTES = {
    codes.HelpKind.CONTACT: ["电话联系，了解近期生活和工作情况，情绪稳定。", "微信联系，提醒按时报告近况。"],
    codes.HelpKind.VISIT: [
        "入户走访，与本人及家属谈话，家庭关系和睦。",
        "走访所在村委会，了解本人表现，无异常。",
        "个别谈话，开展法治教育，本人表示遵纪守法。",
    ],
    codes.HelpKind.EMPLOYMENT: ["推荐至本镇企业应聘普工岗位。", "联系人社部门，办理失业登记并推荐就业岗位。"],
    codes.HelpKind.HOUSING: ["协调村委会解决临时住所。", "帮助申请公共租赁住房。"],
    codes.HelpKind.SOCIAL: ["协助向民政部门申请最低生活保障。", "协助申请临时救助。"],
    codes.HelpKind.TRAINING: ["参加镇职业技能培训（电工）。", "参加过渡性安置基地技能培训。"],
    codes.HelpKind.OTHER: ["协助补办居民身份证和户籍手续。", "协调办理医疗保险。"],
}
END_NOTES = {
    codes.EndReason.REOFFENDED: "因涉嫌盗窃被公安机关刑事拘留，后被判处有期徒刑。",
    codes.EndReason.DIED: "因病去世，家属提供死亡证明。",
    codes.EndReason.MOVED: "户籍及居住地迁往外省，已函告迁入地司法所。",
}


def _pick(rng, weighted):
    total = sum(w for _, w, *rest in weighted)
    r = rng.uniform(0, total)
    for item in weighted:
        r -= item[1]
        if r <= 0:
            return item
    return weighted[-1]


def _name(rng):
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")


def _ensure_workers(ctx) -> dict[int, list[User]]:
    """The resettlement workers of each office; an office without one (the accounts seeder creates
    them only at city scale) gets one, named after its director's login."""
    offices = {o.pk: o for o in ctx.offices}
    workers: dict[int, list[User]] = {}
    for user in User.objects.filter(roles__role=Role.RESETTLEMENT_WORKER, office_id__in=list(offices)).order_by("pk"):
        workers.setdefault(user.office_id, []).append(user)
    missing = [o for o in ctx.offices if o.pk not in workers]
    if not missing:
        return workers
    directors = dict(
        UserRole.objects.filter(role=Role.DIRECTOR, user__office_id__in=[o.pk for o in missing]).values_list(
            "user__office_id", "user__username"
        )
    )
    password = make_password(DEMO_PASSWORD)
    new = []
    for office in missing:
        director = directors.get(office.pk, "")
        prefix = director.rsplit(".", 1)[0] if director.endswith(".director") else f"o{office.pk}"
        new.append(
            User(
                username=f"{prefix}.resettlement1",
                full_name=_name(ctx.rng),
                org=office,
                office_id=office.pk,
                password=password,
                phone=ctx.fake_phone(),
                title="安置帮教社工",
                email=f"{prefix}.resettlement1@example.gov.cn",
            )
        )
    new = User.objects.bulk_create(new, batch_size=1000)
    UserRole.objects.bulk_create([UserRole(user=u, role=Role.RESETTLEMENT_WORKER) for u in new], batch_size=2000)
    for user in new:
        workers.setdefault(user.office_id, []).append(user)
    ctx.log(f"  resettlement workers created: {len(new)}")
    return workers


@transaction.atomic
def seed(ctx):
    if ctx.scale not in ("city", "province") or not ctx.offices:
        return
    workers = _ensure_workers(ctx)
    today = ctx.now.date()
    city_offices = [o for o in ctx.offices if ctx.city is not None and o.parent_id == ctx.city.pk]
    crowded = city_offices[2].pk if len(city_offices) > 2 else None
    city_ids = {o.pk for o in city_offices}
    plan = []
    for office in ctx.offices:
        if office.pk in city_ids:
            # One office carries more than its single worker may (1:50), so the shortfall shows.
            count = 66 if office.pk == crowded else ctx.rng.randint(12, 24)
            detailed = True
        else:
            count, detailed = ctx.rng.randint(5, 11), False
        plan.append((office, count, detailed))
    _seed_persons(ctx, plan, workers, today)


def _seed_persons(ctx, plan, workers, today):
    rng = ctx.rng
    persons, extras = [], []
    serial = 0
    for office, count, detailed in plan:
        villages = ctx.villages_by_office.get(office.pk, [])
        office_workers = workers.get(office.pk, [])
        for i in range(count):
            serial += 1
            person, extra = _person(ctx, office, villages, office_workers, i, today, serial)
            extra["detailed"] = detailed
            persons.append(person)
            extras.append(extra)
    persons = ReleasedPerson.objects.bulk_create(persons, batch_size=2000)
    helps, changes = [], []
    for person, extra in zip(persons, extras, strict=True):
        changes += _level_changes(rng, person, extra, today)
        records = _help_records(rng, person, extra, today)
        helps += records
        contacts = [h.date for h in records if h.kind in codes.CONTACT_KINDS]
        person.last_contact_on = max(contacts) if contacts else None
    ReleasedPerson.objects.bulk_update(persons, ["last_contact_on"], batch_size=2000)
    HelpRecord.objects.bulk_create(helps, batch_size=5000)
    LevelChange.objects.bulk_create(changes, batch_size=5000)
    ctx.log(f"  released persons: {len(persons)}, help records: {len(helps)}, level changes: {len(changes)}")


def _person(ctx, office, villages, office_workers, i, today, serial):
    rng = ctx.rng
    female = rng.random() < 0.1
    offence, _w, sentences = _pick(rng, OFFENCES)
    # Most released within the five years; about one in ten ended (one in twenty long expired).
    roll = rng.random()
    if roll < 0.05:
        released = today - datetime.timedelta(days=rng.randint(5 * 365 + 10, 6 * 365))
    elif roll < 0.07:
        # The five years just ran out: still open, waiting for the worker to end it.
        released = today - datetime.timedelta(days=5 * 365 + rng.randint(2, 20))
    else:
        released = today - datetime.timedelta(days=rng.randint(3, 5 * 365 - 5))
    period_end = period_end_for(released)
    handover = released + datetime.timedelta(days=rng.choice([0, 0, 0, 1, 1, 2, 3]))
    handover = min(handover, today)
    key = rng.random() < 0.2
    initial_key = key if rng.random() > 0.15 else not key
    status, ended_on, reason, note = codes.Status.ACTIVE, None, "", ""
    if period_end < today and roll < 0.05:
        status, ended_on, reason = codes.Status.ENDED, period_end, codes.EndReason.EXPIRED
    elif roll > 0.95:
        reason = rng.choice([codes.EndReason.REOFFENDED, codes.EndReason.DIED, codes.EndReason.MOVED])
        ended_on = handover + datetime.timedelta(days=rng.randint(30, max(31, (today - handover).days)))
        if ended_on <= today:
            status, note = codes.Status.ENDED, END_NOTES[reason]
        else:
            ended_on, reason = None, ""
    village = rng.choice(villages) if villages and rng.random() < 0.9 else office
    worker = office_workers[i % len(office_workers)] if office_workers else None
    employment = _pick(rng, EMPLOYMENT)[0]
    if employment == codes.Employment.RETIRED and rng.random() < 0.5:
        employment = codes.Employment.UNEMPLOYED
    prison = "江苏省女子监狱" if female and rng.random() < 0.7 else _pick(rng, PRISONS)[0]
    person = ReleasedPerson(
        org=village,
        office_id=office.pk,
        name=_name(rng),
        gender=codes.Gender.FEMALE if female else codes.Gender.MALE,
        id_number=ctx.fake_id_number(year_from=1962, year_to=2002),
        phone=ctx.fake_phone() if rng.random() < 0.85 else "",
        address=f"{village.name}{rng.randint(1, 260)}号" if village is not office else "",
        offence=offence,
        sentence=rng.choice(sentences),
        prison=prison,
        released_on=released,
        handover_on=handover,
        met_at_gate=rng.random() < (0.92 if key else 0.7),
        level=codes.Level.KEY if key else codes.Level.GENERAL,
        employment=employment,
        housing=_pick(rng, HOUSING)[0],
        assistance=_pick(rng, ASSISTANCE)[0],
        worker=worker,
        period_end=period_end,
        status=status,
        ended_on=ended_on,
        end_reason=reason,
        end_note=note,
        registered_by=worker,
    )
    person.created_at = ctx.now - datetime.timedelta(days=(today - handover).days)
    return person, {
        "initial": codes.Level.KEY if initial_key else codes.Level.GENERAL,
        "worker": worker,
    }


def _by(extra):
    worker = extra["worker"]
    return worker, (worker.full_name if worker is not None else "系统")


def _level_changes(rng, person, extra, today):
    user, name = _by(extra)
    rows = [
        LevelChange(
            person=person,
            org_id=person.org_id,
            office_id=person.office_id,
            date=person.handover_on,
            from_level="",
            to_level=extra["initial"],
            reason="衔接时危险性评估："
            + ("有再犯罪风险，列为重点帮教。" if extra["initial"] == "01" else "表现平稳。"),
            changed_by=user,
            changed_by_repr=name,
        )
    ]
    if extra["initial"] != person.level:
        last = person.ended_on or person.period_end
        span = max(1, (min(last, today) - person.handover_on).days)
        rows.append(
            LevelChange(
                person=person,
                org_id=person.org_id,
                office_id=person.office_id,
                date=person.handover_on + datetime.timedelta(days=rng.randint(1, span)),
                from_level=extra["initial"],
                to_level=person.level,
                reason="帮教期间表现稳定，经评估调整为一般帮教。"
                if person.level == codes.Level.GENERAL
                else "与原同案人员频繁接触，经评估调整为重点帮教。",
                changed_by=user,
                changed_by_repr=name,
            )
        )
    return rows


def _help_records(rng, person, extra, today):
    """A visit at the handover, then contacts every month or two (monthly for key assistance), and
    help matched to the person's situation; about three in four of those in assistance were
    contacted in the last 30 days."""
    user, name = _by(extra)
    end = person.ended_on or min(today, person.period_end)
    rows = []

    def add(date, kind):
        rows.append(
            HelpRecord(
                person=person,
                org_id=person.org_id,
                office_id=person.office_id,
                date=date,
                kind=kind,
                note=rng.choice(NOTES[kind]),
                recorded_by=user,
                recorded_by_repr=name,
            )
        )

    add(person.handover_on, codes.HelpKind.VISIT)
    step = 30 if person.level == codes.Level.KEY else 60
    # At province scale the other offices keep only their recent contacts: a cheap seed.
    start = person.handover_on if extra["detailed"] else max(person.handover_on, end - datetime.timedelta(days=120))
    day = start + datetime.timedelta(days=rng.randint(20, step))
    while day < end - datetime.timedelta(days=30):
        add(day, codes.HelpKind.VISIT if rng.random() < 0.4 else codes.HelpKind.CONTACT)
        day += datetime.timedelta(days=rng.randint(step - 10, step + 10))
    if person.status == codes.Status.ACTIVE and rng.random() < 0.75 and end > person.handover_on:
        recent = max(person.handover_on, end - datetime.timedelta(days=rng.randint(0, 28)))
        add(recent, codes.HelpKind.VISIT if rng.random() < 0.5 else codes.HelpKind.CONTACT)
    situational = []
    if person.employment == codes.Employment.UNEMPLOYED:
        situational.append(codes.HelpKind.EMPLOYMENT)
        if rng.random() < 0.4:
            situational.append(codes.HelpKind.TRAINING)
    if person.housing in (codes.Housing.NONE, codes.Housing.SHELTER):
        situational.append(codes.HelpKind.HOUSING)
    if person.assistance in (codes.Assistance.MINIMUM, codes.Assistance.TEMPORARY, codes.Assistance.EXTREME):
        situational.append(codes.HelpKind.SOCIAL)
    if rng.random() < 0.1:
        situational.append(codes.HelpKind.OTHER)
    span = max(0, (end - person.handover_on).days)
    for kind in situational:
        add(person.handover_on + datetime.timedelta(days=rng.randint(0, min(span, 180))), kind)
    return rows
