"""Scoring throughput: the full pipeline with its scoring against a local endpoint of fixed latency.

The endpoint (:mod:`msk_features.dev.model_endpoint.server`, serving a stand-in model of the
scoring's width, :mod:`msk_features.dev.model_endpoint.synthetic_model`) answers every call
after ``latency_ms``. The
job can have at most ``parallelism x in_flight`` calls outstanding, so no job can score faster
than that over the latency: the *capacity*, ``parallelism x in_flight / latency``. The stage runs
the reference pipeline bounded over the preloaded topics with the endpoint as its bottleneck and
reports calls per second while scoring (calls over the time from the endpoint's first call to the
end of its last) as a fraction of the capacity; the goal is at least 80 %. Every transaction of the
clean preloaded data must come out with exactly one score (checked), and the endpoint must never
see more calls at once than the bound.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from flink_jobs.config import ScoringConfig
from flink_jobs.pipelines import get_pipeline
from msk_features.bench.data import preload
from msk_features.bench.flink_run import RunSettings, run_bounded
from msk_features.bench.workload import FULL, TRANSACTIONS
from msk_features.dev.model_endpoint.process import ModelEndpointProcess, endpoint_stats, stop_endpoint
from msk_features.dev.model_endpoint.synthetic_model import train_scoring_model
from msk_features.dev.stack.control import Endpoints
from msk_features.kafka.auth import librdkafka_config
from msk_features.operations.outputs import read_topic

__all__ = ["DEFAULT_LATENCY_MS", "GOAL", "measure_scoring"]

GOAL = 0.8
"""Scoring throughput as a fraction of parallelism x in-flight / latency (issue 16)."""

DEFAULT_LATENCY_MS = 100
"""The endpoint's latency by default: 2 x 16 calls in flight ÷ 100 ms = 320 calls/s, what this 2-core
machine's local endpoint process serves beside the job; at 50 ms the endpoint's own overhead under
the shared CPU adds ~20 ms to every call (docs/benchmarks/scoring-2026-12-04.md)."""


def measure_scoring(
    endpoints: Endpoints,
    work: Path,
    say: Callable[[str], None],
    transactions: int = 20_000,
    latency_ms: int = DEFAULT_LATENCY_MS,
    in_flight: int = 16,
    parallelism: int = 2,
    tag: str = "",
) -> dict[str, Any]:
    """One bounded run of the full pipeline with its scoring over ``transactions`` clean
    transactions (and as many clicks), preloaded here (see the module docstring)."""
    scoring = get_pipeline(FULL).scorings[0]
    endpoint = scoring.name.replace("_", "-")  # a SageMaker endpoint name has no "_"
    stage = work / "scoring"
    users = max(100, transactions // 10)
    pre = preload(endpoints, f"scoring{tag}", transactions, transactions, users, users, timedelta(hours=1))
    model = train_scoring_model(scoring, stage / "model")
    process = ModelEndpointProcess(stage / "endpoint")
    running = process.launch([f"{endpoint}={model.artifact}"], ["--latency-ms", str(latency_ms)])
    try:
        settings = RunSettings(
            pipeline=FULL,
            flink_options={"parallelism.default": str(parallelism)},
            scoring=ScoringConfig(
                endpoints={scoring.name: endpoint},
                endpoint_override=running.url,
                region="eu-west-1",
                access_key="AKIDLOCAL",
                secret_key="local-secret",
                max_in_flight=in_flight,
                attempt_timeout_ms=10_000,
            ),
        )
        say(
            f"  {parallelism} x {in_flight} calls in flight against {latency_ms} ms: "
            f"capacity {parallelism * in_flight * 1000 / latency_ms:,.0f} calls/s"
        )
        result, cfg = run_bounded(endpoints, pre.topics, settings, stage, "scoring")
        stats = endpoint_stats(running.url)
    finally:
        stop_endpoint(process, running)
    served = stats["endpoints"][endpoint]
    seconds = served["last_end_s"] - served["first_call_s"]
    rate = served["calls"] / seconds
    capacity = parallelism * in_flight * 1000 / latency_ms
    scores = read_topic(librdkafka_config(cfg.kafka), cfg.topics.scores_topic(scoring.name))
    transactions = pre.counts.get(TRANSACTIONS, 0)
    check = (
        "ok"
        if len(scores) == transactions == served["calls"]
        else (f"MISMATCH: {len(scores)} scores, {served['calls']} calls, {transactions} transactions")
    )
    return {
        "latency_ms": latency_ms,
        "in_flight_per_instance": in_flight,
        "parallelism": parallelism,
        "capacity_calls_per_s": capacity,
        "calls": served["calls"],
        "scoring_s": round(seconds, 2),
        "calls_per_s": round(rate, 1),
        "fraction_of_capacity": round(rate / capacity, 3),
        "goal": GOAL,
        "max_in_flight_seen": stats["max_in_flight"],
        # Little's law over the whole run (first call to last answer): how many calls the endpoint
        # held on average, and how long each spent there (the fixed latency plus its own work).
        "endpoint_mean_in_flight": round(stats["in_flight_seconds"] / seconds, 1),
        "endpoint_ms_per_call": round(stats["in_flight_seconds"] * 1000 / served["calls"], 1),
        "endpoint_cpu_s": stats["cpu_s"],
        "scores": len(scores),
        "check": check,
        "job": result.to_dict(),
    }
