"""Scoring specs, the ``scoring`` property group and the SQL a scoring compiles to (no Flink here:
``tests/flink/test_scoring_plan.py`` plans it, ``tests/features/test_scoring_encoding.py`` runs the
encodings, ``tests/integration/test_scoring.py`` calls an endpoint)."""

from __future__ import annotations

import dataclasses
import re
from decimal import Decimal

import pytest

from flink_jobs.config import ConfigError, ScoringConfig, parse_config, to_property_groups
from flink_jobs.features import Category, Flag, Number, PipelineSpec, encode, encode_row
from flink_jobs.features.compiler import FeatureSpecError, validate
from flink_jobs.features.compiler.scoring import (
    QUEUE_SLOTS_PER_CALL,
    call_budget_ms,
    input_sql,
    score_columns,
)
from flink_jobs.pipelines import fraud
from flink_jobs.runtime.job import build_pipeline

BASE = [
    {
        "PropertyGroupId": "kinesis.analytics.flink.run.options",
        "PropertyMap": {"python": "main.py", "jarfile": "lib/pyflink-dependencies.jar"},
    },
    {"PropertyGroupId": "kafka", "PropertyMap": {"bootstrap.servers": "127.0.0.1:9092"}},
    {"PropertyGroupId": "offline", "PropertyMap": {"path": "file:///tmp/offline"}},
]


def config(scoring: dict[str, str] | None = None, pipeline: dict[str, str] | None = None):
    document = list(BASE)
    if scoring is not None:
        document.append({"PropertyGroupId": "scoring", "PropertyMap": scoring})
    document.append({"PropertyGroupId": "pipeline", "PropertyMap": {"name": "fraud", **(pipeline or {})}})
    return parse_config(document)


def with_scoring(**changes: object) -> PipelineSpec:
    return dataclasses.replace(fraud.PIPELINE, scorings=(dataclasses.replace(fraud.fraud_score, **changes),))


# ---- encodings -------------------------------------------------------------------------------


def test_encodings_are_exact() -> None:
    assert encode(Number("a"), Decimal("12.3400")) == 12.34
    assert encode(Number("a"), 7) == 7.0
    assert encode(Number("a"), None) is None
    assert encode(Flag("f"), True) == 1.0 and encode(Flag("f"), False) == 0.0
    assert encode(Flag("f"), None) is None
    tiers = Category("t", ("low", "medium", "high"))
    assert [encode(tiers, v) for v in ("low", "medium", "high", "unknown", None)] == [
        0.0,
        1.0,
        2.0,
        None,
        None,
    ]
    with pytest.raises(TypeError, match="use Flag"):
        encode(Number("a"), True)


def test_a_row_is_encoded_in_input_order() -> None:
    row = {
        "amount": Decimal("99.5000"),
        "txn_count_10m": 3,
        "amount_avg_10m": Decimal("50.250000"),
        "clicks_10m_before": 0,
        "seconds_since_last_click": None,
        "is_foreign": True,
        "risk_tier": "high",
    }
    assert encode_row(fraud.fraud_score, row) == [99.5, 3.0, 50.25, 0.0, None, 1.0, 2.0]


def test_input_sql_matches_each_encoding() -> None:
    assert input_sql(Number("amount")) == "CAST(`amount` AS DOUBLE)"
    assert input_sql(Flag("f")) == "CAST(CASE WHEN `f` THEN 1 WHEN NOT `f` THEN 0 END AS DOUBLE)"
    assert (
        input_sql(Category("t", ("a", "b"))) == "CAST(CASE `t` WHEN 'a' THEN 0 WHEN 'b' THEN 1 END AS DOUBLE)"
    )


# ---- spec checks -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "problem"),
    [
        ({"inputs": ()}, "inputs", "at least one input"),
        ({"inputs": (Number("nope"),)}, "inputs[0]", "unknown column 'nope'"),
        ({"inputs": (Number("risk_tier"),)}, "inputs[0]", "does not fit its type STRING"),
        ({"inputs": (Flag("amount"),)}, "inputs[0]", "does not fit its type DECIMAL"),
        ({"inputs": (Category("is_foreign", ("a",)),)}, "inputs[0]", "does not fit its type BOOLEAN"),
        ({"inputs": (Category("risk_tier", ("a", "a")),)}, "inputs[0].values", "distinct values"),
        ({"inputs": (Number("amount"), Number("amount"))}, "inputs[1]", "an input twice"),
        ({"columns": ("user_id",)}, "columns[0]", "besides its key"),
        ({"columns": ("amount",)}, "columns[0]", "also an input"),
        ({"output": "txn_id"}, "output", "already a column"),
        ({"output": "model_error"}, "output", "already a column"),
        ({"features": fraud.txn_1m}, "features", "per-event feature sets"),
        ({"name": "txn_1m"}, "scorings[0].name", "already a feature set"),
    ],
)
def test_a_bad_scoring_names_its_field(changes: dict[str, object], field: str, problem: str) -> None:
    with pytest.raises(FeatureSpecError) as error:
        validate(with_scoring(**changes))
    assert error.value.field == field
    assert problem in str(error.value)


