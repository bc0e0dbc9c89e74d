"""The TOTP secrets in PostgreSQL (`user_totp`), sealed by accounts.totp_crypto: never in clear.

A user has at most one row. While `enabled_at` is NULL it is a set-up not
yet confirmed with a code; confirming sets `enabled_at`. `last_step` is the
time step of the last code accepted, and `take_step` moves it forward with
one conditional UPDATE: a code of that step or an earlier one is refused,
and of two requests racing with the same code only one can win.
"""

from dataclasses import dataclass

from accounts import totp, totp_crypto
from stores.postgres import Connection, transaction

# For lists of users: whether each has two-factor sign-in on (`FROM users` unaliased).
ENABLED_EXPRESSION = "EXISTS (SELECT 1 FROM user_totp t WHERE t.user_id = users.id AND t.enabled_at IS NOT NULL)"


@dataclass(frozen=True)
class PendingSecret:
    """A set-up secret awaiting its confirming code; `nonce` names exactly this one."""

    secret: str
    nonce: bytes


def is_enabled(conn: Connection, user_id: int) -> bool:
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM user_totp WHERE user_id = %(user)s AND enabled_at IS NOT NULL", {"user": user_id})
        return cur.fetchone() is not None


def get_or_create_pending(conn: Connection, key: bytes, user_id: int, fresh_seconds: int) -> PendingSecret | None:
    """The unconfirmed secret if it is younger than `fresh_seconds`, else a new one; None when two-factor is on.

    Reloading the page keeps the secret already scanned; a set-up abandoned
    long ago starts again with a new one.
    """
    created = _store_pending(conn, key, user_id, only_if_older_than=fresh_seconds)
    if created is not None:
        return created
    pending = get_pending(conn, key, user_id)
    if pending is not None or is_enabled(conn, user_id):
        return pending
    # Unreadable (SECRET_KEY changed since): replace it.
    return _store_pending(conn, key, user_id, only_if_older_than=0)


def get_pending(conn: Connection, key: bytes, user_id: int) -> PendingSecret | None:
    """The unconfirmed secret, or None (none, already on, or unreadable under this key)."""
    row = _row(conn, user_id)
    if row is None or row["enabled_at"] is not None:
        return None
    try:
        secret = totp_crypto.decrypt(key, user_id, row["secret_nonce"], row["secret_ciphertext"])
    except totp_crypto.SecretUnreadable:
        return None
    return PendingSecret(secret, bytes(row["secret_nonce"]))


def enable(cur, user_id: int, nonce: bytes, step: int) -> bool:
    """Turn the pending secret named by `nonce` on, `step` being the confirming code's; False if it changed."""
    cur.execute(
        """UPDATE user_totp SET enabled_at = now(), last_step = %(step)s
           WHERE user_id = %(user)s AND enabled_at IS NULL AND secret_nonce = %(nonce)s
           RETURNING user_id""",
        {"user": user_id, "nonce": nonce, "step": step},
    )
    return cur.fetchone() is not None


def get_secret(conn: Connection, key: bytes, user_id: int) -> str | None:
    """The secret of a user with two-factor on, in clear for computing codes; None when it is off.

    Raises totp_crypto.SecretUnreadable when it does not decrypt under `key`.
    """
    row = _row(conn, user_id)
    if row is None or row["enabled_at"] is None:
        return None
    return totp_crypto.decrypt(key, user_id, row["secret_nonce"], row["secret_ciphertext"])


def take_step(conn: Connection, user_id: int, step: int) -> bool:
    """Accept a code of `step` once: True only if no code of this step or a later one was accepted before."""
    with conn.cursor() as cur:
        cur.execute(
            """UPDATE user_totp SET last_step = %(step)s
               WHERE user_id = %(user)s AND enabled_at IS NOT NULL AND last_step < %(step)s
               RETURNING user_id""",
            {"user": user_id, "step": step},
        )
        return cur.fetchone() is not None


def delete(cur, user_id: int) -> bool:
    """Remove the user's secret, on or pending; True if two-factor was on."""
    cur.execute(
        "DELETE FROM user_totp WHERE user_id = %(user)s RETURNING enabled_at IS NOT NULL AS was_on", {"user": user_id}
    )
    row = cur.fetchone()
    return bool(row and row["was_on"])


def _store_pending(conn: Connection, key: bytes, user_id: int, only_if_older_than: int) -> PendingSecret | None:
    """Write a new pending secret unless two-factor is on or a pending one is younger than the limit."""
    secret = totp.new_secret()
    nonce, ciphertext = totp_crypto.encrypt(key, user_id, secret)
    with transaction(conn) as cur:
        cur.execute(
            """INSERT INTO user_totp (user_id, secret_ciphertext, secret_nonce)
               VALUES (%(user)s, %(ciphertext)s, %(nonce)s)
               ON CONFLICT (user_id) DO UPDATE
                  SET secret_ciphertext = EXCLUDED.secret_ciphertext, secret_nonce = EXCLUDED.secret_nonce,
                      created_at = now(), last_step = 0
                  WHERE user_totp.enabled_at IS NULL
                    AND user_totp.created_at <= now() - make_interval(secs => %(age)s)
               RETURNING user_id""",
            {"user": user_id, "ciphertext": ciphertext, "nonce": nonce, "age": only_if_older_than},
        )
        stored = cur.fetchone() is not None
    return PendingSecret(secret, nonce) if stored else None


def _row(conn: Connection, user_id: int) -> dict | None:
    with conn.cursor() as cur:
        cur.execute(
            "SELECT secret_ciphertext, secret_nonce, enabled_at FROM user_totp WHERE user_id = %(user)s",
            {"user": user_id},
        )
        return cur.fetchone()
