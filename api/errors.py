"""The API's errors: one class per outcome, rendered as JSON in one place.

Bearer-token errors follow RFC 6750 §3: the status, the `error` code and a
`WWW-Authenticate: Bearer` challenge that carries the same code, except for
a request with no credentials at all, whose challenge carries none (§3.1).
Every challenge names the API's metadata document in `resource_metadata`
(RFC 9728 §5.1), so a client that knows nothing else can find the
authorization server from its first 401.
"""

import functools

from flask import Response

from api.rate_limit import Quota
from api.resource_metadata import metadata_url
from oauth.responses import issuer
from observability import metrics
from web.json_text import compact_json

REALM = "api"


class ApiError(Exception):
    """An API request that cannot be served; `status` and `error` say why."""

    status = 400
    error = "invalid_request"
    challenge = False  # send a WWW-Authenticate: Bearer challenge

    def __init__(self, description: str, **extra):
        super().__init__(description)
        self.description = description
        self.extra = extra

    def challenge_params(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}

    def headers(self) -> list[tuple[str, str]]:
        if not self.challenge:
            return []
        params = (*self.challenge_params().items(), ("resource_metadata", metadata_url(issuer())))
        return [("WWW-Authenticate", _challenge(params))]


class InvalidRequest(ApiError):
    """RFC 6750 §3.1 invalid_request: malformed credentials or a token sent another way."""

    challenge = True


class MissingToken(ApiError):
    """No bearer credentials at all: the bare challenge, realm and `resource_metadata` only (RFC 6750 §3.1).

    The JSON body still says `invalid_token`, as every other 401 of the API
    does, so that integrations reading the body handle them all alike.
    """

    status = 401
    error = "invalid_token"
    challenge = True

    def challenge_params(self) -> dict[str, str]:
        return {}


class InvalidToken(ApiError):
    """Unknown, expired or revoked token, or its app is suspended."""

    status = 401
    error = "invalid_token"
    challenge = True


class InsufficientScope(ApiError):
    """The token lacks the scope this call needs; the challenge names it."""

    status = 403
    error = "insufficient_scope"
    challenge = True

    def __init__(self, scope: str):
        super().__init__(f"This call needs the '{scope}' scope, which the token does not have.", scope=scope)
        self.scope = scope

    def challenge_params(self) -> dict[str, str]:
        return {**super().challenge_params(), "scope": self.scope}


class UserRequired(ApiError):
    """A token without a user (client credentials) on an endpoint about a user's data."""

    status = 403
    error = "user_token_required"


class RateLimited(ApiError):
    """The client's quota for this window is spent; the whole quota is back at Retry-After."""

    status = 429
    error = "rate_limited"

    def __init__(self, quota: Quota):
        retry_after = max(quota.reset, 1)
        super().__init__(
            f"The app's hourly call limit is spent; retry in {retry_after} seconds.", retry_after=retry_after
        )
        self.retry_after = retry_after

    def headers(self) -> list[tuple[str, str]]:
        return [("Retry-After", str(self.retry_after))]


class InvalidBody(ApiError):
    """The JSON body is missing, malformed or has a field that breaks the rules."""


# The same few errors repeat at a high rate (an unknown token above all), so
# each distinct body and challenge is written once and then reused. Some
# descriptions echo what the caller sent (a body's unknown field names, at
# most 16 KiB), so the caches are kept small: a few hundred KiB at worst.
CACHED_ERRORS = 32


@functools.lru_cache(maxsize=CACHED_ERRORS)
def _challenge(params: tuple[tuple[str, str], ...]) -> str:
    return "Bearer " + ", ".join(f'{k}="{_quote(v)}"' for k, v in (("realm", REALM), *params))


@functools.lru_cache(maxsize=CACHED_ERRORS)
def _body(error: str, description: str, extra: tuple) -> str:
    document = {"error": error, "error_description": description, **dict(extra)}
    return compact_json(document)


def _quote(value: str) -> str:
    # A quoted-string (RFC 9110 §5.6.4) must escape backslash and quote.
    return value.replace("\\", "\\\\").replace('"', '\\"')


def render(error: ApiError) -> Response:
    """The JSON response for `error`."""
    metrics.API_CHECKS.labels(error.error).inc()
    body = _body(error.error, error.description, tuple(error.extra.items()))
    return Response(body, error.status, error.headers(), mimetype="application/json")
