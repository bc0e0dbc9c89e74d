"""Leaked credentials: whoever finds one of our tokens or secrets in the open can have it made harmless.

Two ways in, both revoking on the spot (GitHub's credential-revocation API
is the model):

- `POST /oauth/leaked` with `{"credentials": [...]}` (oauth/leaked_views.py):
  a secret scanner, a researcher, or the owner reports what they found. No
  authentication: holding a credential is proof enough to ask for its end.
- A token in a URL's query string, on any path: it is now in access logs,
  proxies and browser history, so it is revoked before the request goes on
  (and the API refuses the request as before).

Every access or refresh token found is revoked, a refresh token with its
whole family. A client secret is not deleted, which would break the app
without warning, but flagged: its developer sees it on the app page and in
the audit log, and replaces it. Each revocation and each newly flagged
secret is one audit row for the app concerned; a credential already dead,
or already flagged, writes nothing, so repeating a report costs no rows.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote_plus

import redis

import audit
from audit import Actor
from oauth import clients, credentials, token_store
from oauth.errors import InvalidRequest
from stores.postgres import Connection, transaction

MAX_CREDENTIALS = 100
TOKEN_PREFIXES = (credentials.ACCESS_TOKEN_PREFIX, credentials.REFRESH_TOKEN_PREFIX)
# A token anywhere in a decoded query string, even inside another parameter's value.
_TOKEN_IN_TEXT = re.compile(f"(?:{'|'.join(TOKEN_PREFIXES)})[0-9A-Za-z]{{{credentials.SECRET_LENGTH}}}")
# A URL carries a few tokens at most; more is someone making work for us.
MAX_TOKENS_IN_URL = 10


@dataclass(frozen=True)
class RevokedToken:
    """What was known of a token as it was revoked: for its audit row."""

    kind: str  # "access token" or "refresh token"
    prefix: str  # credentials.display_prefix: enough to recognise, never to use
    client_id: str
    user_id: int | None
    family: str


def read_report(body: object) -> list[str]:
    """The credentials of a report's JSON body; InvalidRequest unless it is {"credentials": [1 to 100 strings]}."""
    if not isinstance(body, dict) or "credentials" not in body:
        raise InvalidRequest('Send a JSON object: {"credentials": ["paat_...", ...]}.')
    listed = body["credentials"]
    if not isinstance(listed, list) or not all(isinstance(item, str) for item in listed):
        raise InvalidRequest("credentials must be a list of strings.")
    if not listed:
        raise InvalidRequest("credentials must list at least one credential.")
    if len(listed) > MAX_CREDENTIALS:
        raise InvalidRequest(f"credentials may list at most {MAX_CREDENTIALS} at a time.")
    return listed


def tokens_in_query(query_string: str) -> list[str]:
    """Every distinct token-shaped string in a raw query string, decoded once (at most MAX_TOKENS_IN_URL)."""
    found = _TOKEN_IN_TEXT.findall(unquote_plus(query_string, errors="replace"))
    return list(dict.fromkeys(found))[:MAX_TOKENS_IN_URL]


def revoke_reported(conn: Connection, r: redis.Redis, reported: Iterable[str], actor: Actor) -> int:
    """Revoke every live token in `reported` and flag every secret; return how many were tokens in form.

    The number counts each distinct entry with an access or refresh token's
    prefix, live, dead or made up alike: each is unusable now, and the
    answer is the same whichever were real, so a report tells the reporter
    nothing they did not send.
    """
    distinct = list(dict.fromkeys(reported))
    tokens = [value for value in distinct if value.startswith(TOKEN_PREFIXES)]
    revoked = [found for token in tokens if (found := revoke_token(r, token))]
    secrets = [value for value in distinct if credentials.is_well_formed(value, credentials.CLIENT_SECRET_PREFIX)]
    if revoked or secrets:
        with transaction(conn) as cur:
            record_revocations(cur, revoked, actor)
            for secret in clients.flag_leaked_secrets(cur, [credentials.digest(value) for value in secrets]):
                audit.record_as(
                    cur, actor, "secret.leaked", client_id=secret["client_id"], details={"prefix": secret["prefix"]}
                )
    return len(tokens)


def revoke_tokens(conn: Connection, r: redis.Redis, tokens: Iterable[str], actor: Actor) -> int:
    """Revoke every live token among `tokens` (as tokens_in_query found them); return how many were live."""
    revoked = [found for token in tokens if (found := revoke_token(r, token))]
    if revoked:
        with transaction(conn) as cur:
            record_revocations(cur, revoked, actor)
    return len(revoked)


def revoke_token(r: redis.Redis, token: str) -> RevokedToken | None:
    """Revoke one access or refresh token (a refresh token's family with it), whoever's it is; None if not live."""
    if token.startswith(credentials.ACCESS_TOKEN_PREFIX):
        kind, fields = "access token", token_store.lookup_access_token(r, token)
        revoked = fields is not None and token_store.revoke_access_token(r, token, fields["client_id"])
    elif token.startswith(credentials.REFRESH_TOKEN_PREFIX):
        kind, fields = "refresh token", token_store.lookup_refresh_token(r, token)
        revoked = fields is not None and token_store.revoke_refresh_token(r, token, fields["client_id"])
    else:
        return None
    if not revoked:
        return None
    user_id = fields.get("user_id")
    return RevokedToken(
        kind=kind,
        prefix=credentials.display_prefix(token),
        client_id=fields["client_id"],
        user_id=int(user_id) if user_id else None,
        family=fields.get("family", ""),
    )


def record_revocations(cur, revoked: list[RevokedToken], actor: Actor) -> None:
    """One audit row per revoked token, on its app and its user, in the caller's transaction."""
    for token in revoked:
        details = {"token": token.kind, "prefix": token.prefix}
        if token.kind == "refresh token" and token.family:
            details["family"] = token.family
        audit.record_as(
            cur, actor, "token.leaked", client_id=token.client_id, subject_user_id=token.user_id, details=details
        )
