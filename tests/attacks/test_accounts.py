"""Sign-in throttling from a password guesser's side: the owner elsewhere, other spellings, forged headers."""

import pytest

from accounts import throttle, users
from stores import postgres
from tests.support.accounts import AuthActions, create_user, csrf_token
from tests.support.apps import make_app
from tests.support.oauth import authorize_params, pkce_pair, register_client
from tests.support.throttle import Clock, guess

EMAIL = "admin@example.com"
PASSWORD = "correct horse"


@pytest.fixture
def clock(monkeypatch) -> Clock:
    return Clock(monkeypatch)


def through_proxy(address: str) -> dict:
    """AuthActions.login's arguments for a visitor at `address` behind the one trusted proxy."""
    return {"ip": "10.0.0.1", "headers": {"X-Forwarded-For": address}}


def test_an_attackers_failures_from_one_address_leave_the_owner_signing_in_from_another(store_urls, app, clock):
    create_user(app, email=EMAIL, password=PASSWORD)
    proxied = make_app(store_urls, TRUSTED_PROXY_HOPS=1)
    attacker, owner = AuthActions(proxied.test_client(), proxied), AuthActions(proxied.test_client(), proxied)
    statuses = guess(attacker, clock, 50, EMAIL, **through_proxy("198.51.100.1"))
    assert statuses.count(401) == throttle.PAIR.refuse_at  # then refused, without a password check
    assert set(statuses) == {401, 429}
    assert attacker.login(EMAIL, PASSWORD, **through_proxy("198.51.100.1")).status_code == 429
    assert owner.login(EMAIL, PASSWORD, **through_proxy("203.0.113.9")).status_code == 302


def test_failures_spread_over_many_addresses_lock_nobody_out(app, client, auth, clock):
    create_user(app, email=EMAIL, password=PASSWORD)
    for n in range(throttle.PAIR.refuse_at * 3):
        guess(auth, clock, 1, EMAIL, ip=f"10.0.{n // 200}.{n % 200}")
    assert auth.login(EMAIL, PASSWORD, ip="10.1.0.1").status_code == 302


@pytest.mark.parametrize("spelling", [" ADMIN@Example.COM ", "admİn@example.com"])
def test_another_spelling_of_the_email_does_not_escape_the_pair_limit(app, client, auth, clock, spelling):
    create_user(app, email=EMAIL, password=PASSWORD)
    guess(auth, clock, throttle.PAIR.refuse_at, EMAIL)
    clock.wait_out_any_delay()
    response = auth.login(spelling, PASSWORD)
    # "İ" lower-cases to "i" in PostgreSQL under a UTF-8 locale (so it is this account), not in Python;
    # under the C locale it is another, unknown account. Either way it must not sign in.
    assert response.status_code != 302
    assert response.status_code in (401, 429)
    if spelling.strip().isascii():
        assert response.status_code == 429


def test_a_made_up_email_locks_out_only_itself_below_the_address_rule(app, client, auth, clock):
    create_user(app, email=EMAIL, password=PASSWORD)
    guess(auth, clock, throttle.PAIR.refuse_at, "nobody@example.com")
    clock.wait_out_any_delay()
    assert auth.login("nobody@example.com", "any password").status_code == 429
    # The address has failed fewer times than its own rule allows: the others behind it sign in.
    assert throttle.PAIR.refuse_at < throttle.ADDRESS.slow_after
    assert auth.login(EMAIL, PASSWORD).status_code == 302


def test_a_forged_forwarded_for_header_does_not_reset_the_address_limit(app, client, auth, clock):
    create_user(app, email=EMAIL, password=PASSWORD)
    for n in range(throttle.ADDRESS.refuse_at):
        forged = {"X-Forwarded-For": f"198.51.100.{n}"}
        guess(auth, clock, 1, f"guess{n}@example.com", ip="203.0.113.7", headers=forged)
    clock.wait_out_any_delay()
    forged = {"X-Forwarded-For": "198.51.100.200"}
    assert auth.login(EMAIL, PASSWORD, ip="203.0.113.7", headers=forged).status_code == 429


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_one_limited(store_urls, app, clock):
    create_user(app, email=EMAIL, password=PASSWORD)
    proxied = make_app(store_urls, TRUSTED_PROXY_HOPS=1)
    guesser, visitor = AuthActions(proxied.test_client(), proxied), AuthActions(proxied.test_client(), proxied)
    for n in range(throttle.ADDRESS.refuse_at):
        guess(guesser, clock, 1, f"guess{n}@example.com", **through_proxy("198.51.100.1"))
    clock.wait_out_any_delay()
    assert guesser.login(EMAIL, PASSWORD, **through_proxy("198.51.100.1")).status_code == 429
    # Another visitor behind the same proxy is not locked out by the first one's guesses.
    assert visitor.login(EMAIL, PASSWORD, **through_proxy("198.51.100.2")).status_code == 302


def test_one_ipv6_network_counts_as_one_address(app, client, auth, clock):
    """A host is usually given a whole /64: walking through it must not buy fresh guesses."""
    create_user(app, email=EMAIL, password=PASSWORD)
    for n in range(throttle.PAIR.refuse_at):
        assert guess(auth, clock, 1, EMAIL, ip=f"2001:db8:1:2::{n + 1:x}") == [401]
    clock.wait_out_any_delay()
    assert auth.login(EMAIL, PASSWORD, ip="2001:db8:1:2::ffff").status_code == 429
    assert auth.login(EMAIL, PASSWORD, ip="2001:db8:1:3::1").status_code == 302  # the next network is another


def test_a_csrf_token_from_before_sign_in_cannot_forge_consent_after_it(app, client):
    """Someone who planted (or saw) the anonymous session knows its CSRF token; signing in must retire it."""
    create_user(app, email=EMAIL, password=PASSWORD)
    attackers_app, _ = register_client(app, client_type="public", name="Innocent Looking App")
    planted = csrf_token(client.get("/login").text)
    client.post("/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": planted})

    _verifier, challenge = pkce_pair()
    forged = {**authorize_params(attackers_app, scope="read:data", code_challenge=challenge), "decision": "allow"}
    response = client.post("/oauth/authorize", data={**forged, "csrf_token": planted})
    assert response.status_code == 400
    assert "Location" not in response.headers


def test_an_unknown_email_costs_one_password_hash_like_a_wrong_password(app, client, auth, monkeypatch):
    # Answering an unknown email faster than a wrong password would tell a
    # guesser which emails have accounts: both must run the slow hash once.
    create_user(app, email=EMAIL, password=PASSWORD)
    hashed = []
    real_check = users.check_password_hash
    monkeypatch.setattr(users, "check_password_hash", lambda *args: hashed.append(1) or real_check(*args))

    assert auth.login("nobody@example.com", PASSWORD).status_code == 401
    assert len(hashed) == 1
    assert auth.login(EMAIL, "wrong password").status_code == 401
    assert len(hashed) == 2
    assert auth.login(EMAIL, PASSWORD).status_code == 302
    assert len(hashed) == 3
    # And the decoy is as slow as a real one: the same method and cost.
    with app.app_context():
        stored = users.get_sign_in_record(postgres.get_connection(), EMAIL)["password_hash"]
    assert users._DECOY_HASH.split("$", 1)[0] == stored.split("$", 1)[0]
