"""Draw ``benchmark.png`` from ``results.json``: events/s per run (log scale) and latency percentiles.

Runs in the benchmark virtualenv (``.venv-bench``, which pins matplotlib):
``.venv-bench/bin/python benchmarks/chart.py docs/benchmarks/results.json docs/benchmarks/benchmark.png``
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def draw(results: dict, out: Path) -> None:
    """Two panels: throughput bars (ceiling, our runs, Quix Streams) and latency p50/p95/p99 bars."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5), gridspec_kw={"width_ratios": [3, 2]})
    labels = ["consume ceiling"] + [row["label"] for row in results["throughput"]]
    rates = [results["ceiling_records_per_s"]] + [row["events_per_s"] for row in results["throughput"]]
    colours = ["#888888"] + [
        "#d62728" if row["label"].startswith("Quix") else "#1f77b4" for row in results["throughput"]
    ]
    bars = left.barh(labels[::-1], rates[::-1], color=colours[::-1])
    left.set_xscale("log")
    left.set_xlabel("events per second (log scale)")
    left.set_title("Catching up on preloaded data")
    for bar, rate in zip(bars, rates[::-1], strict=True):
        left.text(
            bar.get_width(), bar.get_y() + bar.get_height() / 2, f" {rate:,.0f}", va="center", fontsize=8
        )
    latency = results.get("latency", [])
    names = [f"{row['guarantee']}\ncheckpoint {row['checkpoint_ms'] / 1000:g} s" for row in latency]
    width = 0.25
    for i, (key, colour) in enumerate((("p50_ms", "#2ca02c"), ("p95_ms", "#ff7f0e"), ("p99_ms", "#9467bd"))):
        right.bar(
            [x + (i - 1) * width for x in range(len(latency))],
            [row[key] for row in latency],
            width,
            label=key.split("_")[0],
            color=colour,
        )
    right.set_xticks(range(len(latency)), names, fontsize=8)
    right.set_ylabel("event → feature latency, ms")
    right.set_title(
        f"Latency of txn_features at {latency[0]['rate']:,.0f} events/s" if latency else "Latency"
    )
    right.legend()
    fig.tight_layout()
    fig.savefig(out, dpi=110)


if __name__ == "__main__":
    draw(json.loads(Path(sys.argv[1]).read_text()), Path(sys.argv[2]))
