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
import itertools
import threading
import time
import weakref
import zoneinfo
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Annotated, Literal

import msgspec
import numpy as np
import shapely
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fengqiao.core.errors import DomainError

from . import codes, geo
from .models import (
    Alert,
    CoOffenderLink,
    Device,
    DeviceBinding,
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
    """What ingest needs to know about one registered device: who it tracks, under which measure
    windows, and against which fences. A device without a measure in force has no windows."""

    identifier: str
    device_id: int
    office_id: int
    org_id: int = 0
    subject_id: int = 0
    # (start, end, measure id): the bound measure and, when approved, its extension.
    windows: list[tuple[float, float, int]] = field(default_factory=list)
    area_fence: int = -1
    banned_fences: tuple[int, ...] = ()
    leaves: list[tuple[float, float]] = field(default_factory=list)
    co_subjects: tuple[int, ...] = ()
    co_devices: tuple[int, ...] = ()
    max_seq: int = -1


SPECIAL_LEAVE, SPECIAL_BANNED, SPECIAL_CO = 1, 2, 4
_GENERATION_SQL = f"SELECT value FROM {IngestGeneration._meta.db_table} WHERE id = 1"  # noqa: S608
MAX_WINDOWS = 2


class DeviceMap:
    """Per-process cache of the registered devices (as numpy columns indexed by a slot number) and
    of the prepared fences, dropped whenever the ingest generation moves: every service that
    changes measures, devices, bindings, fences, leaves or co-offenders bumps it in its own
    transaction."""

    MAX_ENTRIES = 500_000

    def __init__(self):
        self.generation = -1
        self.lock = threading.Lock()
        self._reset()

    def _reset(self):
        self.slots: dict[str, int] = {}
        self.unknown: set[str] = set()
        self.entries: list[Entry] = []
        self.fences: dict[int, geo.PreparedFence] = {}
        self.office_paths: dict[int, str] = {}
        self.scope_cache: dict[str, np.ndarray] = {}
        self.policy: Policy | None = None
        self.a_maxseq = np.zeros(0, dtype=np.int64)
        self._columns()

    def _columns(self):
        e = self.entries
        # The highest stored sequence number per device, kept across reloads of new entries.
        known = self.a_maxseq
        self.a_maxseq = np.array([x.max_seq for x in e], dtype=np.int64)
        self.a_maxseq[: known.size] = np.maximum(self.a_maxseq[: known.size], known)
        self.a_device = np.array([x.device_id for x in e], dtype=np.int64)
        self.a_office = np.array([x.office_id for x in e], dtype=np.int64)
        self.a_subject = np.array([x.subject_id for x in e], dtype=np.int64)
        self.a_area = np.array([x.area_fence for x in e], dtype=np.int64)
        self.a_special = np.array(
            [
                (SPECIAL_LEAVE if x.leaves else 0)
                | (SPECIAL_BANNED if x.banned_fences else 0)
                | (SPECIAL_CO if x.co_devices else 0)
                for x in e
            ],
            dtype=np.int8,
        )
        # The permitted areas as parallel arrays, so one vectorised call tests a whole batch.
        order = list(self.fences)
        position = {fid: k for k, fid in enumerate(order)}
        self.f_lon0 = np.array([self.fences[f].lon0 for f in order])
        self.f_lat0 = np.array([self.fences[f].lat0 for f in order])
        self.f_kx = np.array([self.fences[f].kx for f in order])
        self.f_geom = np.array([self.fences[f].buffered for f in order], dtype=object)
        self.a_area_idx = np.array([position.get(x.area_fence, -1) for x in e], dtype=np.int64)
        self.w_start = np.full((len(e), MAX_WINDOWS), np.inf)
        self.w_end = np.full((len(e), MAX_WINDOWS), -np.inf)
        self.w_measure = np.zeros((len(e), MAX_WINDOWS), dtype=np.int64)
        for k, x in enumerate(e):
            for w, (a, b, m) in enumerate(x.windows[:MAX_WINDOWS]):
                self.w_start[k, w], self.w_end[k, w], self.w_measure[k, w] = a, b, m
        self.scope_cache = {}

    def refresh(self):
        # Read on every batch, so read cheaply: one indexed row, no ORM compilation.
        with connection.cursor() as cursor:
            cursor.execute(_GENERATION_SQL)
            row = cursor.fetchone()
        value = row[0] if row else 0
        if value != self.generation or len(self.entries) + len(self.unknown) > self.MAX_ENTRIES:
            self._reset()
            self.policy = Policy.objects.order_by("pk").first() or Policy()
            self.generation = value

    def slots_for(self, identifiers: list) -> np.ndarray:
        """The slot of each identifier (-1 when not registered), loading unseen ones in one query."""
        if set(map(type, identifiers)) != {str}:
            identifiers = [d if type(d) is str else "" for d in identifiers]
        slots, unknown = self.slots, self.unknown
        # Membership tests against the dict and set (set.difference would walk the whole dict).
        missing = [d for d in set(identifiers) if d not in slots and d not in unknown and d]
        if missing:
            self._load(list(missing))
        return np.array(list(map(self.slots.get, identifiers, itertools.repeat(-1))), dtype=np.int64)

    def in_scope(self, token_path: str) -> np.ndarray:
        """Per slot: whether the device's office lies in the gateway's subtree."""
        cached = self.scope_cache.get(token_path)
        if cached is None or cached.size != len(self.entries):
            ok_offices = [o for o, path in self.office_paths.items() if path.startswith(token_path)]
            cached = np.isin(self.a_office, ok_offices)
            self.scope_cache[token_path] = cached
        return cached

    def _load(self, identifiers: list[str]):
        newest = Fix.objects.filter(device_id=OuterRef("pk")).order_by("-seq").values("seq")[:1]
        rows = list(
            Device.objects.filter(identifier__in=identifiers, retired=False)
            .annotate(max_seq=Subquery(newest))
            .values(
                "max_seq",
                "identifier", "pk", "office_id", "office__path", "bound_at", "measure_id",
                "measure__status", "measure__ended_on", "measure__start", "measure__end",
                "measure__subject_id", "measure__subject__org_id",
            )
        )  # fmt: skip
        found = {r["identifier"] for r in rows}
        self.unknown.update(i for i in identifiers if i not in found)
        for r in rows:
            self.office_paths[r["office_id"]] = r["office__path"]
            usable = (
                r["measure_id"]
                and r["measure__status"] == codes.MeasureStatus.APPROVED
                and r["measure__ended_on"] is None
            )
            if not usable:
                r["measure_id"] = None
        live = [r for r in rows if r["measure_id"]]
        subject_ids = {r["measure__subject_id"] for r in live}
        office_ids = {r["office_id"] for r in live}
        extensions = {
            m["extends_id"]: m
            for m in PositioningMeasure.objects.filter(
                extends_id__in=[r["measure_id"] for r in live], status=codes.MeasureStatus.APPROVED,
                ended_on__isnull=True,
            ).values("pk", "extends_id", "start", "end")
        }  # fmt: skip
        area_by_subject, area_by_office, banned = {}, {}, {}
        if live:
            for f in (
                Fence.objects.filter(active=True)
                .filter(Q(subject_id__in=subject_ids) | Q(subject__isnull=True, office_id__in=office_ids))
                .values("pk", "kind", "subject_id", "office_id", "polygon")
            ):
                if f["pk"] not in self.fences:
                    self.fences[f["pk"]] = geo.prepare(
                        f["polygon"], buffer_m=self.policy.fence_buffer_m, banned=f["kind"] == codes.FenceKind.BANNED
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
        links: dict[int, list[int]] = {}
        for a, b in CoOffenderLink.objects.filter(
            Q(subject_id__in=subject_ids) | Q(other_id__in=subject_ids)
        ).values_list("subject_id", "other_id"):
            links.setdefault(a, []).append(b)
            links.setdefault(b, []).append(a)
        co_devices: dict[int, list[int]] = {}
        if links:
            others = {o for v in links.values() for o in v}
            for device_id, subject_id in DeviceBinding.objects.filter(
                subject_id__in=others, unbound_at__isnull=True
            ).values_list("device_id", "subject_id"):
                co_devices.setdefault(subject_id, []).append(device_id)
        for r in rows:
            entry = Entry(
                identifier=r["identifier"],
                device_id=r["pk"],
                office_id=r["office_id"],
                max_seq=r["max_seq"] if r["max_seq"] is not None else -1,
            )
            if r["measure_id"]:
                subject_id = r["measure__subject_id"]
                start = max(_epoch(r["measure__start"]), r["bound_at"].timestamp() if r["bound_at"] else 0)
                windows = [(start, _epoch(r["measure__end"] + datetime.timedelta(days=1)), r["measure_id"])]
                ext = extensions.get(r["measure_id"])
                if ext:
                    windows.append((_epoch(ext["start"]), _epoch(ext["end"] + datetime.timedelta(days=1)), ext["pk"]))
                co = tuple(links.get(subject_id, ()))
                entry.org_id = r["measure__subject__org_id"]
                entry.subject_id = subject_id
                entry.windows = windows
                entry.area_fence = area_by_subject.get(subject_id, area_by_office.get(r["office_id"], -1))
                entry.banned_fences = tuple(banned.get(subject_id, ()))
                entry.leaves = leaves.get(subject_id, [])
                entry.co_subjects = co
                entry.co_devices = tuple(d for o in co for d in co_devices.get(o, ()))
            self.slots[r["identifier"]] = len(self.entries)
            self.entries.append(entry)
        self._columns()


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
_NUMBER = {int, float}


def _numbers(values: list, bad: dict, code: str, *, optional=False) -> np.ndarray:
    """A float column; entries that are not numbers (or None when optional) are marked bad. The
    common case, all numbers, is one type scan and one numpy conversion."""
    kinds = set(map(type, values))
    if kinds <= _NUMBER:
        return np.array(values, dtype=np.float64)
    out = np.full(len(values), np.nan)
    for i, v in enumerate(values):
        t = type(v)
        if t is int or t is float:
            out[i] = v
        elif not (optional and v is None):
            bad.setdefault(i, code)
    return out


def _field(items: list, key: str) -> list:
    """One field of every fix (None where absent), read in C when every fix has it."""
    try:
        return list(map(itemgetter(key), items))
    except KeyError:
        return list(map(dict.get, items, itertools.repeat(key)))


class _Fix(msgspec.Struct):
    """A well-formed fix, as the fast path decodes it (the tolerant path checks the same rules)."""

    device: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    seq: Annotated[int, msgspec.Meta(ge=0, lt=2**62)]
    time: int | str
    lat: Annotated[float, msgspec.Meta(ge=-90, le=90)]
    lon: Annotated[float, msgspec.Meta(ge=-180, le=180)]
    datum: Literal["WGS84", "GCJ02"] = "WGS84"
    accuracy: Annotated[float, msgspec.Meta(ge=0, lt=1e6)] | None = None
    source: Literal["gps", "cell", "wifi"] = "gps"
    battery: Annotated[int, msgspec.Meta(ge=0, le=100)] | None = None
    tamper: bool = False


class _Batch(msgspec.Struct):
    fixes: list[_Fix]


_DECODER = msgspec.json.Decoder(_Batch)


def _typed_columns(fixes: list[_Fix]):
    """Columns of a batch the decoder has already checked (times given as text still parsed here)."""
    n = len(fixes)
    bad: dict[int, str] = {}
    dev = [f.device for f in fixes]
    seq = np.array([f.seq for f in fixes], dtype=np.int64)
    raw_t = [f.time for f in fixes]
    if n and set(map(type, raw_t)) == {int}:
        t = np.array(raw_t, dtype=np.float64) / 1000.0
    else:
        t = np.zeros(n)
        for i, v in enumerate(raw_t):
            ts = _parse_time(v)
            if ts is None:
                bad[i] = "time"
            else:
                t[i] = ts
    lat = np.array([f.lat for f in fixes], dtype=np.float64)
    lon = np.array([f.lon for f in fixes], dtype=np.float64)
    raw = [f.datum for f in fixes]
    datum = np.zeros(n, dtype=np.int16) if "GCJ02" not in raw else np.array([_DATUMS[v] for v in raw], np.int16)
    raw = [f.source for f in fixes]
    src = np.zeros(n, dtype=np.int16) if set(raw) == {"gps"} else np.array([_SOURCES[v] for v in raw], np.int16)
    raw = [f.accuracy for f in fixes]
    acc = (
        np.array([np.nan if v is None else v for v in raw], dtype=np.float64)
        if None in raw
        else np.array(raw, dtype=np.float64)
    )
    raw = [f.battery for f in fixes]
    bat = (
        np.array([-1 if v is None else v for v in raw], dtype=np.int16)
        if None in raw
        else np.array(raw, dtype=np.int16)
    )
    tamper = np.array([f.tamper for f in fixes], dtype=np.bool_)
    return dev, seq, t, lat, lon, datum, acc, src, bat, tamper, bad


def _columns(items: list):
    """The batch as typed columns, and the index and reason of each malformed fix."""
    n = len(items)
    bad: dict[int, str] = {}
    if n and set(map(type, items)) != {dict}:
        items = [f if type(f) is dict else {} for f in items]
        for i, f in enumerate(items):
            if not f:
                bad[i] = "not_object"
    dev = _field(items, "device")
    if n and not (set(map(type, dev)) == {str} and min(map(len, dev)) > 0 and max(map(len, dev)) <= 64):
        for i, d in enumerate(dev):
            if type(d) is not str or not 0 < len(d) <= 64:
                bad.setdefault(i, "device")
    raw_seq = _field(items, "seq")
    try:
        if set(map(type, raw_seq)) != {int}:
            raise TypeError
        seq = np.array(raw_seq, dtype=np.int64)
    except (TypeError, OverflowError):
        seq = np.zeros(n, dtype=np.int64)
        for i, v in enumerate(raw_seq):
            if type(v) is int and 0 <= v < 2**62:
                seq[i] = v
            else:
                bad.setdefault(i, "seq")
    for i in np.flatnonzero((seq < 0) | (seq >= 2**62)):
        bad.setdefault(int(i), "seq")
    raw_t = _field(items, "time")
    if set(map(type, raw_t)) == {int}:
        t = np.array(raw_t, dtype=np.float64) / 1000.0
    else:
        t = np.zeros(n)
        for i, v in enumerate(raw_t):
            ts = _parse_time(v)
            if ts is None:
                bad.setdefault(i, "time")
            else:
                t[i] = ts
    lat = _numbers(_field(items, "lat"), bad, "coordinates")
    lon = _numbers(_field(items, "lon"), bad, "coordinates")
    for i in np.flatnonzero(~((np.abs(lat) <= 90) & (np.abs(lon) <= 180))):
        bad.setdefault(int(i), "coordinates")
    raw_datum = _field(items, "datum")
    kinds = set(raw_datum)
    if kinds <= {None, "WGS84"}:
        datum = np.zeros(n, dtype=np.int16)
    else:
        datum = np.zeros(n, dtype=np.int16)
        for i, v in enumerate(raw_datum):
            if v is None:
                continue
            if v in _DATUMS:
                datum[i] = _DATUMS[v]
            else:
                bad.setdefault(i, "datum")
    raw_src = _field(items, "source")
    src = np.zeros(n, dtype=np.int16)
    if not set(raw_src) <= {None, "gps"}:
        for i, v in enumerate(raw_src):
            if v is None:
                continue
            if v in _SOURCES:
                src[i] = _SOURCES[v]
            else:
                bad.setdefault(i, "source")
    acc = _numbers(_field(items, "accuracy"), bad, "accuracy", optional=True)
    for i in np.flatnonzero((acc < 0) | (acc >= 1e6)):
        bad.setdefault(int(i), "accuracy")
    raw_bat = _field(items, "battery")
    if set(map(type, raw_bat)) == {int}:
        bat = np.array(raw_bat, dtype=np.int64)
    else:
        bat = np.full(n, -1, dtype=np.int64)
        for i, v in enumerate(raw_bat):
            if type(v) is int:
                bat[i] = v if -1 < v < 2**31 else 999
            elif v is not None:
                bad.setdefault(i, "battery")
    for i in np.flatnonzero((bat > 100) | (bat < -1)):
        bad.setdefault(int(i), "battery")
    raw_tamper = _field(items, "tamper")
    kinds = set(map(type, raw_tamper))
    if kinds <= {type(None)}:
        tamper = np.zeros(n, dtype=np.bool_)
    else:
        tamper = np.zeros(n, dtype=np.bool_)
        for i, v in enumerate(raw_tamper):
            if type(v) is bool:
                tamper[i] = v
            elif v is not None:
                bad.setdefault(i, "tamper")
    return dev, seq, t, lat, lon, datum, acc, src, bat.astype(np.int16), tamper, bad


# --- the pipeline ------------------------------------------------------------------------------------


def ingest(*, token, body: bytes | list | dict, now: float | None = None) -> IngestResult:
    """Store a batch of fixes for the gateway `token`; returns what was stored and what was refused
    (with reasons). Raises DomainError only when the batch as a whole is unreadable."""
    columns = None
    if isinstance(body, bytes | str):
        # The common case, a well-formed batch, is decoded and checked in C in one pass; any fault
        # sends the batch down the tolerant path, which names each bad fix and keeps the rest.
        try:
            typed = _DECODER.decode(body).fixes
            if len(typed) <= MAX_BATCH:
                columns = _typed_columns(typed)
                items = typed
        except msgspec.ValidationError:
            pass
        except msgspec.DecodeError:
            raise DomainError(_("The body is not valid JSON."), code="malformed") from None
        if columns is None:
            body = msgspec.json.decode(body)
    if columns is None:
        items = body.get("fixes") if isinstance(body, dict) else body
        if not isinstance(items, list):
            raise DomainError(_("Send an object with a list of fixes under “fixes”."), code="malformed")
        if len(items) > MAX_BATCH:
            raise DomainError(_("At most %(n)d fixes per batch.") % {"n": MAX_BATCH}, code="too_large")
        columns = _columns(items)
    now = time.time() if now is None else now
    n = len(items)
    dev, seq, t, lat, lon, datum, acc, src, bat, tamper, bad = columns
    reason = np.zeros(n, dtype=np.int8)  # 0 ok, 1 malformed, 2 future, 3 unknown device, 4 no measure
    if bad:
        reason[list(bad)] = 1
    reason[(reason == 0) & (t > now + FUTURE_TOLERANCE_S)] = 2

    dmap = device_map()
    with dmap.lock:
        dmap.refresh()
        pol = dmap.policy
        slot = dmap.slots_for(dev)
        known = slot >= 0
        if token is not None:
            known[known] = dmap.in_scope(token.org.path)[slot[known]]
        reason[(reason == 0) & ~known] = 3
        idx = np.flatnonzero(reason == 0)
        s_ok = slot[idx]
        # A fix is accepted only inside one of its device's measure windows.
        t_ok = t[idx, None]
        hit = (t_ok >= dmap.w_start[s_ok]) & (t_ok < dmap.w_end[s_ok])
        in_window = hit.any(axis=1)
        measure_ok = dmap.w_measure[s_ok, hit.argmax(axis=1)]
        reason[idx[~in_window]] = 4
        idx, s_ok, measure_ok = idx[in_window], s_ok[in_window], measure_ok[in_window]
        # The same (device, seq) twice in one batch is a replay like any other: stored once.
        in_batch_duplicates = 0
        if idx.size:
            keyed = s_ok * (2**40) + seq[idx]
            first = np.sort(np.unique(keyed, return_index=True)[1])
            in_batch_duplicates = idx.size - first.size
            idx, s_ok, measure_ok = idx[first], s_ok[first], measure_ok[first]
        m = idx.size
        wlat, wlon = lat[idx], lon[idx]
        gcj = datum[idx] == 1
        if gcj.any():
            wlat, wlon = wlat.copy(), wlon.copy()
            wlat[gcj], wlon[gcj] = geo.gcj_to_wgs(wlat[gcj], wlon[gcj])
        t_ok = t[idx]
        flags = np.zeros(m, dtype=np.int16)
        if m:
            fi = dmap.a_area_idx[s_ok]
            fenced = fi >= 0
            if fenced.any():
                if not fenced.all():
                    fi = np.where(fenced, fi, 0)
                x = (wlon - dmap.f_lon0[fi]) * dmap.f_kx[fi]
                y = (wlat - dmap.f_lat0[fi]) * geo.M_PER_DEG_LAT
                outside = ~shapely.contains_xy(dmap.f_geom[fi], x, y) & fenced
                flags[outside] |= FLAG_OUTSIDE
            special = dmap.a_special[s_ok]
            # Outside the area during an approved leave is no crossing.
            for r in np.flatnonzero((special & SPECIAL_LEAVE) > 0):
                if flags[r] & FLAG_OUTSIDE and any(a <= t_ok[r] < b for a, b in dmap.entries[s_ok[r]].leaves):
                    flags[r] &= ~FLAG_OUTSIDE
            for k in np.unique(s_ok[(special & SPECIAL_BANNED) > 0]):
                sel = np.flatnonzero(s_ok == k)
                for fence_id in dmap.entries[k].banned_fences:
                    inside = dmap.fences[fence_id].inside(wlat[sel], wlon[sel])
                    flags[sel[inside]] |= FLAG_BANNED
            b = bat[idx]
            flags[(b >= 0) & (b < pol.low_battery_percent)] |= FLAG_LOW_BATTERY
            flags[tamper[idx]] |= FLAG_TAMPER
        cols = {
            "office": dmap.a_office[s_ok],
            "device": dmap.a_device[s_ok],
            "measure": measure_ok,
            "subject": dmap.a_subject[s_ok],
            "seq": seq[idx],
            "t": t_ok,
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
        co_rows = np.flatnonzero((dmap.a_special[s_ok] & SPECIAL_CO) > 0) if m else np.zeros(0, np.int64)
        entries = dmap.entries
        # Sequence numbers above the highest this worker knows for each device are new unless
        # another worker stored them meanwhile: those batches go straight into the table (the
        # unique key still guards it, and a clash falls back to the skip-duplicates path).
        likely_new = bool(m) and bool((cols["seq"] > dmap.a_maxseq[s_ok]).all())
        refused = _refusals(reason, bad, dev, seq) if reason.any() else []
        flagged = np.flatnonzero(flags)
        alerts: list[int] = []
        attempts = (True, False) if likely_new else (False,)
        if (
            likely_new
            and not flagged.size
            and not co_rows.size
            and not refused
            and connection.vendor == "postgresql"
            and not connection.in_atomic_block
        ):
            # The usual batch (new fixes, nothing flagged, nothing refused) is one COPY: a single
            # statement is its own transaction, so it needs no BEGIN and COMMIT round trips.
            try:
                stored = _copy_direct(cols)
                attempts = ()
            except IntegrityError:
                attempts = (False,)
        for direct in attempts:
            try:
                with transaction.atomic():
                    stored = _write(cols, direct=direct) if m else 0
                    alerts = []
                    if flagged.size:
                        alerts += _detect_runs(cols, flagged, entries, s_ok, pol)
                    if co_rows.size:
                        alerts += _detect_co_offenders(cols, co_rows, entries, s_ok, pol)
                    if refused:
                        _count_refusals(token, refused, now)
                break
            except IntegrityError:
                # COPY met rows another worker stored meanwhile; the transaction is void, so the
                # whole batch goes again through the path that skips stored rows.
                if not direct:
                    raise
        if m:
            np.maximum.at(dmap.a_maxseq, s_ok, cols["seq"])
    return IngestResult(
        received=n, stored=stored, duplicates=m - stored + in_batch_duplicates, refused=refused, alerts=alerts
    )


_CODES = {1: "malformed", 2: "future_time", 3: "unknown_device", 4: "no_measure"}


def _refusals(reason, bad, dev, seq) -> list[dict]:
    out = []
    for i in np.flatnonzero(reason):
        i = int(i)
        code = _CODES[int(reason[i])]
        detail = {"detail": DETAILS[bad[i]]} if code == "malformed" else {}
        message = str(REASONS[code]) % detail if detail else str(REASONS[code])
        device, number = dev[i], (int(seq[i]) if bad.get(i) != "seq" else None)
        out.append(
            {
                "index": i,
                "device": device if type(device) is str else None,
                "seq": number,
                "reason": code,
                "message": message,
            }
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
# Connections that already hold the staging table (temporary tables live as long as the session).
_STAGED: weakref.WeakSet = weakref.WeakSet()
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


def _pg_binary(cols: dict, *, received: bool = False) -> bytes:
    """The batch as PostgreSQL's binary COPY format, built column-wise by numpy. With `received`,
    for the fix table itself: unreported accuracy and battery become NULL and the receipt time is
    appended (the staging table keeps NaN and -1 in fixed-width columns instead)."""
    n = cols["seq"].size
    acc_null = np.isnan(cols["acc"]) if received else np.zeros(n, dtype=np.bool_)
    bat_null = (cols["bat"] < 0) if received else np.zeros(n, dtype=np.bool_)
    if received and (acc_null.any() or bat_null.any()):
        # Rows with NULLs differ in width: build those few one by one, the rest in bulk.
        plain = ~(acc_null | bat_null)
        parts = [_pg_rows({k: v[plain] for k, v in cols.items()}, received)] if plain.any() else []
        for i in np.flatnonzero(~plain):
            parts.append(_pg_row_with_nulls({k: v[i] for k, v in cols.items()}, acc_null[i], bat_null[i]))
        return _PG_HEADER + b"".join(parts) + _PG_TRAILER
    return _PG_HEADER + _pg_rows(cols, received) + _PG_TRAILER


_RECEIVED_ROW = np.dtype(_PG_ROW.descr[:1] + _PG_ROW.descr[1:] + [("l16", ">i4"), ("received", ">i8")])


def _pg_rows(cols: dict, received: bool) -> bytes:
    rows = np.empty(cols["seq"].size, dtype=_RECEIVED_ROW if received else _PG_ROW)
    rows["n"] = 17 if received else 16
    for k, name in enumerate(_NAMES):
        rows[f"l{k}"] = _SIZES.get(name, 8)
        if name == "at":
            rows["at"] = np.round((cols["t"] - _PG_EPOCH) * 1e6).astype(np.int64)
        else:
            rows[name] = cols[name]
    if received:
        rows["l16"] = 8
        rows["received"] = int((time.time() - _PG_EPOCH) * 1e6)
    return rows.tobytes()


def _pg_row_with_nulls(row: dict, acc_null: bool, bat_null: bool) -> bytes:
    out = [(17).to_bytes(2, "big")]
    for name in _NAMES:
        if (name == "acc" and acc_null) or (name == "bat" and bat_null):
            out.append((-1).to_bytes(4, "big", signed=True))
            continue
        if name == "at":
            out.append(
                (8).to_bytes(4, "big") + round((float(row["t"]) - _PG_EPOCH) * 1e6).to_bytes(8, "big", signed=True)
            )
            continue
        value = row[name]
        if name in ("lat", "lon", "wlat", "wlon", "acc"):
            data = np.array(value, dtype=">f8").tobytes()
        elif name == "tamper":
            data = bytes([1 if value else 0])
        else:
            data = int(value).to_bytes(_SIZES.get(name, 8), "big", signed=True)
        out.append(len(data).to_bytes(4, "big") + data)
    out.append((8).to_bytes(4, "big") + int((time.time() - _PG_EPOCH) * 1e6).to_bytes(8, "big", signed=True))
    return b"".join(out)


_NAMES = ["office", "device", "measure", "subject", "seq", "at", "lat", "lon", "datum", "wlat", "wlon", "acc",
          "src", "bat", "tamper", "flags"]  # fmt: skip
_SIZES = {"datum": 2, "src": 2, "bat": 2, "flags": 2, "tamper": 1}


def _write(cols: dict, *, direct: bool = False) -> int:
    """Store the rows, skipping any (device, seq) already stored; returns how many were new. With
    `direct` (PostgreSQL), COPY straight into the table: a clash raises IntegrityError."""
    if connection.vendor != "postgresql":
        return _write_sqlite(cols)
    if direct:
        return _copy_direct(cols)
    return _write_pg(cols)


def _copy_direct(cols: dict) -> int:
    import psycopg

    with connection.cursor() as cursor:
        try:
            with cursor.cursor.copy(
                f"COPY {Fix._meta.db_table} ({_COLUMNS}, received_at) FROM STDIN (FORMAT BINARY)"
            ) as copy:
                copy.write(_pg_binary(cols, received=True))
        except psycopg.IntegrityError as exc:
            # The raw COPY bypasses Django's error wrapping: say it the way callers catch it.
            raise IntegrityError(str(exc)) from exc
        return cols["seq"].size


def _write_pg(cols: dict) -> int:
    table = Fix._meta.db_table
    with connection.cursor() as cursor:
        raw = connection.connection
        if raw not in _STAGED:
            # Known only once committed: a rolled-back transaction takes the new table with it.
            transaction.on_commit(lambda: _STAGED.add(raw))
            cursor.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {_STAGE} (office_id int8, device_id int8, measure_id int8, "
                "subject_id int8, seq int8, at timestamptz, lat float8, lon float8, datum int2, wlat float8, "
                "wlon float8, accuracy float8, source int2, battery int2, tamper bool, flags int2) "
                "ON COMMIT DELETE ROWS"
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
    # The stored fixes around the flagged ones, for every device in one query: a run of K can only
    # reach K-1 sequence numbers either side of a new fix.
    k_max = max(need.values())
    ranges = Q()
    for k, rows in by_device.items():
        seqs = cols["seq"][rows]
        ranges |= Q(
            device_id=entry_list[k].device_id,
            seq__gte=int(seqs.min()) - (k_max - 1),
            seq__lte=int(seqs.max()) + (k_max - 1),
        )
    around: dict[int, list] = {}
    for row in (
        Fix.objects.filter(ranges)
        .order_by("device_id", "seq")
        .values_list("device_id", "seq", "flags", "at", "measure_id", "wlat", "wlon")
    ):
        around.setdefault(row[0], []).append(row[1:])
    locked = False
    for k in by_device:
        entry = entry_list[k]
        stored = around.get(entry.device_id, [])
        for bit, kind in RUN_KINDS:
            runs = _runs(stored, bit, need[bit])
            if not runs:
                continue
            if not locked:
                # One detection at a time per measure: the row locks order concurrent batches.
                ids = set(cols["measure"][flagged].tolist())
                list(PositioningMeasure.objects.select_for_update().filter(pk__in=ids).values_list("pk"))
                locked = True
            for run in runs:
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
            Fix.objects.filter(device_id__in=entry.co_devices, at__gte=_aware(t0), at__lte=_aware(t1)).values_list(
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
