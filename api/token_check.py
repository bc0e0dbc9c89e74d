"""Checking a bearer token: one Redis round trip per API call.

One Lua script finds the token by its digest (`at:<sha256>`), checks that
neither its family nor its grant has been revoked (`famrevoked:<family>`,
`grantrevoked:<grant_id>`: one EXISTS, skipped for client-credentials
tokens, which have neither), that its client (`client:<id>`) is active,
counts the call against the client's limit (api/rate_limit.py), notes the
use of its grant (api/usage.py) and, when the view wants it, reads the
user's cached profile (api/profiles.py). Expired, revoked and unknown
tokens all look the same here: their key is gone, or their family or grant
is dead, for good; this worker remembers that (api/dead_tokens.py).
Suspending a client flips one field that every token reads, so all its
tokens stop at once and come back, if unexpired, on resume.

(The script derives the client, counter and revocation keys from the
token's fields, so it needs a single Redis primary, not Redis Cluster.)
"""

from typing import NamedTuple

import redis

from api import dead_tokens
from api.profiles import READ_PROFILE_LUA
from api.rate_limit import COUNT_CALL_LUA, DEFAULT_LIMIT, Quota
from api.usage import FLUSH_SECONDS, LAST_USED_TTL, NOTE_USE_LUA
from oauth.token_store import CLIENT_STATE_PREFIX, FAMILY_REVOKED_PREFIX, GRANT_REVOKED_PREFIX, access_key
from stores.lua import LuaScript, lua_constants

# KEYS: at:<digest>. ARGV: window seconds, whether to read the user's cached profile (1/0).
# The reply is one newline-separated string (one bulk reply parses much faster than an array):
#   gone (the token expired or was revoked, or its family or grant was: for good)
#   | invalid (its app's state is not active) | suspended
#   | limited <limit> <now>
#   | ok <client_id> <user_id> <grant_id> <limit> <used> <recorded> <now> <scope> <profile json>
# Numbers go back as the text Redis gave them where it can: Lua's number
# formatting ('%.14g') cost 1 to 2.5 of the script's 20 µs. The caller
# works out the quota's remaining calls and reset from them.
_CHECK = LuaScript(
    lua_constants(
        CLIENT_STATE_PREFIX=CLIENT_STATE_PREFIX,
        FAMILY_REVOKED_PREFIX=FAMILY_REVOKED_PREFIX,
        GRANT_REVOKED_PREFIX=GRANT_REVOKED_PREFIX,
    )
    + COUNT_CALL_LUA
    + NOTE_USE_LUA
    + READ_PROFILE_LUA
    + f"""
local token = redis.call('HMGET', KEYS[1], 'client_id', 'user_id', 'scope', 'grant_id', 'exp', 'family')
local client_id = token[1]
if not client_id then return 'gone' end
local clock = redis.call('TIME')[1]
local now = tonumber(clock)
if (tonumber(token[5]) or 0) <= now then return 'gone' end  -- no exp: fail closed
local grant_id, family = token[4] or '', token[6] or ''
if (grant_id ~= '' or family ~= '')
   and redis.call('EXISTS', FAMILY_REVOKED_PREFIX .. family, GRANT_REVOKED_PREFIX .. grant_id) > 0 then
  return 'gone'
end
local client = redis.call('HMGET', CLIENT_STATE_PREFIX .. client_id, 'status', 'rate_limit')
if client[1] ~= 'active' then
  if client[1] == 'suspended' then return 'suspended' end
  return 'invalid'
end
local limit_text = client[2]
local limit = tonumber(limit_text)
if not limit then limit, limit_text = {DEFAULT_LIMIT}, '{DEFAULT_LIMIT}' end
local allowed, used = count_call(client_id, limit, now, tonumber(ARGV[1]))
if not allowed then return 'limited\\n' .. limit_text .. '\\n' .. clock end
local recorded = note_use(token[4], now, {FLUSH_SECONDS}, {LAST_USED_TTL}) and '1' or '0'
local profile = ''
if ARGV[2] == '1' then profile = cached_profile(token[2]) end
local used_text = string.format('%d', used)
local reply = {{'ok', client_id, token[2], token[4], limit_text, used_text, recorded, clock, token[3], profile}}
return table.concat(reply, '\\n')
"""
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
    reply = _CHECK(r, [key], [window_seconds, 1 if with_profile else 0])
    status, _, rest = reply.partition("\n")
    if status == "gone":
        dead_tokens.remember_dead(key)
        return TokenCheck("invalid")
    if status == "limited":
        limit, now = rest.split("\n")
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
