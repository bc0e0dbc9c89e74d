"""A grant's last use, recorded after the response has gone out, as a real server sends it."""

import time

import requests

from tests.support.api import last_used_in_postgres, user_with_token


def test_over_real_http_the_last_use_reaches_postgres(app, live_server):
    issued = user_with_token(app, "a@example.com", ["read:profile"])
    answer = requests.get(live_server.url + "/api/v1/me", headers=issued.headers, timeout=10)
    assert answer.status_code == 200
    deadline = time.monotonic() + 5
    while last_used_in_postgres(app, issued.grant_id) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert last_used_in_postgres(app, issued.grant_id) is not None
