"""Per-client hourly rate limit: the counters behind every API call.

Counters live in Redis under `rl:<client_id>:<window index>`, where the
window index is floor(unix time / WINDOW_SECONDS). (The counting itself is
part of the API guard's single round trip.)
"""

import time

import redis

WINDOW_SECONDS = 3600


def window_index(now: float | None = None, window_seconds: int = WINDOW_SECONDS) -> int:
    return int((time.time() if now is None else now) // window_seconds)


def counter_key(client_id: str, index: int) -> str:
    return f"rl:{client_id}:{index}"


def calls_this_hour(r: redis.Redis, client_id: str, window_seconds: int = WINDOW_SECONDS) -> int:
    """API calls the client has made in the current window."""
    return int(r.get(counter_key(client_id, window_index(window_seconds=window_seconds))) or 0)
