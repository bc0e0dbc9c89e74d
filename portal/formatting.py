"""Template filters shared by every page."""

from datetime import UTC, datetime


def when(value: datetime | None, never: str = "never") -> str:
    """A timestamp as people read it, always in UTC so every viewer sees the same."""
    if value is None:
        return never
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
