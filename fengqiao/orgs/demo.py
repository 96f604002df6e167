"""Demo organisation tree: 江阴市 with its 16 towns and streets and about 300 villages and
communities; at province scale, a synthetic province of about 1,200 offices and 20,000 villages."""

from __future__ import annotations

from django.db import transaction

from .models import SEGMENT_WIDTH, OrgKind, OrgNode, encode_segment

JIANGYIN_TOWNS = [
    # (name, short name, pinyin for logins, is street)
    ("澄江街道", "澄江", "chengjiang", True),
    ("南闸街道", "南闸", "nanzha", True),
    ("云亭街道", "云亭", "yunting", True),
    ("申港街道", "申港", "shengang", True),
    ("夏港街道", "夏港", "xiagang", True),
    ("利港街道", "利港", "ligang", True),
    ("璜土镇", "璜土", "huangtu", False),
    ("月城镇", "月城", "yuecheng", False),
    ("青阳镇", "青阳", "qingyang", False),
    ("徐霞客镇", "徐霞客", "xuxiake", False),
    ("华士镇", "华士", "huashi", False),
    ("周庄镇", "周庄", "zhouzhuang", False),
    ("新桥镇", "新桥", "xinqiao", False),
    ("长泾镇", "长泾", "changjing", False),
    ("顾山镇", "顾山", "gushan", False),
    ("祝塘镇", "祝塘", "zhutang", False),
]

_FIRST = "东西南北中新长永兴光明红星金利民安康福寿丰盛大小前后上下桥塘湾浜泾河山港城桑园庄朱陈吴何周徐沈蒋华"
_SECOND = "丰华兴旺星光明阳和平安宁盛泰庄塘桥湾浜泾港里园林山河沙田湖墩圩圻坝"
PROVINCE_CITIES = [
    "金陵",
    "锡山",
    "彭城",
    "龙城",
    "姑苏",
    "崇川",
    "瀛洲",
    "淮阴",
    "盐渎",
    "广陵",
    "润州",
    "海陵",
    "宿豫",
]


def _village_names(rng, count, street: bool):
    names = set()
    while len(names) < count:
        suffix = "社区" if (street and rng.random() < 0.8) or (not street and rng.random() < 0.2) else "村"
        names.add(rng.choice(_FIRST) + rng.choice(_SECOND) + suffix)
    return sorted(names)


def _finish_paths(nodes):
    """Give bulk-created nodes (parents before children) their path, depth and office."""
    by_id = {n.pk: n for n in nodes}
    for n in nodes:
        parent = by_id.get(n.parent_id) if n.parent_id else None
        if n.parent_id and parent is None:
            parent = OrgNode.objects.get(pk=n.parent_id)
            by_id[parent.pk] = parent
        n.path = (parent.path if parent else "") + encode_segment(n.pk)
        n.depth = len(n.path) // SEGMENT_WIDTH - 1
        n.office_id = parent.office_id if n.kind == OrgKind.VILLAGE else n.pk
    OrgNode.objects.bulk_update(nodes, ["path", "depth", "office"], batch_size=2000)


def _create_level(specs):
    nodes = OrgNode.objects.bulk_create([OrgNode(**s) for s in specs], batch_size=2000)
    if any(n.pk is None for n in nodes):  # backends without RETURNING: read the ids back
        parents = {s["parent"].pk if s.get("parent") else None for s in specs}
        nodes = list(OrgNode.objects.filter(parent_id__in=parents, path__isnull=True).order_by("pk"))
    _finish_paths(nodes)
    return nodes


def _build_city(ctx, parent, name, short, code_prefix, towns):
    city = _create_level(
        [
            {
                "kind": OrgKind.CITY,
                "name": name,
                "short_name": short,
                "office_name": f"{name}司法局",
                "division_code": f"{code_prefix}000000",
                "parent": parent,
            }
        ]
    )[0]
    town_nodes = _create_level(
        [
            {
                "kind": OrgKind.TOWN,
                "name": t[0],
                "short_name": t[1],
                "office_name": f"{t[1]}司法所",
                "division_code": f"{code_prefix}{i + 1:03d}000",
                "parent": city,
                "address": f"{name}{t[0]}人民路{ctx.rng.randint(1, 300)}号",
                "phone": f"0510-86{ctx.rng.randint(100000, 999999)}",
            }
            for i, t in enumerate(towns)
        ]
    )
    village_specs = []
    per_town = {}
    for i, (town, t) in enumerate(zip(town_nodes, towns, strict=True)):
        count = ctx.rng.randint(14, 24) if ctx.scale == "city" else ctx.rng.randint(12, 21)
        names = _village_names(ctx.rng, count, street=t[3])
        per_town[town.pk] = names
        village_specs += [
            {
                "kind": OrgKind.VILLAGE,
                "name": v,
                "short_name": v[:2],
                "parent": town,
                "division_code": f"{code_prefix}{i + 1:03d}{j + 1:03d}",
            }
            for j, v in enumerate(names)
        ]
    villages = _create_level(village_specs)
    by_office = {}
    for v in villages:
        by_office.setdefault(v.parent_id, []).append(v)
    return city, town_nodes, by_office


@transaction.atomic
def seed(ctx):
    if ctx.scale == "province":
        province = _create_level(
            [
                {
                    "kind": OrgKind.PROVINCE,
                    "name": "江苏省",
                    "short_name": "苏",
                    "office_name": "江苏省司法厅",
                    "division_code": "320000000000",
                }
            ]
        )[0]
        ctx.root = province
        for ci, cname in enumerate(PROVINCE_CITIES):
            pref = _create_level(
                [
                    {
                        "kind": OrgKind.CITY,
                        "name": f"{cname}市",
                        "short_name": cname,
                        "office_name": f"{cname}市司法局",
                        "division_code": f"32{ci + 1:02d}00000000",
                        "parent": province,
                    }
                ]
            )[0]
            for k in range(7):
                county_code = f"32{ci + 1:02d}{k + 81:02d}"
                towns, seen = [], set()
                while len(towns) < 11 + (ci + k) % 5:
                    tname = ctx.rng.choice(_FIRST) + ctx.rng.choice(_SECOND)
                    if tname in seen:
                        continue
                    seen.add(tname)
                    t = len(towns)
                    towns.append((f"{tname}镇" if t % 3 else f"{tname}街道", tname, f"t{ci}{k}{t}", t % 3 == 0))
                if ci == 1 and k == 0:
                    towns = JIANGYIN_TOWNS
                    cname_k, short_k = "江阴市", "江阴"
                else:
                    cname_k, short_k = f"{cname}{'一二三四五六七'[k]}县", f"{cname}{k}"
                city, offices, by_office = _build_city(ctx, pref, cname_k, short_k, county_code, towns)
                ctx.offices += offices
                ctx.villages_by_office.update(by_office)
                if ci == 1 and k == 0:
                    ctx.city = city
        ctx.log(
            f"  province: {len(ctx.offices)} offices, {sum(len(v) for v in ctx.villages_by_office.values())} villages"
        )
        return
    city, offices, by_office = _build_city(ctx, None, "江阴市", "江阴", "320281", JIANGYIN_TOWNS)
    ctx.root = ctx.city = city
    ctx.offices = offices
    ctx.villages_by_office = by_office
    ctx.log(f"  江阴市: {len(offices)} offices, {sum(len(v) for v in by_office.values())} villages")
