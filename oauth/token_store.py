"""Authorization codes and tokens in Redis: issue, look up, rotate, revoke.

Key layout (every key has a TTL; only SHA-256 digests of secrets appear):

    code:<digest>            hash  an authorization code (10 min): client_id,
                                   redirect_uri (+ whether the request named it),
                                   user_id, scope, grant_id, code_challenge, and
                                   `state` issued|redeemed|replayed, so a replay
                                   is recognised (and reported once); with scope
                                   openid also auth_time, amr and nonce
    at:<digest>              hash  an access token: client_id, user_id, scope,
                                   grant_id, family, iat, exp (with openid:
                                   auth_time, amr)
    rt:<digest>              hash  a live refresh token: the same, plus `status`
                                   active and `fexp`, the end of its family's life;
                                   rotation carries auth_time and amr along, so
                                   every refreshed ID token keeps them
    rx:<digest, 128 bits>    str   a rotated-out refresh token, "<client_id>
                                   <family> <user_id>": all that is kept of it, for
                                   as long as the token itself would have lived,
                                   so that presenting it again ends the family
    famrevoked:<family>      str   the family is dead: every member reads this
    grantrevoked:<grant_id>  str   the grant is dead: every member of every family
                                   under it reads this; nothing may join either
    client:<client_id>       hash  status active|suspended|deleted and rate_limit:
                                   read with every token, so suspending or
                                   deleting a client stops all its tokens at once
    tokrate:<client_id>, cctokens:<client_id>   the token endpoint's limits
                                   (oauth/token_limits.py)

A family is every token descending from one code exchange; a grant is one
person's consent to one app, and may hold several families.

Revoking is one write whatever the size: a family or a grant gets its
`*revoked` marker, which every token check reads in the round trip it
makes anyway (this module's scripts, and the API's, api/token_check.py);
the members are not touched and expire on their own TTLs. The marker
outlives them all: each member's key expires at most REFRESH_TOKEN_TTL
after it was written (access tokens live shorter), and once the marker is
set no member is written again. So a grant's Redis cost is its live tokens
plus one small marker per rotation still within its refresh TTL, and a
revoked family or grant costs one key for a month.

A family also ends REFRESH_FAMILY_LIFETIME_SECONDS (90 days) after its
code exchange, however often it was refreshed: the app must send the
person through the authorization endpoint again.

Taking a code, rotating a refresh token and revoking are Lua scripts, so
racing requests can never both win.
"""

import json
import secrets
import time
from dataclasses import dataclass

import redis

from oauth import credentials
from oauth.token_limits import (
    CAP_MACHINE_TOKENS_LUA,
    DEFAULT_MACHINE_TOKEN_CAP,
    TAKE_SLOT_LUA,
    TokenRateExceeded,
    burst,
    machine_tokens_key,
    retry_after_seconds,
    token_rate_key,
)
from stores.lua import LuaScript, lua_constants

CODE_TTL = 600
REFRESH_TOKEN_TTL = 30 * 24 * 3600
# The default of REFRESH_FAMILY_LIFETIME_SECONDS.
FAMILY_LIFETIME = 90 * 24 * 3600
# Revocation markers outlive every token they cover: no member's key lives longer than this.
MARKER_TTL = REFRESH_TOKEN_TTL + 3600
MAX_ACCESS_TTL = REFRESH_TOKEN_TTL
CLIENT_STATE_TTL = MARKER_TTL
# How much of a spent refresh token's digest names its marker: 128 bits, hex.
SPENT_DIGEST_CHARS = 32


# Key prefixes, spelled once: the Lua scripts get them as constants (_KEY_PREFIXES_LUA).
CLIENT_STATE_PREFIX = "client:"
FAMILY_REVOKED_PREFIX = "famrevoked:"
GRANT_REVOKED_PREFIX = "grantrevoked:"
SPENT_REFRESH_PREFIX = "rx:"


def client_state_key(client_id: str) -> str:
    return CLIENT_STATE_PREFIX + client_id


def family_revoked_key(family: str) -> str:
    return FAMILY_REVOKED_PREFIX + family


def grant_revoked_key(grant_id: int) -> str:
    return f"{GRANT_REVOKED_PREFIX}{grant_id}"


def access_key(token: str) -> str:
    return f"at:{credentials.digest(token)}"


def refresh_key(token: str) -> str:
    return f"rt:{credentials.digest(token)}"


