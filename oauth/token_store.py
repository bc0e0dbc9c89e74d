"""Authorization codes and tokens in Redis: issue, look up, rotate, revoke.

Keys (every key has a TTL; only SHA-256 digests of secrets appear, their
first 128 bits in hex). Each lives in its client's slot (stores/keys.py:
`{<tag>}` in front, the tag its code or token carries), so every script
here touches one slot:

    code:<digest>            hash  an authorization code (10 min): client_id,
                                   redirect_uri (+ whether the request named it),
                                   user_id, scope, grant_id, code_challenge, and
                                   `state` issued|redeemed|replayed, so a replay
                                   is recognised (and reported once); with scope
                                   openid also auth_time, amr and nonce
    at:<digest>              str   an access token: client_id, user_id, scope,
                                   grant_id, family, iat, exp, auth_time, amr
                                   (the last two with openid), in this order
                                   joined by newlines (ACCESS_FIELDS): as a hash
                                   it cost 64 bytes more
    rt:<digest>              hash  a live refresh token: the same, plus `status`
                                   active and `fexp`, the end of its family's life;
                                   rotation carries auth_time and amr along, so
                                   every refreshed ID token keeps them
    rx:<digest>              str   a rotated-out refresh token, "<client_id>
                                   <family> <user_id>": all that is kept of it, for
                                   as long as the token itself would have lived,
                                   so that presenting it again ends the family
    fr:<family>              str   the family is dead: every member reads this
    gr:<grant_id>            str   the grant is dead: every member of every family
                                   under it reads this; nothing may join either
    client:<client_id>       hash  status active|suspended|deleted and rate_limit:
                                   read with every token, so suspending or
                                   deleting a client stops all its tokens at once;
                                   also auth, auth_at, auth_version: the client as
                                   the token, revocation and introspection
                                   endpoints read it (oauth/client_cache.py), so
                                   all of a client's state is one key
    secretused:<client_id>:<secret_id>, email:<user_id>   a secret's last use
                                   this minute (oauth/secret_use.py) and a user's
                                   email for introspection (oauth/introspection.py)
    tokrate:<client_id>, cctokens:<client_id>   the token endpoint's limits
                                   (oauth/token_limits.py)

A family is every token descending from one code exchange; a grant is one
person's consent to one app, and may hold several families.

Revoking is one write whatever the size: a family or a grant gets its
revocation marker, which every token check reads in the round trip it
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
racing requests can never both win. A rotation and a revocation are
answered once a replica holds them (stores/acknowledged.py), so a failover
loses neither.
"""

import json
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

import redis

from oauth import credentials, token_limits
from oauth.token_limits import (
    DEFAULT_MACHINE_TOKEN_CAP,
    TokenRateExceeded,
    burst,
    machine_tokens_key,
    retry_after_seconds,
    token_rate_key,
)
from stores import acknowledged, keys
from stores.lua import LuaScript

CODE_TTL = 600
REFRESH_TOKEN_TTL = 30 * 24 * 3600
# The default of REFRESH_FAMILY_LIFETIME_SECONDS.
FAMILY_LIFETIME = 90 * 24 * 3600
# Revocation markers outlive every token they cover: no member's key lives longer than this.
MARKER_TTL = REFRESH_TOKEN_TTL + 3600
MAX_ACCESS_TTL = REFRESH_TOKEN_TTL
CLIENT_STATE_TTL = MARKER_TTL
# How much of a secret's SHA-256 names its key: 128 bits, hex. A preimage of 128
# bits is as far out of reach as one of 256, and a million live tokens spend 32
# bytes less each.
KEY_DIGEST_CHARS = 32


# What the scripts that complete keys from a token's fields are given (stores/keys.py).
STEMS = {
    "family_revoked_stem": keys.FAMILY_REVOKED,
    "grant_revoked_stem": keys.GRANT_REVOKED,
    "client_state_stem": keys.CLIENT_STATE,
}

