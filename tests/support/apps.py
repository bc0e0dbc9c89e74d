"""Apps for tests: made on the test stores, closed at the end of the session, served over real HTTP."""

import threading
import time

from app import create_app
from tests.support.mail import OUTBOX

TABLES = (
    "users, clients, client_secrets, grants, audit_log, items, subscriptions, invoices, user_totp, recovery_codes, "
    "signing_keys, mail_outbox"
)

# Every app a test made, so that its Redis connections and PostgreSQL pool are
# closed at the end (conftest does it) rather than left to the garbage
# collector, which would warn about unclosed sockets, and warnings are errors here.
made_apps: list = []


def make_app(store_urls: dict, **overrides):
    """An app on the test stores, with the test configuration and `overrides`.

    A REDIS_URL given (a test's own Redis, one to stop or one that is not
    there) means that single Redis, also when the run is on a cluster.
    """
    config = {
        **store_urls,
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "OAUTH_ISSUER": "http://localhost",
        "MAIL_OUTBOX": str(OUTBOX),  # never instance/outbox/ in the working tree
        **overrides,
    }
    if config.get("REDIS_URL"):
        config["REDIS_CLUSTER_NODES"] = None
    app = create_app(config)
    made_apps.append(app)
    return app


def close_stores(app) -> None:
    """Close `app`'s PostgreSQL pool and Redis client now rather than at the session's end.

    Every app holds its pool's connections until then: a test that makes its
    own apps closes them, so that a long run stays under PostgreSQL's limit.
    """
    app.extensions["postgres"].close()
    app.extensions["redis"].close()


class LiveServer:
    """The app served over real HTTP on 127.0.0.1 from a background thread."""

    def __init__(self, app, port: int):
        from werkzeug.serving import make_server

        self.app = app
        self.url = f"http://127.0.0.1:{port}"
        self.server = make_server("127.0.0.1", port, app, threaded=True)

    def __enter__(self):
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(10)


def wait_until_serving(base: str, timeout: float = 30) -> None:
    """Return once a server started elsewhere (gunicorn) answers GET /livez at `base`."""
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(base + "/livez", timeout=5).status_code == 200:
                return
        except requests.RequestException:  # not listening yet, or the worker still starting
            pass
        time.sleep(0.1)
    raise AssertionError(f"nothing served at {base}")
