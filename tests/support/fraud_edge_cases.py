"""A hand-made event set rich in edge cases for the fraud pipeline, in send order.

Each case says what it exercises; the expected outputs are computed by the independent reference
(:mod:`tests.reference.fraud`), never written here. Single-partition topics make lateness exact: the
watermark of a topic is its largest valid event time so far minus 30 s, and a record at or behind it
is late.
"""

from __future__ import annotations

import json
from decimal import Decimal

from msk_features.dev.generator.plan import PlannedRecord

DAY_BEFORE = "2026-11-23"
DAY = "2026-11-24"


def t(clock: str, day: str = DAY) -> str:
    """``10:00:00.000`` -> ``2026-11-24T10:00:00.000Z``."""
    return f"{day}T{clock}Z"


def txn(txn_id: str, user: str, clock: str, amount: str, merchant: str = "m1", country: str = "DE") -> dict:
    return {
        "txn_id": txn_id,
        "user_id": user,
        "merchant_id": merchant,
        "amount": Decimal(amount),
        "currency": "EUR",
        "country": country,
        "event_time": t(clock),
    }


def click(click_id: str, user: str, when: str, action: str = "view") -> dict:
    return {"click_id": click_id, "user_id": user, "page": "/p", "action": action, "event_time": when}


def profile(user: str, when: str, home: str, tier: str) -> dict:
    return {"user_id": user, "home_country": home, "risk_tier": tier, "updated_at": when}


# (stream, event dict or raw bytes, valid?) in send order; per topic this is the partition order.
PROFILES: list[tuple[dict | bytes, bool]] = [
    (profile("u3", t("09:00:00.000"), "DE", "low"), True),  # before every u3 transaction
    (profile("u4", t("10:00:00.000"), "GB", "low"), True),  # tie on updated_at with the next one...
    (profile("u4", t("10:00:00.000"), "IE", "high"), True),  # ...the later record in the topic wins
    (profile("u1", t("10:00:00.000"), "DE", "medium"), True),
    (profile("u8", t("10:05:00.000"), "ES", "low"), True),
    (profile("u8", t("10:04:45.000"), "PT", "high"), True),  # 15 s out of order: on time, T21 sees it
    (
        b'{"user_id": "u1", "home_country": "de", "risk_tier": "low", '
        b'"updated_at": "2030-01-01T00:00:00.000Z"}',
        False,
    ),
    (profile("u3", t("10:20:00.000"), "FR", "high"), True),  # exactly at T11's time: T11 sees it
    (profile("u3", t("10:40:00.000"), "US", "medium"), True),  # after every u3 transaction but T14
    (profile("u5", t("10:00:00.000"), "NL", "low"), True),  # 40 min behind: late, enriches nothing
]

CLICKS: list[tuple[dict | bytes, bool]] = [
    (click("c-u6", "u6", t("10:00:00.000", DAY_BEFORE)), True),  # exactly 24 h before T15: counted
    (click("c-u7", "u7", t("09:59:59.999", DAY_BEFORE)), True),  # 24 h + 1 ms before T16: too old
    (click("c1", "u1", t("10:00:00.000")), True),  # exactly 10 min before T6: in its range
    (click("c2", "u4", t("10:00:00.000"), "login"), True),
    (click("c3", "u1", t("10:10:00.000"), "checkout"), True),  # same instant as T6: counted
    (click("c4", "u4", t("10:30:00.000"), "checkout"), True),  # exactly 30 min after c2: new session
    (click("c6", "u1", t("10:59:00.000")), True),
    (click("c7", "u1", t("10:58:40.000")), True),  # 20 s out of order: on time
    (click("c8", "u1", t("10:58:29.999")), True),  # 30.001 s behind 10:59:00: late
    (b"\xff\xfe not utf-8", False),
    (click("c5", "u4", t("10:59:59.999"), "checkout"), True),  # 29:59.999 after c4: same session
    (
        b'{"click_id": "c9", "user_id": "u1", "page": "/p", "action": "buy", '
        b'"event_time": "2026-11-24T11:00:00.000Z"}',
        False,
    ),
]

