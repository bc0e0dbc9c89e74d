"""The consent page and its decision: asked only when needed, answered through a challenge, CSRF-protected."""

import re

import pytest

import audit
from oauth import clients, grants
from stores.postgres import get_connection
from stores.redis_client import get_redis
from tests.support.api import withdraw_consent
from tests.support.oauth import (
    REDIRECT_URI,
    STATE,
    authorize_url,
    decide,
    form_fields,
    pkce_pair,
    redirect_params,
    register_client,
)


@pytest.fixture
def registered(app):
    client, _secret = register_client(app)
    return client


def live_grant(app, user_id: int, client_id: str) -> dict | None:
    with app.app_context():
        return grants.get_live_grant(get_connection(), user_id, client_id)


def consent_page(client, registered, **kwargs):
    response = client.get(authorize_url(registered, **kwargs))
    assert response.status_code == 200, response.headers.get("Location")
    return response


def test_consent_page_says_who_asks_for_what_and_where_you_go(client, registered, signed_in_user):
    page = consent_page(client, registered, scope="read:profile write:data read:billing").text
    assert "Example App" in page
    assert "Example Developer" in page
    assert 'href="https://app.example.com"' in page
    assert "sent back to <strong>app.example.com</strong>" in page
    for words in ("See your name and email address", "Create items in your account", "See your plan and invoices"):
        assert words in page
    assert re.search(r'<button[^>]*name="decision"[^>]*value="allow"', page)
    assert re.search(r'<button[^>]*name="decision"[^>]*value="deny"', page)
    assert 'name="csrf_token"' in page


def test_only_scopes_that_change_data_or_see_billing_are_pointed_out(client, registered, signed_in_user):
    calm = consent_page(client, registered, scope="read:profile read:data").text
    assert "scope-sensitive" not in calm
    loud = consent_page(client, registered, scope="read:profile write:data read:billing").text
    assert loud.count('class="scope-sensitive"') == 2


def test_allow_records_the_grant_and_redirects_with_code_state_and_iss(app, client, registered, signed_in_user):
    page = consent_page(client, registered, scope="read:profile read:data")
    response = decide(client, page.text, "allow")
    assert response.status_code == 303
    assert response.headers["Location"].startswith(REDIRECT_URI + "?")
    params = redirect_params(response)
    assert params["code"].startswith("pacd_")
    assert params["state"] == STATE
    assert params["iss"] == "http://localhost"
    grant = live_grant(app, signed_in_user["id"], registered["client_id"])
    assert sorted(grant["scopes"]) == ["read:data", "read:profile"]
    with app.app_context(), get_connection().cursor() as cur:
        cur.execute("SELECT action, actor_id, subject_user_id FROM audit_log WHERE action = 'consent.granted'")
        assert cur.fetchall() == [
            {"action": "consent.granted", "actor_id": signed_in_user["id"], "subject_user_id": signed_in_user["id"]}
        ]


def test_deny_redirects_with_access_denied_and_grants_nothing(app, client, registered, signed_in_user):
    response = decide(client, consent_page(client, registered).text, "deny")
    params = redirect_params(response)
    assert params["error"] == "access_denied"
    assert params["state"] == STATE and params["iss"] == "http://localhost"
    assert "code" not in params
    assert live_grant(app, signed_in_user["id"], registered["client_id"]) is None


def test_a_covered_request_skips_the_page_unless_prompt_consent(client, registered, signed_in_user):
    decide(client, consent_page(client, registered, scope="read:profile read:data").text)
    again = client.get(authorize_url(registered, scope="read:data"))
    assert again.status_code == 302
    assert redirect_params(again)["code"].startswith("pacd_")
    assert consent_page(client, registered, scope="read:data", prompt="consent").status_code == 200
    silent = client.get(authorize_url(registered, scope="read:data", prompt="none"))
    assert "code" in redirect_params(silent)


def test_new_scopes_are_asked_for_with_old_ones_shown_as_granted(app, client, registered, signed_in_user):
    decide(client, consent_page(client, registered, scope="read:profile").text)
    page = consent_page(client, registered, scope="read:profile write:data").text
    asked, granted = page.split("You already allowed it to:")
    assert "Create items in your account" in asked and "See your name" not in asked
    assert "See your name and email address" in granted and "already granted" in granted
    decide(client, page)
    assert sorted(live_grant(app, signed_in_user["id"], registered["client_id"])["scopes"]) == [
        "read:profile",
        "write:data",
    ]


