"""The benchmark's webhook case: what the outbox costs POST /api/v1/data, and events/s through the workers.

(w1) POST /api/v1/data with no subscription: the outbox check finds no subscriber and writes nothing.
(w2) the same with one subscription: the event and its delivery row are written in the item's transaction.
After each turn of (w2), the backlog it left is delivered by real `flask --app app worker` processes
(one, then two, each with WEBHOOK_WORKER_THREADS threads, on the app server's CPUs) to a receiver on
loopback in this process, which answers 204 at once: events per second from the queue to the receiver,
each one taken, signed, its host checked and POSTed, and the outcome committed.
"""

import http.server
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bench import layout
from bench.load import Case, Result, merge
from stores import postgres
from webhooks import subscriptions

ROOT = Path(__file__).resolve().parent.parent
SECONDS = int(os.environ.get("BENCH_WEBHOOK_SECONDS", "3"))


@dataclass(frozen=True)
class WebhookFigures:
    without_subscription: Result
    with_subscription: Result
    events_per_second: dict[int, float]  # by the number of worker processes
    threads: int


class Receiver:
    """A loopback HTTP server that counts the POSTs it gets and answers 204."""

    def __init__(self):
        counter = self
        self.count = 0
        self.lock = threading.Lock()

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()
                with counter.lock:
                    counter.count += 1

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def measure(app, stores: dict, fixture: dict, load) -> WebhookFigures:
    """Run (w1); subscribe; then twice (w2) and drain the backlog it left, with one worker, then with two."""
    bearer = {"Authorization": f"Bearer {fixture['access_token']}", "Content-Type": "application/json"}
    post_item = Case("w", "POST /api/v1/data", "POST", "/api/v1/data", bearer, json.dumps({"title": "bench"}), 201)
    receiver = Receiver()
    try:
        without = load(post_item, SECONDS)
        _subscribe(app, fixture, receiver.url)
        outboxed, rates = [], {}
        for workers in (1, 2):
            outboxed.append(load(post_item, SECONDS))  # also the backlog the workers then deliver
            rates[workers] = _delivery_rate(stores, receiver, workers)
    finally:
        receiver.close()
    threads = app.config["WEBHOOK_WORKER_THREADS"]
    return WebhookFigures(without, merge(outboxed), rates, threads)


def _subscribe(app, fixture: dict, url: str) -> None:
    with app.app_context():
        key = subscriptions.sealing_key(app.config["SECRET_KEY"])
        conn = postgres.get_connection()
        subscriptions.subscribe(conn, key, fixture["user_id"], fixture["client_id"], url, ["item.created"])


def _delivery_rate(stores: dict, receiver: Receiver, workers: int) -> float:
    """Events/s delivered by `workers` worker processes over SECONDS (or until the backlog ran out)."""
    processes = [_start_worker(stores) for _ in range(workers)]
    try:
        with receiver.lock:
            before, started = receiver.count, time.monotonic()
        last, last_at = before, started
        while time.monotonic() - started < SECONDS:
            time.sleep(0.05)
            with receiver.lock:
                if receiver.count != last:
                    last, last_at = receiver.count, time.monotonic()
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.communicate(timeout=30)
    delivered = last - before
    if delivered == 0:
        raise RuntimeError("no webhook was delivered: is the backlog empty, or the worker failing?")
    return delivered / (last_at - started)


def _start_worker(stores: dict) -> subprocess.Popen:
    env = {**os.environ, **stores, "WEBHOOK_ALLOW_PRIVATE": "1", "WEBHOOK_POLL_SECONDS": "0.01"}
    layout.move_to("app")  # a worker does the app server's job: it starts on its CPUs (now idle)
    try:
        process = _popen_worker(env)
    finally:
        layout.move_to("load")
    started = process.stdout.readline()
    if '"started"' not in started:
        process.kill()
        raise RuntimeError(f"the worker did not start: {started!r}")
    return process


def _popen_worker(env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def describe(figures: WebhookFigures) -> str:
    """The case's lines for the report."""
    plain, outboxed = figures.without_subscription, figures.with_subscription
    cost = 1 - outboxed.rps / plain.rps if plain.rps else 0.0
    one, two = figures.events_per_second[1], figures.events_per_second[2]
    return "\n".join(
        [
            "| webhook case | req/s or events/s | p50 ms | p99 ms | errors |",
            "| --- | ---: | ---: | ---: | ---: |",
            f"| (w1) POST /api/v1/data, no subscription | {plain.rps:,.0f} | {plain.p50_ms:.2f} "
            f"| {plain.p99_ms:.2f} | {plain.unexpected(201)} |",
            f"| (w2) POST /api/v1/data, one subscription (outbox written) | {outboxed.rps:,.0f} "
            f"| {outboxed.p50_ms:.2f} | {outboxed.p99_ms:.2f} | {outboxed.unexpected(201)} |",
            f"| deliveries to a loopback receiver, 1 worker x {figures.threads} threads | {one:,.0f} | | | |",
            f"| deliveries to a loopback receiver, 2 workers x {figures.threads} threads | {two:,.0f} | | | |",
            "",
            f"outbox: (w2) runs at {outboxed.rps / plain.rps if plain.rps else 0:.2f} of (w1), "
            f"{cost:.0%} fewer requests/s; two workers deliver {two / one if one else 0:.2f}x what one does",
        ]
    )
