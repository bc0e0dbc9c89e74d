"""POST /oauth/token: client authentication, the three grants, and every way to abuse them."""

import base64
from urllib.parse import quote

import pytest

from audit import Actor
from oauth import secret_use
from stores import postgres
from stores.postgres import get_connection
from stores.redis_client import get_redis
from tests.support.api import withdraw_consent
from tests.support.apps import make_app
from tests.support.oauth import (
    REDIRECT_URI,
    authorize_and_get_code,
    basic_auth,
    exchange_code,
    get_tokens,
    introspect,
    pkce_pair,
    refresh,
    register_client,
    token_request,
)
from tests.support.stores import commands_run, scripts_in


def assert_no_store(response):
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Pragma"] == "no-cache"


def assert_error(response, status: int, error: str):
    assert response.status_code == status, response.text
    assert response.mimetype == "application/json"
    assert response.get_json()["error"] == error
    assert response.get_json()["error_description"]
    assert_no_store(response)


def is_active(http, app, token: str) -> bool:
    """Ask introspection as a resource server (it may see every client's tokens)."""
    resource_server, secret = register_client(app, name="Resource server", is_resource_server=True)
    return introspect(http, resource_server, secret, token)["active"]


# Authorization code ------------------------------------------------------------


def test_code_exchange_returns_bearer_tokens_never_cached(client, app, app_client, signed_in_user):
    registered, secret = app_client
    code, verifier = authorize_and_get_code(client, registered, scope="read:profile read:data")
    response = exchange_code(client, registered, secret, code, verifier)
    assert response.status_code == 200, response.text
    assert_no_store(response)
    body = response.get_json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["scope"] == "read:profile read:data"
    assert body["access_token"].startswith("paat_") and body["refresh_token"].startswith("part_")
    assert is_active(client, app, body["access_token"])


def test_access_token_lifetime_comes_from_config(store_urls, app):
    short = make_app(store_urls, ACCESS_TOKEN_TTL=120)
    http = short.test_client()
    registered, secret = register_client(short)
    response = token_request(http, registered, secret, grant_type="client_credentials")
    assert response.get_json()["expires_in"] == 120


def test_no_refresh_token_for_a_client_without_the_refresh_grant(client, app, signed_in_user):
    registered, secret = register_client(app, grant_types=["authorization_code"])
    assert "refresh_token" not in get_tokens(client, registered, secret)


def test_code_works_once_and_a_replay_revokes_what_it_issued(client, app, app_client, signed_in_user):
    registered, secret = app_client
    code, verifier = authorize_and_get_code(client, registered)
    first = exchange_code(client, registered, secret, code, verifier).get_json()
    replay = exchange_code(client, registered, secret, code, verifier)
    assert_error(replay, 400, "invalid_grant")
    assert not is_active(client, app, first["access_token"])
    assert_error(refresh(client, registered, secret, first["refresh_token"]), 400, "invalid_grant")


def test_another_clients_code_is_refused_and_spent(client, app, app_client, signed_in_user):
    registered, secret = app_client
    thief, thief_secret = register_client(app, name="Thief")
    code, verifier = authorize_and_get_code(client, registered)
    stolen = exchange_code(client, thief, thief_secret, code, verifier, redirect_uri=REDIRECT_URI)
    assert_error(stolen, 400, "invalid_grant")
    # Presented once, the code is gone for everyone.
    assert_error(exchange_code(client, registered, secret, code, verifier), 400, "invalid_grant")


@pytest.mark.parametrize(
    "redirect_uri",
    [
        REDIRECT_URI + "/",
        REDIRECT_URI.upper(),
        REDIRECT_URI + "?x=1",
        REDIRECT_URI[:-1],
        "https://evil.example/callback",
        "https://app.example.com/other",  # registered, but not the one used
    ],
)
def test_code_is_bound_to_its_redirect_uri(client, app, signed_in_user, redirect_uri):
    registered, secret = register_client(app, redirect_uris=[REDIRECT_URI, "https://app.example.com/other"])
    code, verifier = authorize_and_get_code(client, registered)
    response = exchange_code(client, registered, secret, code, verifier, redirect_uri=redirect_uri)
    assert_error(response, 400, "invalid_grant")


def test_redirect_uri_is_required_when_the_request_named_it(client, app_client, signed_in_user):
    registered, secret = app_client
    code, verifier = authorize_and_get_code(client, registered)
    params = {"grant_type": "authorization_code", "code": code, "code_verifier": verifier}
    assert_error(token_request(client, registered, secret, **params), 400, "invalid_request")


