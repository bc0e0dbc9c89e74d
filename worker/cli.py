"""`flask --app app worker`: runs queued work (webhook deliveries, account mail) until SIGTERM or SIGINT."""

import json
import signal
import threading

import click
from flask import current_app

from worker import loop


@click.command("worker")
@click.option(
    "--threads",
    type=click.IntRange(1, 64),
    default=None,
    help="Webhook deliveries at once (WEBHOOK_WORKER_THREADS); mail has a thread of its own.",
)
def worker_command(threads: int | None) -> None:
    """Deliver webhooks and send account mail until stopped; the work in hand is finished first."""
    app = current_app._get_current_object()
    threads = threads or app.config["WEBHOOK_WORKER_THREADS"]
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    click.echo(json.dumps({"worker": "started", "threads": threads}), nl=True)
    loop.run(app, threads, stop)
    click.echo(json.dumps({"worker": "stopped"}))
