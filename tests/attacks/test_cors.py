"""CORS from the attacker's side: a page on an origin no public app registered reads nothing.

The token endpoint takes no cookies, so CORS guards no session here; what
it guards is a browser page on another site reading token responses meant
for a registered single-page app (a stolen code exchanged from evil.example,
say). Every near miss of a registered origin is refused, as are the origins
of confidential apps and of apps that are suspended or gone.
"""

import pytest

import audit
from oauth import clients
from stores.postgres import get_connection
from stores.redis_client import get_redis
from tests.support.oauth import register_client

SPA_ORIGIN = "https://spa.example.com"


@pytest.fixture
def spa(app) -> dict:
    registered, _secret = register_client(app, client_type="public", redirect_uris=[SPA_ORIGIN + "/callback"])
    return registered


def preflight(http, origin: str, path: str = "/oauth/token"):
    return http.options(path, headers={"Origin": origin, "Access-Control-Request-Method": "POST"})


def cors_headers(response) -> dict[str, str]:
    return {name: value for name, value in response.headers.items() if name.lower().startswith("access-control-")}


@pytest.mark.parametrize(
    "origin",
    [
        "null",  # sandboxed iframes, data: and file: pages
        "http://spa.example.com",  # the same host over plain http
        "https://spa.example.com:8443",
        "https://spa.example.com/",
        "https://SPA.example.com",
        "https://spa.example.com:443",
        "https://spa.example.com.evil.example",
        "https://evil-spa.example.com",
        "https://example.com",
        "https://spa.example.co",
        "https://spa.example.com, https://evil.example",
        "*",
        "https://" + "a" * 5000 + ".example",
    ],
)
def test_near_misses_of_a_registered_origin_get_nothing(client, spa, origin):
    assert cors_headers(preflight(client, origin)) == {}
    real = client.post("/oauth/token", data={"client_id": spa["client_id"]}, headers={"Origin": origin})
    assert cors_headers(real) == {}


def test_a_confidential_apps_redirect_origin_is_not_allowed(app, client):
    register_client(app, client_type="confidential", redirect_uris=["https://server-side.example.com/callback"])
    for path in ("/oauth/token", "/oauth/revoke"):
        assert cors_headers(preflight(client, "https://server-side.example.com", path)) == {}


@pytest.mark.parametrize("action", ["suspend", "delete"])
def test_a_suspended_or_deleted_apps_origin_stops_being_allowed(app, client, spa, action):
    assert cors_headers(preflight(client, SPA_ORIGIN))["Access-Control-Allow-Origin"] == SPA_ORIGIN
    with app.app_context():
        if action == "suspend":
            clients.set_suspended(get_connection(), get_redis(), audit.CLI, spa["client_id"], True, "abuse")
        else:
            clients.delete_client(get_connection(), get_redis(), audit.CLI, spa["client_id"])
    assert cors_headers(preflight(client, SPA_ORIGIN)) == {}
    real = client.post("/oauth/token", data={"client_id": spa["client_id"]}, headers={"Origin": SPA_ORIGIN})
    assert cors_headers(real) == {}


def test_a_suspended_app_stays_out_after_redis_lost_the_set(app, client, spa, r):
    with app.app_context():
        clients.set_suspended(get_connection(), get_redis(), audit.CLI, spa["client_id"], True, "abuse")
    r.flushdb()  # the set is rebuilt from PostgreSQL, where the app is suspended
    assert cors_headers(preflight(client, SPA_ORIGIN)) == {}


@pytest.mark.parametrize(
    "path",
    ["/oauth/token", "/oauth/revoke", "/api/v1/me", "/.well-known/oauth-authorization-server", "/login"],
)
def test_credentials_are_never_allowed(client, spa, path):
    headers = {"Origin": SPA_ORIGIN, "Cookie": "session=anything"}
    for response in (
        client.options(path, headers={**headers, "Access-Control-Request-Method": "POST"}),
        client.post(path, headers=headers),
        client.get(path, headers=headers),
    ):
        assert "Access-Control-Allow-Credentials" not in response.headers
        assert response.headers.get("Access-Control-Allow-Origin") in (None, "*", SPA_ORIGIN)


def test_the_token_endpoint_never_answers_every_origin(client, spa):
    assert preflight(client, SPA_ORIGIN).headers["Access-Control-Allow-Origin"] == SPA_ORIGIN  # never `*`
