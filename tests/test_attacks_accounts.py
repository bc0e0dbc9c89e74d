"""Sign-in throttling from a password guesser's side: other spellings, other addresses, forged headers."""

import pytest

from accounts import throttle, users
from stores import postgres
from tests.support.accounts import AuthActions, create_user, csrf_token
from tests.support.apps import make_app
from tests.support.oauth import authorize_params, pkce_pair, register_client

EMAIL = "admin@example.com"
PASSWORD = "correct horse"


def fail_from_many_addresses(auth, email: str = EMAIL) -> None:
    """MAX_FAILURES wrong passwords for the account, each from its own address (no IP limit is reached)."""
    for n in range(throttle.MAX_FAILURES):
        assert auth.login(email, "wrong password", ip=f"10.0.0.{n}").status_code == 401


def test_the_account_limit_holds_across_addresses(app, client, auth):
    create_user(app, email=EMAIL, password=PASSWORD)
    fail_from_many_addresses(auth)
    assert auth.login(EMAIL, PASSWORD, ip="10.0.1.1").status_code == 429


@pytest.mark.parametrize("spelling", [" ADMIN@Example.COM ", "admİn@example.com"])
def test_another_spelling_of_the_email_does_not_escape_the_account_limit(app, client, auth, spelling):
    create_user(app, email=EMAIL, password=PASSWORD)
    fail_from_many_addresses(auth)
    response = auth.login(spelling, PASSWORD, ip="10.0.1.1")
    # "İ" lower-cases to "i" in PostgreSQL under a UTF-8 locale (so it is this account), not in Python;
    # under the C locale it is another, unknown account. Either way it must not sign in.
    assert response.status_code != 302
    assert response.status_code in (401, 429)
    if spelling.strip().isascii():
        assert response.status_code == 429


def test_a_forged_forwarded_for_header_does_not_reset_the_address_limit(app, client, auth):
    create_user(app, email=EMAIL, password=PASSWORD)
    for n in range(throttle.MAX_FAILURES):
        forged = {"X-Forwarded-For": f"198.51.100.{n}"}
        auth.login(f"guess{n}@example.com", "wrong password", ip="203.0.113.7", headers=forged)
    forged = {"X-Forwarded-For": "198.51.100.200"}
    assert auth.login(EMAIL, PASSWORD, ip="203.0.113.7", headers=forged).status_code == 429


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_one_limited(store_urls, app):
    create_user(app, email=EMAIL, password=PASSWORD)
    proxied = make_app(store_urls, TRUSTED_PROXY_HOPS=1)
    guesser, visitor = AuthActions(proxied.test_client(), proxied), AuthActions(proxied.test_client(), proxied)
    through_the_proxy = {"ip": "10.0.0.1", "headers": {"X-Forwarded-For": "198.51.100.1"}}
    for n in range(throttle.MAX_FAILURES):
        guesser.login(f"guess{n}@example.com", "wrong password", **through_the_proxy)
    assert guesser.login(EMAIL, PASSWORD, **through_the_proxy).status_code == 429
    # Another visitor behind the same proxy is not locked out by the first one's guesses.
    assert visitor.login(EMAIL, PASSWORD, ip="10.0.0.1", headers={"X-Forwarded-For": "198.51.100.2"}).status_code == 302


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
