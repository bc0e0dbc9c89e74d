"""The benchmark's Python load generator against the app served over real HTTP."""

import audit
from bench import token_flows
from bench.load import Case, run_python
from oauth import credentials, grants
from stores.postgres import get_connection
from stores.redis_client import get_redis
from tests.support.accounts import create_user
from tests.support.oauth import register_client


def test_python_load_generator_counts_real_responses(live_server):
    unknown = credentials.new_secret(credentials.ACCESS_TOKEN_PREFIX)
    case = Case("c", "unknown token", "GET", "/api/v1/me", {"Authorization": f"Bearer {unknown}"}, expected_status=401)
    result = run_python(live_server.url, case, seconds=1, connections=2)
    assert result.requests > 0
    assert set(result.statuses) == {401}
    assert result.unexpected(401) == 0
    assert 0 < result.p50_ms <= result.p99_ms


def bench_fixture(app) -> dict:
    """What bench/run.py's fixture gives the stateful grants: a client with its secret, a user and a grant."""
    client, secret = register_client(app, redirect_uris=[token_flows.REDIRECT_URI], token_rate=1_000_000)
    user = create_user(app, "bench@example.com")
    with app.app_context():
        grant = grants.grant_scopes(get_connection(), audit.CLI, user["id"], client["client_id"], ["read:profile"])
    return {
        "client": client,
        "client_id": client["client_id"],
        "client_secret": secret,
        "user_id": user["id"],
        "grant_id": grant["id"],
    }


def test_token_flows_follow_each_refresh_token_and_spend_each_code_once(app, live_server):
    fixture = bench_fixture(app)
    with app.app_context():
        r = get_redis()
        rotated, failures, _ = token_flows.drive(live_server.url, fixture, token_flows.rotations(r, fixture, 2), 1)
        assert rotated > 0 and failures == 0  # a resent, spent token would have failed its chain
        steps = token_flows.exchanges(r, fixture, 2, codes=5)
        exchanged, failures, _ = token_flows.drive(live_server.url, fixture, steps, 1)
    assert failures == 0
    assert exchanged == 5  # each code once, then the chains stop
