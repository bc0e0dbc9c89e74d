"""Token growth and revocation from an attacker's side.

A self-registered developer controls how long a refresh chain grows and when
its family or grant is revoked (reuse a token, revoke, delete the app). So:
revoking a family of 100,000 refreshes costs Redis one write, not one step
per member; a spent token is a small marker that still ends the family; a
revoked family's tokens are refused everywhere while their keys linger, and
the keys go on their own; and no family outlives its absolute lifetime.
"""

import time

import pytest

from oauth import token_store
from oauth.token_store import TokenError
from stores import keys
from tests.support.api import withdraw_consent
from tests.support.oauth import bearer, get_tokens, introspect, refresh, revoke

CLIENT = {"client_id": "pa_client_growth", "status": "active", "rate_limit": 1000}
LONG_CHAIN = 100_000


def redis_usec(r) -> int:
    """Microseconds Redis has spent running commands so far (a script's own commands counted twice)."""
    stats = r.info("commandstats")
    return sum(stat["usec"] for name, stat in stats.items() if name != "cmdstat_info")


def redis_time_of(r, action) -> int:
    """Microseconds of Redis time `action` cost, as INFO commandstats counts them."""
    before = redis_usec(r)
    action()
    return redis_usec(r) - before


def start_family(r, grant_id=1, access_ttl=3600, family_lifetime=token_store.FAMILY_LIFETIME):
    return token_store.issue(
        r,
        client=CLIENT,
        user_id=7,
        scope="read:data",
        access_ttl=access_ttl,
        grant_id=grant_id,
        family=token_store.new_family(),
        with_refresh=True,
        family_lifetime=family_lifetime,
    )


def family_keys(r) -> list[str]:
    """Every key the test's tokens left: all but the client's state."""
    return [key for key in r.scan_iter() if key != token_store.client_state_key(CLIENT["client_id"])]


def kind(key: str) -> str:
    """A key's kind, its name after the slot's tag up to the colon ("at", "fr", ...)."""
    return key.removeprefix(keys.tag_of_key(key)).split(":")[0]


# A family of 100,000 refreshes ------------------------------------------------------


def test_a_family_of_100000_refreshes_is_revoked_in_under_a_millisecond_and_its_reuse_is_caught(r):
    first = start_family(r, grant_id=5)
    chain = token_store.rotate_chain(r, first.refresh_token, CLIENT, LONG_CHAIN, 3600)
    assert len(chain) == LONG_CHAIN + 1
    assert token_store.lookup_refresh_token(r, chain[-1]) is not None

    # Presenting a spent token from early in the chain ends the whole family, in one write.
    def reuse():
        with pytest.raises(TokenError, match="reused"):
            token_store.rotate(r, chain[1], CLIENT, None, 3600)

    assert redis_time_of(r, reuse) < 1000
    assert token_store.lookup_refresh_token(r, chain[-1]) is None
    assert token_store.lookup_access_token(r, first.access_token) is None
    with pytest.raises(TokenError, match="invalid"):
        token_store.rotate(r, chain[-1], CLIENT, None, 3600)

    # Revoking the live token (RFC 7009) and the grant cost the same whatever the family holds.
    revoked = []

    def revoke_live_token():
        revoked.append(token_store.revoke_refresh_token(r, chain[-1], CLIENT["client_id"]))

    assert redis_time_of(r, revoke_live_token) < 1000
    assert revoked == [True]
    assert redis_time_of(r, lambda: token_store.revoke_grant(r, CLIENT["client_id"], 5)) < 1000


def test_a_chain_is_built_through_the_rotation_script_and_leaves_one_marker_per_spent_token(r):
    first = start_family(r)
    chain = token_store.rotate_chain(r, first.refresh_token, CLIENT, 50, 3600)
    spent = [token_store.spent_refresh_key(token) for token in chain[:-1]]
    assert all(r.type(key) == "string" for key in spent)
    assert not any(r.exists(token_store.refresh_key(token)) for token in chain[:-1])
    assert r.type(token_store.refresh_key(chain[-1])) == "hash"
    with pytest.raises(TokenError, match="reused"):
        token_store.rotate(r, chain[25], CLIENT, None, 3600)


