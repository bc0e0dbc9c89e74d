"""Authorization codes and tokens in Redis: issue, look up, rotate, revoke.

Key layout (every key has a TTL; only SHA-256 digests of secrets appear):

    code:<digest>            hash  an authorization code (10 min): client_id,
                                   redirect_uri (+ whether the request named it),
                                   user_id, scope, grant_id, code_challenge, and
                                   `state` issued|redeemed, so a replay is recognised
    at:<digest>              hash  an access token: client_id, user_id, scope,
                                   grant_id, family, iat, exp
    rt:<digest>              hash  a refresh token: the same, plus `status`
                                   active|rotated (rotated ones stay to catch reuse)
    fam:<family>             set   the at:/rt: keys of one token family: every
                                   token descending from one code exchange
    famrevoked:<family>      str   the family is dead; nothing may join it
    grantfams:<grant_id>     set   the families issued under one consent grant
    grantrevoked:<grant_id>  str   the grant is dead; nothing may join it
    client:<client_id>       hash  status active|suspended|deleted and rate_limit:
                                   read with every token, so suspending or
                                   deleting a client stops all its tokens at once

Taking a code, rotating a refresh token and revoking are Lua scripts, so
racing requests can never both win.
"""

import json
import secrets
import time
from dataclasses import dataclass

import redis

from oauth import credentials
from stores.lua import LuaScript, lua_constants

CODE_TTL = 600
REFRESH_TOKEN_TTL = 30 * 24 * 3600
# Index and revocation markers must outlive every token they cover.
INDEX_TTL = REFRESH_TOKEN_TTL + 3600
CLIENT_STATE_TTL = INDEX_TTL


# Key prefixes, spelled once: the Lua scripts get them as constants (_KEY_PREFIXES_LUA).
CLIENT_STATE_PREFIX = "client:"
FAMILY_PREFIX = "fam:"
FAMILY_REVOKED_PREFIX = "famrevoked:"
GRANT_FAMILIES_PREFIX = "grantfams:"
GRANT_REVOKED_PREFIX = "grantrevoked:"


def client_state_key(client_id: str) -> str:
    return CLIENT_STATE_PREFIX + client_id


def family_key(family: str) -> str:
    return FAMILY_PREFIX + family


def family_revoked_key(family: str) -> str:
    return FAMILY_REVOKED_PREFIX + family


def grant_families_key(grant_id: int) -> str:
    return f"{GRANT_FAMILIES_PREFIX}{grant_id}"


def grant_revoked_key(grant_id: int) -> str:
    return f"{GRANT_REVOKED_PREFIX}{grant_id}"


def access_key(token: str) -> str:
    return f"at:{credentials.digest(token)}"


def refresh_key(token: str) -> str:
    return f"rt:{credentials.digest(token)}"


def code_key(code: str) -> str:
    return f"code:{credentials.digest(code)}"


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    expires_in: int
    scope: str
    refresh_token: str | None = None


_KEY_PREFIXES_LUA = lua_constants(
    CLIENT_STATE_PREFIX=CLIENT_STATE_PREFIX,
    FAMILY_PREFIX=FAMILY_PREFIX,
    FAMILY_REVOKED_PREFIX=FAMILY_REVOKED_PREFIX,
    GRANT_FAMILIES_PREFIX=GRANT_FAMILIES_PREFIX,
    GRANT_REVOKED_PREFIX=GRANT_REVOKED_PREFIX,
)

# Shared Lua: a hash's HGETALL reply as a table.
_TO_TABLE_LUA = """
local function to_table(flat)
  local t = {}
  for i = 1, #flat, 2 do t[flat[i]] = flat[i + 1] end
  return t
end
"""

# Shared Lua (after _KEY_PREFIXES_LUA): delete every token of a family and mark it dead.
_REVOKE_FAMILY_LUA = """
local function revoke_family(family, ttl)
  if family == nil or family == '' then return end
  local index = FAMILY_PREFIX .. family
  for _, key in ipairs(redis.call('SMEMBERS', index)) do redis.call('DEL', key) end
  redis.call('DEL', index)
  redis.call('SET', FAMILY_REVOKED_PREFIX .. family, '1', 'EX', ttl)
end
"""

