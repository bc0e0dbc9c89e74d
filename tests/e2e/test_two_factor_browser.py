"""Two-factor sign-in in a real browser: set it up from the set-up page, sign out, sign in with a code.

The person reads the secret off the page as their authenticator app would
(pyotp stands in for the app), the QR code draws without any request or
Content-Security-Policy complaint, and the next sign-in asks for a code.
With SCREENSHOTS=1 the set-up page is saved to docs/screenshots/.
"""

import os
import time
from pathlib import Path
from urllib.parse import urlsplit

import pyotp
import pytest

from tests.support.accounts import create_user

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
EMAIL, PASSWORD = "ada@example.com", "ada's long password"

pytestmark = pytest.mark.browser


def sign_in(page, base_url: str) -> None:
    page.goto(base_url + "/login")
    page.get_by_label("Email", exact=True).fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_person_sets_up_two_factor_and_signs_in_with_a_code(app, browser, live_server):
    create_user(app, EMAIL, password=PASSWORD, name="Ada")
    page = browser.new_context(viewport={"width": 1000, "height": 900}).new_page()
    blocked = []
    page.on(
        "console", lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else None
    )
    sign_in(page, live_server.url)
    page.get_by_role("link", name="Security").click()
    page.get_by_role("link", name="Set up two-factor sign-in").click()

    qr_code = page.get_by_role("img", name="QR code of your two-factor secret")
    assert qr_code.is_visible() and qr_code.bounding_box()["width"] >= 150
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    if os.environ.get("SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "two-factor-setup.png"), full_page=True)
    app_on_the_phone = pyotp.TOTP(secret)
    page.get_by_label("Code", exact=True).fill(app_on_the_phone.now())
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    assert len(page.locator("#recovery-codes code").all_inner_texts()) == 10

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server.url)
    assert urlsplit(page.url).path == "/login/two-factor"
    page.get_by_label("Code", exact=True).fill(
        app_on_the_phone.at(time.time() + 30)
    )  # the set-up used this step's code
    page.get_by_role("button", name="Sign in").click()
    assert urlsplit(page.url).path == "/"
    assert page.get_by_role("button", name="Sign out Ada").is_visible()
    assert blocked == []  # the inline SVG broke no rule of the Content-Security-Policy
