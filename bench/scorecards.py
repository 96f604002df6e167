"""Live scorecards of every office for one period: a city against a province, and a city against
itself with ten times the history.

`python -m bench scorecards [--quick] [--keep]` (or `python -m bench.scorecards …`) builds three
PostgreSQL databases on DATABASE_URL's server (names starting bench_scorecards_, dropped at the end
unless --keep), each migrated (so with the shipped standard, jiangyin-fengqiao 2019) and filled in
bulk (COPY and server-side INSERT … SELECT, not the services):

- city: the demo city's tree (江阴, 16 offices) with one year of history;
- city10x: the same tree with ten years of history (everything that accumulates: disputes,
  incidents, subjects who came and went, their alerts, positioning measures and fixes, released
  persons, mediators who left);
- province: the synthetic province's tree (1,184 offices; --quick: its first 300 offices get the
  data and are measured) with one year of history.

Per office and year: about 300 disputes (fengqiao.mediation.bulk, with its committees: the town's,
one per village, the county's industry ones), full-time and part-time mediators on each committee
(some committees short of the norm), a major incident now and then; 60-100 corrections subjects
under correction and about as many again taken in and released each year and a half, a few
alerts (some of them 脱管 kinds); two positioning devices reused by successive measures of 30-90
days, each measure with a day of fixes at one a minute (the measure in force: its last day up to
now), loaded in time order as ingest leaves them; 20-60 released persons in assistance; a
director, staff, mediators, corrections workers near the 1:15 ratio (some offices one short),
resettlement workers, an education officer and legal advisors, with their roles.

Measured: `assessment.selectors.scorecards_for(office ids, standard, start, end)` for the last 365
days, in interleaved rounds (each round: city, city10x, province in turn, one untimed call after
switching databases, then one timed call); medians over the rounds; the queries of one call
(CaptureQueriesContext). Then every registered indicator alone on each database (medians, queries,
each query's time), and for the indicators that scale worst, their slowest query with its plan.
"""

from __future__ import annotations

import datetime
import json
import math
import os
import random
import statistics
import sys
import time
import uuid

from bench.mediation import Admin, _db_url, machine, use_database

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/postgres"
DISPUTES_PER_OFFICE_YEAR = 300
PROVINCE_OFFICES = {False: None, True: 300}  # None: all of the synthetic province's offices
ROUNDS = {False: 7, True: 5}
INDICATOR_REPEAT = {False: 5, True: 3}
PERIOD_DAYS = 365
TARGETS = {"province_vs_city_ratio": 100.0, "city_ratio_history_10x": 1.5}

T0 = time.perf_counter()


def log(message):
    print(f"[{time.perf_counter() - T0:7.1f} s] {message}", flush=True)


def run(quick: bool = False, keep: bool = False):
    base_url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    tag = uuid.uuid4().hex[:6]
    names = {k: f"bench_scorecards_{k}_{tag}" for k in ("base", "city", "city10x", "province")}
    os.environ.update(
        {
            "DATABASE_URL": _db_url(base_url, names["base"]),
            "FENGQIAO_IGNORE_DOTENV": "1",
            "DJANGO_SETTINGS_MODULE": "fengqiao.settings",
            "DEBUG": "0",
        }
    )
    os.environ.setdefault("SECRET_KEY", "bench-" + uuid.uuid4().hex)
    admin = Admin(base_url)
    figures: dict = {"bench": "scorecards", "quick": quick, "database": "postgresql"}
    timings: dict = {}
    try:
        admin.create(names["base"])
        import django

        django.setup()
        from django.core.management import call_command

        t = time.perf_counter()
        call_command("migrate", verbosity=0)
        from fengqiao.corrections import policy

        policy.current()  # the policy row the indicators read (created on first use otherwise)
        timings["migrate_s"] = round(time.perf_counter() - t, 1)
        log(f"migrated ({timings['migrate_s']} s)")
        use_database(None)
        for label in ("city", "city10x", "province"):
            admin.create(names[label], template=names["base"])
        if not keep:
            admin.drop(names["base"])

        specs = {
            "city": ("city", None, 1, 101),
            "city10x": ("city", None, 10, 102),
            "province": ("province", PROVINCE_OFFICES[quick], 1, 103),
        }
        worlds = {}
        for label, (scale, limit, years, seed) in specs.items():
            t = time.perf_counter()
            use_database(names[label])
            worlds[label] = build(scale, limit, years, seed)
            use_database(None)
            admin.vacuum(names[label])
            timings[f"build_{label}_s"] = round(time.perf_counter() - t, 1)
            log(f"{label}: built in {timings[f'build_{label}_s']} s: {worlds[label]['sizes']}")

        t = time.perf_counter()
        result = measure(names, worlds, quick)
        timings["measure_s"] = round(time.perf_counter() - t, 1)
        figures.update(result)
        figures["sizes"] = {label: w["sizes"] for label, w in worlds.items()}
        figures["timings"] = timings
        figures["postgresql"] = admin.version()
        figures["machine"] = machine()
        figures["db_names"] = names if keep else None
    finally:
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: S110 - Django may not have been set up; cleaning up regardless
            pass
        if not keep:
            for name in names.values():
                admin.drop(name)
    figures["total_s"] = round(time.perf_counter() - T0, 1)
    print(json.dumps(figures, ensure_ascii=False, default=str))
    return 0


