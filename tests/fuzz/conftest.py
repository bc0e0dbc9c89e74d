"""The fuzz suite's world: real stores, real apps and tokens, and a test client per kind of visitor.

The targets share one world, made once for the package on emptied stores:
signing four people in hashes eight passwords, too slow to repeat per
target. So the fixtures here build on `fuzz_app`, never on `app`, whose
per-test cleaning would wipe the world between targets. Every property
holds whatever state the earlier requests left.

The Hypothesis profile is loaded here, before any fuzz module is imported
(see profiles.py); a campaign ends with a table of requests per target.
"""

from dataclasses import dataclass

import pytest

from stores import migrations, postgres
from tests.fuzz import harness, profiles
from tests.support.accounts import SECOND_FACTOR_PATH, USER_PASSWORD, AuthActions, csrf_token, find_or_create_user
from tests.support.api import Issued, issue_client_token, issue_user_token
from tests.support.apps import TABLES, make_app
from tests.support.oauth import register_client
from tests.support.stores import clear_redis
from tests.support.two_factor import enable_two_factor

PROFILE = profiles.load()
# "member" is the user whose own password and two-factor settings the account targets change.
ROLES = ("anonymous", "user", "developer", "admin", "member")
DEVELOPER_EMAIL = "developer@example.com"  # the owner tests.support.oauth.register_client uses
SECOND_FACTOR_EMAIL = "two-factor@example.com"


@dataclass(frozen=True)
class Visitor:
    """A test client with its own session, signed in as `role` (or not), and its CSRF token."""

    role: str
    http: object
    csrf: str


@dataclass(frozen=True)
class World:
    """What the requests can refer to: apps of each kind, their secrets, live tokens."""

    confidential: dict
    secret: str
    public: dict
    resource_server: dict
    resource_server_secret: str
    sacrificial: dict  # the app that page targets suspend, limit and edit, so that the others keep working
    sacrificial_user_id: int  # the account the admin targets disable, demote and unlock
    user_token: Issued
    client_token: Issued

    @property
    def client_ids(self) -> list[str]:
        return [self.confidential["client_id"], self.public["client_id"], self.resource_server["client_id"]]

    @property
    def redirect_uris(self) -> list[str]:
        return [*self.confidential["redirect_uris"], *self.public["redirect_uris"]]

    @property
    def tokens(self) -> list[str]:
        return [self.user_token.access_token, self.user_token.refresh_token, self.client_token.access_token]


def _visitor(app, role: str) -> Visitor:
    http = app.test_client()
    if role != "anonymous":
        email = DEVELOPER_EMAIL if role == "developer" else f"{role}@example.com"
        AuthActions(http, app).sign_in_as(email, role="user" if role == "member" else role)
    page = http.get("/" if role != "anonymous" else "/login")
    return Visitor(role, http, csrf_token(page.text))


@pytest.fixture(scope="package")
def fuzz_app(store_urls):
    """An app on emptied stores, for the whole package (see the module's docstring)."""
    app = make_app(store_urls)
    with app.app_context():
        conn = postgres.get_connection()
        migrations.migrate(conn)  # schema.sql, then migrations/ in order, as db init does
        with postgres.transaction(conn) as cur:
            cur.execute(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE")
    clear_redis(store_urls)
    return app


@pytest.fixture(scope="package")
def visitors(fuzz_app) -> dict[str, Visitor]:
    """role -> Visitor, all signed in before any target runs (a target may lock accounts out of signing in)."""
    return {role: _visitor(fuzz_app, role) for role in ROLES}


@pytest.fixture(scope="package")
def second_factor_visitor(fuzz_app) -> Visitor:
    """A visitor past the password page of a two-factor account, at the code page."""
    user = find_or_create_user(fuzz_app, SECOND_FACTOR_EMAIL)
    enable_two_factor(fuzz_app, user["id"])
    http = fuzz_app.test_client()
    signed = AuthActions(http, fuzz_app).login(SECOND_FACTOR_EMAIL, USER_PASSWORD)
    assert signed.headers["Location"] == SECOND_FACTOR_PATH
    return Visitor("second factor", http, csrf_token(http.get(SECOND_FACTOR_PATH).text))


@pytest.fixture(scope="package")
def world(fuzz_app, visitors) -> World:
    app = fuzz_app
    # The developer visitor owns every app below.
    confidential, secret = register_client(app)
    public, _ = register_client(app, client_type="public", redirect_uris=["http://127.0.0.1:8765/callback"])
    resource_server, resource_server_secret = register_client(app, is_resource_server=True)
    sacrificial, _ = register_client(app, name="Sacrificial")
    user_id = find_or_create_user(app, "user@example.com", role="user")["id"]
    return World(
        confidential=confidential,
        secret=secret,
        public=public,
        resource_server=resource_server,
        resource_server_secret=resource_server_secret,
        sacrificial=sacrificial,
        sacrificial_user_id=find_or_create_user(app, "sacrificial@example.com")["id"],
        user_token=issue_user_token(app, confidential, user_id, list(confidential["scopes"])),
        client_token=issue_client_token(app, confidential, ["read:data"]),
    )


@pytest.fixture
def fuzzer(caplog):
    """fuzzer(target) -> a harness.Fuzzer counting under that target's name."""
    return lambda target: harness.Fuzzer(target, caplog)


def pytest_terminal_summary(terminalreporter) -> None:
    """The campaign's table: requests and server errors per target."""
    if not harness.REQUESTS or PROFILE == "ci":
        return
    write = terminalreporter.write_line
    terminalreporter.section(f"fuzz campaign (profile {PROFILE})")
    write(f"{'target':<28}{'requests':>10}{'5xx':>8}")
    for target in sorted(harness.REQUESTS):
        write(f"{target:<28}{harness.REQUESTS[target]:>10}{harness.SERVER_ERRORS[target]:>8}")
    total, errors = sum(harness.REQUESTS.values()), sum(harness.SERVER_ERRORS.values())
    write(f"{'total':<28}{total:>10}{errors:>8}")
