"""The validation SQL on the bad-input corpus, on a Flink mini-cluster (no Kafka): for every record
the job's verdict (valid, or the rule category and field of ``dlq_reason``) equals the independent
reference's (:func:`tests.reference.fraud.verdict`).

The corpus is :mod:`tests.reliability.bad_corpus`: the hand-picked cases and 600 hypothesis-generated
ones (derandomized), each with a Kafka key and the Kafka timestamp the "not more than a day ahead"
rule compares with. Values over 16 KB (the size-limit cases) are left to the Kafka test, since they
would make a very long SQL literal.
"""

from __future__ import annotations

import pytest
from pyflink.table import EnvironmentSettings, TableEnvironment

from connectors.validation import checked_view_sql
from flink_jobs.schemas import INPUTS
from tests.reference.fraud import Verdict, verdict
from tests.reliability.bad_corpus import KAFKA_TIME, BadRecord, generated, hand_picked

pytestmark = [pytest.mark.flink, pytest.mark.reliability]  # 2-6 min here: not in make test

MAX_LITERAL_BYTES = 16_384


def job_verdict(reason: str | None) -> Verdict | None:
    """A ``dlq_reason`` as (category, field): ``wrong type: amount must be ...`` -> wrong type, amount."""
    if reason is None:
        return None
    category, _, rest = reason.partition(": ")
    if category in ("missing field", "wrong type", "out of domain"):
        return Verdict(category, rest.split(" ")[0])
    return Verdict(category)


def _literal(value: bytes | None) -> str:
    """A binary literal and whether the value is null: plain literals keep VALUES one operator
    (with expressions in it, the planner makes one source per row)."""
    return "X'', TRUE" if value is None else f"X'{value.hex()}', FALSE"


def checked(table_env: TableEnvironment, stream: str, records: list[BadRecord]) -> list[str | None]:
    """``dlq_reason`` of each record, in order, from the checked view of ``stream``'s contract."""
    (schema,) = [s for s in INPUTS if s.name == stream]
    millis = int(KAFKA_TIME.timestamp() * 1000)
    rows = ",\n".join(f"({i}, {_literal(r.key)}, {_literal(r.value)})" for i, r in enumerate(records))
    table_env.execute_sql(
        f"CREATE TEMPORARY VIEW corpus_{stream} AS SELECT seq, "
        "CASE WHEN key_null THEN CAST(NULL AS BYTES) ELSE CAST(k AS BYTES) END AS kafka_key, "
        "CASE WHEN value_null THEN CAST(NULL AS BYTES) ELSE CAST(v AS BYTES) END AS raw_value, "
        f"TO_TIMESTAMP_LTZ({millis}, 3) AS kafka_timestamp "
        f"FROM (VALUES {rows}) AS T(seq, k, key_null, v, value_null)"
    )
    table_env.execute_sql(
        checked_view_sql(
            schema, f"checked_{stream}", f"corpus_{stream}", passthrough=("seq", "kafka_key", "raw_value")
        )
    )
    query = f"SELECT seq, kafka_key, raw_value, dlq_reason FROM checked_{stream}"
    with table_env.execute_sql(query).collect() as results:
        rows = {r[0]: tuple(r)[1:] for r in results}
    assert sorted(rows) == list(range(len(records)))
    for i, record in enumerate(records):  # the literals arrive unchanged (no padding, no decoding)
        key, value, _ = rows[i]
        assert (key, value) == (record.key, record.value), record.note
    return [rows[i][2] for i in range(len(records))]


def test_job_verdicts_equal_the_reference_on_the_corpus() -> None:
    corpus = [r for r in hand_picked() + generated() if r.value is None or len(r.value) <= MAX_LITERAL_BYTES]
    env = TableEnvironment.create(EnvironmentSettings.in_batch_mode())
    env.get_config().set("table.local-time-zone", "UTC")
    env.get_config().set("parallelism.default", "1")
    mismatches = []
    for stream in ("transactions", "clicks", "profiles"):
        records = [r for r in corpus if r.stream == stream]
        for record, reason in zip(records, checked(env, stream, records), strict=True):
            want = verdict(stream, record.key, record.value, KAFKA_TIME)
            if job_verdict(reason) != want:
                mismatches.append(f"{record.note}: {record.value!r:.300} job={reason!r} reference={want}")
    assert not mismatches, f"{len(mismatches)} of {len(corpus)} differ:\n" + "\n".join(mismatches[:30])
    invalid = sum(verdict(r.stream, r.key, r.value, KAFKA_TIME) is not None for r in corpus)
    assert invalid >= 600, "the corpus is mostly invalid records"
