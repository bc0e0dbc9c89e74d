"""The token endpoint's grants (RFC 6749 §4.1.3, §4.4, §6) for an authenticated client.

Each grant takes the request parameters, checks them against what the
code or refresh token is bound to, and issues tokens through the Redis
token store, whose Lua scripts make taking a code and rotating a refresh
token single, atomic steps. The same steps count the token against the
client's token rate (oauth/token_limits.py), so only a request that would
get tokens spends the rate, and one refused for it spends nothing.
"""

import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import NamedTuple

import redis

import audit
from accounts import users
from oauth import grants, id_tokens, pkce, redirect_uris, token_store
from oauth.client_cache import MachineClient
from oauth.errors import (
    InvalidClient,
    InvalidGrant,
    InvalidRequest,
    InvalidScope,
    SlowDown,
    UnauthorizedClient,
    UnsupportedGrantType,
)
from oauth.params import require
from oauth.scopes import CATALOGUE, IDENTITY_SCOPES, format_scope, parse_scope, requested_within, unknown_scopes
from oauth.signing_keys import KeyRing
from oauth.token_limits import DEFAULT_MACHINE_TOKEN_CAP, TokenRateExceeded
from oauth.token_store import FAMILY_LIFETIME, IssuedTokens, ScopeBeyondGrant, TokenError
from stores.postgres import Connection, transaction

Connect = Callable[[], Connection]


class TokenPolicy(NamedTuple):
    """What the settings say about the tokens the endpoint issues (settings.py)."""

    access_ttl: int  # ACCESS_TOKEN_TTL
    family_lifetime: int = FAMILY_LIFETIME  # REFRESH_FAMILY_LIFETIME_SECONDS
    machine_token_cap: int = DEFAULT_MACHINE_TOKEN_CAP  # CLIENT_CREDENTIALS_TOKEN_CAP
    issuer: str = ""  # OAUTH_ISSUER: the `iss` of ID tokens
    keys: KeyRing | None = None  # signs ID tokens; None: no ID tokens (tests of the plain OAuth grants)


def exchange(
    connect: Connect, r: redis.Redis, client: MachineClient, params: Mapping[str, str], policy: TokenPolicy
) -> IssuedTokens:
    """Run the grant the request names; raise an OAuthError if anything is off.

    `connect` gives the request's PostgreSQL connection, asked for only by a
    grant that reads or writes a row: a client-credentials token needs none.
    """
    grant_type = require(params, "grant_type")
    handler = GRANTS.get(grant_type)
    if handler is None:
        raise UnsupportedGrantType(f"Unsupported grant_type {grant_type}.")
    if grant_type not in client["grant_types"]:
        raise UnauthorizedClient(f"This client is not registered for the {grant_type} grant.")
    try:
        return handler(connect, r, client, params, policy)
    except TokenRateExceeded as error:
        raise SlowDown(
            f"This app asks for tokens faster than its rate; try again in {error.retry_after} s.",
            retry_after=error.retry_after,
        ) from None


def authorization_code(
    connect: Connect, r: redis.Redis, client: MachineClient, params: Mapping[str, str], policy: TokenPolicy
) -> IssuedTokens:
    """RFC 6749 §4.1.3 with RFC 7636 §4.6. Any presentation spends the code; a second one
    revokes every token the first produced (token_store.redeem_code)."""
    code_param = require(params, "code")
    try:
        code = token_store.redeem_code(
            r, code_param, token_store.new_family(), client_id=client["client_id"], token_rate=client["token_rate"]
        )
    except TokenError as error:
        if error.reason == "replayed" and error.client_id:
            record_misuse(connect(), "code.replayed", error, client["client_id"])
        raise InvalidGrant("The code is invalid, expired or already used.") from None
    check_code_binding(code, client, params)
    grant_id = int(code["grant_id"])
    if not grants.is_live(connect(), grant_id):
        raise InvalidGrant("The user has revoked this app's access.")
    tokens = _issue(
        r,
        client=client,
        user_id=int(code["user_id"]),
        scope=code["scope"],
        access_ttl=policy.access_ttl,
        grant_id=grant_id,
        family=code["family"],
        with_refresh="refresh_token" in client["grant_types"],
        family_lifetime=policy.family_lifetime,
        sign_in=token_store.sign_in_of(code["user_id"], code.get("auth_time"), code.get("amr")),
    )
    return with_id_token(connect, tokens, client, policy, nonce=code.get("nonce"))


def check_code_binding(code: dict, client: MachineClient, params: Mapping[str, str]) -> None:
    """The code must come back from the client it was issued to, with its redirect URI (still registered)
    and PKCE verifier."""
    if code["client_id"] != client["client_id"]:
        raise InvalidGrant("The code was issued to another client.")
    if not redirect_uris.is_registered(code["redirect_uri"], client["redirect_uris"], client["client_type"]):
        # Taken off the app since: the developer no longer trusts where this code went.
        raise InvalidGrant("The code's redirect_uri is no longer registered for this client.")
    redirect_uri = params.get("redirect_uri")
    if code["redirect_uri_given"] == "1" and redirect_uri is None:
        raise InvalidRequest("redirect_uri is required: the authorization request included it.")
    if redirect_uri is not None and redirect_uri != code["redirect_uri"]:
        raise InvalidGrant("redirect_uri does not match the authorization request.")
    verifier = params.get("code_verifier")
    if code["code_challenge"]:
        pkce.verify(code["code_challenge"], verifier)
    elif verifier is not None:
        # RFC 9700 §2.1.1: a verifier without a challenge hints at a PKCE downgrade attack.
        raise InvalidGrant("code_verifier was sent, but the authorization request had no code_challenge.")


