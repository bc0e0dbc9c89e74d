"""Token introspection (RFC 7662) for an authenticated client."""

import time
from collections.abc import Mapping

import redis

from accounts import users
from oauth import credentials, token_store
from oauth.params import require
from oauth.scopes import parse_scope
from stores.postgres import Connection

INACTIVE = {"active": False}
PROFILE_SCOPE = "read:profile"  # "See your name and email address"


def introspect(conn: Connection, r: redis.Redis, client: dict, params: Mapping[str, str], issuer: str) -> dict:
    """What `client` may know about `token` (RFC 7662 §2.2).

    `active: false` for anything unknown, expired, revoked, rotated out,
    of a suspended client, or of another client, unless the caller is a
    resource server, which may introspect every client's tokens (§4: the
    answer must not tell a prober more than that the token is not usable).
    """
    token = require(params, "token")
    stored, token_type = _lookup(r, token)
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
    if token_type:
        answer["token_type"] = token_type
    if stored["user_id"]:
        user = users.get_user(conn, int(stored["user_id"]))
        if user is None:
            return INACTIVE
        answer["sub"] = str(user["id"])
        # The email is profile data: an app learns it only if the person let it see their profile.
        if client["is_resource_server"] or PROFILE_SCOPE in parse_scope(stored["scope"]):
            answer["username"] = user["email"]
    return answer


def _lookup(r: redis.Redis, token: str) -> tuple[dict | None, str | None]:
    """The stored fields of a usable token and its RFC 6749 §5.1 type (None for refresh tokens)."""
    if token.startswith(credentials.ACCESS_TOKEN_PREFIX):
        return token_store.lookup_access_token(r, token), "Bearer"
    if token.startswith(credentials.REFRESH_TOKEN_PREFIX):
        return token_store.lookup_refresh_token(r, token), None
    return None, None
