"""The client as the machine endpoints read it from Redis (oauth/client_cache.py), against PostgreSQL's truth.

A change made in the portal, the admin console or the CLI applies to the
very next request, on this app and on a second app on the same stores (what
another gunicorn worker or host is). A cache emptied or lost refills from
PostgreSQL; a refill never brings back a client that was deleted or
suspended, nor a row changed meanwhile. Introspection costs one Redis
round trip and no PostgreSQL at all once the client is cached.
"""

import time

import pytest

from oauth import client_cache, clients
from oauth.token_store import client_state_key
from portal.confirmation import CONFIRM_FIELD, CONFIRM_VALUE
from stores import postgres
from stores.redis_client import get_redis
from tests.support.apps import make_app
from tests.support.oauth import (
    authorize_and_get_code,
    basic_auth,
    exchange_code,
    get_tokens,
    register_client,
    secret_works,
    token_request,
)
from tests.support.portal import TEST_ACTOR, VALID_APP, register_and_read, settings_of, submit
from tests.support.stores import commands_run, scripts_in

# What the introspection script runs inside its one round trip, and `info`, which counting takes.
INTROSPECTION_COMMANDS = {"evalsha", "hmget", "hgetall", "exists", "hget", "get", "time", "info"}


@pytest.fixture
def worker(store_urls):
    """A second app on the same stores, as another gunicorn worker (or host) is: its test client."""
    return make_app(store_urls).test_client()


@pytest.fixture
def developer(auth):
    return auth.sign_in_as("dev@example.com", role="developer")


def machine_token(http, client_id: str, secret: str):
    return http.post("/oauth/token", data={"grant_type": "client_credentials"}, headers=basic_auth(client_id, secret))


def delete_first_secret(client, app, client_id: str) -> None:
    page = f"/developer/apps/{client_id}"
    secret_id = stored_secret_ids(app, client_id)[0]
    confirm = {CONFIRM_FIELD: CONFIRM_VALUE}
    assert submit(client, page, f"{page}/secrets/{secret_id}/delete", data=confirm).status_code == 302


def stored_secret_ids(app, client_id: str) -> list[int]:
    with app.app_context():
        return [row["id"] for row in clients.list_secrets(postgres.get_connection(), client_id)]


def cached_field(r, client_id: str, field: str):
    return r.hget(client_state_key(client_id), field)


# A change takes effect on the very next request, on every worker -------------------------


def test_a_deleted_secret_fails_at_once_on_every_worker(client, developer, app, worker, r):
    client_id, old_secret = register_and_read(client)
    page = f"/developer/apps/{client_id}"
    new_secret = submit(client, page, f"{page}/secrets").text.split('id="client-secret">')[1].split("<")[0]
    assert secret_works(worker, client_id, old_secret) and secret_works(client, client_id, old_secret)
    assert cached_field(r, client_id, "auth")  # both workers now answer from Redis

    delete_first_secret(client, app, client_id)
    assert not secret_works(worker, client_id, old_secret)
    assert not secret_works(client, client_id, old_secret)
    assert secret_works(worker, client_id, new_secret)


def test_a_suspension_applies_at_once_on_every_worker_and_so_does_resuming(client, auth, worker, r):
    registered, secret = register_client(client.application)
    client_id = registered["client_id"]
    assert secret_works(worker, client_id, secret)
    auth.sign_in_as("admin@example.com", role="admin")

    submit(client, f"/admin/apps/{client_id}", f"/admin/apps/{client_id}/suspend", data={"reason": "abuse"})
    refused = machine_token(worker, client_id, secret)
    assert refused.status_code == 401 and refused.get_json()["error"] == "invalid_client"
    assert not secret_works(worker, client_id, secret)

    submit(client, f"/admin/apps/{client_id}", f"/admin/apps/{client_id}/resume")
    assert machine_token(worker, client_id, secret).status_code == 200


