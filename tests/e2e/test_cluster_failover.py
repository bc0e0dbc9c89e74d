"""A Redis Cluster primary killed under load: its replica takes over, the app recovers, nothing acknowledged is lost.

Real HTTP through gunicorn (sync workers, as deployed) on the suite's
PostgreSQL and a Redis Cluster of this test's own (3 primaries, 3
replicas, a 1 s node timeout so that a replica is promoted within
seconds), started here whatever stores the run uses, so every CI pass
runs it. The app's WAIT setting is left at its default (one replica on a
cluster): rotations and revocations are answered once a replica holds them.

Workers loop over API calls, refresh rotations, code exchanges and
revocations (tests/support/failover.py judges each answer). Midway the
primary serving the app's slot is SIGKILLed. 503s are allowed while the
slot has no primary; no wrong answer is, ever; and once the replica is
promoted the app serves again without a restart: the loop's last seconds
and the final checks (every spent refresh token and every revoked token
still refused, every live chain still rotating) see no 503 at all.
"""

import os
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

import pytest

from serve import gunicorn_command
from stores import keys, postgres, redis_client
from tests.support.accounts import USER_EMAIL, USER_PASSWORD, create_user
from tests.support.apps import make_app, wait_until_serving
from tests.support.cluster import Cluster, Node
from tests.support.failover import Tally, Worker
from tests.support.oauth import register_client
from tests.support.stores import free_port

ROOT = Path(__file__).resolve().parents[2]
NODE_TIMEOUT_MS = 1000  # a primary silent this long is failing; its replica is elected a second or two later
WORKERS = 4  # client threads, each with a gunicorn worker of its own
BEFORE_KILL_SECONDS = 5
AFTER_PROMOTION_SECONDS = 10
SETTLED_SECONDS = 5  # the loop's last seconds, and the final checks, must see no 503
PROMOTION_TIMEOUT = 30


@pytest.fixture
def cluster():
    with Cluster(node_timeout_ms=NODE_TIMEOUT_MS) as cluster:
        yield cluster


@pytest.fixture
def cluster_app(app, store_urls, cluster):
    """The app on the suite's PostgreSQL (migrated and emptied by `app`) and this test's cluster."""
    return make_app(store_urls, REDIS_URL=None, REDIS_CLUSTER_NODES=cluster.seed_nodes)


@pytest.fixture
def cluster_redis(cluster):
    """A client of this test's cluster, for reading what the store holds."""
    with redis_client.create_cluster_client(cluster.seed_nodes) as r:
        yield r


@pytest.fixture
def server(cluster_app, store_urls, cluster, tmp_path):
    """gunicorn serving the app on the cluster: its base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **{name: value for name, value in os.environ.items() if name != "REDIS_URL"},
        "DATABASE_URL": store_urls["DATABASE_URL"],
        "REDIS_CLUSTER_NODES": cluster.seed_nodes,
        "SECRET_KEY": "test-secret-key",
        "OAUTH_ISSUER": base,
    }
    with (tmp_path / "server.log").open("w") as log:
        process = subprocess.Popen(gunicorn_command(port, WORKERS), cwd=ROOT, env=env, stderr=log)
    try:
        wait_until_serving(base)
        yield base
    finally:
        process.terminate()
        process.wait(30)


def serving_nodes(cluster: Cluster, client_id: str) -> tuple[Node, Node]:
    """The primary that serves `client_id`'s slot (its tokens, codes and counters) and the replica that follows it."""
    with redis_client.create_cluster_client(cluster.seed_nodes) as r:
        port = r.get_node_from_key(keys.slot(keys.client_tag(client_id))).port
    primary = next(node for node in cluster.primaries if node.port == port)
    replica = next(node for node in cluster.replicas if node.info("replication").get("master_port") == port)
    return primary, replica


def wait_until_promoted(replica: Node) -> float:
    """When `replica` became a primary that sees the cluster whole again (monotonic)."""
    deadline = time.monotonic() + PROMOTION_TIMEOUT
    while replica.info("replication").get("role") != "master" or "cluster_state:ok" not in replica.cluster("INFO"):
        assert time.monotonic() < deadline, f"replica {replica.address} was not promoted in {PROMOTION_TIMEOUT} s"
        time.sleep(0.05)
    return time.monotonic()


