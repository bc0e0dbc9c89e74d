"""The mail queue in PostgreSQL: account mail waits in `mail_outbox` until `flask worker` sends it.

A mail is written in the transaction of the change that causes it (a
sign-up, a password change), so a change that rolls back mails nothing,
and a page never waits on the mail server. A worker takes the next due
mail with SELECT ... FOR UPDATE SKIP LOCKED and holds the row locked while
it talks to the server, then deletes it once sent, all in one transaction:
a worker that dies mid-way (SIGKILL, a lost host) drops its connection,
PostgreSQL rolls back and releases the row, and the next worker sends it.
A mail can therefore arrive twice, never zero times (at-least-once).
Logs name a mail by its id, never its recipient or content: the row has
the recipient while an operator may need it.

The message holds single-use links, so it is kept sealed (AES-GCM under a
key derived from SECRET_KEY, bound to the row's id) and only until it is
sent: the row is deleted then. A temporary failure (a 4xx, a server that
cannot be reached) is tried again after each of MAIL_RETRY_DELAYS in turn;
after the last, or at a permanent failure, the mail is given up: its body
is deleted, its recipient, subject and the reason stay for
FAILED_KEPT_DAYS, then the housekeeping deletes them too.
"""

import functools
import logging
import re
import time
import traceback
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import TypedDict

from flask import Flask

from accounts.mail.transport import PermanentFailure, TemporaryFailure, Transport, transport_for
from observability.metrics import MAIL_ATTEMPTS
from stores import sealing
from stores.postgres import Connection, transaction

log = logging.getLogger(__name__)

SEALING_PURPOSE = b"account mail"
# Seconds before each retry of a temporary failure: about two hours in all, then the mail is given up.
DEFAULT_RETRY_DELAYS = (10.0, 60.0, 300.0, 900.0, 1800.0, 3600.0)
FAILED_KEPT_DAYS = 7
DRAIN_POLL_SECONDS = 0.02


class Due(TypedDict):
    """A mail that is due, locked by this transaction."""

    id: str
    recipient: str  # only to keep it out of the errors logged
    attempts: int  # made so far
    message_nonce: bytes
    message_ciphertext: bytes


@dataclass(frozen=True)
class Courier:
    """What sending needs: where mail goes, the sealing key, the retry schedule."""

    transport: Transport
    key: bytes
    retry_delays: tuple[float, ...]

    @classmethod
    def for_app(cls, app: Flask) -> "Courier":
        delays = app.config.get("MAIL_RETRY_DELAYS", DEFAULT_RETRY_DELAYS)
        return cls(transport_for(app), sealing_key(app.config["SECRET_KEY"]), tuple(delays))


def sealing_key(secret_key: str) -> bytes:
    return sealing.derive_key(secret_key, SEALING_PURPOSE)


def enqueue(cur, message: EmailMessage, key: bytes) -> str:
    """Queue `message` in the caller's transaction; its id."""
    mail_id = str(uuid.uuid4())
    nonce, ciphertext = sealing.seal(key, bytes(message), mail_id.encode())
    cur.execute(
        """INSERT INTO mail_outbox (id, recipient, subject, message_nonce, message_ciphertext)
           VALUES (%(id)s, %(recipient)s, %(subject)s, %(nonce)s, %(ciphertext)s)""",
        {
            "id": mail_id,
            "recipient": str(message["To"])[:320],
            "subject": str(message["Subject"])[:200],
            "nonce": nonce,
            "ciphertext": ciphertext,
        },
    )
    return mail_id


def take_due(cur) -> Due | None:
    """Lock and return the mail due soonest that no other worker holds (None: nothing due)."""
    cur.execute(
        """SELECT id::text, recipient, attempts, message_nonce, message_ciphertext
           FROM mail_outbox
           WHERE status = 'pending' AND next_attempt_at <= now()
           ORDER BY next_attempt_at, id
           LIMIT 1
           FOR UPDATE SKIP LOCKED"""
    )
    return cur.fetchone()


def open_message(key: bytes, due: Due) -> EmailMessage:
    """The message as it was queued; sealing.Unreadable if SECRET_KEY changed since."""
    raw = sealing.unseal(key, due["message_nonce"], due["message_ciphertext"], due["id"].encode())
    return message_from_bytes(raw, policy=policy.default)


def send_next(conn: Connection, courier: Courier) -> bool:
    """Take one due mail and try to send it, the row locked throughout; False when none is due."""
    with transaction(conn) as cur:
        due = take_due(cur)
        if due is None:
            return False
        outcome = _attempt(cur, due, courier)
    MAIL_ATTEMPTS.labels(outcome).inc()  # once committed: an attempt rolled back is made again
    return True


