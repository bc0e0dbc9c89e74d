"""The unit tier: pure functions over plain values, no stores, no app.

A unit test that asks for a fixture needing a store is an error here,
so that this tier stays fast and runs where no PostgreSQL or Redis can.
"""

import pytest

STORE_FIXTURES = {"store_urls", "app", "own_redis"}


def pytest_runtest_setup(item):
    needed = STORE_FIXTURES.intersection(getattr(item, "fixturenames", ()))
    if needed:
        pytest.fail(
            f"unit tests use no stores; {item.name} asks for {', '.join(sorted(needed))}: move it to integration/"
        )
