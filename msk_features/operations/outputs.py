"""Read what the pipeline wrote: Kafka output topics and the Parquet datasets.

Topics are drained from the beginning to their end offsets as of the call, with
``isolation.level=read_committed`` by default, as every consumer of an exactly-once topic must:
records of aborted transactions are skipped and records of open transactions are not returned.
Parquet is read through the S3 API (or the local file system) with pyarrow; only finished files
count: hidden in-progress files (``.`` prefix) and markers (``_SUCCESS``) are ignored.
"""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal
from urllib.parse import urlparse

import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.fs as pafs
from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition

from flink_jobs.config import AppConfig, OfflineConfig
from flink_jobs.features import EventFeatures
from flink_jobs.pipelines import get_pipeline
from msk_features.kafka.auth import librdkafka_config, record_headers, record_position

__all__ = [
    "DatasetSummary",
    "OutputRecord",
    "OutputSummary",
    "TopicReadTimeout",
    "feature_rows_from_table",
    "feature_rows_from_topic",
    "list_offline_files",
    "read_offline",
    "read_topic",
    "summarise_outputs",
]


@dataclass(frozen=True)
class OutputRecord:
    """One Kafka record as read back: position, key, value and headers (bytes)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: dict[str, bytes]


class TopicReadTimeout(TimeoutError):
    """The topic's end was not reached in time (e.g. an open transaction holds read_committed back)."""


def read_topic(
    client_conf: dict[str, Any],
    topic: str,
    isolation: Literal["read_committed", "read_uncommitted"] = "read_committed",
    timeout_s: float = 60.0,
) -> list[OutputRecord]:
    """Every record of ``topic`` from the beginning to its current end, in partition/offset order."""
    consumer = Consumer(
        {
            **client_conf,
            "group.id": f"msk-features-reader-{uuid.uuid4()}",
            "enable.auto.commit": False,
            "isolation.level": isolation,
            "auto.offset.reset": "earliest",
        }
    )
    try:
        metadata = consumer.list_topics(topic, timeout=10)
        topic_meta = metadata.topics.get(topic)
        if topic_meta is None or topic_meta.error is not None:
            raise KeyError(f"topic {topic!r} does not exist")
        partitions = sorted(topic_meta.partitions)
        ends = {
            p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in partitions
        }
        pending = {p for p in partitions if ends[p] > 0}
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
        records: list[OutputRecord] = []
        deadline = time.monotonic() + timeout_s
        while pending:
            if time.monotonic() > deadline:
                raise TopicReadTimeout(
                    f"topic {topic!r}: partitions {sorted(pending)} did not reach their end offsets "
                    f"{ {p: ends[p] for p in pending} } within {timeout_s:.0f} s ({isolation})"
                )
            for message in consumer.consume(500, timeout=0.5):
                error = message.error()
                if error is not None:
                    if error.code() == KafkaError._PARTITION_EOF:
                        continue
                    raise RuntimeError(f"reading {topic!r}: {error}")
                position = record_position(message)
                records.append(
                    OutputRecord(*position, message.key(), message.value(), record_headers(message))
                )
            positions = consumer.position([TopicPartition(topic, p) for p in pending])
            for tp in positions:
                if tp.offset >= ends[tp.partition]:
                    pending.discard(tp.partition)
        records.sort(key=lambda r: (r.partition, r.offset))
        return records
    finally:
        consumer.close()


def offline_filesystem(offline: OfflineConfig) -> tuple[pafs.FileSystem, str]:
    """The pyarrow filesystem of the offline path and the path's root on it (``bucket/prefix``)."""
    return _filesystem(offline)


def _filesystem(offline: OfflineConfig) -> tuple[pafs.FileSystem, str]:
    parsed = urlparse(offline.path)
    if parsed.scheme == "file":
        return pafs.LocalFileSystem(), parsed.path
    endpoint = urlparse(offline.s3_endpoint) if offline.s3_endpoint else None
    fs = pafs.S3FileSystem(
        access_key=offline.s3_access_key,
        secret_key=offline.s3_secret_key,
        endpoint_override=endpoint.netloc if endpoint else None,
        scheme=endpoint.scheme if endpoint else "https",
        region="us-east-1",
        force_virtual_addressing=not offline.s3_path_style,
    )
    return fs, f"{parsed.netloc}{parsed.path}"


def delete_offline(offline: OfflineConfig, prefix: str) -> int:
    """Delete everything under ``<offline path>/<prefix>``; return how many files there were."""
    fs, base = _filesystem(offline)
    root = f"{base}/{prefix}"
    if fs.get_file_info(root).type == pafs.FileType.NotFound:
        return 0
    files = list_offline_files(offline, prefix)
    fs.delete_dir(root)
    return len(files)


def list_offline_files(offline: OfflineConfig, dataset: str) -> list[str]:
    """Every object under ``<offline path>/<dataset>``, hidden and marker files included."""
    fs, base = _filesystem(offline)
    selector = pafs.FileSelector(f"{base}/{dataset}", recursive=True, allow_not_found=True)
    return sorted(info.path for info in fs.get_file_info(selector) if info.type == pafs.FileType.File)


