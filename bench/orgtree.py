"""Org tree and scoping at province scale (about 1,200 offices and 20,000 villages).

Side by side in one run:
- subtree of a prefecture city: the materialized-path range vs a recursive CTE over parent ids;
- a deep page of the org list: keyset cursor vs OFFSET;
- scoped lists through visible_to for a provincial admin, a city admin and an office director;
- moving a town (with its villages) to another county.
"""

from __future__ import annotations

import json
import platform
import time

from bench._db import scratch_database, timed


def run(quick: bool = False):
    with scratch_database() as dbname:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        t = time.perf_counter()
        call_command("migrate", verbosity=0)
        migrate_s = time.perf_counter() - t

        from fengqiao.core.demo import run_seed

        scale = "city" if quick else "province"
        t = time.perf_counter()
        ctx = run_seed(scale, province_disputes=0)  # the org tree alone
        seed_s = time.perf_counter() - t

        from fengqiao.accounts.models import User
        from fengqiao.accounts.selectors import user_search
        from fengqiao.core.pagination import keyset_paginate
        from fengqiao.core.scoping import subtree_q
        from fengqiao.orgs import services
        from fengqiao.orgs.models import OrgKind, OrgNode
        from fengqiao.orgs.selectors import org_search

        with connection.cursor() as cur:
            cur.execute("ANALYZE")
        repeat = 20 if quick else 50
        nodes = OrgNode.objects.count()
        offices = OrgNode.objects.filter(kind=OrgKind.TOWN).count()
        villages = OrgNode.objects.filter(kind=OrgKind.VILLAGE).count()
        # A prefecture city (province scale) or the city itself (quick).
        region = OrgNode.objects.filter(depth=1).order_by("pk").first() or ctx.root

        def by_path():
            return OrgNode.objects.filter(subtree_q(region.path), kind=OrgKind.VILLAGE).count()

        def by_cte():
            with connection.cursor() as cur:
                cur.execute(
                    "WITH RECURSIVE t(id, kind) AS (SELECT id, kind FROM orgs_orgnode WHERE id = %s "
                    "UNION ALL SELECT o.id, o.kind FROM orgs_orgnode o JOIN t ON o.parent_id = t.id) "
                    "SELECT count(*) FROM t WHERE kind = 'village'",
                    [region.pk],
                )
                return cur.fetchone()[0]

        assert by_path() == by_cte()
        plan = OrgNode.objects.filter(subtree_q(region.path), kind=OrgKind.VILLAGE).explain()
        subtree_uses_index = "Index" in plan

        province_admin = User.objects.filter(roles__role="city_admin").order_by("org__depth", "pk").first()
        city_admin = User.objects.get(username="admin")
        director = User.objects.filter(roles__role="director").order_by("pk").first()
        for u in (province_admin, city_admin, director):
            u.scope_nodes()

        def list_users(user):
            return lambda: len(user_search(user).items)

        def list_orgs(user):
            return lambda: len(org_search(user).items)

        deep = min(400, max(1, nodes // 50 - 1))
        cursor = None
        for _ in range(deep):
            cursor = keyset_paginate(OrgNode.objects.all(), ordering=["path"], cursor=cursor, size=50).next_cursor

        def page_keyset():
            return len(keyset_paginate(OrgNode.objects.all(), ordering=["path"], cursor=cursor, size=50).items)

        def page_offset():
            return len(list(OrgNode.objects.order_by("path")[deep * 50 : deep * 50 + 50]))

        towns = list(OrgNode.objects.filter(kind=OrgKind.TOWN).order_by("pk")[: 2 * repeat + 2])
        counties = list(
            OrgNode.objects.filter(kind=OrgKind.CITY, depth=ctx.city.depth).exclude(pk=ctx.city.pk).order_by("pk")[:2]
        ) or [ctx.city]
        moves = iter(towns)

        def move():
            town = next(moves)
            target = counties[0] if town.parent_id != counties[0].pk else counties[-1]
            if target.pk == town.parent_id:
                target = ctx.city if town.parent_id != ctx.city.pk else counties[0]
            services.org_move(actor=None, node=town, new_parent=target)

        figures = {
            "bench": "orgtree",
            "database": "postgresql",
            "scale": scale,
            "nodes": nodes,
            "offices": offices,
            "villages": villages,
            "users": User.objects.count(),
            "migrate_s": round(migrate_s, 2),
            "seed_s": round(seed_s, 2),
            "subtree_villages": by_path(),
            "subtree_path_range": timed(by_path, repeat),
            "subtree_recursive_cte": timed(by_cte, repeat),
            "subtree_uses_index": subtree_uses_index,
            "deep_page": deep,
            "page_keyset": timed(page_keyset, repeat),
            "page_offset": timed(page_offset, repeat),
            "users_first_page_province_admin": timed(list_users(province_admin), repeat),
            "users_first_page_city_admin": timed(list_users(city_admin), repeat),
            "users_first_page_director": timed(list_users(director), repeat),
            "orgs_first_page_director": timed(list_orgs(director), repeat),
            "move_town": timed(move, min(repeat, len(towns) - 2)),
            "python": platform.python_version(),
            "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
            "db_name": dbname,
        }
    print(json.dumps(figures, ensure_ascii=False))
    return 0
