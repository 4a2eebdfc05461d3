"""One source's records from its base timeline, and the merge of sources into a plan (pure).

Every generator (the contract-driven one and each profile) draws a base timeline per source, in
non-decreasing event time, then hands it to :func:`plan_source`, which gives each position its
kind and builds the :class:`~msk_features.dev.generator.records.PlannedRecord`:

* the kinds are :func:`~msk_features.dev.generator.records.assign_kinds` of ``counts``, drawn from
  ``Random(f"{seed}:faults:{name}")``, the same generator that then draws the faults;
* a ``valid`` record is the base event as is; it raises the topic's running maximum of valid times;
* an ``out_of_order`` or ``late`` record is the base event with its ``time_field`` moved behind that
  maximum (:mod:`~msk_features.dev.generator.disorder`, against ``delay_ms``); it never raises it;
* an ``invalid`` record is ``make_invalid(rng, event, time_ms)`` of the base event with its
  ``time_field`` set to ``time_ms``, the running maximum (before the first valid record: its base
  time), so it never moves the maximum either.

The Kafka key is the ``key_field`` value (:func:`~msk_features.dev.generator.contract_values.key_bytes`).
:func:`merge_sources` orders the sources' records by base (emission) time, then the source's rank,
then position, and numbers them (``seq``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from random import Random

from msk_features.dev.generator.contract_values import key_bytes
from msk_features.dev.generator.disorder import late_time, out_of_order_time
from msk_features.dev.generator.instants import format_instant
from msk_features.dev.generator.json_text import Event, TimedEvent, encode_event
from msk_features.dev.generator.records import InvalidValue, PlannedRecord, RecordKind, assign_kinds

__all__ = ["InvalidMaker", "PlannedSource", "SourceTarget", "merge_sources", "plan_source"]

InvalidMaker = Callable[[Random, Event, int], InvalidValue]
"""``(rng, event, time_ms) -> InvalidValue``: an invalid value breaking one rule of a valid ``event``
whose time field holds ``time_ms``."""

PlannedSource = list[tuple[int, PlannedRecord]]
"""``(emission time, record)`` of one source, in topic order (``seq`` not yet assigned)."""


@dataclasses.dataclass(frozen=True)
class SourceTarget:
    """Where and how one source's records go: its ``name`` in the pipeline, its Kafka ``topic``, its
    position ``index`` among the sources (:attr:`PlannedRecord.source_index`), the event's
    ``key_field`` (the Kafka key) and ``time_field``, and the watermark delay in milliseconds."""

    name: str
    topic: str
    index: int
    key_field: str
    time_field: str
    delay_ms: int


def plan_source(
    seed: int,
    target: SourceTarget,
    counts: dict[RecordKind, int],
    base: Sequence[TimedEvent],
    make_invalid: InvalidMaker,
) -> PlannedSource:
    """The records of one source, one per ``base`` event (see the module docstring)."""
    rng = Random(f"{seed}:faults:{target.name}")
    kinds = assign_kinds(rng, target.name, counts)
    time_field = target.time_field
    max_ms: int | None = None
    planned: PlannedSource = []
    for (base_ms, event), kind in zip(base, kinds, strict=True):
        key = key_bytes(event[target.key_field])
        if kind == "valid":
            max_ms = base_ms if max_ms is None else max(max_ms, base_ms)
            record = _record(target, key, encode_event(event), kind, event)
        elif kind in ("out_of_order", "late"):
            assert max_ms is not None  # assign_kinds puts a valid record first
            shift = out_of_order_time if kind == "out_of_order" else late_time
            shifted = {**event, time_field: format_instant(shift(rng, max_ms, target.delay_ms))}
            record = _record(target, key, encode_event(shifted), kind, shifted)
        else:
            time_ms = base_ms if max_ms is None else max_ms
            invalid = make_invalid(rng, {**event, time_field: format_instant(time_ms)}, time_ms)
            record = _record(target, key, invalid.value, "invalid", None, invalid)
        planned.append((base_ms, record))
    return planned


def _record(
    target: SourceTarget,
    key: bytes,
    value: bytes,
    kind: RecordKind,
    event: Event | None,
    invalid: InvalidValue | None = None,
) -> PlannedRecord:
    return PlannedRecord(
        -1,
        target.topic,
        target.name,
        key,
        value,
        kind,
        event,
        None if invalid is None else invalid.invalid_kind,
        None if invalid is None else invalid.field,
        None if invalid is None else invalid.reason,
        time_field=target.time_field,
        source_index=target.index,
    )


def merge_sources(sources: Iterable[tuple[int, PlannedSource]]) -> list[PlannedRecord]:
    """The records of ``(rank, planned source)`` pairs ordered by emission time, then rank, then
    position in the source, with ``seq`` set to their index."""
    merged = [
        (emit_ms, rank, position, record)
        for rank, planned in sources
        for position, (emit_ms, record) in enumerate(planned)
    ]
    merged.sort(key=lambda item: item[:3])
    records = [item[3] for item in merged]
    for seq, record in enumerate(records):
        record.seq = seq
    return records
