"""The last step of every sign-in: a session at once, or first the second factor for those who have one.

`continue_sign_in` is where each way of proving a password ends (the sign-in
form, the confirm-it's-you form, a password reset). Someone with two-factor
on is not signed in yet: the anonymous session holds only who passed the
password and when (`PENDING_KEY`), for `PENDING_SECONDS`, and the
second-factor page (portal.auth.two_factor_routes) finishes the sign-in.
No page behind sign-in opens in between.
"""

import time
from dataclasses import dataclass

from flask import redirect, session, url_for
from flask_login import login_user
from werkzeug.wrappers import Response

from accounts import two_factor, users
from accounts.login import User
from portal.auth.redirects import safe_next
from stores.postgres import get_connection

PENDING_KEY = "second_factor_pending"
PENDING_SECONDS = 5 * 60


@dataclass(frozen=True)
class PendingSignIn:
    """Someone who entered the right password and owes the second factor."""

    user_id: int
    password_at: int  # Unix seconds
    next_url: str

    def expired(self, now: float | None = None) -> bool:
        return (time.time() if now is None else now) - self.password_at > PENDING_SECONDS


def start_session(user: users.User, methods: list[str]) -> None:
    """Sign `user` in on a fresh session, authenticated by `methods` ("pwd", "otp").

    Nothing from before sign-in carries over, above all not the session ID
    or the CSRF token: whoever planted or saw the anonymous session must not
    be able to ride on the signed-in one or forge its forms (consent included).
    """
    session.begin(user["id"], methods)
    login_user(User(user))


def continue_sign_in(user: users.User, next_url: str) -> Response:
    """`user` proved their password: sign them in and go to `next_url`, or ask for their second factor first."""
    if not two_factor.has_two_factor(get_connection(), user["id"]):
        start_session(user, ["pwd"])
        return redirect(next_url)
    _park(user["id"], next_url)
    return redirect(url_for("auth_two_factor.code"))


def finish_sign_in(user: users.User, pending: PendingSignIn) -> Response:
    """The second factor is in: signed in with both, on to where the person was going."""
    start_session(user, two_factor.SIGNED_IN_WITH_CODE)
    return redirect(safe_next(pending.next_url))


def pending_sign_in() -> PendingSignIn | None:
    """Who is half-way through signing in in this session, or None (expired ones included: see `expired`)."""
    stored = session.get(PENDING_KEY)
    if not isinstance(stored, dict):
        return None
    user_id, password_at, next_url = stored.get("user_id"), stored.get("password_at"), stored.get("next")
    if not (_is_int(user_id) and _is_int(password_at) and isinstance(next_url, str)):
        return None
    return PendingSignIn(user_id, password_at, next_url)


def forget_pending() -> None:
    session.pop(PENDING_KEY, None)


def _park(user_id: int, next_url: str) -> None:
    if session.user_id != user_id:
        # Whoever was signed in here is not any more, and the session gets a new ID:
        # someone who planted or saw the old one must not skip the password by it.
        session.end()
    session[PENDING_KEY] = {"user_id": user_id, "password_at": int(time.time()), "next": next_url}


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
