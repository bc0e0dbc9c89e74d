"""Consent: ask the person only when needed, record what they allowed, issue the code.

A live grant that already covers the request skips the page (unless the
app sent `prompt=consent`); new scopes are asked for with the old ones shown
as already granted. The page's request stays on the server as a consent
challenge (oauth.consent_challenges); the answer names only the challenge,
and the request it stands for is checked again against the app as it is
then. Allow widens the grant in PostgreSQL (audited) and stores a code in
Redis bound to everything the token request must repeat.

An app the platform has not verified says so on the page, and only
`user_limit` people may allow it (grants.check_user_limit): past that, a
newcomer gets UserLimitReached instead of the page.
"""

from dataclasses import dataclass
from functools import partial
from urllib.parse import urlsplit

import redis

from accounts import users
from audit import Actor
from oauth import authorization, clients, consent_challenges, grants, token_store
from oauth.authorization import AuthorizationRequest, needs_consent
from oauth.clients import Client
from oauth.consent_challenges import ConsentChallenge
from oauth.errors import ConsentRequired
from oauth.hostnames import mixed_scripts, shown_host
from oauth.scopes import Scope, describe
from oauth.token_store import SignIn
from stores.postgres import Connection


@dataclass(frozen=True)
class ConsentScreen:
    """What the consent page shows."""

    app_name: str
    app_description: str
    verified: bool  # the platform vouched for the app
    developer: str
    homepage_url: str
    homepage_host: str  # as shown_host has it: a non-ASCII host with its punycode beside it
    redirect_host: str
    lookalikes: dict[str, list[str]]  # a shown host mixing look-alike alphabets -> those alphabets
    new_scopes: list[Scope]
    granted_scopes: list[Scope]  # allowed before; not asked again
    redirect_uri: str  # where Allow and Deny lead: the page's form may end there (CSP form-action)
    challenge: str  # the consent challenge's ID, all the form posts besides the decision
    request_params: dict[str, str]  # the request, to ask it again as someone else ("Use another account")


def user_limit(client: Client, unverified_limit: int) -> int | None:
    """How many people may allow the app: `unverified_limit` until the platform verifies it, then no limit."""
    return None if client["verified_at"] else unverified_limit


def code_or_screen(
    conn: Connection,
    r: redis.Redis,
    request: AuthorizationRequest,
    user_id: int,
    session_digest: str,
    *,
    unverified_limit: int,
    sign_in: SignIn | None = None,
) -> str | ConsentScreen:
    """A code at once when the live grant covers the request; otherwise what the consent page shows.

    With `prompt=none` the person may not be asked: consent_required instead.
    A newcomer to an unverified app that is full gets UserLimitReached.
    The page's request is kept as a challenge for this person and session.
    """
    grant = grants.get_live_grant(conn, user_id, request.client["client_id"])
    if not needs_consent(request, grant["scopes"] if grant else None):
        return _store_code(r, request, user_id, grant["id"], sign_in)
    if "none" in request.prompt:
        raise request.error(ConsentRequired("The user has not allowed this app these scopes yet."))
    grants.check_user_limit(conn, user_id, request.client["client_id"], user_limit(request.client, unverified_limit))
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
    homepage = client["homepage_url"] if client["homepage_url"].startswith(("https://", "http://")) else ""
    hosts = [urlsplit(uri).hostname or "" for uri in (homepage, request.redirect_uri)]
    return ConsentScreen(
        app_name=client["name"],
        app_description=client["description"],
        verified=client["verified_at"] is not None,
        developer=(owner["name"] or owner["email"]) if owner else "an unknown developer",
        homepage_url=homepage,
        homepage_host=shown_host(hosts[0]),
        redirect_host=redirect_host(request.redirect_uri),
        lookalikes={shown_host(host): mix for host in hosts if (mix := mixed_scripts(host))},
        new_scopes=describe(set(request.scopes) - granted),
        granted_scopes=describe(granted),
        redirect_uri=request.redirect_uri,
        challenge=challenge,
        request_params=request.replay_params(),
    )


def approve(
    conn: Connection,
    r: redis.Redis,
    actor: Actor,
    request: AuthorizationRequest,
    user_id: int,
    *,
    unverified_limit: int,
    sign_in: SignIn | None = None,
) -> str:
    """Record the person's consent (durably, audited) and return the code for the redirect.

    The app's user limit is checked again here, atomically: many people may
    have had the page open when its last place was free.
    """
    limit = user_limit(request.client, unverified_limit)
    grant = grants.grant_scopes(
        conn, actor, user_id, request.client["client_id"], list(request.scopes), user_limit=limit
    )
    return _store_code(r, request, user_id, grant["id"], sign_in)


def redirect_host(redirect_uri: str) -> str:
    """Where the person will land, as they would recognise it: a host, or an app's own scheme."""
    parts = urlsplit(redirect_uri)
    if not parts.hostname:
        return f"the app ({parts.scheme}:)"
    return shown_host(parts.hostname, f":{parts.port}" if parts.port else "")


def _store_code(
    r: redis.Redis, request: AuthorizationRequest, user_id: int, grant_id: int, sign_in: SignIn | None
) -> str:
    """The code, bound to the request; with scope openid also to the sign-in and nonce its ID token will state."""
    openid = "openid" in request.scopes
    return token_store.store_code(
        r,
        client_id=request.client["client_id"],
        redirect_uri=request.redirect_uri,
        redirect_uri_given=request.redirect_uri_given,
        user_id=user_id,
        scope=request.scope,
        grant_id=grant_id,
        code_challenge=request.code_challenge,
        sign_in=sign_in if openid else None,
        nonce=request.nonce if openid else None,
    )
