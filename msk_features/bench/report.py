"""The benchmark report: ``results.json`` rendered as Markdown (tables, headline ratios, notes).

The chart (``benchmark.png``) is drawn by ``benchmarks/chart.py`` in the benchmark virtualenv
(matplotlib is not a dependency of the package); the report links it when it exists.
"""

from __future__ import annotations

from typing import Any

from msk_features.bench.workload import CLICKS, PROFILES, TRANSACTIONS

__all__ = ["render_markdown", "scoring_lines", "validation_stage_lines"]

VALIDATION_GOAL = 1.5
"""The validation stage's goal: our decoding + validation at most 1.5x Flink's json format's CPU per event."""


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.3g}x"


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _mib(value: float | None) -> str:
    return "-" if value is None else f"{value / 2**20:,.1f} MiB"


def _verdict(value: float | None, goal: float, higher_is_better: bool = True) -> str:
    if value is None or value != value:  # None or NaN
        return "not measured"
    met = value >= goal if higher_is_better else value <= goal
    if met:
        return "met"
    factor = goal / value if higher_is_better else value / goal
    # Two significant digits, but a near miss keeps its third (1.03x, not 1x).
    return f"missed by {factor:.3g}x" if factor < 1.1 else f"missed by {factor:.2g}x"


PREVIOUS_REPORT: dict[str, Any] = {
    "finished": "2026-11-25 06:00 UTC",
    "commit": "2ad6bc0",
    "full_events_per_cpu_s": 3202.56,
    "subset_vs_quix_cpu": 1.2533,
}
"""The figures of the report before the contract-json format (docs/benchmarks at commit 2ad6bc0:
``full exactly-once`` events per CPU-s and the ``subset_vs_quix_cpu`` ratio), which issue 13's
goals are relative to."""
FULL_CPU_GOAL = 4.0
"""Issue 13: the full pipeline at 4x or more the previous report's events per CPU-second."""
SUBSET_QUIX_CPU_GOAL = 3.0
"""Issue 13: the window subset at 3x or more Quix Streams' events per CPU-second."""


MARGINAL_LABEL = "full exactly-once, marginal"
"""The start of the marginal row's label (the suite writes it, the goals read it)."""


def _full_exactly_once_cpu(results: dict[str, Any], marginal: bool = False) -> float | None:
    """Events per CPU-s of the full exactly-once run, or (``marginal``) of its marginal row."""
    for row in results.get("throughput", []):
        label = str(row.get("label", ""))
        if label.startswith(MARGINAL_LABEL) if marginal else label == "full exactly-once":
            return row.get("events_per_cpu_s")
    return None


