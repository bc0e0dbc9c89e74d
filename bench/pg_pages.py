"""The PostgreSQL pages that the list pages read with 10^5 users and 10^3 apps of one developer (bench/scale.py).

The pages' own functions run on a connection that explains every SELECT
they send (EXPLAIN (ANALYZE, BUFFERS)) before running it: what is measured
is the SQL the app sends, not a copy of it. Per page: shared buffers hit +
read by its statements, and the indexes and sequential scans their plans use.

Each page is measured twice: as loaded, when no heap page is marked
all-visible yet, so counting an app's live grants visits a heap page per
grant; and after VACUUM, as autovacuum leaves a table some time after its
inserts, when the same count reads the index alone. A busy app, whose grants'
last use is written often (api/usage.py), reads somewhere in between.
"""

import secrets
from dataclasses import dataclass, field
from typing import NamedTuple

import psycopg2.extensions

from api.rate_limit import WINDOW_SECONDS
from portal.account.connected import list_connected_apps
from portal.admin.app_search import AppQuery, search_apps
from portal.developer.my_apps import Position, format_cursor, page_of_apps, parse_cursor
from stores.postgres import transaction

GRANTS_PER_USER = 3  # each user has consented to this many of the developer's apps


@dataclass
class Explained:
    """What the plans of one page's statements read."""

    statements: int = 0
    pages: int = 0  # shared buffers hit + read
    milliseconds: float = 0.0  # execution, as EXPLAIN ANALYZE timed it
    indexes: set[str] = field(default_factory=set)
    seq_scans: set[str] = field(default_factory=set)

    def add(self, explained: dict) -> None:
        plan = explained["Plan"]
        self.statements += 1
        self.milliseconds += explained["Execution Time"]
        self.pages += plan.get("Shared Hit Blocks", 0) + plan.get("Shared Read Blocks", 0)
        self._scans(plan)

    def _scans(self, node: dict) -> None:
        if "Index Name" in node:
            self.indexes.add(node["Index Name"])
        if node["Node Type"] == "Seq Scan":
            self.seq_scans.add(node["Relation Name"])
        for child in node.get("Plans", []):
            self._scans(child)


class _ExplainingCursor:
    """A cursor that explains each SELECT (recording its plan) and then runs it as asked."""

    def __init__(self, conn, cursor, explained: Explained):
        self._conn, self._cursor, self._explained = conn, cursor, explained

    def execute(self, sql: str, params=None) -> None:
        if sql.lstrip().upper().startswith("SELECT"):
            with self._conn.cursor(cursor_factory=psycopg2.extensions.cursor) as cur:
                cur.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, params)
                self._explained.add(cur.fetchone()[0][0])
        self._cursor.execute(sql, params)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self._cursor.close()

    def __getattr__(self, name: str):
        return getattr(self._cursor, name)


class ExplainingConnection:
    """Stands in for a connection: its cursors explain what they run into `explained`."""

    def __init__(self, conn, explained: Explained):
        self._conn, self._explained = conn, explained

    def cursor(self, **options) -> _ExplainingCursor:
        return _ExplainingCursor(self._conn, self._conn.cursor(**options), self._explained)

    def __getattr__(self, name: str):
        return getattr(self._conn, name)


# The data -------------------------------------------------------------------------


