"""The benchmark's own parts: reading wrk's output, merging turns, the CPU layout, balanced orders."""

from collections import Counter

import pytest

from bench.layout import Layout, plan
from bench.load import Result, merge, parse_wrk
from bench.order import order_of_turn, williams_orders

WRK_OUTPUT = """Running 1s test @ http://127.0.0.1:8000/api/v1/me
  1 threads and 4 connections
status 200 90
status 401 10
p50 1500.000000
p99 9000.000000
requests 100
seconds 1.002000
socket_errors 2
"""


def test_wrk_report_is_read_into_a_result():
    result = parse_wrk(WRK_OUTPUT)
    assert result.requests == 100
    assert result.statuses == Counter({200: 90, 401: 10})
    assert (result.p50_ms, result.p99_ms) == (1.5, 9.0)
    assert result.non_2xx() == 10
    assert result.unexpected(200) == 12  # ten 401s and two socket errors
    assert result.unexpected(401) == 92


def test_turns_merge_into_one_result():
    first = Result(100, 1.0, 2.0, 10.0, Counter({200: 100}), 0, app_cpu_seconds=0.05, store_cpu_seconds=0.01)
    second = Result(300, 1.0, 4.0, 30.0, Counter({200: 299, 500: 1}), 1, app_cpu_seconds=0.15, store_cpu_seconds=0.03)
    merged = merge([first, second])
    assert merged.rps == 200
    assert (merged.p50_ms, merged.p99_ms) == (3.0, 30.0)
    assert merged.statuses == Counter({200: 399, 500: 1})
    assert merged.socket_errors == 1
    assert merged.app_cpu_us() == 500
    assert merged.server_cpu_us() == 600


def test_layout_gives_the_app_server_cpus_of_its_own():
    assert plan([0]) is None  # nothing to separate
    assert plan([0, 1]) == Layout(app={0}, stores={1}, load={1})
    assert plan([0, 1, 2]) == Layout(app={0}, stores={1}, load={2})
    assert plan([3, 0, 2, 1]) == Layout(app={0, 1}, stores={2}, load={3})
    # Only the CPUs this process may use (a cpuset), whatever their numbers.
    assert plan([4, 5]) == Layout(app={4}, stores={5}, load={5})
    assert plan([8, 12, 40]) == Layout(app={8}, stores={12}, load={40})


def test_layout_can_put_the_stores_with_the_app_server():
    assert plan([0, 1], stores_with_app=True) == Layout(app={0}, stores={0}, load={1})
    assert plan([0, 1, 2, 3], stores_with_app=True) == Layout(app={0, 1, 2}, stores={0, 1, 2}, load={3})


@pytest.mark.parametrize("count", [2, 3, 4, 5, 6])
def test_every_case_follows_every_other_case_equally_often(count):
    orders = williams_orders(count)
    assert all(sorted(order) == list(range(count)) for order in orders)
    follows = Counter((order[i], order[i + 1]) for order in orders for i in range(count - 1))
    assert set(follows) == {(a, b) for a in range(count) for b in range(count) if a != b}
    assert len(set(follows.values())) == 1


def test_the_five_cases_run_each_balanced_order_once_in_ten_turns():
    turns = ["".join(order_of_turn(list("abcde"), turn)) for turn in range(10)]
    assert len(set(turns)) == 10
    assert order_of_turn(list("abcde"), 10) == order_of_turn(list("abcde"), 0)
    # A fixed order turned round would always put (e) right before (a).
    assert sum("ea" in turn for turn in turns) == 2