# --- measuring ---------------------------------------------------------------------------------------------


def _period():
    from django.utils import timezone

    end = timezone.localdate()
    return end - datetime.timedelta(days=PERIOD_DAYS - 1), end


def measure(names, worlds, quick) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from fengqiao.assessment import indicators
    from fengqiao.assessment.models import Standard
    from fengqiao.assessment.selectors import scorecards_for

    start, end = _period()
    labels = list(worlds)
    standard = {}
    for label in labels:
        use_database(names[label])
        standard[label] = Standard.objects.get(code="jiangyin-fengqiao", version="2019").pk

    def card(label):
        return scorecards_for(worlds[label]["office_ids"], standard[label], start, end)

    # Scorecards, interleaved rounds.
    samples = {label: [] for label in labels}
    queries = {}
    for r in range(ROUNDS[quick]):
        order = labels[r % len(labels) :] + labels[: r % len(labels)]
        for label in order:
            use_database(names[label])
            out = card(label)  # untimed: connects, warms the caches
            if r == 0:
                assert len(out) == len(worlds[label]["office_ids"])
                with CaptureQueriesContext(connection) as ctx:
                    card(label)
                queries[label] = len(ctx.captured_queries)
            t = time.perf_counter()
            card(label)
            samples[label].append(time.perf_counter() - t)
        log("round " + str(r + 1) + ": " + ", ".join(f"{k} {samples[k][-1] * 1000:.0f} ms" for k in labels))
    med = {label: statistics.median(v) for label, v in samples.items()}
    out: dict = {
        "city_s": round(med["city"], 4),
        "province_s": round(med["province"], 4),
        "city_history_10x_s": round(med["city10x"], 4),
        "province_vs_city_ratio": round(med["province"] / med["city"], 2),
        "city_ratio_history_10x": round(med["city10x"] / med["city"], 2),
        "offices": {label: len(w["office_ids"]) for label, w in worlds.items()},
        "queries_per_computation": queries,
        "samples_ms": {k: [round(x * 1000, 1) for x in v] for k, v in samples.items()},
        "period": [start.isoformat(), end.isoformat()],
        "standard": "jiangyin-fengqiao 2019",
    }
    out["ok"] = {
        "province_vs_city_ratio <= 100": out["province_vs_city_ratio"] <= TARGETS["province_vs_city_ratio"],
        "city_ratio_history_10x <= 1.5": out["city_ratio_history_10x"] <= TARGETS["city_ratio_history_10x"],
    }
    out["ok_all"] = all(out["ok"].values())
    use_database(names["city"])
    from fengqiao.assessment.models import ItemCriterion

    out["indicators_in_standard"] = sorted(
        set(ItemCriterion.objects.filter(item__standard_id=standard["city"]).values_list("indicator", flat=True))
    )
    out["indicators_registered"] = sorted(indicators.REGISTRY)
    log(
        f"scorecards: city {out['city_s'] * 1000:.0f} ms, city10x {out['city_history_10x_s'] * 1000:.0f} ms, "
        f"province {out['province_s'] * 1000:.0f} ms; ratios {out['province_vs_city_ratio']} (≤ 100) and "
        f"{out['city_ratio_history_10x']} (≤ 1.5); queries {queries}"
    )

    # Every registered indicator alone, on each database.
    per: dict = {code: {} for code in sorted(indicators.REGISTRY)}
    captured: dict = {code: {} for code in per}
    for label in labels:
        use_database(names[label])
        ids = worlds[label]["office_ids"]
        for code, ind in sorted(indicators.REGISTRY.items()):
            try:
                ind.values(ids, start, end)
                with CaptureQueriesContext(connection) as ctx:
                    ind.values(ids, start, end)
                times = []
                for _ in range(INDICATOR_REPEAT[quick]):
                    t = time.perf_counter()
                    ind.values(ids, start, end)
                    times.append(time.perf_counter() - t)
            except Exception as exc:  # a module's indicator still being written: reported, not fatal
                per[code][label] = {"error": repr(exc)[:300]}
                continue
            per[code][label] = {"ms": round(statistics.median(times) * 1000, 2), "queries": len(ctx.captured_queries)}
            captured[code][label] = ctx.captured_queries
    for code, row in per.items():
        ms = {k: v.get("ms") for k, v in row.items()}
        if ms.get("city") and ms.get("province") is not None:
            row["province_vs_city"] = round(ms["province"] / ms["city"], 2)
        if ms.get("city") and ms.get("city10x") is not None:
            row["history_10x"] = round(ms["city10x"] / ms["city"], 2)
        log(
            f"  {code:42s} "
            + "  ".join(f"{k} {v.get('ms', 'ERR')} ms/{v.get('queries', '-')}q" for k, v in row.items() if k in labels)
            + f"  ×prov {row.get('province_vs_city')}  ×10y {row.get('history_10x')}"
        )
    out["indicators"] = per
    out["worst_queries"] = worst_queries(per, captured, names)
    return out


