"""One generated request at a time, held to the properties every answer must have.

- never a 5xx;
- never an error in the log (a traceback is logged at ERROR);
- at the machine endpoints (token, revocation, introspection, the API), every
  error is JSON with an `error` code, and that code and its description use
  only the characters RFC 6749 §5.2 allows.

Each request comes from an address of its own (REMOTE_ADDR), so the
per-address limits of sign-in, sign-up, forgot-password and the
authorization endpoint do not turn a campaign into a run of 429s: every
request reaches the handling behind the limit. Requests and server errors
are counted per target for the campaign's summary.
"""

import logging
import re
from collections import Counter
from dataclasses import dataclass
from itertools import count

import pytest

REQUESTS: Counter = Counter()
SERVER_ERRORS: Counter = Counter()
# RFC 6749 §5.2: error and error_description are %x20-21 / %x23-5B / %x5D-7E.
RFC6749_ERROR_TEXT = re.compile(r"[\x20\x21\x23-\x5b\x5d-\x7e]*")
SHOWN = 300  # characters of a body quoted in a failure
_ADDRESSES = count(1)


def next_address() -> str:
    """A client address no earlier request of the run came from (10.0.0.0/8 holds 16 million)."""
    number = next(_ADDRESSES) % (1 << 24)
    return f"10.{number >> 16}.{(number >> 8) & 0xFF}.{number & 0xFF}"


@dataclass
class Fuzzer:
    """Sends a target's requests and checks each answer."""

    target: str
    caplog: pytest.LogCaptureFixture

    def send(
        self,
        http,
        method: str,
        path: str,
        *,
        query: str = "",
        body: bytes | None = None,
        content_type: str | None = None,
        headers: dict[str, str] | None = None,
        machine: bool = False,
    ):
        """Send one request through the Flask test client `http`; return the response once it passed every check."""
        self.caplog.clear()
        response = http.open(
            path,
            method=method,
            query_string=query,
            data=body,
            content_type=content_type,
            headers=headers or {},
            environ_base={"REMOTE_ADDR": next_address()},
        )
        REQUESTS[self.target] += 1
        request = _describe(method, path, query, body, content_type, headers)
        if response.status_code >= 500:
            SERVER_ERRORS[self.target] += 1
        assert response.status_code < 500, f"{response.status_code} for {request}"
        logged = [record for record in self.caplog.records if record.levelno >= logging.ERROR]
        assert not logged, f"logged {logged[0].getMessage()!r} for {request}"
        if machine and response.status_code >= 400:
            check_rfc_error(response, request)
        return response


def check_rfc_error(response, request: str) -> None:
    """An error from a machine endpoint: JSON, an `error` code, both texts in RFC 6749 §5.2's characters."""
    if response.request.method == "HEAD":
        return  # no body to read
    document = response.get_json(silent=True)
    assert isinstance(document, dict), f"{response.status_code} without a JSON object for {request}"
    error = document.get("error")
    assert isinstance(error, str) and error, f"{response.status_code} without an error code for {request}"
    for field in ("error", "error_description"):
        text = document.get(field, "")
        assert isinstance(text, str) and RFC6749_ERROR_TEXT.fullmatch(text), (
            f"{field} {text!r} has characters RFC 6749 §5.2 forbids, for {request}"
        )


def _describe(method, path, query, body, content_type, headers) -> str:
    """The request, short enough to read in a failure report and complete enough to replay."""
    shown_body = body if body is None or len(body) <= SHOWN else body[:SHOWN] + b"..."
    return f"{method} {path}?{query[:SHOWN]} content_type={content_type!r} headers={headers!r} body={shown_body!r}"
