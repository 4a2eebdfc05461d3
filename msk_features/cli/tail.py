"""``msk-features tail TOPIC``: print a topic's records as a table, as a ``read_committed`` consumer
(:mod:`msk_features.operations.tail`).

Values that are JSON objects are shown compactly; other values as text, or as hex when they are
not UTF-8 (dead letters keep the original bytes).
"""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from flink_jobs.config import load_config
from msk_features.cli.errors import user_errors
from msk_features.cli.options import properties_option

if TYPE_CHECKING:
    from msk_features.operations.tail import TailReport

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
    from msk_features.operations.tail import TailError, tail_topic

    with user_errors(TailError):
        cfg = load_config(properties)
        report = tail_topic(cfg.kafka, topic, from_beginning, limit, idle_timeout)
    _print_table(report, headers)


def _print_table(report: TailReport, headers: bool) -> None:
    title = f"{report.topic}: {len(report.records)} record(s), read_committed"
    table = Table(title=title, header_style="bold")
    for column in (
        "partition",
        "offset",
        "timestamp (UTC)",
        "key",
        "value",
        *(["headers"] if headers else []),
    ):
        table.add_column(column, overflow="fold")
    for record in report.records:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.timestamp_ms / 1000))
        cells = [
            str(record.partition),
            str(record.offset),
            f"{stamp}.{record.timestamp_ms % 1000:03d}Z",
            escape(_text(record.key)),
            escape(_text(record.value)),
        ]
        if headers:
            cells.append(escape(", ".join(f"{k}={_text(v, 80)}" for k, v in record.headers.items())))
        table.add_row(*cells)
    _console.print(table)
