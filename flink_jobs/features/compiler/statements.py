"""The whole job: sources, dead letters, late events, each feature set's view and sinks, the
archives; :class:`CompiledPipeline` holds the statements in order."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from connectors.kafka_tables import dead_letter_sink_ddl, json_sink_ddl
from connectors.parquet_sink import parquet_sink_ddl, partition_values_sql
from flink_jobs.config import GROUP_SCORING, AppConfig, ConfigError
from flink_jobs.features.compiler.checks import validate
from flink_jobs.features.compiler.events import event_features_sql
from flink_jobs.features.compiler.history import complete_from, running_feature_sets
from flink_jobs.features.compiler.inputs import (
    archive_columns,
    dead_letter_select,
    late_select,
    source_sql,
    source_topic,
    watermark_delay_s,
)
from flink_jobs.features.compiler.names import VERSION_COLUMN, on_time_view
from flink_jobs.features.compiler.operator_uids import with_stable_uids
from flink_jobs.features.compiler.scoring import score_columns, scoring_sql
from flink_jobs.features.compiler.types import TIMESTAMP_TYPE, output_columns, row_time_column
from flink_jobs.features.compiler.windows import window_features_sql
from flink_jobs.features.feature_sets import FeatureSet, PipelineSpec, WindowFeatures
from flink_jobs.sql_text import TIMESTAMP_FORMAT, quote, sql_string, timestamp_literal

if TYPE_CHECKING:
    from pyflink.table import StatementSet, TableEnvironment, TableResult


# A WITH option whose value is a secret: 'properties.sasl.jaas.config' = '...', '...password' = '...'.
_SECRET_OPTION = re.compile(r"('[^']*(?:password|jaas\.config|secret)[^']*' = )'(?:[^']|'')*'", re.IGNORECASE)


@dataclass(frozen=True)
class OutputTable:
    """One sink of the compiled job: where it writes and its columns (name, SQL type)."""

    table: str
    kind: str  # "kafka" | "parquet" | "dead-letter" | "late-events"
    target: str  # topic name or path
    feature_set: str | None = None
    columns: tuple[tuple[str, str], ...] = ()


@dataclass
class CompiledPipeline:
    """The SQL of one job: DDL and views executed first, then the INSERTs of one statement set."""

    setup: list[str] = field(default_factory=list)
    inserts: list[str] = field(default_factory=list)
    outputs: list[OutputTable] = field(default_factory=list)

    def sql(self, redact: bool = True) -> str:
        """Every statement, in order, as a script that can be printed and diffed.

        With ``redact`` (the default) the values of secret options (passwords, the SASL JAAS config
        that holds one) read ``<redacted>``: the script is for people and logs, not for running.
        """
        script = ";\n\n".join([*self.setup, *self.inserts]) + ";\n"
        return _SECRET_OPTION.sub(r"\1'<redacted>'", script) if redact else script

    def statement_set(self, table_env: TableEnvironment) -> StatementSet:
        """Run the setup statements on ``table_env`` and return the statement set of the inserts."""
        for statement in self.setup:
            table_env.execute_sql(statement)
        statements = table_env.create_statement_set()
        for insert in self.inserts:
            statements.add_insert_sql(insert)
        return statements

    def execute(self, table_env: TableEnvironment) -> TableResult:
        """Submit the job: the statement set, compiled to a plan whose operators have uids named for
        their statements (:mod:`.operator_uids`), so that a savepoint restores into a job with
        feature sets added or removed."""
        from pyflink.table import CompiledPlan, PlanReference

        plan = self.statement_set(table_env).compile_plan().as_json_string()
        reference = PlanReference.from_json_string(with_stable_uids(plan))
        # Not table_env.load_plan(): PyFlink 2.2 gives the CompiledPlan it returns the *Java*
        # environment, and its execute() then fails calling _before_execute on it (which adds
        # pipeline.jars to the job).
        j_plan = table_env._j_tenv.loadPlan(reference._j_plan_reference)
        return CompiledPlan(j_compiled_plan=j_plan, t_env=table_env).execute()


def _online_columns(columns: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """Kafka JSON columns: timestamps as text in the input contract's form (…T…Z, 3 ms digits), since
    Flink's JSON writer drops trailing zeros of the milliseconds."""
    return [(name, "STRING" if sql_type == TIMESTAMP_TYPE else sql_type) for name, sql_type in columns]


