"""Input that no store can hold is refused at the door, as a clear 4xx rather than a 500 from deep inside.

- A NUL character anywhere in the path, the query or a form field: PostgreSQL
  text cannot contain one, so it would otherwise reach a query and fail
  there. No legitimate request carries one (OAuth parameters are printable
  ASCII, RFC 6749 Appendix A).
- A body over MAX_REQUEST_BYTES: a form is read whole into memory before any
  view can refuse it, so an unbounded body is a cheap way to exhaust a worker.
  Nothing a person or an integration sends here comes near the limit.
"""

from flask import Flask, request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import RequestEntityTooLarge

from web.errors import error_response

MAX_REQUEST_BYTES = 1024 * 1024
NUL = "\x00"
FORM_MIMETYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def init_app(app: Flask) -> None:
    if app.config.get("MAX_CONTENT_LENGTH") is None:
        app.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    app.before_request(refuse_nul_characters)
    app.register_error_handler(RequestEntityTooLarge, _too_large)


def refuse_nul_characters():
    """400 (invalid_request, in the caller's format) if the path, query or form holds a NUL character."""
    # Only parse what the request has: most API calls carry neither a query nor a form.
    in_query = bool(request.query_string) and _has_nul(request.args)
    in_form = request.mimetype in FORM_MIMETYPES and _has_nul(request.form)
    if NUL in request.path or in_query or in_form:
        return error_response(400, "invalid_request", "The request contains a NUL character, which is never valid.")
    return None


def _has_nul(values: MultiDict) -> bool:
    return any(NUL in key or NUL in value for key, value in values.items(multi=True))


def _too_large(_error: RequestEntityTooLarge):
    return error_response(413, "invalid_request", "The request body is too large.")
