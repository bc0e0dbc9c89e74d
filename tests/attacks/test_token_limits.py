"""Limits on the token endpoint, from an attacker's side: a client's token rate and its live machine tokens.

A loop asking for tokens as fast as it can gets 429 `slow_down` with
Retry-After once its rate is spent, and its tokens again once it waits; a
refusal spends neither the code nor the refresh token; strangers cannot
spend a public app's rate with made-up codes; and client-credentials tokens
of one app are capped, the oldest revoked first, so the loop cannot fill Redis.
"""

import time

import pytest

from oauth import credentials, token_limits
from settings import load_settings
from tests.support.oauth import (
    authorize_and_get_code,
    exchange_code,
    get_tokens,
    introspect,
    refresh,
    register_client,
    token_request,
)


def machine_token(http, registered, secret):
    return token_request(http, registered, secret, grant_type="client_credentials")


def assert_slow_down(response, retry_after: str = "1"):
    assert response.status_code == 429, response.text
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["error"] == "slow_down"
    assert "faster than its rate" in body["error_description"]
    assert response.headers["Retry-After"] == retry_after
    assert response.headers["Cache-Control"] == "no-store"


def wait_out(response) -> None:
    time.sleep(int(response.headers["Retry-After"]) + 0.05)


# The rate -----------------------------------------------------------------------------


def test_the_token_endpoint_answers_429_past_its_rate_and_recovers(client, app):
    registered, secret = register_client(app, token_rate=1)  # one a second, two at once
    assert [machine_token(client, registered, secret).status_code for _ in range(2)] == [200, 200]
    refused = machine_token(client, registered, secret)
    assert_slow_down(refused)
    wait_out(refused)
    assert machine_token(client, registered, secret).status_code == 200


def test_the_highest_rate_postgresql_can_hold_issues_every_token(client, app):
    # The bucket refills within the microsecond: its key still gets an expiry Redis accepts.
    registered, secret = register_client(app, token_rate=2_000_000_000)
    assert [machine_token(client, registered, secret).status_code for _ in range(5)] == [200] * 5


def test_the_default_rate_is_ten_a_second_with_twenty_at_once(client, app):
    registered, secret = register_client(app)
    assert registered["token_rate"] == token_limits.DEFAULT_TOKEN_RATE == 10
    started = time.monotonic()
    statuses = [machine_token(client, registered, secret).status_code for _ in range(40)]
    elapsed = time.monotonic() - started
    granted = statuses.count(200)
    assert statuses[:20] == [200] * 20
    assert granted <= 20 + 10 * elapsed + 1  # what two seconds' burst and the rate allow, no more
    assert set(statuses) <= {200, 429}
    if elapsed < 1.5:
        assert 429 in statuses


def test_a_refresh_refused_for_the_rate_leaves_the_token_unspent(client, app, signed_in_user):
    registered, secret = register_client(app, token_rate=1)
    tokens = get_tokens(client, registered, secret)  # the code exchange: one
    spent_rate = machine_token(client, registered, secret)  # two: the burst is spent
    assert spent_rate.status_code == 200
    refused = refresh(client, registered, secret, tokens["refresh_token"])
    assert_slow_down(refused)
    wait_out(refused)
    rotated = refresh(client, registered, secret, tokens["refresh_token"])
    assert rotated.status_code == 200, rotated.text  # neither spent nor taken for a reuse
    assert introspect(client, registered, secret, rotated.get_json()["access_token"])["active"]


def test_a_code_exchange_refused_for_the_rate_leaves_the_code_unspent(client, app, signed_in_user):
    registered, secret = register_client(app, token_rate=1)
    code, verifier = authorize_and_get_code(client, registered)
    for _ in range(2):
        assert machine_token(client, registered, secret).status_code == 200
    refused = exchange_code(client, registered, secret, code, verifier)
    assert_slow_down(refused)
    wait_out(refused)
    assert exchange_code(client, registered, secret, code, verifier).status_code == 200


def test_made_up_codes_and_refresh_tokens_do_not_spend_a_public_apps_rate(client, app, signed_in_user):
    public, _ = register_client(app, client_type="public", token_rate=1)
    for _ in range(15):  # well-formed, so each reaches the script that counts the rate
        guess = {"grant_type": "authorization_code", "code": credentials.new_secret(credentials.CODE_PREFIX)}
        assert token_request(client, public, None, **guess).get_json()["error"] == "invalid_grant"
        guess = {
            "grant_type": "refresh_token",
            "refresh_token": credentials.new_secret(credentials.REFRESH_TOKEN_PREFIX),
        }
        assert token_request(client, public, None, **guess).get_json()["error"] == "invalid_grant"
    assert "refresh_token" in get_tokens(client, public, None)


def test_one_apps_rate_is_its_own(client, app):
    greedy, greedy_secret = register_client(app, name="Greedy", token_rate=1)
    bystander, bystander_secret = register_client(app, name="Bystander", token_rate=1)
    for _ in range(2):
        machine_token(client, greedy, greedy_secret)
    assert_slow_down(machine_token(client, greedy, greedy_secret))
    assert machine_token(client, bystander, bystander_secret).status_code == 200


# Live machine tokens ---------------------------------------------------------------------


@pytest.fixture
def cap_of_three(app, monkeypatch):
    monkeypatch.setitem(app.config, "CLIENT_CREDENTIALS_TOKEN_CAP", 3)


def test_machine_tokens_are_capped_and_the_oldest_go_first(client, app, r, cap_of_three):
    registered, secret = register_client(app, token_rate=1000)
    tokens = [machine_token(client, registered, secret).get_json()["access_token"] for _ in range(5)]
    active = [introspect(client, registered, secret, token)["active"] for token in tokens]
    assert active == [False, False, True, True, True]
    assert r.zcard(token_limits.machine_tokens_key(registered["client_id"])) == 3


def test_a_loop_of_machine_token_requests_cannot_fill_redis(client, app, r, cap_of_three):
    registered, secret = register_client(app, token_rate=1000)
    for _ in range(60):
        assert machine_token(client, registered, secret).status_code == 200
    assert len(list(r.scan_iter(match="*}at:*"))) == 3
    per_client = [key for key in r.scan_iter() if not key.startswith("{cors}")]  # the platform's CORS origins: one key
    assert len(per_client) <= 6  # the tokens, their index, the client's state and its rate


def test_the_cap_leaves_the_apps_user_tokens_alone(client, app, signed_in_user, cap_of_three):
    registered, secret = register_client(app, token_rate=1000)
    user_tokens = get_tokens(client, registered, secret)
    for _ in range(10):
        machine_token(client, registered, secret)
    assert introspect(client, registered, secret, user_tokens["access_token"])["active"]
    assert refresh(client, registered, secret, user_tokens["refresh_token"]).status_code == 200


# Settings ------------------------------------------------------------------------------------


def test_the_limits_are_read_from_the_environment_with_their_defaults():
    defaults = load_settings({})
    assert defaults["REFRESH_FAMILY_LIFETIME_SECONDS"] == 90 * 24 * 3600
    assert defaults["CLIENT_CREDENTIALS_TOKEN_CAP"] == 100
    chosen = load_settings({"REFRESH_FAMILY_LIFETIME_SECONDS": "86400", "CLIENT_CREDENTIALS_TOKEN_CAP": "5"})
    assert (chosen["REFRESH_FAMILY_LIFETIME_SECONDS"], chosen["CLIENT_CREDENTIALS_TOKEN_CAP"]) == (86400, 5)