# Shared Lua: the client's state as every token reads it, kept alive (and
# refilled from PostgreSQL's row should Redis have lost it) by every issue
# and rotation, so it lasts as long as the client's newest token. Returns
# the status. A status already there wins over the row: a suspension or
# deletion written meanwhile is never undone by a request that read the
# row just before.
_KEEP_CLIENT_LUA = """
local function keep_client(key, status, rate_limit, ttl)
  redis.call('HSETNX', key, 'status', status)
  redis.call('HSETNX', key, 'rate_limit', rate_limit)
  redis.call('EXPIRE', key, ttl)
  return redis.call('HGET', key, 'status')
end
"""

# Write an access token (and optionally a refresh token) into a family.
# KEYS: client state, at key, rt key or '', family index, famrevoked, grant index, grantrevoked
# ARGV: fields json, at ttl, rt ttl, index ttl, family, default status, default rate limit
_ISSUE = LuaScript(
    _KEEP_CLIENT_LUA
    + """
local client, at, rt, fam, famrevoked, grantfams, grantrevoked = unpack(KEYS)
if famrevoked ~= '' and redis.call('EXISTS', famrevoked) == 1 then return 'revoked' end
if grantrevoked ~= '' and redis.call('EXISTS', grantrevoked) == 1 then return 'revoked' end
if keep_client(client, ARGV[6], ARGV[7], ARGV[4]) ~= 'active' then return 'suspended' end
local fields = cjson.decode(ARGV[1])
local flat = {}
for name, value in pairs(fields) do flat[#flat + 1] = name; flat[#flat + 1] = value end
redis.call('HSET', at, unpack(flat))
redis.call('EXPIRE', at, ARGV[2])
if rt ~= '' then
  redis.call('HSET', rt, unpack(flat))
  redis.call('HSET', rt, 'status', 'active', 'exp', fields.iat + tonumber(ARGV[3]))
  redis.call('EXPIRE', rt, ARGV[3])
end
if fam ~= '' then
  redis.call('SADD', fam, at)
  if rt ~= '' then redis.call('SADD', fam, rt) end
  redis.call('EXPIRE', fam, ARGV[4])
end
if grantfams ~= '' then
  redis.call('SADD', grantfams, ARGV[5])
  redis.call('EXPIRE', grantfams, ARGV[4])
end
return 'ok'
"""
)

# Take a code exactly once. A second attempt revokes what the first produced.
# KEYS: code key. ARGV: new family id, index ttl
_REDEEM_CODE = LuaScript(
    _KEY_PREFIXES_LUA
    + _TO_TABLE_LUA
    + _REVOKE_FAMILY_LUA
    + """
local flat = redis.call('HGETALL', KEYS[1])
if #flat == 0 then return {'invalid'} end
local code = to_table(flat)
if code.state ~= 'issued' then
  revoke_family(code.family, ARGV[2])
  return {'replayed'}
end
redis.call('HSET', KEYS[1], 'state', 'redeemed', 'family', ARGV[1])
return {'ok', cjson.encode(code)}
"""
)

