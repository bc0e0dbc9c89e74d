"""The Redis token store: single-use codes, atomic rotation, family and grant revocation."""

import threading

import pytest

from oauth import credentials, token_store
from oauth.token_store import ScopeBeyondGrant, TokenError

CLIENT = {"client_id": "pa_client_test", "status": "active", "rate_limit": 1000}


def issue_family(r, grant_id=1, client=CLIENT):
    return token_store.issue(
        r,
        client=client,
        user_id=7,
        scope="read:data write:data",
        access_ttl=3600,
        grant_id=grant_id,
        family=token_store.new_family(),
        with_refresh=True,
    )


def race(threads: int, attempt) -> list[str]:
    """Run `attempt` in `threads` threads released together; each outcome is 'ok' or the TokenError reason."""
    outcomes: list[str] = []
    start = threading.Barrier(threads)

    def run():
        start.wait()
        try:
            attempt()
            outcomes.append("ok")
        except TokenError as error:
            outcomes.append(error.reason)

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return outcomes


def test_tokens_are_prefixed_checksummed_and_stored_as_digests(r):
    tokens = issue_family(r)
    assert tokens.access_token.startswith("paat_") and tokens.refresh_token.startswith("part_")
    assert credentials.is_well_formed(tokens.access_token, credentials.ACCESS_TOKEN_PREFIX)
    keys = r.keys("*")
    assert all(tokens.access_token not in key and tokens.refresh_token not in key for key in keys)
    for key in keys:
        assert r.ttl(key) > 0, f"{key} has no TTL"
        if r.type(key) == "hash":
            assert tokens.access_token not in r.hvals(key)


def test_code_is_taken_exactly_once_and_replay_revokes_its_tokens(r):
    code = token_store.store_code(
        r,
        client_id=CLIENT["client_id"],
        redirect_uri="https://a/cb",
        user_id=7,
        scope="read:data",
        grant_id=1,
        code_challenge=None,
    )
    family = token_store.new_family()
    data = token_store.redeem_code(r, code, family)
    assert data["client_id"] == CLIENT["client_id"] and data["user_id"] == "7"
    tokens = token_store.issue(
        r, client=CLIENT, user_id=7, scope="read:data", access_ttl=60, grant_id=1, family=family, with_refresh=True
    )
    assert token_store.lookup_access_token(r, tokens.access_token)
    with pytest.raises(TokenError, match="replayed"):
        token_store.redeem_code(r, code, token_store.new_family())
    assert token_store.lookup_access_token(r, tokens.access_token) is None
    assert token_store.lookup_refresh_token(r, tokens.refresh_token) is None
    with pytest.raises(TokenError, match="invalid"):
        token_store.rotate(r, tokens.refresh_token, CLIENT, None, 3600)


def test_concurrent_redemptions_of_one_code_have_one_winner(r):
    code = token_store.store_code(
        r, client_id="c", redirect_uri="https://a/cb", user_id=7, scope="read:data", grant_id=1, code_challenge=None
    )
    outcomes = race(10, lambda: token_store.redeem_code(r, code, token_store.new_family()))
    assert sorted(outcomes) == ["ok"] + ["replayed"] * 9


def test_rotation_has_exactly_one_winner_among_ten_threads(r):
    tokens = issue_family(r)
    outcomes = race(10, lambda: token_store.rotate(r, tokens.refresh_token, CLIENT, "read:data", 3600))
    assert outcomes.count("ok") == 1
    # The first loser finds the token spent and kills the family; later ones find nothing.
    assert outcomes.count("reused") == 1
    assert outcomes.count("invalid") == 8


def test_rotation_beyond_the_tokens_scope_names_what_is_missing_and_spends_nothing(r):
    tokens = issue_family(r)  # scope read:data write:data
    with pytest.raises(ScopeBeyondGrant) as refused:
        token_store.rotate(r, tokens.refresh_token, CLIENT, "read:profile read:data read:billing", 3600)
    assert refused.value.missing == ["read:profile", "read:billing"]
    assert token_store.rotate(r, tokens.refresh_token, CLIENT, "read:data", 3600).scope == "read:data"


def test_reusing_a_rotated_refresh_token_kills_the_family(r):
    first = issue_family(r)
    second = token_store.rotate(r, first.refresh_token, CLIENT, "read:data", 3600)
    assert token_store.lookup_access_token(r, second.access_token)["scope"] == "read:data"
    assert r.hget(token_store.refresh_key(second.refresh_token), "scope") == "read:data write:data"
    with pytest.raises(TokenError, match="reused"):
        token_store.rotate(r, first.refresh_token, CLIENT, "read:data", 3600)
    assert token_store.lookup_access_token(r, second.access_token) is None
    assert token_store.lookup_access_token(r, first.access_token) is None
    with pytest.raises(TokenError):
        token_store.rotate(r, second.refresh_token, CLIENT, "read:data", 3600)


