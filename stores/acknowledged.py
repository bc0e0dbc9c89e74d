"""Writes a client is told about only once a replica holds them (Redis WAIT).

A refresh rotation or a revocation that Redis answered but had not yet
passed to a replica is lost if its primary dies before it does: after the
failover the promoted replica still holds the spent refresh token, or the
revoked one live. So these writes are followed by WAIT on the same
connection (WAIT counts the writes of its own connection), and the endpoint
answers after it. The client's `wait_replicas` (stores/redis_client.py,
REDIS_WAIT_REPLICAS) says how many replicas; 0 sends no WAIT at all.

Nothing here retries a write that may have run: a rotation run twice would
read as the reuse of a spent token. A command the cluster refused before
running it (MOVED: the slot has a new primary) is sent again once, to the
slot's new primary; anything else is an outage (503), after which the
client reads the cluster's map again, so that its next write finds the
promoted replica.

What WAIT cannot do: a primary whose replicas are gone (after a failover,
until the old primary rejoins as a replica) is answered unreplicated once
WAIT_TIMEOUT_MS has passed, as no replica can hold the write; for
SKIP_SECONDS after that this process does not wait on that server, so that
writes are not all held up by the timeout, and logs it once. Against that
window, Redis's own `min-replicas-to-write` with two replicas per primary
refuses such writes instead (README, Redis Cluster).
"""

import logging
import time
from collections.abc import Callable

import redis
from redis.cluster import RedisCluster

from stores.lua import LuaScript

log = logging.getLogger(__name__)

WAIT_TIMEOUT_MS = 200  # replication on one network takes well under a millisecond
SKIP_SECONDS = 5.0

# The servers ("host:port") whose replicas did not answer a WAIT, and until when (time.monotonic()).
_unreplicated: dict[str, float] = {}

Queue = Callable[[redis.client.Pipeline], None]


def run(r: redis.Redis, key: str, script: LuaScript, **named) -> object:
    """`script`'s parsed reply, once `r.wait_replicas` replicas acknowledged its writes (`key`: its first key)."""
    if not getattr(r, "wait_replicas", 0):
        return script(r, **named)
    return script.parse(write(r, key, lambda pipe: script.queue(pipe, **named), script)[0])


def write(r: redis.Redis, key: str, queue: Queue, script: LuaScript | None = None) -> list:
    """Send what `queue` adds to a pipeline (all in the slot of `key`), then WAIT; the replies but WAIT's.

    `script`: the Lua script `queue` runs, loaded and sent again should the server not know it yet.
    """
    replicas = getattr(r, "wait_replicas", 0)
    if not replicas:
        return _execute(r, queue, script, 0)
    primary = _primary_of(r, key)
    server = _address(primary)
    if _unreplicated.get(server, 0.0) > time.monotonic():
        return _execute(primary, queue, script, 0)
    try:
        replies = _execute(primary, queue, script, replicas)
    except redis.exceptions.ResponseError as error:
        if not (str(error).startswith("MOVED") and isinstance(r, RedisCluster)):
            raise
        r.nodes_manager.initialize()  # a replica was promoted (nothing ran): learn the new map, once
        replies = _execute(_primary_of(r, key), queue, script, replicas)
    except redis.exceptions.ConnectionError:
        if isinstance(r, RedisCluster):
            _learn_map(r)
        raise
    if replies[-1] < replicas:
        _unreplicated[server] = time.monotonic() + SKIP_SECONDS
        log.warning(
            "writes to %s reach %d of %d replicas within %d ms: answered without waiting for %.0f s",
            server,
            replies[-1],
            replicas,
            WAIT_TIMEOUT_MS,
            SKIP_SECONDS,
        )
    return replies[:-1]


def _learn_map(r: RedisCluster) -> None:
    """Read the cluster's slots again after a primary did not answer (its replica may be promoted)."""
    try:
        r.nodes_manager.initialize()
    except (redis.exceptions.RedisError, redis.exceptions.RedisClusterException):
        pass  # no node answers yet: the next command tries again


def _address(r: redis.Redis) -> str:
    kwargs = r.connection_pool.connection_kwargs
    return f"{kwargs.get('host', '')}:{kwargs.get('port', kwargs.get('path', ''))}"


def _primary_of(r: redis.Redis, key: str) -> redis.Redis:
    """The client of the server that holds `key`: `r` itself, or on a cluster the slot's primary."""
    if isinstance(r, RedisCluster):
        return r.get_redis_connection(r.get_node_from_key(key))
    return r


def _execute(r: redis.Redis, queue: Queue, script: LuaScript | None, replicas: int) -> list:
    """One pipeline on one connection: what `queue` adds, then WAIT when `replicas`."""
    try:
        return _send(r, queue, replicas)
    except redis.exceptions.NoScriptError:
        if script is None:
            raise
        r.script_load(script.source)  # the server did not know it: nothing ran
        return _send(r, queue, replicas)


def _send(r: redis.Redis, queue: Queue, replicas: int) -> list:
    pipe = r.pipeline(transaction=False)
    queue(pipe)
    if replicas:
        pipe.execute_command("WAIT", replicas, WAIT_TIMEOUT_MS)
    return pipe.execute()
