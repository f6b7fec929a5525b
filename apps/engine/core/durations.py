"""Durations as people write them in node params: ``90`` (seconds), ``"30m"``, ``"4h"``, ``"2d"``."""

from __future__ import annotations

import re
from datetime import timedelta

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")
MAX = timedelta(days=365)


def parse_duration(value: object) -> timedelta:
    """A positive duration of at most a year; ValueError says what is wrong."""
    if isinstance(value, bool):
        raise ValueError("must be a duration such as 90, '30m', '4h' or '2d'")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and (match := _PATTERN.match(value.lower())):
        seconds = float(match.group(1)) * _UNITS[match.group(2) or "s"]
    else:
        raise ValueError("must be a duration such as 90, '30m', '4h' or '2d'")
    if seconds <= 0:
        raise ValueError("must be longer than zero")
    if seconds > MAX.total_seconds():
        raise ValueError("must be at most a year")
    return timedelta(seconds=seconds)
