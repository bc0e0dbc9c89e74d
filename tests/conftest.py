"""Fixtures for every tier: one app on real PostgreSQL and Redis; every test that uses it starts from empty stores.

The stores are DATABASE_URL / REDIS_URL when set (CI's second pass uses the
machine's servers), or a Redis Cluster when REDIS_CLUSTER_NODES is set (its
third pass, `make test-cluster`), otherwise embedded servers in a temporary folder, so a
test run never touches the development data under instance/. They start
only when a test asks for them (through `app`, `store_urls` or a fixture
built on them): the unit tier starts none.

Helpers live in the tests.support package; nothing imports this module.
"""

import os

import pytest

from stores import embedded, migrations, postgres
from tests.support.accounts import AuthActions
from tests.support.apps import TABLES, LiveServer, close_stores, made_apps, make_app
from tests.support.browser import open_browser
from tests.support.mail import MailWorker, Outbox, SmtpServer
from tests.support.oauth import register_client
from tests.support.oidc import SIGNED_OUT_APP_PAGE, sign_in_with
from tests.support.stores import RestartableRedis, clear_redis, free_port, redis_client_for
from tests.support.webhooks import FAST_WORKER_SETTINGS


@pytest.fixture(scope="session")
def store_urls(tmp_path_factory):
    database_url = os.environ.get("DATABASE_URL")
    cluster_nodes = os.environ.get("REDIS_CLUSTER_NODES") or None
    redis_url = None if cluster_nodes else os.environ.get("REDIS_URL")
    base = tmp_path_factory.mktemp("stores")
    if not database_url:
        database_url = embedded.start_postgres(base / "postgres")
    if not (redis_url or cluster_nodes):
        redis_url = embedded.start_redis(base / "redis")
    if cluster_nodes:
        return {"DATABASE_URL": database_url, "REDIS_CLUSTER_NODES": cluster_nodes}
    return {"DATABASE_URL": database_url, "REDIS_URL": redis_url}


@pytest.fixture(scope="session", autouse=True)
def _close_made_apps():
    yield
    for made in made_apps:
        close_stores(made)


@pytest.fixture(scope="session")
def app(store_urls):
    app = make_app(store_urls)
    with app.app_context():
        migrations.migrate(postgres.get_connection())  # schema.sql, then migrations/ in order
    return app


@pytest.fixture(autouse=True)
def clean_stores(request):
    """Empty every table and the Redis database before each test that uses the app.

    It asks for the stores only then, so a test without the app starts none.
    """
    if "app" not in request.fixturenames:
        yield
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        conn = postgres.get_connection()
        with postgres.transaction(conn) as cur:
            cur.execute(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE")
    clear_redis(request.getfixturevalue("store_urls"))
    yield


@pytest.fixture(autouse=True)
def _close_apps_made_by_the_test(clean_stores):
    """Close the stores of every app a test (or its own fixtures) made once it ends.

    Each app keeps up to DB_POOL_MAX PostgreSQL connections: held to the end
    of the run, a few hundred such apps use up the server's connection limit.
    Asking for `clean_stores` first keeps the shared session app out of it.
    """
    first = len(made_apps)
    yield
    for made in made_apps[first:]:
        close_stores(made)
    del made_apps[first:]


@pytest.fixture
def r(app, store_urls):
    """A client of the test Redis of its own (a cluster client on a cluster), to look at and arrange keys directly."""
    client = redis_client_for(store_urls)
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
def outbox(app) -> Outbox:
    """The mail the app wrote to its outbox folder (it has no SMTP_URL), emptied before the test."""
    box = Outbox(app)
    box.clear()
    return box


@pytest.fixture(scope="session")
def smtp_server():
    """A real SMTP server (aiosmtpd) on loopback for the whole run."""
    with SmtpServer() as server:
        yield server


@pytest.fixture
def smtp(smtp_server) -> SmtpServer:
    """The SMTP server, with nothing received and no planned refusals."""
    smtp_server.reset()
    return smtp_server


@pytest.fixture(scope="session")
def smtp_app(app, store_urls, smtp_server):
    """An app on the test stores that sends its mail to `smtp_server`, retrying after 50 ms."""
    return make_app(store_urls, SMTP_URL=smtp_server.url, MAIL_RETRY_DELAYS=(0.05, 0.05))


@pytest.fixture
def hooks_app(app, store_urls):
    """An app whose webhooks may reach loopback and retry within milliseconds."""
    return make_app(store_urls, **FAST_WORKER_SETTINGS)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


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
    return register_client(app)


@pytest.fixture
def signed_in_user(auth) -> dict:
    """The default account, signed in on the `client` test client."""
    return auth.sign_in_as()


@pytest.fixture
def logout_app(app):
    """An app that registered SIGNED_OUT_APP_PAGE for RP-initiated logout: (client, secret)."""
    return register_client(app, post_logout_redirect_uris=[SIGNED_OUT_APP_PAGE])


@pytest.fixture
def logout_hint(client, logout_app, signed_in_user) -> str:
    """The ID token `logout_app` got for the signed-in user, which it sends back as id_token_hint."""
    app_client, secret = logout_app
    return sign_in_with(client, app_client, secret)["id_token"]


@pytest.fixture
def live_server(app, store_urls):
    """A real HTTP server whose issuer is its own address (for browsers and client libraries).

    It shares the stores (and the per-test clean state) with the `app` fixture.
    """
    port = free_port()
    served = make_app(store_urls, OAUTH_ISSUER=f"http://127.0.0.1:{port}")
    # Its mail is sent as `make run` sends it: by a worker beside the server.
    with LiveServer(served, port) as server, MailWorker(served):
        yield server


@pytest.fixture
def browser():
    """Headless Chromium (see tests/support/browser.py for when it is skipped or required)."""
    with open_browser() as browser:
        yield browser
