"""Checking a bearer token: one Redis round trip per API call.

One Lua script finds the token by its digest (`at:<sha256>`), checks that
its client (`client:<id>`) is active, counts the call against the client's
limit (api/rate_limit.py) and notes the use of its grant (api/usage.py).
Expired, revoked and unknown tokens all look the same here: their key is
gone. Suspending a client flips one field that every token reads, so all
its tokens stop at once and come back, if unexpired, on resume.

(The script derives the client and counter keys from the token's fields, so
it needs a single Redis primary, not Redis Cluster.)
"""

from dataclasses import dataclass

import redis

from api.rate_limit import COUNT_CALL_LUA, DEFAULT_LIMIT, Quota
from api.usage import LAST_USED_TTL, NOTE_USE_LUA
from oauth.token_store import access_key
from stores.lua import LuaScript

# KEYS: at:<digest>. ARGV: window seconds, flush seconds, last-used ttl, default limit.
# Replies: {'invalid'} | {'suspended'} | {'limited', client_id, limit, reset}
#        | {'ok', client_id, user_id, scope, grant_id, limit, remaining, reset, flush, now}
_CHECK = LuaScript(
    COUNT_CALL_LUA
    + NOTE_USE_LUA
    + """
local token = redis.call('HMGET', KEYS[1], 'client_id', 'user_id', 'scope', 'grant_id', 'exp')
local client_id = token[1]
if not client_id then return {'invalid'} end
local now = tonumber(redis.call('TIME')[1])
if (tonumber(token[5]) or 0) <= now then return {'invalid'} end  -- no exp: fail closed
local client = redis.call('HMGET', 'client:' .. client_id, 'status', 'rate_limit')
if client[1] ~= 'active' then
  if client[1] == 'suspended' then return {'suspended'} end
  return {'invalid'}
end
local limit = tonumber(client[2]) or tonumber(ARGV[4])
local allowed, used, reset = count_call(client_id, limit, now, tonumber(ARGV[1]))
if not allowed then return {'limited', client_id, limit, reset} end
local flush = note_use(token[4], now, ARGV[2], ARGV[3]) and 1 or 0
return {'ok', client_id, token[2], token[3], token[4], limit, limit - used, reset, flush, now}
"""
)


@dataclass(frozen=True)
class AccessToken:
    """What an API call may do: on whose behalf (None: the client itself), for which app, with which scopes."""

    client_id: str
    user_id: int | None
    scopes: frozenset[str]
    grant_id: int | None


@dataclass(frozen=True)
class TokenCheck:
    """The outcome of one check: `status` is ok, invalid, suspended or limited."""

    status: str
    token: AccessToken | None = None
    quota: Quota | None = None
    flush_last_used: bool = False
    now: int = 0


def check_token(r: redis.Redis, token: str, window_seconds: int, flush_seconds: int) -> TokenCheck:
    """Look up `token`, check its client, count the call and note its use, in one round trip."""
    reply = _CHECK(r, [access_key(token)], [window_seconds, flush_seconds, LAST_USED_TTL, DEFAULT_LIMIT])
    status = reply[0]
    if status == "limited":
        return TokenCheck(status, quota=Quota(int(reply[2]), 0, int(reply[3])))
    if status != "ok":
        return TokenCheck(status)
    _, client_id, user_id, scope, grant_id, limit, remaining, reset, flush, now = reply
    access = AccessToken(
        client_id=client_id,
        user_id=int(user_id) if user_id else None,
        scopes=frozenset(scope.split()),
        grant_id=int(grant_id) if grant_id else None,
    )
    return TokenCheck(status, access, Quota(int(limit), int(remaining), int(reset)), bool(flush), int(now))