def test_redirect_uri_may_be_left_out_twice_with_a_single_registered_one(client, app_client, signed_in_user):
    registered, secret = app_client
    code, verifier = authorize_and_get_code(client, registered, redirect_uri=None)
    params = {"grant_type": "authorization_code", "code": code, "code_verifier": verifier}
    assert token_request(client, registered, secret, **params).status_code == 200


@pytest.mark.parametrize(
    "verifier, error",
    [
        (None, "invalid_request"),  # missing
        ("x" * 42, "invalid_request"),  # too short
        ("x" * 43 + " ", "invalid_request"),  # not unreserved
        ("x" * 43, "invalid_grant"),  # wrong
    ],
)
def test_pkce_verifier_must_match_the_challenge(client, app_client, signed_in_user, verifier, error):
    registered, secret = app_client
    code, _right = authorize_and_get_code(client, registered)
    response = exchange_code(client, registered, secret, code, None, **({"code_verifier": verifier}))
    assert_error(response, 400, error)


def test_a_verifier_without_a_challenge_is_refused(client, app_client, signed_in_user):
    registered, secret = app_client
    code, _ = authorize_and_get_code(client, registered, use_pkce=False)
    verifier, _challenge = pkce_pair()
    assert_error(exchange_code(client, registered, secret, code, verifier), 400, "invalid_grant")


def test_confidential_client_may_skip_pkce(client, app_client, signed_in_user):
    registered, secret = app_client
    code, _ = authorize_and_get_code(client, registered, use_pkce=False)
    assert exchange_code(client, registered, secret, code, None).status_code == 200


def test_public_client_authenticates_with_client_id_and_pkce(client, app, signed_in_user):
    public, secret = register_client(app, client_type="public")
    assert secret is None
    tokens = get_tokens(client, public, None)
    assert tokens["refresh_token"]
    rotated = refresh(client, public, None, tokens["refresh_token"])
    assert rotated.status_code == 200


def test_code_of_a_revoked_grant_is_refused(client, app, app_client, signed_in_user):
    registered, secret = app_client
    code, verifier = authorize_and_get_code(client, registered)
    withdraw_consent(app, signed_in_user["id"], registered["client_id"])
    assert_error(exchange_code(client, registered, secret, code, verifier), 400, "invalid_grant")


@pytest.mark.parametrize("code", ["", "pacd_" + "a" * 49, "nonsense", "paat_" + "a" * 49])
def test_unknown_or_malformed_code_is_invalid(client, app_client, code):
    registered, secret = app_client
    params = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}
    expected = "invalid_request" if not code else "invalid_grant"
    assert_error(token_request(client, registered, secret, **params), 400, expected)


# Client authentication ------------------------------------------------------------


def test_client_secret_post_works(client, app_client, signed_in_user):
    registered, secret = app_client
    code, verifier = authorize_and_get_code(client, registered)
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "code_verifier": verifier,
        "client_id": registered["client_id"],
        "client_secret": secret,
    }
    assert client.post("/oauth/token", data=data).status_code == 200


def test_basic_credentials_are_url_decoded(client, app_client):
    registered, secret = app_client
    # Every character percent-encoded, as RFC 6749 §2.3.1 lets a client do.
    encoded = "".join(f"%{byte:02X}" for byte in registered["client_id"].encode())
    pair = f"{encoded}:{quote(secret, safe='')}"
    headers = {"Authorization": "Basic " + base64.b64encode(pair.encode()).decode()}
    response = client.post("/oauth/token", data={"grant_type": "client_credentials"}, headers=headers)
    assert response.status_code == 200, response.text


def test_wrong_secret_over_basic_is_401_with_a_basic_challenge(client, app, app_client):
    registered, _secret = app_client
    _other, other_secret = register_client(app, name="Other")
    headers = basic_auth(registered["client_id"], other_secret)
    response = client.post("/oauth/token", data={"grant_type": "client_credentials"}, headers=headers)
    assert_error(response, 401, "invalid_client")
    assert response.headers["WWW-Authenticate"].startswith("Basic")


