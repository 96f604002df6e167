"""A throw-away PostgreSQL database for one benchmark run, at DATABASE_URL's server."""

from __future__ import annotations

import os
import statistics
import time
import uuid
from contextlib import contextmanager
from urllib.parse import urlparse, urlunparse

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/postgres"


@contextmanager
def scratch_database(prefix="fengqiao_bench"):
    import psycopg

    base = os.environ.get("DATABASE_URL") or DEFAULT_URL
    parsed = urlparse(base)
    admin_url = urlunparse(parsed._replace(path="/postgres"))
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = urlunparse(parsed._replace(path=f"/{name}"))
    os.environ.setdefault("SECRET_KEY", "bench-" + uuid.uuid4().hex)
    os.environ["FENGQIAO_IGNORE_DOTENV"] = "1"
    os.environ["DJANGO_SETTINGS_MODULE"] = "fengqiao.settings"
    try:
        yield name
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def timed(fn, repeat: int):
    """Median and p95 wall time of fn() in milliseconds, after one warm-up call."""
    fn()
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return {
        "median_ms": round(statistics.median(samples), 3),
        "p95_ms": round(samples[min(len(samples) - 1, int(len(samples) * 0.95))], 3),
    }
