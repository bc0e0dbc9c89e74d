"""`flask --app app worker`: the process that runs the queued work of every package, from PostgreSQL.

It sits above the packages whose queues it runs (webhooks, accounts' mail),
so that they never import each other: each offers a job (one due piece of
work over a connection), and this package gives each its threads.

cli           the command: threads until SIGTERM or SIGINT
loop          the threads: each runs one kind of job while any is due, then waits
housekeeping  once a minute, what the queues no longer need is deleted
"""

from flask import Flask


def init_app(app: Flask) -> None:
    from worker import cli

    app.cli.add_command(cli.worker_command)
