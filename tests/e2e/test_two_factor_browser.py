"""A new person in a real browser: sign up, verify by the mailed link, set up two-factor, sign in with a code.

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

from tests.support.browser import SIGN_UP_PASSWORD, sign_up

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
EMAIL = "ada@example.com"
PHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)

pytestmark = pytest.mark.browser


def sign_in(page, base_url: str) -> None:
    page.goto(base_url + "/login")
    page.get_by_label("Email", exact=True).fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(SIGN_UP_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_new_person_verifies_sets_up_two_factor_and_signs_in_with_a_code(browser, live_server):
    page = browser.new_context(viewport={"width": 1000, "height": 900}).new_page()
    blocked = []
    page.on(
        "console", lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else None
    )
    sign_up(page, live_server.url, EMAIL, name="Ada")  # the form, the mailed link, then the sign-in form
    assert page.get_by_role("button", name="Sign out Ada").is_visible()
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
    recovery_codes = page.locator("#recovery-codes code").all_inner_texts()
    assert len(recovery_codes) == 10

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

    # A phone signs in too, with a recovery code; the laptop's security page lists both and ends the phone's.
    phone = browser.new_context(user_agent=PHONE).new_page()
    sign_in(phone, live_server.url)
    phone.get_by_label("Code", exact=True).fill(recovery_codes[0])
    phone.get_by_role("button", name="Sign in").click()
    assert urlsplit(phone.url).path == "/"
    page.get_by_role("link", name="Security").click()
    sessions = page.locator("table.sessions tbody tr")
    assert sessions.count() == 2
    assert page.get_by_role("cell", name="Mobile Safari on iOS", exact=True).is_visible()
    if os.environ.get("SCREENSHOTS") == "1":
        page.screenshot(path=str(SCREENSHOTS / "sessions.png"), full_page=True)
    page.get_by_role("link", name="Sign out everywhere else").click()
    page.get_by_role("button", name="Sign out everywhere else").click()  # on the confirmation page
    phone.goto(live_server.url + "/account/security")
    assert urlsplit(phone.url).path == "/login"  # the phone's session is over
