"""The admin's view of the audit log: filtered by event type, actor, person, app and dates; paged or exported.

What the operator types is resolved first (an email to a user ID, part of
an app's name to its client IDs), so that the one query over audit_log
filters on indexed columns and reads newest first by id. Pages and the
export walk the same query by keyset (`id < last id seen`): batches of an
export never repeat or skip a row while new rows arrive, and neither a
transaction nor a pooled connection is held while a slow client downloads.
"""

from collections.abc import Iterator
from datetime import datetime
from typing import NamedTuple

import audit
from accounts import users
from accounts.user_admin import like_escape
from stores.postgres import Connection, Database, checked_out

EXPORT_BATCH = 1000
# An app filter matching more apps than this is too vague to be meant.
MAX_MATCHED_APPS = 500


class AuditQuery(NamedTuple):
    """Resolved filters; None means "any". Dates are UTC instants, `until` excluded."""

    action: str | None = None
    actor_id: int | None = None
    user_id: int | None = None  # as actor or as the person the row is about
    client_ids: list[str] | None = None
    since: datetime | None = None
    until: datetime | None = None


class Unresolved(Exception):
    """A filter names nothing that exists (or far too much): `name` is its argument of `resolve`."""

    def __init__(self, name: str, message: str):
        super().__init__(message)
        self.name = name


def resolve(
    conn: Connection,
    *,
    action: str | None,
    actor: str | None,
    user: int | str | None,
    client_id: str | None,
    since: datetime | None,
    until: datetime | None,
) -> AuditQuery:
    """The query for what the operator typed: `actor` an email, `user` an email or an ID, `client_id` an app's
    client ID or part of its name; raises Unresolved for the first that names nothing."""
    return AuditQuery(
        action=action,
        actor_id=_user_id(conn, actor, "actor") if actor else None,
        user_id=_user_id(conn, user, "user") if user is not None else None,
        client_ids=_client_ids(conn, client_id) if client_id else None,
        since=since,
        until=until,
    )


def _user_id(conn: Connection, email_or_id: int | str, name: str) -> int:
    """The user ID the filter `name` names: given as an ID, or as an email of an account (raises Unresolved)."""
    if isinstance(email_or_id, int):
        return email_or_id
    found = users.get_user_by_email(conn, email_or_id)
    if found is None:
        raise Unresolved(name, "No account has this email.")
    return found["id"]


def _client_ids(conn: Connection, text: str) -> list[str]:
    """The apps a filter names: its exact client ID, or every app whose name contains `text` (any case).

    The text itself is kept as a client ID too, so the rows of a deleted app
    (client_id outlives the app) can still be found by its ID.
    """
    with conn.cursor() as cur:
        cur.execute(
            """SELECT client_id FROM clients
               WHERE client_id = %(text)s OR name ILIKE %(pattern)s
               ORDER BY client_id LIMIT %(limit)s""",
            {"text": text, "pattern": f"%{like_escape(text)}%", "limit": MAX_MATCHED_APPS + 1},
        )
        found = [row["client_id"] for row in cur.fetchall()]
    if len(found) > MAX_MATCHED_APPS:
        raise Unresolved("client_id", f"More than {MAX_MATCHED_APPS} apps have this in their name: type more of it.")
    return sorted({*found, text})


def page_of_entries(conn: Connection, query: AuditQuery, before_id: int | None) -> tuple[list[dict], int | None]:
    """One page of the rows matching `query`, newest first, and the `before_id` of the next page (None on the last)."""
    return audit.page_of_audit(conn, **query._asdict(), before_id=before_id)


def iter_entries(db: Database, query: AuditQuery, batch_size: int = EXPORT_BATCH) -> Iterator[dict]:
    """Every row matching `query`, newest first, read `batch_size` at a time: memory stays flat whatever the count.

    Each batch is one statement on a connection checked out for it alone, so
    that a slow client holds none of the pool while it reads the rows sent.
    """
    before_id = None
    while True:
        with checked_out(db) as conn:
            batch = audit.list_audit(conn, **query._asdict(), before_id=before_id, limit=batch_size)
        yield from batch
        if len(batch) < batch_size:
            return
        before_id = batch[-1]["id"]
