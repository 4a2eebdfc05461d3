"""``msk-features demo``: the reference pipeline end to end on the local stack (see msk_features.dev.demo)."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.markup import escape
from rich.status import Status
from rich.table import Table

from msk_features.cli.errors import user_errors
from msk_features.cli.generate import DurationType
from msk_features.cli.pipeline import print_summary

if TYPE_CHECKING:
    from msk_features.dev.demo import DemoEvent, ModelTrained, ScoringOutcome

__all__ = ["demo"]

_console = Console()
_err = Console(stderr=True)


@click.command("demo")
@click.option(
    "--count",
    type=click.IntRange(min=1),
    default=100_000,
    show_default=True,
    help="Records to generate (50% transactions, 40% clicks, 10% profiles).",
)
@click.option(
    "--span",
    type=DurationType(),
    default="2h",
    show_default=True,
    help="Event-time span of the generated data.",
)
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
    span: timedelta,
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
    from msk_features.dev.demo import DemoSettings, run_demo
    from msk_features.offline.train import TrainError

    with user_errors(TrainError), _Renderer() as render:
        settings = DemoSettings(
            count=count,
            span=span,
            users=users,
            invalid_fraction=invalid_fraction,
            late_fraction=late_fraction,
            seed=seed,
            state_dir=state_dir,
            keep_stack=keep_stack,
            scoring=scoring_step,
        )
        report = run_demo(settings, progress=render)
    if not report.ok:
        _err.print("[bold red]Some outputs differ from what was sent.[/]")
        sys.exit(1)


class _Renderer:
    """Prints each step of the demo as :func:`msk_features.dev.demo.run_demo` reports it, with a
    status line (the elapsed time) while a job runs."""

    def __init__(self) -> None:
        self._status: Status | None = None

    def __enter__(self) -> _Renderer:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop_status()

    def _stop_status(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None

    def __call__(self, event: DemoEvent) -> None:
        from msk_features.dev import demo as d

        if isinstance(event, d.JobRunning):
            text = f"Running the job on a local Flink mini-cluster… {event.elapsed_s:.0f} s"
            if self._status is None:
                self._status = _console.status(text)
                self._status.start()
            self._status.update(text)
            return
        self._stop_status()
        if isinstance(event, d.Step):
            _console.rule(f"{event.number}. {event.title}")
        elif isinstance(event, d.Note):
            _console.print(f"[dim]• {escape(event.text)}[/]")
        elif isinstance(event, d.StackReady):
            _console.print(f"Kafka {event.kafka_bootstrap}, S3 {event.s3_endpoint}")
            _console.print(f"Properties: {event.properties}")
        elif isinstance(event, d.BatchSent):
            _console.print(event.summary.render_table(event.title))
        elif isinstance(event, d.JobFinished):
            _console.print(
                f"Job finished in {event.seconds:.1f} s ({event.records / event.seconds:,.0f} records/s)."
            )
        elif isinstance(event, d.OutputsChecked):
            print_summary(event.summary, event.expected)
        elif isinstance(event, d.ModelTrained):
            _print_model(event)
        elif isinstance(event, d.ModelServed):
            _console.print(f"POST {event.url}")
        elif isinstance(event, d.ScoringOutcome):
            _print_scores(event)
        elif isinstance(event, d.DemoReport):
            _console.print(f"Demo took {event.seconds:.0f} s.")
        elif isinstance(event, d.StackLeft) and event.kept:
            _console.print("The local stack keeps running: stop it with `msk-features local down`.")
        elif isinstance(event, d.StackLeft):
            _console.print("[dim]• Stopped the local stack.[/]")


def _print_model(model: ModelTrained) -> None:
    holdout = model.description["holdout"]
    _console.print(
        f"XGBoost on {model.description['training']['rows']:,} labelled transactions; held out "
        f"{holdout['rows']:,} later ones: AUC {holdout['auc']:.4f}, precision {holdout['precision']:.4f}, "
        f"recall {holdout['recall']:.4f} at 0.5 (base rate {holdout['base_rate']:.4f})."
    )
    _console.print(f"Artifact: {model.artifact}")


def _print_scores(outcome: ScoringOutcome) -> None:
    parity = outcome.parity
    table = Table(title=f"{outcome.scoring}: served online vs the model offline", header_style="bold")
    table.add_column("")
    table.add_column("value", justify="right")
    table.add_row(f"scores in {outcome.topic} (read_committed)", f"{outcome.topic_records:,}")
    table.add_row(f"{outcome.feature_set} rows (Parquet)", f"{parity.feature_rows:,}")
    table.add_row("scores in Parquet equal to the model's, bit for bit", f"{parity.equal:,}")
    table.add_row("different", f"{parity.different:,}")
    table.add_row(
        "feature rows without a score / dead letters",
        f"{parity.without_score:,} / {outcome.dead_letters:,}",
    )
    if parity.auc is not None:
        table.add_row(
            f"AUC of the served scores against {parity.labelled:,} later labels", f"{parity.auc:.4f}"
        )
    _console.print(table)
