"""The signed-in person's connected apps, as the page shows them."""

import redis

from api.usage import with_freshest_last_use
from oauth import grants
from oauth.scopes import describe


def list_connected_apps(conn, r: redis.Redis, user_id: int) -> list[dict]:
    """Live grants with scope descriptions and the freshest last-use time (Redis before PostgreSQL)."""
    connected = grants.list_user_grants(conn, user_id)
    with_freshest_last_use(r, connected)
    for grant in connected:
        grant["scope_details"] = describe(grant["scopes"])
    return connected


def get_connected_app(conn, r: redis.Redis, user_id: int, client_id: str) -> dict | None:
    return next((app for app in list_connected_apps(conn, r, user_id) if app["client_id"] == client_id), None)
