"""`make bench`: the token endpoint's stateful grants per second, beside the floor measured the same way.

wrk sends one fixed request, which these grants cannot take: each refresh
token works once, and so does each code. So a Python client (one thread per
connection, keep-alive) drives them:

    refresh-token rotation: each connection keeps its own token family and
        sends the refresh token the previous answer gave it
    authorization-code exchange: codes made beforehand in Redis (as the
        authorization endpoint stores them, for the fixture's grant), each
        taken once: the code spent, the grant checked, the tokens issued

and the floor, (b), is loaded by the same client right before each, so the
two rates compare like with like (the Python client tops out below wrk).
"""

import base64
import http.client
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import redis

from bench.load import Case, run_python
from oauth import token_store

CODE_SCOPE = "read:profile read:data"  # no openid: the exchange, not RSA signing, is measured
REDIRECT_URI = "https://bench.example.com/callback"
CODES_PER_SECOND = 2000  # made beforehand per second of the run: more than this machine can exchange


@dataclass(frozen=True)
class FlowRate:
    title: str
    per_second: float
    failures: int
    floor_per_second: float

    def line(self) -> str:
        ratio = self.per_second / self.floor_per_second if self.floor_per_second else 0.0
        return (
            f"| {self.title} | {self.per_second:,.0f} | {self.failures} | {self.floor_per_second:,.0f} | {ratio:.2f} |"
        )


def measure(
    base_url: str, r: redis.Redis, fixture: dict, floor: Case, seconds: int, connections: int
) -> list[FlowRate]:
    """Refresh rotations and code exchanges per second, each after a run of the floor."""
    rates = []
    for title, requests in (
        ("refresh-token rotation", lambda: rotations(r, fixture, connections)),
        ("authorization-code exchange", lambda: exchanges(r, fixture, connections, CODES_PER_SECOND * seconds)),
    ):
        floor_rate = run_python(base_url, floor, seconds, connections).rps
        successes, failures, elapsed = drive(base_url, fixture, requests(), seconds)
        rates.append(FlowRate(title, successes / elapsed, failures, floor_rate))
    return rates


def describe(rates: list[FlowRate]) -> str:
    lines = [
        "",
        "Stateful grants (Python client, keep-alive; the floor (b) loaded by the same client just before):",
        "",
        "| grant | per second | failures | floor (b) req/s, same client | ratio |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    return "\n".join([*lines, *(rate.line() for rate in rates), ""])


# Each connection runs one of these: given the last answer's JSON (None at first), the next form body.
Step = Callable[[dict | None], str | None]


def rotations(r: redis.Redis, fixture: dict, connections: int) -> list[Step]:
    """A token family per connection; each step sends the refresh token the last answer gave."""
    steps = []
    for _ in range(connections):
        first = token_store.issue(
            r,
            client=fixture["client"],
            user_id=fixture["user_id"],
            scope=CODE_SCOPE,
            access_ttl=3600,
            grant_id=fixture["grant_id"],
            family=token_store.new_family(),
            with_refresh=True,
        ).refresh_token

        def step(answer: dict | None, first: str = first) -> str:
            token = answer["refresh_token"] if answer else first
            return urlencode({"grant_type": "refresh_token", "refresh_token": token})

        steps.append(step)
    return steps


def exchanges(r: redis.Redis, fixture: dict, connections: int, codes: int) -> list[Step]:
    """Every connection takes the next of `codes` codes made beforehand (more than a run can spend)."""
    made = iter(list(make_codes(r, fixture, codes)))
    lock = threading.Lock()

    def step(_answer: dict | None) -> str | None:
        with lock:
            code = next(made, None)
        if code is None:
            return None
        return urlencode({"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI})

    return [step] * connections


def make_codes(r: redis.Redis, fixture: dict, count: int) -> Iterator[str]:
    for _ in range(count):
        yield token_store.store_code(
            r,
            client_id=fixture["client_id"],
            redirect_uri=REDIRECT_URI,
            user_id=fixture["user_id"],
            scope=CODE_SCOPE,
            grant_id=fixture["grant_id"],
            code_challenge=None,
        )


def drive(base_url: str, fixture: dict, steps: list[Step], seconds: float) -> tuple[int, int, float]:
    """Run every step's chain on its own connection for `seconds`: (successes, failures, seconds taken)."""
    parts = urlsplit(base_url)
    basic = base64.b64encode(f"{fixture['client_id']}:{fixture['client_secret']}".encode()).decode()
    headers = {"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"}
    counts = {"ok": 0, "failed": 0}
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def chain(step: Step) -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        ok = failed = 0
        answer = None
        while time.monotonic() < deadline and (body := step(answer)) is not None:
            conn.request("POST", "/oauth/token", body=body, headers=headers)
            response = conn.getresponse()
            payload = response.read()
            if response.status == 200:
                ok, answer = ok + 1, json.loads(payload)
            else:
                failed += 1
                break  # a chain that failed once cannot go on
        conn.close()
        with lock:
            counts["ok"] += ok
            counts["failed"] += failed

    started = time.monotonic()
    threads = [threading.Thread(target=chain, args=(step,)) for step in steps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return counts["ok"], counts["failed"], time.monotonic() - started
