"""Location ingest: batches of fixes from devices and vendor gateways.

A batch is checked as a whole with numpy (no per-fix ORM work): each fix must be well formed, from
a device the gateway's offices own, bound to an approved positioning measure in force at the fix's
time (article 29: no measure, no data; refused fixes are counted, never stored). The accepted fixes
are tested against the subject's permitted area and banned places, written in one statement that
skips what is already stored (`(device, seq)` is unique, so a resent batch stores nothing twice),
and the few flagged fixes go through alert detection in the same transaction, so an alert exists by
the time the gateway has its answer.

Alerts are found on the sequence numbers, not on arrival order: a crossing is K consecutive
sequence numbers flagged outside, all received. Late fixes can only complete such a run, never
invent one, and a run next to an existing alert with no received unflagged fix between them
extends that alert; so a shuffled, replayed stream raises each alert exactly once.
"""

from __future__ import annotations

import datetime
import threading
import time
import zoneinfo
from dataclasses import dataclass, field

import numpy as np
import orjson
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fengqiao.core.errors import DomainError

from . import codes, geo
from .models import (
    Alert,
    CoOffenderLink,
    Device,
    Fence,
    Fix,
    IngestGeneration,
    IngestRefusal,
    Leave,
    Policy,
    PositioningMeasure,
)

MAX_BATCH = 5000
FUTURE_TOLERANCE_S = 300
TZ = zoneinfo.ZoneInfo(settings.TIME_ZONE)

FLAG_OUTSIDE = 1
FLAG_BANNED = 2
FLAG_LOW_BATTERY = 4
FLAG_TAMPER = 8
RUN_KINDS = (
    (FLAG_OUTSIDE, codes.AlertKind.OUT_OF_AREA),
    (FLAG_BANNED, codes.AlertKind.BANNED_PLACE),
    (FLAG_LOW_BATTERY, codes.AlertKind.LOW_BATTERY),
    (FLAG_TAMPER, codes.AlertKind.TAMPER),
)

REASONS = {
    "malformed": gettext_lazy("Malformed fix: %(detail)s"),
    "future_time": gettext_lazy("The fix's time lies in the future."),
    "unknown_device": gettext_lazy("Unknown device (not registered to this gateway's offices)."),
    "no_measure": gettext_lazy("The device is not bound to a positioning measure in force at the fix's time."),
}
DETAILS = {
    "not_object": gettext_lazy("not an object"),
    "device": gettext_lazy("device identifier missing or too long"),
    "seq": gettext_lazy("sequence number must be a whole number from 0"),
    "time": gettext_lazy("time must be epoch milliseconds or ISO 8601 with a time zone"),
    "coordinates": gettext_lazy("latitude must lie in −90…90 and longitude in −180…180"),
    "datum": gettext_lazy("datum must be WGS84 or GCJ02"),
    "source": gettext_lazy("source must be gps, cell or wifi"),
    "accuracy": gettext_lazy("accuracy must be a non-negative number of metres"),
    "battery": gettext_lazy("battery must be a percentage 0…100"),
    "tamper": gettext_lazy("tamper must be true or false"),
}


def _epoch(day: datetime.date) -> float:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=TZ).timestamp()


@dataclass
class Entry:
    """What ingest needs to know about one device: who it tracks, under which measure windows, and
    against which fences."""

    device_id: int
    office_id: int
    office_path: str
    org_id: int
    subject_id: int
    # (start, end, measure id): the bound measure and, when approved, its extension.
    windows: list[tuple[float, float, int]]
    area_fence: int
    banned_fences: tuple[int, ...]
    leaves: list[tuple[float, float]]
    co_offenders: tuple[int, ...]


