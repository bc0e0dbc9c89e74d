"""Headers against a network attacker and a framing page: https pinned, the consent page never framed."""

import pytest

from tests.support.apps import make_app
from tests.support.oauth import authorize_url, pkce_pair, register_client


@pytest.mark.parametrize(
    "method, path",
    [("get", "/"), ("get", "/login"), ("get", "/healthz"), ("post", "/oauth/token"), ("get", "/no-such-page")],
)
def test_an_https_issuer_pins_browsers_to_https(store_urls, app, method, path):
    https_app = make_app(store_urls, OAUTH_ISSUER="https://auth.example.com")
    response = getattr(https_app.test_client(), method)(path)
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_an_http_issuer_does_not_pin_https(client):
    # Development on http://127.0.0.1: pinning https there would break every other local server.
    assert "Strict-Transport-Security" not in client.get("/").headers


def test_the_consent_page_cannot_be_framed_for_clickjacking(app, client, auth):
    registered, _ = register_client(app)
    auth.sign_in_as()
    _verifier, challenge = pkce_pair()
    consent = client.get(authorize_url(registered, code_challenge=challenge))
    assert 'value="allow"' in consent.text
    assert consent.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in consent.headers["Content-Security-Policy"]
    assert consent.headers["Cache-Control"] == "no-store"
