"""Demo staff: the bureau's administrators, assessors and leaders, and for every office a director,
staff, full-time mediators, social workers, a legal-education officer and village legal advisors."""

from __future__ import annotations

from django.contrib.auth.hashers import make_password
from django.db import transaction

from fengqiao.core.demo import DEMO_PASSWORD
from fengqiao.core.permissions import Role

from .models import User, UserRole

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国红玉兰春梅海燕志文斌鑫宇浩凯佳欣怡晨阳雪琳婷慧"


def _name(rng):
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


class _Batch:
    def __init__(self, ctx):
        self.ctx = ctx
        self.password = make_password(DEMO_PASSWORD)
        self.users: list[User] = []
        self.roles: list[tuple[int, str]] = []
        self.villages: list[tuple[int, list]] = []

    def add(self, username, org, roles, title="", villages=None, login_label=None):
        ctx = self.ctx
        user = User(
            username=username,
            full_name=_name(ctx.rng),
            org=org,
            office_id=org.office_id,
            password=self.password,
            phone=ctx.fake_phone(),
            id_number=ctx.fake_id_number(),
            title=title,
            email=f"{username}@example.gov.cn",
        )
        self.users.append(user)
        idx = len(self.users) - 1
        self.roles += [(idx, r) for r in roles]
        if villages:
            self.villages.append((idx, villages))
        if login_label:
            ctx.logins.append((login_label, username, org.display_name))
        return user

    def save(self):
        users = User.objects.bulk_create(self.users, batch_size=1000)
        UserRole.objects.bulk_create([UserRole(user=users[i], role=r) for i, r in self.roles], batch_size=2000)
        through = User.served_villages.through
        through.objects.bulk_create(
            [through(user_id=users[i].pk, orgnode_id=v.pk) for i, vs in self.villages for v in vs],
            batch_size=2000,
        )


@transaction.atomic
def seed(ctx):
    b = _Batch(ctx)
    rng = ctx.rng
    root, city = ctx.root, ctx.city
    b.add("admin", city, [Role.CITY_ADMIN], "基层科科长", login_label=Role.CITY_ADMIN.label)
    b.add("assessor", city, [Role.CITY_ASSESSOR], "考评员", login_label=Role.CITY_ASSESSOR.label)
    b.add("leader", city, [Role.LEADER], "分管局长", login_label=Role.LEADER.label)
    if root.pk != city.pk:
        b.add("province.admin", root, [Role.CITY_ADMIN], "管理员", login_label=Role.CITY_ADMIN.label + "（省）")
    from fengqiao.orgs.demo import JIANGYIN_TOWNS

    logins_for = {JIANGYIN_TOWNS[0][0]}  # print one login per role, from the first office
    pinyin = {t[0]: t[2] for t in JIANGYIN_TOWNS}
    full = ctx.scale == "city"
    for n, office in enumerate(ctx.offices):
        key = pinyin.get(office.name, f"o{office.pk}") if office.parent_id == city.pk else f"o{office.pk}"
        show = office.name in logins_for and office.parent_id == city.pk
        villages = ctx.villages_by_office.get(office.pk, [])
        b.add(
            f"{key}.director", office, [Role.DIRECTOR], "司法所所长", login_label=Role.DIRECTOR.label if show else None
        )
        if not full:
            continue
        b.add(f"{key}.staff", office, [Role.STAFF], "司法所工作人员", login_label=Role.STAFF.label if show else None)
        # Two full-time mediators for the town committee, as standard 10 asks (one office short).
        for i in range(1 if n == 5 else 2):
            b.add(
                f"{key}.mediator{i + 1}",
                office,
                [Role.MEDIATOR],
                "专职人民调解员",
                login_label=Role.MEDIATOR.label if show and i == 0 else None,
            )
        for i in range(rng.randint(2, 4)):
            b.add(
                f"{key}.corrections{i + 1}",
                office,
                [Role.CORRECTIONS_WORKER],
                "社区矫正社工",
                login_label=Role.CORRECTIONS_WORKER.label if show and i == 0 else None,
            )
        b.add(
            f"{key}.resettlement1",
            office,
            [Role.RESETTLEMENT_WORKER],
            "安置帮教社工",
            login_label=Role.RESETTLEMENT_WORKER.label if show else None,
        )
        if n != 9:  # one office lacks its full-time legal-education officer, so the gap shows
            b.add(
                f"{key}.education1",
                office,
                [Role.EDUCATION_OFFICER],
                "专职法治宣传教育人员",
                login_label=Role.EDUCATION_OFFICER.label if show else None,
            )
        # Village mediators: one full-time mediator per village committee, a few villages short.
        for j, v in enumerate(villages):
            if rng.random() < 0.9:
                b.add(
                    f"{key}.v{j + 1}.mediator",
                    v,
                    [Role.MEDIATOR],
                    "村调委会专职调解员",
                    login_label="村（社区）" + Role.MEDIATOR.label if show and j == 0 else None,
                )
        # Legal advisors: each lawyer serves three to five villages.
        k, a = 0, 0
        while k < len(villages):
            group = villages[k : k + rng.randint(3, 5)]
            k += len(group)
            a += 1
            if n == 3 and a == 1:
                continue  # these villages have no advisor, so the gap shows
            b.add(
                f"{key}.advisor{a}",
                group[0],
                [Role.LEGAL_ADVISOR],
                "村（居）法律顾问",
                villages=group,
                login_label=Role.LEGAL_ADVISOR.label if show and a == 1 else None,
            )
    b.save()
    ctx.log(f"  users: {len(b.users)}")
