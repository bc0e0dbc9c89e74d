"""Input no store can hold, and bodies no route needs, are refused as a clear 4xx rather than a 500 or a busy worker.

Every request is a `GuardedRequest`, which parses nothing by itself: a body
is read only when a route (or CSRF's check of a page's form) reads
`request.form` or the data, so a body sent to a path that ignores it costs
nothing. When one is read:

- Its size is capped: 64 KiB for a page's form, 16 KiB at a machine endpoint
  (web.machine). Nothing a person or an integration sends here comes near
  either; past it the answer is 413 before a byte is parsed.
- Its fields are counted before they are parsed: a urlencoded body of
  hundreds of thousands of empty fields (`&&&...`) otherwise costs a second
  of CPU to split; more than 1,000 fields on a page, or 100 at a machine
  endpoint, is a 413 too. (Werkzeug's `max_form_parts` covers multipart
  bodies only; here it covers urlencoded ones as well.) A urlencoded body,
  what every OAuth endpoint takes, is split here in one step rather than
  through Werkzeug's form parser, whose set-up costs more than the split.
- A NUL character in the query or a form field is a 400 (invalid_request, in
  the caller's format), checked as the parameters are first read: PostgreSQL
  text cannot contain one, so it would otherwise reach a query and fail
  there. No legitimate request carries one (OAuth parameters are printable
  ASCII, RFC 6749 Appendix A). The parameters of such a request read as
  empty from then on, so nothing that catches the error can use them.
  A NUL in the path is refused before any route runs (it costs nothing to see).
"""

import io
from functools import cached_property
from typing import NamedTuple
from urllib.parse import parse_qsl

from flask import Flask, Request, current_app, request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest, ClientDisconnected, RequestEntityTooLarge

from web.errors import error_response
from web.machine import is_machine_path

NUL = "\x00"
URLENCODED = "application/x-www-form-urlencoded"


class BodyLimits(NamedTuple):
    body_bytes: int
    form_fields: int


PAGE_LIMITS = BodyLimits(body_bytes=64 * 1024, form_fields=1000)
MACHINE_LIMITS = BodyLimits(body_bytes=16 * 1024, form_fields=100)


class NulCharacter(BadRequest):
    description = "The request contains a NUL character, which is never valid."


class TooManyFields(RequestEntityTooLarge):
    """A form with more fields than its territory allows."""


class GuardedRequest(Request):
    """Flask's request with body limits by territory (page or machine endpoint) and NUL-checked parameters."""

    _args_checked = False
    _form_checked = False

    @cached_property
    def limits(self) -> BodyLimits:
        """The territory's limits, looked up once a request."""
        return MACHINE_LIMITS if current_app and is_machine_path(self.path) else PAGE_LIMITS

    # Flask 3.1 lets a view set any of the three on `request`; otherwise the territory decides.

    @property
    def max_content_length(self) -> int | None:
        return self._max_content_length if self._max_content_length is not None else self.limits.body_bytes

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value

    @property
    def max_form_memory_size(self) -> int | None:
        return self._max_form_memory_size if self._max_form_memory_size is not None else self.limits.body_bytes

    @max_form_memory_size.setter
    def max_form_memory_size(self, value: int | None) -> None:
        self._max_form_memory_size = value

    @property
    def max_form_parts(self) -> int | None:
        return self._max_form_parts if self._max_form_parts is not None else self.limits.form_fields

    @max_form_parts.setter
    def max_form_parts(self, value: int | None) -> None:
        self._max_form_parts = value

    @property
    def args(self) -> MultiDict:
        values = super().args
        if not self._args_checked and values:
            self._refuse_nul("args", values)
        self._args_checked = True
        return values

    @property
    def form(self) -> MultiDict:
        values = super().form
        if not self._form_checked and values:
            self._refuse_nul("form", values)
        self._form_checked = True
        return values

    def _load_form_data(self) -> None:
        if "form" in self.__dict__ or self.mimetype != URLENCODED:
            super()._load_form_data()  # multipart (Werkzeug applies max_form_parts), or no form at all
            return
        body = self._urlencoded_body()
        if body.count(b"&") >= self.max_form_parts:
            raise TooManyFields(f"The form has more than {self.max_form_parts} fields.")
        try:
            fields = _split_form(body.decode())
        except UnicodeDecodeError:
            fields = []  # as Werkzeug answers a body that is not UTF-8: an empty form
        self.__dict__.update(form=self.parameter_storage_class(fields), files=self.parameter_storage_class())

    def _urlencoded_body(self) -> bytes:
        """The whole body, read straight from the server when its length is known and within the cap."""
        cached = getattr(self, "_cached_data", None)  # get_data() read it first
        if cached is not None:
            return cached
        length = self.content_length
        if length is None or length > self.max_content_length:
            return self.stream.read()  # Werkzeug's stream: a 413, or a body without a length read up to the cap
        body = self.environ["wsgi.input"].read(length)
        if len(body) != length:
            raise ClientDisconnected()  # as Werkzeug's stream answers a body cut short
        self.__dict__["stream"] = io.BytesIO()  # read: what a later reader of the stream finds
        return body

    def _refuse_nul(self, name: str, values: MultiDict) -> None:
        if any(NUL in key or NUL in value for key, value in values.items(multi=True)):
            self.__dict__[name] = self.parameter_storage_class()  # what later readers find
            raise NulCharacter()


def _split_form(text: str) -> list[tuple[str, str]]:
    """The fields of a urlencoded body, as Werkzeug splits them: blank values kept, bad percent-escapes kept as typed.

    A body with nothing escaped, what OAuth clients mostly send, is split
    without the decoding pass.
    """
    if "%" in text or "+" in text:
        return parse_qsl(text, keep_blank_values=True, errors="werkzeug.url_quote")
    fields = []
    for part in text.split("&"):
        if part:
            name, _, value = part.partition("=")
            fields.append((name, value))
    return fields


def init_app(app: Flask) -> None:
    app.request_class = GuardedRequest
    app.before_request(refuse_nul_in_path)
    app.register_error_handler(NulCharacter, _nul_character)
    app.register_error_handler(RequestEntityTooLarge, _too_large)


def refuse_nul_in_path():
    """400 before any route runs if the path holds a NUL character (the query and form are checked as read)."""
    if NUL in request.path:
        raise NulCharacter()
    return None


def _nul_character(error: NulCharacter):
    return error_response(400, "invalid_request", error.description)


def _too_large(error: RequestEntityTooLarge):
    if isinstance(error, TooManyFields):
        return error_response(413, "invalid_request", error.description)
    # The input is not echoed back; the limit is named so that an honest caller knows what to send.
    limit = request.max_content_length
    within = f" (at most {limit // 1024} KiB here)" if limit else ""
    return error_response(413, "invalid_request", f"The request body is too large{within}.")
