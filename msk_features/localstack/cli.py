"""``msk-features local up | down | status``: the local Kafka broker and S3 server, from the shell.

Export: the click group :data:`local` (attached to the top-level ``msk-features`` group with
``main.add_command(local)``). Problems the user can fix print a one-paragraph message and exit 1;
they never show a traceback.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from flink_jobs.config import TopicsConfig
from flink_jobs.pipelines import pipeline_names, topics_of
from msk_features.cli_errors import user_errors

__all__ = ["local"]

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

_console = Console()
_err = Console(stderr=True)


def _state_dir_option(func: F) -> F:
    return click.option(
        "--state-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Directory for the stack's data, logs, certificates, pid files and endpoints.json "
        "[default: $MSK_FEATURES_STACK_DIR, else ./.local-stack].",
    )(func)


def _resolve_state_dir(state_dir: Path | None) -> Path:
    from msk_features.localstack.stack import default_state_dir

    return state_dir.expanduser().resolve() if state_dir is not None else default_state_dir()


@click.group(name="local")
@click.option("-v", "--verbose", is_flag=True, help="Log what the stack does (INFO level) to stderr.")
def local(verbose: bool) -> None:
    """Run a local Kafka 3.9.1 broker (KRaft, PLAINTEXT + SASL_SSL/SCRAM-SHA-512) and an S3 API server.

    Everything binds 127.0.0.1 only. The first `up` downloads the Kafka jars with Maven (this can
    take a minute); later ones start in seconds. Endpoints and credentials are written to
    <state dir>/endpoints.json.
    """
    root = logging.getLogger()
    if not root.handlers:
        from rich.logging import RichHandler

        logging.basicConfig(
            level=logging.INFO if verbose else logging.WARNING,
            format="%(message)s",
            handlers=[RichHandler(console=_err, show_path=False)],
        )
    elif verbose:
        logging.getLogger("msk_features").setLevel(logging.INFO)


@local.command("up")
@click.option(
    "--partitions",
    type=click.IntRange(1, 10_000),
    default=TopicsConfig().partitions,
    show_default=True,
    help="Partition count of the pipeline topics created if missing (existing topics are left as they are).",
)
@click.option(
    "--bucket",
    "buckets",
    multiple=True,
    help="S3 bucket to create (repeatable) [default: msk-features-local].",
)
@click.option(
    "--pipeline",
    "pipelines",
    multiple=True,
    help="Pipeline whose topics to create (repeatable) [default: every pipeline in flink_jobs/pipelines].",
)
@_state_dir_option
def up(partitions: int, buckets: tuple[str, ...], pipelines: tuple[str, ...], state_dir: Path | None) -> None:
    """Start the broker and the S3 server (or reuse running ones); create topics and buckets.

    The topics are those of each pipeline's manifest (`msk-features manifest NAME`). Idempotent:
    running, healthy processes of the state dir are reused, missing topics and buckets are created.
    The processes keep running after this command exits; stop them with `down`.
    """
    from msk_features.localstack.stack import LocalStack

    directory = _resolve_state_dir(state_dir)
    started_at = time.monotonic()
    with user_errors(), _console.status("Starting the local stack…") as spinner:

        def progress(message: str) -> None:
            spinner.update(f"{escape(message)}…")
            _console.print(f"[dim]• {escape(message)}[/]")

        specs = topics_of(pipelines or pipeline_names(), TopicsConfig(partitions=partitions))
        stack = LocalStack(directory, progress=progress)
        endpoints = stack.up(topics=specs, buckets=list(buckets) or None)
    elapsed = time.monotonic() - started_at
    _console.print(f"[green]Local stack is up[/] in {elapsed:.1f} s (state dir {escape(str(directory))}).")
    _print_status(stack.status())
    topics = Table(title="Topics", show_header=True, header_style="bold")
    for column in ("topic", "partitions", "compacted", "outcome"):
        topics.add_column(column)
    for result in stack.topic_results:
        outcome: str = result.outcome
        if outcome == "mismatch":
            outcome = f"[yellow]mismatch: {escape(result.detail)}[/]"
        topics.add_row(result.name, str(result.partitions), "yes" if result.compacted else "no", outcome)
    _console.print(topics)
    _console.print(f"Buckets: {', '.join(endpoints.buckets)}")
    _console.print(f"SCRAM user: {endpoints.scram_username} (password in {stack.endpoints_file})")
    _console.print(f"Endpoints: {stack.endpoints_file}")
    if stack.properties_file is not None:
        _console.print(f"Application properties: {stack.properties_file}")


@local.command("down")
@click.option("--purge", is_flag=True, help="Also delete the state dir (topics, data, certificates, logs).")
@_state_dir_option
def down(purge: bool, state_dir: Path | None) -> None:
    """Stop the broker and the S3 server started from the state dir (SIGTERM, then SIGKILL after 20 s).

    Only processes whose command line shows they belong to this state dir are signalled. Data is kept
    for the next `up` unless --purge is given.
    """
    from msk_features.localstack.stack import LocalStack

    directory = _resolve_state_dir(state_dir)
    with user_errors(), _console.status("Stopping the local stack…"):
        stopped = LocalStack(directory).down(purge=purge)
    if stopped:
        _console.print(f"[green]Stopped[/] {', '.join(stopped)}.")
    else:
        _console.print("Nothing was running.")
    if purge:
        _console.print(f"Deleted {escape(str(directory))}.")


@local.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@_state_dir_option
def status(as_json: bool, state_dir: Path | None) -> None:
    """Show each component's pid, whether it runs, whether it answers, and its endpoint.

    Exits 0 when the broker and the S3 server are both healthy, 1 otherwise.
    """
    from msk_features.localstack.stack import LocalStack

    directory = _resolve_state_dir(state_dir)
    with user_errors():
        report = LocalStack(directory).status()
    if as_json:
        click.echo(json.dumps(report, indent=2))
    else:
        _print_status(report)
    healthy = all(report[name]["healthy"] for name in ("kafka", "s3"))
    if not healthy:
        if not as_json:
            _console.print("Not (fully) running; start it with [bold]msk-features local up[/].")
        raise click.exceptions.Exit(1)


def _print_status(report: dict[str, Any]) -> None:
    table = Table(title=f"Local stack ({escape(report['state_dir'])})", header_style="bold")
    for column in ("component", "pid", "running", "healthy", "endpoint"):
        table.add_column(column)

    def mark(value: bool) -> str:
        return "[green]yes[/]" if value else "[red]no[/]"

    kafka, s3 = report["kafka"], report["s3"]
    kafka_endpoint = f"{kafka['endpoint'] or '-'} (PLAINTEXT)"
    if kafka.get("scram_endpoint"):
        kafka_endpoint += f"\n{kafka['scram_endpoint']} (SASL_SSL, SCRAM-SHA-512)"
    table.add_row(
        "kafka", str(kafka["pid"] or "-"), mark(kafka["alive"]), mark(kafka["healthy"]), kafka_endpoint
    )
    table.add_row("s3", str(s3["pid"] or "-"), mark(s3["alive"]), mark(s3["healthy"]), s3["endpoint"] or "-")
    _console.print(table)
