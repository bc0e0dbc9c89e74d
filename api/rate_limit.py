"""Per-client rate limit: every API call of every token of a client counts against one quota.

Algorithm: a fixed window, aligned to the epoch, counted in Redis.

- The window index is floor(now / WINDOW_SECONDS), `now` being the Redis
  server's clock (TIME), so every host agrees on the window whatever its own
  clock says. The counter key is `rl:<client_id>:<window index>`, in the
  client's slot (stores/keys.py).
- Each call increments the counter; a call that takes it past the client's
  limit is refused, its increment undone and counted on
  `rl:<client_id>:<window index>:refused` instead (one command on the common
  path, four or five on a refusal), so the counter says how many calls were served
  and the other how many were refused, as the app's page shows them. A
  refusal also adds one to the client's score in `rlrefused:<window index>`,
  a sorted set of the window's refused clients, from which /metrics shows
  the most refused few (api/refused_metrics.py) without a label per client:
  a write of its own after the check (the set spans every client's slot).
- The expiry is set once, when INCR creates a counter, and is never touched
  again: steady traffic cannot keep a window open, and because the window
  index is part of the key a new window always starts from zero anyway.
  It is KEPT_WINDOWS windows, not one, so that the app's page can chart
  the day's windows (24 small keys per busy app and hour of history).
- The limit is read from the `client:<id>` hash on every call, so a limit
  changed by an operator applies to the very next call.
- Reset is the number of seconds until the window ends; a refused call gets
  it as Retry-After.

Why a fixed window rather than a sliding-window counter: the limit is a quota
an integrator plans against ("1000 calls an hour"), and a fixed window lets
us state it exactly: RateLimit-Remaining calls until RateLimit-Reset, and
after a 429 the whole quota is back at Retry-After. A sliding-window counter
smooths the burst a client can make across a window boundary (at most twice
the limit within a short span), but its remaining and reset figures are
estimates and a limited client gets its calls back a few at a time. Abuse
protection against floods belongs in front of the app (the load balancer),
not in a per-app quota, so the boundary burst is an acceptable price.

The counting is one piece of the API guard's single Redis round trip
(api/token_check.py); this module owns the key layout, the Lua function (rate_limit.lua) and
the response headers.
"""

import time
from pathlib import Path
from typing import NamedTuple

import redis
from werkzeug.datastructures import Headers

from stores import keys, spread

WINDOW_SECONDS = 3600
DEFAULT_LIMIT = 1000
REFUSED_SUFFIX = ":refused"
REFUSED_RANKING_PREFIX = "rlrefused:"
# Windows a counter outlives its own by (it is created in its window): a day of hourly windows.
KEPT_WINDOWS = 24

# The Lua function that counts a call (count_call), a library of the API guard's script.
LIBRARY = Path(__file__).with_name("rate_limit.lua")


class Quota(NamedTuple):
    """Where a client stands in the current window."""

    limit: int
    remaining: int
    reset: int  # seconds until the window ends

    @classmethod
    def after(cls, limit: int, used: int, now: int, window_seconds: int) -> "Quota":
        """The quota once `used` calls of `limit` are counted at `now` (the Redis clock)."""
        return cls(limit, limit - used, window_seconds - now % window_seconds)

    def add_headers(self, headers: Headers) -> None:
        """Add the RateLimit-* response headers (IETF httpapi rate-limit headers draft)."""
        # add() rather than extend(): this runs on every API call, and extend() costs several times more.
        headers.add("RateLimit-Limit", str(self.limit))
        headers.add("RateLimit-Remaining", str(self.remaining))
        headers.add("RateLimit-Reset", str(self.reset))


def window_index(now: float | None = None, window_seconds: int = WINDOW_SECONDS) -> int:
    return int((time.time() if now is None else now) // window_seconds)


def counter_key(client_id: str, index: int) -> str:
    return f"{keys.call_counter_stem(client_id)}{index}"


def rank_refused(r: redis.Redis, client_id: str, now: int, window_seconds: int) -> None:
    """Count a refused call on the window's ranking of refused clients, kept until the next window ends."""
    index = window_index(now, window_seconds)
    ranking = f"{REFUSED_RANKING_PREFIX}{index}"
    pipe = r.pipeline(transaction=False)
    pipe.zincrby(ranking, 1, client_id)
    pipe.expireat(ranking, (index + 2) * window_seconds)
    pipe.execute()


def refused_key(client_id: str, index: int) -> str:
    return counter_key(client_id, index) + REFUSED_SUFFIX


class WindowCalls(NamedTuple):
    """One window's calls: served (counted against the limit) and refused with a 429."""

    start: int  # seconds since the epoch
    served: int
    refused: int


class UsageHistory(NamedTuple):
    """The last KEPT_WINDOWS windows of a client, oldest first, the current one last."""

    windows: list[WindowCalls]
    now: int  # the Redis clock
    window_seconds: int

    @property
    def current(self) -> WindowCalls:
        return self.windows[-1]

    @property
    def reset_in(self) -> int:
        """Seconds until the current window ends and its quota comes back."""
        return self.window_seconds - self.now % self.window_seconds


def usage_history(r: redis.Redis, client_id: str, window_seconds: int = WINDOW_SECONDS) -> UsageHistory:
    """A client's served and refused calls in each kept window, in one round trip after reading the clock."""
    now = r.time()[0]  # the Redis clock, as the API guard counts by it
    indexes = range(window_index(now, window_seconds) - KEPT_WINDOWS + 1, window_index(now, window_seconds) + 1)
    keys = [key for index in indexes for key in (counter_key(client_id, index), refused_key(client_id, index))]
    counts = [int(count or 0) for count in r.mget(keys)]
    windows = [
        WindowCalls(index * window_seconds, served, refused)
        for index, served, refused in zip(indexes, counts[::2], counts[1::2], strict=True)
    ]
    return UsageHistory(windows, now, window_seconds)


def calls_in_window(r: redis.Redis, client_ids: list[str], window_seconds: int = WINDOW_SECONDS) -> dict[str, int]:
    """API calls of each client in the current window: the Redis clock, then one pipeline of MGET batches.

    Batches (stores/spread.py) keep each command small when an operator sorts thousands of apps by calls.
    """
    if not client_ids:
        return {}
    index = window_index(r.time()[0], window_seconds)  # the Redis clock, as the API guard counts by it
    counts = spread.get_many(r, [counter_key(client_id, index) for client_id in client_ids])
    return {client_id: int(count or 0) for client_id, count in zip(client_ids, counts, strict=True)}


def most_refused(r: redis.Redis, count: int, window_seconds: int = WINDOW_SECONDS) -> list[tuple[str, int]]:
    """The `count` clients refused most in the current window, with how many calls, most first."""
    index = window_index(r.time()[0], window_seconds)
    ranked = r.zrevrange(f"{REFUSED_RANKING_PREFIX}{index}", 0, count - 1, withscores=True)
    return [(client_id, int(score)) for client_id, score in ranked]
