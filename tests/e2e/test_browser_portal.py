"""End to end in a real browser: sign up, register an app, copy its secret, and use it.

Drives Debian's /usr/bin/chromium through playwright (never a browser of
playwright's own). Without Chromium the test is skipped, unless
REQUIRE_BROWSER=1 (as in CI), where a missing browser is a failure.
"""

import os
from pathlib import Path

import pytest
import requests

from oauth import token_store
from stores.redis_client import get_redis
from tests.support.browser import open_registration_form, sign_up

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "developer-portal.png"
PHONE_WIDTH = 375

pytestmark = pytest.mark.browser


def test_developer_registers_an_app_in_a_browser_and_its_secret_works(browser, live_server, app):
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.set_default_timeout(15_000)

    sign_up(page, live_server.url, "dev@example.com")

    open_registration_form(page)
    page.get_by_label("Name", exact=True).fill("Browser App")
    page.get_by_label("Description").fill("Registered from a real browser.")
    page.get_by_label("Homepage URL").fill("https://browser.example.com")
    page.get_by_label("Redirect URIs", exact=True).fill(
        "https://browser.example.com/callback\nhttp://localhost:8080/callback"
    )
    page.get_by_label("read:profile").check()
    page.get_by_label("client_credentials").check()
    page.get_by_role("button", name="Register app").click()

    client_id = page.locator("#client-id").inner_text().strip()
    secret = page.locator("#client-secret").inner_text().strip()
    assert client_id.startswith("pa_client_") and secret.startswith("pacs_")

    # The copy button is ours (static/copy.js, allowed by the CSP) and copies the secret exactly.
    page.locator("button[data-copy=client-secret]").click()
    assert page.evaluate("navigator.clipboard.readText()") == secret

    # The secret as copied works: the app gets a token with it over real HTTP.
    token_answer = requests.post(
        live_server.url + "/oauth/token",
        data={"grant_type": "client_credentials", "scope": "read:profile"},
        auth=(client_id, secret),
        timeout=10,
    )
    assert token_answer.status_code == 200, token_answer.text
    with app.app_context():
        assert token_store.lookup_access_token(get_redis(), token_answer.json()["access_token"]) is not None

    # Once away from that page, the secret is never shown again; only its prefix.
    page.get_by_role("link", name="go to the app").click()
    assert secret not in page.content()
    assert secret[:11] in page.content()

    page.set_viewport_size({"width": PHONE_WIDTH, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH

    if os.environ.get("SCREENSHOTS") == "1":
        page.set_viewport_size({"width": 1100, "height": 900})
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT), full_page=True)
    context.close()
