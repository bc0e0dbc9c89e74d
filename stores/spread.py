"""Commands over keys of many slots, on one Redis and on a Redis Cluster alike.

A multi-key command (MGET, MSET, DEL) must stay within one slot on a cluster.
These helpers send one on a single Redis and, on a cluster, one per slot
in a pipeline, whose commands redis-py sends to their own shards. Each
command is atomic on its own; the set of them is not, which is what their
callers need: reading figures for a page, dropping cached copies.
"""

from collections import defaultdict
from collections.abc import Mapping, Sequence

import redis
from redis.cluster import RedisCluster

from stores import keys as layout

# Keys per command: small enough that Redis serves others between batches.
BATCH = 1000


def get_many(r: redis.Redis, names: Sequence[str]) -> list[str | None]:
    """The values of `names`, in order (None where a key is missing)."""
    if not names:
        return []
    pipe = r.pipeline(transaction=False)
    groups = _groups(r, names)
    for group in groups:
        # execute_command: redis-py's cluster pipeline refuses its own mget() and a
        # delete() of several keys, though one slot's MGET or DEL is sound.
        pipe.execute_command("MGET", *(names[i] for i in group))
    values: list[str | None] = [None] * len(names)
    for group, batch in zip(groups, pipe.execute(), strict=True):
        for i, value in zip(group, batch, strict=True):
            values[i] = value
    return values


def set_many(r: redis.Redis, values: Mapping[str, str | int]) -> None:
    """Set each key of `values` to its value (no expiry)."""
    names = list(values)
    if not names:
        return
    pipe = r.pipeline(transaction=False)
    for group in _groups(r, names):
        pipe.execute_command("MSET", *(part for i in group for part in (names[i], values[names[i]])))
    pipe.execute()


def delete_many(r: redis.Redis, names: Sequence[str]) -> int:
    """Delete `names` (missing ones are no error); how many there were."""
    if not names:
        return 0
    pipe = r.pipeline(transaction=False)
    for group in _groups(r, names):
        pipe.execute_command("DEL", *(names[i] for i in group))
    return sum(pipe.execute())


def _groups(r: redis.Redis, names: Sequence[str]) -> list[list[int]]:
    """Positions of `names` in batches of at most BATCH that one command may take."""
    if isinstance(r, RedisCluster):
        by_slot: dict[int | str, list[int]] = defaultdict(list)
        for i, name in enumerate(names):
            tag = layout.tag_of_key(name)
            by_slot[tag or r.keyslot(name)].append(i)
        slots = list(by_slot.values())
    else:
        slots = [list(range(len(names)))]
    return [slot[start : start + BATCH] for slot in slots for start in range(0, len(slot), BATCH)]
