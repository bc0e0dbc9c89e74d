"""Client authentication at the token, revocation and introspection endpoints, from an attacker's side."""

import base64

import pytest

MACHINE_ENDPOINTS = ["/oauth/token", "/oauth/revoke", "/oauth/introspect"]
ODD_BASIC_HEADERS = [
    "Basic \u00e9\u00e9",  # not ASCII, so not base64 at all
    "Basic " + base64.b64encode(b"pa_client_x%00:pacs_x").decode(),  # a NUL once URL-decoded
]


@pytest.mark.parametrize("path", MACHINE_ENDPOINTS)
@pytest.mark.parametrize("authorization", ODD_BASIC_HEADERS)
def test_undecodable_basic_credentials_are_invalid_client_with_a_challenge(client, path, authorization):
    response = client.post(
        path, data={"grant_type": "client_credentials", "token": "x"}, headers={"Authorization": authorization}
    )
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"
    assert response.headers["WWW-Authenticate"].startswith("Basic")
    assert response.headers["Cache-Control"] == "no-store"
