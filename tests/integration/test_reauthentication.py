"""Entering the password again: prompt=login, max_age, and sensitive actions ("sudo mode")."""

import time
from urllib.parse import parse_qs, urlsplit

import pytest

from accounts import sessions
from portal.sudo import SUDO_SECONDS
from tests.support.accounts import USER_EMAIL, USER_PASSWORD, create_user, csrf_token
from tests.support.oauth import (
    authorize_url,
    decide,
    exchange_code,
    form_fields,
    pkce_pair,
    redirect_params,
    register_client,
)
from tests.support.oidc import sign_in_with, verify_id_token
from tests.support.portal import stored_client, words


@pytest.fixture
def registered(app):
    client, _secret = register_client(app)
    return client


def age_the_sign_in(client, r, seconds: int) -> None:
    """Make this browser's sign-in `seconds` old, as if the password was entered that long ago."""
    key = sessions.session_key(sessions.digest(client.get_cookie("session").value))
    r.hset(key, "auth_time", int(time.time()) - seconds)


def next_of(response) -> str:
    return parse_qs(urlsplit(response.headers["Location"]).query)["next"][0]


def confirm_password(client, response, password: str = USER_PASSWORD):
    """Follow a redirect to the confirm-it's-you form and submit the password; the form's answer."""
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert 'name="password"' in page.text
    fields = {"email": USER_EMAIL, "password": password, "csrf_token": csrf_token(page.text)}
    return client.post(response.headers["Location"], data={**form_fields(page.text), **fields})


def test_prompt_login_shows_the_password_form_to_a_signed_in_person(app, client, auth, registered):
    create_user(app)
    auth.login()
    response = client.get(authorize_url(registered, prompt="login"))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?")
    page = client.get(response.headers["Location"])
    assert "Confirm it's you" in page.text
    assert 'name="password"' in page.text
    assert f'value="{USER_EMAIL}"' in page.text


def test_after_the_password_the_request_goes_on_without_asking_again(app, client, auth, registered):
    create_user(app)
    auth.login()
    first = client.get(authorize_url(registered, prompt="login consent"))
    assert "prompt=consent" in next_of(first) and "login" not in next_of(first)
    back = confirm_password(client, first)
    assert back.status_code == 302
    consent = client.get(back.headers["Location"])
    assert consent.status_code == 200  # the consent page, not the sign-in page again
    assert "code" in redirect_params(decide(client, consent.text))


def test_a_wrong_password_on_the_confirm_form_does_not_continue(app, client, auth, registered):
    create_user(app)
    auth.login()
    response = confirm_password(client, client.get(authorize_url(registered, prompt="login")), "wrong password")
    assert response.status_code == 401


def test_max_age_passed_asks_for_the_password_and_fresh_enough_does_not(app, client, auth, registered, r):
    create_user(app)
    auth.login()
    age_the_sign_in(client, r, 600)
    fresh_enough = client.get(authorize_url(registered, max_age="3600"))
    assert fresh_enough.status_code == 200  # the consent page
    too_old = client.get(authorize_url(registered, max_age="300"))
    assert too_old.status_code == 302
    assert "reauth=1" in too_old.headers["Location"]
    assert "max_age" not in next_of(too_old)


def test_max_age_with_prompt_none_answers_login_required(app, client, auth, registered, r):
    create_user(app)
    auth.login()
    age_the_sign_in(client, r, 600)
    response = client.get(authorize_url(registered, max_age="60", prompt="none"))
    assert redirect_params(response)["error"] == "login_required"


@pytest.mark.parametrize("max_age", ["-1", "1.5", "soon", "1" * 11, "١٢"])
def test_a_malformed_max_age_is_an_invalid_request(app, client, auth, registered, max_age):
    create_user(app)
    auth.login()
    assert redirect_params(client.get(authorize_url(registered, max_age=max_age)))["error"] == "invalid_request"


def test_the_sign_in_page_names_the_app_and_keeps_the_request_in_its_links(app, client, registered):
    response = client.get(authorize_url(registered))
    page = client.get(response.headers["Location"])
    text = words(page.text)
    assert f"Sign in to continue to {registered['name']}" in text
    links = [part.split('"')[0] for part in page.text.split('href="')[1:]]
    assert any(link.startswith("/signup?next=") and "client_id%3D" + registered["client_id"] in link for link in links)


