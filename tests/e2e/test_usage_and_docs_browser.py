"""In a real browser: an app's usage panel after served and refused calls, and the /docs reference.

With SCREENSHOTS=1 they are saved to docs/screenshots/usage-panel.png and
docs-page.png for the README (`make screenshots`).
"""

import os
from pathlib import Path

import pytest
import requests

from accounts import users
from stores import postgres
from tests.support.api import issue_user_token
from tests.support.browser import sign_up
from tests.support.oauth import register_client

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DEVELOPER = "dev@example.com"
LIMIT, CALLS = 10, 14
PHONE_WIDTH = 375


def screenshot(locator, name: str) -> None:
    if os.environ.get("SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        locator.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def test_the_usage_panel_shows_served_and_refused_calls_apart(browser, live_server, app):
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    page.set_default_timeout(15_000)
    sign_up(page, live_server.url, DEVELOPER)
    client, _ = register_client(app, owner_email=DEVELOPER, name="Acme Sync", rate_limit=LIMIT)
    with app.app_context():
        developer = users.get_user_by_email(postgres.get_connection(), DEVELOPER)
    token = issue_user_token(app, client, developer["id"], ["read:profile"]).access_token
    statuses = [
        requests.get(
            live_server.url + "/api/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=10
        ).status_code
        for _ in range(CALLS)
    ]
    assert statuses == [200] * LIMIT + [429] * (CALLS - LIMIT)

    page.goto(f"{live_server.url}/developer/apps/{client['client_id']}")
    panel = page.locator("#usage")
    assert panel.locator("#calls-served").inner_text().startswith(f"{LIMIT} of {LIMIT}")
    assert panel.locator("#calls-refused").inner_text().startswith(f"{CALLS - LIMIT} refused")
    assert page.locator("#usage-meter").get_attribute("value") == str(LIMIT)
    assert panel.locator("#usage-chart .usage-bar").count() == 24
    screenshot(panel, "usage-panel")

    page.set_viewport_size({"width": PHONE_WIDTH, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    page.close()


def test_the_docs_are_reached_from_the_navigation_and_fit_a_phone(browser, live_server):
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    page.set_default_timeout(15_000)
    page.goto(live_server.url + "/login")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Docs").click()
    assert page.url == live_server.url + "/docs"
    reference = page.inner_text("main")
    for path in ("/oauth/token", "/oauth/introspect", "/api/v1/me", "/api/v1/webhooks"):
        assert path in reference
    assert page.locator('a[href$="/docs/openapi.json"]').count() > 0
    openapi = requests.get(live_server.url + "/docs/openapi.json", timeout=10).json()
    assert openapi["openapi"].startswith("3.1")
    page.set_viewport_size({"width": 1100, "height": 1400})
    screenshot(page, "docs-page")

    page.set_viewport_size({"width": PHONE_WIDTH, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    page.close()
