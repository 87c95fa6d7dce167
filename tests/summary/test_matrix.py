"""The matrix's local days and moments, written from the stored UTC text an hour at a
time, are those of converting each moment on its own (``_LocalTimes``)."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from consulta.summary.matrix import _LocalTimes


def converted(text, zone):
    """The straightforward way: each stored moment converted to the zone."""
    local = datetime.fromisoformat(text).replace(tzinfo=UTC).astimezone(zone)
    return local.date().isoformat(), local.replace(microsecond=0).isoformat()


def stored_text(moment):
    """A UTC moment as SQLite stores it: naive text with microseconds."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def moments_around(*instants):
    """UTC moments on both sides of each instant: a microsecond to hours away."""
    steps = [timedelta(microseconds=1), timedelta(seconds=1), timedelta(minutes=1),
             timedelta(minutes=29, seconds=59), timedelta(minutes=30),
             timedelta(minutes=59, seconds=59, microseconds=999999), timedelta(hours=1),
             timedelta(hours=5, minutes=7), timedelta(hours=23)]
    for instant in instants:
        yield instant
        for step in steps:
            yield instant - step
            yield instant + step


@pytest.mark.parametrize(("zone", "instants"), [
    # Changes of time on the hour (Madrid), at half past (India's offset), a half-hour
    # change of time (Lord Howe), Lima's change from its mean time (an offset with
    # seconds, 1908) and its last summer time (1994), and UTC itself.
    ("Europe/Madrid", [datetime(2026, 3, 29, 1, tzinfo=UTC),
                       datetime(2026, 10, 25, 1, tzinfo=UTC),
                       datetime(2026, 12, 31, 23, tzinfo=UTC)]),
    ("Asia/Kolkata", [datetime(2026, 10, 4, 18, 30, tzinfo=UTC)]),
    ("Australia/Lord_Howe", [datetime(2026, 4, 4, 15, tzinfo=UTC),
                             datetime(2026, 10, 3, 15, 30, tzinfo=UTC)]),
    ("America/Lima", [datetime(1908, 7, 28, 5, 8, 12, tzinfo=UTC),
                      datetime(1994, 4, 1, 4, tzinfo=UTC),
                      datetime(2026, 10, 5, 5, tzinfo=UTC)]),
    ("UTC", [datetime(2026, 10, 5, tzinfo=UTC)]),
])
def test_local_days_and_moments_are_each_moment_converted(zone, instants):
    zone = ZoneInfo(zone)
    times = _LocalTimes(zone)
    texts = [stored_text(moment) for moment in moments_around(*instants)]

    written = [(times.day(text), times.moment(text)) for text in texts * 2]  # and cached

    assert written == [converted(text, zone) for text in texts * 2]


def test_local_days_and_moments_of_datetimes_and_other_texts():
    """PostgreSQL gives aware datetimes; a text not in SQLite's stored form is read as
    ISO text."""
    zone = ZoneInfo("America/Lima")
    times = _LocalTimes(zone)
    moment = datetime(2026, 10, 5, 4, 59, 59, 999999, tzinfo=UTC)

    assert times.day(moment) == "2026-10-04"
    assert times.moment(moment) == "2026-10-04T23:59:59-05:00"
    assert times.day("2026-10-05 05:00:00") == "2026-10-05"
    assert times.moment("2026-10-05 05:00:00") == "2026-10-05T00:00:00-05:00"
    assert times.moment("2026-10-05T05:00:00.5+00:00") == "2026-10-05T00:00:00-05:00"
