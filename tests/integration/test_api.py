"""The sample API: profile, items and billing of the token's user only, validated bodies, 503 when a store is down."""

import pytest

from api import profiles
from stores import postgres
from tests.support.accounts import create_user
from tests.support.api import issue_user_token, user_with_token, withdraw_consent
from tests.support.apps import make_app
from tests.support.oauth import register_client

EVERY_SCOPE = ["read:profile", "write:profile", "read:data", "write:data", "read:billing"]


def add_billing(app, user_id: int, plan: str, amounts: list[int]) -> None:
    with app.app_context():
        with postgres.transaction(postgres.get_connection()) as cur:
            cur.execute("INSERT INTO subscriptions (user_id, plan) VALUES (%(u)s, %(p)s)", {"u": user_id, "p": plan})
            for amount in amounts:
                cur.execute(
                    """INSERT INTO invoices (user_id, amount_cents, issued_at)
                       VALUES (%(u)s, %(a)s, now() - %(a)s * interval '1 day')""",
                    {"u": user_id, "a": amount},
                )


def test_me_returns_the_tokens_user(app, client):
    user = create_user(app, "alice@example.com", name="Alice")
    alices_app, _secret = register_client(app, owner_email=user["email"])
    issued = issue_user_token(app, alices_app, user["id"], ["read:profile"])
    response = client.get("/api/v1/me", headers=issued.headers)
    assert response.status_code == 200
    assert response.json == {"id": user["id"], "email": "alice@example.com", "name": "Alice"}
    assert response.headers["Cache-Control"] == "no-store"


def test_patch_me_changes_the_name(app, client):
    issued = user_with_token(app, "alice@example.com", ["read:profile", "write:profile"])
    response = client.patch("/api/v1/me", headers=issued.headers, json={"name": "  Alice Liddell "})
    assert response.status_code == 200
    assert response.json["name"] == "Alice Liddell"
    assert client.get("/api/v1/me", headers=issued.headers).json["name"] == "Alice Liddell"


def test_posted_item_is_created_and_listed(app, client):
    issued = user_with_token(app, "alice@example.com", ["read:data", "write:data"])
    assert client.get("/api/v1/data", headers=issued.headers).json == {"items": []}
    created = client.post("/api/v1/data", headers=issued.headers, json={"title": "First"})
    assert created.status_code == 201
    assert created.json["title"] == "First"
    assert created.json["created_at"].endswith("Z")
    client.post("/api/v1/data", headers=issued.headers, json={"title": "Second"})
    listed = client.get("/api/v1/data", headers=issued.headers).json["items"]
    assert [item["title"] for item in listed] == ["First", "Second"]
    assert listed[0] == created.json


def test_billing_without_subscription_is_the_free_plan(app, client):
    issued = user_with_token(app, "alice@example.com", ["read:billing"])
    assert client.get("/api/v1/billing", headers=issued.headers).json == {"plan": "free", "invoices": []}


def test_billing_shows_plan_and_invoices_newest_first(app, client):
    issued = user_with_token(app, "alice@example.com", ["read:billing"])
    add_billing(app, issued.user_id, "team", [500, 100, 300])
    billing = client.get("/api/v1/billing", headers=issued.headers).json
    assert billing["plan"] == "team"
    assert [invoice["amount_cents"] for invoice in billing["invoices"]] == [100, 300, 500]
    assert set(billing["invoices"][0]) == {"id", "amount_cents", "currency", "status", "issued_at"}


def test_users_see_only_their_own_rows(app, client):
    alice = user_with_token(app, "alice@example.com", EVERY_SCOPE)
    bob = create_user(app, "bob@example.com", name="Bob")
    # Bob consents to the same app as Alice: same client, different user.
    bobs = issue_user_token(
        app, {"client_id": alice.client_id, "status": "active", "rate_limit": 1000}, bob["id"], EVERY_SCOPE
    )
    client.post("/api/v1/data", headers=alice.headers, json={"title": "Alice's secret"})
    add_billing(app, alice.user_id, "business", [999])

    assert client.get("/api/v1/data", headers=bobs.headers).json == {"items": []}
    assert client.get("/api/v1/billing", headers=bobs.headers).json == {"plan": "free", "invoices": []}
    assert client.get("/api/v1/me", headers=bobs.headers).json["email"] == "bob@example.com"
    client.patch("/api/v1/me", headers=bobs.headers, json={"name": "Mallory"})
    assert client.get("/api/v1/me", headers=alice.headers).json["name"] == "User"
    assert [item["title"] for item in client.get("/api/v1/data", headers=alice.headers).json["items"]] == [
        "Alice's secret"
    ]


BAD_BODIES = [
    ("not JSON content type", {"data": "name=x", "content_type": "application/x-www-form-urlencoded"}, "Content-Type"),
    ("no body", {}, "Content-Type"),
    ("invalid JSON", {"data": "{name:", "content_type": "application/json"}, "not valid JSON"),
    ("array", {"json": ["x"]}, "JSON object"),
    ("missing field", {"json": {}}, "is required"),
    ("number", {"json": {"FIELD": 5}}, "must be a string"),
    ("null", {"json": {"FIELD": None}}, "must be a string"),
    ("list", {"json": {"FIELD": ["x"]}}, "must be a string"),
    ("empty", {"json": {"FIELD": ""}}, "must not be empty"),
    ("blank", {"json": {"FIELD": "   "}}, "must not be empty"),
    ("too long", {"json": {"FIELD": "x" * 201}}, "at most"),
    ("unknown field", {"json": {"FIELD": "ok", "admin": True}}, "Unknown field(s): admin"),
    ("NUL character", {"json": {"FIELD": "a\u0000b"}}, "control characters"),
    ("lone surrogate", {"data": '{"FIELD": "a\\ud800b"}', "content_type": "application/json"}, "control characters"),
]
# A body past 16 KiB never reaches these checks: 413 (tests/attacks/test_request_bodies.py).


