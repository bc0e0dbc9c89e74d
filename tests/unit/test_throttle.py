"""Sign-in throttling's arithmetic: free tries, a growing wait, then a pause; what counts as one address."""

import pytest

from accounts.throttle import ADDRESS, PAIR, Rule, address_network

RULE = Rule(slow_after=3, refuse_at=6, window_seconds=900, max_delay=5)


@pytest.mark.parametrize("failures", [0, 1, 2])
def test_failures_below_slow_after_cost_no_wait(failures):
    assert RULE.wait(failures, seconds_since_last=0, window_left=900) == 0


def test_the_wait_doubles_with_each_failure_up_to_the_longest_delay():
    assert [RULE.delay(n) for n in range(3, 6)] == [2, 4, 5]


def test_the_wait_counts_from_the_last_failure():
    assert RULE.wait(4, seconds_since_last=0, window_left=900) == 4
    assert RULE.wait(4, seconds_since_last=3, window_left=900) == 1
    assert RULE.wait(4, seconds_since_last=4, window_left=900) == 0
    assert RULE.wait(4, seconds_since_last=-10, window_left=900) == 14  # a clock step back never shortens it


@pytest.mark.parametrize("failures", [6, 7, 100])
def test_at_refuse_at_the_wait_is_the_rest_of_the_window(failures):
    assert RULE.wait(failures, seconds_since_last=3600, window_left=321) == 321
    assert RULE.wait(failures, seconds_since_last=3600, window_left=0) == 1  # expiring this instant: still refused


def test_an_address_allows_more_than_one_account_from_it():
    # Many people can share an address; a guesser on one account from it is stopped well before they are.
    assert PAIR.refuse_at < ADDRESS.slow_after < ADDRESS.refuse_at


@pytest.mark.parametrize(
    ("address", "counted_as"),
    [
        ("192.0.2.1", "192.0.2.1"),
        ("::ffff:192.0.2.1", "192.0.2.1"),
        ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
        ("2001:DB8:1:3::1", "2001:db8:1:3::/64"),
        ("", ""),
        ("not an address", "not an address"),
    ],
)
def test_what_counts_as_one_address(address, counted_as):
    assert address_network(address) == counted_as
