"""CI helper: a fresh database on 127.0.0.1:5432 and a free Redis database index.

`create` prints shell assignments (CI_DATABASE, CI_DATABASE_URL, CI_REDIS_URL);
`drop NAME` removes the database again.
"""

import os
import sys

import psycopg2
import redis

ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_BASE = "redis://127.0.0.1:6379"


def create() -> None:
    name = f"oauth_ci_{os.getpid()}"
    conn = psycopg2.connect(ADMIN_DSN)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    index = free_redis_index()
    print(f"CI_DATABASE={name}")
    print(f"CI_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/{name}")
    print(f"CI_REDIS_URL={REDIS_BASE}/{index}")


def free_redis_index() -> int:
    for index in range(15, 0, -1):
        with redis.Redis.from_url(f"{REDIS_BASE}/{index}") as client:
            if client.dbsize() == 0:
                return index
    sys.exit("no empty Redis database index on 127.0.0.1:6379")


def drop(name: str) -> None:
    conn = psycopg2.connect(ADMIN_DSN)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


if __name__ == "__main__":
    if sys.argv[1:2] == ["create"]:
        create()
    elif sys.argv[1:2] == ["drop"] and len(sys.argv) == 3:
        drop(sys.argv[2])
    else:
        sys.exit("usage: machine_stores.py create | drop NAME")
