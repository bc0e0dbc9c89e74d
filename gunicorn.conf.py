"""gunicorn's settings for this app; read by `make run` (serve.py) and by `gunicorn wsgi:app` run from here.

The access log names the path of each request, never its query string or
referrer: the authorization endpoint's queries carry state and PKCE
challenges, a token sent in a URL is in its query (and is revoked for it,
oauth/leaked.py), and a referrer is another page's whole URL, query and all.
So the request line is written as method, path and protocol (gunicorn's
`%(r)s` would be the raw URI, query included). It is off unless
`--access-logfile` asks for it: the app writes its own line per request
(web/request_log.py), with the route, duration and request ID.

Metrics: every worker writes its counters to files in
PROMETHEUS_MULTIPROC_DIR, and whichever worker answers GET /metrics adds
them all up. The directory is the operator's when set (emptied here at
start of the files of processes no longer running, as prometheus-client
requires), else a temporary one made here and removed at exit. A webhook
worker given the same directory (serve.py does) has its delivery counts in
the sum too. It must be in the environment before a worker imports the
app, which is why it is settled at the top of this file, in the master.

Configuration: the master logs every problem `config check` would report
once at start, and stops before starting a worker when one refuses
start-up (production with an error-level problem, or a number setting that
is no number): gunicorn prints the reason as "Error: ..." and exits 1.
wsgi.py refuses the same in a worker started without this file.
"""

import logging as _logging
import multiprocessing as _multiprocessing
import os as _os
import shutil as _shutil
import tempfile as _tempfile
from pathlib import Path as _Path

access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(a)s"'
# Workers: WEB_CONCURRENCY when set (gunicorn reads it itself), else two per core plus one.
workers = int(_os.environ.get("WEB_CONCURRENCY") or 2 * _multiprocessing.cpu_count() + 1)
# A request that takes longer than this is stuck (a store call has its own shorter timeouts).
timeout = 30
# On SIGTERM, requests in flight get this long to finish before their worker is stopped.
graceful_timeout = 30
# Kept-alive connections from a load balancer: longer than its idle timeout is not needed.
keepalive = 5
# Off: each worker opens its own PostgreSQL pool and Redis client after the fork, never shared.
preload_app = False

_METRICS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
_made_metrics_dir = None
if not _os.environ.get(_METRICS_DIR_VARIABLE):
    _made_metrics_dir = _tempfile.mkdtemp(prefix="oauth-metrics-")
    _os.environ[_METRICS_DIR_VARIABLE] = _made_metrics_dir


def on_starting(server):
    _check_configuration()
    folder = _Path(_os.environ[_METRICS_DIR_VARIABLE])
    folder.mkdir(parents=True, exist_ok=True)
    for counts in folder.glob("*.db"):  # a previous run's counts would be added to this one's
        if not _running(counts):  # a webhook worker sharing the folder (serve.py) may have started first
            counts.unlink()


def _running(counts: _Path) -> bool:
    """Whether the process that writes `counts` (named like counter_<pid>.db) is running."""
    try:
        _os.kill(int(counts.stem.rsplit("_", 1)[-1]), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True  # another user's process
    return True


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if _made_metrics_dir:
        _shutil.rmtree(_made_metrics_dir, ignore_errors=True)


def _check_configuration():
    """Log each problem; stop here, before any worker, on one that refuses start-up (gunicorn prints it, exit 1)."""
    from config_check import DangerousConfiguration, problems, refuse_dangerous
    from settings import load_settings

    log = _logging.getLogger("gunicorn.error")
    settings = load_settings()
    found = problems(settings)
    for problem in found:
        log.warning("configuration %s: %s: %s", problem.level, problem.setting, problem.message)
    try:
        refuse_dangerous(settings, found)
    except DangerousConfiguration:
        on_exit(None)  # gunicorn stops without calling it
        raise
