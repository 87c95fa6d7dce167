"""Time helpers: everything is stored in UTC and shown in the configured zone."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def utcnow():
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def local_zone():
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def local_to_utc(value):
    """A naive datetime typed in the local zone (the profile's) → aware UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=local_zone())
    return value.astimezone(UTC)


def utc_to_local(value):
    """An aware datetime → the same instant in the local zone."""
    if value is None:
        return None
    return value.astimezone(local_zone())


def local_today():
    return utcnow().astimezone(local_zone()).date()
