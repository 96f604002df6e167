"""Location ingest: batches of 1,000 fixes from 10,000 devices under positioning measures.

`python -m bench ingest [--quick]` runs two children, one on PostgreSQL (a scratch database on
DATABASE_URL's server) and one on SQLite (a scratch file), and prints their figures and, last, one
JSON object.

Each child builds 50 offices with a default permitted area each, 10,000 subjects under approved
measures with a bound device, and a stream of fixes: each device random-walks inside its fence at
one fix a minute of device time, and 0.2% of the devices step outside now and then (so alerts are
raised during the run, through the same detection as in production). Batches of 1,000 fixes mix
devices, as a vendor gateway's do. Each batch is its own transaction (for COPY and for ours' plain
batches, one statement in autocommit).

Side by side, in interleaved rounds on the same kind of batches, each method's batches built beforehand
(only what the server does with them is timed):
- ours: `ingest.ingest()` on the JSON bytes of the batch: parsing and checking each fix, the
  device/measure check, GCJ-02 conversion, geofence and banned-place evaluation, idempotent insert,
  alert detection, refusal counting;
- COPY (PostgreSQL): the same rows in binary COPY into a bare table without any index (the practical
  limit of getting rows into PostgreSQL), also COPY into a staging table then INSERT … ON CONFLICT
  DO NOTHING into the indexed fix table (what ours does after its checks);
- bulk_create(ignore_conflicts) per batch and a plain ORM `create()` per fix (the naive loop).

Then a sustained run of ours alone (5 minutes; 30 s with --quick) on PostgreSQL and SQLite, with a
replayed share of batches (10% resent, as gateways retry), fixes per second per 10-s window, the
process's RSS sampled every window (flat memory), and the latency of each fence crossing: from the
moment the gateway built the batch holding the fix that completes the crossing to the commit of the
transaction that raised its alert.
"""

from __future__ import annotations

import itertools
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import numpy as np

N_DEVICES = 10_000
N_OFFICES = 50
BATCH = 1_000
STEP_S = 60  # device time between two fixes of one device
WANDER_SHARE = 0.002


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def add_arguments(parser):
    parser.add_argument("--child", choices=["postgresql", "sqlite"], help=argparse_hidden())


def argparse_hidden():
    import argparse

    return argparse.SUPPRESS


# --- the parent ----------------------------------------------------------------------------------------


