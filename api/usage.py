"""When each consent grant was last used, without a PostgreSQL write per API call.

`gu:<grant_id>` in Redis (in its app's slot, stores/keys.py) holds the time (seconds since the epoch) of
the grant's last recorded use. The API guard's Lua round trip reads it on
every call and records a new time only when the one held is FLUSH_SECONDS
old or more; only then does that call write `grants.last_used_at`. So both
stores see at most one write per grant per FLUSH_SECONDS, every other call
costs Redis a read rather than a write, and a shown last use is never more
than FLUSH_SECONDS behind the true one. Pages read Redis first and fall back
to PostgreSQL once the key has expired.
"""

import logging
from datetime import UTC, datetime
from pathlib import Path

import psycopg2
import redis
from flask import after_this_request

from stores import StoreUnavailable, keys, postgres, spread
from stores.postgres import Connection

log = logging.getLogger(__name__)

FLUSH_SECONDS = 60
# Long enough to cover any page view; PostgreSQL holds the value after that.
LAST_USED_TTL = 7 * 24 * 3600

# The Lua function that notes a use (note_use), a library of the API guard's script.
LIBRARY = Path(__file__).with_name("usage.lua")


last_used_key = keys.last_used


def record_after_response(grant_id: int, used_at: int) -> None:
    """Write the grant's last use to PostgreSQL once this request's answer has gone out.

    Bookkeeping must neither delay nor fail an API call that Redis alone has
    authorised (a busy pool would make it wait; a server that is down would
    turn it into a 503): Redis holds the time already, pages read it first,
    and the next minute's call writes PostgreSQL again.
    """
    db = postgres.database()

    @after_this_request
    def _schedule(response):
        response.call_on_close(lambda: record_last_used(db, grant_id, used_at))
        return response


def record_last_used(db: postgres.Database, grant_id: int, used_at: int) -> None:
    """Write the grant's last use on a connection of its own; log, never raise, when PostgreSQL fails."""
    try:
        pool, conn = db.connect()
    except StoreUnavailable as error:
        log.warning("last use of grant %s not written: %s", grant_id, error)
        return
    try:
        update_last_used(conn, grant_id, used_at)
    except psycopg2.Error as error:
        if isinstance(error, postgres.CONNECTION_ERRORS):
            db.retire(pool)  # its other connections are likely dead too
        log.warning("last use of grant %s not written: %s", grant_id, error)
    finally:
        db.release(pool, conn)


def update_last_used(conn: Connection, grant_id: int, used_at: int) -> None:
    """Write the grant's last use (seconds since the epoch), never moving it backwards."""
    # One statement on an autocommit connection: no BEGIN/COMMIT round trips.
    with conn.cursor() as cur:
        cur.execute(
            """UPDATE grants SET last_used_at = to_timestamp(%(at)s)
               WHERE id = %(id)s AND (last_used_at IS NULL OR last_used_at < to_timestamp(%(at)s))""",
            {"id": grant_id, "at": used_at},
        )


def with_freshest_last_use(r: redis.Redis, grants: list[dict]) -> None:
    """Give each grant row (as read from PostgreSQL) the freshest last use: Redis's when it holds one.

    One read of all of them (per shard on a cluster); the rows already carry PostgreSQL's value.
    """
    if not grants:
        return
    in_redis = spread.get_many(r, [last_used_key(grant["client_id"], grant["id"]) for grant in grants])
    for grant, value in zip(grants, in_redis, strict=True):
        if value:
            grant["last_used_at"] = datetime.fromtimestamp(int(value), UTC)