def test_a_grant_type_removed_in_the_portal_is_refused_at_once_on_every_worker(client, developer, worker):
    grant_types = ["authorization_code", "refresh_token", "client_credentials"]
    client_id, secret = register_and_read(client, grant_types=grant_types)
    assert machine_token(worker, client_id, secret).status_code == 200

    page = f"/developer/apps/{client_id}"
    assert submit(client, page, data=settings_of(grant_types=grant_types[:2])).status_code in (200, 302)
    refused = machine_token(worker, client_id, secret)
    assert refused.status_code == 400
    assert refused.get_json()["error"] == "unauthorized_client"


def test_a_code_for_a_redirect_uri_taken_off_the_app_is_refused_at_once_on_every_worker(client, developer, worker):
    client_id, secret = register_and_read(client)
    registered = {"client_id": client_id, "redirect_uris": [VALID_APP["redirect_uris"]]}
    first_code, first_verifier = authorize_and_get_code(client, registered)
    assert exchange_code(worker, registered, secret, first_code, first_verifier).status_code == 200  # cached now
    code, verifier = authorize_and_get_code(client, registered)

    moved = "https://acme.example.com/elsewhere"
    assert submit(client, f"/developer/apps/{client_id}", data=settings_of(redirect_uris=moved)).status_code in (
        200,
        302,
    )
    refused = exchange_code(worker, registered, secret, code, verifier)
    assert refused.status_code == 400
    assert refused.get_json()["error"] == "invalid_grant"


def test_a_deleted_client_is_refused_at_once_and_never_cached_again(client, developer, worker, r):
    client_id, secret = register_and_read(client)
    assert secret_works(worker, client_id, secret)
    page = f"/developer/apps/{client_id}"
    assert submit(client, f"{page}/delete", data={"confirm_name": VALID_APP["name"]}).status_code == 302
    assert not secret_works(worker, client_id, secret)
    assert not secret_works(client, client_id, secret)
    assert cached_field(r, client_id, "status") == "deleted"
    assert cached_field(r, client_id, "auth") is None


def test_a_workers_own_copy_of_the_client_does_not_outlive_a_change(client, developer, app, worker):
    grant_types = ["authorization_code", "refresh_token", "client_credentials"]
    client_id, old_secret = register_and_read(client, grant_types=grant_types)
    for _ in range(2):  # the first refills Redis, the second keeps the worker's own copy
        assert machine_token(worker, client_id, old_secret).status_code == 200
    assert client_cache.local_copy(client_id) is not None

    page = f"/developer/apps/{client_id}"
    new_secret = submit(client, page, f"{page}/secrets").text.split('id="client-secret">')[1].split("<")[0]
    assert machine_token(worker, client_id, new_secret).status_code == 200  # a secret added works at once
    delete_first_secret(client, app, client_id)
    assert machine_token(worker, client_id, old_secret).status_code == 401
    assert machine_token(worker, client_id, new_secret).status_code == 200

    with app.app_context():
        clients.set_suspended(postgres.get_connection(), get_redis(), TEST_ACTOR, client_id, True, "abuse")
    assert machine_token(worker, client_id, new_secret).status_code == 401


def test_a_stale_copy_writes_nothing_before_the_fresh_read(app, client, r):
    """The version check comes first in the token script: a refused stale run spends no rate and issues nothing."""
    registered, secret = register_client(app)
    client_id = registered["client_id"]
    for _ in range(2):
        assert machine_token(client, client_id, secret).status_code == 200
    tokens_before = len(list(r.scan_iter(match="*}at:*")))
    with app.app_context():
        clients.update_client(postgres.get_connection(), get_redis(), TEST_ACTOR, client_id, scopes=["read:data"])
    answer = client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers=basic_auth(client_id, secret)
    )
    assert answer.get_json()["scope"] == "read:data"  # the fresh client's scopes, not the copy's
    assert len(list(r.scan_iter(match="*}at:*"))) == tokens_before + 1


