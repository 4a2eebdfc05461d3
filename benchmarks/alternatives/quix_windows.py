"""The benchmark's tumbling + hopping subset written with Quix Streams (pinned in ``requirements.txt``).

Runs in its own virtualenv (``.venv-bench``: Quix Streams 3.28 needs ``confluent-kafka<2.13``), so it
imports nothing from this repository. It reads the ``transactions`` topic (JSON values, key =
``user_id``) from the earliest offset and computes, per user, with Quix's idiomatic API:

* ``txn_1m``: tumbling 1 min: ``txn_count``, ``amount_sum``;
* ``txn_1h``: hopping 1 h every 5 min: ``txn_count``, ``amount_avg``, ``amount_max``,
  ``distinct_merchants`` (the only custom aggregator: Quix has no count-distinct).

Semantics: event time is the ``event_time`` field (a topic timestamp extractor); windows are aligned
to the epoch, ``[start, end)``; ``.final()`` emits a window once, when it closes, and only windows
holding at least one event exist. Closing follows Quix's default ``"key"`` strategy: a user's window
closes when that user's largest event time so far reaches ``end + grace`` (grace 30 s by default, the
Flink pipeline's watermark delay). An event for an already-closed window is dropped by Quix; it is
counted (``late_dropped``) and must be 0 on clean benchmark data (per-user event times there never
go back). Quix has no end-of-input flush, so each user's last windows stay open and are not emitted.

Amounts are JSON numbers read as floats (Quix state is JSON-serialised with orjson, which has no
decimal type), so sums and means are binary floating point; ``compare.py`` allows for that.

Output: one JSON object per window on ``<prefix>features-txn-1m`` / ``<prefix>features-txn-1h``
(key = ``user_id``), fields ``user_id``, ``window_start``, ``window_end`` (``YYYY-MM-DDTHH:MM:SS.mmmZ``)
and the values. The app stops by itself once it has processed every record up to the end offsets the
input topic had at start (an ``on_message_processed`` callback calls ``Application.stop()``; Quix then
commits its final checkpoint), then prints a one-line JSON summary as the last line of stdout. As a
safety net, ``app.run(timeout=...)`` stops it after ``--idle-timeout`` seconds without a new message
(e.g. a reused consumer group whose offsets are already at the end); the summary then says
``"complete": false`` and the exit status is 1. Output goes to Kafka like ours: a profile of a 30k-record
run put producing the window rows at about 16 % of the run time (RocksDB state and the window logic
dominate), so files would not change the picture.

Processing guarantee: Quix's default, at-least-once (``--exactly-once`` switches to Kafka
transactions). State lives in RocksDB under ``--state-dir`` with Quix's default changelog topics.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from typing import Any

from confluent_kafka import Consumer, TopicPartition
from quixstreams import Application
from quixstreams.dataframe.windows import Count, Max, Mean, Sum
from quixstreams.dataframe.windows.aggregations import Aggregator
from quixstreams.models import TopicConfig

__all__ = ["CountDistinct", "end_offsets", "event_time_ms", "main", "output_topic", "run"]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ONE_MS = timedelta(milliseconds=1)
MINUTE_MS = 60_000
HOUR_MS = 3_600_000
SLIDE_MS = 5 * MINUTE_MS


class CountDistinct(Aggregator):
    """Number of distinct non-null values of ``column`` in the window.

    The state is the list of distinct values seen so far (JSON-serialisable, unlike a set); an event
    whose value is missing or null leaves it unchanged. The result of a window is the list's length.
    """

    def initialize(self) -> list[Any]:
        return []

    def agg(self, old: list[Any], new: Any, timestamp: int) -> list[Any]:
        value = new.get(self.column) if self.column is not None else new
        if value is not None and value not in old:
            old.append(value)
        return old

    def result(self, value: list[Any]) -> int:
        return len(value)


def event_time_ms(value: Any, headers: Any, timestamp: float, timestamp_type: Any) -> int:
    """Timestamp extractor: the ``event_time`` field (``YYYY-MM-DDTHH:MM:SS.mmmZ``) as epoch ms."""
    return (datetime.fromisoformat(value["event_time"]) - EPOCH) // ONE_MS


def iso_ms(epoch_ms: int) -> str:
    """Epoch ms -> ``YYYY-MM-DDTHH:MM:SS.mmmZ`` (the Flink pipeline's time format)."""
    moment = EPOCH + epoch_ms * ONE_MS
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{epoch_ms % 1000:03d}Z"


def output_topic(prefix: str, feature_set: str) -> str:
    """``<prefix>features-<feature set, _ as ->``: the Flink pipeline's default naming, prefixed."""
    return f"{prefix}features-{feature_set.replace('_', '-')}"


def end_offsets(bootstrap: str, topic: str) -> tuple[int, dict[int, int]]:
    """The topic's partition count and, per non-empty partition, its last offset (end offset - 1)."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"quix-bench-probe-{uuid.uuid4()}"})
    try:
        metadata = consumer.list_topics(topic, timeout=10).topics.get(topic)
        if metadata is None or metadata.error is not None or not metadata.partitions:
            raise SystemExit(f"input topic {topic!r} does not exist on {bootstrap}")
        last: dict[int, int] = {}
        for partition in metadata.partitions:
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=10)
            if high > low:
                last[partition] = high - 1
        return len(metadata.partitions), last
    finally:
        consumer.close()


def run(
    bootstrap: str,
    input_topic: str,
    output_prefix: str,
    consumer_group: str,
    state_dir: str,
    exactly_once: bool = False,
    grace_ms: int = 30_000,
    changelogs: bool = True,
    idle_timeout_s: float = 60.0,
) -> dict[str, Any]:
    """Process ``input_topic`` up to its end offsets as of the call; return the run summary."""
    partitions, last_offsets = end_offsets(bootstrap, input_topic)
    counts = {"records": 0, "late_dropped": 0, "txn_1m": 0, "txn_1h": 0}
    pending = dict(last_offsets)
    first_message_at: list[float] = []

    def on_processed(topic: str, partition: int, offset: int) -> None:
        if not first_message_at:
            first_message_at.append(time.monotonic())
        counts["records"] += 1
        if partition in pending and offset >= pending[partition]:
            del pending[partition]
            if not pending:
                app.stop()

    app = Application(
        broker_address=bootstrap,
        consumer_group=consumer_group,
        auto_offset_reset="earliest",
        processing_guarantee="exactly-once" if exactly_once else "at-least-once",
        state_dir=state_dir,
        use_changelog_topics=changelogs,
        loglevel="WARNING",
        on_message_processed=on_processed,
    )

    def on_late(*_: Any) -> bool:
        counts["late_dropped"] += 1
        return True  # let Quix log it as well

    transactions = app.topic(
        input_topic, value_deserializer="json", key_deserializer="str", timestamp_extractor=event_time_ms
    )
    out_config = TopicConfig(num_partitions=partitions, replication_factor=1)
    sdf = app.dataframe(transactions)

    def shape(feature_set: str, value: dict[str, Any], key: str) -> dict[str, Any]:
        counts[feature_set] += 1
        row = {
            "user_id": key,
            "window_start": iso_ms(value.pop("start")),
            "window_end": iso_ms(value.pop("end")),
        }
        row.update(value)
        return row

    txn_1m = (
        sdf.tumbling_window(timedelta(minutes=1), grace_ms=grace_ms, name="txn_1m", on_late=on_late)
        .agg(txn_count=Count(), amount_sum=Sum("amount"))
        .final()
        .apply(lambda value, key, ts, headers: shape("txn_1m", value, key), metadata=True)
    )
    txn_1m.to_topic(app.topic(output_topic(output_prefix, "txn_1m"), key_serializer="str", config=out_config))
    txn_1h = (
        sdf.hopping_window(
            timedelta(hours=1), timedelta(minutes=5), grace_ms=grace_ms, name="txn_1h", on_late=on_late
        )
        .agg(
            txn_count=Count(),
            amount_avg=Mean("amount"),
            amount_max=Max("amount"),
            distinct_merchants=CountDistinct("merchant_id"),
        )
        .final()
        .apply(lambda value, key, ts, headers: shape("txn_1h", value, key), metadata=True)
    )
    txn_1h.to_topic(app.topic(output_topic(output_prefix, "txn_1h"), key_serializer="str", config=out_config))

    started = time.monotonic()
    if pending:
        app.run(timeout=idle_timeout_s, collect=False)
    finished = time.monotonic()
    return {
        "engine": "quixstreams",
        "version": version("quixstreams"),
        "processing_guarantee": "exactly-once" if exactly_once else "at-least-once",
        "complete": not pending,
        "records": counts["records"],
        "output_rows": {"txn_1m": counts["txn_1m"], "txn_1h": counts["txn_1h"]},
        "late_dropped": counts["late_dropped"],
        "grace_ms": grace_ms,
        "output_topics": {name: output_topic(output_prefix, name) for name in ("txn_1m", "txn_1h")},
        "seconds": round(finished - started, 3),
        "processing_seconds": round(finished - first_message_at[0], 3) if first_message_at else 0.0,
    }


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bootstrap", required=True, help="Kafka bootstrap servers (plaintext)")
    parser.add_argument("--input-topic", default="transactions", help="the transactions topic")
    parser.add_argument(
        "--output-prefix", default="quix-", help="output topics are <prefix>features-txn-1m / -txn-1h"
    )
    parser.add_argument(
        "--consumer-group",
        default=None,
        help="consumer group (default: a fresh one, so reading starts at the earliest offsets)",
    )
    parser.add_argument(
        "--state-dir", default=None, help="RocksDB state folder (default: a temporary one, removed after)"
    )
    parser.add_argument(
        "--grace-ms", type=int, default=30_000, help="window grace period in ms (default 30000)"
    )
    parser.add_argument(
        "--exactly-once", action="store_true", help="Kafka transactions instead of at-least-once"
    )
    parser.add_argument(
        "--no-changelog", action="store_true", help="do not back state up to changelog topics"
    )
    parser.add_argument(
        "--idle-timeout",
        type=float,
        default=60.0,
        help="safety net: stop after this many seconds without a new message (default 60)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry point; the run summary is the last line of stdout."""
    args = parse_args(argv)
    state_dir = args.state_dir or tempfile.mkdtemp(prefix="quix-state-")
    try:
        summary = run(
            bootstrap=args.bootstrap,
            input_topic=args.input_topic,
            output_prefix=args.output_prefix,
            consumer_group=args.consumer_group or f"quix-bench-{uuid.uuid4().hex[:12]}",
            state_dir=state_dir,
            exactly_once=args.exactly_once,
            grace_ms=args.grace_ms,
            changelogs=not args.no_changelog,
            idle_timeout_s=args.idle_timeout,
        )
    finally:
        if args.state_dir is None:
            shutil.rmtree(state_dir, ignore_errors=True)
    print(json.dumps(summary, sort_keys=True), flush=True)
    return 0 if summary["complete"] else 1


if __name__ == "__main__":
    sys.exit(main())
