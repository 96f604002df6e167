"""Location ingest: bad input refused fix by fix, idempotency, scope, data minimisation, datum
conversion, and alerts raised exactly once whatever order the fixes arrive in."""

import datetime
import json
import random
import time

import pytest
from django.test import Client
from django.utils import timezone

from fengqiao.corrections import codes, geo, services
from fengqiao.corrections.ingest import ingest
from fengqiao.corrections.models import Alert, Fix, IngestRefusal
from fengqiao.corrections.testing import (
    CENTRE,
    HALF,
    fix,
    gateway_token,
    make_measure,
    make_subject,
    people,
)

pytestmark = pytest.mark.django_db

OUT = CENTRE[1] + HALF + 0.01  # about 950 m east of the fence, well beyond the 30 m buffer


def _post(raw, body):
    client = Client()
    return client.post(
        "/api/v1/corrections/fixes",
        data=json.dumps(body) if not isinstance(body, bytes) else body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )


@pytest.fixture
def tracked(world):
    subject = make_subject(world)
    measure, device = make_measure(world, subject)
    return subject, measure, device


# --- known points --------------------------------------------------------------------------------------

KNOWN = [
    # WGS-84 lat, lon → GCJ-02 lat, lon (published test points of the eviltransform project)
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),
]


@pytest.mark.parametrize("wlat,wlon,glat,glon", KNOWN)
def test_wgs_gcj_conversion_matches_known_points(wlat, wlon, glat, glon):
    lat, lon = geo.wgs_to_gcj(wlat, wlon)
    assert geo.distance_m(lat, lon, glat, glon) < 0.01
    back_lat, back_lon = geo.gcj_to_wgs(glat, glon)
    assert geo.distance_m(back_lat, back_lon, wlat, wlon) < 0.01


def test_gcj_is_identity_outside_china():
    lat, lon = geo.wgs_to_gcj(48.8566, 2.3522)
    assert (float(lat), float(lon)) == (48.8566, 2.3522)


def test_gcj_fixes_are_stored_with_their_datum_and_converted(tracked):
    _subject, _measure, device = tracked
    glat, glon = geo.wgs_to_gcj(CENTRE[0], CENTRE[1])
    result = ingest(token=None, body={"fixes": [fix(device, 1, lat=float(glat), lon=float(glon), datum="GCJ02")]})
    assert result.stored == 1
    stored = Fix.objects.get(device=device)
    assert stored.datum == 1 and stored.lat == pytest.approx(float(glat))
    assert geo.distance_m(stored.wlat, stored.wlon, CENTRE[0], CENTRE[1]) < 0.01
    assert stored.flags == 0


# --- idempotency and bad input -----------------------------------------------------------------------


def test_resent_batch_stores_nothing_twice(tracked):
    _subject, _measure, device = tracked
    batch = {"fixes": [fix(device, i, t=time.time() - 600 + i) for i in range(10)]}
    first = ingest(token=None, body=batch)
    again = ingest(token=None, body=batch)
    assert (first.stored, first.duplicates) == (10, 0)
    assert (again.stored, again.duplicates) == (0, 10)
    assert Fix.objects.filter(device=device).count() == 10


def test_mixed_batch_stores_the_valid_fixes_and_names_each_refusal(world, tracked):
    _subject, _measure, device = tracked
    now = time.time()
    batch = {
        "fixes": [
            fix(device, 1, t=now - 60),
            fix(device, 2, t=now - 50, lat=95.0),
            fix(device, 3, t=now - 40, lon="120.3"),
            fix(device, 4, t=now + 86400),
            fix("NO-SUCH-DEVICE", 5, t=now - 30),
            fix(device, 6, t=now - 20, datum="BD09"),
            "not a fix",
            fix(device, -1, t=now - 10),
            fix(device, 8, t=now - 10, battery=140),
            {"device": device.identifier, "seq": 9, "time": "2026-11-28 10:00", "lat": 31.9, "lon": 120.3},
            fix(device, 10, t=now - 5),
        ]
    }
    result = ingest(token=None, body=batch)
    assert result.stored == 2
    reasons = {r["index"]: r["reason"] for r in result.refused}
    assert reasons == {
        1: "malformed",
        2: "malformed",
        3: "future_time",
        4: "unknown_device",
        5: "malformed",
        6: "malformed",
        7: "malformed",
        8: "malformed",
        9: "malformed",
    }
    messages = {r["index"]: r["message"] for r in result.refused}
    assert "纬度" in messages[1] or "latitude" in messages[1]
    assert set(Fix.objects.filter(device=device).values_list("seq", flat=True)) == {1, 10}
    counted = dict(IngestRefusal.objects.values_list("reason", "count"))
    assert counted == {"malformed": 7, "future_time": 1, "unknown_device": 1}


