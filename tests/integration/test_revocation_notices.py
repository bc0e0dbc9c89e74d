"""Revocation notices: the app's own URL hears `authorization.revoked` when a person revokes it.

A real receiver on loopback, a real worker, the real stores; the URL and its
secret set through the developer portal's forms.
"""

import signal

import pytest

import audit
from accounts import users
from oauth import user_access
from stores import postgres
from stores.redis_client import get_redis
from tests.support.accounts import AuthActions, csrf_token
from tests.support.api import issue_user_token, withdraw_consent
from tests.support.apps import make_app
from tests.support.oauth import register_client
from tests.support.portal import audit_actions, credential, submit, words
from tests.support.webhooks import Receiver, WorkerThread, signed_in, verify_signature, worker_process

DEVELOPER = "dev@example.com"


@pytest.fixture
def portal(hooks_app):
    """A browser with DEVELOPER signed in."""
    return signed_in(hooks_app, DEVELOPER)


@pytest.fixture
def developer_app(hooks_app, portal) -> dict:
    client, _secret = register_client(hooks_app, owner_email=DEVELOPER)
    return client


def set_notice_url(portal, client_id: str, url: str):
    return submit(
        portal, f"/developer/apps/{client_id}", f"/developer/apps/{client_id}/revocation-notices", {"notice_url": url}
    )


def turn_on_notices(portal, client_id: str, url: str) -> str:
    """Set the notice URL through the portal; the secret the page shows once."""
    response = set_notice_url(portal, client_id, url)
    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "no-store"
    return credential(response.text, "notice-secret")


def replace_secret(portal, client_id: str):
    path = f"/developer/apps/{client_id}/revocation-notices/secret"
    return submit(portal, f"/developer/apps/{client_id}", path, data={"confirm": "yes"})


def person_with_grant(app, client: dict, email: str = "alice@example.com"):
    """A person who allowed `client` (with a webhook subscription scope), and their token."""
    with app.app_context():
        user = users.create_user(postgres.get_connection(), email, "a long password", "Alice", "user", verified=True)
    return issue_user_token(app, client, user["id"], ["webhooks", "write:data"])


def subject_of(app, user_id: int) -> str:
    with app.app_context():
        return users.get_identity(postgres.get_connection(), user_id)["subject"]


def query(app, sql: str, params: dict | None = None) -> list[dict]:
    with app.app_context():
        with postgres.get_connection().cursor() as cur:
            cur.execute(sql, params or {})
            return cur.fetchall()


def disable_person(app, user_id: int) -> None:
    with app.app_context():
        user_access.disable_user(postgres.get_connection(), get_redis(), audit.CLI, user_id, "test")


def revoke_on_connected_apps_page(app, email: str, client_id: str) -> None:
    browser = app.test_client()
    AuthActions(browser, app).login(email, "a long password")
    submit(browser, f"/account/apps/{client_id}/revoke", data={"confirm": "yes"})


# Notices ---------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["grant", "connected apps page", "user disabled"])
def test_a_revocation_sends_authorization_revoked_with_the_sub_signed(hooks_app, portal, developer_app, how):
    person = person_with_grant(hooks_app, developer_app)
    with Receiver() as receiver, WorkerThread(hooks_app):
        secret = turn_on_notices(portal, developer_app["client_id"], receiver.url)
        if how == "grant":
            withdraw_consent(hooks_app, person.user_id, developer_app["client_id"])
        elif how == "connected apps page":
            revoke_on_connected_apps_page(hooks_app, "alice@example.com", developer_app["client_id"])
        else:
            disable_person(hooks_app, person.user_id)
        [notice] = receiver.wait_for(1)
    assert secret.startswith("pawhs_")
    assert verify_signature(secret, notice.headers["Platform-Signature"], notice.body)
    assert notice.event["type"] == "authorization.revoked"
    assert notice.event["data"] == {"sub": subject_of(hooks_app, person.user_id)}


def test_the_persons_subscriptions_end_and_the_notice_still_goes(hooks_app, portal, developer_app):
    person = person_with_grant(hooks_app, developer_app)
    with Receiver() as subscribed, Receiver() as notices:
        api = hooks_app.test_client()
        created = api.post(
            "/api/v1/webhooks", headers=person.headers, json={"url": subscribed.url, "events": ["item.created"]}
        )
        assert created.status_code == 201
        turn_on_notices(portal, developer_app["client_id"], notices.url)
        withdraw_consent(hooks_app, person.user_id, developer_app["client_id"])
        with WorkerThread(hooks_app):
            [notice] = notices.wait_for(1)
    assert subscribed.received == []
    assert notice.event["type"] == "authorization.revoked"
    ended = query(hooks_app, "SELECT end_reason FROM webhook_subscriptions WHERE user_id IS NOT NULL")
    assert ended == [{"end_reason": "revoked"}]
    assert query(hooks_app, "SELECT ended_at FROM webhook_subscriptions WHERE user_id IS NULL") == [{"ended_at": None}]


def test_a_notice_survives_a_worker_killed_mid_delivery(hooks_app, portal, developer_app, store_urls):
    person = person_with_grant(hooks_app, developer_app)
    with Receiver(hold=1.0) as receiver:
        turn_on_notices(portal, developer_app["client_id"], receiver.url)
        first = worker_process(store_urls)
        try:
            withdraw_consent(hooks_app, person.user_id, developer_app["client_id"])
            receiver.wait_for(1)
            first.send_signal(signal.SIGKILL)
            first.wait(10)
        finally:
            first.kill()
            first.communicate()
        second = worker_process(store_urls)
        try:
            requests = receiver.wait_for(2)
        finally:
            second.send_signal(signal.SIGTERM)
            second.communicate(timeout=15)
    assert requests[0].event == requests[1].event
    assert requests[1].event["data"] == {"sub": subject_of(hooks_app, person.user_id)}


