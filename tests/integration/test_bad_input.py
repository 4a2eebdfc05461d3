"""Bad input on the real stack: one bounded run of the fraud pipeline over topics holding generated
valid records interleaved with the whole bad-input corpus (:mod:`tests.support.bad_corpus`).

What it shows:

- the job survives: the run ends normally (locally the restart strategy is ``none``, so any failure,
  e.g. a dead-letter record too big for the producer, would fail the run instead of restarting it);
- every record the reference (:func:`tests.reference.fraud.verdict`) calls invalid is in the
  dead-letter topic, exactly once, with a reason of the same rule and field, the original key and
  value (none for a too-large record), and nothing else is there;
- the features in Kafka equal the reference computed from the valid records only;
- counts add up per topic: sent = on time (archived) + invalid (dead letter) + late (late topic).

Single-partition topics make lateness exact. Every record carries the same Kafka timestamp,
:data:`~tests.support.bad_corpus.KAFKA_TIME` (the start of the current UTC hour minus one hour, at
import), so the "at most a day ahead" rule has one reference point for all records. All times are
relative to the wall clock, none is a fixed date: the broker's retention (7 days) deletes records by
their Kafka timestamp, so records stamped with an old date could be gone before the job reads them.
The generated valid events span the hour :data:`PLAN_START` to :data:`PLAN_START` + 1 h, which ends
an hour before :data:`~tests.support.bad_corpus.KAFKA_TIME`, and the corpus' valid base event
(:data:`~tests.support.bad_corpus.EVENT_TIME`, 90 minutes before it) lies inside that hour.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from random import Random
from typing import Any

import pytest
from confluent_kafka import Producer

from flink_jobs.pipelines import input_topics
from msk_features.dev.generator.plan import GenerateSpec, build_plan
from msk_features.dev.stack.control import Endpoints
from msk_features.kafka.auth import librdkafka_config
from msk_features.kafka.topic_setup import ensure_topics
from msk_features.operations.outputs import feature_rows_from_table, read_offline, read_topic
from msk_features.runner import run_job
from tests.flink.test_validation_corpus import job_verdict
from tests.reference.fraud import InputRecord, expected_outputs, fmt, parse_time, verdict
from tests.support.bad_corpus import (
    BROKER_MESSAGE_MAX_BYTES,
    EVENT_TIME,
    KAFKA_TIME,
    generated,
    hand_picked,
)
from tests.support.fraud_check import assert_same_rows, kafka_rows, positions
from tests.support.pipeline_run import FEATURE_SETS, job_config, unique_topics

STREAMS = ("transactions", "clicks", "profiles")
PLAN_SPAN = timedelta(hours=1)
PLAN_START = KAFKA_TIME - 2 * PLAN_SPAN
"""The generated valid events are in ``[PLAN_START, PLAN_START + PLAN_SPAN)``: before
:data:`~tests.support.bad_corpus.KAFKA_TIME` (late and out-of-order ones are earlier still)."""


@dataclass
class Sent:
    """One record as sent: stream, key, value, and the offset Kafka gave it (partition 0)."""

    stream: str
    key: bytes | None
    value: bytes | None
    note: str
    offset: int = -1


def interleaved(seed: int = 5) -> list[Sent]:
    """Generated valid records with the corpus spliced in at seeded positions, per stream."""
    spec = GenerateSpec(
        seed=seed,
        transactions=400,
        clicks=300,
        profiles=60,
        users=20,
        start=PLAN_START,
        span=PLAN_SPAN,
        out_of_order_fraction=0.02,
        late_fraction=0.02,
    )
    plan = build_plan(spec)
    corpus = hand_picked() + [
        r for r in generated() if verdict(r.stream, r.key, r.value, KAFKA_TIME) is not None
    ]
    rng = Random(seed)
    out: list[Sent] = []
    for stream in STREAMS:
        records = [Sent(stream, r.key, r.value, "valid") for r in plan if r.stream == stream]
        for bad in (r for r in corpus if r.stream == stream):
            records.insert(rng.randrange(len(records) + 1), Sent(stream, bad.key, bad.value, bad.note))
        out += _in_step(records, fmt(TIME_OF[stream](plan_event(plan, stream))))
    return out


def plan_event(plan: list[Any], stream: str) -> dict[str, Any]:
    """The first planned event of ``stream``."""
    return next(r.event for r in plan if r.stream == stream)


TIME_OF = {
    "transactions": lambda e: parse_time(e["event_time"]),
    "clicks": lambda e: parse_time(e["event_time"]),
    "profiles": lambda e: parse_time(e["updated_at"]),
}


def _in_step(records: list[Sent], first_time: str) -> list[Sent]:
    """Valid corpus records take the largest event time seen so far on their topic (the first
    planned one before any), so they are on time and move no watermark: the generated records'
    features, and which of them are late, stay what they would be without the corpus."""
    latest = first_time
    for record in records:
        if record.note == "valid":
            assert record.value is not None
            latest = max(latest, fmt(TIME_OF[record.stream](_event(record.value))))
        elif record.value and verdict(record.stream, record.key, record.value, KAFKA_TIME) is None:
            assert EVENT_TIME.encode() in record.value, record.note
            record.value = record.value.replace(EVENT_TIME.encode(), latest.encode())
    return records


def produce(endpoints: Endpoints, records: list[Sent], topics: dict[str, str]) -> None:
    """Send in order to partition 0, every record stamped :data:`KAFKA_TIME`; fill in offsets."""
    producer = Producer(
        {
            **librdkafka_config(endpoints.kafka_config("plaintext")),
            "acks": "all",
            "enable.idempotence": True,
            "message.max.bytes": BROKER_MESSAGE_MAX_BYTES,
        }
    )
    errors: list[str] = []
    stamp = int(KAFKA_TIME.timestamp() * 1000)

    def delivered(record: Sent):
        def callback(err: Any, msg: Any) -> None:
            if err is not None:
                errors.append(f"{record.note}: {err}")
            else:
                record.offset = msg.offset()

        return callback

    for record in records:
        producer.produce(
            topics[record.stream],
            value=record.value,
            key=record.key,
            partition=0,
            timestamp=stamp,
            on_delivery=delivered(record),
        )
        producer.poll(0)
    assert producer.flush(60) == 0
    assert not errors, errors


def _event(value: bytes) -> dict[str, Any]:
    document, _ = json.JSONDecoder(parse_float=Decimal).raw_decode(value.decode().lstrip(" \t\n\r"))
    return document


@pytest.fixture(scope="module")
def bad_run(local_stack: Endpoints, built_package: Path, tmp_path_factory: pytest.TempPathFactory):
    records = interleaved()
    topics = unique_topics("bad-", partitions=1)
    names = dict(topics.sources)
    ensure_topics(local_stack.kafka_plaintext_bootstrap, input_topics(topics, "fraud"))
    produce(local_stack, records, names)
    cfg, properties = job_config(local_stack, topics, "bad-out-", tmp_path_factory.mktemp("bad"))
    run = run_job(properties, timeout_s=900)
    verdicts = [verdict(r.stream, r.key, r.value, KAFKA_TIME) for r in records]
    inputs = [
        InputRecord(r.stream, 0, r.offset, v is None, _event(r.value) if v is None and r.value else None)
        for r, v in zip(records, verdicts, strict=True)
    ]
    expected = expected_outputs(
        inputs, cfg.pipeline.version, timedelta(seconds=cfg.pipeline.watermark_delay_s)
    )
    print(
        f"bad-input run: {len(records)} records, "
        f"{sum(v is not None for v in verdicts)} invalid, {run.seconds:.0f} s"
    )
    return records, verdicts, cfg, expected, {v: k for k, v in names.items()}


def test_invalid_records_land_in_the_dead_letter_topic_with_their_rule(bad_run) -> None:
    records, verdicts, cfg, expected, stream_of = bad_run
    by_position = {(r.stream, r.offset): (r, v) for r, v in zip(records, verdicts, strict=True)}
    dead = read_topic(librdkafka_config(cfg.kafka), cfg.topics.dead_letter)
    got = positions(dead, "dlq")
    assert len(got) == len(dead), "a record was dead-lettered twice"
    assert {(stream_of[t], p, o) for t, p, o in got} == expected.invalid
    for out in dead:
        headers = {k: v.decode() for k, v in out.headers.items()}
        sent, want = by_position[(stream_of[headers["dlq.topic"]], int(headers["dlq.offset"]))]
        assert job_verdict(headers["dlq.reason"]) == want, sent.note
        if want.category == "too large":
            assert (out.key, out.value) == (None, None), sent.note
        else:
            assert (out.key, out.value) == (sent.key, sent.value), sent.note
    notes = {by_position[(stream_of[t], o)][0].note for t, _, o in got}
    for must in (
        "value near the broker's message.max.bytes",
        "year 9999",
        "+10 years",
        "invalid UTF-8 bytes",
    ):
        assert must in notes


@pytest.mark.parametrize("feature_set", FEATURE_SETS)
def test_valid_records_features_equal_the_reference(bad_run, feature_set: str) -> None:
    _, _, cfg, expected, _ = bad_run
    assert expected.features[feature_set], "the reference expects rows"
    assert_same_rows(kafka_rows(cfg, feature_set), expected.features[feature_set], f"Kafka {feature_set}")


def test_counts_add_up_per_topic(bad_run) -> None:
    records, _, cfg, expected, stream_of = bad_run
    client = librdkafka_config(cfg.kafka)
    dead = Counter(stream_of[t] for t, _, _ in positions(read_topic(client, cfg.topics.dead_letter), "dlq"))
    late = Counter(stream_of[t] for t, _, _ in positions(read_topic(client, cfg.topics.late_events), "late"))
    assert cfg.offline is not None
    sent = Counter(r.stream for r in records)
    for stream in STREAMS:
        on_time = len(feature_rows_from_table(read_offline(cfg.offline, f"events/{stream}")))
        assert on_time == len(expected.on_time.get(stream, [])), stream
        assert sent[stream] == on_time + dead[stream] + late[stream], (
            f"{stream}: sent {sent[stream]} != on time {on_time} "
            f"+ invalid {dead[stream]} + late {late[stream]}"
        )
        assert dead[stream] > 0


def test_valid_oddities_are_processed_like_any_valid_record(bad_run) -> None:
    """A null key, a 200,000-byte key, text after the object, 250,000 characters, ~1 MB of UTF-8:
    valid, on time, and each gets its online feature row."""
    records, verdicts, cfg, expected, _ = bad_run
    oddities = [r for r, v in zip(records, verdicts, strict=True) if r.note != "valid" and v is None]
    assert len(oddities) == 5
    assert not any(("transactions", 0, r.offset) in expected.late for r in oddities)
    assert expected.late, "the generated late records are there too"
    txn_ids = {row["txn_id"] for row in kafka_rows(cfg, "txn_features")}
    assert {"bad-t2", "bad-t3", "bad-t4", "bad-t5", "bad-t6"} <= txn_ids