def test_not_you_signs_out_and_returns_to_the_same_request(app, client, auth, registered):
    create_user(app)
    auth.login()
    consent = client.get(authorize_url(registered))
    assert "Use another account" in consent.text
    not_you = client.post("/logout", data={"csrf_token": csrf_token(consent.text), "next": authorize_url(registered)})
    assert not_you.status_code == 302
    assert next_of(not_you) == authorize_url(registered)
    assert client.get("/account/security").status_code == 302  # signed out


def test_a_new_client_secret_needs_a_recent_password(app, client, auth, r):
    owner = create_user(app, role="developer")
    registered, _secret = register_client(app, owner_email=owner["email"])
    auth.login()
    app_page = client.get(f"/developer/apps/{registered['client_id']}")
    age_the_sign_in(client, r, SUDO_SECONDS + 1)
    url = f"/developer/apps/{registered['client_id']}/secrets"
    form = {"csrf_token": csrf_token(app_page.text)}
    refused = client.post(url, data=form, headers={"Referer": app_page.request.url})
    assert refused.status_code == 302
    assert "reauth=1" in refused.headers["Location"]
    assert next_of(refused) == f"/developer/apps/{registered['client_id']}"
    back = confirm_password(client, refused)
    assert back.headers["Location"] == f"/developer/apps/{registered['client_id']}"
    app_page = client.get(back.headers["Location"])
    created = client.post(url, data={"csrf_token": csrf_token(app_page.text)})
    assert created.status_code == 200
    assert "pcs_" in created.text or "secret" in created.text.lower()


def test_an_admin_action_needs_a_recent_password(app, client, admin, r):
    registered, _secret = register_client(app)
    page = client.get(f"/admin/apps/{registered['client_id']}")
    age_the_sign_in(client, r, SUDO_SECONDS + 1)
    url = f"/admin/apps/{registered['client_id']}/suspend"
    refused = client.post(url, data={"csrf_token": csrf_token(page.text), "reason": "abuse"})
    assert refused.status_code == 302
    assert "reauth=1" in refused.headers["Location"]
    assert stored_client(app, registered["client_id"])["status"] == "active"


def id_token_after_password(client, app_client: dict, secret: str, **params) -> dict:
    """An authorization request that asks for the password again, answered; the claims of its ID token."""
    verifier, challenge = pkce_pair()
    asked = client.get(authorize_url(app_client, scope="openid", code_challenge=challenge, **params))
    assert asked.status_code == 302 and asked.headers["Location"].startswith("/login?")
    answer = client.get(confirm_password(client, asked).headers["Location"])
    if answer.status_code == 200:  # the consent page
        answer = decide(client, answer.text)
    tokens = exchange_code(client, app_client, secret, redirect_params(answer)["code"], verifier).get_json()
    return verify_id_token(client, tokens["id_token"], app_client)


def assert_the_password_was_asked_again(app, client, auth, r, **params) -> None:
    """The modules' failure conditions: the password is asked again, and the new auth_time is later than the first."""
    create_user(app)
    auth.login()
    app_client, secret = register_client(app)
    age_the_sign_in(client, r, 5)
    first = verify_id_token(client, sign_in_with(client, app_client, secret)["id_token"], app_client)
    again = id_token_after_password(client, app_client, secret, **params)
    assert again["sub"] == first["sub"] and again["auth_time"] > first["auth_time"]


def test_oidcc_prompt_login(app, client, auth, r):
    assert_the_password_was_asked_again(app, client, auth, r, prompt="login")


def test_oidcc_max_age_1(app, client, auth, r):
    assert_the_password_was_asked_again(app, client, auth, r, max_age="1")


def test_oidcc_max_age_10000(app, client, auth, r):
    """A sign-in younger than max_age is not asked again: the code comes at once, with the same auth_time."""
    create_user(app)
    auth.login()
    app_client, secret = register_client(app)
    age_the_sign_in(client, r, 5)
    first = verify_id_token(client, sign_in_with(client, app_client, secret)["id_token"], app_client)
    again = verify_id_token(client, sign_in_with(client, app_client, secret, max_age="10000")["id_token"], app_client)
    assert again["auth_time"] == first["auth_time"] and again["sub"] == first["sub"]
