"""Durations on the command line: ``90s``, ``30m``, ``1h30m``, ``500ms`` (pure)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Final

__all__ = ["format_duration", "parse_duration"]

_DURATION_PART = re.compile(r"(\d+)(ms|s|m|h|d)")
_DURATION_UNITS_MS: Final[dict[str, int]] = {
    "ms": 1,
    "s": 1_000,
    "m": 60_000,
    "h": 3_600_000,
    "d": 86_400_000,
}


def parse_duration(text: str) -> timedelta:
    """``90s``, ``30m``, ``1h``, ``1h30m``, ``500ms``, ``2d``; a bare number is seconds.

    Raises :class:`ValueError` for anything else.
    """
    cleaned = text.strip().lower()
    if re.fullmatch(r"\d+", cleaned):
        return timedelta(seconds=int(cleaned))
    if not cleaned or not re.fullmatch(f"(?:{_DURATION_PART.pattern})+", cleaned):
        raise ValueError(f"{text!r} is not a duration (examples: 90s, 30m, 1h, 1h30m, 500ms)")
    total_ms = sum(int(amount) * _DURATION_UNITS_MS[unit] for amount, unit in _DURATION_PART.findall(cleaned))
    return timedelta(milliseconds=total_ms)


def format_duration(duration: timedelta) -> str:
    """The inverse of :func:`parse_duration`, e.g. ``1h30m``, ``45s``, ``1s500ms``."""
    ms = duration // timedelta(milliseconds=1)
    parts: list[str] = []
    for unit in ("d", "h", "m", "s", "ms"):
        amount, ms = divmod(ms, _DURATION_UNITS_MS[unit])
        if amount:
            parts.append(f"{amount}{unit}")
    return "".join(parts) or "0s"
