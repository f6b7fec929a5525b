"""Cron expressions for the schedule trigger."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from apps.engine.core.cron import CronError, next_after

T = datetime(2026, 12, 4, 10, 17, 30, tzinfo=UTC)  # a Friday


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("* * * * *", datetime(2026, 12, 4, 10, 18, tzinfo=UTC)),
        ("*/15 * * * *", datetime(2026, 12, 4, 10, 30, tzinfo=UTC)),
        ("0 9 * * *", datetime(2026, 12, 5, 9, 0, tzinfo=UTC)),
        ("30 10-12 * * *", datetime(2026, 12, 4, 10, 30, tzinfo=UTC)),
        ("0 8 * * mon-fri", datetime(2026, 12, 7, 8, 0, tzinfo=UTC)),
        ("0 0 1 jan *", datetime(2027, 1, 1, 0, 0, tzinfo=UTC)),
        ("0 0 29 2 *", datetime(2028, 2, 29, 0, 0, tzinfo=UTC)),
        ("0 12 * * 7", datetime(2026, 12, 6, 12, 0, tzinfo=UTC)),
        ("0 12 1 * sat", datetime(2026, 12, 5, 12, 0, tzinfo=UTC)),  # either day field
    ],
)
def test_next_after(expression, expected):
    assert next_after(expression, T) == expected


def test_time_zones():
    assert next_after("0 9 * * *", T, "Europe/Berlin") == datetime(2026, 12, 5, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("* * * *", "5 fields"),
        ("60 * * * *", "minute: '60' is outside 0-59"),
        ("* * * * funday", "day of week: 'funday' is not a number"),
        ("*/0 * * * *", "step '0'"),
        ("0 0 31 2 *", "never fires"),
    ],
)
def test_bad_expressions(expression, message):
    with pytest.raises(CronError, match=message):
        next_after(expression, T)


def test_unknown_zone():
    with pytest.raises(CronError, match="unknown time zone"):
        next_after("* * * * *", T, "Mars/Olympus")
