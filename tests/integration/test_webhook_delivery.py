"""Webhook deliveries end to end: a real receiver on loopback, a real worker, the real stores."""

import json
import signal

import pytest
import redis

from stores import postgres
from tests.support.api import user_with_token, withdraw_consent
from tests.support.apps import make_app
from tests.support.webhooks import FAST_WORKER_SETTINGS, Receiver, WorkerThread, verify_signature, worker_process


@pytest.fixture
def hooks(hooks_app):
    return hooks_app.test_client()


def subscribe(client, issued, url, events=("item.created",)) -> dict:
    response = client.post("/api/v1/webhooks", headers=issued.headers, json={"url": url, "events": list(events)})
    assert response.status_code == 201, response.json
    return response.json


def query(app, sql: str, params: dict | None = None) -> list[dict]:
    with app.app_context():
        with postgres.get_connection().cursor() as cur:
            cur.execute(sql, params or {})
            return cur.fetchall()


def delivery_rows(app) -> list[dict]:
    return query(app, "SELECT status, attempts, last_status_code, last_error FROM webhook_deliveries ORDER BY id")


def wait_until(condition, timeout: float = 10.0):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


def test_an_item_created_arrives_once_signed(hooks_app, hooks):
    issued = user_with_token(hooks_app, "alice@example.com", ["webhooks", "write:data"])
    with Receiver() as receiver, WorkerThread(hooks_app):
        secret = subscribe(hooks, issued, receiver.url)["secret"]
        item = hooks.post("/api/v1/data", headers=issued.headers, json={"title": "First"}).json
        [request] = receiver.wait_for(1)
        wait_until(lambda: delivery_rows(hooks_app)[0]["status"] == "delivered")
    assert len(receiver.received) == 1
    assert request.path == "/hooks"
    assert request.headers["Content-Type"] == "application/json"
    assert verify_signature(secret, request.headers["Platform-Signature"], request.body)
    assert not verify_signature("pawhs_another", request.headers["Platform-Signature"], request.body)
    event = request.event
    assert set(event) == {"id", "type", "created_at", "data"}
    assert event["type"] == "item.created"
    assert event["data"] == {**item, "user_id": issued.user_id}
    assert event["created_at"].endswith("Z")
    assert delivery_rows(hooks_app) == [
        {"status": "delivered", "attempts": 1, "last_status_code": 200, "last_error": ""}
    ]


def test_a_profile_update_reaches_only_its_subscribers(hooks_app, hooks):
    issued = user_with_token(hooks_app, "alice@example.com", ["webhooks", "write:profile", "write:data"])
    with Receiver() as profiles, Receiver() as items, WorkerThread(hooks_app):
        subscribe(hooks, issued, profiles.url, events=["profile.updated"])
        subscribe(hooks, issued, items.url, events=["item.created"])
        hooks.patch("/api/v1/me", headers=issued.headers, json={"name": "Alice L."})
        [request] = profiles.wait_for(1)
        wait_until(lambda: all(row["status"] == "delivered" for row in delivery_rows(hooks_app)))
    assert request.event["type"] == "profile.updated"
    assert request.event["data"]["name"] == "Alice L."
    assert items.received == []


def test_each_event_has_its_own_id(hooks_app, hooks):
    issued = user_with_token(hooks_app, "alice@example.com", ["webhooks", "write:data"])
    with Receiver() as receiver, WorkerThread(hooks_app, threads=2):
        subscribe(hooks, issued, receiver.url)
        for n in range(3):
            hooks.post("/api/v1/data", headers=issued.headers, json={"title": f"Item {n}"})
        requests = receiver.wait_for(3)
    assert len({request.event["id"] for request in requests}) == 3


def test_two_failures_then_success_is_delivered_on_the_third_attempt(hooks_app, hooks):
    issued = user_with_token(hooks_app, "alice@example.com", ["webhooks", "write:data"])
    with Receiver(statuses=[500, 500, 200]) as receiver, WorkerThread(hooks_app):
        subscribe(hooks, issued, receiver.url)
        hooks.post("/api/v1/data", headers=issued.headers, json={"title": "First"})
        requests = receiver.wait_for(3)
        wait_until(lambda: delivery_rows(hooks_app)[0]["status"] == "delivered")
    assert len({request.event["id"] for request in requests}) == 1
    assert delivery_rows(hooks_app)[0]["attempts"] == 3
    [subscription] = query(hooks_app, "SELECT failing_since, disabled_at FROM webhook_subscriptions")
    assert subscription == {"failing_since": None, "disabled_at": None}