def reused_families(app, client_id: str) -> set[str]:
    """The refresh-token families the token endpoint ended for a reuse, as its audit rows name them."""
    with app.app_context(), postgres.get_connection().cursor() as cur:
        cur.execute(
            "SELECT details->>'family' FROM audit_log WHERE action = 'token.reused' AND client_id = %(client_id)s",
            {"client_id": client_id},
        )
        return {family for (family,) in cur.fetchall()}


def wait_until_following(node: Node, timeout: float = PROMOTION_TIMEOUT) -> None:
    """Until `node`, restarted, is a replica holding its new primary's data."""
    deadline = time.monotonic() + timeout
    while True:
        replication = node.info("replication")
        if replication.get("master_link_status") == "up" and replication.get("master_sync_in_progress") == 0:
            return
        assert time.monotonic() < deadline, f"{node.address} did not come back as a replica in {timeout} s"
        time.sleep(0.05)


class Timeline(NamedTuple):
    killed: float  # monotonic times
    promoted: float
    stopped: float


def load_through_failover(workers: list[Worker], primary: Node, replica: Node) -> Timeline:
    """Run the workers' loops; midway SIGKILL `primary`, and go on for a while once `replica` took over."""
    stop = threading.Event()
    with ThreadPoolExecutor(len(workers)) as pool:
        running = [pool.submit(worker.run_until, stop) for worker in workers]
        try:
            time.sleep(BEFORE_KILL_SECONDS)
            for worker in workers:
                worker.killed.set()
            killed = time.monotonic()
            primary.stop()  # SIGKILL
            promoted = wait_until_promoted(replica)
            time.sleep(AFTER_PROMOTION_SECONDS)
        finally:
            stop.set()
        for loop in running:
            loop.result()  # a worker's own failure (no recovery) fails the test here
    return Timeline(killed, promoted, time.monotonic())


def bring_back(node: Node) -> None:
    """Restart a killed node as its operator would: it rejoins as the new primary's replica."""
    node.start()
    node.wait_until_answers()
    wait_until_following(node)


def summary(tally: Tally, timeline: Timeline) -> str:
    last_unavailable = tally.last_unavailable()
    last = "none" if last_unavailable is None else f"{last_unavailable - timeline.killed:.1f} s after it"
    before = tally.median_ms("refresh", 0, timeline.killed)
    after = tally.median_ms("refresh", timeline.promoted, timeline.stopped)
    return (
        f"{tally.line()}; replica promoted {timeline.promoted - timeline.killed:.1f} s after the kill, "
        f"last 503 {last}; refresh median {before:.0f} ms before the kill, "
        f"{after:.0f} ms on the promoted primary without a replica"
    )


@pytest.mark.timeout(300)  # about a minute here: a cluster, gunicorn, ~20 s of load, the final checks
def test_a_killed_primary_is_replaced_under_load_and_nothing_acknowledged_is_lost(
    cluster, cluster_app, cluster_redis, server, capsys
):
    registered, secret = register_client(cluster_app, rate_limit=10**7, token_rate=10**5)
    create_user(cluster_app)
    tally = Tally()
    person = (USER_EMAIL, USER_PASSWORD)
    workers = [Worker(server, registered, secret, *person, tally, cluster_redis) for _ in range(WORKERS)]
    for worker in workers:
        worker.begin()
    primary, replica = serving_nodes(cluster, registered["client_id"])

    timeline = load_through_failover(workers, primary, replica)
    tally.unexplained_retries(reused_families(cluster_app, registered["client_id"]))  # before the final checks reuse
    # With a replica again, WAIT is answered at once: the final checks do not each wait out its timeout.
    bring_back(primary)
    with ThreadPoolExecutor(WORKERS) as pool:
        for checked in [pool.submit(worker.check_all_kept) for worker in workers]:
            checked.result()

    with capsys.disabled():
        print("\n" + summary(tally, timeline))
    assert tally.wrong == [], "\n".join(tally.wrong[:20])
    assert tally.unavailable_between(0, timeline.killed) == 0
    assert tally.unavailable_between(timeline.stopped - SETTLED_SECONDS) == 0
    assert tally.served_between(timeline.promoted) > 0
