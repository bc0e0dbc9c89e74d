"""Many live tokens, issued by the real issuing code in pipelines, and what they cost Redis (bench/scale.py).

`token_store.issue` runs as it does for the token endpoint (its secrets, its
keys, its fields, its script), but against a stand-in for the Redis client
that queues the script call in a pipeline: a thousand issues per round trip,
so a million tokens load in a minute or two rather than an hour. Every reply
is checked once the pipeline has run.
"""

import random

import redis

from oauth import token_store

BATCH = 1000
SAMPLE = 200  # keys whose MEMORY USAGE is averaged


class _QueuedScripts:
    """Stands in for the Redis client in `token_store.issue`: the script call joins `pipe`, its reply is read later."""

    def __init__(self, pipe: redis.client.Pipeline):
        self.pipe = pipe

    def evalsha(self, *arguments) -> list:
        self.pipe.evalsha(*arguments)
        return ["ok"]  # provisional: `issue_many` checks the real reply after `execute`


def issue_many(r: redis.Redis, fixture: dict, count: int, keys: list[str], *, with_refresh: bool = False) -> None:
    """Issue `count` tokens to the fixture's client, user and grant, each in a family of its own.

    Their keys join `keys` batch by batch, so that a caller can remove what was written even after a failure.
    """
    r.script_load(token_store._ISSUE.source)  # a pipeline cannot fall back from EVALSHA to EVAL
    for start in range(0, count, BATCH):
        pipe = r.pipeline(transaction=False)
        issued = [_issue(_QueuedScripts(pipe), fixture, with_refresh) for _ in range(min(BATCH, count - start))]
        refused = [reply for reply in pipe.execute() if reply[0] != "ok"]
        if refused:
            raise RuntimeError(f"the issuing script refused {len(refused)} tokens: {refused[0]}")
        for tokens in issued:
            keys.append(token_store.access_key(tokens.access_token))
            if tokens.refresh_token:
                keys.append(token_store.refresh_key(tokens.refresh_token))


def _issue(queued: _QueuedScripts, fixture: dict, with_refresh: bool) -> token_store.IssuedTokens:
    return token_store.issue(
        queued,
        client=fixture["client"],
        user_id=fixture["user_id"],
        scope=fixture["scope"],
        access_ttl=3600,
        grant_id=fixture["grant_id"],
        family=token_store.new_family(),
        with_refresh=with_refresh,
    )


def delete(r: redis.Redis, keys: list[str]) -> None:
    for start in range(0, len(keys), BATCH * 10):
        r.unlink(*keys[start : start + BATCH * 10])


def used_memory(r: redis.Redis) -> int:
    """INFO memory's used_memory: every byte the allocator gave Redis."""
    return r.info("memory")["used_memory"]


def mean_memory_usage(r: redis.Redis, keys: list[str]) -> float:
    """MEMORY USAGE averaged over a sample of `keys` (key, value and their overhead; not the expiry entry)."""
    sample = random.sample(keys, min(SAMPLE, len(keys)))
    pipe = r.pipeline(transaction=False)
    for key in sample:
        pipe.memory_usage(key, samples=0)
    sizes = pipe.execute()
    return sum(sizes) / len(sizes) if sizes else 0.0
