"""The per-client quota's arithmetic: what is left, and when the clock window ends."""

import pytest

from api.rate_limit import Quota


@pytest.mark.parametrize(
    ("now", "reset"),
    [(7200, 3600), (7201, 3599), (10799, 1)],  # a window starting, just started, ending
)
def test_quota_resets_at_the_end_of_the_clock_window(now, reset):
    assert Quota.after(10, 3, now, 3600) == Quota(limit=10, remaining=7, reset=reset)
