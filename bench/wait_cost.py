"""What WAIT costs the writes a client must not lose: refresh rotations and revocations on a Redis Cluster.

Starts a throwaway cluster (tests/support/cluster.py: 3 primaries, 3
replicas on loopback), builds the Redis client the way the app does
(stores/redis_client.init_app, REDIS_CLUSTER_NODES set) once with
REDIS_WAIT_REPLICAS=1 (the cluster default: answered once a replica holds
the write) and once with 0 (no WAIT: the baseline), and drives the token
store's own calls, no HTTP: oauth/token_store.rotate along a family, and
revoke_refresh_token of freshly issued families. The two settings take
turns, five times each, so that a warming machine favours neither. Prints one
Markdown table per setting and thread count: writes per second of the
threads' time in them, p50 and p99, and how many WAITs timed out (such a
write is answered all the same, before any replica holds it).

    .venv/bin/python bench/wait_cost.py        # BENCH_WAIT_SECONDS=N per measurement (default 1)
"""

import logging
import os
import secrets
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from oauth import token_store  # noqa: E402
from stores import acknowledged, redis_client  # noqa: E402
from tests.support.cluster import Cluster  # noqa: E402

SECONDS = float(os.environ.get("BENCH_WAIT_SECONDS", "1"))
THREADS = (1, 4)
ROUNDS = 5
ACCESS_TTL = 3600
SCOPE = "read:profile"


@dataclass
class Measured:
    write: str
    replicas: int
    threads: int
    latencies: list[float]  # seconds, one per write
    unreplicated: int  # writes whose WAIT timed out: answered before a replica held them

    def line(self) -> str:
        ordered = sorted(self.latencies)
        p50, p99 = (1000 * ordered[int(len(ordered) * q)] for q in (0.5, 0.99))
        # Writes per second of the threads' time in the writes (a revocation's issuing is not counted).
        per_second = len(ordered) / (sum(ordered) / self.threads)
        return (
            f"| {self.write} | {self.replicas} | {self.threads} | {per_second:,.0f} "
            f"| {p50:.2f} | {p99:.2f} | {self.unreplicated} |"
        )


def main() -> int:
    started = time.monotonic()
    with Cluster() as cluster:
        print(f"Redis Cluster of 3 primaries and 3 replicas on loopback, ready in {time.monotonic() - started:.1f} s")
        clients = {replicas: app_client(cluster.seed_nodes, replicas) for replicas in (0, 1)}
        client = {"client_id": f"pa_client_bench{secrets.token_hex(6)}", "status": "active", "rate_limit": 1000}
        results: dict[tuple[str, int, int], Measured] = {}
        for write, step in (("refresh rotation", rotations), ("revocation (refresh token)", revocations)):
            for threads in THREADS:
                for _ in range(ROUNDS):
                    for replicas in (0, 1):
                        make_write = partial(step, clients[replicas], client)
                        merge(results, Measured(write, replicas, threads, *measure(make_write, threads)))
        for r in clients.values():
            r.close()
    print(table(list(results.values())))
    return 0


def app_client(seed_nodes: str, wait_replicas: int):
    """The Redis client the app would build for these settings (stores/redis_client.init_app)."""
    app = Flask("wait_cost")
    app.config.update(REDIS_CLUSTER_NODES=seed_nodes, REDIS_WAIT_REPLICAS=wait_replicas)
    redis_client.init_app(app)
    client = app.extensions["redis"]
    assert getattr(client, "wait_replicas", None) == wait_replicas, "the client does not carry the WAIT setting"
    return client


# One thread's work: a callable that makes one write and returns how long the write took.
Write = Callable[[], float]


def rotations(r, client: dict) -> Write:
    """Rotate one family's refresh token again and again, as a client refreshing would."""
    live = [start_family(r, client).refresh_token]

    def rotate() -> float:
        began = time.perf_counter()
        issued = token_store.rotate(r, live[0], client, None, ACCESS_TTL)
        took = time.perf_counter() - began
        live[0] = issued.refresh_token
        return took

    return rotate


def revocations(r, client: dict) -> Write:
    """Revoke a fresh family's refresh token (RFC 7009), its issuing not timed."""

    def revoke() -> float:
        token = start_family(r, client).refresh_token
        began = time.perf_counter()
        token_store.revoke_refresh_token(r, token, client["client_id"])
        return time.perf_counter() - began

    return revoke


def start_family(r, client: dict) -> token_store.IssuedTokens:
    return token_store.issue(
        r,
        client=client,
        user_id=1,
        scope=SCOPE,
        access_ttl=ACCESS_TTL,
        family=token_store.new_family(),
        with_refresh=True,
    )


def measure(make_write: Callable[[], Write], threads: int) -> tuple[list[float], int]:
    """Every write's latency from `threads` threads writing for SECONDS, and how many WAITs timed out."""
    writes = [make_write() for _ in range(threads)]
    latencies: list[list[float]] = [[] for _ in range(threads)]
    deadline = time.monotonic() + SECONDS

    def loop(index: int) -> None:
        while time.monotonic() < deadline:
            latencies[index].append(writes[index]())

    workers = [threading.Thread(target=loop, args=(index,)) for index in range(threads)]
    with WaitTimeouts() as timeouts:
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    return [latency for own in latencies for latency in own], timeouts.count


class WaitTimeouts(logging.Handler):
    """Counts the warnings stores/acknowledged.py logs for a WAIT that timed out, while in a `with` block."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1

    def __enter__(self) -> "WaitTimeouts":
        logging.getLogger(acknowledged.__name__).addHandler(self)
        return self

    def __exit__(self, *exc_info) -> None:
        logging.getLogger(acknowledged.__name__).removeHandler(self)


def merge(results: dict, measured: Measured) -> None:
    """Add a round to the earlier rounds of the same write, setting and thread count."""
    key = (measured.write, measured.replicas, measured.threads)
    if key in results:
        results[key].latencies += measured.latencies
        results[key].unreplicated += measured.unreplicated
    else:
        results[key] = measured


def table(results: list[Measured]) -> str:
    lines = [
        "",
        f"WAIT's cost ({ROUNDS} rounds of {SECONDS:g} s per row; replicas 0 is the baseline, no WAIT sent):",
        "",
        "| write | REDIS_WAIT_REPLICAS | threads | per second | p50 ms | p99 ms | WAIT timed out |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    return "\n".join([*lines, *(result.line() for result in results), ""])


if __name__ == "__main__":
    sys.exit(main())
