"""Out-of-order and late event times, measured against a topic's running maximum (pure).

An *out-of-order* record is strictly earlier than the maximum event time already emitted on its
topic, by less than the watermark delay (1 s .. delay - 1 s when the delay is at least 2 s; 1 ms ..
delay - 1 ms when it is under 2 s): the job still counts it. A *late* record is more than ``delay +
5 s`` (:data:`LATE_MARGIN_MS`) and at most ``delay + 10 min`` (:data:`LATE_MAX_EXTRA_MS`) behind it:
the job routes it to the late-events topic.
"""

from __future__ import annotations

from random import Random
from typing import Final

__all__ = ["LATE_MARGIN_MS", "LATE_MAX_EXTRA_MS", "late_time", "out_of_order_range", "out_of_order_time"]

LATE_MARGIN_MS: Final = 5_000
"""A late record is more than ``watermark delay + LATE_MARGIN_MS`` behind the topic's max event time."""
LATE_MAX_EXTRA_MS: Final = 600_000
"""... and at most ``watermark delay + LATE_MAX_EXTRA_MS`` behind it."""


def out_of_order_range(delay_ms: int) -> tuple[int, int]:
    """``(min, max)`` milliseconds an out-of-order record is behind the max: 1 s .. delay - 1 s.

    With a delay under 2 s the range is 1 ms .. delay - 1 ms; with a delay under 2 ms there is no
    out-of-order record that is not late (``ValueError``).
    """
    if delay_ms >= 2_000:
        return 1_000, delay_ms - 1_000
    if delay_ms >= 2:
        return 1, delay_ms - 1
    raise ValueError(f"a watermark delay of {delay_ms} ms leaves no room for out-of-order records")


def out_of_order_time(rng: Random, max_ms: int, delay_ms: int) -> int:
    """An event time strictly earlier than ``max_ms`` by less than the watermark delay."""
    low, high = out_of_order_range(delay_ms)
    return max_ms - rng.randint(low, high)


def late_time(rng: Random, max_ms: int, delay_ms: int) -> int:
    """An event time more than ``delay + 5 s`` and at most ``delay + 10 min`` earlier than ``max_ms``."""
    return max_ms - rng.randint(delay_ms + LATE_MARGIN_MS + 1, delay_ms + LATE_MAX_EXTRA_MS)
