"""Unit tests of the seeded test data generator (no Kafka: sending uses a fake producer).

The validator below is written from the input contract, independently of the generator's code: it
lists every rule a value breaks as ``(kind, field)`` pairs.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import os
import re
import subprocess
import sys
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

import pytest
from click.testing import CliRunner
from confluent_kafka import KafkaError

from flink_jobs.config import TopicsConfig
from msk_features.cli.generate import generate
from msk_features.dev.generator import (
    DeliveryError,
    GenerateSpec,
    PlannedRecord,
    SendSummary,
    SpecError,
    build_plan,
    parse_duration,
    split_count,
)
from msk_features.dev.generator import send as send_module
from msk_features.dev.generator.send import send

REPO = Path(__file__).resolve().parents[3]

# --------------------------------------------------------------------------------------------------
# An independent validator, straight from the contract
# --------------------------------------------------------------------------------------------------

STRING, AMOUNT, CURRENCY, COUNTRY = "string", "amount", "currency", "country"
ACTION, TIER, TIME, LABEL = "action", "risk_tier", "time", "label"
SCHEMAS: dict[str, dict[str, str]] = {
    "transactions": {
        "txn_id": STRING,
        "user_id": STRING,
        "merchant_id": STRING,
        "amount": AMOUNT,
        "currency": CURRENCY,
        "country": COUNTRY,
        "event_time": TIME,
    },
    "clicks": {"click_id": STRING, "user_id": STRING, "page": STRING, "action": ACTION, "event_time": TIME},
    "profiles": {"user_id": STRING, "home_country": COUNTRY, "risk_tier": TIER, "updated_at": TIME},
    "labels": {"txn_id": STRING, "user_id": STRING, "label": LABEL, "txn_time": TIME, "labeled_at": TIME},
}
TIME_FIELDS = {
    "transactions": "event_time",
    "clicks": "event_time",
    "profiles": "updated_at",
    "labels": "labeled_at",
}
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # event times before it are invalid
TIME_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z")


def real_instant(text: str) -> datetime | None:
    """The instant of a contract timestamp, or None if it is not well-formed and real."""
    if not TIME_RE.fullmatch(text):
        return None
    try:
        moment = datetime.strptime(text[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return None
    return moment + timedelta(milliseconds=int(text[20:23]))


def violations(stream: str, value: bytes) -> list[tuple[str, str | None]]:
    """Every rule ``value`` breaks, as (bad_json | missing_field | wrong_type | out_of_domain, field)."""
    try:
        text = value.decode("utf-8", errors="strict")
        doc = json.loads(text, parse_float=Decimal)
    except ValueError:
        return [("bad_json", None)]
    if not isinstance(doc, dict):
        return [("bad_json", None)]
    found: list[tuple[str, str | None]] = []
    for name, rule in SCHEMAS[stream].items():
        if doc.get(name) is None:
            found.append(("missing_field", name))
            continue
        v = doc[name]
        if rule == AMOUNT:
            if isinstance(v, bool) or not isinstance(v, int | Decimal):
                found.append(("wrong_type", name))
            elif v <= 0:
                found.append(("out_of_domain", name))
            continue
        if not isinstance(v, str):
            found.append(("wrong_type", name))
            continue
        ok = {
            STRING: v != "",
            CURRENCY: re.fullmatch(r"[A-Z]{3}", v) is not None,
            COUNTRY: re.fullmatch(r"[A-Z]{2}", v) is not None,
            ACTION: v in ("view", "add_to_cart", "checkout", "login"),
            TIER: v in ("low", "medium", "high"),
            LABEL: v in ("fraud", "legit"),
            TIME: (moment := real_instant(v)) is not None and moment >= EPOCH,
        }[rule]
        if not ok:
            found.append(("out_of_domain", name))
    return found


def readable_time(stream: str, value: bytes) -> datetime | None:
    """The record's time if a consumer could read one at all (JSON object, real instant string)."""
    try:
        doc = json.loads(value.decode("utf-8"))
    except ValueError:
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get(TIME_FIELDS[stream]), str):
        return None
    return real_instant(doc[TIME_FIELDS[stream]])