def test_fixes_without_a_measure_in_force_are_refused_and_not_stored(world, tracked):
    _subject, measure, device = tracked
    director = world.director_a
    services.measure_end(actor=director, measure=measure, on=timezone.localdate(), reason="不再需要")
    result = ingest(token=None, body={"fixes": [fix(device, 1)]})
    assert result.stored == 0
    assert [r["reason"] for r in result.refused] == ["no_measure"]
    assert not Fix.objects.filter(device=device).exists()
    assert IngestRefusal.objects.get(reason="no_measure").count == 1


def test_fixes_from_before_the_binding_are_refused(tracked):
    _subject, _measure, device = tracked
    two_days_ago = time.time() - 2 * 86400
    result = ingest(token=None, body={"fixes": [fix(device, 1, t=two_days_ago)]})
    assert [r["reason"] for r in result.refused] == ["no_measure"]


def test_unreadable_batches_are_refused_as_a_whole(world, tracked):
    _token, raw = gateway_token(world)
    assert _post(raw, b"{not json").status_code == 400
    response = _post(raw, {"fixes": "nope"})
    assert response.status_code == 400
    assert response.json()["code"] == "malformed"
    big = {"fixes": [fix("X", i) for i in range(5001)]}
    assert _post(raw, big).json()["code"] == "too_large"


# --- the endpoint and its tokens -----------------------------------------------------------------------


def test_endpoint_stores_and_answers_in_the_callers_language(world, tracked):
    _subject, _measure, device = tracked
    _token, raw = gateway_token(world)
    response = _post(raw, {"fixes": [fix(device, 1), fix(device, 2, lat=200)]})
    assert response.status_code == 200
    body = response.json()
    assert (body["stored"], body["refused_count"]) == (1, 1)
    assert "纬度" in body["refused"][0]["message"]


def test_gateway_is_scoped_to_its_offices(world, tracked):
    _subject, _measure, device = tracked
    _token_b, raw_b = gateway_token(world, org=world.office_b)
    body = _post(raw_b, {"fixes": [fix(device, 1)]}).json()
    assert body["stored"] == 0
    assert body["refused"][0]["reason"] == "unknown_device"
    _token_a, raw_a = gateway_token(world, org=world.office_a)
    assert _post(raw_a, {"fixes": [fix(device, 1)]}).json()["stored"] == 1


def test_token_without_the_grant_and_browser_sessions_cannot_ingest(world, tracked):
    _subject, _measure, device = tracked
    _token, raw = gateway_token(world, grants=("corrections.view",))
    response = _post(raw, {"fixes": [fix(device, 1)]})
    assert response.status_code == 403
    client = Client()
    client.force_login(world.city_admin)
    response = client.post(
        "/api/v1/corrections/fixes", data=json.dumps({"fixes": [fix(device, 2)]}), content_type="application/json"
    )
    assert response.status_code == 401
    assert not Fix.objects.exists()


# --- alerts ---------------------------------------------------------------------------------------------


def _track(device, n=40, outside=range(15, 25), start=None, step=60, lon_out=OUT):
    t0 = start if start is not None else time.time() - n * step - 60
    return [fix(device, i, t=t0 + i * step, lon=lon_out if i in outside else CENTRE[1]) for i in range(n)]


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_crossing_in_a_replayed_shuffled_stream_raises_exactly_one_alert(tracked, seed):
    subject, _measure, device = tracked
    fixes = _track(device)
    rng = random.Random(seed)
    stream = fixes + rng.sample(fixes, 25)
    rng.shuffle(stream)
    size = rng.randint(1, 9)
    for k in range(0, len(stream), size):
        ingest(token=None, body={"fixes": stream[k : k + size]})
    assert Fix.objects.filter(device=device).count() == 40
    alerts = Alert.objects.filter(subject=subject, kind=codes.AlertKind.OUT_OF_AREA)
    assert alerts.count() == 1
    assert (alerts.get().seq_from, alerts.get().seq_to) == (15, 24)


