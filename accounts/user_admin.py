"""What administrators do to accounts: find them, change a role, disable and enable, unlock sign-in.

Every change is audited with the administrator's reason in the same
transaction. Two rules keep the platform administrable: nobody disables or
demotes themselves, and the last active administrator stays one. Only an
account whose email is verified becomes an administrator.

Disabling here only marks the account; ending its sessions and revoking
its grants and tokens is `oauth.user_access.disable_user`, which calls this
(accounts knows nothing of grants).
"""

from datetime import datetime
from typing import TypedDict

import redis

import audit
from accounts import sessions, throttle, two_factor, users
from audit import Actor
from stores.postgres import Connection, transaction

PAGE_SIZE = 50


class ListedUser(TypedDict):
    """One row of the administrators' user list (search_users)."""

    id: int
    email: str
    name: str
    role: str
    created_at: datetime
    email_verified: bool
    two_factor: bool
    disabled_at: datetime | None
    last_sign_in_at: datetime | None


class Refused(Exception):
    """A change the rules do not allow; the message says why, in words for the administrator."""


_LISTED_COLUMNS = """u.id, u.email, u.name, u.role, u.created_at, u.disabled_at, u.last_sign_in_at,
       u.email_verified_at IS NOT NULL AS email_verified,
       EXISTS (SELECT 1 FROM user_totp t WHERE t.user_id = u.id AND t.enabled_at IS NOT NULL) AS two_factor"""


def search_users(conn: Connection, query: str, page: int, page_size: int = PAGE_SIZE) -> tuple[list[ListedUser], bool]:
    """Users whose email or name contains `query` (any case; all when empty), by email; (page `page`, more after?)."""
    pattern = f"%{like_escape(query.strip())}%"
    with conn.cursor() as cur:
        cur.execute(
            f"""SELECT {_LISTED_COLUMNS}
                FROM users u
                WHERE u.email ILIKE %(pattern)s OR u.name ILIKE %(pattern)s
                ORDER BY lower(u.email), u.id
                LIMIT %(limit)s OFFSET %(offset)s""",
            {"pattern": pattern, "limit": page_size + 1, "offset": (page - 1) * page_size},
        )
        rows = cur.fetchall()
    return rows[:page_size], len(rows) > page_size


def get_listed_user(conn: Connection, user_id: int) -> ListedUser | None:
    with conn.cursor() as cur:
        cur.execute(f"SELECT {_LISTED_COLUMNS} FROM users u WHERE u.id = %(id)s", {"id": user_id})
        return cur.fetchone()


def like_escape(text: str) -> str:
    """`text` matched literally inside a LIKE pattern: its % and _ (and the escape character) escaped."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def set_role(conn: Connection, r: redis.Redis, actor: Actor, user_id: int, role: str, reason: str) -> users.User | None:
    """Give the user `role` (raises Refused); None if there is no such user.

    Their sessions end: a new role takes effect on a new sign-in, never on a
    session ID from before it.
    """
    if role not in users.ROLES:
        raise ValueError(f"role must be one of {', '.join(users.ROLES)}")
    with transaction(conn) as cur:
        current = _lock_user(cur, user_id)
        if current is None:
            return None
        if current["role"] == role:
            return users.without_password(current)
        if role == "admin" and not current["email_verified"]:
            raise Refused("Only an account with a verified email can become an administrator.")
        if current["role"] == "admin":
            _keep_an_administrator(cur, actor, user_id, "demote")
        cur.execute(
            f"UPDATE users SET role = %(role)s WHERE id = %(id)s RETURNING {users.USER_COLUMNS}",
            {"role": role, "id": user_id},
        )
        changed = cur.fetchone()
        details = {"from": current["role"], "to": role, "reason": reason}
        audit.record_as(cur, actor, "user.role_changed", subject_user_id=user_id, details=details)
    sessions.end_all(r, user_id)
    return changed


def mark_disabled(conn: Connection, actor: Actor, user_id: int, reason: str) -> users.User | None:
    """Disable the account (raises Refused); None if there is no such user. Disabling twice changes nothing."""
    with transaction(conn) as cur:
        current = _lock_user(cur, user_id)
        if current is None:
            return None
        if current["disabled_at"] is not None:
            return users.without_password(current)
        if current["role"] == "admin":
            _keep_an_administrator(cur, actor, user_id, "disable")
        cur.execute(
            f"UPDATE users SET disabled_at = now() WHERE id = %(id)s RETURNING {users.USER_COLUMNS}", {"id": user_id}
        )
        disabled = cur.fetchone()
        audit.record_as(cur, actor, "user.disabled", subject_user_id=user_id, details={"reason": reason})
    return disabled


def enable(conn: Connection, actor: Actor, user_id: int, reason: str) -> users.User | None:
    """Lift the disabling (the person signs in again; revoked tokens stay revoked); None if no such user."""
    with transaction(conn) as cur:
        cur.execute(
            f"""UPDATE users SET disabled_at = NULL WHERE id = %(id)s AND disabled_at IS NOT NULL
                RETURNING {users.USER_COLUMNS}""",
            {"id": user_id},
        )
        enabled = cur.fetchone()
        if enabled is None:
            return users.get_user(conn, user_id)
        audit.record_as(cur, actor, "user.enabled", subject_user_id=user_id, details={"reason": reason})
    return enabled


def unlock(conn: Connection, r: redis.Redis, actor: Actor, user_id: int, reason: str) -> int | None:
    """Clear every sign-in failure counter of the account, wrong codes included; how many (None: no such user)."""
    user = users.get_user(conn, user_id)
    if user is None:
        return None
    cleared = throttle.unlock(r, user["email"]) + two_factor.unlock_codes(r, user)
    with transaction(conn) as cur:
        details = {"reason": reason, "counters_cleared": cleared}
        audit.record_as(cur, actor, "user.unlocked", subject_user_id=user_id, details=details)
    return cleared


def _lock_user(cur, user_id: int) -> users.User | None:
    """The user's row (email_verified included), locked until the transaction ends."""
    cur.execute(
        f"SELECT {users.USER_COLUMNS} FROM users WHERE id = %(id)s FOR UPDATE",
        {"id": user_id},
    )
    return cur.fetchone()


def _keep_an_administrator(cur, actor: Actor, user_id: int, change: str) -> None:
    """Refuse to `change` the administrator `user_id` when it is the actor or the last active one."""
    if actor.id == user_id:
        raise Refused(f"You cannot {change} your own account: ask another administrator.")
    # Locking every active administrator serialises two such changes made at once,
    # so that two administrators cannot each remove the other.
    cur.execute("SELECT id FROM users WHERE role = 'admin' AND disabled_at IS NULL FOR UPDATE")
    others = [row["id"] for row in cur.fetchall() if row["id"] != user_id]
    if not others:
        raise Refused(f"This is the last active administrator: make another one before you {change} it.")