# Rotate a refresh token: the old one is marked rotated, a new pair joins the
# family. Presenting a rotated token again revokes the whole family.
# The family's index, the grant's index of families and the client's state
# are kept alive as the family goes on: a family that only ever refreshes
# lives past the TTL its first exchange gave them.
# A narrowed access scope is checked against the token's own here, after the
# reuse check (a spent token ends its family whatever else is wrong with the
# request), and without a round trip to read the token first.
# KEYS: old rt, client state, new at, new rt
# ARGV: client_id presenting, access scope, iat, at ttl, rt ttl, index ttl, client status, client rate limit,
#       narrowing (1: the access token gets ARGV[2], which must not be empty; 0: the refresh token's own scope)
# Reply: {'ok', scope} | {'beyond_grant', the asked-for scopes the token lacks} | {reason}
_ROTATE = LuaScript(
    _KEY_PREFIXES_LUA
    + _TO_TABLE_LUA
    + _REVOKE_FAMILY_LUA
    + _KEEP_CLIENT_LUA
    + """
local function lacking(asked, granted)
  local have = {}
  for name in string.gmatch(granted, '%S+') do have[name] = true end
  local missing = {}
  for name in string.gmatch(asked, '%S+') do
    if not have[name] then missing[#missing + 1] = name end
  end
  return table.concat(missing, ' ')
end
local flat = redis.call('HGETALL', KEYS[1])
if #flat == 0 then return {'invalid'} end
local old = to_table(flat)
if old.client_id ~= ARGV[1] then return {'invalid'} end
if old.status ~= 'active' then
  revoke_family(old.family, ARGV[6])
  return {'reused'}
end
if redis.call('EXISTS', FAMILY_REVOKED_PREFIX .. old.family) == 1
   or (old.grant_id ~= '' and redis.call('EXISTS', GRANT_REVOKED_PREFIX .. old.grant_id) == 1) then
  return {'invalid'}
end
local narrowing = ARGV[9] == '1'
if narrowing then
  local missing = lacking(ARGV[2], old.scope)
  if ARGV[2] == '' or missing ~= '' then return {'beyond_grant', missing} end
end
if keep_client(KEYS[2], ARGV[7], ARGV[8], ARGV[6]) ~= 'active' then return {'suspended'} end
redis.call('HSET', KEYS[1], 'status', 'rotated')
local iat = tonumber(ARGV[3])
local common = {'client_id', old.client_id, 'user_id', old.user_id, 'grant_id', old.grant_id,
                'family', old.family, 'iat', iat}
redis.call('HSET', KEYS[3], unpack(common))
local scope = narrowing and ARGV[2] or old.scope
redis.call('HSET', KEYS[3], 'scope', scope, 'exp', iat + tonumber(ARGV[4]))
redis.call('EXPIRE', KEYS[3], ARGV[4])
redis.call('HSET', KEYS[4], unpack(common))
redis.call('HSET', KEYS[4], 'scope', old.scope, 'exp', iat + tonumber(ARGV[5]), 'status', 'active')
redis.call('EXPIRE', KEYS[4], ARGV[5])
local index = FAMILY_PREFIX .. old.family
redis.call('SADD', index, KEYS[3], KEYS[4])
redis.call('EXPIRE', index, ARGV[6])
if old.grant_id ~= '' then
  local grantfams = GRANT_FAMILIES_PREFIX .. old.grant_id
  redis.call('SADD', grantfams, old.family)
  redis.call('EXPIRE', grantfams, ARGV[6])
end
return {'ok', scope}
"""
)

# KEYS: grant index, grantrevoked. ARGV: index ttl
_REVOKE_GRANT = LuaScript(
    _KEY_PREFIXES_LUA
    + _REVOKE_FAMILY_LUA
    + """
for _, family in ipairs(redis.call('SMEMBERS', KEYS[1])) do revoke_family(family, ARGV[1]) end
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[2], '1', 'EX', ARGV[1])
return 'ok'
"""
)

# KEYS: rt key. ARGV: client_id, index ttl. Revokes the family of a refresh token.
_REVOKE_REFRESH = LuaScript(
    _KEY_PREFIXES_LUA
    + _TO_TABLE_LUA
    + _REVOKE_FAMILY_LUA
    + """
local flat = redis.call('HGETALL', KEYS[1])
if #flat == 0 then return 0 end
local t = to_table(flat)
if t.client_id ~= ARGV[1] then return 0 end
if t.family == '' then redis.call('DEL', KEYS[1]) else revoke_family(t.family, ARGV[2]) end
return 1
"""
)