def fingerprint(records: list[PlannedRecord]) -> str:
    digest = hashlib.sha256()
    for r in records:
        parts = (r.topic, r.key or b"-", r.value, r.kind, str(r.invalid_kind), str(r.field), str(r.reason))
        for part in parts:
            digest.update(part if isinstance(part, bytes) else part.encode())
            digest.update(b"\0")
    return digest.hexdigest()


FAULTY = {"invalid_fraction": 0.2, "out_of_order_fraction": 0.1, "late_fraction": 0.1}


@pytest.fixture(scope="module")
def faulty_plan() -> tuple[GenerateSpec, list[PlannedRecord]]:
    spec = GenerateSpec.from_total(6_000, seed=7, users=50, **FAULTY)
    return spec, build_plan(spec)


@pytest.fixture(scope="module")
def clean_plan() -> tuple[GenerateSpec, list[PlannedRecord]]:
    spec = GenerateSpec(seed=3, transactions=400, clicks=1600, profiles=150, users=60)
    return spec, build_plan(spec)


# --------------------------------------------------------------------------------------------------
# Determinism and counts
# --------------------------------------------------------------------------------------------------


def test_same_seed_same_bytes_other_seed_different() -> None:
    spec = GenerateSpec.from_total(500, seed=11, **FAULTY)
    assert fingerprint(build_plan(spec)) == fingerprint(build_plan(spec))
    assert build_plan(spec) == build_plan(GenerateSpec.from_total(500, seed=11, **FAULTY))
    other = GenerateSpec.from_total(500, seed=12, **FAULTY)
    assert fingerprint(build_plan(other)) != fingerprint(build_plan(spec))


def test_same_seed_same_bytes_across_processes() -> None:
    """Hash randomization or process state must not leak into the plan."""
    code = (
        "import hashlib\n"
        "from msk_features.dev.generator import GenerateSpec, build_plan\n"
        "spec = GenerateSpec.from_total(300, seed=5, invalid_fraction=0.3, out_of_order_fraction=0.1, "
        "late_fraction=0.1)\n"
        "d = hashlib.sha256()\n"
        "for r in build_plan(spec):\n"
        "    d.update(r.topic.encode() + (r.key or b'') + r.value + str(r.reason).encode())\n"
        "print(d.hexdigest())\n"
    )
    digests = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run(
            [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True
        )
        digests.add(out.stdout.strip())
    assert len(digests) == 1


@pytest.mark.parametrize("total", [0, 1, 7, 10, 99, 1000, 12345])
def test_split_count_sums_and_ratios(total: int) -> None:
    t, c, p = split_count(total)
    assert t + c + p == total
    for share, ratio in ((t, 0.5), (c, 0.4), (p, 0.1)):
        assert abs(share - total * ratio) < 1


def test_split_count_examples() -> None:
    assert split_count(1000) == (500, 400, 100)
    assert split_count(7) == (3, 3, 1)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (
            GenerateSpec.from_total(
                1000, invalid_fraction=0.1, out_of_order_fraction=0.05, late_fraction=0.02
            ),
            {
                "transactions": {"valid": 415, "out_of_order": 25, "late": 10, "invalid": 50},
                "clicks": {"valid": 332, "out_of_order": 20, "late": 8, "invalid": 40},
                "profiles": {"valid": 83, "out_of_order": 5, "late": 2, "invalid": 10},
            },
        ),
        (
            GenerateSpec(transactions=10, clicks=0, profiles=3, invalid_fraction=0.25),
            {
                "transactions": {"valid": 7, "out_of_order": 0, "late": 0, "invalid": 3},
                "profiles": {"valid": 2, "out_of_order": 0, "late": 0, "invalid": 1},
            },
        ),
        (
            GenerateSpec(transactions=5, invalid_fraction=1.0),
            {"transactions": {"valid": 0, "out_of_order": 0, "late": 0, "invalid": 5}},
        ),
    ],
)
def test_counts_exactly_as_asked(spec: GenerateSpec, expected: dict[str, dict[str, int]]) -> None:
    records = build_plan(spec)
    got: dict[str, Counter[str]] = defaultdict(Counter)
    for r in records:
        got[r.topic][r.kind] += 1
    assert {t: {k: got[t][k] for k in ("valid", "out_of_order", "late", "invalid")} for t in got} == expected
    assert len(records) == spec.total
    assert [r.seq for r in records] == list(range(len(records)))
    summary = SendSummary.from_records(records)
    for topic, kinds in expected.items():
        for kind, n in kinds.items():
            assert summary.count(topic, kind) == n


