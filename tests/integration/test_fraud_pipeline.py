"""The reference pipeline on the local stack (real broker, S3 server, Flink mini-cluster), bounded.

Two runs, each compared row by row with the independent reference (:mod:`tests.reference.fraud`):

- the hand-made edge cases (:mod:`tests.support.fraud_edge_cases`) on single-partition topics, where
  lateness is exact: every feature row of every output, in Kafka (read_committed) and in Parquet,
  equals the reference; late and invalid records land in their topics and nowhere else;
- a seeded generated set (3 partitions, invalid and out-of-order records, several hours, labels
  included) as a second, larger check of the same equalities, and of the archives (labels too).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from flink_jobs.config import AppConfig, OfflineConfig
from msk_features.dev.generator.plan import GenerateSpec
from msk_features.kafka.auth import librdkafka_config
from msk_features.operations.outputs import read_topic
from msk_features.runner import run_job
from tests.reference.fraud import Expected
from tests.support.fraud_check import (
    assert_archives_hold_on_time_events,
    assert_same_rows,
    kafka_rows,
    parquet_rows,
    positions,
    reference_for,
)
from tests.support.fraud_edge_cases import planned_records
from tests.support.pipeline_run import FEATURE_SETS, SentData, job_config, send_inputs, send_records

pytestmark = pytest.mark.slow

VERSION = "edge-v1"
NON_UTC_ZONE = "America/New_York"


@pytest.fixture(scope="module")
def edge(
    local_stack, built_package: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[SentData, AppConfig, Expected]:
    sent = send_records(local_stack, planned_records(), "edge-", partitions=1)
    cfg, properties = job_config(
        local_stack, sent.topics, "edge-out-", tmp_path_factory.mktemp("edge"), version=VERSION
    )
    # The JVM runs in a time zone west of UTC: Parquet timestamps must not depend on it (flink-parquet's
    # default INT96 shifted every instant by the UTC offset); Kafka rows and dt/hr are checked too.
    run_job(properties, timeout_s=600, extra_env={"TZ": NON_UTC_ZONE})
    return sent, cfg, reference_for(sent.records, cfg)


def test_edge_cases_exercise_what_they_claim(edge: tuple[SentData, AppConfig, Expected]) -> None:
    """The reference itself sees the intended late records (guards the data set, not the job)."""
    _, _, expected = edge
    late_times = sorted(v["event_time"] for v in expected.late.values())
    assert late_times == [
        "2026-11-24T10:00:00.000Z",  # profile of u5
        "2026-11-24T10:09:29.000Z",  # T8
        "2026-11-24T10:09:30.000Z",  # T8b, exactly at the watermark
        "2026-11-24T10:58:29.999Z",  # c8
    ]
    assert len(expected.invalid) == 6
    # A profile version out of order within the watermark delay still enriches the transactions after
    # it (an event-time temporal join on a deduplicated versioned view would drop that version).
    homes = {r["txn_id"]: r["home_country"] for r in expected.features["txn_features"]}
    assert (homes["T21"], homes["T22"]) == ("PT", "ES")


@pytest.mark.parametrize("feature_set", FEATURE_SETS)
def test_edge_cases_kafka_features_equal_reference(
    edge: tuple[SentData, AppConfig, Expected], feature_set: str
) -> None:
    _, cfg, expected = edge
    assert_same_rows(kafka_rows(cfg, feature_set), expected.features[feature_set], f"Kafka {feature_set}")


@pytest.mark.parametrize("feature_set", FEATURE_SETS)
def test_edge_cases_parquet_features_equal_reference(
    edge: tuple[SentData, AppConfig, Expected], feature_set: str
) -> None:
    _, cfg, expected = edge
    assert_same_rows(parquet_rows(cfg, feature_set), expected.features[feature_set], f"Parquet {feature_set}")


def test_edge_cases_late_records_in_late_topic_only(edge: tuple[SentData, AppConfig, Expected]) -> None:
    sent, cfg, expected = edge
    by_name = {topic: source for source, topic in sent.topics.sources.items()}
    late = read_topic(librdkafka_config(cfg.kafka), cfg.topics.late_events)
    got = {(by_name[t], p, o): h for (t, p, o), h in positions(late, "late").items()}
    assert len(got) == len(late), "a late record was written twice"
    assert set(got) == set(expected.late)
    for position, headers in got.items():
        want = expected.late[position]
        assert headers["late.reason"] == want["reason"]
        assert headers["late.event_time"] == want["event_time"]
        assert headers["late.watermark"] == want["watermark"]
        assert headers["late.lateness_ms"] == want["lateness_ms"]
        assert headers["pipeline.version"] == VERSION
    # The original bytes are kept.
    sent_values = {(r.stream, r.partition, r.offset): r.value for r in sent.records}
    for record in late:
        headers = {k: v.decode() for k, v in record.headers.items()}
        key = (by_name[headers["late.topic"]], int(headers["late.partition"]), int(headers["late.offset"]))
        assert record.value == sent_values[key]


def test_edge_cases_invalid_records_in_dead_letter_topic_only(
    edge: tuple[SentData, AppConfig, Expected],
) -> None:
    sent, cfg, expected = edge
    by_name = {topic: source for source, topic in sent.topics.sources.items()}
    dead = read_topic(librdkafka_config(cfg.kafka), cfg.topics.dead_letter)
    got = {(by_name[t], p, o) for (t, p, o) in positions(dead, "dlq")}
    assert len(got) == len(dead)
    assert got == expected.invalid


def test_edge_cases_archive_holds_exactly_the_on_time_events(
    edge: tuple[SentData, AppConfig, Expected],
) -> None:
    """Late and invalid records reach no output but their own topic: the archives hold the rest."""
    _, cfg, expected = edge
    for source, rows in assert_archives_hold_on_time_events(cfg, expected).items():
        if source == "labels":  # the edge cases send no labels: its archive is empty (checked above)
            assert not rows
            continue
        assert {r["pipeline_version"] for r in rows} == {VERSION}, source


GENERATED = GenerateSpec(
    seed=7,
    transactions=1500,
    clicks=1200,
    profiles=150,
    users=40,
    merchants=20,
    invalid_fraction=0.05,
    out_of_order_fraction=0.05,
    labels=True,
)


@pytest.fixture(scope="module")
def generated(
    local_stack, built_package: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[SentData, AppConfig, Expected]:
    from datetime import timedelta

    sent = send_inputs(local_stack, replace(GENERATED, span=timedelta(hours=3)), "gen-", partitions=3)
    cfg, properties = job_config(local_stack, sent.topics, "gen-out-", tmp_path_factory.mktemp("gen"))
    run_job(properties, timeout_s=600)
    expected = reference_for(sent.records, cfg)
    assert not expected.late, "precondition: no record is late by the per-partition rule"
    return sent, cfg, expected


@pytest.mark.parametrize("feature_set", FEATURE_SETS)
def test_generated_features_equal_reference(
    generated: tuple[SentData, AppConfig, Expected], feature_set: str
) -> None:
    _, cfg, expected = generated
    assert expected.features[feature_set], "the reference expects rows"
    assert_same_rows(kafka_rows(cfg, feature_set), expected.features[feature_set], f"Kafka {feature_set}")
    assert_same_rows(parquet_rows(cfg, feature_set), expected.features[feature_set], f"Parquet {feature_set}")


def test_generated_archives_hold_the_on_time_events_labels_included(
    generated: tuple[SentData, AppConfig, Expected],
) -> None:
    """Every on-time record of every input, labels too, is archived once; each archived label names
    a transaction the job scored, with that transaction's event time as ``txn_time``."""
    _, cfg, expected = generated
    archives = assert_archives_hold_on_time_events(cfg, expected)
    assert archives["labels"], "the generator sent labels"
    scored = {r.event["txn_id"]: r.event["event_time"] for r in expected.on_time["transactions"] if r.event}
    for row in archives["labels"]:
        assert scored.get(row["txn_id"]) == row["txn_time"], row


