"""Every Prometheus metric of the server, defined once, with label values from closed sets.

Labels are endpoint names, grant types, RFC error codes, audit actions and
store names: never a path or anything a caller chooses, so the number of
series stays bounded however the server is called. The one client ID label,
on the rate limit's most refused apps, is read at scrape from a ranking cut
to ten (api/refused_metrics.py), never counted here.

Under gunicorn every worker writes its values to files in
PROMETHEUS_MULTIPROC_DIR (set by gunicorn.conf.py before the app is
imported, or by serve.py for gunicorn and the webhook worker alike) and
`GET /metrics` adds them up (`exposition`); a single process without that
directory keeps them in memory.
"""

import os
from collections.abc import Iterable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.registry import Collector

PREFIX = "oauth_"
# Seconds: the API answers in about a millisecond, a sign-in's password hash takes a few hundred.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

HTTP_REQUESTS = Counter(
    PREFIX + "http_requests_total",
    "HTTP requests by Flask endpoint, method and status class",
    ["endpoint", "method", "status"],
)
HTTP_LATENCY = Histogram(
    PREFIX + "http_request_duration_seconds", "Time to answer, by Flask endpoint", ["endpoint"], buckets=LATENCY_BUCKETS
)
TOKENS_ISSUED = Counter(PREFIX + "tokens_issued_total", "Token responses by grant type", ["grant_type"])
PROTOCOL_ERRORS = Counter(
    PREFIX + "protocol_errors_total", "OAuth errors answered (RFC 6749 codes), by endpoint", ["endpoint", "error"]
)
INTROSPECTIONS = Counter(PREFIX + "introspections_total", "Introspection answers by outcome", ["outcome"])
API_CHECKS = Counter(PREFIX + "api_checks_total", "Bearer-token checks of the protected API by outcome", ["outcome"])
SIGN_INS = Counter(PREFIX + "sign_ins_total", "Sign-in attempts by outcome", ["outcome"])
LOCKOUTS = Counter(PREFIX + "sign_in_lockouts_total", "Accounts whose sign-in closed after repeated failures")
SECOND_FACTOR_FAILURES = Counter(PREFIX + "second_factor_failures_total", "Wrong second-factor codes at sign-in")
SECURITY_EVENTS = Counter(PREFIX + "security_events_total", "Security events of the audit trail", ["event"])
REVOCATIONS = Counter(PREFIX + "revocations_total", "Access ended by the audit trail's cause", ["cause"])
STORE_ERRORS = Counter(PREFIX + "store_errors_total", "Requests answered 503 because a store was down", ["store"])
# Sampled off the request path: each readiness probe (GET /healthz) times its PING and SELECT 1.
STORE_ROUND_TRIP = Histogram(
    PREFIX + "store_round_trip_seconds",
    "Round trip of a Redis PING and a PostgreSQL SELECT 1, timed by each readiness probe",
    ["store"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
)
# Counted by `flask worker` once each attempt's transaction committed; outcomes: webhooks/worker.py.
WEBHOOK_DELIVERIES = Counter(
    PREFIX + "webhook_deliveries_total", "Webhook delivery attempts by what they came to", ["outcome"]
)
# Counted by `flask worker` the same way; outcomes (sent, retried, failed): accounts/mail/queue.py.
MAIL_ATTEMPTS = Counter(PREFIX + "mail_attempts_total", "Account mail send attempts by what they came to", ["outcome"])

# The protected API's hot path: the child is bound once, so a call costs one increment.
API_CHECK_OK = API_CHECKS.labels(outcome="ok")


# app.extensions key: the collectors GET /metrics reads at scrape time, registered by the packages owning the data.
READ_AT_SCRAPE = "metrics.read_at_scrape"


def exposition(read_at_scrape: Iterable[Collector] = ()) -> tuple[bytes, str]:
    """The text format of every metric, summed over the processes that share a directory.

    `read_at_scrape`: collectors of values that live elsewhere (the webhook
    queue in PostgreSQL), read now rather than counted by any process.
    """
    counted = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted)
    read = CollectorRegistry()
    for collector in read_at_scrape:
        read.register(collector)
    return generate_latest(counted) + generate_latest(read), CONTENT_TYPE_LATEST


_request_children: dict[tuple[str, str, str], tuple] = {}


# Any other method a caller invents is counted as "other": methods are not a label's to grow.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def observe_request(endpoint: str, method: str, status: int, seconds: float) -> None:
    """Count one answered request; the labelled children are looked up once per combination."""
    key = (endpoint, method if method in KNOWN_METHODS else "other", status)
    children = _request_children.get(key)
    if children is None:
        status_class = f"{status // 100}xx"
        children = (HTTP_REQUESTS.labels(endpoint, key[1], status_class), HTTP_LATENCY.labels(endpoint))
        _request_children[key] = children
    children[0].inc()
    children[1].observe(seconds)
