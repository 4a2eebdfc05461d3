"""The vocabulary of feature specs: sources, windows, aggregations, feature sets, the compiler.

A pipeline is declared with these values (see :mod:`flink_jobs.pipelines.fraud`) and compiled to
Flink SQL by :func:`compile_pipeline`; ``msk-features sql`` prints the result.
"""

from flink_jobs.features.aggregations import (
    Aggregation,
    Avg,
    Count,
    CountDistinct,
    Equals,
    Last,
    Max,
    Min,
    SecondsSinceLatest,
    Span,
    Sum,
)
from flink_jobs.features.compiler import CompiledPipeline, FeatureSpecError, compile_pipeline, validate
from flink_jobs.features.feature_sets import (
    AsOf,
    Compare,
    EventFeatures,
    FeatureSet,
    PipelineSpec,
    Related,
    WindowFeatures,
)
from flink_jobs.features.sources import Source
from flink_jobs.features.windows import (
    Cumulate,
    Hopping,
    Rolling,
    Session,
    Tumbling,
    days,
    hours,
    milliseconds,
    minutes,
    seconds,
)

__all__ = [
    "Aggregation",
    "AsOf",
    "Avg",
    "Compare",
    "CompiledPipeline",
    "Count",
    "CountDistinct",
    "Cumulate",
    "Equals",
    "EventFeatures",
    "FeatureSet",
    "FeatureSpecError",
    "Hopping",
    "Last",
    "Max",
    "Min",
    "PipelineSpec",
    "Related",
    "Rolling",
    "SecondsSinceLatest",
    "Session",
    "Source",
    "Span",
    "Sum",
    "Tumbling",
    "WindowFeatures",
    "compile_pipeline",
    "days",
    "hours",
    "milliseconds",
    "minutes",
    "seconds",
    "validate",
]
