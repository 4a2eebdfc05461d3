"""One validation-stage job: decode (and validate) the transactions topic into a ``blackhole`` sink.

Run by :mod:`msk_features.bench.validation_stage` as ``python -m msk_features.bench.decode_job
<variant>`` in a process of its own (one job per process), with ``$MSK_FEATURES_PROPERTIES`` naming
the run's properties file and ``$MSK_FEATURES_FLINK_OPTIONS`` its Flink options, as ``main.py`` is
run. What the job does is the work measured, and nothing else:

- ``raw``: a Kafka source table with ``value.format = 'raw'`` (one BYTES column): fetching and
  deserialising the records, the floor every variant pays;
- ``json``: Flink's own ``json`` format with the typed transactions schema (what decoding costs
  with no contract checks beyond the types);
- ``contract``: the product's own SQL for the ``transactions`` source of the ``fraud`` pipeline,
  the first two statements of :func:`flink_jobs.features.compiler.source_sql` (the raw Kafka table
  and the checked view ``transactions_checked``), taken as they are whatever they contain.

Each variant reads the topic from the earliest offset to the offsets current at start (bounded),
and writes every column of its relation (``SELECT *``) to a ``blackhole`` table, so no column is
projected away and no sink does any work. The table environment is the product's local one
(:func:`flink_jobs.runtime.environment.create_table_env`: streaming mode, UTC, the uber-jar in
``pipeline.jars``, the planner options); the harness sets parallelism 1 through the Flink options.
At the end the job prints Flink's net runtime (running to finished) in the line the harness reads
(:data:`flink_jobs.runtime.job.NET_RUNTIME_PREFIX`), and the CPU seconds its own process tree (this Python
process and the gateway JVM that runs the mini-cluster) had used when the job was submitted (planning
done) and when it had finished (:data:`JOB_CPU_PREFIX`): their difference is the job's CPU without
interpreter and JVM start, planning and shutdown, the largest and noisiest parts of a short run.

The SQL builders (:func:`variant_sql`, :func:`blackhole_ddl`) need no Flink, so tests can check them.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from connectors.kafka_auth import client_properties
from flink_jobs.config import AppConfig
from flink_jobs.features.sources import Source
from flink_jobs.sql_text import sql_string
from msk_features.bench.workload import FULL, TRANSACTIONS

if TYPE_CHECKING:
    from pyflink.table import TableEnvironment

__all__ = [
    "CHECKED_VIEW",
    "JOB_CPU_PREFIX",
    "JSON_COLUMNS",
    "SINK",
    "VARIANTS",
    "blackhole_ddl",
    "main",
    "transactions_source",
    "variant_sql",
]

VARIANTS = ("raw", "json", "contract")
JOB_CPU_PREFIX = "validation-stage: process tree CPU s at submit and end"
SINK = "validation_stage_blackhole"
CHECKED_VIEW = "transactions_checked"
"""The product's checked view of the transactions source (the second statement of ``source_sql``)."""

JSON_COLUMNS: tuple[tuple[str, str], ...] = (
    ("txn_id", "STRING"),
    ("user_id", "STRING"),
    ("merchant_id", "STRING"),
    ("amount", "DECIMAL(18, 4)"),
    ("currency", "STRING"),
    ("country", "STRING"),
    # TIMESTAMP_LTZ: Flink's ISO-8601 reader for TIMESTAMP rejects the contract's trailing 'Z' (every
    # row would be a parse error, skipped); for TIMESTAMP_LTZ it reads it as UTC.
    ("event_time", "TIMESTAMP_LTZ(3)"),
)
"""The transactions contract's fields as Flink's ``json`` format reads them (the ``json`` variant)."""

log = logging.getLogger(__name__)


def transactions_source() -> Source:
    """The transactions source of the full pipeline's spec (:mod:`msk_features.bench.workload`)."""
    from flink_jobs.pipelines import get_pipeline

    (source,) = [s for s in get_pipeline(FULL).sources if s.name == TRANSACTIONS]
    return source


def _with(options: Mapping[str, str]) -> str:
    return "WITH (\n" + ",\n".join(f"  {sql_string(k)} = {sql_string(v)}" for k, v in options.items()) + "\n)"


def _kafka_source_options(cfg: AppConfig) -> dict[str, str]:
    """The raw and json variants' connector options: the product's topic, client properties, group
    and isolation level, bounded from the earliest offset to the latest at start."""
    return {
        "connector": "kafka",
        "topic": cfg.topics.source_topic(TRANSACTIONS),
        **{f"properties.{k}": v for k, v in client_properties(cfg.kafka).items()},
        "properties.group.id": cfg.kafka.consumer_group,
        "properties.isolation.level": "read_committed",
        "scan.startup.mode": "earliest-offset",
        "scan.bounded.mode": "latest-offset",
    }


