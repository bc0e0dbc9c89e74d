"""Last use of a consent grant: recorded in Redis and PostgreSQL at most once a minute, never a write per call."""

from datetime import UTC, datetime

from api import usage
from oauth import grants
from stores import postgres
from stores.redis_client import get_redis
from tests.support.api import app_with_token, last_used_in_postgres, user_with_token
from tests.support.apps import make_app

PAST = datetime(2020, 1, 1, tzinfo=UTC)


def call_me(client, issued):
    # Buffered: the test client then closes the response, as a server does once
    # it has sent it, and that is when PostgreSQL's last use is written.
    return client.get("/api/v1/me", headers=issued.headers, buffered=True)


def set_last_used_in_postgres(app, grant_id: int, value) -> None:
    with app.app_context():
        with postgres.transaction(postgres.get_connection()) as cur:
            cur.execute("UPDATE grants SET last_used_at = %(v)s WHERE id = %(id)s", {"v": value, "id": grant_id})


def test_first_call_writes_last_use_to_postgres_and_redis(app, client, r):
    issued = user_with_token(app, "a@example.com", ["read:profile"])
    assert last_used_in_postgres(app, issued.grant_id) is None
    call_me(client, issued)
    written = last_used_in_postgres(app, issued.grant_id)
    assert written is not None
    assert int(r.get(usage.last_used_key(issued.client_id, issued.grant_id))) == int(written.timestamp())


def test_postgres_is_written_after_the_answer_has_gone_out(app, client):
    issued = user_with_token(app, "a@example.com", ["read:profile"])
    response = client.get("/api/v1/me", headers=issued.headers)  # answered, not yet closed
    assert response.status_code == 200
    assert last_used_in_postgres(app, issued.grant_id) is None
    response.close()
    assert last_used_in_postgres(app, issued.grant_id) is not None


def test_postgres_is_written_at_most_once_a_minute_per_grant(app, client, r):
    issued = user_with_token(app, "a@example.com", ["read:profile"])
    call_me(client, issued)
    key = usage.last_used_key(issued.client_id, issued.grant_id)
    recorded = int(r.get(key))

    set_last_used_in_postgres(app, issued.grant_id, PAST)  # any later write would overwrite this
    for _ in range(5):
        assert call_me(client, issued).status_code == 200
    assert last_used_in_postgres(app, issued.grant_id) == PAST

    r.set(key, recorded - 59, ex=3600)  # 59 seconds ago: still within the minute
    call_me(client, issued)
    assert last_used_in_postgres(app, issued.grant_id) == PAST
    assert int(r.get(key)) == recorded - 59  # nor is Redis written on every call

    r.set(key, recorded - 60, ex=3600)  # the minute is over
    call_me(client, issued)
    assert last_used_in_postgres(app, issued.grant_id) > PAST
    assert int(r.get(key)) >= recorded
    assert r.ttl(key) > 3600  # kept well past the minute, for the pages


def test_freshest_value_comes_from_redis_then_postgres(app, client, r):
    issued = user_with_token(app, "a@example.com", ["read:profile"])
    call_me(client, issued)
    unused = user_with_token(app, "b@example.com", ["read:profile"])
    with app.app_context():
        rows = [
            {"id": issued.grant_id, "client_id": issued.client_id, "last_used_at": PAST},
            {"id": unused.grant_id, "client_id": unused.client_id, "last_used_at": None},
        ]
        usage.with_freshest_last_use(get_redis(), rows)
        assert rows[0]["last_used_at"] > PAST  # Redis's value wins over the row's
        assert rows[1]["last_used_at"] is None

        r.delete(usage.last_used_key(issued.client_id, issued.grant_id))  # Redis lost it: the row's value stands
        rows = [{"id": issued.grant_id, "client_id": issued.client_id, "last_used_at": PAST}]
        usage.with_freshest_last_use(get_redis(), rows)
        assert rows == [{"id": issued.grant_id, "client_id": issued.client_id, "last_used_at": PAST}]
        usage.with_freshest_last_use(get_redis(), [])  # nothing to do, no error

    # As the connected-apps page reads them: the grants from PostgreSQL, then Redis's fresher values.
    set_last_used_in_postgres(app, issued.grant_id, PAST)
    with app.app_context():
        listed = grants.list_user_grants(postgres.get_connection(), issued.user_id)
        usage.with_freshest_last_use(get_redis(), listed)
        assert [(row["id"], row["last_used_at"]) for row in listed] == [(issued.grant_id, PAST)]  # none in Redis
    call_me(client, issued)  # Redis gets the time of this call
    set_last_used_in_postgres(app, issued.grant_id, PAST)  # and PostgreSQL keeps the older one
    with app.app_context():
        listed = grants.list_user_grants(postgres.get_connection(), issued.user_id)
        usage.with_freshest_last_use(get_redis(), listed)
        assert [row["id"] for row in listed] == [issued.grant_id] and listed[0]["last_used_at"] > PAST


def test_last_use_never_moves_backwards(app):
    issued = user_with_token(app, "a@example.com", ["read:profile"])
    set_last_used_in_postgres(app, issued.grant_id, datetime(2030, 1, 1, tzinfo=UTC))
    with app.app_context():
        usage.update_last_used(postgres.get_connection(), issued.grant_id, int(PAST.timestamp()))
    assert last_used_in_postgres(app, issued.grant_id).year == 2030


def test_refused_calls_are_not_uses(app, client, r):
    issued = user_with_token(app, "a@example.com", ["read:profile"], rate_limit=1)
    call_me(client, issued)
    r.delete(usage.last_used_key(issued.client_id, issued.grant_id))
    assert call_me(client, issued).status_code == 429
    assert r.get(usage.last_used_key(issued.client_id, issued.grant_id)) is None


def test_client_credentials_tokens_note_no_grant(app, client, r):
    issued = app_with_token(app, ["read:profile"])
    assert call_me(client, issued).status_code == 403  # checked and counted, no user
    assert list(r.scan_iter(match=usage.last_used_key(issued.client_id, "*"))) == []


def test_postgres_down_does_not_fail_a_call_redis_authorised(app, client, store_urls, r):
    issued = user_with_token(app, "a@example.com", ["read:profile"])
    assert call_me(client, issued).status_code == 200  # profile now cached
    key = usage.last_used_key(issued.client_id, issued.grant_id)
    stale = int(r.get(key)) - 120
    r.set(key, stale, ex=3600)  # this call is the one to write PostgreSQL
    no_postgres = make_app(store_urls, DATABASE_URL="postgresql://nobody@127.0.0.1:1/none")
    response = call_me(no_postgres.test_client(), issued)
    assert response.status_code == 200 and response.json["email"] == "a@example.com"
    assert int(r.get(key)) > stale  # Redis holds the use, for the pages and the next write
