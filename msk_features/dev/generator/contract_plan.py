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
from datetime import timedelta
from random import Random
from typing import Any, Final

from flink_jobs.features import PipelineSpec, Source
from msk_features.dev.generator.contract_faults import make_invalid
from msk_features.dev.generator.contract_values import KeyPool, SourceValues, key_pools
from msk_features.dev.generator.disorder import out_of_order_range
from msk_features.dev.generator.instants import sorted_times
from msk_features.dev.generator.json_text import Event, TimedEvent
from msk_features.dev.generator.plan_options import PlanOptions
from msk_features.dev.generator.records import InvalidValue, PlannedRecord, RecordKind, SpecError
from msk_features.dev.generator.source_plan import PlannedSource, SourceTarget, merge_sources, plan_source

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
class ContractSpec(PlanOptions):
    """What to generate for ``pipeline``; the plan is a pure function of it (seed included).

    ``counts``: exact records per source name (all kinds included). ``keys``: values per key pool.
    The seed, span, fractions, topics and ``watermark_delay`` (the job's bounded out-of-orderness
    for sources that do not set their own) are :class:`PlanOptions`, given by keyword.
    """

    pipeline: PipelineSpec
    counts: Mapping[str, int] = dataclasses.field(default_factory=dict)
    keys: int = 100

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
        self.check_options()
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
        return self.split(self.count(source))


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


def _plan_source(spec: ContractSpec, index: int, source: Source, base: list[TimedEvent]) -> PlannedSource:
    """The records of one source (:func:`~msk_features.dev.generator.source_plan.plan_source`)."""
    target = SourceTarget(
        source.name, spec.topic(source), index, source.key, source.event_time, spec.delay_ms(source)
    )

    def invalid(rng: Random, event: Event, time_ms: int) -> InvalidValue:
        return make_invalid(rng, source.schema, event)

    return plan_source(spec.seed, target, spec.kind_counts(source.name), base, invalid)


def build_contract_plan(spec: ContractSpec) -> list[PlannedRecord]:
    """The records to produce, in emission order (see the module docstring for the semantics)."""
    pools = key_pools(Random(f"{spec.seed}:keys"), spec.pipeline, spec.keys)
    planned: list[tuple[int, PlannedSource]] = []
    for index, source in enumerate(spec.pipeline.sources):
        n = spec.count(source.name)
        rng = Random(f"{spec.seed}:{source.name}")
        values = SourceValues(source.schema, pools, spec.seed, Random(f"{spec.seed}:values:{source.name}"))
        if source.versioned:
            base = _version_timeline(rng, n, values, values.key_pool, spec.start_ms, spec.span_ms)
        else:
            base = _event_timeline(rng, n, values, spec.start_ms, spec.span_ms)
        planned.append((index, _plan_source(spec, index, source, base)))
    records = merge_sources(planned)
    log.info(
        "planned %d records for pipeline %s (seed %d): %s",
        len(records),
        spec.pipeline.name,
        spec.seed,
        ", ".join(f"{spec.count(name)} {name}" for name in spec.pipeline.source_names()),
    )
    return records