def test_the_reference_scoring_is_valid_and_has_its_topic_and_dataset() -> None:
    validate(fraud.PIPELINE)
    topics = {t.name: t.role for t in fraud.PIPELINE.topics()}
    assert topics["scores-fraud-score"] == "scores"
    assert "scores/fraud_score" in [d.path for d in fraud.PIPELINE.datasets()]


# ---- the scoring property group --------------------------------------------------------------


def test_scoring_properties_round_trip() -> None:
    cfg = config(
        {
            "fraud_score.endpoint": "fraud-score-prod",
            "region": "eu-west-1",
            "max.in.flight": "16",
            "attempt.timeout.ms": "500",
            "max.attempts": "2",
            "backoff.ms": "50",
        }
    )
    assert cfg.scoring == ScoringConfig(
        endpoints={"fraud_score": "fraud-score-prod"},
        region="eu-west-1",
        max_in_flight=16,
        attempt_timeout_ms=500,
        max_attempts=2,
        backoff_ms=50,
    )
    assert parse_config(to_property_groups(cfg)) == cfg


@pytest.mark.parametrize(
    ("properties", "key", "message"),
    [
        ({"fraud_score.endpoint": "under_score"}, "fraud_score.endpoint", "not a SageMaker endpoint name"),
        ({"fraud_score": "x"}, "fraud_score", "unknown key"),
        ({"endpoint.override": "localhost:1"}, "endpoint.override", "not an http(s) URL"),
        ({"max.attempts": "0"}, "max.attempts", "out of range"),
    ],
)
def test_bad_scoring_properties_name_the_key(properties: dict[str, str], key: str, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        config(properties)
    assert error.value.key == key
    assert message in str(error.value)


def test_an_endpoint_for_an_unknown_scoring_is_refused() -> None:
    with pytest.raises(ConfigError, match="no scoring named 'fraud_scor'") as error:
        build_pipeline(config({"fraud_scor.endpoint": "x"}))
    assert "fraud_score.endpoint" in str(error.value)


def test_a_scoring_whose_feature_set_does_not_run_is_refused() -> None:
    with pytest.raises(ConfigError, match="needs feature set 'txn_features'"):
        build_pipeline(config({"fraud_score.endpoint": "x"}, {"feature.sets": "txn_1m"}))


# ---- compiled SQL ------------------------------------------------------------------------------


def test_without_an_endpoint_nothing_is_scored() -> None:
    sql = build_pipeline(config()).sql()
    assert "ML_PREDICT" not in sql and "CREATE TEMPORARY MODEL" not in sql


def test_with_an_endpoint_one_model_and_three_sinks() -> None:
    compiled = build_pipeline(config({"fraud_score.endpoint": "fraud-score", "max.in.flight": "8"}))
    sql = compiled.sql()
    assert sql.count("CREATE TEMPORARY MODEL `fraud_score_model`") == 1
    assert "'provider' = 'sagemaker'" in sql and "'endpoint' = 'fraud-score'" in sql
    assert sql.count("ML_PREDICT(") == 1
    # 8 calls in flight (the provider's bound); ML_PREDICT's queue has room for watermarks too.
    assert f"'max-concurrent-operations', '{8 * QUEUE_SLOTS_PER_CALL}'" in sql
    assert "'max-connections' = '8'" in sql
    outputs = {(o.table, o.kind, o.target) for o in compiled.outputs if o.feature_set == "fraud_score"}
    assert outputs == {
        ("fraud_score_kafka", "kafka", "scores-fraud-score"),
        ("fraud_score_offline", "parquet", "file:///tmp/offline/scores/fraud_score"),
        ("fraud_score_dead_letter", "dead-letter", "dead-letter"),
    }
    # Scores go out only with a score, dead letters only with a reason.
    inserts = {re.search(r"INSERT INTO `?([^`\s]+)", i).group(1): i for i in compiled.inserts}
    assert "WHERE `model_error` IS NULL" in inserts["fraud_score_kafka"]
    assert "WHERE `model_error` IS NULL" in inserts["fraud_score_offline"]
    assert "WHERE `model_error` IS NOT NULL" in inserts["fraud_score_dead_letter"]


def test_the_score_row() -> None:
    assert score_columns(fraud.fraud_score) == [
        ("user_id", "STRING"),
        ("event_time", "TIMESTAMP(3)"),
        ("txn_id", "STRING"),
        ("fraud_score", "DOUBLE"),
        ("pipeline_version", "STRING"),
    ]


def test_ml_predict_timeout_exceeds_the_providers_budget() -> None:
    """The Java side's callBudget (SageMakerPredictFunctionTest: 4 x 2 s + 100 + 200 + 400 ms)."""
    assert call_budget_ms(ScoringConfig(attempt_timeout_ms=2000, max_attempts=4, backoff_ms=100)) == 8_700
    assert call_budget_ms(ScoringConfig(attempt_timeout_ms=1000, max_attempts=8, backoff_ms=100)) == 15_100
    sql = build_pipeline(config({"fraud_score.endpoint": "e"})).sql()
    timeout = int(re.search(r"'timeout', '(\d+) ms'", sql).group(1))
    # A row may wait behind QUEUE_SLOTS_PER_CALL - 1 rounds of calls, each within one budget.
    assert timeout > QUEUE_SLOTS_PER_CALL * call_budget_ms(ScoringConfig())
