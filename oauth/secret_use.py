"""When each client secret was last used, written at most once a minute and never on the request path.

The developer page shows a secret's last use (to tell a forgotten one from
one in service). A token request only notes the use: each worker passes a
secret's use on at most once per NOTE_SECONDS, and then only after the
answer has gone out, where `secretused:<client_id>:<secret_id>` (SET NX,
NOTE_SECONDS) lets one worker of all write PostgreSQL per minute. So the
shown time is at most a minute or so behind, and the endpoint's answer
never waits for, nor fails with, that bookkeeping.
"""

import logging
import threading
import time

import psycopg2
import redis
from flask import after_this_request

from stores import StoreUnavailable, keys, postgres, redis_client

log = logging.getLogger(__name__)

NOTE_SECONDS = 60

# (client_id, secret_id) -> when this worker last passed that secret's use on (time.monotonic()).
_noted: dict[tuple[str, int], float] = {}
_lock = threading.Lock()


secret_used_key = keys.secret_used


def note_use(client_id: str, secret_id: int) -> None:
    """Record that the secret authenticated a request, once this request's answer has gone out."""
    if not _first_this_minute((client_id, secret_id)):
        return
    db, r = postgres.database(), redis_client.get_redis()

    @after_this_request
    def _schedule(response):
        response.call_on_close(lambda: record_use(db, r, client_id, secret_id))
        return response


def _first_this_minute(secret: tuple[str, int]) -> bool:
    now = time.monotonic()
    with _lock:
        if now - _noted.get(secret, -NOTE_SECONDS) < NOTE_SECONDS:
            return False
        _noted[secret] = now
    return True


def record_use(db: postgres.Database, r: redis.Redis, client_id: str, secret_id: int) -> None:
    """Write the secret's last use unless another worker did this minute; log, never raise, on a store failure."""
    try:
        if not r.set(secret_used_key(client_id, secret_id), int(time.time()), nx=True, ex=NOTE_SECONDS):
            return
        pool, conn = db.connect()
    except (StoreUnavailable, redis.RedisError) as error:
        log.warning("last use of a secret of %s not written: %s", client_id, error)
        return
    try:
        with conn.cursor() as cur:  # one statement on an autocommit connection
            cur.execute("UPDATE client_secrets SET last_used_at = now() WHERE id = %(id)s", {"id": secret_id})
    except psycopg2.Error as error:
        if isinstance(error, postgres.CONNECTION_ERRORS):
            db.retire(pool)
        log.warning("last use of a secret of %s not written: %s", client_id, error)
    finally:
        db.release(pool, conn)
