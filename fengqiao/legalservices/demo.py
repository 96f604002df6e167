"""Demo public legal services: a year of consultations, referrals, legislative-opinion collections,
reconsideration referrals and legal opinions for the town for every office, with satisfaction
ratings and a few complaints. Some services are overdue, one office answers late, two offices have a
substantiated complaint and one gave the town no legal opinion, so the gaps show in the figures.

Rows are bulk-created, consistent with what the services would have written: due dates from the
default due times, concluded dates on or after receipt, a timeline event for each step."""

from __future__ import annotations

import datetime

from django.db import transaction

from fengqiao.accounts.models import User, UserRole
from fengqiao.core.permissions import Role

from . import codes, policy
from .models import Complaint, ServiceEvent, ServiceRecord

K, C = codes.Kind, codes.Category
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡钱沈顾陆缪"
GIVEN = "伟强磊军勇杰涛明超平刚建国华峰斌辉鹏飞波林宇浩凯俊龙海东亮新春文志忠良芳娟秀英兰玉梅红霞丽萍"

# (category, question, answer)
CONSULTATIONS = [
    (C.FAMILY, "丈夫长期在外打工不顾家，想起诉离婚，孩子抚养权怎么判？",
     "告知可向人民法院起诉离婚；子女抚养按最有利于未成年子女原则确定，已满八周岁的应尊重其真实意愿。建议收集分居、未尽家庭义务的证据。"),
    (C.FAMILY, "父母年老多病，兄弟几个互相推诿不给赡养费，怎么办？",
     "成年子女对父母有赡养扶助义务，不因放弃继承权而免除。可先申请村调委会调解，调解不成可向法院起诉追索赡养费。"),
    (C.FAMILY, "协议离婚后对方不按约定支付抚养费，能否强制执行？",
     "离婚协议经婚姻登记机关备案，对方不履行可向法院起诉要求支付；已有生效调解书或判决的，可直接申请强制执行。"),
    (C.INHERITANCE, "父亲去世没有留遗嘱，老宅由谁继承？出嫁的女儿有没有份？",
     "无遗嘱按法定继承办理，第一顺序继承人为配偶、子女、父母，出嫁女儿与儿子享有同等继承权。宅基地使用权随房屋一并处理。"),
    (C.INHERITANCE, "母亲生前写了一份自书遗嘱，兄弟说无效，怎么判断？",
     "自书遗嘱须由遗嘱人亲笔书写、签名并注明年、月、日。符合形式要件且系真实意思表示的有效，建议到公证处办理继承公证。"),
    (C.LABOUR, "在厂里干了八个月，老板拖欠三个月工资不给，怎么讨要？",
     "建议先与用人单位协商，收集考勤、工资条、微信聊天等证据；协商不成可向劳动保障监察部门投诉，或向劳动人事争议仲裁委员会申请仲裁，符合条件的可申请法律援助。"),
    (C.LABOUR, "上班途中骑电动车被撞，算不算工伤？",
     "在上下班途中受到非本人主要责任的交通事故伤害的，应当认定为工伤。应在事故发生之日起一年内向人社部门申请工伤认定，并保留交警事故认定书。"),
    (C.LABOUR, "公司没签劳动合同就把我辞退了，能要求什么赔偿？",
     "用人单位自用工之日起超过一个月不满一年未签书面劳动合同的，应支付二倍工资；违法解除劳动合同的，应按经济补偿标准二倍支付赔偿金。可申请劳动仲裁。"),
    (C.LABOUR, "在工地干活摔伤，包工头说不归他管，该找谁？",
     "建设单位、施工总承包单位将工程违法分包给不具备用工主体资格的个人的，由承包单位承担用工主体责任。建议申请工伤认定，必要时申请法律援助。"),
    (C.LAND, "邻居翻建房屋占了我家宅基地半米，村里调解不成怎么办？",
     "宅基地使用权争议可向镇人民政府申请处理，对处理决定不服的可申请行政复议或提起行政诉讼；已建房屋侵占的，可同时主张排除妨害。"),
    (C.LAND, "承包的责任田被村里收回转包给别人，合法吗？",
     "承包期内发包方不得收回承包地，确需调整的须经村民会议三分之二以上成员或三分之二以上村民代表同意并报批。可申请农村土地承包仲裁。"),
    (C.LAND, "拆迁补偿标准太低，不签协议会不会被强拆？",
     "征收须依法作出征收决定并给予公平补偿，未经法定程序不得强制拆除。对补偿决定不服的，可在法定期限内申请行政复议或提起行政诉讼。"),
    (C.CONTRACT, "借给朋友五万元只有微信转账记录，没打借条，能要回来吗？",
     "微信转账记录、聊天记录可以作为证据，建议尽快通过微信让对方确认借款事实及还款期限。民间借贷诉讼时效为三年，自约定还款期限届满之日起算。"),
    (C.CONTRACT, "装修公司拿了预付款后拖着不开工，想解除合同退款。",
     "对方迟延履行主要债务，经催告后在合理期限内仍未履行的，可以解除合同并要求返还预付款、赔偿损失。建议书面催告并保留证据。"),
    (C.CONTRACT, "给人做了担保，借款人跑了，银行找我还钱怎么办？",
     "需区分一般保证和连带责任保证。承担保证责任后，有权向债务人追偿。建议核对保证合同条款及保证期间是否已过。"),
    (C.TORT, "在超市滑倒摔伤了腰，超市说地面刚拖过有提示，要不要赔？",
     "经营场所的经营者未尽到安全保障义务造成他人损害的，应当承担侵权责任；是否尽到义务需结合警示标志设置情况判断，建议保存就诊记录和现场照片。"),
    (C.TORT, "邻居家的狗咬伤了我孩子，对方只愿意出疫苗钱。",
     "饲养的动物造成他人损害的，饲养人应当承担侵权责任，赔偿范围包括医疗费、护理费、交通费等合理费用。可先申请人民调解。"),
    (C.TRAFFIC, "电动车和小轿车相撞，对方全责，保险公司赔偿怎么算？",
     "先由交强险在责任限额内赔偿，不足部分由商业三者险按责任比例赔偿。赔偿项目包括医疗费、误工费、护理费、交通费等，伤残的可申请司法鉴定。"),
    (C.TRAFFIC, "被车撞了对方逃逸，医药费谁来出？",
     "肇事逃逸的可报警由公安机关追查；抢救费用可向道路交通事故社会救助基金申请垫付。"),
    (C.CONSUMER, "网上买的电器收到就坏了，商家不给退。",
     "网购商品除特殊情形外享有七日无理由退货权，商品存在质量问题的可要求退货、更换或修理。可向平台投诉或拨打12315。"),
    (C.CONSUMER, "在培训机构交了一年学费，机构关门了，钱能退吗？",
     "可要求机构退还未消费部分费用；机构负责人失联的，可向市场监管部门投诉、向公安机关报案，也可起诉要求退款。"),
    (C.NEIGHBOUR, "楼上住户装修把我家天花板渗水弄坏了，对方不认账。",
     "相邻关系中因施工造成他人损害的应予赔偿。建议拍照留存、请物业出具情况说明，可申请人民调解或向法院起诉。"),
    (C.NEIGHBOUR, "邻居在公共过道堆放杂物，影响通行，说了不听。",
     "不动产权利人应当为相邻权利人通行提供必要便利。可请物业或村（居）委会协调，仍不改正的可申请人民调解。"),
    (C.ADMINISTRATIVE, "被交警罚款扣分，觉得处罚不对，能不能申请复议？",
     "对行政处罚不服的，可自知道之日起六十日内申请行政复议，也可以在六个月内直接提起行政诉讼。"),
    (C.ADMINISTRATIVE, "申请低保被镇里驳回了，不服怎么办？",
     "可向作出决定的机关了解驳回理由，对决定不服的可申请行政复议。已告知行政复议的申请期限和受理机关。"),
    (C.OTHER, "想给年迈的母亲办理意定监护，需要什么手续？",
     "具有完全民事行为能力的成年人可以与近亲属或其他愿意担任监护人的个人、组织事先协商，以书面形式确定监护人。建议到公证处办理意定监护公证。"),
    (C.OTHER, "接到自称公检法的电话说我涉嫌洗钱，要我转账到安全账户。",
     "公检法机关不会通过电话办案，更不存在“安全账户”，该情形系电信网络诈骗。已提醒不要转账并向派出所报告。"),
]  # fmt: skip

