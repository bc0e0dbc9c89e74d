"""`make bench-scale`: what the protected call and the stores cost as the data grows.

Starts the stores and gunicorn as `make bench` does (bench/run.py: the
configured DATABASE_URL / REDIS_URL, or embedded servers in a temporary
folder; never instance/), then:

1. loads 10^4, then 10^5, then 10^6 live access tokens into Redis through the
   real issuing code, pipelined (bench/live_tokens.py); at each size, measures
   GET /api/v1/me with a valid token beside the one-GET floor, in interleaved
   turns as `make bench` does, and Redis bytes per live access token (INFO
   used_memory delta per token added, and MEMORY USAGE of sample keys) and per
   grant fresh from a code exchange (an access and a refresh token: a sample of
   BENCH_SCALE_GRANTS issued, measured, removed again);
2. with BENCH_SCALE_USERS people and BENCH_SCALE_APPS apps of one developer,
   the PostgreSQL pages the list pages read (bench/pg_pages.py);
3. prints both tables, the machine and the targets met or not, and removes
   everything it added.

BENCH_SCALE_SIZES=10000,100000 runs fewer sizes; BENCH_SECONDS and BENCH_ROUNDS
as for `make bench` (10 s per case and size, in 10 turns).
"""

import os
import signal
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from bench import layout, live_tokens, pg_pages, redis_nodes, run, token_growth  # noqa: E402
from bench.load import Result, merge  # noqa: E402
from oauth import token_store  # noqa: E402
from oauth.scopes import ALL_SCOPES, format_scope  # noqa: E402
from stores import migrations, postgres  # noqa: E402
from stores.redis_client import get_redis  # noqa: E402

SIZES = [int(size) for size in os.environ.get("BENCH_SCALE_SIZES", "10000,100000,1000000").split(",")]
GRANT_SAMPLE = int(os.environ.get("BENCH_SCALE_GRANTS", "10000"))
USERS = int(os.environ.get("BENCH_SCALE_USERS", "100000"))
APPS = int(os.environ.get("BENCH_SCALE_APPS", "1000"))
TARGET_SLOWDOWN = 0.05  # the protected call at the largest size within 5 % of its speed at the smallest
TARGET_TOKEN_BYTES = 300


def main() -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # exit handlers stop the embedded stores
    os.environ.setdefault("SECRET_KEY", os.urandom(32).hex())
    layout.move_to("stores")  # where each part runs, as in `make bench` (bench/layout.py)
    stores, store_folder = run.store_urls()
    layout.move_to("app")
    app = create_app(stores)
    with app.app_context():
        migrations.migrate(postgres.get_connection())
        fixture = run.create_fixture(postgres.get_connection(), get_redis())
    fixture["scope"] = token_growth.SCOPE  # an app's usual few scopes, as in `make bench-tokens`
    loaded: list[str] = []
    try:
        with app.app_context():
            growth, widest = measure_growth(get_redis(), stores, store_folder, fixture, loaded)
            # Printed as soon as measured: the PostgreSQL part takes minutes more.
            print(f"machine: {os.cpu_count()} CPUs, {run.cpu_model()}\n", flush=True)
            print(layout.describe(embedded_stores=store_folder is not None), flush=True)
            print(growth_table(growth, widest), flush=True)
            print(postgres_pages(postgres.get_connection(), get_redis()), flush=True)
            print(targets(growth))
    finally:
        with app.app_context():
            live_tokens.delete(get_redis(), [*loaded, token_store.access_key(fixture["access_token"])])
            run.remove_fixture(postgres.get_connection(), get_redis(), fixture)
            forget_fixture_app(postgres.get_connection(), fixture)
    return 0


def forget_fixture_app(conn, fixture: dict) -> None:
    """The audit rows of the bench's own app (created, deleted) go too: the stores are left as they were."""
    with postgres.transaction(conn) as cur:
        cur.execute("DELETE FROM audit_log WHERE client_id = %(id)s", {"id": fixture["client_id"]})


def postgres_pages(conn, r) -> str:
    """The PostgreSQL table, on people and apps seeded for it and removed again."""
    seeded = pg_pages.seed(conn, USERS, APPS)
    try:
        return pg_pages.describe(seeded, pg_pages.measure(conn, r, seeded))
    finally:
        pg_pages.remove(conn, seeded)


def measure_growth(r, stores: dict, store_folder: str | None, fixture: dict, loaded: list[str]):
    """Each size's figures, and bytes per token with every scope; `loaded` collects the keys added, for removal."""
    port = run.free_port()
    base_url = f"http://127.0.0.1:{port}"
    server = run.start_gunicorn(stores, port)
    layout.move_to("load")  # the load generator, and the loading of tokens while gunicorn waits
    try:
        run.wait_until_up(base_url)
        growth = [measure_size(r, base_url, server.pid, store_folder, fixture, loaded, size) for size in SIZES]
    finally:
        server.terminate()
        server.wait(30)
    return growth, measure_widest_scope(r, fixture)


