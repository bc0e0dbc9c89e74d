"""The benchmark's sign-in case: what one password sign-in costs a core, beside what an API call costs.

The slow password hash is chosen to be slow: every guess an attacker makes
against a stolen database costs them what a sign-in costs us. This case
makes that price visible. It posts the real sign-in form through the whole
app in this process (form parsing, the throttle's Redis round trip, the
password check, the session written to Redis, the audit row) and counts
the CPU time each sign-in takes, so the figure is sign-ins per second per
core, whatever the machine's other load.
"""

import time
from dataclasses import dataclass

from flask import Flask

from accounts import sessions
from stores import postgres
from stores.redis_client import get_redis

SECONDS = 3.0


@dataclass(frozen=True)
class SignInCost:
    sign_ins: int
    cpu_seconds: float
    hash_method: str  # e.g. "scrypt:32768:8:1": the algorithm and its cost parameters

    @property
    def per_core_per_second(self) -> float:
        return self.sign_ins / self.cpu_seconds if self.cpu_seconds else 0.0

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.cpu_seconds / self.sign_ins if self.sign_ins else 0.0


def measure(app: Flask, email: str, password: str, seconds: float = SECONDS) -> SignInCost:
    """Sign in as `email` through POST /login, again and again for `seconds` of wall time."""
    form = {"email": email, "password": password}
    bench_app = _without_csrf(app)
    sign_ins, cpu = 0, 0.0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        browser = bench_app.test_client()  # a new visitor each time: no session to reuse
        started = time.process_time()
        response = browser.post("/login", data=form)
        cpu += time.process_time() - started
        if response.status_code != 302:
            raise RuntimeError(f"sign-in answered {response.status_code}, not 302")
        sign_ins += 1
    with app.app_context():
        user_id = _user_id(email)
        sessions.end_all(get_redis(), user_id)
        return SignInCost(sign_ins, cpu, _hash_method(user_id))


def describe(cost: SignInCost, api_app_cpu_us: float | None) -> str:
    """One line for the report: sign-ins per core per second, the hash, and how many API calls one costs."""
    line = (
        f"sign-in: {cost.per_core_per_second:.1f} password sign-ins/s per core "
        f"({cost.cpu_ms:.0f} ms of CPU each, {cost.sign_ins} measured; hash {cost.hash_method})"
    )
    if api_app_cpu_us:
        line += (
            f"; one core answers {1e6 / api_app_cpu_us:,.0f} (a) API calls/s, "
            f"so a sign-in costs as much as {cost.cpu_ms * 1000 / api_app_cpu_us:,.0f} API calls"
        )
    return line


def _without_csrf(app: Flask) -> Flask:
    """The same app with CSRF off for this case alone: each sign-in is a fresh visitor with no token to show."""
    app.config["WTF_CSRF_ENABLED"] = False
    return app


def _user_id(email: str) -> int:
    with postgres.get_connection().cursor() as cur:
        cur.execute("SELECT id FROM users WHERE email = %(email)s", {"email": email})
        return cur.fetchone()["id"]


def _hash_method(user_id: int) -> str:
    with postgres.get_connection().cursor() as cur:
        cur.execute("SELECT password_hash FROM users WHERE id = %(id)s", {"id": user_id})
        return cur.fetchone()["password_hash"].split("$", 1)[0]
