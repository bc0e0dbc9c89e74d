"""The outbox: an event is written in the transaction of the change it reports.

`record` runs on the caller's cursor, inside the transaction that makes the
change, and writes the event with one pending delivery per live
subscription of the person that wants its type: should the change roll
back, neither exists, and once it commits, neither can be lost. A change
that no one subscribed to writes nothing (the check is one index lookup).
Each event has its own id, sent to receivers so they can drop duplicates.
"""

import json
import uuid


def record(cur, user_id: int, event_type: str, data: dict) -> None:
    """Queue `event_type` with `data` for every subscription of `user_id` that wants it."""
    cur.execute(
        """WITH subscribers AS (
               SELECT id FROM webhook_subscriptions
               WHERE user_id = %(user)s AND %(type)s = ANY (events) AND ended_at IS NULL AND disabled_at IS NULL
           ), event AS (
               INSERT INTO webhook_events (id, user_id, type, data)
               SELECT %(id)s, %(user)s, %(type)s, %(data)s WHERE EXISTS (SELECT 1 FROM subscribers)
               RETURNING id
           )
           INSERT INTO webhook_deliveries (event_id, subscription_id)
           SELECT event.id, subscribers.id FROM event, subscribers""",
        {"id": str(uuid.uuid4()), "user": user_id, "type": event_type, "data": json.dumps(data, default=str)},
    )
