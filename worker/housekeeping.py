"""The worker's housekeeping thread: each queue's sweep at start, then once a minute, until stopped.

Webhook deliveries past WEBHOOK_DELIVERY_RETENTION_DAYS (webhooks/housekeeping.py),
and mail given up long ago (accounts/mail/queue.py). A sweep that fails (PostgreSQL
away, a lock timeout) is logged and tried again a minute later; the work goes on.
"""

import logging
import threading

from flask import Flask

from accounts.mail import queue as mail_queue
from webhooks import housekeeping as webhook_housekeeping

log = logging.getLogger("worker.housekeeping")
SWEEP_INTERVAL_SECONDS = 60.0


def sweep_every_minute(app: Flask, stop: threading.Event) -> None:
    database = app.extensions["postgres"]
    retention_days = app.config["WEBHOOK_DELIVERY_RETENTION_DAYS"]
    while not stop.is_set():
        try:
            pool, conn = database.connect()
            try:
                swept = webhook_housekeeping.sweep(conn, retention_days)
                mail_given_up = mail_queue.sweep(conn)
            finally:
                database.release(pool, conn)
            if swept != webhook_housekeeping.Swept(0, 0, 0) or mail_given_up:
                log.info("housekeeping deleted %s and %d mails given up", swept, mail_given_up)
        except Exception:
            log.exception("housekeeping failed; trying again in a minute")
        stop.wait(SWEEP_INTERVAL_SECONDS)
