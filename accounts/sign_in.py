"""Signing in: throttle, check the password, keep the record.

The view only translates HTTP; this module decides. A failed attempt on an
existing account is recorded against that account, so its owner sees it on
their security page. That an account is disabled is said only after the
right password, so a guesser learns nothing from it.
"""

from dataclasses import dataclass

import redis

import audit
from accounts import sign_in_links, throttle, two_factor, users, verification
from stores.postgres import Connection, transaction


@dataclass(frozen=True)
class SignInResult:
    user: users.User | None = None  # set on success
    retry_after: int = 0  # seconds, when throttled
    disabled: bool = False  # the right password, for an account an administrator disabled
    link_sent: bool = False  # the right password, for an account under attack, from an address new to it


def sign_in(conn: Connection, r: redis.Redis, email: str, password: str, ip: str) -> SignInResult:
    """Try one sign-in; the result says who signed in, or for how long to wait."""
    # One read: the throttle needs the account's email, the check its password hash.
    known = users.get_sign_in_record(conn, email)
    # Count against the account as PostgreSQL matches it, not as typed: every
    # spelling that signs in to it (letter case, Unicode case folding such as
    # "İ" -> "i") must share its one counter.
    account = known["email"] if known else email
    verdict = throttle.check(r, account, ip)
    if verdict.wait:
        return SignInResult(retry_after=verdict.wait)
    if not users.password_matches(known, password):
        locked = throttle.record_failure(r, account, ip)
        subject = known["id"] if known else None
        _record(conn, "signin.failed", None, subject, ip, {"email": email[:254]})
        if locked:  # once, by the failure that closed the lock
            _record(conn, "signin.locked", None, subject, ip, {"email": email[:254], "refused": locked})
        return SignInResult()
    user = users.without_password(known)
    if user["disabled_at"] is not None:
        _record(conn, "signin.refused", user["id"], user["id"], ip, {"reason": "account disabled"})
        return SignInResult(disabled=True)
    if verdict.needs_second_proof:
        sign_in_links.mail_link(conn, r, user, ip)  # the password may be the guess that hit: ask the mailbox
        return SignInResult(link_sent=True)
    if two_factor.has_two_factor(conn, user["id"]):
        return SignInResult(user=user)  # signed in, and recorded, once the code is in: sign_in_second_step
    record_sign_in(conn, r, user, ip)
    return SignInResult(user=user)


def sign_in_second_step(conn: Connection, r: redis.Redis, user: users.User, code: str, ip: str) -> SignInResult:
    """The second page of a sign-in with two-factor on: a code or a recovery code, throttled like passwords."""
    if user["disabled_at"] is not None:
        _record(conn, "signin.refused", user["id"], user["id"], ip, {"reason": "account disabled"})
        return SignInResult(disabled=True)
    check = two_factor.verify_code(conn, r, user, code, ip)
    if check.retry_after:
        return SignInResult(retry_after=check.retry_after)
    if check.method is None:
        _record(conn, "signin.failed", None, user["id"], ip, {"email": user["email"], "step": "second factor"})
        return SignInResult()
    record_sign_in(conn, r, user, ip)
    return SignInResult(user=user)


def record_sign_in(conn: Connection, r: redis.Redis, user: users.User, ip: str) -> None:
    """`user` proved who they are from `ip`: their failures there are forgiven and the address is known."""
    throttle.record_success(r, user["email"], ip)
    with transaction(conn) as cur:
        users.note_sign_in(cur, user["id"])
        audit.record(cur, "signin.succeeded", actor_id=user["id"], subject_user_id=user["id"], ip_address=ip)


def sign_up(conn: Connection, r: redis.Redis, email: str, password: str, name: str, ip: str) -> None:
    """Create an unverified account and mail it a verification link; for a taken email, mail its owner instead.

    The caller answers the same either way, and both ways cost the same
    slow hash (made before the INSERT finds the email taken).
    """
    password_hash = users.hash_password(password)
    try:
        # The account, its audit row and its verification mail commit together, or none of them does.
        with transaction(conn) as cur:
            user = users.insert_user(cur, email, password_hash, name, verified=False)
            audit.record(cur, "signup", actor_id=user["id"], subject_user_id=user["id"], ip_address=ip)
            verification.mail_link(cur, r, user)
    except users.EmailTaken:
        verification.mail_owner_of_taken_email(conn, r, email, ip)


def _record(
    conn: Connection, action: str, actor_id: int | None, subject_id: int | None, ip: str, details: dict
) -> None:
    with transaction(conn) as cur:
        audit.record(cur, action, actor_id=actor_id, subject_user_id=subject_id, ip_address=ip, details=details)