def worst_queries(per, captured, names) -> list[dict]:
    """The slowest query of the indicators that scale worst (by the 10× history ratio and by the
    province's ratio per office), with its times on each database and its plan where it is slow."""
    from django.db import connection

    picks = []
    by_hist = sorted((r for r in per.items() if r[1].get("history_10x")), key=lambda r: -r[1]["history_10x"])[:3]
    by_prov = sorted((r for r in per.items() if r[1].get("province_vs_city")), key=lambda r: -r[1]["province_vs_city"])
    for code, _row in by_hist + by_prov[:2]:
        if code in [p[0] for p in picks]:
            continue
        picks.append((code, "city10x" if (code, _row) in by_hist else "province"))
    found = []
    for code, where in picks:
        qs = captured[code].get(where) or []
        if not qs:
            continue
        k = max(range(len(qs)), key=lambda i: float(qs[i]["time"]))
        entry = {"indicator": code, "on": where, "query_index": k, "sql": qs[k]["sql"][:1500]}
        for label in ("city", "city10x", "province"):
            other = captured[code].get(label) or []
            if len(other) > k:
                entry[f"{label}_ms"] = round(float(other[k]["time"]) * 1000, 2)
        use_database(names[where])
        try:
            with connection.cursor() as cur:
                cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + qs[k]["sql"])
                entry["plan"] = [r[0][:400] for r in cur.fetchall()][:40]  # IN lists of 1,000 ids cut
        except Exception as exc:  # the captured SQL may not be re-runnable as text (rare)
            entry["plan"] = [repr(exc)[:200]]
        found.append(entry)
        log(f"  slowest query of {code} on {where}: " + json.dumps({k: v for k, v in entry.items() if k != "plan"}))
        for line in entry["plan"]:
            log("    " + line)
    return found


# --- building ----------------------------------------------------------------------------------------------


def build(scale: str, limit: int | None, years: int, seed: int) -> dict:
    from django.db import connection

    from fengqiao.core.demo import SeedContext
    from fengqiao.orgs import demo as orgs_demo
    from fengqiao.orgs.models import OrgKind, OrgNode

    rng = random.Random(seed)
    ctx = SeedContext(scale=scale, rng=random.Random(2019))
    orgs_demo.seed(ctx)  # the org tree only (bulk); the city's tree is the same in both city databases
    offices = list(OrgNode.objects.filter(kind=OrgKind.TOWN).order_by("pk"))
    if limit:
        offices = offices[:limit]
    world = World(offices, years, rng)
    t = time.perf_counter()
    world.users()
    world.disputes()
    world.mediators()
    world.incidents()
    world.subjects()
    world.positioning()
    world.released()
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    log(f"  rows in {time.perf_counter() - t:.0f} s")
    return {"office_ids": [o.pk for o in offices], "sizes": {"offices": len(offices), "years": years, **world.sizes}}


