"""What the portal shows about apps besides their settings: authorized users and calls this hour.

Read-only queries over PostgreSQL (grants) and Redis (rate-limit counters).
"""

import redis

from api.rate_limit import calls_in_window
from oauth import clients


def count_authorized_users(conn, client_id: str) -> int:
    """Users holding a live consent grant for the app."""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT count(*) AS n FROM grants WHERE client_id = %(id)s AND revoked_at IS NULL",
            {"id": client_id},
        )
        return cur.fetchone()["n"]


def list_apps_with_usage(conn, r: redis.Redis, window_seconds: int, owner_id: int | None = None) -> list[dict]:
    """`clients.list_clients` (one owner's, or all) with each app's calls in the rate-limit window."""
    apps = clients.list_clients(conn, owner_id=owner_id)
    calls = calls_in_window(r, [app["client_id"] for app in apps], window_seconds)
    return [{**app, "calls_this_hour": calls[app["client_id"]]} for app in apps]


def get_app_overview(conn, r: redis.Redis, client: dict, window_seconds: int) -> dict:
    """The app with its secrets, authorized users and calls this hour."""
    return {
        **client,
        "secrets": clients.list_secrets(conn, client["client_id"]),
        "authorized_users": count_authorized_users(conn, client["client_id"]),
        "calls_this_hour": calls_in_window(r, [client["client_id"]], window_seconds)[client["client_id"]],
    }
