"""The connection pool: connections are reused, bounded, and a full pool fails closed."""

import threading

import pytest

from stores import postgres
from stores.postgres import ConnectionPool, PoolExhausted, get_connection
from tests.support.apps import make_app


def backend_pid(conn) -> int:
    with conn.cursor() as cur:
        cur.execute("SELECT pg_backend_pid() AS pid")
        return cur.fetchone()["pid"]


def test_a_returned_connection_is_reused_not_reopened(store_urls):
    pool = ConnectionPool(store_urls["DATABASE_URL"], size=2)
    first = pool.getconn()
    pid = backend_pid(first)
    pool.putconn(first)
    again = pool.getconn()
    assert backend_pid(again) == pid
    pool.putconn(again)
    pool.closeall()


def test_the_pool_never_opens_more_than_its_size(store_urls):
    pool = ConnectionPool(store_urls["DATABASE_URL"], size=2, wait_seconds=0.2)
    held = [pool.getconn(), pool.getconn()]
    with pytest.raises(PoolExhausted):
        pool.getconn()
    for conn in held:
        pool.putconn(conn)
    pool.closeall()


def test_a_waiting_caller_gets_the_next_returned_connection(store_urls):
    pool = ConnectionPool(store_urls["DATABASE_URL"], size=1, wait_seconds=10)
    held = pool.getconn()
    got = []
    waiter = threading.Thread(target=lambda: got.append(pool.getconn()))
    waiter.start()
    pool.putconn(held)
    waiter.join(10)
    assert got == [held]
    pool.putconn(held)
    pool.closeall()


def test_a_broken_connection_frees_its_slot(store_urls):
    pool = ConnectionPool(store_urls["DATABASE_URL"], size=1, wait_seconds=0.2)
    conn = pool.getconn()
    conn.close()
    pool.putconn(conn, close=True)
    replacement = pool.getconn()
    assert backend_pid(replacement)
    pool.putconn(replacement)
    pool.closeall()


def test_requests_reuse_one_connection(store_urls):
    app = make_app(store_urls)

    @app.get("/_pid")
    def _pid():
        return str(backend_pid(get_connection()))

    client = app.test_client()
    assert len({client.get("/_pid").text for _ in range(3)}) == 1


def test_a_busy_pool_fails_closed_but_is_kept(store_urls):
    """Every connection busy: 503, yet the pool (and its live connections) is not thrown away."""
    app = make_app(store_urls, DB_POOL_MAX=1)
    with app.app_context():
        database = postgres.database()
        pool = database.pool()
        pool.wait_seconds = 0.1
        _, held = database.connect()
        response = app.test_client().get("/healthz")
        assert response.status_code == 503 and response.json["postgres"] == "down"
        assert database.pool() is pool
        pool.putconn(held)
        assert app.test_client().get("/healthz").status_code == 200
        assert database.pool() is pool
