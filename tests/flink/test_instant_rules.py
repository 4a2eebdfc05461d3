"""The time rules against Python's calendar, the independent reference: the ``contract-json``
format reads the instant (its own calendar arithmetic), SQL bounds it by the Kafka timestamp. On
every date of chosen years (leap and not, centuries, before and after 1970) and months (real and
not), every edge of the time of day, and instants around the Kafka-time bound, the source's
event-time column, the checked view's ``event_time`` and its verdict agree with the calendar.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from flink_jobs.features.compiler.contract_sql import MAX_AHEAD_OF_KAFKA_TIME
from flink_jobs.pipelines.fraud import PIPELINE
from msk_features.dev.stack.control import Endpoints
from tests.support.contract_run import checked_rows, contract_table_env

pytestmark = pytest.mark.integration

INPUTS = tuple(s.schema for s in PIPELINE.sources)

KAFKA_TIME = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
# The Kafka timestamp of the cases the bound must not touch: every text here is before it + 1 day.
# (Kafka 3.9 accepts any future timestamp: log.message.timestamp.after.max.ms defaults to the max.)
NO_BOUND = datetime(9999, 12, 31, tzinfo=UTC)
FORM = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})\.([0-9]{3})Z")


def _texts() -> list[str]:
    years = [
        "0000",
        "1900",
        "1969",
        "1970",
        "1971",
        "1972",
        "1999",
        "2000",
        "2023",
        "2024",
        "2100",
        "2400",
        "9999",
    ]
    months = ["00", "01", "02", "03", "04", "06", "09", "11", "12", "13"]
    days = ["00", "01", "28", "29", "30", "31", "32"]
    texts = [f"{y}-{m}-{d}T12:34:56.789Z" for y in years for m in months for d in days]
    times = ["00:00:00.000", "23:59:59.999", "24:00:00.000", "23:60:00.000", "23:59:60.000", "99:00:00.000"]
    texts += [f"2024-02-29T{t}Z" for t in times] + [f"1970-01-01T{t}Z" for t in times]
    texts += [
        "1969-12-31T23:59:59.999Z",
        "2024-2-29T00:00:00.000Z",
        "2024-02-29T00:00:00Z",
        "2024-02-29 00:00:00.000Z",
    ]
    return texts


def _expected(text: str, kafka_time: datetime | None) -> datetime | None:
    """The instant of a valid event time (Python's calendar), None when the time rules reject it."""
    match = FORM.fullmatch(text)
    if match is None:
        return None
    y, mo, d, h, mi, s, ms = (int(g) for g in match.groups())
    try:
        instant = datetime(y, mo, d, h, mi, s, ms * 1000, tzinfo=UTC)
    except ValueError:
        return None
    if y < 1970 or (kafka_time is not None and instant > kafka_time + MAX_AHEAD_OF_KAFKA_TIME):
        return None
    return instant


def test_event_time_column_view_and_calendar_agree_on_every_instant(local_stack: Endpoints) -> None:
    (schema,) = [s for s in INPUTS if s.name == "transactions"]
    bound = KAFKA_TIME + MAX_AHEAD_OF_KAFKA_TIME
    cases: list[tuple[str, datetime | None]] = [(t, None) for t in _texts()]  # sent at NO_BOUND
    near_bound = [
        bound - timedelta(milliseconds=1),
        bound,
        bound + timedelta(milliseconds=1),
        bound + timedelta(days=400),
    ]
    cases += [
        (t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z", KAFKA_TIME) for t in near_bound
    ]
    cases += [
        (t, KAFKA_TIME)
        for t in ["2024-02-29T00:00:00.000Z", "2023-02-29T00:00:00.000Z", "9999-12-31T23:59:59.999Z"]
    ]
    records = []
    for i, (text, kafka_time) in enumerate(cases):
        value = {
            "txn_id": f"t{i}",
            "user_id": "u1",
            "merchant_id": "m1",
            "amount": 12.5,
            "currency": "EUR",
            "country": "DE",
            "event_time": text,
        }
        records.append((None, json.dumps(value).encode(), kafka_time or NO_BOUND))
    rows = checked_rows(
        local_stack, contract_table_env(), schema, records, text_columns=("rowtime", "event_time")
    )
    disagreements, valid = [], 0
    for (text, kafka_time), row in zip(cases, rows, strict=True):
        expected = _expected(text, kafka_time)
        valid += expected is not None
        want = None if expected is None else expected.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
        rowtime, event_time, reason = row["rowtime"], row["event_time"], row["dlq_reason"]
        if rowtime != want or event_time != want or (reason is None) != (expected is not None):
            disagreements.append(
                f"{text} (Kafka time {kafka_time}): column {rowtime}, view {event_time} {reason}, "
                f"calendar {want}"
            )
    assert not disagreements, f"{len(disagreements)} of {len(cases)} disagree:\n" + "\n".join(
        disagreements[:20]
    )
    assert valid > 200, "the valid instants are counted as valid"
