"""Demo data for `make run`: a user to sign in with and an app to connect, created once."""

import redis

import audit
from accounts import users
from oauth import clients
from oauth.scopes import ALL_SCOPES

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-password"
DEMO_CLIENT_NAME = "Demo app"
DEMO_REDIRECT_URI = "http://127.0.0.1:8080/callback"
DEMO_GRANT_TYPES = ["authorization_code", "refresh_token", "client_credentials"]


def ensure_demo_data(conn, r: redis.Redis) -> dict:
    """Create the demo user and the demo app if missing; return what was created (secrets included)."""
    created = {}
    user = users.get_user_by_email(conn, DEMO_EMAIL)
    if user is None:
        user = users.create_user(conn, DEMO_EMAIL, DEMO_PASSWORD, "Demo User", "developer")
        created["user"] = {"email": DEMO_EMAIL, "password": DEMO_PASSWORD}
    if not any(client["name"] == DEMO_CLIENT_NAME for client in clients.list_clients(conn, user["id"])):
        client, secret = clients.create_client(
            conn,
            r,
            audit.CLI,
            owner_id=user["id"],
            name=DEMO_CLIENT_NAME,
            client_type="confidential",
            redirect_uris=[DEMO_REDIRECT_URI],
            scopes=list(ALL_SCOPES),
            grant_types=DEMO_GRANT_TYPES,
            description="An example integration to try the flows with.",
        )
        created["client"] = {
            "client_id": client["client_id"],
            "client_secret": secret,
            "redirect_uri": DEMO_REDIRECT_URI,
        }
    return created
