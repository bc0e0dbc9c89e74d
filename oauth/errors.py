"""OAuth errors: one class per RFC error code, raised deep and rendered once (oauth/responses.py).

Each class knows its `error` string and HTTP status. An error raised while
handling an authorization request may be sent back to the client's redirect
URI, but only once that URI is trusted (`redirect_to`); until then, and for
`FatalAuthorizationError`, the person sees an error page instead.

A description may quote what the client sent (a parameter's name, a scope),
so it is cut to RFC 6749 §5.2's characters where it is made: `error_text`.
"""

import re

# RFC 6749 §5.2 (and §4.1.2.1): error_description is %x20-21 / %x23-5B / %x5D-7E.
NOT_ERROR_TEXT = re.compile(r"[^\x20\x21\x23-\x5b\x5d-\x7e]")
MAX_ERROR_TEXT = 300  # characters: a quoted parameter may be as long as the request


def error_text(text: str) -> str:
    """`text` as an error_description may carry it: each forbidden character a `?`, at most MAX_ERROR_TEXT long."""
    allowed = NOT_ERROR_TEXT.sub("?", text)
    return allowed if len(allowed) <= MAX_ERROR_TEXT else allowed[: MAX_ERROR_TEXT - 3] + "..."


class OAuthError(Exception):
    """An error of RFC 6749 §4.1.2.1 / §5.2 (and their extensions)."""

    error = "server_error"
    status = 500

    def __init__(self, description: str = ""):
        super().__init__(description or self.error)
        self.description = error_text(description)
        self.headers: dict[str, str] = {}
        # Set once the redirect URI is known to be registered (RFC 6749 §4.1.2.1).
        self.redirect_uri: str | None = None
        self.state: str | None = None

    def redirect_to(self, redirect_uri: str, state: str | None) -> "OAuthError":
        """Mark the error as one to send back to `redirect_uri`, echoing `state`."""
        self.redirect_uri = redirect_uri
        self.state = state
        return self


class InvalidRequest(OAuthError):
    error = "invalid_request"
    status = 400


class InvalidClient(OAuthError):
    """Client authentication failed (RFC 6749 §5.2): always 401."""

    error = "invalid_client"
    status = 401

    def __init__(self, description: str = "", *, basic_attempted: bool = False):
        super().__init__(description)
        if basic_attempted:
            # RFC 6749 §5.2: MUST when the client tried the Authorization header.
            self.headers["WWW-Authenticate"] = 'Basic realm="oauth", charset="UTF-8"'


class InvalidGrant(OAuthError):
    error = "invalid_grant"
    status = 400


class UnauthorizedClient(OAuthError):
    error = "unauthorized_client"
    status = 400


class UnsupportedGrantType(OAuthError):
    error = "unsupported_grant_type"
    status = 400


class UnsupportedResponseType(OAuthError):
    error = "unsupported_response_type"
    status = 400


class SlowDown(OAuthError):
    """The client asks for tokens faster than its rate (oauth/token_limits.py): 429 with Retry-After.

    `slow_down` is RFC 8628's code for a client polling too fast (§3.5); the
    token endpoint uses it in the same sense, with RFC 6585's 429 status.
    """

    error = "slow_down"
    status = 429

    def __init__(self, description: str, *, retry_after: int):
        super().__init__(description)
        self.headers["Retry-After"] = str(retry_after)


class InvalidScope(OAuthError):
    error = "invalid_scope"
    status = 400


class AccessDenied(OAuthError):
    error = "access_denied"
    status = 403


class LoginRequired(OAuthError):
    """OpenID Connect Core §3.1.2.6, the error `prompt=none` expects when nobody is signed in."""

    error = "login_required"
    status = 401


class ConsentRequired(OAuthError):
    """OpenID Connect Core §3.1.2.6, the error `prompt=none` expects when consent is missing."""

    error = "consent_required"
    status = 403


class FatalAuthorizationError(Exception):
    """A broken authorization request that must never redirect (RFC 6749 §4.1.2.1).

    Unknown or suspended `client_id`, missing or unregistered `redirect_uri`:
    redirecting would make us an open redirector, so the person gets a page.
    """

    status = 400
    # Which page the person sees: whose doing it was decides what they are told to do.
    page = "broken_request"

    def __init__(self, description: str):
        super().__init__(description)
        self.description = description


class UnknownClient(FatalAuthorizationError):
    """No app with this client_id: never registered, or deleted by its developer."""

    page = "unknown_app"


class SuspendedClient(FatalAuthorizationError):
    """The platform suspended the app: nothing the person can fix; its developer sees why on its own page."""

    page = "suspended_app"

    def __init__(self, description: str, client: dict):
        super().__init__(description)
        self.app_name = client["name"]
        self.client_id = client["client_id"]
        self.owner_id = client.get("owner_id")
        self.reason = client.get("suspended_reason") or ""


class RequestNotSupported(OAuthError):
    """OIDC Core §6: a request object (`request`), which this server does not read."""

    error = "request_not_supported"
    status = 400


class RequestUriNotSupported(OAuthError):
    """OIDC Core §6: a request object by reference (`request_uri`), which this server does not fetch."""

    error = "request_uri_not_supported"
    status = 400
