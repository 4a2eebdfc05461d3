"""The reference pipeline end to end on the local stack: generate, run the job, count the outputs.

Steps: start (or reuse) the local stack; reset the pipeline's topics and offline prefix so the run
is repeatable; produce seeded events with a fraction of invalid records; run the job in bounded
mode; read every output back (topics with ``read_committed``, Parquet through the S3 API) and
compare each count with what the generator sent.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass

from confluent_kafka.admin import AdminClient

from flink_jobs.config import AppConfig, TopicsConfig
from msk_features.generator.plan import GenerateSpec, PlannedRecord, build_plan
from msk_features.generator.send import send
from msk_features.kafka_clients import librdkafka_config
from msk_features.outputs import list_offline_files, read_offline, read_topic

__all__ = ["OutputCounts", "count_outputs", "expected_counts", "reset_pipeline_data"]


@dataclass(frozen=True)
class OutputCounts:
    """What the pipeline wrote, as read back."""

    valid_transactions: int
    dead_letters: int
    dead_letters_by_source: dict[str, int]
    dead_letters_by_reason: dict[str, int]
    parquet_rows: int
    parquet_files: int
    parquet_partitions: int
    success_markers: int


def expected_counts(records: list[PlannedRecord], topics: TopicsConfig) -> dict[str, int]:
    """Independent expectations from the generated records: valid transactions and invalid records."""
    valid_txn = sum(1 for r in records if r.topic == topics.transactions and r.kind != "invalid")
    invalid = sum(1 for r in records if r.kind == "invalid")
    return {"valid_transactions": valid_txn, "dead_letters": invalid}


def count_outputs(cfg: AppConfig, timeout_s: float = 60.0) -> OutputCounts:
    """Read back the valid-transactions topic, the dead-letter topic and the Parquet dataset."""
    client = librdkafka_config(cfg.kafka)
    valid = read_topic(client, cfg.topics.valid_transactions, timeout_s=timeout_s)
    dead = read_topic(client, cfg.topics.dead_letter, timeout_s=timeout_s)
    by_source = Counter((r.headers.get("dlq.topic") or b"?").decode() for r in dead)
    by_reason = Counter((r.headers.get("dlq.reason") or b"?").decode().split(":", 1)[0] for r in dead)
    rows = files = partitions = markers = 0
    if cfg.offline is not None:
        table = read_offline(cfg.offline, "transactions")
        rows = table.num_rows
        listing = list_offline_files(cfg.offline, "transactions")
        names = [p.rsplit("/", 1)[-1] for p in listing]
        files = sum(1 for n in names if not n.startswith((".", "_")))
        markers = sum(1 for n in names if n == "_SUCCESS")
        partitions = len({p.rsplit("/", 1)[0] for p in listing})
    return OutputCounts(
        valid_transactions=len(valid),
        dead_letters=len(dead),
        dead_letters_by_source=dict(by_source),
        dead_letters_by_reason=dict(by_reason),
        parquet_rows=rows,
        parquet_files=files,
        parquet_partitions=partitions,
        success_markers=markers,
    )


def reset_pipeline_data(cfg: AppConfig, s3_client: object, timeout_s: float = 30.0) -> None:
    """Delete the pipeline's topics (they are re-created by ``up``) and its offline objects."""
    admin = AdminClient(librdkafka_config(cfg.kafka))
    existing = set(admin.list_topics(timeout=10).topics)
    names = [spec.name for spec in cfg.topics.specs() if spec.name in existing]
    if names:
        for future in admin.delete_topics(names, operation_timeout=timeout_s).values():
            future.result()
        deadline = time.monotonic() + timeout_s
        while set(names) & set(admin.list_topics(timeout=10).topics):
            if time.monotonic() > deadline:
                raise TimeoutError(f"topics {names} were not deleted within {timeout_s:.0f} s")
            time.sleep(0.2)
    if cfg.offline is not None and cfg.offline.path.startswith("s3a://"):
        bucket, _, prefix = cfg.offline.path.removeprefix("s3a://").partition("/")
        paginator = s3_client.get_paginator("list_objects_v2")  # type: ignore[attr-defined]
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
            keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
            if keys:
                s3_client.delete_objects(Bucket=bucket, Delete={"Objects": keys})  # type: ignore[attr-defined]


def generate_and_send(cfg: AppConfig, spec: GenerateSpec, progress: bool = True) -> list[PlannedRecord]:
    """Build the plan for ``spec`` and send it to ``cfg``'s cluster; return the records as sent."""
    records = build_plan(spec)
    send(records, librdkafka_config(cfg.kafka), progress=progress)
    return records