def test_another_client_cannot_rotate_or_revoke_a_refresh_token(r):
    tokens = issue_family(r)
    with pytest.raises(TokenError, match="invalid"):
        token_store.rotate(r, tokens.refresh_token, {**CLIENT, "client_id": "pa_client_other"}, "read:data", 3600)
    assert not token_store.revoke_refresh_token(r, tokens.refresh_token, "pa_client_other")
    assert not token_store.revoke_access_token(r, tokens.access_token, "pa_client_other")
    assert token_store.lookup_access_token(r, tokens.access_token)
    token_store.rotate(r, tokens.refresh_token, CLIENT, "read:data", 3600)


def test_revoking_a_grant_touches_only_that_grant(r):
    mine = issue_family(r, grant_id=1)
    mine_again = issue_family(r, grant_id=1)
    theirs = issue_family(r, grant_id=2)
    token_store.revoke_grant(r, CLIENT["client_id"], 1)
    assert token_store.lookup_access_token(r, mine.access_token) is None
    assert token_store.lookup_access_token(r, mine_again.access_token) is None
    assert token_store.lookup_access_token(r, theirs.access_token)
    with pytest.raises(TokenError, match="revoked"):
        issue_family(r, grant_id=1)


def test_suspending_the_client_state_stops_and_resume_restores_tokens(r):
    tokens = issue_family(r)
    r.hset(token_store.client_state_key(CLIENT["client_id"]), "status", "suspended")
    assert token_store.lookup_access_token(r, tokens.access_token) is None
    with pytest.raises(TokenError, match="suspended"):
        token_store.rotate(r, tokens.refresh_token, CLIENT, "read:data", 3600)
    r.hset(token_store.client_state_key(CLIENT["client_id"]), "status", "active")
    assert token_store.lookup_access_token(r, tokens.access_token)


def test_refresh_token_lookup_sees_only_usable_tokens(r):
    tokens = issue_family(r)
    assert token_store.lookup_refresh_token(r, tokens.refresh_token)["user_id"] == "7"
    assert token_store.lookup_refresh_token(r, tokens.access_token) is None
    r.hset(token_store.client_state_key(CLIENT["client_id"]), "status", "suspended")
    assert token_store.lookup_refresh_token(r, tokens.refresh_token) is None
    r.hset(token_store.client_state_key(CLIENT["client_id"]), "status", "active")
    token_store.rotate(r, tokens.refresh_token, CLIENT, "read:data", 3600)
    assert token_store.lookup_refresh_token(r, tokens.refresh_token) is None


@pytest.mark.parametrize("given", [True, False])
def test_code_remembers_whether_the_request_named_its_redirect_uri(r, given):
    code = token_store.store_code(
        r,
        client_id="c",
        redirect_uri="https://a/cb",
        user_id=7,
        scope="read:data",
        grant_id=1,
        code_challenge=None,
        redirect_uri_given=given,
    )
    data = token_store.redeem_code(r, code, token_store.new_family())
    assert data["redirect_uri"] == "https://a/cb"
    assert data["redirect_uri_given"] == ("1" if given else "0")


def test_rotation_keeps_the_client_state_alive_and_the_family_revocable(r):
    """A family that only ever refreshes outlives the TTLs its first exchange set, and stays revocable."""
    tokens = issue_family(r, grant_id=42)
    client_key = token_store.client_state_key(CLIENT["client_id"])
    r.expire(client_key, 5)  # as if the first exchange were a month old
    rotated = token_store.rotate(r, tokens.refresh_token, CLIENT, "read:data", 3600)
    assert r.ttl(client_key) > token_store.REFRESH_TOKEN_TTL
    token_store.revoke_grant(r, CLIENT["client_id"], 42)  # the user revokes consent: the rotated tokens die with it
    assert token_store.lookup_access_token(r, rotated.access_token) is None
    assert token_store.lookup_refresh_token(r, rotated.refresh_token) is None


def test_rotation_refills_a_lost_client_state_from_the_row_but_never_overrides_one(r):
    tokens = issue_family(r)
    client_key = token_store.client_state_key(CLIENT["client_id"])
    r.delete(client_key)  # expired or lost
    rotated = token_store.rotate(r, tokens.refresh_token, CLIENT, "read:data", 3600)
    assert r.hgetall(client_key) == {"status": "active", "rate_limit": "1000"}
    assert token_store.lookup_access_token(r, rotated.access_token)

    r.hset(client_key, "status", "suspended")  # suspended after the row was read
    with pytest.raises(TokenError) as refused:
        token_store.rotate(r, rotated.refresh_token, CLIENT, "read:data", 3600)
    assert refused.value.reason == "suspended"


def test_rotation_without_a_scope_keeps_the_refresh_tokens_scope(r):
    tokens = issue_family(r)
    rotated = token_store.rotate(r, tokens.refresh_token, CLIENT, None, 3600)
    assert rotated.scope == "read:data write:data"
    assert token_store.lookup_access_token(r, rotated.access_token)["scope"] == "read:data write:data"
