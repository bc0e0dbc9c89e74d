"""The app page's usage panel: this window's calls against the limit, and the day's windows as bars.

Pure: figures in (api.rate_limit.UsageHistory and the limit), figures out; the
template draws the meter and the SVG chart from them, with no JavaScript.
"""

from datetime import UTC, datetime
from typing import NamedTuple

from api.rate_limit import UsageHistory, WindowCalls

# The meter turns amber at this share of the limit, and red at the limit itself.
AMBER_AT = 0.8

CHART_HEIGHT = 60  # SVG user units: the busiest window's bar
BAR_WIDTH = 10
BAR_GAP = 2


class Meter(NamedTuple):
    """A <meter>'s attributes, as text."""

    value: str
    max: str
    low: str
    high: str
    optimum: str


class Bar(NamedTuple):
    """One window's bar: served calls from the baseline, refused ones stacked on top."""

    x: int
    served_height: float
    refused_height: float
    start_text: str  # when the window began, in UTC
    served: int
    refused: int

    @property
    def label(self) -> str:
        return f"From {self.start_text} UTC: {self.served} served, {self.refused} refused"

    @property
    def served_y(self) -> float:
        return round(CHART_HEIGHT - self.served_height, 1)

    @property
    def refused_y(self) -> float:
        return round(self.served_y - self.refused_height, 1)


class Chart(NamedTuple):
    bars: list[Bar]
    width: int
    height: int
    peak: int  # the busiest window's calls, served and refused
    bar_width: int = BAR_WIDTH


class UsagePanel(NamedTuple):
    served: int
    refused: int
    limit: int
    meter: Meter
    over_limit: bool  # more served than the limit allows: the limit was lowered during the window
    resets_at: datetime
    resets_in: str
    chart: Chart


def usage_panel(history: UsageHistory, limit: int) -> UsagePanel:
    current = history.current
    return UsagePanel(
        served=current.served,
        refused=current.refused,
        limit=limit,
        meter=meter(current.served, limit),
        over_limit=current.served > limit,
        resets_at=datetime.fromtimestamp(history.now + history.reset_in, UTC),
        resets_in=duration_in_words(history.reset_in),
        chart=chart(history.windows),
    )


def meter(served: int, limit: int) -> Meter:
    """Green below AMBER_AT of the limit, amber from there, red at the limit.

    A <meter> with `optimum` under `low` is green below `low`, amber from `low`
    to `high` and red only above `high`; so `high` sits half a call under the
    limit, where no whole count falls, and the limit itself is red. (A value
    above `max` shows as full.)
    """
    low = AMBER_AT * limit
    return Meter(_number(served), _number(limit), _number(low), _number(max(low, limit - 0.5)), "0")


def chart(windows: list[WindowCalls]) -> Chart:
    """Bars scaled to the busiest window, so a quiet app's day still has a shape."""
    peak = max((window.served + window.refused for window in windows), default=0)
    scale = CHART_HEIGHT / peak if peak else 0
    bars = [
        Bar(
            x=position * (BAR_WIDTH + BAR_GAP),
            served_height=round(window.served * scale, 1),
            refused_height=round(window.refused * scale, 1),
            start_text=datetime.fromtimestamp(window.start, UTC).strftime("%H:%M"),
            served=window.served,
            refused=window.refused,
        )
        for position, window in enumerate(windows)
    ]
    return Chart(bars, len(windows) * (BAR_WIDTH + BAR_GAP) - BAR_GAP, CHART_HEIGHT, peak)


def duration_in_words(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def _number(value: float) -> str:
    """A whole number without a decimal point; anything else with as few digits as it needs."""
    return format(value, ".15g")
