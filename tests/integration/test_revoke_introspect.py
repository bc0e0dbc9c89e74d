"""Revocation (RFC 7009) and introspection (RFC 7662): authenticated, and blind to other clients' tokens."""

import time

import pytest

from tests.support.api import withdraw_consent
from tests.support.oauth import basic_auth, get_tokens, introspect, refresh, register_client, revoke, token_request


@pytest.fixture
def resource_server(app):
    return register_client(app, name="Resource server", is_resource_server=True, grant_types=["client_credentials"])


@pytest.fixture
def tokens(client, app_client, signed_in_user):
    registered, secret = app_client
    return get_tokens(client, registered, secret, scope="read:profile read:data")


def assert_revoked_ok(response):
    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "no-store"


# Revocation ----------------------------------------------------------------------


def test_revoking_an_access_token_ends_it(client, app_client, tokens):
    registered, secret = app_client
    assert_revoked_ok(revoke(client, registered, secret, tokens["access_token"]))
    assert introspect(client, registered, secret, tokens["access_token"]) == {"active": False}


def test_revoking_a_refresh_token_ends_its_family(client, app_client, tokens):
    registered, secret = app_client
    rotated = refresh(client, registered, secret, tokens["refresh_token"]).get_json()
    assert_revoked_ok(revoke(client, registered, secret, rotated["refresh_token"]))
    assert not introspect(client, registered, secret, rotated["access_token"])["active"]
    assert not introspect(client, registered, secret, tokens["access_token"])["active"]
    assert refresh(client, registered, secret, rotated["refresh_token"]).get_json()["error"] == "invalid_grant"


@pytest.mark.parametrize("token", ["paat_" + "a" * 49, "part_" + "a" * 49, "nonsense", "pacd_" + "a" * 49])
def test_revoking_an_unknown_token_is_fine(client, app_client, token):
    registered, secret = app_client
    assert_revoked_ok(revoke(client, registered, secret, token))


def test_a_client_cannot_revoke_another_clients_tokens(client, app, app_client, tokens):
    registered, secret = app_client
    other, other_secret = register_client(app, name="Other")
    for token in (tokens["access_token"], tokens["refresh_token"]):
        assert_revoked_ok(revoke(client, other, other_secret, token))
    assert introspect(client, registered, secret, tokens["access_token"])["active"]
    assert refresh(client, registered, secret, tokens["refresh_token"]).status_code == 200


def test_a_resource_server_cannot_revoke_other_clients_tokens_either(client, app_client, resource_server, tokens):
    registered, secret = app_client
    assert_revoked_ok(revoke(client, *resource_server, tokens["access_token"]))
    assert introspect(client, registered, secret, tokens["access_token"])["active"]


def test_public_client_revokes_with_its_client_id(client, app, signed_in_user):
    public, _ = register_client(app, client_type="public")
    tokens = get_tokens(client, public, None)
    assert_revoked_ok(revoke(client, public, None, tokens["refresh_token"]))
    assert refresh(client, public, None, tokens["refresh_token"]).get_json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    "data, headers, status, error",
    [
        ({"token": "paat_x"}, {}, 401, "invalid_client"),
        ({"token": "paat_x", "client_id": "pa_client_unknown", "client_secret": "pacs_x"}, {}, 401, "invalid_client"),
        ({}, None, 400, "invalid_request"),
        ({"token": "a", "token_type_hint": "access_token"}, "repeat", 400, "invalid_request"),
    ],
)
def test_revocation_errors(client, app_client, tokens, data, headers, status, error):
    registered, secret = app_client
    if headers is None:
        headers = basic_auth(registered["client_id"], secret)
    if headers == "repeat":
        response = client.post(
            "/oauth/revoke",
            data="token=a&token=b",
            content_type="application/x-www-form-urlencoded",
            headers=basic_auth(registered["client_id"], secret),
        )
    else:
        response = client.post("/oauth/revoke", data=data, headers=headers)
    assert response.status_code == status
    assert response.get_json()["error"] == error
    assert response.headers["Cache-Control"] == "no-store"
    assert introspect(client, registered, secret, tokens["access_token"])["active"]


def test_revocation_needs_form_encoding(client, app_client, tokens):
    registered, secret = app_client
    headers = basic_auth(registered["client_id"], secret)
    response = client.post("/oauth/revoke", json={"token": tokens["access_token"]}, headers=headers)
    assert response.status_code == 400
    assert introspect(client, registered, secret, tokens["access_token"])["active"]


