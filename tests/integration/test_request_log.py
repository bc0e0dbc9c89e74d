"""One log line per request, a request ID on every response, and nothing secret in what the server writes."""

import json

import pytest

from oauth import credentials
from tests.support.accounts import USER_PASSWORD, AuthActions
from tests.support.apps import make_app
from tests.support.oauth import bearer, get_tokens, introspect, refresh, revoke, token_request


def log_lines(capfd) -> list[str]:
    return [line for line in capfd.readouterr().err.splitlines() if line.strip()]


@pytest.fixture
def json_app(store_urls):
    """An app with LOG_FORMAT=json; made per test, as the log streams take the format of the last app made."""
    return make_app(store_urls, LOG_FORMAT="json")


@pytest.fixture
def proxied(store_urls):
    """An app behind one trusted proxy, the only kind that keeps a request ID it is sent."""
    return make_app(store_urls, TRUSTED_PROXY_HOPS=1).test_client()


def test_a_json_line_per_request_names_the_route_never_the_query(json_app, capfd):
    capfd.readouterr()
    response = json_app.test_client().get("/livez?secret=abc")
    [line] = log_lines(capfd)
    entry = json.loads(line)
    assert entry["event"] == "request"
    assert entry["request_id"] == response.headers["X-Request-ID"]
    assert (entry["method"], entry["endpoint"], entry["path"], entry["status"]) == (
        "GET",
        "health.livez",
        "/livez",
        200,
    )
    assert entry["duration_ms"] >= 0 and entry["client_address"] == "127.0.0.1"
    assert "abc" not in line


def test_a_route_with_a_token_in_its_path_is_logged_by_its_pattern(client, capfd):
    link_token = credentials.new_secret("x_") + "linktoken"
    capfd.readouterr()
    client.get(f"/password/reset/{link_token}")
    client.get(f"/nowhere/{link_token}")
    text = capfd.readouterr().err
    assert link_token not in text


def test_a_trusted_proxys_request_id_is_kept_and_logged(proxied, capfd):
    capfd.readouterr()
    response = proxied.get("/livez", headers={"X-Request-ID": "lb-1234", "X-Forwarded-For": "203.0.113.9"})
    assert response.headers["X-Request-ID"] == "lb-1234"
    assert "request_id=lb-1234" in log_lines(capfd)[0]


def test_a_request_id_sent_straight_to_the_app_is_replaced(client, capfd):
    """Without a trusted proxy the caller is whoever connects: a planted ID would pass for another request's."""
    capfd.readouterr()
    response = client.get("/livez", headers={"X-Request-ID": "lb-1234"})
    assert response.headers["X-Request-ID"] != "lb-1234" and len(response.headers["X-Request-ID"]) == 24
    assert "lb-1234" not in capfd.readouterr().err


@pytest.mark.parametrize("incoming", ["a" * 129, "has space", 'quote"d', "<script>", "", "-starts-with-dash"])
def test_a_malformed_request_id_is_replaced_even_from_a_trusted_proxy(proxied, incoming):
    response = proxied.get("/livez", headers={"X-Request-ID": incoming})
    assert response.headers["X-Request-ID"] != incoming
    assert len(response.headers["X-Request-ID"]) == 24


def test_errors_and_503s_carry_a_request_id(client, store_urls):
    assert client.get("/no-such-page").headers["X-Request-ID"]
    assert client.get("/api/v1/me").headers["X-Request-ID"]
    down = make_app({**store_urls, "REDIS_URL": "redis://127.0.0.1:1/0", "TRUSTED_PROXY_HOPS": 1}).test_client()
    response = down.get("/healthz", headers={"X-Request-ID": "probe-7"})
    assert response.status_code == 503
    assert response.headers["X-Request-ID"] == "probe-7"


def test_the_api_line_names_the_client_and_user(client, auth, app_client, capfd):
    registered, secret = app_client
    user = auth.sign_in_as()
    token = get_tokens(client, registered, secret)["access_token"]
    capfd.readouterr()
    client.get("/api/v1/me", headers=bearer(token))
    [line] = log_lines(capfd)
    assert f"client_id={registered['client_id']}" in line and f"user_id={user['id']}" in line


def test_nothing_secret_reaches_the_log(json_app, auth, app_client, capfd):
    """Passwords, secrets, codes and tokens through every machine endpoint and the sign-in form: none is written."""
    registered, secret = app_client
    http = json_app.test_client()
    signed = AuthActions(http, json_app)
    signed.sign_in_as()
    tokens = get_tokens(http, registered, secret)
    renewed = refresh(http, registered, secret, tokens["refresh_token"]).get_json()
    refresh(http, registered, secret, tokens["refresh_token"])  # reuse: a security event
    introspect(http, registered, secret, renewed["access_token"])
    http.get("/api/v1/me", headers=bearer(renewed["access_token"]))
    http.get(f"/api/v1/me?access_token={renewed['access_token']}")
    machine = token_request(http, registered, secret, grant_type="client_credentials", scope="read:data").get_json()
    revoke(http, registered, secret, machine["access_token"])
    http.post("/oauth/leaked", json={"credentials": [renewed["refresh_token"], secret]})
    signed.logout()
    signed.login(password="wrong " + USER_PASSWORD)
    signed.login(password=USER_PASSWORD)
    written = capfd.readouterr().err
    assert json.loads(written.splitlines()[-1])["event"] in ("request", "security_event")
    assert '"event":"security_event"' in written
    handed_out = [secret, USER_PASSWORD, tokens["access_token"], tokens["refresh_token"], renewed["access_token"]]
    handed_out += [renewed["refresh_token"], machine["access_token"], "user@example.com"]
    for value in handed_out:
        assert value not in written
    assert "code=" not in written and "?" not in written
