"""Every page, signed out, signed in, as a developer and as an administrator, checked with axe-core in Chromium.

WCAG 2.2 AA and axe's best practices: no page may have a serious or critical
violation, forms shown with their errors included, at desktop and phone width.
Each of the three page tests prints the pages it checked. axe-core comes from
npm (tests/e2e/rp), so without Node those tests are skipped like the other Node
checks (a failure when REQUIRE_NODE=1). The keyboard tests need no Node: they
sign in and register an app by keyboard alone, through the skip link and the
error summary, with a visible focus at every stop.
"""

import re
import time

import pytest

from stores import postgres
from tests.support.accounts import create_user, find_or_create_user
from tests.support.axe import axe_source, blocking_violations
from tests.support.mail import link_in, wait_for_mail
from tests.support.oauth import REDIRECT_URI, authorize_url, register_client
from tests.support.two_factor import enable_two_factor, next_code

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
DEVELOPER = "dev@example.com"
ADMIN = "admin@example.com"
NEWCOMER = "nico@example.com"
DESKTOP = {"width": 1100, "height": 900}
PHONE = {"width": 375, "height": 800}


class Audit:
    """Runs axe on each page a test reaches and keeps what it found, by page."""

    def __init__(self, capsys):
        self.capsys = capsys
        self.checked: list[str] = []
        self.violations: dict[str, list[str]] = {}

    def assert_clean(self) -> None:
        """Print the pages checked (on every run), then fail with every blocking violation, by page."""
        with self.capsys.disabled():
            print(f"\naxe-core checked {len(self.checked)} pages:", *self.checked, sep="\n  ")
        report = "\n".join(f"{page}:\n  " + "\n  ".join(found) for page, found in self.violations.items())
        assert not self.violations, "serious or critical accessibility violations:\n" + report

    def check(self, page, name: str) -> None:
        """axe on the page at desktop width, then at phone width, where tables and code wrap differently."""
        page.wait_for_load_state("load")
        self.checked.append(f"{name} ({page.url})")
        found = blocking_violations(page)
        page.set_viewport_size(PHONE)
        found += [f"at phone width: {violation}" for violation in blocking_violations(page)]
        page.set_viewport_size(DESKTOP)
        if found:
            self.violations[name] = found

    def visit(self, page, base_url: str, pages: dict[str, str]) -> None:
        """Open each page (name: path) in turn and check it."""
        for name, path in pages.items():
            page.goto(base_url + path)
            self.check(page, name)


def new_page(browser):
    context = browser.new_context(viewport=DESKTOP)
    # The example app's redirect URI: the browser lands on a blank page there instead of the network.
    context.route(REDIRECT_URI + "**", lambda route: route.fulfill(body="<!doctype html><title>app</title>"))
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def sign_in(page, base_url: str, email: str) -> None:
    page.goto(base_url + "/login")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def check_signed_out_pages(audit: Audit, page, base: str) -> None:
    audit.visit(
        page,
        base,
        {
            "home": "/",
            "sign in": "/login",
            "sign up": "/signup",
            "forgot password": "/password/forgot",
            "docs": "/docs",
            "error page: unknown app": "/oauth/authorize?response_type=code&client_id=pa_client_unknown",
            "error page: not found": "/no-such-page",
        },
    )

    page.goto(base + "/login")
    page.get_by_label("Email", exact=True).fill(DEVELOPER)
    page.get_by_label("Password", exact=True).fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    audit.check(page, "sign in, refused")

    page.goto(base + "/signup")
    page.get_by_role("button", name="Create account").click()
    audit.check(page, "sign up with errors")

    asked_at = time.time_ns()
    page.get_by_label("Email", exact=True).fill(NEWCOMER)
    page.get_by_label("Name", exact=True).fill("Nico Newcomer")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    audit.check(page, "sign up, mail sent")
    page.goto(link_in(wait_for_mail(NEWCOMER, asked_at), "/signup/verify/"))
    audit.check(page, "confirm email")

    asked_at = time.time_ns()
    page.goto(base + "/password/forgot")
    page.get_by_label("Email", exact=True).fill(DEVELOPER)
    page.get_by_role("button", name="Mail me a link").click()
    audit.check(page, "forgot password, sent")
    page.goto(link_in(wait_for_mail(DEVELOPER, asked_at), "/password/reset/"))
    audit.check(page, "reset password")
    page.get_by_role("button", name="Set password").click()
    audit.check(page, "reset password with errors")


