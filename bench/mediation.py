"""People's mediation at 50,000 and 5,000,000 disputes, and django-helpdesk side by side at 1,000,000.

Databases (all on DATABASE_URL's server, names starting bench_mediation_, dropped at the end unless
--keep): the synthetic province (`seed --scale province`: 1,184 offices, 19,445 villages) with its
users, then disputes from `fengqiao.mediation.bulk`:

- small: 50,000 cases, the demo city's 16 offices over the last year (its real rate);
- big: 5,000,000 cases over ten years, the demo city at the same 50,000 a year and the other 1,168
  offices of the province sharing the rest. It is built in two steps: first the last two years
  (1,000,000 cases: the size of the helpdesk comparison, measured then), then eight earlier years;
- helpdesk: django-helpdesk 2.6.1 from PyPI in its own virtualenv (var/bench/helpdesk-venv) and
  project (bench/helpdesk_site), with 1,000,000 tickets over two years in 8 queues, assigned to 20
  staff agents, with their follow-ups, loaded with COPY.

Every database is vacuumed and analysed after loading, as autovacuum would have left it. Each side is
served by gunicorn with one sync worker, DEBUG off and persistent database connections, and timed
over HTTP on the loopback from this process: the wall time from sending a request to the last byte
of its response, signed in (session cookie), warm (after warm-up requests), p50 and p95. Requests to
the sides compared are interleaved round by round, so that the noise of a shared machine falls on
both alike.

Figures:
- our case list page /mediation/ as the demo city's administrator and as an office director (and,
  for information, the provincial administrator), and the list API /api/v1/mediation/cases, at 50k
  and 5M: list_p95_ratio_big_vs_small is the worse of the two users' p95 ratios (target ≤ 1.5);
- the city dashboard (/mediation/dashboard/, or /mediation/stats/ before it existed; --dashboard-url)
  as the city administrator at 50k and 5M: dashboard_ratio_big_vs_small on p95 (target ≤ 1.5);
- at 1M rows each: the time until a user sees the first page of cases: helpdesk's ticket list page
  plus the datatables JSON its page then requests (the URL and parameters its own JavaScript sends),
  against our case list page for our slowest user; helpdesk_list_speedup on medians (target ≥ 30);
  and helpdesk's staff dashboard against our city dashboard (helpdesk_dashboard_speedup, ≥ 50).

--quick does the same at one tenth of every size (5k, 500k; helpdesk at 100k) with fewer requests.
"""

from __future__ import annotations

import contextlib
import datetime
import http.client
import json
import os
import platform
import random
import re
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode, urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
HELPDESK_SITE = ROOT / "bench" / "helpdesk_site"
HELPDESK_VENV = ROOT / "var" / "bench" / "helpdesk-venv"
HELPDESK_REQUIREMENTS = ["django-helpdesk==2.6.1", "psycopg[binary]", "gunicorn"]
STATIC_ROOT = ROOT / "var" / "bench" / "static"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/postgres"

SIZES = {False: (50_000, 1_000_000, 5_000_000), True: (5_000, 100_000, 500_000)}
YEARS_RECENT, YEARS_EARLIER = 2, 8  # big = the last 2 years (the 1M step) + 8 earlier ones
USERS = {"city": "admin", "office": "chengjiang.director", "province": "province.admin"}

T0 = time.perf_counter()


def log(message):
    print(f"[{time.perf_counter() - T0:7.1f} s] {message}", flush=True)


def add_arguments(parser):
    parser.add_argument(
        "--dashboard-url",
        default=None,
        help="mediation: the city dashboard's path (default /mediation/dashboard/ if routed, else /mediation/stats/)",
    )


