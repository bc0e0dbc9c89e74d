"""Every protocol response shape in one place: JSON, redirect back to the client, HTML error page.

- JSON (RFC 6749 §5.1, §5.2) at the token, revocation and introspection
  endpoints, never cached.
- A redirect to the client's registered URI carrying `code` or `error`,
  with `state` and `iss` (RFC 6749 §4.1.2, RFC 9207).
- An HTML page for authorization errors that must not redirect.
"""

from flask import Flask, current_app, jsonify, redirect, render_template, request
from werkzeug.urls import iri_to_uri

from oauth.errors import FatalAuthorizationError, OAuthError
from oauth.metadata import INTROSPECTION_PATH, REVOCATION_PATH, TOKEN_PATH
from oauth.redirect_uris import with_query
from oauth.token_store import IssuedTokens
from observability import metrics
from web.json_text import json_response
from web.machine import wants_json

NO_STORE_PATHS = (TOKEN_PATH, REVOCATION_PATH, INTROSPECTION_PATH)


def init_app(app: Flask) -> None:
    app.register_error_handler(OAuthError, render_error)
    app.register_error_handler(FatalAuthorizationError, render_error)

    @app.after_request
    def _never_cache_tokens(response):
        # RFC 6749 §5.1: on every response of these endpoints, errors and 405s included.
        if request.path in NO_STORE_PATHS:
            response.headers["Cache-Control"] = "no-store"
            response.headers["Pragma"] = "no-cache"
        return response


def render_error(error: OAuthError | FatalAuthorizationError):
    """The one place an OAuth error becomes a response."""
    code = error.error if isinstance(error, OAuthError) else "invalid_request"  # a fatal one: a page, no code
    metrics.PROTOCOL_ERRORS.labels(request.endpoint or "unmatched", code).inc()
    if isinstance(error, FatalAuthorizationError):
        return _error_page(error.status, error.description, error)
    if error.redirect_uri is not None:
        params = {"error": error.error, "error_description": error.description or None, "state": error.state}
        return redirect_back(error.redirect_uri, params)
    if not wants_json():
        return _error_page(error.status, error.description)
    body = jsonify(error=error.error, error_description=error.description or error.error)
    return body, error.status, error.headers


def redirect_back(redirect_uri: str, params: dict[str, str | None]):
    """Send the person back to the client with `params` and our issuer (RFC 9207) added to the query.

    303 after the consent form's POST, so the browser follows with a GET and
    never re-posts the form to the client (RFC 9700 §4.12).
    """
    location = with_query(redirect_uri, {**params, "iss": issuer()})
    try:
        # Werkzeug encodes the Location header after the view returns, where a failure is a bare 500.
        location = iri_to_uri(location)
    except UnicodeError:
        # Registered before hosts were held to IDNA 2008: nothing can reach it, and the developer must fix it.
        return _error_page(400, "This app's redirect address is not a valid host name. Tell the app's developer.")
    return redirect(location, 303 if request.method == "POST" else 302)


def token_json(tokens: IssuedTokens, grant_type: str):
    """A successful token response (RFC 6749 §5.1) to a request of `grant_type`."""
    metrics.TOKENS_ISSUED.labels(grant_type).inc()
    body = {
        "access_token": tokens.access_token,
        "token_type": "Bearer",
        "expires_in": tokens.expires_in,
        "scope": tokens.scope,
    }
    if tokens.refresh_token:
        body["refresh_token"] = tokens.refresh_token
    if tokens.id_token:
        body["id_token"] = tokens.id_token  # OIDC Core §3.1.3.3
    return json_response(body)


def issuer() -> str:
    return current_app.config["OAUTH_ISSUER"]


def _error_page(status: int, description: str, error: FatalAuthorizationError | None = None):
    """The page for an authorization request that cannot go on; the error's `page` says whose doing it was."""
    page = error.page if error else FatalAuthorizationError.page
    return render_template("oauth/error.html", status=status, description=description, page=page, error=error), status
