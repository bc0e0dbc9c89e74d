"""The worker's threads: webhook deliveries on `threads` of them, account mail on one of its own.

Each thread runs one kind of job: a function that takes one due row of its
queue with SKIP LOCKED, does the work with the row locked, records the
outcome and commits, and answers False when nothing is due. Mail has its
own thread, so a backlog of webhook deliveries to slow receivers never
holds up a sign-up's verification link.
"""

import logging
import threading
from collections.abc import Callable

from flask import Flask

from accounts.mail import queue as mail_queue
from stores import StoreUnavailable
from stores.postgres import Connection, Database
from webhooks import worker as webhook_worker
from worker import housekeeping

log = logging.getLogger("worker")

Job = Callable[[Connection], bool]  # does one due piece of work; False when none is due


def work_until_stopped(database: Database, job: Job, poll_seconds: float, stop: threading.Event) -> None:
    """One thread: run `job` while anything is due, wait `poll_seconds` when nothing is, until `stop` is set."""
    while not stop.is_set():
        try:
            pool, conn = database.connect()
        except StoreUnavailable:
            log.exception("cannot reach PostgreSQL; trying again")
            stop.wait(max(poll_seconds, 1.0))
            continue
        try:
            while not stop.is_set():
                if not job(conn):
                    stop.wait(poll_seconds)
        except Exception:
            # One bad row or a lost connection must not end the worker:
            # its transaction rolled back, so the work is due again.
            log.exception("queued work failed; going on")
            stop.wait(max(poll_seconds, 1.0))
        finally:
            database.release(pool, conn)


def run(app: Flask, threads: int, stop: threading.Event) -> None:
    """Run the delivery threads, the mail thread and the housekeeping until `stop` is set, then let each finish."""
    database = app.extensions["postgres"]
    poll_seconds = app.config["WEBHOOK_POLL_SECONDS"]
    jobs = [(f"webhooks-{n}", webhook_worker.job(app)) for n in range(threads)]
    jobs.append(("mail", mail_queue.job(app)))
    workers = [
        threading.Thread(target=work_until_stopped, args=(database, job, poll_seconds, stop), name=name, daemon=True)
        for name, job in jobs
    ]
    workers.append(
        threading.Thread(target=housekeeping.sweep_every_minute, args=(app, stop), name="housekeeping", daemon=True)
    )
    for thread in workers:
        thread.start()
    # Woken often, so that the signal handler that sets `stop` gets to run in this thread.
    while not stop.wait(0.2):
        pass
    for thread in workers:
        thread.join()
