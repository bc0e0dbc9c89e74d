"""Log lines are whole, one write each, in either format; request IDs are unique, per process too."""

import json
import os
import re
import threading

import pytest

from observability import logs
from web import request_log

FIELDS = {"request_id": "ab12", "method": "GET", "path": "/me", "status": 200, "duration_ms": 1.5, "user_id": None}


@pytest.fixture
def writes(monkeypatch):
    """Every os.write the log makes, as (file descriptor, bytes)."""
    made = []
    monkeypatch.setattr(logs.os, "write", lambda fd, data: made.append((fd, bytes(data))) or len(data))
    yield made
    logs.configure("")


def test_a_json_line_is_one_object_in_one_write_to_stderr(writes):
    logs.configure("json")
    logs.request(FIELDS)
    [(fd, data)] = writes
    assert fd == 2 and data.endswith(b"\n") and data.count(b"\n") == 1
    entry = json.loads(data)
    assert entry == {**FIELDS, "event": "request", "time": entry["time"]}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", entry["time"])


def test_a_readable_line_quotes_what_could_fake_another_line(writes):
    logs.configure("")
    logs.security_event({"action": "token.reused", "path": '/a b\n2026-01-01 INFO request x="y"', "user_id": None})
    [(_, data)] = writes
    line = data.decode()
    assert line.count("\n") == 1 and " WARNING security_event action=token.reused path=" in line
    assert "user_id" not in line  # an absent value is left out, not written as None


def test_a_short_write_is_finished_and_a_failed_one_dropped(monkeypatch):
    written = []

    def two_bytes_at_a_time(fd, data):
        written.append(bytes(data[:2]))
        return 2

    monkeypatch.setattr(logs.os, "write", two_bytes_at_a_time)
    logs.request(FIELDS)
    assert b"".join(written).endswith(b"\n")

    def closed(fd, data):
        raise BrokenPipeError

    monkeypatch.setattr(logs.os, "write", closed)
    logs.request(FIELDS)  # no exception: a log line never fails a request


def test_lines_from_many_threads_stay_whole(capfd):
    logs.configure("json")
    try:
        threads = [threading.Thread(target=lambda: [logs.request(FIELDS) for _ in range(200)]) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        logs.configure("")
    lines = capfd.readouterr().err.splitlines()
    assert len(lines) == 1600 and all(json.loads(line)["request_id"] == "ab12" for line in lines)


def test_request_ids_are_unique_and_24_hex_characters():
    ids = {request_log.new_request_id() for _ in range(10_000)}
    assert len(ids) == 10_000 and all(re.fullmatch(r"[0-9a-f]{24}", i) for i in ids)


def test_a_forked_process_makes_ids_of_its_own():
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child
        os.write(writing, request_log.new_request_id().encode())
        os._exit(0)
    os.waitpid(child, 0)
    from_child = os.read(reading, 64).decode()
    os.close(reading)
    os.close(writing)
    assert from_child[:12] != request_log.new_request_id()[:12]