# Refilled from PostgreSQL when missing ------------------------------------------------------


def test_a_client_missing_from_redis_is_refilled_with_no_error(client, app, signed_in_user, r):
    registered, secret = register_client(app)
    tokens = get_tokens(client, registered, secret)
    r.delete(client_state_key(registered["client_id"]))  # every cached fact of the client gone

    answer = client.post(
        "/oauth/introspect", data={"token": tokens["access_token"]}, headers=basic_auth(registered["client_id"], secret)
    )
    assert answer.status_code == 200 and answer.get_json()["active"] is True
    assert cached_field(r, registered["client_id"], "auth")
    r.flushdb()
    assert token_request(client, registered, secret, grant_type="client_credentials").status_code == 200


def test_a_cached_copy_older_than_its_max_age_is_read_again_from_postgres(app, client, r):
    registered, secret = register_client(app)
    client_id = registered["client_id"]
    assert machine_token(client, client_id, secret).status_code == 200
    with app.app_context(), postgres.transaction(postgres.get_connection()) as cur:
        # Behind the cache's back, as a lost invalidation would leave it.
        cur.execute(
            "UPDATE clients SET grant_types = '{authorization_code}' WHERE client_id = %(id)s", {"id": client_id}
        )
    assert machine_token(client, client_id, secret).status_code == 200  # still the cached copy
    # MAX_AGE later: Redis's copy and the worker's own are both too old to trust.
    r.hset(client_state_key(client_id), "auth_at", int(time.time()) - client_cache.MAX_AGE)
    client_cache.drop_local(client_id)
    assert machine_token(client, client_id, secret).get_json()["error"] == "unauthorized_client"


# A refill racing a change never caches the old row ----------------------------------------


def race_a_refill(app, client_id: str, change) -> client_cache.MachineClient | None:
    """Read the miss and the row as a request would, apply `change` meanwhile, then let the refill write."""
    with app.app_context():
        r, conn = get_redis(), postgres.get_connection()
        client_cache.forget(r, client_id)
        cached = client_cache.read(r, client_id)
        row = client_cache.load(conn, client_id)
        change(conn, r)
        return client_cache.fill(r, cached, row)


def test_a_refill_racing_a_deletion_does_not_bring_the_client_back(app, client, r):
    registered, secret = register_client(app)
    client_id = registered["client_id"]
    refilled = race_a_refill(app, client_id, lambda conn, r_: clients.delete_client(conn, r_, TEST_ACTOR, client_id))
    assert refilled["status"] == "deleted"
    assert cached_field(r, client_id, "auth") is None
    assert not secret_works(client, client_id, secret)


def test_a_refill_racing_a_suspension_leaves_the_client_suspended(app, client, r):
    registered, secret = register_client(app)
    client_id = registered["client_id"]

    def suspend(conn, r_):
        clients.set_suspended(conn, r_, TEST_ACTOR, client_id, True, "abuse")

    assert race_a_refill(app, client_id, suspend)["status"] == "suspended"
    assert not secret_works(client, client_id, secret)


def test_a_refill_racing_a_settings_change_caches_nothing_stale(app, client, r):
    registered, secret = register_client(app)
    client_id = registered["client_id"]

    def drop_client_credentials(conn, r_):
        clients.update_client(conn, r_, TEST_ACTOR, client_id, grant_types=["authorization_code"])

    race_a_refill(app, client_id, drop_client_credentials)
    assert cached_field(r, client_id, "auth") is None  # the row read before the change was not cached
    assert machine_token(client, client_id, secret).get_json()["error"] == "unauthorized_client"


# The cost: one Redis round trip, no PostgreSQL ---------------------------------------------


