"""Versioned schema migrations: schema.sql is version 1, then migrations/NNNN_what.sql in order.

`flask --app app db init` runs `migrate`. Each applied version is a row of
`schema_migrations`. schema.sql stays the baseline every deployment already
has, written so that running it again changes nothing; it is run on every
`db init` (so an idempotent change made to it still arrives) and recorded
as version 1 once. Changes from now on are numbered files, each applied
once, in order, in its own transaction together with its row, so a failing
one leaves neither a half-done change nor a record of it, and stops the
run. A file whose first line is `-- migrate: no-transaction` runs outside
one (CREATE INDEX CONCURRENTLY cannot run inside a transaction); write it
so that it can be run again.

Two hosts running `db init` at once take turns on a session-level advisory
lock (the key apply_schema also takes), so each migration is applied once.
A database already at a version newer than these files is refused: it was
migrated by newer code, and older code could misread it.
"""

import re
from pathlib import Path
from typing import NamedTuple

import psycopg2

from stores.postgres import SCHEMA_LOCK_KEY, SCHEMA_PATH, Connection, apply_schema, transaction

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
BASELINE_VERSION = 1
NO_TRANSACTION = "-- migrate: no-transaction"
_FILE_NAME = re.compile(r"(\d{4})_[a-z0-9_]+\.sql")


class Migration(NamedTuple):
    version: int
    path: Path


class MigrationError(Exception):
    """The run stopped: a file is misnamed, a migration failed, or the database is newer than this code."""


def discover(directory: Path) -> list[Migration]:
    """The numbered files of `directory` in order; versions start after the baseline and never repeat."""
    found = []
    for path in sorted(directory.glob("*.sql")):
        match = _FILE_NAME.fullmatch(path.name)
        if match is None:
            raise MigrationError(f"{path.name}: migration files are named NNNN_what_it_does.sql")
        found.append(Migration(int(match.group(1)), path))
    versions = [migration.version for migration in found]
    if len(set(versions)) != len(versions) or any(version <= BASELINE_VERSION for version in versions):
        raise MigrationError(f"migration versions must be unique and above {BASELINE_VERSION}: {versions}")
    return found


def migrate(conn: Connection, directory: Path | None = None) -> list[int]:
    """Apply the baseline and every pending migration in order; return the versions applied by this call."""
    available = discover(directory or MIGRATIONS_DIR)
    with transaction(conn) as cur:
        cur.execute("SELECT pg_advisory_lock(%(key)s)", {"key": SCHEMA_LOCK_KEY})
    try:
        applied = _prepare(conn, newest_known=max([BASELINE_VERSION, *(m.version for m in available)]))
        done = [] if BASELINE_VERSION in applied else [BASELINE_VERSION]
        apply_schema(conn)
        if done:
            _record(conn, BASELINE_VERSION, SCHEMA_PATH.name)
        for migration in available:
            if migration.version not in applied:
                _apply(conn, migration)
                done.append(migration.version)
        return done
    finally:
        with transaction(conn) as cur:
            cur.execute("SELECT pg_advisory_unlock(%(key)s)", {"key": SCHEMA_LOCK_KEY})


def current_version(conn: Connection) -> int:
    with transaction(conn) as cur:
        cur.execute("SELECT coalesce(max(version), 0) AS version FROM schema_migrations")
        return cur.fetchone()["version"]


def _prepare(conn: Connection, newest_known: int) -> set[int]:
    """Make sure the table exists; the versions applied so far. Refuse a database newer than this code."""
    with transaction(conn) as cur:
        cur.execute(
            """CREATE TABLE IF NOT EXISTS schema_migrations (
                   version integer PRIMARY KEY,
                   name text NOT NULL,
                   applied_at timestamptz NOT NULL DEFAULT now())"""
        )
        cur.execute("SELECT version FROM schema_migrations")
        applied = {row["version"] for row in cur.fetchall()}
    if applied and max(applied) > newest_known:
        raise MigrationError(
            f"the database is at version {max(applied)}, newer than this code knows ({newest_known}): "
            "deploy the newer code, or restore a backup taken before the upgrade"
        )
    return applied


def _apply(conn: Connection, migration: Migration) -> None:
    sql = migration.path.read_text()
    try:
        if sql.startswith(NO_TRANSACTION):
            # The app's pooled connections are autocommit already; a connection of
            # another kind gets its own mode back, never one this function chose.
            was_autocommit, conn.autocommit = conn.autocommit, True
            try:
                with conn.cursor() as cur:
                    cur.execute(sql)
            finally:
                conn.autocommit = was_autocommit
            _record(conn, migration.version, migration.path.name)
        else:
            with transaction(conn) as cur:
                cur.execute(sql)
                _insert_record(cur, migration.version, migration.path.name)
    except psycopg2.Error as error:
        detail = (error.pgerror or str(error)).strip()
        raise MigrationError(f"migration {migration.path.name} failed and was rolled back: {detail}") from error


def _record(conn: Connection, version: int, name: str) -> None:
    with transaction(conn) as cur:
        _insert_record(cur, version, name)


def _insert_record(cur, version: int, name: str) -> None:
    cur.execute(
        "INSERT INTO schema_migrations (version, name) VALUES (%(version)s, %(name)s)",
        {"version": version, "name": name},
    )
