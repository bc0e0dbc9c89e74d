"""Webhook deliveries as `flask --app app worker` makes them: take one due, POST it signed, settle the outcome.

Why the queue is PostgreSQL rather than a Redis Stream fed by a relay: the
events are written to PostgreSQL with the change anyway (the outbox), and
taking a delivery with SELECT ... FOR UPDATE SKIP LOCKED inside a
transaction held for the attempt makes PostgreSQL's row lock the claim.
There is no second copy to keep in step (no relay that can crash between
XADD and marking a row relayed), a retry is a timestamp on the row (durable
with no Redis persistence settings), and a worker that dies releases its
claim the moment its connection drops, with no XAUTOCLAIM idle time to
tune against duplicate sends. The cost is one connection per thread, held
for at most the delivery timeout.

Outcomes: 2xx delivered; 410 Gone ends the subscription at once; anything
else (another status, a timeout, a refused address) is retried after an
exponentially growing delay with jitter, for WEBHOOK_RETRY_WINDOW_SECONDS
(24 hours) after the event; a subscription whose deliveries have failed for
that long without one success is disabled, with the reason stored.
"""

import functools
import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC

from flask import Flask

from observability.metrics import WEBHOOK_DELIVERIES
from stores import sealing
from stores.postgres import Connection, transaction
from webhooks import deliveries, sender, subscriptions
from webhooks.deliveries import Due
from webhooks.sender import Answer
from webhooks.signing import HEADER, signature

log = logging.getLogger("webhooks.worker")
# An event's first attempt comes within this of the event (a worker's backlog aside).
FIRST_ATTEMPT_GRACE_SECONDS = 60.0


@dataclass(frozen=True)
class Policy:
    """How deliveries are made and retried (settings.py names each WEBHOOK_ setting)."""

    allow_private: bool
    timeout_seconds: float
    retry_base_seconds: float  # the first retry's delay; each next one doubles
    retry_max_seconds: float  # no delay longer than this
    retry_window_seconds: float  # retries stop this long after the event; failing this long disables
    pause_seconds: float = 60.0  # a suspended app's deliveries are looked at again after this

    @classmethod
    def from_config(cls, config) -> "Policy":
        return cls(
            allow_private=config["WEBHOOK_ALLOW_PRIVATE"],
            timeout_seconds=config["WEBHOOK_TIMEOUT_SECONDS"],
            retry_base_seconds=config["WEBHOOK_RETRY_BASE_SECONDS"],
            retry_max_seconds=config["WEBHOOK_RETRY_MAX_SECONDS"],
            retry_window_seconds=config["WEBHOOK_RETRY_WINDOW_SECONDS"],
        )


def retry_delay(failed_attempts: int, base: float, cap: float, draw=random.random) -> float:
    """The wait after the `failed_attempts`-th failure: base * 2^(n-1), capped, somewhere in its upper half.

    The jitter spreads out retries of many deliveries that failed together
    (a receiver's outage), so that they do not all come back at once.
    """
    ceiling = min(cap, base * 2 ** min(failed_attempts - 1, 40))
    return ceiling / 2 + draw() * ceiling / 2


def payload(due: Due) -> bytes:
    """The body receivers get: {"id", "type", "created_at", "data"}."""
    created_at = due["event_created_at"].astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    document = {"id": due["event_id"], "type": due["type"], "created_at": created_at, "data": due["data"]}
    return json.dumps(document, separators=(",", ":")).encode()


def send(due: Due, key: bytes, policy: Policy) -> Answer:
    """One signed attempt at `due`."""
    try:
        secret = subscriptions.open_secret(key, due["subscription_id"], due["secret_nonce"], due["secret_ciphertext"])
    except sealing.Unreadable:
        return Answer(None, "the signing secret is unreadable (SECRET_KEY changed): subscribe the URL again")
    body = payload(due)
    headers = {"Content-Type": "application/json", HEADER: signature(secret, int(time.time()), body)}
    return sender.post(due["url"], body, headers, allow_private=policy.allow_private, timeout=policy.timeout_seconds)


def settle(cur, due: Due, answer: Answer, policy: Policy) -> str:
    """Record what the attempt came to and what happens next; return that outcome's metric label."""
    if answer.ok:
        deliveries.mark_delivered(cur, due, answer.status)
        return "delivered"
    if answer.status == 410:
        deliveries.mark_failed(cur, due, 410, "410 Gone: the subscription ended")
        deliveries.end_subscription(cur, due["subscription_id"])
        return "gone"
    error = answer.error or f"HTTP {answer.status}"
    window = policy.retry_window_seconds
    failing_for = due["failing_seconds"] or 0.0
    delay = retry_delay(due["attempts"] + 1, policy.retry_base_seconds, policy.retry_max_seconds)
    if failing_for < window and due["age_seconds"] + delay <= window:
        deliveries.schedule_retry(cur, due, delay, answer.status, error)
        return "retried"
    deliveries.mark_failed(cur, due, answer.status, error)
    # Given up on this event: if nothing succeeded since its first attempt, the
    # subscription has failed for the whole window, and stops until subscribed again.
    if failing_for >= min(window, due["age_seconds"]) - FIRST_ATTEMPT_GRACE_SECONDS:
        reason = f"Every delivery failed for {window / 3600:g} hours; the last: {error}"
        deliveries.disable_subscription(cur, due["subscription_id"], reason)
    return "failed"


def deliver_next(conn: Connection, key: bytes, policy: Policy) -> bool:
    """Take one due delivery and attempt it, the row locked throughout; False when none is due."""
    with transaction(conn) as cur:
        due = deliveries.take_due(cur)
        if due is None:
            return False
        if not due["live"]:
            deliveries.mark_cancelled(cur, due)
            outcome = "cancelled"
        elif due["paused"]:
            deliveries.postpone(cur, due, policy.pause_seconds)
            outcome = "postponed"
        else:
            answer = send(due, key, policy)
            outcome = settle(cur, due, answer, policy)
            log.info(
                "delivery %s to subscription %s: %s", due["id"], due["subscription_id"], answer.status or answer.error
            )
    WEBHOOK_DELIVERIES.labels(outcome).inc()  # once committed: an attempt rolled back is made again
    return True


def job(app: Flask) -> Callable[[Connection], bool]:
    """The worker's unit of webhook work: attempt one due delivery over the given connection."""
    key = subscriptions.sealing_key(app.config["SECRET_KEY"])
    return functools.partial(deliver_next, key=key, policy=Policy.from_config(app.config))