def test_410_gone_ends_the_subscription(hooks_app, hooks):
    issued = user_with_token(hooks_app, "alice@example.com", ["webhooks", "write:data"])
    with Receiver(statuses=[410]) as receiver, WorkerThread(hooks_app):
        subscribe(hooks, issued, receiver.url)
        hooks.post("/api/v1/data", headers=issued.headers, json={"title": "First"})
        receiver.wait_for(1)
        wait_until(lambda: delivery_rows(hooks_app)[0]["status"] == "failed")
        hooks.post("/api/v1/data", headers=issued.headers, json={"title": "Second"})
    assert len(receiver.received) == 1
    assert hooks.get("/api/v1/webhooks", headers=issued.headers).json == {"webhooks": []}
    assert query(hooks_app, "SELECT end_reason FROM webhook_subscriptions") == [{"end_reason": "gone"}]
    assert len(delivery_rows(hooks_app)) == 1  # nothing queued for the ended subscription


def test_failing_for_the_whole_retry_window_disables_the_subscription(app, store_urls):
    short = make_app(store_urls, **{**FAST_WORKER_SETTINGS, "WEBHOOK_RETRY_WINDOW_SECONDS": 0.5})
    client = short.test_client()
    issued = user_with_token(short, "alice@example.com", ["webhooks", "write:data"])
    with Receiver(statuses=[503]) as receiver, WorkerThread(short):
        subscribe(client, issued, receiver.url)
        client.post("/api/v1/data", headers=issued.headers, json={"title": "First"})
        wait_until(lambda: delivery_rows(short)[0]["status"] == "failed")
    [webhook] = client.get("/api/v1/webhooks", headers=issued.headers).json["webhooks"]
    assert webhook["disabled"] is True
    assert "HTTP 503" in webhook["disabled_reason"]
    assert len(receiver.received) >= 2
    # Subscribing the URL again turns it back on.
    again = client.post(
        "/api/v1/webhooks", headers=issued.headers, json={"url": receiver.url, "events": ["item.created"]}
    )
    assert again.status_code == 200 and again.json["disabled"] is False


def test_a_rolled_back_change_emits_nothing(hooks_app, hooks):
    issued = user_with_token(hooks_app, "alice@example.com", ["webhooks", "write:data"])
    # A check PostgreSQL makes only at COMMIT: the item and its event are written, then the commit fails.
    with hooks_app.app_context(), postgres.transaction(postgres.get_connection()) as cur:
        cur.execute(
            """CREATE OR REPLACE FUNCTION test_refuse_doomed() RETURNS trigger LANGUAGE plpgsql AS
               $$ BEGIN IF NEW.title = 'doomed' THEN RAISE EXCEPTION 'refused at commit'; END IF; RETURN NULL; END $$;
               DROP TRIGGER IF EXISTS test_refuse_doomed ON items;
               CREATE CONSTRAINT TRIGGER test_refuse_doomed AFTER INSERT ON items
               DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION test_refuse_doomed()"""
        )
    try:
        with Receiver() as receiver:
            subscribe(hooks, issued, receiver.url)
            refused = hooks.post("/api/v1/data", headers=issued.headers, json={"title": "doomed"})
            assert refused.status_code == 500
            assert query(hooks_app, "SELECT count(*) AS n FROM items") == [{"n": 0}]
            assert query(hooks_app, "SELECT count(*) AS n FROM webhook_events") == [{"n": 0}]
            assert delivery_rows(hooks_app) == []
            # The same change that commits is queued.
            hooks.post("/api/v1/data", headers=issued.headers, json={"title": "kept"})
            assert [row["status"] for row in delivery_rows(hooks_app)] == ["pending"]
    finally:
        with hooks_app.app_context(), postgres.transaction(postgres.get_connection()) as cur:
            cur.execute(
                "DROP TRIGGER IF EXISTS test_refuse_doomed ON items; DROP FUNCTION IF EXISTS test_refuse_doomed()"
            )