def test_topic_names_come_from_the_topics_config() -> None:
    topics = TopicsConfig(sources={"transactions": "tx-in", "clicks": "clicks-in", "profiles": "profiles-in"})
    records = build_plan(GenerateSpec.from_total(50, topics=topics))
    assert {r.topic for r in records} == {"tx-in", "clicks-in", "profiles-in"}
    assert {(r.topic, r.stream) for r in records} == {
        ("tx-in", "transactions"),
        ("clicks-in", "clicks"),
        ("profiles-in", "profiles"),
    }


# --------------------------------------------------------------------------------------------------
# Valid and invalid records against the contract
# --------------------------------------------------------------------------------------------------


def test_valid_records_satisfy_every_rule(faulty_plan: tuple[GenerateSpec, list[PlannedRecord]]) -> None:
    _, records = faulty_plan
    checked = 0
    for r in records:
        if r.kind == "invalid":
            continue
        checked += 1
        assert violations(r.stream, r.value) == [], (r.kind, r.value)
        doc = json.loads(r.value.decode("utf-8"), parse_float=Decimal)
        assert list(doc) == list(SCHEMAS[r.stream]), "exactly the contract's fields, in order"
        assert r.event == doc
        assert r.key == doc["user_id"].encode("utf-8")
        assert (r.invalid_kind, r.field, r.reason) == (None, None, None)
        if r.stream == "transactions":
            raw = re.search(rb'"amount":([^,}]*)[,}]', r.value)
            assert raw is not None and re.fullmatch(rb"[1-9][0-9]*\.[0-9]{2}|0\.[0-9]{2}", raw.group(1))
            assert Decimal(raw.group(1).decode()) == r.event["amount"] > 0
    assert checked > 3000


def test_invalid_records_break_exactly_the_labelled_rule(
    faulty_plan: tuple[GenerateSpec, list[PlannedRecord]],
) -> None:
    _, records = faulty_plan
    invalid = [r for r in records if r.kind == "invalid"]
    assert len(invalid) == 1200
    for r in invalid:
        assert r.event is None and r.reason
        assert violations(r.stream, r.value) == [(r.invalid_kind, r.field)], (r.reason, r.value)
        if r.invalid_kind == "bad_json":
            assert r.field is None
        else:
            assert r.field in SCHEMAS[r.stream]
        assert r.key is not None  # the compacted profiles topic refuses null keys


def test_every_invalid_kind_and_field_occurs_roughly_uniformly() -> None:
    spec = GenerateSpec(seed=9, transactions=2000, clicks=2000, profiles=2000, invalid_fraction=1.0)
    records = build_plan(spec)
    for stream in ("transactions", "clicks", "profiles"):
        fields = SCHEMAS[stream]
        mine = [r for r in records if r.stream == stream]
        kinds = Counter(r.invalid_kind for r in mine)
        assert set(kinds) == {"bad_json", "missing_field", "wrong_type", "out_of_domain"}
        for n in kinds.values():
            assert 0.18 < n / len(mine) < 0.32, kinds
        for kind in ("missing_field", "wrong_type", "out_of_domain"):
            assert {r.field for r in mine if r.invalid_kind == kind} == set(fields), (stream, kind)
    reasons = {r.reason.split(" (")[0].split(":")[0] for r in records if r.invalid_kind == "bad_json"}
    assert {"not JSON", "not UTF-8", "JSON array, not an object"} <= reasons
    assert any(r.reason.startswith("truncated JSON") for r in records)


