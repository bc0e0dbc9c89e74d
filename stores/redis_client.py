"""The process's Redis client (redis-py keeps its own thread-safe, fork-aware pool)."""

import redis
from flask import Flask, current_app
from redis.backoff import NoBackoff
from redis.retry import Retry

# Errors that mean "Redis is gone", as opposed to a bad command. A replica's
# READONLY (this server was demoted by a failover) is as gone for our writes,
# and so is EXECABORT: the same refusal of a write queued in a transaction.
CONNECTION_ERRORS = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    redis.exceptions.ReadOnlyError,
    redis.exceptions.ExecAbortError,
)


def create_client(url: str) -> redis.Redis:
    return redis.Redis.from_url(
        url,
        decode_responses=True,
        socket_connect_timeout=2,
        socket_timeout=2,
        health_check_interval=30,
        # One immediate retry covers a pooled connection that died with a
        # restarted server; more, with backoff, would only delay the 503.
        retry=Retry(NoBackoff(), 1),
    )


def init_app(app: Flask) -> None:
    app.extensions["redis"] = create_client(app.config["REDIS_URL"])


def get_redis() -> redis.Redis:
    return current_app.extensions["redis"]
