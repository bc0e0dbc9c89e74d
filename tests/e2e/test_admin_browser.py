"""The admin console in a real browser: find apps with the search form, page through them, download the audit log.

With SCREENSHOTS=1 the search results are saved to docs/screenshots/admin-search.png.
"""

import csv
import os
from pathlib import Path

import pytest

import audit
from stores import postgres
from tests.support.accounts import USER_PASSWORD, create_user
from tests.support.admin_console import seed_apps, set_calls_this_hour
from tests.support.two_factor import enable_two_factor, next_code

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "admin-search.png"
ADMIN = "admin@example.com"
PHONE_WIDTH = 375

pytestmark = pytest.mark.browser


def sign_in_as_admin(page, base_url: str, app) -> None:
    admin = create_user(app, ADMIN, name="Ada Admin", role="admin")
    authenticator = enable_two_factor(app, admin["id"])
    page.goto(base_url + "/login")
    page.get_by_label("Email", exact=True).fill(ADMIN)
    page.get_by_label("Password", exact=True).fill(USER_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Code", exact=True).fill(next_code(app, authenticator))
    page.get_by_role("button", name="Sign in").click()


def row_ids(page) -> list[str]:
    return [code.strip() for code in page.locator("tr.app code").all_inner_texts()]


def test_an_operator_finds_the_busiest_apps_and_exports_their_audit_log(browser, live_server, app, tmp_path):
    seed_apps(app, 120)
    set_calls_this_hour(app, {"pa_client_seed_0042": 870, "pa_client_seed_0007": 312, "pa_client_seed_0030": 999})
    with app.app_context(), postgres.transaction(postgres.get_connection()) as cur:
        for reason in ("Sends spam", "=HYPERLINK(1)"):
            audit.record(cur, "app.suspended", client_id="pa_client_seed_0042", details={"reason": reason})
    page = browser.new_page()
    page.set_default_timeout(15_000)
    sign_in_as_admin(page, live_server.url, app)

    page.goto(live_server.url + "/admin")
    page.get_by_label("Search").fill("app 00")
    page.get_by_label("Status").select_option("active")
    page.get_by_label("Sort by").select_option("calls")
    page.get_by_role("button", name="Search").click()
    # App 0000 to 0099, less the ten suspended ones (App 0030 among them), the busiest first.
    assert "90 apps match; page 1 of 2." in page.locator(".result-count").inner_text()
    assert row_ids(page)[:3] == ["pa_client_seed_0042", "pa_client_seed_0007", "pa_client_seed_0001"]
    if os.environ.get("SCREENSHOTS") == "1":
        page.set_viewport_size({"width": 1100, "height": 900})
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT), full_page=False)

    page.get_by_role("link", name="Next page").click()
    assert len(row_ids(page)) == 40 and "pa_client_seed_0042" not in row_ids(page)
    assert page.get_by_label("Status").input_value() == "active"  # the page kept the filters
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH

    page.set_viewport_size({"width": 1100, "height": 900})
    page.goto(live_server.url + "/admin/audit")
    page.get_by_label("Event").select_option("app.suspended")
    page.get_by_label("App (name or client ID)").fill("App 0042")
    page.get_by_role("button", name="Filter").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as CSV").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    with saved.open(newline="") as file:
        rows = list(csv.DictReader(file))
    assert [(row["app"], row["details"]) for row in rows] == [
        ("App 0042", '{"reason": "=HYPERLINK(1)"}'),  # a formula inside, not at the start: left as it is
        ("App 0042", '{"reason": "Sends spam"}'),
    ]
    page.close()
