"""The benchmark's Python load generator against the app served over real HTTP."""

from bench.load import Case, run_python
from oauth import credentials


def test_python_load_generator_counts_real_responses(live_server):
    unknown = credentials.new_secret(credentials.ACCESS_TOKEN_PREFIX)
    case = Case("c", "unknown token", "GET", "/api/v1/me", {"Authorization": f"Bearer {unknown}"}, expected_status=401)
    result = run_python(live_server.url, case, seconds=1, connections=2)
    assert result.requests > 0
    assert set(result.statuses) == {401}
    assert result.unexpected(401) == 0
    assert 0 < result.p50_ms <= result.p99_ms
