"""Demo mediation data: committees and mediators for every office and village of the demo city,
and a year of disputes (about 40,000 at city scale) in realistic mixes of type, channel and level,
most concluded successfully, the recent ones still open.

Rows are bulk-inserted (a service call per case would take minutes); they are built exactly as
the services would build them: numbers from the office counters, the tenant key from the org,
a timeline consistent with each status.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from fengqiao.accounts.models import User, UserRole
from fengqiao.core.permissions import Role
from fengqiao.orgs.models import OrgKind

from . import codes, codes_gbt
from .matching import identity_key
from .models import Agreement, CaseCounter, CaseEvent, Committee, Dispute, FollowUp, MediationSession, Mediator, Party
from .services import format_number

S, T = codes.Status, codes.Transition
INDUSTRY = [
    ("物业纠纷人民调解委员会", "物业"),
    ("道路交通事故人民调解委员会", "交通"),
    ("劳动争议人民调解委员会", "劳动争议"),
    ("医患纠纷人民调解委员会", "医患"),
    ("消费纠纷人民调解委员会", "消费"),
]
# (event type, weight, summary templates)
TYPES = [
    ("0201", 14, ["排水沟堵塞引发邻里纠纷", "采光通风受阻纠纷", "通行道路被占纠纷"]),
    ("0202", 7, ["院墙越界纠纷", "相邻建房纠纷"]),
    ("0902", 5, ["宅基地边界纠纷"]),
    ("0101", 9, ["婚姻家庭矛盾", "离婚财产分割纠纷"]),
    ("0102", 6, ["赡养老人费用纠纷", "子女抚养费纠纷"]),
    ("0103", 4, ["遗产继承纠纷", "分家析产纠纷"]),
    ("0603", 7, ["买卖合同货款纠纷", "装修合同纠纷"]),
    ("0602", 5, ["房屋租赁押金纠纷"]),
    ("0601", 4, ["消费服务纠纷", "预付卡退费纠纷"]),
    ("0701", 6, ["劳动合同解除纠纷"]),
    ("0703", 5, ["拖欠工资纠纷"]),
    ("0804", 5, ["民间借贷纠纷"]),
    ("0503", 8, ["道路交通事故赔偿纠纷"]),
    ("0502", 2, ["医疗损害赔偿纠纷"]),
    ("0507", 3, ["务工受伤赔偿纠纷"]),
    ("0901", 4, ["土地承包经营权纠纷"]),
    ("1102", 2, ["征地补偿纠纷"]),
    ("0402", 4, ["物业服务费纠纷", "小区停车纠纷"]),
    ("0504", 2, ["环境污染损害纠纷"]),
]
CHANNELS = [
    (codes.Channel.VISIT, 40),
    (codes.Channel.PHONE, 15),
    (codes.Channel.ONLINE, 10),
    (codes.Channel.SCREENING, 20),
    (codes.Channel.REFERRAL, 15),
]
REFERRALS = [
    codes.ReferralSource.POLICE,
    codes.ReferralSource.COURT,
    codes.ReferralSource.PETITION,
    codes.ReferralSource.TRAFFIC,
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国红玉兰春梅海燕志文斌"


def _pick(rng, weighted):
    total = sum(w for _, w, *rest in weighted)
    r = rng.uniform(0, total)
    for item in weighted:
        r -= item[1]
        if r <= 0:
            return item
    return weighted[-1]


def _valid_types(types):
    return [t for t in types if codes_gbt.is_valid_event_type(t[0])]


@transaction.atomic
def seed(ctx):
    if ctx.scale == "province":
        # Millions of cases for the benchmarks: the demo city's towns at their real rate (about
        # 50,000 a year), the rest of the province quieter, ten years of history.
        from . import rollup
        from .bulk import generate_disputes

        total = ctx.options.get("province_disputes", 5_000_000)
        if total:
            generate_disputes(
                offices=ctx.offices,
                total=total,
                years=10,
                focus=ctx.city,
                focus_per_year=50_000,
                rng_seed=ctx.rng.randint(1, 2**30),
                progress=ctx.log,
            )
            ctx.log(f"  monthly figures: {rollup.rebuild()} rows")
        return
    if ctx.scale != "city":
        return
    rng = ctx.rng
    city = ctx.city
    committees = [
        Committee(org=city, name=n, committee_type=codes.CommitteeType.INDUSTRY, field=f) for n, f in INDUSTRY
    ]
    for office in ctx.offices:
        committees.append(
            Committee(org=office, name=f"{office.short_name}人民调解委员会", committee_type=codes.CommitteeType.TOWN)
        )
        for v in ctx.villages_by_office.get(office.pk, []):
            committees.append(
                Committee(org=v, name=f"{v.name}人民调解委员会", committee_type=codes.CommitteeType.VILLAGE)
            )
    for c in committees:
        c.office_id = c.org.office_id
    committees = Committee.objects.bulk_create(committees)
    by_org = {c.org_id: c for c in committees if c.committee_type != codes.CommitteeType.INDUSTRY}
    industry = [c for c in committees if c.committee_type == codes.CommitteeType.INDUSTRY]

    # Mediator profiles for the mediators among the demo users, on their unit's committee.
    mediator_users = User.objects.filter(roles__role=Role.MEDIATOR).select_related("org")
    mediators = [
        Mediator(
            org=u.org, office_id=u.office_id, full_name=u.full_name, user=u, phone=u.phone, full_time=True, specialty=""
        )
        for u in mediator_users
    ]
    # Part-time mediators: a couple per office committee; industry committees get three full-timers
    # except one, so the staffing check finds a gap.
    for office in ctx.offices:
        for _i in range(2):
            mediators.append(Mediator(org=office, office_id=office.pk, full_name=_name(rng), full_time=False))
    for n, c in enumerate(industry):
        for _i in range(2 if n == 3 else 3):
            mediators.append(
                Mediator(org=city, office_id=city.pk, full_name=_name(rng), full_time=True, specialty=c.field)
            )
    mediators = Mediator.objects.bulk_create(mediators)
    through = Mediator.committees.through
    links = []
    industry_slots = [c for n, c in enumerate(industry) for _i in range(2 if n == 3 else 3)]
    for m in mediators:
        committee = by_org.get(m.org_id)
        if m.org_id == city.pk:
            committee = industry_slots.pop(0)
        if committee is not None:
            links.append(through(mediator_id=m.pk, committee_id=committee.pk))
    through.objects.bulk_create(links)
    _seed_trainings_and_honours(ctx, mediators, industry, by_org)
    mediators_by_office = {}
    for m in mediators:
        mediators_by_office.setdefault(m.office_id, []).append(m)

    staff_by_office = dict(
        UserRole.objects.filter(role__in=[Role.MEDIATOR, Role.DIRECTOR], user__org__kind=OrgKind.TOWN).values_list(
            "user__office_id", "user_id"
        )
    )
    _seed_disputes(
        ctx,
        by_org,
        industry,
        mediators_by_office,
        staff_by_office,
        per_year=ctx.options.get("disputes_per_year", 40_000),
    )
    _seed_linkage(ctx)
    _seed_warnings_and_screening(ctx)
    from . import rollup

    ctx.log(f"  monthly figures: {rollup.rebuild()} rows")


def _name(rng):
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")


def _seed_disputes(ctx, committee_by_org, industry, mediators_by_office, staff_by_office, per_year=40_000):
    rng = ctx.rng
    today = ctx.now.date()
    types = _valid_types(TYPES)
    counters: dict[tuple[int, int], int] = {}
    disputes, meta = [], []
    offices = {o.pk: o for o in ctx.offices}
    weights = {o.pk: rng.uniform(0.6, 1.4) for o in ctx.offices}
    total_weight = sum(weights.values())
    for office in ctx.offices:
        villages = ctx.villages_by_office.get(office.pk, [])
        count = int(per_year * weights[office.pk] / total_weight)
        for _i in range(count):
            age = int(rng.triangular(0, 365, 120))
            received = today - datetime.timedelta(days=age)
            etype, _w, summaries = _pick(rng, types)
            channel = _pick(rng, CHANNELS)[0]
            roll = rng.random()
            level = codes.Level.VILLAGE if roll < 0.75 else codes.Level.TOWN if roll < 0.97 else codes.Level.CITY
            village = rng.choice(villages) if villages and level == codes.Level.VILLAGE else None
            org = village or (rng.choice(villages) if villages and rng.random() < 0.5 else office)
            if level == codes.Level.VILLAGE:
                committee = committee_by_org.get(org.pk) or committee_by_org.get(office.pk)
            elif level == codes.Level.TOWN:
                committee = committee_by_org.get(office.pk)
            else:
                committee = rng.choice(industry)
            key = (office.pk, received.year)
            counters[key] = counters.get(key, 0) + 1
            seq = counters[key]
            status = _status_for(rng, age)
            d = Dispute(
                org=org,
                office_id=office.pk,
                number=format_number(office, received.year, seq),
                year=received.year,
                seq=seq,
                status=status,
                channel=channel,
                referral_source=rng.choice(REFERRALS) if channel == codes.Channel.REFERRAL else "",
                event_type=etype,
                stat_category=codes_gbt.stat_category_for(etype),
                summary=rng.choice(summaries),
                description=f"{org.name}{rng.choice(summaries)}，当事人申请调解。",
                people_count=rng.choice([2, 2, 2, 3, 4, 6]),
                amount=rng.choice([None, 2000, 5000, 12000, 30000, 80000]),
                scale="01",
                committee=committee,
                level=committee.level if committee else level,
                received_on=received,
                registered_by_id=staff_by_office.get(office.pk),
            )
            if status not in (S.REGISTERED, S.REJECTED):
                d.accepted_on = min(today, received + datetime.timedelta(days=rng.randint(0, 2)))
                d.deadline = d.accepted_on + datetime.timedelta(days=codes.DEFAULT_PERIOD_DAYS)
            if status in (S.SUCCEEDED, S.FAILED, S.TERMINATED, S.FOLLOWED_UP, S.ARCHIVED, S.REJECTED):
                start = d.accepted_on or received
                d.concluded_on = min(today, start + datetime.timedelta(days=rng.randint(1, 25)))
                d.days_to_conclude = (d.concluded_on - received).days
            if status == S.ARCHIVED:
                d.archived_on = min(today, d.concluded_on + datetime.timedelta(days=rng.randint(7, 30)))
            outcome = S.SUCCEEDED if rng.random() < 0.986 else S.FAILED
            if status == S.SUCCEEDED and outcome == S.FAILED:
                status = d.status = S.FAILED
            if status in (S.FAILED, S.TERMINATED, S.REJECTED):
                outcome = status
                d.outcome_reason = {
                    S.FAILED: "双方分歧较大，调解未达成一致。",
                    S.TERMINATED: "申请人撤回调解申请。",
                    S.REJECTED: "已进入诉讼程序，不予受理。",
                }[status]
            elif outcome == S.FAILED and status in (S.FOLLOWED_UP, S.ARCHIVED):
                d.outcome_reason = "双方分歧较大，调解未达成一致。"
            if d.concluded_on is not None:
                d.outcome = {S.REJECTED: codes.Outcome.REJECTED, S.TERMINATED: codes.Outcome.TERMINATED}.get(
                    status, codes.Outcome.SUCCEEDED if outcome == S.SUCCEEDED else codes.Outcome.FAILED
                )
            if d.outcome == codes.Outcome.SUCCEEDED and rng.random() < 0.03:
                d.prevented_criminal, d.prevented_criminal_persons = True, rng.randint(1, 3)
            if d.outcome == codes.Outcome.SUCCEEDED and d.people_count >= 6 and rng.random() < 0.1:
                d.prevented_mass_petition, d.prevented_mass_petition_persons = True, d.people_count
            disputes.append(d)
            meta.append(outcome)
    for (office_id, year), last in counters.items():
        CaseCounter.objects.update_or_create(office_id=office_id, year=year, defaults={"last": last})
    disputes = Dispute.objects.bulk_create(disputes, batch_size=2000)
    _seed_children(rng, disputes, meta, mediators_by_office)
    ctx.log(f"  disputes: {len(disputes)} in {len(offices)} offices")


def _status_for(rng, age: int) -> str:
    if age < 10:
        return rng.choice([S.REGISTERED, S.ACCEPTED, S.MEDIATING, S.MEDIATING, S.SUCCEEDED])
    if age < 40:
        return rng.choice([S.MEDIATING, S.SUCCEEDED, S.SUCCEEDED, S.FOLLOWED_UP, S.ARCHIVED])
    r = rng.random()
    return S.ARCHIVED if r < 0.94 else S.FOLLOWED_UP if r < 0.985 else S.REJECTED if r < 0.996 else S.TERMINATED


PATH = {
    S.REGISTERED: [T.REGISTER],
    S.ACCEPTED: [T.REGISTER, T.ACCEPT],
    S.MEDIATING: [T.REGISTER, T.ACCEPT, T.SESSION],
    S.REJECTED: [T.REGISTER, T.REJECT],
    S.TERMINATED: [T.REGISTER, T.ACCEPT, T.TERMINATE],
}


def _when(d, step, rng, index=0):
    """A plausible time of day for a step, on the date the case record implies."""
    day = (
        {
            T.REGISTER: d.received_on,
            T.ACCEPT: d.accepted_on,
            T.SESSION: d.accepted_on,
            T.ARCHIVE: d.archived_on,
            T.FOLLOW_UP: d.archived_on or d.concluded_on,
        }.get(step)
        or d.concluded_on
        or d.received_on
    )
    # Steps of one day follow each other: an hour apart from 08:30 on, minutes at random.
    moment = datetime.datetime.combine(day, datetime.time(min(8 + index, 18), rng.randint(30, 59)))
    return timezone.make_aware(moment)


def _seed_children(rng, disputes, outcomes, mediators_by_office):
    parties, events, sessions, agreements, follow_ups, assigned = [], [], [], [], [], []
    through = Dispute.mediators.through
    for d, outcome in zip(disputes, outcomes, strict=True):
        common = {"dispute_id": d.pk, "org_id": d.org_id, "office_id": d.office_id}
        for side, phone in (("applicant", f"139{rng.randint(0, 99999999):08d}"), ("respondent", "")):
            name = _name(rng)
            # bulk_create skips Party.save(), which sets the matching key
            parties.append(Party(side=side, name=name, phone=phone, identity_key=identity_key(name), **common))
        mediators = mediators_by_office.get(d.office_id) or []
        if mediators and d.status != S.REGISTERED:
            assigned.append(through(dispute_id=d.pk, mediator_id=rng.choice(mediators).pk))
        steps = PATH.get(d.status)
        if steps is None:  # concluded by mediation
            steps = [T.REGISTER, T.ACCEPT, T.SESSION, T.SUCCEED if outcome == S.SUCCEEDED else T.FAIL]
            if d.status in (S.FOLLOWED_UP, S.ARCHIVED):
                steps.append(T.FOLLOW_UP)
            if d.status == S.ARCHIVED:
                steps.append(T.ARCHIVE)
        status = ""
        for index, step in enumerate(steps):
            target = codes.TRANSITIONS[step][1] if step != T.REGISTER else S.REGISTERED
            events.append(
                CaseEvent(
                    transition=step,
                    from_status=status,
                    to_status=target,
                    actor_repr="演示数据",
                    at=_when(d, step, rng, index),
                    **common,
                )
            )
            status = target
        if T.SESSION in steps:
            sessions.append(
                MediationSession(
                    held_on=d.accepted_on or d.received_on,
                    place="调解室",
                    record="听取双方陈述，释法明理，引导协商。",
                    **common,
                )
            )
        if T.SUCCEED in steps:
            agreements.append(
                Agreement(
                    form=rng.choice(["written", "written", "oral"]),
                    terms="双方自愿达成协议，按约履行。",
                    signed_on=d.concluded_on or d.received_on,
                    amount=d.amount,
                    **common,
                )
            )
        if T.FOLLOW_UP in steps:
            follow_ups.append(
                FollowUp(
                    visited_on=d.archived_on or d.concluded_on or d.received_on,
                    performed=True if T.SUCCEED in steps else None,
                    satisfaction=rng.choice(["satisfied"] * 8 + ["fairly"]),
                    **common,
                )
            )
    Party.objects.bulk_create(parties, batch_size=5000)
    CaseEvent.objects.bulk_create(events, batch_size=5000)
    MediationSession.objects.bulk_create(sessions, batch_size=5000)
    Agreement.objects.bulk_create(agreements, batch_size=5000)
    FollowUp.objects.bulk_create(follow_ups, batch_size=5000)
    through.objects.bulk_create(assigned, batch_size=5000)


LINKAGE = [
    (codes.LinkageChannel.LITIGATION, 40, "江阴市人民法院"),
    (codes.LinkageChannel.ARBITRATION, 20, "江阴市劳动人事争议仲裁委员会"),
    (codes.LinkageChannel.LAWYER_MEDIATION, 15, "江阴市律师调解工作室"),
    (codes.LinkageChannel.LEGAL_AID, 15, "江阴市法律援助中心"),
    (codes.LinkageChannel.ADMIN_RULING, 5, "江阴市自然资源和规划局"),
    (codes.LinkageChannel.NOTARY, 5, "江阴市公证处"),
]


def _seed_linkage(ctx):
    """Failed, terminated and declined cases passed on to other channels (most with a result back),
    and judicial confirmation for some written agreements."""
    from .models import JudicialConfirmation, Referral

    rng, today = ctx.rng, ctx.now.date()
    ended = Dispute.objects.filter(
        office__in=ctx.offices, outcome__in=[codes.Outcome.FAILED, codes.Outcome.TERMINATED, codes.Outcome.REJECTED]
    ).values_list("pk", "org_id", "office_id", "concluded_on")
    referrals = []
    for pk, org_id, office_id, concluded in ended:
        if rng.random() > 0.8:
            continue
        channel, _w, body = _pick(rng, LINKAGE)
        referred = concluded + datetime.timedelta(days=rng.randint(0, 5))
        back = referred + datetime.timedelta(days=rng.randint(10, 60))
        done = back <= today
        referrals.append(
            Referral(
                dispute_id=pk,
                org_id=org_id,
                office_id=office_id,
                channel=channel,
                receiving_body=body,
                referred_on=min(referred, today),
                reason="调解不成，引导当事人通过其他途径解决。",
                outcome=rng.choice([codes.LinkageOutcome.RESOLVED] * 3 + [codes.LinkageOutcome.NOT_RESOLVED])
                if done
                else codes.LinkageOutcome.PENDING,
                result="已办结。" if done else "",
                result_on=back if done else None,
            )
        )
    Referral.objects.bulk_create(referrals, batch_size=2000)
    written = Agreement.objects.filter(office__in=ctx.offices, form=codes.AgreementForm.WRITTEN).values_list(
        "dispute_id", "org_id", "office_id", "signed_on"
    )
    confirmations = []
    for pk, org_id, office_id, signed in written:
        if rng.random() > 0.04:
            continue
        applied = min(today, signed + datetime.timedelta(days=rng.randint(1, 20)))
        ruled = applied + datetime.timedelta(days=rng.randint(3, 15))
        done = ruled <= today
        confirmations.append(
            JudicialConfirmation(
                dispute_id=pk,
                org_id=org_id,
                office_id=office_id,
                court="江阴市人民法院",
                applied_on=applied,
                result=codes.ConfirmationResult.CONFIRMED if done else codes.ConfirmationResult.PENDING,
                ruled_on=ruled if done else None,
                ruling_number=f"（{ruled.year}）苏0281民特{rng.randint(1, 999)}号" if done else "",
            )
        )
    JudicialConfirmation.objects.bulk_create(confirmations, batch_size=2000)
    ctx.log(f"  referrals: {len(referrals)}, judicial confirmations: {len(confirmations)}")


def _seed_warnings_and_screening(ctx):
    """Quarterly screening rounds in every village; a few clusters of open disputes (one property
    company, one market), threats and large sums that raise warnings through the services'
    rules; two major incidents, one of them caused by late mediation; city period rules."""
    from . import services
    from .models import MajorIncident, MediationPeriod, ScreeningRound

    rng, today = ctx.rng, ctx.now.date()
    rounds = []
    for office in ctx.offices:
        for v in ctx.villages_by_office.get(office.pk, []):
            for quarter in range(4):
                end = today - datetime.timedelta(days=90 * quarter + rng.randint(0, 10))
                start = end - datetime.timedelta(days=89)
                found = rng.choice([0, 0, 1, 1, 2, 3])
                rounds.append(
                    ScreeningRound(
                        org=v,
                        office_id=office.pk,
                        period_from=start,
                        period_to=end,
                        held_on=end,
                        participants="村调委会主任、网格员、法律顾问",
                        disputes_found=found,
                        risks_found=1 if found > 2 else 0,
                        findings=f"排查发现矛盾纠纷{found}起，已登记调处。" if found else "未发现矛盾纠纷。",
                    )
                )
    ScreeningRound.objects.bulk_create(rounds, batch_size=2000)

    def register(office, **kw):
        villages = ctx.villages_by_office.get(office.pk) or [office]
        data = {
            "actor": None,
            "org": villages[0],
            "channel": codes.Channel.VISIT,
            "event_type": "0402",
            "received_on": today - datetime.timedelta(days=rng.randint(1, 20)),
        } | kw
        return services.dispute_register(**data)

    clustered = ctx.offices[:3]
    for n, office in enumerate(clustered):
        company = ["阳光物业管理有限公司", "恒信置业有限公司", "华通运输公司"][n]
        for _i in range(3 + 2 * (n == 0)):
            register(
                office,
                summary="物业服务纠纷" if n < 2 else "拖欠运费纠纷",
                description=f"业主反映{company}长期未履行维修义务，多户业主情绪激动。",
                parties=[{"side": "applicant", "name": _name(rng)}, {"side": "respondent", "name": company}],
                people_count=rng.choice([3, 6, 12]),
            )
    for office in ctx.offices[3:6]:
        for _i in range(3):
            register(
                office,
                event_type="0201",
                summary="农贸市场摊位纠纷",
                description="摊主之间因摊位占道发生争执。",
                place="农贸市场东门 摊位区",
                parties=[{"side": "applicant", "name": _name(rng)}, {"side": "respondent", "name": _name(rng)}],
            )
    for office in ctx.offices[6:10]:
        register(
            office,
            event_type="0201",
            summary="宅基地边界纠纷激化",
            description="双方多次争吵，被申请人扬言要报复，申请人曾被打伤住院。",
            parties=[{"side": "applicant", "name": _name(rng)}, {"side": "respondent", "name": _name(rng)}],
        )
        register(
            office,
            event_type="0804",
            summary="大额民间借贷纠纷",
            description="借款到期未还，出借人多次催讨。",
            amount=rng.choice([150_000, 600_000, 1_200_000]),
            parties=[{"side": "applicant", "name": _name(rng)}, {"side": "respondent", "name": _name(rng)}],
        )

    if len(ctx.offices) >= 2:
        MajorIncident.objects.create(
            org=ctx.offices[0],
            office_id=ctx.offices[0].pk,
            occurred_on=today - datetime.timedelta(days=rng.randint(30, 200)),
            title="小区业主聚集反映物业问题",
            description="约六十名业主在小区门口聚集，经镇村干部劝导后散去。",
            people_count=60,
            caused_by_mediation=False,
            cause_note="",
        )
        MajorIncident.objects.create(
            org=ctx.offices[1],
            office_id=ctx.offices[1].pk,
            occurred_on=today - datetime.timedelta(days=rng.randint(30, 200)),
            title="企业欠薪引发职工聚集",
            description="五十余名职工到镇政府聚集讨薪。",
            people_count=55,
            caused_by_mediation=True,
            cause_note="欠薪纠纷受理后未及时组织调解，超过调解期限。",
        )
    MediationPeriod.objects.bulk_create(
        [
            MediationPeriod(org=ctx.city, office_id=ctx.city.office_id or ctx.city.pk, code="07", days=15),
            MediationPeriod(org=ctx.city, office_id=ctx.city.office_id or ctx.city.pk, code="0503", days=45),
        ]
    )
    ctx.log(f"  screening rounds: {len(rounds)}; warning clusters in {len(ctx.offices[:10])} offices")


def _seed_trainings_and_honours(ctx, mediators, industry, committee_by_org):
    """Two trainings a year for every full-time mediator, and a few gold-medal designations."""
    from .models import Designation, MediatorTraining

    rng, today = ctx.rng, ctx.now.date()
    courses = [
        ("人民调解员业务能力培训", "江阴市司法局"),
        ("《民法典》婚姻家庭编专题培训", "江阴市司法局"),
        ("矛盾纠纷排查化解实务", "无锡市司法局"),
        ("调解文书制作规范培训", "镇司法所"),
    ]
    trainings = []
    for m in mediators:
        if not m.full_time:
            continue
        for title, organiser in rng.sample(courses, 2):
            trainings.append(
                MediatorTraining(
                    org_id=m.org_id,
                    office_id=m.office_id,
                    mediator=m,
                    held_on=today - datetime.timedelta(days=rng.randint(10, 330)),
                    title=title,
                    hours=rng.choice([4, 6, 8, 16]),
                    organiser=organiser,
                )
            )
    MediatorTraining.objects.bulk_create(trainings, batch_size=2000)
    honours = []
    towns = [c for c in committee_by_org.values() if c.committee_type == codes.CommitteeType.TOWN][:2]
    for n, c in enumerate(towns):
        honours.append(
            Designation(
                org_id=c.org_id,
                office_id=c.office_id,
                kind=codes.HonourKind.STUDIO,
                level=[codes.HonourLevel.PROVINCE, codes.HonourLevel.CITY][n],
                year=today.year - n,
                committee=c,
                studio_name=f"{c.org.short_name or c.org.name}老娘舅调解工作室",
                conferred_by=["江苏省司法厅", "无锡市司法局"][n],
            )
        )
    for n, m in enumerate([m for m in mediators if m.full_time][:3]):
        honours.append(
            Designation(
                org_id=m.org_id,
                office_id=m.office_id,
                kind=codes.HonourKind.MEDIATOR,
                level=[codes.HonourLevel.CITY, codes.HonourLevel.COUNTY, codes.HonourLevel.COUNTY][n],
                year=today.year - (n % 2),
                mediator=m,
                conferred_by=["无锡市司法局", "江阴市司法局", "江阴市司法局"][n],
            )
        )
    Designation.objects.bulk_create(honours)
    if industry:
        ctx.log(f"  mediator trainings: {len(trainings)}, designations: {len(honours)}")
