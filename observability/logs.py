"""The server's two log streams on stderr: one line per request, one per security event.

LOG_FORMAT=json writes each as one JSON object per line, for a log shipper;
otherwise a line a person reads. Callers hand over only fields that are safe
to keep (web/request_log.py and audit say which): this module formats, it
does not filter.

A line is formatted here and written with one `os.write` to file descriptor
2, not through `logging`: a record, its handler lock and its flush cost about
40 µs a request, two thirds of what a log line added to an API call. One
write per line keeps lines whole when threads and gunicorn's workers write at
once (a pipe writes up to PIPE_BUF bytes in one piece; a line is a few
hundred bytes). A line that cannot be written is dropped: logging never
fails a request.
"""

import json
import os
import re
import time

FORMATS = ("", "json")
STDERR = 2
_WORD = re.compile(r"[!#-~]+")  # printable ASCII without space or double quote
_encode_json = json.JSONEncoder(separators=(",", ":")).encode  # made once: json.dumps with options makes one a call


def _readable(event: str, level: str, fields: dict) -> str:
    pairs = " ".join(f"{key}={_plain(value)}" for key, value in fields.items() if value is not None)
    return f"{_timestamp()} {level} {event} {pairs}\n"


def _json(event: str, level: str, fields: dict) -> str:
    # The fields' object with the time and event spliced in front: no merged copy of the dict.
    return f'{{"time":"{_timestamp()}","event":"{event}",{_encode_json(fields)[1:]}\n'


_format = _readable


def configure(log_format: str) -> None:
    """Write both streams in `log_format` from now on; safe to call again (each app a test makes does)."""
    global _format
    _format = _json if log_format == "json" else _readable


def request(fields: dict) -> None:
    _write(_format("request", "INFO", fields))


def security_event(fields: dict) -> None:
    _write(_format("security_event", "WARNING", fields))


def _write(line: str) -> None:
    data = line.encode("utf-8", "backslashreplace")
    try:
        while data:  # a regular file or pipe takes it whole; a signal could cut a long write short
            data = data[os.write(STDERR, data) :]
    except OSError:
        pass


def _plain(value) -> str:
    """`value` as one word: quoted and escaped when it has spaces or controls that could fake another line."""
    if type(value) is int or type(value) is float:
        return str(value)
    text = str(value)
    return text if _WORD.fullmatch(text) else json.dumps(text)


_second = (-1, "")  # the last whole second formatted, and its text: one strftime a second, not one a line


def _timestamp() -> str:
    global _second
    now = time.time()
    whole = int(now)
    if whole != _second[0]:
        _second = (whole, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)))
    return f"{_second[1]}.{int((now - whole) * 1000):03d}Z"
