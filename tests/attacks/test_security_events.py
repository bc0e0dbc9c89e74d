"""Security events leave a trace: what an attacker set off is in the audit log, and on the app's Activity tab.

Administrators see every row, with addresses; a developer sees their own
app's events, the user touched by ID only, never by email or address.
"""

import pytest

from accounts import throttle
from stores.postgres import get_connection
from tests.support.accounts import create_user
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