def test_contract_examples_of_faults_are_produced() -> None:
    spec = GenerateSpec(seed=1, transactions=3000, clicks=3000, profiles=2000, invalid_fraction=1.0)
    records = build_plan(spec)
    values = [r.value for r in records]
    joined = b"\n".join(values)
    assert b'"amount":"' in joined  # amount as a string
    assert re.search(rb'"amount":(0|0\.00|-[0-9.]+)[,}]', joined)
    assert re.search(rb'"user_id":[0-9]+[,}]', joined)
    assert re.search(rb'"event_time":[0-9]{10,}[,}]', joined)
    for needle in (b'"usd"', b'"US"', b'"USA"', b'"purchase"', b'"extreme"', b'"2026-13-40T25:00:00.000Z"'):
        assert needle in joined, needle
    assert re.search(rb'"event_time":"[^"]*\.[0-9]{3}"', joined), "event_time without Z"
    assert re.search(rb'"event_time":"[^"]*:[0-9]{2}Z"', joined), "event_time without millis"


def test_ids_are_unique(faulty_plan: tuple[GenerateSpec, list[PlannedRecord]]) -> None:
    _, records = faulty_plan
    for stream, id_field in (("transactions", "txn_id"), ("clicks", "click_id")):
        ids = [r.event[id_field] for r in records if r.stream == stream and r.event is not None]
        assert len(ids) == len(set(ids)) > 1000


# --------------------------------------------------------------------------------------------------
# Event time: ordering, out-of-order and late records
# --------------------------------------------------------------------------------------------------


def test_out_of_order_within_bound_and_late_beyond_it(
    faulty_plan: tuple[GenerateSpec, list[PlannedRecord]],
) -> None:
    spec, records = faulty_plan
    delay = spec.watermark_delay
    max_valid: dict[str, datetime] = {}  # max over records that pass validation
    max_any: dict[str, datetime] = {}  # max over every record with a readable time
    seen = Counter[str]()
    for r in records:
        t = readable_time(r.stream, r.value)
        if r.kind in ("out_of_order", "late"):
            assert t is not None
            for running in (max_valid, max_any):
                behind = running[r.topic] - t
                if r.kind == "out_of_order":
                    assert timedelta(0) < behind < delay, (r.seq, behind)
                else:
                    assert behind > delay + timedelta(seconds=5), (r.seq, behind)
                    assert behind <= delay + timedelta(minutes=10)
            seen[r.kind] += 1
        if r.kind == "valid":
            assert t is not None
            assert t >= max_valid.get(r.topic, t), "valid records never go back in time"
        if t is not None:
            if not violations(r.stream, r.value):
                max_valid[r.topic] = max(t, max_valid.get(r.topic, t))
            max_any[r.topic] = max(t, max_any.get(r.topic, t))
    assert seen["out_of_order"] == 600 and seen["late"] == 600


def test_out_of_order_with_a_short_watermark_delay() -> None:
    spec = GenerateSpec(
        transactions=200, out_of_order_fraction=0.5, watermark_delay=timedelta(milliseconds=1500)
    )
    records = build_plan(spec)
    running: datetime | None = None
    for r in records:
        t = readable_time(r.stream, r.value)
        assert t is not None
        if r.kind == "out_of_order":
            assert running is not None and timedelta(0) < running - t < timedelta(milliseconds=1500)
        else:
            running = t if running is None else max(running, t)


def test_valid_events_spread_over_the_span_in_increasing_time(
    clean_plan: tuple[GenerateSpec, list[PlannedRecord]],
) -> None:
    spec, records = clean_plan
    assert {r.kind for r in records} == {"valid"}
    per_topic: dict[str, list[datetime]] = defaultdict(list)
    for r in records:
        t = readable_time(r.stream, r.value)
        assert t is not None and spec.start <= t < spec.start + spec.span
        per_topic[r.stream].append(t)
    for times in per_topic.values():
        assert times == sorted(times)
    txn_times = per_topic["transactions"]
    assert txn_times[-1] - txn_times[0] > spec.span * 0.9, "spread over the whole span"
    switches = sum(1 for a, b in itertools.pairwise(records) if a.topic != b.topic)
    assert switches > 200, "topics interleave in the plan"


