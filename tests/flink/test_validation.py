"""The input path on a Flink mini-cluster (a real topic, the Kafka source with the ``contract-json``
format, the checked view): each record gets exactly the expected verdict, reason text included."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from pyflink.table import TableEnvironment

from flink_jobs.features import InputSchema
from flink_jobs.features.compiler.contract_sql import valid_columns
from flink_jobs.pipelines.fraud import CLICKS, PROFILES, TRANSACTIONS
from msk_features.dev.stack.control import Endpoints
from tests.support.contract_run import checked_rows, contract_table_env

pytestmark = pytest.mark.integration

TXN = {
    "txn_id": "t1",
    "user_id": "u1",
    "merchant_id": "m1",
    "amount": 12.5,
    "currency": "USD",
    "country": "DE",
    "event_time": "2026-11-24T10:15:30.123Z",
}
CLICK = {
    "click_id": "c1",
    "user_id": "u1",
    "page": "/home",
    "action": "checkout",
    "event_time": "2028-02-29T23:59:59.999Z",
}
PROFILE = {
    "user_id": "u1",
    "home_country": "FR",
    "risk_tier": "high",
    "updated_at": "2026-01-01T00:00:00.000Z",
}
KAFKA_TIME_MS = 1_835_481_600_000  # 2028-03-01T00:00:00.000Z, the Kafka timestamp of every case
DROP = object()


def variant(base: dict[str, object], **changes: object) -> bytes:
    record = dict(base)
    for key, value in changes.items():
        if value is DROP:
            record.pop(key)
        else:
            record[key] = value
    return json.dumps(record).encode()


# (schema, raw value, expected reason or None for valid) -- reasons written out by hand.
CASES: list[tuple[InputSchema, bytes, str | None]] = [
    (TRANSACTIONS, variant(TXN), None),
    (TRANSACTIONS, variant(TXN, amount=0.01, extra_field=[1, 2]), None),
    (TRANSACTIONS, variant(TXN, amount="12.50"), "wrong type: amount must be a JSON number"),
    (
        TRANSACTIONS,
        variant(TXN, amount=0),
        "out of domain: amount must be a plain decimal > 0 with at most 14 integer and 4 fraction digits",
    ),
    (
        TRANSACTIONS,
        variant(TXN, amount=-3),
        "out of domain: amount must be a plain decimal > 0 with at most 14 integer and 4 fraction digits",
    ),
    (
        TRANSACTIONS,
        variant(TXN, amount=1.23456),
        "out of domain: amount must be a plain decimal > 0 with at most 14 integer and 4 fraction digits",
    ),
    (TRANSACTIONS, variant(TXN, currency="usd"), "out of domain: currency must match ^[A-Z]{3}$"),
    (TRANSACTIONS, variant(TXN, country="USA"), "out of domain: country must match ^[A-Z]{2}$"),
    (
        TRANSACTIONS,
        variant(TXN, event_time="2026-02-30T10:00:00.000Z"),
        "out of domain: event_time must be a real UTC instant formatted YYYY-MM-DDTHH:MM:SS.mmmZ",
    ),
    (
        TRANSACTIONS,
        variant(TXN, event_time="2026-11-24T10:15:30Z"),
        "out of domain: event_time must be a real UTC instant formatted YYYY-MM-DDTHH:MM:SS.mmmZ",
    ),
    (TRANSACTIONS, variant(TXN, event_time=1764000000000), "wrong type: event_time must be a JSON string"),
    (TRANSACTIONS, variant(TXN, user_id=DROP), "missing field: user_id"),
    (TRANSACTIONS, variant(TXN, user_id=None), "missing field: user_id"),
    (TRANSACTIONS, variant(TXN, user_id=7), "wrong type: user_id must be a JSON string"),
    (TRANSACTIONS, variant(TXN, txn_id=""), "out of domain: txn_id must not be empty"),
    (TRANSACTIONS, variant(TXN, user_id=["u1"]), "wrong type: user_id must be a JSON string"),
    (TRANSACTIONS, variant(TXN, amount=[12.5]), "wrong type: amount must be a JSON number"),
    (TRANSACTIONS, variant(TXN, currency="USD\n"), "out of domain: currency must match ^[A-Z]{3}$"),
    (
        TRANSACTIONS,
        variant(TXN, event_time="1969-12-31T23:59:59.999Z"),
        "out of domain: event_time must not be before 1970-01-01T00:00:00.000Z",
    ),
    (TRANSACTIONS, variant(TXN, event_time="2028-03-02T00:00:00.000Z"), None),  # exactly 1 day ahead
    (
        TRANSACTIONS,
        variant(TXN, event_time="2028-03-02T00:00:00.001Z"),
        "out of domain: event_time must be at most 1 day after the record's Kafka timestamp",
    ),
    (
        TRANSACTIONS,
        variant(TXN, event_time="9999-12-31T23:59:59.999Z"),
        "out of domain: event_time must be at most 1 day after the record's Kafka timestamp",
    ),
    (
        TRANSACTIONS,
        variant(TXN, pad="x" * 250_000),
        "too large: the key and value hold more than 250000 characters "
        "(its key and value are not copied; read them at the source position)",
    ),
    (TRANSACTIONS, b'{"txn_id": "t', "bad JSON: the value is not a JSON object"),
    (TRANSACTIONS, b"[1, 2]", "bad JSON: the value is not a JSON object"),
    (TRANSACTIONS, b"\xff\xfe{}", "bad JSON: the value is not valid UTF-8"),
    (CLICKS, variant(CLICK), None),
    (
        CLICKS,
        variant(CLICK, action="purchase"),
        "out of domain: action must be one of view|add_to_cart|checkout|login",
    ),
    (CLICKS, variant(CLICK, page=DROP), "missing field: page"),
    (PROFILES, variant(PROFILE), None),
    (
        PROFILES,
        variant(PROFILE, risk_tier="extreme"),
        "out of domain: risk_tier must be one of low|medium|high",
    ),
    (
        PROFILES,
        variant(PROFILE, updated_at="2026-13-40T25:00:00.000Z"),
        "out of domain: updated_at must be a real UTC instant formatted YYYY-MM-DDTHH:MM:SS.mmmZ",
    ),
]


@pytest.fixture(scope="module")
def table_env() -> TableEnvironment:
    return contract_table_env()


def run_checked(
    endpoints: Endpoints, table_env: TableEnvironment, schema: InputSchema, values: list[bytes]
) -> list[dict[str, object]]:
    """Checked rows of ``values`` (null Kafka key, Kafka timestamp :data:`KAFKA_TIME_MS`), in order."""
    return checked_rows(endpoints, table_env, schema, [(None, v, KAFKA_TIME_MS) for v in values])


@pytest.mark.parametrize("schema", [TRANSACTIONS, CLICKS, PROFILES], ids=lambda s: s.name)
def test_each_record_gets_the_expected_verdict(
    local_stack: Endpoints, table_env: TableEnvironment, schema: InputSchema
) -> None:
    cases = [(raw, reason) for s, raw, reason in CASES if s is schema]
    rows = run_checked(local_stack, table_env, schema, [raw for raw, _ in cases])
    assert len(rows) == len(cases)
    for (raw, expected), row in zip(cases, rows, strict=True):
        reason = row["dlq_reason"]
        assert reason == expected, raw
        assert row["raw_value"] == raw  # the original bytes, for the dead-letter copy
        assert (row["rowtime"] is None) == (expected is not None), raw  # no watermark from invalid ones
        typed = [row[c] for c in valid_columns(schema)]
        if expected is None:
            assert all(v is not None for v in typed), raw
        else:
            assert all(v is None for v in typed), raw  # an invalid record carries no typed values


def test_valid_values_are_typed_exactly(local_stack: Endpoints, table_env: TableEnvironment) -> None:
    raw = (
        b'{"txn_id":"t9","user_id":"u9","merchant_id":"m9","amount":12345678901234.1234,'
        b'"currency":"JPY","country":"JP","event_time":"2026-11-24T23:59:59.999Z"}'
    )
    (row,) = run_checked(local_stack, table_env, TRANSACTIONS, [raw])
    txn_id, user_id, merchant_id, amount, currency, country, event_time, reason = (
        row[c] for c in [*valid_columns(TRANSACTIONS), "dlq_reason"]
    )
    assert reason is None
    assert (txn_id, user_id, merchant_id, currency, country) == ("t9", "u9", "m9", "JPY", "JP")
    assert amount == Decimal("12345678901234.1234")  # no float rounding
    assert event_time.isoformat(timespec="milliseconds") == "2026-11-24T23:59:59.999"
