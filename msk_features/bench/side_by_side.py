"""Variants of one pipeline run side by side: the same preloaded data, alternating runs, one stack.

A variant is a name and environment variables for the job process (``JVM_ARGS``, or a switch a
change under test reads), so two versions of a setting are compared within one session, on one
machine state (each variant's environment goes to its job process through
:attr:`RunSettings.env`): whole runs of one configuration moved by 1.7x within an hour here, so figures from
different sessions cannot be compared. Each variant gets its own fixed run (the same job on empty
topics) since a variant can change the start-up too.

    python -m msk_features.bench.side_by_side --rounds 2 \\
        --variant default= --variant c1=JVM_ARGS=-XX:TieredStopAtLevel=1

Two commits: ``git worktree add /tmp/before HEAD~1 && ln -s $PWD/target /tmp/before/target``, then
``--variant before= --root before=/tmp/before --variant after=``.

Used for docs/benchmarks/jit-2026-12-02.md.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import click

from msk_features.bench.data import preload
from msk_features.bench.flink_run import RunSettings, run_bounded
from msk_features.bench.suite import check_outputs
from msk_features.bench.workload import FULL, SUBSET, TRANSACTIONS, bench_pipelines
from msk_features.dev.stack.control import LocalStack

__all__ = ["Variant", "parse_roots", "parse_variant"]


@dataclass(frozen=True)
class Variant:
    """A name and the environment variables its job process gets."""

    name: str
    env: Mapping[str, str] = field(default_factory=dict)


def parse_variant(text: str) -> Variant:
    """``NAME=`` or ``NAME=VAR=value;VAR2=value`` (``;`` separates variables; values may hold ``=``
    and ``,``, as JVM options do)."""
    name, sep, rest = text.partition("=")
    if not sep or not name.strip():
        raise click.BadParameter(f"{text!r}: expected NAME=, or NAME=VAR=value;VAR2=value")
    env: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in rest.split(";"))):
        key, eq, value = item.partition("=")
        if not eq or not key:
            raise click.BadParameter(f"{item!r} in variant {name!r}: expected VAR=value")
        env[key] = value
    return Variant(name.strip(), env)


def parse_roots(texts: tuple[str, ...], names: set[str]) -> dict[str, Path]:
    """``NAME=PATH`` items: the checkout each named variant runs; PATH must hold a ``main.py``."""
    roots: dict[str, Path] = {}
    for text in texts:
        name, sep, path = text.partition("=")
        if not sep or name not in names:
            raise click.BadParameter(f"{text!r}: expected NAME=PATH with NAME one of {sorted(names)}")
        root = Path(path).resolve()
        if not (root / "main.py").is_file():
            raise click.BadParameter(f"{text!r}: {root} has no main.py")
        roots[name] = root
    return roots


@click.command()
@click.option(
    "--variant", "variants", multiple=True, required=True, help="NAME=VAR=value;VAR2=value (repeat)."
)
@click.option(
    "--root",
    "roots",
    multiple=True,
    help="NAME=PATH: variant NAME runs PATH/main.py, another checkout (e.g. a git worktree of the "
    "commit before a change; it needs target/ of `make package`, a symlink will do).",
)
@click.option("--rounds", type=click.IntRange(min=1), default=2, show_default=True)
@click.option("--transactions", type=click.IntRange(min=100), default=100_000, show_default=True)
@click.option("--pipeline", type=click.Choice([FULL, SUBSET]), default=FULL, show_default=True)
@click.option(
    "--work-dir", type=click.Path(path_type=Path), default=Path(".bench/side-by-side"), show_default=True
)
@click.option("--output", type=click.Choice(["table", "json"]), default="table", show_default=True)
def main(
    variants: tuple[str, ...],
    roots: tuple[str, ...],
    rounds: int,
    transactions: int,
    pipeline: str,
    work_dir: Path,
    output: str,
) -> None:
    """Run each variant ROUNDS times, alternating, and print events per CPU-second (job CPU less
    its fixed run) with the median per variant; the first round's outputs are checked."""
    parsed = [parse_variant(v) for v in variants]
    app_roots = parse_roots(roots, {v.name for v in parsed})
    work_dir = work_dir.resolve()  # checkpoint folders become file:// URIs
    stack = LocalStack(work_dir / "stack")
    endpoints = stack.up(topics=[])
    runs: dict[str, list[dict[str, float]]] = {v.name: [] for v in parsed}
    try:
        with bench_pipelines():  # the window subset is not shipped: found in the bench's package
            tag = time.strftime("%H%M%S")
            span = timedelta(minutes=60)
            pre = preload(
                endpoints, f"sbs{tag}", transactions, transactions * 4 // 5, transactions // 5, 10_000, span
            )
            empty = preload(endpoints, f"sbs-empty{tag}", 0, 0, 0, 1, span)
            base = RunSettings(pipeline=pipeline, offline=pipeline == FULL)
            settings = {
                v.name: replace(base, env=dict(v.env), app_root=app_roots.get(v.name)) for v in parsed
            }
            events = pre.total if pipeline == FULL else pre.counts[TRANSACTIONS]
            fixed: dict[str, float] = {}
            for v in parsed:
                result, _ = run_bounded(
                    endpoints, empty.topics, settings[v.name], work_dir / "runs", f"{v.name}-fixed"
                )
                fixed[v.name] = result.cpu_s
                click.echo(f"{v.name}: fixed run {result.cpu_s:.1f} CPU s", err=True)
            for round_ in range(rounds):
                for v in parsed:
                    result, cfg = run_bounded(
                        endpoints, pre.topics, settings[v.name], work_dir / "runs", f"{v.name}-{round_}"
                    )
                    check = check_outputs(cfg, pre, pipeline) if round_ == 0 else ""
                    rate = events / max(result.cpu_s - fixed[v.name], 1e-9)
                    runs[v.name].append(
                        {
                            "events_per_cpu_s": rate,
                            "cpu_s": result.cpu_s,
                            "busy_s": result.net_runtime_s or 0.0,
                        }
                    )
                    click.echo(f"{v.name} round {round_ + 1}: {rate:,.0f} events per CPU-s {check}", err=True)
    finally:
        stack.down()
    summary: dict[str, dict[str, Any]] = {
        name: {
            "median_events_per_cpu_s": statistics.median(r["events_per_cpu_s"] for r in rs),
            "runs": rs,
            "fixed_cpu_s": fixed.get(name),
        }
        for name, rs in runs.items()
    }
    if output == "json":
        click.echo(json.dumps({"events": events, "pipeline": pipeline, "variants": summary}, indent=2))
    else:
        for name, s in summary.items():
            click.echo(
                f"{name}: median {s['median_events_per_cpu_s']:,.0f} events per CPU-s "
                f"over {len(s['runs'])} runs"
            )


if __name__ == "__main__":
    main()