def job(app: Flask) -> Callable[[Connection], bool]:
    """The worker's unit of mail work: send one due mail over the given connection."""
    return functools.partial(send_next, courier=Courier.for_app(app))


def _attempt(cur, due: Due, courier: Courier) -> str:
    """Send `due` and record what came of it; that outcome's metric label."""
    try:
        message = open_message(courier.key, due)
    except sealing.Unreadable:
        log.warning("mail %s is unreadable (SECRET_KEY changed); given up", due["id"])
        _give_up(cur, due, "the queued message is unreadable: SECRET_KEY changed since")
        return "failed"
    try:
        courier.transport.deliver(message)
    except TemporaryFailure as error:
        return _retry_or_give_up(cur, due, courier.retry_delays, _without_recipient(error, due))
    except PermanentFailure as error:
        reason = _without_recipient(error, due)
        log.warning("mail %s refused, not retried: %s", due["id"], reason)
        _give_up(cur, due, f"refused: {reason}")
        return "failed"
    except Exception as error:  # a full disk, a bug: tried again like a temporary failure
        reason = f"{type(error).__name__}: {_without_recipient(error, due)}"
        log.error("mail %s failed: %s (at %s)", due["id"], reason, _where(error))
        return _retry_or_give_up(cur, due, courier.retry_delays, reason)
    cur.execute("DELETE FROM mail_outbox WHERE id = %(id)s", {"id": due["id"]})  # the links leave with it
    return "sent"


def _without_recipient(error: Exception, due: Due) -> str:
    """The error as logged and kept: a server's reply may quote the address (in any case), logs never hold one."""
    return re.sub(re.escape(due["recipient"]), "<recipient>", str(error), flags=re.IGNORECASE)


def _where(error: Exception) -> str:
    """The frames `error` went through, as file:line: a traceback would also print its text and its causes',
    which may quote the address."""
    return " < ".join(
        f"{frame.filename}:{frame.lineno}" for frame in reversed(traceback.extract_tb(error.__traceback__))
    )


def _retry_or_give_up(cur, due: Due, retry_delays: Sequence[float], error: str) -> str:
    tries = due["attempts"] + 1
    if tries > len(retry_delays):
        log.warning("mail %s not delivered after %d tries: %s", due["id"], tries, error)
        _give_up(cur, due, f"not delivered after {tries} tries: {error}")
        return "failed"
    delay = retry_delays[tries - 1]
    log.info("mail %s: %s; trying again in %ss", due["id"], error, delay)
    cur.execute(
        """UPDATE mail_outbox
           SET attempts = attempts + 1, last_error = %(error)s,
               next_attempt_at = now() + make_interval(secs => %(delay)s)
           WHERE id = %(id)s""",
        {"id": due["id"], "error": error[:300], "delay": delay},
    )
    return "retried"


def _give_up(cur, due: Due, reason: str) -> None:
    """Never sent: the body (and its links) goes at once; who, what and why stay for the operator."""
    cur.execute(
        """UPDATE mail_outbox
           SET status = 'failed', attempts = attempts + 1, last_error = %(reason)s, finished_at = now(),
               message_nonce = NULL, message_ciphertext = NULL
           WHERE id = %(id)s""",
        {"id": due["id"], "reason": reason[:300]},
    )


def count_pending(conn: Connection) -> int:
    """Mail not sent nor given up yet, whether due, waiting for a retry, or in a worker's hands."""
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) AS pending FROM mail_outbox WHERE status = 'pending'")
        return cur.fetchone()["pending"]


def drain(conn: Connection, courier: Courier, timeout: float) -> bool:
    """Send here and now, as a worker does, until no mail is pending; False if some still is after `timeout`.

    For tests and one-off commands: a mail another worker holds, or one
    waiting for its retry, is waited for.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if send_next(conn, courier):
            continue
        if count_pending(conn) == 0:
            return True
        time.sleep(DRAIN_POLL_SECONDS)
    return False


def sweep(conn: Connection, kept_days: float = FAILED_KEPT_DAYS) -> int:
    """The housekeeping: delete mail given up more than `kept_days` ago; how many rows."""
    with transaction(conn) as cur:
        cur.execute(
            "DELETE FROM mail_outbox WHERE status = 'failed' AND finished_at < now() - %(days)s * interval '1 day'",
            {"days": kept_days},
        )
        return cur.rowcount
