"""What the portal shows about apps besides their settings: users, calls this hour, latest activity.

Read-only queries over PostgreSQL (grants, the audit log) and Redis (rate-limit counters).
"""

from typing import TypedDict

import redis

import audit
from api.rate_limit import calls_in_window, usage_history
from oauth import clients
from oauth.clients import Client
from portal.usage_panel import usage_panel
from stores.postgres import Connection

RECENT_AUDIT_ROWS = 10
LIST_PAGE_SIZE = 50  # apps on a page of the app lists: the admin console's and My apps


class ListedApp(TypedDict):
    """An app as a row of the app lists shows it."""

    client_id: str
    name: str
    client_type: str
    owner_email: str
    status: str
    verified: bool
    rate_limit: int
    authorized_users: int
    calls_this_hour: int


def list_apps_by_id(
    conn: Connection, r: redis.Redis, client_ids: list[str], window_seconds: int, calls: dict[str, int] | None = None
) -> list[ListedApp]:
    """The apps of one list page, in the order of `client_ids`, with their users and calls this hour.

    Only these apps' grants and counters are read. `calls`: their calls when
    already read (sorting by calls reads every app's); otherwise read here.
    """
    rows = _rows_of(conn, client_ids)
    if calls is None:
        calls = calls_in_window(r, client_ids, window_seconds)
    # An app deleted since its ID was read is left out rather than shown half.
    return [{**rows[client_id], "calls_this_hour": calls[client_id]} for client_id in client_ids if client_id in rows]


def _rows_of(conn: Connection, client_ids: list[str]) -> dict[str, dict]:
    """What the lists show of each app, by client ID."""
    if not client_ids:
        return {}
    with conn.cursor() as cur:
        cur.execute(
            """SELECT c.client_id, c.name, c.client_type, u.email AS owner_email, c.status, c.rate_limit,
                      c.verified_at IS NOT NULL AS verified,
                      (SELECT count(*) FROM grants g
                       WHERE g.client_id = c.client_id AND g.revoked_at IS NULL) AS authorized_users
               FROM clients c JOIN users u ON u.id = c.owner_id
               WHERE c.client_id = ANY(%(ids)s)""",
            {"ids": client_ids},
        )
        return {row["client_id"]: row for row in cur.fetchall()}


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