def _online_select(columns: Sequence[tuple[str, str]], view: str) -> str:
    items = ", ".join(
        f"DATE_FORMAT({quote(name)}, {sql_string(TIMESTAMP_FORMAT)}) AS {quote(name)}"
        if sql_type == TIMESTAMP_TYPE
        else quote(name)
        for name, sql_type in columns
    )
    return f"SELECT {items} FROM `{view}`"


def feature_query(fs: FeatureSet, version: str) -> str:
    """The SELECT that computes ``fs``'s rows from the on-time views of its sources (see
    :func:`on_time_view`), the body of the job's ``<name>_features`` view. Tests run it over bounded
    tables of hand-written rows registered under those names (``tests/features``)."""
    if isinstance(fs, WindowFeatures):
        return window_features_sql(fs, version)
    return event_features_sql(fs, version)


def compile_pipeline(spec: PipelineSpec, cfg: AppConfig) -> CompiledPipeline:
    """Validate ``spec`` and compile it, with ``cfg``'s topics, sinks and paths, into one job's SQL."""
    validate(spec)
    spec.check_topic_names(cfg.topics)
    version = cfg.pipeline.version
    out = CompiledPipeline()
    for source in spec.sources:
        out.setup.extend(source_sql(source, cfg))

    out.setup.append(dead_letter_sink_ddl("dead_letter", cfg.topics.dead_letter, cfg.kafka, cfg.sink))
    out.outputs.append(OutputTable("dead_letter", "dead-letter", cfg.topics.dead_letter))
    dead_letters = "\nUNION ALL\n".join(
        dead_letter_select(s, source_topic(cfg, s), version) for s in spec.sources
    )
    out.inserts.append(f"INSERT INTO dead_letter\n{dead_letters}")

    out.setup.append(dead_letter_sink_ddl("late_events", cfg.topics.late_events, cfg.kafka, cfg.sink))
    out.outputs.append(OutputTable("late_events", "late-events", cfg.topics.late_events))
    late = "\nUNION ALL\n".join(
        late_select(s, source_topic(cfg, s), version, watermark_delay_s(s, cfg)) for s in spec.sources
    )
    out.inserts.append(f"INSERT INTO late_events\n{late}")

    # A feature set added to the running job has no history: its rows are emitted once complete.
    complete = complete_from(spec, cfg.pipeline)
    running = running_feature_sets(spec, cfg.pipeline)
    for fs in running:
        view = f"{fs.name}_features"
        columns = output_columns(fs)
        partition_time = row_time_column(fs)
        query = feature_query(fs, version)
        if fs.name in complete:
            query = (
                f"SELECT * FROM (\n{query}\n)\n"
                f"WHERE {quote(partition_time)} >= {timestamp_literal(complete[fs.name])}"
            )
        out.setup.append(f"CREATE TEMPORARY VIEW `{view}` AS\n{query}")

        topic = cfg.topics.feature_topic(fs.name)
        online = _online_columns(columns)
        kafka_table = f"{fs.name}_kafka"
        out.setup.append(json_sink_ddl(kafka_table, topic, online, fs.source.key, cfg.kafka, cfg.sink))
        out.inserts.append(f"INSERT INTO `{kafka_table}`\n{_online_select(columns, view)}")
        out.outputs.append(OutputTable(kafka_table, "kafka", topic, fs.name, tuple(online)))

        if cfg.offline is not None:
            path = f"{cfg.offline.path}/features/{fs.name}"
            table = f"{fs.name}_offline"
            out.setup.append(parquet_sink_ddl(table, path, columns))
            out.inserts.append(
                f"INSERT INTO `{table}`\nSELECT *, {partition_values_sql(partition_time)} FROM `{view}`"
            )
            out.outputs.append(OutputTable(table, "parquet", path, fs.name, tuple(columns)))

    _compile_scorings(spec, cfg, {fs.name for fs in running}, out)

    if cfg.offline is not None:
        for source in (s for s in spec.sources if s.archive):
            path = f"{cfg.offline.path}/events/{source.name}"
            table = f"{source.name}_archive"
            columns = archive_columns(source)
            out.setup.append(parquet_sink_ddl(table, path, columns))
            fields = ", ".join(quote(f.name) for f in source.schema.fields)
            out.inserts.append(
                f"INSERT INTO `{table}`\nSELECT {fields}, kafka_partition, kafka_offset, "
                f"{sql_string(version)} AS {VERSION_COLUMN}, {partition_values_sql(source.event_time)}\n"
                f"FROM `{on_time_view(source)}`"
            )
            out.outputs.append(OutputTable(table, "parquet", path, None, tuple(columns)))
    return out


