"""`flask --app app worker`: runs queued work (webhook deliveries) until SIGTERM or SIGINT."""

import json
import signal
import threading

import click
from flask import current_app

from webhooks import worker


@click.command("worker")
@click.option(
    "--threads", type=click.IntRange(1, 64), default=None, help="Deliveries at once (WEBHOOK_WORKER_THREADS)."
)
def worker_command(threads: int | None) -> None:
    """Deliver webhooks until stopped; a delivery in hand is finished first."""
    app = current_app._get_current_object()
    threads = threads or app.config["WEBHOOK_WORKER_THREADS"]
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    click.echo(json.dumps({"worker": "started", "threads": threads}), nl=True)
    worker.run(app, threads, stop)
    click.echo(json.dumps({"worker": "stopped"}))