# Spent tokens are small markers -------------------------------------------------


def test_a_rotated_refresh_token_leaves_only_a_small_marker_that_expires_with_it(r):
    first = start_family(r)
    ttl_before = r.ttl(token_store.refresh_key(first.refresh_token))
    token_store.rotate(r, first.refresh_token, CLIENT, None, 3600)
    assert not r.exists(token_store.refresh_key(first.refresh_token))
    marker = token_store.spent_refresh_key(first.refresh_token)
    assert 0 < r.ttl(marker) <= ttl_before
    assert r.memory_usage(marker) < 200
    assert first.refresh_token not in r.get(marker)


def test_a_token_rotated_before_markers_existed_still_ends_its_family(r):
    """Keys written by the earlier layout (a whole hash marked rotated) are still caught on reuse."""
    first = start_family(r)
    second = token_store.rotate(r, first.refresh_token, CLIENT, None, 3600)
    old_key = token_store.refresh_key(first.refresh_token)
    r.delete(token_store.spent_refresh_key(first.refresh_token))
    r.hset(old_key, mapping={**r.hgetall(token_store.refresh_key(second.refresh_token)), "status": "rotated"})
    r.hdel(old_key, "fexp")
    r.expire(old_key, 3600)
    with pytest.raises(TokenError, match="reused"):
        token_store.rotate(r, first.refresh_token, CLIENT, None, 3600)
    assert token_store.lookup_refresh_token(r, second.refresh_token) is None


def test_another_clients_reuse_of_a_spent_token_ends_nothing(r):
    first = start_family(r)
    second = token_store.rotate(r, first.refresh_token, CLIENT, None, 3600)
    thief = {**CLIENT, "client_id": "pa_client_thief"}
    with pytest.raises(TokenError, match="invalid"):
        token_store.rotate(r, first.refresh_token, thief, None, 3600)
    assert not token_store.revoke_refresh_token(r, first.refresh_token, thief["client_id"])
    assert token_store.lookup_refresh_token(r, second.refresh_token) is not None


# Revoked families and grants are refused everywhere ----------------------------------


@pytest.fixture
def refreshed(client, app_client, signed_in_user):
    """Three generations of one family through the real endpoints: every token response."""
    registered, secret = app_client
    generations = [get_tokens(client, registered, secret, scope="read:profile read:data")]
    for _ in range(2):
        generations.append(refresh(client, registered, secret, generations[-1]["refresh_token"]).get_json())
    return generations


def assert_family_refused(client, app_client, generations) -> None:
    registered, secret = app_client
    for tokens in generations:
        assert client.get("/api/v1/me", headers=bearer(tokens["access_token"])).status_code == 401
        assert introspect(client, registered, secret, tokens["access_token"]) == {"active": False}
        assert introspect(client, registered, secret, tokens["refresh_token"]) == {"active": False}
        assert refresh(client, registered, secret, tokens["refresh_token"]).get_json()["error"] == "invalid_grant"


def test_a_revoked_family_is_refused_at_the_api_introspection_and_refresh(client, r, app_client, refreshed):
    registered, secret = app_client
    assert client.get("/api/v1/me", headers=bearer(refreshed[-1]["access_token"])).status_code == 200
    assert revoke(client, registered, secret, refreshed[-1]["refresh_token"]).status_code == 200
    # The members stay in Redis until their TTLs end; the marker alone turns them away.
    assert all(r.exists(token_store.access_key(tokens["access_token"])) for tokens in refreshed)
    assert_family_refused(client, app_client, refreshed)


