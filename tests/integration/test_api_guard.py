"""The bearer-token guard: where a token may come from, the exact 401/403 challenges, scopes, suspension."""

import pytest

import audit
from api import dead_tokens
from oauth import clients, credentials, token_store
from oauth.scopes import ALL_SCOPES
from oauth.token_store import access_key, client_state_key
from stores import postgres
from stores.redis_client import get_redis
from tests.support.accounts import create_user
from tests.support.api import app_with_token, issue_user_token, user_with_token, withdraw_consent
from tests.support.apps import make_app
from tests.support.oauth import register_client
from tests.support.stores import commands_run, scripts_in

# (method, path, scope it needs, JSON body)
ENDPOINTS = [
    ("GET", "/api/v1/me", "read:profile", None),
    ("PATCH", "/api/v1/me", "write:profile", {"name": "New Name"}),
    ("GET", "/api/v1/data", "read:data", None),
    ("POST", "/api/v1/data", "write:data", {"title": "An item"}),
    ("GET", "/api/v1/billing", "read:billing", None),
]
READ_SCOPES = ["read:profile", "read:data", "read:billing"]


def call(client, method, path, headers=None, body=None, **kwargs):
    return client.open(path, method=method, headers=headers or {}, json=body, **kwargs)


# Where the token comes from -----------------------------------------------------


BARE_CHALLENGE = 'Bearer realm="api", resource_metadata="http://localhost/.well-known/oauth-protected-resource"'


