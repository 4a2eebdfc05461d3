"""The input path on the bad-input corpus: for every record the job's verdict (valid, or the rule
category and field of ``dlq_reason``) equals the independent reference's
(:func:`tests.reference.fraud.verdict`), and the original key and value arrive unchanged.

The corpus is :mod:`tests.support.bad_corpus`: the hand-picked cases (the size-limit ones
included) and 600 hypothesis-generated ones (derandomized), each with a Kafka key and the Kafka
timestamp the "not more than a day ahead" rule compares with. Each record goes through a real topic,
the Kafka source with the ``contract-json`` format and the checked view (:mod:`tests.support.contract_run`).
"""

from __future__ import annotations

import pytest

from flink_jobs.pipelines.fraud import PIPELINE
from msk_features.dev.stack.control import Endpoints
from tests.reference.fraud import Verdict, verdict
from tests.support.bad_corpus import BROKER_MESSAGE_MAX_BYTES, KAFKA_TIME, generated, hand_picked
from tests.support.contract_run import checked_rows, contract_table_env

pytestmark = pytest.mark.integration

INPUTS = tuple(s.schema for s in PIPELINE.sources)


def job_verdict(reason: str | None) -> Verdict | None:
    """A ``dlq_reason`` as (category, field): ``wrong type: amount must be ...`` -> wrong type, amount."""
    if reason is None:
        return None
    category, _, rest = reason.partition(": ")
    if category in ("missing field", "wrong type", "out of domain"):
        return Verdict(category, rest.split(" ")[0])
    return Verdict(category)


def test_job_verdicts_equal_the_reference_on_the_corpus(local_stack: Endpoints) -> None:
    corpus = hand_picked() + generated()
    env = contract_table_env()
    mismatches = []
    for schema in INPUTS:
        records = [r for r in corpus if r.stream == schema.name]
        rows = checked_rows(
            local_stack,
            env,
            schema,
            [(r.key, r.value, KAFKA_TIME) for r in records],
            max_message_bytes=BROKER_MESSAGE_MAX_BYTES,
        )
        for record, row in zip(records, rows, strict=True):
            assert (row["kafka_key"], row["raw_value"]) == (record.key, record.value), record.note
            reason = row["dlq_reason"]
            want = verdict(schema.name, record.key, record.value, KAFKA_TIME)
            if job_verdict(reason) != want:
                mismatches.append(f"{record.note}: {record.value!r:.300} job={reason!r} reference={want}")
            if (row["rowtime"] is None) != (reason is not None):
                mismatches.append(f"{record.note}: rowtime {row['rowtime']} with reason {reason!r}")
    assert not mismatches, f"{len(mismatches)} of {len(corpus)} differ:\n" + "\n".join(mismatches[:30])
    invalid = sum(verdict(r.stream, r.key, r.value, KAFKA_TIME) is not None for r in corpus)
    assert invalid >= 600, "the corpus is mostly invalid records"
