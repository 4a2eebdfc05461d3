"""Events as JSON text: exact decimals, insertion order, UTF-8 (pure).

An event is a ``dict`` (a JSON object); numbers that must be written exactly (a contract's
``decimal`` and ``double`` fields) are :class:`decimal.Decimal`, so no float artifact reaches a topic.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, Final

__all__ = ["Event", "TimedEvent", "encode_event", "encode_json"]

Event = dict[str, Any]
"""A JSON object as a dict; exact numbers are :class:`~decimal.Decimal`."""

TimedEvent = tuple[int, Event]
"""``(event time in epoch milliseconds, event)``."""

_SCALAR_JSON: Final = json.JSONEncoder(ensure_ascii=False).encode


def encode_json(value: Any) -> str:
    """Compact JSON text; ``Decimal`` is written exactly (``12.30``), ``float`` is refused.

    Dict keys keep their insertion order, non-ASCII text is written as UTF-8 (not ``\\u`` escapes).
    """
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} cannot be written as a JSON number")
        return format(value, "f")
    if isinstance(value, float):
        raise TypeError("floats are not serialized (float artifacts); use decimal.Decimal")
    if isinstance(value, dict):
        items = (f"{_SCALAR_JSON(str(k))}:{encode_json(v)}" for k, v in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(encode_json(v) for v in value) + "]"
    if value is None or isinstance(value, str | int | bool):
        return _SCALAR_JSON(value)
    raise TypeError(f"cannot serialize {type(value).__name__} to JSON")


def encode_event(event: Event) -> bytes:
    """The Kafka message value of an event: its compact JSON text in UTF-8."""
    return encode_json(event).encode("utf-8")
