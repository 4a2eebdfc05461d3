"""The benchmark's workload, named once: which pipelines it runs and the parts of them it reads by name.

The harness measures the shipped reference pipeline (:data:`FULL`) and its window subset
(:data:`SUBSET`, :mod:`msk_features.bench.pipelines.fraud_windows`, the like-for-like workload of
the Quix Streams comparison). The subset is not shipped: it lives in :data:`PIPELINE_PACKAGE`,
which :func:`bench_pipelines` adds to ``$MSK_FEATURES_PIPELINE_PACKAGES`` for the harness and the
job processes it starts. Every other module of :mod:`msk_features.bench` takes these names from
here (``tests/unit/layout/test_no_pipeline_names.py`` holds it to that; ``tests/unit/bench/test_workload.py``
holds the names to the specs).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from flink_jobs.pipelines import ENV_PIPELINE_PACKAGES, pipeline_packages

__all__ = [
    "CLICKS",
    "FULL",
    "HOPPING",
    "PER_EVENT",
    "PIPELINE_PACKAGE",
    "PROFILES",
    "SUBSET",
    "TRANSACTIONS",
    "TUMBLING",
    "bench_pipelines",
]

FULL = "fraud"
"""The full pipeline: every source, window, per-event set, the archive and the scoring."""
SUBSET = "fraud_windows"
"""The tumbling + hopping subset of :data:`FULL` on transactions only (no archive)."""
PIPELINE_PACKAGE = "msk_features.bench.pipelines"
"""Where :data:`SUBSET` is defined (a package of pipeline modules, see :mod:`flink_jobs.pipelines`)."""

TRANSACTIONS = "transactions"
"""The source the subset reads, the validation stage decodes and the scoring scores."""
CLICKS = "clicks"
PROFILES = "profiles"
"""The other sources the generated data fills (with :data:`TRANSACTIONS`: 50/40/10)."""
TUMBLING = "txn_1m"
"""The subset's tumbling window (1 min), whose rows are counted independently."""
HOPPING = "txn_1h"
"""The subset's hopping window (1 h every 5 min), whose rows are counted independently."""
PER_EVENT = "txn_features"
"""The full pipeline's per-event feature set: one row per transaction; the latency is timed on it."""


@contextmanager
def bench_pipelines() -> Iterator[None]:
    """Within: ``$MSK_FEATURES_PIPELINE_PACKAGES`` names :data:`PIPELINE_PACKAGE` too (after any
    package it named already), so that :func:`flink_jobs.pipelines.get_pipeline` finds
    :data:`SUBSET` in this process and in the job processes started here, which inherit the
    environment; restored afterwards."""
    before = os.environ.get(ENV_PIPELINE_PACKAGES)
    extra = [p for p in pipeline_packages()[1:] if p != PIPELINE_PACKAGE]
    os.environ[ENV_PIPELINE_PACKAGES] = ",".join([*extra, PIPELINE_PACKAGE])
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(ENV_PIPELINE_PACKAGES, None)
        else:
            os.environ[ENV_PIPELINE_PACKAGES] = before