@pytest.mark.parametrize(
    "headers, data",
    [
        ({}, {}),  # no authentication at all
        ({}, {"client_id": "pa_client_unknown", "client_secret": "pacs_x"}),
        ({"Authorization": "Basic !!!"}, {}),
        ({"Authorization": "Basic " + base64.b64encode(b"no-colon").decode()}, {}),
        ({"Authorization": "Basic " + base64.b64encode(b"\xff\xfe:x").decode()}, {}),
    ],
)
def test_missing_or_malformed_client_authentication_is_invalid_client(client, app_client, headers, data):
    response = client.post("/oauth/token", data={"grant_type": "client_credentials", **data}, headers=headers)
    assert_error(response, 401, "invalid_client")
    assert ("WWW-Authenticate" in response.headers) == ("Authorization" in headers)


def test_confidential_client_must_send_its_secret(client, app_client):
    registered, _secret = app_client
    response = client.post(
        "/oauth/token", data={"grant_type": "client_credentials", "client_id": registered["client_id"]}
    )
    assert_error(response, 401, "invalid_client")


def test_public_client_must_not_send_a_secret(client, app):
    public, _ = register_client(app, client_type="public")
    data = {"grant_type": "refresh_token", "refresh_token": "part_x", "client_id": public["client_id"]}
    response = client.post("/oauth/token", data={**data, "client_secret": "pacs_guess"})
    assert_error(response, 401, "invalid_client")


def test_two_authentication_methods_at_once_are_invalid_request(client, app_client):
    registered, secret = app_client
    data = {"grant_type": "client_credentials", "client_id": registered["client_id"], "client_secret": secret}
    response = client.post("/oauth/token", data=data, headers=basic_auth(registered["client_id"], secret))
    assert_error(response, 400, "invalid_request")


def test_basic_and_a_different_body_client_id_are_invalid_request(client, app, app_client):
    registered, secret = app_client
    other, _ = register_client(app, name="Other")
    data = {"grant_type": "client_credentials", "client_id": other["client_id"]}
    response = client.post("/oauth/token", data=data, headers=basic_auth(registered["client_id"], secret))
    assert_error(response, 400, "invalid_request")


def secret_last_used(app, client_id: str):
    with app.app_context(), get_connection().cursor() as cur:
        cur.execute("SELECT last_used_at FROM client_secrets WHERE client_id = %(id)s", {"id": client_id})
        return cur.fetchone()["last_used_at"]


def test_secret_use_is_recorded_once_the_answer_has_gone_out(client, app, app_client):
    registered, secret = app_client
    data = {"grant_type": "client_credentials"}
    response = client.post("/oauth/token", data=data, headers=basic_auth(registered["client_id"], secret))
    assert response.status_code == 200
    assert secret_last_used(app, registered["client_id"]) is None  # answered, not yet closed
    response.close()
    assert secret_last_used(app, registered["client_id"]) is not None


def test_secret_use_is_written_at_most_once_a_minute(client, app, app_client, r):
    registered, secret = app_client
    token_request(client, registered, secret, grant_type="client_credentials").close()
    with app.app_context(), postgres.transaction(get_connection()) as cur:
        cur.execute(
            "UPDATE client_secrets SET last_used_at = NULL WHERE client_id = %(id)s", {"id": registered["client_id"]}
        )
    # Another worker (this one has noted the use already) finds the minute taken in Redis.
    secret_use._noted.clear()
    for _ in range(3):
        token_request(client, registered, secret, grant_type="client_credentials").close()
    assert secret_last_used(app, registered["client_id"]) is None
    r.delete(*r.scan_iter(match=secret_use.secret_used_key(registered["client_id"], "*")))  # a minute later
    token_request(client, registered, secret, grant_type="client_credentials").close()
    assert secret_last_used(app, registered["client_id"]) is None  # this worker passed it on under a minute ago
    secret_use._noted.clear()
    token_request(client, registered, secret, grant_type="client_credentials").close()
    assert secret_last_used(app, registered["client_id"]) is not None


def test_suspended_client_cannot_get_tokens(client, runner, app_client):
    registered, secret = app_client
    runner.invoke(args=["clients", "suspend", registered["client_id"]])
    response = token_request(client, registered, secret, grant_type="client_credentials")
    assert_error(response, 401, "invalid_client")


# Request format -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"json": {"grant_type": "client_credentials"}},
        {"data": "grant_type=client_credentials", "content_type": "text/plain"},
        {"data": {"grant_type": "client_credentials"}, "content_type": "multipart/form-data"},
    ],
    ids=["json", "text", "multipart"],
)
def test_only_form_encoding_is_accepted(client, app_client, kwargs):
    registered, secret = app_client
    response = client.post("/oauth/token", headers=basic_auth(registered["client_id"], secret), **kwargs)
    assert_error(response, 400, "invalid_request")


