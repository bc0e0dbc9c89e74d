"""`flask db init` and `flask users create`: JSON out, clear errors, non-zero exits."""

import json

from stores import postgres

PASSWORD = "long enough pw"


def test_db_init_is_safe_to_run_twice(runner):
    for _ in range(2):
        result = runner.invoke(args=["db", "init"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["status"] == "ok"


def test_users_create_prints_json(runner, app):
    args = ["users", "create", "dev@example.com", "--password", PASSWORD, "--name", "Dev", "--role", "developer"]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    user = json.loads(result.stdout)
    assert user["email"] == "dev@example.com" and user["role"] == "developer" and user["name"] == "Dev"
    assert "password" not in result.stdout
    with app.app_context(), postgres.get_connection().cursor() as cur:
        cur.execute("SELECT count(*) AS n FROM users")
        assert cur.fetchone()["n"] == 1


def test_users_create_duplicate_email_fails_clearly(runner):
    runner.invoke(args=["users", "create", "dev@example.com", "--password", PASSWORD])
    result = runner.invoke(args=["users", "create", "DEV@example.com", "--password", PASSWORD])
    assert result.exit_code != 0
    assert result.stdout == ""
    assert "already exists" in json.loads(result.stderr)["error"]


def test_users_create_rejects_bad_role_and_short_password(runner):
    bad_role = runner.invoke(args=["users", "create", "a@example.com", "--password", PASSWORD, "--role", "root"])
    assert bad_role.exit_code != 0
    result = runner.invoke(args=["users", "create", "a@example.com", "--password", "short"])
    assert result.exit_code != 0
    assert "password" in json.loads(result.stderr)["error"]
