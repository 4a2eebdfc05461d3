"""The first job on the local stack: N events of which K invalid -> exactly K dead letters (with
reason and source position) and exactly the N-K valid transactions in Kafka and in Parquet on S3.

Expectations are computed from the generator's own record of what it sent, independently of the
job's SQL: labels (``invalid_kind``, ``field``) and the partition/offset Kafka acknowledged.
"""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from flink_jobs.config import AppConfig
from msk_features.generator.plan import GenerateSpec, PlannedRecord
from msk_features.kafka_clients import librdkafka_config
from msk_features.localstack.stack import Endpoints
from msk_features.outputs import list_offline_files, read_offline, read_topic
from msk_features.runner import run_job
from tests.integration.pipeline_run import SentData, job_config, send_inputs

pytestmark = pytest.mark.integration

SPEC = GenerateSpec(
    seed=11,
    transactions=400,
    clicks=300,
    profiles=60,
    users=30,
    invalid_fraction=0.1,
    out_of_order_fraction=0.05,
)
EXPECTED_REASON_PREFIX = {
    "bad_json": "bad JSON",
    "missing_field": "missing field",
    "wrong_type": "wrong type",
    "out_of_domain": "out of domain",
}


@pytest.fixture(scope="module")
def sent(local_stack: Endpoints) -> SentData:
    return send_inputs(local_stack, SPEC, "fj-")


@pytest.fixture(scope="module")
def job(
    local_stack: Endpoints, sent: SentData, built_package: Path, tmp_path_factory: pytest.TempPathFactory
) -> AppConfig:
    cfg, properties = job_config(local_stack, sent.topics, "fj-out-", tmp_path_factory.mktemp("fj"))
    run_job(properties, timeout_s=600)
    return cfg


def valid_transactions(records: list[PlannedRecord], topic: str) -> dict[str, dict]:
    return {r.event["txn_id"]: r.event for r in records if r.topic == topic and r.kind != "invalid"}


def test_the_input_has_invalid_and_valid_records(sent: SentData) -> None:
    kinds = Counter(r.kind for r in sent.records)
    assert kinds["invalid"] > 50 and kinds["valid"] > 500  # the test below is about something


def test_dead_letter_topic_holds_exactly_the_invalid_records(sent: SentData, job: AppConfig) -> None:
    invalid = {(r.topic, r.partition, r.offset): r for r in sent.records if r.kind == "invalid"}
    dead = read_topic(librdkafka_config(job.kafka), job.topics.dead_letter)
    assert len(dead) == len(invalid)
    seen = set()
    for letter in dead:
        h = letter.headers
        position = (h["dlq.topic"].decode(), int(h["dlq.partition"]), int(h["dlq.offset"]))
        assert position in invalid, f"{position} was not sent as an invalid record"
        assert position not in seen, f"{position} appears twice in the dead-letter topic"
        seen.add(position)
        source = invalid[position]
        assert letter.value == source.value  # the original bytes, unchanged
        assert letter.key == source.key
        reason = h["dlq.reason"].decode()
        assert reason.startswith(EXPECTED_REASON_PREFIX[source.invalid_kind]), (reason, source.reason)
        if source.field is not None:
            assert f" {source.field}" in reason, (reason, source.field)
        assert h["pipeline.version"].decode() == job.pipeline.version
        assert h["dlq.timestamp"].decode().endswith("Z")
    assert seen == set(invalid)


def test_output_topic_holds_exactly_the_valid_transactions(sent: SentData, job: AppConfig) -> None:
    expected = valid_transactions(sent.records, sent.topics.transactions)
    out = read_topic(librdkafka_config(job.kafka), job.topics.valid_transactions, isolation="read_committed")
    rows = [json.loads(r.value, parse_float=Decimal) for r in out]
    assert len(rows) == len(expected)
    assert Counter(row["txn_id"] for row in rows) == Counter(
        expected.keys()
    )  # no more, no fewer, no duplicates
    for record, row in zip(out, rows, strict=True):
        event = expected[row["txn_id"]]
        assert record.key == event["user_id"].encode()
        assert Decimal(row["amount"]) == Decimal(event["amount"])
        for name in ("user_id", "merchant_id", "currency", "country", "event_time"):
            assert row[name] == event[name], name
        assert row["pipeline_version"] == job.pipeline.version


def test_parquet_holds_exactly_the_valid_transactions(sent: SentData, job: AppConfig) -> None:
    assert job.offline is not None and job.offline.path.startswith("s3a://")
    expected = valid_transactions(sent.records, sent.topics.transactions)
    table = read_offline(job.offline, "transactions")
    rows = table.to_pylist()
    assert len(rows) == len(expected)
    assert Counter(row["txn_id"] for row in rows) == Counter(expected.keys())
    for row in rows:
        event = expected[row["txn_id"]]
        assert row["amount"] == Decimal(event["amount"])
        # event_time is UTC without a zone: compare with the contract's text
        assert row["event_time"].strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z" == event["event_time"]
        assert (row["dt"], row["hr"]) == (event["event_time"][:10], event["event_time"][11:13])
        assert row["user_id"] == event["user_id"] and row["country"] == event["country"]
    files = list_offline_files(job.offline, "transactions")
    partitions = {f.rsplit("/", 1)[0] for f in files}
    markers = {f.rsplit("/", 1)[0] for f in files if f.endswith("/_SUCCESS")}
    assert markers == partitions  # every dt/hr partition committed at the end of the bounded run
    assert not [f for f in files if f.rsplit("/", 1)[1].startswith(".")]  # no in-progress files left