# (referral_to, category, matter, outcome)
REFERRALS = [
    (codes.ReferralTo.LEGAL_AID, C.LABOUR, "农民工被拖欠工资三万余元，经济困难，申请法律援助。",
     "法律援助中心已受理并指派律师代理劳动仲裁，用人单位已支付拖欠工资。"),
    (codes.ReferralTo.LEGAL_AID, C.TRAFFIC, "交通事故受害人家庭困难，需起诉索赔，申请法律援助。",
     "法律援助中心审查后给予法律援助，指派律师代理诉讼，经法院调解获赔。"),
    (codes.ReferralTo.LEGAL_AID, C.FAMILY, "老人追索赡养费，无力聘请律师。",
     "法律援助中心已受理，援助律师代理起诉，法院判决子女按月支付赡养费。"),
    (codes.ReferralTo.NOTARY, C.INHERITANCE, "办理房产继承，需公证继承权。",
     "公证处已受理，出具继承权公证书，当事人已办理不动产过户。"),
    (codes.ReferralTo.NOTARY, C.OTHER, "老人办理意定监护及遗嘱公证。",
     "公证处上门办理，已出具公证书。"),
    (codes.ReferralTo.FORENSIC, C.TRAFFIC, "交通事故受伤需作伤残等级鉴定。",
     "司法鉴定机构已出具鉴定意见：十级伤残，当事人已据此与保险公司协商理赔。"),
    (codes.ReferralTo.FORENSIC, C.TORT, "工伤事故误工期、护理期鉴定。",
     "鉴定机构已受理并出具鉴定意见书。"),
    (codes.ReferralTo.ARBITRATION, C.LABOUR, "职工被违法解除劳动合同，要求赔偿金。",
     "劳动人事争议仲裁委员会已立案，经仲裁调解，单位支付赔偿金二万八千元。"),
    (codes.ReferralTo.ARBITRATION, C.CONTRACT, "个体户与供货商买卖合同纠纷，合同约定仲裁。",
     "无锡仲裁委员会已受理，双方达成和解，撤回仲裁申请。"),
]  # fmt: skip
BODIES = {
    codes.ReferralTo.LEGAL_AID: ["江阴市法律援助中心"],
    codes.ReferralTo.NOTARY: ["江苏省江阴市公证处", "江苏省江阴市澄江公证处"],
    codes.ReferralTo.FORENSIC: ["无锡市司法鉴定所", "江苏苏南司法鉴定所"],
    codes.ReferralTo.ARBITRATION: ["江阴市劳动人事争议仲裁委员会", "无锡仲裁委员会"],
}
RECONSIDERATIONS = [
    ("对镇综合行政执法局拆除违章搭建的决定不服，要求撤销。", "江阴市人民政府行政复议办公室",
     "复议机关已受理，经审理维持原行政行为，申请人表示接受。"),
    ("对市场监管部门罚款五千元的处罚决定不服。", "江阴市人民政府行政复议办公室",
     "复议机关已受理，经调解，执法部门变更罚款数额，申请人撤回复议申请。"),
    ("对不予认定工伤的决定不服。", "江阴市人民政府行政复议办公室",
     "复议机关撤销原决定，责令人社部门重新作出认定。"),
    ("对公安派出所治安罚款决定不服。", "无锡市公安局",
     "复议机关维持原处罚决定，已向申请人释法说理。"),
]  # fmt: skip
DRAFTS = [
    "《江苏省养老服务条例（修订草案征求意见稿）》",
    "《无锡市文明行为促进条例（修订草案）》",
    "《江苏省物业管理条例（修订草案）》",
    "《无锡市电动自行车管理条例（草案）》",
    "《江苏省农村住房条例（草案征求意见稿）》",
    "《中华人民共和国农村集体经济组织法（草案）》",
    "《江苏省优化营商环境条例（修订草案）》",
]
OPINIONS = [
    "1.建议明确农村互助养老睦邻点的运营补贴标准；\n2.建议增加失能老人家庭照护者喘息服务的规定；\n3.村民反映助餐点覆盖不足。",
    "1.建议细化电动自行车进楼入户充电的处罚标准；\n2.建议对老旧小区集中充电设施建设给予补贴；\n3.外卖骑手希望明确违章处理的申诉渠道。",
    "1.建议明确业主委员会成立的指导主体和时限；\n2.建议增加物业服务质量评价公开的规定；\n3.居民对公共收益分配透明度意见较多。",
    "1.建议对农村建房审批时限作出规定；\n2.建议明确危房改造中困难群体的补助标准；\n3.村民代表建议保留传统院落风貌条款。",
    "1.建议进一步明确集体经济组织成员资格认定的程序；\n2.外嫁女成员权益保障需明确；\n3.建议规定收益分配公开的方式。",
]
# (decision type, subject, matter, opinion)
DECISIONS = [
    (codes.DecisionType.CONTRACT, "镇政府与某物流公司厂房租赁合同", "审查租赁期限、租金调整及违约条款。",
     "合同总体合法有效。建议：1.明确租金支付时间和逾期违约金；2.增加消防安全责任条款；3.租赁期限不得超过二十年。"),
    (codes.DecisionType.CONTRACT, "老旧小区改造项目施工合同", "审查工程价款、工期和质量保证条款。",
     "建议补充工期延误违约责任和质量保证金比例条款，明确变更签证程序，付款节点与审计结果挂钩。"),
    (codes.DecisionType.CONTRACT, "镇农贸市场经营权对外承包合同", "审查承包程序及合同条款。",
     "承包应通过公开招标方式进行；建议增加食品安全管理责任、承包费调整机制和提前解除条件。"),
    (codes.DecisionType.DECISION, "关于对某地块实施集体土地征收的决定", "审查征收程序合法性。",
     "征收前应依法开展社会稳定风险评估、发布征收公告并听取意见，补偿安置方案应公示。目前程序尚缺听证告知环节，建议补正后再作决定。"),
    (codes.DecisionType.DECISION, "关于整治河道沿线违章建筑的实施方案", "审查执法主体、程序和救济途径。",
     "建议明确综合行政执法局为执法主体，依法送达限期拆除决定并告知复议诉讼权利，对困难群众做好安置帮扶。"),
    (codes.DecisionType.DOCUMENT, "《镇村级公益性岗位管理办法》", "合法性审查。",
     "文件不得设定行政处罚和强制措施；建议删除“取消低保资格”的表述，补充岗位人员的申诉渠道。"),
    (codes.DecisionType.DOCUMENT, "《镇人居环境长效管护考核办法》", "合法性审查。",
     "总体合法。建议将考核结果与村级奖补挂钩的条款表述为“可以”，并明确考核结果公示程序。"),
]  # fmt: skip
COMPLAINTS = [
    ("来电反映到司法所咨询拆迁补偿问题，工作人员答复不耐烦、未讲清楚复议期限。",
     "经调取接待记录、询问当事工作人员，答复内容正确但态度生硬，已对该工作人员批评教育，并回访当事人重新释明。"),
    ("反映申请法律援助后一个多月无人联系。",
     "经核查，所内已于三日内转交法律援助中心，中心因材料不全未及时联系，已协调补正并告知当事人，非司法所原因。"),
    ("投诉村法律顾问值班日未到岗，白跑一趟。",
     "经核查值班签到记录和村委会证明，该法律顾问当日确未到岗且未请假，已约谈并调整值班安排。"),
    ("反映咨询借款纠纷时工作人员推诿，让其去法院。",
     "经核查，工作人员已解答并建议先行调解，当事人对答复理解有误，已电话回访说明。"),
]  # fmt: skip
WITHDRAW_REASONS = [
    "当事人表示已自行协商解决，不再需要转介。",
    "当事人电话无法接通，多次联系未果，经本人短信确认撤回。",
]
NOTES = ["已电话联系接收机构，了解办理进度。", "当事人补充提交了身份证明和收入证明材料。", "接收机构反馈正在审查中。"]