def check_account_pages(audit: Audit, page, base: str, app_client: dict) -> None:
    audit.visit(
        page,
        base,
        {
            "security and sessions": "/account/security",
            "change password": "/account/password",
            "two-factor set-up": "/account/two-factor",
            "connected apps, none": "/account/apps",
            "confirm it's you": "/login?reauth=1",
        },
    )

    page.goto(base + "/account/password")
    page.get_by_role("button", name="Change password").click()
    audit.check(page, "change password with errors")

    audit.visit(page, base, {"consent": authorize_url(app_client, scope="openid profile read:data")})
    page.get_by_role("button", name="Allow").click()
    page.wait_for_url(REDIRECT_URI + "**")
    audit.visit(
        page,
        base,
        {"connected apps": "/account/apps", "revoke an app": f"/account/apps/{app_client['client_id']}/revoke"},
    )


def check_developer_pages(audit: Audit, page, base: str) -> None:
    audit.visit(page, base, {"developer: my apps, none": "/developer/apps"})
    audit.visit(page, base, {"developer: new app": "/developer/apps/new"})
    page.get_by_role("button", name="Register app").click()
    audit.check(page, "developer: new app with errors")

    page.get_by_label("Name", exact=True).fill("Axe App")
    page.get_by_label("Homepage URL").fill("https://axe.example.com")
    page.get_by_label("Redirect URIs", exact=True).fill("https://axe.example.com/callback")
    page.get_by_label("read:profile").check()
    page.get_by_role("button", name="Register app").click()
    audit.check(page, "developer: credentials shown once")
    client_id = page.locator("#client-id").inner_text().strip()

    audit.visit(
        page,
        base,
        {
            "developer: my apps": "/developer/apps",
            "developer: app page and settings": f"/developer/apps/{client_id}",
            "developer: quickstart": f"/developer/apps/{client_id}/quickstart",
            "developer: app audit": f"/developer/apps/{client_id}/audit",
            "developer: delete app": f"/developer/apps/{client_id}/delete",
            "developer: new notice signing secret": f"/developer/apps/{client_id}/revocation-notices/secret",
        },
    )

    page.goto(base + f"/developer/apps/{client_id}")
    page.locator('a[href*="/secrets/"][href$="/delete"], form[action$="/delete"][action*="/secrets/"] button').click()
    audit.check(page, "developer: delete a secret")

    page.goto(base + f"/developer/apps/{client_id}")
    page.get_by_label("Redirect URIs", exact=True).fill("not a uri")
    page.get_by_role("button", name="Save settings").click()
    audit.check(page, "developer: settings with errors")


def check_admin_pages(audit: Audit, page, base: str, app, app_client: dict) -> None:
    admin = create_user(app, ADMIN, PASSWORD, name="Ada Admin", role="admin")
    authenticator = enable_two_factor(app, admin["id"])
    sign_in(page, base, ADMIN)
    audit.check(page, "second factor")
    page.get_by_label("Code", exact=True).fill(next_code(app, authenticator))
    page.get_by_role("button", name="Sign in").click()
    audit.visit(
        page,
        base,
        {
            "admin: console": "/admin",
            "admin: app": f"/admin/apps/{app_client['client_id']}",
            "admin: users": "/admin/users",
            "admin: user": f"/admin/users/{admin['id']}",
            "admin: audit log": "/admin/audit",
            "admin: apps found": "/admin?q=Example",
            "admin: users found": "/admin/users?q=example",
            "admin: audit log filtered": f"/admin/audit?client_id={app_client['client_id']}",
            "admin: audit log, unknown app": "/admin/audit?client_id=pa_client_unknown",
            "two-factor settings": "/account/two-factor",
        },
    )

    page.goto(base + f"/admin/apps/{app_client['client_id']}")
    page.get_by_role("button", name=re.compile(r"^Suspend ")).click()
    audit.check(page, "admin: suspend without a reason")
    page.get_by_label("Reason").fill("Checking the pages.")
    page.get_by_role("button", name=re.compile(r"^Suspend ")).click()
    audit.check(page, "admin: app suspended")
    audit.visit(page, base, {"error page: suspended app": authorize_url(app_client)})


def test_the_check_finds_what_it_is_meant_to_find(browser):
    """The harness itself: a field without a name and grey-on-white text are reported; a clean page is not."""
    page = new_page(browser)
    page.set_content(
        '<!doctype html><html lang="en"><title>t</title><main><h1>Fine</h1>'
        '<input type="text"><p style="color:#bbb;background:#fff">faint</p></main></html>'
    )
    rules = {violation.split(":", 1)[0] for violation in blocking_violations(page)}
    assert {"label", "color-contrast"} <= rules
    page.set_content('<!doctype html><html lang="en"><title>t</title><main><h1>Fine</h1></main></html>')
    assert blocking_violations(page) == []


@pytest.fixture
def example_app(app) -> dict:
    """The developer's account and an app of theirs that asks for every scope."""
    create_user(app, DEVELOPER, PASSWORD, name="Dana Developer", role="developer")
    return register_client(app, redirect_uris=[REDIRECT_URI])[0]


@pytest.fixture
def audit(capsys):
    """Runs before axe-core is needed, so a missing Node skips (or, in CI, fails) the test before any page."""
    axe_source()
    return Audit(capsys)


