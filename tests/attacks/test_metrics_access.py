"""GET /metrics from the attacker's side: another host, a relayed request, no token or a wrong one."""

import pytest

from tests.support.apps import make_app

TOKEN = "metrics-token-of-forty-characters-exactly!"


def test_another_host_is_refused_without_a_token(client):
    response = client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert response.status_code == 403
    assert response.headers["Cache-Control"] == "no-store"
    assert "oauth_" not in response.text


@pytest.mark.parametrize("header", ["X-Forwarded-For", "Forwarded", "X-Real-IP"])
def test_a_request_relayed_by_a_local_proxy_is_not_local(client, header):
    response = client.get("/metrics", headers={header: "203.0.113.9"})
    assert response.status_code == 403


@pytest.fixture(scope="module")
def guarded(store_urls):
    return make_app(store_urls, METRICS_TOKEN=TOKEN).test_client()


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong-token", f"Basic {TOKEN}", f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}"],
)
def test_with_a_token_set_only_that_bearer_token_opens_it_even_locally(guarded, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    response = guarded.get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.headers["Cache-Control"] == "no-store"


def test_the_right_token_opens_it_from_anywhere(guarded):
    response = guarded.get(
        "/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, environ_base={"REMOTE_ADDR": "203.0.113.9"}
    )
    assert response.status_code == 200
    assert "oauth_http_requests_total" in response.text
