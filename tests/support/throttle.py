"""Sign-in throttling in tests: a clock that moves forward instead of sleeping, and guessing in bulk."""

import time

from accounts import throttle

WRONG_PASSWORD = "wrong password"


class Clock:
    """The throttle's clock, under the test's control (Redis's own windows still run in real time)."""

    def __init__(self, monkeypatch):
        self.now = time.time()
        monkeypatch.setattr(throttle, "_now", lambda: self.now)

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def wait_out_any_delay(self) -> None:
        """Let the longest slow-down pass, so that the next attempt is judged by the counts alone."""
        self.advance(max(throttle.PAIR.max_delay, throttle.ADDRESS.max_delay) + 1)


def guess(auth, clock: Clock, times: int, email: str, **where) -> list[int]:
    """`times` wrong passwords for `email`, each after any slow-down is over; their status codes.

    `where` is AuthActions.login's `ip` and `headers` (the address the server sees).
    """
    statuses = []
    for _ in range(times):
        clock.wait_out_any_delay()
        statuses.append(auth.login(email, WRONG_PASSWORD, **where).status_code)
    return statuses