def test_clicks_lead_up_to_purchases(clean_plan: tuple[GenerateSpec, list[PlannedRecord]]) -> None:
    _, records = clean_plan
    checkouts: dict[str, list[datetime]] = defaultdict(list)
    seen_before = 0
    transactions = 0
    for r in records:  # plan order: a purchase's clicks come before it
        assert r.event is not None
        t = readable_time(r.stream, r.value)
        assert t is not None
        if r.stream == "clicks" and r.event["action"] == "checkout":
            checkouts[r.event["user_id"]].append(t)
        if r.stream == "transactions":
            transactions += 1
            if any(timedelta(0) <= t - c <= timedelta(seconds=30) for c in checkouts[r.event["user_id"]]):
                seen_before += 1
    assert seen_before / transactions > 0.9


def test_purchase_sessions_spread_over_the_span_when_clicks_are_scarce() -> None:
    spec = GenerateSpec(seed=5, transactions=400, clicks=400)
    records = build_plan(spec)
    last_half = spec.start + spec.span / 2
    late_checkouts = [
        r
        for r in records
        if r.stream == "clicks"
        and r.event["action"] == "checkout"  # type: ignore[index]
        and real_instant(r.event["event_time"]) >= last_half  # type: ignore[index,operator]
    ]
    assert len(late_checkouts) > 30


def test_profiles_one_early_version_per_user_then_updates(
    clean_plan: tuple[GenerateSpec, list[PlannedRecord]],
) -> None:
    spec, records = clean_plan
    profiles = [r.event for r in records if r.stream == "profiles"]
    assert profiles and all(p is not None for p in profiles)
    early = spec.start + spec.span / 10
    early_users = {p["user_id"] for p in profiles if real_instant(p["updated_at"]) < early}  # type: ignore[index]
    assert early_users == {f"u{i:04d}" for i in range(1, spec.users + 1)}
    versions: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for p in profiles:
        versions[p["user_id"]].add((p["home_country"], p["risk_tier"]))  # type: ignore[index]
    assert sum(1 for v in versions.values() if len(v) > 1) >= 10, "some updates change the profile"


def test_start_and_span_are_overridable() -> None:
    start = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    spec = GenerateSpec(transactions=50, start=start, span=timedelta(seconds=90))
    times = [readable_time(r.stream, r.value) for r in build_plan(spec)]
    assert all(t is not None and start <= t < start + timedelta(seconds=90) for t in times)


# --------------------------------------------------------------------------------------------------
# Spec errors and helpers
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"invalid_fraction": 1.5}, "invalid_fraction"),
        ({"late_fraction": -0.1}, "late_fraction"),
        ({"invalid_fraction": 0.6, "late_fraction": 0.6}, "at most 1"),
        ({"span": timedelta(0)}, "span"),
        ({"users": 0}, "users"),
        ({"transactions": -1}, "transactions"),
        ({"start": datetime(2026, 1, 1)}, "time zone"),
        ({"out_of_order_fraction": 0.1, "watermark_delay": timedelta(0)}, "watermark_delay"),
    ],
)
def test_bad_specs_are_refused(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(SpecError, match=message):
        GenerateSpec(**{"transactions": 10, **kwargs})


def test_late_records_need_a_valid_record_first() -> None:
    with pytest.raises(SpecError, match="at least one valid record"):
        build_plan(GenerateSpec(transactions=4, invalid_fraction=0.5, late_fraction=0.5))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", timedelta(seconds=90)),
        ("30m", timedelta(minutes=30)),
        ("1h", timedelta(hours=1)),
        ("1h30m", timedelta(minutes=90)),
        ("500ms", timedelta(milliseconds=500)),
        ("45", timedelta(seconds=45)),
    ],
)
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "1x", "h", "1.5h", "-1s", "1h 30m"])
def test_parse_duration_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(text)


def test_jsonl_form_of_records() -> None:
    records = build_plan(GenerateSpec(seed=2, transactions=400, invalid_fraction=1.0))
    lines = [json.loads(r.to_json_line()) for r in records]
    binary = [line for line in lines if "value_base64" in line]
    assert binary and all(line["invalid_kind"] == "bad_json" for line in binary)
    assert all(("value" in line) != ("value_base64" in line) for line in lines)


# --------------------------------------------------------------------------------------------------
# Sending, with a fake producer
# --------------------------------------------------------------------------------------------------


class FakeMessage:
    def __init__(self, topic: str, partition: int, offset: int):
        self._topic, self._partition, self._offset = topic, partition, offset

    def topic(self) -> str:
        return self._topic

    def partition(self) -> int:
        return self._partition

    def offset(self) -> int:
        return self._offset