@pytest.mark.parametrize("name", ["grant_type", "scope", "client_id"])
def test_a_repeated_parameter_is_invalid_request(client, app_client, name):
    registered, secret = app_client
    body = f"grant_type=client_credentials&scope=read:data&client_id={registered['client_id']}&{name}=again"
    response = client.post(
        "/oauth/token",
        data=body,
        content_type="application/x-www-form-urlencoded",
        headers=basic_auth(registered["client_id"], secret),
    )
    assert_error(response, 400, "invalid_request")


@pytest.mark.parametrize(
    "grant_type, status, error",
    [
        (None, 400, "invalid_request"),
        ("password", 400, "unsupported_grant_type"),
        ("implicit", 400, "unsupported_grant_type"),
        ("urn:ietf:params:oauth:grant-type:device_code", 400, "unsupported_grant_type"),
    ],
)
def test_unknown_or_missing_grant_type(client, app_client, grant_type, status, error):
    registered, secret = app_client
    params = {"grant_type": grant_type} if grant_type else {}
    assert_error(token_request(client, registered, secret, **params), status, error)


def test_grant_type_the_client_is_not_registered_for_is_unauthorized(client, app):
    registered, secret = register_client(app, grant_types=["authorization_code"])
    response = token_request(client, registered, secret, grant_type="client_credentials")
    assert_error(response, 400, "unauthorized_client")


def test_get_is_not_allowed_and_not_cached(client):
    response = client.get("/oauth/token?grant_type=client_credentials")
    assert response.status_code == 405
    assert_no_store(response)


# Refresh tokens ------------------------------------------------------------------------


def test_refresh_rotates_and_the_old_token_is_spent(client, app, app_client, signed_in_user):
    registered, secret = app_client
    first = get_tokens(client, registered, secret, scope="read:profile read:data")
    response = refresh(client, registered, secret, first["refresh_token"])
    assert response.status_code == 200
    assert_no_store(response)
    second = response.get_json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["scope"] == "read:profile read:data"
    assert is_active(client, app, second["access_token"])


def test_reusing_a_rotated_refresh_token_kills_the_family(client, app, app_client, signed_in_user):
    registered, secret = app_client
    first = get_tokens(client, registered, secret)
    second = refresh(client, registered, secret, first["refresh_token"]).get_json()
    assert_error(refresh(client, registered, secret, first["refresh_token"]), 400, "invalid_grant")
    assert not is_active(client, app, second["access_token"])
    assert not is_active(client, app, first["access_token"])
    assert_error(refresh(client, registered, secret, second["refresh_token"]), 400, "invalid_grant")


@pytest.mark.parametrize("scope", [" ", "nonsense", "read:billing", "read:data"])
def test_a_spent_refresh_token_ends_its_family_whatever_scope_it_asks_for(
    client, app, app_client, signed_in_user, scope
):
    registered, secret = app_client
    first = get_tokens(client, registered, secret, scope="read:profile read:data")
    second = refresh(client, registered, secret, first["refresh_token"]).get_json()
    assert_error(refresh(client, registered, secret, first["refresh_token"], scope=scope), 400, "invalid_grant")
    assert not is_active(client, app, second["access_token"])
    assert_error(refresh(client, registered, secret, second["refresh_token"]), 400, "invalid_grant")


def test_refresh_may_narrow_the_scope_but_not_widen_it(client, app_client, signed_in_user):
    registered, secret = app_client
    tokens = get_tokens(client, registered, secret, scope="read:profile read:data")
    widened = refresh(client, registered, secret, tokens["refresh_token"], scope="read:profile read:billing")
    assert_error(widened, 400, "invalid_scope")
    narrowed = refresh(client, registered, secret, tokens["refresh_token"], scope="read:data")
    assert narrowed.status_code == 200
    assert narrowed.get_json()["scope"] == "read:data"
    # The refresh token keeps the whole grant: the next refresh may ask for all of it again.
    again = refresh(client, registered, secret, narrowed.get_json()["refresh_token"])
    assert again.get_json()["scope"] == "read:profile read:data"