def test_a_revoked_grant_is_refused_at_the_api_introspection_and_refresh(
    client, app, app_client, signed_in_user, refreshed
):
    registered, secret = app_client
    other_family = get_tokens(client, registered, secret, scope="read:data")
    withdraw_consent(app, signed_in_user["id"], registered["client_id"])
    assert_family_refused(client, app_client, [*refreshed, other_family])


def test_a_revoked_family_takes_no_new_members(client, app_client, refreshed):
    registered, secret = app_client
    live = refreshed[-1]["refresh_token"]
    revoke(client, registered, secret, refreshed[0]["refresh_token"])  # a spent one: still its family's
    assert refresh(client, registered, secret, live).get_json()["error"] == "invalid_grant"


# Nothing lingers -----------------------------------------------------------------------


def test_every_key_of_a_family_has_a_ttl_within_its_bound(r):
    first = start_family(r, grant_id=3)
    chain = token_store.rotate_chain(r, first.refresh_token, CLIENT, 20, 3600)
    with pytest.raises(TokenError, match="reused"):
        token_store.rotate(r, chain[0], CLIENT, None, 3600)
    token_store.revoke_grant(r, CLIENT["client_id"], 3)
    for key in family_keys(r):
        bound = 3600 if kind(key) == "at" else token_store.MARKER_TTL
        assert 0 < r.ttl(key) <= bound, key


def test_keys_of_a_revoked_family_expire_on_their_own(r):
    first = start_family(r, access_ttl=1, family_lifetime=2)
    second = token_store.rotate(r, first.refresh_token, CLIENT, None, 1)
    third = token_store.rotate(r, second.refresh_token, CLIENT, None, 1)
    assert token_store.revoke_refresh_token(r, third.refresh_token, CLIENT["client_id"])
    assert len(family_keys(r)) == 7  # three access tokens, the live refresh token, two markers, the revocation
    time.sleep(2.2)
    assert [kind(key) for key in family_keys(r)] == ["fr"]


# The absolute lifetime ------------------------------------------------------------------


def test_refreshing_never_moves_the_end_of_a_family(r):
    first = start_family(r, family_lifetime=1000)
    fexp = int(r.hget(token_store.refresh_key(first.refresh_token), "fexp"))
    tokens = first
    for _ in range(3):
        tokens = token_store.rotate(r, tokens.refresh_token, CLIENT, None, 3600)
        key = token_store.refresh_key(tokens.refresh_token)
        assert int(r.hget(key, "fexp")) == fexp
        assert 0 < r.ttl(key) <= 1000


def test_the_absolute_lifetime_ends_a_family_and_authorizing_again_starts_one(
    client, app, r, app_client, signed_in_user, monkeypatch
):
    registered, secret = app_client
    monkeypatch.setitem(app.config, "REFRESH_FAMILY_LIFETIME_SECONDS", 100)
    tokens = get_tokens(client, registered, secret)
    tokens = refresh(client, registered, secret, tokens["refresh_token"]).get_json()
    assert 0 < r.ttl(token_store.refresh_key(tokens["refresh_token"])) <= 100

    later = token_store._now() + 101  # the refresh token's key is still there; its family's time is not
    monkeypatch.setattr(token_store, "_now", lambda: later)
    ended = refresh(client, registered, secret, tokens["refresh_token"])
    assert ended.status_code == 400 and ended.get_json()["error"] == "invalid_grant"

    fresh = get_tokens(client, registered, secret)  # back through the authorization endpoint
    assert refresh(client, registered, secret, fresh["refresh_token"]).status_code == 200


def test_a_token_from_before_family_lifetimes_gets_an_end_on_its_next_rotation(r):
    first = start_family(r)
    r.hdel(token_store.refresh_key(first.refresh_token), "fexp")
    rotated = token_store.rotate(r, first.refresh_token, CLIENT, None, 3600, family_lifetime=500)
    fexp = int(r.hget(token_store.refresh_key(rotated.refresh_token), "fexp"))
    assert 0 < fexp - token_store._now() <= 500
