"""In real Chromium: the pages' CSP form-action lets every authorization end at the app.

Chrome checks form-action against each redirect that follows a form's
submission, not only against the form's own target. So the consent page's
Allow and Deny (answered with a redirect to the app) and the sign-in form
of an authorization request (signing in replays the request, which may
redirect to the app at once) must name the app's redirect origin; these
tests watch the browser arrive there.
"""

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.accounts import USER_EMAIL, USER_PASSWORD, create_user
from tests.support.oauth import authorize_url, register_client
from tests.support.two_factor import enable_two_factor, next_code

# The app's callback, on another origin than the server: answered by the test, no server listens.
CALLBACK = "http://localhost:8765/callback"

pytestmark = pytest.mark.browser


class AppCallback:
    """A browser page whose requests to the app's callback are answered here and remembered."""

    def __init__(self, browser):
        self.page = browser.new_context().new_page()
        self.received: list[dict[str, list[str]]] = []
        self.page.route(CALLBACK + "*", self._answer)

    def _answer(self, route):
        self.received.append(parse_qs(urlsplit(route.request.url).query))
        route.fulfill(status=200, content_type="text/html", body="<p>Back at the app.</p>")

    def sign_in(self) -> None:
        self.page.get_by_label("Email", exact=True).fill(USER_EMAIL)
        self.page.get_by_label("Password", exact=True).fill(USER_PASSWORD)
        self.page.get_by_role("button", name="Sign in").click()

    def arrives(self) -> dict[str, list[str]]:
        self.page.wait_for_url(CALLBACK + "*", timeout=10_000)
        return self.received[-1]


@pytest.fixture
def person(app) -> dict:
    return create_user(app)


@pytest.fixture
def photos(app, person):
    registered, _secret = register_client(app, name="Photo Printer", redirect_uris=[CALLBACK])
    return registered


@pytest.mark.parametrize("decision", ["Allow", "Deny"])
def test_the_consent_pages_answer_reaches_the_app(browser, live_server, photos, decision):
    app = AppCallback(browser)
    app.page.goto(live_server.url + authorize_url(photos))
    app.sign_in()
    app.page.get_by_role("button", name=decision).click()
    params = app.arrives()
    assert ("code" in params) is (decision == "Allow")
    assert params["state"] == ["state-1234"]


def test_signing_in_reaches_the_app_at_once_when_the_grant_covers_the_request(browser, live_server, photos):
    first = AppCallback(browser)
    first.page.goto(live_server.url + authorize_url(photos))
    first.sign_in()
    first.page.get_by_role("button", name="Allow").click()
    first.arrives()

    again = AppCallback(browser)  # a fresh browser context: signed out, the grant still live
    again.page.goto(live_server.url + authorize_url(photos))
    again.sign_in()  # no consent page this time: the sign-in form's redirect chain ends at the app
    assert "code" in again.arrives()


def test_a_broken_request_reaches_the_app_with_its_error_after_signing_in(browser, live_server, photos):
    app = AppCallback(browser)
    app.page.goto(live_server.url + authorize_url(photos, response_type="x"))
    assert urlsplit(app.page.url).path == "/login"
    app.sign_in()
    assert app.arrives()["error"] == ["unsupported_response_type"]


def test_the_second_factor_page_reaches_the_app(app, browser, live_server, photos, person):
    device = enable_two_factor(app, person["id"])
    page = AppCallback(browser)
    page.page.goto(live_server.url + authorize_url(photos, response_type="x"))
    page.sign_in()
    page.page.get_by_label("Code").fill(next_code(app, device))
    page.page.get_by_role("button", name="Sign in").click()
    assert page.arrives()["error"] == ["unsupported_response_type"]
