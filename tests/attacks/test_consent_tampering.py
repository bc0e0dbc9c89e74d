"""The consent form from the attacker's side: it approves what the page showed, once, for whom it was shown.

The page keeps its request on the server as a consent challenge; the form
carries only the challenge's ID, the CSRF token and the decision. So an
edited form has nothing to widen, and a challenge replayed, kept past its
ten minutes, or carried to another account or another session opens nothing.
"""

import secrets

import pytest
from werkzeug.datastructures import MultiDict

from oauth import consent_challenges, grants
from stores.postgres import get_connection
from tests.support.accounts import AuthActions, csrf_token
from tests.support.oauth import (
    REDIRECT_URI,
    authorize_url,
    decide,
    exchange_code,
    form_fields,
    pkce_pair,
    redirect_params,
    register_client,
)

EXPIRED_PAGE = "This consent page can no longer be answered"


@pytest.fixture
def registered(app):
    client_app, _secret = register_client(app)
    return client_app


def consent_page(http, client: dict, **kwargs) -> str:
    response = http.get(authorize_url(client, **kwargs))
    assert response.status_code == 200, response.headers.get("Location")
    return response.text


def live_scopes(app, user_id: int, client_id: str) -> list[str] | None:
    with app.app_context():
        grant = grants.get_live_grant(get_connection(), user_id, client_id)
    return grant["scopes"] if grant else None


def assert_refused(response) -> None:
    """The expired-challenge page: no redirect anywhere, no code."""
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert EXPIRED_PAGE in response.text


def test_an_edited_form_cannot_widen_the_scope_or_move_the_code(app, client, signed_in_user):
    client_app, secret = register_client(app)
    verifier, challenge = pkce_pair()
    fields = form_fields(consent_page(client, client_app, scope="read:profile", code_challenge=challenge))
    forged = {
        "scope": "read:profile read:data write:data read:billing",
        "redirect_uri": "https://evil.example/cb",
        "code_challenge": pkce_pair()[1],
        "client_id": "pa_client_other",
        "state": "forged",
    }
    response = client.post("/oauth/authorize", data={**fields, **forged, "decision": "allow"})
    assert response.headers["Location"].startswith(REDIRECT_URI + "?")
    params = redirect_params(response)
    assert params["state"] != "forged"
    assert live_scopes(app, signed_in_user["id"], client_app["client_id"]) == ["read:profile"]
    tokens = exchange_code(client, client_app, secret, params["code"], verifier)
    assert tokens.status_code == 200, tokens.text
    assert tokens.get_json()["scope"] == "read:profile"


def test_a_challenge_answers_once(app, client, registered, signed_in_user):
    client_app = registered
    page = consent_page(client, client_app)
    assert "code" in redirect_params(decide(client, page, "allow"))
    assert_refused(decide(client, page, "allow"))
    assert_refused(decide(client, page, "deny"))


def test_a_denied_challenge_cannot_then_be_allowed(app, client, registered, signed_in_user):
    client_app = registered
    page = consent_page(client, client_app)
    assert redirect_params(decide(client, page, "deny"))["error"] == "access_denied"
    assert_refused(decide(client, page, "allow"))
    assert live_scopes(app, signed_in_user["id"], client_app["client_id"]) is None


def test_an_expired_challenge_is_refused(app, client, r, registered, signed_in_user):
    client_app = registered
    page = consent_page(client, client_app)
    challenge_key = consent_challenges.key(form_fields(page)["consent_challenge"])
    assert 0 < r.ttl(challenge_key) <= consent_challenges.CHALLENGE_TTL
    r.delete(challenge_key)  # what its TTL does after ten minutes
    assert_refused(decide(client, page, "allow"))
    assert live_scopes(app, signed_in_user["id"], client_app["client_id"]) is None


def test_a_challenge_from_another_account_is_refused(app, client, registered, signed_in_user):
    client_app = registered
    victim_page = consent_page(client, client_app)
    attacker = AuthActions(app.test_client(), app)
    mallory = attacker.sign_in_as("mallory@example.com")
    own_token = csrf_token(attacker.client.get("/account/apps").text)
    fields = {**form_fields(victim_page), "csrf_token": own_token, "decision": "allow"}
    assert_refused(attacker.client.post("/oauth/authorize", data=fields))
    assert live_scopes(app, mallory["id"], client_app["client_id"]) is None
    assert live_scopes(app, signed_in_user["id"], client_app["client_id"]) is None


def test_a_challenge_from_another_session_of_the_same_person_is_refused(app, client, registered, signed_in_user):
    client_app = registered
    laptop_page = consent_page(client, client_app)
    phone = AuthActions(app.test_client(), app)
    phone.sign_in_as()  # the same account, another browser
    own_token = csrf_token(phone.client.get("/account/apps").text)
    fields = {**form_fields(laptop_page), "csrf_token": own_token, "decision": "allow"}
    assert_refused(phone.client.post("/oauth/authorize", data=fields))
    assert live_scopes(app, signed_in_user["id"], client_app["client_id"]) is None


def test_a_challenge_shown_before_signing_in_again_is_refused(app, client, auth, registered, signed_in_user):
    client_app = registered
    old_page = consent_page(client, client_app)
    auth.sign_in_as()  # out and in again: a new session
    fields = {**form_fields(old_page), "csrf_token": csrf_token(client.get("/account/apps").text)}
    assert_refused(client.post("/oauth/authorize", data={**fields, "decision": "allow"}))
    assert live_scopes(app, signed_in_user["id"], client_app["client_id"]) is None


@pytest.mark.parametrize(
    "made_up",
    ["", "x", secrets.token_urlsafe(32), "A" * 43, "a" * 5000, "../../etc", "consent:*"],
    ids=["empty", "short", "random", "all-A", "huge", "path", "key-pattern"],
)
def test_a_made_up_challenge_is_refused(app, client, registered, signed_in_user, made_up):
    client_app = registered
    page = consent_page(client, client_app)
    fields = {**form_fields(page), "consent_challenge": made_up, "decision": "allow"}
    assert_refused(client.post("/oauth/authorize", data=fields))
    assert live_scopes(app, signed_in_user["id"], client_app["client_id"]) is None


def test_a_repeated_challenge_field_is_refused(app, client, registered, signed_in_user):
    client_app = registered
    fields = form_fields(consent_page(client, client_app))
    other = form_fields(consent_page(client, client_app))["consent_challenge"]
    data = [*fields.items(), ("consent_challenge", other), ("decision", "allow")]
    response = client.post("/oauth/authorize", data=MultiDict(data))
    assert response.status_code == 400
    assert "Location" not in response.headers