def seed(conn, users: int, apps: int) -> dict:
    """`users` people (one of them the developer of `apps` apps), each consenting to GRANTS_PER_USER apps."""
    tag = f"scale{secrets.token_hex(4)}"
    with transaction(conn) as cur:
        cur.execute(
            """INSERT INTO users (email, password_hash, role)
               SELECT %(tag)s || '-' || n || '@example.com', 'x', CASE WHEN n = 0 THEN 'developer' ELSE 'user' END
               FROM generate_series(0, %(users)s - 1) AS n""",
            {"tag": tag, "users": users},
        )
        developer = _user_id(cur, tag, 0)
        cur.execute(
            """INSERT INTO clients (client_id, owner_id, name, client_type, created_at)
               SELECT %(tag)s || '_' || n, %(developer)s, 'App ' || n, 'confidential', now() - n * interval '1 second'
               FROM generate_series(0, %(apps)s - 1) AS n""",
            {"tag": tag, "developer": developer, "apps": apps},
        )
        cur.execute(
            """INSERT INTO grants (user_id, client_id, scopes)
               SELECT u.id, %(tag)s || '_' || ((u.id + k) %% %(apps)s), '{read:profile}'
               FROM users u CROSS JOIN generate_series(0, %(per_user)s - 1) AS k
               WHERE u.email LIKE %(tag)s || '-%%'""",
            {"tag": tag, "apps": apps, "per_user": min(GRANTS_PER_USER, apps)},
        )
        cur.execute("ANALYZE users; ANALYZE clients; ANALYZE grants")
        # The person whose connected apps are shown: not the developer, one of the consenting crowd.
        user = _user_id(cur, tag, users // 2)
        middle = _app_cursor(cur, f"{tag}_{apps // 2 - 1}")  # My apps continues after the middle app
    return {"tag": tag, "developer_id": developer, "user_id": user, "users": users, "apps": apps, "middle": middle}


def _user_id(cur, tag: str, number: int) -> int:
    cur.execute("SELECT id FROM users WHERE lower(email) = %(email)s", {"email": f"{tag}-{number}@example.com"})
    return cur.fetchone()["id"]


def _app_cursor(cur, client_id: str) -> str:
    cur.execute("SELECT created_at FROM clients WHERE client_id = %(id)s", {"id": client_id})
    return format_cursor(cur.fetchone()["created_at"], client_id)


def remove(conn, seeded: dict) -> None:
    """The seeded rows go: the grants, the developer's apps, then the people.

    Deleting a user cascades to grants by user_id, which only a partial index
    (live grants) covers, so each of the people deleted scans the grants
    table: it is vacuumed first, empty of the seeded grants.
    """
    with transaction(conn) as cur:
        cur.execute("DELETE FROM grants WHERE client_id LIKE %(tag)s || '\\_%%'", {"tag": seeded["tag"]})
        cur.execute("DELETE FROM clients WHERE owner_id = %(id)s", {"id": seeded["developer_id"]})
    with conn.cursor() as cur:
        cur.execute("VACUUM grants")  # the connection is in autocommit: VACUUM runs outside a transaction
    with transaction(conn) as cur:
        cur.execute("DELETE FROM users WHERE email LIKE %(tag)s || '-%%'", {"tag": seeded["tag"]})


# The pages ------------------------------------------------------------------------


def pages(seeded: dict) -> dict[str, callable]:
    """What each list page reads from PostgreSQL, as its view calls it, by name."""
    window = WINDOW_SECONDS
    return {
        f"connected apps (/account/apps) of a user with {GRANTS_PER_USER} grants": lambda conn, r: list_connected_apps(
            conn, r, seeded["user_id"]
        ),
        "admin app list (/admin), first page": lambda conn, r: search_apps(conn, r, AppQuery(), 1, window),
        'admin app list, search "app 12"': lambda conn, r: search_apps(conn, r, AppQuery(text="app 12"), 1, window),
        "My apps (/developer/apps) of the developer, first page": lambda conn, r: page_of_apps(
            conn, r, seeded["developer_id"], window
        ),
        "My apps (/developer/apps), the page after the middle app": lambda conn, r: page_of_apps(
            conn, r, seeded["developer_id"], window, Position(after=parse_cursor(seeded["middle"]))
        ),
    }


class Measured(NamedTuple):
    as_loaded: Explained
    vacuumed: Explained


def measure(conn, r, seeded: dict) -> dict[str, Measured]:
    """Each page's statements explained as loaded and after VACUUM (see the module's docstring)."""
    as_loaded = _explain_pages(conn, r, seeded)
    with conn.cursor() as cur:  # the connection is in autocommit: VACUUM runs outside a transaction
        cur.execute("VACUUM ANALYZE users, clients, grants")
    vacuumed = _explain_pages(conn, r, seeded)
    return {name: Measured(as_loaded[name], vacuumed[name]) for name in as_loaded}


def _explain_pages(conn, r, seeded: dict) -> dict[str, Explained]:
    """Each page's statements explained, after one unexplained call that warms the caches."""
    explained = {}
    for name, read in pages(seeded).items():
        read(conn, r)
        explained[name] = Explained()
        read(ExplainingConnection(conn, explained[name]), r)
    return explained


def describe(seeded: dict, measured: dict[str, Measured]) -> str:
    lines = [
        f"PostgreSQL: {seeded['users']:,} users, {seeded['apps']:,} apps of one developer, "
        f"{GRANTS_PER_USER} grants per user; EXPLAIN (ANALYZE, BUFFERS) of each statement the page sends, "
        "as loaded and after VACUUM; the plans after VACUUM",
        "",
        "| page | statements | pages read (shared hit + read) as loaded | after VACUUM | execution ms as loaded "
        "| after VACUUM | indexes used | sequential scans |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for name, (loaded, vacuumed) in measured.items():
        indexes = ", ".join(sorted(vacuumed.indexes)) or "none"
        scans = ", ".join(sorted(vacuumed.seq_scans)) or "none"
        lines.append(
            f"| {name} | {vacuumed.statements} | {loaded.pages:,} | {vacuumed.pages:,} "
            f"| {loaded.milliseconds:.1f} | {vacuumed.milliseconds:.1f} | {indexes} | {scans} |"
        )
    return "\n".join([*lines, ""])
