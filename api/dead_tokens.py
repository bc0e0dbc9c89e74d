"""Access tokens this worker has found dead, so that a client retrying one is refused without Redis.

An access token's key in Redis goes when the token expires or is revoked,
and never comes back: no token is ever issued again under the same digest
(256 random bits). So once the token check finds the key gone, or the token
past its expiry, the answer for that token is 401 forever, and this process
can give it from memory. Integrations that keep calling with a revoked or
expired token are common, and each such call would otherwise cost a Redis
round trip like a valid one. No other worker needs this memory (each learns
of a token's death from Redis on its own), and it only ever refuses: with
Redis down a remembered token still gets its 401, every other one a 503.

"Never comes back" assumes Redis keeps what it was given. Emptied and
refilled from a backup, it would bring back live tokens that a worker saw
missing in between; so an entry is trusted for TRUST_SECONDS only, after
which the next call asks Redis again (one round trip a minute per dead
token and worker keeps nearly all of the saving).

Only that case is remembered. A token refused because its app is suspended,
or because the app's state is missing from Redis, may work again later, so
it is checked against Redis every time. The memory is bounded: the oldest
entries go first, so a flood of made-up tokens costs a few hundred KiB at
most and only pushes out entries that would otherwise save a round trip.
"""

import threading
import time
from collections import OrderedDict

MAX_REMEMBERED = 4096
TRUST_SECONDS = 60

_dead: OrderedDict[str, float] = OrderedDict()  # key -> when it was found dead (monotonic clock)
_lock = threading.Lock()


def is_known_dead(key: str) -> bool:
    """True if the token with this Redis key (at:<digest>) was found dead within TRUST_SECONDS."""
    found = _dead.get(key)
    return found is not None and time.monotonic() - found < TRUST_SECONDS


def remember_dead(key: str) -> None:
    with _lock:
        _dead[key] = time.monotonic()
        _dead.move_to_end(key)  # found again: the newest entry, the last to be pushed out
        while len(_dead) > MAX_REMEMBERED:
            _dead.popitem(last=False)
