"""``msk-features parity``: the features the live job served against a backfill of the same range
(:func:`msk_features.offline.feature_parity.run_parity`)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from flink_jobs.config import BackfillConfig, load_config
from msk_features.cli.backfill import range_options
from msk_features.cli.errors import user_errors
from msk_features.cli.options import properties_option
from msk_features.cli.pipeline import chosen_pipeline
from msk_features.cli.reports import dumps, parity_report

if TYPE_CHECKING:
    from msk_features.offline.feature_parity import ParityReport

__all__ = ["parity"]

_console = Console()


@click.command("parity")
@range_options("compare", "parity-<from>_<to>")
@click.option(
    "--no-kafka",
    is_flag=True,
    help="Compare the live Parquet datasets only (e.g. the topics' retention has passed).",
)
@click.option(
    "--examples",
    type=click.IntRange(0, 1000),
    default=5,
    show_default=True,
    help="Rows shown per kind of difference.",
)
@properties_option()
@click.option("--timeout", "timeout_s", type=float, default=3600.0, show_default=True, help="Seconds.")
@click.option("--output", type=click.Choice(["table", "json"]), default="table", show_default=True)
def parity(
    pipeline: str | None,
    start: datetime,
    end: datetime,
    feature_sets: tuple[str, ...],
    run_name: str | None,
    lookback_s: int | None,
    no_kafka: bool,
    examples: int,
    properties: Path,
    timeout_s: float,
    output: str,
) -> None:
    """Compare PIPELINE's live features from --from to --to with a backfill of the same range.

    Backfills the range from the raw archive (as `msk-features backfill` does), then compares, per
    feature set, the live rows of the range in the Kafka topic (read_committed) and in the live
    Parquet dataset with the backfill's: rows matched, missing (in the backfill only), extra (in
    the live output only) and different (per column; DOUBLE values within a relative 1e-9).
    Exit status 1 on any difference. A feature set the properties name in
    pipeline.added.feature.sets is served only from switch.over plus its history: the backfill's
    rows before that are reported as "not served", not as missing (docs/evolving.md).

    \b
    Examples:
      msk-features parity fraud --from 2026-11-24T10:00Z --to 2026-11-24T12:00Z
      msk-features parity iot --from 2026-11-24T10:00Z --to 2026-11-24T11:00Z --output json
    """
    from msk_features.offline.backfill import progress_line
    from msk_features.offline.feature_parity import run_parity

    with user_errors():
        cfg = load_config(properties)
        name = chosen_pipeline(pipeline, cfg)
        job = BackfillConfig(start, end, tuple(feature_sets), run_name, lookback_s)
        with progress_line(Console(stderr=True), f"Backfilling {name} for the comparison…") as say:
            report = run_parity(cfg, name, job, properties.parent, timeout_s, not no_kafka, progress=say)
    if output == "json":
        click.echo(dumps(parity_report(report, examples)), nl=False)
    else:
        _print(report, examples)
    if not report.ok:
        raise click.exceptions.Exit(1)


def _print(report: ParityReport, examples: int) -> None:
    from msk_features.operations.outputs import utc_text

    run = report.backfill.report()
    comparisons = report.comparisons
    table = Table(title=f"Parity of {report.pipeline} {run['from']} → {run['to']}", header_style="bold")
    counts = ("matched", "missing", "extra", "different", "not served")
    for column in ("feature set", "live", *counts, "columns"):
        table.add_column(column, justify="right" if column in counts else "left")
    for c in comparisons:
        colour = "green" if c.ok else "red"
        table.add_row(
            c.feature_set,
            c.live,
            f"[{colour}]{c.matched:,}[/]",
            str(len(c.missing)),
            str(len(c.extra)),
            str(len(c.different)),
            str(c.not_served) if c.served_from is not None else "",
            ", ".join(f"{k} {v}" for k, v in c.columns.items()),
        )
    _console.print(table)
    late = report.late_records_in_range
    if late is not None:
        _console.print(
            f"Late records in the range (routed away live, not in the archive, in neither side): {late}"
        )
    for c in comparisons:
        if c.served_from is not None and c.not_served:
            _console.print(
                f"{c.feature_set} {c.live}: {c.not_served:,} rows before {utc_text(c.served_from)} not"
                " served (added at the switch-over; a backfill gives them)"
            )
    for c in comparisons:
        for kind in ("missing", "extra", "different"):
            for row in getattr(c, kind)[:examples]:
                _console.print(
                    f"[red]{c.feature_set} {c.live} {kind}[/]: {escape(json.dumps(row, default=str))}"
                )
    verdict = "[green]no differences[/]" if report.ok else "[bold red]differences found[/] (exit status 1)"
    _console.print(f"Backfill run {run['run']}: {verdict}.")
