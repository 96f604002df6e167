import random
import time

import pytest

from fengqiao.corrections import codes
from fengqiao.corrections.ingest import ingest
from fengqiao.corrections.models import Alert, Fix
from fengqiao.corrections.testing import CENTRE, HALF, fix, make_measure, make_subject

pytestmark = pytest.mark.django_db


def test_crossing_once(world):
    subject = make_subject(world)
    measure, device = make_measure(world, subject)
    t0 = time.time() - 3000
    fixes = []
    for i in range(40):
        lon = CENTRE[1] + (HALF + 0.01 if 15 <= i < 25 else 0)
        fixes.append(fix(device, i, t=t0 + i * 60, lon=lon))
    rng = random.Random(3)
    stream = fixes + rng.sample(fixes, 20)
    rng.shuffle(stream)
    for k in range(0, len(stream), 7):
        r = ingest(token=None, body={"fixes": stream[k : k + 7]})
        assert not r.refused, r.refused
    assert Fix.objects.filter(device=device).count() == 40
    alerts = Alert.objects.filter(subject=subject, kind=codes.AlertKind.OUT_OF_AREA)
    assert alerts.count() == 1
    a = alerts.get()
    assert (a.seq_from, a.seq_to) == (15, 24)
