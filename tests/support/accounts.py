"""Accounts for tests: stored the way sign-up stores them, or signed in through the real forms."""

import re

from accounts import users
from stores import postgres
from tests.support.two_factor import Authenticator, enable_two_factor, next_code

CSRF_PATTERN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

USER_EMAIL = "user@example.com"
USER_PASSWORD = "correct horse"

SECOND_FACTOR_PATH = "/login/two-factor"

NEW_ACCOUNT = {"email": "new@example.com", "name": "New", "password": "long enough pw", "confirm": "long enough pw"}


def csrf_token(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = CSRF_PATTERN.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def create_user(app, email=USER_EMAIL, password=USER_PASSWORD, name="User", role="user", verified=True) -> dict:
    """An account, stored the way sign-up stores it (EmailTaken if the email is in use); verified unless told."""
    with app.app_context():
        return users.create_user(postgres.get_connection(), email, password, name, role, verified=verified)


def find_or_create_user(app, email: str, **fields) -> dict:
    """The account with this email, created with `fields` on first use."""
    with app.app_context():
        existing = users.get_user_by_email(postgres.get_connection(), email)
    return existing or create_user(app, email, **fields)


class AuthActions:
    """Sign up, sign in and out through the real forms, CSRF token included."""

    def __init__(self, client, app):
        self.client = client
        self.app = app
        self.authenticators: dict[str, Authenticator] = {}  # by email: who has two-factor on, and their codes

    def sign_up(self, **fields):
        """Submit the sign-up form for a valid new account, or with `fields` changed; the response."""
        page = self.client.get("/signup")
        assert page.status_code == 200, page.status_code  # static: it loads even while PostgreSQL is down
        return self.client.post("/signup", data={**NEW_ACCOUNT, **fields, "csrf_token": csrf_token(page.text)})

    def login(self, email=USER_EMAIL, password=USER_PASSWORD, next_url=None, *, ip=None, headers=None):
        """One attempt at the sign-in form: the response, whether it signed in or not.

        `ip` is the peer address the server sees and `headers` go with the POST
        (X-Forwarded-For), for the throttling tests.
        """
        environ = {"REMOTE_ADDR": ip} if ip else {}
        page = self.client.get("/login" + (f"?next={next_url}" if next_url else ""), environ_base=environ)
        data = {"email": email, "password": password, "csrf_token": csrf_token(page.text)}
        if next_url:
            data["next"] = next_url
        return self.client.post("/login", data=data, environ_base=environ, headers=headers or {})

    def sign_in_as(self, email=USER_EMAIL, role: str | None = None) -> dict:
        """Make the account the signed-in one, in place of whoever was; return it.

        A new account is created with `role` (a user by default); an existing one
        must already have it, if given: a test asking for another would test the wrong thing.
        Administrators get two-factor sign-in when the app requires it of them
        (REQUIRE_ADMIN_2FA) and sign in through both pages, with a current code.
        """
        user = find_or_create_user(self.app, email, role=role or "user")
        assert role in (None, user["role"]), f"{email} already exists as a {user['role']}, not a {role}"
        if user["role"] == "admin" and self.app.config["REQUIRE_ADMIN_2FA"] and email not in self.authenticators:
            self.authenticators[email] = enable_two_factor(self.app, user["id"])
        if 'action="/logout"' in self.client.get("/").text:
            self.logout()
        response = self.login(email)
        assert response.status_code == 302
        if response.headers["Location"] == SECOND_FACTOR_PATH:
            assert self.enter_code(next_code(self.app, self.authenticators[email])).status_code == 302
        return user

    def enter_code(self, code: str, **kwargs):
        """Submit the second sign-in page (after the password page) with `code`: the response."""
        page = self.client.get(SECOND_FACTOR_PATH, **kwargs)
        return self.client.post(SECOND_FACTOR_PATH, data={"code": code, "csrf_token": csrf_token(page.text)}, **kwargs)

    def logout(self):
        page = self.client.get("/")
        return self.client.post("/logout", data={"csrf_token": csrf_token(page.text)})
