"""The IoT pipeline (:mod:`flink_jobs.pipelines.iot`) end to end on the local stack, bounded.

A second domain and shape through the same product: DOUBLE values, an enum of units, a versioned
``devices`` source joined as-of, tumbling, hopping and session windows, a per-event rolling feature.
Its topics come from its manifest; every output row (Kafka ``read_committed`` and Parquet) is
compared with the independent reference (:mod:`tests.reference.iot`), late and invalid records with
their topics. Single-partition topics make lateness exact.
"""

from __future__ import annotations

import json
import math
import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from flink_jobs.config import AppConfig
from msk_features.dev.generator.plan import PlannedRecord
from msk_features.kafka.auth import librdkafka_config
from msk_features.operations.outputs import (
    feature_rows_from_table,
    feature_rows_from_topic,
    read_offline,
    read_topic,
)
from msk_features.runner import run_job
from tests.reference.iot import AVG_COLUMNS, AVG_REL_TOL, Expected, Reading, expected_outputs, fmt
from tests.support.fraud_check import positions
from tests.support.pipeline_run import SentData, job_config, send_records

pytestmark = pytest.mark.slow

PIPELINE = "iot"
FEATURE_SETS = ("readings_1m", "readings_15m", "activity", "reading_features")
DOUBLES = {"value_min", "value_max", "value_avg", "value", "value_avg_5m", "value_max_5m", "max_value"}
T0 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def at(minutes: float) -> str:
    return fmt(T0 + timedelta(minutes=minutes))


def device(device_id: str, when: str, site: Any, max_value: str) -> bytes:
    return (
        f'{{"device_id": {json.dumps(device_id)}, "site": {json.dumps(site)}, '
        f'"max_value": {max_value}, "updated_at": "{when}"}}'
    ).encode()


def reading(reading_id: str, device_id: str, when: str, value: str, unit: str = "celsius") -> bytes:
    return (
        f'{{"reading_id": "{reading_id}", "device_id": "{device_id}", "value": {value}, '
        f'"unit": "{unit}", "event_time": "{when}"}}'
    ).encode()


# (value bytes, valid?) per topic, in send order (= offset order).
DEVICES: list[tuple[bytes, bool]] = [
    (device("d1", fmt(T0 - timedelta(hours=1)), "ber-01", "30.0"), True),
    (device("d2", at(0), "muc-02", "100"), True),  # a JSON integer for a double
    (device("d9", at(1), "BER-1", "1.0"), False),  # site out of its pattern
    (device("d1", at(20), "ber-01", "25.5"), True),
    (device("d2", at(30), "muc-02", "90.0"), True),
    (device("d2", at(29 + 50 / 60), "muc-03", "95.0"), True),  # 10 s out of order: on time
    (device("d1", at(0), "ber-01", "99.0"), True),  # 30 min behind the latest: late
    (device("d2", at(31), "muc-02", '"high"'), False),  # a string for a double
]


def readings() -> list[tuple[bytes, bool]]:
    """Seeded readings of d1, d2 (steady) and d3 (bursts), with the edge cases written out."""
    rng = random.Random(20261202)
    events: list[tuple[float, str, str]] = []  # (minute, device, value text)
    for dev, low, high in (("d1", 18.0, 33.0), ("d2", 80.0, 104.0)):
        minute = 0.0
        while minute < 90:
            value = round(rng.uniform(low, high), 3)
            text = rng.choice([repr(value), repr(value), f"{value:.3e}", str(int(value))])
            events.append((minute, dev, text))
            minute += rng.choice([0.25, 0.5, 1.0, 1.5]) + rng.randrange(0, 1000) / 60_000
    # d3: a burst, a gap of exactly 10 min (a new session), a gap 1 ms short of it (the same session).
    burst = [0.0, 1 / 3, 2 / 3, 1.0]
    events += [(5 + m, "d3", "-3.5") for m in burst]
    events += [(16 + m, "d3", "0") for m in burst]  # 10 min after 6:00 exactly
    events += [(17 + 10 - 1 / 60_000, "d3", "2.5e1")]  # 9:59.999 after 17:00
    events.append((29 + 55 / 60, "d2", "91.5"))  # between d2's 10:29:50 version and its 10:30 one
    events.sort()
    out: list[tuple[bytes, bool]] = []
    for i, (minute, dev, text) in enumerate(events):
        out.append((reading(f"r{i}", dev, at(minute), text, rng.choice(["celsius", "celsius", "kpa"])), True))
        if dev != "d3" and i % 37 == 5:  # 20 s out of order: on time
            out.append((reading(f"o{i}", dev, at(minute - 1 / 3), text, "percent"), True))
        if dev != "d3" and i % 41 == 7:  # 45 s behind the latest: late
            out.append((reading(f"l{i}", dev, at(minute - 0.75), text), True))
    invalid = [
        reading("x1", "d1", at(3), '"21.5"'),  # a string for a double
        reading("x2", "d1", at(3), "1e999"),  # beyond a double's range
        reading("x3", "d1", at(3), "21.5", "kelvin"),  # not one of the units
        b'{"device_id": "d1", "value": 1.0, "unit": "kpa", "event_time": "2026-11-24T10:03:00.000Z"}',
        reading("x5", "d1", "2030-01-01T00:00:00.000Z", "NaN"),  # not JSON: must not move the watermark
    ]
    for k, value in enumerate(invalid):
        out.insert(10 + 7 * k, (value, False))
    return out


