"""``msk-features backfill``: a pipeline's feature SQL over its raw archive, for a time range."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.table import Table

from flink_jobs.config import GROUP_BACKFILL, PROPERTY_GROUPS, BackfillConfig, load_config
from msk_features.cli.errors import user_errors
from msk_features.cli.options import properties_option

__all__ = ["backfill", "instant_type", "range_options"]

F = TypeVar("F", bound=Callable[..., Any])

_console = Console()


def instant_type(option: str) -> click.ParamType:
    """A click type for a UTC instant, parsed as the backfill group's ``option`` is."""

    class Instant(click.ParamType):
        name = "INSTANT"

        def convert(
            self, value: object, param: click.Parameter | None, ctx: click.Context | None
        ) -> datetime:
            if isinstance(value, datetime):
                return value
            key = PROPERTY_GROUPS[GROUP_BACKFILL][option]
            try:
                moment: datetime = key.parse(str(value))
                return moment
            except ValueError as exc:
                self.fail(f"{exc} (expected {key.expected})", param, ctx)

    return Instant()


def range_options(verb: str, default_run: str) -> Callable[[F], F]:
    """The options that name a backfill: PIPELINE, --from, --to, --feature-set, --run, --lookback."""

    def decorate(func: F) -> F:
        for option in reversed(
            [
                click.argument("pipeline", required=False),
                click.option(
                    "--from",
                    "start",
                    required=True,
                    type=instant_type("from"),
                    help="Start (UTC), e.g. 2026-11-24T10:00Z.",
                ),
                click.option(
                    "--to", "end", required=True, type=instant_type("to"), help="End (UTC, exclusive)."
                ),
                click.option(
                    "--feature-set",
                    "feature_sets",
                    multiple=True,
                    help=f"A feature set to {verb} (repeatable) [default: all].",
                ),
                click.option(
                    "--run",
                    "run_name",
                    help=f"Name of the backfill run's output folder [default: {default_run}].",
                ),
                click.option(
                    "--lookback",
                    "lookback_s",
                    type=click.IntRange(0, 366 * 86_400),
                    help="Seconds of history to read before --from [default: what the feature sets need].",
                ),
            ]
        ):
            func = option(func)
        return func

    return decorate


@click.command("backfill")
@range_options("compute", "<from>_<to>")
@properties_option()
@click.option("--timeout", "timeout_s", type=float, default=3600.0, show_default=True, help="Seconds.")
@click.option("--output", type=click.Choice(["table", "json"]), default="table", show_default=True)
def backfill(
    pipeline: str | None,
    start: datetime,
    end: datetime,
    feature_sets: tuple[str, ...],
    run_name: str | None,
    lookback_s: int | None,
    properties: Path,
    timeout_s: float,
    output: str,
) -> None:
    """Compute PIPELINE's features from --from to --to out of its raw archive (Parquet).

    The same feature SQL as the live job, in streaming mode, over the on-time events the live job
    archived under <offline>/events/<source>/, read from early enough before --from that the first
    rows are complete. Rows whose time (window_end, or the event time) is in [--from, --to) go to
    <offline>/backfill/<run>/features/<set>/, in the live datasets' layout; running a range again
    replaces that run's output. Nothing is written to Kafka. Runs on the local Flink mini-cluster;
    for ranges one machine cannot hold, deploy the same zip with a `backfill` property group
    (docs/backfill.md).

    \b
    Examples:
      msk-features backfill fraud --from 2026-11-24T10:00Z --to 2026-11-24T12:00Z
      msk-features backfill fraud --from 2026-11-24T10:00Z --to 2026-11-25T00:00Z --feature-set txn_1h
      msk-features backfill iot --from 2026-11-24T10:00Z --to 2026-11-24T11:00Z --output json
    """
    from msk_features.cli.pipeline import chosen_pipeline
    from msk_features.offline.backfill import progress_line, run_backfill

    with user_errors():
        cfg = load_config(properties)
        name = chosen_pipeline(pipeline, cfg)
        job = BackfillConfig(start, end, tuple(feature_sets), run_name, lookback_s)
        with progress_line(Console(stderr=True), f"Backfilling {name} on a local Flink mini-cluster…") as say:
            run = run_backfill(cfg, name, job, properties.parent, timeout_s, status=say)
    report = run.report()
    if output == "json":
        click.echo(json.dumps(report, indent=2))
        return
    table = Table(title=f"Backfill {name} {report['from']} → {report['to']} (run {job.run_name()})")
    table.add_column("feature set")
    table.add_column("rows", justify="right")
    table.add_column("dataset", overflow="fold")
    for fs_name, count in run.rows.items():
        table.add_row(fs_name, f"{count:,}", f"{run.root}/features/{fs_name}")
    _console.print(table)
    _console.print(f"[green]Backfill finished[/] in {report['seconds']} s (job {report['job_seconds']} s).")
