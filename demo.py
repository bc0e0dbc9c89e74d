"""Demo data for `make run`: one user to sign in with, created once."""

from accounts import users

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-password"


def ensure_demo_data(conn) -> dict:
    """Create the demo user if missing; return what was created (secrets included)."""
    created = {}
    if users.get_user_by_email(conn, DEMO_EMAIL) is None:
        users.create_user(conn, DEMO_EMAIL, DEMO_PASSWORD, "Demo User", "developer")
        created["user"] = {"email": DEMO_EMAIL, "password": DEMO_PASSWORD}
    return created