class FakeProducer:
    """Acknowledges on poll/flush: partition = crc of the key mod 3, offsets per (topic, partition)."""

    instances: ClassVar[list[FakeProducer]] = []

    def __init__(self, conf: dict[str, Any], fail_topic: str | None = None, full_once: bool = False):
        self.conf = conf
        self.fail_topic = fail_topic
        self.full_once = full_once
        self.pending: list[tuple[str, bytes | None, Any]] = []
        self.produced: list[tuple[str, bytes | None, bytes]] = []
        self.offsets: Counter[tuple[str, int]] = Counter()
        FakeProducer.instances.append(self)

    def produce(
        self, topic: str, value: bytes | None = None, key: bytes | None = None, **kwargs: Any
    ) -> None:
        if self.full_once:
            self.full_once = False
            raise BufferError("Local: Queue full")
        assert value is not None
        self.produced.append((topic, key, value))
        self.pending.append((topic, key, kwargs["on_delivery"]))

    def poll(self, timeout: float = 0) -> int:
        served = len(self.pending)
        for topic, key, callback in self.pending:
            if topic == self.fail_topic:
                callback(KafkaError(KafkaError.UNKNOWN_TOPIC_OR_PART), None)
                continue
            partition = sum(key or b"") % 3
            callback(None, FakeMessage(topic, partition, self.offsets[(topic, partition)]))
            self.offsets[(topic, partition)] += 1
        self.pending.clear()
        return served

    def flush(self, timeout: float = -1) -> int:
        self.poll()
        return 0

    def __len__(self) -> int:
        return len(self.pending)


def test_send_records_every_position_and_counts_deliveries() -> None:
    records = build_plan(GenerateSpec.from_total(300, seed=4, invalid_fraction=0.1))
    producers: list[FakeProducer] = []

    def factory(conf: dict[str, Any]) -> FakeProducer:
        producers.append(FakeProducer(conf, full_once=True))
        return producers[-1]

    conf = {"bootstrap.servers": "b:9092", "acks": "1"}
    summary = send(records, conf, progress=False, producer_factory=factory)
    (producer,) = producers
    assert producer.conf["acks"] == "all" and producer.conf["enable.idempotence"] is True
    assert producer.conf["bootstrap.servers"] == "b:9092" and producer.conf["linger.ms"] <= 10
    assert producer.produced == [(r.topic, r.key, r.value) for r in records], "plan order, every record"
    assert summary.sent and not summary.failures
    assert set(summary.positions) == {r.seq for r in records}
    for r in records:
        assert (r.partition, r.offset) == summary.positions[r.seq]
    by_position = {(r.topic, r.partition, r.offset) for r in records}
    assert len(by_position) == len(records), "distinct source positions"
    for topic in summary.topics:
        assert summary.delivered[topic] == summary.total(topic) and summary.failed[topic] == 0


def test_send_raises_naming_topic_and_kafka_error() -> None:
    records = build_plan(GenerateSpec(transactions=20, clicks=10))
    with pytest.raises(DeliveryError) as caught:
        send(
            records,
            {"bootstrap.servers": "b:9092"},
            progress=False,
            producer_factory=lambda conf: FakeProducer(conf, fail_topic="clicks"),
        )
    message = str(caught.value)
    assert "'clicks'" in message and "UNKNOWN_TOPIC_OR_PART" in message and "10 of 30" in message
    summary = caught.value.summary
    assert summary.failed["clicks"] == 10 and summary.delivered["transactions"] == 20


def test_send_paces_to_the_rate() -> None:
    records = build_plan(GenerateSpec(transactions=21))
    started = time.monotonic()
    send(records, {}, rate=200.0, progress=False, producer_factory=FakeProducer)
    assert time.monotonic() - started >= 0.095  # 20 intervals of 5 ms
    with pytest.raises(ValueError, match="rate"):
        send(records, {}, rate=0, progress=False, producer_factory=FakeProducer)


