"""A failover leaves the app talking to a demoted, read-only store: 503 and no access, never a 500.

Real servers: a PostgreSQL session that is read-only (as on a standby) and a
Redis replica of a primary that is gone (as after a failover).
"""

import subprocess

import pytest

from stores import embedded
from tests.support.accounts import AuthActions
from tests.support.apps import make_app
from tests.support.oauth import authorize_url, pkce_pair, register_client, token_request
from tests.support.stores import free_port

READ_ONLY_OPTION = "options=-c%20default_transaction_read_only%3Don"


def read_only_dsn(url: str) -> str:
    """The same database, every transaction read-only."""
    if "://" in url:
        return url + ("&" if "?" in url else "?") + READ_ONLY_OPTION
    return url + " options='-c default_transaction_read_only=on'"


@pytest.fixture(scope="module")
def replica_redis_url(tmp_path_factory):
    """A Redis replica (6.2, whose scripts wrap errors) of a primary that does not answer."""
    port = free_port()
    process = subprocess.Popen(
        [embedded._redis_executable(), "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
        + ["--dir", str(tmp_path_factory.mktemp("replica")), "--replicaof", "127.0.0.1", str(free_port())],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        embedded._wait_until_answers(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(10)


def assert_json_503(response):
    assert response.status_code == 503, response.text
    assert response.get_json()["error"] == "temporarily_unavailable"
    assert response.headers["Retry-After"]
    assert response.headers["Cache-Control"] == "no-store"


def test_a_read_only_postgres_is_a_503_where_a_request_must_write_it(app, store_urls):
    registered, secret = register_client(app)
    read_only = make_app(store_urls, DATABASE_URL=read_only_dsn(store_urls["DATABASE_URL"]))
    http = read_only.test_client()
    # A client-credentials token is written to Redis only, and the secret's last use after the
    # response: a read-only PostgreSQL does not stop it, nor does that late write fail the answer.
    assert token_request(http, registered, secret, grant_type="client_credentials").status_code == 200

    signup = AuthActions(http, read_only).sign_up()
    assert signup.status_code == 503
    assert "temporarily unavailable" in signup.text


def test_a_read_only_redis_replica_is_a_503(app, client, auth, store_urls, replica_redis_url):
    registered, secret = register_client(app)
    auth.sign_in_as()  # on the primary, before the failover
    replica_app = make_app(store_urls, REDIS_URL=replica_redis_url)
    http = replica_app.test_client()
    # A Lua script writes the token.
    assert_json_503(token_request(http, registered, secret, grant_type="client_credentials"))

    # The sign-in form's session (its CSRF token) cannot be written, nor could the throttle count.
    sign_in = replica_app.test_client().get("/login")
    assert sign_in.status_code == 503
    assert "Set-Cookie" not in sign_in.headers

    http.set_cookie("session", client.get_cookie("session").value)
    _verifier, challenge = pkce_pair()
    # The consent page's challenge cannot be stored: no page to approve, and no code, only a page saying so.
    consent = http.get(authorize_url(registered, code_challenge=challenge))
    assert consent.status_code == 503
    assert "Location" not in consent.headers
