"""Compare what the fraud pipeline wrote with the independent reference (:mod:`tests.reference.fraud`)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal
from typing import Any

from flink_jobs.config import AppConfig
from msk_features.dev.generator.plan import PlannedRecord
from msk_features.kafka.auth import librdkafka_config
from msk_features.operations.outputs import (
    OutputRecord,
    feature_rows_from_table,
    feature_rows_from_topic,
    read_offline,
    read_topic,
)
from tests.reference.fraud import Expected, InputRecord, expected_outputs, fmt


def reference_for(records: list[PlannedRecord], cfg: AppConfig) -> Expected:
    """The reference's expected outputs for the records as sent (partition and offset known)."""
    inputs = [
        InputRecord(
            source=r.stream,
            partition=r.partition if r.partition is not None else -1,
            offset=r.offset if r.offset is not None else -1,
            valid=r.kind != "invalid",
            event=r.event,
        )
        for r in records
    ]
    return expected_outputs(inputs, cfg.pipeline.version, timedelta(seconds=cfg.pipeline.watermark_delay_s))


def _canonical(row: dict[str, Any]) -> tuple:
    """A hashable, order-independent form; decimals compare by value (5.5 == 5.5000)."""
    return tuple(sorted((k, v.normalize() if isinstance(v, Decimal) else v) for k, v in row.items()))


def assert_same_rows(actual: list[dict[str, Any]], expected: list[dict[str, Any]], what: str) -> None:
    """Equal as multisets: no missing row, no extra row, no duplicate; a readable diff otherwise."""
    got, want = Counter(map(_canonical, actual)), Counter(map(_canonical, expected))
    if got == want:
        return
    missing = list((want - got).elements())
    extra = list((got - want).elements())
    lines = [f"{what}: {len(actual)} rows, reference {len(expected)}"]
    lines += [f"  missing: {dict(r)}" for r in missing[:10]]
    lines += [f"  extra:   {dict(r)}" for r in extra[:10]]
    raise AssertionError("\n".join(lines))


def kafka_rows(cfg: AppConfig, feature_set: str) -> list[dict[str, Any]]:
    records = read_topic(librdkafka_config(cfg.kafka), cfg.topics.feature_topic(feature_set))
    rows = feature_rows_from_topic(records)
    for record, row in zip(records, rows, strict=True):
        assert record.key == row["user_id"].encode(), f"{feature_set}: key {record.key!r} != {row['user_id']}"
    return rows


def parquet_rows(cfg: AppConfig, feature_set: str) -> list[dict[str, Any]]:
    assert cfg.offline is not None
    return feature_rows_from_table(read_offline(cfg.offline, f"features/{feature_set}"))


def positions(records: list[OutputRecord], prefix: str) -> dict[tuple[str, int, int], dict[str, str]]:
    """``(source stream, partition, offset) -> headers`` of dead-letter or late records."""
    out = {}
    for record in records:
        headers = {k: v.decode() for k, v in record.headers.items()}
        topic = headers[f"{prefix}.topic"]
        out[(topic, int(headers[f"{prefix}.partition"]), int(headers[f"{prefix}.offset"]))] = headers
    return out


def assert_archives_hold_on_time_events(
    cfg: AppConfig, expected: Expected
) -> dict[str, list[dict[str, Any]]]:
    """The raw-event archives (finished Parquet files) hold each on-time event exactly once, as
    (partition, offset, event time); returns the archive rows by source."""
    assert cfg.offline is not None
    archives: dict[str, list[dict[str, Any]]] = {}
    for source, time_field in (
        ("transactions", "event_time"),
        ("clicks", "event_time"),
        ("profiles", "updated_at"),
        ("labels", "labeled_at"),
    ):
        rows = feature_rows_from_table(read_offline(cfg.offline, f"events/{source}"))
        got = sorted((r["kafka_partition"], r["kafka_offset"], r[time_field]) for r in rows)
        want = sorted((e.partition, e.offset, fmt(e.time)) for e in expected.on_time.get(source, []))
        assert got == want, f"archive events/{source}: {len(got)} rows, reference {len(want)}"
        archives[source] = rows
    return archives
