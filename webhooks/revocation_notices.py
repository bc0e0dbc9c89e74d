"""Revocation notices: an app's own URL hears `authorization.revoked` (data: the person's `sub`) when revoked.

The URL is stored as a subscription of the app alone (user_id NULL, events
["authorization.revoked"], at most one live per app), so its deliveries go
through the same queue, signature, retries, 410 and disabling as any
subscription's; a person's revocation ends that person's subscriptions but
not this one. Its signing secret is the app's: shown once when the URL is
first set and when it is replaced, sealed at rest as every subscription's.
"""

import uuid
from datetime import datetime
from typing import TypedDict

import audit
from audit import Actor
from stores.postgres import Connection, transaction
from webhooks import events, subscriptions

EVENT_TYPE = "authorization.revoked"
_COLUMNS = "id::text AS id, url, created_at, disabled_at IS NOT NULL AS disabled, disabled_reason"
_LIVE = "client_id = %(client)s AND user_id IS NULL AND ended_at IS NULL"


class NoticeEndpoint(TypedDict):
    """An app's live revocation notice URL as the portal shows it."""

    id: str
    url: str
    created_at: datetime
    disabled: bool  # failed for the retry window: no notices until the URL is saved again
    disabled_reason: str


def get_endpoint(conn: Connection, client_id: str) -> NoticeEndpoint | None:
    with conn.cursor() as cur:
        cur.execute(f"SELECT {_COLUMNS} FROM webhook_subscriptions WHERE {_LIVE}", {"client": client_id})
        return cur.fetchone()


def set_url(conn: Connection, key: bytes, actor: Actor, client_id: str, url: str) -> tuple[NoticeEndpoint, str | None]:
    """Send the app's notices to `url` (checked by webhooks.urls first): (endpoint, its secret when new).

    Moving the URL keeps the secret (None is returned) and turns a disabled
    endpoint back on; the first URL gets a secret, shown to the developer once.
    """
    with transaction(conn) as cur:
        _hold_app(cur, client_id)
        cur.execute(
            f"""UPDATE webhook_subscriptions
                SET url = %(url)s, disabled_at = NULL, disabled_reason = '', failing_since = NULL
                WHERE {_LIVE} RETURNING {_COLUMNS}""",
            {"client": client_id, "url": url},
        )
        endpoint, secret = cur.fetchone(), None
        if endpoint is None:
            endpoint, secret = _insert(cur, key, client_id, url)
        audit.record_as(cur, actor, "notices.url_set", client_id=client_id, details={"url": url})
    return endpoint, secret


def _insert(cur, key: bytes, client_id: str, url: str) -> tuple[NoticeEndpoint, str]:
    endpoint_id = str(uuid.uuid4())
    secret, nonce, ciphertext = subscriptions.new_secret(key, endpoint_id)
    cur.execute(
        f"""INSERT INTO webhook_subscriptions (id, user_id, client_id, url, events, secret_ciphertext, secret_nonce)
            VALUES (%(id)s, NULL, %(client)s, %(url)s, %(events)s, %(ciphertext)s, %(nonce)s)
            RETURNING {_COLUMNS}""",
        {
            "id": endpoint_id,
            "client": client_id,
            "url": url,
            "events": [EVENT_TYPE],
            "ciphertext": ciphertext,
            "nonce": nonce,
        },
    )
    return cur.fetchone(), secret


def replace_secret(conn: Connection, key: bytes, actor: Actor, client_id: str) -> str | None:
    """A new signing secret for the app's notices, in force at once; None if the app has no notice URL."""
    with transaction(conn) as cur:
        _hold_app(cur, client_id)
        cur.execute(f"SELECT id::text AS id FROM webhook_subscriptions WHERE {_LIVE}", {"client": client_id})
        row = cur.fetchone()
        if row is None:
            return None
        secret, nonce, ciphertext = subscriptions.new_secret(key, row["id"])
        cur.execute(
            """UPDATE webhook_subscriptions SET secret_nonce = %(nonce)s, secret_ciphertext = %(ciphertext)s
               WHERE id = %(id)s""",
            {"id": row["id"], "nonce": nonce, "ciphertext": ciphertext},
        )
        audit.record_as(cur, actor, "notices.secret_rotated", client_id=client_id)
    return secret


def remove(conn: Connection, actor: Actor, client_id: str) -> bool:
    """Stop sending the app notices (queued ones are dropped); False if it had no notice URL."""
    with transaction(conn) as cur:
        cur.execute(
            f"UPDATE webhook_subscriptions SET ended_at = now(), end_reason = 'deleted' WHERE {_LIVE} RETURNING id",
            {"client": client_id},
        )
        removed = cur.fetchone() is not None
        if removed:
            audit.record_as(cur, actor, "notices.url_removed", client_id=client_id)
    return removed


def queue_notice(cur, client_id: str, user_id: int, subject: str) -> None:
    """Queue `authorization.revoked` for the app, in the caller's transaction (the grant's revocation)."""
    events.record_for_app(cur, client_id, user_id, EVENT_TYPE, {"sub": subject})


def _hold_app(cur, client_id: str) -> None:
    # Two saves at once for one app must not both insert (the unique index would answer with an error).
    cur.execute("SELECT 1 FROM clients WHERE client_id = %(client)s FOR UPDATE", {"client": client_id})