def test_missing_token_gets_the_bare_challenge_naming_the_resource_metadata(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    # RFC 6750 §3.1: no error code when the request carried no credentials at all.
    assert response.headers["WWW-Authenticate"] == BARE_CHALLENGE
    assert response.json["error"] == "invalid_token"  # the body reads like every other 401 of the API


@pytest.mark.parametrize("authorization", ["Basic dXNlcjpwYXNzd29yZA==", "Token abc", "Digest x=y"])
def test_other_authentication_schemes_count_as_no_token(client, authorization):
    response = client.get("/api/v1/me", headers={"Authorization": authorization})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == BARE_CHALLENGE


@pytest.mark.parametrize(
    "authorization", ["Bearer", "Bearer ", "Bearer a b", "Bearer tok,en", "Bearer t\u00f6ken", "Bearer ="]
)
def test_malformed_bearer_header_is_invalid_request(client, authorization):
    response = client.get("/api/v1/me", headers={"Authorization": authorization})
    assert response.status_code == 400
    assert response.headers["WWW-Authenticate"].startswith('Bearer realm="api", error="invalid_request"')
    assert response.json["error"] == "invalid_request"


def test_scheme_name_is_case_insensitive(app, client):
    issued = user_with_token(app, "a@example.com", ["read:profile"])
    response = client.get("/api/v1/me", headers={"Authorization": f"bearer {issued.access_token}"})
    assert response.status_code == 200


@pytest.mark.parametrize("with_header", [False, True])
def test_token_in_query_string_is_refused(app, client, with_header):
    issued = user_with_token(app, "a@example.com", ["read:profile"])
    headers = issued.headers if with_header else {}
    response = client.get(f"/api/v1/me?access_token={issued.access_token}", headers=headers)
    assert response.status_code == 400
    assert response.json["error"] == "invalid_request"
    assert 'error="invalid_request"' in response.headers["WWW-Authenticate"]


def test_token_in_form_body_is_refused(app, client):
    issued = user_with_token(app, "a@example.com", ["write:data"])
    response = client.post("/api/v1/data", data={"access_token": issued.access_token, "title": "x"})
    assert response.status_code == 400
    assert response.json["error"] == "invalid_request"


# Tokens that do not work ----------------------------------------------------------


def unknown_token():
    return credentials.new_secret(credentials.ACCESS_TOKEN_PREFIX)


def mistyped(token: str) -> str:
    return token[:10] + ("A" if token[10] != "A" else "B") + token[11:]


@pytest.mark.parametrize(
    "make_token",
    [
        unknown_token,
        lambda: mistyped(unknown_token()),
        lambda: credentials.new_secret(credentials.REFRESH_TOKEN_PREFIX),
        lambda: "paat_short",
        lambda: "x" * 500,
    ],
    ids=["unknown", "bad-checksum", "refresh-token", "too-short", "garbage"],
)
def test_invalid_tokens_get_invalid_token_challenge(client, make_token):
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {make_token()}"})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith('Bearer realm="api", error="invalid_token"')
    assert response.json["error"] == "invalid_token"


def test_unknown_token_challenge_is_exact(client):
    response = client.get("/api/v1/data", headers={"Authorization": f"Bearer {unknown_token()}"})
    assert response.headers["WWW-Authenticate"] == (
        'Bearer realm="api", error="invalid_token", '
        'error_description="The access token is unknown, expired or revoked.", '
        'resource_metadata="http://localhost/.well-known/oauth-protected-resource"'
    )


def script_calls(r) -> int:
    """Lua scripts Redis has run so far: the token check is one."""
    return scripts_in(commands_run(r))


def test_malformed_token_is_refused_before_redis(client, r):
    before = script_calls(r)
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {mistyped(unknown_token())}"})
    assert response.status_code == 401
    assert script_calls(r) == before


def test_token_past_its_expiry_is_refused_even_if_its_key_lingers(app, client, r):
    issued = user_with_token(app, "a@example.com", ["read:profile"])
    key = access_key(issued.access_token)
    fields = dict(zip(token_store.ACCESS_FIELDS, r.get(key).split("\n"), strict=True))
    r.set(key, token_store.access_text({**fields, "exp": 1_000_000}), keepttl=True)
    assert client.get("/api/v1/me", headers=issued.headers).status_code == 401


def test_token_of_a_revoked_grant_is_refused(app, client):
    issued = user_with_token(app, "a@example.com", ["read:profile"])
    assert client.get("/api/v1/me", headers=issued.headers).status_code == 200
    withdraw_consent(app, issued.user_id, issued.client_id)
    response = client.get("/api/v1/me", headers=issued.headers)
    assert response.status_code == 401
    assert response.json["error"] == "invalid_token"


def test_token_of_a_revoked_family_is_refused_while_its_key_lingers(app, client, r):
    issued = user_with_token(app, "a@example.com", ["read:profile"])
    with app.app_context():
        assert token_store.revoke_refresh_token(get_redis(), issued.refresh_token, issued.client_id)
    assert r.exists(access_key(issued.access_token))  # left to expire on its own
    response = client.get("/api/v1/me", headers=issued.headers)
    assert response.status_code == 401
    assert response.json["error"] == "invalid_token"


def test_the_revocation_markers_are_read_inside_the_one_script(app, client, r):
    """A user token's family and grant are checked by one EXISTS in the check's script; a machine token skips it."""
    user = user_with_token(app, "a@example.com", ["read:profile"])
    machine = app_with_token(app, ["read:data"])
    client.get("/api/v1/me", headers=user.headers)  # Redis now holds the script
    for issued, path, markers_read in ((user, "/api/v1/me", 1), (machine, "/api/v1/data", 0)):
        before = commands_run(r)
        client.get(path, headers=issued.headers)
        ran = commands_run(r) - before
        assert scripts_in(ran) == 1
        assert ran["exists"] == markers_read


def test_a_revoked_token_is_refused_from_memory_once_redis_has_said_so(app, client, r):
    issued = user_with_token(app, "a@example.com", ["read:profile"])
    withdraw_consent(app, issued.user_id, issued.client_id)
    first = client.get("/api/v1/me", headers=issued.headers)
    assert first.status_code == 401
    before = commands_run(r)
    for _ in range(3):
        again = client.get("/api/v1/me", headers=issued.headers)
        assert (again.status_code, again.json) == (401, first.json)
        assert again.headers["WWW-Authenticate"] == first.headers["WWW-Authenticate"]
    ran = commands_run(r) - before
    del ran["info"]  # the count itself
    assert not ran, f"Redis was asked: {dict(ran)}"


def test_a_remembered_dead_token_is_asked_about_again_once_the_memory_is_old(app, client, r, monkeypatch):
    # Redis emptied and refilled from a backup brings back a token a worker saw missing in between.
    issued = user_with_token(app, "a@example.com", ["read:profile"])
    token_key = access_key(issued.access_token)
    stored, ttl = r.get(token_key), r.ttl(token_key)
    r.delete(token_key)
    assert client.get("/api/v1/me", headers=issued.headers).status_code == 401
    r.set(token_key, stored, ex=ttl)
    assert client.get("/api/v1/me", headers=issued.headers).status_code == 401  # still trusted
    monkeypatch.setattr(dead_tokens, "TRUST_SECONDS", 0)
    assert client.get("/api/v1/me", headers=issued.headers).status_code == 200


def test_a_token_refused_for_its_apps_lost_state_is_checked_again(app, client, r):
    # Unlike an expired or revoked token, this one can work again: it must not be remembered as dead.
    issued = user_with_token(app, "a@example.com", ["read:profile"])
    state_key = client_state_key(issued.client_id)
    state = r.hgetall(state_key)
    r.delete(state_key)  # Redis lost the app's state
    assert client.get("/api/v1/me", headers=issued.headers).status_code == 401
    r.hset(state_key, mapping=state)  # refilled, as the app's next token or refresh does
    assert client.get("/api/v1/me", headers=issued.headers).status_code == 200


def test_token_of_a_deleted_app_is_refused(app, client):
    issued = user_with_token(app, "a@example.com", ["read:profile"])
    with app.app_context():
        clients.delete_client(postgres.get_connection(), get_redis(), audit.CLI, issued.client_id)
    assert client.get("/api/v1/me", headers=issued.headers).status_code == 401


def test_token_that_outlives_its_user_is_refused(app, client):
    issued = user_with_token(app, "a@example.com", ["read:profile", "write:data"])
    with app.app_context():
        with postgres.transaction(postgres.get_connection()) as cur:
            cur.execute("DELETE FROM clients")  # keep the token's client state in Redis
            cur.execute("DELETE FROM users")
    assert client.get("/api/v1/me", headers=issued.headers).status_code == 401
    assert client.post("/api/v1/data", headers=issued.headers, json={"title": "x"}).status_code == 401


# Suspension -------------------------------------------------------------------


def set_suspended(app, client_id: str, suspended: bool) -> None:
    with app.app_context():
        clients.set_suspended(postgres.get_connection(), get_redis(), audit.CLI, client_id, suspended, "abuse")


def test_suspension_stops_every_token_of_the_app_at_once_and_resume_restores_them(app, client):
    alice = create_user(app, "alice@example.com")
    bob = create_user(app, "bob@example.com")
    suspended_app, _secret = register_client(app, owner_email=alice["email"])
    bobs_app, _secret = register_client(app, owner_email=bob["email"])
    tokens = [issue_user_token(app, suspended_app, user["id"], ["read:profile"]) for user in (alice, bob)]
    bystander = issue_user_token(app, bobs_app, bob["id"], ["read:profile"])

    set_suspended(app, suspended_app["client_id"], True)
    for issued in tokens:
        response = client.get("/api/v1/me", headers=issued.headers)
        assert response.status_code == 401
        assert response.json == {
            "error": "invalid_token",
            "error_description": "The app this token was issued to is suspended.",
        }
    assert client.get("/api/v1/me", headers=bystander.headers).status_code == 200

    set_suspended(app, suspended_app["client_id"], False)
    for issued in tokens:
        assert client.get("/api/v1/me", headers=issued.headers).status_code == 200


# Scopes ------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path", "scope", "body"), ENDPOINTS)
def test_each_endpoint_is_allowed_with_its_scope(app, client, method, path, scope, body):
    issued = user_with_token(app, "a@example.com", [scope])
    response = call(client, method, path, issued.headers, body)
    assert response.status_code in (200, 201), response.json


@pytest.mark.parametrize(("method", "path", "scope", "body"), ENDPOINTS)
def test_each_endpoint_is_refused_without_its_scope(app, client, method, path, scope, body):
    issued = user_with_token(app, "a@example.com", [other for other in ALL_SCOPES if other != scope])
    response = call(client, method, path, issued.headers, body)
    assert response.status_code == 403
    assert response.json["error"] == "insufficient_scope"
    assert response.json["scope"] == scope
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith('Bearer realm="api", error="insufficient_scope"')
    assert f'scope="{scope}", resource_metadata=' in challenge


def test_insufficient_scope_challenge_is_exact(app, client):
    issued = user_with_token(app, "a@example.com", ["read:data"])
    response = client.post("/api/v1/data", headers=issued.headers, json={"title": "x"})
    assert response.headers["WWW-Authenticate"] == (
        'Bearer realm="api", error="insufficient_scope", '
        "error_description=\"This call needs the 'write:data' scope, which the token does not have.\", "
        'scope="write:data", resource_metadata="http://localhost/.well-known/oauth-protected-resource"'
    )


@pytest.mark.parametrize(
    ("method", "path", "body"), [("PATCH", "/api/v1/me", {"name": "X"}), ("POST", "/api/v1/data", {"title": "X"})]
)
def test_read_only_token_cannot_write(app, client, method, path, body):
    issued = user_with_token(app, "a@example.com", READ_SCOPES)
    response = call(client, method, path, issued.headers, body)
    assert response.status_code == 403
    with app.app_context():
        conn = postgres.get_connection()
        with conn.cursor() as cur:
            cur.execute("SELECT (SELECT count(*) FROM items) AS items, (SELECT name FROM users) AS name")
            assert cur.fetchone() == {"items": 0, "name": "User"}


@pytest.mark.parametrize(("method", "path", "scope", "body"), ENDPOINTS)
def test_client_credentials_token_is_refused_on_user_endpoints(app, client, method, path, scope, body):
    issued = app_with_token(app, list(ALL_SCOPES))
    response = call(client, method, path, issued.headers, body)
    assert response.status_code == 403
    assert response.json["error"] == "user_token_required"
    assert "client-credentials token has no user" in response.json["error_description"]


# What every answer of the guard carries ------------------------------------------------


def test_counted_calls_carry_the_quota_whatever_their_outcome(app, client):
    """Served, refused for scope, refused for having no user, or a bad body: each was counted, each says so."""
    issued = user_with_token(app, "a@example.com", ["read:profile", "write:profile"], rate_limit=10)
    machine = app_with_token(app, ["read:profile"])
    outcomes = [
        (client.get("/api/v1/me", headers=issued.headers), 200, "10", "9"),
        (client.get("/api/v1/data", headers=issued.headers), 403, "10", "8"),
        (client.patch("/api/v1/me", headers=issued.headers, json={"name": ""}), 400, "10", "7"),
        (client.get("/api/v1/me", headers=machine.headers), 403, "1000", "999"),
    ]
    for response, status, limit, remaining in outcomes:
        assert response.status_code == status
        assert response.headers.getlist("Cache-Control") == ["no-store"]
        assert response.headers.getlist("RateLimit-Limit") == [limit]
        assert response.headers.getlist("RateLimit-Remaining") == [remaining]


def test_a_store_failing_after_the_count_still_answers_with_the_quota(app, store_urls):
    """PostgreSQL down: /data is a 503, yet no-store and counted, like every other answer."""
    issued = user_with_token(app, "a@example.com", ["read:data"], rate_limit=10)
    no_postgres = make_app(store_urls, DATABASE_URL="postgresql://nobody@127.0.0.1:1/none")
    response = no_postgres.test_client().get("/api/v1/data", headers=issued.headers)
    assert response.status_code == 503
    assert response.json["error"] == "temporarily_unavailable"
    assert response.headers.getlist("Cache-Control") == ["no-store"]
    assert response.headers.getlist("RateLimit-Remaining") == ["9"]


def test_uncounted_refusals_are_no_store_without_a_quota(client):
    unknown = credentials.new_secret(credentials.ACCESS_TOKEN_PREFIX)
    for headers in ({}, {"Authorization": f"Bearer {unknown}"}, {"Authorization": "Bearer not-ours"}):
        response = client.get("/api/v1/me", headers=headers)
        assert response.status_code == 401
        assert response.headers.getlist("Cache-Control") == ["no-store"]
        assert "RateLimit-Remaining" not in response.headers


def test_the_profile_is_sent_as_json(app, client):
    issued = user_with_token(app, "a@example.com", ["read:profile"])
    for _ in range(2):  # from PostgreSQL, then from the cache
        response = client.get("/api/v1/me", headers=issued.headers)
        assert response.mimetype == "application/json"
        assert response.json == {"id": issued.user_id, "email": "a@example.com", "name": "User"}
