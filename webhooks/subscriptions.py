"""Subscriptions (PostgreSQL): which URL hears which events of one person, for one app.

A subscription belongs to a (user, app) pair and lives only as long as that
pair's grant: creating one holds the live grant's row, and `end_for_pair`
runs in the transaction that revokes it, so a subscription can never
outlive the access that made it. The secret that signs deliveries is shown
to the app once and kept sealed (stores.sealing), bound to the
subscription's id.
"""

import secrets
import uuid
from datetime import datetime
from typing import TypedDict

from stores import sealing
from stores.postgres import Connection, transaction

EVENT_TYPES = ("item.created", "profile.updated")
MAX_PER_PAIR = 20
SECRET_PREFIX = "pawhs_"  # recognisable in a leak, as the platform's other secrets
KEY_INFO = b"platform-accounts webhook signing secret encryption v1"

LISTED_COLUMNS = "id::text AS id, url, events, created_at, disabled_at IS NOT NULL AS disabled, disabled_reason"


class Subscription(TypedDict):
    """A live subscription as the API lists it (LISTED_COLUMNS)."""

    id: str
    url: str
    events: list[str]
    created_at: datetime
    disabled: bool  # failed for too long: no deliveries until subscribed again
    disabled_reason: str


class NoLiveGrant(Exception):
    """The pair's grant is gone (revoked since the token was checked): nothing to subscribe for."""


class TooManySubscriptions(Exception):
    """The pair has MAX_PER_PAIR subscriptions already."""


def sealing_key(secret_key: str) -> bytes:
    """The AES key for subscription secrets, derived from the app's SECRET_KEY."""
    return sealing.derive_key(secret_key, KEY_INFO)


def open_secret(key: bytes, subscription_id: str, nonce: bytes, ciphertext: bytes) -> str:
    """The signing secret of a subscription (sealing.Unreadable if SECRET_KEY changed)."""
    return sealing.unseal(key, nonce, ciphertext, _associated_data(subscription_id)).decode()


def _associated_data(subscription_id: str) -> bytes:
    return f"webhook_subscriptions:{subscription_id}".encode()


def new_secret(key: bytes, subscription_id: str) -> tuple[str, bytes, bytes]:
    """A fresh signing secret for the subscription: (the secret, to show once; its nonce and ciphertext, to store)."""
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)  # 256 random bits
    nonce, ciphertext = sealing.seal(key, secret.encode(), _associated_data(subscription_id))
    return secret, nonce, ciphertext


def list_for_pair(conn: Connection, user_id: int, client_id: str) -> list[Subscription]:
    with conn.cursor() as cur:
        cur.execute(
            f"""SELECT {LISTED_COLUMNS} FROM webhook_subscriptions
                WHERE user_id = %(user)s AND client_id = %(client)s AND ended_at IS NULL
                ORDER BY created_at, id""",
            {"user": user_id, "client": client_id},
        )
        return cur.fetchall()


def subscribe(
    conn: Connection, key: bytes, user_id: int, client_id: str, url: str, events: list[str]
) -> tuple[Subscription, str | None]:
    """Subscribe `url` to `events` for the pair: (subscription, its secret) when new.

    The same URL again is the same subscription: its events become `events`,
    a disabled one is turned back on, and the secret (None) is not shown again.
    """
    with transaction(conn) as cur:
        # Held until commit: a revocation racing this either ends the new row or finds no grant.
        cur.execute(
            """SELECT 1 FROM grants WHERE user_id = %(user)s AND client_id = %(client)s AND revoked_at IS NULL
               FOR UPDATE""",
            {"user": user_id, "client": client_id},
        )
        if cur.fetchone() is None:
            raise NoLiveGrant
        pair = {"user": user_id, "client": client_id, "url": url, "events": events}
        cur.execute(
            f"""UPDATE webhook_subscriptions
                SET events = %(events)s, disabled_at = NULL, disabled_reason = '', failing_since = NULL
                WHERE user_id = %(user)s AND client_id = %(client)s AND url = %(url)s AND ended_at IS NULL
                RETURNING {LISTED_COLUMNS}""",
            pair,
        )
        existing = cur.fetchone()
        if existing:
            return existing, None
        cur.execute(
            """SELECT count(*) AS n FROM webhook_subscriptions
               WHERE user_id = %(user)s AND client_id = %(client)s AND ended_at IS NULL""",
            pair,
        )
        if cur.fetchone()["n"] >= MAX_PER_PAIR:
            raise TooManySubscriptions
        return _insert(cur, key, pair)


def _insert(cur, key: bytes, pair: dict) -> tuple[Subscription, str]:
    subscription_id = str(uuid.uuid4())
    secret, nonce, ciphertext = new_secret(key, subscription_id)
    cur.execute(
        f"""INSERT INTO webhook_subscriptions (id, user_id, client_id, url, events, secret_ciphertext, secret_nonce)
            VALUES (%(id)s, %(user)s, %(client)s, %(url)s, %(events)s, %(ciphertext)s, %(nonce)s)
            RETURNING {LISTED_COLUMNS}""",
        {**pair, "id": subscription_id, "ciphertext": ciphertext, "nonce": nonce},
    )
    return cur.fetchone(), secret


def unsubscribe(conn: Connection, user_id: int, client_id: str, subscription_id: str) -> bool:
    """End one of the pair's subscriptions; False if the pair has no such live subscription."""
    try:
        subscription_id = str(uuid.UUID(subscription_id))
    except ValueError:
        return False
    with transaction(conn) as cur:
        cur.execute(
            """UPDATE webhook_subscriptions SET ended_at = now(), end_reason = 'deleted'
               WHERE id = %(id)s AND user_id = %(user)s AND client_id = %(client)s AND ended_at IS NULL
               RETURNING id""",
            {"id": subscription_id, "user": user_id, "client": client_id},
        )
        return cur.fetchone() is not None


def end_for_pair(cur, user_id: int, client_id: str) -> int:
    """End every subscription of the pair, in the caller's transaction (the grant's revocation)."""
    cur.execute(
        """UPDATE webhook_subscriptions SET ended_at = now(), end_reason = 'revoked'
           WHERE user_id = %(user)s AND client_id = %(client)s AND ended_at IS NULL""",
        {"user": user_id, "client": client_id},
    )
    return cur.rowcount
