"""The exactly-once checks shared by the fault tests: every output equals the reference for all input.

After a fault and a recovery, the read_committed view of every Kafka output and the finished Parquet
files must hold exactly the reference's rows (no gap, no duplicate); the dead-letter topic exactly
the invalid records, once each. :func:`uncommitted_extra` is the negative control: what a
read_uncommitted reader sees beyond that (records of aborted transactions).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from flink_jobs.config import AppConfig
from msk_features.dev.generator.plan import PlannedRecord
from msk_features.kafka.auth import librdkafka_config
from msk_features.operations.outputs import feature_rows_from_topic, read_topic
from tests.reference.fraud import Expected
from tests.support.fraud_check import (
    _canonical,
    assert_archives_hold_on_time_events,
    assert_same_rows,
    kafka_rows,
    parquet_rows,
    positions,
    reference_for,
)
from tests.support.pipeline_run import FEATURE_SETS

__all__ = ["Checked", "assert_exactly_once", "uncommitted_extra"]


@dataclass(frozen=True)
class Checked:
    """What was compared: rows per feature set (reference = Kafka = Parquet) and invalid records."""

    expected: Expected
    rows: dict[str, int]
    invalid: int

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def assert_exactly_once(cfg: AppConfig, records: list[PlannedRecord]) -> Checked:
    """Kafka (read_committed) and Parquet outputs equal the reference for ``records``, exactly."""
    expected = reference_for(records, cfg)
    assert not expected.late, "precondition: no record is late by the per-partition rule"
    for feature_set in FEATURE_SETS:
        want = expected.features[feature_set]
        assert want, f"precondition: the reference expects {feature_set} rows"
        assert_same_rows(kafka_rows(cfg, feature_set), want, f"Kafka {feature_set}")
        assert_same_rows(parquet_rows(cfg, feature_set), want, f"Parquet {feature_set}")
    dead = read_topic(librdkafka_config(cfg.kafka), cfg.topics.dead_letter)
    by_name = {
        **{topic: source for source, topic in cfg.topics.sources.items()},
    }
    got = [(by_name[t], p, o) for (t, p, o) in positions(dead, "dlq")]
    assert len(got) == len(dead), "a dead-letter record was written twice"
    assert set(got) == expected.invalid, "dead-letter records differ from the invalid records sent"
    assert_archives_hold_on_time_events(cfg, expected)
    return Checked(expected, {fs: len(expected.features[fs]) for fs in FEATURE_SETS}, len(dead))


def uncommitted_extra(cfg: AppConfig, expected: Expected) -> dict[str, int]:
    """Per feature topic, how many more rows a read_uncommitted reader sees than the reference has.

    Also asserts that every such row is a copy of a reference row: the extra rows are the outputs
    of aborted transactions that the recovered job produced again, not garbage.
    """
    extra: dict[str, int] = {}
    for feature_set in FEATURE_SETS:
        records = read_topic(
            librdkafka_config(cfg.kafka), cfg.topics.feature_topic(feature_set), isolation="read_uncommitted"
        )
        got = Counter(map(_canonical, feature_rows_from_topic(records)))
        want = Counter(map(_canonical, expected.features[feature_set]))
        assert not (want - got), f"{feature_set}: read_uncommitted misses committed rows"
        assert set(got) <= set(want), f"{feature_set}: read_uncommitted sees rows the reference does not have"
        extra[feature_set] = sum((got - want).values())
    return extra
