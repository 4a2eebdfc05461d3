"""``--output json`` of ``lag``, ``cost``, ``topics apply``, ``outputs``, ``training-set``, ``train`` and
``parity``: the documents' schemas."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from flink_jobs.config import BackfillConfig
from msk_features.cli import main
from msk_features.cli.reports import (
    dumps,
    lag_report,
    outputs_report,
    parity_report,
    topics_report,
    train_report,
    training_set_report,
)
from msk_features.kafka.topic_setup import TopicResult
from msk_features.offline.backfill import BackfillRun
from msk_features.offline.feature_parity import Comparison, ParityReport
from msk_features.offline.train import TrainReport
from msk_features.offline.training_set import TrainingSetReport
from msk_features.operations.cost import CostInputs, load_prices, serverless_cost, total
from msk_features.operations.lag import PartitionLag
from msk_features.operations.outputs import DatasetSummary, OutputSummary


def _bill_ok(bill: dict[str, object]) -> None:
    assert set(bill) == {"items", "total_usd"}
    items = bill["items"]
    assert isinstance(items, list) and items
    for item in items:
        assert set(item) == {"item", "quantity", "monthly_usd"}
        assert isinstance(item["item"], str) and isinstance(item["monthly_usd"], float)
    assert bill["total_usd"] == pytest.approx(sum(i["monthly_usd"] for i in items))


def test_cost_json_has_every_bill_and_the_totals() -> None:
    result = CliRunner().invoke(
        main, ["cost", "--messages-per-s", "5000", "--broker-type", "kafka.m7g.large", "--output", "json"]
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert set(document) == {
        "inputs",
        "bytes_in_per_s",
        "region",
        "hours_per_month",
        "msk_serverless",
        "msk_provisioned",
        "managed_flink",
        "s3",
        "monthly_total_usd",
    }
    assert document["inputs"]["messages_per_s"] == 5000 and document["bytes_in_per_s"] == 5000 * 500
    for key in ("msk_serverless", "managed_flink", "s3"):
        _bill_ok(document[key])
    (broker,) = document["msk_provisioned"]
    assert broker == "kafka.m7g.large"
    provisioned = document["msk_provisioned"][broker]
    assert provisioned["brokers"] == 3
    _bill_ok({k: provisioned[k] for k in ("items", "total_usd")})
    assert provisioned["provisioned_cheaper_above_messages_per_s"] == 0  # the table says "always"
    expected = total(serverless_cost(CostInputs(messages_per_s=5000), load_prices()))
    assert document["msk_serverless"]["total_usd"] == pytest.approx(expected)
    rest = document["managed_flink"]["total_usd"] + document["s3"]["total_usd"]
    assert document["monthly_total_usd"] == pytest.approx(
        {"serverless": expected + rest, f"provisioned {broker}": provisioned["total_usd"] + rest}
    )


def test_lag_json_lists_partitions_totals_and_breaches() -> None:
    rows = [
        PartitionLag("transactions", 0, 120, 100, 20, 4.5),
        PartitionLag("transactions", 1, 10, None, 10, None),
    ]
    document = json.loads(json.dumps(lag_report("g", "b:9098", rows, ["total lag 30 > 5"])))
    assert document == {
        "group": "g",
        "bootstrap_servers": "b:9098",
        "partitions": [
            {
                "topic": "transactions",
                "partition": 0,
                "end_offset": 120,
                "committed": 100,
                "lag": 20,
                "time_lag_s": 4.5,
            },
            {
                "topic": "transactions",
                "partition": 1,
                "end_offset": 10,
                "committed": None,
                "lag": 10,
                "time_lag_s": None,
            },
        ],
        "total_lag": 30,
        "max_time_lag_s": 4.5,
        "breached": ["total lag 30 > 5"],
    }
    assert lag_report("g", "b:1", [], [])["total_lag"] == 0


def test_topics_apply_json_gives_each_topics_outcome_and_the_mismatch_count() -> None:
    results = [
        TopicResult("transactions", "created", 3, False, "", 604_800_000),
        TopicResult("profiles", "exists", 3, True, "", None),
        TopicResult("clicks", "mismatch", 1, False, "has 1 partitions, the spec says 3 (left unchanged)", 1),
        TopicResult("features-txn-1m", "missing", 3, False, "would be created", 604_800_000),
    ]
    document = json.loads(json.dumps(topics_report("fraud", "b:9098", True, results)))
    assert set(document) == {"pipeline", "bootstrap_servers", "dry_run", "topics", "mismatches"}
    assert (document["pipeline"], document["dry_run"], document["mismatches"]) == ("fraud", True, 1)
    assert document["topics"][1] == {
        "name": "profiles",
        "outcome": "exists",
        "partitions": 3,
        "cleanup_policy": "compact",
        "retention_ms": None,
        "detail": "",
    }
    assert [t["outcome"] for t in document["topics"]] == ["created", "exists", "mismatch", "missing"]
    assert document["topics"][0]["retention_ms"] == 604_800_000


def test_outputs_json_has_topics_dead_letters_late_datasets_and_sample() -> None:
    summary = OutputSummary(
        topics={"features-txn-1m (txn_1m)": 12},
        dead_letters_by_reason={"invalid_json": 2},
        late_by_source={"clicks": 1},
        datasets=[DatasetSummary("features/txn_1m", 2, 12, 1, 1)],
        sample=[{"txn_id": "t1", "event_time": datetime(2026, 11, 24, 10, 0, tzinfo=UTC), "amount": 1.5}],
        sample_feature_set="txn_features",
    )
    document = json.loads(json.dumps(outputs_report(summary)))
    assert document == {
        "topics": {"features-txn-1m (txn_1m)": 12},
        "dead_letters_by_reason": {"invalid_json": 2},
        "late_by_source": {"clicks": 1},
        "datasets": [
            {"name": "features/txn_1m", "files": 2, "rows": 12, "partitions": 1, "success_markers": 1}
        ],
        "sample_feature_set": "txn_features",
        "sample": [{"txn_id": "t1", "event_time": "2026-11-24 10:00:00+00:00", "amount": 1.5}],
    }


@pytest.mark.parametrize("command", [["lag"], ["cost"], ["topics", "apply"], ["outputs"]])
def test_each_command_offers_json_output_and_refuses_other_formats(command: list[str]) -> None:
    runner = CliRunner()
    help_text = runner.invoke(main, [*command, "--help"]).output
    assert "--output [table|json]" in help_text
    result = runner.invoke(main, [*command, "--output", "xml"])
    assert result.exit_code == 2 and "'xml' is not one of 'table', 'json'" in result.output
    assert "Traceback" not in result.output


def test_training_set_json_names_the_file_labels_rows_found_and_columns(tmp_path: Path) -> None:
    report = TrainingSetReport(tmp_path / "t.parquet", 3, {"txn_1m": 2}, ["user_id", "label_time"])
    assert json.loads(json.dumps(training_set_report(report))) == {
        "out": str(tmp_path / "t.parquet"),
        "labels": 3,
        "with_a_row": {"txn_1m": 2},
        "columns": ["user_id", "label_time"],
    }


def test_train_json_is_where_it_wrote_then_model_json() -> None:
    report = TrainReport(
        "m", ["m/model.tar.gz", "m/model.json"], {"scoring": "s", "holdout": {"auc": 0.9}}, {}
    )
    assert list(train_report(report)) == ["out", "files", "scoring", "holdout"]
    assert train_report(report)["files"] == ["m/model.tar.gz", "m/model.json"]


def test_parity_json_has_the_backfill_the_verdict_and_each_comparison() -> None:
    start, end = datetime(2026, 11, 24, 10, tzinfo=UTC), datetime(2026, 11, 24, 12, tzinfo=UTC)
    run = BackfillRun(
        "p", BackfillConfig(start, end, run="r"), "file:///l/backfill/r", "backfill/r", {}, 0, 1.0, 0.5
    )
    differing = Comparison("txn_1m", "kafka", matched=4, missing=[{"amount": Decimal("1.5"), "at": start}])
    report = ParityReport("p", run, [Comparison("txn_1m", "parquet", matched=5), differing], None)
    document = json.loads(dumps(parity_report(report, examples=1)))
    assert set(document) == {
        "pipeline",
        "from",
        "to",
        "backfill",
        "late_records_in_range",
        "ok",
        "feature_sets",
    }
    assert (document["from"], document["to"], document["ok"]) == (
        "2026-11-24T10:00:00Z",
        "2026-11-24T12:00:00Z",
        False,
    )
    assert document["late_records_in_range"] is None and document["backfill"]["run"] == "r"
    assert [(f["live"], f["matched"], f["missing"]) for f in document["feature_sets"]] == [
        ("parquet", 5, 0),
        ("kafka", 4, 1),
    ]
    assert document["feature_sets"][1]["examples"]["missing"] == [
        {"amount": "1.5", "at": "2026-11-24 10:00:00+00:00"}
    ]