@pytest.mark.parametrize(("case", "request_kwargs", "message"), BAD_BODIES, ids=[case[0] for case in BAD_BODIES])
@pytest.mark.parametrize(
    ("method", "path", "field", "max_length"),
    [("PATCH", "/api/v1/me", "name", 100), ("POST", "/api/v1/data", "title", 200)],
)
def test_bad_json_bodies_get_a_clear_400(app, client, case, request_kwargs, message, method, path, field, max_length):
    issued = user_with_token(app, "alice@example.com", ["write:profile", "write:data"])
    kwargs = _for_field(request_kwargs, field, max_length)
    response = client.open(path, method=method, headers=issued.headers, **kwargs)
    assert response.status_code == 400
    assert response.json["error"] == "invalid_request"
    assert message.replace("FIELD", field) in response.json["error_description"]
    with app.app_context():
        with postgres.get_connection().cursor() as cur:
            cur.execute("SELECT (SELECT count(*) FROM items) AS items, (SELECT name FROM users) AS name")
            assert cur.fetchone() == {"items": 0, "name": "User"}


def _for_field(request_kwargs: dict, field: str, max_length: int) -> dict:
    """The bad body of a case, written for `field` (and its length limit)."""
    kwargs = dict(request_kwargs)
    if "json" in kwargs and isinstance(kwargs["json"], dict):
        body = {field if key == "FIELD" else key: value for key, value in kwargs["json"].items()}
        if body.get(field) == "x" * 201:
            body[field] = "x" * (max_length + 1)
        kwargs["json"] = body
    if isinstance(kwargs.get("data"), str):
        kwargs["data"] = kwargs["data"].replace("FIELD", field)
    return kwargs


def test_longest_allowed_title_is_accepted(app, client):
    issued = user_with_token(app, "alice@example.com", ["write:data"])
    response = client.post("/api/v1/data", headers=issued.headers, json={"title": "é" * 200})
    assert response.status_code == 201


def test_api_posts_need_no_csrf_token(app, client):
    assert client.post("/logout").status_code == 400  # CSRF is on for the rest of the app
    issued = user_with_token(app, "alice@example.com", ["write:data"])
    assert client.post("/api/v1/data", headers=issued.headers, json={"title": "x"}).status_code == 201


def test_redis_outage_gives_503_json_then_recovers(store_urls, app, own_redis):
    outage_app = make_app(store_urls, REDIS_URL=own_redis.url)
    client = outage_app.test_client()
    issued = user_with_token(outage_app, "alice@example.com", ["read:profile"])
    assert client.get("/api/v1/me", headers=issued.headers).status_code == 200
    revoked = user_with_token(outage_app, "bob@example.com", ["read:profile"])
    withdraw_consent(outage_app, revoked.user_id, revoked.client_id)
    assert client.get("/api/v1/me", headers=revoked.headers).status_code == 401  # now remembered as dead

    own_redis.stop()
    try:
        response = client.get("/api/v1/me", headers=issued.headers)
        assert response.status_code == 503
        assert response.mimetype == "application/json"
        assert response.json["error"] == "temporarily_unavailable"
        assert "redis" in response.json["error_description"]
        assert "Retry-After" in response.headers
        # A token already found dead is refused from memory: still closed, and still a 401.
        assert client.get("/api/v1/me", headers=revoked.headers).status_code == 401
    finally:
        own_redis.start()
    # The restarted server kept nothing (no persistence): the token is gone, and says so.
    response = client.get("/api/v1/me", headers=issued.headers)
    assert response.status_code == 401
    assert response.json["error"] == "invalid_token"
    outage_app.extensions["redis"].close()
    outage_app.extensions["postgres"].close()


def test_api_calls_neither_read_nor_set_the_session_cookie(app, client, auth):
    auth.sign_in_as("alice@example.com")  # a browser session exists
    issued = user_with_token(app, "bob@example.com", ["read:profile"])
    response = client.get("/api/v1/me", headers=issued.headers)
    assert response.json["email"] == "bob@example.com"  # the token decides, not the cookie
    assert "Set-Cookie" not in response.headers
    assert "Cookie" not in response.headers.get("Vary", "")


def test_profile_comes_from_the_cache_until_it_is_dropped(app, client, r):
    issued = user_with_token(app, "alice@example.com", ["read:profile"])
    assert client.get("/api/v1/me", headers=issued.headers).json["name"] == "User"
    assert 0 < r.ttl(profiles.profile_key(issued.client_id, issued.user_id)) <= profiles.PROFILE_TTL
    with app.app_context():
        with postgres.transaction(postgres.get_connection()) as cur:
            cur.execute("UPDATE users SET name = 'Changed elsewhere'")
    # Served from Redis in the guard's round trip: PostgreSQL is not asked.
    assert client.get("/api/v1/me", headers=issued.headers).json["name"] == "User"
    with app.app_context():
        profiles.forget_profile(postgres.get_connection(), r, issued.user_id)
    assert client.get("/api/v1/me", headers=issued.headers).json["name"] == "Changed elsewhere"