client_state_key = keys.client_state
family_revoked_key = keys.family_revoked
grant_revoked_key = keys.grant_revoked


def access_key(token: str) -> str:
    return keys.access_token(credentials.tag_of(token, credentials.ACCESS_TOKEN_PREFIX), _key_digest(token))


def refresh_key(token: str) -> str:
    return keys.refresh_token(credentials.tag_of(token, credentials.REFRESH_TOKEN_PREFIX), _key_digest(token))


def spent_refresh_key(token: str) -> str:
    """Where a rotated-out refresh token's marker lives."""
    return keys.spent_refresh(credentials.tag_of(token, credentials.REFRESH_TOKEN_PREFIX), _key_digest(token))


def code_key(code: str) -> str:
    return keys.code(credentials.tag_of(code, credentials.CODE_PREFIX), _key_digest(code))


def _key_digest(secret: str) -> str:
    return credentials.digest(secret)[:KEY_DIGEST_CHARS]


def is_tagged_for(secret: str, prefix: str, client_id: str) -> bool:
    """Whether a code or token carries `client_id`'s tag: if not, it cannot be that client's.

    Such a token is refused without a script (which could not run: on a
    cluster its keys are not in the presenting client's slot).
    """
    return credentials.tag_of(secret, prefix) == keys.client_tag(client_id)


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


# The fields of an access token, in the order its stored string holds them (token_store.lua's ACCESS_FIELDS).
ACCESS_FIELDS = ("client_id", "user_id", "scope", "grant_id", "family", "iat", "exp", "auth_time", "amr")


def access_text(fields: dict) -> str:
    """The string an access token with these fields is stored as."""
    return "\n".join(str(fields.get(name, "")) for name in ACCESS_FIELDS)


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    expires_in: int
    scope: str
    refresh_token: str | None = None
    sign_in: SignIn | None = None  # with scope openid: what the ID token says of the sign-in
    id_token: str | None = None


def _script(name: str, *, keys: str, args: str, libraries: tuple[Path, ...] = (), **constants) -> LuaScript:
    """One of this module's scripts, `<name>.lua` beside it (its head comment documents KEYS, ARGV and the reply)."""
    return LuaScript(_HERE / f"{name}.lua", keys=keys, args=args, libraries=libraries, constants=constants)


_HERE = Path(__file__).parent
# The functions the token scripts share: to_table, is_revoked, revoke_family, spent_parts, keep_client, live_token.
_LIBRARY = _HERE / "token_store.lua"
_LIBRARIES = (keys.LIBRARY, _LIBRARY)
_ISSUING = (*_LIBRARIES, token_limits.LIBRARY)

_ISSUE = _script(
    "issue_tokens",
    keys="client access_key refresh family_marker grant_marker rate machine_tokens",
    args="access_ttl refresh_ttl client_ttl status rate_limit family_end token_rate burst machine_token_cap"
    " client_version iat access *fields",
    libraries=_ISSUING,
)
_REDEEM_CODE = _script(
    "redeem_code",
    keys="code rate",
    args="family marker_ttl token_rate burst family_revoked_stem",
    libraries=_ISSUING,
    family_revoked_stem=keys.FAMILY_REVOKED,
)
_ROTATE = _script(
    "rotate_refresh",
    keys="old spent client access refresh rate",
    args="client_id access_scope iat access_ttl refresh_ttl marker_ttl status rate_limit narrowing family_lifetime"
    " token_rate burst family_revoked_stem grant_revoked_stem client_version",
    libraries=_ISSUING,
    family_revoked_stem=keys.FAMILY_REVOKED,
    grant_revoked_stem=keys.GRANT_REVOKED,
)
_REVOKE_REFRESH = _script(
    "revoke_refresh",
    keys="refresh spent",
    args="client_id marker_ttl family_revoked_stem",
    libraries=_LIBRARIES,
    family_revoked_stem=keys.FAMILY_REVOKED,
)
_LOOKUP = _script(
    "lookup_token",
    keys="token",
    args="refresh family_revoked_stem grant_revoked_stem client_state_stem",
    libraries=_LIBRARIES,
    **STEMS,
)
_REVOKE_ACCESS = _script("revoke_access", keys="access", args="client_id")


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


