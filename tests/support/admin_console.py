"""Many apps and audit rows at once, written with one SQL statement each, for the admin console's tests."""

from api.rate_limit import counter_key, window_index
from stores import postgres, spread
from stores.redis_client import get_redis
from tests.support.accounts import create_user

OWNERS = 10


def seed_apps(app, count: int) -> list[str]:
    """`count` apps "App 0000"... owned by owner0..owner9@example.com, newest first in number order.

    Every 10th is suspended (numbers ending in 0), every 4th is verified
    (multiples of 4); client IDs are pa_client_seed_NNNN. Returns the client
    IDs newest first.
    """
    owners = [create_user(app, email=f"owner{i}@example.com", role="developer")["id"] for i in range(OWNERS)]
    with app.app_context(), postgres.transaction(postgres.get_connection()) as cur:
        cur.execute(
            """INSERT INTO clients (client_id, owner_id, name, client_type, status, verified_at, created_at)
               SELECT 'pa_client_seed_' || lpad(n::text, 4, '0'),
                      (%(owners)s::bigint[])[n %% %(owner_count)s + 1],
                      'App ' || lpad(n::text, 4, '0'),
                      'confidential',
                      CASE WHEN n %% 10 = 0 THEN 'suspended' ELSE 'active' END,
                      CASE WHEN n %% 4 = 0 THEN now() END,
                      now() - n * interval '1 second'
               FROM generate_series(0, %(count)s - 1) AS n""",
            {"owners": owners, "owner_count": OWNERS, "count": count},
        )
    return [f"pa_client_seed_{n:04d}" for n in range(count)]


def set_calls_this_hour(app, calls: dict[str, int]) -> None:
    """Set the API guard's counters of the current window, as if the apps had made these calls."""
    with app.app_context():
        r = get_redis()
        index = window_index(r.time()[0])
        spread.set_many(r, {counter_key(client_id, index): count for client_id, count in calls.items()})
