"""My apps: one developer's apps, newest first, a page at a time.

Keyset pages: a link names the app the next (or previous) page continues
from, by its creation time and client ID, so pages neither repeat nor skip an
app while apps are registered or deleted, and a page reads the index on
(owner_id, created_at, client_id) from that app on, never the apps before it.
Only the page's apps are loaded in full (users, calls this hour).
"""

from datetime import UTC, datetime, timedelta
from typing import NamedTuple

import redis

from portal.app_overview import LIST_PAGE_SIZE, ListedApp, list_apps_by_id
from stores.postgres import Connection

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


class Cursor(NamedTuple):
    """Where a page starts: next to this app, in the list's order."""

    created_at: datetime
    client_id: str


class Position(NamedTuple):
    """The page asked for: after `after` (older apps), before `before` (newer), or the first (both None)."""

    after: Cursor | None = None
    before: Cursor | None = None


FIRST_PAGE = Position()


class AppsPage(NamedTuple):
    apps: list[ListedApp]
    first: int  # the first app's place in the whole list, from 1 (0 when there is none)
    total: int  # the developer's apps
    newer: str | None  # the `before` of the previous page; None on the first
    older: str | None  # the `after` of the next page; None on the last


def format_cursor(created_at: datetime, client_id: str) -> str:
    """`<microseconds since 1970>.<client ID>`: exact, and plain in a URL."""
    return f"{(created_at - _EPOCH) // _MICROSECOND}.{client_id}"


def parse_cursor(value: str) -> Cursor:
    """The cursor `format_cursor` wrote; ValueError for anything else."""
    micros, _, client_id = value.partition(".")
    if not (micros.isascii() and micros.isdigit() and len(micros) <= 17):  # up to the year 5138
        raise ValueError("not a page link")
    if not (client_id.isascii() and client_id.isprintable() and 0 < len(client_id) <= 100):
        raise ValueError("not a page link")
    return Cursor(_EPOCH + int(micros) * _MICROSECOND, client_id)


def parse_position(args) -> Position:
    """The page a query string asks for (`after` or `before`); ValueError when it is not one."""
    after, before = args.get("after"), args.get("before")
    if after is not None and before is not None:
        raise ValueError("a page is after one app or before one, not both")
    return Position(
        after=parse_cursor(after) if after is not None else None,
        before=parse_cursor(before) if before is not None else None,
    )


def page_of_apps(
    conn: Connection, r: redis.Redis, owner_id: int, window_seconds: int, position: Position = FIRST_PAGE
) -> AppsPage:
    """The page of `owner_id`'s apps at `position`, newest first.

    A page before the first full one (apps were registered meanwhile) or after
    the last (apps were deleted) shows the first page instead.
    """
    keys, more = _page_keys(conn, owner_id, position)
    if not keys and position != FIRST_PAGE:
        keys, more = _page_keys(conn, owner_id, FIRST_PAGE)
    total, newer_count = _place(conn, owner_id, keys[0] if keys else None)
    apps = list_apps_by_id(conn, r, [key.client_id for key in keys], window_seconds)
    return AppsPage(
        apps=apps,
        first=newer_count + 1 if keys else 0,
        total=total,
        newer=format_cursor(*keys[0]) if keys and newer_count else None,
        older=format_cursor(*keys[-1]) if keys and (more or position.before) else None,
    )


# Both orders end on the client ID, so that apps registered in the same microsecond keep one order.
_NEWEST_FIRST = "ORDER BY created_at DESC, client_id DESC"
_OLDEST_FIRST = "ORDER BY created_at, client_id"


def _page_keys(conn: Connection, owner_id: int, position: Position) -> tuple[list[Cursor], bool]:
    """The keys of the page's apps, newest first, and whether there are more in the direction read."""
    if position.before:
        keys = _keys(conn, owner_id, "AND (created_at, client_id) > (%(at)s, %(id)s)", _OLDEST_FIRST, position.before)
        if len(keys) <= LIST_PAGE_SIZE:  # it reaches the newest app: that is the first page
            return [], False
        return keys[LIST_PAGE_SIZE - 1 :: -1], True
    if position.after:
        keys = _keys(conn, owner_id, "AND (created_at, client_id) < (%(at)s, %(id)s)", _NEWEST_FIRST, position.after)
    else:
        keys = _keys(conn, owner_id, "", _NEWEST_FIRST, None)
    return keys[:LIST_PAGE_SIZE], len(keys) > LIST_PAGE_SIZE


def _keys(conn: Connection, owner_id: int, condition: str, order: str, cursor: Cursor | None) -> list[Cursor]:
    """Up to a page and one more of the owner's apps past `cursor`; `condition` and `order` are constants here."""
    at, client_id = cursor or (None, None)
    with conn.cursor() as cur:
        cur.execute(
            f"""SELECT created_at, client_id FROM clients WHERE owner_id = %(owner)s {condition}
                {order} LIMIT %(limit)s""",
            {"owner": owner_id, "at": at, "id": client_id, "limit": LIST_PAGE_SIZE + 1},
        )
        return [Cursor(row["created_at"], row["client_id"]) for row in cur.fetchall()]


def _place(conn: Connection, owner_id: int, first: Cursor | None) -> tuple[int, int]:
    """(the owner's apps, how many of them are newer than `first`): one read of the owner's index entries."""
    at, client_id = first or (None, None)
    with conn.cursor() as cur:
        cur.execute(
            """SELECT count(*) AS total,
                      count(*) FILTER (WHERE (created_at, client_id) > (%(at)s, %(id)s)) AS newer
               FROM clients WHERE owner_id = %(owner)s""",
            {"owner": owner_id, "at": at, "id": client_id},
        )
        row = cur.fetchone()
    return row["total"], row["newer"]
