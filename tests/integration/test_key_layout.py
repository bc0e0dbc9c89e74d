"""The Redis key layout (stores/keys.py): an app's codes, tokens, markers and counters share its slot.

Checked through the real endpoints, on whichever Redis the suite runs on
(one server or a cluster): every key a token operation leaves is in the
slot its client's tag names, so each script touches one slot, and a
bearer token alone names the slot of the protected call.
"""

from oauth import credentials
from stores import keys
from tests.support.oauth import (
    basic_auth,
    bearer,
    get_tokens,
    introspect,
    refresh,
    register_client,
    revoke,
    token_request,
)
from tests.support.stores import commands_run, scripts_in

# What the token operations write in a client's slot, by name (after the tag).
TOKEN_KINDS = {"at", "rt", "rx", "code", "fr", "gr", "client", "rl", "gu", "profile", "email", "tokrate", "cctokens"}


def kind(key: str) -> str:
    return key.removeprefix(keys.tag_of_key(key)).split(":")[0]


def test_every_key_of_an_apps_tokens_is_in_its_slot(client, app, r, signed_in_user):
    registered, secret = register_client(app, grant_types=["authorization_code", "refresh_token", "client_credentials"])
    client_id = registered["client_id"]
    tokens = get_tokens(client, registered, secret, scope="read:profile")
    assert client.get("/api/v1/me", headers=bearer(tokens["access_token"])).status_code == 200
    assert introspect(client, registered, secret, tokens["access_token"])["active"]
    rotated = refresh(client, registered, secret, tokens["refresh_token"]).get_json()
    assert refresh(client, registered, secret, tokens["refresh_token"]).status_code == 400  # reuse: family revoked
    assert token_request(client, registered, secret, grant_type="client_credentials").status_code == 200
    assert revoke(client, registered, secret, rotated["refresh_token"]).status_code == 200

    slot = keys.slot(keys.client_tag(client_id))
    token_keys = [key for key in r.scan_iter() if kind(key) in TOKEN_KINDS]
    written = {"at", "code", "fr", "client", "rl", "gu", "profile", "email", "cctokens"}
    assert {kind(key) for key in token_keys} >= written
    assert all(key.startswith(slot) for key in token_keys), token_keys


def test_codes_and_tokens_carry_their_clients_tag(client, app, signed_in_user):
    registered, secret = register_client(app)
    tag = keys.client_tag(registered["client_id"])
    tokens = get_tokens(client, registered, secret)
    assert credentials.tag_of(tokens["access_token"], credentials.ACCESS_TOKEN_PREFIX) == tag
    assert credentials.tag_of(tokens["refresh_token"], credentials.REFRESH_TOKEN_PREFIX) == tag
    assert credentials.is_well_formed(tokens["access_token"], credentials.ACCESS_TOKEN_PREFIX)


def test_another_apps_refresh_token_is_refused_and_stays_usable(client, app, signed_in_user):
    """The token's tag names another slot than the presenting app's: refused before any script runs."""
    victim, victim_secret = register_client(app)
    attacker, attacker_secret = register_client(app, owner_email="attacker@example.com")
    tokens = get_tokens(client, victim, victim_secret)
    stolen = refresh(client, attacker, attacker_secret, tokens["refresh_token"])
    assert stolen.status_code == 400 and stolen.get_json()["error"] == "invalid_grant"
    assert revoke(client, attacker, attacker_secret, tokens["access_token"]).status_code == 200  # RFC 7009: no tell
    assert client.get("/api/v1/me", headers=bearer(tokens["access_token"])).status_code == 200
    assert refresh(client, victim, victim_secret, tokens["refresh_token"]).status_code == 200


def test_a_resource_server_introspects_tokens_of_apps_in_other_slots(client, app, signed_in_user):
    registered, secret = register_client(app)
    api, api_secret = register_client(app, owner_email="api@example.com", is_resource_server=True)
    while keys.client_tag(api["client_id"]) == keys.client_tag(registered["client_id"]):  # 1 in 65,536
        api, api_secret = register_client(app, owner_email="api@example.com", is_resource_server=True)
    tokens = get_tokens(client, registered, secret, scope="read:profile")
    found = introspect(client, api, api_secret, tokens["access_token"])
    assert found["active"] and found["client_id"] == registered["client_id"]
    assert found["username"] == "user@example.com"
    assert (
        client.post(
            "/oauth/introspect",
            data={"token": tokens["access_token"]},
            headers=basic_auth(api["client_id"], "pacs_wrong"),
        ).status_code
        == 401
    )


# What the API guard's script runs inside (api/check_token.lua), and the count's own INFO: nothing else.
CHECK_COMMANDS = {"evalsha", "hmget", "time", "exists", "incr", "expire", "get", "set", "info"}


def test_a_protected_call_is_one_script(client, app, r, signed_in_user):
    """One round trip: on a cluster the counts are summed over every primary, so a second trip would show."""
    registered, secret = register_client(app)
    tokens = get_tokens(client, registered, secret, scope="read:profile")
    headers = bearer(tokens["access_token"])
    assert client.get("/api/v1/me", headers=headers).status_code == 200  # the script loaded, the profile cached
    before = commands_run(r)
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    ran = commands_run(r) - before
    assert scripts_in(ran) == 1 and ran["evalsha"] == 1
    assert set(ran) <= CHECK_COMMANDS, ran
