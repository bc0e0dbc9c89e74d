"""The delivery queue as Prometheus gauges, read from PostgreSQL each time /metrics is scraped.

The queue is rows in PostgreSQL, not something any one process counts, so
its depth and the age of its oldest due delivery are read when asked: one
query on the pending rows' partial index, never on the request path.
Deliveries by outcome are counted by the worker (webhooks/worker.py).
"""

from stores.gauges import Gauge, ReadAtScrape

# The soonest pending delivery may be due in the future: its wait is then 0, never negative.
COLLECTOR = ReadAtScrape(
    "webhook queue",
    """SELECT count(*) AS pending,
              count(*) FILTER (WHERE next_attempt_at <= now()) AS due,
              greatest(coalesce(extract(epoch FROM now() - min(next_attempt_at))::float, 0), 0) AS oldest_due_seconds
       FROM webhook_deliveries WHERE status = 'pending'""",
    [
        Gauge("pending", "webhook_deliveries_pending", "Webhook deliveries not finished yet"),
        Gauge("due", "webhook_deliveries_due", "Webhook deliveries a worker may take now"),
        Gauge(
            "oldest_due_seconds",
            "webhook_oldest_due_seconds",
            "How long the longest-waiting due webhook delivery has waited (0: none is due)",
        ),
    ],
)
