"""Webhook receivers on loopback and webhook workers, real ones, for the webhook tests.

A `Receiver` answers 500 twice then 200 when made with statuses [500, 500, 200];
`wait_for(n)` returns what it got once n requests have arrived.
"""

import hashlib
import hmac
import json
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from tests.support.accounts import AuthActions
from tests.support.apps import LiveServer
from tests.support.stores import environment_on, free_port
from tests.support.threads import BackgroundLoop
from worker import loop

ROOT = Path(__file__).resolve().parents[2]
# Fast enough for tests: retries after about 50 ms, an idle worker looks every 20 ms.
FAST_WORKER_SETTINGS = {
    "WEBHOOK_ALLOW_PRIVATE": True,
    "WEBHOOK_RETRY_BASE_SECONDS": 0.05,
    "WEBHOOK_RETRY_MAX_SECONDS": 0.2,
    "WEBHOOK_POLL_SECONDS": 0.02,
    "WEBHOOK_TIMEOUT_SECONDS": 5.0,
}


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def event(self) -> dict:
        return json.loads(self.body)


class Receiver:
    """A real HTTP server on 127.0.0.1 (threaded) that records every POST and answers the planned statuses.

    `statuses` are answered in order, the last one from then on; `hold`
    seconds are waited before answering (a slow receiver).
    """

    def __init__(self, statuses=(200,), hold: float = 0.0):
        self.statuses = list(statuses)
        self.hold = hold
        self.received: list[Received] = []
        self.arrived = threading.Condition()
        port = free_port()
        self.url = f"http://127.0.0.1:{port}/hooks"
        self.server = LiveServer(self._answer, port)

    def _answer(self, environ, start_response):
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        headers = {
            key[5:].replace("_", "-").title(): value for key, value in environ.items() if key.startswith("HTTP_")
        }
        headers["Content-Type"] = environ.get("CONTENT_TYPE", "")
        with self.arrived:
            self.received.append(Received(environ["PATH_INFO"], headers, body))
            status = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
            self.arrived.notify_all()
        time.sleep(self.hold)
        start_response(f"{status} Planned", [("Content-Length", "0")])
        return [b""]

    def __enter__(self):
        self.server.__enter__()
        return self

    def __exit__(self, *exc_info):
        self.server.__exit__(*exc_info)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        """The requests received, once there are `count` of them (AssertionError after `timeout`)."""
        with self.arrived:
            assert self.arrived.wait_for(lambda: len(self.received) >= count, timeout), (
                f"{len(self.received)} requests arrived, {count} expected"
            )
            return list(self.received)


def verify_signature(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    """What a receiver does (README): recompute the HMAC of "<t>.<body>", compare, check t is recent."""
    fields = dict(part.split("=", 1) for part in header.split(","))
    expected = hmac.new(secret.encode(), f"{fields['t']}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields["v1"]) and abs(time.time() - int(fields["t"])) <= tolerance


class WorkerThread(BackgroundLoop):
    """The worker's loop (webhook deliveries and account mail) in a thread of this process, on `app`."""

    def __init__(self, app, threads: int = 1):
        super().__init__(loop.run, app, threads, name="worker")


def worker_process(store_urls: dict, **settings: str) -> subprocess.Popen:
    """`flask --app app worker` as operators run it, on the test stores, with fast retries."""
    env = {
        **environment_on(store_urls),
        "SECRET_KEY": "test-secret-key",
        "WEBHOOK_ALLOW_PRIVATE": "1",
        "WEBHOOK_RETRY_BASE_SECONDS": "0.05",
        "WEBHOOK_RETRY_MAX_SECONDS": "0.2",
        "WEBHOOK_POLL_SECONDS": "0.02",
        **settings,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "worker", "--threads", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    started = process.stdout.readline()
    assert json.loads(started) == {"worker": "started", "threads": 1}, started + process.stderr.read()
    return process


def signed_in(app, email: str):
    """A test client of `app` (a browser) with `email` signed in, the account made on first use."""
    browser = app.test_client()
    AuthActions(browser, app).sign_in_as(email)
    return browser
