"""Sign-in throttling in Redis: 10 failures in 15 minutes per account and per client IP.

Each counter is a fixed window that starts with the first failure: the
expiry is set only when the key is created (`SET ... NX EX`, then `INCR`
which keeps the TTL), so a steady
stream of failures cannot keep a window open forever, and an attacker
cannot extend a lockout past 15 minutes from its first failure.
"""

import hashlib

import redis

MAX_FAILURES = 10
WINDOW_SECONDS = 15 * 60


def _keys(email: str, ip: str) -> list[str]:
    # The email is hashed so that Redis holds no list of who tried to sign in.
    account = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    return [f"signin:fail:acct:{account}", f"signin:fail:ip:{ip}"]


def retry_after(r: redis.Redis, email: str, ip: str) -> int:
    """Seconds until sign-in may be tried again; 0 when it is allowed now."""
    pipe = r.pipeline(transaction=False)
    keys = _keys(email, ip)
    for key in keys:
        pipe.get(key)
        pipe.ttl(key)
    replies = pipe.execute()
    waits = [
        max(ttl, 1)
        for count, ttl in zip(replies[0::2], replies[1::2], strict=True)
        if count is not None and int(count) >= MAX_FAILURES
    ]
    return max(waits, default=0)


def record_failure(r: redis.Redis, email: str, ip: str) -> None:
    pipe = r.pipeline(transaction=True)
    for key in _keys(email, ip):
        pipe.set(key, 0, ex=WINDOW_SECONDS, nx=True)
        pipe.incr(key)
    pipe.execute()


def record_success(r: redis.Redis, email: str) -> None:
    """A correct password clears the account's counter (not the IP's)."""
    r.delete(_keys(email, "-")[0])