def read_offline(offline: OfflineConfig, dataset: str) -> pa.Table:
    """The finished Parquet files of ``<offline path>/<dataset>`` as one table (``dt``/``hr`` included)."""
    fs, base = _filesystem(offline)
    root = f"{base}/{dataset}"
    info = fs.get_file_info(root)
    if info.type == pafs.FileType.NotFound:
        return pa.table({})
    data = pads.dataset(
        root,
        filesystem=fs,
        format="parquet",
        partitioning=pads.partitioning(pa.schema([("dt", pa.string()), ("hr", pa.string())]), flavor="hive"),
        ignore_prefixes=[".", "_"],
    )
    return data.to_table()


def utc_text(moment: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SS.mmmZ``, the contract's and the Kafka rows' form of a (UTC) instant."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def feature_rows_from_topic(records: list[OutputRecord]) -> list[dict[str, Any]]:
    """Decode JSON feature records; numbers with a fraction become :class:`~decimal.Decimal` (exact)."""
    return [json.loads(r.value, parse_float=Decimal) for r in records if r.value is not None]


def feature_rows_from_table(table: pa.Table) -> list[dict[str, Any]]:
    """Parquet rows as dicts shaped like the Kafka JSON rows: UTC timestamps as ``…T…Z`` text (3 ms
    digits), decimals as :class:`~decimal.Decimal`; the ``dt``/``hr`` partition columns are dropped."""
    rows = []
    for row in table.to_pylist():
        row.pop("dt", None)
        row.pop("hr", None)
        for name, value in row.items():
            if isinstance(value, datetime):
                row[name] = utc_text(value)
        rows.append(row)
    return rows


@dataclass(frozen=True)
class DatasetSummary:
    """One Parquet dataset: finished files, rows, partitions and ``_SUCCESS`` markers."""

    name: str
    files: int
    rows: int
    partitions: int
    success_markers: int


@dataclass
class OutputSummary:
    """What the pipeline wrote, as read back."""

    topics: dict[str, int] = field(default_factory=dict)  # output topic label -> records
    dead_letters_by_reason: dict[str, int] = field(default_factory=dict)
    late_by_source: dict[str, int] = field(default_factory=dict)
    datasets: list[DatasetSummary] = field(default_factory=list)
    sample: list[dict[str, Any]] = field(default_factory=list)  # a few rows of sample_feature_set
    sample_feature_set: str | None = None


def _dataset(cfg: AppConfig, name: str) -> DatasetSummary:
    assert cfg.offline is not None
    listing = list_offline_files(cfg.offline, name)
    names = [p.rsplit("/", 1)[-1] for p in listing]
    return DatasetSummary(
        name=name,
        files=sum(1 for n in names if not n.startswith((".", "_"))),
        rows=read_offline(cfg.offline, name).num_rows,
        partitions=len({p.rsplit("/", 1)[0] for p in listing}),
        success_markers=sum(1 for n in names if n == "_SUCCESS"),
    )


def summarise_outputs(cfg: AppConfig, timeout_s: float = 60.0, sample_size: int = 3) -> OutputSummary:
    """Read back every output of ``cfg``'s pipeline."""
    client = librdkafka_config(cfg.kafka)
    spec = get_pipeline(cfg.pipeline.name)
    # The sample: rows of the pipeline's first per-event set (the scoring vector), else its first set.
    event_sets = [fs.name for fs in spec.feature_sets if isinstance(fs, EventFeatures)]
    sample_set = next(iter(event_sets or spec.feature_set_names()), None)
    summary = OutputSummary(sample_feature_set=sample_set)
    dead = read_topic(client, cfg.topics.dead_letter, timeout_s=timeout_s)
    late = read_topic(client, cfg.topics.late_events, timeout_s=timeout_s)
    summary.topics[f"dead-letter ({cfg.topics.dead_letter})"] = len(dead)
    summary.topics[f"late-events ({cfg.topics.late_events})"] = len(late)
    summary.dead_letters_by_reason = dict(
        Counter((r.headers.get("dlq.reason") or b"?").decode().split(":", 1)[0] for r in dead)
    )
    summary.late_by_source = dict(Counter((r.headers.get("late.topic") or b"?").decode() for r in late))
    for name in spec.feature_set_names():
        records = read_topic(client, cfg.topics.feature_topic(name), timeout_s=timeout_s)
        summary.topics[f"{name} ({cfg.topics.feature_topic(name)})"] = len(records)
        if name == sample_set:
            # Show rows with the most columns filled (e.g. joins that found a match), in topic order.
            rows = feature_rows_from_topic(records)
            rows.sort(key=lambda row: -sum(value is not None for value in row.values()))
            summary.sample = rows[:sample_size]
    if cfg.offline is not None:
        names = [f"features/{n}" for n in spec.feature_set_names()]
        names += [f"events/{s.name}" for s in spec.sources if s.archive]
        summary.datasets = [_dataset(cfg, name) for name in names]
    return summary