class World:
    """One database's history, office by office, in bulk."""

    def __init__(self, offices, years, rng):
        from django.utils import timezone

        self.offices, self.years, self.rng = offices, years, rng
        self.office_ids = [o.pk for o in offices]
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.first = self.today - datetime.timedelta(days=round(365.25 * years))
        self.sizes: dict = {}
        self.open_subjects: dict[int, int] = {}
        self.released_active: dict[int, int] = {}
        self.subjects_by_office: dict[int, list] = {}
        self.head: dict[int, int] = {}

    def day(self, lo: datetime.date, hi: datetime.date) -> datetime.date:
        return lo + datetime.timedelta(days=self.rng.randint(0, max(0, (hi - lo).days)))

    def at(self, d: datetime.date) -> datetime.datetime:
        from django.utils import timezone

        return datetime.datetime.combine(d, datetime.time(8), tzinfo=timezone.get_current_timezone()) + (
            datetime.timedelta(minutes=self.rng.randint(0, 600))
        )

    # users and roles: staffing is set now from the open caseloads the later steps will create
    def users(self):
        from fengqiao.accounts.models import User, UserRole
        from fengqiao.core.permissions import Role

        rng = self.rng
        users, roles = [], []
        ids = iter(reserve(User, 20 * len(self.offices)))
        for o in self.offices:
            self.open_subjects[o.pk] = rng.randint(60, 100)
            self.released_active[o.pk] = rng.randint(20, 60)
            corrections = math.ceil(self.open_subjects[o.pk] / 15) - (1 if rng.random() < 0.2 else 0)
            resettlement = math.ceil(self.released_active[o.pk] / 50) - (1 if rng.random() < 0.1 else 0)
            staff = (
                [Role.DIRECTOR, Role.STAFF, Role.STAFF, Role.MEDIATOR, Role.MEDIATOR, Role.EDUCATION_OFFICER]
                + [Role.CORRECTIONS_WORKER] * corrections
                + [Role.RESETTLEMENT_WORKER] * resettlement
                + [Role.LEGAL_ADVISOR] * 2
            )
            for k, role in enumerate(staff):
                uid = next(ids)
                if k == 0:
                    self.head[o.pk] = uid
                users.append(
                    {
                        "id": uid,
                        "username": f"o{o.pk}u{k}",
                        "password": "!",
                        "full_name": f"{o.short_name}{k}号",
                        "org_id": o.pk,
                        "office_id": o.pk,
                        "is_active": not (role == Role.STAFF and rng.random() < 0.05),
                    }
                )
                roles.append({"user_id": uid, "role": role})
        copy_in(User, users)
        copy_in(UserRole, roles, with_ids=False)
        self.sizes["users"] = len(users)

    def disputes(self):
        from fengqiao.mediation.bulk import generate_disputes

        total = DISPUTES_PER_OFFICE_YEAR * len(self.offices) * self.years
        generate_disputes(
            offices=self.offices, total=total, years=self.years, rng_seed=self.rng.randint(0, 9999), progress=log
        )
        self.sizes["disputes"] = total

    def mediators(self):
        from fengqiao.mediation import codes
        from fengqiao.mediation.models import Committee, Mediator

        rng = self.rng
        committees = list(
            Committee.objects.filter(office_id__in=self.office_ids, is_active=True).values_list(
                "pk", "org_id", "office_id", "committee_type"
            )
        )
        by_office: dict[int, list] = {}
        for c in committees:
            by_office.setdefault(c[2], []).append(c)
        rows, links = [], []
        for pk, org_id, office_id, ctype in committees:
            norm = codes.FULL_TIME_NORM.get(ctype, 0)
            full = max(0, norm - (1 if rng.random() < 0.15 else 0))
            for k in range(full + 2):
                rows.append(
                    {"full_name": f"调解员{pk}-{k}", "full_time": k < full, "org_id": org_id, "office_id": office_id}
                )
                links.append(pk)
        for office_id, cs in by_office.items():  # who left over the years: inactive, still on the books
            for k in range(2 * self.years):
                pk, org_id, _o, _t = rng.choice(cs)
                rows.append(
                    {
                        "full_name": f"原调解员{office_id}-{k}",
                        "full_time": rng.random() < 0.5,
                        "org_id": org_id,
                        "office_id": office_id,
                        "is_active": False,
                    }
                )
                links.append(pk)
        ids = reserve(Mediator, len(rows))
        for row, i in zip(rows, ids, strict=True):
            row["id"] = i
        copy_in(Mediator, rows)
        copy_in(
            Mediator.committees.through,
            [{"mediator_id": i, "committee_id": c} for i, c in zip(ids, links, strict=True)],
            with_ids=False,
        )
        self.sizes["committees"] = len(committees)
        self.sizes["mediators"] = len(rows)

    def incidents(self):
        from fengqiao.mediation.models import MajorIncident

        rows = []
        for o in self.offices:
            for _ in range(sum(self.rng.random() < 0.3 for _ in range(self.years))):
                rows.append(
                    {
                        "org_id": o.pk,
                        "office_id": o.pk,
                        "occurred_on": self.day(self.first, self.today),
                        "title": "群体性事件",
                        "description": "基准数据",
                        "people_count": self.rng.randint(30, 200),
                        "caused_by_mediation": self.rng.random() < 0.2,
                    }
                )
        copy_in(MajorIncident, rows, with_ids=False)
        self.sizes["major_incidents"] = len(rows)

    def subjects(self):
        from fengqiao.corrections import codes
        from fengqiao.corrections.models import Alert, Subject, SupervisionLevel

        rng, today = self.rng, self.today
        levels = list(SupervisionLevel.objects.order_by("rank").values_list("pk", flat=True))
        rows = []
        for o in self.offices:
            n_open = self.open_subjects[o.pk]
            # Correction periods average about a year and a half: as many leave as come in.
            n_ended = round(n_open / 1.5 * self.years)
            for k in range(n_open + n_ended):
                if k < n_open:
                    period_end = today + datetime.timedelta(days=rng.randint(20, 700))
                    judgment = today - datetime.timedelta(days=rng.randint(3, 540))
                    r = rng.random()
                    status = codes.Status.AT_LARGE if r < 0.005 else codes.Status.ACTIVE
                else:
                    period_end = self.day(self.first, today - datetime.timedelta(days=1))
                    judgment = period_end - datetime.timedelta(days=rng.randint(180, 900))
                    status = codes.Status.RELEASED if rng.random() < 0.95 else codes.Status.TERMINATED
                late = rng.random() < 0.02
                reported = judgment + datetime.timedelta(days=rng.randint(11, 25) if late else rng.randint(1, 9))
                if status == codes.Status.ACTIVE and reported > today:
                    status, reported = codes.Status.PENDING, None
                rows.append(
                    {
                        "org_id": o.pk,
                        "office_id": o.pk,
                        "name": f"对象{o.pk}-{k}",
                        "gender": "1" if rng.random() < 0.85 else "2",
                        "id_number": f"320281{rng.randint(1960, 2000)}0101{k % 1000:03d}X",
                        "category": rng.choice(["01", "02", "02", "02", "03", "04"]),
                        "offence": "危险驾驶罪",
                        "sentence": "缓刑一年",
                        "period_start": max(judgment, period_end - datetime.timedelta(days=1500)),
                        "period_end": period_end,
                        "deciding_organ": "人民法院",
                        "judgment_effective_on": judgment,
                        "status": status,
                        "reported_on": reported,
                        "level_id": rng.choice(levels),
                        "worker_id": self.head[o.pk],
                        "at_large_since": today - datetime.timedelta(days=5)
                        if status == codes.Status.AT_LARGE
                        else None,
                        "ended_on": period_end if k >= n_open else None,
                        "end_kind": "expired" if k >= n_open else "",
                    }
                )
        ids = reserve(Subject, len(rows))
        for row, i in zip(rows, ids, strict=True):
            row["id"] = i
            self.subjects_by_office.setdefault(row["office_id"], []).append(
                (i, row["period_start"], row["period_end"], row["status"])
            )
        copy_in(Subject, rows)
        self.sizes["subjects"] = len(rows)
        # Alerts: a few a year per office, some of them 脱管 kinds.
        alerts = []
        kinds = [codes.AlertKind.LOST_CONTACT, codes.AlertKind.LEAVE_OVERDUE] + [codes.AlertKind.SIGNAL_LOST] * 6
        kinds += [codes.AlertKind.OUT_OF_AREA] * 6 + [codes.AlertKind.LOW_BATTERY] * 6
        for office_id, subjects in self.subjects_by_office.items():
            for k in range(rng.randint(6, 14) * self.years):
                sid, start, end, _status = rng.choice(subjects)
                day = self.day(start, min(end, today))
                recent = (today - day).days < 7
                alerts.append(
                    {
                        "org_id": office_id,
                        "office_id": office_id,
                        "subject_id": sid,
                        "kind": rng.choice(kinds),
                        "status": codes.AlertStatus.RAISED if recent else codes.AlertStatus.CLOSED,
                        "key": f"bench:{k}",
                        "raised_at": self.at(day),
                        "details": "{}",
                    }
                )
        copy_in(Alert, alerts, with_ids=False)
        self.sizes["alerts"] = len(alerts)

    def positioning(self):
        from django.db import connection

        from fengqiao.corrections import codes
        from fengqiao.corrections.models import Device, DeviceBinding, PositioningMeasure

        rng, today, tz = self.rng, self.today, self.now.tzinfo
        measures, devices, bindings, plan = [], [], [], []
        device_ids = iter(reserve(Device, 2 * len(self.offices)))
        measure_ids = iter(reserve(PositioningMeasure, 16 * self.years * len(self.offices) + 10))
        for o in self.offices:
            subjects = self.subjects_by_office[o.pk]
            for d in range(2):  # two devices per office, reused by successive measures
                dev = next(device_ids)
                day = self.first + datetime.timedelta(days=rng.randint(0, 60))
                seq = 0
                last = None
                while day <= today:
                    length = rng.randint(30, 90)
                    start, end = day, day + datetime.timedelta(days=length - 1)
                    fitting = [s for s in subjects if s[1] <= start and s[2] >= end] or subjects
                    sid = rng.choice(fitting)[0]
                    mid = next(measure_ids)
                    in_force = end >= today
                    measures.append(
                        {
                            "id": mid,
                            "org_id": o.pk,
                            "office_id": o.pk,
                            "subject_id": sid,
                            "ground": codes.Ground.LEFT_AREA,
                            "facts": "基准",
                            "start": start,
                            "end": end,
                            "status": codes.MeasureStatus.APPROVED,
                            "requested_by_id": self.head[o.pk],
                            "decided_by_id": self.head[o.pk],
                            "decided_at": self.at(start),
                        }
                    )
                    bound = datetime.datetime.combine(start, datetime.time(9), tzinfo=tz)
                    bindings.append(
                        {
                            "org_id": o.pk,
                            "office_id": o.pk,
                            "device_id": dev,
                            "measure_id": mid,
                            "subject_id": sid,
                            "bound_at": bound,
                            "unbound_at": None
                            if in_force
                            else datetime.datetime.combine(end, datetime.time(18), tzinfo=tz),
                        }
                    )
                    # A day of fixes: the measure in force its last day up to now, the others their first.
                    t0 = self.now - datetime.timedelta(days=1) if in_force else bound
                    plan.append((o.pk, dev, mid, sid, seq, t0))
                    seq += 1440
                    last = (mid, bound)
                    day = end + datetime.timedelta(days=rng.randint(20, 120))
                devices.append(
                    {
                        "id": dev,
                        "org_id": o.pk,
                        "office_id": o.pk,
                        "identifier": f"BD{o.pk}-{d}",
                        "kind": codes.DeviceKind.WRISTBAND,
                        "measure_id": last[0] if last else None,
                        "bound_at": last[1] if last else None,
                    }
                )
        copy_in(PositioningMeasure, measures)
        copy_in(Device, devices)
        copy_in(DeviceBinding, bindings, with_ids=False)
        with connection.cursor() as cur:
            cur.execute(
                "CREATE TEMP TABLE bench_fixplan (office_id bigint, device_id bigint, measure_id bigint, "
                "subject_id bigint, seq0 bigint, t0 timestamptz)"
            )
            with cur.cursor.copy("COPY bench_fixplan FROM STDIN") as cp:
                for row in plan:
                    cp.write_row(row)
            # In time order, as ingest leaves them (the BRIN index on time relies on it).
            cur.execute(
                "INSERT INTO corrections_fix (office_id, device_id, measure_id, subject_id, seq, at, lat, lon, "
                "datum, wlat, wlon, accuracy, source, battery, tamper, flags, received_at) "
                "SELECT p.office_id, p.device_id, p.measure_id, p.subject_id, p.seq0 + g, "
                "p.t0 + g * interval '60 seconds', 31.7 + (g % 97) * 1e-4, 120.2 + (g % 89) * 1e-4, 0, "
                "31.7 + (g % 97) * 1e-4, 120.2 + (g % 89) * 1e-4, 8.0, 0, 80, false, 0, "
                "p.t0 + g * interval '60 seconds' + interval '2 seconds' "
                "FROM bench_fixplan p, generate_series(0, 1439) g "
                "WHERE p.t0 + g * interval '60 seconds' <= now() ORDER BY 6"
            )
            fixes = cur.rowcount
            cur.execute("DROP TABLE bench_fixplan")
        self.sizes.update(measures=len(measures), devices=len(devices), fixes=fixes)

    def released(self):
        from fengqiao.resettlement.models import ReleasedPerson

        rng, today = self.rng, self.today
        rows = []
        for o in self.offices:
            n_active = self.released_active[o.pk]
            n_ended = round(n_active / 3 * self.years)
            for k in range(n_active + n_ended):
                active = k < n_active
                released = (
                    today - datetime.timedelta(days=rng.randint(10, 1500))
                    if active
                    else self.day(self.first - datetime.timedelta(days=1500), today - datetime.timedelta(days=30))
                )
                rows.append(
                    {
                        "org_id": o.pk,
                        "office_id": o.pk,
                        "name": f"刑释{o.pk}-{k}",
                        "gender": "1",
                        "id_number": f"320281{rng.randint(1960, 2000)}0202{k:04d}"[:18],
                        "offence": "盗窃罪",
                        "prison": "江苏省某监狱",
                        "released_on": released,
                        "handover_on": released + datetime.timedelta(days=rng.randint(0, 5)),
                        "met_at_gate": rng.random() < 0.3,
                        "level": "02",
                        "employment": "employed",
                        "housing": "own",
                        "assistance": "none",
                        "period_end": released + datetime.timedelta(days=5 * 365),
                        "status": "active" if active else "ended",
                        "ended_on": None if active else self.day(released, today),
                        "end_reason": "" if active else "expired",
                    }
                )
        copy_in(ReleasedPerson, rows, with_ids=False)
        self.sizes["released_persons"] = len(rows)