@dataclass
class DeviceMap:
    """Per-process cache of device entries and prepared fences, dropped whenever the ingest
    generation moves (every service that changes measures, devices, fences, leaves or
    co-offenders bumps it in its own transaction)."""

    generation: int = -1
    entries: dict[str, Entry | None] = field(default_factory=dict)
    fences: dict[int, geo.PreparedFence] = field(default_factory=dict)
    policy: Policy | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    MAX_ENTRIES = 500_000

    def refresh(self):
        value = IngestGeneration.objects.filter(pk=1).values_list("value", flat=True).first() or 0
        if value != self.generation or len(self.entries) > self.MAX_ENTRIES:
            self.entries = {}
            self.fences = {}
            self.policy = Policy.objects.order_by("pk").first() or Policy()
            self.generation = value

    def lookup(self, identifiers) -> dict[str, Entry | None]:
        missing = [i for i in identifiers if i not in self.entries]
        if missing:
            self._load(missing)
        return {i: self.entries[i] for i in identifiers}

    def _load(self, identifiers: list[str]):
        rows = list(
            Device.objects.filter(identifier__in=identifiers, retired=False).values(
                "identifier",
                "pk",
                "office_id",
                "office__path",
                "bound_at",
                "measure_id",
                "measure__start",
                "measure__end",
                "measure__subject_id",
                "measure__subject__org_id",
            )
        )
        for ident in identifiers:
            self.entries[ident] = None
        if not rows:
            return
        # A registered device without a measure in force keeps an entry with no windows: its fixes
        # are refused as "no measure", not as an unknown device.
        usable = {
            m["pk"]
            for m in PositioningMeasure.objects.filter(
                pk__in=[r["measure_id"] for r in rows if r["measure_id"]],
                status=codes.MeasureStatus.APPROVED,
                ended_on__isnull=True,
            ).values("pk")
        }
        for r in rows:
            if r["measure_id"] not in usable:
                r["measure_id"] = None
        measure_ids = [r["measure_id"] for r in rows if r["measure_id"]]
        subject_ids = {r["measure__subject_id"] for r in rows if r["measure_id"]}
        office_ids = {r["office_id"] for r in rows}
        extensions = {
            m["extends_id"]: m
            for m in PositioningMeasure.objects.filter(
                extends_id__in=measure_ids, status=codes.MeasureStatus.APPROVED, ended_on__isnull=True
            ).values("pk", "extends_id", "start", "end")
        }
        fences = list(
            Fence.objects.filter(active=True)
            .filter(Q(subject_id__in=subject_ids) | Q(subject__isnull=True, office_id__in=office_ids))
            .values("pk", "kind", "subject_id", "office_id", "polygon")
        )
        area_by_subject, area_by_office, banned = {}, {}, {}
        pol = self.policy
        for f in fences:
            if f["pk"] not in self.fences:
                self.fences[f["pk"]] = geo.prepare(
                    f["polygon"], buffer_m=pol.fence_buffer_m, banned=f["kind"] == codes.FenceKind.BANNED
                )
            if f["kind"] == codes.FenceKind.BANNED:
                banned.setdefault(f["subject_id"], []).append(f["pk"])
            elif f["subject_id"]:
                area_by_subject[f["subject_id"]] = f["pk"]
            else:
                area_by_office[f["office_id"]] = f["pk"]
        leaves = {}
        for lv in Leave.objects.filter(
            subject_id__in=subject_ids, status__in=(codes.LeaveStatus.APPROVED, codes.LeaveStatus.RETURNED)
        ).values("subject_id", "start", "end", "returned_on"):
            last = max(lv["end"], lv["returned_on"] or lv["end"])
            leaves.setdefault(lv["subject_id"], []).append(
                (_epoch(lv["start"]), _epoch(last + datetime.timedelta(days=1)))
            )
        links = {}
        for a, b in CoOffenderLink.objects.filter(
            Q(subject_id__in=subject_ids) | Q(other_id__in=subject_ids)
        ).values_list("subject_id", "other_id"):
            links.setdefault(a, []).append(b)
            links.setdefault(b, []).append(a)
        for r in rows:
            if r["measure_id"] is None:
                self.entries[r["identifier"]] = Entry(
                    device_id=r["pk"], office_id=r["office_id"], office_path=r["office__path"], org_id=0,
                    subject_id=0, windows=[], area_fence=-1, banned_fences=(), leaves=[], co_offenders=(),
                )  # fmt: skip
                continue
            subject_id = r["measure__subject_id"]
            start = max(_epoch(r["measure__start"]), r["bound_at"].timestamp() if r["bound_at"] else 0)
            windows = [(start, _epoch(r["measure__end"] + datetime.timedelta(days=1)), r["measure_id"])]
            ext = extensions.get(r["measure_id"])
            if ext:
                windows.append((_epoch(ext["start"]), _epoch(ext["end"] + datetime.timedelta(days=1)), ext["pk"]))
            self.entries[r["identifier"]] = Entry(
                device_id=r["pk"],
                office_id=r["office_id"],
                office_path=r["office__path"],
                org_id=r["measure__subject__org_id"],
                subject_id=subject_id,
                windows=windows,
                area_fence=area_by_subject.get(subject_id, area_by_office.get(r["office_id"], -1)),
                banned_fences=tuple(banned.get(subject_id, ())),
                leaves=leaves.get(subject_id, []),
                co_offenders=tuple(links.get(subject_id, ())),
            )