def run(quick: bool = False, keep: bool = False, dashboard_url: str | None = None):
    small_n, mid_n, big_n = SIZES[quick]
    city_per_year = small_n  # the demo city's rate: the small set is one year of it
    base_url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    tag = uuid.uuid4().hex[:6]
    names = {k: f"bench_mediation_{k}_{tag}" for k in ("base", "small", "big", "helpdesk")}
    os.environ.update(
        {
            "DATABASE_URL": _db_url(base_url, names["base"]),
            "FENGQIAO_IGNORE_DOTENV": "1",
            "DJANGO_SETTINGS_MODULE": "fengqiao.settings",
            "STATIC_ROOT": str(STATIC_ROOT),
            "DEBUG": "0",
        }
    )
    os.environ.setdefault("SECRET_KEY", "bench-" + uuid.uuid4().hex)
    admin = Admin(base_url)
    servers: list[Server] = []
    figures: dict = {"bench": "mediation", "quick": quick, "database": "postgresql"}
    timings: dict = {}
    try:
        hd_python = ensure_helpdesk_venv()
        admin.create(names["base"])
        import django

        django.setup()
        from django.core.management import call_command

        t = time.perf_counter()
        call_command("migrate", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        from fengqiao.core.demo import run_seed

        ctx = run_seed("province", province_disputes=0)
        from fengqiao.mediation.models import Dispute

        if Dispute.objects.exists():
            raise RuntimeError("seed --scale province made disputes although province_disputes=0 was given")
        cookies = sign_in(USERS)
        city, offices = ctx.city, list(ctx.offices)
        city_offices = [o for o in offices if o.path.startswith(city.path)]
        timings["seed_province_s"] = round(time.perf_counter() - t, 1)
        log(f"province seeded: {len(offices)} offices ({timings['seed_province_s']} s)")
        dashboard = dashboard_url or dashboard_path()
        api = api_path()
        figures.update(dashboard_url=dashboard, api_url=api)
        use_database(None)
        admin.create(names["small"], template=names["base"])
        admin.create(names["big"], template=names["base"])

        from fengqiao.mediation.bulk import generate_disputes

        t = time.perf_counter()
        use_database(names["small"])
        generate_disputes(offices=city_offices, total=small_n, years=1, rng_seed=11, progress=log)
        refresh_rollups("small", timings)
        admin.vacuum(names["small"])
        timings["generate_small_s"] = round(time.perf_counter() - t, 1)

        t = time.perf_counter()
        use_database(names["big"])
        generate_disputes(
            offices=offices,
            total=mid_n,
            years=YEARS_RECENT,
            focus=city,
            focus_per_year=city_per_year,
            rng_seed=12,
            progress=log,
        )
        refresh_rollups("mid", timings)
        admin.vacuum(names["big"])
        timings["generate_mid_s"] = round(time.perf_counter() - t, 1)
        figures["rows_mid"] = admin.count(names["big"], "mediation_dispute")
        use_database(None)

        t = time.perf_counter()
        hd = build_helpdesk(admin, hd_python, names["helpdesk"], mid_n)
        timings["helpdesk_load_s"] = round(time.perf_counter() - t, 1)
        figures["helpdesk_rows"] = admin.count(names["helpdesk"], "helpdesk_ticket")

        # --- 1M against helpdesk's 1M ---------------------------------------------------------------------
        ours = Server.ours(names["big"], base_url)
        theirs = Server.helpdesk(hd_python, names["helpdesk"], base_url)
        servers += [ours, theirs]
        t = time.perf_counter()
        budget = Budget(quick)
        log(f"measuring at {figures['rows_mid']:,} rows: ours against helpdesk")
        hd_columns, hd_query = helpdesk_list_query(theirs, hd["session"])
        targets = {
            **{
                f"ours_list_{who}": page(
                    ours, "/mediation/", cookies[who], 'id="dispute-table"', slow=who == "province"
                )
                for who in USERS
            },
            "helpdesk_first_page": helpdesk_first_page(theirs, hd["session"], hd_query, hd_columns),
        }
        mid_list = measure(targets, budget)
        targets = {
            "ours_dashboard_city": page(ours, dashboard, cookies["city"]),
            "helpdesk_dashboard": page(theirs, "/helpdesk/dashboard/", hd["session"], "</html>", slow=True),
        }
        mid_dash = measure(targets, budget)
        mid_api = {}
        if api:
            mid_api = measure({"ours_api_city": page(ours, api, cookies["city"], '"items"')}, budget)
        timings["measure_mid_s"] = round(time.perf_counter() - t, 1)
        for s in (ours, theirs):
            s.stop()
        if not keep:
            admin.drop(names["helpdesk"])

        # --- 50k against 5M ---------------------------------------------------------------------------------
        t = time.perf_counter()
        use_database(names["big"])
        earlier_end = datetime.date.today() - datetime.timedelta(days=round(365.25 * YEARS_RECENT))
        generate_disputes(
            offices=offices,
            total=big_n - mid_n,
            years=YEARS_EARLIER,
            end=earlier_end,
            focus=city,
            focus_per_year=city_per_year,
            rng_seed=13,
            progress=log,
        )
        refresh_rollups("big", timings)
        use_database(None)
        admin.vacuum(names["big"])
        timings["generate_big_s"] = round(time.perf_counter() - t, 1)
        figures["rows_small"] = admin.count(names["small"], "mediation_dispute")
        figures["rows_big"] = admin.count(names["big"], "mediation_dispute")
        figures["city_rows_small"] = admin.city_rows(names["small"], city.path)
        figures["city_rows_big"] = admin.city_rows(names["big"], city.path)

        small = Server.ours(names["small"], base_url)
        big = Server.ours(names["big"], base_url)
        servers += [small, big]
        t = time.perf_counter()
        log(f"measuring {figures['rows_small']:,} against {figures['rows_big']:,} disputes")
        targets = {}
        for label, server in (("small", small), ("big", big)):
            for who in USERS:
                targets[f"list_{who}_{label}"] = page(
                    server, "/mediation/", cookies[who], 'id="dispute-table"', slow=who == "province"
                )
            if api:
                for who in ("city", "office"):
                    targets[f"api_{who}_{label}"] = page(server, api, cookies[who], '"items"')
            targets[f"dashboard_city_{label}"] = page(server, dashboard, cookies["city"])
        scale = measure(targets, Budget(quick))
        timings["measure_scale_s"] = round(time.perf_counter() - t, 1)
        for s in (small, big):
            s.stop()

        figures.update(
            summarise(mid_list, mid_dash, mid_api, scale, api_present=bool(api), quick=quick, sizes=SIZES[quick])
        )
        figures["timings"] = timings
        figures["postgresql"] = admin.version()
        figures["machine"] = machine()
        figures["helpdesk_version"] = hd["version"]
        figures["db_names"] = names if keep else None
        figures["http_errors"] = [e for srv in servers for e in srv.errors]
    finally:
        for s in servers:
            s.stop()
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: S110 - Django may not have been set up; cleaning up regardless
            pass
        if not keep:
            for name in names.values():
                admin.drop(name)
    figures["total_s"] = round(time.perf_counter() - T0, 1)
    print(json.dumps(figures, ensure_ascii=False))
    return 0


# --- results ---------------------------------------------------------------------------------------------


def summarise(mid_list, mid_dash, mid_api, scale, *, api_present, quick, sizes):
    def ratio(a, b, key="p95_ms"):
        return round(a[key] / b[key], 2) if a and b and b[key] else None

    out: dict = {"size_small": sizes[0], "size_helpdesk": sizes[1], "size_big": sizes[2]}
    list_ratios = {who: ratio(scale[f"list_{who}_big"], scale[f"list_{who}_small"]) for who in USERS}
    out["list_p95_ratio_by_user"] = list_ratios
    out["list_p95_ratio_big_vs_small"] = max(list_ratios["city"], list_ratios["office"])
    if api_present:
        api_ratios = {who: ratio(scale[f"api_{who}_big"], scale[f"api_{who}_small"]) for who in ("city", "office")}
        out["api_p95_ratio_by_user"] = api_ratios
        out["api_p95_ratio_big_vs_small"] = max(api_ratios.values())
    else:
        out["api_p95_ratio_big_vs_small"] = None
        out["api_note"] = "GET /api/v1/mediation/cases was not routed when measured: skipped"
    out["dashboard_ratio_big_vs_small"] = ratio(scale["dashboard_city_big"], scale["dashboard_city_small"])
    out["dashboard_ratio_big_vs_small_p50"] = ratio(
        scale["dashboard_city_big"], scale["dashboard_city_small"], "median_ms"
    )
    hd = mid_list["helpdesk_first_page"]
    ours = {who: mid_list[f"ours_list_{who}"] for who in USERS}
    slowest = max(ours, key=lambda who: ours[who]["median_ms"])
    out["helpdesk_list_speedup"] = ratio(hd, ours[slowest], "median_ms")
    out["helpdesk_list_speedup_p95"] = ratio(hd, ours[slowest])
    out["helpdesk_list_speedup_by_user"] = {who: ratio(hd, ours[who], "median_ms") for who in USERS}
    out["helpdesk_list_speedup_against"] = slowest
    out["helpdesk_dashboard_speedup"] = ratio(
        mid_dash["helpdesk_dashboard"], mid_dash["ours_dashboard_city"], "median_ms"
    )
    out["helpdesk_dashboard_speedup_p95"] = ratio(mid_dash["helpdesk_dashboard"], mid_dash["ours_dashboard_city"])
    out["targets"] = {
        "list_p95_ratio_big_vs_small <= 1.5": _ok(out["list_p95_ratio_big_vs_small"], 1.5, below=True),
        "api_p95_ratio_big_vs_small <= 1.5": _ok(out["api_p95_ratio_big_vs_small"], 1.5, below=True),
        "dashboard_ratio_big_vs_small <= 1.5": _ok(out["dashboard_ratio_big_vs_small"], 1.5, below=True),
        "helpdesk_list_speedup >= 30": _ok(out["helpdesk_list_speedup"], 30, below=False),
        "helpdesk_dashboard_speedup >= 50": _ok(out["helpdesk_dashboard_speedup"], 50, below=False),
    }
    out["ms_at_helpdesk_size"] = {**mid_list, **mid_dash, **mid_api}
    out["ms_small_vs_big"] = scale
    return out


def _ok(value, limit, *, below):
    if value is None:
        return None
    return value <= limit if below else value >= limit


# --- databases -------------------------------------------------------------------------------------------


def _db_url(base_url, name):
    return urlunparse(urlparse(base_url)._replace(path=f"/{name}"))


class Admin:
    """Statements on the server itself: create, copy, vacuum, count and drop the bench databases."""

    def __init__(self, base_url):
        self.base_url = base_url
        self.admin_url = _db_url(base_url, "postgres")

    def _run(self, sql, db=None, params=None):
        import psycopg

        with psycopg.connect(_db_url(self.base_url, db) if db else self.admin_url, autocommit=True) as conn:
            cur = conn.execute(sql, params)
            return cur.fetchall() if cur.description else None

    def create(self, name, template=None):
        self._run(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))

    def drop(self, name):
        self._run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def vacuum(self, name):
        t = time.perf_counter()
        self._run("VACUUM (ANALYZE)", db=name)
        log(f"vacuumed {name} ({time.perf_counter() - t:.0f} s)")

    def count(self, name, table):
        return self._run(f'SELECT count(*) FROM "{table}"', db=name)[0][0]  # noqa: S608 - our own table names

    def city_rows(self, name, path):
        sql = (
            "SELECT count(*) FROM mediation_dispute d JOIN orgs_orgnode o ON o.id = d.office_id "
            "WHERE o.path >= %s AND o.path < %s"
        )
        return self._run(sql, db=name, params=[path, path + "~"])[0][0]

    def version(self):
        return self._run("SELECT version()")[0][0]