def _goals(results: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(goal, measured value, verdict) of each goal of the issues, from ``results``."""
    ratios = results["ratios"]
    full_cpu = _full_exactly_once_cpu(results)
    full_vs_previous = full_cpu / PREVIOUS_REPORT["full_events_per_cpu_s"] if full_cpu else None
    rows = [
        (
            f"full pipeline (exactly-once) events per CPU-s >= {FULL_CPU_GOAL:g}x the previous report's "
            f"({PREVIOUS_REPORT['full_events_per_cpu_s']:,.0f}, {PREVIOUS_REPORT['finished']})",
            f"{full_vs_previous:.2f}x ({full_cpu:,.0f})" if full_vs_previous else "-",
            _verdict(full_vs_previous, FULL_CPU_GOAL),
        ),
    ]
    marginal = _full_exactly_once_cpu(results, marginal=True)
    if marginal:
        rows.append(
            (
                "the same, marginal cost (the larger run less the first: no start-up, less JIT warm-up)",
                f"{marginal / PREVIOUS_REPORT['full_events_per_cpu_s']:.2f}x ({marginal:,.0f})",
                _verdict(marginal / PREVIOUS_REPORT["full_events_per_cpu_s"], FULL_CPU_GOAL),
            )
        )
    rows += [
        (
            f"windows subset >= {SUBSET_QUIX_CPU_GOAL:g}x Quix Streams events per CPU-s "
            f"(previous report: {PREVIOUS_REPORT['subset_vs_quix_cpu']:.2f}x)",
            _ratio(ratios.get("subset_vs_quix_cpu")),
            _verdict(ratios.get("subset_vs_quix_cpu"), SUBSET_QUIX_CPU_GOAL),
        ),
        (
            "windows subset >= 5x Quix Streams events/s",
            _ratio(ratios.get("subset_vs_quix")),
            _verdict(ratios.get("subset_vs_quix"), 5.0),
        ),
        (
            "full pipeline >= 30 % of the consume ceiling",
            f"{100 * ratios['full_vs_ceiling']:.2g} %" if ratios.get("full_vs_ceiling") else "-",
            _verdict(ratios.get("full_vs_ceiling"), 0.3),
        ),
    ]
    stage_ratio = (results.get("validation_stage") or {}).get("ratios", {}).get("contract_vs_json")
    rows.append(
        (
            f"validation stage ÷ Flink json (CPU per event) ≤ {VALIDATION_GOAL:g}x",
            _ratio(stage_ratio),
            _verdict(stage_ratio, VALIDATION_GOAL, higher_is_better=False),
        )
    )
    scoring = results.get("scoring")
    if scoring:
        rows.append(
            (
                f"scoring >= {scoring['goal']:.0%} of parallelism x in-flight ÷ latency "
                f"({scoring['parallelism']} x {scoring['in_flight_per_instance']} ÷ "
                f"{scoring['latency_ms']} ms "
                f"= {scoring['capacity_calls_per_s']:,.0f} calls/s)",
                f"{scoring['fraction_of_capacity']:.0%} ({scoring['calls_per_s']:,.0f} calls/s)",
                _verdict(scoring["fraction_of_capacity"], scoring["goal"])
                + ("" if scoring["check"] == "ok" else f" ({scoring['check']})"),
            )
        )
    for row in results.get("latency", []):
        limit = 1000 if row["guarantee"] == "at-least-once" else row["checkpoint_ms"] + 1000
        rows.append(
            (
                f"p99 <= {limit:,} ms, {row['guarantee']}, checkpoints {row['checkpoint_ms']:,} ms, "
                f"{row['rate']:,.0f} events/s",
                f"{row['p99_ms']:,.0f} ms" if row["p99_ms"] == row["p99_ms"] else "-",
                _verdict(row["p99_ms"], limit, higher_is_better=False)
                + (f" ({row['missing']} rows missing)" if row["missing"] else ""),
            )
        )
    return rows


def _ms(value: float | None) -> str:
    """Milliseconds rounded, or ``-`` for a value not measured (None or NaN)."""
    return "-" if value is None or value != value else f"{value:.0f}"


def _cores(cores: dict[str, float]) -> str:
    """``1.52 / 0.21 / 0.05 / 0.10``: cores used by the job, the broker, S3 and the harness."""
    names = ("job", "broker", "s3", "harness")
    return " / ".join(f"{cores[n]:.2f}" for n in names) if all(n in cores for n in names) else "-"


def _us(spread: dict[str, float] | None) -> str:
    """``min / median / max`` of a spread of µs values, or ``-``."""
    if not spread:
        return "-"
    return " / ".join(f"{spread[k]:,.1f}" for k in ("min", "median", "max"))


def _median(spread: dict[str, float] | None) -> str:
    return "-" if not spread else f"{spread['median']:,.1f}"


def scoring_lines(stage: dict[str, Any]) -> list[str]:
    """The report section of ``results["scoring"]`` (:mod:`msk_features.bench.scoring_stage`)."""
    return [
        "## Scoring: the model endpoint called from the job",
        "",
        "The full pipeline with its scoring, bounded over clean preloaded data, against the local "
        f"endpoint answering every call after {stage['latency_ms']} ms (a stand-in model). At most "
        f"{stage['parallelism']} x {stage['in_flight_per_instance']} calls are in flight, so no job can "
        f"score faster than {stage['capacity_calls_per_s']:,.0f} calls/s; *calls/s* counts the "
        "endpoint's calls from its first call to the end of its last. *Mean in flight* and *ms per "
        "call* are the endpoint's own view (Little's law over its in-flight count, from each request "
        "read to its response ready): a call's time at the provider is longer by the network, the "
        "request's parsing and signature check, and any wait for a CPU.",
        "",
        "| calls | scoring s | calls/s | of capacity | most calls in flight | mean in flight | "
        "ms per call | scores | check |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        f"| {stage['calls']:,} | {stage['scoring_s']:.1f} | {stage['calls_per_s']:,.0f} | "
        f"{stage['fraction_of_capacity']:.0%} | {stage['max_in_flight_seen']} | "
        f"{stage.get('endpoint_mean_in_flight', '-')} | {stage.get('endpoint_ms_per_call', '-')} | "
        f"{stage['scores']:,} | {stage['check']} |",
        "",
        "Other latencies (1, 50, 200 ms), where a call's time goes, and why this machine cannot feed a "
        "50 ms endpoint's 640 calls/s: docs/benchmarks/scoring-2026-12-04.md.",
        "",
    ]


def validation_stage_lines(stage: dict[str, Any]) -> list[str]:
    """The report section of ``results["validation_stage"]`` (:mod:`msk_features.bench.validation_stage`)."""
    ratios, process = stage["ratios"], stage.get("ratios_process", {})
    fixed = (
        "less the same of the same variant on an empty topic (its fixed cost)"
        if stage["fixed_cost_subtracted"]
        else "**with** its fixed cost included (no empty-topic runs, e.g. `--smoke`: the numbers mean "
        "nothing)"
    )
    window = (
        "from the job's submission (planning done) to its end"
        if stage.get("measure") == "job"
        else "of the whole process"
    )
    rounds = f"{stage['rounds']} round{'' if stage['rounds'] == 1 else 's'}"
    lines = [
        "## Validation stage: decoding and validating transactions (CPU per event)",
        "",
        f"The same {stage['events']:,} preloaded transactions, read by three bounded jobs, one per "
        "process, parallelism 1, every column into a `blackhole` sink: the record bytes only (`raw`), "
        "Flink's own `json` format with the typed schema (`json`), and the product's raw table and "
        "checked view (`contract`, from `source_sql`). *µs CPU per event*: the CPU time of the job's "
        f"process tree (Python and the JVM) {window}, {fixed}, divided by the events; min / median / "
        f"max over {rounds}, run in alternating order. *Whole process*: the same from process start "
        "to exit (JVM start, planning and shutdown included, then subtracted: noisier). *events/s*: "
        "events over Flink's net runtime (median), which still holds the job's start in the cluster.",
        "",
        "| variant | what | µs CPU per event (min / median / max) | whole process, median µs | "
        "events/s | runs |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for name, row in stage["variants"].items():
        rate = row["events_per_s"]["median"] if row.get("events_per_s") else None
        lines.append(
            f"| {name} | {row['title']} | {_us(row['us_cpu_per_event'])} | "
            f"{_median(row.get('us_cpu_per_event_process'))} | {_rate(rate)} | "
            f"{row['runs']} |"
        )
    lines += [
        "",
        f"contract ÷ json: **{_ratio(ratios.get('contract_vs_json'))}** (goal ≤ {VALIDATION_GOAL:g}x: "
        f"{_verdict(ratios.get('contract_vs_json'), VALIDATION_GOAL, higher_is_better=False)}); "
        f"contract ÷ raw: {_ratio(ratios.get('contract_vs_raw'))}; json ÷ raw: "
        f"{_ratio(ratios.get('json_vs_raw'))} (medians). Whole process: contract ÷ json "
        f"{_ratio(process.get('contract_vs_json'))}, contract ÷ raw "
        f"{_ratio(process.get('contract_vs_raw'))}.",
        "",
    ]
    return lines


def render_markdown(results: dict[str, Any], chart: str | None) -> str:
    """The whole report for ``results`` (the structure written by :mod:`msk_features.bench.suite`)."""
    lines: list[str] = []
    out = lines.append
    machine, versions, sizes = results["machine"], results["versions"], results["sizes"]
    out("# Benchmarks")
    out("")
    out(
        f"Measured {results['finished']} with `{results['command']}` on the local stack (one Kafka "
        f"{versions['kafka']} broker in KRaft mode, a Flink {versions['flink']} mini-cluster), "
        f"all runs in one session, side by side."
    )
    out("")
    out(
        f"- Machine: {machine['cpus']} CPUs ({machine['cpu_model']}), {machine['memory_gib']:.0f} GiB, "
        f"{machine['os']}; shared with other work, so compare ratios, not absolute times."
    )
    out(
        f"- Versions: apache-flink {versions['flink']}, Kafka {versions['kafka']}, Python "
        f"{versions['python']}, Java {versions['java']}, quixstreams {versions.get('quixstreams', '-')}."
    )
    out(
        f"- Data: {sizes[TRANSACTIONS]:,} transactions, {sizes[CLICKS]:,} clicks, "
        f"{sizes[PROFILES]:,} profiles of {sizes['users']:,} users over {sizes['span']}, "
        f"{sizes['partitions']} partitions per topic, no invalid or late records."
    )
    out("")
    ratios = results["ratios"]
    out("## Headline")
    out("")
    out("| ratio | value | goal |")
    out("|---|---:|---:|")
    out(f"| full pipeline ÷ consume ceiling (events/s) | {_ratio(ratios.get('full_vs_ceiling'))} | ≥ 0.3x |")
    out(f"| windows subset ÷ Quix Streams (events/s) | {_ratio(ratios.get('subset_vs_quix'))} | ≥ 5x |")
    out(
        f"| windows subset ÷ Quix Streams (events per CPU-second) | "
        f"{_ratio(ratios.get('subset_vs_quix_cpu'))} | |"
    )
    out("")
    if chart:
        out(f"![events per second and latency]({chart})")
        out("")
    out("## Goals")
    out("")
    out("| goal | measured | verdict |")
    out("|---|---:|---|")
    for goal, measured, verdict in _goals(results):
        out(f"| {goal} | {measured} | {verdict} |")
    out("")
    out("Why a goal is missed, and what bounds the numbers, is in the notes at the end.")
    out("")
    out("## Throughput: catching up on preloaded data")
    out("")
    out(
        "Bounded runs from the earliest offsets to the end. *busy s*: the time the work took once "
        "started (our jobs: Flink's net runtime; Quix Streams: first record to last); *events/s* = "
        "events / busy s. *Events per CPU-s* divides by the process tree's CPU time less the same "
        "program's on empty topics. *wall s* is the whole process, start-up included. Each run's "
        "output is checked (see *checks*). The *marginal* row is a second full run on more data "
        "less the first: its events, busy s and CPU are the differences, so start-up and most of "
        "the JIT compiler's warm-up drop out (docs/benchmarks/jit-2026-12-02.md)."
    )
    out("")
    out("| run | events | wall s | busy s | events/s | CPU s | events per CPU-s | peak JVM RSS | checks |")
    out("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for row in results["throughput"]:
        out(
            f"| {row['label']} | {row['events']:,} | {row['wall_s']:.1f} | {_seconds(row.get('busy_s'))} | "
            f"{_rate(row['events_per_s'])} | {row['cpu_s']:.1f} | {_rate(row['events_per_cpu_s'])} | "
            f"{_mib(row['peak_rss_java'])} | {row['check']} |"
        )
    out("")
    if results.get("validation_stage"):
        lines.extend(validation_stage_lines(results["validation_stage"]))
    if results.get("scoring"):
        lines.extend(scoring_lines(results["scoring"]))
    out("## Latency: event → feature visible to a consumer (`txn_features`)")
    out("")
    out(
        "Unbounded job, steady input with event time = wall clock, watermark delay 0, read_committed "
        "consumer; the time from handing the transaction to the producer to reading its feature row. "
        "*Written by the job*: to the row's Kafka timestamp (when the job's producer created it), the "
        "job's share; the rest is the sink's commit (exactly-once: at the next checkpoint) and the "
        "consumer's fetch. *Cores used* during the measured window, per process (2 cores in all)."
    )
    out("")
    out(
        "| sinks | checkpoint | rate asked / achieved | rows timed | missing | p50 ms | p95 ms | p99 ms | "
        "max ms | goal p99 | written by the job p50 / p99 ms | "
        "cores used: job / broker / S3 / sender+reader |"
    )
    out("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in results["latency"]:
        goal_ms = 1000 if row["guarantee"] == "at-least-once" else row["checkpoint_ms"] + 1000
        out(
            f"| {row['guarantee']} | {row['checkpoint_ms']} ms | {row['rate']:,.0f} / "
            f"{row['achieved_rate']:,.0f} | {row['measured']:,} | {row['missing']} | {row['p50_ms']:.0f} | "
            f"{row['p95_ms']:.0f} | {row['p99_ms']:.0f} | {row['max_ms']:.0f} | ≤ {goal_ms} | "
            f"{_ms(row.get('written_p50_ms'))} / {_ms(row.get('written_p99_ms'))} | "
            f"{_cores(row.get('cores_used', {}))} |"
        )
    out("")
    memory = results.get("memory")
    if memory:
        out("## Memory and state")
        out("")
        out(
            f"The full pipeline over {memory['events']:,} events of {memory['users']:,} active users: "
            f"peak JVM resident memory {_mib(memory['peak_rss_java'])}, largest checkpoint "
            f"{_mib(memory['max_checkpoint_bytes'])} ({memory['checkpoints_seen']} "
            f"checkpoint{'' if memory['checkpoints_seen'] == 1 else 's'} seen), "
            f"that is **{_mib(memory['checkpoint_bytes_per_100k_users'])} of checkpointed state per 100k "
            f"active users** (heap state backend, full snapshots)."
        )
        out("")
    if results.get("tuning"):
        out("## Tuning: before and after")
        out("")
        out("| knob | run | events/s | events per CPU-s | vs. baseline |")
        out("|---|---|---:|---:|---:|")
        for row in results["tuning"]:
            out(
                f"| {row['knob']} | {row['label']} | {_rate(row['events_per_s'])} | "
                f"{_rate(row['events_per_cpu_s'])} | {_ratio(row.get('vs_baseline'))} |"
            )
        out("")
    for title, text in results.get("notes", {}).items():
        out(f"## {title}")
        out("")
        out(text)
        out("")
    return "\n".join(lines).rstrip() + "\n"
