"""The mail queue as Prometheus gauges, read from PostgreSQL each time /metrics is scraped.

Like the webhook queue's (webhooks/queue_metrics.py): the queue is rows, so
its depth and the wait of its oldest due mail are read when asked, one
query on the pending rows' partial index. Attempts by outcome are counted
by the worker (accounts/mail/queue.py).
"""

import logging
from collections.abc import Iterator

import psycopg2
from prometheus_client.core import GaugeMetricFamily, Metric

from observability.metrics import PREFIX
from stores import StoreUnavailable
from stores.postgres import get_connection

log = logging.getLogger(__name__)

STATE = """
    SELECT count(*) AS pending,
           greatest(coalesce(extract(epoch FROM now() - min(next_attempt_at))::float, 0), 0) AS oldest_due_seconds
    FROM mail_outbox WHERE status = 'pending'"""


class MailQueueCollector:
    """Registered for /metrics; answers nothing when PostgreSQL is down, the rest still shows."""

    def collect(self) -> Iterator[Metric]:
        try:
            with get_connection().cursor() as cur:
                cur.execute(STATE)
                state = cur.fetchone()
        except (StoreUnavailable, psycopg2.Error):
            log.warning("mail queue metrics left out: PostgreSQL did not answer")
            return
        yield GaugeMetricFamily(
            PREFIX + "mail_pending", "Account mail not sent nor given up yet", value=state["pending"]
        )
        yield GaugeMetricFamily(
            PREFIX + "mail_oldest_due_seconds",
            "How long the longest-waiting due account mail has waited (0: none is due)",
            value=state["oldest_due_seconds"],
        )
