"""CORS (the Fetch standard's CORS protocol): which browser origins may read which answers.

Two policies, decided per endpoint and never with credentials (no
`Access-Control-Allow-Credentials`: these endpoints take bearer tokens and
client IDs, never cookies, so a page on another origin gains nothing it
could not send from a server):

- `ANY_ORIGIN` (`Access-Control-Allow-Origin: *`): the metadata documents
  (every path under /.well-known/), the JWKS and the protected API, as
  GitHub's REST API does. A blueprint opts in with `open_to_any_origin`, a
  single view with `@any_origin`.
- `PUBLIC_CLIENT_ORIGINS`: the token, revocation and userinfo endpoints
  answer only the origins of redirect URIs registered by active public
  clients (single-page apps), echoed back with `Vary: Origin`. A view opts
  in with `@for_public_clients`; the lookup is one Redis command
  (oauth/browser_origins.py), made only when a request carries an `Origin`.

Preflights need no route of their own: `accounts.login.answer_options`
gives Flask's automatic OPTIONS answer before any blueprint guard, and the
headers are added here, after every response, so a preflight and the real
request get the same decision, errors (401, 429, 503) included: a browser
app can read why it failed. Any other origin, `null` included, gets no CORS
header at all.
"""

import logging
import re
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, current_app, request
from flask.globals import request_ctx

from stores import StoreUnavailable, postgres, redis_client

log = logging.getLogger(__name__)

ANY_ORIGIN = "any-origin"
PUBLIC_CLIENT_ORIGINS = "public-client-origins"
_POLICY = "cors_policy"  # the attribute a view function or blueprint carries
EXTENSION = "cors"
WELL_KNOWN = "/.well-known/"  # RFC 8615: every document there is public metadata

ALLOWED_REQUEST_HEADERS = "Authorization, Content-Type"
# What a browser app needs to read beside the body: the challenge, the quota and the request's ID.
EXPOSED_HEADERS = "WWW-Authenticate, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, X-Request-ID"
# How long a browser may reuse a preflight's answer. Chromium caps it at two
# hours. The public-client set can change (a suspended app), so its answer is
# kept shorter; each real request is checked again in any case.
ANY_ORIGIN_MAX_AGE = "7200"
PUBLIC_CLIENT_MAX_AGE = "600"
MAX_ORIGIN_LENGTH = 2048
DEFAULT_PORTS = {"http": 80, "https": 443}
_NOT_CORS_METHODS = frozenset({"OPTIONS", "HEAD"})
# What a host in a serialized origin may be made of once IDNA-encoded: a name, an IPv4 or an IPv6 literal.
_HOST = re.compile(r"[a-z0-9-]+(\.[a-z0-9-]+)*|[0-9a-f:.]+")


def for_public_clients(view: Callable) -> Callable:
    """Mark a view as answering the origins of public clients' redirect URIs."""
    setattr(view, _POLICY, PUBLIC_CLIENT_ORIGINS)
    return view


def any_origin(view: Callable) -> Callable:
    """Mark a view as answering every origin (`*`)."""
    setattr(view, _POLICY, ANY_ORIGIN)
    return view


def open_to_any_origin(blueprint: Blueprint) -> Blueprint:
    """Mark every view of `blueprint` as answering every origin (`*`)."""
    setattr(blueprint, _POLICY, ANY_ORIGIN)
    return blueprint


def origin_of(url: str) -> str | None:
    """The web origin of an http(s) `url`, serialized as a browser's `Origin` header sends it (RFC 6454 §6.2).

    None for any other scheme (an app's own scheme has no web origin) and
    for what cannot be parsed or IDNA-encoded.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
        host = (parts.hostname or "").encode("idna").decode("ascii")
    except (ValueError, UnicodeError):
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not _HOST.fullmatch(host):
        return None
    if ":" in host:
        host = f"[{host}]"  # an IPv6 literal keeps its brackets
    return f"{scheme}://{host}" + ("" if port in (None, DEFAULT_PORTS[scheme]) else f":{port}")


def init_app(app: Flask, public_client_origin: Callable[[str], bool]) -> None:
    """Add CORS headers after every response; `public_client_origin(origin)` says whether a public client uses it."""
    app.extensions[EXTENSION] = {"policies": {}, "public_client_origin": public_client_origin}
    app.after_request(add_cors_headers)


def add_cors_headers(response: Response) -> Response:
    policy = _policy_of(request.endpoint)
    if policy == ANY_ORIGIN:
        _allow(response, "*", ANY_ORIGIN_MAX_AGE)
    elif policy == PUBLIC_CLIENT_ORIGINS:
        _vary_on_origin(response)
        origin = request.headers.get("Origin")
        if origin and _is_public_client_origin(origin):
            _allow(response, origin, PUBLIC_CLIENT_MAX_AGE)
    return response


def _vary_on_origin(response: Response) -> None:
    # Set directly when nothing else varies (every token response): `vary.add` parses and rewrites the header.
    if "Vary" in response.headers:
        response.vary.add("Origin")
    else:
        response.headers["Vary"] = "Origin"


def _allow(response: Response, origin: str, max_age: str) -> None:
    headers = response.headers
    headers["Access-Control-Allow-Origin"] = origin
    if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
        headers["Access-Control-Allow-Methods"] = ", ".join(_methods_of_this_path())
        headers["Access-Control-Allow-Headers"] = ALLOWED_REQUEST_HEADERS
        headers["Access-Control-Max-Age"] = max_age
    else:
        headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS


def _methods_of_this_path() -> list[str]:
    # What Flask's own OPTIONS answer lists in `Allow`, less the methods CORS never asks about.
    return sorted(set(request_ctx.url_adapter.allowed_methods()) - _NOT_CORS_METHODS)


def _policy_of(endpoint: str | None) -> str | None:
    """The endpoint's policy: its view's mark, else its blueprint's, else `*` under /.well-known/; memoized."""
    if endpoint is None:
        return None
    policies = current_app.extensions[EXTENSION]["policies"]
    if endpoint not in policies:
        view = current_app.view_functions.get(endpoint)
        blueprint = current_app.blueprints.get(endpoint.rpartition(".")[0])
        policy = getattr(view, _POLICY, None) or getattr(blueprint, _POLICY, None)
        if policy is None and request.url_rule is not None and request.url_rule.rule.startswith(WELL_KNOWN):
            policy = ANY_ORIGIN
        policies[endpoint] = policy
    return policies[endpoint]


def _is_public_client_origin(origin: str) -> bool:
    """Whether a public client registered a redirect URI on `origin`; False (and a warning) when Redis is down."""
    if len(origin) > MAX_ORIGIN_LENGTH or origin_of(origin) != origin:
        return False  # `null`, a path, odd case or a default port: never how a stored origin is spelled
    try:
        return current_app.extensions[EXTENSION]["public_client_origin"](origin)
    except (StoreUnavailable, *redis_client.CONNECTION_ERRORS, *postgres.CONNECTION_ERRORS) as error:
        # Fail closed: no CORS headers. The view's own store calls answer 503 if they need Redis.
        log.warning("CORS origin check failed, origin not allowed: %s", error)
        return False
