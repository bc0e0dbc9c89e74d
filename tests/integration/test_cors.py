"""CORS: single-page apps read the token and revocation endpoints from their own origin; metadata and the API from any.

The browser's side of the protocol, spoken by hand: a preflight is an
OPTIONS with `Origin` and `Access-Control-Request-Method`; the real request
carries `Origin`. What the browser then allows is decided by the headers
asserted here.
"""

import flask
import pytest

import audit
from oauth import clients
from stores.postgres import get_connection
from stores.redis_client import get_redis
from tests.support.accounts import create_user
from tests.support.api import issue_user_token
from tests.support.oauth import get_tokens, register_client
from tests.support.stores import commands_run

SPA_ORIGIN = "https://spa.example.com"
SPA_REDIRECT = SPA_ORIGIN + "/callback"
MACHINE_ENDPOINTS = ["/oauth/token", "/oauth/revoke"]


def preflight(http, path: str, origin: str, method: str = "POST", headers: str = "content-type"):
    return http.options(
        path,
        headers={"Origin": origin, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": headers},
    )


def register_spa(app, **overrides) -> dict:
    spa, _secret = register_client(app, **{"client_type": "public", "redirect_uris": [SPA_REDIRECT], **overrides})
    return spa


def refresh_from(http, spa: dict, origin: str, refresh_token: str = "part_not-a-token"):
    """A refresh request as a browser sends it: form-encoded, with its page's origin."""
    data = {"grant_type": "refresh_token", "client_id": spa["client_id"], "refresh_token": refresh_token}
    return http.post("/oauth/token", data=data, headers={"Origin": origin})


def assert_no_cors(response) -> None:
    assert not [name for name in response.headers.keys() if name.lower().startswith("access-control-")]


# The token and revocation endpoints --------------------------------------------


@pytest.mark.parametrize("path", MACHINE_ENDPOINTS)
def test_preflight_from_a_public_clients_origin_is_answered(app, client, path):
    register_spa(app)
    response = preflight(client, path, SPA_ORIGIN)
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == SPA_ORIGIN
    assert response.headers["Access-Control-Allow-Methods"] == "POST"
    assert {h.strip() for h in response.headers["Access-Control-Allow-Headers"].split(",")} == {
        "Authorization",
        "Content-Type",
    }
    assert int(response.headers["Access-Control-Max-Age"]) > 0
    assert "Origin" in response.headers["Vary"]
    assert "Access-Control-Allow-Credentials" not in response.headers


@pytest.mark.parametrize("path", MACHINE_ENDPOINTS)
def test_preflight_from_an_unregistered_origin_gets_no_cors_headers(app, client, path):
    register_spa(app)
    response = preflight(client, path, "https://elsewhere.example.com")
    assert response.status_code == 200  # Flask's OPTIONS answer; without the headers the browser stops here
    assert_no_cors(response)
    assert "Origin" in response.headers["Vary"]


def test_a_single_page_app_exchanges_its_code_and_refreshes_through_cors(app, client, auth):
    spa = register_spa(app)
    create_user(app, email="alice@example.com", password="alice password")
    auth.login(email="alice@example.com", password="alice password")
    tokens = get_tokens(client, spa, None, scope="read:profile")

    refreshed = refresh_from(client, spa, SPA_ORIGIN, tokens["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text
    assert refreshed.headers["Access-Control-Allow-Origin"] == SPA_ORIGIN
    assert refreshed.headers["Cache-Control"] == "no-store"
    assert "Access-Control-Allow-Credentials" not in refreshed.headers

    revoked = client.post(
        "/oauth/revoke",
        data={"token": refreshed.json["refresh_token"], "client_id": spa["client_id"]},
        headers={"Origin": SPA_ORIGIN},
    )
    assert revoked.status_code == 200
    assert revoked.headers["Access-Control-Allow-Origin"] == SPA_ORIGIN


def test_a_single_page_app_reads_userinfo_from_its_origin_and_no_other(app, client):
    spa = register_spa(app)
    user = create_user(app, email="alice@example.com", password="alice password")
    issued = issue_user_token(app, spa, user["id"], ["openid"])
    answer = client.get("/oauth/userinfo", headers={**issued.headers, "Origin": SPA_ORIGIN})
    assert answer.status_code == 200 and "sub" in answer.json
    assert answer.headers["Access-Control-Allow-Origin"] == SPA_ORIGIN
    assert "WWW-Authenticate" in answer.headers["Access-Control-Expose-Headers"]
    assert "Access-Control-Allow-Credentials" not in answer.headers

    denied = client.get("/oauth/userinfo", headers={"Origin": SPA_ORIGIN})
    assert denied.status_code == 401 and denied.headers["Access-Control-Allow-Origin"] == SPA_ORIGIN
    assert_no_cors(client.get("/oauth/userinfo", headers={**issued.headers, "Origin": "https://elsewhere.example.com"}))
    assert (
        preflight(client, "/oauth/userinfo", SPA_ORIGIN, "GET", "authorization").headers["Access-Control-Allow-Methods"]
        == "GET, POST"
    )


def test_an_error_is_readable_by_the_app_too(app, client):
    spa = register_spa(app)
    response = refresh_from(client, spa, SPA_ORIGIN)
    assert response.status_code == 400 and response.json["error"] == "invalid_grant"
    assert response.headers["Access-Control-Allow-Origin"] == SPA_ORIGIN


def test_the_real_request_from_an_unregistered_origin_gets_no_cors_headers(app, client):
    spa = register_spa(app)
    response = refresh_from(client, spa, "https://elsewhere.example.com")
    assert response.status_code == 400  # answered as to any program: only a browser's reading is withheld
    assert_no_cors(response)


def test_every_redirect_uri_of_a_public_client_opens_its_origin(app, client):
    register_spa(app, redirect_uris=["https://a.example.com/cb", "http://localhost:3000/cb", "com.example.app:/cb"])
    for origin in ("https://a.example.com", "http://localhost:3000"):
        assert preflight(client, "/oauth/token", origin).headers["Access-Control-Allow-Origin"] == origin
    assert_no_cors(preflight(client, "/oauth/token", "http://localhost"))  # another port is another origin


def test_introspection_is_for_servers_and_has_no_cors(app, client):
    register_spa(app)
    assert_no_cors(preflight(client, "/oauth/introspect", SPA_ORIGIN))


# Keeping the set of origins true to the apps --------------------------------------


def test_a_changed_redirect_uri_moves_the_allowed_origin(app, client):
    spa = register_spa(app)
    with app.app_context():
        clients.update_client(
            get_connection(), get_redis(), audit.CLI, spa["client_id"], redirect_uris=["https://new.example.com/cb"]
        )
    assert_no_cors(preflight(client, "/oauth/token", SPA_ORIGIN))
    allowed = preflight(client, "/oauth/token", "https://new.example.com")
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://new.example.com"


def test_an_origin_two_apps_share_stays_until_neither_uses_it(app, client):
    first, second = register_spa(app), register_spa(app)
    with app.app_context():
        clients.delete_client(get_connection(), get_redis(), audit.CLI, first["client_id"])
    assert preflight(client, "/oauth/token", SPA_ORIGIN).headers["Access-Control-Allow-Origin"] == SPA_ORIGIN
    with app.app_context():
        clients.delete_client(get_connection(), get_redis(), audit.CLI, second["client_id"])
    assert_no_cors(preflight(client, "/oauth/token", SPA_ORIGIN))


def test_a_resumed_app_opens_its_origin_again(app, client, runner):
    spa = register_spa(app)
    assert runner.invoke(args=["clients", "suspend", spa["client_id"]]).exit_code == 0
    assert_no_cors(preflight(client, "/oauth/token", SPA_ORIGIN))
    assert runner.invoke(args=["clients", "resume", spa["client_id"]]).exit_code == 0
    assert preflight(client, "/oauth/token", SPA_ORIGIN).headers["Access-Control-Allow-Origin"] == SPA_ORIGIN


def test_the_origins_are_rebuilt_from_postgresql_when_redis_lost_them(app, client, r):
    register_spa(app)
    r.flushdb()
    assert preflight(client, "/oauth/token", SPA_ORIGIN).headers["Access-Control-Allow-Origin"] == SPA_ORIGIN
    assert_no_cors(preflight(client, "/oauth/token", "https://elsewhere.example.com"))


def test_checking_an_origin_is_one_redis_command_and_no_postgresql(app, client, r):
    register_spa(app)
    preflight(client, "/oauth/token", SPA_ORIGIN)  # the set is built by now
    before = commands_run(r)
    with client:
        response = preflight(client, "/oauth/token", SPA_ORIGIN)
        assert "pg_connection" not in flask.g  # no PostgreSQL connection was even checked out
    assert response.headers["Access-Control-Allow-Origin"] == SPA_ORIGIN
    spent = commands_run(r) - before
    spent.pop("info", None)
    assert spent == {"hmget": 1}


def test_a_request_without_origin_costs_no_lookup(app, client, r):
    spa = register_spa(app)
    before = commands_run(r)
    client.post("/oauth/revoke", data={"token": "x", "client_id": spa["client_id"]})
    assert (commands_run(r) - before)["hmget"] == 1  # the client's own cached state (oauth/client_cache.py)


# Metadata and the API: any origin -----------------------------------------------


@pytest.mark.parametrize(
    "path", ["/.well-known/oauth-authorization-server", "/.well-known/oauth-protected-resource", "/api/v1/me"]
)
def test_metadata_and_the_api_answer_any_origin(client, path):
    response = client.get(path, headers={"Origin": "https://anyone.example.org"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_the_apis_401_is_readable_with_its_challenge(client):
    response = client.get("/api/v1/me", headers={"Origin": "https://anyone.example.org"})
    assert response.status_code == 401
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "WWW-Authenticate" in response.headers["Access-Control-Expose-Headers"]


@pytest.mark.parametrize(("path", "method"), [("/api/v1/me", "PATCH"), ("/api/v1/data", "POST")])
def test_api_preflight_allows_bearer_tokens_and_the_paths_methods(client, path, method):
    response = preflight(client, path, "https://anyone.example.org", method, "authorization, content-type")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert method in response.headers["Access-Control-Allow-Methods"].split(", ")
    assert "Authorization" in response.headers["Access-Control-Allow-Headers"]
    assert int(response.headers["Access-Control-Max-Age"]) > 0
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_a_browser_app_calls_the_api_with_its_token(app, client):
    user = create_user(app, email="alice@example.com")
    spa = register_spa(app)
    issued = issue_user_token(app, spa, user["id"], ["read:profile"])
    response = client.get("/api/v1/me", headers={**issued.headers, "Origin": SPA_ORIGIN})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "RateLimit-Remaining" in response.headers["Access-Control-Expose-Headers"]


def test_pages_get_no_cors_headers(client):
    assert_no_cors(client.get("/login", headers={"Origin": SPA_ORIGIN}))


@pytest.mark.parametrize("document", ["oauth-authorization-server", "openid-configuration"])
def test_every_advertised_endpoint_a_browser_app_calls_answers_its_origin(app, client, document):
    """Token, revocation and userinfo, wherever the discovery documents place them (web.cors.for_public_clients)."""
    response = client.get(f"/.well-known/{document}")
    assert response.status_code == 200
    register_spa(app)
    advertised = response.json
    for field in ("token_endpoint", "revocation_endpoint", "userinfo_endpoint"):
        if field in advertised:
            path = advertised[field].removeprefix("http://localhost")
            answer = preflight(client, path, SPA_ORIGIN)
            assert answer.headers.get("Access-Control-Allow-Origin") == SPA_ORIGIN, field
