"""A password's life after sign-up: reset by a mailed link, changed by its owner, set by an operator.

Every change ends sessions (all of them, or every one but the changer's),
spends every reset link made before it (links.RESET_PASSWORD is bound to
`password_changed_at`), is audited, and is followed by a "your password was
changed" mail, so a change its owner did not make does not go unnoticed.
Mail is queued in the transaction of the change (accounts.mail): a change
that rolls back mails nothing.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

import redis

import audit
from accounts import address_limits, links, mail, passwords, sessions, users
from stores.postgres import Connection, transaction


class WeakPassword(Exception):
    """The password policy refused the new password; the message says why and what to do."""


class NoSuchUser(Exception):
    """No account has this email."""


@dataclass(frozen=True)
class Change:
    """What came of a change of password at /account/password."""

    changed: bool = False
    retry_after: int = 0  # seconds, when too many wrong current passwords were tried


def request_reset(conn: Connection, r: redis.Redis, email: str, ip: str, next_url: str = "") -> None:
    """Mail a reset link (30 minutes, single use) if an account has this email; nothing says whether one does.

    `next_url` (a local path the caller checked) is where the person goes once
    the new password is set: the authorization request they were signing in to.
    """
    user = users.get_user_by_email(conn, email)
    if user is None or user["disabled_at"] is not None:
        _record(conn, "password.reset_requested", None, None, ip, {"email": email[:254], "mailed": False})
        return
    mailed = not address_limits.hit(r, address_limits.MAIL_PER_ACCOUNT, f"user:{user['id']}")
    version = users.get_password_version(conn, user["id"])
    query = urlencode({"next": next_url}) if next_url else ""
    with transaction(conn) as cur:
        audit.record(
            cur, "password.reset_requested", subject_user_id=user["id"], ip_address=ip, details={"mailed": mailed}
        )
        if mailed:
            links.send(cur, r, links.RESET_PASSWORD, user, version, "Reset your password", "password_reset", query)


def account_for_reset(conn: Connection, r: redis.Redis, token: str) -> users.User | None:
    """The account a live reset link is for, the link left unspent (to show its form); None if not live."""
    link = links.peek(r, links.RESET_PASSWORD, token)
    if link is None or users.get_password_version(conn, link.user_id) != link.version:
        return None
    user = users.get_user(conn, link.user_id)
    return user if user and user["disabled_at"] is None else None


def reset(conn: Connection, r: redis.Redis, token: str, new_password: str, ip: str) -> users.User | None:
    """Spend the link and set the new password; every session of the account ends. None if the link was not live.

    The caller has checked `new_password` against the policy for this account
    (account_for_reset) and signs the person in afresh.
    """
    link = links.take(r, links.RESET_PASSWORD, token)
    account = users.get_user(conn, link.user_id) if link else None
    if account is None or account["disabled_at"] is not None:
        return None
    with transaction(conn) as cur:
        # Only while the password is the one the link was made for: a later change spent it.
        user = users.update_password(cur, link.user_id, new_password, if_version=link.version, proves_email=True)
        if user is None:
            return None
        audit.record(cur, "password.reset", actor_id=user["id"], subject_user_id=user["id"], ip_address=ip)
        _mail_changed(cur, user, "reset with a link sent to this address")
    sessions.end_all(r, user["id"])
    return user


def change(
    conn: Connection, r: redis.Redis, user_id: int, current_password: str, new_password: str, ip: str, keep: str | None
) -> Change:
    """The signed-in person changes their password: the current one first; every other session ends.

    `keep` is the digest of the session making the change. Wrong current
    passwords are counted per account: a stolen session cannot guess on.
    """
    who = f"user:{user_id}"
    wait = address_limits.retry_after(r, address_limits.CURRENT_PASSWORD, who)
    if wait:
        return Change(retry_after=wait)
    record = users.get_password_record(conn, user_id)
    if record is None or not users.password_matches(record, current_password):
        address_limits.hit(r, address_limits.CURRENT_PASSWORD, who)
        _record(conn, "password.change_failed", user_id, user_id, ip, {"reason": "wrong current password"})
        return Change()
    with transaction(conn) as cur:
        user = users.update_password(cur, user_id, new_password)
        audit.record(cur, "password.changed", actor_id=user_id, subject_user_id=user_id, ip_address=ip)
        _mail_changed(cur, user, "changed while signed in")
    sessions.end_all(r, user_id, keep=keep)
    return Change(changed=True)


def set_by_operator(conn: Connection, r: redis.Redis, email: str, password: str) -> tuple[users.User, int]:
    """`flask users set-password`: the policy applies; every session ends. The user and how many sessions ended."""
    user = users.get_user_by_email(conn, email)
    if user is None:
        raise NoSuchUser(email)
    problem = passwords.why_refused(password, email=user["email"], name=user["name"])
    if problem:
        raise WeakPassword(problem)
    with transaction(conn) as cur:
        user = users.update_password(cur, user["id"], password)
        audit.record_as(cur, audit.CLI, "password.set_by_operator", subject_user_id=user["id"])
        _mail_changed(cur, user, "set by an operator of this service")
    ended = sessions.end_all(r, user["id"])
    return user, ended


def _mail_changed(cur, user: users.User, how: str) -> None:
    mail.send(cur, user["email"], "Your password was changed", "password_changed", user=user, how=how)


def _record(
    conn: Connection, action: str, actor_id: int | None, subject_id: int | None, ip: str, details: dict
) -> None:
    with transaction(conn) as cur:
        audit.record(cur, action, actor_id=actor_id, subject_user_id=subject_id, ip_address=ip, details=details)
