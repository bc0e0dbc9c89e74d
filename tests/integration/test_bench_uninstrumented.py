"""BENCH_UNINSTRUMENTED: the benchmark's baseline without the request log and metrics, and only that."""

import pytest

from settings import load_settings
from tests.support.apps import make_app


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({"BENCH_UNINSTRUMENTED": "1"}, False),  # without the benchmark's endpoints it means nothing
        ({"BENCH_ENDPOINTS": "1", "BENCH_UNINSTRUMENTED": "1"}, True),
        ({"BENCH_ENDPOINTS": "1"}, False),
    ],
)
def test_it_takes_effect_only_beside_the_benchmark_endpoints(environment, expected):
    assert load_settings(environment)["BENCH_UNINSTRUMENTED"] is expected


def test_an_uninstrumented_app_writes_no_request_line_and_sets_no_request_id(store_urls, capfd):
    plain = make_app(store_urls, BENCH_UNINSTRUMENTED=True).test_client()
    logged = make_app(store_urls).test_client()
    capfd.readouterr()
    assert "X-Request-ID" not in plain.get("/livez").headers
    assert "/livez" not in capfd.readouterr().err
    assert "X-Request-ID" in logged.get("/livez").headers
    assert "/livez" in capfd.readouterr().err