def _name(rng):
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")


def _staff(ctx) -> tuple[dict[int, list[User]], dict[int, list[User]]]:
    """Office users who record services, and the legal advisors serving each village."""
    office_ids = [o.pk for o in ctx.offices]
    staff: dict[int, list[User]] = {}
    for user in (
        User.objects.filter(
            office_id__in=office_ids,
            roles__role__in=[Role.DIRECTOR, Role.STAFF],
            org__kind="town",
        )
        .distinct()
        .order_by("pk")
    ):
        staff.setdefault(user.office_id, []).append(user)
    advisors: dict[int, list[User]] = {}
    through = User.served_villages.through
    advisor_ids = UserRole.objects.filter(role=Role.LEGAL_ADVISOR, user__office_id__in=office_ids).values_list(
        "user_id", flat=True
    )
    users = {u.pk: u for u in User.objects.filter(pk__in=list(advisor_ids))}
    for user_id, village_id in through.objects.filter(user_id__in=list(users)).values_list("user_id", "orgnode_id"):
        advisors.setdefault(village_id, []).append(users[user_id])
    return staff, advisors


@transaction.atomic
def seed(ctx):
    if not ctx.offices:
        return
    today = ctx.now.date()
    rules = policy.rules()
    staff, advisors = _staff(ctx)
    city_offices = [o for o in ctx.offices if ctx.city is not None and o.parent_id == ctx.city.pk]
    city_ids = {o.pk for o in city_offices}
    late = city_offices[1].pk if len(city_offices) > 1 else None
    no_opinions = city_offices[7].pk if len(city_offices) > 7 else None
    substantiated = {city_offices[i].pk for i in (4, 11) if len(city_offices) > i}
    # The first office (whose logins the seed prints) has a complaint waiting for verification.
    pending = city_offices[0].pk if city_offices else None
    builder = _Builder(ctx, today, rules, staff, advisors)
    for office in ctx.offices:
        full = office.pk in city_ids
        count = ctx.rng.randint(220, 320) if full else ctx.rng.randint(6, 12)
        builder.office(
            office,
            count,
            full=full,
            late=office.pk == late,
            opinions=office.pk != no_opinions,
            substantiated=office.pk in substantiated,
            pending=office.pk == pending,
        )
    builder.save()
    ctx.log(
        f"  legal services: {len(builder.services)}, events: {builder.event_count}, "
        f"complaints: {len(builder.complaints)}"
    )


