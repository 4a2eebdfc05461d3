"""``msk-features local up | down | status | endpoint``: the local broker, S3 server and model endpoint.

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
from msk_features.cli.errors import user_errors

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
    from msk_features.dev.stack.control import default_state_dir

    return state_dir.expanduser().resolve() if state_dir is not None else default_state_dir()


def _model_option(func: F) -> F:
    return click.option(
        "--model",
        "models",
        multiple=True,
        metavar="NAME=PATH",
        help="Serve the XGBoost artifact PATH (a SageMaker model.tar.gz holding xgboost-model) as "
        "SageMaker endpoint NAME on the local model endpoint (repeatable).",
    )(func)


def _parse_models(specs: tuple[str, ...]) -> dict[str, Path]:
    from msk_features.dev.model_endpoint.server import parse_model_specs

    try:
        models = parse_model_specs(specs)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--model") from None
    for name, path in models.items():
        if not path.is_file():
            raise click.BadParameter(f"{name}={path}: no such file", param_hint="--model")
    return models


@click.group(name="local")
@click.option("-v", "--verbose", is_flag=True, help="Log what the stack does (INFO level) to stderr.")
def local(verbose: bool) -> None:
    """Run a local Kafka 3.9.1 broker (KRaft, PLAINTEXT + SASL_SSL/SCRAM-SHA-512) and an S3 API server.

    Everything binds 127.0.0.1 only. The first `up` downloads the Kafka jars with Maven (this can
    take a minute); later ones start in seconds. Endpoints and credentials are written to
    <state dir>/endpoints.json. With `up --model NAME=PATH`, a model endpoint speaking the SageMaker
    runtime protocol serves XGBoost artifacts too (`endpoint` runs one in the foreground).
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
    help="Pipeline whose topics to create (repeatable; one pipeline: also pipeline.name of the written "
    "properties) [default: every pipeline].",
)
@_model_option
@_state_dir_option
def up(
    partitions: int,
    buckets: tuple[str, ...],
    pipelines: tuple[str, ...],
    models: tuple[str, ...],
    state_dir: Path | None,
) -> None:
    """Start the broker and the S3 server (or reuse running ones); create topics and buckets.

    The topics are those of each pipeline's manifest (`msk-features manifest NAME`). Idempotent:
    running, healthy processes of the state dir are reused, missing topics and buckets are created.
    With --model, the local model endpoint (SageMaker runtime protocol, http://127.0.0.1:PORT) is
    (re)started for those models; without it, a running one is kept. The processes keep running
    after this command exits; stop them with `down`.
    """
    from msk_features.dev.stack.control import LocalStack

    model_paths = _parse_models(models) if models else None
    directory = _resolve_state_dir(state_dir)
    started_at = time.monotonic()
    with user_errors(), _console.status("Starting the local stack…") as spinner:

        def progress(message: str) -> None:
            spinner.update(f"{escape(message)}…")
            _console.print(f"[dim]• {escape(message)}[/]")

        specs = topics_of(pipelines or pipeline_names(), TopicsConfig(partitions=partitions))
        stack = LocalStack(directory, progress=progress)
        # One pipeline named: the properties name it too, so `run`, `outputs` and the others need no
        # PIPELINE argument; several or none: each command takes one.
        named = pipelines[0] if len(set(pipelines)) == 1 else None
        endpoints = stack.up(topics=specs, buckets=list(buckets) or None, models=model_paths, pipeline=named)
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
    if endpoints.model_endpoint_url:
        _console.print(
            f"Model endpoint: {endpoints.model_endpoint_url} (SageMaker runtime; endpoints "
            f"{', '.join(endpoints.model_names())})"
        )
    _console.print(f"Endpoints: {stack.endpoints_file}")
    if stack.properties_file is not None:
        _console.print(f"Application properties: {stack.properties_file}")


@local.command("down")
@click.option("--purge", is_flag=True, help="Also delete the state dir (topics, data, certificates, logs).")
@_state_dir_option
def down(purge: bool, state_dir: Path | None) -> None:
    """Stop the broker, the S3 server and the model endpoint of the state dir (SIGTERM, then SIGKILL
    after 20 s).

    Only processes whose command line shows they belong to this state dir are signalled. Data is kept
    for the next `up` unless --purge is given.
    """
    from msk_features.dev.stack.control import LocalStack

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

    Exits 0 when the broker and the S3 server are both healthy (and the model endpoint, when
    models are configured), 1 otherwise.
    """
    from msk_features.dev.stack.control import LocalStack

    directory = _resolve_state_dir(state_dir)
    with user_errors():
        report = LocalStack(directory).status()
    if as_json:
        click.echo(json.dumps(report, indent=2))
    else:
        _print_status(report)
    required = ["kafka", "s3", *(["model"] if report["model"]["configured"] else [])]
    healthy = all(report[name]["healthy"] for name in required)
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
    model = report.get("model")
    if model and (model["configured"] or model["pid"]):
        names = ", ".join(spec.partition("=")[0] for spec in model["models"])
        endpoint = f"{model['endpoint'] or '-'} (SageMaker runtime: {names or 'no models'})"
        table.add_row(
            "model", str(model["pid"] or "-"), mark(model["alive"]), mark(model["healthy"]), endpoint
        )
    _console.print(table)


@local.command("endpoint")
@_model_option
@click.option(
    "--port", type=click.IntRange(0, 65535), default=0, show_default=True, help="Port (0: any free port)."
)
@click.option(
    "--latency-ms",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    help="Latency added to every call of a known endpoint before it is answered.",
)
@click.option(
    "--fail",
    "faults",
    multiple=True,
    metavar="KIND@SCHEDULE",
    help="Inject failures (repeatable): KIND internal (500), unavailable (503), model (424 ModelError), "
    "throttle (400 ThrottlingException), not-ready (429) or hang; SCHEDULE every:N, calls:A,B,... or "
    "rate:P. Calls are numbered per endpoint from 1.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the rate:P decisions.")
@click.option(
    "--hang-s",
    type=click.FloatRange(min=0),
    default=120.0,
    show_default=True,
    help="How long a hang holds a call before closing the connection unanswered.",
)
def endpoint(
    models: tuple[str, ...], port: int, latency_ms: float, faults: tuple[str, ...], seed: int, hang_s: float
) -> None:
    """Run a local model endpoint in the foreground until Ctrl-C (for tests and benchmarks).

    It speaks the SageMaker runtime protocol on 127.0.0.1 only: POST /endpoints/NAME/invocations,
    SigV4-signed (any credentials), text/csv in, text/csv or application/json out, as SageMaker's
    built-in XGBoost container answers; GET /_local/stats returns its counters. `local up --model`
    runs the same server in the background for the stack.
    """
    from msk_features.dev.model_endpoint.server import options_from, serve

    model_paths = _parse_models(models)
    if not model_paths:
        raise click.UsageError("give at least one --model NAME=PATH")
    try:
        options = options_from(latency_ms, faults, seed, hang_s, "us-east-1")
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--fail") from None

    def ready(server: Any) -> None:
        for name, path in model_paths.items():
            _console.print(f"[dim]• {escape(name)}: {escape(str(path))}[/]")
        _console.print(f"Model endpoint listening on [bold]{server.url}[/] (Ctrl-C stops it)")

    with user_errors():
        try:
            serve(model_paths, port=port, options=options, ready=ready)
        except OSError as exc:
            from msk_features.dev.stack import LocalStackError

            raise LocalStackError(f"cannot serve on 127.0.0.1:{port}: {exc}") from exc
    _console.print("Stopped.")