def test_two_separate_excursions_raise_two_alerts(tracked):
    subject, _measure, device = tracked
    fixes = _track(device, n=50, outside=set(range(5, 10)) | set(range(30, 36)))
    random.Random(9).shuffle(fixes)
    ingest(token=None, body={"fixes": fixes})
    spans = sorted(
        Alert.objects.filter(subject=subject, kind=codes.AlertKind.OUT_OF_AREA).values_list("seq_from", "seq_to")
    )
    assert spans == [(5, 9), (30, 35)]


def test_jitter_within_the_buffer_or_shorter_than_k_raises_nothing(tracked):
    subject, _measure, device = tracked
    edge = CENTRE[1] + HALF + 0.0001  # about 10 m outside: inside the 30 m buffer
    t0 = time.time() - 3600
    fixes = [fix(device, i, t=t0 + i * 60, lon=edge) for i in range(10)]
    # Two fixes far outside, then back: fewer than the 3 consecutive fixes that confirm a crossing.
    fixes += [fix(device, 10 + i, t=t0 + (10 + i) * 60, lon=OUT if i < 2 else CENTRE[1]) for i in range(5)]
    ingest(token=None, body={"fixes": fixes})
    assert not Alert.objects.filter(subject=subject).exists()


def test_outside_on_an_approved_leave_is_no_crossing(world, tracked):
    subject, _measure, device = tracked
    today = timezone.localdate()
    leave = services.leave_request(
        actor=world.director_a, subject=subject, destination="上海", reason="探亲", start=today, end=today
    )
    services.leave_decide(actor=world.director_a, leave=leave, approve=True)
    start = datetime.datetime.combine(today, datetime.time(0, 30)).timestamp()
    ingest(token=None, body={"fixes": _track(device, n=20, outside=range(5, 15), start=max(start, time.time() - 1300))})
    assert not Alert.objects.filter(subject=subject, kind=codes.AlertKind.OUT_OF_AREA).exists()


def test_banned_place_battery_and_tamper_alerts(world, tracked):
    subject, _measure, device = tracked
    services.fence_save(
        actor=world.director_a,
        org=subject.office,
        kind=codes.FenceKind.BANNED,
        name="娱乐场所",
        subject=subject,
        polygon=geo.circle(CENTRE[0] + 0.01, CENTRE[1], 200),
    )
    t0 = time.time() - 3600
    fixes = [fix(device, i, t=t0 + i * 60, lat=CENTRE[0] + (0.01 if 3 <= i < 8 else 0)) for i in range(12)]
    fixes[10]["battery"] = 5
    fixes[11]["battery"] = 4
    fixes[11]["tamper"] = True
    for order in (fixes, list(reversed(fixes))):
        ingest(token=None, body={"fixes": order})
    kinds = sorted(Alert.objects.filter(subject=subject).values_list("kind", flat=True))
    assert kinds == sorted([codes.AlertKind.BANNED_PLACE, codes.AlertKind.LOW_BATTERY, codes.AlertKind.TAMPER])


def test_co_offenders_together_raise_one_alert_per_meeting(world):
    one = make_subject(world)
    two = make_subject(world)
    services.co_offender_link(actor=world.director_a, subject=one, other=two)
    _, d1 = make_measure(world, one, identifier="W-1")
    _, d2 = make_measure(world, two, identifier="W-2")
    t0 = time.time() - 3600
    # Twenty minutes side by side (about 20 m apart), then apart.
    f1 = [fix(d1, i, t=t0 + i * 60) for i in range(30)]
    f2 = [fix(d2, i, t=t0 + i * 60 + 5, lat=CENTRE[0] + (0.0002 if i < 20 else 0.05)) for i in range(30)]
    stream = f1 + f2
    random.Random(4).shuffle(stream)
    for k in range(0, len(stream), 11):
        ingest(token=None, body={"fixes": stream[k : k + 11]})
    alerts = Alert.objects.filter(kind=codes.AlertKind.CO_OFFENDERS)
    assert sorted(alerts.values_list("subject_id", flat=True)) == sorted([one.pk, two.pk])


