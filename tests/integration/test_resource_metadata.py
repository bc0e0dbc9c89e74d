"""RFC 9728: the API describes itself, and every challenge it sends points there."""

import html

import pytest

from tests.support.api import user_with_token
from tests.support.apps import make_app

METADATA_URL = "http://localhost/.well-known/oauth-protected-resource"


def test_the_document_describes_the_api(client):
    response = client.get("/.well-known/oauth-protected-resource")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    document = response.json
    # The resource its URL derives from (RFC 9728 §3.1: nothing after the well-known suffix, so no path).
    assert document["resource"] == "http://localhost"
    server = client.get("/.well-known/oauth-authorization-server").json
    assert document["authorization_servers"] == [server["issuer"]]
    assert document["bearer_methods_supported"] == ["header"]
    # Exactly the scopes API calls require, each one the authorization server offers.
    api_scopes = ["read:profile", "write:profile", "read:data", "write:data", "read:billing", "webhooks"]
    assert document["scopes_supported"] == api_scopes
    assert set(document["scopes_supported"]) <= set(server["scopes_supported"])
    assert client.get(document["resource_documentation"].removeprefix("http://localhost")).status_code == 200


def test_the_document_follows_the_issuer(app, store_urls):
    other = make_app(store_urls, OAUTH_ISSUER="https://auth.example.com")
    document = other.test_client().get("/.well-known/oauth-protected-resource").json
    assert document["resource"] == "https://auth.example.com"
    assert document["authorization_servers"] == ["https://auth.example.com"]


def test_a_request_without_a_token_gets_the_bare_challenge(client):
    response = client.get("/api/v1/data")
    assert response.status_code == 401
    challenge = response.headers["WWW-Authenticate"]
    assert challenge == f'Bearer realm="api", resource_metadata="{METADATA_URL}"'
    assert "error=" not in challenge


@pytest.mark.parametrize("token", ["paat_unknown", "x" * 40])
def test_a_bad_token_keeps_invalid_token_and_names_the_metadata(client, token):
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    challenge = response.headers["WWW-Authenticate"]
    assert 'error="invalid_token"' in challenge
    assert f'resource_metadata="{METADATA_URL}"' in challenge


def test_a_revoked_apps_token_names_the_metadata(app, client, runner):
    issued = user_with_token(app, "a@example.com", ["read:profile"])
    assert runner.invoke(args=["clients", "suspend", issued.client_id]).exit_code == 0
    response = client.get("/api/v1/me", headers=issued.headers)
    assert response.status_code == 401
    assert f'resource_metadata="{METADATA_URL}"' in response.headers["WWW-Authenticate"]


def test_insufficient_scope_stays_a_403_naming_the_scope(app, client):
    issued = user_with_token(app, "a@example.com", ["read:data"])
    response = client.get("/api/v1/billing", headers=issued.headers)
    assert response.status_code == 403
    challenge = response.headers["WWW-Authenticate"]
    assert 'error="insufficient_scope"' in challenge and 'scope="read:billing"' in challenge
    assert f'resource_metadata="{METADATA_URL}"' in challenge


def test_the_docs_page_states_the_challenges(client):
    page = html.unescape(client.get("/docs").text)
    assert "/.well-known/oauth-protected-resource" in page
    assert 'Bearer realm="api", resource_metadata=' in page
    assert "Single-page apps (CORS)" in page