def planned(stream: str, items: list[tuple[bytes, bool]]) -> list[PlannedRecord]:
    records = []
    for seq, (value, valid) in enumerate(items):
        event = json.loads(value, parse_float=Decimal) if valid else None
        key = str(event["device_id"]).encode() if event else b"d1"
        kind = "valid" if valid else "invalid"
        records.append(PlannedRecord(seq, "", stream, key, value, kind, event))  # type: ignore[arg-type]
    return records


@pytest.fixture(scope="module")
def iot(
    local_stack, built_package: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[SentData, AppConfig, Expected]:
    records = planned("devices", DEVICES) + planned("readings", readings())
    sent = send_records(local_stack, records, "iot-", partitions=1, name=PIPELINE)
    cfg, properties = job_config(
        local_stack, sent.topics, "iot-out-", tmp_path_factory.mktemp("iot"), name=PIPELINE
    )
    run_job(properties, timeout_s=600)
    inputs = [
        Reading(r.stream, r.partition or 0, r.offset or 0, r.event if r.kind == "valid" else None)
        for r in sent.records
    ]
    return (
        sent,
        cfg,
        expected_outputs(inputs, cfg.pipeline.version, timedelta(seconds=cfg.pipeline.watermark_delay_s)),
    )


def test_data_exercises_what_it_claims(iot: tuple[SentData, AppConfig, Expected]) -> None:
    _, _, expected = iot
    assert len(expected.invalid) == 7
    late_sources = Counter(source for source, _, _ in expected.late)
    assert late_sources["devices"] == 1 and late_sources["readings"] >= 3
    rows = {r["reading_id"]: r for r in expected.features["reading_features"]}
    assert {r["over_limit"] for r in rows.values()} == {True, False, None}  # d3 has no device
    assert {r["site"] for r in rows.values() if r["device_id"] == "d2"} >= {"muc-02", "muc-03"}
    d3 = sorted(r["reading_count"] for r in expected.features["activity"] if r["device_id"] == "d3")
    assert d3 == [4, 5]


def _same(actual: list[dict[str, Any]], expected: list[dict[str, Any]], feature_set: str, what: str) -> None:
    """Equal as multisets, averages within :data:`AVG_REL_TOL`, everything else exactly."""
    approx = AVG_COLUMNS.get(feature_set, ())

    def exact(row: dict[str, Any]) -> tuple:
        return tuple(sorted((k, v) for k, v in row.items() if k not in approx))

    got = {exact(r): r for r in actual}
    want = {exact(r): r for r in expected}
    assert len(got) == len(actual), f"{what}: duplicate rows"
    missing, extra = set(want) - set(got), set(got) - set(want)
    assert not missing and not extra, (
        f"{what}: {len(actual)} rows, reference {len(expected)}; "
        f"missing {[dict(m) for m in list(missing)[:5]]}; extra {[dict(e) for e in list(extra)[:5]]}"
    )
    for key, row in got.items():
        for column in approx:
            assert math.isclose(row[column], want[key][column], rel_tol=AVG_REL_TOL), (
                what,
                dict(key),
                column,
            )


def _typed(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """JSON numbers of DOUBLE columns as floats (the topic reader parses fractions as Decimal)."""
    return [{k: float(v) if k in DOUBLES and v is not None else v for k, v in row.items()} for row in rows]


@pytest.mark.parametrize("feature_set", FEATURE_SETS)
def test_kafka_features_equal_reference(iot: tuple[SentData, AppConfig, Expected], feature_set: str) -> None:
    _, cfg, expected = iot
    records = read_topic(librdkafka_config(cfg.kafka), cfg.topics.feature_topic(feature_set))
    rows = _typed(feature_rows_from_topic(records))
    assert all(r.key == row["device_id"].encode() for r, row in zip(records, rows, strict=True))
    _same(rows, expected.features[feature_set], feature_set, f"Kafka {feature_set}")


@pytest.mark.parametrize("feature_set", FEATURE_SETS)
def test_parquet_features_equal_reference(
    iot: tuple[SentData, AppConfig, Expected], feature_set: str
) -> None:
    _, cfg, expected = iot
    assert cfg.offline is not None
    rows = _typed(feature_rows_from_table(read_offline(cfg.offline, f"features/{feature_set}")))
    _same(rows, expected.features[feature_set], feature_set, f"Parquet {feature_set}")


def test_late_and_invalid_records_in_their_topics(iot: tuple[SentData, AppConfig, Expected]) -> None:
    sent, cfg, expected = iot
    by_topic = {topic: source for source, topic in sent.topics.sources.items()}
    late = positions(read_topic(librdkafka_config(cfg.kafka), cfg.topics.late_events), "late")
    assert {(by_topic[t], p, o): h["late.event_time"] for (t, p, o), h in late.items()} == {
        k: v["event_time"] for k, v in expected.late.items()
    }
    assert all(h["late.reason"].startswith("late: event_time is at or before") for h in late.values())
    dead = positions(read_topic(librdkafka_config(cfg.kafka), cfg.topics.dead_letter), "dlq")
    assert {(by_topic[t], p, o) for (t, p, o) in dead} == expected.invalid
    reasons = Counter(h["dlq.reason"] for h in dead.values())
    assert reasons["out of domain: value must be a finite number (at most about 1.8e308 in magnitude)"] == 1
    assert reasons["wrong type: value must be a JSON number"] == 1
    assert reasons["wrong type: max_value must be a JSON number"] == 1
    assert reasons["out of domain: unit must be one of celsius|kpa|percent"] == 1
    assert reasons["missing field: reading_id"] == 1


def test_archives_hold_the_on_time_events(iot: tuple[SentData, AppConfig, Expected]) -> None:
    sent, cfg, expected = iot
    assert cfg.offline is not None
    for source in ("readings", "devices"):
        table = read_offline(cfg.offline, f"events/{source}")
        got = sorted(int(o) for o in table.column("kafka_offset").to_pylist())
        want = sorted(
            r.offset or 0
            for r in sent.records
            if r.stream == source
            and r.kind == "valid"
            and (source, r.partition, r.offset) not in expected.late
        )
        assert got == want, source


def test_parity_of_the_live_run_has_no_difference(
    iot: tuple[SentData, AppConfig, Expected], tmp_path: Path
) -> None:
    """The second pipeline through backfill and parity: its archive reproduces every live row."""
    from click.testing import CliRunner

    from flink_jobs.config import to_property_groups
    from msk_features.cli import main

    _, cfg, expected = iot
    properties = tmp_path / "application_properties.json"
    properties.write_text(json.dumps(to_property_groups(cfg)), encoding="utf-8")
    args = ["parity", PIPELINE, "--from", at(10), "--to", at(80), "--properties", str(properties)]
    result = CliRunner().invoke(main, [*args, "--output", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["ok"] and len(report["feature_sets"]) == 2 * len(FEATURE_SETS)
    matched = {(f["feature_set"], f["live"]): f["matched"] for f in report["feature_sets"]}
    assert all(n > 0 for n in matched.values()), matched
    rows = expected.features["reading_features"]
    assert matched[("reading_features", "kafka")] == sum(at(10) <= r["event_time"] < at(80) for r in rows)
