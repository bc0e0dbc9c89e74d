"""The webhook queue on /metrics: its depth and oldest due delivery read at scrape, deliveries counted by outcome."""

from stores import postgres
from tests.support.api import user_with_token
from tests.support.metrics import sample, scrape
from tests.support.webhooks import Receiver, WorkerThread


def subscribe(hooks, issued, url):
    response = hooks.post("/api/v1/webhooks", headers=issued.headers, json={"url": url, "events": ["item.created"]})
    assert response.status_code == 201, response.json


def make_overdue(app, seconds: int) -> None:
    with app.app_context(), postgres.transaction(postgres.get_connection()) as cur:
        cur.execute(
            "UPDATE webhook_deliveries SET next_attempt_at = now() - make_interval(secs => %(s)s)"
            " WHERE status = 'pending'",
            {"s": seconds},
        )


def wait_for_sample(hooks, name: str, value: float, **labels) -> None:
    import time

    deadline = time.monotonic() + 10
    while sample(scrape(hooks), name, **labels) != value:
        assert time.monotonic() < deadline, f"{name} never reached {value}"
        time.sleep(0.05)


def test_pending_deliveries_and_the_oldest_due_age_are_read_at_scrape(hooks_app):
    hooks = hooks_app.test_client()
    issued = user_with_token(hooks_app, "alice@example.com", ["webhooks", "write:data"])
    with Receiver() as receiver:
        subscribe(hooks, issued, receiver.url)
        for n in range(2):
            hooks.post("/api/v1/data", headers=issued.headers, json={"title": f"Item {n}"})
        make_overdue(hooks_app, 90)
        text = scrape(hooks)
        assert sample(text, "oauth_webhook_deliveries_pending") == 2
        assert sample(text, "oauth_webhook_deliveries_due") == 2
        assert 90 <= sample(text, "oauth_webhook_oldest_due_seconds") < 120
        with WorkerThread(hooks_app):
            receiver.wait_for(2)
            wait_for_sample(hooks, "oauth_webhook_deliveries_pending", 0)
    assert sample(scrape(hooks), "oauth_webhook_oldest_due_seconds") == 0


def test_deliveries_are_counted_by_what_they_came_to(hooks_app):
    hooks = hooks_app.test_client()
    issued = user_with_token(hooks_app, "alice@example.com", ["webhooks", "write:data"])
    before = {
        outcome: sample(scrape(hooks), "oauth_webhook_deliveries_total", outcome=outcome)
        for outcome in ("retried", "delivered", "gone")
    }
    with Receiver(statuses=[500, 200]) as receiver, WorkerThread(hooks_app):
        subscribe(hooks, issued, receiver.url)
        hooks.post("/api/v1/data", headers=issued.headers, json={"title": "First"})
        receiver.wait_for(2)
        wait_for_sample(hooks, "oauth_webhook_deliveries_total", before["delivered"] + 1, outcome="delivered")
    text = scrape(hooks)
    assert sample(text, "oauth_webhook_deliveries_total", outcome="retried") == before["retried"] + 1
    assert sample(text, "oauth_webhook_deliveries_total", outcome="gone") == before["gone"]


def test_metrics_still_answer_when_postgresql_is_down(store_urls):
    from tests.support.apps import make_app

    down = make_app({**store_urls, "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}).test_client()
    text = scrape(down)
    assert "oauth_http_requests_total" in text and "oauth_webhook_deliveries_pending" not in text