def test_send_with_a_progress_bar() -> None:
    from rich.console import Console

    console = Console(file=io.StringIO(), width=100)
    records = build_plan(GenerateSpec(transactions=30, clicks=10))
    summary = send(records, {}, progress=True, console=console, producer_factory=FakeProducer)
    assert sum(summary.delivered.values()) == 40
    assert "producing" in console.file.getvalue()  # type: ignore[attr-defined]


def test_summary_table_renders() -> None:
    from rich.console import Console

    records = build_plan(GenerateSpec.from_total(100, invalid_fraction=0.2, late_fraction=0.1))
    console = Console(width=120, record=True)
    console.print(SendSummary.from_records(records).render_table(title="plan"))
    text = console.export_text()
    for word in ("transactions", "clicks", "profiles", "valid", "late", "invalid", "total"):
        assert word in text


# --------------------------------------------------------------------------------------------------
# The CLI
# --------------------------------------------------------------------------------------------------


def write_properties(
    path: Path,
    topics: dict[str, str] | None = None,
    pipeline: dict[str, str] | None = None,
    kafka: dict[str, str] | None = None,
) -> Path:
    groups: list[dict[str, Any]] = [
        {
            "PropertyGroupId": "kinesis.analytics.flink.run.options",
            "PropertyMap": {"python": "main.py", "jarfile": "lib/deps.jar"},
        },
        {"PropertyGroupId": "kafka", "PropertyMap": kafka or {"bootstrap.servers": "localhost:9092"}},
    ]
    if topics:
        groups.append({"PropertyGroupId": "topics", "PropertyMap": topics})
    if pipeline:
        groups.append({"PropertyGroupId": "pipeline", "PropertyMap": pipeline})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(groups), encoding="utf-8")
    return path


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    monkeypatch.delenv("MSK_FEATURES_PROPERTIES", raising=False)
    monkeypatch.chdir(tmp_path)
    return CliRunner()