def _compile_scorings(spec: PipelineSpec, cfg: AppConfig, running: set[str], out: CompiledPipeline) -> None:
    """Each scoring whose endpoint the ``scoring`` group names: its views, model and three sinks
    (scores topic, scores dataset, its own dead-letter sink on the dead-letter topic). A scoring
    without an endpoint does not run."""
    unknown = sorted(set(cfg.scoring.endpoints) - set(spec.scoring_names()))
    if unknown:
        raise ConfigError(
            GROUP_SCORING,
            f"{unknown[0]}.endpoint",
            f"pipeline '{spec.name}' has no scoring named '{unknown[0]}'",
            "one of " + (", ".join(f"{n}.endpoint" for n in spec.scoring_names()) or "(it has none)"),
        )
    version = cfg.pipeline.version
    for scoring in spec.scorings:
        endpoint = cfg.scoring.endpoints.get(scoring.name)
        if endpoint is None:
            continue
        if scoring.features.name not in running:
            raise ConfigError(
                GROUP_SCORING,
                f"{scoring.name}.endpoint",
                f"scoring '{scoring.name}' needs feature set '{scoring.features.name}', "
                "which this job does not compute",
                f"add {scoring.features.name} to pipeline.feature.sets, or drop the endpoint",
            )
        sql = scoring_sql(scoring, f"{scoring.features.name}_features", endpoint, cfg.scoring, version)
        out.setup.extend(sql.setup)
        columns = score_columns(scoring)
        topic = cfg.topics.scores_topic(scoring.name)
        online = _online_columns(columns)
        kafka_table = f"{scoring.name}_kafka"
        out.setup.append(json_sink_ddl(kafka_table, topic, online, scoring.source.key, cfg.kafka, cfg.sink))
        out.inserts.append(f"INSERT INTO `{kafka_table}`\n{sql.scores_select}")
        out.outputs.append(OutputTable(kafka_table, "kafka", topic, scoring.name, tuple(online)))
        if cfg.offline is not None:
            path = f"{cfg.offline.path}/scores/{scoring.name}"
            table = f"{scoring.name}_offline"
            out.setup.append(parquet_sink_ddl(table, path, columns))
            out.inserts.append(f"INSERT INTO `{table}`\n{sql.offline_select}")
            out.outputs.append(OutputTable(table, "parquet", path, scoring.name, tuple(columns)))
        dead_letters = f"{scoring.name}_dead_letter"
        out.setup.append(dead_letter_sink_ddl(dead_letters, cfg.topics.dead_letter, cfg.kafka, cfg.sink))
        out.inserts.append(f"INSERT INTO `{dead_letters}`\n{sql.dead_letter_select}")
        out.outputs.append(OutputTable(dead_letters, "dead-letter", cfg.topics.dead_letter, scoring.name))
