"""``msk-features deploy``: upload the zip under a content-hash key and point the application at it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.table import Table

from msk_features.cli_errors import user_errors

if TYPE_CHECKING:
    from msk_features.deploy import Action

__all__ = ["deploy"]

_console = Console()
_REPO = Path(__file__).resolve().parents[1]


def _default_zip() -> Path:
    candidates = sorted((_REPO / "target").glob("msk-flink-features-*.zip"))
    return candidates[-1] if candidates else _REPO / "target" / "msk-flink-features-<version>.zip"


@click.command("deploy")
@click.option(
    "--application", required=True, help="Managed Flink application name (terraform output application_name)."
)
@click.option(
    "--bucket",
    required=True,
    help="Versioned artifact bucket: the bucket of `terraform output -raw code_s3_uri` (s3://<bucket>/...).",
)
@click.option(
    "--zip",
    "zip_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The application zip [default: target/msk-flink-features-<version>.zip from `make package`].",
)
@click.option("--prefix", default="flink/", show_default=True, help="Key prefix in the bucket.")
@click.option("--region", default=None, help="AWS region [default: the AWS configuration's].")
@click.option("--start", "action", flag_value="start", default=None, help="Start the application afterwards.")
@click.option(
    "--stop", "action", flag_value="stop", help="Stop the application (with a snapshot) afterwards."
)
@click.option("--dry-run", is_flag=True, help="Print what would be done; change nothing.")
def deploy(
    application: str,
    bucket: str,
    zip_path: Path | None,
    prefix: str,
    region: str | None,
    action: Action,
    dry_run: bool,
) -> None:
    """Upload the zip (content-hash key) and update the application's code location.

    Skips what is already done: the same build is never uploaded twice, and an application already
    running this object is not updated. A running application is snapshotted and restarted by
    Managed Flink when its code changes.

    \b
    Examples:
      make package
      msk-features deploy --application msk-flink-features-dev --bucket my-artifacts --dry-run
      msk-features deploy --application msk-flink-features-dev --bucket my-artifacts --start
    """
    import boto3
    from botocore.exceptions import BotoCoreError, NoCredentialsError, NoRegionError

    from msk_features.deploy import DeployError
    from msk_features.deploy import deploy as run_deploy

    path = zip_path or _default_zip()
    if not path.is_file():
        raise click.ClickException(f"no zip at {path}: build it with `make package` (or pass --zip)")
    with user_errors():
        try:
            s3 = boto3.client("s3", region_name=region)
            flink = boto3.client("kinesisanalyticsv2", region_name=region)
            plan = run_deploy(
                path,
                application,
                bucket,
                s3,
                flink,
                prefix=prefix,
                action=action,
                dry_run=dry_run,
                say=lambda m: _console.print(f"[dim]• {m}[/]"),
            )
        except (NoCredentialsError, NoRegionError) as exc:
            raise click.ClickException(
                f"{exc} (configure AWS credentials and a region, or pass --region)"
            ) from None
        except (DeployError, BotoCoreError) as exc:
            raise click.ClickException(str(exc)) from None
    table = Table(title=f"{'Dry run: ' if dry_run else ''}deploy to {application}", header_style="bold")
    table.add_column("step")
    table.add_column("outcome")
    for step, outcome in plan.steps:
        table.add_row(step, outcome)
    _console.print(table)
    _console.print(
        f"code: s3://{plan.bucket}/{plan.key} (object version {plan.object_version or '-'}), "
        f"application version {plan.application_version}, status {plan.status}"
    )
