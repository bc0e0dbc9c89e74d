"""The worker's housekeeping: finished deliveries past retention go, a batch at a time; pending work stays."""

import time

import pytest

from stores import postgres
from tests.support.api import user_with_token
from tests.support.webhooks import Receiver, WorkerThread
from webhooks import housekeeping
from webhooks.housekeeping import Swept


@pytest.fixture
def hooks(hooks_app):
    return hooks_app.test_client()


def sql(app, statement: str, params: dict | None = None) -> list[dict]:
    with app.app_context(), postgres.transaction(postgres.get_connection()) as cur:
        cur.execute(statement, params or {})
        return cur.fetchall() if cur.description else []


def sweep(app, **limits) -> Swept:
    with app.app_context():
        return housekeeping.sweep(postgres.get_connection(), retention_days=7, **limits)


def counts(app) -> dict:
    [row] = sql(
        app,
        """SELECT (SELECT count(*) FROM webhook_deliveries) AS deliveries,
                  (SELECT count(*) FROM webhook_events) AS events,
                  (SELECT count(*) FROM webhook_subscriptions) AS subscriptions""",
    )
    return row


def delivered_items(app, client, count: int, url: str):
    """A subscription to `url` and `count` items, each delivered by a worker; the token used."""
    issued = user_with_token(app, f"user{time.monotonic_ns()}@example.com", ["webhooks", "write:data"])
    client.post("/api/v1/webhooks", headers=issued.headers, json={"url": url, "events": ["item.created"]})
    with WorkerThread(app):
        for n in range(count):
            client.post("/api/v1/data", headers=issued.headers, json={"title": f"Item {n}"})
        deadline = time.monotonic() + 10
        while (
            sql(app, "SELECT 1 FROM webhook_deliveries WHERE status = 'pending'") or counts(app)["deliveries"] < count
        ):
            assert time.monotonic() < deadline, "not delivered in time"
            time.sleep(0.02)
    return issued


def age(app, days: float, where: str = "TRUE") -> None:
    """Move finished deliveries, their events and ended subscriptions `days` into the past."""
    params = {"days": days}
    sql(
        app,
        f"UPDATE webhook_deliveries SET finished_at = finished_at - %(days)s * interval '1 day' WHERE {where}",
        params,
    )
    sql(app, "UPDATE webhook_events SET created_at = created_at - %(days)s * interval '1 day'", params)
    sql(app, "UPDATE webhook_subscriptions SET ended_at = ended_at - %(days)s * interval '1 day'", params)


def test_finished_deliveries_past_retention_are_deleted_with_their_events(hooks_app, hooks):
    with Receiver() as receiver:
        delivered_items(hooks_app, hooks, 3, receiver.url)
    age(hooks_app, 8, where="id <= 2")
    assert sweep(hooks_app) == Swept(deliveries=2, events=2, subscriptions=0)
    assert [row["id"] for row in sql(hooks_app, "SELECT id FROM webhook_deliveries")] == [3]
    assert counts(hooks_app) == {"deliveries": 1, "events": 1, "subscriptions": 1}
    assert sweep(hooks_app) == Swept(0, 0, 0)  # the recent delivery and the live subscription stay


def test_pending_deliveries_are_never_deleted_however_old(hooks_app, hooks):
    with Receiver() as receiver:
        issued = user_with_token(hooks_app, "alice@example.com", ["webhooks", "write:data"])
        hooks.post("/api/v1/webhooks", headers=issued.headers, json={"url": receiver.url, "events": ["item.created"]})
        hooks.post("/api/v1/data", headers=issued.headers, json={"title": "Waiting"})  # no worker runs
    age(hooks_app, 30)
    assert sweep(hooks_app) == Swept(0, 0, 0)
    assert [row["status"] for row in sql(hooks_app, "SELECT status FROM webhook_deliveries")] == ["pending"]


def test_an_ended_subscription_goes_once_its_deliveries_have(hooks_app, hooks):
    with Receiver() as receiver:
        issued = delivered_items(hooks_app, hooks, 1, receiver.url)
    [webhook] = hooks.get("/api/v1/webhooks", headers=issued.headers).json["webhooks"]
    assert hooks.delete(f"/api/v1/webhooks/{webhook['id']}", headers=issued.headers).status_code == 204
    age(hooks_app, 8)
    assert sweep(hooks_app) == Swept(deliveries=1, events=1, subscriptions=1)
    assert counts(hooks_app) == {"deliveries": 0, "events": 0, "subscriptions": 0}


def test_a_sweep_deletes_in_bounded_batches_and_the_next_takes_up_the_rest(hooks_app, hooks):
    with Receiver() as receiver:
        delivered_items(hooks_app, hooks, 5, receiver.url)
    age(hooks_app, 8)
    assert sweep(hooks_app, batch_size=2, max_batches=2).deliveries == 4
    assert counts(hooks_app)["deliveries"] == 1
    assert sweep(hooks_app, batch_size=2, max_batches=2).deliveries == 1
    assert counts(hooks_app)["deliveries"] == 0


def test_the_worker_sweeps_when_it_starts_and_not_again_within_the_minute(hooks_app, hooks):
    with Receiver() as receiver:
        delivered_items(hooks_app, hooks, 2, receiver.url)
        age(hooks_app, 8, where="id = 1")
        with WorkerThread(hooks_app):
            deadline = time.monotonic() + 10
            while counts(hooks_app)["deliveries"] != 1:
                assert time.monotonic() < deadline, "the worker did not sweep"
                time.sleep(0.02)
            age(hooks_app, 8, where="id = 2")
            time.sleep(0.5)
            assert counts(hooks_app)["deliveries"] == 1  # not swept again so soon
