"""Any pipeline's test data from its contracts alone: :class:`ContractSpec` -> ordered
:class:`~msk_features.dev.generator.records.PlannedRecord` list (pure, no I/O).

Semantics of :func:`build_contract_plan`:

* Per source, exactly ``counts[source]`` records (0 for a source not named), split into kinds as
  :func:`~msk_features.dev.generator.records.split_kinds` says and placed by
  :func:`~msk_features.dev.generator.records.assign_kinds`. :meth:`ContractSpec.from_total`
  splits one total over the sources by weight: 4 per event source, 1 per versioned source (largest
  remainder; ties to the source declared first).
* Keys come from the shared pools of :mod:`~msk_features.dev.generator.contract_values`: sources
  keyed alike draw from the same values. The Kafka key is the key field's value.
* An event source's valid events are spread over ``[start, start + span)`` in non-decreasing event
  time (distinct instants while they fit), each with a key drawn by activity weight.
* A versioned (compacted) source's first ``min(n, pool size)`` records are one version per key (a
  seeded order of the pool) spread over ``[start - span / 20, start)``, before the span, so events
  find a version in force; the rest are new versions of random keys (uniform) over ``[start, start +
  span)``, each field but the key redrawn with probability 1/2 (:meth:`SourceValues.revise`).
* ``out_of_order`` and ``late`` records are valid events whose event time is moved behind the
  topic's running maximum of valid times (:mod:`~msk_features.dev.generator.disorder`, with the
  source's own watermark delay when its spec sets one, else ``watermark_delay``); they never raise
  that maximum. ``invalid`` records break exactly one rule
  (:mod:`~msk_features.dev.generator.contract_faults`); where their time is readable it equals the
  running maximum (before the first valid record: their base time), so they never move it either.
* Topics are merged by base (emission) time, ties broken by the sources' declaration order, then
  position; each topic's order is kept. ``seq`` is the index in the plan.

The same spec (seed included) gives a byte-identical plan, on any machine.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from random import Random
from typing import Any, Final

from flink_jobs.config import TopicsConfig
from flink_jobs.features import PipelineSpec, Source
from msk_features.dev.generator.contract_faults import make_invalid
from msk_features.dev.generator.contract_values import KeyPool, SourceValues, key_bytes, key_pools
from msk_features.dev.generator.disorder import late_time, out_of_order_range, out_of_order_time
from msk_features.dev.generator.durations import format_duration
from msk_features.dev.generator.instants import DEFAULT_START, format_instant, sorted_times, to_epoch_ms
from msk_features.dev.generator.json_text import Event, TimedEvent, encode_event
from msk_features.dev.generator.records import (
    PlannedRecord,
    RecordKind,
    SpecError,
    assign_kinds,
    split_kinds,
)

__all__ = ["EVENT_WEIGHT", "VERSIONED_WEIGHT", "ContractSpec", "build_contract_plan", "split_by_weight"]

log = logging.getLogger(__name__)

EVENT_WEIGHT: Final = 4
"""An event source's weight when :meth:`ContractSpec.from_total` splits a total."""
VERSIONED_WEIGHT: Final = 1
"""A versioned source's weight when :meth:`ContractSpec.from_total` splits a total."""


