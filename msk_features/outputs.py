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
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal
from urllib.parse import urlparse

import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.fs as pafs
from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition

from flink_jobs.config import OfflineConfig
from msk_features.kafka_clients import record_headers, record_position

__all__ = [
    "OutputRecord",
    "TopicReadTimeout",
    "feature_rows_from_table",
    "feature_rows_from_topic",
    "list_offline_files",
    "read_offline",
    "read_topic",
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
