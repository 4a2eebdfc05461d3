"""The options every plan shares: seed, event-time span, fault fractions, watermark delay, topics.

:class:`PlanOptions` is the keyword-only base of the command's
:class:`~msk_features.dev.generator.planner.GenerateRequest`, the contract-driven
:class:`~msk_features.dev.generator.contract_plan.ContractSpec` and a profile's spec (the fraud
profile's :class:`~msk_features.dev.generator.profiles.fraud.plan.GenerateSpec`), so the options
mean, default and are checked the same everywhere (pure).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Any

from flink_jobs.config import TopicsConfig
from msk_features.dev.generator.durations import format_duration
from msk_features.dev.generator.instants import DEFAULT_START, to_epoch_ms
from msk_features.dev.generator.records import RecordKind, SpecError, split_kinds

__all__ = ["PlanOptions"]


@dataclasses.dataclass(frozen=True, kw_only=True)
class PlanOptions:
    """The seed and the timing and faults of a plan (keyword-only, so subclasses keep their own
    positional fields).

    Valid events are spread over ``[start, start + span)`` (``start`` a UTC instant, ``span`` at
    least 1 s). The fractions are of each topic's count (:meth:`split`), each within ``[0, 1]``
    and summing to at most 1. ``watermark_delay`` is the job's
    bounded out-of-orderness (what out-of-order and late times are measured against). Topic names
    come from ``topics`` (the job's :class:`~flink_jobs.config.TopicsConfig`).
    """

    seed: int = 42
    start: datetime = DEFAULT_START
    span: timedelta = timedelta(hours=1)
    invalid_fraction: float = 0.0
    out_of_order_fraction: float = 0.0
    late_fraction: float = 0.0
    watermark_delay: timedelta = timedelta(seconds=30)
    topics: TopicsConfig = dataclasses.field(default_factory=TopicsConfig)

    def check_options(self) -> None:
        """Raise :class:`SpecError` naming the first option that is out of its range."""
        if self.start.tzinfo is None or self.start.utcoffset() is None:
            raise SpecError(f"start {self.start.isoformat()} has no time zone; give a UTC instant")
        if self.span < timedelta(seconds=1):
            raise SpecError(f"span must be at least 1s, got {format_duration(self.span)}")
        if self.watermark_delay < timedelta(0):
            raise SpecError("watermark_delay must be >= 0")
        fractions = {
            "invalid_fraction": self.invalid_fraction,
            "out_of_order_fraction": self.out_of_order_fraction,
            "late_fraction": self.late_fraction,
        }
        for name, value in fractions.items():
            if not 0.0 <= value <= 1.0:
                raise SpecError(f"{name} must be within [0, 1], got {value}")
        if sum(fractions.values()) > 1.0 + 1e-9:
            raise SpecError(
                "invalid_fraction + out_of_order_fraction + late_fraction must be at most 1, got "
                f"{sum(fractions.values()):g}"
            )

    def plan_options(self) -> dict[str, Any]:
        """The :class:`PlanOptions` fields of this object by name (to build another spec with them)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(PlanOptions)}

    @property
    def start_ms(self) -> int:
        """The span start in epoch milliseconds."""
        return to_epoch_ms(self.start)

    @property
    def span_ms(self) -> int:
        """The span in milliseconds."""
        return self.span // timedelta(milliseconds=1)

    def split(self, n: int) -> dict[RecordKind, int]:
        """Exact records per kind of a topic of ``n`` records: :func:`split_kinds` with these fractions."""
        return split_kinds(n, self.invalid_fraction, self.out_of_order_fraction, self.late_fraction)
