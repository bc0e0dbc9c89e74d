"""The signed-in person's connected apps, as the page shows them."""

import redis

from api.usage import get_last_used
from oauth import grants
from oauth.scopes import describe


def list_connected_apps(conn, r: redis.Redis, user_id: int) -> list[dict]:
    """Live grants with scope descriptions and the freshest last-use time (Redis before PostgreSQL)."""
    connected = grants.list_user_grants(conn, user_id)
    last_used = get_last_used(conn, r, [grant["id"] for grant in connected])
    for grant in connected:
        grant["scope_details"] = describe(grant["scopes"])
        grant["last_used_at"] = last_used.get(grant["id"]) or grant["last_used_at"]
    return connected


def get_connected_app(conn, r: redis.Redis, user_id: int, client_id: str) -> dict | None:
    return next((app for app in list_connected_apps(conn, r, user_id) if app["client_id"] == client_id), None)
