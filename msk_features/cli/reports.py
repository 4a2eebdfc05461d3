"""The JSON documents of ``--output json`` (``lag``, ``cost``, ``topics apply``, ``outputs``, ``deploy``,
``train``, ``training-set``, ``parity``).

Each function turns what a command computed into plain JSON values (numbers stay numbers, a missing
value is ``null``), so scripts can read exactly what the table shows. The keys are stable: tests hold
each document's schema (tests/unit/cli/test_reports.py).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from msk_features.operations.cost import CostEstimate, LineItem, total

if TYPE_CHECKING:  # the Kafka and S3 clients, pandas and XGBoost load only for the commands that use them
    from msk_features.kafka.topic_setup import TopicResult
    from msk_features.offline.feature_parity import ParityReport
    from msk_features.offline.train import TrainReport
    from msk_features.offline.training_set import TrainingSetReport
    from msk_features.operations.deploy import DeployReport
    from msk_features.operations.lag import PartitionLag
    from msk_features.operations.outputs import OutputSummary

__all__ = [
    "cost_report",
    "deploy_report",
    "dumps",
    "lag_report",
    "outputs_report",
    "parity_report",
    "topics_report",
    "train_report",
    "training_set_report",
]


def dumps(document: Mapping[str, Any]) -> str:
    """The document as the commands print it: indented JSON, one trailing newline."""
    return json.dumps(document, indent=2) + "\n"


def lag_report(
    group: str, bootstrap_servers: str, rows: Sequence[PartitionLag], breached: Sequence[str]
) -> dict[str, Any]:
    """``msk-features lag``: per partition, the totals the table's last row shows and the breaches."""
    return {
        "group": group,
        "bootstrap_servers": bootstrap_servers,
        "partitions": [dataclasses.asdict(row) for row in rows],
        "total_lag": sum(row.lag for row in rows),
        "max_time_lag_s": max((row.time_lag_s or 0.0 for row in rows), default=0.0),
        "breached": list(breached),
    }


def _bill(items: Sequence[LineItem]) -> dict[str, Any]:
    return {"items": [dataclasses.asdict(item) for item in items], "total_usd": total(list(items))}


def cost_report(estimate: CostEstimate) -> dict[str, Any]:
    """``msk-features cost``: the inputs, each bill and the totals with and without Flink and S3.

    ``provisioned_cheaper_above_messages_per_s``: ``null`` when never, ``0`` when cheaper even idle.
    """
    inputs, rest = estimate.inputs, estimate.rest()
    provisioned = estimate.provisioned
    return {
        "inputs": dataclasses.asdict(inputs),
        "bytes_in_per_s": inputs.bytes_in_per_s(),
        "region": estimate.prices.region,
        "hours_per_month": estimate.prices.hours_per_month,
        "msk_serverless": _bill(estimate.serverless),
        "msk_provisioned": {
            broker_type: {
                "brokers": inputs.brokers,
                **_bill(items),
                "provisioned_cheaper_above_messages_per_s": estimate.breakeven[broker_type],
            }
            for broker_type, items in provisioned.items()
        },
        "managed_flink": _bill(estimate.flink),
        "s3": _bill(estimate.lake),
        "monthly_total_usd": {
            "serverless": total(estimate.serverless) + rest,
            **{f"provisioned {t}": total(items) + rest for t, items in provisioned.items()},
        },
    }


def topics_report(
    pipeline: str, bootstrap_servers: str, dry_run: bool, results: Sequence[TopicResult]
) -> dict[str, Any]:
    """``msk-features topics apply``: one entry per topic (outcome created, exists, missing or
    mismatch) and the number that differ from the spec (the command exits 1 when it is not 0)."""
    return {
        "pipeline": pipeline,
        "bootstrap_servers": bootstrap_servers,
        "dry_run": dry_run,
        "topics": [
            {
                "name": r.name,
                "outcome": r.outcome,
                "partitions": r.partitions,
                "cleanup_policy": "compact" if r.compacted else "delete",
                "retention_ms": None if r.compacted else r.retention_ms,
                "detail": r.detail,
            }
            for r in results
        ],
        "mismatches": sum(1 for r in results if r.outcome == "mismatch"),
    }


def outputs_report(summary: OutputSummary) -> dict[str, Any]:
    """``msk-features outputs``: records per output topic (read_committed), dead letters by reason,
    late records by source, the Parquet datasets (finished files only) and a sample of rows."""
    return {
        "topics": dict(summary.topics),
        "dead_letters_by_reason": dict(summary.dead_letters_by_reason),
        "late_by_source": dict(summary.late_by_source),
        "datasets": [dataclasses.asdict(ds) for ds in summary.datasets],
        "sample_feature_set": summary.sample_feature_set,
        "sample": json.loads(json.dumps(summary.sample, default=str)),
    }


def deploy_report(report: DeployReport) -> dict[str, Any]:
    """``msk-features deploy``: the application as read before any action, the code it runs, the
    local build's key, whether they are the same build (``code_current``: ``null`` without a local
    build), and what ``--start`` / ``--stop`` did (``action``: ``null`` for the check alone;
    ``outcome`` one of requested, already, dry-run, refused)."""
    state, result = report.state, report.action
    return {
        "application": state.application,
        "status": state.status,
        "application_version": state.application_version,
        "snapshots_enabled": state.snapshots_enabled,
        "code": None if state.code is None else dataclasses.asdict(state.code),
        "local_zip": None if state.local_zip is None else str(state.local_zip),
        "local_key": state.local_key,
        "code_current": state.code_current,
        "verdict": state.verdict(),
        "action": None
        if result is None
        else {"name": result.action, "outcome": result.outcome, "detail": result.detail},
        "dry_run": report.dry_run,
    }


def train_report(report: TrainReport) -> dict[str, Any]:
    """``msk-features train``: where the model went (``out``, the ``files`` written) and everything
    ``model.json`` records (scoring, inputs, XGBoost version, ranges, holdout metrics, labels)."""
    return {"out": report.out, "files": list(report.files), **report.description}


def training_set_report(report: TrainingSetReport) -> dict[str, Any]:
    """``msk-features training-set``: the file written, its labels, per feature set how many labels
    found a row, and the columns."""
    return {**dataclasses.asdict(report), "out": str(report.out)}  # the fields' order, "out" first


def parity_report(report: ParityReport, examples: int) -> dict[str, Any]:
    """``msk-features parity``: the backfill it compared with, the late records of the range
    (``null`` with ``--no-kafka``), ``ok`` (no difference) and per feature set and live output the
    counts and up to ``examples`` rows of each kind of difference (values as JSON, else as text)."""
    run = report.backfill.report()
    document = {
        "pipeline": report.pipeline,
        "from": run["from"],
        "to": run["to"],
        "backfill": run,
        "late_records_in_range": report.late_records_in_range,
        "ok": report.ok,
        "feature_sets": [c.report(examples) for c in report.comparisons],
    }
    result: dict[str, Any] = json.loads(json.dumps(document, default=str))
    return result
