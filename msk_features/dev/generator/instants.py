"""Instants as the generator writes them: epoch milliseconds inside, contract text outside (pure).

Every instant is an ``int`` of epoch milliseconds; its text is ISO-8601 UTC with exactly three
millisecond digits and a ``Z`` (``2026-11-24T10:15:30.123Z``), the form of a contract's
``timestamp`` field (``flink_jobs/features/contracts.py``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from random import Random
from typing import Final

__all__ = [
    "DEFAULT_START",
    "format_instant",
    "malformed_instants",
    "parse_instant",
    "sorted_times",
    "to_epoch_ms",
]

DEFAULT_START: Final = datetime(2026, 11, 24, 10, 0, 0, tzinfo=UTC)
"""The default start of the simulated span (in the past, so no event is ahead of the Kafka time)."""


def to_epoch_ms(instant: datetime) -> int:
    """Epoch milliseconds of a timezone-aware ``instant`` (sub-millisecond digits are truncated)."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{instant.isoformat()} has no time zone; give a UTC instant")
    delta = instant.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000 + delta.microseconds // 1_000


def format_instant(epoch_ms: int) -> str:
    """``2026-11-24T10:15:30.123Z`` for an instant in epoch milliseconds."""
    seconds, millis = divmod(epoch_ms, 1_000)
    return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S") + f".{millis:03d}Z"


def parse_instant(text: str) -> int:
    """Epoch milliseconds of a strict ``YYYY-MM-DDTHH:MM:SS.mmmZ`` string; ``ValueError`` otherwise."""
    if len(text) != 24 or text[-1] != "Z" or text[10] != "T" or text[19] != ".":
        raise ValueError(f"{text!r} is not YYYY-MM-DDTHH:MM:SS.mmmZ")
    millis = text[20:23]
    if not (millis.isascii() and millis.isdigit()):
        raise ValueError(f"{text!r} has no millisecond digits")
    parsed = datetime.strptime(text[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    return to_epoch_ms(parsed) + int(millis)


def malformed_instants(good: str) -> list[tuple[str, str]]:
    """``(text, what is wrong)``: near misses of the instant text ``good`` that
    :func:`parse_instant` and the decoder refuse, malformed (no ``Z``, no milliseconds, a space for
    ``T``, an offset) or not a real instant (month 13, 30 February, hour 24), in this order."""
    date, clock = good[:10], good[11:23]  # 'YYYY-MM-DD', 'HH:MM:SS.mmm'
    return [
        ("2026-13-40T25:00:00.000Z", "month 13, day 40, hour 25 is not a real instant"),
        (good[:-1], "no trailing Z"),
        (good[:19] + "Z", "no millisecond digits"),
        (f"{date} {clock}Z", "a space instead of T"),
        (good[:-1] + "+00:00", "an offset instead of Z"),
        (f"{date[:4]}-02-30T{clock}Z", "February 30 is not a real day"),
        (f"{date}T24{clock[2:]}Z", "hour 24 is not a real time"),
    ]


def sorted_times(rng: Random, n: int, start_ms: int, span_ms: int) -> list[int]:
    """``n`` instants in ``[start_ms, start_ms + span_ms)``, sorted; distinct when ``n <= span_ms``."""
    if n <= 0:
        return []
    span_ms = max(1, span_ms)
    # distinct offsets when there is room for them, else independent draws
    offsets = rng.sample(range(span_ms), n) if n <= span_ms else [rng.randrange(span_ms) for _ in range(n)]
    offsets.sort()
    return [start_ms + offset for offset in offsets]
