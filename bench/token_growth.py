"""`make bench-tokens`: what a grant costs Redis as its family grows, and what revoking it costs.

Runs on a throwaway Redis of its own (embedded, in a temporary folder), so a
configured REDIS_URL and the development data are never touched. Families
are built through the real rotation script (oauth/token_store.py
`rotate_chain`, pipelined), not over HTTP. Prints, as Markdown tables:

1. MEMORY USAGE of each kind of key a grant holds;
2. bytes per live grant after N refreshes made in a burst (every access
   token of the family still live), and for a grant refreshed once an
   access-token lifetime over a month (the steady state: one access token,
   one refresh token, one small marker per spent refresh token);
3. the time of revoking a family of 10 and of 100,000 refreshes, three
   ways (reusing a spent token, RFC 7009 revocation of the live refresh
   token, revoking the consent grant): wall time of the call and Redis time
   from INFO commandstats.

BENCH_TOKENS_LONG=N changes the long family's size (default 100,000).
"""

import atexit
import gc
import os
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from oauth import token_store  # noqa: E402
from oauth.token_store import TokenError  # noqa: E402
from stores import embedded  # noqa: E402

ACCESS_TTL = 3600
BURST_SIZES = (0, 10, 100, 1000)
REVOKE_SIZES = (10, int(os.environ.get("BENCH_TOKENS_LONG", "100000")))
# A month of refreshing once an access token's lifetime: the markers a steady grant holds at most.
STEADY_REFRESHES = token_store.REFRESH_TOKEN_TTL // ACCESS_TTL
BEFORE = "before this layout (issue 14): 110 ms of blocked Redis to revoke a 12,000-refresh family"
SCOPE = "read:profile read:data write:data"


def main() -> int:
    r = throwaway_redis()
    client = {"client_id": f"pa_client_bench{secrets.token_hex(6)}", "status": "active", "rate_limit": 1000}
    print(f"Redis {r.info('server')['redis_version']}, {SCOPE!r} as the scope, access tokens of {ACCESS_TTL} s\n")
    sizes = key_sizes(r, client)
    print(key_size_table(sizes))
    print(grant_size_table(r, client, sizes))
    print(revoke_table(r, client))
    print(BEFORE)
    return 0


