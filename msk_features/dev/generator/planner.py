"""What ``msk-features generate`` asks of a generator, whatever the pipeline (pure).

A :class:`GenerateRequest` holds the options every pipeline understands; a :class:`Planner` turns
it into a :class:`PlanReport` for one pipeline. The contract-driven planner
(:class:`ContractPlanner`) serves every pipeline; a profile
(:mod:`msk_features.dev.generator.profiles`) serves the one it was written for, with its own
options in ``extra`` (by command-line parameter name).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Final, Protocol

from flink_jobs.features import PipelineSpec
from msk_features.dev.generator.contract_plan import ContractSpec, build_contract_plan
from msk_features.dev.generator.durations import format_duration
from msk_features.dev.generator.instants import format_instant
from msk_features.dev.generator.plan_options import PlanOptions
from msk_features.dev.generator.records import PlannedRecord, SpecError

__all__ = ["DEFAULT_COUNT", "ContractPlanner", "GenerateRequest", "PlanReport", "Planner"]

DEFAULT_COUNT: Final = 1000
"""Records when neither a total nor any per-source count is given."""


@dataclasses.dataclass(frozen=True)
class GenerateRequest(PlanOptions):
    """The options of any pipeline's generator.

    ``count``: the total to split over the sources (``None``: :data:`DEFAULT_COUNT` unless
    ``source_counts`` names some); ``source_counts``: exact records per source name, overriding its
    share. ``keys``: distinct values per key (a profile may call them otherwise, e.g. users).
    ``watermark_delay`` (of :class:`PlanOptions`, like the seed, span, fractions and topics): the
    job's delay for sources that set none. ``extra``: a profile's own options. The checks here need
    no pipeline; :meth:`Planner.check` does the rest.
    """

    count: int | None = None
    source_counts: Mapping[str, int] = dataclasses.field(default_factory=dict)
    keys: int = 100
    extra: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        self.check_options()
        if self.keys < 1:
            raise SpecError(f"keys must be >= 1, got {self.keys}")
        if self.count is not None and self.count < 0:
            raise SpecError(f"count must be >= 0, got {self.count}")

    def total(self) -> int | None:
        """The total to split: ``count``, else :data:`DEFAULT_COUNT` when no source count is given,
        else ``None`` (only the named sources get records)."""
        if self.count is None and not self.source_counts:
            return DEFAULT_COUNT
        return self.count


@dataclasses.dataclass(frozen=True)
class PlanReport:
    """A plan and how to present it: a one-line ``description``, ``notes`` to print after the
    summary table and ``warnings`` (to standard error)."""

    records: list[PlannedRecord]
    description: str
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


class Planner(Protocol):
    """A generator for pipelines: ``options`` are the ``extra`` names it understands."""

    @property
    def options(self) -> frozenset[str]: ...

    def check(self, pipeline: PipelineSpec, request: GenerateRequest) -> None:
        """Raise :class:`SpecError` if ``request`` cannot be generated for ``pipeline``."""

    def plan(self, pipeline: PipelineSpec, request: GenerateRequest) -> PlanReport:
        """The records for ``pipeline``, in emission order."""


class ContractPlanner:
    """Every pipeline's generator: :func:`~msk_features.dev.generator.contract_plan.build_contract_plan`."""

    options: frozenset[str] = frozenset()

    def spec(self, pipeline: PipelineSpec, request: GenerateRequest) -> ContractSpec:
        """The :class:`ContractSpec` of ``request`` (``SpecError`` if it cannot be generated)."""
        options: dict[str, Any] = {**request.plan_options(), "keys": request.keys}
        names = pipeline.source_names()
        unknown = [name for name in request.source_counts if name not in names]
        if unknown:
            raise SpecError(
                f"pipeline '{pipeline.name}' has no source '{unknown[0]}' (its sources: {', '.join(names)})"
            )
        total = request.total()
        if total is None:
            return ContractSpec(pipeline, dict(request.source_counts), **options)
        shares = ContractSpec.from_total(pipeline, total, **options).counts
        return ContractSpec(pipeline, {**shares, **request.source_counts}, **options)

    def check(self, pipeline: PipelineSpec, request: GenerateRequest) -> None:
        """Raise :class:`SpecError` if ``request`` cannot be generated for ``pipeline``."""
        self.spec(pipeline, request)

    def plan(self, pipeline: PipelineSpec, request: GenerateRequest) -> PlanReport:
        """The contract-driven records of ``pipeline``."""
        spec = self.spec(pipeline, request)
        records = build_contract_plan(spec)
        per_topic = ", ".join(f"{spec.count(s.name)} {s.name} → {spec.topic(s)}" for s in pipeline.sources)
        key_fields = ", ".join(dict.fromkeys(s.key for s in pipeline.sources))
        delays = {s.name: s.watermark_delay for s in pipeline.sources if s.watermark_delay is not None}
        own = "".join(f", {name} {format_duration(d)}" for name, d in delays.items())
        description = (
            f"pipeline {pipeline.name}, from its contracts; seed {spec.seed}: {spec.total} records "
            f"({per_topic}); "
            f"{spec.keys} keys per key field ({key_fields}); "
            f"event time {format_instant(spec.start_ms)} + {format_duration(spec.span)}; "
            f"watermark delay {format_duration(spec.watermark_delay)}{own}"
        )
        return PlanReport(records, description)
