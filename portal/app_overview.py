"""What the portal shows about apps besides their settings: authorized users and calls this hour.

Read-only queries over PostgreSQL (grants) and Redis (rate-limit counters).
"""

import redis

from api.rate_limit import calls_this_hour, counter_key, window_index
from oauth import clients


def count_authorized_users(conn, client_id: str) -> int:
    """Users holding a live consent grant for the app."""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT count(*) AS n FROM grants WHERE client_id = %(id)s AND revoked_at IS NULL",
            {"id": client_id},
        )
        return cur.fetchone()["n"]


def calls_this_hour_by_client(r: redis.Redis, client_ids: list[str]) -> dict[str, int]:
    """API calls in the current window for many clients, in one round trip."""
    if not client_ids:
        return {}
    index = window_index(r.time()[0])  # the Redis clock, as the API guard counts by it
    counts = r.mget([counter_key(client_id, index) for client_id in client_ids])
    return {client_id: int(count or 0) for client_id, count in zip(client_ids, counts, strict=True)}


def list_apps_with_usage(conn, r: redis.Redis, owner_id: int | None = None) -> list[dict]:
    """`clients.list_clients` (one owner's, or all) with each app's calls this hour."""
    apps = clients.list_clients(conn, owner_id=owner_id)
    calls = calls_this_hour_by_client(r, [app["client_id"] for app in apps])
    return [{**app, "calls_this_hour": calls[app["client_id"]]} for app in apps]


def get_app_overview(conn, r: redis.Redis, client: dict) -> dict:
    """The app with its secrets, authorized users and calls this hour."""
    return {
        **client,
        "secrets": clients.list_secrets(conn, client["client_id"]),
        "authorized_users": count_authorized_users(conn, client["client_id"]),
        "calls_this_hour": calls_this_hour(r, client["client_id"]),
    }
