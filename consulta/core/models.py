"""Column types and helpers shared by every model."""

from datetime import UTC, datetime

from sqlalchemy import CheckConstraint, DateTime
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every database.

    PostgreSQL stores it as ``timestamptz``; SQLite has no zones, so the value is
    stored as naive UTC and made aware again when read.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError("UTCDateTime needs a datetime")
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column; use utcnow()")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def enum_check(column, values, name=None):
    """A CHECK constraint keeping a string column within a fixed set of values."""
    quoted = ", ".join("'{}'".format(v.replace("'", "''")) for v in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=name or f"{column}_valid")