class ClientChanged(Exception):
    """The client changed since the caller's own copy of it was read (oauth/client_cache.py); nothing was written.

    The caller reads the client afresh, authenticates again and retries.
    """


class ScopeBeyondGrant(Exception):
    """A refresh asked for no scope, or for scopes its token does not hold; the token is left unspent."""

    def __init__(self, missing: list[str]):
        super().__init__(" ".join(missing))
        self.missing = missing


def _now() -> int:
    return int(time.time())


def new_family() -> str:
    """A family's id: 64 random bits, unique among one app's families (its markers are in the app's slot)."""
    return secrets.token_hex(8)


def _rate_limit(client_id: str, token_rate: int | None) -> dict:
    """The scripts' `rate`, `token_rate` and `burst` for a request counted at `token_rate` (None: not counted here)."""
    if token_rate is None:
        return _not_counted(keys.client_tag(client_id))
    return {"rate": token_rate_key(client_id), "token_rate": token_rate, "burst": burst(token_rate)}


def _not_counted(tag: str) -> dict:
    """The scripts' rate arguments for a request not counted here, in the slot of `tag`."""
    return {"rate": keys.no_key(tag), "token_rate": 0, "burst": 0}


def client_version(client: dict) -> str:
    """The version a worker's own copy of the client was read at, for the scripts to check; '-': no copy, no check."""
    return client.get("version", "-")