_MAP = DeviceMap()


def device_map() -> DeviceMap:
    return _MAP


@dataclass
class IngestResult:
    received: int
    stored: int
    duplicates: int
    refused: list[dict]
    alerts: list[int]

    def as_dict(self):
        return {
            "received": self.received,
            "stored": self.stored,
            "duplicates": self.duplicates,
            "refused_count": len(self.refused),
            "refused": self.refused,
            "alerts_raised": len(self.alerts),
        }


# --- parsing -----------------------------------------------------------------------------------------


def _parse_time(value) -> float | None:
    if type(value) is int or type(value) is float:
        return value / 1000.0
    if isinstance(value, str):
        try:
            moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        if moment.tzinfo is None:
            return None
        return moment.timestamp()
    return None


_SOURCES = codes.FIX_SOURCES
_DATUMS = codes.DATUMS


def _columns(items: list):
    """One pass over the batch: typed columns, and the index and reason of each malformed fix."""
    n = len(items)
    dev = [""] * n
    seq = np.zeros(n, dtype=np.int64)
    t = np.zeros(n, dtype=np.float64)
    lat = np.zeros(n, dtype=np.float64)
    lon = np.zeros(n, dtype=np.float64)
    datum = np.zeros(n, dtype=np.int16)
    acc = np.full(n, np.nan)
    src = np.zeros(n, dtype=np.int16)
    bat = np.full(n, -1, dtype=np.int16)
    tamper = np.zeros(n, dtype=np.bool_)
    bad: dict[int, str] = {}
    for i, f in enumerate(items):
        if type(f) is not dict:
            bad[i] = "not_object"
            continue
        d = f.get("device")
        if type(d) is not str or not d or len(d) > 64:
            bad[i] = "device"
            continue
        dev[i] = d
        s = f.get("seq")
        if type(s) is not int or s < 0 or s >= 2**62:
            bad[i] = "seq"
            continue
        seq[i] = s
        ts = _parse_time(f.get("time"))
        if ts is None:
            bad[i] = "time"
            continue
        t[i] = ts
        la, lo = f.get("lat"), f.get("lon")
        if type(la) not in (float, int) or type(lo) not in (float, int):
            bad[i] = "coordinates"
            continue
        lat[i] = la
        lon[i] = lo
        dm = f.get("datum", "WGS84")
        if dm not in _DATUMS:
            bad[i] = "datum"
            continue
        datum[i] = _DATUMS[dm]
        sr = f.get("source", "gps")
        if sr not in _SOURCES:
            bad[i] = "source"
            continue
        src[i] = _SOURCES[sr]
        a = f.get("accuracy")
        if a is not None:
            if type(a) not in (float, int) or not (0 <= a < 1e6):
                bad[i] = "accuracy"
                continue
            acc[i] = a
        b = f.get("battery")
        if b is not None:
            if type(b) is not int or not (0 <= b <= 100):
                bad[i] = "battery"
                continue
            bat[i] = b
        tp = f.get("tamper", False)
        if type(tp) is not bool:
            bad[i] = "tamper"
            continue
        tamper[i] = tp
    # NaN and out-of-range coordinates, in one vectorised test.
    wrong = ~((np.abs(lat) <= 90) & (np.abs(lon) <= 180))
    for i in np.flatnonzero(wrong):
        bad.setdefault(int(i), "coordinates")
    return dev, seq, t, lat, lon, datum, acc, src, bat, tamper, bad


