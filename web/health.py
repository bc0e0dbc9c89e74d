"""GET /healthz: is each backing store reachable from this process? GET /livez: is this process serving?

A load balancer's readiness check is /healthz (a host whose stores are out of
reach should get no traffic); a supervisor's liveness check is /livez, which
asks no store, so that a Redis outage never has every worker restarted.
"""

from time import perf_counter

from flask import jsonify

from observability.metrics import STORE_ROUND_TRIP
from stores import StoreUnavailable, postgres, redis_client
from web.machine import MachineBlueprint

bp = MachineBlueprint("health", __name__)
# Each probe times the round trips it makes anyway: store latency sampled without touching the API's path.
_ROUND_TRIP_POSTGRES = STORE_ROUND_TRIP.labels("postgres")
_ROUND_TRIP_REDIS = STORE_ROUND_TRIP.labels("redis")


@bp.get("/healthz")
def healthz():
    report = {"postgres": _check_postgres(), "redis": _check_redis()}
    healthy = all(state == "ok" for state in report.values())
    status = 200 if healthy else 503
    return jsonify(status="ok" if healthy else "unavailable", **report), status


def _check_postgres() -> str:
    try:
        conn = postgres.get_connection()  # a pool checkout, not a round trip: left out of the timing
        started = perf_counter()
        postgres.ping(conn)
        _ROUND_TRIP_POSTGRES.observe(perf_counter() - started)
    except StoreUnavailable:
        return "down"  # connect() retired the pool if the server was gone, and kept it if merely busy
    except postgres.CONNECTION_ERRORS:
        postgres.database().retire_current()
        return "down"
    return "ok"


def _check_redis() -> str:
    try:
        started = perf_counter()
        redis_client.ping(redis_client.get_redis())
        _ROUND_TRIP_REDIS.observe(perf_counter() - started)
    except redis_client.CONNECTION_ERRORS:
        return "down"
    return "ok"


@bp.get("/livez")
def livez():
    return jsonify(status="ok")