def test_a_change_nobody_subscribed_to_writes_no_event(hooks_app, hooks):
    issued = user_with_token(hooks_app, "alice@example.com", ["webhooks", "write:data"])
    hooks.post("/api/v1/data", headers=issued.headers, json={"title": "First"})
    assert query(hooks_app, "SELECT count(*) AS n FROM webhook_events") == [{"n": 0}]


def test_revoking_the_app_cancels_what_was_queued(hooks_app, hooks):
    issued = user_with_token(hooks_app, "alice@example.com", ["webhooks", "write:data"])
    with Receiver() as receiver:
        subscribe(hooks, issued, receiver.url)
        hooks.post("/api/v1/data", headers=issued.headers, json={"title": "First"})
        withdraw_consent(hooks_app, issued.user_id, issued.client_id)
        with WorkerThread(hooks_app):
            wait_until(lambda: delivery_rows(hooks_app)[0]["status"] == "cancelled")
    assert receiver.received == []


def test_a_worker_killed_mid_delivery_loses_nothing(hooks_app, hooks, store_urls):
    issued = user_with_token(hooks_app, "alice@example.com", ["webhooks", "write:data"])
    with Receiver(hold=1.0) as receiver:
        subscribe(hooks, issued, receiver.url)
        first = worker_process(store_urls)
        try:
            hooks.post("/api/v1/data", headers=issued.headers, json={"title": "First"})
            receiver.wait_for(1)  # the first worker is waiting for the answer, the row locked
            first.send_signal(signal.SIGKILL)
            first.wait(10)
        finally:
            first.kill()
            first.communicate()
        assert delivery_rows(hooks_app)[0]["status"] == "pending"
        second = worker_process(store_urls)
        try:
            requests = receiver.wait_for(2)
            wait_until(lambda: delivery_rows(hooks_app)[0]["status"] == "delivered")
        finally:
            second.send_signal(signal.SIGTERM)
            out, _err = second.communicate(timeout=15)
    assert requests[0].event["id"] == requests[1].event["id"]  # the same event, deduplicated by its id
    assert delivery_rows(hooks_app)[0]["attempts"] == 1
    assert second.returncode == 0
    assert json.loads(out.strip().splitlines()[-1]) == {"worker": "stopped"}


def test_redis_restarted_between_event_and_delivery_loses_nothing(app, store_urls, own_redis):
    """The queue is in PostgreSQL: a Redis that comes back empty (no persistence) still gets the event out."""
    on_own_redis = {**store_urls, "REDIS_URL": own_redis.url}
    restarted = make_app(on_own_redis, **FAST_WORKER_SETTINGS)
    client = restarted.test_client()
    issued = user_with_token(restarted, "alice@example.com", ["webhooks", "write:data"])
    with Receiver() as receiver:
        secret = subscribe(client, issued, receiver.url)["secret"]
        item = client.post("/api/v1/data", headers=issued.headers, json={"title": "First"}).json
        own_redis.stop()
        own_redis.start()
        assert redis.Redis.from_url(own_redis.url).dbsize() == 0  # it kept nothing
        worker = worker_process(on_own_redis)
        try:
            [request] = receiver.wait_for(1)
            wait_until(lambda: delivery_rows(restarted)[0]["status"] == "delivered")
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.communicate(timeout=15)
    assert verify_signature(secret, request.headers["Platform-Signature"], request.body)
    assert request.event["data"] == {**item, "user_id": issued.user_id}
    assert delivery_rows(restarted)[0]["attempts"] == 1
    restarted.extensions["redis"].close()
    restarted.extensions["postgres"].close()


def test_delivery_time_check_refuses_a_private_address(app, store_urls, hooks_app, hooks):
    """A host checked when subscribed is checked again before every delivery (DNS can change)."""
    strict = make_app(store_urls, **{**FAST_WORKER_SETTINGS, "WEBHOOK_ALLOW_PRIVATE": False})
    issued = user_with_token(hooks_app, "alice@example.com", ["webhooks", "write:data"])
    with Receiver() as receiver:
        subscribe(hooks, issued, receiver.url)  # allowed when subscribed (WEBHOOK_ALLOW_PRIVATE=1 there)
        hooks.post("/api/v1/data", headers=issued.headers, json={"title": "First"})
        with WorkerThread(strict):
            wait_until(lambda: delivery_rows(hooks_app)[0]["attempts"] >= 1)
    assert receiver.received == []
    assert delivery_rows(hooks_app)[0]["last_error"].startswith("refused:")
