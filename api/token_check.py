"""Checking a bearer token: one Redis round trip per API call.

One Lua script finds the token by its digest (`at:<sha256>`), checks that
neither its family nor its grant has been revoked (`fr:<family>`,
`gr:<grant_id>`: one EXISTS, skipped for client-credentials tokens, which
have neither), that its client (`client:<id>`) is active,
counts the call against the client's limit (api/rate_limit.py), notes the
use of its grant (api/usage.py) and, when the view wants it, reads the
user's cached profile (api/profiles.py). Expired, revoked and unknown
tokens all look the same here: their key is gone, or their family or grant
is dead, for good; this worker remembers that (api/dead_tokens.py).
Suspending a client flips one field that every token reads, so all its
tokens stop at once and come back, if unexpired, on resume.

Every key the script reads or writes is in the token's slot, named by the
tag the token carries (stores/keys.py): one round trip to one shard of a
Redis Cluster too. A refused call's place in the ranking of refused apps
is a second write, on the refused path only (api/rate_limit.py).
"""

from pathlib import Path
from typing import NamedTuple

import redis

from api import dead_tokens, profiles, rate_limit, usage
from api.rate_limit import DEFAULT_LIMIT, Quota
from oauth.token_store import access_key
from stores import keys
from stores.lua import LuaScript

# The script's head comment documents its KEYS, ARGV and reply.
_CHECK = LuaScript(
    Path(__file__).with_name("check_token.lua"),
    keys="token",
    args="window with_profile default_limit flush_seconds last_used_ttl family_revoked_stem grant_revoked_stem"
    " client_state_stem counter_stem last_used_stem profile_stem kept_windows",
    libraries=(keys.LIBRARY, rate_limit.LIBRARY, usage.LIBRARY, profiles.LIBRARY),
    constants={
        "default_limit": DEFAULT_LIMIT,
        "flush_seconds": usage.FLUSH_SECONDS,
        "last_used_ttl": usage.LAST_USED_TTL,
        "family_revoked_stem": keys.FAMILY_REVOKED,
        "grant_revoked_stem": keys.GRANT_REVOKED,
        "client_state_stem": keys.CLIENT_STATE,
        "counter_stem": keys.CALL_COUNTER,
        "last_used_stem": keys.LAST_USED,
        "profile_stem": keys.PROFILE,
        "kept_windows": rate_limit.KEPT_WINDOWS,
    },
)


# Named tuples rather than dataclasses: made on every API call, and a tuple is several times cheaper.


class AccessToken(NamedTuple):
    """What an API call may do: on whose behalf (None: the client itself), for which app, with which scopes."""

    client_id: str
    user_id: int | None
    scopes: frozenset[str]
    grant_id: int | None
    # The user's cached profile document (JSON text), when the view asked for it and Redis had it.
    profile: str | None = None


class TokenCheck(NamedTuple):
    """The outcome of one check: `status` is ok, invalid, suspended or limited."""

    status: str
    token: AccessToken | None = None
    quota: Quota | None = None
    record_use: bool = False  # this call recorded the grant's use: PostgreSQL should be written too
    now: int = 0


def check_token(r: redis.Redis, token: str, window_seconds: int, with_profile: bool = False) -> TokenCheck:
    """Look up `token`, check its client, count the call and note its use, in one round trip.

    A token this worker already found expired or revoked costs no round trip (api/dead_tokens.py).
    """
    key = access_key(token)
    if dead_tokens.is_known_dead(key):
        return TokenCheck("invalid")
    reply = _CHECK(r, token=key, window=window_seconds, with_profile=1 if with_profile else 0)
    status, _, rest = reply.partition("\n")
    if status == "gone":
        dead_tokens.remember_dead(key)
        return TokenCheck("invalid")
    if status == "limited":
        limit, now, client_id = rest.split("\n")
        rate_limit.rank_refused(r, client_id, int(now), window_seconds)
        return TokenCheck(status, quota=Quota.after(int(limit), int(limit), int(now), window_seconds))
    if status != "ok":
        return TokenCheck(status)
    client_id, user_id, grant_id, limit, used, recorded, now, scope, profile = rest.split("\n", 8)
    access = AccessToken(
        client_id,
        int(user_id) if user_id else None,
        frozenset(scope.split()),
        int(grant_id) if grant_id else None,
        profile or None,
    )
    now = int(now)
    quota = Quota.after(int(limit), int(used), now, window_seconds)
    return TokenCheck(status, access, quota, recorded == "1", now)
