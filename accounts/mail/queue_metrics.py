"""The mail queue as Prometheus gauges, read from PostgreSQL each time /metrics is scraped.

Its depth and the wait of its oldest due mail, one query on the pending
rows' partial index. Attempts by outcome are counted by the worker
(accounts/mail/queue.py).
"""

from stores.gauges import Gauge, ReadAtScrape

COLLECTOR = ReadAtScrape(
    "mail queue",
    """SELECT count(*) AS pending,
              greatest(coalesce(extract(epoch FROM now() - min(next_attempt_at))::float, 0), 0) AS oldest_due_seconds
       FROM mail_outbox WHERE status = 'pending'""",
    [
        Gauge("pending", "mail_pending", "Account mail not sent nor given up yet"),
        Gauge(
            "oldest_due_seconds",
            "mail_oldest_due_seconds",
            "How long the longest-waiting due account mail has waited (0: none is due)",
        ),
    ],
)