def _refused(reply: list) -> None:
    """Raise what a script's refusal means: TokenRateExceeded for the rate, TokenError for the rest."""
    if reply[0] == "stale":
        raise ClientChanged()
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
    code = credentials.new_secret(credentials.CODE_PREFIX, keys.client_tag(client_id))
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
    TokenRateExceeded leaves the code unspent. A code of another client is
    spent all the same (and refused by the caller), but not counted: its
    keys are in another slot than the counter.
    """
    if not credentials.is_well_formed(code, credentials.CODE_PREFIX):
        raise TokenError("invalid")
    if is_tagged_for(code, credentials.CODE_PREFIX, client_id):
        rate = _rate_limit(client_id, token_rate)
    else:
        rate = _not_counted(credentials.tag_of(code, credentials.CODE_PREFIX))
    reply = _REDEEM_CODE(r, code=code_key(code), family=family, marker_ttl=MARKER_TTL, **rate)
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
    client_id = client["client_id"]
    tag = keys.client_tag(client_id)
    access_token = credentials.new_secret(credentials.ACCESS_TOKEN_PREFIX, tag)
    refresh_token = credentials.new_secret(credentials.REFRESH_TOKEN_PREFIX, tag) if with_refresh else None
    none = keys.no_key(tag)
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
    reply = _ISSUE(
        r,
        client=client_state_key(client_id),
        access_key=access_key(access_token),
        refresh=refresh_key(refresh_token) if refresh_token else none,
        family_marker=family_revoked_key(client_id, family) if family else none,
        grant_marker=grant_revoked_key(client_id, grant_id) if grant_id is not None else none,
        machine_tokens=machine_tokens_key(client_id) if user_id is None else none,
        iat=iat,
        access=access_text(fields),
        fields=[part for field in fields.items() for part in field] if refresh_token else [],
        access_ttl=access_ttl,
        refresh_ttl=min(REFRESH_TOKEN_TTL, family_lifetime),
        client_ttl=CLIENT_STATE_TTL,
        status=client["status"],
        rate_limit=client["rate_limit"],
        family_end=iat + family_lifetime,
        machine_token_cap=machine_token_cap,
        client_version=client_version(client),
        **_rate_limit(client_id, token_rate),
    )
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
    if not is_tagged_for(token, credentials.REFRESH_TOKEN_PREFIX, client["client_id"]):
        raise TokenError("invalid")  # as the script answers a token of another client
    rotation = _Rotation(token, client, access_scope, min(access_ttl, MAX_ACCESS_TTL), family_lifetime, token_rate)
    return rotation.result(acknowledged.run(r, rotation.named["old"], _ROTATE, **rotation.named))


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
            _ROTATE.queue(pipe, **rotation.named)
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
        client_id = client["client_id"]
        tag = keys.client_tag(client_id)
        self.access_token = credentials.new_secret(credentials.ACCESS_TOKEN_PREFIX, tag)
        self.refresh_token = credentials.new_secret(credentials.REFRESH_TOKEN_PREFIX, tag)
        self.named = {
            "old": refresh_key(token),
            "spent": spent_refresh_key(token),
            "client": client_state_key(client_id),
            "access": access_key(self.access_token),
            "refresh": refresh_key(self.refresh_token),
            "client_id": client_id,
            "access_scope": access_scope or "",
            "iat": _now(),
            "access_ttl": access_ttl,
            "refresh_ttl": REFRESH_TOKEN_TTL,
            "marker_ttl": MARKER_TTL,
            "status": client["status"],
            "rate_limit": client["rate_limit"],
            "narrowing": "0" if access_scope is None else "1",
            "family_lifetime": family_lifetime,
            "client_version": client_version(client),
            **_rate_limit(client_id, token_rate),
        }

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
    return _lookup(r, access_key(token), refresh="0")


def lookup_refresh_token(r: redis.Redis, token: str) -> dict | None:
    """The fields of a usable refresh token (not spent, not revoked) whose client is active, else None."""
    if not credentials.is_well_formed(token, credentials.REFRESH_TOKEN_PREFIX):
        return None
    return _lookup(r, refresh_key(token), refresh="1")


def _lookup(r: redis.Redis, key: str, refresh: str) -> dict | None:
    """The lookup script's reply, a flat HGETALL, as a dict (None for nothing)."""
    flat = _LOOKUP(
        r,
        token=key,
        refresh=refresh,
    )
    return dict(zip(flat[0::2], flat[1::2], strict=True)) if flat else None


def revoke_access_token(r: redis.Redis, token: str, client_id: str) -> bool:
    """Revoke one access token of `client_id` (another client's token is left alone)."""
    if not credentials.is_well_formed(token, credentials.ACCESS_TOKEN_PREFIX):
        return False
    if not is_tagged_for(token, credentials.ACCESS_TOKEN_PREFIX, client_id):
        return False
    key = access_key(token)
    return bool(acknowledged.run(r, key, _REVOKE_ACCESS, access=key, client_id=client_id))


def revoke_refresh_token(r: redis.Redis, token: str, client_id: str) -> bool:
    """Revoke a refresh token of `client_id`, live or spent, and its whole family (its access tokens too)."""
    if not credentials.is_well_formed(token, credentials.REFRESH_TOKEN_PREFIX):
        return False
    if not is_tagged_for(token, credentials.REFRESH_TOKEN_PREFIX, client_id):
        return False
    key = refresh_key(token)
    named = {"refresh": key, "spent": spent_refresh_key(token), "client_id": client_id, "marker_ttl": MARKER_TTL}
    return bool(acknowledged.run(r, key, _REVOKE_REFRESH, **named))


def revoke_grant(r: redis.Redis, client_id: str, grant_id: int) -> None:
    """Kill every token family issued under a consent grant of `client_id`; the grant takes no new ones.

    One write, whatever the grant holds; it touches no other grant.
    """
    key = grant_revoked_key(client_id, grant_id)
    acknowledged.write(r, key, lambda pipe: pipe.set(key, "1", ex=MARKER_TTL))
