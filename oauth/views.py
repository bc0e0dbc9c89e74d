"""The protocol's pages: the authorization endpoint (the integration guide is portal.docs).

Thin: parse, call one function, respond. Errors are raised as oauth.errors
classes and rendered by oauth.responses. The machine endpoints live in
oauth.token_views and oauth.discovery.
"""

import time
from functools import partial
from urllib.parse import urlencode

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user
from werkzeug.exceptions import TooManyRequests

from accounts import address_limits
from oauth import authorization, clients, consent, consent_challenges, grants, metadata
from oauth.errors import AccessDenied, FatalAuthorizationError, LoginRequired
from oauth.responses import redirect_back
from oauth.token_store import SignIn
from stores.postgres import get_connection
from stores.redis_client import get_redis
from web.actors import current_actor
from web.csrf import csrf
from web.headers import allow_form_redirect

bp = Blueprint("oauth", __name__)

# What the consent page's form posts besides the decision: a POST with none of these is an authorization request.
CONSENT_FIELDS = frozenset({"decision", "consent_challenge", "csrf_token"})

# Per client address, GET and POST together: far above what the people behind
# one address click through, far below what a script needs to make the
# endpoint's client lookups and pages a cost to everyone else.
AUTHORIZATION_PER_ADDRESS = address_limits.Limit("authorize", 300, 60)


# Authorization endpoint (browser) -------------------------------------------


@bp.before_request
def _limit_per_address():
    if request.endpoint not in ("oauth.authorize", "oauth.authorize_decision"):
        return
    wait = address_limits.hit(get_redis(), AUTHORIZATION_PER_ADDRESS, request.remote_addr or "")
    if wait:
        raise TooManyRequests(
            f"Too many authorization requests from your network. Please try again in {wait} seconds.",
            retry_after=wait,
        )


@bp.get(metadata.AUTHORIZATION_PATH)
def authorize():
    return _authorize(request.args.to_dict(flat=False))


def _authorize(params: dict[str, list[str]]):
    """An authorization request, sent as a query (GET) or a form (POST)."""
    trusted = authorization.trusted_redirect(params, _find_client())
    if not current_user.is_authenticated and not authorization.forbids_interaction(params):
        # RFC 9700 §4.11.2: nobody is sent to the app before signing in, not even with an error.
        return redirect(url_for("auth.login", next=_as_get(params)))
    auth_request = authorization.validate_trusted(params, trusted)
    if not current_user.is_authenticated:
        raise auth_request.error(LoginRequired("Nobody is signed in."))
    if authorization.needs_fresh_sign_in(auth_request, session.auth_time, time.time()):
        return _sign_in_again(auth_request, params)
    outcome = consent.code_or_screen(
        get_connection(),
        get_redis(),
        auth_request,
        current_user.id,
        session.digest or "",
        unverified_limit=current_app.config["UNVERIFIED_APP_USER_LIMIT"],
        sign_in=_sign_in(),
    )
    if isinstance(outcome, consent.ConsentScreen):
        allow_form_redirect(outcome.redirect_uri)  # Allow and Deny both end there
        return render_template("oauth/consent.html", screen=outcome, platform_name=current_app.config["PLATFORM_NAME"])
    return redirect_back(auth_request.redirect_uri, {"code": outcome, "state": auth_request.state})


@bp.post(metadata.AUTHORIZATION_PATH)
@csrf.exempt  # an authorization request may come as a cross-site form: the consent answer is checked below
def authorize_decision():
    """The consent page's answer; or, from any other form, an authorization request (OIDC Core §3.1.2.1)."""
    if not CONSENT_FIELDS & request.form.keys():
        return _authorize(request.form.to_dict(flat=False))
    csrf.protect()
    challenges = request.form.getlist("consent_challenge")
    challenge = challenges[0] if len(challenges) == 1 else ""  # a repeated one is no challenge
    decision = request.form.getlist("decision")
    if not current_user.is_authenticated:
        return _sign_in_to_decide(challenge)
    if decision not in (["allow"], ["deny"]):
        raise FatalAuthorizationError("Choose Allow or Deny.")
    auth_request = consent.shown_request(get_connection(), get_redis(), challenge, current_user.id, session.digest)
    if auth_request is None:
        return render_template("oauth/consent_expired.html"), 400
    if decision == ["deny"]:
        raise auth_request.error(AccessDenied("The user denied the request."))
    code = consent.approve(
        get_connection(),
        get_redis(),
        current_actor(),
        auth_request,
        current_user.id,
        unverified_limit=current_app.config["UNVERIFIED_APP_USER_LIMIT"],
        sign_in=_sign_in(),
    )
    return redirect_back(auth_request.redirect_uri, {"code": code, "state": auth_request.state})


@bp.errorhandler(grants.UserLimitReached)
def _app_is_full(error: grants.UserLimitReached):
    """A newcomer to an unverified app that has all the people it may have: a page saying why, nothing sent."""
    page = render_template(
        "oauth/app_user_limit.html", limit=error.limit, platform_name=current_app.config["PLATFORM_NAME"]
    )
    return page, 403


def _find_client():
    return partial(clients.get_client, get_connection())


def _sign_in() -> SignIn | None:
    """The signed-in person's sign-in as the server-side session recorded it (OIDC `auth_time`, `amr`)."""
    if session.auth_time is None:
        return None
    return SignIn(current_user.id, session.auth_time, tuple(session.amr))


def _as_get(params: dict[str, list[str]]) -> str:
    """This authorization request as a URL to come back to after signing in, however it was sent."""
    if request.method == "GET":
        return request.full_path.rstrip("?")
    return f"{metadata.AUTHORIZATION_PATH}?{urlencode(params, doseq=True)}"


def _sign_in_to_decide(challenge: str):
    """Signed out since the page was shown: sign in, then ask the same request again.

    The challenge itself opens nothing any more (it was bound to the session
    that ended); it only says which request to go back to.
    """
    params = consent_challenges.get_params(get_redis(), challenge)
    if params is None:
        return render_template("oauth/consent_expired.html"), 400
    return redirect(url_for("auth.login", next=f"{metadata.AUTHORIZATION_PATH}?{urlencode(params)}"))


def _sign_in_again(auth_request: authorization.AuthorizationRequest, params: dict[str, list[str]]):
    """prompt=login or max_age: the password again, then back to this request without them (or it would loop)."""
    if "none" in auth_request.prompt:
        raise auth_request.error(LoginRequired("The sign-in is older than max_age allows."))
    params = dict(params)
    params.pop("max_age", None)
    prompt = [value for value in " ".join(params.pop("prompt", [])).split() if value != "login"]
    if prompt:
        params["prompt"] = [" ".join(prompt)]
    back_to = f"{metadata.AUTHORIZATION_PATH}?{urlencode(params, doseq=True)}"
    return redirect(url_for("auth.login", next=back_to, reauth=1))