def variant_sql(variant: str, cfg: AppConfig) -> tuple[list[str], str]:
    """``(statements, relation)``: the DDL that defines ``variant``'s input, and the table or view
    whose every column the job writes to the blackhole."""
    if variant == "raw":
        options = {**_kafka_source_options(cfg), "value.format": "raw"}
        ddl = f"CREATE TEMPORARY TABLE `txn_raw_bytes` (\n  raw_value BYTES\n) {_with(options)}"
        return [ddl], "txn_raw_bytes"
    if variant == "json":
        options = {
            **_kafka_source_options(cfg),
            "value.format": "json",
            "value.json.timestamp-format.standard": "ISO-8601",
            "value.json.fail-on-missing-field": "false",
            "value.json.ignore-parse-errors": "true",
        }
        columns = ",\n".join(f"  `{name}` {sql_type}" for name, sql_type in JSON_COLUMNS)
        ddl = f"CREATE TEMPORARY TABLE `txn_flink_json` (\n{columns}\n) {_with(options)}"
        return [ddl], "txn_flink_json"
    if variant == "contract":
        from flink_jobs.features.compiler import source_sql

        raw_table, checked_view, *_ = source_sql(transactions_source(), cfg)
        return [raw_table, checked_view], CHECKED_VIEW
    raise ValueError(f"unknown variant {variant!r}: one of {', '.join(VARIANTS)}")


def blackhole_ddl(columns: Sequence[tuple[str, str]]) -> str:
    """``CREATE TEMPORARY TABLE`` of a ``blackhole`` sink with ``columns`` ((name, SQL type) pairs)."""
    body = ",\n".join(f"  `{name}` {sql_type}" for name, sql_type in columns)
    return f"CREATE TEMPORARY TABLE `{SINK}` (\n{body}\n) WITH ('connector' = 'blackhole')"


def _columns(table_env: TableEnvironment, relation: str) -> list[tuple[str, str]]:
    """Name and SQL type of every column of ``relation`` (a table or view), from its resolved schema
    (a time attribute's type is written without its ``*ROWTIME*`` marker)."""
    schema = table_env.from_path(f"`{relation}`")._j_table.getResolvedSchema()
    return [
        (str(column.getName()), str(column.getDataType().getLogicalType().asSerializableString()))
        for column in schema.getColumns()
    ]


def _tree_cpu_s() -> float:
    """CPU seconds used so far by this process and its descendants (the gateway JVM), from /proc."""
    from msk_features.bench.procstats import TreeSampler

    sampler = TreeSampler(os.getpid())
    sampler.sample_once()
    return sampler.stats.cpu_s


def run(variant: str) -> None:
    """Run ``variant``'s job to the end of its bounded input; print its CPU window and net runtime."""
    from flink_jobs.config import load_config
    from flink_jobs.runtime.environment import create_table_env
    from flink_jobs.runtime.job import NET_RUNTIME_PREFIX
    from msk_features.runner import REPO_ROOT

    cfg = load_config()
    if not cfg.kafka.bounded:
        raise SystemExit("decode_job: the properties must say kafka bounded=true (a bounded run)")
    table_env = create_table_env(cfg, REPO_ROOT, f"validation-stage-{variant}")
    statements, relation = variant_sql(variant, cfg)
    for statement in statements:
        table_env.execute_sql(statement)
    table_env.execute_sql(blackhole_ddl(_columns(table_env, relation)))
    result = table_env.execute_sql(f"INSERT INTO `{SINK}` SELECT * FROM `{relation}`")
    at_submit = _tree_cpu_s()
    result.wait()
    print(f"{JOB_CPU_PREFIX} {at_submit:.3f} {_tree_cpu_s():.3f}", flush=True)
    client = result.get_job_client()
    if client is None:
        return
    try:
        runtime_ms = client.get_job_execution_result().result().get_net_runtime()
    except Exception as exc:  # the CPU time is still measured; events/s is then not reported
        log.warning("no net runtime for the finished job: %s", exc)
        return
    print(f"{NET_RUNTIME_PREFIX} {runtime_ms} ms", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m msk_features.bench.decode_job raw|json|contract``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1 or args[0] not in VARIANTS:
        print(f"usage: python -m msk_features.bench.decode_job {'|'.join(VARIANTS)}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    run(args[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
