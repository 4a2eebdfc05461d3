"""The pipeline job: validate the three input topics, route invalid records, write valid transactions.

Data flow (all SQL, one statement set, so the job starts no Python worker):

- ``transactions``, ``clicks``, ``profiles`` are read raw (bytes + source position);
- each is validated against its contract (:mod:`flink_jobs.schemas`); every invalid record goes to
  the dead-letter topic with its original key and value and ``dlq.*`` headers (reason, topic,
  partition, offset, timestamp, pipeline version), and nowhere else;
- valid transactions go to the ``transactions-valid`` topic (JSON, keyed by ``user_id``) and, when an
  offline path is configured, to Parquet partitioned by ``dt``/``hr`` of the event time.

The feature SQL (windows, joins) extends this job in :mod:`flink_jobs` as the specs land.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pyflink.table import StatementSet, TableEnvironment

from connectors.kafka_tables import dead_letter_sink_ddl, json_sink_ddl, raw_source_ddl
from connectors.parquet_sink import parquet_sink_ddl, partition_values_sql
from connectors.validation import DECIMAL_TYPE, TIMESTAMP_FORMAT, checked_view_sql, sql_string
from flink_jobs.config import AppConfig
from flink_jobs.schemas import CLICKS, INPUTS, PROFILES, TRANSACTIONS, InputSchema

__all__ = [
    "JOB_NAME",
    "ONLINE_TRANSACTION_COLUMNS",
    "VALID_TRANSACTION_COLUMNS",
    "Pipeline",
    "build_pipeline",
    "run",
]

JOB_NAME = "msk-flink-features"

VALID_TRANSACTION_COLUMNS: tuple[tuple[str, str], ...] = (
    ("txn_id", "STRING"),
    ("user_id", "STRING"),
    ("merchant_id", "STRING"),
    ("amount", DECIMAL_TYPE),
    ("currency", "STRING"),
    ("country", "STRING"),
    ("event_time", "TIMESTAMP(3)"),
    ("pipeline_version", "STRING"),
)
# The online topic writes event_time as text in the input contract's exact form
# (YYYY-MM-DDTHH:MM:SS.mmmZ): Flink's JSON writer drops trailing zeros of the milliseconds.
ONLINE_TRANSACTION_COLUMNS: tuple[tuple[str, str], ...] = tuple(
    (name, "STRING" if name == "event_time" else sql_type) for name, sql_type in VALID_TRANSACTION_COLUMNS
)
PASSTHROUGH = ("kafka_key", "raw_value", "kafka_topic", "kafka_partition", "kafka_offset", "kafka_timestamp")


@dataclass
class Pipeline:
    """The SQL of one job run: DDL/views executed first, then the INSERTs of one statement set."""

    setup: list[str] = field(default_factory=list)
    inserts: list[str] = field(default_factory=list)

    def sql(self) -> str:
        """Every statement, in order, as a script that can be printed and diffed."""
        return ";\n\n".join([*self.setup, *self.inserts]) + ";\n"

    def statement_set(self, table_env: TableEnvironment) -> StatementSet:
        """Run the setup statements on ``table_env`` and return the statement set of the inserts."""
        for statement in self.setup:
            table_env.execute_sql(statement)
        statements = table_env.create_statement_set()
        for insert in self.inserts:
            statements.add_insert_sql(insert)
        return statements


def _source_table(schema: InputSchema) -> str:
    return f"{schema.name}_raw"


def _checked_view(schema: InputSchema) -> str:
    return f"{schema.name}_checked"


def _dead_letter_select(schema: InputSchema, version: str) -> str:
    """Invalid records of ``schema``: original key and value, position and reason in ``dlq.*`` headers.

    ``dlq.timestamp`` is the record's Kafka timestamp, ISO-8601 in UTC (the session time zone).
    """
    header_values = {
        "dlq.reason": "dlq_reason",
        "dlq.topic": "kafka_topic",
        "dlq.partition": "CAST(kafka_partition AS STRING)",
        "dlq.offset": "CAST(kafka_offset AS STRING)",
        "dlq.timestamp": f"DATE_FORMAT(kafka_timestamp, {sql_string(TIMESTAMP_FORMAT)})",
        "pipeline.version": sql_string(version),
    }
    headers = ", ".join(f"{sql_string(k)}, CAST({v} AS BYTES)" for k, v in header_values.items())
    return (
        f"SELECT kafka_key, raw_value, MAP[{headers}] AS headers "
        f"FROM `{_checked_view(schema)}` WHERE dlq_reason IS NOT NULL"
    )


def build_pipeline(cfg: AppConfig) -> Pipeline:
    """Compile the job for ``cfg`` into SQL statements (no Flink needed to call this)."""
    pipeline = Pipeline()
    topics = {
        TRANSACTIONS.name: cfg.topics.transactions,
        CLICKS.name: cfg.topics.clicks,
        PROFILES.name: cfg.topics.profiles,
    }
    for schema in INPUTS:
        pipeline.setup.append(
            raw_source_ddl(
                _source_table(schema),
                topics[schema.name],
                cfg.kafka,
                schema.time_field,
                cfg.pipeline.watermark_delay_s,
                cfg.pipeline.idle_timeout_s,
            )
        )
        pipeline.setup.append(
            checked_view_sql(schema, _checked_view(schema), _source_table(schema), passthrough=PASSTHROUGH)
        )

    pipeline.setup.append(dead_letter_sink_ddl("dead_letter", cfg.topics.dead_letter, cfg.kafka, cfg.sink))
    dead_letters = "\nUNION ALL\n".join(_dead_letter_select(s, cfg.pipeline.version) for s in INPUTS)
    pipeline.inserts.append(f"INSERT INTO dead_letter\n{dead_letters}")

    version = sql_string(cfg.pipeline.version)
    fields = ", ".join(f"`{name}`" for name, _ in VALID_TRANSACTION_COLUMNS[:-1])
    valid = (
        f"SELECT {fields}, {version} AS pipeline_version FROM `{_checked_view(TRANSACTIONS)}` "
        "WHERE dlq_reason IS NULL"
    )
    pipeline.setup.append(
        json_sink_ddl(
            "transactions_valid",
            cfg.topics.valid_transactions,
            ONLINE_TRANSACTION_COLUMNS,
            "user_id",
            cfg.kafka,
            cfg.sink,
        )
    )
    online = ", ".join(
        f"DATE_FORMAT(`{name}`, {sql_string(TIMESTAMP_FORMAT)}) AS `{name}`"
        if name == "event_time"
        else f"`{name}`"
        for name, _ in ONLINE_TRANSACTION_COLUMNS
    )
    pipeline.inserts.append(f"INSERT INTO transactions_valid\nSELECT {online} FROM ({valid})")

    if cfg.offline is not None:
        pipeline.setup.append(
            parquet_sink_ddl(
                "transactions_offline", f"{cfg.offline.path}/transactions", VALID_TRANSACTION_COLUMNS
            )
        )
        pipeline.inserts.append(
            f"INSERT INTO transactions_offline\nSELECT *, {partition_values_sql('event_time')} FROM ({valid})"
        )
    return pipeline


def run(cfg: AppConfig, app_root: Path) -> None:
    """Build the environment, submit the job and, in bounded mode, wait for it to finish."""
    from flink_jobs.environment import create_table_env, is_local

    table_env = create_table_env(cfg, app_root, JOB_NAME)
    result = build_pipeline(cfg).statement_set(table_env).execute()
    if is_local() or cfg.kafka.bounded:
        result.wait()