# KEYS: at: or rt: key. ARGV: '1' when the token must be an active (not rotated) refresh token.
# Returns the token's fields if it is live and its client active.
# (The client key is derived inside the script: one round trip.)
_LOOKUP = LuaScript(
    _KEY_PREFIXES_LUA
    + _TO_TABLE_LUA
    + """
local flat = redis.call('HGETALL', KEYS[1])
if #flat == 0 then return false end
local t = to_table(flat)
if ARGV[1] == '1' and t.status ~= 'active' then return false end
if redis.call('HGET', CLIENT_STATE_PREFIX .. t.client_id, 'status') ~= 'active' then return false end
return flat
"""
)

# KEYS: at key. ARGV: client_id. Deletes the access token only if it is that client's.
_REVOKE_ACCESS = LuaScript(
    """
if redis.call('HGET', KEYS[1], 'client_id') ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])
"""
)


class TokenError(Exception):
    """Why a code or refresh token was refused: `reason` is invalid, replayed, reused, revoked or suspended."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class ScopeBeyondGrant(Exception):
    """A refresh asked for no scope, or for scopes its token does not hold; the token is left unspent."""

    def __init__(self, missing: list[str]):
        super().__init__(" ".join(missing))
        self.missing = missing


def _now() -> int:
    return int(time.time())


def new_family() -> str:
    return secrets.token_hex(16)


# Codes -----------------------------------------------------------------------


def store_code(
    r: redis.Redis,
    *,
    client_id: str,
    redirect_uri: str,
    user_id: int,
    scope: str,
    grant_id: int,
    code_challenge: str | None,
    redirect_uri_given: bool = True,
) -> str:
    """Store a fresh authorization code (10 minutes) and return it.

    `redirect_uri_given` False: the request left the URI out (the client has
    one registered), so the token request may leave it out too (RFC 6749 §4.1.3).
    """
    code = credentials.new_secret(credentials.CODE_PREFIX)
    key = code_key(code)
    pipe = r.pipeline(transaction=True)
    pipe.hset(
        key,
        mapping={
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "redirect_uri_given": "1" if redirect_uri_given else "0",
            "user_id": user_id,
            "scope": scope,
            "grant_id": grant_id,
            "code_challenge": code_challenge or "",
            "iat": _now(),
            "state": "issued",
        },
    )
    pipe.expire(key, CODE_TTL)
    pipe.execute()
    return code


def redeem_code(r: redis.Redis, code: str, family: str) -> dict:
    """Take a code exactly once; return what it was bound to.

    A code presented a second time raises TokenError('replayed') and revokes
    every token the first exchange produced (RFC 6749 §4.1.2).
    """
    if not credentials.is_well_formed(code, credentials.CODE_PREFIX):
        raise TokenError("invalid")
    reply = _REDEEM_CODE(r, [code_key(code)], [family, INDEX_TTL])
    if reply[0] != "ok":
        raise TokenError(reply[0])
    data = json.loads(reply[1])
    data["family"] = family
    return data


# Issuing ---------------------------------------------------------------------


def issue(
    r: redis.Redis,
    *,
    client: dict,
    user_id: int | None,
    scope: str,
    access_ttl: int,
    grant_id: int | None = None,
    family: str | None = None,
    with_refresh: bool = False,
) -> IssuedTokens:
    """Issue an access token (and a refresh token) for `client`.

    Tokens of a user grant join a family indexed under the grant; a family
    or grant that has been revoked meanwhile refuses new members
    (TokenError('revoked')), and so does a suspended client.
    """
    access_token = credentials.new_secret(credentials.ACCESS_TOKEN_PREFIX)
    refresh_token = credentials.new_secret(credentials.REFRESH_TOKEN_PREFIX) if with_refresh else None
    iat = _now()
    fields = {
        "client_id": client["client_id"],
        "user_id": "" if user_id is None else str(user_id),
        "scope": scope,
        "grant_id": "" if grant_id is None else str(grant_id),
        "family": family or "",
        "iat": iat,
        "exp": iat + access_ttl,
    }
    keys = [
        client_state_key(client["client_id"]),
        access_key(access_token),
        refresh_key(refresh_token) if refresh_token else "",
        family_key(family) if family else "",
        family_revoked_key(family) if family else "",
        grant_families_key(grant_id) if grant_id is not None else "",
        grant_revoked_key(grant_id) if grant_id is not None else "",
    ]
    args = [
        json.dumps(fields),
        access_ttl,
        REFRESH_TOKEN_TTL,
        INDEX_TTL,
        family or "",
        client["status"],
        client["rate_limit"],
    ]
    reply = _ISSUE(r, keys, args)
    if reply != "ok":
        raise TokenError(reply)
    return IssuedTokens(access_token, access_ttl, scope, refresh_token)


def rotate(r: redis.Redis, token: str, client: dict, access_scope: str | None, access_ttl: int) -> IssuedTokens:
    """Exchange a refresh token for a new pair; the old one is spent.

    `access_scope` narrows the new access token (ScopeBeyondGrant if it is
    empty or the refresh token lacks any of it); None keeps the refresh
    token's scope. Of
    many concurrent uses exactly one succeeds; every other, and any later
    use of the spent token, raises TokenError('reused') after revoking the
    whole family.
    """
    if not credentials.is_well_formed(token, credentials.REFRESH_TOKEN_PREFIX):
        raise TokenError("invalid")
    access_token = credentials.new_secret(credentials.ACCESS_TOKEN_PREFIX)
    refresh_token = credentials.new_secret(credentials.REFRESH_TOKEN_PREFIX)
    client_id = client["client_id"]
    keys = [
        refresh_key(token),
        client_state_key(client_id),
        access_key(access_token),
        refresh_key(refresh_token),
    ]
    args = [
        client_id,
        access_scope or "",
        _now(),
        access_ttl,
        REFRESH_TOKEN_TTL,
        INDEX_TTL,
        client["status"],
        client["rate_limit"],
        "0" if access_scope is None else "1",
    ]
    reply = _ROTATE(r, keys, args)
    if reply[0] == "beyond_grant":
        raise ScopeBeyondGrant(reply[1].split())
    if reply[0] != "ok":
        raise TokenError(reply[0])
    return IssuedTokens(access_token, access_ttl, reply[1], refresh_token)


# Looking up and revoking -------------------------------------------------------


def lookup_access_token(r: redis.Redis, token: str) -> dict | None:
    """The fields of a live access token whose client is active, else None."""
    if not credentials.is_well_formed(token, credentials.ACCESS_TOKEN_PREFIX):
        return None
    return _fields(_LOOKUP(r, [access_key(token)], ["0"]))


def lookup_refresh_token(r: redis.Redis, token: str) -> dict | None:
    """The fields of a usable refresh token (not rotated out) whose client is active, else None."""
    if not credentials.is_well_formed(token, credentials.REFRESH_TOKEN_PREFIX):
        return None
    return _fields(_LOOKUP(r, [refresh_key(token)], ["1"]))


def _fields(flat: list | None) -> dict | None:
    """A flat HGETALL reply from Lua as a dict (None for nothing)."""
    return dict(zip(flat[0::2], flat[1::2], strict=True)) if flat else None


def revoke_access_token(r: redis.Redis, token: str, client_id: str) -> bool:
    """Revoke one access token of `client_id` (another client's token is left alone)."""
    if not credentials.is_well_formed(token, credentials.ACCESS_TOKEN_PREFIX):
        return False
    return bool(_REVOKE_ACCESS(r, [access_key(token)], [client_id]))


def revoke_refresh_token(r: redis.Redis, token: str, client_id: str) -> bool:
    """Revoke a refresh token of `client_id` and its whole family (its access tokens too)."""
    if not credentials.is_well_formed(token, credentials.REFRESH_TOKEN_PREFIX):
        return False
    return bool(_REVOKE_REFRESH(r, [refresh_key(token)], [client_id, INDEX_TTL]))


def revoke_grant(r: redis.Redis, grant_id: int) -> None:
    """Kill every token family issued under a consent grant; the grant takes no new ones.

    Costs one step per token of that grant, and touches no other grant.
    """
    _REVOKE_GRANT(r, [grant_families_key(grant_id), grant_revoked_key(grant_id)], [INDEX_TTL])
