"""Sign-in throttling that a guesser cannot turn against the account's owner (OWASP ASVS V2.2.1).

Failures are counted per (account, address) pair and per address. Either
counter, once it passes its rule's `slow_after`, makes every further attempt
wait a little longer (2, 4, 8 ... seconds, at most `max_delay`), and once it
reaches `refuse_at` refuses attempts until its window ends. The owner signing
in from another address meets neither: someone else's failures never lock
them out.

A third counter per account, across every address, has a high ceiling
(`ACCOUNT_CEILING` failures an hour). It locks nobody out either: past it, a
correct password from an address that has never signed in to the account is
not enough, and sign-in asks for a second proof (the second factor, or a
sign-in link by mail). Addresses that signed in are remembered per account.

Keys (the account is the email as PostgreSQL matched it, lower-cased; both it
and the address are SHA-256 digests, so Redis holds no list of who tried from
where; an IPv6 address counts by its /64 network, which one host is usually
given whole). The account's keys carry its tag, `{u<acct>}` (stores/keys.py's
user slot, named by the digest: an unknown email is throttled too), so that
one script or MULTI may touch them all on a Redis Cluster; the address's
counter has a slot of its own and is counted in a step of its own:

    {u<acct>}signin:pair:<acct>:<addr>  hash  n (failures), last (Unix seconds of the last one)
    {u<acct>}signin:pairs:<acct>        set   the account's pair keys, for `unlock`
    {u<acct>}signin:acct:<acct>         str   failures on the account from every address
    {u<acct>}signin:known:<acct>        zset  address digests that signed in, scored by when
    signin:addr:<addr>                  hash  n, last: every account tried from the address

Each counter is a fixed window that starts with its first failure (the
expiry is set only when the counter is new), so a steady stream of failures
cannot hold a window open for ever.
"""

import hashlib
import ipaddress
import time
from dataclasses import dataclass
from pathlib import Path

import redis

from stores.keys import user_slot
from stores.lua import LuaScript

PAIR_PREFIX = "signin:pair:"
PAIR_INDEX_PREFIX = "signin:pairs:"
ADDRESS_PREFIX = "signin:addr:"
ACCOUNT_PREFIX = "signin:acct:"
KNOWN_PREFIX = "signin:known:"


@dataclass(frozen=True)
class Rule:
    """How many failures a counter lets through, slows, then refuses, within its window."""

    slow_after: int  # from this many failures on, each makes the next attempt wait
    refuse_at: int  # this many failures: refused until the window ends
    window_seconds: int
    max_delay: int  # the longest wait while slowed

    def delay(self, failures: int) -> int:
        """Seconds the attempt after `failures` failures must wait from the last one (before `refuse_at`)."""
        if failures < self.slow_after:
            return 0
        return min(2 ** (failures - self.slow_after + 1), self.max_delay)

    def wait(self, failures: int, seconds_since_last: int, window_left: int) -> int:
        """Seconds until the next attempt is allowed; 0 when it is allowed now."""
        if failures >= self.refuse_at:
            return max(window_left, 1)
        return max(self.delay(failures) - seconds_since_last, 0)


# One guesser on one account from one address: five tries, then 2 to 32 s apart, then a pause.
PAIR = Rule(slow_after=5, refuse_at=10, window_seconds=15 * 60, max_delay=60)
# One address trying many accounts (many people may share it: offices, mobile carriers).
ADDRESS = Rule(slow_after=20, refuse_at=50, window_seconds=15 * 60, max_delay=60)
ACCOUNT_CEILING = 100
ACCOUNT_WINDOW_SECONDS = 3600
KNOWN_ADDRESS_SECONDS = 90 * 24 * 3600
KNOWN_ADDRESSES_KEPT = 20


@dataclass(frozen=True)
class Verdict:
    """What the counters say about one sign-in attempt, before the password is checked."""

    wait: int  # seconds before an attempt is allowed; 0: allowed now
    needs_second_proof: bool  # past the account's ceiling and from an address new to it


def retry_after(r: redis.Redis, account: str, address: str) -> int:
    """Seconds until sign-in to `account` from `address` may be tried again; 0 when it is allowed now."""
    return check(r, account, address).wait


def check(r: redis.Redis, account: str, address: str) -> Verdict:
    """Read the counters of one attempt (one round trip)."""
    keys = _Keys(account, address)
    pipe = r.pipeline(transaction=False)
    for counter in (keys.pair, keys.address):
        pipe.hmget(counter, "n", "last")
        pipe.ttl(counter)
    pipe.get(keys.account)
    pipe.zscore(keys.known, keys.address_digest)
    pair, pair_ttl, by_address, address_ttl, account_failures, known = pipe.execute()
    now = int(_now())
    wait = max(_wait(PAIR, pair, pair_ttl, now), _wait(ADDRESS, by_address, address_ttl, now))
    past_ceiling = int(account_failures or 0) >= ACCOUNT_CEILING
    return Verdict(wait=wait, needs_second_proof=past_ceiling and known is None)


