"""``msk-features tail TOPIC``: print a topic's records as a table, as a ``read_committed`` consumer.

Records of open or aborted transactions are never shown (the isolation level every consumer of an
exactly-once topic needs). Values that are JSON objects are shown compactly; other values as text,
or as hex when they are not UTF-8 (dead letters keep the original bytes).
"""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from flink_jobs.config import load_config
from msk_features.cli.errors import user_errors
from msk_features.cli.options import properties_option

__all__ = ["tail"]

_console = Console()


def _text(data: bytes | None, width: int = 400) -> str:
    if data is None:
        return "∅"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "0x" + data.hex()[:width]
    with contextlib.suppress(ValueError):  # not JSON: shown as it is
        text = json.dumps(json.loads(text), separators=(",", ":"), ensure_ascii=False)
    return text if len(text) <= width else text[:width] + "…"


@click.command("tail")
@click.argument("topic")
@properties_option("Runtime properties: which cluster and auth mode (any mode, MSK IAM included).")
@click.option("--from-beginning", is_flag=True, help="Start at the oldest record instead of the end.")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True, help="Records to show.")
@click.option(
    "--idle-timeout",
    type=float,
    default=5.0,
    show_default=True,
    help="Stop when no record arrives for this many seconds.",
)
@click.option("--headers/--no-headers", default=False, show_default=True, help="Show record headers.")
def tail(
    topic: str, properties: Path, from_beginning: bool, limit: int, idle_timeout: float, headers: bool
) -> None:
    """Show up to LIMIT records of TOPIC (read_committed), oldest first.

    Without --from-beginning it waits for new records and stops after LIMIT of them, or when none
    has arrived for --idle-timeout seconds.

    \b
    Examples:
      msk-features tail features-txn-features --from-beginning --limit 5
      msk-features tail dead-letter --from-beginning --headers
    """
    from confluent_kafka import OFFSET_BEGINNING, OFFSET_END, Consumer, KafkaError, TopicPartition

    from msk_features.kafka.auth import librdkafka_config, record_headers
    from msk_features.kafka.preflight import check_connection

    rows: list[Any] = []
    with user_errors():
        cfg = load_config(properties)
        check_connection(cfg.kafka)
        consumer = Consumer(
            librdkafka_config(
                cfg.kafka,
                **{
                    "group.id": f"msk-features-tail-{uuid.uuid4()}",
                    "enable.auto.commit": False,
                    "isolation.level": "read_committed",
                    "log_level": 3,
                },
            )
        )
        try:
            metadata = consumer.list_topics(topic, timeout=10).topics.get(topic)
            if metadata is None or metadata.error is not None:
                raise click.ClickException(f"topic '{topic}' does not exist on {cfg.kafka.bootstrap_servers}")
            start = OFFSET_BEGINNING if from_beginning else OFFSET_END
            consumer.assign([TopicPartition(topic, p, start) for p in sorted(metadata.partitions)])
            last = time.monotonic()
            while len(rows) < limit and time.monotonic() - last < idle_timeout:
                for message in consumer.consume(min(500, limit - len(rows)), timeout=0.5):
                    error = message.error()
                    if error is not None:
                        if error.code() == KafkaError._PARTITION_EOF:
                            continue
                        raise click.ClickException(f"reading '{topic}': {error}")
                    rows.append(message)
                    last = time.monotonic()
        finally:
            consumer.close()
    rows.sort(key=lambda m: (m.timestamp()[1], m.partition(), m.offset()))
    table = Table(title=f"{topic}: {len(rows)} record(s), read_committed", header_style="bold")
    for column in (
        "partition",
        "offset",
        "timestamp (UTC)",
        "key",
        "value",
        *(["headers"] if headers else []),
    ):
        table.add_column(column, overflow="fold")
    for message in rows[:limit]:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(message.timestamp()[1] / 1000))
        cells = [
            str(message.partition()),
            str(message.offset()),
            f"{stamp}.{message.timestamp()[1] % 1000:03d}Z",
            escape(_text(message.key())),
            escape(_text(message.value())),
        ]
        if headers:
            shown = record_headers(message).items()
            cells.append(escape(", ".join(f"{k}={_text(v, 80)}" for k, v in shown)))
        table.add_row(*cells)
    _console.print(table)
