"""The validation stage: CPU per event of decoding and validating the transactions input alone.

Three variants read the SAME preloaded transactions topic, each as one bounded Flink job in a process
of its own (:mod:`msk_features.bench.decode_job`) writing every column to a ``blackhole`` sink:

- ``raw``: the record value as bytes (``value.format = 'raw'``), the floor;
- ``json``: Flink's ``json`` format with the typed transactions schema;
- ``contract``: the product's raw Kafka table and checked view ``transactions_checked``
  (:func:`flink_jobs.features.compiler.source_sql`), i.e. what our validation costs.

What is measured, per run, and divided by the events read: **µs of CPU per event**, the CPU time
(user + system) of the job's process tree (the Python process and its gateway JVM, from ``/proc``
with :mod:`~msk_features.bench.procstats`) less the same of the same variant over an EMPTY topic of
the same partitions (its fixed cost). Two windows, both in ``results.json``:

- *job* (used for medians and ratios): from the job's submission (planning done) to its end, as
  the job reads it from ``/proc`` itself; the fixed cost left is task deployment, code compilation,
  the Kafka clients' start and the end of the job;
- *process*: the whole process, start to exit (:class:`~msk_features.bench.procstats.TreeSampler`),
  which also holds interpreter and JVM start, planning and shutdown: 16-27 CPU-seconds per run in
  a first check on 2 cores, varying by more than a second between runs of the same variant, which
  is more than the decoding of 100,000 events costs.

Also events/s over the job's net runtime (Flink's running-to-finished time, which still holds the
job's own start in the cluster). The variants run in alternating order (raw, json, contract, raw,
...) for ``rounds`` rounds, so a slow phase of a shared machine hits every variant alike; the report
gives min / median / max per variant and the ratios of the medians: contract ÷ json (goal ≤ 1.5x)
and contract ÷ raw.

Every job uses the AppConfig the suite builds for its runs (:func:`~msk_features.bench.flink_run.job_config`:
bounded, earliest offsets, the local broker) with a consumer group of its own, the product's local
table environment, parallelism 1, and no final checkpoint after the input ends (a blackhole commits
nothing; Flink would otherwise keep a finished job waiting for the next periodic checkpoint).

Precision: the per-event work is small against start-up and JIT warm-up, which grow with the
time a job runs, not only with its events; with few events, and for ``raw`` most of all, the
difference is mostly noise. Use the default 100,000 transactions or more for numbers worth
comparing, and compare the two windows.

Alone (a local stack of its own, transactions only)::

    .venv/bin/python -m msk_features.bench.validation_stage --transactions 5000 --rounds 1
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flink_jobs.config import AppConfig
from msk_features.bench.data import Preloaded
from msk_features.bench.decode_job import JOB_CPU_PREFIX, VARIANTS
from msk_features.bench.flink_run import FlinkJob, FlinkRunResult, RunSettings, job_config, slug
from msk_features.bench.workload import FULL, TRANSACTIONS
from msk_features.dev.stack.control import Endpoints

__all__ = [
    "SETTINGS",
    "VARIANT_TITLES",
    "VariantRun",
    "measure_validation_stage",
    "run_variant",
    "summarise",
]

Progress = Callable[[str], None]

VARIANT_TITLES = {
    "raw": "Kafka source, `value.format = 'raw'` (bytes only)",
    "json": "Flink `json` format, typed transactions schema",
    "contract": "ours: `source_sql` raw table + `transactions_checked`",
}

SETTINGS = RunSettings(
    pipeline=FULL,
    offline=False,  # no Parquet, so no S3 file system set up in the job
    flink_options={
        "parallelism.default": "1",
        "execution.checkpointing.checkpoints-after-tasks-finish": "false",
    },
)
"""The settings of every validation-stage job (the product's defaults otherwise)."""


@dataclass(frozen=True)
class VariantRun:
    """One finished job of the stage."""

    variant: str
    round: int
    """1, 2, ...; 0 for the run over the empty topic (the fixed cost)."""
    result: FlinkRunResult
    job_cpu_s: float | None
    """CPU of the process tree from the job's submission to its end, as the job reported it."""


def _job_cpu_s(stdout: Path) -> float | None:
    """The job's CPU window from the line :mod:`~msk_features.bench.decode_job` prints, if any."""
    for line in stdout.read_text(errors="replace").splitlines():
        if line.startswith(JOB_CPU_PREFIX):
            at_submit, at_end = (float(v) for v in line.removeprefix(JOB_CPU_PREFIX).split()[:2])
            return at_end - at_submit
    return None


def run_variant(
    cfg: AppConfig, variant: str, round_no: int, workdir: Path, label: str, timeout_s: float = 900.0
) -> VariantRun:
    """Run ``variant`` over what ``cfg``'s transactions topic holds now, in a measured process."""
    run_id = f"bench-{slug(label)}-{uuid.uuid4().hex[:6]}"
    run_cfg = replace(cfg, kafka=replace(cfg.kafka, consumer_group=run_id))
    argv = [sys.executable, "-m", "msk_features.bench.decode_job", variant]
    job = FlinkJob(run_cfg, SETTINGS, workdir / run_id, label, argv=argv)
    result = job.wait(timeout_s)
    return VariantRun(variant, round_no, result, _job_cpu_s(job.workdir / "stdout.txt"))


def _spread(values: Sequence[float | None]) -> dict[str, float] | None:
    known = [v for v in values if v is not None]
    if not known:
        return None
    return {"min": min(known), "median": statistics.median(known), "max": max(known)}


def _ratio(top: float | None, bottom: float | None) -> float | None:
    return top / bottom if top is not None and bottom else None


def _per_event(cpu_s: float | None, fixed_s: float | None, events: int) -> float | None:
    if cpu_s is None or fixed_s is None:
        return None
    return max(cpu_s - fixed_s, 0.0) * 1e6 / max(events, 1)


def summarise(events: int, runs: Sequence[VariantRun], fixed: dict[str, VariantRun] | None) -> dict[str, Any]:
    """The ``validation_stage`` section of ``results.json`` from the ``runs`` over ``events``
    transactions and, when measured, each variant's run over the empty topic (``fixed``).

    Per run, two measures of µs CPU per event, each less the same measure of the empty-topic run:
    ``us_cpu_per_event_job`` (the job's window, submission to end) and ``us_cpu_per_event_process``
    (the whole process tree, start to exit). ``us_cpu_per_event``, the one the medians and ratios
    use, is the job window when the job reported it, else the whole process.
    """
    rows: list[dict[str, Any]] = []
    for run in runs:
        base = fixed[run.variant] if fixed else None
        fixed_cpu = base.result.cpu_s if base else 0.0
        fixed_job = (base.job_cpu_s if base else 0.0) if run.job_cpu_s is not None else None
        process = _per_event(run.result.cpu_s, fixed_cpu, events)
        job = _per_event(run.job_cpu_s, fixed_job, events)
        net = run.result.net_runtime_s
        rows.append(
            {
                "variant": run.variant,
                "round": run.round,
                "wall_s": run.result.wall_s,
                "cpu_s": run.result.cpu_s,
                "fixed_cpu_s": fixed_cpu,
                "job_cpu_s": run.job_cpu_s,
                "fixed_job_cpu_s": fixed_job,
                "net_runtime_s": net,
                "us_cpu_per_event_process": process,
                "us_cpu_per_event_job": job,
                "us_cpu_per_event": job if job is not None else process,
                "events_per_s": events / net if net else None,
                "peak_rss_java": run.result.peak_rss_java,
            }
        )
    variants: dict[str, Any] = {}
    for variant in VARIANTS:
        mine = [r for r in rows if r["variant"] == variant]
        base = fixed[variant] if fixed else None
        variants[variant] = {
            "title": VARIANT_TITLES[variant],
            "runs": len(mine),
            "us_cpu_per_event": _spread([r["us_cpu_per_event"] for r in mine]),
            "us_cpu_per_event_job": _spread([r["us_cpu_per_event_job"] for r in mine]),
            "us_cpu_per_event_process": _spread([r["us_cpu_per_event_process"] for r in mine]),
            "events_per_s": _spread([r["events_per_s"] for r in mine]),
            "fixed_cpu_s": base.result.cpu_s if base else None,
            "fixed_job_cpu_s": base.job_cpu_s if base else None,
            "fixed_net_runtime_s": base.result.net_runtime_s if base else None,
        }

    def ratios(measure: str) -> dict[str, float | None]:
        def median(variant: str) -> float | None:
            spread = variants[variant][measure]
            return spread["median"] if spread else None

        return {
            "contract_vs_json": _ratio(median("contract"), median("json")),
            "contract_vs_raw": _ratio(median("contract"), median("raw")),
            "json_vs_raw": _ratio(median("json"), median("raw")),
        }

    return {
        "events": events,
        "rounds": max((r["round"] for r in rows), default=0),
        "fixed_cost_subtracted": fixed is not None,
        "measure": "job" if all(r["us_cpu_per_event_job"] is not None for r in rows) else "process",
        "settings": {**asdict(SETTINGS), "order": ", ".join(VARIANTS) + ", repeated"},
        "variants": variants,
        "runs": rows,
        "ratios": ratios("us_cpu_per_event"),
        "ratios_process": ratios("us_cpu_per_event_process"),
    }


def measure_validation_stage(
    endpoints: Endpoints,
    data: Preloaded,
    empty: Preloaded | None,
    work: Path,
    rounds: int = 2,
    say: Progress = print,
) -> dict[str, Any]:
    """Run the three variants over ``data``'s transactions topic, alternating, ``rounds`` times; the
    fixed cost of each from one run over ``empty``'s (skipped when ``empty`` is None: numbers then
    include start-up). Returns the ``validation_stage`` section of ``results.json``."""
    events = data.counts[TRANSACTIONS]
    tag = uuid.uuid4().hex[:6]
    fixed: dict[str, VariantRun] | None = None
    if empty is not None:
        empty_cfg = job_config(endpoints, empty.topics, SETTINGS, f"bench-validation-empty-{tag}")
        fixed = {}
        for variant in VARIANTS:
            say(f"validation stage: {variant} on the empty topic (fixed cost)")
            fixed[variant] = run_variant(empty_cfg, variant, 0, work, f"validation-fixed-{variant}")
            say(f"  {_cpu_text(fixed[variant])}")
    cfg = job_config(endpoints, data.topics, SETTINGS, f"bench-validation-{tag}")
    runs: list[VariantRun] = []
    for round_no in range(1, rounds + 1):
        for variant in VARIANTS:
            say(f"validation stage: {variant}, round {round_no} of {rounds}, {events:,} transactions")
            runs.append(run_variant(cfg, variant, round_no, work, f"validation-{variant}-{round_no}"))
            say(f"  {_cpu_text(runs[-1])}")
    return summarise(events, runs, fixed)


def _cpu_text(run: VariantRun) -> str:
    job = "-" if run.job_cpu_s is None else f"{run.job_cpu_s:.2f}"
    return f"CPU s: process {run.result.cpu_s:.2f}, job {job}; net runtime {run.result.net_runtime_s} s"


def main(argv: Sequence[str] | None = None) -> int:
    """The step alone on a local stack of its own: preload transactions, measure, print, save."""
    from msk_features.bench.data import preload
    from msk_features.bench.report import validation_stage_lines
    from msk_features.bench.suite import Sizes
    from msk_features.dev.stack.control import LocalStack

    defaults = Sizes()
    parser = argparse.ArgumentParser(
        prog="python -m msk_features.bench.validation_stage",
        description="The validation stage alone, on a local stack of its own (transactions only).",
    )
    parser.add_argument("--transactions", type=int, default=defaults.transactions)
    parser.add_argument("--users", type=int, default=defaults.users)
    parser.add_argument("--rounds", type=int, default=defaults.validation_rounds)
    parser.add_argument("--no-fixed-cost", action="store_true", help="skip the runs on the empty topic")
    parser.add_argument("--work-dir", type=Path, default=Path(".bench/validation"))
    parser.add_argument("--out", type=Path, default=None, help="write validation_stage.json here")
    args = parser.parse_args(argv)
    work = args.work_dir.resolve()
    stack = LocalStack(work / "stack")
    print("starting the local stack", file=sys.stderr)
    try:
        endpoints = stack.up(topics=[])
        tag = datetime.now(UTC).strftime("%H%M%S")
        span = timedelta(minutes=defaults.span_minutes)
        parts = defaults.partitions
        data = preload(endpoints, f"valid{tag}", args.transactions, 0, 0, args.users, span, parts)
        empty = None if args.no_fixed_cost else preload(endpoints, f"vempty{tag}", 0, 0, 0, 1, span, parts)
        section = measure_validation_stage(
            endpoints, data, empty, work / "runs", args.rounds, say=lambda m: print(m, file=sys.stderr)
        )
    finally:
        stack.down()
    print("\n".join(validation_stage_lines(section)))
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        saved = args.out / "validation_stage.json"
        saved.write_text(json.dumps(section, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
