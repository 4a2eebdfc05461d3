"""The source's event-time column (:func:`connectors.validation.valid_time_sql`) and the checked view
(:func:`connectors.validation.checked_view_sql`) are two formulations of the same rules: the first
reads each field once for speed, the second names the first broken rule. On every record of the
bad-input corpus, plus valid events of the generator, a record gets an event time exactly when the
view finds it valid, and that time is the view's ``event_time``.
"""

from __future__ import annotations

import pytest
from pyflink.table import EnvironmentSettings, TableEnvironment

from connectors.validation import checked_view_sql, valid_time_sql
from flink_jobs.schemas import INPUTS
from msk_features.generator.plan import GenerateSpec, build_plan
from tests.flink.test_validation_corpus import MAX_LITERAL_BYTES, _literal
from tests.reliability.bad_corpus import KAFKA_TIME, BadRecord, generated, hand_picked

pytestmark = pytest.mark.flink


def _valid_records() -> list[BadRecord]:
    spec = GenerateSpec(transactions=60, clicks=60, profiles=30, users=5)
    return [BadRecord(r.stream, r.key, r.value, f"valid {r.stream} {r.seq}") for r in build_plan(spec)]


def test_a_record_has_an_event_time_exactly_when_it_is_valid() -> None:
    corpus = [r for r in hand_picked() + generated() if r.value is None or len(r.value) <= MAX_LITERAL_BYTES]
    corpus += _valid_records()
    env = TableEnvironment.create(EnvironmentSettings.in_batch_mode())
    env.get_config().set("table.local-time-zone", "UTC")
    env.get_config().set("parallelism.default", "1")
    millis = int(KAFKA_TIME.timestamp() * 1000)
    disagreements, valid = [], 0
    for schema in INPUTS:
        records = [r for r in corpus if r.stream == schema.name]
        rows = ",\n".join(f"({i}, {_literal(r.key)}, {_literal(r.value)})" for i, r in enumerate(records))
        env.execute_sql(
            f"CREATE TEMPORARY VIEW wm_{schema.name} AS SELECT seq, "
            "CASE WHEN key_null THEN CAST(NULL AS BYTES) ELSE CAST(k AS BYTES) END AS kafka_key, "
            "CASE WHEN value_null THEN CAST(NULL AS BYTES) ELSE CAST(v AS BYTES) END AS raw_value, "
            f"TO_TIMESTAMP_LTZ({millis}, 3) AS kafka_timestamp "
            f"FROM (VALUES {rows}) AS T(seq, k, key_null, v, value_null)"
        )
        env.execute_sql(
            f"CREATE TEMPORARY VIEW wm_timed_{schema.name} AS "
            f"SELECT *, {valid_time_sql(schema)} AS rowtime FROM wm_{schema.name}"
        )
        env.execute_sql(
            checked_view_sql(
                schema, f"wm_checked_{schema.name}", f"wm_timed_{schema.name}", passthrough=("seq", "rowtime")
            )
        )
        query = f"SELECT seq, rowtime, `{schema.time_field}`, dlq_reason FROM wm_checked_{schema.name}"
        with env.execute_sql(query).collect() as results:
            for seq, rowtime, event_time, reason in results:
                valid += reason is None
                if (rowtime is not None) != (reason is None) or (reason is None and rowtime != event_time):
                    record = records[seq]
                    disagreements.append(
                        f"{record.note}: {record.value!r:.200} rowtime={rowtime} reason={reason}"
                    )
    assert not disagreements, f"{len(disagreements)} disagree:\n" + "\n".join(disagreements[:20])
    assert valid >= 150, "the valid events are counted as valid"
