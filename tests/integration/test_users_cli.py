"""`flask users set-role | disable | enable | unlock`: JSON out, the audit row with its reason, clear errors."""

import json

import pytest

from accounts import sessions, throttle
from stores import postgres
from tests.support.accounts import SECOND_FACTOR_PATH, USER_EMAIL, create_user
from tests.support.api import issue_user_token, token_is_live
from tests.support.oauth import register_client
from tests.support.throttle import Clock, guess
from tests.support.two_factor import code_for, enable_two_factor, next_code


def run(runner, *args: str) -> dict:
    """Run a command that must succeed; its JSON."""
    result = runner.invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def refused(runner, *args: str) -> str:
    """Run a command that must fail: exit 1, nothing on stdout; its error message."""
    result = runner.invoke(args=list(args))
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    return json.loads(result.stderr)["error"]


def audit_rows(app, action: str) -> list[dict]:
    with app.app_context(), postgres.get_connection().cursor() as cur:
        cur.execute(
            "SELECT actor_label, subject_user_id, details FROM audit_log WHERE action = %(action)s ORDER BY id",
            {"action": action},
        )
        return cur.fetchall()


def stored_role(app, user_id: int) -> str:
    with app.app_context(), postgres.get_connection().cursor() as cur:
        cur.execute("SELECT role FROM users WHERE id = %(id)s", {"id": user_id})
        return cur.fetchone()["role"]


@pytest.mark.parametrize("command", ["set-role", "disable", "enable", "unlock"])
def test_an_unknown_email_is_an_error(runner, command):
    args = ["users", command, "nobody@example.com"] + (["--role", "developer"] if command == "set-role" else [])
    assert refused(runner, *args) == "no user has email nobody@example.com"


def test_set_role_prints_the_user_and_audits_the_change(runner, app):
    user = create_user(app)
    changed = run(runner, "users", "set-role", "USER@example.com", "--role", "developer", "--reason", "ships apps")
    assert (changed["id"], changed["email"], changed["role"]) == (user["id"], USER_EMAIL, "developer")
    assert stored_role(app, user["id"]) == "developer"
    [row] = audit_rows(app, "user.role_changed")
    assert row == {
        "actor_label": "cli",
        "subject_user_id": user["id"],
        "details": {"from": "user", "to": "developer", "reason": "ships apps"},
    }


def test_set_role_ends_the_users_sessions(runner, app, client, auth, r):
    user = auth.sign_in_as()
    run(runner, "users", "set-role", USER_EMAIL, "--role", "developer")
    assert r.smembers(sessions.user_sessions_key(user["id"])) == set()
    assert 'action="/logout"' not in client.get("/").text


def test_set_role_refuses_an_unknown_role(runner, app):
    create_user(app)
    result = runner.invoke(args=["users", "set-role", USER_EMAIL, "--role", "root"])
    assert result.exit_code != 0
    assert stored_role(app, 1) == "user"


def test_only_a_verified_email_becomes_an_admin(runner, app):
    user = create_user(app)
    with app.app_context(), postgres.transaction(postgres.get_connection()) as cur:
        cur.execute("UPDATE users SET email_verified_at = NULL WHERE id = %(id)s", {"id": user["id"]})
    assert "verified email" in refused(runner, "users", "set-role", USER_EMAIL, "--role", "admin")
    assert stored_role(app, user["id"]) == "user"
    with app.app_context(), postgres.transaction(postgres.get_connection()) as cur:
        cur.execute("UPDATE users SET email_verified_at = now() WHERE id = %(id)s", {"id": user["id"]})
    assert run(runner, "users", "set-role", USER_EMAIL, "--role", "admin")["role"] == "admin"


def test_the_last_admin_cannot_be_demoted_or_disabled(runner, app):
    admin = create_user(app, email="admin@example.com", role="admin")
    assert "last active administrator" in refused(runner, "users", "set-role", "admin@example.com", "--role", "user")
    assert "last active administrator" in refused(runner, "users", "disable", "admin@example.com")
    assert stored_role(app, admin["id"]) == "admin"
    create_user(app, email="second@example.com", role="admin")
    assert run(runner, "users", "set-role", "admin@example.com", "--role", "user")["role"] == "user"


def test_a_disabled_admin_does_not_count_as_the_other_admin(runner, app):
    create_user(app, email="admin@example.com", role="admin")
    create_user(app, email="second@example.com", role="admin")
    run(runner, "users", "disable", "second@example.com")
    assert "last active administrator" in refused(runner, "users", "disable", "admin@example.com")


