"""The whole journey in a real browser: register an app, consent, use the API, revoke.

A developer registers an app in the portal; a user signs in through the
app's authorization URL and allows it; the app (plain HTTP here) exchanges
the code and calls the API; the user finds the app under Connected apps,
with its scopes and last use, and revokes it; the app's next call is a 401
and its refresh fails. Then "Sign in with" from a single-page app served on
another loopback port: the browser itself runs the code flow with PKCE and
calls the token endpoint and the API through CORS. With SCREENSHOTS=1 the pages are saved to
docs/screenshots/ for the README (`make screenshots`).
"""

import json
import os
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from tests.support.accounts import create_user
from tests.support.browser import open_registration_form, sign_up
from tests.support.oauth import pkce_pair, register_client
from tests.support.static_site import StaticSite

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# The app's callback: no server listens there; the browser's request is answered by the test.
CALLBACK = "http://localhost:8765/callback"

pytestmark = pytest.mark.browser


def screenshot(page, name: str) -> None:
    if os.environ.get("SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def register_app_as_developer(browser, base_url: str) -> tuple[str, str]:
    """Sign up as a developer, register an app; return its client id and secret as the page shows them."""
    page = browser.new_context(viewport={"width": 1100, "height": 800}).new_page()
    sign_up(page, base_url, "dana@example.com")
    open_registration_form(page)
    page.get_by_label("Name", exact=True).fill("Photo Printer")
    page.get_by_label("Description").fill("Prints the photos in your account.")
    page.get_by_label("Homepage URL").fill("https://photos.example.com")
    page.get_by_label("Redirect URIs", exact=True).fill(CALLBACK)
    for scope in ("read:profile", "read:data", "write:data"):
        page.get_by_label(scope).check()
    page.get_by_role("button", name="Register app").click()
    client_id = page.locator("#client-id").inner_text().strip()
    secret = page.locator("#client-secret").inner_text().strip()
    page.get_by_role("link", name="My apps").click()
    screenshot(page, "developer-apps")
    page.context.close()
    return client_id, secret


def consent_as_user(browser, base_url: str, client_id: str, challenge: str) -> tuple:
    """Follow the app's authorization URL, sign in, allow; return the code the app receives and the page."""
    page = browser.new_context(viewport={"width": 1000, "height": 800}).new_page()
    received: list[str] = []

    def app_callback(route):
        received.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<p>Connected.</p>")

    page.route(CALLBACK + "*", app_callback)
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": CALLBACK,
        "scope": "read:profile write:data",
        "state": "xyz",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    page.goto(f"{base_url}/oauth/authorize?{urlencode(query)}")
    assert urlsplit(page.url).path == "/login"
    page.get_by_label("Email", exact=True).fill("alice@example.com")
    page.get_by_label("Password", exact=True).fill("alice password")
    screenshot(page, "sign-in")
    page.get_by_role("button", name="Sign in").click()
    assert "Photo Printer" in page.content()
    assert "Create items in your account" in page.content()
    screenshot(page, "consent")
    page.get_by_role("button", name="Allow").click()
    page.wait_for_url(CALLBACK + "*")
    params = parse_qs(urlsplit(received[-1]).query)
    assert params["state"] == ["xyz"] and params["iss"] == [base_url]
    return params["code"][0], page


def test_user_connects_an_app_uses_it_and_revokes_it(app, browser, live_server):
    base = live_server.url
    client_id, secret = register_app_as_developer(browser, base)
    create_user(app, email="alice@example.com", password="alice password", name="Alice")

    verifier, challenge = pkce_pair()
    code, page = consent_as_user(browser, base, client_id, challenge)

    # The app, server side: exchange the code, call the API.
    answer = requests.post(
        f"{base}/oauth/token",
        auth=(client_id, secret),
        timeout=10,
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK, "code_verifier": verifier},
    )
    assert answer.status_code == 200, answer.text
    tokens = answer.json()
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    me = requests.get(f"{base}/api/v1/me", headers=bearer, timeout=10)
    assert me.status_code == 200 and me.json()["email"] == "alice@example.com"

    # The user sees the app, what it can do and that it was used; then cuts it off.
    page.goto(base + "/account/apps")
    card = page.locator(".connected-app", has_text="Photo Printer")
    assert "See your name and email address" in card.inner_text()
    assert "Create items in your account" in card.inner_text()
    assert "Never" not in card.locator(".last-used").inner_text()
    screenshot(page, "connected-apps")
    card.get_by_role("link", name="Revoke access").click()
    page.get_by_role("button", name="Revoke access").click()
    assert "Access revoked" in page.content()
    assert page.locator(".connected-app").count() == 0

    # The app is cut off at once: its token is dead and its refresh fails.
    assert requests.get(f"{base}/api/v1/me", headers=bearer, timeout=10).status_code == 401
    refreshed = requests.post(
        f"{base}/oauth/token",
        auth=(client_id, secret),
        timeout=10,
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
    )
    assert refreshed.status_code == 400 and refreshed.json()["error"] == "invalid_grant"
    page.context.close()


# "Sign in with" from a single-page app: a public client whose every request is made by the browser.

SPA_FOLDER = Path(__file__).resolve().parent / "spa"


def sign_in_and_allow(page) -> None:
    page.get_by_label("Email", exact=True).fill("alice@example.com")
    page.get_by_label("Password", exact=True).fill("alice password")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Allow").click()


def result_of(page) -> dict:
    page.locator("#result[data-done]").wait_for()
    return json.loads(page.locator("#result").inner_text())


def test_a_single_page_app_signs_in_and_calls_the_api_through_cors(app, browser, live_server):
    base = live_server.url
    create_user(app, email="alice@example.com", password="alice password", name="Alice")
    with StaticSite(SPA_FOLDER) as spa, StaticSite(SPA_FOLDER) as stranger:
        assert spa.url != base and stranger.url != spa.url  # three origins: the server's, the app's, another's
        client, _ = register_client(app, client_type="public", redirect_uris=[f"{spa.url}/callback.html"])
        page = browser.new_context().new_page()
        page.goto(f"{spa.url}/index.html?{urlencode({'server': base, 'client_id': client['client_id']})}")
        page.wait_for_url(base + "/login**")
        sign_in_and_allow(page)
        page.wait_for_url(spa.url + "/callback.html**")
        result = result_of(page)
        assert result.get("token_status") == 200, result
        assert result["token_type"].lower() == "bearer"
        assert result["me_status"] == 200 and result["me"]["email"] == "alice@example.com"
        assert result["remaining"] is not None  # an exposed header the app may read
        assert result["no_token_status"] == 401
        assert result["no_token_challenge"] == (
            f'Bearer realm="api", resource_metadata="{base}/.well-known/oauth-protected-resource"'
        )

        # The same page on an origin no app registered: the token endpoint's answer is withheld, metadata is not.
        page.goto(f"{stranger.url}/probe.html?{urlencode({'server': base})}")
        probe = result_of(page)
        assert probe["token"].startswith("blocked: TypeError"), probe
        assert probe["metadata"] == base
        page.context.close()
