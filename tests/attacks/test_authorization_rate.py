"""The authorization endpoint under a flood from one address: a 429 page past its per-address rate.

Every request there costs a client lookup and a page, and needs no account,
so one address gets AUTHORIZATION_PER_ADDRESS (300 a minute, GET and POST
together): far more than the people behind one address click through.
The count is by the client address the app trusts (TRUSTED_PROXY_HOPS), so
a made-up X-Forwarded-For does not start a fresh count.
"""

import pytest

from oauth.views import AUTHORIZATION_PER_ADDRESS
from tests.support.accounts import csrf_token
from tests.support.apps import make_app
from tests.support.oauth import authorize_url, register_client

LIMIT = AUTHORIZATION_PER_ADDRESS.count


def flood(http, url: str, times: int, **kwargs) -> list[int]:
    return [http.get(url, **kwargs).status_code for _ in range(times)]


def test_past_its_rate_one_address_gets_a_429_page(client, app):
    registered, _secret = register_client(app)
    url = authorize_url(registered)
    assert 429 not in flood(client, url, LIMIT)
    response = client.get(url)
    assert response.status_code == 429
    assert response.mimetype == "text/html"
    assert "Too many authorization requests" in response.text
    assert 0 < int(response.headers["Retry-After"]) <= AUTHORIZATION_PER_ADDRESS.window_seconds
    assert "Location" not in response.headers


def test_decisions_count_too_and_are_refused_past_the_rate(client, app):
    assert 429 not in flood(client, "/oauth/authorize", LIMIT)
    token_page = client.get("/login")
    response = client.post("/oauth/authorize", data={"csrf_token": csrf_token(token_page.text), "decision": "allow"})
    assert response.status_code == 429


def test_another_address_is_not_slowed(client):
    assert flood(client, "/oauth/authorize", LIMIT + 1, environ_base={"REMOTE_ADDR": "198.51.100.7"})[-1] == 429
    assert client.get("/oauth/authorize", environ_base={"REMOTE_ADDR": "198.51.100.8"}).status_code == 400


def test_a_made_up_forwarded_for_does_not_start_a_fresh_count(client):
    statuses = [
        client.get("/oauth/authorize", headers={"X-Forwarded-For": f"203.0.113.{n % 250}"}).status_code
        for n in range(LIMIT + 1)
    ]
    assert statuses[-1] == 429


def test_behind_a_trusted_proxy_each_client_address_counts_apart(store_urls, app):
    proxied = make_app(store_urls, TRUSTED_PROXY_HOPS=1).test_client()
    first = {"X-Forwarded-For": "192.0.2.10"}
    assert flood(proxied, "/oauth/authorize", LIMIT + 1, headers=first)[-1] == 429
    assert proxied.get("/oauth/authorize", headers={"X-Forwarded-For": "192.0.2.11"}).status_code == 400


@pytest.mark.parametrize("neighbour", ["2001:db8:1:2::99", "2001:db8:1:2:ffff::1"])
def test_an_ipv6_host_cannot_dodge_by_changing_its_own_address(client, neighbour):
    assert 429 not in flood(client, "/oauth/authorize", LIMIT, environ_base={"REMOTE_ADDR": "2001:db8:1:2::1"})
    assert client.get("/oauth/authorize", environ_base={"REMOTE_ADDR": neighbour}).status_code == 429
