"""The offline datasets the fraud job would write for a set of records, from the reference alone.

For tests and examples that need ``features/txn_features`` and the ``events/labels`` archive without
running Kafka and Flink: the records (as the generator plans them, or as its ``--output-jsonl``
lines) go through :mod:`tests.reference.fraud` (validity, lateness on one partition per topic in
plan order, the ``txn_features`` rows), and the rows are written as the job's Parquet sinks write
them: Hive ``dt=``/``hr=`` folders of the UTC event time (``labeled_at`` for labels), no partition
columns inside the files, ``TIMESTAMP(3)`` as naive UTC milliseconds, the same decimal types.

Run as ``python -m tests.reference.offline_data RECORDS.jsonl DIR`` to build ``DIR/features/...``
and ``DIR/events/labels`` (an offline path ``file://DIR``) from ``msk-features generate fraud --dry-run
--output-jsonl RECORDS.jsonl``.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from tests.reference.fraud import InputRecord, expected_outputs, parse_time, verdict

__all__ = ["LABELS_SCHEMA", "TXN_FEATURES_SCHEMA", "input_records_from_jsonl", "write_offline"]

TS = pa.timestamp("ms")
TXN_FEATURES_SCHEMA = pa.schema(
    [
        ("user_id", pa.string()),
        ("event_time", TS),
        ("txn_id", pa.string()),
        ("amount", pa.decimal128(18, 4)),
        ("country", pa.string()),
        ("txn_count_10m", pa.int64()),
        ("amount_avg_10m", pa.decimal128(38, 6)),
        ("clicks_10m_before", pa.int64()),
        ("seconds_since_last_click", pa.decimal128(18, 3)),
        ("home_country", pa.string()),
        ("risk_tier", pa.string()),
        ("is_foreign", pa.bool_()),
        ("pipeline_version", pa.string()),
    ]
)
LABELS_SCHEMA = pa.schema(
    [
        ("txn_id", pa.string()),
        ("user_id", pa.string()),
        ("label", pa.string()),
        ("txn_time", TS),
        ("labeled_at", TS),
        ("kafka_partition", pa.int32()),
        ("kafka_offset", pa.int64()),
        ("pipeline_version", pa.string()),
    ]
)


def input_records_from_jsonl(path: Path) -> list[InputRecord]:
    """The records of a generator ``--output-jsonl`` file, one partition per topic (offsets in file
    order), validity decided by the reference's own :func:`~tests.reference.fraud.verdict`."""
    offsets: dict[str, int] = defaultdict(int)
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        source = item["topic"]
        value = item["value"].encode("utf-8") if "value" in item else None
        key = item["key"].encode("utf-8") if item.get("key") is not None else None
        valid = value is not None and verdict(source, key, value) is None
        event = json.loads(value, parse_float=Decimal) if valid and value is not None else None
        records.append(InputRecord(source, 0, offsets[source], valid, event))
        offsets[source] += 1
    return records


def _naive_utc(text: str) -> Any:
    return parse_time(text).replace(tzinfo=None)


def _write_partitioned(rows: list[dict[str, Any]], schema: pa.Schema, root: Path, time_column: str) -> int:
    by_hour: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        moment = row[time_column]
        by_hour[(moment.strftime("%Y-%m-%d"), moment.strftime("%H"))].append(row)
    for (dt, hr), members in sorted(by_hour.items()):
        folder = root / f"dt={dt}" / f"hr={hr}"
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pylist(members, schema=schema), folder / "part-0.parquet")
    return len(rows)


def write_offline(records: Iterable[InputRecord], root: Path, version: str = "0.1.0") -> dict[str, int]:
    """Write ``features/txn_features`` and ``events/labels`` under ``root``; rows written per dataset."""
    expected = expected_outputs(list(records), version, timedelta(seconds=30))
    features = []
    for row in expected.features["txn_features"]:
        features.append({**row, "event_time": _naive_utc(row["event_time"])})
    labels = []
    for record in expected.on_time.get("labels", []):
        assert record.event is not None
        labels.append(
            {
                "txn_id": record.event["txn_id"],
                "user_id": record.event["user_id"],
                "label": record.event["label"],
                "txn_time": _naive_utc(record.event["txn_time"]),
                "labeled_at": _naive_utc(record.event["labeled_at"]),
                "kafka_partition": record.partition,
                "kafka_offset": record.offset,
                "pipeline_version": version,
            }
        )
    return {
        "features/txn_features": _write_partitioned(
            features, TXN_FEATURES_SCHEMA, root / "features" / "txn_features", "event_time"
        ),
        "events/labels": _write_partitioned(labels, LABELS_SCHEMA, root / "events" / "labels", "labeled_at"),
    }


def main(argv: list[str]) -> int:
    """``python -m tests.reference.offline_data RECORDS.jsonl DIR``."""
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    written = write_offline(input_records_from_jsonl(Path(argv[0])), Path(argv[1]))
    for dataset, rows in written.items():
        print(f"{rows:,} rows -> {Path(argv[1]) / dataset}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