# --- the pipeline ------------------------------------------------------------------------------------


def ingest(*, token, body: bytes | list | dict, now: float | None = None) -> IngestResult:
    """Store a batch of fixes for the gateway `token`; returns what was stored and what was refused
    (with reasons). Raises DomainError only when the batch as a whole is unreadable."""
    if isinstance(body, bytes | str):
        try:
            body = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise DomainError(_("The body is not valid JSON."), code="malformed") from None
    items = body.get("fixes") if isinstance(body, dict) else body
    if not isinstance(items, list):
        raise DomainError(_("Send an object with a list of fixes under “fixes”."), code="malformed")
    if len(items) > MAX_BATCH:
        raise DomainError(_("At most %(n)d fixes per batch.") % {"n": MAX_BATCH}, code="too_large")
    now = time.time() if now is None else now
    n = len(items)
    dev, seq, t, lat, lon, datum, acc, src, bat, tamper, bad = _columns(items)
    reason = np.zeros(n, dtype=np.int8)  # 0 ok, 1 malformed, 2 future, 3 unknown device, 4 no measure
    for i in bad:
        reason[i] = 1
    reason[(reason == 0) & (t > now + FUTURE_TOLERANCE_S)] = 2

    dmap = device_map()
    with dmap.lock:
        dmap.refresh()
        entries = dmap.lookup({d for d in dev if d})
        pol = dmap.policy
        token_path = token.org.path if token is not None else ""
        e_idx = np.full(n, -1, dtype=np.int64)
        entry_list: list[Entry] = []
        entry_pos: dict[str, int] = {}
        for ident, entry in entries.items():
            if entry is not None and entry.office_path.startswith(token_path):
                entry_pos[ident] = len(entry_list)
                entry_list.append(entry)
        for i, d in enumerate(dev):
            if reason[i] == 0:
                pos = entry_pos.get(d)
                if pos is None:
                    reason[i] = 3
                else:
                    e_idx[i] = pos
        ok = reason == 0
        measure = np.zeros(n, dtype=np.int64)
        # A fix is accepted only inside one of its device's measure windows.
        in_window = np.zeros(n, dtype=np.bool_)
        idx_ok = np.flatnonzero(ok)
        if idx_ok.size:
            max_w = max((len(e.windows) for e in entry_list), default=0)
            for w in range(max_w):
                starts = np.array([e.windows[w][0] if len(e.windows) > w else np.inf for e in entry_list])
                ends = np.array([e.windows[w][1] if len(e.windows) > w else -np.inf for e in entry_list])
                mids = np.array([e.windows[w][2] if len(e.windows) > w else 0 for e in entry_list], dtype=np.int64)
                ei = e_idx[idx_ok]
                hit = (t[idx_ok] >= starts[ei]) & (t[idx_ok] < ends[ei]) & ~in_window[idx_ok]
                measure[idx_ok[hit]] = mids[ei[hit]]
                in_window[idx_ok[hit]] = True
        reason[ok & ~in_window] = 4
        ok = reason == 0
        # The same (device, seq) twice in one batch is a replay like any other: stored once.
        idx = np.flatnonzero(ok)
        in_batch_duplicates = 0
        if idx.size:
            keyed = e_idx[idx] * (2**40) + seq[idx]
            first = np.sort(np.unique(keyed, return_index=True)[1])
            in_batch_duplicates = idx.size - first.size
            idx = idx[first]

        m = idx.size
        wlat = lat[idx].copy()
        wlon = lon[idx].copy()
        gcj = datum[idx] == 1
        if gcj.any():
            wlat[gcj], wlon[gcj] = geo.gcj_to_wgs(lat[idx][gcj], lon[idx][gcj])
        ei = e_idx[idx]
        flags = np.zeros(m, dtype=np.int16)
        if m:
            area = np.array([e.area_fence for e in entry_list], dtype=np.int64)[ei]
            for fence_id in np.unique(area):
                if fence_id < 0:
                    continue
                sel = area == fence_id
                out = dmap.fences[int(fence_id)].outside(wlat[sel], wlon[sel])
                flags[np.flatnonzero(sel)[out]] |= FLAG_OUTSIDE
            # Outside the area on an approved leave is no crossing.
            with_leave = [k for k, e in enumerate(entry_list) if e.leaves]
            if with_leave and (flags & FLAG_OUTSIDE).any():
                for k in with_leave:
                    sel = np.flatnonzero((ei == k) & ((flags & FLAG_OUTSIDE) > 0))
                    for a, b in entry_list[k].leaves:
                        covered = sel[(t[idx][sel] >= a) & (t[idx][sel] < b)]
                        flags[covered] &= ~FLAG_OUTSIDE
            banned_entries = [k for k, e in enumerate(entry_list) if e.banned_fences]
            for k in banned_entries:
                sel = np.flatnonzero(ei == k)
                if not sel.size:
                    continue
                for fence_id in entry_list[k].banned_fences:
                    inside = dmap.fences[fence_id].inside(wlat[sel], wlon[sel])
                    flags[sel[inside]] |= FLAG_BANNED
            b = bat[idx]
            flags[(b >= 0) & (b < pol.low_battery_percent)] |= FLAG_LOW_BATTERY
            flags[tamper[idx]] |= FLAG_TAMPER
        office = np.array([e.office_id for e in entry_list], dtype=np.int64)[ei] if m else np.zeros(0, np.int64)
        device = np.array([e.device_id for e in entry_list], dtype=np.int64)[ei] if m else np.zeros(0, np.int64)
        subject = np.array([e.subject_id for e in entry_list], dtype=np.int64)[ei] if m else np.zeros(0, np.int64)
        cols = {
            "office": office,
            "device": device,
            "measure": measure[idx],
            "subject": subject,
            "seq": seq[idx],
            "t": t[idx],
            "lat": lat[idx],
            "lon": lon[idx],
            "datum": datum[idx],
            "wlat": wlat,
            "wlon": wlon,
            "acc": acc[idx],
            "src": src[idx],
            "bat": bat[idx],
            "tamper": tamper[idx],
            "flags": flags,
        }
        co = [k for k, e in enumerate(entry_list) if e.co_offenders]
        co_rows = np.flatnonzero(np.isin(ei, co)) if co and m else np.zeros(0, np.int64)
        with transaction.atomic():
            stored = _write(cols) if m else 0
            alerts: list[int] = []
            flagged = np.flatnonzero(flags)
            if flagged.size:
                alerts += _detect_runs(cols, flagged, entry_list, ei, pol)
            if co_rows.size:
                alerts += _detect_co_offenders(cols, co_rows, entry_list, ei, pol)
            refused = _refusals(reason, bad, dev, seq, items)
            if refused:
                _count_refusals(token, refused, now)
    return IngestResult(
        received=n, stored=stored, duplicates=m - stored + in_batch_duplicates, refused=refused, alerts=alerts
    )


