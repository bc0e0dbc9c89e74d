"""One place that turns failures into responses: JSON for programs, HTML for people.

Programs call the machine endpoints (web.machine); everything else is a
page a person reads. A store that is down is a 503 in the matching shape, never a
traceback.

The error page itself can fail (its template, a context processor, a store
the layout reads while that store is down): then a static page with the same
status is served, and that failure is logged once.
"""

import logging

from flask import Flask, jsonify, render_template
from markupsafe import escape
from werkzeug.exceptions import HTTPException

from observability import metrics
from stores import StoreUnavailable, postgres, redis_client
from web.machine import wants_json
from web.support import support_contact

log = logging.getLogger(__name__)

# Nothing here can fail: no template, no session, no store.
STATIC_ERROR_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Error {status}</title></head>
<body><h1>Error {status}</h1><p>{description}</p><p><a href="/">Back to the start page</a></p></body></html>
"""


def error_response(status: int, error: str, description: str, headers: dict | None = None):
    """Render an error as JSON (RFC 6749 §5.2 field names) or as an HTML page."""
    if wants_json():
        response = jsonify(error=error, error_description=description)
    else:
        response = error_page(status, description)
    return response, status, headers or {}


def error_page(status: int, description: str) -> str:
    """The error page, or the static one if rendering it fails."""
    try:
        return render_template("errors/error.html", status=status, description=description)
    except Exception:
        log.exception("the %s error page could not be rendered; served the static one", status)
        return STATIC_ERROR_PAGE.format(status=status, description=escape(description))


def store_unavailable(store: str):
    metrics.STORE_ERRORS.labels(store).inc()
    return error_response(
        503,
        "temporarily_unavailable",
        f"The service is temporarily unavailable ({store} is down). Please retry shortly.",
        {"Retry-After": "5"},
    )


def init_app(app: Flask) -> None:
    # Pages that say the platform stopped something name whom to ask (none when unset).
    contact = support_contact(app.config.get("SUPPORT_CONTACT"))
    app.context_processor(lambda: {"support_contact": contact})

    @app.errorhandler(StoreUnavailable)
    def _store_unavailable(error: StoreUnavailable):
        log.warning("%s unavailable: %s", error.store, error.__cause__)
        return store_unavailable(error.store)

    def _postgres_down(error: Exception):
        log.warning("postgres unavailable: %s", error)
        postgres.database().retire_current()
        return store_unavailable("postgres")

    def _redis_down(error: Exception):
        log.warning("redis unavailable: %s", error)
        return store_unavailable("redis")

    for error_class in postgres.CONNECTION_ERRORS:
        app.register_error_handler(error_class, _postgres_down)
    for error_class in redis_client.CONNECTION_ERRORS:
        app.register_error_handler(error_class, _redis_down)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        response = error.get_response()
        headers = {k: v for k, v in response.headers.items() if k in ("Allow", "Retry-After")}
        name = error.name.lower().replace(" ", "_")
        return error_response(error.code or 500, name, error.description or error.name, headers)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        log.exception("unhandled error")
        return error_response(500, "server_error", "Something went wrong on our side. It has been logged.")