def refresh_rollups(label, timings):
    """The monthly figures the dashboard reads, where the code keeps them (fengqiao.mediation.rollup):
    the services maintain them case by case, the bulk generator does not, so they are rebuilt."""
    import importlib.util

    if importlib.util.find_spec("fengqiao.mediation.rollup") is None:
        return
    from fengqiao.mediation import rollup

    t = time.perf_counter()
    rows = rollup.rebuild()
    timings[f"rollup_{label}_s"] = round(time.perf_counter() - t, 1)
    log(f"monthly figures rebuilt: {rows:,} rows ({timings[f'rollup_{label}_s']} s)")


def use_database(name):
    """Point Django's connection at another bench database (None: close it, e.g. to copy a template)."""
    from django.db import connections

    connections.close_all()
    if name:
        connections["default"].settings_dict["NAME"] = name


def sign_in(users) -> dict:
    """A session cookie per user, written into the base database (and so into its copies)."""
    from django.conf import settings
    from django.db import transaction
    from django.test import Client

    from fengqiao.accounts.models import User

    cookies = {}
    for key, username in users.items():
        user = User.objects.get(username=username)
        if getattr(user, "must_change_password", False):
            User.objects.filter(pk=user.pk).update(must_change_password=False)
        client = Client()
        with transaction.atomic():
            client.force_login(user)
        cookies[key] = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    return cookies


