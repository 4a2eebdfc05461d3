"""``msk-features bench``: run the benchmark suite and write the report (see :mod:`msk_features.bench`)."""

from __future__ import annotations

import dataclasses
import sys
import time
from pathlib import Path

import click

from msk_features.cli.errors import user_errors

__all__ = ["bench"]


@click.command("bench")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("docs/benchmarks"),
    show_default=True,
    help="Where results.json, README.md (the report) and benchmark.png go.",
)
@click.option(
    "--work-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(".bench"),
    show_default=True,
    help="Scratch space: the local stack, checkpoints and job logs of each run.",
)
@click.option(
    "--transactions",
    type=click.IntRange(min=100),
    default=100_000,
    show_default=True,
    help="Transactions to preload (clicks are 4/5 and profiles 1/5 of it). On 2 cores the default "
    "run took under 15 minutes (14.3 with --tune, measured) before the validation stage, whose 9 "
    "short jobs add about 4 more (about 25 s each, measured at 15,000 transactions). The marginal "
    "run (the full pipeline again on 3x the data) adds about 1.5 (95 s measured).",
)
@click.option(
    "--users",
    type=click.IntRange(min=1),
    default=10_000,
    show_default=True,
    help="Distinct users in the preloaded data.",
)
@click.option(
    "--latency-rate",
    type=click.FloatRange(min=1),
    default=500,
    show_default=True,
    help="Events per second sent during the latency runs. The full pipeline must keep up, or latency "
    "only grows: on 2 cores, shared with the broker, the sender and the reader, it keeps up with "
    "500 (about 1 core for the job) and not with 2,000.",
)
@click.option(
    "--latency-seconds",
    type=click.FloatRange(min=5),
    default=30,
    show_default=True,
    help="Seconds of measurement per latency run (after a 20 s warm-up).",
)
@click.option(
    "--memory-users",
    type=click.IntRange(min=1),
    default=100_000,
    show_default=True,
    help="Active users in the memory and state run.",
)
@click.option(
    "--validation-stage/--no-validation-stage",
    default=True,
    show_default=True,
    help="Measure the validation stage: CPU per event of decoding the transactions alone, raw bytes vs "
    "Flink's json format vs our contract (3 fixed-cost runs plus 3 per round).",
)
@click.option(
    "--validation-rounds",
    type=click.IntRange(min=1),
    default=2,
    show_default=True,
    help="Alternating rounds of the validation stage (raw, json, contract, raw, ...); the report gives "
    "the median. --smoke runs one.",
)
@click.option(
    "--scoring-stage/--no-scoring-stage",
    default=True,
    show_default=True,
    help="Measure scoring: the full pipeline with its scoring against a local endpoint of fixed latency "
    "(--scoring-latency-ms), calls/s as a fraction of parallelism x in-flight ÷ latency (one run on "
    "20,000 transactions).",
)
@click.option(
    "--scoring-latency-ms",
    type=click.IntRange(min=1, max=60_000),
    default=None,
    help="The scoring stage's endpoint latency, ms [default: 100; why: "
    "docs/benchmarks/scoring-2026-12-04.md: below it the local endpoint process, not the job, bounds "
    "the calls on 2 cores].",
)
@click.option("--tune", is_flag=True, help="Also run the tuning knobs, one at a time (adds ~6 runs).")
@click.option(
    "--smoke", is_flag=True, help="A tiny run of every step, to check the harness (numbers mean nothing)."
)
@click.option(
    "--report-only",
    is_flag=True,
    help="Only rewrite README.md and benchmark.png in --out from its results.json (no measurement).",
)
def bench(
    out_dir: Path,
    work_dir: Path,
    transactions: int,
    users: int,
    latency_rate: float,
    latency_seconds: float,
    memory_users: int,
    validation_stage: bool,
    validation_rounds: int,
    scoring_stage: bool,
    scoring_latency_ms: int | None,
    tune: bool,
    smoke: bool,
    report_only: bool,
) -> None:
    """Measure throughput, latency, memory and state against the consume ceiling and Quix Streams.

    Starts a local stack of its own (stopped at the end), preloads clean data and runs every
    measurement side by side. Its full duration on a quiet 2-core machine has not been measured
    yet (the runs so far shared the machine with test suites). Quix Streams runs from .venv-bench
    (make bench-venv); without it that row is skipped.

    \b
    Examples:
      msk-features bench
      msk-features bench --transactions 200000 --tune
      msk-features bench --smoke --out /tmp/bench-smoke
      msk-features bench --no-validation-stage
    """
    from msk_features.bench.suite import Sizes, SuiteOptions, command_line, run_suite, write_report

    if report_only:
        if not (out_dir / "results.json").is_file():
            raise click.UsageError(f"{out_dir / 'results.json'} does not exist: run the benchmarks first")
        write_report(out_dir)
        click.echo(f"Report: {out_dir / 'README.md'}")
        return
    sizes = (
        Sizes.smoke()
        if smoke
        else Sizes(
            transactions=transactions,
            users=users,
            latency_rate=latency_rate,
            latency_measure_s=latency_seconds,
            memory_users=memory_users,
            memory_transactions=max(transactions, memory_users),
            validation_rounds=validation_rounds,
        )
    )
    if scoring_latency_ms is not None:
        sizes = dataclasses.replace(sizes, scoring_latency_ms=scoring_latency_ms)
    started = time.monotonic()

    def say(message: str) -> None:
        click.echo(f"[{time.monotonic() - started:6.0f} s] {message}", err=True)

    with user_errors():
        options = SuiteOptions(
            out_dir=out_dir,
            work_dir=work_dir.resolve(),
            sizes=sizes,
            smoke=smoke,
            tune=tune,
            validation_stage=validation_stage,
            scoring_stage=scoring_stage,
            command=command_line(sys.argv[2:]),
        )
        results = run_suite(options, say)
    ratios = results["ratios"]
    click.echo(f"Report: {out_dir / 'README.md'} ({results['duration_s'] / 60:.1f} min)")
    for name, value in ratios.items():
        click.echo(f"  {name}: {'-' if value is None else f'{value:.3g}x'}")
