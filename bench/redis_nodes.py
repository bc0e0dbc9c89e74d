"""Which Redis the bench runs on, and the processes of a cluster's nodes on this machine.

A cluster (REDIS_CLUSTER_NODES) is started before the bench, so its nodes
are not among the embedded stores: they are found by the process ID each
node reports (INFO server), so that the bench can pin them beside the
stores and count their CPU as the stores' (bench/layout.py, bench/cpu.py).
The app's client knows only the primaries; the cluster's own node table
(CLUSTER NODES) names the replicas too, which copy every write.
"""

import redis
from redis.cluster import RedisCluster

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def describe(r: redis.Redis) -> str:
    """One line for the report's header: one Redis, or a cluster of N primaries."""
    if not isinstance(r, RedisCluster):
        return "Redis: one Redis (REDIS_URL or embedded)"
    roles = [set(node["flags"].split(",")) for node in r.cluster_nodes().values()]
    primaries, replicas = sum("master" in flags for flags in roles), sum("slave" in flags for flags in roles)
    return f"Redis: a cluster of {primaries} primaries and {replicas} replicas (REDIS_CLUSTER_NODES)"


def local_cluster_pids(r: redis.Redis) -> set[int]:
    """The process IDs of a cluster's nodes, primaries and replicas, that run on this machine (none for one Redis)."""
    if not isinstance(r, RedisCluster):
        return set()
    addresses = [address.rsplit(":", 1) for address in r.cluster_nodes()]
    return {_process_id(host, int(port)) for host, port in addresses if host in LOOPBACK}


def _process_id(host: str, port: int) -> int:
    with redis.Redis(host, port, socket_connect_timeout=2, socket_timeout=2) as node:
        return int(node.info("server")["process_id"])
