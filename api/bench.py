"""A bench-only endpoint: one Redis GET behind Flask, the floor of this stack.

Registered only when BENCH_ENDPOINTS is on (never in production), so the
benchmark can compare the API's hot path against the least a request costs.
"""

import redis
from flask import jsonify

from stores.redis_client import get_redis
from web.machine import MachineBlueprint

bp = MachineBlueprint("bench", __name__, url_prefix="/api/bench")

PROBE_KEY = "bench:probe"


def get_probe(r: redis.Redis) -> str | None:
    return r.get(PROBE_KEY)


@bp.get("/redis-get")
def redis_get():
    return jsonify(value=get_probe(get_redis()))