TRANSACTIONS: list[tuple[dict | bytes, bool]] = [
    (txn("T15", "u6", "10:00:00.000", "15.00"), True),
    (txn("T16", "u7", "10:00:00.000", "16.00"), True),
    (txn("T1", "u1", "10:00:00.000", "10.00", "m1"), True),  # on a 1 min and a 5 min boundary
    (txn("T2", "u1", "10:00:59.999", "5.5", "m2"), True),  # last instant of [10:00, 10:01)
    (txn("T3", "u1", "10:01:00.000", "1.25", "m1", "FR"), True),  # first instant of [10:01, 10:02)
    (txn("T21", "u8", "10:04:50.000", "21", "m1", "PT"), True),  # PT (10:04:45), not ES (10:05)
    (txn("T4", "u1", "10:05:00.000", "2", "m3"), True),  # equal timestamps with T5
    (txn("T5", "u1", "10:05:00.000", "3", "m3"), True),
    (txn("T22", "u8", "10:05:10.000", "22", "m1", "PT"), True),  # ES: the greatest updated_at <= t
    (txn("T6", "u1", "10:10:00.000", "4", "m4"), True),  # T1 is exactly 10 min before: included
    (txn("T7", "u1", "10:09:40.000", "0.0001", "m5"), True),  # 20 s out of order: on time
    (txn("T8", "u1", "10:09:29.000", "9", "m1"), True),  # 31 s behind: late
    (txn("T8b", "u1", "10:09:30.000", "9", "m1"), True),  # exactly at the watermark: late
    # Invalid (no amount) with a far-future time: must not move the watermark, or T9 would be late.
    (
        b'{"txn_id": "X1", "user_id": "u1", "merchant_id": "m1", "currency": "EUR", "country": "DE", '
        b'"event_time": "2030-01-01T00:00:00.000Z"}',
        False,
    ),
    (txn("T9", "u1", "10:10:05.000", "1.0001", "m1"), True),
    (txn("T10", "u2", "10:10:10.000", "7", "m9", "US"), True),  # no profile, no clicks
    (txn("T12", "u3", "10:19:59.999", "12", "m1", "DE"), True),  # 1 ms before u3's FR version
    (txn("T11", "u3", "10:20:00.000", "11", "m1", "FR"), True),  # at the FR version's time
    (b"[1, 2, 3]", False),
    (txn("T13", "u3", "10:30:00.000", "13", "m2", "FR"), True),
    (txn("T17", "u4", "10:30:00.000", "17", "m1", "IE"), True),
    (txn("T14", "u3", "10:41:00.000", "14", "m2", "DE"), True),  # sees the US version
    (txn("T18", "u5", "10:45:00.000", "18", "m1", "NL"), True),  # u5's only profile was late
    (txn("T19", "u4", "11:00:00.000", "19.99", "m1", "IE"), True),  # c5 is 1 ms before
    (txn("T20", "u1", "11:00:00.000", "20", "m6", "DE"), True),  # c6/c7 within 10 min, c8 was late
    (
        b'{"txn_id": "X2", "user_id": "u1", "merchant_id": "m1", "amount": "20", "currency": "EUR", '
        b'"country": "DE", '
        b'"event_time": "2026-11-24T11:00:01.000Z"}',
        False,
    ),
]


def encode(event: dict) -> bytes:
    """JSON with decimals written exactly as given (``Decimal('5.5')`` -> ``5.5``)."""
    parts = []
    for key, value in event.items():
        text = str(value) if isinstance(value, Decimal) else json.dumps(value)
        parts.append(f"{json.dumps(key)}: {text}")
    return ("{" + ", ".join(parts) + "}").encode()


def planned_records() -> list[PlannedRecord]:
    """The edge cases as generator records (``topic`` = stream name; set per test when sent)."""
    records: list[PlannedRecord] = []
    for stream, items in (("profiles", PROFILES), ("clicks", CLICKS), ("transactions", TRANSACTIONS)):
        for item, valid in items:
            event = item if isinstance(item, dict) else None
            value = encode(item) if isinstance(item, dict) else item
            user = event["user_id"] if event else "u1"
            records.append(
                PlannedRecord(
                    seq=len(records),
                    topic=stream,
                    stream=stream,  # type: ignore[arg-type]
                    key=user.encode(),
                    value=value,
                    kind="valid" if valid else "invalid",
                    event=event,  # type: ignore[arg-type]
                )
            )
    return records