def run(quick: bool = False, keep: bool = False, child: str | None = None):
    if child:
        return _child(child, quick)
    figures = {"bench": "ingest", "quick": quick}
    for engine in ("postgresql", "sqlite"):
        cmd = [sys.executable, "-m", "bench", "ingest", "--child", engine] + (["--quick"] if quick else [])
        log(f"child: {engine}")
        out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout
        result = json.loads(out.strip().splitlines()[-1])
        figures[engine] = result
    pg, lite = figures["postgresql"], figures["sqlite"]
    summary = {
        "bench": "ingest",
        "quick": quick,
        "machine": f"{platform.machine()} {os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}",
        "batch": BATCH,
        "devices": N_DEVICES,
        "pg_copy_rows_per_s": pg["side_by_side"]["copy_bare"],
        "pg_copy_stage_upsert_rows_per_s": pg["side_by_side"]["copy_stage_upsert"],
        "pg_bulk_create_rows_per_s": pg["side_by_side"]["bulk_create"],
        "pg_naive_rows_per_s": pg["side_by_side"]["naive_create"],
        "pg_ours_side_by_side_rows_per_s": pg["side_by_side"]["ours"],
        "pg_fraction_of_copy": round(pg["side_by_side"]["ours"] / pg["side_by_side"]["copy_bare"], 3),
        "pg_speedup_vs_naive": round(pg["side_by_side"]["ours"] / pg["side_by_side"]["naive_create"], 1),
        "pg_fixes_per_s": pg["sustained"]["fixes_per_s"],
        "pg_fixes_per_s_min_window": pg["sustained"]["min_window"],
        "pg_rows_stored": pg["sustained"]["stored"],
        "sqlite_fixes_per_s": lite["sustained"]["fixes_per_s"],
        "sqlite_fixes_per_s_min_window": lite["sustained"]["min_window"],
        "sqlite_naive_rows_per_s": lite["side_by_side"]["naive_create"],
        "sqlite_speedup_vs_naive": round(lite["side_by_side"]["ours"] / lite["side_by_side"]["naive_create"], 1),
        "alert_latency_s_max": max(pg["sustained"]["alert_latency_s_max"], lite["sustained"]["alert_latency_s_max"]),
        "alerts_raised": pg["sustained"]["alerts"] + lite["sustained"]["alerts"],
        "duplicate_alerts": pg["sustained"]["duplicate_alerts"] + lite["sustained"]["duplicate_alerts"],
        "peak_rss_mb": max(pg["sustained"]["peak_rss_mb"], lite["sustained"]["peak_rss_mb"]),
        "rss_growth_mb": max(pg["sustained"]["rss_growth_mb"], lite["sustained"]["rss_growth_mb"]),
        "sustained_seconds": pg["sustained"]["seconds"],
    }
    summary["meets"] = {
        "fraction_of_copy_ge_0.35": summary["pg_fraction_of_copy"] >= 0.35,
        "speedup_vs_naive_ge_25": summary["pg_speedup_vs_naive"] >= 25,
        "pg_ge_50000": summary["pg_fixes_per_s"] >= 50_000,
        "sqlite_ge_30000": summary["sqlite_fixes_per_s"] >= 30_000,
        "alert_latency_le_1s": summary["alert_latency_s_max"] <= 1.0,
        "no_duplicate_alerts": summary["duplicate_alerts"] == 0,
    }
    print(json.dumps(summary, ensure_ascii=False))
    return 0


# --- a child: one database engine --------------------------------------------------------------------------


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _child(engine: str, quick: bool):
    os.environ.update({"FENGQIAO_IGNORE_DOTENV": "1", "DJANGO_SETTINGS_MODULE": "fengqiao.settings", "DEBUG": "0"})
    os.environ.setdefault("SECRET_KEY", "bench-" + uuid.uuid4().hex)
    if engine == "postgresql":
        from bench._db import scratch_database

        with scratch_database("bench_ingest") as name:
            log(f"database {name}")
            result = _measure(engine, quick)
    else:
        path = Path(f"/tmp/bench_ingest_{uuid.uuid4().hex[:8]}.sqlite3")  # noqa: S108
        os.environ.pop("DATABASE_URL", None)
        os.environ["SQLITE_PATH"] = str(path)
        try:
            result = _measure(engine, quick)
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
    print(json.dumps(result))
    return 0


