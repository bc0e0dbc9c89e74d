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
from flask_login import LoginManager, UserMixin, logout_user

from accounts import users
from stores.postgres import get_connection

MAX_USER_ID_DIGITS = 18  # ids are bigint; flask-login stores str(user.id)


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
    app.after_request(drop_remember_me)

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


def sign_out() -> None:
    """Sign the person out: flask-login forgets them, the stored session is deleted (a copied cookie opens nothing)."""
    logout_user()
    session.end()  # accounts.session_interface.ServerSession


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


def drop_remember_me(response):
    """Drop a request for a remember-me cookie from the session, before flask-login builds one from it.

    This app signs nobody in with remember-me, so `_remember` = "set" (and any
    `_remember_seconds`) is a shape it never wrote. flask-login would build a
    cookie from it after every response: text seconds raised TypeError, a
    huge number OverflowError, and a user id of any size became a cookie
    past what browsers keep. Its "clear" (sign-out) is left to flask-login.
    """
    # Read before writing: machine endpoints have a session that refuses writes.
    if session.get("_remember", "clear") != "clear":
        session.pop("_remember")
    if "_remember_seconds" in session:
        session.pop("_remember_seconds")
    return response
