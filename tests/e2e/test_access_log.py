"""gunicorn's access log, as `make run` starts it: paths only, never a query string or a referrer."""

import os
import subprocess
import time
from pathlib import Path

import pytest
import requests

from oauth import credentials
from serve import GUNICORN_CONFIG, gunicorn_command
from tests.support.apps import wait_until_serving
from tests.support.stores import free_port

ROOT = Path(__file__).resolve().parents[2]
STATE = "state-that-must-not-be-logged"


@pytest.fixture
def gunicorn(app, store_urls, tmp_path):
    """One gunicorn worker on the test stores, its access log written to a file: (base URL, log path)."""
    port = free_port()
    log = tmp_path / "access.log"
    env = {**os.environ, **store_urls, "SECRET_KEY": "test-secret-key", "OAUTH_ISSUER": f"http://127.0.0.1:{port}"}
    server = subprocess.Popen(gunicorn_command(port, 1, "--access-logfile", str(log)), cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base)
        yield base, log
    finally:
        server.terminate()
        server.wait(30)


def test_the_access_log_never_holds_a_query_string_or_a_referrer(gunicorn):
    base, log = gunicorn
    token = credentials.new_secret(credentials.ACCESS_TOKEN_PREFIX)
    with requests.Session() as http:
        http.get(f"{base}/api/v1/me?access_token={token}", timeout=10)
        http.get(f"{base}/oauth/authorize?client_id=pa_client_x&state={STATE}", timeout=10)
        http.post(f"{base}/oauth/token?refresh_token={token}", timeout=10)
        http.get(f"{base}/login", headers={"Referer": f"https://app.example.com/cb?code={token}"}, timeout=10)
    text = _log_text(log, until="GET /login")  # the last request's line: every earlier one is there
    assert '"GET /api/v1/me HTTP/1.1" 400' in text
    assert '"GET /oauth/authorize HTTP/1.1"' in text
    assert '"POST /oauth/token HTTP/1.1"' in text
    assert token not in text
    assert STATE not in text
    assert "?" not in text
    assert "app.example.com" not in text


def test_the_format_is_gunicorns_own_setting_for_any_start_from_here():
    # `gunicorn wsgi:app` run from the project reads gunicorn.conf.py by itself; serve.py names it.
    assert GUNICORN_CONFIG == ROOT / "gunicorn.conf.py"
    assert str(GUNICORN_CONFIG) in gunicorn_command(5000, 1)


def _log_text(log: Path, until: str, timeout: float = 10) -> str:
    """The log once it holds `until` (gunicorn writes each line after its response)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log.read_text() if log.exists() else ""
        if until in text:
            return text
        time.sleep(0.05)
    raise AssertionError(f"the access log lacks {until!r}: {log.read_text()!r}")
