"""``msk-features``: the one command line for the local stack, test data, the job and the demo."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:
    from msk_features.demo import OutputCounts

from flink_jobs.config import load_config
from msk_features.cli_errors import user_errors
from msk_features.generator.cli import generate
from msk_features.localstack.cli import local

__all__ = ["main"]

_console = Console()
_err = Console(stderr=True)

DEFAULT_PROPERTIES = Path(".local-stack") / "application_properties.json"


def _properties_option(func):  # type: ignore[no-untyped-def]
    return click.option(
        "--properties",
        type=click.Path(dir_okay=False, path_type=Path),
        envvar="MSK_FEATURES_PROPERTIES",
        default=DEFAULT_PROPERTIES,
        show_default=True,
        help="Runtime properties file, in Managed Flink's application_properties.json shape.",
    )(func)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="msk-flink-features")
def main() -> None:
    """Real-time ML features on Amazon MSK and Managed Service for Apache Flink.

    Typical local loop: `msk-features local up`, `msk-features generate`, `msk-features run`,
    `msk-features outputs`; or all of it with `msk-features demo`.
    """


main.add_command(local)
main.add_command(generate)


@main.command("sql")
@_properties_option
def sql(properties: Path) -> None:
    """Print the Flink SQL the job runs for a properties file (DDL, views, then the INSERTs)."""
    from flink_jobs.job import build_pipeline

    with user_errors():
        cfg = load_config(properties)
        click.echo(build_pipeline(cfg).sql())


@main.command("run")
@_properties_option
@click.option(
    "--app-root",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="Folder holding main.py: the source checkout (default) or an unzipped Managed Flink zip.",
)
@click.option("--timeout", "timeout_s", type=float, default=1200.0, show_default=True, help="Seconds.")
def run(properties: Path, app_root: Path | None, timeout_s: float) -> None:
    """Run the job locally on a Flink mini-cluster (bounded: it reads what is there, then stops)."""
    from msk_features.runner import REPO_ROOT, run_job

    with user_errors():
        load_config(properties)  # fail here, with the group and key, before starting a JVM
        with _console.status("Running the job on a local Flink mini-cluster…"):
            result = run_job(properties, app_root or REPO_ROOT, timeout_s=timeout_s)
    _console.print(f"[green]Job finished[/] in {result.seconds:.1f} s.")


@main.command("outputs")
@_properties_option
@click.option("--timeout", "timeout_s", type=float, default=60.0, show_default=True, help="Seconds.")
def outputs(properties: Path, timeout_s: float) -> None:
    """Count what the job wrote: output topics (read_committed) and Parquet files through S3."""
    from msk_features.demo import count_outputs

    with user_errors():
        cfg = load_config(properties)
        counts = count_outputs(cfg, timeout_s=timeout_s)
    _print_counts(counts, None)


def _print_counts(counts: OutputCounts, expected: dict[str, int] | None) -> bool:
    """Render the counts table; return True when every expectation given is met."""
    table = Table(title="Pipeline outputs", header_style="bold")
    table.add_column("output")
    table.add_column("records", justify="right")
    table.add_column("expected", justify="right")
    table.add_column("")
    ok = True

    def row(name: str, value: int, key: str | None = None) -> None:
        nonlocal ok
        want = expected.get(key) if expected and key else None
        mark = "" if want is None else ("[green]✓[/]" if want == value else "[red]✗[/]")
        ok = ok and (want is None or want == value)
        table.add_row(name, str(value), "" if want is None else str(want), mark)

    row("transactions-valid (Kafka, read_committed)", counts.valid_transactions, "valid_transactions")
    row("transactions (Parquet rows on S3)", counts.parquet_rows, "valid_transactions")
    row("dead-letter (Kafka, read_committed)", counts.dead_letters, "dead_letters")
    for source, n in sorted(counts.dead_letters_by_source.items()):
        row(f"  from {source}", n)
    for reason, n in sorted(counts.dead_letters_by_reason.items()):
        row(f"  {reason}", n)
    _console.print(table)
    _console.print(
        f"Parquet: {counts.parquet_files} files in {counts.parquet_partitions} dt/hr partitions, "
        f"{counts.success_markers} _SUCCESS markers."
    )
    return ok


@main.command("demo")
@click.option(
    "--count",
    type=click.IntRange(min=1),
    default=5000,
    show_default=True,
    help="Records to generate (50% transactions, 40% clicks, 10% profiles).",
)
@click.option(
    "--invalid-fraction",
    type=click.FloatRange(0, 1),
    default=0.05,
    show_default=True,
    help="Fraction of invalid records per topic.",
)
@click.option("--seed", type=int, default=42, show_default=True, help="Generator seed.")
@click.option(
    "--state-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Local stack state dir [default: $MSK_FEATURES_STACK_DIR, else ./.local-stack].",
)
def demo(count: int, invalid_fraction: float, seed: int, state_dir: Path | None) -> None:
    """The reference pipeline end to end on the local stack, with a count per output.

    Starts (or reuses) the local stack, resets the pipeline's topics and offline data, generates
    seeded events, runs the job in bounded mode and compares every output with what was sent.
    Leaves the stack running: stop it with `msk-features local down`.
    """
    from msk_features.demo import count_outputs, expected_counts, generate_and_send, reset_pipeline_data
    from msk_features.generator.plan import GenerateSpec
    from msk_features.local_properties import local_app_config, write_local_properties
    from msk_features.localstack.stack import LocalStack, default_state_dir
    from msk_features.runner import REPO_ROOT, run_job

    directory = state_dir.resolve() if state_dir else default_state_dir()
    started = time.monotonic()
    with user_errors():
        stack = LocalStack(directory, progress=lambda m: _console.print(f"[dim]• {escape(m)}[/]"))
        _console.rule("1. local stack")
        endpoints = stack.up()
        cfg = local_app_config(endpoints)
        reset_pipeline_data(cfg, endpoints.s3_client())
        endpoints = stack.up()  # re-creates the topics just deleted
        properties = write_local_properties(endpoints, directory)
        _console.print(f"Kafka {endpoints.kafka_plaintext_bootstrap}, S3 {endpoints.s3_endpoint_url}")
        _console.print(f"Properties: {properties}")

        _console.rule("2. generate")
        spec = GenerateSpec.from_total(count, seed=seed, invalid_fraction=invalid_fraction, topics=cfg.topics)
        records = generate_and_send(cfg, spec)
        from msk_features.generator.send import SendSummary

        _console.print(SendSummary.from_records(records).render_table("Sent"))

        _console.rule("3. run the job (bounded)")
        with _console.status("Running the job on a local Flink mini-cluster…"):
            result = run_job(properties, REPO_ROOT)
        _console.print(f"Job finished in {result.seconds:.1f} s.")

        _console.rule("4. outputs")
        counts = count_outputs(cfg)
    ok = _print_counts(counts, expected_counts(records, cfg.topics))
    _console.print(f"Demo took {time.monotonic() - started:.0f} s. Stop the stack: msk-features local down")
    if not ok:
        _err.print("[bold red]Some outputs differ from what was sent.[/]")
        sys.exit(1)
