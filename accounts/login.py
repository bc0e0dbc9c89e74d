"""flask-login wiring: the session remembers a user id; each request loads the row."""

from flask import Flask, redirect, request, url_for
from flask_login import LoginManager, UserMixin

from accounts import users
from stores.postgres import get_connection


class User(UserMixin):
    """The signed-in person, as flask-login sees them."""

    def __init__(self, row: dict):
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

    @manager.user_loader
    def _load_user(user_id: str):
        row = users.get_user(get_connection(), int(user_id))
        return User(row) if row else None

    @manager.unauthorized_handler
    def _sign_in_first():
        # Back to the very same URL (query string included) after signing in.
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
