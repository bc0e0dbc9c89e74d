"""What the request log and metrics cost the protected call, measured in one run.

Two gunicorns on the same stores and fixture: one as in production with
LOG_FORMAT=json and its metrics, one with BENCH_UNINSTRUMENTED=1 (no log
line, no request metrics; a bench-only setting). They take turns serving
GET /api/v1/me with a valid token (case (a) of bench/run.py), in the order
on, off, off, on, ... so that drift in the machine's other load weighs on
both alike; only the one being loaded is busy. Printed: req/s and gunicorn's
CPU per request of each, and the medians of the per-turn ratios.
"""

import os
import secrets
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app  # noqa: E402
from bench import run  # noqa: E402
from bench.cpu import app_pids, cpu_seconds  # noqa: E402
from bench.load import Result, merge  # noqa: E402
from stores import migrations, postgres  # noqa: E402
from stores.redis_client import get_redis  # noqa: E402

TURNS = int(os.environ.get("BENCH_INSTRUMENTATION_TURNS", "8"))
SECONDS_PER_TURN = int(os.environ.get("BENCH_INSTRUMENTATION_SECONDS", "3"))
SERVERS = {
    "on": {"LOG_FORMAT": "json"},
    "off": {"LOG_FORMAT": "json", "BENCH_UNINSTRUMENTED": "1"},
}


def main() -> int:
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(32))
    stores, _ = run.store_urls()
    app = create_app(stores)
    with app.app_context():
        migrations.migrate(postgres.get_connection())
        fixture = run.create_fixture(postgres.get_connection(), get_redis())
    servers = {}
    try:
        for name, settings in SERVERS.items():
            servers[name] = start(stores, settings)
        for _, base_url in servers.values():
            run.wait_until_up(base_url)
        turns = take_turns(servers, run.cases(fixture)[0])
    finally:
        for process, _ in servers.values():
            process.terminate()
            process.wait(30)
        with app.app_context():
            run.remove_fixture(postgres.get_connection(), get_redis(), fixture)
    print(report(turns))
    return 0


def start(stores: dict, settings: dict):
    """A gunicorn as bench/run.py starts it, with `settings` in its environment: (process, base URL)."""
    port = run.free_port()
    saved = dict(os.environ)
    os.environ.update(settings)
    try:
        return run.start_gunicorn(stores, port), f"http://127.0.0.1:{port}"
    finally:
        os.environ.clear()
        os.environ.update(saved)


def take_turns(servers: dict, case) -> dict[str, list[Result]]:
    for _, base_url in servers.values():
        run.load(base_url, case, 1)  # warm-up: workers, pools and connections exist
    pids = {name: app_pids(process.pid) for name, (process, _) in servers.items()}
    turns: dict[str, list[Result]] = {name: [] for name in servers}
    for number in range(TURNS):
        order = ["on", "off"] if number % 2 == 0 else ["off", "on"]
        for name in order:
            print(f"turn {number + 1}/{TURNS}: instrumentation {name}", file=sys.stderr, flush=True)
            before = cpu_seconds(pids[name])
            result = run.load(servers[name][1], case, SECONDS_PER_TURN)
            result.app_cpu_seconds = cpu_seconds(pids[name]) - before
            turns[name].append(result)
    return turns


def report(turns: dict[str, list[Result]]) -> str:
    on, off = merge(turns["on"]), merge(turns["off"])
    rps_ratio = statistics.median(a.rps / b.rps for a, b in zip(turns["on"], turns["off"], strict=True) if b.rps)
    cost_us = on.app_cpu_us() - off.app_cpu_us()
    lines = [
        "",
        f"request log (LOG_FORMAT=json) and metrics on GET /api/v1/me: {TURNS} turns of {SECONDS_PER_TURN} s each",
        "| server | req/s | p50 ms | errors | app CPU µs/req |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, result in (("log and metrics on", on), ("log and metrics off (baseline)", off)):
        lines.append(
            f"| {name} | {result.rps:,.0f} | {result.p50_ms:.2f} | {result.unexpected(200)} "
            f"| {result.app_cpu_us():.0f} |"
        )
    share = cost_us / on.app_cpu_us() * 100 if on.app_cpu_us() else 0.0
    lines += [
        f"on/off req/s, median of per-turn ratios: {rps_ratio:.2f}; "
        f"CPU the log and metrics add: {cost_us:.0f} µs per call ({share:.1f} % of the call)",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
