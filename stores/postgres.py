"""PostgreSQL access through raw SQL: one pool per process, one connection per request.

Storage functions elsewhere take the connection explicitly; views get it from
`get_connection()`. A connection goes back to the pool at teardown, rolled
back if the request left a transaction open.
"""

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg2
import psycopg2.errors
import psycopg2.extras
from flask import Flask, current_app, g

from stores import StoreUnavailable

# What storage functions take as their first argument: a connection whose
# cursors return rows as dicts (RealDictCursor).
Connection = psycopg2.extensions.connection

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schema.sql"
# The advisory lock that serialises schema changes: apply_schema and stores.migrations take it.
SCHEMA_LOCK_KEY = 72707


class PoolExhausted(Exception):
    """Every connection stayed busy for longer than a request may wait."""


# Errors that mean "the server is gone", as opposed to a bad query. A read-only
# transaction means it is no longer the primary (a failover demoted it): as
# gone for our writes, and the pool is retired so that the next request
# reconnects to whichever server is the primary now.
CONNECTION_ERRORS = (
    psycopg2.OperationalError,
    psycopg2.InterfaceError,
    psycopg2.errors.ReadOnlySqlTransaction,
)


class ConnectionPool:
    """Up to `size` connections, opened on demand and kept open for reuse.

    (psycopg2's own pools close every connection above their minimum when it
    is handed back, so with a lazy minimum of zero each request would pay
    for a new connection.) A caller waits up to `wait_seconds` for a free
    connection instead of failing at once under a burst.
    """

    def __init__(self, dsn: str, size: int, wait_seconds: float = 5.0):
        self.dsn = dsn
        self.size = size
        self.wait_seconds = wait_seconds
        self._idle: list = []
        self._open = 0
        self._closed = False
        self._available = threading.Condition()

    def getconn(self):
        deadline = time.monotonic() + self.wait_seconds
        with self._available:
            while not self._idle and self._open >= self.size:
                if not self._available.wait(deadline - time.monotonic()) and time.monotonic() >= deadline:
                    raise PoolExhausted(f"all {self.size} connections busy")
            if self._idle:
                return self._idle.pop()
            self._open += 1  # reserve the slot, then connect outside the lock
        try:
            conn = psycopg2.connect(self.dsn, connect_timeout=3, cursor_factory=psycopg2.extras.RealDictCursor)
            # A lone read commits by itself, so handing the connection back costs no
            # ROLLBACK round trip; `transaction()` still wraps writes in BEGIN/COMMIT
            # (psycopg2 >= 2.9 opens one in `with conn` even in autocommit mode).
            conn.autocommit = True
            return conn
        except BaseException:
            self._forget_one()
            raise

    def putconn(self, conn, close: bool = False) -> None:
        if close or self._closed:
            conn.close()
            self._forget_one()
            return
        with self._available:
            self._idle.append(conn)
            self._available.notify()

    def closeall(self) -> None:
        with self._available:
            self._closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

    def _forget_one(self) -> None:
        with self._available:
            self._open -= 1
            self._available.notify()


class Database:
    """Owns the connection pool of one process.

    The pool is created lazily and per process id, so that a pool opened
    before gunicorn forks is never shared between workers. After a
    connection error the whole pool is retired: every idle connection in it
    is likely dead too, and the next request should get a fresh one.
    """

    def __init__(self, dsn: str, max_connections: int):
        self.dsn = dsn
        self.max_connections = max_connections
        self._pool: ConnectionPool | None = None
        self._pid = None
        self._lock = threading.Lock()

    def pool(self) -> ConnectionPool:
        with self._lock:
            if self._pool is None or self._pid != os.getpid():
                self._pool = ConnectionPool(self.dsn, self.max_connections)
                self._pid = os.getpid()
            return self._pool

    def connect(self):
        """Return (pool, connection); raise StoreUnavailable if the server is down."""
        pool = self.pool()
        try:
            return pool, pool.getconn()
        except PoolExhausted as error:
            raise StoreUnavailable("postgres") from error  # busy, not gone: its connections are fine
        except CONNECTION_ERRORS as error:
            self.retire(pool)
            raise StoreUnavailable("postgres") from error

    def release(self, pool: ConnectionPool, conn: Connection) -> None:
        """Return a connection to the pool it came from, or close it if broken."""
        broken = conn.closed != 0
        if not broken and conn.get_transaction_status() != psycopg2.extensions.TRANSACTION_STATUS_IDLE:
            try:
                conn.rollback()
            except CONNECTION_ERRORS:
                broken = True
        pool.putconn(conn, close=broken)

    def retire(self, pool: ConnectionPool) -> None:
        """Drop `pool` so that the next request opens fresh connections."""
        with self._lock:
            if self._pool is pool:
                self._pool = None
        pool.closeall()

    def retire_current(self) -> None:
        if self._pool is not None:
            self.retire(self._pool)

    def close(self) -> None:
        self.retire_current()


def init_app(app: Flask) -> None:
    app.extensions["postgres"] = Database(app.config["DATABASE_URL"], app.config["DB_POOL_MAX"])
    app.teardown_appcontext(_release_connection)


def database() -> Database:
    return current_app.extensions["postgres"]


def get_connection() -> Connection:
    """The request's connection, checked out of the pool on first use."""
    if "pg_connection" not in g:
        g.pg_pool, g.pg_connection = database().connect()
    return g.pg_connection


@contextmanager
def checked_out(db: Database) -> Iterator[Connection]:
    """A connection for the block alone, back in the pool at its end: for work that outlives the request's,
    such as a download streamed in batches, which must not hold one while the client reads."""
    pool, conn = db.connect()
    try:
        yield conn
    except CONNECTION_ERRORS:
        db.retire(pool)  # its other connections are likely dead too
        raise
    finally:
        db.release(pool, conn)


def _release_connection(_exception: BaseException | None) -> None:
    conn = g.pop("pg_connection", None)
    pool = g.pop("pg_pool", None)
    if conn is not None:
        database().release(pool, conn)


@contextmanager
def transaction(conn: Connection) -> Iterator[psycopg2.extensions.cursor]:
    """Run the block in one transaction: commit on success, roll back on error."""
    with conn, conn.cursor() as cur:
        yield cur


def apply_schema(conn: Connection) -> None:
    """Create every table and index that does not exist yet, and drop indexes schema.sql retired.

    One transaction: an index built here on a large existing table blocks
    writes to that table until it is built.
    """
    with transaction(conn) as cur:
        # Serialise concurrent `db init` runs: CREATE ... IF NOT EXISTS is not
        # race-free on its own.
        cur.execute("SELECT pg_advisory_xact_lock(%(key)s)", {"key": SCHEMA_LOCK_KEY})
        cur.execute(SCHEMA_PATH.read_text())


def ping(conn: Connection) -> None:
    with conn.cursor() as cur:
        cur.execute("SELECT 1")
    conn.rollback()