def test_cli_dry_run_without_properties(runner: CliRunner) -> None:
    result = runner.invoke(generate, ["fraud", "--count", "200", "--invalid-fraction", "0.1", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Dry run" in result.output
    for topic in ("transactions", "clicks", "profiles", "labels"):
        assert topic in result.output
    assert "200 events" in result.output and "Traceback" not in result.output


def test_cli_dry_run_uses_properties_and_writes_jsonl(runner: CliRunner, tmp_path: Path) -> None:
    write_properties(
        tmp_path / ".local-stack" / "application_properties.json",
        topics={"transactions": "tx-in", "clicks": "clicks-in", "profiles": "profiles-in"},
        pipeline={"name": "fraud", "watermark.delay.seconds": "10"},
    )
    out = tmp_path / "records.jsonl"
    result = runner.invoke(
        generate,
        [
            "--transactions",
            "30",
            "--clicks",
            "20",
            "--profiles",
            "5",
            "--users",
            "5",
            "--seed",
            "3",
            "--span",
            "90s",
            "--start",
            "2026-01-01T00:00:00Z",
            "--dry-run",
            "--output-jsonl",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "tx-in" in result.output and "watermark delay 10s" in result.output
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 85  # 55 events and a label per transaction (none is invalid or late here)
    assert Counter(line["topic"] for line in lines) == {
        "tx-in": 30,
        "clicks-in": 20,
        "profiles-in": 5,
        "labels": 30,
    }
    expected = build_plan(
        GenerateSpec(
            seed=3,
            transactions=30,
            clicks=20,
            profiles=5,
            users=5,
            span=timedelta(seconds=90),
            start=datetime(2026, 1, 1, tzinfo=UTC),
            watermark_delay=timedelta(seconds=10),
            topics=TopicsConfig(
                sources={"transactions": "tx-in", "clicks": "clicks-in", "profiles": "profiles-in"}
            ),
            labels=True,
        )
    )
    assert [line["value"] for line in lines] == [r.value.decode() for r in expected]


def test_cli_sends_with_bootstrap_servers(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    FakeProducer.instances.clear()
    monkeypatch.setattr("msk_features.dev.generator.send.Producer", FakeProducer)  # the dotted path works
    result = runner.invoke(
        generate,
        ["fraud", "--count", "40", "--no-labels", "--bootstrap-servers", "127.0.0.1:19092", "--no-progress"],
    )
    assert result.exit_code == 0, result.output
    (producer,) = FakeProducer.instances
    assert producer.conf["bootstrap.servers"] == "127.0.0.1:19092"
    assert producer.conf["security.protocol"] == "PLAINTEXT"
    assert len(producer.produced) == 40
    assert "delivered" in result.output


def test_cli_uses_properties_kafka_config(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    FakeProducer.instances.clear()
    monkeypatch.setattr(send_module, "Producer", FakeProducer)
    props = write_properties(
        tmp_path / "props.json",
        kafka={
            "bootstrap.servers": "kafka.internal:9096",
            "auth": "scram",
            "sasl.username": "u",
            "sasl.password": "p",
        },
    )
    monkeypatch.setenv("MSK_FEATURES_PROPERTIES", str(props))
    result = runner.invoke(generate, ["fraud", "--count", "10", "--no-progress"])
    assert result.exit_code == 0, result.output
    conf = FakeProducer.instances[0].conf
    assert conf["bootstrap.servers"] == "kafka.internal:9096" and conf["sasl.mechanisms"] == "SCRAM-SHA-512"


def test_cli_delivery_failure_is_a_clean_error(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(send_module, "Producer", lambda conf: FakeProducer(conf, fail_topic="transactions"))
    args = ["fraud", "--count", "20", "--bootstrap-servers", "localhost:9092", "--no-progress"]
    result = runner.invoke(generate, args)
    assert result.exit_code == 1
    assert "transactions" in result.output and "UNKNOWN_TOPIC_OR_PART" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "code", "mention"),
    [
        (["--invalid-fraction", "1.5"], 2, "--invalid-fraction"),
        (["--late-fraction", "-0.1"], 2, "--late-fraction"),
        (["--invalid-fraction", "0.6", "--out-of-order-fraction", "0.5"], 2, "--out-of-order-fraction"),
        (["--span", "1x"], 2, "--span"),
        (["--span", "0s"], 2, "span"),
        (["--watermark-delay", "soon"], 2, "--watermark-delay"),
        (["--start", "yesterday"], 2, "--start"),
        (["--rate", "0"], 2, "--rate"),
        (["--count", "-5"], 2, "--count"),
        (["--users", "0"], 2, "--users"),
        (["--bootstrap-servers", "nohost"], 2, "--bootstrap-servers"),
        (["--properties", "missing.json"], 2, "--properties"),
        (["--properties", "missing.json", "--dry-run"], 2, "--properties"),
        ([], 2, "properties"),  # sending needs the (absent) default properties file
        (["fraud", "--transactions", "2", "--late-fraction", "1"], 2, "valid record"),
    ],
)
def test_cli_bad_input_gives_clean_errors(
    runner: CliRunner, args: list[str], code: int, mention: str
) -> None:
    result = runner.invoke(generate, args)
    assert result.exit_code == code, result.output
    assert mention in result.output
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)


def test_cli_missing_env_properties_names_the_variable(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MSK_FEATURES_PROPERTIES", "/nonexistent/props.json")
    result = runner.invoke(generate, ["--dry-run"])
    assert result.exit_code == 2
    assert "MSK_FEATURES_PROPERTIES" in result.output and "/nonexistent/props.json" in result.output


def test_cli_config_error_is_clean(runner: CliRunner, tmp_path: Path) -> None:
    props = write_properties(tmp_path / "bad.json", kafka={"bootstrap.servers": "not a host"})
    result = runner.invoke(generate, ["--properties", str(props), "--dry-run"])
    assert result.exit_code == 1
    assert "bootstrap.servers" in result.output and "Traceback" not in result.output
    iam = write_properties(tmp_path / "iam.json", kafka={"bootstrap.servers": "b:9098", "auth": "iam"})
    result = runner.invoke(generate, ["fraud", "--properties", str(iam), "--count", "5"])
    assert result.exit_code == 1
    assert "IAM" in result.output and "Traceback" not in result.output


def test_cli_help_has_an_example(runner: CliRunner) -> None:
    result = runner.invoke(generate, ["--help"])
    assert result.exit_code == 0
    assert "msk-features generate --count" in result.output
    for option in ("--count", "--seed", "--span", "--rate", "--dry-run", "--output-jsonl", "--properties"):
        assert option in result.output
