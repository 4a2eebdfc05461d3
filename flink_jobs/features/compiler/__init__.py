"""Compile a :class:`~flink_jobs.features.feature_sets.PipelineSpec` into Flink SQL.

The output is plain SQL in one statement set (no Python UDF, so the job never starts a Python
worker), append-only end to end:

- per source: a raw Kafka table (bytes + position, event-time watermark), a validating view
  (:mod:`.contract_sql`; the record is decoded and checked by the uber-jar's ``contract-json``
  format, whose options :mod:`.contract_format` writes) and a routing view that classifies each
  record as ``invalid``, ``late`` (valid, event time at or behind the watermark seen by the source,
  ``CURRENT_WATERMARK``) or ``on_time``. Invalid records go to the dead-letter topic, late ones to
  the late-events topic, on-time ones to the features and to the Parquet archive of the source;
- :class:`WindowFeatures`: window TVFs (TUMBLE, HOP, CUMULATE, SESSION) grouped by key and window;
- :class:`EventFeatures`: the source's on-time events, UNION ALL the related and versioned sources'
  events of the same key, then one OVER window per distinct range (``RANGE BETWEEN <range> PRECEDING
  AND CURRENT ROW``; ``UNBOUNDED PRECEDING`` for latest-time and as-of columns, which need one value
  per key, not the rows of a range), then only the source's own rows are kept.

As-of enrichment is an OVER window, not a temporal join, on purpose: a temporal join needs a versioned
table, and the only versioned view over an append-only topic (deduplication keeping the last row per
key) drops a version that arrives after a newer one, so an event between the two would see no
profile. Ordering the key's events by event time in an OVER window sees every version, and
``LAST_VALUE`` over it is the latest (``docs/benchmarks/asof-2026-12-02.md``).

Flink's session windows merge sessions whose gaps are *equal* to the gap; the spec says exactly one gap
apart means two sessions, so the compiled gap is one millisecond shorter (event times have
millisecond precision) and ``window_end`` is moved back to last event + gap.

The package is split by stage: :mod:`.checks` (the spec), :mod:`.types`, :mod:`.contract_format`
and :mod:`.contract_sql` (the input contract), :mod:`.inputs` (per source), :mod:`.aggregations`
(one table keyed by kind), :mod:`.windows`, :mod:`.events` (per-event features) and
:mod:`.statements` (the whole job), :mod:`.backfill` (the same feature SQL over the
archive). SQL literals and intervals come from :mod:`flink_jobs.sql_text`;
connector DDL from :mod:`connectors`.
"""

from __future__ import annotations

from flink_jobs.features.compiler.backfill import backfill_root, compile_backfill
from flink_jobs.features.compiler.checks import FeatureSpecError, validate
from flink_jobs.features.compiler.inputs import late_reason, source_sql
from flink_jobs.features.compiler.names import on_time_view
from flink_jobs.features.compiler.statements import (
    CompiledPipeline,
    OutputTable,
    compile_pipeline,
    feature_query,
)
from flink_jobs.features.compiler.types import column_type, output_columns, row_time_column

__all__ = [
    "CompiledPipeline",
    "FeatureSpecError",
    "OutputTable",
    "backfill_root",
    "column_type",
    "compile_backfill",
    "compile_pipeline",
    "feature_query",
    "late_reason",
    "on_time_view",
    "output_columns",
    "row_time_column",
    "source_sql",
    "validate",
]
