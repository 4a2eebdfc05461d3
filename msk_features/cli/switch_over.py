"""``msk-features switch-over``: the properties and the backfill for adding a feature set to a running job."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from flink_jobs.config import ConfigError, load_config
from msk_features.cli.errors import user_errors
from msk_features.cli.options import output_option, properties_option

__all__ = ["switch_over"]

_console = Console()


@click.command("switch-over")
@click.argument("pipeline", required=False)
@click.option(
    "--feature-set",
    "feature_sets",
    multiple=True,
    required=True,
    help="A feature set the new version adds (repeatable).",
)
@properties_option()
@output_option()
def switch_over(pipeline: str | None, feature_sets: tuple[str, ...], properties: Path, output: str) -> None:
    """Read the switch-over for adding feature sets to PIPELINE's running job from its archive.

    Run it after stopping the running job with a snapshot (docs/evolving.md): the archive then holds
    every on-time event the job read. Prints switch.over (1 ms after the latest archived event of
    the sources the added sets read), the pipeline properties to start the new version with, and per
    added set the instant from which the job serves it and the backfill that gives its rows before.

    \b
    Examples:
      msk-features switch-over fraud --feature-set txn_1m
      msk-features switch-over fraud --feature-set txn_1m --output json
    """
    from flink_jobs.pipelines import get_pipeline
    from msk_features.cli.reports import dumps
    from msk_features.offline.switch_over import plan_switch_over

    with user_errors():
        cfg = load_config(properties)
        spec = get_pipeline(pipeline or cfg.pipeline.name)
        if cfg.offline is None:
            raise ConfigError("offline", "path", "the switch-over is read from the archive", "the group")
        plan = plan_switch_over(spec, cfg.offline, feature_sets)
    report = plan.report()
    if output == "json":
        click.echo(dumps(report), nl=False)
        return
    archived = Table(title=f"Archive of the sources {', '.join(feature_sets)} read", header_style="bold")
    for column in ("source", "earliest event", "latest event"):
        archived.add_column(column)
    for source, span in report["archived"].items():
        archived.add_row(source, span["earliest"], span["latest"])
    _console.print(archived)
    _console.print(
        f"Start the new version from the snapshot with, in property group [bold]pipeline[/]:\n"
        f"  added.feature.sets = {','.join(feature_sets)}\n  switch.over = {report['switch_over']}"
    )
    for entry in report["feature_sets"]:
        _console.print(
            f"[bold]{entry['feature_set']}[/] is served from {entry['complete_from']}; its rows before:\n"
            f"  {entry['backfill']}"
        )
