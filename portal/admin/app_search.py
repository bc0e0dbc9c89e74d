"""The admin console's app list: search, filters, sort and pages over every app, ten thousand and more.

PostgreSQL finds and orders the apps; only the page shown is loaded in full.
Calls this hour live in Redis (api/rate_limit.py's per-client counters), so
sorting by them reads the counters of every app the filters keep, in one
pipelined round trip of MGET batches, and orders those IDs here: nothing is
added to the API's hot path, which writes only its own counter.
"""

from math import ceil
from typing import NamedTuple

import psycopg2.extensions
import redis

from accounts.user_admin import like_escape
from api.rate_limit import calls_in_window
from portal.app_overview import LIST_PAGE_SIZE as PAGE_SIZE
from portal.app_overview import ListedApp, list_apps_by_id
from stores.postgres import Connection

SORTS = ("newest", "name", "calls")


class AppQuery(NamedTuple):
    """What the operator asked for; None means "any"."""

    text: str = ""  # part of the name, client ID or owner email, any case
    status: str | None = None  # "active" or "suspended"
    verified: bool | None = None
    sort: str = "newest"  # one of SORTS


class AppPage(NamedTuple):
    apps: list[ListedApp]
    total: int  # apps matching the query
    page: int  # the page shown: the one asked for, or the last one when it asked beyond
    pages: int


_FILTERS = """FROM clients c JOIN users u ON u.id = c.owner_id
    WHERE (%(pattern)s::text IS NULL
           OR c.name ILIKE %(pattern)s OR c.client_id ILIKE %(pattern)s OR u.email ILIKE %(pattern)s)
      AND (%(status)s::text IS NULL OR c.status = %(status)s)
      AND (%(verified)s::boolean IS NULL OR (c.verified_at IS NOT NULL) = %(verified)s)"""

# Every order ends on the primary key, so that pages neither repeat nor skip an app.
_ORDERS = {"newest": "c.created_at DESC, c.client_id", "name": "lower(c.name), c.client_id"}


def search_apps(conn: Connection, r: redis.Redis, query: AppQuery, page: int, window_seconds: int) -> AppPage:
    """Page `page` (from 1) of the apps matching `query`, each with its calls in the current rate-limit window.

    A page beyond the last shows the last one.
    """
    if query.sort == "calls":
        page_ids, total, page, calls = _page_by_calls(conn, r, query, page, window_seconds)
    else:
        page_ids, total, page = _page_in_sql_order(conn, query, page)
        calls = None  # read for the page's apps only
    apps = list_apps_by_id(conn, r, page_ids, window_seconds, calls)
    return AppPage(apps, total, page, _page_count(total))


def _page_by_calls(conn: Connection, r: redis.Redis, query: AppQuery, page: int, window_seconds: int):
    """(client IDs of the page, matches, page shown, calls of every match): the busiest first."""
    ids = _matching_ids(conn, query)
    calls = calls_in_window(r, ids, window_seconds)
    ids.sort(key=lambda client_id: -calls[client_id])  # stable: newest first among equals
    page = _clamp(page, len(ids))
    return ids[(page - 1) * PAGE_SIZE : page * PAGE_SIZE], len(ids), page, calls


def _page_in_sql_order(conn: Connection, query: AppQuery, page: int) -> tuple[list[str], int, int]:
    """(client IDs of the page, matches, page shown) in an order PostgreSQL sorts by."""
    page_ids, total = _page_of_ids(conn, query, page)
    if total is None:  # an empty page: nothing matches, or it is beyond the last
        total = _count(conn, query)
        page = _clamp(page, total)
        page_ids, _ = _page_of_ids(conn, query, page) if total else ([], 0)
    return page_ids, total, page


def _params(query: AppQuery) -> dict:
    text = query.text.strip()
    return {
        "pattern": f"%{like_escape(text)}%" if text else None,
        "status": query.status,
        "verified": query.verified,
    }


def _count(conn: Connection, query: AppQuery) -> int:
    with conn.cursor() as cur:
        cur.execute(f"SELECT count(*) AS n {_FILTERS}", _params(query))
        return cur.fetchone()["n"]


def _matching_ids(conn: Connection, query: AppQuery) -> list[str]:
    """Client IDs of every matching app, newest first."""
    # Plain tuples: a dict for each of ten thousand rows costs more than the query.
    with conn.cursor(cursor_factory=psycopg2.extensions.cursor) as cur:
        cur.execute(f"SELECT c.client_id {_FILTERS} ORDER BY {_ORDERS['newest']}", _params(query))
        return [client_id for (client_id,) in cur.fetchall()]


def _page_of_ids(conn: Connection, query: AppQuery, page: int) -> tuple[list[str], int | None]:
    """Client IDs of page `page` in the query's order, and how many apps match (None when the page is empty).

    One scan does both: the count is a window over the matching rows.
    """
    with conn.cursor() as cur:
        cur.execute(
            f"""SELECT c.client_id, count(*) OVER () AS total {_FILTERS}
                ORDER BY {_ORDERS[query.sort]} LIMIT %(limit)s OFFSET %(offset)s""",
            {**_params(query), "limit": PAGE_SIZE, "offset": (page - 1) * PAGE_SIZE},
        )
        rows = cur.fetchall()
    return [row["client_id"] for row in rows], rows[0]["total"] if rows else None


def _page_count(total: int) -> int:
    return max(1, ceil(total / PAGE_SIZE))


def _clamp(page: int, total: int) -> int:
    return min(max(page, 1), _page_count(total))
