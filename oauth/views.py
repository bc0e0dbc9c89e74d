"""The protocol's pages: the authorization endpoint and the integration guide.

Thin: parse, call one function, respond. Errors are raised as oauth.errors
classes and rendered by oauth.responses. The machine endpoints live in
oauth.token_views and oauth.discovery.
"""

import time
from functools import partial
from urllib.parse import urlencode

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user

from oauth import authorization, clients, consent, metadata
from oauth.errors import AccessDenied, FatalAuthorizationError, LoginRequired
from oauth.responses import issuer, redirect_back
from oauth.scopes import CATALOGUE
from oauth.token_store import CODE_TTL, REFRESH_TOKEN_TTL
from stores.postgres import get_connection
from stores.redis_client import get_redis
from web.actors import current_actor

bp = Blueprint("oauth", __name__)


# Authorization endpoint (browser) -------------------------------------------


@bp.get(metadata.AUTHORIZATION_PATH)
def authorize():
    auth_request = _validated(request.args.to_dict(flat=False))
    if not current_user.is_authenticated:
        return _sign_in_first(auth_request, request.full_path.rstrip("?"))
    if authorization.needs_fresh_sign_in(auth_request, session.auth_time, time.time()):
        return _sign_in_again(auth_request)
    outcome = consent.code_or_screen(get_connection(), get_redis(), auth_request, current_user.id)
    if isinstance(outcome, consent.ConsentScreen):
        return render_template("oauth/consent.html", screen=outcome)
    return redirect_back(auth_request.redirect_uri, {"code": outcome, "state": auth_request.state})


@bp.post(metadata.AUTHORIZATION_PATH)
def authorize_decision():
    params = request.form.to_dict(flat=False)
    decision = params.pop("decision", [])
    params.pop("csrf_token", None)
    # The form is just another copy of the request: validate all of it again.
    auth_request = _validated(params)
    if not current_user.is_authenticated:
        query = urlencode(auth_request.form_fields())
        return _sign_in_first(auth_request, f"{metadata.AUTHORIZATION_PATH}?{query}")
    if decision == ["deny"]:
        raise auth_request.error(AccessDenied("The user denied the request."))
    if decision != ["allow"]:
        raise FatalAuthorizationError("Choose Allow or Deny.")
    code = consent.approve(get_connection(), get_redis(), current_actor(), auth_request, current_user.id)
    return redirect_back(auth_request.redirect_uri, {"code": code, "state": auth_request.state})


def _validated(params: dict[str, list[str]]) -> authorization.AuthorizationRequest:
    return authorization.validate(params, partial(clients.get_client, get_connection()))


def _sign_in_first(auth_request: authorization.AuthorizationRequest, back_to: str):
    """To the sign-in page and back to this very request; prompt=none forbids the detour."""
    if "none" in auth_request.prompt:
        raise auth_request.error(LoginRequired("Nobody is signed in."))
    return redirect(url_for("auth.login", next=back_to))


def _sign_in_again(auth_request: authorization.AuthorizationRequest):
    """prompt=login or max_age: the password again, then back to this request without them (or it would loop)."""
    if "none" in auth_request.prompt:
        raise auth_request.error(LoginRequired("The sign-in is older than max_age allows."))
    params = request.args.to_dict(flat=False)
    params.pop("max_age", None)
    prompt = [value for value in " ".join(params.pop("prompt", [])).split() if value != "login"]
    if prompt:
        params["prompt"] = [" ".join(prompt)]
    back_to = f"{metadata.AUTHORIZATION_PATH}?{urlencode(params, doseq=True)}"
    return redirect(url_for("auth.login", next=back_to, reauth=1))


# Documentation -----------------------------------------------------------------


@bp.get(metadata.DOCUMENTATION_PATH)
def docs():
    return render_template(
        "oauth/docs.html",
        issuer=issuer(),
        endpoints=metadata.endpoints(issuer()),
        metadata_url=issuer() + metadata.METADATA_PATH,
        scopes=CATALOGUE.values(),
        access_token_ttl=current_app.config["ACCESS_TOKEN_TTL"],
        refresh_token_ttl=REFRESH_TOKEN_TTL,
        code_ttl=CODE_TTL,
    )
