"""Being the person in a browser over real HTTP: sign in through the real form, press Allow on the consent page."""

from urllib.parse import urljoin, urlsplit

import requests

from tests.support.oauth import form_fields


def sign_in(login_url: str, email: str, password: str) -> tuple[requests.Session, str]:
    """A session signed in through the login page at `login_url` (CSRF token included), and where it was sent next."""
    browser = requests.Session()
    login_page = browser.get(login_url, timeout=10)
    credentials = {**form_fields(login_page.text), "email": email, "password": password}
    signed_in = browser.post(urljoin(login_url, "/login"), data=credentials, allow_redirects=False, timeout=10)
    assert signed_in.status_code == 302, signed_in.text
    return browser, urljoin(login_url, signed_in.headers["Location"])


def sign_in_and_allow(authorization_url: str, email: str, password: str) -> str:
    """Follow the authorization URL, sign in, press Allow; return the callback URL the browser is sent to."""
    response = requests.get(authorization_url, allow_redirects=False, timeout=10)
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/login"
    browser, back_to = sign_in(urljoin(authorization_url, response.headers["Location"]), email, password)
    consent_page = browser.get(back_to, timeout=10)
    assert consent_page.status_code == 200 and 'value="allow"' in consent_page.text
    decision = {**form_fields(consent_page.text), "decision": "allow"}
    allowed = browser.post(
        urljoin(authorization_url, "/oauth/authorize"), data=decision, allow_redirects=False, timeout=10
    )
    assert allowed.status_code == 303
    return allowed.headers["Location"]