_CODES = {1: "malformed", 2: "future_time", 3: "unknown_device", 4: "no_measure"}


def _refusals(reason, bad, dev, seq, items) -> list[dict]:
    out = []
    for i in np.flatnonzero(reason):
        i = int(i)
        code = _CODES[int(reason[i])]
        detail = {"detail": DETAILS[bad[i]]} if code == "malformed" else {}
        message = str(REASONS[code]) % detail if detail else str(REASONS[code])
        item = items[i] if type(items[i]) is dict else {}
        out.append(
            {"index": i, "device": item.get("device"), "seq": item.get("seq"), "reason": code, "message": message}
        )
    return out


def _count_refusals(token, refused, now):
    day = datetime.datetime.fromtimestamp(now, TZ).date()
    counts: dict[str, int] = {}
    for r in refused:
        counts[r["reason"]] = counts.get(r["reason"], 0) + 1
    token_id = token.pk if token is not None else None
    for code, count in counts.items():
        updated = IngestRefusal.objects.filter(token_id=token_id, day=day, reason=code).update(count=F("count") + count)
        if not updated:
            IngestRefusal.objects.create(token_id=token_id, day=day, reason=code, count=count)


# --- writing -----------------------------------------------------------------------------------------

_PG_EPOCH = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC).timestamp()
_STAGE = "fq_fix_stage"
_COLUMNS = (
    "office_id, device_id, measure_id, subject_id, seq, at, lat, lon, datum, wlat, wlon, accuracy, source, "
    "battery, tamper, flags"
)
_PG_ROW = np.dtype(
    [
        ("n", ">i2"),
        ("l0", ">i4"), ("office", ">i8"),
        ("l1", ">i4"), ("device", ">i8"),
        ("l2", ">i4"), ("measure", ">i8"),
        ("l3", ">i4"), ("subject", ">i8"),
        ("l4", ">i4"), ("seq", ">i8"),
        ("l5", ">i4"), ("at", ">i8"),
        ("l6", ">i4"), ("lat", ">f8"),
        ("l7", ">i4"), ("lon", ">f8"),
        ("l8", ">i4"), ("datum", ">i2"),
        ("l9", ">i4"), ("wlat", ">f8"),
        ("l10", ">i4"), ("wlon", ">f8"),
        ("l11", ">i4"), ("acc", ">f8"),
        ("l12", ">i4"), ("src", ">i2"),
        ("l13", ">i4"), ("bat", ">i2"),
        ("l14", ">i4"), ("tamper", "u1"),
        ("l15", ">i4"), ("flags", ">i2"),
    ]
)  # fmt: skip
_PG_HEADER = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
_PG_TRAILER = (-1).to_bytes(2, "big", signed=True)


