"""``msk-features lag``: consumer lag per partition, with totals and an exit status for alerting."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.table import Table

from flink_jobs.config import load_config
from msk_features.cli.errors import user_errors
from msk_features.cli.options import output_option, properties_option
from msk_features.cli.reports import dumps, lag_report

if TYPE_CHECKING:
    from msk_features.operations.lag import PartitionLag

__all__ = ["LAG_EXCEEDED", "lag"]

LAG_EXCEEDED = 3
"""Exit status when a threshold is exceeded (1 stays for errors), for cron jobs and CI checks."""

_console = Console()
_err = Console(stderr=True)


@click.command("lag")
@properties_option("Runtime properties: which cluster and auth mode (any mode, MSK IAM included).")
@click.option("--group", default=None, help="Consumer group [default: kafka group.id of the properties].")
@click.option(
    "--topic", "topics", multiple=True, help="Topic to check (repeatable) [default: the group's topics]."
)
@click.option(
    "--max-lag", type=click.IntRange(min=0), default=None, help="Exit 3 if the total offset lag exceeds this."
)
@click.option(
    "--max-time-lag",
    type=click.FloatRange(min=0),
    default=None,
    help="Exit 3 if any time lag exceeds these seconds.",
)
@click.option("--timeout", "timeout_s", type=float, default=15.0, show_default=True, help="Seconds per call.")
@output_option()
def lag(
    properties: Path,
    group: str | None,
    topics: tuple[str, ...],
    max_lag: int | None,
    max_time_lag: float | None,
    timeout_s: float,
    output: str,
) -> None:
    """Per partition: log end offset, committed offset, offset lag and estimated time lag.

    The Flink job commits its source offsets to its group on every checkpoint, so the lag of the
    job's group is how far the features are behind the input (at most one checkpoint interval more).

    \b
    Examples:
      msk-features lag
      msk-features lag --group msk-flink-features --topic transactions --max-lag 10000
      msk-features lag --max-time-lag 60 || page-the-on-call
      msk-features lag --output json | jq .total_lag
    """
    from msk_features.kafka.auth import librdkafka_config
    from msk_features.kafka.preflight import check_connection
    from msk_features.operations.lag import consumer_lag

    with user_errors():
        cfg = load_config(properties)
        name = group or cfg.kafka.consumer_group
        check_connection(cfg.kafka, timeout_s=timeout_s)
        try:
            rows = consumer_lag(librdkafka_config(cfg.kafka), name, topics, timeout_s=timeout_s)
        except KeyError as exc:
            raise click.ClickException(f"{exc.args[0]} on {cfg.kafka.bootstrap_servers}") from None
    total = sum(r.lag for r in rows)
    worst = max((r.time_lag_s or 0.0 for r in rows), default=0.0)
    breached = []
    if max_lag is not None and total > max_lag:
        breached.append(f"total lag {total} > {max_lag}")
    if max_time_lag is not None and worst > max_time_lag:
        breached.append(f"time lag {worst:.1f} s > {max_time_lag:g} s")
    if output == "json":
        click.echo(dumps(lag_report(name, cfg.kafka.bootstrap_servers, rows, breached)), nl=False)
    else:
        _print_table(name, rows, total, worst)
    if not rows:
        _err.print(f"[yellow]Group {name} has no committed offsets; name topics with --topic.[/]")
    if breached:
        _err.print("[bold red]Lag threshold exceeded:[/] " + "; ".join(breached))
        raise click.exceptions.Exit(LAG_EXCEEDED)


def _print_table(name: str, rows: list[PartitionLag], total: int, worst: float) -> None:
    table = Table(title=f"Lag of group {name}", header_style="bold")
    for column in ("topic", "partition", "end offset", "committed", "lag", "time lag (s)"):
        table.add_column(column, justify="left" if column == "topic" else "right")
    for row in rows:
        table.add_row(
            row.topic,
            str(row.partition),
            str(row.end_offset),
            "∅" if row.committed is None else str(row.committed),
            str(row.lag),
            "?" if row.time_lag_s is None else f"{row.time_lag_s:.1f}",
        )
    table.add_row("total", "", "", "", str(total), f"{worst:.1f} (max)", style="bold")
    _console.print(table)
