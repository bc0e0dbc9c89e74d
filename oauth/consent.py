"""Consent: ask the person only when needed, record what they allowed, issue the code.

A live grant that already covers the request skips the page (unless the
app sent `prompt=consent`); new scopes are asked for with the old ones shown
as already granted. The page's request stays on the server as a consent
challenge (oauth.consent_challenges); the answer names only the challenge,
and the request it stands for is checked again against the app as it is
then. Allow widens the grant in PostgreSQL (audited) and stores a code in
Redis bound to everything the token request must repeat.
"""

from dataclasses import dataclass
from functools import partial
from urllib.parse import urlsplit

import redis

from accounts import users
from audit import Actor
from oauth import authorization, clients, consent_challenges, grants, token_store
from oauth.authorization import AuthorizationRequest, needs_consent
from oauth.consent_challenges import ConsentChallenge
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
    redirect_uri: str  # where Allow and Deny lead: the page's form may end there (CSP form-action)
    challenge: str  # the consent challenge's ID, all the form posts besides the decision
    request_params: dict[str, str]  # the request, to ask it again as someone else ("Use another account")


def code_or_screen(
    conn: Connection, r: redis.Redis, request: AuthorizationRequest, user_id: int, session_digest: str
) -> str | ConsentScreen:
    """A code at once when the live grant covers the request; otherwise what the consent page shows.

    With `prompt=none` the person may not be asked: consent_required instead.
    The page's request is kept as a challenge for this person and session.
    """
    grant = grants.get_live_grant(conn, user_id, request.client["client_id"])
    if not needs_consent(request, grant["scopes"] if grant else None):
        return _store_code(r, request, user_id, grant["id"])
    if "none" in request.prompt:
        raise request.error(ConsentRequired("The user has not allowed this app these scopes yet."))
    shown = ConsentChallenge(user_id, session_digest, request.replay_params())
    challenge = consent_challenges.create_challenge(r, shown)
    return _consent_screen(conn, request, set(grant["scopes"]) if grant else set(), challenge)


def shown_request(
    conn: Connection, r: redis.Redis, challenge_id: str, user_id: int, session_digest: str | None
) -> AuthorizationRequest | None:
    """The request a consent page showed this person in this session, taken once; None if there is none.

    Validated again as a fresh request would be, from the server's own copy:
    an app suspended, a redirect URI or a scope withdrawn since the page was
    shown stops it here, and nothing the form says can widen it.
    """
    params = consent_challenges.take_challenge(r, challenge_id, user_id=user_id, session_digest=session_digest)
    if params is None:
        return None
    return authorization.validate(_as_query(params), partial(clients.get_client, conn))


def _as_query(params: dict[str, str]) -> dict[str, list[str]]:
    return {name: [value] for name, value in params.items()}


def _consent_screen(
    conn: Connection, request: AuthorizationRequest, granted: set[str], challenge: str
) -> ConsentScreen:
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
        redirect_uri=request.redirect_uri,
        challenge=challenge,
        request_params=request.replay_params(),
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
