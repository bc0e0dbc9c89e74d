"""What a page of the admin console's app list costs with 10,000 apps, beside the list it replaced.

Runs on a throwaway PostgreSQL and Redis of their own (embedded, in a
temporary folder). Seeds BENCH_APPS apps (default 10,000) with one SQL
statement and a call counter each, then times, median of several runs:

- the baseline: every app with its calls, as the console built it before
  (oauth/clients.py list_clients: all rows, one MGET of all);
- pages of portal/admin/app_search.py: the first and the last, a search by
  name and by owner email, and the sort by calls this hour, which reads
  every counter of the filtered set (pipelined MGET batches).

Usage: .venv/bin/python bench/admin_list.py
"""

import atexit
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psycopg2
import psycopg2.extras
import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.rate_limit import WINDOW_SECONDS, calls_in_window, counter_key, window_index  # noqa: E402
from oauth import clients  # noqa: E402
from portal.admin.app_search import AppQuery, search_apps  # noqa: E402
from stores import embedded, migrations, spread  # noqa: E402

APPS = int(os.environ.get("BENCH_APPS", "10000"))
RUNS = 15


def main() -> int:
    conn, r = throwaway_stores()
    seed(conn, r, APPS)
    cases = {
        "baseline: every app with its calls (the list before)": lambda: every_app(conn, r),
        "page 1, newest first": lambda: page(conn, r, AppQuery(), 1),
        "last page, newest first": lambda: page(conn, r, AppQuery(), APPS // 50),
        'search "app 12" (name)': lambda: page(conn, r, AppQuery(text="app 12"), 1),
        'search "owner7@" (owner email)': lambda: page(conn, r, AppQuery(text="owner7@"), 1),
        "page 1, sort by calls this hour": lambda: page(conn, r, AppQuery(sort="calls"), 1),
        "page 1, suspended, sort by calls": lambda: page(conn, r, AppQuery(status="suspended", sort="calls"), 1),
    }
    print(f"{APPS:,} apps; median of {RUNS} runs\n")
    print("| what | ms |\n| --- | ---: |")
    for name, run in cases.items():
        print(f"| {name} | {median_ms(run):.1f} |")
    return 0


def every_app(conn, r: redis.Redis) -> list[dict]:
    apps = clients.list_clients(conn)
    calls = calls_in_window(r, [app["client_id"] for app in apps], WINDOW_SECONDS)
    return [{**app, "calls_this_hour": calls[app["client_id"]]} for app in apps]


def page(conn, r, query: AppQuery, number: int):
    return search_apps(conn, r, query, number, WINDOW_SECONDS)


def median_ms(run) -> float:
    run()  # warm the caches
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def throwaway_stores():
    folder = Path(tempfile.mkdtemp(prefix="oauth-bench-admin-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)  # runs after the servers' own exit handlers
    conn = psycopg2.connect(embedded.start_postgres(folder / "postgres"), cursor_factory=psycopg2.extras.RealDictCursor)
    conn.autocommit = True
    migrations.migrate(conn)
    return conn, redis.Redis.from_url(embedded.start_redis(folder / "redis"), decode_responses=True)


def seed(conn, r: redis.Redis, count: int) -> None:
    with conn.cursor() as cur:
        cur.execute(
            """INSERT INTO users (email, password_hash, role)
               SELECT 'owner' || n || '@example.com', 'x', 'developer' FROM generate_series(0, 9) AS n"""
        )
        cur.execute(
            """INSERT INTO clients (client_id, owner_id, name, client_type, status, created_at)
               SELECT 'pa_client_bench_' || n, (SELECT min(id) FROM users) + n %% 10, 'App ' || n, 'confidential',
                      CASE WHEN n %% 10 = 0 THEN 'suspended' ELSE 'active' END, now() - n * interval '1 second'
               FROM generate_series(0, %(count)s - 1) AS n""",
            {"count": count},
        )
        cur.execute("ANALYZE clients")
    index = window_index(r.time()[0])
    calls = {counter_key(f"pa_client_bench_{n}", index): random.randrange(1000) for n in range(count)}
    spread.set_many(r, calls)


if __name__ == "__main__":
    sys.exit(main())
