"""Template filters shared by the developer portal and the admin console."""

from datetime import UTC, datetime


def when(value: datetime | None, never: str = "never") -> str:
    """A timestamp as people read it, always in UTC so every viewer sees the same."""
    if value is None:
        return never
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
