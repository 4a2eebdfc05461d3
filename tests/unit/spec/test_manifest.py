"""The pipeline manifest, the ``topics`` group keyed by source name, and pipeline discovery."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from flink_jobs.config import ConfigError, TopicsConfig, parse_config, to_property_groups
from flink_jobs.features.manifest import manifest
from flink_jobs.pipelines import (
    ENV_PIPELINE_PACKAGES,
    get_pipeline,
    pipeline_names,
    pipeline_topics,
    topics_of,
)
from msk_features.cli import main

BASE = [
    {
        "PropertyGroupId": "kinesis.analytics.flink.run.options",
        "PropertyMap": {"python": "main.py", "jarfile": "lib/pyflink-dependencies.jar"},
    },
    {"PropertyGroupId": "kafka", "PropertyMap": {"bootstrap.servers": "b-1:9098", "auth": "iam"}},
]


def with_topics(property_map: dict[str, str]) -> list[dict]:
    return [*BASE, {"PropertyGroupId": "topics", "PropertyMap": property_map}]


def test_topics_group_names_sources_by_their_name_and_round_trips() -> None:
    cfg = parse_config(with_topics({"profiles": "crm.profiles.v2", "partitions": "6"}))
    assert cfg.topics.sources == {"profiles": "crm.profiles.v2"}
    assert cfg.topics.partitions == 6
    assert cfg.topics.source_topic("profiles") == "crm.profiles.v2"
    assert cfg.topics.source_topic("clicks") == "clicks"
    assert parse_config(to_property_groups(cfg)).topics == cfg.topics


def test_every_topic_of_the_reference_pipeline_with_a_renamed_source() -> None:
    topics = TopicsConfig(sources={"profiles": "crm.profiles.v2"}, partitions=6, retention_ms=1000)
    got = [
        (t.name, t.role, t.owner, t.partitions, t.compacted, t.retention_ms)
        for t in pipeline_topics(topics, "fraud")
    ]
    assert got == [
        ("transactions", "input", "transactions", 6, False, 1000),
        ("clicks", "input", "clicks", 6, False, 1000),
        ("crm.profiles.v2", "input", "profiles", 6, True, None),  # versioned: compacted, kept forever
        ("labels", "input", "labels", 6, False, 1000),
        ("dead-letter", "dead_letter", None, 6, False, 1000),
        ("late-events", "late_events", None, 6, False, 1000),
        ("features-txn-1m", "features", "txn_1m", 6, False, 1000),
        ("features-txn-1h", "features", "txn_1h", 6, False, 1000),
        ("features-session", "features", "session", 6, False, 1000),
        ("features-txn-features", "features", "txn_features", 6, False, 1000),
        ("scores-fraud-score", "scores", "fraud_score", 6, False, 1000),
    ]


def test_a_topic_override_for_an_unknown_source_names_the_known_ones() -> None:
    cfg = parse_config(with_topics({"transaction": "tx"}))
    with pytest.raises(ConfigError) as info:
        pipeline_topics(cfg.topics, "fraud")
    assert str(info.value) == (
        "property group 'topics', key 'transaction': pipeline 'fraud' has no source named 'transaction' "
        "(expected one of transactions, clicks, profiles, labels (or a fixed key: dead.letter, late.events, "
        "partitions, retention.ms))"
    )


def test_malformed_source_key_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="malformed key"):
        parse_config(with_topics({"Transactions": "tx"}))


def test_manifest_lists_what_the_spec_implies() -> None:
    doc = manifest(get_pipeline("fraud"), offline_path="s3a://lake/offline")
    assert doc["format"] == 1 and doc["pipeline"] == "fraud"
    assert [(s["name"], s["key"], s["event_time"], s["versioned"]) for s in doc["sources"]] == [
        ("transactions", "user_id", "event_time", False),
        ("clicks", "user_id", "event_time", False),
        ("profiles", "user_id", "updated_at", True),
        ("labels", "user_id", "labeled_at", False),
    ]
    assert {fs["name"]: fs["topic"] for fs in doc["feature_sets"]} == {
        "txn_1m": "features-txn-1m",
        "txn_1h": "features-txn-1h",
        "session": "features-session",
        "txn_features": "features-txn-features",
    }
    txn_1m = doc["feature_sets"][0]
    assert [c["name"] for c in txn_1m["columns"]] == [
        "user_id", "window_start", "window_end", "txn_count", "amount_sum", "pipeline_version",
    ]  # fmt: skip
    assert len(doc["topics"]) == 4 + 2 + 4 + 1
    (scoring,) = doc["scorings"]
    assert (scoring["name"], scoring["feature_set"], scoring["topic"]) == (
        "fraud_score", "txn_features", "scores-fraud-score",
    )  # fmt: skip
    assert scoring["inputs"][-1] == {
        "column": "risk_tier",
        "encoding": "category",
        "values": ["low", "medium", "high"],
    }
    assert [d["location"] for d in doc["datasets"]] == [
        "s3a://lake/offline/features/txn_1m",
        "s3a://lake/offline/features/txn_1h",
        "s3a://lake/offline/features/session",
        "s3a://lake/offline/features/txn_features",
        "s3a://lake/offline/events/transactions",
        "s3a://lake/offline/events/clicks",
        "s3a://lake/offline/events/profiles",
        "s3a://lake/offline/events/labels",
        "s3a://lake/offline/scores/fraud_score",
    ]
    json.dumps(doc)  # JSON-ready


def test_manifest_command_prints_json_and_rejects_an_unknown_pipeline() -> None:
    runner = CliRunner()
    ok = runner.invoke(main, ["manifest", "fraud"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output) == manifest(get_pipeline("fraud"))
    bad = runner.invoke(main, ["manifest", "nope"])
    assert bad.exit_code == 1 and "unknown pipeline 'nope'" in bad.output and "Traceback" not in bad.output


def test_pipelines_are_the_modules_of_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_PIPELINE_PACKAGES, raising=False)
    folder = Path(__file__).resolve().parents[3] / "flink_jobs" / "pipelines"
    modules = sorted(path.stem for path in folder.glob("*.py") if not path.name.startswith("_"))
    assert pipeline_names() == modules and "fraud" in modules
    assert "fraud_windows" not in modules  # the benchmark's subset is not shipped


def test_pipelines_sharing_topics_create_them_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_PIPELINE_PACKAGES, "msk_features.bench.pipelines")  # fraud_windows: fraud's subset
    names = [t.name for t in topics_of(["fraud", "fraud_windows"])]
    assert len(names) == len(set(names)) and set(names) == {t.name for t in pipeline_topics(None, "fraud")}
