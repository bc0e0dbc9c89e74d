"""The server's two log streams on stderr: one line per request, one per security event.

LOG_FORMAT=json writes each as one JSON object per line, for a log shipper;
otherwise a line a person reads. Callers hand over only fields that are safe
to keep (web/request_log.py and audit say which): this module formats, it
does not filter.
"""

import json
import logging
import re
import sys
import time

REQUESTS = logging.getLogger("oauth.requests")
SECURITY = logging.getLogger("oauth.security")
FORMATS = ("", "json")
_WORD = re.compile(r"[!#-~]+")  # printable ASCII without space or double quote


class _CurrentStderr(logging.StreamHandler):
    """A handler that writes to whatever sys.stderr is when it writes (gunicorn's, or a test's capture)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return json.dumps({"time": _timestamp(record), "event": record.msg, **record.fields}, separators=(",", ":"))


class Readable(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        pairs = " ".join(f"{key}={_plain(value)}" for key, value in record.fields.items() if value is not None)
        return f"{_timestamp(record)} {record.levelname} {record.msg} {pairs}"


def _plain(value) -> str:
    """`value` as one word: quoted and escaped when it has spaces or controls that could fake another line."""
    text = str(value)
    return text if _WORD.fullmatch(text) else json.dumps(text)


def _timestamp(record: logging.LogRecord) -> str:
    seconds = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
    return f"{seconds}.{int(record.msecs):03d}Z"


def configure(log_format: str) -> None:
    """Point both streams at stderr in `log_format`; safe to call again (each app a test makes does)."""
    formatter = JsonLines() if log_format == "json" else Readable()
    for logger in (REQUESTS, SECURITY):
        if not logger.handlers:
            logger.addHandler(_CurrentStderr())
        logger.handlers[0].setFormatter(formatter)
        logger.setLevel(logging.INFO)
        logger.propagate = False  # the root logger's handlers would write each line a second time


def request(fields: dict) -> None:
    REQUESTS.info("request", extra={"fields": fields})


def security_event(fields: dict) -> None:
    SECURITY.warning("security_event", extra={"fields": fields})