def test_alert_lifecycle_and_illegal_steps(world, tracked):
    subject, _measure, device = tracked
    ingest(token=None, body={"fixes": _track(device)})
    alert = Alert.objects.get(subject=subject)
    worker = people(world)["worker_a"]
    with pytest.raises(services.DomainError):
        services.alert_close(actor=worker, alert=alert)
    services.alert_acknowledge(actor=worker, alert=alert, note="已电话联系")
    services.alert_handle(actor=worker, alert=alert, action_taken="电话联系本人", result="已返回县域")
    services.alert_close(actor=worker, alert=alert)
    alert.refresh_from_db()
    assert alert.status == codes.AlertStatus.CLOSED
    assert list(alert.events.values_list("step", flat=True)) == ["raised", "acknowledged", "handled", "closed"]
    with pytest.raises(services.DomainError):
        services.alert_acknowledge(actor=worker, alert=alert)
    # Another office's worker cannot touch it.
    with pytest.raises(services.Forbidden):
        services.alert_handle(actor=people(world)["worker_b"], alert=alert, action_taken="x", result="y")


def test_unreported_accuracy_and_battery_are_stored_as_null_on_every_path(tracked):
    _subject, _measure, device = tracked
    now = time.time()
    mixed = [fix(device, 1, t=now - 30), fix(device, 2, t=now - 20, accuracy=7.5, battery=64)]
    ingest(token=None, body={"fixes": mixed})  # new sequence numbers: written directly
    ingest(token=None, body={"fixes": [*mixed, fix(device, 3, t=now - 10, battery=50)]})  # a replay: skip path
    stored = {f.seq: (f.accuracy, f.battery) for f in Fix.objects.filter(device=device)}
    assert stored == {1: (None, None), 2: (7.5, 64), 3: (None, 50)}


def test_a_batch_another_worker_stored_meanwhile_is_skipped_not_failed(tracked):
    from fengqiao.corrections.ingest import device_map

    _subject, _measure, device = tracked
    now = time.time()
    batch = {"fixes": [fix(device, i, t=now - 60 + i) for i in range(5)]}
    assert ingest(token=None, body=batch).stored == 5
    # This worker has not seen them (as if another worker had stored them): it tries COPY first.
    device_map().a_maxseq[:] = -1
    again = ingest(token=None, body={"fixes": [*batch["fixes"], fix(device, 9, t=now)]})
    assert (again.stored, again.duplicates) == (1, 5)
    assert Fix.objects.filter(device=device).count() == 6


def test_a_well_formed_batch_as_bytes_takes_the_same_rules(world, tracked):
    """The fast decoder and the tolerant path agree: ISO times, GCJ-02, optional fields, and a
    future fix refused by reason while the rest is stored."""
    import msgspec

    _subject, _measure, device = tracked
    now = time.time()
    glat, glon = geo.wgs_to_gcj(CENTRE[0], CENTRE[1])
    iso = datetime.datetime.fromtimestamp(now - 30, datetime.UTC).isoformat()
    body = msgspec.json.encode(
        {
            "fixes": [
                {"device": device.identifier, "seq": 1, "time": iso, "lat": CENTRE[0], "lon": CENTRE[1]},
                fix(device, 2, t=now - 20, lat=float(glat), lon=float(glon), datum="GCJ02", source="cell", battery=9),
                fix(device, 3, t=now + 3600),
            ]
        }
    )
    result = ingest(token=None, body=body)
    assert result.stored == 2
    assert [(r["index"], r["reason"], r["seq"]) for r in result.refused] == [(2, "future_time", 3)]
    stored = {f.seq: f for f in Fix.objects.filter(device=device)}
    assert stored[2].datum == 1 and stored[2].source == 1 and stored[2].battery == 9
    assert geo.distance_m(stored[2].wlat, stored[2].wlon, CENTRE[0], CENTRE[1]) < 0.01
    assert stored[1].battery is None and stored[1].accuracy is None


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_a_plain_batch_is_one_copy_and_a_clash_still_falls_back(world):
    """Outside any transaction (as in a web worker) a batch of new, unflagged fixes goes in as one
    COPY statement; fixes another worker stored meanwhile send it down the skip path."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from fengqiao.corrections.ingest import device_map
    from fengqiao.corrections.testing import ensure_reference_rows

    ensure_reference_rows()
    device_map().generation = -1
    subject = make_subject(world)
    _measure, device = make_measure(world, subject)
    now = time.time()
    first = [fix(device, i, t=now - 100 + i) for i in range(5)]
    assert ingest(token=None, body={"fixes": first}).stored == 5
    device_map().a_maxseq[:] = -1
    with CaptureQueriesContext(connection) as queries:
        again = ingest(token=None, body={"fixes": [*first, fix(device, 7, t=now - 1)]})
    assert (again.stored, again.duplicates) == (1, 5)
    assert Fix.objects.filter(device=device).count() == 6
    assert len(queries) < 12