def refresh_token(
    connect: Connect, r: redis.Redis, client: MachineClient, params: Mapping[str, str], policy: TokenPolicy
) -> IssuedTokens:
    """RFC 6749 §6: rotate the refresh token; `scope` may narrow the new access token, never widen it.

    A family past its absolute lifetime is refused like any dead token: the
    app sends the person through the authorization endpoint again.
    """
    token = require(params, "refresh_token")
    scope = None  # the new access token keeps the granted scope (rotate() knows it)
    if "scope" in params:
        # Checked by rotate() against the token's own scope, in the same round trip and only
        # after its reuse check: a spent token ends its family even with a bad scope.
        asked = parse_scope(params["scope"])
        scope = " ".join(part for part in (format_scope(asked), *unknown_scopes(asked)) if part)
    try:
        tokens = token_store.rotate(
            r,
            token,
            client,
            scope,
            policy.access_ttl,
            family_lifetime=policy.family_lifetime,
            token_rate=client["token_rate"],
        )
    except ScopeBeyondGrant as error:
        # Names the problem the way every scope check does: missing, unknown or beyond the grant.
        allowed = [name for name in CATALOGUE if name not in error.missing]
        requested_within(params["scope"], allowed, beyond="Scope beyond what was granted")
        raise InvalidScope("Scope beyond what was granted.") from None  # not reached: the line above raises
    except TokenError as error:
        if error.reason == "reused":
            record_misuse(connect(), "token.reused", error, client["client_id"])
        if error.reason == "suspended":
            raise InvalidClient("This client is suspended.") from None
        raise InvalidGrant("The refresh token is invalid, expired or revoked.") from None
    return with_id_token(connect, tokens, client, policy)


def with_id_token(
    connect: Connect, tokens: IssuedTokens, client: MachineClient, policy: TokenPolicy, *, nonce: str | None = None
) -> IssuedTokens:
    """`tokens` with an ID token when they carry a sign-in (scope openid): OIDC Core §3.1.3.3, §12.2."""
    if tokens.sign_in is None or policy.keys is None:
        return tokens
    conn = connect()
    identity = users.get_identity(conn, tokens.sign_in.user_id)
    if identity is None:
        raise InvalidGrant("The user of this grant no longer exists.")
    claims = id_tokens.claims(
        issuer=policy.issuer,
        subject=identity["subject"],
        client_id=client["client_id"],
        sign_in=tokens.sign_in,
        access_token=tokens.access_token,
        now=int(time.time()),
        nonce=nonce,
    )
    key = policy.keys.current(conn, client["id_token_signed_response_alg"])
    return replace(tokens, id_token=id_tokens.sign(key, claims))


def record_misuse(conn: Connection, action: str, error: TokenError, presented_by: str) -> None:
    """Audit a replayed code or a reused refresh token on the app and person it concerns, with the family it ended.

    The app is the one the code was issued to, which a stolen code's
    presenter need not be: then the presenter is named too.
    """
    client_id = error.client_id or presented_by
    details = {"family": error.family} if error.family else {}
    if presented_by != client_id:
        details["presented_by"] = presented_by
    with transaction(conn) as cur:
        audit.record_as(
            cur,
            audit.server_actor(audit.TOKEN_ENDPOINT),
            action,
            client_id=client_id,
            subject_user_id=int(error.user_id) if error.user_id else None,
            details=details,
        )


def client_credentials(
    connect: Connect, r: redis.Redis, client: MachineClient, params: Mapping[str, str], policy: TokenPolicy
) -> IssuedTokens:
    """RFC 6749 §4.4: a token for the client itself; no user, no refresh token.

    The client holds at most `policy.machine_token_cap` of them at once: the oldest go first.
    """
    if client["client_type"] != "confidential":
        raise UnauthorizedClient("Only confidential clients may use client_credentials.")
    scopes = [name for name in client["scopes"] if name not in IDENTITY_SCOPES]
    if "scope" in params:
        about_a_person = [name for name in parse_scope(params["scope"]) if name in IDENTITY_SCOPES]
        if about_a_person:
            raise InvalidScope(f"A client's own token has no user to be about: {' '.join(about_a_person)}.")
        scopes = requested_within(params["scope"], scopes, beyond="This client is not registered for")
    return _issue(
        r,
        client=client,
        user_id=None,
        scope=format_scope(scopes),
        access_ttl=policy.access_ttl,
        token_rate=client["token_rate"],
        machine_token_cap=policy.machine_token_cap,
    )


def _issue(r: redis.Redis, **fields) -> IssuedTokens:
    try:
        return token_store.issue(r, **fields)
    except TokenError as error:
        if error.reason == "suspended":
            raise InvalidClient("This client is suspended.") from None
        raise InvalidGrant("The user has revoked this app's access.") from None


GRANTS: dict[str, Callable[..., IssuedTokens]] = {
    "authorization_code": authorization_code,
    "refresh_token": refresh_token,
    "client_credentials": client_credentials,
}
