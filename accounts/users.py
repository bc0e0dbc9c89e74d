"""User records in PostgreSQL. Emails are unique regardless of case."""

from datetime import datetime
from typing import TypedDict

import psycopg2
from werkzeug.security import check_password_hash, generate_password_hash

from stores.postgres import Connection, transaction

ROLES = ("user", "developer", "admin")
MIN_PASSWORD_LENGTH = 10  # NIST SP 800-63B; the whole policy is accounts.passwords
MAX_PASSWORD_LENGTH = 128

# Verified against when the email is unknown, so that a miss costs as much
# time as a wrong password and does not reveal which emails have accounts.
_DECOY_HASH = generate_password_hash("decoy password, never valid")

USER_COLUMNS = "id, email, name, role, created_at, disabled_at, email_verified_at IS NOT NULL AS email_verified"


class User(TypedDict):
    """A row of `users` as USER_COLUMNS selects it: never the password hash."""

    id: int
    email: str
    name: str  # "" when none was given
    role: str  # one of ROLES
    created_at: datetime
    disabled_at: datetime | None  # set while an administrator has disabled the account
    email_verified: bool  # the person opened a verification link, or an operator made the account


class SignInRecord(User):
    """A user with their password hash, for password_matches only."""

    password_hash: str


class Identity(TypedDict):
    """Who a user is to the apps they sign in to with OpenID Connect (ID tokens, userinfo)."""

    subject: str  # `sub`: random and stable, never the row's id or the email
    name: str
    email: str
    email_verified: bool
    updated_at: int  # Unix seconds: when the name or email last changed (else when the account was made)


class EmailTaken(Exception):
    """An account with that email (in any letter case) exists already."""


def normalize_email(email: str) -> str:
    return email.strip()


def create_user(
    conn: Connection, email: str, password: str, name: str = "", role: str = "user", *, verified: bool = True
) -> User:
    """Insert a user with a slow (scrypt) password hash; raise EmailTaken on a duplicate.

    The hash is made first, so a taken email costs as much time as a new one.
    `verified`: the email counts as proven (accounts an operator makes);
    sign-up passes False until the person opens the link it mails.
    """
    password_hash = hash_password(password)
    with transaction(conn) as cur:
        return insert_user(cur, email, password_hash, name, role, verified=verified)


def hash_password(password: str) -> str:
    """The slow (scrypt) hash stored for `password`."""
    return generate_password_hash(password)


def insert_user(
    cur, email: str, password_hash: str, name: str = "", role: str = "user", *, verified: bool = True
) -> User:
    """create_user's INSERT, in the caller's transaction (which a taken email, EmailTaken, rolls back)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    try:
        cur.execute(
            f"""INSERT INTO users (email, name, role, password_hash, email_verified_at)
                VALUES (%(email)s, %(name)s, %(role)s, %(hash)s, CASE WHEN %(verified)s THEN now() END)
                RETURNING {USER_COLUMNS}""",
            {
                "email": normalize_email(email),
                "name": name.strip(),
                "role": role,
                "hash": password_hash,
                "verified": verified,
            },
        )
    except psycopg2.errors.UniqueViolation as error:
        raise EmailTaken(email) from error
    return cur.fetchone()


def get_user(conn: Connection, user_id: int) -> User | None:
    with conn.cursor() as cur:
        cur.execute(f"SELECT {USER_COLUMNS} FROM users WHERE id = %(id)s", {"id": user_id})
        return cur.fetchone()


def get_identity(conn: Connection, user_id: int) -> Identity | None:
    with conn.cursor() as cur:
        cur.execute(
            """SELECT subject::text AS subject, name, email, email_verified_at IS NOT NULL AS email_verified,
                      extract(epoch FROM coalesce(profile_updated_at, created_at))::bigint AS updated_at
               FROM users WHERE id = %(id)s""",
            {"id": user_id},
        )
        return cur.fetchone()


def get_user_by_email(conn: Connection, email: str) -> User | None:
    return _select_by_email(conn, email, USER_COLUMNS)


def get_sign_in_record(conn: Connection, email: str) -> SignInRecord | None:
    """The user with this email, with their password hash: for `password_matches` only."""
    return _select_by_email(conn, email, f"{USER_COLUMNS}, password_hash")


def get_password_record(conn: Connection, user_id: int) -> SignInRecord | None:
    """The user with this id, with their password hash: for `password_matches` only."""
    with conn.cursor() as cur:
        cur.execute(f"SELECT {USER_COLUMNS}, password_hash FROM users WHERE id = %(id)s", {"id": user_id})
        return cur.fetchone()


def get_password_version(conn: Connection, user_id: int) -> str | None:
    """When the user's password last changed, as text: a reset link is bound to it (None: no such user)."""
    with conn.cursor() as cur:
        cur.execute("SELECT password_changed_at::text AS version FROM users WHERE id = %(id)s", {"id": user_id})
        row = cur.fetchone()
    return row["version"] if row else None


def update_password(
    cur, user_id: int, password: str, *, if_version: str | None = None, proves_email: bool = False
) -> User | None:
    """Set a new password (slow hash) in the caller's transaction; None if no user matched.

    `password_changed_at` moves on, which spends every reset link made
    before. With `if_version` (from get_password_version), only while the
    password is still the one a reset link was made for. `proves_email`: the
    person came through a link mailed to the account, so the email is theirs.
    """
    password_hash = generate_password_hash(password)
    cur.execute(
        f"""UPDATE users
            SET password_hash = %(hash)s, password_changed_at = clock_timestamp(),
                email_verified_at = CASE WHEN %(by_link)s THEN coalesce(email_verified_at, now())
                                         ELSE email_verified_at END
            WHERE id = %(id)s AND (%(version)s::text IS NULL OR password_changed_at::text = %(version)s)
            RETURNING {USER_COLUMNS}""",
        {"hash": password_hash, "id": user_id, "version": if_version, "by_link": proves_email},
    )
    return cur.fetchone()


def mark_email_verified(cur, user_id: int, email: str) -> User | None:
    """Record, in the caller's transaction, that the person proved they read mail at `email`.

    None unless the account still has that email: a link mailed to an
    address proves nothing about another.
    """
    cur.execute(
        f"""UPDATE users SET email_verified_at = coalesce(email_verified_at, now())
            WHERE id = %(id)s AND email = %(email)s
            RETURNING {USER_COLUMNS}""",
        {"id": user_id, "email": email},
    )
    return cur.fetchone()


def _select_by_email(conn: Connection, email: str, columns: str) -> dict | None:
    with conn.cursor() as cur:
        cur.execute(
            f"SELECT {columns} FROM users WHERE lower(email) = lower(%(email)s)", {"email": normalize_email(email)}
        )
        return cur.fetchone()


def note_sign_in(cur, user_id: int) -> None:
    """Stamp the user's last sign-in, in the caller's transaction (beside its audit row)."""
    cur.execute("UPDATE users SET last_sign_in_at = now() WHERE id = %(id)s", {"id": user_id})


def password_matches(record: SignInRecord | None, password: str) -> bool:
    """True if `record` (from get_sign_in_record) has this password; as slow when there is no record."""
    if record is None:
        check_password_hash(_DECOY_HASH, password)
        return False
    return check_password_hash(record["password_hash"], password)


def without_password(record: SignInRecord) -> User:
    return {key: value for key, value in record.items() if key != "password_hash"}
