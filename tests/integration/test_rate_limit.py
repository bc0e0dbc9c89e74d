"""The per-client rate limit: one quota for all of a client's tokens, a fixed window that really ends."""

import time

import pytest

import audit
from api.rate_limit import KEPT_WINDOWS, WINDOW_SECONDS, calls_in_window, counter_key, window_index
from oauth import clients
from stores import postgres
from stores.redis_client import get_redis
from tests.support.accounts import create_user
from tests.support.api import issue_user_token, user_with_token
from tests.support.apps import make_app
from tests.support.oauth import register_client


def calls_made(r, client_id: str) -> int:
    """The client's calls in the current hour, as the portal reads them."""
    return calls_in_window(r, [client_id], WINDOW_SECONDS)[client_id]


def counter_of(r, client_id: str, window: int = 3600) -> str:
    return counter_key(client_id, window_index(r.time()[0], window))


def test_sixth_call_of_a_client_limited_to_five_is_429_and_other_clients_are_unaffected(app, client):
    limited = user_with_token(app, "a@example.com", ["read:profile"], rate_limit=5)
    other = user_with_token(app, "b@example.com", ["read:profile"], rate_limit=5)

    for remaining in (4, 3, 2, 1, 0):
        response = client.get("/api/v1/me", headers=limited.headers)
        assert response.status_code == 200
        assert response.headers["RateLimit-Limit"] == "5"
        assert response.headers["RateLimit-Remaining"] == str(remaining)

    sixth = client.get("/api/v1/me", headers=limited.headers)
    assert sixth.status_code == 429
    assert sixth.json["error"] == "rate_limited"
    retry_after = int(sixth.headers["Retry-After"])
    assert 1 <= retry_after <= 3600
    assert sixth.json["retry_after"] == retry_after
    assert sixth.headers["RateLimit-Remaining"] == "0"
    assert sixth.headers["RateLimit-Reset"] == str(retry_after)

    assert client.get("/api/v1/me", headers=other.headers).status_code == 200


def test_all_tokens_of_a_client_share_one_quota(app, client):
    alice = create_user(app, "alice@example.com")
    bob = create_user(app, "bob@example.com")
    shared, _secret = register_client(app, owner_email=alice["email"], rate_limit=3)
    for_alice = issue_user_token(app, shared, alice["id"], ["read:profile"])
    for_bob = issue_user_token(app, shared, bob["id"], ["read:profile"])
    statuses = [client.get("/api/v1/me", headers=issued.headers).status_code for issued in (for_alice, for_bob) * 2]
    assert statuses == [200, 200, 200, 429]


def test_refused_calls_do_not_count(app, client, r):
    issued = user_with_token(app, "a@example.com", ["read:profile"], rate_limit=2)
    for _ in range(5):
        client.get("/api/v1/me", headers=issued.headers)
    assert calls_made(r, issued.client_id) == 2


def test_calls_refused_for_scope_still_count(app, client, r):
    issued = user_with_token(app, "a@example.com", ["read:profile"])
    response = client.get("/api/v1/data", headers=issued.headers)
    assert response.status_code == 403
    assert response.headers["RateLimit-Remaining"] == "999"
    assert calls_made(r, issued.client_id) == 1


def test_a_changed_limit_applies_to_the_next_call(app, client):
    issued = user_with_token(app, "a@example.com", ["read:profile"], rate_limit=2)
    for _ in range(2):
        client.get("/api/v1/me", headers=issued.headers)
    assert client.get("/api/v1/me", headers=issued.headers).status_code == 429
    with app.app_context():
        clients.set_rate_limit(postgres.get_connection(), get_redis(), audit.CLI, issued.client_id, 4)
    response = client.get("/api/v1/me", headers=issued.headers)
    assert response.status_code == 200
    assert response.headers["RateLimit-Limit"] == "4"
    assert response.headers["RateLimit-Remaining"] == "1"


def test_counter_expiry_is_set_when_created_and_never_pushed_back(app, client, r):
    issued = user_with_token(app, "a@example.com", ["read:profile"])
    client.get("/api/v1/me", headers=issued.headers)
    key = counter_of(r, issued.client_id)
    assert 0 < r.ttl(key) <= 3600 * KEPT_WINDOWS  # kept for the app page's chart of past windows
    r.expire(key, 100)  # stand-in for "the window is nearly over"
    for _ in range(3):
        client.get("/api/v1/me", headers=issued.headers)
    assert r.ttl(key) <= 100
    assert r.get(key) == "4"


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", "/api/v1/me", None, 200),
        ("GET", "/api/v1/billing", None, 403),  # insufficient scope
        ("POST", "/api/v1/data", {"title": ""}, 400),  # invalid body
    ],
)
def test_every_response_to_a_known_client_carries_the_quota(app, client, method, path, body, status):
    issued = user_with_token(app, "a@example.com", ["read:profile", "write:data"])
    response = client.open(path, method=method, headers=issued.headers, json=body)
    assert response.status_code == status
    assert response.headers["RateLimit-Limit"] == "1000"
    assert response.headers["RateLimit-Remaining"] == "999"
    assert 0 < int(response.headers["RateLimit-Reset"]) <= 3600


def test_the_window_resets(store_urls, r):
    short = make_app(store_urls, RATE_LIMIT_WINDOW_SECONDS=2)
    client = short.test_client()
    issued = user_with_token(short, "a@example.com", ["read:profile"], rate_limit=5)
    # Start at the beginning of a window so that all six calls fall into it.
    seconds, micros = r.time()
    time.sleep(2 - (seconds % 2) - micros / 1e6 + 0.05)

    statuses = [client.get("/api/v1/me", headers=issued.headers).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    retry_after = int(client.get("/api/v1/me", headers=issued.headers).headers["Retry-After"])
    assert retry_after <= 2

    time.sleep(retry_after)
    response = client.get("/api/v1/me", headers=issued.headers)
    assert response.status_code == 200
    assert response.headers["RateLimit-Remaining"] == "4"


def test_calls_this_hour_counts_the_current_window(app, client, r):
    issued = user_with_token(app, "a@example.com", ["read:profile"])
    assert calls_made(r, issued.client_id) == 0
    for _ in range(3):
        client.get("/api/v1/me", headers=issued.headers)
    assert calls_made(r, issued.client_id) == 3
