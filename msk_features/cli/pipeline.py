"""``msk-features sql | run | outputs``: a pipeline's SQL, a local run of it, and what it wrote."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import click
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from msk_features.operations.outputs import OutputSummary

from flink_jobs.config import AppConfig, load_config
from msk_features.cli.errors import user_errors
from msk_features.cli.options import DEFAULT_PROPERTIES, output_option, properties_option

__all__ = ["chosen_pipeline", "named_pipeline", "outputs", "print_summary", "run", "sql"]

_console = Console()


def _pipeline_argument(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.argument("pipeline", required=False, default=None, metavar="[PIPELINE]")(func)


def named_pipeline(
    pipeline: str | None, cfg: AppConfig | None, given_as: str = "the PIPELINE argument", detail: str = ""
) -> str:
    """The pipeline a command works on, by :func:`flink_jobs.pipelines.resolve_pipeline_name`'s rule:
    ``pipeline`` (the command's ``given_as``), else ``pipeline.name`` of the properties, else the
    only pipeline there is; with several and none named, a usage error listing them (``detail``
    says more, e.g. what the properties held). The name is not checked against the pipelines."""
    from flink_jobs.config import ConfigError
    from flink_jobs.pipelines import pipeline_names, resolve_pipeline_name

    try:
        return resolve_pipeline_name(pipeline or (cfg.pipeline.name if cfg is not None else None))
    except ConfigError:
        raise click.UsageError(
            f"which pipeline? Name it as {given_as} (one of {', '.join(pipeline_names())}) "
            f"or as pipeline.name in the properties{detail}"
        ) from None


def chosen_pipeline(
    pipeline: str | None, cfg: AppConfig | None, given_as: str = "the PIPELINE argument"
) -> str:
    """:func:`named_pipeline`, checked: a :class:`~flink_jobs.config.ConfigError` for an unknown name
    (before any JVM starts)."""
    from flink_jobs.pipelines import get_pipeline

    name = named_pipeline(pipeline, cfg, given_as)
    get_pipeline(name)
    return name


def _with_pipeline(cfg: AppConfig, pipeline: str | None, bounded: bool | None = None) -> AppConfig:
    """``cfg`` with ``pipeline.name`` set to :func:`chosen_pipeline` (and ``kafka.bounded`` overridden
    when given)."""
    name = chosen_pipeline(pipeline, cfg)
    if name != cfg.pipeline.name:
        cfg = dataclasses.replace(cfg, pipeline=dataclasses.replace(cfg.pipeline, name=name))
    if bounded is not None:
        cfg = dataclasses.replace(cfg, kafka=dataclasses.replace(cfg.kafka, bounded=bounded))
    return cfg


@click.command("sql")
@_pipeline_argument
@click.option(
    "--properties",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="MSK_FEATURES_PROPERTIES",
    default=None,
    help="Runtime properties (topics, sinks, paths) [default: .local-stack/application_properties.json "
    "if it exists, else an example configuration].",
)
def sql(pipeline: str | None, properties: Path | None) -> None:
    """Print the Flink SQL of PIPELINE (default: pipeline.name of the properties, else the only pipeline).

    The script is what the job runs, in order: source tables, validation and routing views, sink
    tables, feature views, then the INSERTs of the one statement set.

    \b
    Examples:
      msk-features sql fraud
      msk-features sql fraud --properties application_properties.json > fraud.sql
    """
    from flink_jobs.config import parse_config
    from flink_jobs.runtime.job import build_pipeline

    with user_errors():
        path = properties or (DEFAULT_PROPERTIES if DEFAULT_PROPERTIES.is_file() else None)
        cfg = (
            load_config(path)
            if path
            else parse_config(EXAMPLE_PROPERTIES, source="the example configuration")
        )
        click.echo(build_pipeline(_with_pipeline(cfg, pipeline)).sql(), nl=False)


# Used by `sql` when no properties file exists: what the SQL looks like on MSK with IAM.
EXAMPLE_PROPERTIES = [
    {
        "PropertyGroupId": "kinesis.analytics.flink.run.options",
        "PropertyMap": {"python": "main.py", "jarfile": "lib/pyflink-dependencies.jar"},
    },
    {"PropertyGroupId": "kafka", "PropertyMap": {"bootstrap.servers": "b-1.example:9098", "auth": "iam"}},
    {"PropertyGroupId": "offline", "PropertyMap": {"path": "s3a://example-lake/features"}},
]


@click.command("run")
@_pipeline_argument
@properties_option()
@click.option(
    "--bounded/--unbounded",
    default=None,
    help="Bounded: read what the topics hold now, flush every window, take a final checkpoint and "
    "stop. Unbounded: run until interrupted. [default: kafka.bounded of the properties]",
)
@click.option(
    "--app-root",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="Folder holding main.py: the source checkout (default) or an unzipped Managed Flink zip.",
)
@click.option("--timeout", "timeout_s", type=float, default=None, help="Give up after this many seconds.")
@click.option(
    "--flink-option",
    "flink_options",
    multiple=True,
    metavar="KEY=VALUE",
    help="A Flink configuration option for this local run, e.g. pipeline.object-reuse=true or "
    "execution.checkpointing.dir=file:///tmp/chk (repeatable; applied over the local defaults).",
)
def run(
    pipeline: str | None,
    properties: Path,
    bounded: bool | None,
    app_root: Path | None,
    timeout_s: float | None,
    flink_options: tuple[str, ...],
) -> None:
    """Run PIPELINE (default: pipeline.name of the properties, else the only one) on a local mini-cluster.

    \b
    Examples:
      msk-features run fraud --bounded
      msk-features run fraud --properties my_properties.json --unbounded
      msk-features run fraud --bounded --flink-option pipeline.object-reuse=true
    """
    from flink_jobs.config import to_property_groups
    from flink_jobs.runtime.environment import ENV_FLINK_OPTIONS
    from msk_features.runner import REPO_ROOT, run_job

    options: dict[str, str] = {}
    for item in flink_options:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{item!r} is not KEY=VALUE", param_hint="--flink-option")
        options[key.strip()] = value.strip()
    extra_env = {ENV_FLINK_OPTIONS: json.dumps(options)} if options else None

    with user_errors():
        cfg = _with_pipeline(load_config(properties), pipeline, bounded)  # fail before starting a JVM
        effective = properties.with_name(f".{properties.stem}.{cfg.pipeline.name}.run.json")
        effective.write_text(json.dumps(to_property_groups(cfg), indent=2), encoding="utf-8")
        effective.chmod(0o600)
        mode = "bounded" if cfg.kafka.bounded else "unbounded (Ctrl-C stops it)"
        with _console.status(f"Running pipeline {cfg.pipeline.name}, {mode}, on a local Flink mini-cluster…"):
            result = run_job(
                effective,
                app_root or REPO_ROOT,
                timeout_s=timeout_s,
                extra_env=extra_env,
                quick_jit=cfg.kafka.bounded,
            )
    _console.print(f"[green]Pipeline {cfg.pipeline.name} finished[/] in {result.seconds:.1f} s.")


@click.command("outputs")
@_pipeline_argument
@properties_option()
@click.option("--timeout", "timeout_s", type=float, default=60.0, show_default=True, help="Seconds.")
@output_option()
def outputs(pipeline: str | None, properties: Path, timeout_s: float, output: str) -> None:
    """Summarise what PIPELINE wrote (default: pipeline.name of the properties, else the only one):
    output topics (read_committed) and Parquet datasets on S3.

    \b
    Examples:
      msk-features outputs fraud
      msk-features outputs fraud --output json | jq '.datasets[] | {name, rows}'
    """
    from msk_features.cli.reports import dumps, outputs_report
    from msk_features.operations.outputs import summarise_outputs

    with user_errors():
        cfg = _with_pipeline(load_config(properties), pipeline)
        summary = summarise_outputs(cfg, timeout_s=timeout_s)
    if output == "json":
        click.echo(dumps(outputs_report(summary)), nl=False)
        return
    print_summary(summary, None)


def print_summary(summary: OutputSummary, expected: dict[str, int] | None) -> bool:
    """Render the summary tables; return True when every expectation given is met."""
    ok = True

    def check(key: str, value: int) -> tuple[str, str]:
        nonlocal ok
        if expected is None or key not in expected:
            return "", ""
        ok = ok and expected[key] == value
        return str(expected[key]), "[green]✓[/]" if expected[key] == value else "[red]✗[/]"

    topics = Table(title="Kafka outputs (read_committed)", header_style="bold")
    columns: tuple[tuple[str, Literal["left", "right"]], ...] = (
        ("topic", "left"),
        ("records", "right"),
        ("expected", "right"),
        ("", "left"),
    )
    for column, justify in columns:
        topics.add_column(column, justify=justify)
    for label, count in summary.topics.items():
        topics.add_row(label, f"{count:,}", *check(label.split(" ", 1)[0], count))
    for reason, count in sorted(summary.dead_letters_by_reason.items()):
        topics.add_row(f"  dead letters: {reason}", f"{count:,}", "", "")
    for source, count in sorted(summary.late_by_source.items()):
        topics.add_row(f"  late from {source}", f"{count:,}", "", "")
    _console.print(topics)

    if summary.datasets:
        files = Table(title="Parquet datasets (finished files only)", header_style="bold")
        for column in ("dataset", "files", "rows", "dt/hr partitions", "_SUCCESS", "expected rows", ""):
            files.add_column(column, justify="left" if column == "dataset" else "right")
        for ds in summary.datasets:
            files.add_row(
                ds.name,
                str(ds.files),
                f"{ds.rows:,}",
                str(ds.partitions),
                str(ds.success_markers),
                *check(ds.name, ds.rows),
            )
        _console.print(files)

    if summary.sample:
        title = f"Sample of {summary.sample_feature_set} (one column per row)"
        sample = Table(title=title, header_style="bold")
        sample.add_column("feature")
        for i in range(len(summary.sample)):
            sample.add_column(f"row {i + 1}", justify="right")
        for column in summary.sample[0]:
            sample.add_row(
                column, *("∅" if row[column] is None else str(row[column]) for row in summary.sample)
            )
        _console.print(sample)
    return ok