def test_signed_out_pages_pass_axe_core(audit, browser, live_server, example_app):
    check_signed_out_pages(audit, new_page(browser), live_server.url)
    audit.assert_clean()


def test_account_and_developer_pages_pass_axe_core(audit, browser, live_server, example_app):
    page = new_page(browser)
    sign_in(page, live_server.url, DEVELOPER)
    check_account_pages(audit, page, live_server.url, example_app)
    check_developer_pages(audit, page, live_server.url)
    audit.assert_clean()


def test_my_apps_in_pages_pass_axe_core(audit, browser, live_server, app, example_app):
    """More apps than a page: the count, the page links, and a page reached by them."""
    owner = find_or_create_user(app, DEVELOPER)
    with app.app_context(), postgres.transaction(postgres.get_connection()) as cur:
        cur.execute(
            """INSERT INTO clients (client_id, owner_id, name, client_type, created_at)
               SELECT 'axe_' || n, %(owner)s, 'Axe app ' || n, 'confidential', now() - n * interval '1 second'
               FROM generate_series(1, 60) AS n""",
            {"owner": owner["id"]},
        )
    page = new_page(browser)
    sign_in(page, live_server.url, DEVELOPER)
    audit.visit(page, live_server.url, {"developer: my apps, first of two pages": "/developer/apps"})
    page.get_by_role("link", name="Next page").click()
    audit.check(page, "developer: my apps, second page")
    audit.assert_clean()


def test_admin_pages_pass_axe_core(audit, browser, live_server, app, example_app):
    check_admin_pages(audit, new_page(browser), live_server.url, app, example_app)
    audit.assert_clean()


FOCUSED = "(() => { const e = document.activeElement; return {id: e.id, text: e.textContent.trim(), tag: e.tagName,"
FOCUSED += " outline: getComputedStyle(e).outlineStyle, width: parseFloat(getComputedStyle(e).outlineWidth),"
FOCUSED += " top: e.getBoundingClientRect().top, cls: e.className}; })()"


def focused(page) -> dict:
    """The element that has the keyboard focus, with how its focus ring is drawn."""
    return page.evaluate(FOCUSED)


def test_sign_in_by_keyboard_alone_through_the_skip_link_and_the_error_summary(browser, live_server, example_app):
    page = new_page(browser)
    page.goto(live_server.url + "/login")

    page.keyboard.press("Tab")
    skip = focused(page)
    assert skip["text"] == "Skip to main content" and skip["top"] >= 0, "the skip link is first and shows on focus"
    assert skip["outline"] != "none" and skip["width"] >= 2, "focus is not visible"
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main"

    page.keyboard.press("Tab")
    assert focused(page)["id"] == "email", "the first field is the next stop after the skip link"
    page.keyboard.type(DEVELOPER)
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "password" and focused(page)["width"] >= 2
    page.keyboard.type("not the password")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    # The browser applies `autofocus` at its next rendering step, which may come after the load event.
    page.wait_for_function("document.activeElement && document.activeElement.classList.contains('error-summary')")
    assert "error-summary" in focused(page)["cls"], "the error summary takes the focus when the page opens"
    page.keyboard.press("Tab")
    link = focused(page)
    assert link["tag"] == "A" and "Wrong email or password" in link["text"]
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "password", "the summary's link puts the focus in the field"
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Sign out Dana Developer").wait_for()


def tab_to(page, target: str, most: int = 60) -> dict:
    """Press Tab until the element with this id (or this text) has the focus; every stop must show its focus."""
    for _ in range(most):
        page.keyboard.press("Tab")
        now = focused(page)
        assert now["outline"] != "none" and now["width"] >= 2, f"focus is not visible on {now}"
        if target in (now["id"], now["text"]):
            return now
    raise AssertionError(f"{target} is not reachable with Tab")


def test_an_app_is_registered_by_keyboard_alone_and_every_stop_shows_its_focus(browser, live_server, example_app):
    page = new_page(browser)
    sign_in(page, live_server.url, DEVELOPER)
    page.goto(live_server.url + "/developer/apps/new")

    tab_to(page, "name")
    page.keyboard.type("Keyboard App")
    tab_to(page, "client_type-0")
    page.keyboard.press("ArrowDown")  # a radio group is one tab stop; arrows choose within it
    assert page.locator("#client_type-1").is_checked()
    tab_to(page, "redirect_uris")
    page.keyboard.type("https://keyboard.example.com/callback")
    tab_to(page, "scopes-0")
    page.keyboard.press("Space")
    assert page.locator("#scopes-0").is_checked()
    tab_to(page, "Register app")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert page.locator(".error-summary").count() == 0, page.locator(".error-summary").inner_text()
    assert page.locator("#client-id").inner_text().startswith("pa_client_")
