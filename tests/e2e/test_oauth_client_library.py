"""A real third-party client (requests-oauthlib) against the server over real HTTP.

The person's side is a plain requests.Session that signs in and presses
Allow through the real HTML forms, CSRF tokens included; the app's side is
requests-oauthlib, configured from the server's RFC 8414 metadata only.
"""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from oauthlib.oauth2 import WebApplicationClient
from requests_oauthlib import OAuth2Session

from tests.support import consent
from tests.support.accounts import create_user
from tests.support.oauth import register_client

CALLBACK = "http://127.0.0.1:8765/callback"  # never served: the browser stops at the redirect
EMAIL, PASSWORD = "person@example.com", "person password"
SCOPES = ["read:profile", "read:data"]


@pytest.fixture
def server(app, live_server, monkeypatch):
    # oauthlib refuses plain http unless told this is a local test.
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    create_user(app, EMAIL, PASSWORD)
    return live_server


@pytest.fixture
def discovery(server) -> dict:
    response = requests.get(server.url + "/.well-known/oauth-authorization-server", timeout=10)
    response.raise_for_status()
    metadata = response.json()
    assert metadata["issuer"] == server.url
    return metadata


def sign_in_and_allow(authorization_url: str) -> str:
    """Be the person: follow the authorization URL, sign in, press Allow; return the callback URL."""
    return consent.sign_in_and_allow(authorization_url, EMAIL, PASSWORD)


def introspect(discovery: dict, client_id: str, secret: str, token: str) -> dict:
    response = requests.post(
        discovery["introspection_endpoint"], data={"token": token}, auth=(client_id, secret), timeout=10
    )
    return response.json()


def test_confidential_client_code_with_pkce_refresh_and_revocation(app, discovery):
    registered, secret = register_client(app, redirect_uris=[CALLBACK])
    client_id = registered["client_id"]
    session = OAuth2Session(client_id, redirect_uri=CALLBACK, scope=SCOPES, pkce="S256")
    authorization_url, state = session.authorization_url(discovery["authorization_endpoint"])
    assert "code_challenge_method=S256" in authorization_url

    callback = sign_in_and_allow(authorization_url)
    returned = parse_qs(urlsplit(callback).query)
    assert returned["state"] == [state] and returned["iss"] == [discovery["issuer"]]

    token = session.fetch_token(discovery["token_endpoint"], authorization_response=callback, client_secret=secret)
    assert token["token_type"] == "Bearer" and token["scope"] == SCOPES
    assert introspect(discovery, client_id, secret, token["access_token"])["active"]

    refreshed = session.refresh_token(discovery["token_endpoint"], auth=(client_id, secret))
    assert refreshed["refresh_token"] != token["refresh_token"]
    assert not introspect(discovery, client_id, secret, token["refresh_token"])["active"]

    url, headers, body = WebApplicationClient(client_id).prepare_token_revocation_request(
        discovery["revocation_endpoint"], refreshed["refresh_token"], token_type_hint="refresh_token"
    )
    revoked = requests.post(url, data=body, headers=headers, auth=(client_id, secret), timeout=10)
    assert revoked.status_code == 200
    assert not introspect(discovery, client_id, secret, refreshed["access_token"])["active"]
    assert not introspect(discovery, client_id, secret, refreshed["refresh_token"])["active"]


def test_public_client_code_with_pkce_and_refresh(app, discovery):
    public, _ = register_client(app, client_type="public", redirect_uris=[CALLBACK])
    resource_server, rs_secret = register_client(app, name="Resource server", is_resource_server=True)
    session = OAuth2Session(public["client_id"], redirect_uri=CALLBACK, scope=SCOPES, pkce="S256")
    authorization_url, _state = session.authorization_url(discovery["authorization_endpoint"])
    callback = sign_in_and_allow(authorization_url)

    token = session.fetch_token(discovery["token_endpoint"], authorization_response=callback, include_client_id=True)
    refreshed = session.refresh_token(discovery["token_endpoint"], client_id=public["client_id"])
    details = introspect(discovery, resource_server["client_id"], rs_secret, refreshed["access_token"])
    assert details["active"] and details["client_id"] == public["client_id"] and details["username"] == EMAIL
    assert not introspect(discovery, resource_server["client_id"], rs_secret, token["refresh_token"])["active"]
