"""Security events leave a trace: what an attacker set off is in the audit log, and on the app's Activity tab.

Administrators see every row, with addresses; a developer sees their own
app's events, the user touched by ID only, never by email or address.
"""

import pytest

from accounts import throttle
from stores.postgres import get_connection
from tests.support.accounts import USER_EMAIL, create_user
from tests.support.oauth import (
    OWNER_EMAIL,
    authorize_and_get_code,
    bearer,
    exchange_code,
    refresh,
    register_client,
)
from tests.support.throttle import Clock, guess

ATTACKER_IP = "203.0.113.66"


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


def audit_rows(app, action: str) -> list[dict]:
    with app.app_context(), get_connection().cursor() as cur:
        cur.execute("SELECT * FROM audit_log WHERE action = %(a)s ORDER BY id", {"a": action})
        return cur.fetchall()


# Lockouts -----------------------------------------------------------------------


def test_a_guesser_who_locks_an_account_leaves_one_lockout_row(app, auth, clock):
    victim = create_user(app, "victim@example.com")
    guess(auth, clock, throttle.PAIR.refuse_at - 1, "victim@example.com", ip=ATTACKER_IP)
    assert audit_rows(app, "signin.locked") == []
    guess(auth, clock, 5, "victim@example.com", ip=ATTACKER_IP)  # the one that locks, then refused ones
    [row] = audit_rows(app, "signin.locked")
    assert row["subject_user_id"] == victim["id"]
    assert row["ip_address"] == ATTACKER_IP
    assert row["details"]["refused"] == throttle.LOCKED_PAIR


def test_an_address_that_guesses_across_accounts_is_recorded_once_when_it_is_stopped(app, auth, clock):
    for n in range(throttle.ADDRESS.refuse_at // (throttle.PAIR.refuse_at - 1) + 1):
        guess(auth, clock, throttle.PAIR.refuse_at - 1, f"nobody{n}@example.com", ip=ATTACKER_IP)
    [row] = audit_rows(app, "signin.locked")
    assert row["details"]["refused"] == throttle.LOCKED_ADDRESS
    assert row["subject_user_id"] is None  # no such accounts


# Tokens misused -----------------------------------------------------------------


@pytest.fixture
def registered(app):
    return register_client(app)


def first_exchange(client, auth, registered):
    """A person signs in and consents; the app exchanges its code: (user, code, verifier, token response)."""
    user = auth.sign_in_as()
    code, verifier = authorize_and_get_code(client, registered[0])
    response = exchange_code(client, *registered, code, verifier)
    assert response.status_code == 200
    return user, code, verifier, response.get_json()


def test_a_replayed_code_is_recorded_with_the_family_it_ended(app, client, auth, registered):
    user, code, verifier, tokens = first_exchange(client, auth, registered)
    replay = exchange_code(client, *registered, code, verifier)
    assert replay.status_code == 400
    assert client.get("/api/v1/me", headers=bearer(tokens["access_token"])).status_code == 401

    [row] = audit_rows(app, "code.replayed")
    assert row["client_id"] == registered[0]["client_id"]
    assert row["subject_user_id"] == user["id"]
    assert row["actor_label"] == "token endpoint"
    assert row["details"]["family"]


def test_a_code_replayed_by_another_app_is_recorded_on_the_app_it_was_issued_to(app, client, auth, registered):
    user, code, verifier, _tokens = first_exchange(client, auth, registered)
    thief = register_client(app, owner_email="thief@example.com")
    assert exchange_code(client, *thief, code, verifier).status_code == 400
    [row] = audit_rows(app, "code.replayed")
    assert row["client_id"] == registered[0]["client_id"]
    assert row["details"]["presented_by"] == thief[0]["client_id"]


def test_a_reused_refresh_token_is_recorded_with_the_family_it_ended(app, client, auth, registered):
    user, _code, _verifier, tokens = first_exchange(client, auth, registered)
    rotated = refresh(client, *registered, tokens["refresh_token"])
    assert rotated.status_code == 200
    assert refresh(client, *registered, tokens["refresh_token"]).status_code == 400  # the spent one, again
    assert refresh(client, *registered, rotated.get_json()["refresh_token"]).status_code == 400  # family gone

    [row] = audit_rows(app, "token.reused")
    assert row["client_id"] == registered[0]["client_id"]
    assert row["subject_user_id"] == user["id"]
    assert row["details"]["family"]


def test_replaying_or_reusing_again_and_again_is_recorded_once(app, client, auth, registered):
    _user, code, verifier, tokens = first_exchange(client, auth, registered)
    refresh(client, *registered, tokens["refresh_token"])
    for _ in range(5):  # the reuse first: a replay would end the family, and a dead family's reuse is no news
        assert refresh(client, *registered, tokens["refresh_token"]).status_code == 400
        assert exchange_code(client, *registered, code, verifier).status_code == 400
    assert len(audit_rows(app, "code.replayed")) == 1
    assert len(audit_rows(app, "token.reused")) == 1


def test_an_unknown_code_or_refresh_token_records_nothing(app, client, registered):
    exchange_code(client, *registered, "pacd_made-up", None)
    refresh(client, *registered, "part_made-up")
    assert audit_rows(app, "code.replayed") == [] and audit_rows(app, "token.reused") == []


def test_the_developer_sees_replay_and_reuse_on_the_activity_tab_by_user_id_only(app, client, auth, registered):
    user, code, verifier, tokens = first_exchange(client, auth, registered)
    refresh(client, *registered, tokens["refresh_token"])
    refresh(client, *registered, tokens["refresh_token"])
    exchange_code(client, *registered, code, verifier)

    auth.logout()
    auth.login(OWNER_EMAIL, "developer password")
    page = client.get(f"/developer/apps/{registered[0]['client_id']}/audit").text
    assert "Code used twice" in page
    assert "Spent refresh token reused" in page
    assert "the token endpoint" in page
    assert f"user {user['id']}" in page
    assert USER_EMAIL not in page
    assert "127.0.0.1" not in page