class _Builder:
    def __init__(self, ctx, today, rules, staff, advisors):
        self.ctx, self.rng, self.today, self.rules = ctx, ctx.rng, today, rules
        self.staff, self.advisors = staff, advisors
        self.services: list[ServiceRecord] = []
        self.plans: list[list] = []  # per service: [(step, date, note)]
        self.complaints: list[tuple[Complaint, int | None]] = []
        self.event_count = 0

    def _by(self, office, org):
        rng = self.rng
        if org.pk != office.pk and self.advisors.get(org.pk) and rng.random() < 0.4:
            return rng.choice(self.advisors[org.pk])
        people = self.staff.get(office.pk)
        return rng.choice(people) if people else None

    def office(self, office, count, *, full, late, opinions, substantiated, pending=False):
        rng = self.rng
        villages = self.ctx.villages_by_office.get(office.pk, [])
        kinds = [K.CONSULTATION] * 78 + [K.REFERRAL] * 15 + [K.RECONSIDERATION] * 4
        start = len(self.services)
        for _ in range(count):
            self._service(office, villages, rng.choice(kinds), late=late, full=full)
        if full:
            for _ in range(rng.randint(3, 6)):
                self._service(office, villages, K.LEGISLATIVE, late=late, full=full)
            if opinions:
                for _ in range(rng.randint(8, 16)):
                    self._service(office, [], K.DECISION, late=late, full=full)
            self._complaints(office, villages, start, substantiated, pending)

    def _dates(self, kind, *, late, recent_open):
        rng, today = self.rng, self.today
        received = today - datetime.timedelta(days=rng.randint(0, 364))
        if recent_open:
            received = today - datetime.timedelta(days=rng.randint(0, 40))
        days, working = self.rules[kind]
        due = policy.add_days(received, days, working)
        return received, due

    def _service(self, office, villages, kind, *, late, full):
        rng, today = self.rng, self.today
        # Open at the end: not yet due, or overdue (more of them, and more late answers, at the late office).
        roll = rng.random()
        overdue_share = 0.05 if late else 0.008
        open_now = roll < overdue_share or (kind != K.CONSULTATION and roll < overdue_share + 0.03)
        received, due = self._dates(kind, late=late, recent_open=open_now)
        if open_now and roll < overdue_share and due >= today:
            # make it overdue: received long enough ago
            received = today - datetime.timedelta(days=rng.randint(8, 60))
            due = policy.add_days(received, *self.rules[kind])
        org = rng.choice(villages) if villages and rng.random() < 0.55 else office
        by = self._by(office, org)
        s = ServiceRecord(
            org=org,
            office_id=office.pk,
            kind=kind,
            received_on=received,
            due_on=due,
            handled_by=by,
            handled_by_repr=(by.full_name if by is not None else "系统"),
        )
        s.created_at = self.ctx.now - datetime.timedelta(days=(today - received).days)
        plan = [(codes.Step.REGISTER, received, "")]
        if kind in (K.CONSULTATION, K.REFERRAL, K.RECONSIDERATION):
            s.person_name = _name(rng)
            s.person_phone = self.ctx.fake_phone() if rng.random() < 0.8 else ""
            s.channel = rng.choices(codes.Channel.values, weights=[45, 25, 10, 12, 8])[0]
            s.minutes = rng.choice([10, 15, 20, 20, 30, 30, 40, 45, 60, 90])
        if kind == K.CONSULTATION:
            s.category, s.question, answer = rng.choice(CONSULTATIONS)
        elif kind == K.REFERRAL:
            s.referral_to, s.category, s.question, answer = rng.choice(REFERRALS)
            s.receiving_body = rng.choice(BODIES[s.referral_to])
        elif kind == K.RECONSIDERATION:
            s.category = C.ADMINISTRATIVE
            s.question, s.receiving_body, answer = rng.choice(RECONSIDERATIONS)
        elif kind == K.LEGISLATIVE:
            s.subject = rng.choice(DRAFTS)
            s.question = rng.choice(OPINIONS)
            s.opinion_count = rng.randint(6, 45)
            answer = ""
        else:
            s.decision_type, s.subject, s.question, answer = rng.choice(DECISIONS)
        if open_now:
            if kind in (K.REFERRAL, K.RECONSIDERATION) and rng.random() < 0.5:
                plan.append((codes.Step.NOTE, min(today, received + datetime.timedelta(days=2)), rng.choice(NOTES)))
        elif rng.random() < 0.015 and kind in (K.REFERRAL, K.RECONSIDERATION):
            # withdrawn before it was due
            s.status, s.concluded_on = codes.Status.WITHDRAWN, received
            s.withdraw_reason = rng.choice(WITHDRAW_REASONS)
            plan.append((codes.Step.WITHDRAW, received, s.withdraw_reason))
        else:
            self._conclude(s, kind, answer, late=late, plan=plan)
        self.services.append(s)
        self.plans.append(plan)

    def _conclude(self, s, kind, answer, *, late, plan):
        rng, today = self.rng, self.today
        late_share = 0.25 if late else 0.03
        if kind == K.CONSULTATION:
            lag = 0 if rng.random() > late_share else rng.randint(1, 4)
        else:
            span = max(0, (s.due_on - s.received_on).days)
            lag = rng.randint(0, span) if rng.random() > late_share else span + rng.randint(1, 10)
            if kind in (K.REFERRAL, K.RECONSIDERATION) and rng.random() < 0.4:
                plan.append(
                    (codes.Step.NOTE, min(today, s.received_on + datetime.timedelta(days=1)), rng.choice(NOTES))
                )
        concluded = min(today, s.received_on + datetime.timedelta(days=lag))
        s.status, s.concluded_on = codes.Status.CONCLUDED, concluded
        if kind in (K.CONSULTATION, K.DECISION):
            s.answer = answer
            summary = answer
        elif kind in (K.REFERRAL, K.RECONSIDERATION):
            s.outcome = answer
            summary = answer
        else:
            s.forwarded_on = concluded
            s.receiving_body = rng.choice(["江阴市人大常委会法制工作委员会", "江阴市司法局"])
            summary = f"{concluded.isoformat()} → {s.receiving_body}"
        plan.append((codes.Step.CONCLUDE, concluded, summary[:500]))
        if kind == K.DECISION:
            s.adoption = rng.choices(codes.Adoption.values, weights=[75, 18, 7])[0] if rng.random() < 0.9 else ""
            if s.adoption:
                plan.append((codes.Step.ADOPTION, concluded, str(codes.Adoption(s.adoption).label)))
        elif kind != K.LEGISLATIVE and rng.random() < 0.65:
            s.satisfaction = rng.choices(codes.Satisfaction.values, weights=[80, 17, 3] if not late else [60, 28, 12])[
                0
            ]
            plan.append((codes.Step.RATE, concluded, str(codes.Satisfaction(s.satisfaction).label)))

    def _complaints(self, office, villages, start, substantiated, pending):
        rng, today = self.rng, self.today
        n = rng.randint(0, 2) + (1 if substantiated else 0) + (1 if pending else 0)
        for i in range(n):
            recent = pending and i == n - 1
            content, handling = rng.choice(COMPLAINTS)
            index = rng.randrange(start, len(self.services))
            service = self.services[index]
            received = min(today, service.received_on + datetime.timedelta(days=rng.randint(1, 20)))
            if recent:
                received = max(service.received_on, today - datetime.timedelta(days=3))
            c = Complaint(
                org=service.org,
                office_id=office.pk,
                received_on=received,
                complainant=service.person_name or _name(rng),
                complainant_phone=service.person_phone,
                content=content,
                recorded_by_repr="系统",
            )
            verified = min(today, received + datetime.timedelta(days=rng.randint(5, 25)))
            is_substantiated = substantiated and i == 0
            if not recent and (is_substantiated or verified < today - datetime.timedelta(days=10)):
                c.status = codes.ComplaintStatus.CLOSED
                c.verification = (
                    codes.Verification.SUBSTANTIATED if is_substantiated else codes.Verification.UNSUBSTANTIATED
                )
                c.verified_on = verified
                c.handling = handling
                c.closed_by_repr = "司法所所长"
            c.created_at = self.ctx.now - datetime.timedelta(days=(today - received).days)
            self.complaints.append((c, index))

    def save(self):
        services = ServiceRecord.objects.bulk_create(self.services, batch_size=2000)
        events = []
        for s, plan in zip(services, self.plans, strict=True):
            for step, date, note in plan:
                events.append(
                    ServiceEvent(
                        service=s,
                        org_id=s.org_id,
                        office_id=s.office_id,
                        step=step,
                        date=date,
                        note=note,
                        recorded_by=s.handled_by,
                        recorded_by_repr=s.handled_by_repr,
                    )
                )
        ServiceEvent.objects.bulk_create(events, batch_size=5000)
        self.event_count = len(events)
        complaints = []
        for c, index in self.complaints:
            c.service = services[index]
            complaints.append(c)
        Complaint.objects.bulk_create(complaints, batch_size=1000)