def measure_size(r, base_url: str, pid: int, store_folder, fixture: dict, loaded: list[str], size: int) -> dict:
    added = size - len(loaded)
    print(f"loading {added:,} access tokens (to {size:,} live)", file=sys.stderr, flush=True)
    before, started = live_tokens.used_memory(r), time.perf_counter()
    live_tokens.issue_many(r, fixture, added, loaded)
    load_seconds = time.perf_counter() - started
    token_bytes = (live_tokens.used_memory(r) - before) / added
    grant_bytes, grant_usage = measure_sample(r, fixture, with_refresh=True)
    protected, floor = run.cases(fixture)[:2]
    turns = run.load_all(base_url, [protected, floor], pid, store_folder, redis_nodes.local_cluster_pids(r))
    return {
        "size": size,
        "issued_per_second": added / load_seconds,
        "call": merge(turns["a"]),
        "floor": merge(turns["b"]),
        "per_turn_ratio": run.turn_ratio(turns, "a", "b"),
        "token_bytes": token_bytes,
        "token_usage": live_tokens.mean_memory_usage(r, loaded),
        "grant_bytes": grant_bytes,
        "grant_usage": grant_usage,
    }


def measure_sample(r, fixture: dict, *, with_refresh: bool) -> tuple[float, float]:
    """Bytes per token, or per grant fresh from a code exchange (an access and a refresh token), issued to `fixture`.

    Both the used_memory delta and MEMORY USAGE; the sample is removed again.
    """
    count = GRANT_SAMPLE
    before = live_tokens.used_memory(r)
    keys: list[str] = []
    try:
        live_tokens.issue_many(r, fixture, count, keys, with_refresh=with_refresh)
        delta = (live_tokens.used_memory(r) - before) / count
        return delta, live_tokens.mean_memory_usage(r, keys) * len(keys) / count
    finally:
        live_tokens.delete(r, keys)


def measure_widest_scope(r, fixture: dict) -> tuple[float, float]:
    """Bytes per access token carrying every scope (its stored string is that much longer)."""
    return measure_sample(r, {**fixture, "scope": format_scope(ALL_SCOPES)}, with_refresh=False)


def growth_table(growth: list[dict], widest: tuple[float, float]) -> str:
    first: Result = growth[0]["call"]
    lines = [
        f"GET /api/v1/me with a valid token, {run.WORKERS} {run.WORKER_CLASS} workers x {run.THREADS} threads, "
        f"{run.CONNECTIONS} connections, {run.SECONDS} s per case and size in {run.ROUNDS} turns with the floor",
        "",
        "| live access tokens | req/s | p99 ms | ratio to the first | floor req/s | call / floor "
        "| bytes per live token (used_memory) | MEMORY USAGE at: | bytes per grant (used_memory) "
        "| MEMORY USAGE at: + rt: | errors | issued/s while loading |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in growth:
        call: Result = row["call"]
        ratio = call.rps / first.rps if first.rps else 0.0
        lines.append(
            f"| {row['size']:,} | {call.rps:,.0f} | {call.p99_ms:.2f} | {ratio:.3f} | {row['floor'].rps:,.0f} "
            f"| {row['per_turn_ratio']:.2f} | {row['token_bytes']:.0f} | {row['token_usage']:.0f} "
            f"| {row['grant_bytes']:.0f} | {row['grant_usage']:.0f} | {call.unexpected(200)} "
            f"| {row['issued_per_second']:,.0f} |"
        )
    lines += [
        "",
        "call / floor: the median of per-turn ratios to one Redis GET behind Flask (what `make bench` calls (a)/(b));",
        "bytes per live token: INFO used_memory grown per token added, the key's share of Redis' tables included;",
        f"a grant: one access and one refresh token, as a code exchange leaves it ({GRANT_SAMPLE:,} issued, measured,",
        "removed again).",
        f"Access tokens carry {token_growth.SCOPE!r}; with every scope ({format_scope(ALL_SCOPES)!r}):",
        f"{widest[0]:.0f} bytes per live token (used_memory), {widest[1]:.0f} by MEMORY USAGE.",
        "",
    ]
    return "\n".join(lines)


def targets(growth: list[dict]) -> str:
    first, last = growth[0], growth[-1]
    slowdown = 1 - last["call"].rps / first["call"].rps if first["call"].rps else 1.0
    worst_bytes = max(row["token_bytes"] for row in growth)
    rows = [
        (
            f"protected call at {last['size']:,} tokens within {TARGET_SLOWDOWN:.0%} of {first['size']:,}",
            f"{-slowdown:+.1%}",
            slowdown <= TARGET_SLOWDOWN,
        ),
        (
            f"bytes per live access token < {TARGET_TOKEN_BYTES}",
            f"{worst_bytes:.0f} (the largest of the sizes)",
            worst_bytes < TARGET_TOKEN_BYTES,
        ),
    ]
    lines = ["| target | measured | met |", "| --- | --- | --- |"]
    lines += [f"| {name} | {measured} | {'met' if met else 'not met'} |" for name, measured, met in rows]
    return "\n".join([*lines, ""])


if __name__ == "__main__":
    sys.exit(main())