def test_disable_ends_sessions_revokes_every_grant_and_audits_the_reason(runner, app, auth, r):
    user = auth.sign_in_as()
    apps = [register_client(app, name=name)[0] for name in ("One", "Two")]
    tokens = [issue_user_token(app, client, user["id"], ["read:profile"]) for client in apps]

    disabled = run(runner, "users", "disable", USER_EMAIL, "--reason", "chargeback fraud")
    assert (disabled["id"], disabled["sessions_ended"], disabled["grants_revoked"]) == (user["id"], 1, 2)
    assert disabled["disabled_at"] is not None
    assert not any(token_is_live(app, issued) for issued in tokens)
    assert r.smembers(sessions.user_sessions_key(user["id"])) == set()
    [row] = audit_rows(app, "user.disabled")
    assert row["details"] == {"reason": "chargeback fraud"} and row["actor_label"] == "cli"
    assert len(audit_rows(app, "consent.revoked")) == 2


def test_disable_twice_is_harmless_and_audited_once(runner, app):
    create_user(app)
    first = run(runner, "users", "disable", USER_EMAIL)
    again = run(runner, "users", "disable", USER_EMAIL)
    assert again["disabled_at"] == first["disabled_at"]
    assert (again["sessions_ended"], again["grants_revoked"]) == (0, 0)
    assert len(audit_rows(app, "user.disabled")) == 1


def test_enable_lets_the_person_sign_in_again_but_their_tokens_stay_revoked(runner, app, auth):
    user = create_user(app)
    client, _secret = register_client(app)
    issued = issue_user_token(app, client, user["id"], ["read:profile"])
    run(runner, "users", "disable", USER_EMAIL)
    assert auth.login().status_code == 403

    enabled = run(runner, "users", "enable", USER_EMAIL, "--reason", "appeal upheld")
    assert enabled["disabled_at"] is None
    assert audit_rows(app, "user.enabled")[0]["details"] == {"reason": "appeal upheld"}
    assert auth.login().status_code == 302
    assert not token_is_live(app, issued)


def test_enable_of_an_enabled_user_changes_nothing(runner, app):
    create_user(app)
    assert run(runner, "users", "enable", USER_EMAIL)["disabled_at"] is None
    assert audit_rows(app, "user.enabled") == []


def test_unlock_clears_the_accounts_counters_from_every_address(runner, app, auth, monkeypatch):
    clock = Clock(monkeypatch)
    create_user(app)
    for address in ("10.0.0.1", "10.0.0.2"):
        guess(auth, clock, throttle.PAIR.refuse_at, USER_EMAIL, ip=address)
        assert auth.login(ip=address).status_code == 429

    unlocked = run(runner, "users", "unlock", USER_EMAIL, "--reason", "owner called")
    assert unlocked == {"id": 1, "email": USER_EMAIL, "unlocked": True, "counters_cleared": 3}  # two pairs, the account
    assert audit_rows(app, "user.unlocked")[0]["details"] == {"reason": "owner called", "counters_cleared": 3}
    for address in ("10.0.0.1", "10.0.0.2"):
        assert auth.login(ip=address).status_code == 302
        auth.logout()


def test_unlock_clears_the_wrong_second_factor_codes_too(runner, app, auth, monkeypatch):
    clock = Clock(monkeypatch)
    user = create_user(app)
    device = enable_two_factor(app, user["id"])
    assert auth.login().headers["Location"] == SECOND_FACTOR_PATH
    wrong = next(f"{n:06d}" for n in range(10**6) if f"{n:06d}" not in {code_for(device.secret, s) for s in (-1, 0, 1)})
    for _ in range(throttle.PAIR.refuse_at):
        clock.wait_out_any_delay()
        assert auth.enter_code(wrong).status_code == 401
    clock.wait_out_any_delay()
    assert auth.enter_code(next_code(app, device)).status_code == 429

    assert run(runner, "users", "unlock", USER_EMAIL)["counters_cleared"] >= 1
    assert auth.enter_code(next_code(app, device)).status_code == 302


def test_unlock_of_an_account_without_failures_clears_nothing(runner, app):
    create_user(app)
    assert run(runner, "users", "unlock", USER_EMAIL)["counters_cleared"] == 0
