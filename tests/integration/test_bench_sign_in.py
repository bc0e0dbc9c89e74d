"""The benchmark's sign-in case measures real sign-ins through the app and names the hash it paid for."""

import pytest

from bench import sign_in
from tests.support.accounts import USER_EMAIL, USER_PASSWORD, create_user
from tests.support.apps import make_app


def test_the_sign_in_case_counts_real_sign_ins_and_the_hash_parameters(app, store_urls):
    create_user(app)
    bench_app = make_app(store_urls)  # its own app: the case turns CSRF off for itself
    cost = sign_in.measure(bench_app, USER_EMAIL, USER_PASSWORD, seconds=0.5)
    assert cost.sign_ins >= 1
    assert cost.cpu_seconds > 0
    assert cost.hash_method.startswith("scrypt:")  # the algorithm and its cost parameters, as stored
    line = sign_in.describe(cost, api_app_cpu_us=500.0)
    assert "sign-ins/s per core" in line and cost.hash_method in line and "API calls" in line


def test_a_sign_in_that_fails_stops_the_case_instead_of_counting(app, store_urls):
    create_user(app)
    bench_app = make_app(store_urls)
    with pytest.raises(RuntimeError, match="401"):
        sign_in.measure(bench_app, USER_EMAIL, "not the password", seconds=0.2)
