"""``msk-features``: the one command line for the local stack, test data, the job and the demo."""

from __future__ import annotations

import dataclasses
import json
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:
    from msk_features.demo import OutputSummary
    from msk_features.runner import JobRun

from flink_jobs.config import AppConfig, load_config
from msk_features.backfill_cli import backfill
from msk_features.bench.cli import bench
from msk_features.cli_errors import user_errors
from msk_features.cli_options import DEFAULT_PROPERTIES, output_option, properties_option
from msk_features.cost_cli import cost
from msk_features.deploy_cli import deploy
from msk_features.evolution_cli import switch_over
from msk_features.generator.cli import generate
from msk_features.lag_cli import lag
from msk_features.localstack.cli import local
from msk_features.manifest_cli import manifest
from msk_features.parity_cli import parity
from msk_features.tail_cli import tail
from msk_features.topics_cli import topics
from msk_features.train_cli import train
from msk_features.training_cli import training_set

__all__ = ["main"]

_console = Console()
_err = Console(stderr=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="msk-flink-features")
def main() -> None:
    """Real-time ML features on Amazon MSK and Managed Service for Apache Flink.

    Typical local loop: `msk-features local up`, `msk-features generate`, `msk-features run`,
    `msk-features outputs`; or all of it with `msk-features demo`. Operating a deployment:
    `topics apply`, `deploy`, `lag`, `tail`, and `cost` to size it. Every command has --help.
    """


main.add_command(local)
main.add_command(generate)
main.add_command(topics)
main.add_command(manifest)
main.add_command(backfill)
main.add_command(parity)
main.add_command(training_set)
main.add_command(train)
main.add_command(switch_over)
main.add_command(tail)
main.add_command(lag)
main.add_command(cost)
main.add_command(deploy)
main.add_command(bench)


