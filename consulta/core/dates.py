"""Time helpers: everything is stored in UTC and shown in the configured zone."""

from datetime import UTC, datetime


def utcnow():
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)
