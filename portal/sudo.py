"""Sensitive actions want a recent password ("sudo mode", as GitHub has it).

Generating or deleting a client secret, deleting an app, changing the
password or two-factor settings and every admin action are refused unless
the person entered their password (and second factor) within the last
SUDO_SECONDS. A stolen session that is hours old, or a laptop left open,
is then not enough to take over an app or an account.

A refused request goes to the sign-in page in its confirm-it's-you form and
comes back to the page the action was started from, where the person
submits again: a form's body is never replayed on their behalf.
"""

import functools
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import flash, redirect, request, session, url_for

from portal.auth.redirects import safe_next

SUDO_SECONDS = 10 * 60


def recently_authenticated(now: float | None = None) -> bool:
    """True when this session's password (or second factor) was entered within SUDO_SECONDS."""
    auth_time = getattr(session, "auth_time", None)
    now = time.time() if now is None else now
    return auth_time is not None and now - auth_time <= SUDO_SECONDS


def confirm_first():
    """The redirect to the confirm-it's-you form, back to where the action was started; None when recent enough."""
    if recently_authenticated():
        return None
    flash("Please confirm it's you, then try again.", "info")
    return redirect(url_for("auth.login", reauth=1, next=_page_to_return_to()))


def sudo_required(view: Callable) -> Callable:
    """Decorate a view whose action needs a recent password."""

    @functools.wraps(view)
    def guarded(*args, **kwargs):
        return confirm_first() or view(*args, **kwargs)

    return guarded


def _page_to_return_to() -> str:
    """A GET comes back to itself; a form post to the page it was posted from, if that page is ours."""
    if request.method == "GET":
        return request.full_path.rstrip("?")
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc and referrer.netloc != request.host:
        return "/"
    path = referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return safe_next(path)
