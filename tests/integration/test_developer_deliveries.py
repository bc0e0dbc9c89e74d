"""The app page's recent webhook deliveries and "redeliver", through the real forms, worker and receiver."""

import re
import time
from html import unescape

import pytest

from stores import postgres
from tests.support.accounts import AuthActions, create_user, csrf_token
from tests.support.api import issue_user_token
from tests.support.apps import make_app
from tests.support.oauth import register_client
from tests.support.portal import audit_actions, submit, words
from tests.support.webhooks import FAST_WORKER_SETTINGS, Receiver, WorkerThread, signed_in

DEVELOPER = "dev@example.com"


@pytest.fixture
def portal(hooks_app):
    """A browser with DEVELOPER signed in."""
    return signed_in(hooks_app, DEVELOPER)


@pytest.fixture
def issued(hooks_app, portal):
    """A token of a person for DEVELOPER's app, which may subscribe webhooks and create items."""
    client, _ = register_client(hooks_app, owner_email=DEVELOPER)
    user = create_user(hooks_app, "alice@example.com")
    return issue_user_token(hooks_app, client, user["id"], ["webhooks", "write:data"])


def deliver_one(app, issued, receiver, url: str | None = None) -> None:
    """Subscribe the receiver, create an item and let a worker deliver it."""
    api = app.test_client()
    subscribed = api.post(
        "/api/v1/webhooks", headers=issued.headers, json={"url": url or receiver.url, "events": ["item.created"]}
    )
    assert subscribed.status_code == 201
    api.post("/api/v1/data", headers=issued.headers, json={"title": "First"})
    with WorkerThread(app):
        receiver.wait_for(1)
        wait_for(app, lambda row: row["attempts"] >= 1)


