"""`db init` with versioned migrations, on a database of each test's own."""

import json
import secrets
import threading

import psycopg2
import psycopg2.extras
import pytest
from psycopg2.extensions import make_dsn

from stores import migrations
from tests.support.apps import make_app

ADD_PLAN = "ALTER TABLE users ADD COLUMN plan_note text;\nUPDATE users SET plan_note = 'legacy: ' || email;\n"


@pytest.fixture
def database(store_urls):
    """A new, empty database on the test server: its DSN. Dropped afterwards."""
    admin_dsn = store_urls["DATABASE_URL"]
    name = f"migrations_{secrets.token_hex(4)}"
    _run_outside_transaction(admin_dsn, f"CREATE DATABASE {name}")
    yield make_dsn(admin_dsn, dbname=name)
    _run_outside_transaction(admin_dsn, f"DROP DATABASE {name} WITH (FORCE)")


def _run_outside_transaction(dsn: str, sql: str) -> None:
    conn = psycopg2.connect(dsn)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(sql)
    conn.close()


def connect(dsn: str):
    return psycopg2.connect(dsn, cursor_factory=psycopg2.extras.RealDictCursor)


def write(folder, name: str, sql: str) -> None:
    (folder / name).write_text(sql)


def versions(conn) -> list[int]:
    with conn, conn.cursor() as cur:
        cur.execute("SELECT version FROM schema_migrations ORDER BY version")
        return [row["version"] for row in cur.fetchall()]


def test_a_populated_database_at_the_baseline_is_upgraded_with_its_rows(database, tmp_path):
    conn = connect(database)
    assert migrations.migrate(conn, tmp_path) == [1]
    with conn, conn.cursor() as cur:
        cur.execute("INSERT INTO users (email, password_hash, name) VALUES ('old@example.com', 'x', 'Old')")
    write(tmp_path, "0002_plan_note.sql", ADD_PLAN)
    assert migrations.migrate(conn, tmp_path) == [2]
    with conn, conn.cursor() as cur:
        cur.execute("SELECT email, name, plan_note FROM users")
        assert cur.fetchall() == [{"email": "old@example.com", "name": "Old", "plan_note": "legacy: old@example.com"}]
    assert versions(conn) == [1, 2]


def test_running_twice_applies_nothing_the_second_time(database, tmp_path):
    write(tmp_path, "0002_plan_note.sql", ADD_PLAN)
    conn = connect(database)
    assert migrations.migrate(conn, tmp_path) == [1, 2]
    assert migrations.migrate(conn, tmp_path) == []
    assert versions(conn) == [1, 2]


@pytest.mark.parametrize("autocommit", [True, False])
def test_a_migration_outside_a_transaction_leaves_the_connection_in_its_own_mode(database, tmp_path, autocommit):
    # The app migrates on its pooled connections, which are autocommit: left otherwise, every
    # later read on them would sit in an open transaction.
    write(tmp_path, "0002_index.sql", "-- migrate: no-transaction\nCREATE INDEX CONCURRENTLY i ON users (name);\n")
    conn = connect(database)
    conn.autocommit = autocommit
    assert migrations.migrate(conn, tmp_path) == [1, 2]
    assert conn.autocommit is autocommit


def test_two_hosts_at_once_apply_each_migration_once(database, tmp_path):
    # Not idempotent on purpose: a second application would fail.
    write(tmp_path, "0002_slow.sql", "SELECT pg_sleep(0.5);\nCREATE TABLE applied_once (id int);\n")
    results, errors = [], []

    def host():
        conn = connect(database)
        try:
            results.append(migrations.migrate(conn, tmp_path))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            conn.close()

    threads = [threading.Thread(target=host) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert sorted(results) == [[], [1, 2]]


def test_a_failing_migration_is_rolled_back_and_stops_the_run(database, tmp_path):
    write(tmp_path, "0002_plan_note.sql", ADD_PLAN)
    write(tmp_path, "0003_broken.sql", "CREATE TABLE half_done (id int);\nSELECT 1 / 0;\n")
    write(tmp_path, "0004_never.sql", "CREATE TABLE never_reached (id int);\n")
    conn = connect(database)
    with pytest.raises(
        migrations.MigrationError, match="0003_broken.sql failed and was rolled back: .*division by zero"
    ):
        migrations.migrate(conn, tmp_path)
    assert versions(conn) == [1, 2]
    with conn, conn.cursor() as cur:
        cur.execute("SELECT to_regclass('half_done') AS half, to_regclass('never_reached') AS never")
        assert cur.fetchone() == {"half": None, "never": None}


def test_a_database_newer_than_the_code_is_refused(database, tmp_path):
    conn = connect(database)
    migrations.migrate(conn, tmp_path)
    with conn, conn.cursor() as cur:
        cur.execute("INSERT INTO schema_migrations (version, name) VALUES (7, '0007_from_the_future.sql')")
    with pytest.raises(migrations.MigrationError, match="at version 7, newer than this code knows"):
        migrations.migrate(conn, tmp_path)


@pytest.mark.parametrize("name", ["2_short.sql", "0002-dash.sql", "0001_baseline_again.sql"])
def test_a_misnamed_or_misnumbered_file_stops_the_run(tmp_path, name):
    write(tmp_path, name, "SELECT 1;")
    with pytest.raises(migrations.MigrationError):
        migrations.discover(tmp_path)


def test_the_shipped_migrations_are_well_named():
    migrations.discover(migrations.MIGRATIONS_DIR)


def test_db_init_fails_with_a_clear_error_and_exit_1(database, tmp_path, store_urls, monkeypatch):
    write(tmp_path, "0002_broken.sql", "SELECT 1 / 0;")
    monkeypatch.setattr(migrations, "MIGRATIONS_DIR", tmp_path)
    runner = make_app({**store_urls, "DATABASE_URL": database}).test_cli_runner()
    result = runner.invoke(args=["db", "init"])
    assert result.exit_code == 1
    assert "0002_broken.sql failed and was rolled back" in json.loads(result.stderr)["error"]
