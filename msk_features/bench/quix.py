"""The Quix Streams side of the benchmark: run ``benchmarks/alternatives/quix_windows.py``, measure it,
and check that its windows equal ours (``benchmarks/alternatives/compare.py``).

Quix runs in its own virtualenv (``.venv-bench``) as a separate process, measured like our job:
its busy time is the app's own time from its first record to its last (after interpreter start,
imports and the consumer group join), its CPU the process tree's CPU seconds less those of the same
app on an empty topic.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from flink_jobs.config import AppConfig
from msk_features.bench.data import Preloaded
from msk_features.bench.procstats import TreeSampler
from msk_features.bench.workload import HOPPING, TRANSACTIONS, TUMBLING
from msk_features.dev.stack.control import Endpoints
from msk_features.kafka.auth import librdkafka_config
from msk_features.operations.outputs import feature_rows_from_topic, read_topic
from msk_features.runner import REPO_ROOT

__all__ = ["QUIX_LABEL", "run_and_compare", "run_quix"]

QUIX_LABEL = "Quix Streams (at-least-once)"
GRACE_MS = 30_000  # our watermark delay


def run_quix(python: Path, bootstrap: str, topic: str, workdir: Path) -> tuple[dict[str, Any], float, float]:
    """Run the Quix app over ``topic`` to its end; return its summary, wall seconds and CPU seconds."""
    prefix = f"quix-{uuid.uuid4().hex[:6]}-"
    workdir.mkdir(parents=True, exist_ok=True)
    command = [
        str(python),
        str(REPO_ROOT / "benchmarks" / "alternatives" / "quix_windows.py"),
        "--bootstrap",
        bootstrap,
        "--input-topic",
        topic,
        "--output-prefix",
        prefix,
        "--grace-ms",
        str(GRACE_MS),
        "--state-dir",
        str(workdir / f"{prefix}state"),
    ]
    started = time.monotonic()
    with (workdir / f"{prefix}stderr.txt").open("w") as stderr:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, text=True)
        sampler = TreeSampler(process.pid).start()
        stdout, _ = process.communicate(timeout=1800)
    wall = time.monotonic() - started
    stats = sampler.stop()
    if process.returncode != 0:
        tail = (workdir / f"{prefix}stderr.txt").read_text(errors="replace")[-3000:]
        raise RuntimeError(f"the Quix Streams app failed (exit {process.returncode}):\n{tail}")
    summary = json.loads(stdout.strip().splitlines()[-1])
    return summary, wall, stats.cpu_s


def _compare_module() -> Any:
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    return importlib.import_module("benchmarks.alternatives.compare")


def run_and_compare(
    python: Path, endpoints: Endpoints, pre: Preloaded, empty: Preloaded, ours: AppConfig, workdir: Path
) -> tuple[dict[str, Any], str]:
    """Measure Quix on ``pre``'s transactions (fixed cost from ``empty``) and compare with ``ours``."""
    bootstrap = endpoints.kafka_plaintext_bootstrap
    _, fixed_wall, fixed_cpu = run_quix(python, bootstrap, empty.topics.source_topic(TRANSACTIONS), workdir)
    summary, wall, cpu = run_quix(python, bootstrap, pre.topics.source_topic(TRANSACTIONS), workdir)
    events = pre.counts[TRANSACTIONS]
    if summary["records"] != events or summary["late_dropped"]:
        raise AssertionError(
            f"Quix processed {summary['records']} of {events} records, dropped {summary['late_dropped']} late"
        )
    compare = _compare_module()
    client = librdkafka_config(ours.kafka)
    quix_rows = compare.read_quix_rows(client, summary["output_topics"], timeout_s=120)
    our_rows = {
        name: feature_rows_from_topic(read_topic(client, ours.topics.feature_topic(name), timeout_s=120))
        for name in (TUMBLING, HOPPING)
    }
    horizons = compare.close_horizons(client, pre.topics.source_topic(TRANSACTIONS), timeout_s=120)
    result = compare.compare_windows(quix_rows, our_rows, horizons, GRACE_MS)
    compared = sum(part["compared"] for part in result.values())
    after = sum(part["only_ours_after_horizon"] for part in result.values())
    busy, busy_cpu = max(float(summary["processing_seconds"]), 1e-9), max(cpu - fixed_cpu, 1e-9)
    row = {
        "label": QUIX_LABEL,
        "pipeline": "quix_windows",
        "guarantee": summary["processing_guarantee"],
        "events": events,
        "wall_s": wall,
        "busy_s": busy,
        "fixed_wall_s": fixed_wall,
        "cpu_s": cpu,
        "fixed_cpu_s": fixed_cpu,
        "events_per_s": events / busy,
        "events_per_cpu_s": events / busy_cpu,
        "peak_rss_java": None,
        "max_checkpoint_bytes": None,
        "settings": {"grace_ms": GRACE_MS, "changelog_topics": True},
        "check": f"{compared:,} windows equal to ours ✓ ({after:,} of ours still open in Quix at the end)",
        "comparison": result,
    }
    return row, str(summary["version"])
