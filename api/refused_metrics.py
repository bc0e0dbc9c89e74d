"""The clients the rate limit refused most this window, on /metrics, read from Redis at scrape.

A label per client would grow with every app ever registered, so only the
MOST_REFUSED clients with the highest scores in the window's ranking
(api/rate_limit.py) are shown, each by client ID: enough to see which
integration is hammering the API, bounded whatever the number of apps.
"""

import logging
from collections.abc import Iterator

import redis
from prometheus_client.core import GaugeMetricFamily, Metric

from api import rate_limit
from observability.metrics import PREFIX
from stores.redis_client import get_redis

log = logging.getLogger(__name__)
MOST_REFUSED = 10


class MostRefusedClients:
    """A collector: one gauge sample per client among the window's MOST_REFUSED."""

    def __init__(self, window_seconds: int):
        self.window_seconds = window_seconds

    def collect(self) -> Iterator[Metric]:
        try:
            ranked = rate_limit.most_refused(get_redis(), MOST_REFUSED, self.window_seconds)
        except redis.RedisError:
            log.warning("rate-limit metrics left out: Redis did not answer")
            return
        gauge = GaugeMetricFamily(
            PREFIX + "api_calls_refused_top",
            f"API calls refused by the rate limit in the current window, for the {MOST_REFUSED} clients refused most",
            labels=["client_id"],
        )
        for client_id, refused in ranked:
            gauge.add_metric([client_id], refused)
        yield gauge
