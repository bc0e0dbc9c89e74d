"""`require_oauth(scope)`: the bearer-token guard in front of every API view (RFC 6750).

The token is accepted only in the `Authorization: Bearer` header (§2.1);
one sent in the URL or a form body is refused (§2.2 and §2.3 leak tokens into
logs and histories). A token that cannot be ours (wrong prefix, length or
checksum) is refused before Redis; any other costs one Redis round trip
(api/token_check.py). On success the view finds the token on `flask.g`
through `current_token()`; the client's quota goes out as headers.
"""

import functools
import re
from collections.abc import Callable

from flask import current_app, g, request

from api import errors, usage
from api.errors import (
    ApiError,
    InsufficientScope,
    InvalidRequest,
    InvalidToken,
    MissingToken,
    RateLimited,
    UserRequired,
)
from api.resource_metadata import GUARDED_SCOPES
from api.token_check import AccessToken, check_token
from oauth import credentials
from oauth.scopes import CATALOGUE
from observability.metrics import API_CHECK_OK
from stores.redis_client import get_redis

# RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token
_B64TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
FORM_MIMETYPE = "application/x-www-form-urlencoded"


def bearer_token(authorization: str | None) -> str:
    """The token in an Authorization header value; raise the RFC 6750 §3.1 error if there is none."""
    if not authorization or not authorization.strip():
        raise MissingToken("This API needs an access token in an 'Authorization: Bearer <token>' header.")
    scheme, _, rest = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        # Another authentication method: answered like no credentials at all (§3.1).
        # The scheme is not echoed back: a bare token sent without one would be.
        raise MissingToken("Only the 'Bearer' authentication scheme is supported here.")
    token = rest.strip(" ")
    if not _B64TOKEN.fullmatch(token):
        raise InvalidRequest("The Authorization header must be 'Bearer <token>', with exactly one token.")
    return token


def refuse_other_token_methods() -> None:
    """Reject a token sent in the query string or a form body (RFC 6750 §2.2, §2.3)."""
    environ = request.environ
    # Checked through the raw environ first: most calls have neither, and parsing costs.
    if environ.get("QUERY_STRING") and "access_token" in request.args:
        # It is revoked already (oauth.leaked_views): a URL ends up in logs and histories.
        raise InvalidRequest(
            "Send the access token in the Authorization header, never in the URL: "
            "a token sent in a URL is revoked at once."
        )
    if environ.get("CONTENT_TYPE") and request.mimetype == FORM_MIMETYPE and "access_token" in request.form:
        raise InvalidRequest("Send the access token in the Authorization header, not in the request body.")


def authenticate(token: str, with_profile: bool = False) -> AccessToken:
    """Check the token and count the call; raise InvalidToken or RateLimited when it may not proceed."""
    if not credentials.is_well_formed(token, credentials.ACCESS_TOKEN_PREFIX):
        raise InvalidToken("The access token is not one this server issued.")
    check = check_token(get_redis(), token, current_app.config["RATE_LIMIT_WINDOW_SECONDS"], with_profile)
    if check.quota is not None:
        g.api_quota = check.quota  # counted: every answer from here on says so (api/routes.py)
    if check.status == "limited":
        raise RateLimited(check.quota)
    if check.status == "suspended":
        raise InvalidToken("The app this token was issued to is suspended.")
    if check.status != "ok":
        raise InvalidToken("The access token is unknown, expired or revoked.")
    if check.record_use:
        usage.record_after_response(check.token.grant_id, check.now)
    return check.token


def permit(access: AccessToken, scope: str, needs_user: bool) -> None:
    """Raise the RFC 6750 error when `access` may not make a call that needs `scope`."""
    if scope not in access.scopes:
        raise InsufficientScope(scope)
    if needs_user and access.user_id is None:
        raise UserRequired(
            "This call acts on a user's data; a client-credentials token has no user. "
            "Use a token from the authorization code flow."
        )


def require_oauth(scope: str, *, needs_user: bool = True, with_profile: bool = False) -> Callable:
    """Guard a view: a live bearer token with `scope` (and, by default, a user behind it).

    `with_profile`: also fetch the user's cached profile in the same round trip.
    """
    if scope not in CATALOGUE:
        raise ValueError(f"unknown scope {scope!r}")  # a typo here would lock every caller out
    GUARDED_SCOPES.add(scope)

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def guarded(*args, **kwargs):
            try:
                refuse_other_token_methods()
                access = authenticate(bearer_token(request.environ.get("HTTP_AUTHORIZATION")), with_profile)
                permit(access, scope, needs_user)
                g.api_token = access
                API_CHECK_OK.inc()
                return view(*args, **kwargs)
            except ApiError as error:
                # The one place API errors become responses (the view's own included).
                return errors.render(error)

        return guarded

    return decorator


def current_token() -> AccessToken:
    """The token of the API call being served (set by `require_oauth`)."""
    return g.api_token