def _pg_binary(cols: dict) -> bytes:
    """The batch as PostgreSQL's binary COPY format, built column-wise by numpy."""
    rows = np.empty(cols["seq"].size, dtype=_PG_ROW)
    rows["n"] = 16
    sizes = {"datum": 2, "src": 2, "bat": 2, "flags": 2, "tamper": 1}
    names = ["office", "device", "measure", "subject", "seq", "at", "lat", "lon", "datum", "wlat", "wlon", "acc",
             "src", "bat", "tamper", "flags"]  # fmt: skip
    for k, name in enumerate(names):
        rows[f"l{k}"] = sizes.get(name, 8)
        if name == "at":
            rows["at"] = np.round((cols["t"] - _PG_EPOCH) * 1e6).astype(np.int64)
        else:
            rows[name] = cols[name]
    return _PG_HEADER + rows.tobytes() + _PG_TRAILER


def _write(cols: dict) -> int:
    if connection.vendor == "postgresql":
        return _write_pg(cols)
    return _write_sqlite(cols)


def _write_pg(cols: dict) -> int:
    table = Fix._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {_STAGE} (office_id int8, device_id int8, measure_id int8, "
            "subject_id int8, seq int8, at timestamptz, lat float8, lon float8, datum int2, wlat float8, "
            "wlon float8, accuracy float8, source int2, battery int2, tamper bool, flags int2) ON COMMIT DELETE ROWS"
        )
        with cursor.cursor.copy(f"COPY {_STAGE} ({_COLUMNS}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.write(_pg_binary(cols))
        # NaN accuracy and battery -1 stand for "not reported" in the fixed-width stage.
        cursor.execute(
            f"INSERT INTO {table} ({_COLUMNS}, received_at) "  # noqa: S608
            "SELECT office_id, device_id, measure_id, subject_id, seq, at, lat, lon, datum, wlat, wlon, "
            "NULLIF(accuracy, 'NaN'::float8), source, NULLIF(battery, -1), tamper, flags, now() "
            f"FROM {_STAGE} ON CONFLICT (device_id, seq) DO NOTHING"
        )
        return cursor.rowcount


def _write_sqlite(cols: dict) -> int:
    table = Fix._meta.db_table
    at = np.datetime_as_string(np.round(cols["t"] * 1e6).astype("datetime64[us]"), unit="us")
    at = np.char.replace(at, "T", " ")
    received = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    acc = [None if a != a else a for a in cols["acc"].tolist()]
    bat = [None if b < 0 else b for b in cols["bat"].tolist()]
    rows = zip(
        cols["office"].tolist(),
        cols["device"].tolist(),
        cols["measure"].tolist(),
        cols["subject"].tolist(),
        cols["seq"].tolist(),
        at.tolist(),
        cols["lat"].tolist(),
        cols["lon"].tolist(),
        cols["datum"].tolist(),
        cols["wlat"].tolist(),
        cols["wlon"].tolist(),
        acc,
        cols["src"].tolist(),
        bat,
        cols["tamper"].tolist(),
        cols["flags"].tolist(),
        [received] * cols["seq"].size,
        strict=True,
    )
    with connection.cursor() as cursor:
        before = connection.connection.total_changes
        cursor.executemany(
            f"INSERT OR IGNORE INTO {table} ({_COLUMNS}, received_at) "  # noqa: S608
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        return connection.connection.total_changes - before


# --- alert detection ---------------------------------------------------------------------------------


def _aware(ts: float) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(ts, datetime.UTC)


def _detect_runs(cols, flagged, entry_list, ei, pol) -> list[int]:
    """For each device with flagged fixes, find runs of K consecutive flagged sequence numbers among
    the stored fixes around them, and raise or extend one alert per episode."""
    from .services import alert_raise

    raised = []
    need = {FLAG_OUTSIDE: pol.fence_consecutive, FLAG_BANNED: pol.fence_consecutive, FLAG_LOW_BATTERY: 1,
            FLAG_TAMPER: 1}  # fmt: skip
    by_device: dict[int, list[int]] = {}
    for r in flagged:
        by_device.setdefault(int(ei[r]), []).append(int(r))
    for k, rows in by_device.items():
        entry = entry_list[k]
        seqs = cols["seq"][rows]
        row_flags = cols["flags"][rows]
        measure_ids = set(cols["measure"][rows].tolist())
        # One detection at a time per measure: the row lock orders concurrent batches of one device.
        list(PositioningMeasure.objects.select_for_update().filter(pk__in=measure_ids).values_list("pk"))
        for bit, kind in RUN_KINDS:
            mine = seqs[(row_flags & bit) > 0]
            if not mine.size:
                continue
            k_need = need[bit]
            lo, hi = int(mine.min()) - (k_need - 1), int(mine.max()) + (k_need - 1)
            stored = list(
                Fix.objects.filter(device_id=entry.device_id, seq__gte=lo, seq__lte=hi)
                .order_by("seq")
                .values_list("seq", "flags", "at", "measure_id", "wlat", "wlon")
            )
            for run in _runs(stored, bit, k_need):
                alert = _merge_or_raise(entry, kind, bit, run, alert_raise)
                if alert is not None:
                    raised.append(alert)
    return raised


def _runs(stored, bit, k_need):
    """Maximal runs of consecutive sequence numbers with `bit` set, at least `k_need` long."""
    runs, current = [], []
    for row in stored:
        seq, flags = row[0], row[1]
        if flags & bit and current and seq == current[-1][0] + 1:
            current.append(row)
        elif flags & bit:
            if len(current) >= k_need:
                runs.append(current)
            current = [row]
        else:
            if len(current) >= k_need:
                runs.append(current)
            current = []
    if len(current) >= k_need:
        runs.append(current)
    return runs


def _merge_or_raise(entry: Entry, kind, bit, run, alert_raise):
    first, last = run[0], run[-1]
    measure_id = first[3]
    neighbours = Alert.objects.filter(subject_id=entry.subject_id, measure_id=measure_id, kind=kind).order_by(
        "seq_from"
    )
    for alert in neighbours:
        if alert.seq_from <= last[0] and first[0] <= alert.seq_to:
            gap_clear = True  # overlapping: the same episode
        else:
            a, b = (alert.seq_to, first[0]) if alert.seq_to < first[0] else (last[0], alert.seq_from)
            # Only a received fix without the flag ends an episode; a missing one may yet arrive flagged.
            gap_clear = not (
                Fix.objects.filter(device_id=entry.device_id, seq__gt=a, seq__lt=b)
                .annotate(bit=F("flags").bitand(bit))
                .filter(bit=0)
                .exists()
            )
        if gap_clear:
            changed = []
            if first[0] < alert.seq_from:
                alert.seq_from, alert.first_at = first[0], first[2]
                changed += ["seq_from", "first_at"]
            if last[0] > alert.seq_to:
                alert.seq_to, alert.last_at = last[0], last[2]
                changed += ["seq_to", "last_at"]
            if changed:
                alert.save(update_fields=[*changed, "updated_at"])
            return None
    alert, created = alert_raise(
        subject_id=entry.subject_id,
        office_id=entry.office_id,
        org_id=entry.org_id,
        kind=kind,
        key=f"{kind}:{measure_id}:{first[0]}",
        measure_id=measure_id,
        first_at=first[2],
        last_at=last[2],
        seq_from=first[0],
        seq_to=last[0],
        details={"lat": last[4], "lon": last[5], "fixes": len(run)},
    )
    return alert.pk if created else None


def _detect_co_offenders(cols, rows, entry_list, ei, pol) -> list[int]:
    """Two co-offenders under measures within X metres of each other inside a time window."""
    from .services import alert_raise

    raised = []
    window = pol.co_offender_window_minutes * 60
    for k in np.unique(ei[rows]):
        entry = entry_list[int(k)]
        mine = rows[ei[rows] == k]
        t0, t1 = float(cols["t"][mine].min()) - window, float(cols["t"][mine].max()) + window
        others = list(
            Fix.objects.filter(subject_id__in=entry.co_offenders, at__gte=_aware(t0), at__lte=_aware(t1)).values_list(
                "subject_id", "at", "wlat", "wlon"
            )
        )
        if not others:
            continue
        o_subject = np.array([o[0] for o in others])
        o_t = np.array([o[1].timestamp() for o in others])
        o_lat = np.array([o[2] for o in others])
        o_lon = np.array([o[3] for o in others])
        for r in mine:
            near = (np.abs(o_t - cols["t"][r]) <= window) & (
                geo.distance_m(cols["wlat"][r], cols["wlon"][r], o_lat, o_lon) <= pol.co_offender_distance_m
            )
            for other in set(o_subject[near].tolist()):
                alert = _co_alert(entry, other, float(cols["t"][r]), int(cols["measure"][r]), window, alert_raise)
                if alert is not None:
                    raised.append(alert)
    return raised


def _co_alert(entry: Entry, other: int, ts: float, measure_id: int, window: float, alert_raise):
    """One alert per meeting of a pair: proximity within the window of an existing alert extends
    it, and proximity that bridges two alerts (their fixes arrived out of order) merges them."""
    from fengqiao.core import audit
    from fengqiao.core.models import AuditKind

    low, high = sorted((entry.subject_id, other))
    moment = _aware(ts)
    pair = f"{low}-{high}"
    span = datetime.timedelta(seconds=window)
    touching = list(
        Alert.objects.filter(
            subject_id=entry.subject_id,
            kind=codes.AlertKind.CO_OFFENDERS,
            details__pair=pair,
            first_at__lte=moment + span,
            last_at__gte=moment - span,
        ).order_by("first_at", "pk")
    )
    if touching:
        keep, rest = touching[0], touching[1:]
        first = min([moment, keep.first_at, *(a.first_at for a in rest)])
        last = max([moment, keep.last_at, *(a.last_at for a in rest)])
        for extra in rest:
            if extra.status != codes.AlertStatus.RAISED:
                continue  # someone is working on it: keep it as it is
            audit.record(actor=None, action="corrections.alert.merged", kind=AuditKind.DELETE, obj=extra)
            extra.delete()
        if (first, last) != (keep.first_at, keep.last_at):
            keep.first_at, keep.last_at = first, last
            keep.save(update_fields=["first_at", "last_at", "updated_at"])
        return None
    alert, created = alert_raise(
        subject_id=entry.subject_id,
        office_id=entry.office_id,
        org_id=entry.org_id,
        kind=codes.AlertKind.CO_OFFENDERS,
        key=f"co:{pair}:{int(ts)}",
        measure_id=measure_id,
        first_at=moment,
        last_at=moment,
        details={"pair": pair, "other": other},
    )
    return alert.pk if created else None
