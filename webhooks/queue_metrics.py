"""The delivery queue as Prometheus gauges, read from PostgreSQL each time /metrics is scraped.

The queue is rows in PostgreSQL, not something any one process counts, so
its depth and the age of its oldest due delivery are read when asked: one
query on the pending rows' partial index, never on the request path.
Deliveries by outcome are counted by the worker (webhooks/worker.py).
"""

import logging
from collections.abc import Iterator
from typing import TypedDict

import psycopg2
from prometheus_client.core import GaugeMetricFamily, Metric

from observability.metrics import PREFIX
from stores import StoreUnavailable
from stores.postgres import Connection, get_connection

log = logging.getLogger(__name__)


class QueueState(TypedDict):
    pending: int  # deliveries not finished: due now or waiting for a retry
    due: int  # of those, the ones a worker may take now
    oldest_due_seconds: float  # how long the longest-waiting due one has been due (0: none is)


def get_queue_state(conn: Connection) -> QueueState:
    with conn.cursor() as cur:
        cur.execute(
            """SELECT count(*) AS pending,
                      count(*) FILTER (WHERE next_attempt_at <= now()) AS due,
                      coalesce(extract(epoch FROM now() - min(next_attempt_at))::float, 0) AS oldest_due_seconds
               FROM webhook_deliveries WHERE status = 'pending'"""
        )
        state = cur.fetchone()
    state["oldest_due_seconds"] = max(state["oldest_due_seconds"], 0.0)  # the soonest may be in the future
    return state


class QueueCollector:
    """Registered for /metrics (`exposition`); answers nothing when PostgreSQL is down, the rest still shows."""

    def collect(self) -> Iterator[Metric]:
        try:
            state = get_queue_state(get_connection())
        except (StoreUnavailable, psycopg2.Error):
            log.warning("webhook queue metrics left out: PostgreSQL did not answer")
            return
        yield GaugeMetricFamily(
            PREFIX + "webhook_deliveries_pending", "Webhook deliveries not finished yet", value=state["pending"]
        )
        yield GaugeMetricFamily(
            PREFIX + "webhook_deliveries_due", "Webhook deliveries a worker may take now", value=state["due"]
        )
        yield GaugeMetricFamily(
            PREFIX + "webhook_oldest_due_seconds",
            "How long the longest-waiting due webhook delivery has waited (0: none is due)",
            value=state["oldest_due_seconds"],
        )
