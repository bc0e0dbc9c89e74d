"""Token introspection (RFC 7662) for an authenticated client, in one Redis round trip.

Resource servers that do not cache call this on every request they serve,
so its cost is their latency: one script reads the calling client as
cached (oauth/client_cache.py), the token if it is live and its user's
email (`useremail:<user_id>`, EMAIL_TTL). PostgreSQL is read only when
one of those is missing from Redis. No code changes a user's email; one
that does must delete that key.
"""

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import redis
from redis.cluster import RedisCluster

from accounts import users
from oauth import client_cache, credentials, token_store
from oauth.client_cache import Cached, MachineClient
from oauth.params import require
from oauth.scopes import parse_scope
from stores import keys
from stores.lua import LuaScript
from stores.postgres import Connection

INACTIVE = {"active": False}
PROFILE_SCOPE = "read:profile"  # "See your name and email address"
EMAIL_TTL = 24 * 3600

_HERE = Path(__file__).parent
_READ = LuaScript(
    _HERE / "introspect.lua",
    keys="client token",
    args="max_age refresh family_revoked_stem grant_revoked_stem client_state_stem email_stem",
    libraries=(keys.LIBRARY, client_cache.LIBRARY, _HERE / "token_store.lua"),
    constants={"max_age": client_cache.MAX_AGE, **token_store.STEMS, "email_stem": keys.EMAIL},
)


@dataclass(frozen=True)
class Found:
    """What the round trip read: the caller as cached, the live token's fields (None: not usable), its user's email."""

    caller: Cached
    stored: dict | None
    token_type: str | None  # "Bearer" for access tokens (RFC 6749 §5.1); None for refresh tokens
    email: str  # "" when not cached
    key: str = ""  # the token's key


def read(r: redis.Redis, client_id: str, token: str | None) -> Found:
    """The caller's cached state and the token's, in one round trip (the caller's alone for no usable token).

    On a cluster, a token of an app in another slot than the caller's (a
    resource server's usual case) takes two: the caller's state, then the
    token's, each from its own shard.
    """
    kind = _kind(token)
    if kind is None:
        return Found(client_cache.read(r, client_id), None, None, "")
    key, refresh, token_type = kind
    client_key = token_store.client_state_key(client_id)
    if keys.tag_of_key(client_key) == keys.tag_of_key(key) or not isinstance(r, RedisCluster):
        reply, flat, email = _READ(r, client=client_key, token=key, refresh=refresh)
        caller = Cached.from_reply(client_id, reply)
    else:
        caller = client_cache.read(r, client_id)
        _, flat, email = _READ(r, client=keys.tag_of_key(key), token=key, refresh=refresh)
    stored = dict(zip(flat[0::2], flat[1::2], strict=True)) if flat else None
    return Found(caller, stored, token_type, email, key)


def _kind(token: str | None) -> tuple[str, str, str | None] | None:
    """The token's key, the script's `refresh` flag and its type, by prefix; None if it cannot be ours."""
    if token and credentials.is_well_formed(token, credentials.ACCESS_TOKEN_PREFIX):
        return token_store.access_key(token), "0", "Bearer"
    if token and credentials.is_well_formed(token, credentials.REFRESH_TOKEN_PREFIX):
        return token_store.refresh_key(token), "1", None
    return None


def introspect(
    connect: Callable[[], Connection],
    r: redis.Redis,
    client: MachineClient,
    params: Mapping[str, str],
    found: Found,
    issuer: str,
) -> dict:
    """What `client` may know about the token `found` read (RFC 7662 §2.2).

    `active: false` for anything unknown, expired, revoked, rotated out,
    of a suspended client, or of another client, unless the caller is a
    resource server, which may introspect every client's tokens (§4: the
    answer must not tell a prober more than that the token is not usable).
    `connect` gives a PostgreSQL connection, asked for only on a cache miss.
    """
    require(params, "token")
    stored = found.stored
    if stored is None or int(stored["exp"]) <= time.time():
        return INACTIVE
    if stored["client_id"] != client["client_id"] and not client["is_resource_server"]:
        return INACTIVE
    answer = {
        "active": True,
        "scope": stored["scope"],
        "client_id": stored["client_id"],
        "exp": int(stored["exp"]),
        "iat": int(stored["iat"]),
        "iss": issuer,
    }
    if found.token_type:
        answer["token_type"] = found.token_type
    if stored["user_id"]:
        email = found.email or _load_email(connect, r, found.key, stored["user_id"])
        if email is None:
            return INACTIVE
        answer["sub"] = stored["user_id"]
        # The email is profile data: an app learns it only if the person let it see their profile.
        if client["is_resource_server"] or PROFILE_SCOPE in parse_scope(stored["scope"]):
            answer["username"] = email
    return answer


def _load_email(connect: Callable[[], Connection], r: redis.Redis, token_key: str, user_id: str) -> str | None:
    """The user's email from PostgreSQL, cached for the next introspections; None if the user is gone."""
    user = users.get_user(connect(), int(user_id))
    if user is None:
        return None
    r.set(keys.user_email(token_key, user_id), user["email"], ex=EMAIL_TTL)
    return user["email"]
