"""The worker's housekeeping: what the delivery queue no longer needs is deleted, a batch at a time.

Kept for WEBHOOK_DELIVERY_RETENTION_DAYS after it finished, a delivery is
what the developer portal lists and "redeliver" works on; after that it is
deleted, then each event none of whose deliveries is left, then each ended
subscription that nothing points at any more (the row was kept only for its
deliveries). A pending delivery is never touched: it is work still to do.

Each batch is its own short transaction of at most `batch_size` rows, so
the sweep never holds many locks or one long transaction beside the
deliveries being made; a sweep stops after `max_batches` per kind and takes
up the rest on its next turn. Each worker process sweeps at most once a
minute (worker/housekeeping.py); several workers sweeping at once only
delete the same rows sooner.
"""

from dataclasses import dataclass

from stores.postgres import Connection, transaction

FINISHED_DELIVERIES = """
    DELETE FROM webhook_deliveries WHERE id IN (
        SELECT id FROM webhook_deliveries
        WHERE status <> 'pending' AND finished_at < now() - %(days)s * interval '1 day'
        ORDER BY finished_at LIMIT %(limit)s)"""


def _unreferenced(table: str, old_since: str, referenced_by: str) -> str:
    """Delete a batch of `table`'s rows whose `old_since` is past retention and that no delivery points at."""
    return f"""
    DELETE FROM {table} WHERE id IN (
        SELECT t.id FROM {table} t
        WHERE t.{old_since} < now() - %(days)s * interval '1 day'
          AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.{referenced_by} = t.id)
        LIMIT %(limit)s)"""


UNREFERENCED_EVENTS = _unreferenced("webhook_events", "created_at", "event_id")
# An ended subscription was kept only for its deliveries (a disabled one can be turned on again: it stays).
ENDED_SUBSCRIPTIONS = _unreferenced("webhook_subscriptions", "ended_at", "subscription_id")


@dataclass(frozen=True)
class Swept:
    """How many rows of each kind one sweep deleted."""

    deliveries: int
    events: int
    subscriptions: int


def sweep(conn: Connection, retention_days: float, batch_size: int = 500, max_batches: int = 20) -> Swept:
    """Delete what is past retention, in batches; return the counts."""

    def delete(statement: str) -> int:
        total = 0
        for _ in range(max_batches):
            with transaction(conn) as cur:
                cur.execute(statement, {"days": retention_days, "limit": batch_size})
                total += cur.rowcount
            if cur.rowcount < batch_size:
                break
        return total

    # Deliveries first: events and subscriptions are deleted once nothing points at them.
    return Swept(delete(FINISHED_DELIVERIES), delete(UNREFERENCED_EVENTS), delete(ENDED_SUBSCRIPTIONS))
