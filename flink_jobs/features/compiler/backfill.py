"""A backfill: the same feature SQL over the raw archive instead of the Kafka inputs.

The live job archives each source's on-time events to ``<offline>/events/<source>/`` (Parquet,
``dt``/``hr`` partitions of the event time). A backfill job reads them back as bounded sources in
streaming execution mode (Flink's batch mode has no session window TVF and no late data, so it
would not compute the same rows) and registers them under the names of the live on-time views, so
every feature set compiles to exactly the live job's SQL (:func:`~.statements.feature_query`).

Semantics, for ``backfill.from`` = F and ``backfill.to`` = T:

- input: events with event time in ``[F - lookback, T)``; a versioned source (as-of enrichment) is
  read from its first archived version, since a version from long before F may still be the current
  one. :func:`lookback` is what the selected feature sets need (the largest window size, rolling
  range or ``SecondsSinceLatest`` bound; a session may in principle extend further back, so
  sessions ask for :data:`SESSION_LOOKBACK` at least); ``backfill.lookback.seconds`` overrides it;
- watermark: the archive holds on-time events only, but not in their arrival order (files are read
  in any order), so the watermark trails by the whole input span: no archived event is ever late,
  and windows and OVER rows fire when the input ends. State therefore grows with the range: one
  machine holds a few days of the reference pipeline's traffic; a larger range runs, unchanged, as
  a Managed Flink application or on any Flink cluster (docs/backfill.md);
- output: the rows whose time (``window_end`` for window sets, the event time otherwise) is in
  ``[F, T)``, to ``<offline>/backfill/<run>/features/<set>/`` in the live datasets' layout.
  Nothing is written to Kafka. Events after T cannot change a row before T (a window or session
  ending before T holds only earlier events), so none are read.
"""

from __future__ import annotations

from datetime import timedelta

from connectors.parquet_sink import parquet_sink_ddl, parquet_source_ddl, partition_values_sql
from flink_jobs.config import GROUP_BACKFILL, AppConfig, BackfillConfig
from flink_jobs.features.compiler.checks import validate
from flink_jobs.features.compiler.history import SESSION_LOOKBACK, lookback, pick_feature_sets, sources_of
from flink_jobs.features.compiler.inputs import archive_columns
from flink_jobs.features.compiler.names import on_time_view
from flink_jobs.features.compiler.statements import CompiledPipeline, OutputTable, feature_query
from flink_jobs.features.compiler.types import output_columns, row_time_column
from flink_jobs.features.feature_sets import FeatureSet, PipelineSpec
from flink_jobs.sql_text import interval, quote, timestamp_literal

__all__ = ["SESSION_LOOKBACK", "backfill_root", "compile_backfill", "lookback", "selected_feature_sets"]


def backfill_root(offline_path: str, backfill: BackfillConfig) -> str:
    """Where a backfill run writes: ``<offline>/backfill/<run>``."""
    return f"{offline_path}/backfill/{backfill.run_name()}"


def selected_feature_sets(spec: PipelineSpec, backfill: BackfillConfig) -> list[FeatureSet]:
    """The feature sets ``backfill.feature.sets`` names (all when empty), in spec order."""
    return pick_feature_sets(spec, backfill.feature_sets, GROUP_BACKFILL, "feature.sets")


def compile_backfill(spec: PipelineSpec, cfg: AppConfig) -> CompiledPipeline:
    """The backfill job of ``cfg.backfill`` over ``cfg.offline``'s archive (see the module docstring)."""
    validate(spec)
    backfill, offline = cfg.backfill, cfg.offline
    assert backfill is not None and offline is not None  # parse_config checks both
    selected = selected_feature_sets(spec, backfill)
    history = (
        timedelta(seconds=backfill.lookback_s) if backfill.lookback_s is not None else lookback(selected)
    )
    first = backfill.start - history
    # The watermark trails by the whole span: no archived (on-time) event can be late here.
    delay = interval(backfill.end - first + timedelta(days=1))
    start_at, end_at, first_at = (timestamp_literal(t) for t in (backfill.start, backfill.end, first))
    out = CompiledPipeline()
    for source in sources_of(selected):
        table, time = f"{source.name}_archived", source.event_time
        out.setup.append(
            parquet_source_ddl(
                table, f"{offline.path}/events/{source.name}", archive_columns(source), time, delay
            )
        )
        # dt bounds prune whole days; the time bounds are exact.
        bounds = [f"dt <= '{backfill.end:%Y-%m-%d}'", f"{quote(time)} < {end_at}"]
        if not source.versioned:
            bounds += [f"dt >= '{first:%Y-%m-%d}'", f"{quote(time)} >= {first_at}"]
        fields = ", ".join(quote(f.name) for f in source.schema.fields)
        out.setup.append(
            f"CREATE TEMPORARY VIEW `{on_time_view(source)}` AS\n"
            f"SELECT {fields}, kafka_partition, kafka_offset\nFROM `{table}`\nWHERE {' AND '.join(bounds)}"
        )
    root = backfill_root(offline.path, backfill)
    version = cfg.pipeline.version
    for fs in selected:
        view, columns = f"{fs.name}_features", output_columns(fs)
        row_time = row_time_column(fs)
        out.setup.append(f"CREATE TEMPORARY VIEW `{view}` AS\n{feature_query(fs, version)}")
        path, table = f"{root}/features/{fs.name}", f"{fs.name}_backfill"
        out.setup.append(parquet_sink_ddl(table, path, columns))
        in_range = f"{quote(row_time)} >= {start_at} AND {quote(row_time)} < {end_at}"
        select = f"SELECT *, {partition_values_sql(row_time)} FROM `{view}`"
        out.inserts.append(f"INSERT INTO `{table}`\n{select}\nWHERE {in_range}")
        out.outputs.append(OutputTable(table, "parquet", path, fs.name, tuple(columns)))
    return out
