"""RFC 8414 metadata and the documentation page it points to."""

import pytest

from tests.support.apps import make_app

ENDPOINTS = {
    "authorization_endpoint": "/oauth/authorize",
    "token_endpoint": "/oauth/token",
    "revocation_endpoint": "/oauth/revoke",
    "introspection_endpoint": "/oauth/introspect",
}


@pytest.fixture
def metadata(client) -> dict:
    response = client.get("/.well-known/oauth-authorization-server")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


def test_metadata_names_every_endpoint_under_the_issuer(metadata):
    assert metadata["issuer"] == "http://localhost"
    for name, path in ENDPOINTS.items():
        assert metadata[name] == "http://localhost" + path


def test_metadata_advertises_what_the_server_does(metadata):
    assert metadata["scopes_supported"] == [
        "openid",
        "profile",
        "email",
        "read:profile",
        "write:profile",
        "read:data",
        "write:data",
        "read:billing",
        "webhooks",
    ]
    assert metadata["response_types_supported"] == ["code"]
    assert metadata["grant_types_supported"] == ["authorization_code", "refresh_token", "client_credentials"]
    assert metadata["token_endpoint_auth_methods_supported"] == ["client_secret_basic", "client_secret_post", "none"]
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["authorization_response_iss_parameter_supported"] is True
    assert metadata["service_documentation"] == "http://localhost/docs"


def test_every_advertised_endpoint_exists(client, metadata):
    assert client.get("/oauth/authorize").status_code == 400  # a page: no client_id
    for name in ("token_endpoint", "revocation_endpoint", "introspection_endpoint"):
        path = metadata[name].removeprefix("http://localhost")
        assert client.post(path, data={}).status_code in (400, 401)


def test_issuer_follows_the_configuration(store_urls, app):
    other = make_app(store_urls, OAUTH_ISSUER="https://auth.example.com")
    metadata = other.test_client().get("/.well-known/oauth-authorization-server").get_json()
    assert metadata["issuer"] == "https://auth.example.com"
    assert metadata["token_endpoint"] == "https://auth.example.com/oauth/token"


def test_docs_page_explains_endpoints_scopes_pkce_lifetimes_and_errors(client):
    page = client.get("/docs")
    assert page.status_code == 200
    text = page.text
    for words in (
        "http://localhost/oauth/token",
        "http://localhost/.well-known/oauth-authorization-server",
        "read:billing",
        "See your plan and invoices",
        "S256",
        "60 minutes",
        "30 days",
        "invalid_grant",
        "scope parameter is required",
    ):
        assert words in text, words
