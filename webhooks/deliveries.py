"""The delivery queue, in PostgreSQL: pending rows of webhook_deliveries, taken with SKIP LOCKED.

A worker takes the next due delivery in a transaction and keeps the row
locked while it POSTs, then writes the outcome and commits. Other workers
skip locked rows, so a delivery is attempted by one worker at a time. A
worker that dies mid-way (SIGKILL, a lost host) drops its connection;
PostgreSQL then rolls its transaction back and releases the row, which the
next worker takes at once, with its attempt not counted. A delivery can
therefore reach a receiver twice (at-least-once): events carry their id
for receivers to drop duplicates.
"""

from datetime import datetime
from typing import TypedDict
from urllib.parse import urlsplit

import audit
from audit import Actor
from stores.postgres import Connection, transaction


class Due(TypedDict):
    """A delivery that is due, with what sending it needs."""

    id: int
    attempts: int  # made so far
    event_id: str
    type: str
    data: dict
    event_created_at: datetime
    subscription_id: str
    url: str
    secret_nonce: bytes
    secret_ciphertext: bytes
    failing_seconds: float | None  # how long the subscription has been failing (None: it is not)
    live: bool  # the subscription is neither ended nor disabled
    paused: bool  # its app is suspended
    age_seconds: float  # since the event


def take_due(cur) -> Due | None:
    """Lock and return the delivery due soonest that no other worker holds (None: nothing due)."""
    cur.execute(
        """SELECT d.id, d.attempts, e.id::text AS event_id, e.type, e.data, e.created_at AS event_created_at,
                  s.id::text AS subscription_id, s.url, s.secret_nonce, s.secret_ciphertext,
                  extract(epoch FROM now() - s.failing_since)::float AS failing_seconds,
                  (s.ended_at IS NULL AND s.disabled_at IS NULL) AS live, c.status <> 'active' AS paused,
                  extract(epoch FROM now() - e.created_at)::float AS age_seconds
           FROM webhook_deliveries d
           JOIN webhook_events e ON e.id = d.event_id
           JOIN webhook_subscriptions s ON s.id = d.subscription_id
           JOIN clients c ON c.client_id = s.client_id
           WHERE d.status = 'pending' AND d.next_attempt_at <= now()
           ORDER BY d.next_attempt_at, d.id
           LIMIT 1
           FOR UPDATE OF d SKIP LOCKED"""
    )
    return cur.fetchone()


def mark_delivered(cur, due: Due, status_code: int) -> None:
    _finish(cur, due, "delivered", status_code, "")
    cur.execute(
        "UPDATE webhook_subscriptions SET failing_since = NULL WHERE id = %(id)s AND failing_since IS NOT NULL",
        {"id": due["subscription_id"]},
    )


def mark_cancelled(cur, due: Due) -> None:
    """The subscription ended or was disabled before this delivery went out: it never will."""
    cur.execute(
        "UPDATE webhook_deliveries SET status = 'cancelled', finished_at = now() WHERE id = %(id)s",
        {"id": due["id"]},
    )


def mark_failed(cur, due: Due, status_code: int | None, error: str) -> None:
    """Give the delivery up after this attempt."""
    _finish(cur, due, "failed", status_code, error)


def schedule_retry(cur, due: Due, delay_seconds: float, status_code: int | None, error: str) -> None:
    """Count a failed attempt and try again after `delay_seconds`; the subscription is failing from now on."""
    cur.execute(
        """UPDATE webhook_deliveries
           SET attempts = attempts + 1, last_status_code = %(code)s, last_error = %(error)s,
               next_attempt_at = now() + make_interval(secs => %(delay)s)
           WHERE id = %(id)s""",
        {"id": due["id"], "code": status_code, "error": error[:200], "delay": delay_seconds},
    )
    cur.execute(
        "UPDATE webhook_subscriptions SET failing_since = now() WHERE id = %(id)s AND failing_since IS NULL",
        {"id": due["subscription_id"]},
    )


def postpone(cur, due: Due, delay_seconds: float) -> None:
    """Not attempted (its app is suspended): look again after `delay_seconds`, no attempt counted."""
    cur.execute(
        "UPDATE webhook_deliveries SET next_attempt_at = now() + make_interval(secs => %(delay)s) WHERE id = %(id)s",
        {"id": due["id"], "delay": delay_seconds},
    )