def _wait(rule: Rule, fields: list, ttl: int, now: int) -> int:
    failures, last = fields
    if failures is None:
        return 0
    return rule.wait(int(failures), now - int(last or 0), ttl)


_HERE = Path(__file__).parent
_RECORD_FAILURE = LuaScript(
    _HERE / "record_failure.lua",
    keys="pair account pair_index",
    args="now pair_window account_window",
    libraries=(_HERE / "throttle.lua",),
)
_RECORD_ADDRESS_FAILURE = LuaScript(
    _HERE / "record_address_failure.lua", keys="address", args="now window", libraries=(_HERE / "throttle.lua",)
)


# What a failure that reached a counter's `refuse_at` locked (record_failure), in words for the audit log.
LOCKED_PAIR = "this account from this address"
LOCKED_ADDRESS = "every account from this address"


def record_failure(r: redis.Redis, account: str, address: str) -> str | None:
    """Count one wrong password on `account` from `address` (pair, address and account counters).

    Returns what this very failure locked (LOCKED_PAIR or LOCKED_ADDRESS),
    else None: each lock is reported once, by the failure that closed it.
    """
    keys = _Keys(account, address)
    now = int(_now())
    # Two slots on a cluster, so two steps; each counts once, and neither undoes the other.
    pair = _RECORD_FAILURE(
        r,
        pair=keys.pair,
        account=keys.account,
        pair_index=keys.pair_index,
        now=now,
        pair_window=PAIR.window_seconds,
        account_window=ACCOUNT_WINDOW_SECONDS,
    )
    by_address = _RECORD_ADDRESS_FAILURE(r, address=keys.address, now=now, window=ADDRESS.window_seconds)
    if int(pair) == PAIR.refuse_at:
        return LOCKED_PAIR
    if int(by_address) == ADDRESS.refuse_at:
        return LOCKED_ADDRESS
    return None


def record_success(r: redis.Redis, account: str, address: str) -> None:
    """The account's owner signed in from `address`: its pair counter goes, and the address is known from now on.

    The address counter stays (others behind it may be guessing), and so does
    the account's ceiling, which an attacker's next address would otherwise
    find reset.
    """
    keys = _Keys(account, address)
    now = int(_now())
    pipe = r.pipeline(transaction=True)
    pipe.delete(keys.pair)
    pipe.srem(keys.pair_index, keys.pair)
    pipe.zadd(keys.known, {keys.address_digest: now})
    pipe.zremrangebyscore(keys.known, "-inf", now - KNOWN_ADDRESS_SECONDS)
    pipe.zremrangebyrank(keys.known, 0, -KNOWN_ADDRESSES_KEPT - 1)  # keep the most recent ones
    pipe.expire(keys.known, KNOWN_ADDRESS_SECONDS)
    pipe.execute()


def unlock(r: redis.Redis, account: str) -> int:
    """Clear every failure counter of `account` (from every address); how many counters there were."""
    keys = _Keys(account, "")
    pipe = r.pipeline(transaction=True)
    pipe.delete(*r.smembers(keys.pair_index), keys.account)
    pipe.delete(keys.pair_index)
    return int(pipe.execute()[0])


def account_failures(r: redis.Redis, account: str) -> int:
    """Wrong passwords for `account` from every address in the current window (what the ceiling counts)."""
    return int(r.get(_Keys(account, "").account) or 0)


def address_network(address: str) -> str:
    """What counts as one address: the address itself, or an IPv6 address's /64 network."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 4:
        return str(parsed)
    if parsed.ipv4_mapped is not None:  # ::ffff:192.0.2.1 is 192.0.2.1
        return str(parsed.ipv4_mapped)
    return str(ipaddress.ip_network(f"{parsed}/64", strict=False))


class _Keys:
    """The key names of one (account, address) attempt."""

    def __init__(self, account: str, address: str):
        account_digest = _digest("account", account.strip().lower())
        self.address_digest = _digest("address", address_network(address))
        tag = user_slot(account_digest)
        self.pair = f"{tag}{PAIR_PREFIX}{account_digest}:{self.address_digest}"
        self.pair_index = tag + PAIR_INDEX_PREFIX + account_digest
        self.address = ADDRESS_PREFIX + self.address_digest
        self.account = tag + ACCOUNT_PREFIX + account_digest
        self.known = tag + KNOWN_PREFIX + account_digest


def _digest(kind: str, value: str) -> str:
    # The kind keeps an email and an address that happen to be the same text apart.
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()


def _now() -> float:
    """The clock the waits are measured by (tests move it forward rather than sleep)."""
    return time.time()
