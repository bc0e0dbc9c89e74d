"""The outbox: an event is written in the transaction of the change it reports.

`record` runs on the caller's cursor, inside the transaction that makes the
change, and writes the event with one pending delivery per live
subscription of the person that wants its type: should the change roll
back, neither exists, and once it commits, neither can be lost. A change
that no one subscribed to writes nothing (the check is one index lookup).
Each event has its own id, sent to receivers so they can drop duplicates.
`record_for_app` does the same for an event about a person that goes to
the app's own subscription (webhooks.revocation_notices).
"""

import json
import uuid

# Live subscriptions that want %(type)s: a person's (of any app), or an app's own.
_PERSON_SUBSCRIBERS = "user_id = %(user)s"
_APP_SUBSCRIBERS = "client_id = %(client)s AND user_id IS NULL"
_QUEUE = """WITH subscribers AS (
               SELECT id FROM webhook_subscriptions
               WHERE {whose} AND %(type)s = ANY (events) AND ended_at IS NULL AND disabled_at IS NULL
           ), event AS (
               INSERT INTO webhook_events (id, user_id, type, data)
               SELECT %(id)s, %(user)s, %(type)s, %(data)s WHERE EXISTS (SELECT 1 FROM subscribers)
               RETURNING id
           )
           INSERT INTO webhook_deliveries (event_id, subscription_id)
           SELECT event.id, subscribers.id FROM event, subscribers"""


def record(cur, user_id: int, event_type: str, data: dict) -> None:
    """Queue `event_type` with `data` for every subscription of `user_id` that wants it."""
    _queue(cur, _PERSON_SUBSCRIBERS, user_id, None, event_type, data)


def record_for_app(cur, client_id: str, user_id: int, event_type: str, data: dict) -> None:
    """Queue `event_type` about `user_id` for the app's own subscription, if it has one that wants it."""
    _queue(cur, _APP_SUBSCRIBERS, user_id, client_id, event_type, data)


def _queue(cur, whose: str, user_id: int, client_id: str | None, event_type: str, data: dict) -> None:
    cur.execute(
        _QUEUE.format(whose=whose),
        {
            "id": str(uuid.uuid4()),
            "user": user_id,
            "client": client_id,
            "type": event_type,
            "data": json.dumps(data, default=str),
        },
    )
