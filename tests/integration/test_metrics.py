"""GET /metrics counts what the server did, by exactly the expected amounts, through the real endpoints."""

import pytest

from oauth import credentials
from tests.support.accounts import create_user
from tests.support.apps import make_app
from tests.support.metrics import sample, scrape
from tests.support.oauth import bearer, get_tokens, introspect, refresh, token_request

CLIENT_CREDENTIALS = {"grant_type": "client_credentials", "scope": "read:data"}


@pytest.fixture
def delta(client):
    """`delta(action, name, **labels)`: how much `action()` moved one sample of /metrics."""

    def measure(action, name, **labels):
        before = sample(scrape(client), name, **labels)
        action()
        return sample(scrape(client), name, **labels) - before

    return measure


def test_metrics_are_prometheus_text_never_cached(client):
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert response.headers["Cache-Control"] == "no-store"
    assert "# TYPE oauth_http_requests_total counter" in response.text


def test_requests_are_counted_by_endpoint_name_never_by_path(client, delta):
    moved = delta(
        lambda: client.get("/livez"), "oauth_http_requests_total", endpoint="health.livez", method="GET", status="2xx"
    )
    assert moved == 1
    client.get("/no/such/page/for-metrics")
    assert "for-metrics" not in scrape(client)
    text = scrape(client)
    assert sample(text, "oauth_http_request_duration_seconds_count", endpoint="health.livez") >= 1


def test_a_token_response_counts_its_grant_type(client, app_client, delta):
    registered, secret = app_client
    moved = delta(
        lambda: token_request(client, registered, secret, **CLIENT_CREDENTIALS),
        "oauth_tokens_issued_total",
        grant_type="client_credentials",
    )
    assert moved == 1


def test_a_token_endpoint_error_counts_its_code(client, app_client, delta):
    registered, _ = app_client
    moved = delta(
        lambda: token_request(client, registered, "wrong secret", **CLIENT_CREDENTIALS),
        "oauth_protocol_errors_total",
        endpoint="tokens.token",
        error="invalid_client",
    )
    assert moved == 1


def test_refresh_reuse_is_a_security_event_and_a_revocation(client, auth, app_client, delta):
    registered, secret = app_client
    auth.sign_in_as()
    tokens = get_tokens(client, registered, secret)
    assert refresh(client, registered, secret, tokens["refresh_token"]).status_code == 200

    def reuse():
        assert refresh(client, registered, secret, tokens["refresh_token"]).status_code == 400

    assert delta(reuse, "oauth_security_events_total", event="token.reused") == 1
    assert sample(scrape(client), "oauth_revocations_total", cause="refresh_reuse") >= 1


def test_api_checks_count_each_outcome(client, auth, app_client, delta):
    registered, secret = app_client
    auth.sign_in_as()
    token = get_tokens(client, registered, secret)["access_token"]
    assert delta(lambda: client.get("/api/v1/me", headers=bearer(token)), "oauth_api_checks_total", outcome="ok") == 1
    unknown = bearer(credentials.new_secret(credentials.ACCESS_TOKEN_PREFIX))
    assert (
        delta(lambda: client.get("/api/v1/me", headers=unknown), "oauth_api_checks_total", outcome="invalid_token") == 1
    )


def test_introspection_counts_active_and_inactive(client, app_client, delta):
    registered, secret = app_client
    token = token_request(client, registered, secret, **CLIENT_CREDENTIALS).get_json()["access_token"]
    assert (
        delta(lambda: introspect(client, registered, secret, token), "oauth_introspections_total", outcome="active")
        == 1
    )
    moved = delta(
        lambda: introspect(client, registered, secret, "nothing"), "oauth_introspections_total", outcome="inactive"
    )
    assert moved == 1


def test_a_failed_sign_in_is_counted(app, auth, delta):
    create_user(app)
    moved = delta(lambda: auth.login(password="not the password"), "oauth_sign_ins_total", outcome="failed")
    assert moved == 1


def test_a_store_outage_is_counted_by_store(store_urls):
    down = make_app({**store_urls, "REDIS_URL": "redis://127.0.0.1:1/0"})
    http = down.test_client()
    before = sample(scrape(http), "oauth_store_errors_total", store="redis")
    token = credentials.new_secret(credentials.ACCESS_TOKEN_PREFIX)
    response = http.get("/api/v1/me", headers=bearer(token))
    assert response.status_code == 503
    assert sample(scrape(http), "oauth_store_errors_total", store="redis") == before + 1


def test_each_readiness_probe_times_one_round_trip_per_store(client):
    """Store latency is sampled by /healthz, never timed on the API's path."""
    before = scrape(client)
    assert client.get("/healthz").status_code == 200
    client.get("/livez")  # asks no store: times nothing
    after = scrape(client)
    for store in ("postgres", "redis"):
        name = "oauth_store_round_trip_seconds"
        assert sample(after, name + "_count", store=store) == sample(before, name + "_count", store=store) + 1
        assert 0 < sample(after, name + "_sum", store=store) - sample(before, name + "_sum", store=store) < 1
