"""Gauges whose values are PostgreSQL rows (a queue's depth, its oldest wait): one query at each scrape of /metrics.

Such a value is not something any one process counts, so it is read when
asked, never on the request path. A package registers a `ReadAtScrape`
for its query (observability.metrics.READ_AT_SCRAPE); while PostgreSQL is
down it answers nothing and the rest of /metrics still shows.
"""

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import psycopg2
from prometheus_client.core import GaugeMetricFamily, Metric

from observability.metrics import PREFIX
from stores import StoreUnavailable
from stores.postgres import get_connection

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Gauge:
    column: str  # of the query's one row
    name: str  # after the metrics prefix
    documentation: str


@dataclass(frozen=True, eq=False)  # hashed by identity, as prometheus_client's registry keys collectors
class ReadAtScrape:
    """A collector: `query` returns one row; each gauge shows one of its columns."""

    what: str  # named in the warning when PostgreSQL does not answer
    query: str
    gauges: Sequence[Gauge]

    def collect(self) -> Iterator[Metric]:
        try:
            with get_connection().cursor() as cur:
                cur.execute(self.query)
                row = cur.fetchone()
        except (StoreUnavailable, psycopg2.Error):
            log.warning("%s metrics left out: PostgreSQL did not answer", self.what)
            return
        for gauge in self.gauges:
            yield GaugeMetricFamily(PREFIX + gauge.name, gauge.documentation, value=row[gauge.column])