def dashboard_path():
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("mediation:dashboard")
    except NoReverseMatch:
        return reverse("mediation:stats")


def api_path():
    from django.urls import Resolver404, resolve

    try:
        resolve("/api/v1/mediation/cases")
    except Resolver404:
        return None
    return "/api/v1/mediation/cases"


# --- django-helpdesk -------------------------------------------------------------------------------------


def ensure_helpdesk_venv() -> Path:
    python = HELPDESK_VENV / "bin" / "python"
    if not python.exists():
        log(f"creating {HELPDESK_VENV.relative_to(ROOT)} with {', '.join(HELPDESK_REQUIREMENTS)}")
        subprocess.run([sys.executable, "-m", "venv", str(HELPDESK_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *HELPDESK_REQUIREMENTS], check=True)
    return python


def helpdesk_manage(hd_python, db_url, *args) -> str:
    env = {**os.environ, "HELPDESK_DATABASE_URL": db_url, "DJANGO_SETTINGS_MODULE": "hdsite.settings"}
    out = subprocess.run(
        [str(hd_python), "manage.py", *args], cwd=HELPDESK_SITE, env=env, check=True, capture_output=True, text=True
    )
    return out.stdout


def build_helpdesk(admin, hd_python, name, n) -> dict:
    db_url = _db_url(admin.base_url, name)
    admin.create(name)
    helpdesk_manage(hd_python, db_url, "migrate", "-v0")
    prepared = json.loads(
        helpdesk_manage(hd_python, db_url, "bench_prepare", "--agents", "20").strip().splitlines()[-1]
    )
    version = subprocess.run(
        [str(hd_python), "-c", "import importlib.metadata as m; print(m.version('django-helpdesk'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    t = time.perf_counter()
    load_tickets(db_url, n, prepared["queues"], prepared["agents"], prepared["agent_email"])
    log(f"helpdesk: {n:,} tickets loaded ({time.perf_counter() - t:.0f} s)")
    admin.vacuum(name)
    return {"session": f"{prepared['session_cookie']}={prepared['session']}", "version": version}


HD_TITLES = [
    "排水沟堵塞引发邻里纠纷",
    "相邻建房纠纷",
    "婚姻家庭矛盾",
    "赡养老人费用纠纷",
    "买卖合同货款纠纷",
    "房屋租赁押金纠纷",
    "劳动合同解除纠纷",
    "拖欠工资纠纷",
    "民间借贷纠纷",
    "道路交通事故赔偿纠纷",
    "物业服务费纠纷",
    "土地承包经营权纠纷",
]


def load_tickets(db_url, n, queues, agents, agent_email):
    """`n` tickets over the last two years with their follow-ups, as helpdesk would have them: recent
    ones open or resolved, older ones closed (a few duplicates and forgotten open ones); most
    assigned to an agent; a ticket-opened follow-up for each and one for every status change."""
    import psycopg

    from fengqiao.mediation.bulk import _spread, drop_secondary_indexes, restore_secondary_indexes

    rng = random.Random(21)
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    days = round(365.25 * YEARS_RECENT)
    counts = _spread(n, [1.0] * days)
    emails = [f"resident{i}@example.org" for i in range(20000)] + [agent_email] * 50
    with psycopg.connect(db_url) as conn, conn.cursor() as cur:
        dropped = drop_secondary_indexes(cur, ["helpdesk_ticket", "helpdesk_followup"])
        ticket_id, followup_id = 1, 1
        followups = []
        with cur.copy(
            "COPY helpdesk_ticket (id, title, created, modified, submitter_email, status, on_hold, description, "
            "resolution, priority, due_date, last_escalation, assigned_to_id, queue_id, secret_key, kbitem_id, "
            "merged_to_id) FROM STDIN"
        ) as copy:
            buf = []
            for d, count in enumerate(counts):
                age = days - 1 - d
                day = now - datetime.timedelta(days=age)
                for _ in range(count):
                    created = day.replace(hour=rng.randint(0, 9), minute=rng.randint(0, 59))
                    r = rng.random()
                    if age < 10:
                        status = 1 if r < 0.7 else 3 if r < 0.9 else 4
                    elif age < 45:
                        status = 1 if r < 0.15 else 2 if r < 0.18 else 3 if r < 0.38 else 4
                    else:
                        status = 1 if r < 0.005 else 3 if r < 0.015 else 5 if r < 0.03 else 4
                    modified = (
                        created if status == 1 else min(now, created + datetime.timedelta(days=rng.randint(1, 25)))
                    )
                    title = rng.choice(HD_TITLES)
                    assigned = "\\N" if rng.random() < 0.1 else str(rng.choice(agents))
                    buf.append(
                        f"{ticket_id}\t{title}\t{created.isoformat()}\t{modified.isoformat()}\t{rng.choice(emails)}\t"
                        f"{status}\tf\t{title}，当事人申请调解，请尽快联系双方。\t"
                        f"{'' if status == 1 else '双方达成协议，已履行。'}\t{rng.choice((3, 3, 3, 2, 4, 1, 5))}\t"
                        f"\\N\t\\N\t{assigned}\t{rng.choice(queues)}\t{uuid.UUID(int=rng.getrandbits(128))}\t\\N\t\\N\n"
                    )
                    followups.append(
                        f"{followup_id}\t{created.isoformat()}\tTicket Opened\t{title}\tt\t\\N\t{ticket_id}\t\\N\n"
                    )
                    followup_id += 1
                    if status != 1:
                        label = {2: "Reopened", 3: "Resolved", 4: "Closed", 5: "Closed as duplicate"}[status]
                        user = assigned if assigned != "\\N" else str(agents[0])
                        followups.append(
                            f"{followup_id}\t{modified.isoformat()}\t{label}\t双方达成协议，已履行。\tt\t{status}\t"
                            f"{ticket_id}\t{user}\n"
                        )
                        followup_id += 1
                    ticket_id += 1
                    if len(buf) >= 5000:
                        copy.write("".join(buf))
                        buf = []
            copy.write("".join(buf))
        with cur.copy(
            "COPY helpdesk_followup (id, date, title, comment, public, new_status, ticket_id, user_id) FROM STDIN"
        ) as copy:
            for i in range(0, len(followups), 20000):
                copy.write("".join(followups[i : i + 20000]))
        restore_secondary_indexes(cur, dropped)
        for table, last in (("helpdesk_ticket", ticket_id - 1), ("helpdesk_followup", followup_id - 1)):
            cur.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, last])


def helpdesk_list_query(server, cookie):
    """The datatables URL and columns exactly as helpdesk's ticket list page asks its JavaScript to use."""
    status, body, _ms = server.get("/helpdesk/tickets/", cookie)
    assert status == 200, f"helpdesk ticket list answered {status}"
    match = re.search(r"datatables_ticket_list/([A-Za-z0-9+/=]+)", body)
    columns = re.findall(r'\bdata:\s*"(\w+)"', body)
    length = re.search(r"data-page-length='(\d+)'", body)
    assert match and columns, "helpdesk's ticket list page no longer looks as expected"
    return columns, (match.group(1), int(length.group(1)) if length else 10)


def datatables_params(columns, length) -> str:
    """The query string DataTables (3.x, serverSide, `order: []`) sends for the first page."""
    params = [("draw", "1")]
    for i, name in enumerate(columns):
        params += [
            (f"columns[{i}][data]", name),
            (f"columns[{i}][name]", ""),
            (f"columns[{i}][searchable]", "true"),
            (f"columns[{i}][orderable]", "false" if i == 0 else "true"),
            (f"columns[{i}][search][value]", ""),
            (f"columns[{i}][search][regex]", "false"),
        ]
    params += [("start", "0"), ("length", str(length)), ("search[value]", ""), ("search[regex]", "false")]
    params.append(("_", str(int(time.time() * 1000))))
    return urlencode(params)


def helpdesk_first_page(server, cookie, query, columns):
    b64, length = query
    json_path = f"/helpdesk/datatables_ticket_list/{b64}?{datatables_params(columns, length)}"

    def fetch():
        status, body, page_ms = server.get("/helpdesk/tickets/", cookie)
        assert status == 200 and "ticketTable" in body, f"helpdesk ticket list answered {status}"
        status, body, json_ms = server.get(json_path, cookie)
        data = json.loads(body)
        assert status == 200 and len(data["data"]) == min(length, data["recordsFiltered"]), "datatables JSON"
        return {"total": page_ms + json_ms, "page": page_ms, "json": json_ms}

    fetch.slow = True
    return fetch


# --- serving and timing ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn, one sync worker, on a free loopback port."""

    def __init__(self, argv, cwd, env, label):
        self.port = free_port()
        self.label = label
        self.errors: list[str] = []
        self.log = open(ROOT / "var" / "bench" / f"{label}.log", "w")  # noqa: SIM115 - closed in stop()
        argv = [*argv, "--workers", "1", "--bind", f"127.0.0.1:{self.port}", "--timeout", "900", "--no-control-socket"]
        self.proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"gunicorn for {label} exited; see var/bench/{label}.log") from None
                time.sleep(0.2)

    @classmethod
    def ours(cls, dbname, base_url):
        env = {**os.environ, "DATABASE_URL": _db_url(base_url, dbname)}
        return cls([sys.executable, "-m", "gunicorn", "fengqiao.wsgi:application"], ROOT, env, dbname)

    @classmethod
    def helpdesk(cls, hd_python, dbname, base_url):
        env = {
            **os.environ,
            "HELPDESK_DATABASE_URL": _db_url(base_url, dbname),
            "DJANGO_SETTINGS_MODULE": "hdsite.settings",
        }
        return cls([str(hd_python), "-m", "gunicorn", "hdsite.wsgi:application"], HELPDESK_SITE, env, dbname)

    def get(self, path, cookie):
        for attempt in range(3):
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=900)
            try:
                t = time.perf_counter()
                conn.request("GET", path, headers={"Cookie": cookie, "Host": "127.0.0.1"})
                response = conn.getresponse()
                body = response.read()
                ms = (time.perf_counter() - t) * 1000
                return response.status, body.decode("utf-8", "replace"), ms
            except ConnectionError as exc:
                # Counted and reported; the timing of the failed attempt is not kept.
                self.errors.append(f"{path}: {exc!r}")
                log(f"  {self.label} {path}: {exc!r}, attempt {attempt + 1}")
                if attempt == 2:
                    raise
                time.sleep(1)
            finally:
                conn.close()
        raise AssertionError("unreachable")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()


