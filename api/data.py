"""The sample API's data in PostgreSQL: profiles, items, plans and invoices.

Every query is scoped by the token's user id in its WHERE clause, so one
user's rows are out of reach of another's token. Times leave as ISO 8601 UTC.
A change that webhooks report records its event in its own transaction.
"""

from stores.postgres import Connection, transaction
from webhooks import events

ISO_UTC = """to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')"""
ITEM_COLUMNS = f"id, title, {ISO_UTC.format(column='created_at')} AS created_at"
INVOICE_COLUMNS = f"id, amount_cents, currency, status, {ISO_UTC.format(column='issued_at')} AS issued_at"
DEFAULT_PLAN = "free"


def get_profile(conn: Connection, user_id: int) -> dict | None:
    with conn.cursor() as cur:
        cur.execute("SELECT id, email, name FROM users WHERE id = %(user)s", {"user": user_id})
        return cur.fetchone()


def update_profile_name(conn: Connection, user_id: int, name: str) -> dict | None:
    with transaction(conn) as cur:
        cur.execute(
            """UPDATE users SET name = %(name)s, profile_updated_at = now() WHERE id = %(user)s
               RETURNING id, email, name""",
            {"user": user_id, "name": name},
        )
        profile = cur.fetchone()
        if profile is not None:
            events.record(cur, user_id, "profile.updated", profile)
        return profile


def list_items(conn: Connection, user_id: int) -> list[dict]:
    with conn.cursor() as cur:
        cur.execute(f"SELECT {ITEM_COLUMNS} FROM items WHERE user_id = %(user)s ORDER BY id", {"user": user_id})
        return cur.fetchall()


def create_item(conn: Connection, user_id: int, title: str) -> dict | None:
    """Add an item for the user; None if the user no longer exists."""
    with transaction(conn) as cur:
        cur.execute(
            f"""INSERT INTO items (user_id, title)
                SELECT id, %(title)s FROM users WHERE id = %(user)s
                RETURNING {ITEM_COLUMNS}""",
            {"user": user_id, "title": title},
        )
        item = cur.fetchone()
        if item is not None:
            events.record(cur, user_id, "item.created", {**item, "user_id": user_id})
        return item


def get_billing(conn: Connection, user_id: int) -> dict:
    """The user's plan ('free' without a subscription) and invoices, newest first."""
    with conn.cursor() as cur:
        cur.execute("SELECT plan FROM subscriptions WHERE user_id = %(user)s", {"user": user_id})
        subscription = cur.fetchone()
        cur.execute(
            f"SELECT {INVOICE_COLUMNS} FROM invoices WHERE user_id = %(user)s ORDER BY issued_at DESC, id DESC",
            {"user": user_id},
        )
        invoices = cur.fetchall()
    return {"plan": subscription["plan"] if subscription else DEFAULT_PLAN, "invoices": invoices}
