"""User records in PostgreSQL. Emails are unique regardless of case."""

from datetime import datetime
from typing import TypedDict

import psycopg2
from werkzeug.security import check_password_hash, generate_password_hash

from stores.postgres import Connection, transaction

ROLES = ("user", "developer", "admin")
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128

# Verified against when the email is unknown, so that a miss costs as much
# time as a wrong password and does not reveal which emails have accounts.
_DECOY_HASH = generate_password_hash("decoy password, never valid")

USER_COLUMNS = "id, email, name, role, created_at, disabled_at"


class User(TypedDict):
    """A row of `users` as USER_COLUMNS selects it: never the password hash."""

    id: int
    email: str
    name: str  # "" when none was given
    role: str  # one of ROLES
    created_at: datetime
    disabled_at: datetime | None  # set while an administrator has disabled the account


class SignInRecord(User):
    """A user with their password hash, for password_matches only."""

    password_hash: str


class EmailTaken(Exception):
    """An account with that email (in any letter case) exists already."""


def normalize_email(email: str) -> str:
    return email.strip()


def create_user(conn: Connection, email: str, password: str, name: str = "", role: str = "user") -> User:
    """Insert a user with a slow (scrypt) password hash; raise EmailTaken on a duplicate."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    try:
        with transaction(conn) as cur:
            cur.execute(
                f"""INSERT INTO users (email, name, role, password_hash)
                    VALUES (%(email)s, %(name)s, %(role)s, %(hash)s)
                    RETURNING {USER_COLUMNS}""",
                {
                    "email": normalize_email(email),
                    "name": name.strip(),
                    "role": role,
                    "hash": generate_password_hash(password),
                },
            )
            return cur.fetchone()
    except psycopg2.errors.UniqueViolation as error:
        raise EmailTaken(email) from error


def get_user(conn: Connection, user_id: int) -> User | None:
    with conn.cursor() as cur:
        cur.execute(f"SELECT {USER_COLUMNS} FROM users WHERE id = %(id)s", {"id": user_id})
        return cur.fetchone()


def get_user_by_email(conn: Connection, email: str) -> User | None:
    return _select_by_email(conn, email, USER_COLUMNS)


def get_sign_in_record(conn: Connection, email: str) -> SignInRecord | None:
    """The user with this email, with their password hash: for `password_matches` only."""
    return _select_by_email(conn, email, f"{USER_COLUMNS}, password_hash")


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
