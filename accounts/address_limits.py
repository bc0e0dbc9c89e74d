"""How often one address may do a thing: a fixed-window counter per (limit, address) in Redis.

For what is not a sign-in (sign-in has its own throttle, accounts.throttle):
sign-up, "forgot password" and "resend the verification mail" per client
address, and the mail an account may receive or the current-password
checks it may fail, per account. The window starts with the first use and
does not slide, so a steady stream cannot hold it open for ever.

    addrlimit:<limit>:<digest of who>  an integer, expiring with its window

An IPv6 client counts by its /64 network, which one host is usually given whole.
"""

import hashlib
import ipaddress
from dataclasses import dataclass
from pathlib import Path

import redis

from stores.lua import LuaScript

KEY_PREFIX = "addrlimit:"


@dataclass(frozen=True)
class Limit:
    name: str
    count: int  # uses allowed in one window
    window_seconds: int


# Per client address: enough for a person, and for an office behind one address.
SIGN_UP = Limit("signup", 20, 3600)
PASSWORD_FORGOT = Limit("forgot", 10, 3600)
VERIFY_RESEND = Limit("resend", 10, 3600)
# Per account: how many links a person can ask for again, and how many
# unasked-for mails ("reset your password", "you already have an account")
# others can make the account receive. Past it they are not sent; the page
# that would have sent one answers as always.
RESEND_PER_ACCOUNT = Limit("resend-account", 3, 3600)
MAIL_PER_ACCOUNT = Limit("account-mail", 5, 3600)
# Per account: wrong current passwords at /account/password (a stolen session guessing it).
CURRENT_PASSWORD = Limit("current-password", 5, 900)

_HIT = LuaScript(Path(__file__).with_name("address_limits.lua"), keys="counter", args="window_seconds")


def hit(r: redis.Redis, limit: Limit, who: str) -> int:
    """Count one use by `who`: 0 if within the limit, else the seconds until its window ends."""
    uses, ttl = _HIT(r, counter=key(limit, who), window_seconds=limit.window_seconds)
    return max(int(ttl), 1) if int(uses) > limit.count else 0


def retry_after(r: redis.Redis, limit: Limit, who: str) -> int:
    """Without counting: 0 if `who` may go on, else the seconds until the window ends."""
    pipe = r.pipeline(transaction=False)
    pipe.get(key(limit, who))
    pipe.ttl(key(limit, who))
    uses, ttl = pipe.execute()
    return max(int(ttl), 1) if uses is not None and int(uses) >= limit.count else 0


def key(limit: Limit, who: str) -> str:
    return f"{KEY_PREFIX}{limit.name}:{hashlib.sha256(_network(who).encode()).hexdigest()}"


def _network(who: str) -> str:
    """An IPv6 address as its /64 network; anything else (IPv4, an account id) as it is."""
    try:
        address = ipaddress.ip_address(who)
    except ValueError:
        return who
    if address.version == 4:
        return str(address)
    if address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(ipaddress.ip_network(f"{address}/64", strict=False))
