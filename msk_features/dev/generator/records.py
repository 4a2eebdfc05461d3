"""The records of a plan: one Kafka message each, valid or labelled with the rule it breaks (pure).

Every generator (the contract-driven one and each profile) plans a list of :class:`PlannedRecord`
in emission order. Per topic, ``n`` records split into kinds (:func:`split_kinds`): exactly
``round_half_up(n * fraction)`` are ``invalid``, ``out_of_order`` and ``late`` (clamped so they
never exceed ``n`` together), the rest ``valid``; :func:`assign_kinds` shuffles the positions,
except that no out-of-order or late record comes before the topic's first valid record. An invalid
record breaks exactly one rule, of one of the four :data:`INVALID_KINDS`.
"""

from __future__ import annotations

import base64
import dataclasses
import math
from random import Random
from typing import Any, Final, Literal

from msk_features.dev.generator.instants import parse_instant
from msk_features.dev.generator.json_text import Event, encode_json

__all__ = [
    "INVALID_KINDS",
    "RECORD_KINDS",
    "InvalidKind",
    "InvalidValue",
    "PlannedRecord",
    "RecordKind",
    "SpecError",
    "assign_kinds",
    "fraction_count",
    "split_kinds",
]

RecordKind = Literal["valid", "out_of_order", "late", "invalid"]
RECORD_KINDS: Final[tuple[RecordKind, ...]] = ("valid", "out_of_order", "late", "invalid")

InvalidKind = Literal["bad_json", "missing_field", "wrong_type", "out_of_domain"]
INVALID_KINDS: Final[tuple[InvalidKind, ...]] = ("bad_json", "missing_field", "wrong_type", "out_of_domain")
"""How an invalid record breaks its one rule: ``bad_json`` (not a UTF-8 JSON object),
``missing_field`` (a field absent or ``null``), ``wrong_type`` (the wrong JSON type),
``out_of_domain`` (the right type, a value the field's rule refuses, malformed times included)."""


class SpecError(ValueError):
    """The spec cannot be generated; the message names the parameter and what is wrong."""


@dataclasses.dataclass(frozen=True)
class InvalidValue:
    """An invalid Kafka message value and the one rule it breaks (``field`` ``None`` for ``bad_json``)."""

    value: bytes
    invalid_kind: InvalidKind
    field: str | None
    reason: str


@dataclasses.dataclass
class PlannedRecord:
    """One Kafka message of the plan.

    ``stream`` is the source (its name in the pipeline), ``topic`` its Kafka topic. ``event`` is the
    JSON object of a valid / out-of-order / late record (exact numbers as ``Decimal``) and ``None``
    for an invalid one; ``invalid_kind``, ``field`` (``None`` for ``bad_json``) and ``reason``
    describe the broken rule and are ``None`` for non-invalid records. ``partition`` and ``offset``
    are filled in by :func:`msk_features.dev.generator.send.send` when Kafka acknowledges it.
    ``time_field`` names the event's event-time field; ``source_index`` is the source's position in
    its pipeline (what orders the topics of a summary), ``None`` when unknown.
    """

    seq: int
    topic: str
    stream: str
    key: bytes | None
    value: bytes
    kind: RecordKind
    event: Event | None
    invalid_kind: InvalidKind | None = None
    field: str | None = None
    reason: str | None = None
    partition: int | None = None
    offset: int | None = None
    time_field: str | None = None
    source_index: int | None = None

    @property
    def label(self) -> str:
        """``valid``, ``out_of_order``, ``late`` or ``invalid:<invalid_kind>``."""
        return f"invalid:{self.invalid_kind}" if self.kind == "invalid" else self.kind

    @property
    def event_time_ms(self) -> int | None:
        """The event time in epoch milliseconds (``None`` for invalid records or no ``time_field``)."""
        if self.event is None or self.time_field is None:
            return None
        return parse_instant(self.event[self.time_field])

    def to_json_dict(self) -> dict[str, Any]:
        """A JSON-friendly dict (for ``--output-jsonl``): the value as text, or base64 if not UTF-8."""
        out: dict[str, Any] = {
            "seq": self.seq,
            "topic": self.topic,
            "partition": self.partition,
            "offset": self.offset,
            "key": None if self.key is None else self.key.decode("utf-8", errors="backslashreplace"),
            "kind": self.kind,
            "invalid_kind": self.invalid_kind,
            "field": self.field,
            "reason": self.reason,
        }
        try:
            out["value"] = self.value.decode("utf-8")
        except UnicodeDecodeError:
            out["value_base64"] = base64.b64encode(self.value).decode("ascii")
        return out

    def to_json_line(self) -> str:
        """:meth:`to_json_dict` as one line of JSON."""
        return encode_json(self.to_json_dict())


def fraction_count(n: int, fraction: float) -> int:
    """``round_half_up(n * fraction)``: how many of ``n`` records a fraction asks for."""
    return math.floor(n * fraction + 0.5)


def split_kinds(
    n: int, invalid_fraction: float, out_of_order_fraction: float, late_fraction: float
) -> dict[RecordKind, int]:
    """Exact records per kind of ``n``: invalid first, then out of order, then late, each
    :func:`fraction_count` of ``n`` clamped to what is left; the rest valid."""
    invalid = min(n, fraction_count(n, invalid_fraction))
    out_of_order = min(n - invalid, fraction_count(n, out_of_order_fraction))
    late = min(n - invalid - out_of_order, fraction_count(n, late_fraction))
    return {
        "valid": n - invalid - out_of_order - late,
        "out_of_order": out_of_order,
        "late": late,
        "invalid": invalid,
    }


def assign_kinds(rng: Random, stream: str, counts: dict[RecordKind, int]) -> list[RecordKind]:
    """The kind of each position of a topic: a seeded shuffle of ``counts``, then the first
    out-of-order or late record swapped with the first valid one if it came before it."""
    kinds: list[RecordKind] = [kind for kind in RECORD_KINDS for _ in range(counts[kind])]
    rng.shuffle(kinds)
    if counts["out_of_order"] + counts["late"] == 0:
        return kinds
    assert counts["valid"] > 0, f"{stream}: the spec ensures a valid record"
    first_valid = kinds.index("valid")
    first_shifted = next(i for i, kind in enumerate(kinds) if kind in ("out_of_order", "late"))
    if first_shifted < first_valid:
        kinds[first_shifted], kinds[first_valid] = kinds[first_valid], kinds[first_shifted]
    return kinds
