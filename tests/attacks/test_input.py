"""Hostile input anywhere: a NUL character or an oversized body gets a clear 4xx, never a 500.

PostgreSQL text cannot hold NUL, so before the request guard each of these
reached a query and came back as a 500.
"""

import pytest

from oauth.client_rules import GRANT_TYPES
from tests.support.oauth import authorize_url, basic_auth, register_client
from tests.support.portal import submit

NUL = "\x00"
MACHINE_POSTS = [
    ("/oauth/token", {"grant_type": "client_credentials", "client_id": f"pa_client_{NUL}"}),
    ("/oauth/token", {"grant_type": "client_credentials", "scope": f"read:data{NUL}"}),
    ("/oauth/revoke", {"token": "paat_x", "client_id": NUL}),
    ("/oauth/introspect", {"token": f"paat_{NUL}", "client_id": "pa_client_x"}),
]


@pytest.mark.parametrize("path, data", MACHINE_POSTS)
def test_nul_at_a_machine_endpoint_is_an_invalid_request(client, path, data):
    response = client.post(path, data=data)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"
    assert response.headers["Cache-Control"] == "no-store"


def test_nul_with_valid_client_credentials_is_an_invalid_request(app, client):
    registered, secret = register_client(app, grant_types=list(GRANT_TYPES))
    response = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "scope": NUL},
        headers=basic_auth(registered["client_id"], secret),
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"


@pytest.mark.parametrize("query", ["client_id=%00&response_type=code", "response_type=code&client_id=pa_client_%00"])
def test_nul_in_an_authorization_request_is_a_page_not_a_redirect(client, query):
    response = client.get("/oauth/authorize?" + query)
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "Location" not in response.headers


def test_nul_in_the_state_of_a_valid_authorization_request_is_refused(app, client, auth):
    registered, _ = register_client(app)
    auth.sign_in_as()
    response = client.get(authorize_url(registered, state=f"a{NUL}b"))
    assert response.status_code == 400
    assert "Location" not in response.headers


@pytest.mark.parametrize(
    "page, data",
    [
        ("/login", {"email": f"user{NUL}@example.com", "password": "correct horse"}),
        ("/signup", {"email": "new@example.com", "name": f"a{NUL}", "password": "long pass", "confirm": "long pass"}),
    ],
)
def test_nul_in_a_sign_in_or_sign_up_form_is_refused(client, page, data):
    response = submit(client, page, data=data)
    assert response.status_code == 400
    assert response.mimetype == "text/html"


@pytest.mark.parametrize(
    "path",
    [
        "/developer/apps/%00",
        "/developer/apps/%00/quickstart",
        "/account/apps/%00/revoke",
        "/admin/apps/%00",
        "/admin/audit?client_id=%00",
        "/admin/audit?user=a%00@example.com",
    ],
)
def test_nul_in_a_portal_address_is_refused(client, auth, path):
    auth.sign_in_as("admin@example.com", role="admin")
    response = client.get(path)
    assert response.status_code == 400
    assert response.mimetype == "text/html"


def test_nul_in_a_portal_form_post_is_refused(client, auth):
    auth.sign_in_as("user@example.com")
    response = submit(client, "/account/apps", "/account/apps/%00/revoke")
    assert response.status_code == 400


def test_an_oversized_token_request_is_refused_before_it_is_parsed(client):
    response = client.post("/oauth/token", data={"grant_type": "client_credentials", "scope": "a" * 2_000_000})
    assert response.status_code == 413
    assert response.get_json()["error"] == "invalid_request"
    assert response.headers["Cache-Control"] == "no-store"
    assert len(response.data) < 1000  # the input is not echoed back


def test_an_oversized_form_post_is_refused(client):
    response = client.post("/login", data={"email": "x" * 2_000_000, "password": "y"})
    assert response.status_code == 413
    assert response.mimetype == "text/html"
