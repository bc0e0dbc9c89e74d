"""The bench names the Redis it ran on and finds a local cluster's node processes (bench/redis_nodes.py)."""

import redis

from bench import redis_nodes
from stores.redis_client import create_cluster_client
from tests.support.cluster import Cluster


def test_one_redis_is_named_and_has_no_cluster_processes():
    r = redis.Redis()  # never connected: which Redis it is follows from the client alone
    assert redis_nodes.describe(r) == "Redis: one Redis (REDIS_URL or embedded)"
    assert redis_nodes.local_cluster_pids(r) == set()


def test_a_cluster_is_named_by_its_primaries_and_its_nodes_are_found_by_process_id():
    with Cluster(primaries=3, replicas=1) as cluster:
        r = create_cluster_client(cluster.seed_nodes)
        try:
            assert redis_nodes.describe(r) == "Redis: a cluster of 3 primaries and 3 replicas (REDIS_CLUSTER_NODES)"
            assert redis_nodes.local_cluster_pids(r) == {node.process.pid for node in cluster.nodes}
        finally:
            r.close()
