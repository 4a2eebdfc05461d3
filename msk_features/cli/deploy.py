"""``msk-features deploy``: is the application's code the local build? Start or stop it.

Terraform owns the application and its code (``terraform apply`` uploads the zip and updates the
application once per new build); this command never uploads or updates code (see
:mod:`msk_features.operations.deploy`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from msk_features.cli.errors import user_errors
from msk_features.cli.options import output_option
from msk_features.cli.reports import deploy_report, dumps

if TYPE_CHECKING:
    from msk_features.operations.deploy import DeployReport

__all__ = ["deploy"]

_console = Console()
_err = Console(stderr=True)


@click.command("deploy")
@click.option(
    "--application", required=True, help="Managed Flink application name (terraform output application_name)."
)
@click.option(
    "--zip",
    "zip_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The local build to compare with [default: target/msk-flink-features-<version>.zip from "
    "`make package`; optional with --stop].",
)
@click.option(
    "--prefix",
    default="flink/",
    show_default=True,
    help="Key prefix of the zips (the module's code_key_prefix).",
)
@click.option("--region", default=None, help="AWS region [default: the AWS configuration's].")
@click.option(
    "--start",
    "action",
    flag_value="start",
    default=None,
    help="Start the application (READY only), restoring its latest snapshot; refused when its code is "
    "not the local build.",
)
@click.option(
    "--stop",
    "action",
    flag_value="stop",
    help="Stop the application (RUNNING only) with Force=False: a snapshot first.",
)
@click.option(
    "--allow-stale",
    is_flag=True,
    help="With --start: start even though the application's code is not the local build.",
)
@click.option("--dry-run", is_flag=True, help="With --start or --stop: say what would be done; call nothing.")
@output_option()
def deploy(
    application: str,
    zip_path: Path | None,
    prefix: str,
    region: str | None,
    action: Literal["start", "stop"] | None,
    allow_stale: bool,
    dry_run: bool,
    output: str,
) -> None:
    """Check whether the application runs the local build; start or stop it.

    `terraform apply` owns the application and its code: it uploads the zip under its content-hash
    key (flink/<zip name>-<sha256>.zip) and points the application at it, one UpdateApplication
    (one snapshot and restart of a running application) per new build. This command never uploads
    or updates code. It reads the application's code key and compares it with the local zip's:
    "code is current", or "the application runs <key>; the local build is <key>: run terraform
    apply".

    Exit status: 0 when the code is current (with --stop: when the stop was asked for or the
    application is already stopped); 1 when the code is not current, when --start is refused,
    or on an error.

    \b
    Examples:
      make package
      msk-features deploy --application msk-flink-features-dev           # check only
      msk-features deploy --application msk-flink-features-dev --start --dry-run
      msk-features deploy --application msk-flink-features-dev --start
      msk-features deploy --application msk-flink-features-dev --stop
      msk-features deploy --application msk-flink-features-dev --output json | jq .code_current
    """
    from msk_features.operations.deploy import flink_client, run_deploy

    if allow_stale and action != "start":
        raise click.UsageError("--allow-stale goes with --start")
    if dry_run and action is None:
        raise click.UsageError("--dry-run goes with --start or --stop (the check alone changes nothing)")
    with user_errors():
        report = run_deploy(flink_client(region), application, zip_path, prefix, action, allow_stale, dry_run)
    if output == "json":
        click.echo(dumps(deploy_report(report)), nl=False)
    else:
        _print_table(report)
    if report.refused is not None:
        _err.print(f"[bold red]Error:[/] {escape(report.refused)}", soft_wrap=True)
    elif not report.ok:
        _err.print(f"[bold red]Not current:[/] {escape(report.state.verdict())}", soft_wrap=True)
    if not report.ok:
        raise click.exceptions.Exit(1)


def _print_table(report: DeployReport) -> None:
    state, result = report.state, report.action
    table = Table(
        title=f"{'Dry run: ' if report.dry_run else ''}application {state.application}",
        show_header=False,
    )
    table.add_column(style="bold")
    table.add_column(overflow="fold")  # keys whole, folded, never cut
    table.add_row("status", f"{state.status} (application version {state.application_version})")
    if state.code is None:
        table.add_row("runs", "no S3 code location")
    else:
        bucket = (state.code.bucket_arn or "").rsplit(":", 1)[-1] or "?"
        table.add_row("runs", f"s3://{bucket}/{state.code.key}")
        table.add_row("object version", state.code.object_version or "-")
    table.add_row("local build", state.local_key or "none")
    if state.code_current is None:
        table.add_row("code", "not compared (no local build)")
    else:
        table.add_row("code", "[green]current[/]" if state.code_current else "[red]not current[/]")
    if result is not None:
        detail = "refused: the code is not current" if result.outcome == "refused" else result.detail
        table.add_row(result.action, escape(detail))
    _console.print(table)
    if state.code_current:
        _console.print(f"[green]{escape(state.verdict())}[/]", soft_wrap=True)