def end_subscription(cur, subscription_id: str) -> None:
    """The receiver answered 410 Gone: the subscription ends at once."""
    cur.execute(
        """UPDATE webhook_subscriptions SET ended_at = now(), end_reason = 'gone'
           WHERE id = %(id)s AND ended_at IS NULL""",
        {"id": subscription_id},
    )


def disable_subscription(cur, subscription_id: str, reason: str) -> None:
    """Failing for too long: no more deliveries until the app subscribes the URL again."""
    cur.execute(
        """UPDATE webhook_subscriptions SET disabled_at = now(), disabled_reason = %(reason)s
           WHERE id = %(id)s AND disabled_at IS NULL""",
        {"id": subscription_id, "reason": reason[:300]},
    )


def _finish(cur, due: Due, status: str, status_code: int | None, error: str) -> None:
    cur.execute(
        """UPDATE webhook_deliveries
           SET status = %(status)s, attempts = attempts + 1, last_status_code = %(code)s,
               last_error = %(error)s, finished_at = now()
           WHERE id = %(id)s""",
        {"id": due["id"], "status": status, "code": status_code, "error": error[:200]},
    )


class Listed(TypedDict):
    """A delivery as the developer portal lists it."""

    id: int
    type: str
    host: str  # of the URL: its path may carry what only the app should see
    status: str  # pending, delivered, failed, cancelled
    last_status_code: int | None
    last_error: str
    attempts: int
    next_attempt_at: datetime | None  # the next try, while pending
    event_created_at: datetime


def list_recent_for_app(conn: Connection, client_id: str, limit: int = 20) -> list[Listed]:
    """The app's latest deliveries, of every subscription it holds and its revocation notices, newest first."""
    with conn.cursor() as cur:
        cur.execute(
            """SELECT d.id, e.type, s.url, d.status, d.last_status_code, d.last_error, d.attempts,
                      CASE WHEN d.status = 'pending' THEN d.next_attempt_at END AS next_attempt_at,
                      e.created_at AS event_created_at
               FROM webhook_deliveries d
               JOIN webhook_subscriptions s ON s.id = d.subscription_id
               JOIN webhook_events e ON e.id = d.event_id
               WHERE s.client_id = %(client)s
               ORDER BY d.id DESC
               LIMIT %(limit)s""",
            {"client": client_id, "limit": limit},
        )
        return [{**row, "host": urlsplit(row.pop("url")).hostname or ""} for row in cur.fetchall()]


class NotRedeliverable(Exception):
    """The delivery cannot be sent again now: the message says why, for the developer."""


def redeliver(conn: Connection, actor: Actor, client_id: str, delivery_id: int) -> bool:
    """Send one of the app's deliveries again as soon as a worker is free; False if the app has no such delivery.

    The same event (same id) goes out again, newly signed; a failure is
    retried as usual within the event's retry window. NotRedeliverable when
    its subscription ended, or a worker is sending it at this moment.
    """
    with transaction(conn) as cur:
        cur.execute(
            """SELECT e.type, s.ended_at IS NULL AND s.disabled_at IS NULL AS live
               FROM webhook_deliveries d
               JOIN webhook_subscriptions s ON s.id = d.subscription_id
               JOIN webhook_events e ON e.id = d.event_id
               WHERE d.id = %(id)s AND s.client_id = %(client)s""",
            {"id": delivery_id, "client": client_id},
        )
        found = cur.fetchone()
        if found is None:
            return False
        if not found["live"]:
            raise NotRedeliverable("Its subscription has ended or is disabled: nothing is sent to it any more.")
        # A worker holds the row while it sends: rather than wait for it, say so.
        cur.execute(
            """UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = now(), finished_at = NULL
               WHERE id = (SELECT id FROM webhook_deliveries WHERE id = %(id)s FOR UPDATE SKIP LOCKED)""",
            {"id": delivery_id},
        )
        if cur.rowcount == 0:
            raise NotRedeliverable("A worker is sending it right now: look again in a moment.")
        audit.record_as(
            cur,
            actor,
            "webhook.redelivered",
            client_id=client_id,
            details={"delivery": delivery_id, "type": found["type"]},
        )
    return True
