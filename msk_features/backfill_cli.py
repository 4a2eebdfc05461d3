"""``msk-features backfill``: a pipeline's feature SQL over its raw archive, for a time range."""

from __future__ import annotations

import dataclasses
import json
import time
from datetime import datetime
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from flink_jobs.config import GROUP_BACKFILL, PROPERTY_GROUPS, BackfillConfig, ConfigError, load_config
from msk_features.cli_errors import user_errors
from msk_features.cli_options import properties_option

__all__ = ["backfill"]

_console = Console()


def _instant(option: str) -> click.ParamType:
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


@click.command("backfill")
@click.argument("pipeline", required=False)
@click.option(
    "--from", "start", required=True, type=_instant("from"), help="Start (UTC), e.g. 2026-11-24T10:00Z."
)
@click.option("--to", "end", required=True, type=_instant("to"), help="End (UTC, exclusive).")
@click.option(
    "--feature-set",
    "feature_sets",
    multiple=True,
    help="A feature set to compute (repeatable) [default: all].",
)
@click.option("--run", "run_name", help="Name of the run's output folder [default: <from>_<to>].")
@click.option(
    "--lookback",
    "lookback_s",
    type=click.IntRange(0, 366 * 86_400),
    help="Seconds of history to read before --from [default: what the feature sets need].",
)
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
    from flink_jobs.config import to_property_groups
    from flink_jobs.features.compiler import backfill_root
    from flink_jobs.features.compiler.backfill import selected_feature_sets
    from flink_jobs.pipelines import get_pipeline
    from msk_features.outputs import delete_offline, read_offline
    from msk_features.runner import REPO_ROOT, run_job

    with user_errors():
        cfg = load_config(properties)
        name = pipeline or cfg.pipeline.name
        spec = get_pipeline(name)
        job = BackfillConfig(start, end, tuple(feature_sets), run_name, lookback_s)
        if end <= start:
            raise ConfigError(GROUP_BACKFILL, "to", "--to must be after --from", "a later instant")
        offline = cfg.offline
        if offline is None:
            raise ConfigError(
                "offline", "path", "a backfill reads the archive under the offline path", "the group"
            )
        cfg = dataclasses.replace(cfg, pipeline=dataclasses.replace(cfg.pipeline, name=name), backfill=job)
        selected = selected_feature_sets(spec, job)
        root = backfill_root(offline.path, job)
        relative = root.removeprefix(offline.path + "/")
        removed = delete_offline(offline, relative)
        effective = properties.with_name(f".{properties.stem}.{name}.backfill.json")
        effective.write_text(json.dumps(to_property_groups(cfg), indent=2), encoding="utf-8")
        effective.chmod(0o600)
        started = time.monotonic()
        note = f" (replacing {removed} files of the previous run)" if removed else ""
        with _console.status(f"Backfilling {name} into {root}{note} on a local Flink mini-cluster…"):
            run = run_job(effective, REPO_ROOT, timeout_s=timeout_s)
        rows = {fs.name: read_offline(offline, f"{relative}/features/{fs.name}").num_rows for fs in selected}
    report = {
        "pipeline": name,
        "from": start.isoformat().replace("+00:00", "Z"),
        "to": end.isoformat().replace("+00:00", "Z"),
        "run": job.run_name(),
        "output": root,
        "seconds": round(time.monotonic() - started, 1),
        "job_seconds": round(run.seconds, 1),
        "rows": rows,
    }
    if output == "json":
        click.echo(json.dumps(report, indent=2))
        return
    table = Table(title=f"Backfill {name} {report['from']} → {report['to']} (run {job.run_name()})")
    table.add_column("feature set")
    table.add_column("rows", justify="right")
    table.add_column("dataset", overflow="fold")
    for fs_name, count in rows.items():
        table.add_row(fs_name, f"{count:,}", f"{root}/features/{fs_name}")
    _console.print(table)
    _console.print(f"[green]Backfill finished[/] in {report['seconds']} s (job {report['job_seconds']} s).")
