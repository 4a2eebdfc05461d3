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
from flink_jobs.features.compiler import (
    CompiledPipeline,
    FeatureSpecError,
    compile_pipeline,
    feature_query,
    on_time_view,
    validate,
)
from flink_jobs.features.contracts import Field, InputSchema
from flink_jobs.features.feature_sets import (
    AsOf,
    Compare,
    EventFeatures,
    FeatureSet,
    PipelineSpec,
    Related,
    WindowFeatures,
)
from flink_jobs.features.scoring import Category, Flag, ModelInput, Number, Scoring, encode, encode_row
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
    "Category",
    "Compare",
    "CompiledPipeline",
    "Count",
    "CountDistinct",
    "Cumulate",
    "Equals",
    "EventFeatures",
    "FeatureSet",
    "FeatureSpecError",
    "Field",
    "Flag",
    "Hopping",
    "InputSchema",
    "Last",
    "Max",
    "Min",
    "ModelInput",
    "Number",
    "PipelineSpec",
    "Related",
    "Rolling",
    "Scoring",
    "SecondsSinceLatest",
    "Session",
    "Source",
    "Span",
    "Sum",
    "Tumbling",
    "WindowFeatures",
    "compile_pipeline",
    "days",
    "encode",
    "encode_row",
    "feature_query",
    "hours",
    "milliseconds",
    "minutes",
    "on_time_view",
    "seconds",
    "validate",
]