# Introspection ----------------------------------------------------------------------


def test_introspection_describes_a_live_access_token(client, app_client, tokens, signed_in_user):
    registered, secret = app_client
    response = client.post(
        "/oauth/introspect",
        data={"token": tokens["access_token"]},
        headers=basic_auth(registered["client_id"], secret),
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    details = response.get_json()
    assert details["active"] is True
    assert details["scope"] == "read:profile read:data"
    assert details["client_id"] == registered["client_id"]
    assert details["sub"] == str(signed_in_user["id"])
    assert details["username"] == signed_in_user["email"]
    assert details["token_type"] == "Bearer"
    assert details["iat"] <= time.time() < details["exp"]
    assert details["exp"] - details["iat"] == 3600


def test_introspection_describes_a_live_refresh_token_until_it_is_rotated(client, app_client, tokens, signed_in_user):
    registered, secret = app_client
    details = introspect(client, registered, secret, tokens["refresh_token"])
    assert details["active"] and details["sub"] == str(signed_in_user["id"])
    refresh(client, registered, secret, tokens["refresh_token"])
    assert introspect(client, registered, secret, tokens["refresh_token"]) == {"active": False}


@pytest.mark.parametrize("token", ["paat_" + "a" * 49, "part_" + "a" * 49, "garbage", "pacs_" + "a" * 49])
def test_unknown_tokens_are_inactive(client, app_client, token):
    registered, secret = app_client
    assert introspect(client, registered, secret, token) == {"active": False}


def test_another_clients_token_is_inactive_unless_the_caller_is_a_resource_server(
    client, app, app_client, resource_server, tokens
):
    other, other_secret = register_client(app, name="Other")
    assert introspect(client, other, other_secret, tokens["access_token"]) == {"active": False}
    assert introspect(client, *resource_server, tokens["access_token"])["active"]


def test_tokens_of_a_revoked_grant_are_inactive(client, app, app_client, tokens, signed_in_user):
    registered, secret = app_client
    withdraw_consent(app, signed_in_user["id"], registered["client_id"])
    assert introspect(client, registered, secret, tokens["access_token"]) == {"active": False}
    assert introspect(client, registered, secret, tokens["refresh_token"]) == {"active": False}


def test_public_clients_cannot_introspect(client, app, signed_in_user):
    public, _ = register_client(app, client_type="public")
    tokens = get_tokens(client, public, None)
    response = client.post(
        "/oauth/introspect", data={"token": tokens["access_token"], "client_id": public["client_id"]}
    )
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"


def test_introspection_needs_a_token(client, app_client):
    registered, secret = app_client
    response = client.post("/oauth/introspect", data={}, headers=basic_auth(registered["client_id"], secret))
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"


# Suspension ---------------------------------------------------------------------------


def test_suspension_stops_every_token_at_once_and_resuming_restores_them(
    client, runner, app_client, resource_server, tokens
):
    registered, secret = app_client
    machine = token_request(client, registered, secret, grant_type="client_credentials").get_json()
    assert runner.invoke(args=["clients", "suspend", registered["client_id"], "--reason", "abuse"]).exit_code == 0

    for token in (tokens["access_token"], tokens["refresh_token"], machine["access_token"]):
        assert introspect(client, *resource_server, token) == {"active": False}
    suspended = refresh(client, registered, secret, tokens["refresh_token"])
    assert suspended.status_code == 401 and suspended.get_json()["error"] == "invalid_client"

    assert runner.invoke(args=["clients", "resume", registered["client_id"]]).exit_code == 0
    for token in (tokens["access_token"], tokens["refresh_token"], machine["access_token"]):
        assert introspect(client, *resource_server, token)["active"]
    assert refresh(client, registered, secret, tokens["refresh_token"]).status_code == 200


def test_a_suspended_caller_cannot_introspect_or_revoke(client, runner, app_client, tokens):
    registered, secret = app_client
    runner.invoke(args=["clients", "suspend", registered["client_id"]])
    headers = basic_auth(registered["client_id"], secret)
    for path in ("/oauth/introspect", "/oauth/revoke"):
        response = client.post(path, data={"token": tokens["access_token"]}, headers=headers)
        assert response.status_code == 401
        assert response.get_json()["error"] == "invalid_client"
