"""One log line and one metric sample per request, and the request ID every response carries.

A WSGI wrapper around the whole app (outside ProxyFix, so that the address
it logs is the one ProxyFix settled on) times the request, takes a
well-formed `X-Request-ID` or makes one, and adds it to whatever response
leaves, error pages and 503s included. Flask tells it, through the WSGI
environ, which endpoint answered and for whom.

What a line holds is fixed here and nothing else reaches it: the route's
pattern rather than its path when the route has variables (reset and
sign-in links carry tokens in their paths), never a query string, a header,
a cookie or a body.
"""

import re
import secrets
from time import perf_counter

from flask import Flask, g, request

from observability import logs, metrics

REQUEST_ID_HEADER = "X-Request-ID"
_INCOMING_ID = "HTTP_X_REQUEST_ID"
# A proxy's or caller's ID is kept when it cannot smuggle anything into a log line or a header.
_WELL_FORMED_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:=+/-]{0,127}")
_ANSWERED_BY = "oauth.answered_by"  # environ key: (endpoint, logged path, user ID, client ID)
# Path segments this long may be credentials (ours are 40+ characters): an unmatched path loses them.
_LONG_SEGMENT = re.compile(r"[^/]{24,}")
MAX_LOGGED_PATH = 200


def init_app(app: Flask) -> None:
    """Wrap the app (call after ProxyFix is in place) and note, after each request, who answered it."""
    app.wsgi_app = RequestLog(app.wsgi_app)
    app.after_request(_note_who_answered)


class RequestLog:
    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        started = perf_counter()
        request_id = accepted_request_id(environ.get(_INCOMING_ID))
        answered = []

        def start_with_id(status, headers, exc_info=None):
            headers.append((REQUEST_ID_HEADER, request_id))
            answered.append(status)
            return start_response(status, headers, exc_info)

        try:
            return self.wsgi_app(environ, start_with_id)
        finally:
            status = int(answered[-1][:3]) if answered else 500
            _record(environ, request_id, status, perf_counter() - started)


def accepted_request_id(incoming: str | None) -> str:
    """The caller's ID when it is well formed, else a new random one."""
    if incoming and _WELL_FORMED_ID.fullmatch(incoming):
        return incoming
    return secrets.token_hex(12)


def _note_who_answered(response):
    rule = request.url_rule
    path = rule.rule if rule is not None else _unmatched_path(request.path)
    token = g.get("api_token")
    user = g.get("_login_user")  # flask-login's cache: set only where the request needed the user
    user_id = token.user_id if token is not None else getattr(user, "id", None)
    client_id = token.client_id if token is not None else None
    request.environ[_ANSWERED_BY] = (request.endpoint or "unmatched", path, user_id, client_id)
    return response


def _unmatched_path(path: str) -> str:
    return _LONG_SEGMENT.sub("…", path)[:MAX_LOGGED_PATH]


def _record(environ: dict, request_id: str, status: int, seconds: float) -> None:
    endpoint, path, user_id, client_id = environ.get(_ANSWERED_BY) or ("unanswered", "", None, None)
    method = environ.get("REQUEST_METHOD", "")
    metrics.observe_request(endpoint, method, status, seconds)
    logs.request(
        {
            "request_id": request_id,
            "method": method[:16],
            "endpoint": endpoint,
            "path": path,
            "status": status,
            "duration_ms": round(seconds * 1000, 2),
            "client_address": environ.get("REMOTE_ADDR"),
            "user_id": user_id,
            "client_id": client_id,
        }
    )