def test_without_a_notice_url_a_revocation_queues_nothing(hooks_app, developer_app):
    person = person_with_grant(hooks_app, developer_app)
    withdraw_consent(hooks_app, person.user_id, developer_app["client_id"])
    assert query(hooks_app, "SELECT count(*) AS n FROM webhook_events") == [{"n": 0}]


def test_another_apps_revocation_is_not_sent_to_this_app(hooks_app, portal, developer_app):
    other, _ = register_client(hooks_app, owner_email="other@example.com")
    person = person_with_grant(hooks_app, other)
    with Receiver() as receiver:
        turn_on_notices(portal, developer_app["client_id"], receiver.url)
        withdraw_consent(hooks_app, person.user_id, other["client_id"])
    assert query(hooks_app, "SELECT count(*) AS n FROM webhook_deliveries") == [{"n": 0}]


# The portal ------------------------------------------------------------------------


def test_the_secret_is_shown_once_and_a_moved_url_keeps_it(hooks_app, portal, developer_app):
    client_id = developer_app["client_id"]
    person = person_with_grant(hooks_app, developer_app)
    with Receiver() as old, Receiver() as new:
        secret = turn_on_notices(portal, client_id, old.url)
        page = portal.get(f"/developer/apps/{client_id}").text
        assert secret not in page and old.url in page
        moved = set_notice_url(portal, client_id, new.url)
        assert moved.status_code == 302
        assert secret not in portal.get(moved.headers["Location"]).text
        with WorkerThread(hooks_app):
            withdraw_consent(hooks_app, person.user_id, client_id)
            [notice] = new.wait_for(1)
    assert old.received == []
    assert verify_signature(secret, notice.headers["Platform-Signature"], notice.body)
    assert audit_actions(hooks_app, client_id)[-3:] == ["notices.url_set", "notices.url_set", "consent.revoked"]


def test_a_new_secret_replaces_the_old_one_at_once(hooks_app, portal, developer_app):
    client_id = developer_app["client_id"]
    person = person_with_grant(hooks_app, developer_app)
    with Receiver() as receiver:
        old_secret = turn_on_notices(portal, client_id, receiver.url)
        replaced = replace_secret(portal, client_id)
        assert replaced.status_code == 200 and replaced.headers["Cache-Control"] == "no-store"
        new_secret = credential(replaced.text, "notice-secret")
        with WorkerThread(hooks_app):
            withdraw_consent(hooks_app, person.user_id, client_id)
            [notice] = receiver.wait_for(1)
    assert new_secret != old_secret
    assert verify_signature(new_secret, notice.headers["Platform-Signature"], notice.body)
    assert not verify_signature(old_secret, notice.headers["Platform-Signature"], notice.body)
    assert "notices.secret_rotated" in audit_actions(hooks_app, client_id)


def test_an_empty_url_stops_the_notices(hooks_app, portal, developer_app):
    client_id = developer_app["client_id"]
    person = person_with_grant(hooks_app, developer_app)
    with Receiver() as receiver:
        turn_on_notices(portal, client_id, receiver.url)
        assert set_notice_url(portal, client_id, "").status_code == 302
        withdraw_consent(hooks_app, person.user_id, client_id)
    assert query(hooks_app, "SELECT count(*) AS n FROM webhook_events") == [{"n": 0}]
    assert "notices.url_removed" in audit_actions(hooks_app, client_id)
    # Without a URL there is no secret to replace.
    assert replace_secret(portal, client_id).status_code == 404


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://notices.example.com/revoked", "The URL must start with https://."),
        ("https://127.0.0.1/revoked", "The URL must reach a public address on the internet."),
        ("https://10.0.0.1/revoked", "The URL must reach a public address on the internet."),
        ("https://169.254.169.254/latest", "The URL must reach a public address on the internet."),
        ("https://[::1]/revoked", "The URL must reach a public address on the internet."),
        ("https://user:pw@notices.example.com/", "The URL must not carry a user name or password."),
        ("not a url", "The URL must be ASCII without spaces"),
    ],
)
def test_a_url_webhooks_may_not_reach_is_refused_next_to_the_field(app, store_urls, url, message):
    strict = make_app(store_urls, WEBHOOK_ALLOW_PRIVATE=False)
    portal = signed_in(strict, DEVELOPER)
    client, _ = register_client(strict, owner_email=DEVELOPER)
    response = set_notice_url(portal, client["client_id"], url)
    assert response.status_code == 400
    assert message in words(response.text)
    assert query(strict, "SELECT count(*) AS n FROM webhook_subscriptions") == [{"n": 0}]


ROUTES = ["/developer/apps/{id}/revocation-notices", "/developer/apps/{id}/revocation-notices/secret"]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(("who", "status"), [("another developer", 404), ("the owner without a CSRF token", 400)])
def test_nobody_else_sets_or_replaces_the_notices(hooks_app, portal, developer_app, route, who, status):
    client_id = developer_app["client_id"]
    with Receiver() as receiver:
        turn_on_notices(portal, client_id, receiver.url)
        before = query(hooks_app, "SELECT url, secret_ciphertext FROM webhook_subscriptions")
        data = {"notice_url": "https://evil.example.com/", "confirm": "yes"}
        if who == "another developer":
            AuthActions(portal, hooks_app).sign_in_as("intruder@example.com")
            data["csrf_token"] = csrf_token(portal.get("/developer/apps").text)
        response = portal.post(route.format(id=client_id), data=data)
    assert response.status_code == status
    assert "pawhs_" not in response.text
    assert query(hooks_app, "SELECT url, secret_ciphertext FROM webhook_subscriptions") == before
