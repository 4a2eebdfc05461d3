"""``msk-features training-set``: labels joined point-in-time to feature sets, written as Parquet
(:func:`msk_features.offline.training_set.build_training_set`)."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from flink_jobs.config import load_config
from msk_features.cli.errors import user_errors
from msk_features.cli.options import properties_option
from msk_features.cli.pipeline import chosen_pipeline
from msk_features.cli.reports import dumps, training_set_report

__all__ = ["training_set"]

_console = Console()


@click.command("training-set")
@click.argument("pipeline", required=False)
@click.option(
    "--labels",
    required=True,
    help="Parquet file or folder of labels: the entity key, label_time and any other columns; a local "
    "path, or a dataset under the offline path (e.g. labels/fraud).",
)
@click.option(
    "--feature-set", "feature_sets", multiple=True, required=True, help="A feature set to join (repeatable)."
)
@click.option(
    "--source",
    "sources",
    multiple=True,
    help="Read the feature sets from a backfill run (backfill/<run>) instead of the live datasets; "
    "repeatable, 'live' names the live datasets (e.g. a set added at a switch-over: --source live "
    "--source backfill/<its history run>).",
)
@click.option(
    "--out",
    "out_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Parquet file to write.",
)
@properties_option()
@click.option("--output", type=click.Choice(["table", "json"]), default="table", show_default=True)
def training_set(
    pipeline: str | None,
    labels: str,
    feature_sets: tuple[str, ...],
    sources: tuple[str, ...],
    out_path: Path,
    properties: Path,
    output: str,
) -> None:
    """Join labels to PIPELINE's feature sets as of each label's time; write a Parquet training set.

    For each label and feature set: the row of the same key that is the latest at or before
    label_time, never a later one (a window that ended at or before it; for per-event sets the
    event's own row, matched on the set's own columns the labels also have, e.g. txn_id). Columns:
    the labels', then <set>__<column> per feature set. Plain Parquet written by pyarrow; feature
    timestamps are naive values in UTC, as in the datasets they come from.

    \b
    Examples:
      msk-features training-set fraud --labels labels.parquet \\
          --feature-set txn_features --feature-set txn_1h --out train.parquet
      msk-features training-set fraud --labels labels/fraud --feature-set txn_1m \\
          --source backfill/20261124T1000Z_20261124T1200Z --out train.parquet
    """
    from msk_features.offline.training_set import TrainingSetError, build_training_set

    with user_errors(TrainingSetError):
        cfg = load_config(properties)
        name = chosen_pipeline(pipeline, cfg)
        report = build_training_set(cfg, name, labels, feature_sets, out_path, sources)
    if output == "json":
        click.echo(dumps(training_set_report(report)), nl=False)
        return
    table = Table(title=f"Training set {report.out} ({report.labels:,} labels)")
    table.add_column("feature set")
    table.add_column("labels with a row", justify="right")
    for fs_name, count in report.with_a_row.items():
        table.add_row(fs_name, f"{count:,}")
    _console.print(table)
