"""The job: compile the configured pipeline's specs to SQL and run it as one statement set.

``pipeline.name`` selects the pipeline (:mod:`flink_jobs.pipelines`); topics, sinks, paths,
watermark bound and idle timeout come from the runtime properties (:mod:`flink_jobs.config`). The
SQL (:mod:`flink_jobs.features.compiler`) validates every input record, routes invalid records to
the dead-letter topic and late ones to the late-events topic, and writes each feature set to its
Kafka topic and its Parquet dataset.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from flink_jobs.config import AppConfig
from flink_jobs.features.compiler import CompiledPipeline, compile_backfill, compile_pipeline
from flink_jobs.pipelines import get_pipeline, pipeline_topics, resolve_pipeline_name

__all__ = ["JOB_NAME", "NET_RUNTIME_PREFIX", "build_pipeline", "run"]

if TYPE_CHECKING:
    from pyflink.table import TableResult

JOB_NAME = "msk-flink-features"
log = logging.getLogger(__name__)


def build_pipeline(cfg: AppConfig) -> CompiledPipeline:
    """Compile the pipeline named by ``cfg`` into SQL statements (no Flink needed to call this): the
    live job, or with a ``backfill`` property group the same feature SQL over the archive."""
    spec = get_pipeline(cfg.pipeline.name)
    return compile_backfill(spec, cfg) if cfg.backfill is not None else compile_pipeline(spec, cfg)


def run(cfg: AppConfig, app_root: Path) -> None:
    """Build the environment, submit the job and, locally or in bounded mode, wait for it to finish."""
    from connectors.kafka_preflight import check_kafka_access
    from connectors.kafka_topic_setup import ensure_job_topics
    from flink_jobs.runtime.environment import create_table_env, is_local

    pipeline = resolve_pipeline_name(cfg.pipeline.name)  # unset: the only pipeline, else an error
    name = f"{JOB_NAME}-{pipeline}" + (f"-backfill-{cfg.backfill.run_name()}" if cfg.backfill else "")
    table_env = create_table_env(cfg, app_root, name)
    if cfg.backfill is None:  # a backfill reads and writes the offline path only
        check_kafka_access(cfg.kafka)  # a wrong password or untrusted certificate fails here, in one line
        if cfg.kafka.create_topics:  # MSK Serverless: no topic API for Terraform
            ensure_job_topics(cfg.kafka, pipeline_topics(cfg.topics, pipeline))
    result = build_pipeline(cfg).execute(table_env)
    if is_local() or cfg.kafka.bounded:
        result.wait()
        _report_net_runtime(result)


NET_RUNTIME_PREFIX = "msk-flink-features: job finished, net runtime"


def _report_net_runtime(result: TableResult) -> None:
    """Print the finished job's net runtime (from running to finished, without JVM start and
    planning) as ``msk-flink-features: job finished, net runtime <ms> ms``: the benchmarks read it."""
    client = result.get_job_client()
    if client is None:
        return
    try:
        runtime_ms = client.get_job_execution_result().result().get_net_runtime()
    except Exception as exc:  # a report, never a reason to fail a finished job
        log.info("no net runtime for the finished job: %s", exc)
        return
    print(f"{NET_RUNTIME_PREFIX} {runtime_ms} ms", flush=True)
