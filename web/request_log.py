"""One log line and one metric sample per request, and the request ID every response carries.

A WSGI wrapper around the whole app (outside ProxyFix, so that the address
it logs is the one ProxyFix settled on) times the request, settles its ID
and adds it to whatever response leaves, error pages and 503s included.
Flask tells it, through the WSGI environ, which endpoint answered and for
whom.

The ID is the incoming `X-Request-ID` only behind a trusted proxy
(TRUSTED_PROXY_HOPS > 0), which sets or passes it on, and only when it is
well formed; a caller reaching the app directly could otherwise plant IDs
that collide with other requests' in the operators' logs. Otherwise the ID
is new: a random prefix per process and a counter, unique without a call to
the system's random source per request.

What a line holds is fixed here and nothing else reaches it: the route's
pattern rather than its path when the route has variables (reset and
sign-in links carry tokens in their paths), never a query string, a header,
a cookie or a body. This runs on every request, the API's hot path among
them: it does no more than it must.
"""

import itertools
import os
import re
import secrets
from time import perf_counter

from flask import Flask, g, request

from observability import logs, metrics

REQUEST_ID_HEADER = "X-Request-ID"
_INCOMING_ID = "HTTP_X_REQUEST_ID"
# A proxy's ID is kept when it cannot smuggle anything into a log line or a header.
_WELL_FORMED_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:=+/-]{0,127}")
_ANSWERED_BY = "oauth.answered_by"  # environ key: (endpoint, logged path, user ID, client ID)
_UNANSWERED = ("unanswered", "", None, None)
# Path segments this long may be credentials (ours are 40+ characters): an unmatched path loses them.
_LONG_SEGMENT = re.compile(r"[^/]{24,}")
MAX_LOGGED_PATH = 200


def init_app(app: Flask) -> None:
    """Wrap the app (call after ProxyFix is in place) and note, after each request, who answered it."""
    app.wsgi_app = RequestLog(app.wsgi_app, trust_incoming_id=app.config["TRUSTED_PROXY_HOPS"] > 0)
    app.after_request(_note_who_answered)


class RequestLog:
    def __init__(self, wsgi_app, trust_incoming_id: bool):
        self.wsgi_app = wsgi_app
        self.trust_incoming_id = trust_incoming_id

    def __call__(self, environ, start_response):
        started = perf_counter()
        request_id = self.request_id(environ)
        status = "500"  # when the app raised before it started a response

        def start_with_id(status_line, headers, exc_info=None):
            nonlocal status
            status = status_line
            headers.append((REQUEST_ID_HEADER, request_id))
            return start_response(status_line, headers, exc_info)

        try:
            return self.wsgi_app(environ, start_with_id)
        finally:
            _record(environ, request_id, int(status[:3]), perf_counter() - started)

    def request_id(self, environ: dict) -> str:
        """The trusted proxy's ID when there is one and it is well formed, else a new one."""
        if self.trust_incoming_id:
            incoming = environ.get(_INCOMING_ID)
            if incoming and _WELL_FORMED_ID.fullmatch(incoming):
                return incoming
        return new_request_id()


_prefix = ""
_counter = itertools.count()


def _renew_prefix() -> None:
    global _prefix
    _prefix = secrets.token_hex(6)


_renew_prefix()
os.register_at_fork(after_in_child=_renew_prefix)  # a forked worker must not repeat its parent's IDs


def new_request_id() -> str:
    """24 hex characters: this process's random prefix, then its count of requests."""
    return f"{_prefix}{next(_counter) & 0xFFFFFFFFFFFF:012x}"


def _note_who_answered(response):
    req = request._get_current_object()  # one proxy lookup, not one per attribute read
    state = g._get_current_object()
    rule = req.url_rule
    path = rule.rule if rule is not None else _unmatched_path(req.path)
    token = getattr(state, "api_token", None)
    if token is not None:
        user_id, client_id = token.user_id, token.client_id
    else:  # flask-login's cache: set only where the request needed the user
        user_id, client_id = getattr(getattr(state, "_login_user", None), "id", None), None
    req.environ[_ANSWERED_BY] = (req.endpoint or "unmatched", path, user_id, client_id)
    return response


def _unmatched_path(path: str) -> str:
    return _LONG_SEGMENT.sub("…", path)[:MAX_LOGGED_PATH]


def _record(environ: dict, request_id: str, status: int, seconds: float) -> None:
    endpoint, path, user_id, client_id = environ.get(_ANSWERED_BY, _UNANSWERED)
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
