"""Windows as values: durations, and the window kinds a feature set is computed over.

Every window is aligned to the epoch and bounded in event time. A window ``[start, end)`` holds the
events with ``start <= event_time < end``; a window row exists only when the window holds at least
one event, and it is emitted once, when the watermark passes the window's end.

- :class:`Tumbling` ``(size)``: consecutive windows ``[k*size, (k+1)*size)``.
- :class:`Hopping` ``(size, slide)``: windows ``[k*slide, k*slide + size)``; an event is in
  ``size / slide`` windows. ``slide`` must divide ``size``.
- :class:`Cumulate` ``(size, step)``: within each tumbling window ``[k*size, (k+1)*size)``, windows
  ``[k*size, k*size + j*step)`` for ``j = 1 .. size/step``, emitted as each step closes. ``step``
  must divide ``size``.
- :class:`Session` ``(gap)``: per key, consecutive events belong to the same session when the later
  is *less than* ``gap`` after the earlier (exactly ``gap`` apart: two sessions). The row's
  ``window_start`` is the first event's time and ``window_end`` the last event's time + ``gap``.
- :class:`Rolling` ``(range)``: one row per event at time ``t``, over the key's events with event
  time in ``[t - range, t]`` (both bounds included, so other events at exactly ``t`` count too).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

__all__ = [
    "Cumulate",
    "Hopping",
    "Rolling",
    "Session",
    "Tumbling",
    "Window",
    "WindowOfRows",
    "days",
    "format_duration",
    "hours",
    "milliseconds",
    "minutes",
    "seconds",
]


def milliseconds(n: int) -> timedelta:
    """``n`` milliseconds."""
    return timedelta(milliseconds=n)


def seconds(n: int) -> timedelta:
    """``n`` seconds."""
    return timedelta(seconds=n)


def minutes(n: int) -> timedelta:
    """``n`` minutes."""
    return timedelta(minutes=n)


def hours(n: int) -> timedelta:
    """``n`` hours."""
    return timedelta(hours=n)


def days(n: int) -> timedelta:
    """``n`` days."""
    return timedelta(days=n)


def to_millis(duration: timedelta) -> int:
    """Whole milliseconds of ``duration`` (sub-millisecond parts are not allowed in specs)."""
    return duration // timedelta(milliseconds=1)


def format_duration(duration: timedelta) -> str:
    """A short human form for messages: ``1 h``, ``5 min``, ``30 s``, ``1500 ms``."""
    ms = to_millis(duration)
    for unit, size in (("d", 86_400_000), ("h", 3_600_000), ("min", 60_000), ("s", 1000)):
        if ms and ms % size == 0:
            return f"{ms // size} {unit}"
    return f"{ms} ms"


@dataclass(frozen=True)
class Tumbling:
    """Tumbling windows of ``size`` (see the module docstring)."""

    size: timedelta


@dataclass(frozen=True)
class Hopping:
    """Hopping (sliding) windows of ``size`` starting every ``slide``; ``slide`` divides ``size``."""

    size: timedelta
    slide: timedelta


@dataclass(frozen=True)
class Cumulate:
    """Cumulating windows: growing by ``step`` inside each tumbling window of ``size``."""

    size: timedelta
    step: timedelta


@dataclass(frozen=True)
class Session:
    """Session windows per key closed by a gap of at least ``gap`` between consecutive events."""

    gap: timedelta


@dataclass(frozen=True)
class Rolling:
    """Per-event rolling range ``[t - range, t]`` (both bounds included)."""

    range: timedelta


Window = Tumbling | Hopping | Cumulate | Session
"""A window that yields one row per key and window (window TVFs)."""

WindowOfRows = Rolling
"""A window that yields one row per event (OVER windows)."""
