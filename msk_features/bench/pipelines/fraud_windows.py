"""The tumbling + hopping subset of the fraud pipeline: ``txn_1m`` and ``txn_1h`` on transactions only.

The same feature sets as :mod:`flink_jobs.pipelines.fraud` (same windows, same aggregations, same
validation, dead-letter and late-event routing), without the raw-event archive: the like-for-like
workload the benchmarks compare with a Python stream library (``docs/benchmarks/``). Not shipped:
``msk-features sql|run fraud_windows`` find it with
``MSK_FEATURES_PIPELINE_PACKAGES=msk_features.bench.pipelines`` (the benchmark sets it itself).
"""

from __future__ import annotations

from dataclasses import replace

from flink_jobs.features import PipelineSpec, Source
from flink_jobs.pipelines import fraud
from flink_jobs.pipelines.fraud import TRANSACTIONS

transactions = Source(TRANSACTIONS, archive=False)

PIPELINE = PipelineSpec(
    name="fraud_windows",
    sources=(transactions,),
    feature_sets=(replace(fraud.txn_1m, source=transactions), replace(fraud.txn_1h, source=transactions)),
    description="Per-user tumbling (1 min) and hopping (1 h every 5 min) transaction windows.",
)
