"""`make run`: stores, schema migrations, demo data, then gunicorn on 127.0.0.1:$PORT and a worker.

The worker (`flask --app app worker`) delivers webhooks and sends account mail;
without SMTP_URL it writes each mail to instance/outbox/ and logs its link.

When DATABASE_URL / REDIS_URL are unset (REDIS_CLUSTER_NODES stands in for
REDIS_URL) this process starts the embedded servers and owns them: they stop
when it stops (Ctrl-C). gunicorn's workers get the URLs through the
environment and never start servers of their own.
"""

import atexit
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from app import create_app
from demo import ensure_demo_data
from stores import migrations, postgres, redis_client

# gunicorn's settings (the access log's format among them), wherever it is started from.
GUNICORN_CONFIG = Path(__file__).resolve().parent / "gunicorn.conf.py"


def main() -> int:
    port = os.environ.get("PORT", "5000")
    # The issuer names where clients find us; by default, the address served here.
    os.environ.setdefault("OAUTH_ISSUER", f"http://127.0.0.1:{port}")
    app = create_app()
    os.environ["DATABASE_URL"] = app.config["DATABASE_URL"]
    if app.config["REDIS_URL"] and not app.config["REDIS_CLUSTER_NODES"]:
        os.environ["REDIS_URL"] = app.config["REDIS_URL"]
    with app.app_context():
        migrations.migrate(postgres.get_connection())
        created = ensure_demo_data(postgres.get_connection(), redis_client.get_redis())
    if created:
        print("Demo data created (shown once):\n" + json.dumps(created, indent=2, default=str))
    print(f"Serving on http://127.0.0.1:{port}  (Ctrl-C stops the server and the embedded stores)")
    sys.stdout.flush()
    return run_gunicorn(port)


def gunicorn_command(port: int | str, workers: int | str, *options: str) -> list[str]:
    """gunicorn serving the app on 127.0.0.1:`port`, from this interpreter (the project's virtualenv)."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "wsgi:app",
        "--config",
        str(GUNICORN_CONFIG),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        *options,
    ]


WORKER_COMMAND = [sys.executable, "-m", "flask", "--app", "app", "worker"]
METRICS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


def run_gunicorn(port: str) -> int:
    """gunicorn and one worker (webhooks, mail) beside it, until Ctrl-C or SIGTERM stops both."""
    if not os.environ.get(METRICS_DIR_VARIABLE):
        # One metrics folder for both, so that GET /metrics adds the worker's delivery counts in.
        os.environ[METRICS_DIR_VARIABLE] = tempfile.mkdtemp(prefix="oauth-metrics-")
        atexit.register(shutil.rmtree, os.environ[METRICS_DIR_VARIABLE], ignore_errors=True)
    # No gunicorn access log: the app writes one line per request itself (web/request_log.py).
    server = subprocess.Popen(gunicorn_command(port, os.environ.get("WEB_CONCURRENCY", "2")))
    worker = subprocess.Popen(WORKER_COMMAND, cwd=Path(__file__).resolve().parent)
    signal.signal(signal.SIGTERM, lambda *_: (server.terminate(), worker.terminate()))
    try:
        return server.wait()
    except KeyboardInterrupt:
        server.terminate()
        return server.wait()
    finally:
        worker.terminate()  # finishes the delivery or mail in hand, then exits
        worker.wait()


if __name__ == "__main__":
    sys.exit(main())
