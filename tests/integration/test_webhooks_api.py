"""/api/v1/webhooks: subscriptions of the token's (user, app) pair, under the `webhooks` scope."""

import pytest

from stores import postgres
from tests.support.accounts import create_user
from tests.support.api import app_with_token, issue_user_token, user_with_token, withdraw_consent
from tests.support.apps import make_app
from tests.support.oauth import register_client
from webhooks import subscriptions

HOOK = "https://hooks.example.com/platform"
PATH = "/api/v1/webhooks"


@pytest.fixture
def hooks(app, store_urls):
    """A test client of an app that lets webhooks reach loopback (WEBHOOK_ALLOW_PRIVATE=1)."""
    return make_app(store_urls, WEBHOOK_ALLOW_PRIVATE=True).test_client()


def subscribe(client, issued, url=HOOK, events=("item.created",)):
    return client.post(PATH, headers=issued.headers, json={"url": url, "events": list(events)})


def stored_rows(app, **where) -> list[dict]:
    clause = " AND ".join(f"{column} = %({column})s" for column in where) or "true"
    with app.app_context():
        with postgres.get_connection().cursor() as cur:
            cur.execute(f"SELECT * FROM webhook_subscriptions WHERE {clause} ORDER BY created_at", where)
            return cur.fetchall()


def test_a_subscription_is_created_listed_and_deleted(app, client):
    issued = user_with_token(app, "alice@example.com", ["webhooks"])
    created = subscribe(client, issued, events=["item.created", "profile.updated"])
    assert created.status_code == 201
    assert set(created.json) == {"id", "url", "events", "secret", "created_at", "disabled", "disabled_reason"}
    assert created.json["url"] == HOOK
    assert created.json["events"] == ["item.created", "profile.updated"]
    assert created.json["secret"].startswith("pawhs_")
    assert created.headers["Cache-Control"] == "no-store"

    listed = client.get(PATH, headers=issued.headers)
    assert listed.status_code == 200
    [webhook] = listed.json["webhooks"]
    assert webhook["id"] == created.json["id"] and "secret" not in webhook
    assert webhook["disabled"] is False

    assert client.delete(f"{PATH}/{webhook['id']}", headers=issued.headers).status_code == 204
    assert client.get(PATH, headers=issued.headers).json == {"webhooks": []}
    again = client.delete(f"{PATH}/{webhook['id']}", headers=issued.headers)
    assert again.status_code == 404 and again.json["error"] == "not_found"


def test_the_same_url_twice_is_the_same_subscription(app, client):
    issued = user_with_token(app, "alice@example.com", ["webhooks"])
    first = subscribe(client, issued, events=["item.created"])
    second = subscribe(client, issued, events=["profile.updated"])
    assert second.status_code == 200
    assert second.json["id"] == first.json["id"]
    assert "secret" not in second.json  # shown once
    assert second.json["events"] == ["profile.updated"]
    assert len(client.get(PATH, headers=issued.headers).json["webhooks"]) == 1


def test_the_secret_is_sealed_at_rest_and_opens_with_the_key(app, client):
    issued = user_with_token(app, "alice@example.com", ["webhooks"])
    created = subscribe(client, issued).json
    [row] = stored_rows(app, id=created["id"])
    assert created["secret"].encode() not in bytes(row["secret_ciphertext"])
    key = subscriptions.sealing_key(app.config["SECRET_KEY"])
    opened = subscriptions.open_secret(key, created["id"], row["secret_nonce"], row["secret_ciphertext"])
    assert opened == created["secret"]


def test_a_pair_holds_at_most_twenty(app, client):
    issued = user_with_token(app, "alice@example.com", ["webhooks"])
    for n in range(subscriptions.MAX_PER_PAIR):
        assert subscribe(client, issued, url=f"{HOOK}/{n}").status_code == 201
    refused = subscribe(client, issued, url=f"{HOOK}/one-too-many")
    assert refused.status_code == 409
    assert refused.json["error"] == "too_many_webhooks"
    # The same URL again is not one more.
    assert subscribe(client, issued, url=f"{HOOK}/0").status_code == 200