def _pipeline_argument(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.argument("pipeline", required=False, default=None, metavar="[PIPELINE]")(func)


def _with_pipeline(cfg: AppConfig, pipeline: str | None, bounded: bool | None = None) -> AppConfig:
    """``cfg`` with ``pipeline.name`` (and ``kafka.bounded``) overridden when given."""
    from flink_jobs.pipelines import get_pipeline

    if pipeline is not None:
        get_pipeline(pipeline)  # a clear error for an unknown name
        cfg = dataclasses.replace(cfg, pipeline=dataclasses.replace(cfg.pipeline, name=pipeline))
    if bounded is not None:
        cfg = dataclasses.replace(cfg, kafka=dataclasses.replace(cfg.kafka, bounded=bounded))
    return cfg


@main.command("sql")
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
    """Print the Flink SQL of PIPELINE (default: pipeline.name of the properties, else fraud).

    The script is what the job runs, in order: source tables, validation and routing views, sink
    tables, feature views, then the INSERTs of the one statement set.

    \b
    Examples:
      msk-features sql fraud
      msk-features sql fraud --properties application_properties.json > fraud.sql
    """
    from flink_jobs.config import parse_config
    from flink_jobs.job import build_pipeline

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


@main.command("run")
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
    """Run PIPELINE (default: pipeline.name of the properties) on a local Flink mini-cluster.

    \b
    Examples:
      msk-features run fraud --bounded
      msk-features run fraud --properties my_properties.json --unbounded
      msk-features run fraud_windows --bounded --flink-option pipeline.object-reuse=true
    """
    from flink_jobs.config import to_property_groups
    from flink_jobs.environment import ENV_FLINK_OPTIONS
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


@main.command("outputs")
@properties_option()
@click.option("--timeout", "timeout_s", type=float, default=60.0, show_default=True, help="Seconds.")
@output_option()
def outputs(properties: Path, timeout_s: float, output: str) -> None:
    """Summarise what the pipeline wrote: output topics (read_committed) and Parquet datasets on S3.

    \b
    Examples:
      msk-features outputs
      msk-features outputs --output json | jq '.datasets[] | {name, rows}'
    """
    from msk_features.demo import summarise_outputs
    from msk_features.reports import dumps, outputs_report

    with user_errors():
        cfg = load_config(properties)
        summary = summarise_outputs(cfg, timeout_s=timeout_s)
    if output == "json":
        click.echo(dumps(outputs_report(summary)), nl=False)
        return
    _print_summary(summary, None)


def _print_summary(summary: OutputSummary, expected: dict[str, int] | None) -> bool:
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
        sample = Table(title="Sample of txn_features (one column per row)", header_style="bold")
        sample.add_column("feature")
        for i in range(len(summary.sample)):
            sample.add_column(f"row {i + 1}", justify="right")
        for column in summary.sample[0]:
            sample.add_row(
                column, *("∅" if row[column] is None else str(row[column]) for row in summary.sample)
            )
        _console.print(sample)
    return ok


@main.command("demo")
@click.option(
    "--count",
    type=click.IntRange(min=1),
    default=100_000,
    show_default=True,
    help="Records to generate (50% transactions, 40% clicks, 10% profiles).",
)
@click.option("--span", default="2h", show_default=True, help="Event-time span of the generated data.")
@click.option("--users", type=click.IntRange(min=1), default=2000, show_default=True, help="Distinct users.")
@click.option(
    "--invalid-fraction", type=click.FloatRange(0, 1), default=0.02, show_default=True, help="Per topic."
)
@click.option(
    "--late-fraction", type=click.FloatRange(0, 1), default=0.01, show_default=True, help="Per topic."
)
@click.option("--seed", type=int, default=42, show_default=True, help="Generator seed.")
@click.option(
    "--state-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Local stack state dir [default: $MSK_FEATURES_STACK_DIR, else ./.local-stack].",
)
@click.option(
    "--keep-stack/--stop-stack",
    default=False,
    show_default=True,
    help="Leave the local stack running at the end (a stack that was running before is always kept).",
)
@click.option(
    "--scoring/--no-scoring",
    "scoring_step",
    default=True,
    show_default=True,
    help="Also train the fraud model, serve it on the local endpoint and score a later batch.",
)
def demo(
    count: int,
    span: str,
    users: int,
    invalid_fraction: float,
    late_fraction: float,
    seed: int,
    state_dir: Path | None,
    keep_stack: bool,
    scoring_step: bool,
) -> None:
    """The reference pipeline end to end on the local stack, with a summary of every output.

    Starts (or reuses) the local stack, resets the pipeline's topics and offline data, generates
    seeded events over SPAN (with invalid, out-of-order and late records, and labels that arrive
    later; single-partition input topics, so which records are late is exact), runs the fraud
    pipeline in bounded mode, then shows rows per output, a sample of txn_features and the Parquet
    files, checked against what was sent. Then (unless --no-scoring) it trains the fraud model on
    that offline data, serves it on the local endpoint (SageMaker's runtime protocol) and runs the
    pipeline with its scoring over a second, later batch: every transaction's score, and the scores
    served against the model's own offline predictions. Stops the stack it started.
    """
    from flink_jobs.config import TopicsConfig
    from flink_jobs.pipelines import pipeline_topics
    from msk_features.demo import expected_counts, generate_and_send, reset_pipeline_data, summarise_outputs
    from msk_features.generator.plan import GenerateSpec, parse_duration
    from msk_features.generator.send import SendSummary
    from msk_features.local_properties import local_app_config, write_local_properties
    from msk_features.localstack.stack import LocalStack, default_state_dir
    from msk_features.runner import REPO_ROOT

    directory = state_dir.resolve() if state_dir else default_state_dir()
    started = time.monotonic()
    stack = LocalStack(directory, progress=lambda m: _console.print(f"[dim]• {escape(m)}[/]"))
    was_running = stack.status()["kafka"]["alive"]
    ok = False
    try:
        with user_errors():
            _console.rule("1. local stack")
            topics = TopicsConfig(partitions=1)
            endpoints = stack.up()
            cfg = local_app_config(endpoints, topics=topics)
            reset_pipeline_data(cfg, endpoints.s3_client())
            endpoints = stack.up(topics=pipeline_topics(topics))
            properties = write_local_properties(endpoints, directory, topics=topics)
            _console.print(f"Kafka {endpoints.kafka_plaintext_bootstrap}, S3 {endpoints.s3_endpoint_url}")
            _console.print(f"Properties: {properties}")

            _console.rule("2. generate")
            spec = GenerateSpec.from_total(
                count,
                seed=seed,
                users=users,
                span=parse_duration(span),
                invalid_fraction=invalid_fraction,
                out_of_order_fraction=0.02,
                late_fraction=late_fraction,
                topics=cfg.topics,
                labels=True,
            )
            records = generate_and_send(cfg, spec)
            _console.print(SendSummary.from_records(records).render_table("Sent"))

            _console.rule("3. run the fraud pipeline (bounded)")
            result = _run_with_progress(properties, REPO_ROOT)
            _console.print(
                f"Job finished in {result.seconds:.1f} s ({len(records) / result.seconds:,.0f} records/s)."
            )

            _console.rule("4. outputs")
            summary = summarise_outputs(cfg)
        ok = _print_summary(summary, expected_counts(records))
        if scoring_step:
            with user_errors():
                ok = _demo_scoring(stack, directory, cfg, spec, endpoints) and ok
        _console.print(f"Demo took {time.monotonic() - started:.0f} s.")
    finally:
        if was_running or keep_stack:
            _console.print("The local stack keeps running: stop it with `msk-features local down`.")
        else:
            stack.down()
            _console.print("[dim]• Stopped the local stack.[/]")
    if not ok:
        _err.print("[bold red]Some outputs differ from what was sent.[/]")
        sys.exit(1)


def _demo_scoring(stack: Any, directory: Path, cfg: Any, spec: Any, endpoints: Any) -> bool:
    """Steps 5 to 7 of the demo: train, serve, score a later batch; True when the parity holds."""
    from dataclasses import replace

    from flink_jobs.config import ScoringConfig, to_property_groups
    from flink_jobs.pipelines import get_pipeline, pipeline_topics, prefixed_topics
    from msk_features.demo import generate_and_send, reset_pipeline_data, scoring_outcome, train_model
    from msk_features.generator.send import SendSummary
    from msk_features.local_properties import local_app_config
    from msk_features.runner import REPO_ROOT

    scoring = get_pipeline(cfg.pipeline.name).scorings[0]
    _console.rule(f"5. train the {scoring.name} model on that offline data")
    model = train_model(cfg, directory / "models" / scoring.name, scoring)
    holdout = model.description["holdout"]
    _console.print(
        f"XGBoost on {model.description['training']['rows']:,} labelled transactions; held out "
        f"{holdout['rows']:,} later ones: AUC {holdout['auc']:.4f}, precision {holdout['precision']:.4f}, "
        f"recall {holdout['recall']:.4f} at 0.5 (base rate {holdout['base_rate']:.4f})."
    )
    _console.print(f"Artifact: {model.artifact}")

    _console.rule("6. serve it on the local endpoint (SageMaker runtime protocol)")
    endpoint_name = scoring.name.replace("_", "-")
    endpoints = stack.serve_models({endpoint_name: model.artifact})
    _console.print(f"POST {endpoints.model_endpoint_url}/endpoints/{endpoint_name}/invocations")

    _console.rule("7. score a later batch: the pipeline with its scoring (bounded)")
    live_topics = prefixed_topics("live-", cfg.pipeline.name, partitions=1)
    live = local_app_config(endpoints, topics=live_topics, prefix="offline-live")
    live = replace(
        live,
        scoring=ScoringConfig(
            endpoints={scoring.name: endpoint_name},
            endpoint_override=endpoints.model_endpoint_url,
            region="us-east-1",
            access_key="local",
            secret_key="local",
        ),
    )
    reset_pipeline_data(live, endpoints.s3_client())
    stack.up(topics=pipeline_topics(live_topics, cfg.pipeline.name))
    later = replace(spec, seed=spec.seed + 1, start=spec.start + spec.span, topics=live.topics)
    records = generate_and_send(live, later)
    _console.print(SendSummary.from_records(records).render_table("Sent (later batch)"))
    properties = directory / "application_properties.scoring.json"
    properties.write_text(json.dumps(to_property_groups(live), indent=2), encoding="utf-8")
    result = _run_with_progress(properties, REPO_ROOT)
    _console.print(
        f"Job finished in {result.seconds:.1f} s ({len(records) / result.seconds:,.0f} records/s)."
    )
    outcome = scoring_outcome(live, scoring, model.artifact)
    parity = outcome["parity"]
    table = Table(title=f"{scoring.name}: served online vs the model offline", header_style="bold")
    table.add_column("")
    table.add_column("value", justify="right")
    table.add_row(f"scores in {outcome['topic']} (read_committed)", f"{outcome['topic_records']:,}")
    table.add_row("txn_features rows (Parquet)", f"{parity.feature_rows:,}")
    table.add_row("scores in Parquet equal to the model's, bit for bit", f"{parity.equal:,}")
    table.add_row("different", f"{parity.different:,}")
    table.add_row(
        "feature rows without a score / dead letters",
        f"{parity.without_score:,} / {outcome['dead_letters']:,}",
    )
    if parity.auc is not None:
        table.add_row(
            f"AUC of the served scores against {parity.labelled:,} later labels", f"{parity.auc:.4f}"
        )
    _console.print(table)
    return parity.ok and outcome["topic_records"] == parity.scores


def _run_with_progress(properties: Path, app_root: Path) -> JobRun:
    """Run the job, showing the elapsed time until it ends."""
    from msk_features.runner import run_job

    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["result"] = run_job(properties, app_root)
        except BaseException as exc:  # re-raised in the caller's thread
            outcome["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    started = time.monotonic()
    thread.start()
    with _console.status("Running the job on a local Flink mini-cluster…") as status:
        while thread.is_alive():
            thread.join(timeout=1.0)
            status.update(
                f"Running the job on a local Flink mini-cluster… {time.monotonic() - started:.0f} s"
            )
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]