def test_train_on_the_jobs_archive_gives_the_model_of_the_reference_datasets(
    generated: tuple[SentData, AppConfig, Expected], tmp_path: Path
) -> None:
    """``msk-features train`` on what the job wrote (labels archive, txn_features, on the S3 server)
    gives byte for byte the model trained on the datasets the reference computes for the same
    records: the job's rows are the reference's, and training depends on nothing else."""
    import json

    from click.testing import CliRunner

    from flink_jobs.config import to_property_groups
    from msk_features.cli import main
    from tests.reference.fraud import InputRecord
    from tests.reference.offline_data import write_offline

    sent, cfg, _ = generated
    live_props = tmp_path / "live.json"
    live_props.write_text(json.dumps(to_property_groups(cfg)))
    root = tmp_path / "reference"
    records = [
        InputRecord(r.stream, r.partition or 0, r.offset or 0, r.kind != "invalid", r.event)
        for r in sent.records
    ]
    write_offline(records, root, version=cfg.pipeline.version)
    ref_cfg = replace(cfg, offline=OfflineConfig(path=f"file://{root}"))
    ref_props = tmp_path / "reference.json"
    ref_props.write_text(json.dumps(to_property_groups(ref_cfg)))
    reports = []
    for props, out in ((live_props, tmp_path / "live-model"), (ref_props, tmp_path / "ref-model")):
        result = CliRunner().invoke(
            main, ["train", "fraud", "--properties", str(props), "--out", str(out), "--output", "json"]
        )
        assert result.exit_code == 0, result.output
        reports.append(json.loads(result.stdout))
    live, reference = reports
    assert live["labels"]["read"] == reference["labels"]["read"] > 1000
    assert live["labels"]["without_features"] == 0
    assert live["holdout"] == reference["holdout"]
    assert live["artifact"]["sha256"] == reference["artifact"]["sha256"]