def test_narrowing_refresh_reads_the_token_only_inside_the_rotation_script(client, app, app_client, signed_in_user):
    registered, secret = app_client
    tokens = get_tokens(client, registered, secret, scope="read:profile read:data")
    # Once first, so that Redis holds the script: a first run on a fresh server is EVALSHA then EVAL.
    tokens = refresh(client, registered, secret, tokens["refresh_token"], scope="read:data").get_json()
    with app.app_context():
        r = get_redis()
        before = commands_run(r)
        narrowed = refresh(client, registered, secret, tokens["refresh_token"], scope="read:data")
        ran = commands_run(r) - before
    assert narrowed.get_json()["scope"] == "read:data"
    # This worker's copy of the client authenticates it (oauth/client_cache.py): the rotation is the one round trip.
    assert scripts_in(ran) == 1
    assert ran["hgetall"] == 1  # the script's own read of the old token: no read before it


def test_refresh_beyond_the_grant_names_what_is_missing(client, app, signed_in_user):
    registered, secret = register_client(app, scopes=["read:profile", "read:data", "read:billing"])
    tokens = get_tokens(client, registered, secret, scope="read:profile")
    widened = refresh(client, registered, secret, tokens["refresh_token"], scope="read:billing read:profile read:data")
    assert_error(widened, 400, "invalid_scope")
    assert widened.get_json()["error_description"] == "Scope beyond what was granted: read:billing read:data."


@pytest.mark.parametrize("scope", [" ", "nonsense", "read:profile nonsense", "write:data"])
def test_refresh_with_unknown_or_ungranted_scope_is_invalid_scope(client, app_client, signed_in_user, scope):
    registered, secret = app_client
    tokens = get_tokens(client, registered, secret, scope="read:profile")
    assert_error(refresh(client, registered, secret, tokens["refresh_token"], scope=scope), 400, "invalid_scope")
    # The failed attempt did not spend the token.
    assert refresh(client, registered, secret, tokens["refresh_token"]).status_code == 200


def test_another_clients_refresh_token_is_refused_and_left_alone(client, app, app_client, signed_in_user):
    registered, secret = app_client
    thief, thief_secret = register_client(app, name="Thief")
    tokens = get_tokens(client, registered, secret)
    assert_error(refresh(client, thief, thief_secret, tokens["refresh_token"]), 400, "invalid_grant")
    narrowing = refresh(client, thief, thief_secret, tokens["refresh_token"], scope="read:profile")
    assert_error(narrowing, 400, "invalid_grant")
    assert refresh(client, registered, secret, tokens["refresh_token"]).status_code == 200


def test_refresh_needs_the_refresh_grant_type(client, app, signed_in_user):
    registered, secret = register_client(app, grant_types=["authorization_code", "refresh_token"])
    tokens = get_tokens(client, registered, secret)
    with app.app_context():
        from oauth import clients

        clients.update_client(
            get_connection(), get_redis(), Actor(), registered["client_id"], grant_types=["authorization_code"]
        )
    assert_error(refresh(client, registered, secret, tokens["refresh_token"]), 400, "unauthorized_client")


def test_refresh_of_a_revoked_grant_is_invalid(client, app, app_client, signed_in_user):
    registered, secret = app_client
    tokens = get_tokens(client, registered, secret)
    withdraw_consent(app, signed_in_user["id"], registered["client_id"])
    assert_error(refresh(client, registered, secret, tokens["refresh_token"]), 400, "invalid_grant")


# Client credentials -----------------------------------------------------------------------


def test_client_credentials_token_has_no_user_and_no_refresh_token(client, app, app_client):
    registered, secret = app_client
    response = token_request(client, registered, secret, grant_type="client_credentials")
    assert response.status_code == 200
    assert_no_store(response)
    body = response.get_json()
    assert "refresh_token" not in body
    assert body["scope"] == "read:profile write:profile read:data write:data read:billing webhooks"
    details = introspect(client, registered, secret, body["access_token"])
    assert details["active"] and details["client_id"] == registered["client_id"]
    assert "sub" not in details and "username" not in details


def test_client_credentials_scope_may_narrow_but_not_widen(client, app):
    registered, secret = register_client(app, scopes=["read:data", "webhooks"])
    narrowed = token_request(client, registered, secret, grant_type="client_credentials", scope="webhooks")
    assert narrowed.get_json()["scope"] == "webhooks"
    widened = token_request(client, registered, secret, grant_type="client_credentials", scope="read:billing")
    assert_error(widened, 400, "invalid_scope")


def test_public_clients_never_get_client_credentials(client, app):
    # Registration forbids it; the token endpoint refuses it anyway.
    public, _ = register_client(app, client_type="public", grant_types=["authorization_code", "client_credentials"])
    response = client.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": public["client_id"]})
    assert_error(response, 400, "unauthorized_client")
