"""A real headless browser for end-to-end tests: Debian's Chromium driven by playwright.

Playwright never downloads a browser of its own here. Without Chromium the
browser tests are skipped, unless REQUIRE_BROWSER=1 (CI), where a missing
browser is a failure.
"""

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.support.mail import link_in, wait_for_mail

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@contextmanager
def open_browser() -> Iterator:
    """Launch headless Chromium (or skip/fail the test as described above)."""
    if not os.path.exists(CHROMIUM):
        reason = f"{CHROMIUM} is missing (apt-get install chromium)"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


SIGN_UP_PASSWORD = "correct horse battery"


def sign_up(page, base_url: str, email: str, name: str = "Dana Developer") -> None:
    """Create an account through the sign-up form, verify it by the mailed link, and sign in."""
    password = SIGN_UP_PASSWORD
    asked_at = time.time_ns()
    page.goto(base_url + "/signup")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Repeat password").fill(password)
    page.get_by_role("button", name="Create account").click()
    page.get_by_role("heading", name="Check your email").wait_for()
    page.goto(link_in(wait_for_mail(email, asked_at), "/signup/verify/"))  # the live server's issuer is its own address
    page.get_by_role("button", name="Confirm my email").click()
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def open_registration_form(page) -> None:
    """From any signed-in page to a blank registration form."""
    page.get_by_role("link", name="My apps").click()
    page.get_by_role("link", name="Register an app").first.click()
