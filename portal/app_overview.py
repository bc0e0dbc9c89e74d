"""What the portal shows about apps besides their settings: users, calls this hour, latest activity.

Read-only queries over PostgreSQL (grants, the audit log) and Redis (rate-limit counters).
"""

import redis

import audit
from api.rate_limit import calls_in_window, usage_history
from oauth import clients
from oauth.clients import Client
from portal.usage_panel import usage_panel
from stores.postgres import Connection

RECENT_AUDIT_ROWS = 10


def list_apps_with_usage(
    conn: Connection, r: redis.Redis, window_seconds: int, owner_id: int | None = None
) -> list[dict]:
    """`clients.list_clients` (one owner's, or all) with each app's calls in the rate-limit window."""
    apps = clients.list_clients(conn, owner_id=owner_id)
    calls = calls_in_window(r, [app["client_id"] for app in apps], window_seconds)
    return [{**app, "calls_this_hour": calls[app["client_id"]]} for app in apps]


def get_app_overview(
    conn: Connection, r: redis.Redis, client: Client, window_seconds: int, *, developer_id: int | None
) -> dict:
    """The app with its secrets, authorized users, calls this hour, its usage panel and latest activity.

    `developer_id` must be given: the activity as that developer may see it
    (audit.as_seen_by_developer), or None for all of it, as administrators see it.
    """
    client_id = client["client_id"]
    if developer_id is None:
        recent, more = audit.page_of_audit(conn, client_id=client_id, page_size=RECENT_AUDIT_ROWS)
    else:
        recent, more = audit.page_for_developer(conn, developer_id, client_id=client_id, page_size=RECENT_AUDIT_ROWS)
    history = usage_history(r, client_id, window_seconds)
    return {
        **client,
        "secrets": clients.list_secrets(conn, client_id),
        "authorized_users": clients.count_authorized_users(conn, client_id),
        "calls_this_hour": history.current.served,
        "usage": usage_panel(history, client["rate_limit"]),
        "recent_audit": recent,
        "more_audit": more is not None,
    }
