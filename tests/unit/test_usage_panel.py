"""The usage panel's figures: meter thresholds, bar heights, reset time, wording of durations."""

from datetime import UTC, datetime

import pytest

from api.rate_limit import UsageHistory, WindowCalls
from portal.usage_panel import CHART_HEIGHT, chart, duration_in_words, meter, usage_panel


def quiet_day(start: int = 0) -> list[WindowCalls]:
    return [WindowCalls(start + hour * 3600, 0, 0) for hour in range(24)]


@pytest.mark.parametrize(
    ("limit", "low", "high"),
    [(10, "8", "9.5"), (1000, "800", "999.5"), (1, "0.8", "0.8"), (3, "2.4", "2.5")],
)
def test_meter_is_amber_from_80_percent_and_red_only_at_the_limit(limit, low, high):
    drawn = meter(0, limit)
    assert (drawn.max, drawn.low, drawn.high, drawn.optimum) == (str(limit), low, high, "0")
    # Every whole count below the limit is at most `high` (not red); the limit is above it (red).
    assert all(count <= float(drawn.high) for count in range(limit))
    assert limit > float(drawn.high)
    assert 0.8 * limit >= float(drawn.low)


def test_bars_scale_to_the_busiest_window_and_stack_refused_calls_on_served_ones():
    windows = quiet_day()
    windows[5] = WindowCalls(windows[5].start, 30, 10)
    windows[23] = WindowCalls(windows[23].start, 10, 0)
    drawn = chart(windows)
    assert drawn.peak == 40
    assert len(drawn.bars) == 24
    busy = drawn.bars[5]
    assert (busy.served_height, busy.refused_height) == (45.0, 15.0)
    assert (busy.served_y, busy.refused_y) == (CHART_HEIGHT - 45.0, 0.0)
    assert (drawn.bars[23].served_height, drawn.bars[23].refused_height) == (15.0, 0.0)
    assert [bar.x for bar in drawn.bars[:3]] == [0, 12, 24]
    assert "From 05:00 UTC: 30 served, 10 refused" == busy.label


def test_a_day_without_calls_draws_flat_bars_not_a_division_by_zero():
    drawn = chart(quiet_day())
    assert drawn.peak == 0
    assert {(bar.served_height, bar.refused_height) for bar in drawn.bars} == {(0.0, 0.0)}


def test_the_panel_reads_the_current_window_and_its_reset():
    windows = quiet_day()
    windows[-1] = WindowCalls(windows[-1].start, 7, 2)
    now = windows[-1].start + 600
    panel = usage_panel(UsageHistory(windows, now, 3600), limit=5)
    assert (panel.served, panel.refused, panel.limit, panel.over_limit) == (7, 2, 5, True)
    assert panel.resets_at == datetime.fromtimestamp(windows[-1].start + 3600, UTC)
    assert panel.resets_in == "50 minutes"


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(1, "1 second"), (59, "59 seconds"), (60, "1 minute"), (3000, "50 minutes"), (5400, "1 h 30 min")],
)
def test_durations_in_words(seconds, words):
    assert duration_in_words(seconds) == words
