"""Consent grants (PostgreSQL): which user allowed which app to do what.

A grant is live until revoked. Consenting to more scopes widens the live
grant; revoking marks it revoked (kept for the record) and ends every token
family issued under it and the pair's webhook subscriptions. The next
consent creates a new grant. The app hears of it through its revocation
notice URL, if it set one (webhooks.revocation_notices).
"""

from datetime import datetime
from typing import TypedDict

import redis

import audit
from accounts import users
from audit import Actor
from oauth import token_store
from oauth.scopes import format_scope
from stores.postgres import Connection, transaction
from webhooks import revocation_notices
from webhooks import subscriptions as webhook_subscriptions

GRANT_COLUMNS = "id, user_id, client_id, scopes, granted_at, updated_at, last_used_at, revoked_at"


class Grant(TypedDict):
    """A row of `grants` as GRANT_COLUMNS selects it: one user's consent to one app."""

    id: int
    user_id: int
    client_id: str
    scopes: list[str]
    granted_at: datetime
    updated_at: datetime  # last widened
    last_used_at: datetime | None  # written at most once a minute (api/usage.py)
    revoked_at: datetime | None  # None while live


class UserGrant(TypedDict):
    """A live grant as the person who gave it sees it (list_user_grants)."""

    id: int
    client_id: str
    scopes: list[str]
    granted_at: datetime
    updated_at: datetime
    last_used_at: datetime | None
    client_name: str
    homepage_url: str
    client_status: str
    developer_name: str
    developer_email: str


def get_live_grant(conn: Connection, user_id: int, client_id: str) -> Grant | None:
    with conn.cursor() as cur:
        cur.execute(
            f"""SELECT {GRANT_COLUMNS} FROM grants
                WHERE user_id = %(user)s AND client_id = %(client)s AND revoked_at IS NULL""",
            {"user": user_id, "client": client_id},
        )
        return cur.fetchone()


def is_live(conn: Connection, grant_id: int) -> bool:
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM grants WHERE id = %(id)s AND revoked_at IS NULL", {"id": grant_id})
        return cur.fetchone() is not None


class UserLimitReached(Exception):
    """An unverified app has as many people as it may have until the platform verifies it."""

    def __init__(self, limit: int):
        super().__init__(f"this app may have {limit} users until it is verified")
        self.limit = limit


def check_user_limit(conn: Connection, user_id: int, client_id: str, user_limit: int | None) -> None:
    """Raise UserLimitReached if `user_id` would be one person too many for the app (None: no limit).

    Everyone who ever granted the app counts, revoked grants included: an
    app cannot make room by revoking its own grants, and a person who
    allowed it once may always allow it again.
    """
    if user_limit is None:
        return
    with conn.cursor() as cur:
        _check_user_limit(cur, user_id, client_id, user_limit)


def _check_user_limit(cur, user_id: int, client_id: str, user_limit: int) -> None:
    cur.execute(
        """SELECT bool_or(user_id = %(user)s) AS known, count(DISTINCT user_id) AS users
           FROM grants WHERE client_id = %(client)s""",
        {"user": user_id, "client": client_id},
    )
    row = cur.fetchone()
    if not row["known"] and row["users"] >= user_limit:
        raise UserLimitReached(user_limit)


def grant_scopes(
    conn: Connection, actor: Actor, user_id: int, client_id: str, scopes: list[str], *, user_limit: int | None = None
) -> Grant:
    """Record consent to `scopes`, widening a live grant or creating one. Returns the grant.

    With `user_limit`, a newcomer past the app's limit gets UserLimitReached
    instead; the app's row is held meanwhile, so two people allowing it at
    once cannot both take the last place.
    """
    with transaction(conn) as cur:
        if user_limit is not None:
            cur.execute("SELECT 1 FROM clients WHERE client_id = %(client)s FOR UPDATE", {"client": client_id})
            _check_user_limit(cur, user_id, client_id, user_limit)
        cur.execute(
            f"""INSERT INTO grants (user_id, client_id, scopes)
                VALUES (%(user)s, %(client)s, %(scopes)s)
                ON CONFLICT (user_id, client_id) WHERE revoked_at IS NULL
                DO UPDATE SET scopes = ARRAY(SELECT DISTINCT unnest(grants.scopes || EXCLUDED.scopes)),
                              updated_at = now()
                RETURNING {GRANT_COLUMNS}""",
            {"user": user_id, "client": client_id, "scopes": list(scopes)},
        )
        grant = cur.fetchone()
        audit.record_as(
            cur,
            actor,
            "consent.granted",
            client_id=client_id,
            subject_user_id=user_id,
            details={"scope": format_scope(scopes), "grant_id": grant["id"]},
        )
    return grant


def revoke(conn: Connection, r: redis.Redis, actor: Actor, user_id: int, client_id: str) -> bool:
    """Revoke the user's live grant for the app; every token under it dies at once.

    Redis goes first: should PostgreSQL fail afterwards, the tokens are dead
    already and the grant merely still shows, so retrying is safe. Revoking
    twice is harmless (returns False the second time).
    """
    grant = get_live_grant(conn, user_id, client_id)
    if grant is None:
        return False
    token_store.revoke_grant(r, client_id, grant["id"])
    subject = users.get_identity(conn, user_id)["subject"]
    with transaction(conn) as cur:
        cur.execute(
            "UPDATE grants SET revoked_at = now() WHERE id = %(id)s AND revoked_at IS NULL RETURNING id",
            {"id": grant["id"]},
        )
        revoked = cur.fetchone() is not None
        if revoked:
            # Webhook subscriptions live no longer than the access that made them.
            webhook_subscriptions.end_for_pair(cur, user_id, client_id)
            revocation_notices.queue_notice(cur, client_id, user_id, subject)
            audit.record_as(
                cur,
                actor,
                "consent.revoked",
                client_id=client_id,
                subject_user_id=user_id,
                details={"grant_id": grant["id"]},
            )
    return revoked


def revoke_all_for_user(conn: Connection, r: redis.Redis, actor: Actor, user_id: int) -> int:
    """Revoke every live grant of the user (every app), each as `revoke` does; how many were revoked."""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT client_id FROM grants WHERE user_id = %(user)s AND revoked_at IS NULL ORDER BY id",
            {"user": user_id},
        )
        client_ids = [row["client_id"] for row in cur.fetchall()]
    return sum(revoke(conn, r, actor, user_id, client_id) for client_id in client_ids)


def list_user_grants(conn: Connection, user_id: int) -> list[UserGrant]:
    """The user's live grants with each app's name and developer, newest first."""
    with conn.cursor() as cur:
        cur.execute(
            """SELECT g.id, g.client_id, g.scopes, g.granted_at, g.updated_at, g.last_used_at,
                      c.name AS client_name, c.homepage_url, c.status AS client_status,
                      u.name AS developer_name, u.email AS developer_email
               FROM grants g
               JOIN clients c ON c.client_id = g.client_id
               JOIN users u ON u.id = c.owner_id
               WHERE g.user_id = %(user)s AND g.revoked_at IS NULL
               ORDER BY g.updated_at DESC, g.id DESC""",
            {"user": user_id},
        )
        return cur.fetchall()
