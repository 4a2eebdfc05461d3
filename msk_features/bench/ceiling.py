"""The consume ceiling: how fast the input topics can be read at all, by Kafka's own consumer tool.

``org.apache.kafka.tools.ConsumerPerformance`` (``kafka-consumer-perf-test.sh``) from the local
broker's jars reads ``--messages`` records of one topic with a fresh group and prints, among others,
``fetch.time.ms`` and ``fetch.nMsg.sec`` (records per second over the fetch time, that is after the
group join). One JVM consumer, default settings: the same client library the Flink Kafka source uses.
"""

from __future__ import annotations

import subprocess
import time
import uuid
from dataclasses import dataclass

from msk_features.dev.stack.kafka_broker import find_java, resolve_classpath

__all__ = ["CeilingResult", "consume_ceiling"]


@dataclass(frozen=True)
class CeilingResult:
    """One topic read by ConsumerPerformance."""

    topic: str
    records: int
    fetch_s: float
    wall_s: float
    records_per_s: float
    mb_per_s: float


def consume_ceiling(bootstrap: str, topic: str, records: int, timeout_s: float = 300.0) -> CeilingResult:
    """Read ``records`` records of ``topic`` from the beginning with ConsumerPerformance."""
    java, classpath = find_java(), resolve_classpath()
    command = [
        java,
        "-Xmx1g",
        "-cp",
        classpath,
        "org.apache.kafka.tools.ConsumerPerformance",
        "--bootstrap-server",
        bootstrap,
        "--topic",
        topic,
        "--messages",
        str(records),
        "--group",
        f"bench-ceiling-{uuid.uuid4().hex[:8]}",
        "--timeout",
        "60000",
    ]
    started = time.monotonic()
    proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s, check=False)
    wall = time.monotonic() - started
    if proc.returncode != 0:
        raise RuntimeError(f"ConsumerPerformance failed on {topic}: {proc.stderr.strip()[-2000:]}")
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    header = next(i for i, line in enumerate(lines) if line.startswith("start.time"))
    names = [name.strip() for name in lines[header].split(",")]
    values = [value.strip() for value in lines[header + 1].split(",")]
    row = dict(zip(names, values, strict=False))
    consumed = int(row["data.consumed.in.nMsg"])
    if consumed < records:
        raise RuntimeError(f"ConsumerPerformance read {consumed} of {records} records of {topic}")
    return CeilingResult(
        topic=topic,
        records=consumed,
        fetch_s=float(row["fetch.time.ms"]) / 1000,
        wall_s=wall,
        records_per_s=float(row["fetch.nMsg.sec"]),
        mb_per_s=float(row["fetch.MB.sec"]),
    )