def spent_refresh_key(token: str) -> str:
    """Where a rotated-out refresh token's marker lives (a preimage of 128 bits is out of reach too)."""
    return SPENT_REFRESH_PREFIX + credentials.digest(token)[:SPENT_DIGEST_CHARS]


def code_key(code: str) -> str:
    return f"code:{credentials.digest(code)}"


@dataclass(frozen=True)
class SignIn:
    """Who signed in, when and how (OIDC `auth_time`, `amr`): carried from the code through every refresh."""

    user_id: int
    auth_time: int
    amr: tuple[str, ...]

    def fields(self) -> dict[str, str | int]:
        return {"auth_time": self.auth_time, "amr": " ".join(self.amr)}


def sign_in_of(user_id: str, auth_time: str | None, amr: str | None) -> SignIn | None:
    """The SignIn stored in a code's or token's fields; None when it has none (no openid scope)."""
    if not auth_time:
        return None
    return SignIn(int(user_id), int(auth_time), tuple((amr or "").split()))


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    expires_in: int
    scope: str
    refresh_token: str | None = None
    sign_in: SignIn | None = None  # with scope openid: what the ID token says of the sign-in
    id_token: str | None = None


_KEY_PREFIXES_LUA = lua_constants(
    CLIENT_STATE_PREFIX=CLIENT_STATE_PREFIX,
    FAMILY_REVOKED_PREFIX=FAMILY_REVOKED_PREFIX,
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

# Shared Lua (after _KEY_PREFIXES_LUA): revocation, one key each way.
# is_revoked: whether a token's family or grant is dead, in one command.
# revoke_family: the family is dead from now on; its members are left to expire.
_REVOCATION_LUA = """
local function is_revoked(family, grant_id)
  return redis.call('EXISTS', FAMILY_REVOKED_PREFIX .. (family or ''), GRANT_REVOKED_PREFIX .. (grant_id or '')) > 0
end
local function revoke_family(family, ttl)
  if family == nil or family == '' then return end
  redis.call('SET', FAMILY_REVOKED_PREFIX .. family, '1', 'EX', ttl)
end
"""

# Shared Lua: a spent refresh token's marker, "<client_id> <family> <user_id>", as its three parts.
_SPENT_LUA = """
local function spent_parts(marker)
  return string.match(marker, '^(%S+) (%S*) (%S*)$')
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
# KEYS: client state, at key, rt key or '', famrevoked or '', grantrevoked or '',
#       token rate key or '' (not counted here), machine tokens key or '' (not capped)
# ARGV: fields json, at ttl, rt ttl, client state ttl, default status, default rate limit,
#       the family's end (rt only), token rate, burst, machine token cap
# Reply: {'ok'} | {'revoked'} | {'suspended'} | {'slow_down', microseconds to wait}
_ISSUE = LuaScript(
    _KEEP_CLIENT_LUA
    + TAKE_SLOT_LUA
    + CAP_MACHINE_TOKENS_LUA
    + """
local client, at, rt, famrevoked, grantrevoked, rate, machine = unpack(KEYS)
if redis.call('EXISTS', famrevoked, grantrevoked) > 0 then return {'revoked'} end
if keep_client(client, ARGV[5], ARGV[6], ARGV[4]) ~= 'active' then return {'suspended'} end
local wait = take_slot(rate, ARGV[8], ARGV[9])
if wait > 0 then return {'slow_down', wait} end
local fields = cjson.decode(ARGV[1])
local flat = {}
for name, value in pairs(fields) do flat[#flat + 1] = name; flat[#flat + 1] = value end
redis.call('HSET', at, unpack(flat))
redis.call('EXPIRE', at, ARGV[2])
if rt ~= '' then
  redis.call('HSET', rt, unpack(flat))
  redis.call('HSET', rt, 'status', 'active', 'exp', fields.iat + tonumber(ARGV[3]), 'fexp', ARGV[7])
  redis.call('EXPIRE', rt, ARGV[3])
end
cap_machine_tokens(machine, at, ARGV[2], ARGV[10])
return {'ok'}
"""
)

# Take a code exactly once. A second attempt revokes what the first produced.
# KEYS: code key, token rate key or '' (not counted). ARGV: new family id, marker ttl, token rate, burst
# Reply: {'ok', code json} | {'invalid'} | {'slow_down', microseconds to wait}
#        | {'replayed', client_id, user_id, family, '1' the first time it is replayed or '0'}
# (a code refused for the rate is not spent)
_REDEEM_CODE = LuaScript(
    _KEY_PREFIXES_LUA
    + _TO_TABLE_LUA
    + _REVOCATION_LUA
    + TAKE_SLOT_LUA
    + """
local flat = redis.call('HGETALL', KEYS[1])
if #flat == 0 then return {'invalid'} end
local code = to_table(flat)
if code.state ~= 'issued' then
  revoke_family(code.family, ARGV[2])
  redis.call('HSET', KEYS[1], 'state', 'replayed')
  local first = code.state == 'redeemed' and '1' or '0'
  return {'replayed', code.client_id, code.user_id, code.family or '', first}
end
local wait = take_slot(KEYS[2], ARGV[3], ARGV[4])
if wait > 0 then return {'slow_down', wait} end
redis.call('HSET', KEYS[1], 'state', 'redeemed', 'family', ARGV[1])
return {'ok', cjson.encode(code)}
"""
)

# Rotate a refresh token: the old one is spent (only a small marker stays),
# a new pair joins the family. Presenting a spent token again revokes the
# whole family: one write, and its marker goes (it has done its work).
# A narrowed access scope is checked against the token's own here, after the
# reuse check (a spent token ends its family whatever else is wrong with the
# request), and without a round trip to read the token first. So are the
# family's absolute lifetime and the client's token rate.
# KEYS: old rt, old rt's spent marker, client state, new at, new rt, token rate key or '' (not counted)
# ARGV: client_id presenting, access scope, iat, at ttl, rt ttl, marker ttl, client status, client rate limit,
#       narrowing (1: the access token gets ARGV[2], which must not be empty; 0: the refresh token's own scope),
#       family lifetime (for a token written before families had an end), token rate, burst
# Reply: {'ok', scope, user_id, auth_time or '', amr or ''} | {'beyond_grant', the asked-for scopes the token lacks}
#        | {'reused', family, user_id} | {'slow_down', microseconds to wait} | {reason}
_ROTATE = LuaScript(
    _KEY_PREFIXES_LUA
    + _TO_TABLE_LUA
    + _REVOCATION_LUA
    + _SPENT_LUA
    + _KEEP_CLIENT_LUA
    + TAKE_SLOT_LUA
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
local function reused(client_id, family, user_id, marker)
  if client_id ~= ARGV[1] or is_revoked(family, '') then return {'invalid'} end
  revoke_family(family, ARGV[6])
  if marker then redis.call('DEL', marker) end
  return {'reused', family, user_id}
end
local flat = redis.call('HGETALL', KEYS[1])
if #flat == 0 then
  local marker = redis.call('GET', KEYS[2])
  if not marker then return {'invalid'} end
  local client_id, family, user_id = spent_parts(marker)
  return reused(client_id, family, user_id, KEYS[2])
end
local old = to_table(flat)
if old.client_id ~= ARGV[1] then return {'invalid'} end
-- A token rotated before spent markers existed stays behind as a whole hash.
if old.status ~= 'active' then return reused(old.client_id, old.family, old.user_id, nil) end
if is_revoked(old.family, old.grant_id) then return {'invalid'} end
local iat = tonumber(ARGV[3])
local family_end = tonumber(old.fexp) or iat + tonumber(ARGV[10])
if iat >= family_end then return {'expired'} end
local narrowing = ARGV[9] == '1'
if narrowing then
  local missing = lacking(ARGV[2], old.scope)
  if ARGV[2] == '' or missing ~= '' then return {'beyond_grant', missing} end
end
if keep_client(KEYS[3], ARGV[7], ARGV[8], ARGV[6]) ~= 'active' then return {'suspended'} end
local wait = take_slot(KEYS[6], ARGV[11], ARGV[12])
if wait > 0 then return {'slow_down', wait} end
local left = redis.call('PTTL', KEYS[1])
redis.call('DEL', KEYS[1])
if left > 0 then
  redis.call('SET', KEYS[2], old.client_id .. ' ' .. old.family .. ' ' .. old.user_id, 'PX', left)
end
local common = {'client_id', old.client_id, 'user_id', old.user_id, 'grant_id', old.grant_id,
                'family', old.family, 'iat', iat}
for _, name in ipairs({'auth_time', 'amr'}) do  -- the sign-in, kept for refreshed ID tokens
  if old[name] then common[#common + 1] = name; common[#common + 1] = old[name] end
end
redis.call('HSET', KEYS[4], unpack(common))
local scope = narrowing and ARGV[2] or old.scope
redis.call('HSET', KEYS[4], 'scope', scope, 'exp', iat + tonumber(ARGV[4]))
redis.call('EXPIRE', KEYS[4], ARGV[4])
local refresh_ttl = math.min(tonumber(ARGV[5]), family_end - iat)
redis.call('HSET', KEYS[5], unpack(common))
redis.call('HSET', KEYS[5], 'scope', old.scope, 'exp', iat + refresh_ttl, 'status', 'active', 'fexp', family_end)
redis.call('EXPIRE', KEYS[5], refresh_ttl)
return {'ok', scope, old.user_id, old.auth_time or '', old.amr or ''}
"""
)

# KEYS: rt key, its spent marker. ARGV: client_id, marker ttl.
# Revokes the family of a refresh token, live or spent; 1 if it was that client's.
_REVOKE_REFRESH = LuaScript(
    _KEY_PREFIXES_LUA
    + _TO_TABLE_LUA
    + _REVOCATION_LUA
    + _SPENT_LUA
    + """
local client_id, family
local flat = redis.call('HGETALL', KEYS[1])
if #flat > 0 then
  local t = to_table(flat)
  client_id, family = t.client_id, t.family
else
  local marker = redis.call('GET', KEYS[2])
  if not marker then return 0 end
  client_id, family = spent_parts(marker)
end
if client_id ~= ARGV[1] then return 0 end
if family == '' then redis.call('DEL', KEYS[1]) else revoke_family(family, ARGV[2]) end
return 1
"""
)

# KEYS: at: or rt: key. ARGV: '1' when the token must be an active (not rotated) refresh token.
# Returns the token's fields if it is live: its family and grant not revoked, its client active.
# (The marker and client keys are derived inside the script: one round trip.)
_LOOKUP = LuaScript(
    _KEY_PREFIXES_LUA
    + _TO_TABLE_LUA
    + _REVOCATION_LUA
    + """
local flat = redis.call('HGETALL', KEYS[1])
if #flat == 0 then return false end
local t = to_table(flat)
if ARGV[1] == '1' and t.status ~= 'active' then return false end
if is_revoked(t.family, t.grant_id) then return false end
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
    """Why a code or refresh token was refused: `reason` is invalid, replayed, reused, revoked, expired or suspended.

    For `reused`, and for the first `replayed` of a code, `family` names the
    family it ended and `user_id` whose it was; a replayed code also names
    `client_id`, the app it was issued to (whoever presented it). Later
    replays of the same code carry none of them: the caller records each
    misuse once (oauth/token_grants.py).
    """

    def __init__(
        self, reason: str, family: str | None = None, *, user_id: str | None = None, client_id: str | None = None
    ):
        super().__init__(reason)
        self.reason = reason
        self.family = family
        self.user_id = user_id
        self.client_id = client_id


class ScopeBeyondGrant(Exception):
    """A refresh asked for no scope, or for scopes its token does not hold; the token is left unspent."""

    def __init__(self, missing: list[str]):
        super().__init__(" ".join(missing))
        self.missing = missing


def _now() -> int:
    return int(time.time())


def new_family() -> str:
    return secrets.token_hex(16)


def _rate_limit(client_id: str, token_rate: int | None) -> tuple[str, list]:
    """The rate key and its ARGV pair for a request counted at `token_rate` (None: not counted here)."""
    if token_rate is None:
        return "", [0, 0]
    return token_rate_key(client_id), [token_rate, burst(token_rate)]


def _refused(reply: list) -> None:
    """Raise what a script's refusal means: TokenRateExceeded for the rate, TokenError for the rest."""
    if reply[0] == "slow_down":
        raise TokenRateExceeded(retry_after_seconds(int(reply[1])))
    if reply[0] == "reused":
        raise TokenError("reused", family=reply[1], user_id=reply[2])
    if reply[0] == "replayed" and reply[4] == "1":
        raise TokenError("replayed", family=reply[3], user_id=reply[2], client_id=reply[1])
    raise TokenError(reply[0])


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
    sign_in: SignIn | None = None,
    nonce: str | None = None,
) -> str:
    """Store a fresh authorization code (10 minutes) and return it.

    `redirect_uri_given` False: the request left the URI out (the client has
    one registered), so the token request may leave it out too (RFC 6749 §4.1.3).
    `sign_in` (with scope openid) and `nonce` go into the ID token the code buys.
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
            **(sign_in.fields() if sign_in else {}),
            **({"nonce": nonce} if nonce is not None else {}),
        },
    )
    pipe.expire(key, CODE_TTL)
    pipe.execute()
    return code


def redeem_code(r: redis.Redis, code: str, family: str, *, client_id: str = "", token_rate: int | None = None) -> dict:
    """Take a code exactly once; return what it was bound to.

    A code presented a second time raises TokenError('replayed') and revokes
    every token the first exchange produced (RFC 6749 §4.1.2). With
    `token_rate`, the exchange counts against `client_id`'s rate first:
    TokenRateExceeded leaves the code unspent.
    """
    if not credentials.is_well_formed(code, credentials.CODE_PREFIX):
        raise TokenError("invalid")
    rate_key, rate_args = _rate_limit(client_id, token_rate)
    reply = _REDEEM_CODE(r, [code_key(code), rate_key], [family, MARKER_TTL, *rate_args])
    if reply[0] != "ok":
        _refused(reply)
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
    family_lifetime: int = FAMILY_LIFETIME,
    token_rate: int | None = None,
    machine_token_cap: int = DEFAULT_MACHINE_TOKEN_CAP,
    sign_in: SignIn | None = None,
) -> IssuedTokens:
    """Issue an access token (and a refresh token) for `client`.

    Tokens of a user grant join a family under the grant; a family or grant
    that has been revoked meanwhile refuses new members (TokenError('revoked')),
    and so does a suspended client. The refresh token lives until the
    family's end, `family_lifetime` from now, at most. A token with no user
    (client credentials) joins the client's live machine tokens, at most
    `machine_token_cap` of them. With `token_rate`, the token counts against
    the client's rate (TokenRateExceeded when it is spent). `sign_in` (scope
    openid) is kept with the tokens for the ID tokens of later refreshes.
    """
    access_ttl = min(access_ttl, MAX_ACCESS_TTL)
    access_token = credentials.new_secret(credentials.ACCESS_TOKEN_PREFIX)
    refresh_token = credentials.new_secret(credentials.REFRESH_TOKEN_PREFIX) if with_refresh else None
    client_id = client["client_id"]
    iat = _now()
    fields = {
        "client_id": client_id,
        "user_id": "" if user_id is None else str(user_id),
        "scope": scope,
        "grant_id": "" if grant_id is None else str(grant_id),
        "family": family or "",
        "iat": iat,
        "exp": iat + access_ttl,
        **(sign_in.fields() if sign_in else {}),
    }
    rate_key, rate_args = _rate_limit(client_id, token_rate)
    keys = [
        client_state_key(client_id),
        access_key(access_token),
        refresh_key(refresh_token) if refresh_token else "",
        family_revoked_key(family) if family else "",
        grant_revoked_key(grant_id) if grant_id is not None else "",
        rate_key,
        machine_tokens_key(client_id) if user_id is None else "",
    ]
    args = [
        json.dumps(fields),
        access_ttl,
        min(REFRESH_TOKEN_TTL, family_lifetime),
        CLIENT_STATE_TTL,
        client["status"],
        client["rate_limit"],
        iat + family_lifetime,
        *rate_args,
        machine_token_cap,
    ]
    reply = _ISSUE(r, keys, args)
    if reply[0] != "ok":
        _refused(reply)
    return IssuedTokens(access_token, access_ttl, scope, refresh_token, sign_in)


def rotate(
    r: redis.Redis,
    token: str,
    client: dict,
    access_scope: str | None,
    access_ttl: int,
    *,
    family_lifetime: int = FAMILY_LIFETIME,
    token_rate: int | None = None,
) -> IssuedTokens:
    """Exchange a refresh token for a new pair; the old one is spent.

    `access_scope` narrows the new access token (ScopeBeyondGrant if it is
    empty or the refresh token lacks any of it); None keeps the refresh
    token's scope. Of many concurrent uses exactly one succeeds; the first
    other, and any later use of the spent token, raises TokenError('reused')
    after revoking the whole family. A family past its end (`fexp`; for a
    token older than that field, `family_lifetime` from now) raises
    TokenError('expired'). With `token_rate`, the rotation counts against the
    client's rate: TokenRateExceeded leaves the token unspent.
    """
    if not credentials.is_well_formed(token, credentials.REFRESH_TOKEN_PREFIX):
        raise TokenError("invalid")
    rotation = _Rotation(token, client, access_scope, min(access_ttl, MAX_ACCESS_TTL), family_lifetime, token_rate)
    return rotation.result(_ROTATE(r, rotation.keys, rotation.args))


def rotate_chain(r: redis.Redis, token: str, client: dict, refreshes: int, access_ttl: int) -> list[str]:
    """Rotate `token` `refreshes` times in a row through the rotation script, many rotations per round trip.

    What a client refreshing without pause leaves behind, built in seconds
    rather than minutes: for the token benchmark (bench/token_growth.py) and
    the tests that need a long family. Returns the chain's refresh tokens,
    `token` first; raises TokenError if any rotation is refused.
    """
    chain = [token]
    r.script_load(_ROTATE.source)  # a pipeline cannot fall back from EVALSHA to EVAL
    for start in range(0, refreshes, _CHAIN_BATCH):
        pipe = r.pipeline(transaction=False)
        rotations = []
        for _ in range(min(_CHAIN_BATCH, refreshes - start)):
            rotation = _Rotation(chain[-1], client, None, access_ttl, FAMILY_LIFETIME, None)
            _ROTATE(pipe, rotation.keys, rotation.args)
            rotations.append(rotation)
            chain.append(rotation.refresh_token)
        for rotation, reply in zip(rotations, pipe.execute(), strict=True):
            rotation.result(reply)
    return chain


_CHAIN_BATCH = 1000


class _Rotation:
    """One call of the rotation script: the new pair's secrets, the keys and arguments, and the reply's meaning."""

    def __init__(
        self,
        token: str,
        client: dict,
        access_scope: str | None,
        access_ttl: int,
        family_lifetime: int,
        token_rate: int | None,
    ):
        self.access_ttl = access_ttl
        self.access_token = credentials.new_secret(credentials.ACCESS_TOKEN_PREFIX)
        self.refresh_token = credentials.new_secret(credentials.REFRESH_TOKEN_PREFIX)
        client_id = client["client_id"]
        rate_key, rate_args = _rate_limit(client_id, token_rate)
        self.keys = [
            refresh_key(token),
            spent_refresh_key(token),
            client_state_key(client_id),
            access_key(self.access_token),
            refresh_key(self.refresh_token),
            rate_key,
        ]
        self.args = [
            client_id,
            access_scope or "",
            _now(),
            access_ttl,
            REFRESH_TOKEN_TTL,
            MARKER_TTL,
            client["status"],
            client["rate_limit"],
            "0" if access_scope is None else "1",
            family_lifetime,
            *rate_args,
        ]

    def result(self, reply: list) -> IssuedTokens:
        if reply[0] == "beyond_grant":
            raise ScopeBeyondGrant(reply[1].split())
        if reply[0] != "ok":
            _refused(reply)
        sign_in = sign_in_of(reply[2], reply[3], reply[4])
        return IssuedTokens(self.access_token, self.access_ttl, reply[1], self.refresh_token, sign_in)


# Looking up and revoking -------------------------------------------------------


def lookup_access_token(r: redis.Redis, token: str) -> dict | None:
    """The fields of a live access token (its family and grant not revoked) whose client is active, else None."""
    if not credentials.is_well_formed(token, credentials.ACCESS_TOKEN_PREFIX):
        return None
    return _fields(_LOOKUP(r, [access_key(token)], ["0"]))


def lookup_refresh_token(r: redis.Redis, token: str) -> dict | None:
    """The fields of a usable refresh token (not spent, not revoked) whose client is active, else None."""
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
    """Revoke a refresh token of `client_id`, live or spent, and its whole family (its access tokens too)."""
    if not credentials.is_well_formed(token, credentials.REFRESH_TOKEN_PREFIX):
        return False
    keys = [refresh_key(token), spent_refresh_key(token)]
    return bool(_REVOKE_REFRESH(r, keys, [client_id, MARKER_TTL]))


def revoke_grant(r: redis.Redis, grant_id: int) -> None:
    """Kill every token family issued under a consent grant; the grant takes no new ones.

    One write, whatever the grant holds; it touches no other grant.
    """
    r.set(grant_revoked_key(grant_id), "1", ex=MARKER_TTL)
