"""The names callers have imported from ``msk_features.dev.generator.plan`` since before profiles.

The fraud profile's spec and plan (:mod:`msk_features.dev.generator.profiles.fraud.plan`) and the
records and helpers every generator shares; new code imports them from where they live.
"""

from msk_features.dev.generator.durations import format_duration, parse_duration
from msk_features.dev.generator.instants import DEFAULT_START
from msk_features.dev.generator.profiles.fraud.plan import (
    DEFAULT_RATIOS,
    GenerateSpec,
    build_plan,
    split_count,
)
from msk_features.dev.generator.records import (
    RECORD_KINDS,
    PlannedRecord,
    RecordKind,
    SpecError,
    fraction_count,
)

__all__ = [
    "DEFAULT_RATIOS",
    "DEFAULT_START",
    "RECORD_KINDS",
    "GenerateSpec",
    "PlannedRecord",
    "RecordKind",
    "SpecError",
    "build_plan",
    "format_duration",
    "fraction_count",
    "parse_duration",
    "split_count",
]
