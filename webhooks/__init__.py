"""Webhooks as REST Hooks: apps subscribe URLs for a person; events reach them through a durable queue.

subscriptions  the (user, app) pair's subscriptions and their sealed secrets
events         the outbox: events written in the transaction of the change
deliveries     the queue in PostgreSQL: due deliveries, taken with SKIP LOCKED
worker         one delivery as `flask --app app worker` (worker/) makes it: POST, then retry or settle
sender         one signed POST to a checked address (SSRF-safe)
addresses      which URLs and addresses a webhook may reach
queue_metrics  the queue's depth and oldest due delivery, for /metrics
"""

from flask import Flask


def init_app(app: Flask) -> None:
    from observability.metrics import READ_AT_SCRAPE
    from webhooks import queue_metrics

    app.extensions.setdefault(READ_AT_SCRAPE, []).append(queue_metrics.COLLECTOR)
