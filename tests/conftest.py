"""Fixtures: one app on real PostgreSQL and Redis; every test starts from empty stores.

The stores are DATABASE_URL / REDIS_URL when set (CI's second pass uses the
machine's servers), otherwise embedded servers in a temporary folder, so a
test run never touches the development data under instance/.
"""

import os
import re
import threading

import pytest
import redis

from accounts import users
from app import create_app
from stores import embedded, postgres
from tests.stores import RestartableRedis, clear_redis, free_port

TABLES = "users, clients, client_secrets, grants, audit_log, items, subscriptions, invoices"


@pytest.fixture(scope="session")
def store_urls(tmp_path_factory):
    database_url = os.environ.get("DATABASE_URL")
    redis_url = os.environ.get("REDIS_URL")
    base = tmp_path_factory.mktemp("stores")
    if not database_url:
        database_url = embedded.start_postgres(base / "postgres")
    if not redis_url:
        redis_url = embedded.start_redis(base / "redis")
    return {"DATABASE_URL": database_url, "REDIS_URL": redis_url}


def make_app(store_urls: dict, **overrides):
    config = {
        **store_urls,
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "OAUTH_ISSUER": "http://localhost",
        **overrides,
    }
    app = create_app(config)
    _made_apps.append(app)
    return app


# Every app a test made, so that its Redis connections and PostgreSQL pool are
# closed at the end rather than left to the garbage collector (which would
# warn about unclosed sockets, and warnings are errors here).
_made_apps: list = []


@pytest.fixture(scope="session", autouse=True)
def _close_made_apps():
    yield
    for made in _made_apps:
        made.extensions["redis"].close()
        made.extensions["postgres"].close()


@pytest.fixture(scope="session")
def app(store_urls):
    app = make_app(store_urls)
    with app.app_context():
        postgres.apply_schema(postgres.get_connection())
    return app


@pytest.fixture(autouse=True)
def clean_stores(request, store_urls):
    """Empty every table and the Redis database before each test."""
    if "app" not in request.fixturenames:
        yield
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        conn = postgres.get_connection()
        with postgres.transaction(conn) as cur:
            cur.execute(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE")
    clear_redis(store_urls["REDIS_URL"])
    yield


@pytest.fixture
def r(app, store_urls):
    """A client of the test Redis of its own, to look at and arrange keys directly."""
    client = redis.Redis.from_url(store_urls["REDIS_URL"], decode_responses=True)
    yield client
    client.close()


@pytest.fixture(scope="module")
def own_redis(tmp_path_factory):
    """A Redis server of the module's own, for tests that stop and restart it."""
    server = RestartableRedis(tmp_path_factory.mktemp("redis-outage"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


CSRF_PATTERN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = CSRF_PATTERN.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


USER_EMAIL = "user@example.com"
USER_PASSWORD = "correct horse"


def create_user(app, email=USER_EMAIL, password=USER_PASSWORD, name="User", role="user") -> dict:
    """An account, stored the way sign-up stores it (EmailTaken if the email is in use)."""
    with app.app_context():
        return users.create_user(postgres.get_connection(), email, password, name, role)


def find_or_create_user(app, email: str, **fields) -> dict:
    """The account with this email, created with `fields` on first use."""
    with app.app_context():
        existing = users.get_user_by_email(postgres.get_connection(), email)
    return existing or create_user(app, email, **fields)


NEW_ACCOUNT = {"email": "new@example.com", "name": "New", "password": "long enough pw", "confirm": "long enough pw"}


class AuthActions:
    """Sign up, sign in and out through the real forms, CSRF token included."""

    def __init__(self, client, app):
        self.client = client
        self.app = app

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
        """
        user = find_or_create_user(self.app, email, role=role or "user")
        assert role in (None, user["role"]), f"{email} already exists as a {user['role']}, not a {role}"
        if 'action="/logout"' in self.client.get("/").text:
            self.logout()
        assert self.login(email).status_code == 302
        return user

    def logout(self):
        page = self.client.get("/")
        return self.client.post("/logout", data={"csrf_token": csrf_token(page.text)})


@pytest.fixture
def auth(client, app):
    return AuthActions(client, app)


@pytest.fixture
def admin(auth) -> dict:
    """An administrator, signed in on the `client` test client."""
    return auth.sign_in_as("admin@example.com", role="admin")


@pytest.fixture
def app_client(app):
    """A confidential app registered for every grant type: (client, secret)."""
    from tests.oauth_helpers import register_client  # that module imports this one

    return register_client(app)


@pytest.fixture
def signed_in_user(auth) -> dict:
    """The default account, signed in on the `client` test client."""
    return auth.sign_in_as()


class LiveServer:
    """The app served over real HTTP on 127.0.0.1 from a background thread."""

    def __init__(self, app, port: int):
        from werkzeug.serving import make_server

        self.app = app
        self.url = f"http://127.0.0.1:{port}"
        self.server = make_server("127.0.0.1", port, app, threaded=True)

    def __enter__(self):
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(10)


@pytest.fixture
def live_server(app, store_urls):
    """A real HTTP server whose issuer is its own address (for browsers and client libraries).

    It shares the stores (and the per-test clean state) with the `app` fixture.
    """
    port = free_port()
    with LiveServer(make_app(store_urls, OAUTH_ISSUER=f"http://127.0.0.1:{port}"), port) as server:
        yield server


@pytest.fixture
def browser():
    """Headless Chromium (see tests/browser.py for when it is skipped or required)."""
    from tests.browser import open_browser

    with open_browser() as browser:
        yield browser
