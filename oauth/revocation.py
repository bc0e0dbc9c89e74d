"""Token revocation (RFC 7009) for an authenticated client."""

from collections.abc import Mapping

import redis

from oauth import credentials, token_store
from oauth.params import require


def revoke(r: redis.Redis, client: dict, params: Mapping[str, str]) -> None:
    """Revoke `token` if it belongs to `client`; otherwise do nothing.

    RFC 7009 §2.2: an unknown or invalid token is not an error (the client
    wanted it gone, and it is), and answering the same for another client's
    token tells a prober nothing. The type is read from the token's prefix,
    so `token_type_hint` is not needed (§2.1 lets us ignore it). Revoking a
    refresh token ends its family, access tokens included.
    """
    token = require(params, "token")
    if token.startswith(credentials.ACCESS_TOKEN_PREFIX):
        token_store.revoke_access_token(r, token, client["client_id"])
    elif token.startswith(credentials.REFRESH_TOKEN_PREFIX):
        token_store.revoke_refresh_token(r, token, client["client_id"])