class World:
    """Offices, fences, subjects, measures and devices for the stream, built in bulk."""

    def __init__(self):
        import datetime

        from django.core.management import call_command
        from django.utils import timezone

        from fengqiao.core.permissions import Role
        from fengqiao.corrections import codes, geo
        from fengqiao.corrections.models import Device, Fence, PositioningMeasure, Subject, SupervisionLevel
        from fengqiao.corrections.services import _bump_generation
        from fengqiao.orgs.models import OrgKind
        from fengqiao.testing.factories import make_org, make_user, valid_id_number

        call_command("migrate", verbosity=0)
        rng = np.random.default_rng(2026)
        city = make_org(OrgKind.CITY, name="基准市", office_name="基准市司法局", short_name="基准")
        offices = [make_org(OrgKind.TOWN, city, name=f"基准镇{i}", short_name=f"镇{i}") for i in range(N_OFFICES)]
        head = make_user(city, Role.BUREAU_HEAD, username="bench_head")
        level = SupervisionLevel.objects.order_by("rank").first()
        today = timezone.localdate()
        self.centres = []
        for i, office in enumerate(offices):
            lat, lon = 31.5 + 0.3 * (i // 10), 119.8 + 0.3 * (i % 10)
            self.centres.append((lat, lon))
            Fence.objects.create(
                org=office, kind=codes.FenceKind.AREA, name="县界",
                polygon=[[lon - 0.1, lat - 0.1], [lon + 0.1, lat - 0.1], [lon + 0.1, lat + 0.1], [lon - 0.1, lat + 0.1],
                         [lon - 0.1, lat - 0.1]],
            )  # fmt: skip
        subjects = []
        for k in range(N_DEVICES):
            office = offices[k % N_OFFICES]
            subjects.append(
                Subject(
                    org=office, office=office, name=f"对象{k}", gender="1",
                    id_number=valid_id_number(f"320281{1970 + k % 30}0101{k % 1000:03d}"),
                    category=codes.Category.PROBATION, offence="危险驾驶罪", sentence="缓刑一年",
                    period_start=today - datetime.timedelta(days=30), period_end=today + datetime.timedelta(days=300),
                    deciding_organ="人民法院", judgment_effective_on=today - datetime.timedelta(days=30),
                    status=codes.Status.ACTIVE, reported_on=today - datetime.timedelta(days=25), level=level,
                )
            )  # fmt: skip
        Subject.objects.bulk_create(subjects, batch_size=2000)
        subjects = list(Subject.objects.order_by("pk"))
        measures = [
            PositioningMeasure(
                org=s.org, office_id=s.office_id, subject=s, ground=codes.Ground.LEFT_AREA, facts="基准",
                start=today - datetime.timedelta(days=5), end=today + datetime.timedelta(days=60),
                status=codes.MeasureStatus.APPROVED, requested_by=head, decided_by=head, decided_at=timezone.now(),
            )
            for s in subjects
        ]  # fmt: skip
        PositioningMeasure.objects.bulk_create(measures, batch_size=2000)
        measures = list(PositioningMeasure.objects.order_by("subject_id"))
        bound = timezone.now() - datetime.timedelta(days=5)
        Device.objects.bulk_create(
            [
                Device(org_id=m.office_id, office_id=m.office_id, identifier=f"BD{k:06d}", kind="wristband",
                       measure=m, bound_at=bound)
                for k, m in enumerate(measures)
            ],
            batch_size=2000,
        )  # fmt: skip
        _bump_generation()
        self.identifiers = np.array([f"BD{k:06d}" for k in range(N_DEVICES)])
        devices = {d.identifier: d for d in Device.objects.all()}
        self.device_ids = np.array([devices[i].pk for i in self.identifiers], dtype=np.int64)
        self.measure_ids = np.array([m.pk for m in measures], dtype=np.int64)
        self.subject_ids = np.array([m.subject_id for m in measures], dtype=np.int64)
        self.office_ids = np.array([m.office_id for m in measures], dtype=np.int64)
        centre = np.array([self.centres[k % N_OFFICES] for k in range(N_DEVICES)])
        self.home_lat, self.home_lon = centre[:, 0].copy(), centre[:, 1].copy()
        self.lat = self.home_lat + rng.uniform(-0.03, 0.03, N_DEVICES)
        self.lon = self.home_lon + rng.uniform(-0.03, 0.03, N_DEVICES)
        self.seq = np.zeros(N_DEVICES, dtype=np.int64)
        self.wander = rng.random(N_DEVICES) < WANDER_SHARE
        self.rng = rng
        self.order = rng.permutation(N_DEVICES)
        self.cursor = 0
        # Device time starts far enough back that a whole run stays in the past.
        self.t0 = time.time() - 4 * 86400
        self._geo = geo

    def next_rows(self, n=BATCH):
        """The next n fixes: n devices in turn, each one step further along its walk."""
        if self.cursor + n > N_DEVICES:
            self.order = self.rng.permutation(N_DEVICES)
            self.cursor = 0
        pick = self.order[self.cursor : self.cursor + n]
        self.cursor += n
        self.seq[pick] += 1
        step = self.rng.normal(0, 0.0015, (2, n))
        self.lat[pick] = np.clip(self.lat[pick] + step[0], self.home_lat[pick] - 0.08, self.home_lat[pick] + 0.08)
        self.lon[pick] = np.clip(self.lon[pick] + step[1], self.home_lon[pick] - 0.08, self.home_lon[pick] + 0.08)
        lat = self.lat[pick].copy()
        lon = self.lon[pick].copy()
        # Wanderers spend 5 fixes out of every 60 beyond the fence's east edge.
        out = self.wander[pick] & (self.seq[pick] % 60 < 5)
        lon[out] = self.home_lon[pick][out] + 0.11
        t = self.t0 + self.seq[pick] * STEP_S + (pick % STEP_S)
        return pick, lat, lon, t, out

    def batch_json(self, n=BATCH):
        import msgspec

        pick, lat, lon, t, out = self.next_rows(n)
        ids = self.identifiers[pick].tolist()
        seqs = self.seq[pick].tolist()
        times = (t * 1000).astype(np.int64).tolist()
        items = [
            {"device": d, "seq": s, "time": tm, "lat": la, "lon": lo, "accuracy": 8.0, "source": "gps", "battery": 80}
            for d, s, tm, la, lo in zip(ids, seqs, times, lat.tolist(), lon.tolist(), strict=True)
        ]
        return msgspec.json.encode({"fixes": items}), int(out.sum())

    def batch_cols(self, n=BATCH, seq_offset=0):
        """The same kind of rows as typed columns (what the COPY and ORM baselines write)."""
        pick, lat, lon, t, _out = self.next_rows(n)
        return {
            "office": self.office_ids[pick],
            "device": self.device_ids[pick],
            "measure": self.measure_ids[pick],
            "subject": self.subject_ids[pick],
            "seq": self.seq[pick] + seq_offset,
            "t": t,
            "lat": lat,
            "lon": lon,
            "datum": np.zeros(n, np.int16),
            "wlat": lat,
            "wlon": lon,
            "acc": np.full(n, 8.0),
            "src": np.zeros(n, np.int16),
            "bat": np.full(n, 80, np.int16),
            "tamper": np.zeros(n, np.bool_),
            "flags": np.zeros(n, np.int16),
        }


def _measure(engine: str, quick: bool) -> dict:
    import django

    django.setup()
    from django.db import connection, transaction

    from fengqiao.corrections import ingest as ingest_mod
    from fengqiao.corrections.models import Alert, Fix

    t = time.perf_counter()
    world = World()
    log(f"{engine}: world built in {time.perf_counter() - t:.1f} s")
    ingest = ingest_mod.ingest
    bare = "bench_fix_bare"
    with connection.cursor() as c:
        c.execute(f"DROP TABLE IF EXISTS {bare}")
        if engine == "postgresql":
            c.execute(f"CREATE TABLE {bare} AS SELECT * FROM {Fix._meta.db_table} WITH NO DATA")  # noqa: S608
        else:
            c.execute(f"CREATE TABLE {bare} AS SELECT * FROM {Fix._meta.db_table} WHERE 0")  # noqa: S608

    # Warm up: every device once, so the device map and fences are loaded as in a running worker.
    for _ in range(N_DEVICES // BATCH):
        body, _n = world.batch_json()
        ingest(token=None, body=body)

    # Each method gets its batches built beforehand (the gateway's JSON encoding, the numpy columns
    # of the baselines): only what the server does with a batch is timed.
    def json_batches(k):
        return [world.batch_json()[0] for _ in range(k)]

    def col_batches(offset, n=BATCH):
        return lambda k: [world.batch_cols(n=n, seq_offset=offset) for _ in range(k)]

    def ours(bodies):
        return sum(ingest(token=None, body=body).stored for body in bodies)

    def copy_bare(batches):
        # Each batch one statement in autocommit (its own transaction, no BEGIN/COMMIT round trips):
        # the fastest way to get the rows in, as ours does for a plain batch.
        for cols in batches:
            if engine == "postgresql":
                with connection.cursor() as c:
                    sql = f"COPY {bare} ({ingest_mod._COLUMNS}) FROM STDIN (FORMAT BINARY)"
                    with c.cursor.copy(sql) as cp:
                        cp.write(ingest_mod._pg_binary(cols))
            else:
                with transaction.atomic(), connection.cursor() as c:
                    _sqlite_bare(c, bare, cols)
        return BATCH * len(batches)

    def copy_stage_upsert(batches):
        rows = 0
        for cols in batches:
            with transaction.atomic():
                rows += ingest_mod._write(cols)
        return rows

    def bulk(batches):
        from django.utils import timezone

        for cols in batches:
            now = timezone.now()
            objs = [
                Fix(office_id=o, device_id=d, measure_id=m, subject_id=s, seq=q,
                    at=_aware(tt), lat=la, lon=lo, datum=0, wlat=la, wlon=lo, accuracy=8.0, source=0, battery=80,
                    tamper=False, flags=0, received_at=now)
                for o, d, m, s, q, tt, la, lo in zip(
                    cols["office"].tolist(), cols["device"].tolist(), cols["measure"].tolist(),
                    cols["subject"].tolist(), cols["seq"].tolist(), cols["t"].tolist(), cols["lat"].tolist(),
                    cols["lon"].tolist(), strict=True)
            ]  # fmt: skip
            with transaction.atomic():
                Fix.objects.bulk_create(objs, ignore_conflicts=True)
        return BATCH * len(batches)

    def naive(batches):
        from django.utils import timezone

        rows = 0
        for cols in batches:
            for o, d, m, s, q, tt, la, lo in zip(
                cols["office"].tolist(), cols["device"].tolist(), cols["measure"].tolist(), cols["subject"].tolist(),
                cols["seq"].tolist(), cols["t"].tolist(), cols["lat"].tolist(), cols["lon"].tolist(), strict=True,
            ):  # fmt: skip
                Fix.objects.create(
                    office_id=o, device_id=d, measure_id=m, subject_id=s, seq=q, at=_aware(tt), lat=la, lon=lo,
                    datum=0, wlat=la, wlon=lo, accuracy=8.0, source=0, battery=80, tamper=False, flags=0,
                    received_at=timezone.now(),
                )  # fmt: skip
                rows += 1
        return rows

    methods = {
        "ours": (json_batches, ours, 40),
        "bulk_create": (col_batches(3 * 10**9), bulk, 5),
        "naive_create": (col_batches(4 * 10**9, n=200), naive, 5),
    }
    if engine == "postgresql":
        methods["copy_bare"] = (col_batches(10**9), copy_bare, 40)
        methods["copy_stage_upsert"] = (col_batches(2 * 10**9), copy_stage_upsert, 40)
    else:
        methods["executemany_bare"] = (col_batches(10**9), copy_bare, 40)
    rounds = 3 if quick else 5
    # One untimed pass of each method first: the first batches of a method pay for cold caches.
    for prepare, fn, _k in methods.values():
        fn(prepare(3))
    samples: dict[str, list[float]] = {name: [] for name in methods}
    for r in range(rounds):
        for name, (prepare, fn, k) in methods.items():
            data = prepare(k)
            t = time.perf_counter()
            rows = fn(data)
            samples[name].append(rows / (time.perf_counter() - t))
        log(f"{engine}: round {r + 1}/{rounds}: " + ", ".join(f"{n} {samples[n][-1]:,.0f}/s" for n in methods))
    side = {name: round(statistics.median(v)) for name, v in samples.items()}

    # Sustained run: ours alone, with 10% of batches resent.
    seconds = (30 if quick else 300) if engine == "postgresql" else (20 if quick else 120)
    windows, rss = [], []
    latency = []
    received = stored = 0
    recent: list[bytes] = []
    start = time.perf_counter()
    window_start, window_rows = start, 0
    rng = np.random.default_rng(7)
    while time.perf_counter() - start < seconds:
        if recent and rng.random() < 0.1:
            body, built = recent[int(rng.integers(len(recent)))], time.perf_counter()
        else:
            built = time.perf_counter()
            body, _crossing = world.batch_json()
            recent = [*recent, body][-20:]
        result = ingest(token=None, body=body)
        done = time.perf_counter()
        if result.alerts:
            latency.append(done - built)
        received += result.received
        stored += result.stored
        window_rows += result.received
        if done - window_start >= 10:
            windows.append(window_rows / (done - window_start))
            rss.append(_rss_mb())
            log(f"{engine}: {windows[-1]:,.0f} fixes/s, rss {rss[-1]:.0f} MB, stored {stored:,}")
            window_start, window_rows = done, 0
    elapsed = time.perf_counter() - start
    alerts = Alert.objects.count()
    duplicate_alerts = _duplicate_alerts(Alert)
    return {
        "engine": engine,
        "side_by_side": side,
        "sustained": {
            "seconds": round(elapsed),
            "received": received,
            "stored": stored,
            "fixes_per_s": round(received / elapsed),
            "min_window": round(min(windows)) if windows else None,
            "windows": [round(w) for w in windows],
            "alerts": alerts,
            "duplicate_alerts": duplicate_alerts,
            "alert_latency_s_max": round(max(latency), 4) if latency else 0.0,
            "alert_latency_s_median": round(statistics.median(latency), 4) if latency else 0.0,
            "rss_mb": [round(x) for x in rss],
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "rss_growth_mb": round(rss[-1] - rss[min(1, len(rss) - 1)], 1) if len(rss) > 1 else 0.0,
        },
    }


def _duplicate_alerts(Alert) -> int:
    """Out-of-area alerts whose fix spans overlap or touch another alert of the same measure: the
    stream has each excursion once, so any such pair is a duplicate."""
    from fengqiao.corrections import codes

    spans = {}
    for measure_id, seq_from, seq_to in Alert.objects.filter(kind=codes.AlertKind.OUT_OF_AREA).values_list(
        "measure_id", "seq_from", "seq_to"
    ):
        spans.setdefault(measure_id, []).append((seq_from, seq_to))
    duplicates = 0
    for rows in spans.values():
        rows.sort()
        for (_a0, a1), (b0, _b1) in itertools.pairwise(rows):
            if b0 <= a1 + 1:
                duplicates += 1
    return duplicates


def _aware(ts: float):
    import datetime

    return datetime.datetime.fromtimestamp(ts, datetime.UTC)


def _sqlite_bare(cursor, table, cols):
    at = [_aware(x).strftime("%Y-%m-%d %H:%M:%S.%f") for x in cols["t"].tolist()]
    rows = zip(
        cols["office"].tolist(), cols["device"].tolist(), cols["measure"].tolist(), cols["subject"].tolist(),
        cols["seq"].tolist(), at, cols["lat"].tolist(), cols["lon"].tolist(), cols["datum"].tolist(),
        cols["wlat"].tolist(), cols["wlon"].tolist(), cols["acc"].tolist(), cols["src"].tolist(),
        cols["bat"].tolist(), cols["tamper"].tolist(), cols["flags"].tolist(), strict=True,
    )  # fmt: skip
    cursor.executemany(
        f"INSERT INTO {table} (office_id, device_id, measure_id, subject_id, seq, at, lat, lon, datum, wlat, wlon, "  # noqa: S608
        "accuracy, source, battery, tamper, flags) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
