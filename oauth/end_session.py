"""OpenID Connect RP-Initiated Logout 1.0: what a logout request says, and where the browser may go after it.

An app asks for the person to be signed out with `id_token_hint` (an ID
token this server issued to it), `client_id`, `post_logout_redirect_uri`
and `state` (§2). The hint is checked as a relying party checks an ID
token, against the published keys (oauth.signing_keys) and this issuer,
except that it may have expired: the person may come back to sign out
hours later (§4). A hint that fails any check counts as no hint at all,
and so does one whose `aud` is not the `client_id` sent beside it (§2).
A hint signed by a key that has left the JWKS no longer checks out either:
then the person is asked, which is all an unverifiable hint may lead to.

The browser is sent back only to a URI the app registered as a
post-logout redirect URI, compared exactly, and only for an active app,
with `state` added (§3); every other request ends on this server's own
"you are signed out" page. Whether to sign out at once or to ask first is
the view's decision (oauth/logout_views.py): only a hint that names the
signed-in person signs out without asking.
"""

from collections.abc import Mapping
from dataclasses import dataclass

import jwt

from oauth import clients, signing_keys
from oauth.redirect_uris import with_query
from stores.postgres import Connection

MAX_HINT_LENGTH = 8192  # an ID token of ours is about 900 characters
PARAMETERS = ("id_token_hint", "client_id", "post_logout_redirect_uri", "state")


@dataclass(frozen=True)
class LogoutRequest:
    subject: str | None  # the person a valid id_token_hint names; None without one
    client_id: str | None  # the app the hint, or else client_id, names
    return_to: str | None  # the registered post-logout redirect URI with `state` added; None: our own page
    # What the confirmation form carries on: the app and where to go, never the hint itself.
    carried: dict[str, str]

    def names(self, subject: str) -> bool:
        """Whether a valid hint names the person with `subject`."""
        return self.subject is not None and self.subject == subject


def read(conn: Connection, params: Mapping[str, list[str]], issuer: str) -> LogoutRequest:
    """The logout request in `params` (query or form); a parameter sent twice counts as not sent."""
    values = {name: params[name][0] for name in PARAMETERS if len(params.get(name, [])) == 1 and params[name][0]}
    hint = verified_hint(conn, values.get("id_token_hint"), issuer)
    client_id = values.get("client_id")
    if hint is not None and client_id not in (None, hint["aud"]):
        hint = client_id = None  # the hint and client_id name two apps: trust neither
    if hint is not None:
        client_id = hint["aud"]
    uri, state = values.get("post_logout_redirect_uri"), values.get("state")
    carried = {"client_id": client_id, "post_logout_redirect_uri": uri, "state": state}
    return LogoutRequest(
        subject=hint["sub"] if hint else None,
        client_id=client_id,
        return_to=_return_to(conn, client_id, uri, state),
        carried={name: value for name, value in carried.items() if value},
    )


def verified_hint(conn: Connection, token: str | None, issuer: str) -> dict | None:
    """The claims of an ID token this server signed, expired or not; None for anything else."""
    if not token or len(token) > MAX_HINT_LENGTH:
        return None
    try:
        kid = jwt.get_unverified_header(token).get("kid")
        published = {jwk["kid"]: jwk for jwk in signing_keys.published_keys(conn)}
        if not isinstance(kid, str) or kid not in published:
            return None
        key = jwt.PyJWK(published[kid])
        claims = jwt.decode(
            token,
            key,
            algorithms=[key.algorithm_name],
            issuer=issuer,
            options={"verify_exp": False, "verify_aud": False, "require": ["iss", "sub", "aud"]},
        )
    except jwt.PyJWTError:
        return None
    if not isinstance(claims["sub"], str) or not isinstance(claims["aud"], str):
        return None  # ours carry one audience, as a string
    return claims


def _return_to(conn: Connection, client_id: str | None, uri: str | None, state: str | None) -> str | None:
    if not client_id or not uri:
        return None
    client = clients.get_client(conn, client_id)
    if client is None or client["status"] != "active" or uri not in client["post_logout_redirect_uris"]:
        return None
    return with_query(uri, {"state": state})