# --- COPY --------------------------------------------------------------------------------------------------


def reserve(model, n: int) -> range:
    """n ids past the table's highest, with the identity sequence moved on past them."""
    from django.db import connection

    table = model._meta.db_table
    with connection.cursor() as cur:
        cur.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')  # noqa: S608 - our own table names
        first = cur.fetchone()[0] + 1
        cur.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, first + n])
    return range(first, first + n)


_MISSING = object()


def copy_in(model, rows: list[dict], *, with_ids: bool = True):
    """COPY rows (dicts by attname) into the model's table; fields not given take their default,
    NULL or ''. Without ids, the identity column fills them."""
    if not rows:
        return
    from django.db import connection
    from django.utils import timezone

    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields if with_ids or not f.primary_key]
    if not with_ids:
        fields = [f for f in fields if not (f.primary_key or f.attname == "id")]
    defaults = {}
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            defaults[f.attname] = now
        elif f.has_default():
            d = f.get_default()
            defaults[f.attname] = json.dumps(d) if isinstance(d, dict | list) else d
        elif f.null:
            defaults[f.attname] = None
        elif f.empty_strings_allowed:
            defaults[f.attname] = ""
        else:
            defaults[f.attname] = _MISSING
    columns = ", ".join(f'"{f.column}"' for f in fields)
    names = [f.attname for f in fields]
    with connection.cursor() as cur, cur.cursor.copy(f'COPY "{model._meta.db_table}" ({columns}) FROM STDIN') as cp:
        for row in rows:
            values = tuple(row.get(a, defaults[a]) for a in names)
            if _MISSING in values:
                missing = [a for a, v in zip(names, values, strict=True) if v is _MISSING]
                raise ValueError(f"{model.__name__}: no value for {missing}")
            cp.write_row(values)


if __name__ == "__main__":  # `python -m bench.scorecards [--quick] [--keep]`
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.scorecards")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    sys.exit(run(quick=args.quick, keep=args.keep))
