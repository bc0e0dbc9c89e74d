"""flask-login wiring: the session remembers a user id; each request loads the row.

The session is not trusted to be well-shaped: a user id of a shape
flask-login never writes (empty, not digits, a list) reads as signed out.

flask-login's `login_required` lets OPTIONS through unchecked (for CORS
preflights), so a blueprint guard behind it would meet an anonymous visitor
it was never written for. Flask answers OPTIONS itself (an empty 200 with
`Allow`) without calling the view; `answer_options` gives that same answer
before any blueprint's guard runs, once for every route. A route that
declares OPTIONS itself (a CORS preflight handler) still gets the request.
"""

from flask import Flask, current_app, redirect, request, session, url_for
from flask_login import LoginManager, UserMixin

from accounts import users
from stores.postgres import get_connection

MAX_USER_ID_DIGITS = 18  # ids are bigint; flask-login stores str(user.id)
MAX_REMEMBER_SECONDS = 10 * 365 * 24 * 3600  # far beyond any remember-me duration flask-login would write


class User(UserMixin):
    """The signed-in person, as flask-login sees them."""

    def __init__(self, row: users.User):
        self.id = row["id"]
        self.email = row["email"]
        self.name = row["name"]
        self.role = row["role"]

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def display_name(self) -> str:
        return self.name or self.email


def init_app(app: Flask) -> None:
    manager = LoginManager(app)
    app.before_request(answer_options)
    # After-request functions run in reverse order: this one runs before flask-login's own.
    app.after_request(drop_odd_remember_seconds)

    @manager.user_loader
    def _load_user(user_id: object):
        number = parse_user_id(user_id)
        row = users.get_user(get_connection(), number) if number is not None else None
        # A disabled account reads as signed out on its very next request, whatever session it held.
        return User(row) if row and row["disabled_at"] is None else None

    @manager.unauthorized_handler
    def _sign_in_first():
        # Back to the very same URL (query string included) after signing in.
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def parse_user_id(value: object) -> int | None:
    """The user id flask-login stored in the session (a string of digits), or None for anything else."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= MAX_USER_ID_DIGITS:
        return int(value)
    return None


def answer_options():
    """Flask's automatic OPTIONS answer, given before blueprint guards; None for any other request."""
    rule = request.url_rule
    if request.method != "OPTIONS" or rule is None or not rule.provide_automatic_options:
        return None
    return current_app.make_default_options_response()


def drop_odd_remember_seconds(response):
    """Drop a `_remember_seconds` flask-login would not write, before flask-login builds a cookie from it.

    After every response flask-login turns it into a timedelta and a cookie
    expiry: text raised TypeError there and a huge number OverflowError. This
    app sets no remember-me cookie, so such a value is merely removed.
    """
    seconds = session.get("_remember_seconds")
    if seconds is not None and not _is_duration(seconds):
        session.pop("_remember_seconds")
    return response


def _is_duration(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= MAX_REMEMBER_SECONDS
