"""Consent: ask the person only when needed, record what they allowed, issue the code.

A live grant that already covers the request skips the page (unless the
app sent `prompt=consent`); new scopes are asked for with the old ones shown
as already granted. Allow widens the grant in PostgreSQL (audited) and
stores a code in Redis bound to everything the token request must repeat.
"""

from dataclasses import dataclass
from urllib.parse import urlsplit

import redis

from accounts import users
from audit import Actor
from oauth import grants, token_store
from oauth.authorization import AuthorizationRequest, needs_consent
from oauth.errors import ConsentRequired
from oauth.scopes import Scope, describe
from stores.postgres import Connection


@dataclass(frozen=True)
class ConsentScreen:
    """What the consent page shows."""

    app_name: str
    app_description: str
    developer: str
    homepage_url: str
    redirect_host: str
    new_scopes: list[Scope]
    granted_scopes: list[Scope]  # allowed before; not asked again
    fields: dict[str, str]  # the request, posted back with the decision


def code_or_screen(
    conn: Connection, r: redis.Redis, request: AuthorizationRequest, user_id: int
) -> str | ConsentScreen:
    """A code at once when the live grant covers the request; otherwise what the consent page shows.

    With `prompt=none` the person may not be asked: consent_required instead.
    """
    grant = grants.get_live_grant(conn, user_id, request.client["client_id"])
    if not needs_consent(request, grant["scopes"] if grant else None):
        return _store_code(r, request, user_id, grant["id"])
    if "none" in request.prompt:
        raise request.error(ConsentRequired("The user has not allowed this app these scopes yet."))
    return _consent_screen(conn, request, set(grant["scopes"]) if grant else set())


def _consent_screen(conn: Connection, request: AuthorizationRequest, granted: set[str]) -> ConsentScreen:
    """Everything the person needs to decide: who asks, for what, and where they will be sent."""
    client = request.client
    owner = users.get_user(conn, client["owner_id"])
    homepage = client["homepage_url"]
    return ConsentScreen(
        app_name=client["name"],
        app_description=client["description"],
        developer=(owner["name"] or owner["email"]) if owner else "an unknown developer",
        homepage_url=homepage if homepage.startswith(("https://", "http://")) else "",
        redirect_host=redirect_host(request.redirect_uri),
        new_scopes=describe(set(request.scopes) - granted),
        granted_scopes=describe(granted),
        fields=request.form_fields(),
    )


def approve(conn: Connection, r: redis.Redis, actor: Actor, request: AuthorizationRequest, user_id: int) -> str:
    """Record the person's consent (durably, audited) and return the code for the redirect."""
    grant = grants.grant_scopes(conn, actor, user_id, request.client["client_id"], list(request.scopes))
    return _store_code(r, request, user_id, grant["id"])


def redirect_host(redirect_uri: str) -> str:
    """Where the person will land, as they would recognise it: a host, or an app's own scheme."""
    parts = urlsplit(redirect_uri)
    if not parts.hostname:
        return f"the app ({parts.scheme}:)"
    return parts.hostname + (f":{parts.port}" if parts.port else "")


def _store_code(r: redis.Redis, request: AuthorizationRequest, user_id: int, grant_id: int) -> str:
    return token_store.store_code(
        r,
        client_id=request.client["client_id"],
        redirect_uri=request.redirect_uri,
        redirect_uri_given=request.redirect_uri_given,
        user_id=user_id,
        scope=request.scope,
        grant_id=grant_id,
        code_challenge=request.code_challenge,
    )
