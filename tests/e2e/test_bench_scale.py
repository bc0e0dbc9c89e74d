"""`make bench-scale` runs end to end on the suite's stores, prints its tables and leaves the stores as they were."""

import re
import subprocess
import sys
from pathlib import Path

import psycopg2
import redis

from tests.support.stores import environment_on

ROOT = Path(__file__).resolve().parents[2]
TINY = {
    "BENCH_SCALE_SIZES": "200,400",
    "BENCH_SCALE_GRANTS": "50",
    "BENCH_SCALE_USERS": "50",
    "BENCH_SCALE_APPS": "20",
    "BENCH_SECONDS": "1",
    "BENCH_ROUNDS": "1",
}
PAGES = (
    "connected apps (/account/apps)",
    "admin app list (/admin), first page",
    'admin app list, search "app 12"',
    "My apps (/developer/apps) of the developer, first page",
    "My apps (/developer/apps), the page after the middle app",
)


def store_contents(store_urls: dict) -> dict:
    """Rows of the tables the bench writes, and Redis' token keys."""
    with psycopg2.connect(store_urls["DATABASE_URL"]) as conn, conn.cursor() as cur:
        counts = {}
        for table in ("users", "clients", "grants", "client_secrets", "audit_log"):
            cur.execute(f"SELECT count(*) FROM {table}")
            counts[table] = cur.fetchone()[0]
    conn.close()
    r = redis.Redis.from_url(store_urls["REDIS_URL"])
    counts["token keys"] = sum(1 for pattern in ("*}at:*", "*}rt:*") for _ in r.scan_iter(pattern, count=1000))
    return counts


def test_the_scale_bench_prints_its_tables_and_removes_what_it_added(app, store_urls, own_redis):
    # The bench measures one Redis (its memory per token is one server's): a Redis of the test's own,
    # whatever the run's Redis is (on a cluster pass too).
    stores = {"DATABASE_URL": store_urls["DATABASE_URL"], "REDIS_URL": own_redis.url}
    before = store_contents(stores)
    finished = subprocess.run(
        [sys.executable, "bench/scale.py"],
        cwd=ROOT,
        env={**environment_on(stores), **TINY},
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert finished.returncode == 0, finished.stderr
    out = finished.stdout
    assert re.search(r"^machine: \d+ CPUs, .+$", out, re.MULTILINE)
    # size, req/s, p99, ratio, floor req/s, call / floor; bytes, MEMORY USAGE per token, per grant; errors, issued/s
    row = (
        r"^\| ([\d,]+) \| [\d,]+ \| [\d.]+ \| [\d.]+ \| [\d,]+ \| [\d.]+ \|"
        + r" -?\d+ \| \d+ \|" * 2
        + r" 0 \| [\d,]+ \|$"
    )
    sizes = re.findall(row, out, re.MULTILINE)
    assert sizes == ["200", "400"]
    assert re.search(r"^\| 200 \| [\d,]+ \| [\d.]+ \| 1\.000 \|", out, re.MULTILINE)  # the first size is the baseline
    for page in PAGES:
        # statements; pages read as loaded and after VACUUM; ms as loaded and after VACUUM; indexes; scans
        row = rf"^\| {re.escape(page)}.* \| \d \|" + r" [\d,]+ \|" * 2 + r" [\d.]+ \|" * 2 + r" .+ \| .+ \|$"
        assert re.search(row, out, re.MULTILINE), page
    assert re.search(
        r"^\| protected call at 400 tokens within 5% of 200 \| [+-][\d.]+% \| (met|not met) \|$", out, re.MULTILINE
    )
    assert re.search(r"^\| bytes per live access token < 300 \| \d+ .*\| (met|not met) \|$", out, re.MULTILINE)
    assert store_contents(stores) == before
