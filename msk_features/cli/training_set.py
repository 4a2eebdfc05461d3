"""``msk-features training-set``: labels joined point-in-time to feature sets, written as Parquet."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.table import Table

from flink_jobs.config import ConfigError, OfflineConfig, load_config
from msk_features.cli.errors import user_errors
from msk_features.cli.options import properties_option

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["training_set"]

_console = Console()
LIVE = "live"
"""``--source live``: the live job's datasets (``features/<set>``)."""


def _rows(offline: OfflineConfig, prefixes: list[str], name: str) -> pa.Table:
    """The rows of feature set ``name`` under every prefix (``<prefix>features/<name>``), as one table."""
    import pyarrow as pa

    from msk_features.operations.outputs import read_offline

    tables = [t for t in (read_offline(offline, f"{p}features/{name}") for p in prefixes) if t.num_columns]
    if not tables:
        return pa.table({})
    return pa.concat_tables(tables, promote_options="permissive")


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
    import pyarrow.dataset as pads
    import pyarrow.parquet as pq

    from flink_jobs.pipelines import get_pipeline
    from msk_features.offline.training_set import TrainingSetError, point_in_time, summary
    from msk_features.operations.outputs import read_offline

    with user_errors():
        cfg = load_config(properties)
        spec = get_pipeline(pipeline or cfg.pipeline.name)
        by_name = {fs.name: fs for fs in spec.feature_sets}
        unknown = [n for n in feature_sets if n not in by_name]
        if unknown:
            raise ConfigError(
                "training-set",
                "--feature-set",
                f"pipeline '{spec.name}' has no feature set named '{unknown[0]}'",
                "one of " + ", ".join(by_name),
            )
        if cfg.offline is None:
            raise ConfigError(
                "offline", "path", "the feature sets are read from the offline path", "the group"
            )
        local = Path(labels)
        if local.exists():
            label_table = pads.dataset(str(local), format="parquet").to_table()
        else:
            label_table = read_offline(cfg.offline, labels.strip("/"))
            if label_table.num_columns == 0:
                raise click.ClickException(
                    f"no labels at {labels} (neither a local path nor under {cfg.offline.path})"
                )
        prefixes = ["" if source in ("", LIVE) else f"{source.strip('/')}/" for source in sources or (LIVE,)]
        chosen = [by_name[n] for n in feature_sets]
        inputs = [(fs, _rows(cfg.offline, prefixes, fs.name)) for fs in chosen]
        try:
            table = point_in_time(label_table, inputs)
        except TrainingSetError as exc:
            raise click.ClickException(str(exc)) from None
        out_path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, out_path)
    report = {"out": str(out_path), **summary(table, chosen), "columns": table.column_names}
    if output == "json":
        click.echo(json.dumps(report, indent=2))
        return
    result = Table(title=f"Training set {out_path} ({table.num_rows:,} labels)")
    result.add_column("feature set")
    result.add_column("labels with a row", justify="right")
    for name, count in report["with_a_row"].items():
        result.add_row(name, f"{count:,}")
    _console.print(result)