def wait_for(app, done, timeout: float = 10.0) -> None:
    """Until the latest delivery's row meets `done`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if done(delivery(app)):
            return
        time.sleep(0.02)
    raise AssertionError("the delivery did not settle")


def delivery(app) -> dict:
    with app.app_context(), postgres.get_connection().cursor() as cur:
        cur.execute("SELECT id, status, attempts, last_status_code FROM webhook_deliveries ORDER BY id DESC LIMIT 1")
        return cur.fetchone()


def redeliver(portal, client_id: str, delivery_id: int):
    return submit(
        portal, f"/developer/apps/{client_id}", f"/developer/apps/{client_id}/deliveries/{delivery_id}/redeliver"
    )


def test_the_app_page_lists_deliveries_with_host_status_attempts_and_next_retry(app, store_urls, portal, issued):
    slow_retries = make_app(store_urls, **{**FAST_WORKER_SETTINGS, "WEBHOOK_RETRY_BASE_SECONDS": 3600.0})
    with Receiver(statuses=[500]) as receiver:
        deliver_one(slow_retries, issued, receiver, url=receiver.url + "?token=only-the-app-knows")
    page = words(portal.get(f"/developer/apps/{issued.client_id}").text)
    assert "<code>item.created</code>" in page
    assert '<td data-label="Host">127.0.0.1</td>' in page
    assert "pending (HTTP 500)" in page
    assert '<td data-label="Attempts">1</td>' in page
    assert 'data-label="Next retry">20' in page  # a date: the retry is an hour away
    assert "only-the-app-knows" not in page


def test_redeliver_sends_the_same_event_again_and_is_audited(hooks_app, portal, issued):
    with Receiver() as receiver:
        deliver_one(hooks_app, issued, receiver)
        first = delivery(hooks_app)
        assert first["status"] == "delivered"
        response = redeliver(portal, issued.client_id, first["id"])
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/developer/apps/{issued.client_id}#deliveries")
        with WorkerThread(hooks_app):
            requests = receiver.wait_for(2)
            wait_for(hooks_app, lambda row: row["status"] == "delivered" and row["attempts"] == 2)
    assert requests[0].event == requests[1].event
    assert delivery(hooks_app)["attempts"] == 2
    assert audit_actions(hooks_app, issued.client_id)[-1] == "webhook.redelivered"


def test_an_ended_subscription_is_not_redelivered(hooks_app, portal, issued):
    with Receiver(statuses=[410]) as receiver:
        deliver_one(hooks_app, issued, receiver)  # 410 Gone ends the subscription
        response = redeliver(portal, issued.client_id, delivery(hooks_app)["id"])
        page = words(portal.get(response.headers["Location"]).text)
    assert "Its subscription has ended or is disabled" in page
    assert delivery(hooks_app)["status"] == "failed"
    assert "webhook.redelivered" not in audit_actions(hooks_app)


def test_another_developer_cannot_redeliver(hooks_app, portal, issued):
    with Receiver() as receiver:
        deliver_one(hooks_app, issued, receiver)
    victim = delivery(hooks_app)
    AuthActions(portal, hooks_app).sign_in_as("intruder@example.com")
    own, _ = register_client(hooks_app, owner_email="intruder@example.com")
    token = csrf_token(portal.get("/developer/apps").text)
    for client_id in (issued.client_id, own["client_id"]):
        response = portal.post(
            f"/developer/apps/{client_id}/deliveries/{victim['id']}/redeliver", data={"csrf_token": token}
        )
        assert response.status_code == 404
    assert "No deliveries yet." in portal.get(f"/developer/apps/{own['client_id']}").text
    assert delivery(hooks_app) == victim


def test_redeliver_without_csrf_token_changes_nothing(hooks_app, portal, issued):
    with Receiver() as receiver:
        deliver_one(hooks_app, issued, receiver)
    before = delivery(hooks_app)
    response = portal.post(f"/developer/apps/{issued.client_id}/deliveries/{before['id']}/redeliver")
    assert response.status_code == 400
    assert delivery(hooks_app) == before


# How to check a signature -------------------------------------------------------------


def shown_python(html: str, element_id: str) -> str:
    """The code of a <pre id=...> block as a reader would copy it."""
    block = re.search(rf'<pre id="{element_id}"><code>(.*?)</code></pre>', html, re.S)
    return unescape(block.group(1))


@pytest.mark.parametrize("page", ["quickstart", "docs"])
def test_the_signature_check_shown_accepts_a_real_delivery_and_refuses_a_forged_one(hooks_app, portal, issued, page):
    path = f"/developer/apps/{issued.client_id}/quickstart" if page == "quickstart" else "/docs"
    code = shown_python(portal.get(path).text, "verify-signature")
    assert len(code.splitlines()) <= 10
    namespace: dict = {}
    exec(
        compile(code.split("# Flask:")[0], "shown", "exec"), namespace
    )  # the page's own snippet, run as a reader would
    verified = namespace["verified"]
    api = hooks_app.test_client()
    with Receiver() as receiver:
        secret = api.post(
            "/api/v1/webhooks", headers=issued.headers, json={"url": receiver.url, "events": ["item.created"]}
        ).json["secret"]
        api.post("/api/v1/data", headers=issued.headers, json={"title": "First"})
        with WorkerThread(hooks_app):
            [request] = receiver.wait_for(1)
    header = request.headers["Platform-Signature"]
    assert verified(secret, header, request.body)
    assert not verified(secret, header, request.body.replace(b"First", b"Forged"))
    assert not verified("pawhs_not-the-secret", header, request.body)
    assert not verified(secret, header, request.body, tolerance=-1)


def test_docs_describe_every_event_the_payload_and_the_signature(client):
    page = words(client.get("/docs").text)
    for event in ("item.created", "profile.updated", "authorization.revoked"):
        assert f"<code>{event}</code>" in page
    assert "Platform-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex&gt;" in page
    assert "<code>410 Gone</code>" in page and "deduplicate by the event's <code>id</code>" in page
