"""The process's Redis client: one Redis (REDIS_URL) or a Redis Cluster (REDIS_CLUSTER_NODES).

redis-py keeps its own thread-safe, fork-aware pool in both. On a cluster
it follows MOVED and ASK itself; a slot in failover, CLUSTERDOWN and
TRYAGAIN are retried briefly and then raised as one of CONNECTION_ERRORS,
which the app answers as any outage: 503.
"""

import re
import threading

import redis
from flask import Flask, current_app
from redis.backoff import NoBackoff
from redis.cluster import ClusterNode, ClusterPipeline, RedisCluster
from redis.exceptions import RedisClusterException
from redis.retry import Retry

# Errors that mean "Redis is gone", as opposed to a bad command. A replica's
# READONLY (this server was demoted by a failover) is as gone for our writes,
# and so is EXECABORT: the same refusal of a write queued in a transaction.
# On a cluster: CLUSTERDOWN and MASTERDOWN (ClusterError's kinds, and what
# redis-py raises once redirections or TRYAGAIN outlast its TTL), a slot no
# node serves, and TRYAGAIN where a pipeline hands it back as it came.
CONNECTION_ERRORS = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    redis.exceptions.ReadOnlyError,
    redis.exceptions.ExecAbortError,
    redis.exceptions.ClusterError,
    redis.exceptions.SlotNotCoveredError,
    redis.exceptions.TryAgainError,
)

# The same short waits on both: a Redis that does not answer is an outage, answered at once.
TIMEOUTS = {"socket_connect_timeout": 2, "socket_timeout": 2}
# A cluster command that failed for want of a node (a connection error, CLUSTERDOWN, an
# unserved slot) is tried this many more times, each after re-reading the slots (and
# after redis-py's own 0.25 s pause for CLUSTERDOWN): a replica promoted meanwhile is
# found, and a cluster that stays down is a 503 within about a second.
CLUSTER_RETRIES = 2


def create_client(url: str) -> redis.Redis:
    return redis.Redis.from_url(
        url,
        decode_responses=True,
        health_check_interval=30,
        # One immediate retry covers a pooled connection that died with a
        # restarted server; more, with backoff, would only delay the 503.
        retry=Retry(NoBackoff(), 1),
        **TIMEOUTS,
    )


class ClusterUnreachable(redis.exceptions.ConnectionError):
    """No seed or known node of the cluster answered: an outage like any other."""


class Cluster(RedisCluster):
    """redis-py's cluster client, but a cluster it cannot reach at all is an outage like any other.

    redis-py raises its RedisClusterException then, which is no RedisError,
    so the handlers of an outage would take it for a bug: it is raised as a
    ConnectionError here. And a process that starts while no node answers
    starts all the same, as it would on one Redis that is down: it learns
    the cluster's slots on its first command that finds a node up, and
    answers 503 until then.
    """

    def __init__(self, *args, **kwargs):
        self._joining = threading.Lock()
        self._joiner: int | None = None  # the thread joining: redis-py's constructor sends commands itself
        self._deferred: tuple | None = None
        try:
            super().__init__(*args, **kwargs)
        except RedisClusterException as error:
            if not isinstance(_as_unreachable(error), ClusterUnreachable):
                raise
            self._deferred = (args, kwargs)

    def _join(self) -> None:
        """Learn the cluster's slots now, if no node answered when this client was made."""
        if self._joiner == threading.get_ident():
            return
        with self._joining:
            if self._deferred is None:
                return
            self._joiner = threading.get_ident()
            try:
                super().__init__(*self._deferred[0], **self._deferred[1])
                self._deferred = None
            finally:
                self._joiner = None

    def execute_command(self, *args, **kwargs):
        try:
            if self._deferred is not None:
                self._join()
            return super().execute_command(*args, **kwargs)
        except RedisClusterException as error:
            raise _as_unreachable(error) from error

    def pipeline(self, transaction=None, shard_hint=None) -> ClusterPipeline:
        if self._deferred is not None:
            try:
                self._join()
            except RedisClusterException as error:
                raise _as_unreachable(error) from error
        pipeline = super().pipeline(transaction, shard_hint)
        pipeline.__class__ = Pipeline  # the same object, but for how execute() fails
        return pipeline


class Pipeline(ClusterPipeline):
    """redis-py's cluster pipeline, failing as Cluster does on a cluster it cannot reach."""

    def execute(self, raise_on_error: bool = True) -> list:
        try:
            return super().execute(raise_on_error)
        except RedisClusterException as error:
            raise _as_unreachable(error) from error


def _as_unreachable(error: RedisClusterException) -> Exception:
    """`error` as ClusterUnreachable when nodes that did not answer caused it, else itself."""
    if isinstance(error.__cause__, CONNECTION_ERRORS) and not isinstance(error, CONNECTION_ERRORS):
        return ClusterUnreachable(str(error))
    return error


def create_cluster_client(seed_nodes: str) -> RedisCluster:
    """A cluster client from `host:port,host:port,...`; every read and write goes to a slot's primary."""
    return Cluster(
        startup_nodes=[ClusterNode(host, int(port)) for host, port in parse_seed_nodes(seed_nodes)],
        decode_responses=True,
        # No replica reads (redis-py's default, left as it is): replicas lag, and tokens,
        # codes and counters must be exact.
        retry=Retry(NoBackoff(), CLUSTER_RETRIES),
        **TIMEOUTS,
    )


def parse_seed_nodes(text: str) -> list[tuple[str, str]]:
    """[(host, port), ...] from `host:port,host:port,...`; ValueError names the first entry that is not one."""
    nodes = []
    for entry in (part.strip() for part in text.split(",")):
        match = _SEED_NODE.fullmatch(entry)
        if not match or not 0 < int(match["port"]) < 65536:
            raise ValueError(f"{entry!r} is not host:port")
        nodes.append((match["name"] or match["ipv6"], match["port"]))
    return nodes


# A host name or IPv4 address, or an IPv6 address in brackets; then the port.
_SEED_NODE = re.compile(r"(?:(?P<name>[A-Za-z0-9._-]+)|\[(?P<ipv6>[0-9A-Fa-f:.]+)\]):(?P<port>[0-9]{1,5})")


def ping(r: redis.Redis) -> None:
    """One round trip that fails with one of CONNECTION_ERRORS unless Redis can serve keys.

    A cluster node answers PING even while the cluster refuses every key
    (CLUSTERDOWN), so a cluster is asked for its state instead.
    """
    if not isinstance(r, RedisCluster):
        r.ping()
        return
    state = r.cluster_info().get("cluster_state")
    if state != "ok":
        raise redis.exceptions.ClusterDownError(f"cluster_state:{state}")


def init_app(app: Flask) -> None:
    if app.config.get("REDIS_CLUSTER_NODES"):
        try:
            client = create_cluster_client(app.config["REDIS_CLUSTER_NODES"])
        except ValueError as error:  # config check names it too; no client can be made from it
            raise ValueError(f"REDIS_CLUSTER_NODES: {error}: must be host:port,host:port,...") from None
    else:
        client = create_client(app.config["REDIS_URL"])
    # How many replicas the writes a client must not lose wait for (stores/acknowledged.py).
    wait = app.config.get("REDIS_WAIT_REPLICAS")
    client.wait_replicas = (1 if app.config.get("REDIS_CLUSTER_NODES") else 0) if wait is None else wait
    app.extensions["redis"] = client


def get_redis() -> redis.Redis:
    return current_app.extensions["redis"]
