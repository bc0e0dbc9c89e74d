"""The signed-in person's connected apps, as the page shows them."""

import redis

from api.usage import with_freshest_last_use
from oauth import grants
from oauth.grants import UserGrant
from oauth.scopes import Scope, describe
from stores.postgres import Connection


class ConnectedApp(UserGrant):
    """A live grant as the connected-apps page shows it."""

    scope_details: list[Scope]


def list_connected_apps(conn: Connection, r: redis.Redis, user_id: int) -> list[ConnectedApp]:
    """Live grants with scope descriptions and the freshest last-use time (Redis before PostgreSQL)."""
    connected = grants.list_user_grants(conn, user_id)
    with_freshest_last_use(r, connected)
    for grant in connected:
        grant["scope_details"] = describe(grant["scopes"])
    return connected


def get_connected_app(conn: Connection, r: redis.Redis, user_id: int, client_id: str) -> ConnectedApp | None:
    return next((app for app in list_connected_apps(conn, r, user_id) if app["client_id"] == client_id), None)