def split_by_weight(total: int, weights: Mapping[str, int]) -> dict[str, int]:
    """``total`` split by integer ``weights`` (largest remainder, ties to the name listed first)."""
    if total < 0:
        raise SpecError(f"count must be >= 0, got {total}")
    names = list(weights)
    weight = sum(weights.values())
    if weight <= 0:
        return dict.fromkeys(names, 0)
    shares = {name: total * weights[name] // weight for name in names}
    order = sorted(range(len(names)), key=lambda i: (-(total * weights[names[i]] % weight), i))
    for i in order[: total - sum(shares.values())]:
        shares[names[i]] += 1
    return shares


@dataclasses.dataclass(frozen=True)
class ContractSpec:
    """What to generate for ``pipeline``; the plan is a pure function of it (seed included).

    ``counts``: exact records per source name (all kinds included). ``keys``: values per key pool.
    Valid event-source events are spread over ``[start, start + span)``. The fractions are of each
    topic's count and sum to at most 1. ``watermark_delay`` is the job's bounded out-of-orderness
    for sources that do not set their own. Topic names come from ``topics``.
    """

    pipeline: PipelineSpec
    counts: Mapping[str, int] = dataclasses.field(default_factory=dict)
    seed: int = 42
    keys: int = 100
    start: datetime = DEFAULT_START
    span: timedelta = timedelta(hours=1)
    invalid_fraction: float = 0.0
    out_of_order_fraction: float = 0.0
    late_fraction: float = 0.0
    watermark_delay: timedelta = timedelta(seconds=30)
    topics: TopicsConfig = dataclasses.field(default_factory=TopicsConfig)

    def __post_init__(self) -> None:
        names = self.pipeline.source_names()
        for name, n in self.counts.items():
            if name not in names:
                sources = ", ".join(names)
                raise SpecError(
                    f"pipeline '{self.pipeline.name}' has no source '{name}' (its sources: {sources})"
                )
            if n < 0:
                raise SpecError(f"{name}: a count must be >= 0, got {n}")
        if self.keys < 1:
            raise SpecError(f"keys must be >= 1, got {self.keys}")
        if self.start.tzinfo is None or self.start.utcoffset() is None:
            raise SpecError(f"start {self.start.isoformat()} has no time zone; give a UTC instant")
        if self.span < timedelta(seconds=1):
            raise SpecError(f"span must be at least 1s, got {format_duration(self.span)}")
        if self.watermark_delay < timedelta(0):
            raise SpecError("watermark_delay must be >= 0")
        fractions = (self.invalid_fraction, self.out_of_order_fraction, self.late_fraction)
        if not all(0.0 <= f <= 1.0 for f in fractions) or sum(fractions) > 1.0 + 1e-9:
            raise SpecError(
                "invalid_fraction, out_of_order_fraction and late_fraction must be within [0, 1] and sum to "
                f"at most 1, got {', '.join(f'{f:g}' for f in fractions)}"
            )
        for source in self.pipeline.sources:
            counts = self.kind_counts(source.name)
            if counts["out_of_order"] > 0:
                try:
                    out_of_order_range(self.delay_ms(source))
                except ValueError as exc:
                    raise SpecError(
                        f"{source.name}: out-of-order records need a watermark delay >= 2ms: {exc}"
                    ) from None
            if counts["out_of_order"] + counts["late"] > 0 and counts["valid"] == 0:
                raise SpecError(
                    f"{source.name}: out-of-order and late records need at least one valid record before "
                    "them; lower the fractions or raise the count"
                )

    @classmethod
    def from_total(cls, pipeline: PipelineSpec, count: int, **kwargs: Any) -> ContractSpec:
        """A spec whose ``count`` records are split over the sources by weight (module docstring)."""
        weights = {s.name: VERSIONED_WEIGHT if s.versioned else EVENT_WEIGHT for s in pipeline.sources}
        return cls(pipeline, split_by_weight(count, weights), **kwargs)

    @property
    def start_ms(self) -> int:
        """The span start in epoch milliseconds."""
        return to_epoch_ms(self.start)

    @property
    def span_ms(self) -> int:
        """The span in milliseconds."""
        return self.span // timedelta(milliseconds=1)

    def delay_ms(self, source: Source) -> int:
        """The watermark delay of ``source`` in milliseconds: its own, else ``watermark_delay``."""
        return (source.watermark_delay or self.watermark_delay) // timedelta(milliseconds=1)

    def count(self, source: str) -> int:
        """The number of records of ``source``."""
        return self.counts.get(source, 0)

    @property
    def total(self) -> int:
        """The number of records in the plan."""
        return sum(self.count(name) for name in self.pipeline.source_names())

    def topic(self, source: Source) -> str:
        """The Kafka topic of ``source``."""
        return self.topics.source_topic(source.name, source.topic)

    def kind_counts(self, source: str) -> dict[RecordKind, int]:
        """Exact records per kind of ``source``."""
        return split_kinds(
            self.count(source), self.invalid_fraction, self.out_of_order_fraction, self.late_fraction
        )


def _event_timeline(
    rng: Random, n: int, values: SourceValues, start_ms: int, span_ms: int
) -> list[TimedEvent]:
    return [(t, values.event(t)) for t in sorted_times(rng, n, start_ms, span_ms)]


def _version_timeline(
    rng: Random, n: int, values: SourceValues, pool: KeyPool, start_ms: int, span_ms: int
) -> list[TimedEvent]:
    initial = min(n, len(pool.values))
    lead_ms = max(1, span_ms // 20)
    keys = rng.sample(list(pool.values), initial)
    latest: dict[Any, Event] = {}
    events: list[TimedEvent] = []
    for time_ms, key in zip(sorted_times(rng, initial, start_ms - lead_ms, lead_ms), keys, strict=True):
        latest[key] = event = values.event(time_ms, key)
        events.append((time_ms, event))
    for time_ms in sorted_times(rng, n - initial, start_ms, span_ms):
        key = rng.choice(keys)
        latest[key] = event = values.revise(latest[key], time_ms)
        events.append((time_ms, event))
    return events


def _plan_source(
    spec: ContractSpec, index: int, source: Source, base: list[TimedEvent]
) -> list[tuple[int, PlannedRecord]]:
    """``(emission time, record)`` of one source, in topic order (``seq`` not yet assigned)."""
    rng = Random(f"{spec.seed}:faults:{source.name}")
    kinds = assign_kinds(rng, source.name, spec.kind_counts(source.name))
    topic, delay_ms, time_field = spec.topic(source), spec.delay_ms(source), source.event_time
    max_ms: int | None = None
    planned: list[tuple[int, PlannedRecord]] = []
    for (base_ms, event), kind in zip(base, kinds, strict=True):
        key = key_bytes(event[source.key])
        if kind == "valid":
            max_ms = base_ms if max_ms is None else max(max_ms, base_ms)
            record = PlannedRecord(
                -1,
                topic,
                source.name,
                key,
                encode_event(event),
                kind,
                event,
                time_field=time_field,
                source_index=index,
            )
        elif kind in ("out_of_order", "late"):
            assert max_ms is not None  # assign_kinds puts a valid record first
            shift = out_of_order_time if kind == "out_of_order" else late_time
            shifted = {**event, time_field: format_instant(shift(rng, max_ms, delay_ms))}
            record = PlannedRecord(
                -1,
                topic,
                source.name,
                key,
                encode_event(shifted),
                kind,
                shifted,
                time_field=time_field,
                source_index=index,
            )
        else:
            time_ms = base_ms if max_ms is None else max_ms
            invalid = make_invalid(rng, source.schema, {**event, time_field: format_instant(time_ms)})
            record = PlannedRecord(
                -1,
                topic,
                source.name,
                key,
                invalid.value,
                "invalid",
                None,
                invalid.invalid_kind,
                invalid.field,
                invalid.reason,
                time_field=time_field,
                source_index=index,
            )
        planned.append((base_ms, record))
    return planned


def build_contract_plan(spec: ContractSpec) -> list[PlannedRecord]:
    """The records to produce, in emission order (see the module docstring for the semantics)."""
    pools = key_pools(Random(f"{spec.seed}:keys"), spec.pipeline, spec.keys)
    merged: list[tuple[int, int, int, PlannedRecord]] = []
    for index, source in enumerate(spec.pipeline.sources):
        n = spec.count(source.name)
        rng = Random(f"{spec.seed}:{source.name}")
        values = SourceValues(source.schema, pools, spec.seed, Random(f"{spec.seed}:values:{source.name}"))
        if source.versioned:
            base = _version_timeline(rng, n, values, values.key_pool, spec.start_ms, spec.span_ms)
        else:
            base = _event_timeline(rng, n, values, spec.start_ms, spec.span_ms)
        for position, (emit_ms, record) in enumerate(_plan_source(spec, index, source, base)):
            merged.append((emit_ms, index, position, record))
    merged.sort(key=lambda item: item[:3])
    records = [item[3] for item in merged]
    for seq, record in enumerate(records):
        record.seq = seq
    log.info(
        "planned %d records for pipeline %s (seed %d): %s",
        len(records),
        spec.pipeline.name,
        spec.seed,
        ", ".join(f"{spec.count(name)} {name}" for name in spec.pipeline.source_names()),
    )
    return records