def counted_post(app, client, r, monkeypatch, path: str, data: dict, headers: dict):
    """POST `path`: the answer, the PostgreSQL connections it checked out, the Redis commands it ran."""
    checkouts = []
    database = app.extensions["postgres"]
    connect = database.connect
    monkeypatch.setattr(database, "connect", lambda: checkouts.append(1) or connect())
    before = commands_run(r)
    answer = client.post(path, data=data, headers=headers, buffered=True)
    return answer, checkouts, commands_run(r) - before


def test_introspection_is_one_redis_round_trip_and_no_postgres_query(app, client, signed_in_user, r, monkeypatch):
    registered, secret = register_client(app)
    tokens = get_tokens(client, registered, secret)
    headers = basic_auth(registered["client_id"], secret)
    data = {"token": tokens["access_token"]}
    assert client.post("/oauth/introspect", data=data, headers=headers).get_json()["active"] is True  # fills caches

    answer, checkouts, ran = counted_post(app, client, r, monkeypatch, "/oauth/introspect", data, headers)

    assert answer.get_json()["active"] is True and answer.get_json()["username"] == "user@example.com"
    assert checkouts == []  # not even a connection checked out of the pool, so no query
    assert scripts_in(ran) == 1
    assert set(ran) <= INTROSPECTION_COMMANDS, ran


def test_a_client_credentials_token_takes_one_script_and_no_postgres_connection(app, client, r, monkeypatch):
    registered, secret = register_client(app)
    headers = basic_auth(registered["client_id"], secret)
    data = {"grant_type": "client_credentials"}
    for _ in range(2):  # the first fills Redis from PostgreSQL, the second this worker's own copy
        assert client.post("/oauth/token", data=data, headers=headers).status_code == 200

    answer, checkouts, ran = counted_post(app, client, r, monkeypatch, "/oauth/token", data, headers)

    assert answer.status_code == 200 and answer.get_json()["token_type"] == "Bearer"
    assert checkouts == []  # the grant needs no row: not even a connection is checked out
    assert scripts_in(ran) == 1


# From the attacker's side ---------------------------------------------------------------------


def test_a_wrong_secret_is_refused_however_warm_the_cache(app, client):
    registered, secret = register_client(app)
    other, other_secret = register_client(app, name="Other")
    client_id = registered["client_id"]
    assert secret_works(client, client_id, secret)
    wrong = secret[:-4] + ("AAAA" if not secret.endswith("AAAA") else "BBBB")
    for attempt in (wrong, other_secret, "pacs_short", ""):
        response = machine_token(client, client_id, attempt)
        assert response.status_code == 401, attempt
        assert response.get_json()["error"] == "invalid_client"
    assert not secret_works(client, other["client_id"], secret)


def test_an_unknown_client_is_refused_and_leaves_nothing_cached(app, client, r):
    response = machine_token(client, "pa_client_doesnotexist", "pacs_" + "A" * 43)
    assert response.status_code == 401
    assert r.hget(client_state_key("pa_client_doesnotexist"), "auth") is None  # unknown IDs cache nothing


def test_with_redis_down_the_machine_endpoints_fail_closed_with_503_json(store_urls, app, own_redis):
    outage_app = make_app(store_urls, REDIS_URL=own_redis.url)
    http = outage_app.test_client()
    registered, secret = register_client(outage_app)
    client_id = registered["client_id"]
    for _ in range(2):  # the worker now holds its own copy of the client too
        assert machine_token(http, client_id, secret).status_code == 200

    own_redis.stop()
    try:
        for response in (
            machine_token(http, client_id, secret),
            http.post("/oauth/introspect", data={"token": "x"}, headers=basic_auth(client_id, secret)),
            http.post("/oauth/revoke", data={"token": "x"}, headers=basic_auth(client_id, secret)),
        ):
            assert response.status_code == 503
            assert response.mimetype == "application/json"
            assert response.get_json()["error"] == "temporarily_unavailable"
    finally:
        own_redis.start()
    client_cache.drop_local(client_id)