def page(server, path, cookie, marker="</html>", slow=False):
    def fetch():
        status, body, ms = server.get(path, cookie)
        assert status == 200 and marker in body, f"{server.label} {path} answered {status}"
        return {"total": ms}

    fetch.slow = slow
    return fetch


class Budget:
    """Requests per target: (warm-up, at least, at most, seconds of serving time it may take)."""

    def __init__(self, quick):
        self.fast = (3, 20, 60 if quick else 150, 30 if quick else 90)
        # Pages taking seconds (helpdesk's, the provincial administrator's list): fewer samples.
        self.slow = (1, 3, 30 if quick else 60, 30 if quick else 120)

    def of(self, fetch):
        return self.slow if getattr(fetch, "slow", False) else self.fast


def measure(targets: dict, budget: Budget) -> dict:
    """Round-robin over the targets (so that they share the machine's noise), each up to its budget."""
    for fetch in targets.values():
        for _ in range(budget.of(fetch)[0]):
            fetch()
    samples = {name: [] for name in targets}
    spent = dict.fromkeys(targets, 0.0)

    def wants_more(name):
        _warmup, at_least, at_most, seconds = budget.of(targets[name])
        n = len(samples[name])
        return n < at_least or (n < at_most and spent[name] < seconds * 1000)

    while True:
        active = [n for n in targets if wants_more(n)]
        if not active:
            break
        for name in active:
            result = targets[name]()
            samples[name].append(result)
            spent[name] += result["total"]
    out = {}
    for name, rows in samples.items():
        out[name] = _stats([r["total"] for r in rows])
        for part in rows[0]:
            if part != "total":
                out[name][part] = _stats([r[part] for r in rows])
        log(f"  {name}: p50 {out[name]['median_ms']:.1f} ms, p95 {out[name]['p95_ms']:.1f} ms (n={len(rows)})")
    return out


def _stats(values):
    values = sorted(values)
    return {
        "median_ms": round(statistics.median(values), 2),
        "p95_ms": round(values[min(len(values) - 1, int(len(values) * 0.95))], 2),
        "n": len(values),
    }


def machine() -> dict:
    cpu = ""
    with contextlib.suppress(OSError, StopIteration):
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        )
    mem_gib = None
    try:
        kb = int(next(x for x in Path("/proc/meminfo").read_text().splitlines() if x.startswith("MemTotal")).split()[1])
        mem_gib = round(kb / 1024 / 1024, 1)
    except (OSError, StopIteration, ValueError):
        pass
    import django

    return {
        "cores": os.cpu_count(),
        "ram_gib": mem_gib,
        "cpu": cpu,
        "python": platform.python_version(),
        "django": django.get_version(),
    }