def test_a_revoked_grant_is_asked_for_again(app, client, registered, signed_in_user):
    decide(client, consent_page(client, registered).text)
    withdraw_consent(app, signed_in_user["id"], registered["client_id"])
    assert consent_page(client, registered).status_code == 200


def test_decision_without_csrf_token_is_refused(app, client, registered, signed_in_user):
    fields = form_fields(consent_page(client, registered).text)
    del fields["csrf_token"]
    response = client.post("/oauth/authorize", data={**fields, "decision": "allow"})
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert live_grant(app, signed_in_user["id"], registered["client_id"]) is None


def test_decision_from_another_session_is_refused(app, client, registered, signed_in_user):
    fields = form_fields(consent_page(client, registered).text)
    attacker = app.test_client()
    response = attacker.post("/oauth/authorize", data={**fields, "decision": "allow"})
    assert response.status_code == 400
    assert live_grant(app, signed_in_user["id"], registered["client_id"]) is None


def test_the_form_posts_only_a_challenge_besides_the_decision(client, registered, signed_in_user):
    page = consent_page(client, registered, code_challenge=pkce_pair()[1]).text
    consent_form = page.split('<form class="switch-account"')[0]
    assert set(form_fields(consent_form)) == {"csrf_token", "consent_challenge"}


def suspend(app, client_id: str) -> None:
    with app.app_context():
        clients.set_suspended(get_connection(), get_redis(), audit.CLI, client_id, True)


def withdraw_redirect_uri(app, client_id: str) -> None:
    with app.app_context():
        clients.update_client(
            get_connection(), get_redis(), audit.CLI, client_id, redirect_uris=["https://app.example.com/new"]
        )


@pytest.mark.parametrize("change", [suspend, withdraw_redirect_uri])
def test_decision_post_rechecks_the_app_and_its_redirect_uri(app, client, registered, signed_in_user, change):
    page = consent_page(client, registered).text
    change(app, registered["client_id"])
    response = decide(client, page, "allow")
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert live_grant(app, signed_in_user["id"], registered["client_id"]) is None


@pytest.mark.parametrize(
    "settings, error",
    [({"scopes": ["read:data"]}, "invalid_scope"), ({"grant_types": ["client_credentials"]}, "unauthorized_client")],
)
def test_decision_post_rechecks_the_request_against_the_app_as_it_is_now(
    app, client, registered, signed_in_user, settings, error
):
    page = consent_page(client, registered, scope="read:profile").text
    with app.app_context():
        clients.update_client(get_connection(), get_redis(), audit.CLI, registered["client_id"], **settings)
    response = decide(client, page, "allow")
    assert redirect_params(response)["error"] == error
    assert live_grant(app, signed_in_user["id"], registered["client_id"]) is None


def test_allow_approves_exactly_the_scopes_shown(app, client, registered, signed_in_user):
    fields = form_fields(consent_page(client, registered, scope="read:profile").text)
    # Fields the form never had change nothing: the request is the server's copy.
    response = client.post("/oauth/authorize", data={**fields, "scope": "read:profile read:data", "decision": "allow"})
    assert "code" in redirect_params(response)
    assert live_grant(app, signed_in_user["id"], registered["client_id"])["scopes"] == ["read:profile"]


@pytest.mark.parametrize("decision", [None, "maybe", ["allow", "deny"]])
def test_decision_must_be_allow_or_deny(app, client, registered, signed_in_user, decision):
    fields = form_fields(consent_page(client, registered).text)
    data = {**fields, **({"decision": decision} if decision else {})}
    response = client.post("/oauth/authorize", data=data)
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert live_grant(app, signed_in_user["id"], registered["client_id"]) is None


def test_decision_when_signed_out_goes_to_sign_in(app, client, auth, registered, signed_in_user):
    fields = form_fields(consent_page(client, registered).text)
    auth.logout()
    page = client.get("/login")
    fields["csrf_token"] = form_fields(page.text)["csrf_token"]
    response = client.post("/oauth/authorize", data={**fields, "decision": "allow"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert live_grant(app, signed_in_user["id"], registered["client_id"]) is None