def test_another_pairs_subscriptions_are_out_of_reach(app, client):
    alice = create_user(app, "alice@example.com")
    bob = create_user(app, "bob@example.com")
    first_app, _ = register_client(app)
    second_app, _ = register_client(app)
    alice_first = issue_user_token(app, first_app, alice["id"], ["webhooks"])
    alice_second = issue_user_token(app, second_app, alice["id"], ["webhooks"])
    bob_first = issue_user_token(app, first_app, bob["id"], ["webhooks"])
    webhook_id = subscribe(client, alice_first).json["id"]
    for other in (alice_second, bob_first):
        assert client.get(PATH, headers=other.headers).json == {"webhooks": []}
        assert client.delete(f"{PATH}/{webhook_id}", headers=other.headers).status_code == 404
    assert len(client.get(PATH, headers=alice_first.headers).json["webhooks"]) == 1


@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_every_call_needs_the_webhooks_scope(app, client, method):
    issued = user_with_token(app, "alice@example.com", ["read:data", "write:data"])
    path = PATH if method != "delete" else f"{PATH}/00000000-0000-0000-0000-000000000000"
    body = {"json": {"url": HOOK, "events": ["item.created"]}} if method == "post" else {}
    response = getattr(client, method)(path, headers=issued.headers, **body)
    assert response.status_code == 403
    assert response.json["error"] == "insufficient_scope"
    assert 'scope="webhooks"' in response.headers["WWW-Authenticate"]
    anonymous = getattr(client, method)(path, **body)
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"].startswith("Bearer ")


def test_an_apps_own_token_has_no_user_to_subscribe_for(app, client):
    issued = app_with_token(app, ["webhooks"])
    response = subscribe(client, issued)
    assert response.status_code == 403
    assert response.json["error"] == "user_token_required"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": HOOK}, "events"),
        ({"url": HOOK, "events": []}, "events"),
        ({"url": HOOK, "events": ["item.deleted"]}, "events"),
        ({"url": HOOK, "events": "item.created"}, "events"),
        ({"url": "http://hooks.example.com/", "events": ["item.created"]}, "url"),
        ({"url": "hooks.example.com", "events": ["item.created"]}, "url"),
        ({"url": "https://user:pw@hooks.example.com/", "events": ["item.created"]}, "url"),
        ({"url": "https://hooks.example.com/#x", "events": ["item.created"]}, "url"),
        ({"url": "https://hooks.example.com:99999/", "events": ["item.created"]}, "url"),
        ({"url": "https://hooks.example.com/ a", "events": ["item.created"]}, "url"),
        ({"url": 7, "events": ["item.created"]}, "url"),
    ],
)
def test_a_bad_body_is_a_clear_400(app, client, body, field):
    issued = user_with_token(app, "alice@example.com", ["webhooks"])
    response = client.post(PATH, headers=issued.headers, json=body)
    assert response.status_code == 400
    assert response.json["error"] == "invalid_request"
    assert response.json["field"] == field
    assert stored_rows(app) == []


def test_a_malformed_id_is_a_404(app, client):
    issued = user_with_token(app, "alice@example.com", ["webhooks"])
    for webhook_id in ("nope", "urn:uuid:00000000-0000-0000-0000-000000000000", "1" * 300):
        assert client.delete(f"{PATH}/{webhook_id}", headers=issued.headers).status_code == 404


def test_plain_http_to_loopback_only_with_webhook_allow_private(app, hooks):
    issued = user_with_token(app, "alice@example.com", ["webhooks"])
    assert subscribe(hooks, issued, url="http://127.0.0.1:8080/hooks").status_code == 201


def test_revoking_the_app_ends_its_subscriptions(app, client):
    alice = create_user(app, "alice@example.com")
    revoked_app, _ = register_client(app)
    kept_app, _ = register_client(app)
    revoked = issue_user_token(app, revoked_app, alice["id"], ["webhooks"])
    kept = issue_user_token(app, kept_app, alice["id"], ["webhooks"])
    subscribe(client, revoked)
    subscribe(client, kept)
    withdraw_consent(app, alice["id"], revoked_app["client_id"])
    [ended] = stored_rows(app, client_id=revoked_app["client_id"])
    assert ended["ended_at"] is not None and ended["end_reason"] == "revoked"
    [live] = stored_rows(app, client_id=kept_app["client_id"])
    assert live["ended_at"] is None
    # Consenting again gives the app a new grant, not its old subscriptions.
    again = issue_user_token(app, revoked_app, alice["id"], ["webhooks"])
    assert client.get(PATH, headers=again.headers).json == {"webhooks": []}
