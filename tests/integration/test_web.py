"""Security headers, cookie flags and error pages in the right shape."""

import pytest

from tests.support.accounts import create_user
from tests.support.apps import make_app


def test_html_pages_cannot_be_framed_or_sniffed(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path", ["/", "/signup", "/no-such-page"])
def test_every_html_response_carries_the_headers(client, path):
    response = client.get(path)
    assert response.mimetype == "text/html"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


def test_session_cookie_is_httponly_and_lax(app, client, auth):
    create_user(app)
    response = auth.login()
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # http issuer in tests


def test_session_cookie_is_secure_when_issuer_is_https(store_urls):
    app = make_app(store_urls, OAUTH_ISSUER="https://auth.example.com")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


def test_unknown_page_is_html_404(client):
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "Not found" in response.text


def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/v1/nowhere")
    assert response.status_code == 404
    assert response.json["error"] == "not_found"


def test_wrong_method_is_405_with_allow(client):
    response = client.put("/login")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


def test_unexpected_error_is_a_page_without_traceback(store_urls):
    app = make_app(store_urls, TESTING=False)

    @app.get("/_boom")
    def _boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/_boom")
    assert response.status_code == 500
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text


def test_live_server_answers_over_real_http(live_server):
    import requests

    response = requests.get(f"{live_server.url}/healthz", timeout=10)
    assert response.status_code == 200 and response.json()["redis"] == "ok"