def throwaway_redis() -> redis.Redis:
    folder = tempfile.mkdtemp(prefix="oauth-bench-tokens-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)  # runs after the server's own exit handler
    url = embedded.start_redis(Path(folder) / "redis")
    return redis.Redis.from_url(url, decode_responses=True)


def start_family(r: redis.Redis, client: dict, grant_id: int) -> token_store.IssuedTokens:
    return token_store.issue(
        r,
        client=client,
        user_id=1,
        scope=SCOPE,
        access_ttl=ACCESS_TTL,
        grant_id=grant_id,
        family=token_store.new_family(),
        with_refresh=True,
    )


def memory(r: redis.Redis, keys: list[str]) -> int:
    """Bytes Redis holds for `keys` (MEMORY USAGE, every element counted)."""
    pipe = r.pipeline(transaction=False)
    for key in keys:
        pipe.memory_usage(key, samples=0)
    return sum(size or 0 for size in pipe.execute())


# 1. Each kind of key ------------------------------------------------------------------


def key_sizes(r: redis.Redis, client: dict) -> dict[str, int]:
    first = start_family(r, client, grant_id=1)
    second = token_store.rotate(r, first.refresh_token, client, None, ACCESS_TTL)
    token_store.revoke_refresh_token(r, second.refresh_token, client["client_id"])
    token_store.revoke_grant(r, client["client_id"], 1)
    family = r.hget(token_store.refresh_key(second.refresh_token), "family")
    return {
        "access token (at:)": memory(r, [token_store.access_key(second.access_token)]),
        "live refresh token (rt:)": memory(r, [token_store.refresh_key(second.refresh_token)]),
        "spent refresh token (rx: marker)": memory(r, [token_store.spent_refresh_key(first.refresh_token)]),
        "revoked family (fr:)": memory(r, [token_store.family_revoked_key(client["client_id"], family)]),
        "revoked grant (gr:)": memory(r, [token_store.grant_revoked_key(client["client_id"], 1)]),
        "client state (client:), one per app": memory(r, [token_store.client_state_key(client["client_id"])]),
    }


def key_size_table(sizes: dict[str, int]) -> str:
    rows = [f"| {kind} | {size} |" for kind, size in sizes.items()]
    return "\n".join(["| key | bytes |", "| --- | ---: |", *rows, ""])


# 2. A grant as its family grows ------------------------------------------------------------


def grant_size_table(r: redis.Redis, client: dict, sizes: dict[str, int]) -> str:
    rows = []
    for grant_id, refreshes in enumerate(BURST_SIZES, start=100):
        keys = burst_family_keys(r, client, grant_id, refreshes)
        total = memory(r, keys)
        rows.append(f"| {refreshes:,} in a burst | {len(keys):,} | {total:,} | {total / (refreshes + 1):,.0f} |")
    steady_keys = 2 + STEADY_REFRESHES
    steady = (
        sizes["access token (at:)"]
        + sizes["live refresh token (rt:)"]
        + STEADY_REFRESHES * sizes["spent refresh token (rx: marker)"]
    )
    rows.append(
        f"| {STEADY_REFRESHES:,}, one an hour for 30 days (from the sizes above) | {steady_keys:,} | {steady:,} "
        f"| {steady / (STEADY_REFRESHES + 1):,.0f} |"
    )
    header = [
        "| refreshes of one grant | keys | bytes per live grant | bytes per token issued |",
        "| --- | ---: | ---: | ---: |",
    ]
    note = (
        "A burst keeps every access token of the family live for its hour; a spent refresh token keeps only its\n"
        "marker, until the token itself would have expired (30 days at most)."
    )
    return "\n".join([*header, *rows, "", note, ""])


def burst_family_keys(r: redis.Redis, client: dict, grant_id: int, refreshes: int) -> list[str]:
    """The keys one grant holds after `refreshes` rotations in a row (sequential, to know every access token)."""
    tokens = [start_family(r, client, grant_id)]
    for _ in range(refreshes):
        tokens.append(token_store.rotate(r, tokens[-1].refresh_token, client, None, ACCESS_TTL))
    keys = [token_store.access_key(issued.access_token) for issued in tokens]
    keys += [token_store.spent_refresh_key(issued.refresh_token) for issued in tokens[:-1]]
    keys.append(token_store.refresh_key(tokens[-1].refresh_token))
    assert all(r.exists(key) for key in keys), "a key of the family is missing"
    return keys


# 3. Revoking ------------------------------------------------------------------------------------


def redis_usec(r: redis.Redis) -> int:
    """Microseconds Redis has spent on commands so far (a script's own commands counted as well)."""
    return sum(stat["usec"] for name, stat in r.info("commandstats").items() if name != "cmdstat_info")


def timed(r: redis.Redis, action) -> tuple[float, int]:
    """Wall milliseconds of `action` and the Redis microseconds it cost."""
    gc.collect()  # not in the middle of the call: a long chain leaves much for the collector
    before = redis_usec(r)
    started = time.perf_counter()
    action()
    wall_ms = (time.perf_counter() - started) * 1000
    return wall_ms, redis_usec(r) - before


def revoke_table(r: redis.Redis, client: dict) -> str:
    rows = []
    for grant_id, refreshes in enumerate(REVOKE_SIZES, start=1000):
        first = start_family(r, client, grant_id)
        started = time.perf_counter()
        chain = token_store.rotate_chain(r, first.refresh_token, client, refreshes, ACCESS_TTL)
        built_s = time.perf_counter() - started
        for way, action in revocations(r, client, chain, grant_id):
            wall_ms, usec = timed(r, action)
            rows.append(f"| {refreshes:,} | {way} | {wall_ms:.2f} | {usec} |")
        print(f"family of {refreshes:,} refreshes built through the rotation script in {built_s:.1f} s", flush=True)
    header = ["| family size (refreshes) | revoked by | wall ms | Redis µs |", "| ---: | --- | ---: | ---: |"]
    return "\n".join(["", *header, *rows, ""])


def revocations(r: redis.Redis, client: dict, chain: list[str], grant_id: int) -> list:
    """The three ways a family ends, in an order where each still has work to do."""

    def reuse():
        try:
            token_store.rotate(r, chain[len(chain) // 2], client, None, ACCESS_TTL)
        except TokenError as error:
            assert error.reason == "reused", error.reason
            return
        raise AssertionError("a spent refresh token was accepted")

    def revoke_live_token():
        assert token_store.revoke_refresh_token(r, chain[-1], client["client_id"])

    def revoke_grant():
        token_store.revoke_grant(r, client["client_id"], grant_id)

    return [
        ("reuse of a spent token", reuse),
        ("RFC 7009 revocation", revoke_live_token),
        ("the grant", revoke_grant),
    ]


if __name__ == "__main__":
    sys.exit(main())
