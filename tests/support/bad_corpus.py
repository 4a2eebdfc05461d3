"""A corpus of bad input records: hand-picked cases plus a reproducible hypothesis-generated set.

Each :class:`BadRecord` is what a producer could put on an input topic: the stream, the Kafka key
(``None`` for a null key), the value (``None`` for a tombstone) and the Kafka timestamp. Whether it
is valid, and why not, is *not* stated here: :func:`tests.reference.fraud.verdict` decides, and the
tests compare that verdict with the job's. :func:`generated` draws from hypothesis strategies with
``derandomize=True``, so the same hypothesis version gives the same corpus on every run (given the
same imported project modules: hypothesis also draws constants found in local non-test modules).

Times are relative to the wall clock, never fixed dates: :data:`KAFKA_TIME`, the Kafka timestamp
every record is sent with, is the start of the current UTC hour minus one hour when this module is
imported (in the past, at a whole hour), and every time that matters is relative to it. The reason:
the broker's retention (7 days on the input topics) deletes records by their Kafka timestamp, so
records stamped with a fixed date vanish, once it is a week old, before or while the job reads them.
The rule stays testable on any day: an event time more than one day after the Kafka timestamp is
invalid (exactly one day ahead, :data:`ONE_DAY_AHEAD`, is valid; one day + 1 ms,
:data:`TOO_FAR_AHEAD`, is not), and so is one before 1970. The valid base event is at
:data:`EVENT_TIME` (:data:`KAFKA_TIME` - 90 min); texts whose format makes them invalid are built
from it, and instants invalid on any date (before 1970, year 0, year 9999) stay literal.
:func:`generated` draws absolute instants (hypothesis ``datetimes``: with this hypothesis version the
well-formed ones from 1970 on are centuries ahead); callers decide validity with
:func:`~tests.reference.fraud.verdict` against :data:`KAFKA_TIME`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.reference.fraud import FIELD_RULES, fmt

__all__ = [
    "BROKER_MESSAGE_MAX_BYTES",
    "EVENT_MOMENT",
    "EVENT_TIME",
    "KAFKA_TIME",
    "ONE_DAY_AHEAD",
    "TOO_FAR_AHEAD",
    "BadRecord",
    "base_event",
    "generated",
    "hand_picked",
    "near_limit",
]

KAFKA_TIME = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
"""The Kafka timestamp of every corpus record: the start of the current UTC hour minus one hour, at
import time (recent, so the topics' retention keeps the records; after every valid event of the tests)."""
BROKER_MESSAGE_MAX_BYTES = 1_048_588
"""The local broker's ``message.max.bytes``: Kafka's default (msk_features/dev/stack/kafka_broker.py
does not set it), also MSK's default."""
EVENT_MOMENT = KAFKA_TIME - timedelta(minutes=90)
"""The event time of :func:`base_event` (90 minutes before :data:`KAFKA_TIME`)."""
EVENT_TIME = fmt(EVENT_MOMENT)
""":data:`EVENT_MOMENT` in the contract's form (``…T…:…:….000Z``)."""
ONE_DAY_AHEAD = fmt(KAFKA_TIME + timedelta(days=1))
"""The latest valid event time: exactly one day after :data:`KAFKA_TIME`."""
TOO_FAR_AHEAD = fmt(KAFKA_TIME + timedelta(days=1, milliseconds=1))
"""The earliest event time too far ahead: one day + 1 ms after :data:`KAFKA_TIME`."""


@dataclass(frozen=True)
class BadRecord:
    """One record to send: stream, key, value, a note saying what it tries."""

    stream: str
    key: bytes | None
    value: bytes | None
    note: str


def base_event(stream: str, time: str = EVENT_TIME) -> dict[str, Any]:
    """A valid event of ``stream`` (user ``bad-u1``), to be broken."""
    if stream == "transactions":
        return {
            "txn_id": "bad-t1",
            "user_id": "bad-u1",
            "merchant_id": "m1",
            "amount": Decimal("12.50"),
            "currency": "EUR",
            "country": "DE",
            "event_time": time,
        }
    if stream == "clicks":
        return {"click_id": "bad-c1", "user_id": "bad-u1", "page": "/p", "action": "view", "event_time": time}
    return {"user_id": "bad-u1", "home_country": "DE", "risk_tier": "low", "updated_at": time}


def _dumps(value: Any, ensure_ascii: bool = True) -> str:
    def default(o: Any) -> Any:
        if isinstance(o, Decimal):
            return float(o)  # only used for values that are not meant to stay exact
        raise TypeError(o)

    return json.dumps(value, ensure_ascii=ensure_ascii, default=default)


def _with_raw(event: dict[str, Any], field: str, raw: str) -> bytes:
    """``event`` as JSON with ``field``'s value replaced by the raw JSON text ``raw``."""
    items = [f"{json.dumps(k)}:{raw if k == field else _raw_value(v)}" for k, v in event.items()]
    if field not in event:
        items.append(f"{json.dumps(field)}:{raw}")
    return ("{" + ",".join(items) + "}").encode()


def _raw_value(value: Any) -> str:
    return str(value) if isinstance(value, Decimal) else json.dumps(value)


def _encode(event: dict[str, Any]) -> bytes:
    return ("{" + ",".join(f"{json.dumps(k)}:{_raw_value(v)}" for k, v in event.items()) + "}").encode()


def _without(event: dict[str, Any], field: str) -> dict[str, Any]:
    return {k: v for k, v in event.items() if k != field}


def near_limit(stream: str = "transactions", margin: int = 300) -> bytes:
    """A JSON object (valid fields plus padding) whose size is the broker limit minus ``margin``."""
    head = _encode(base_event(stream))[:-1] + b',"pad":"'
    return head + b"x" * (BROKER_MESSAGE_MAX_BYTES - margin - len(head) - 2) + b'"}'


def _padded(txn_id: str, chars: int, filler: str = "x") -> bytes:
    """A transaction whose value holds exactly ``chars`` characters (ASCII unless ``filler``)."""
    head = _encode({**base_event("transactions"), "txn_id": txn_id}).decode()[:-1] + ',"pad":"'
    return (head + filler * (chars - len(head) - 2) + '"}').encode()


def hand_picked() -> list[BadRecord]:
    """The cases named in issue 7 and in docs/validation.md's rule list, one per line."""
    txn = base_event("transactions")
    day, clock = EVENT_MOMENT.strftime("%Y-%m-%d"), EVENT_MOMENT.strftime("%H:%M:%S")
    day_first, epoch_ms = EVENT_MOMENT.strftime("%d/%m/%Y %H:%M"), str(int(EVENT_MOMENT.timestamp() * 1000))
    ten_years = fmt(EVENT_MOMENT + timedelta(days=3652))  # about 10 years after the Kafka time
    far = TOO_FAR_AHEAD
    cases: list[tuple[str, bytes | None, bytes | None, str]] = [
        ("transactions", b"bad-u1", b"\xff\xfe\x00garbage", "invalid UTF-8 bytes"),
        ("transactions", b"bad-u1", b'{"txn_id": "\xe9t1"}', "latin-1 byte inside a JSON string"),
        ("transactions", b"bad-u1", b"", "empty value"),
        ("transactions", b"bad-u1", None, "null value (tombstone)"),
        ("transactions", None, b"", "null key and empty value"),
        ("transactions", None, b'{"txn_id": "x"}', "null key, missing fields"),
        ("transactions", b"bad-u1", b"[1, 2, 3]", "JSON array"),
        ("transactions", b"bad-u1", b'"a string"', "JSON string"),
        ("transactions", b"bad-u1", b"42", "JSON number"),
        ("transactions", b"bad-u1", b"null", "JSON null"),
        ("transactions", b"bad-u1", b"true", "JSON true"),
        ("transactions", b"bad-u1", b"{}", "empty object"),
        ("transactions", b"bad-u1", b"   \n\t ", "only whitespace"),
        ("transactions", b"bad-u1", _encode(_without(txn, "amount")), "missing amount"),
        ("transactions", b"bad-u1", _encode({**txn, "user_id": None}), "user_id null"),
        ("transactions", b"bad-u1", _encode({**txn, "user_id": ""}), "user_id empty"),
        ("transactions", b"bad-u1", _encode({**txn, "user_id": ["bad-u1"]}), "user_id an array of a string"),
        ("transactions", b"bad-u1", _with_raw(txn, "amount", "[12.5]"), "amount an array of a number"),
        ("transactions", b"bad-u1", _with_raw(txn, "amount", '{"v": 1}'), "amount an object"),
        ("transactions", b"bad-u1", _with_raw(txn, "amount", "true"), "amount a boolean"),
        ("transactions", b"bad-u1", _with_raw(txn, "amount", '"12.50"'), "amount a string"),
        ("transactions", b"bad-u1", _with_raw(txn, "amount", '"NaN"'), "amount the string NaN"),
        ("transactions", b"bad-u1", _with_raw(txn, "amount", "NaN"), "amount bare NaN (not JSON)"),
        ("transactions", b"bad-u1", _with_raw(txn, "amount", "Infinity"), "amount bare Infinity"),
        ("transactions", b"bad-u1", _with_raw(txn, "amount", "-Infinity"), "amount bare -Infinity"),
        ("transactions", b"bad-u1", _with_raw(txn, "amount", "1e400"), "amount 1e400 (beyond double)"),
        ("transactions", b"bad-u1", _with_raw(txn, "amount", "1e2"), "amount in exponent form"),
        ("transactions", b"bad-u1", _with_raw(txn, "amount", "9" * 40), "amount a 40-digit integer"),
        ("transactions", b"bad-u1", _with_raw(txn, "amount", "123456789012345"), "amount 15 integer digits"),
        ("transactions", b"bad-u1", _with_raw(txn, "amount", "1.23456"), "amount 5 fraction digits"),
        ("transactions", b"bad-u1", _with_raw(txn, "amount", "0.00001"), "amount below the precision"),
        ("transactions", b"bad-u1", _with_raw(txn, "amount", "-0.0"), "amount negative zero"),
        ("transactions", b"bad-u1", _with_raw(txn, "amount", "+1"), "amount with a plus sign"),
        ("transactions", b"bad-u1", _with_raw(txn, "amount", "01"), "amount with a leading zero"),
        ("transactions", b"bad-u1", _with_raw(txn, "currency", '"EUR\\n"'), "currency with a newline"),
        ("transactions", b"bad-u1", _with_raw(txn, "country", '"DE\\r"'), "country with a CR"),
        ("transactions", b"bad-u1", _encode({**txn, "event_time": f"{day}T{clock}Z"}), "no millis"),
        ("transactions", b"bad-u1", _encode({**txn, "event_time": f"{day} {clock}.000"}), "SQL form"),
        (
            "transactions",
            b"bad-u1",
            _encode({**txn, "event_time": f"{day}T{clock}.000+00:00"}),
            "offset",
        ),
        ("transactions", b"bad-u1", _encode({**txn, "event_time": day_first}), "day first"),
        ("transactions", b"bad-u1", _with_raw(txn, "event_time", epoch_ms), "epoch millis number"),
        ("transactions", b"bad-u1", _encode({**txn, "event_time": "9999-12-31T23:59:59.999Z"}), "year 9999"),
        ("transactions", b"bad-u1", _encode({**txn, "event_time": ten_years}), "+10 years"),
        ("transactions", b"bad-u1", _encode({**txn, "event_time": far}), "1 day + 1 ms after the Kafka time"),
        (
            "transactions",
            b"bad-u1",
            _encode({**txn, "event_time": "1969-12-31T23:59:59.999Z"}),
            "before 1970",
        ),
        ("transactions", b"bad-u1", _encode({**txn, "event_time": "0000-01-01T00:00:00.000Z"}), "year 0"),
        ("transactions", b"bad-u1", _encode({**txn, "event_time": f"{day}T23:59:60.000Z"}), "second 60"),
        (
            "transactions",
            b"bad-u1",
            _encode(txn)[:-1] + b',"amount":-5}',
            "duplicate amount, the last one negative",
        ),
        (
            "transactions",
            b"bad-u1",
            _encode(txn)[:-1] + b',"user_id":7}',
            "duplicate user_id, the last one a number",
        ),
        (
            "transactions",
            b"bad-u1",
            _encode(txn)[:-1] + b',"deep":' + b"[" * 1000 + b"]" * 1000 + b"}",
            "nested 1001 deep (the object and 1000 arrays)",
        ),
        (
            "transactions",
            b"bad-u1",
            _encode(_without(txn, "amount"))[:-1] + b',"deep":' + b"[" * 100 + b"]" * 100 + b"}",
            "nested 101 deep, amount missing",
        ),
        ("transactions", b"bad-u1", b"{'txn_id': 'single quotes'}", "single quotes"),
        ("transactions", b"bad-u1", _encode(txn)[:-1] + b"/* c */}", "a comment"),
        ("transactions", b"bad-u1", b"\xef\xbb\xbf" + _encode(txn), "a byte-order mark"),
        ("transactions", b"bad-u1", _encode(txn)[:-20], "truncated"),
        ("transactions", b"bad-u1", near_limit(), "value near the broker's message.max.bytes"),
        ("transactions", b"bad-u1", _padded("bad-t1", 250_000 - 6 + 1), "250,001 characters with key"),
        ("transactions", b"bad-u1", _padded("bad-t5", 250_000 - 6), "250,000 characters: valid"),
        (
            "transactions",
            b"bad-u1",
            _padded("bad-t4", 250_000 - 6, "\U0001f600"),
            "~1 MB of emoji: valid",
        ),
        (
            "transactions",
            b"k" * 200_000,
            _encode({**txn, "txn_id": "bad-t6"}),
            "a valid value under a 200,000-byte key",
        ),
        ("transactions", None, _encode({**txn, "txn_id": "bad-t2"}), "a valid value with a null key"),
        ("transactions", b"bad-u1", _encode({**txn, "txn_id": "bad-t3"}) + b" trailing", "trailing text"),
        ("clicks", b"bad-u1", _encode({**base_event("clicks"), "action": "purchase"}), "unknown action"),
        ("clicks", b"bad-u1", _encode({**base_event("clicks"), "action": "VIEW"}), "upper-case action"),
        ("clicks", None, _encode(_without(base_event("clicks"), "page")), "null key, page missing"),
        (
            "clicks",
            b"bad-u1",
            _encode({**base_event("clicks"), "event_time": "9999-12-31T23:59:59.999Z"}),
            "9999",
        ),
        ("profiles", b"bad-u1", _encode({**base_event("profiles"), "risk_tier": "extreme"}), "bad tier"),
        ("profiles", b"bad-u1", _encode({**base_event("profiles"), "home_country": "deu"}), "bad country"),
        (
            "profiles",
            b"bad-u1",
            _encode({**base_event("profiles"), "updated_at": ten_years}),
            "+10y",
        ),
        ("profiles", b"bad-u1", None, "tombstone on the compacted topic"),
    ]
    return [BadRecord(stream, key, value, note) for stream, key, value, note in cases]


# --------------------------------------------------------------------------------------------------
# Generated cases
# --------------------------------------------------------------------------------------------------

_json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
)
_json_values = st.recursive(
    _json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=10,
)
_number_texts = st.from_regex(r"-?(0|[1-9][0-9]{0,20})(\.[0-9]{1,8})?([eE][+-]?[0-9]{1,3})?", fullmatch=True)
_time_texts = st.one_of(
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31), timezones=st.just(UTC)).map(
        lambda d: d.isoformat()
    ),
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(9999, 12, 31)).map(
        lambda d: d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{d.microsecond // 1000:03d}Z"
    ),
    st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z", fullmatch=True),
    st.text(alphabet="0123456789-:TZ. +", max_size=26),
)


@st.composite
def _mutated(draw: st.DrawFn) -> BadRecord:
    """A valid event with one field replaced, removed or duplicated, or extra fields added."""
    stream = draw(st.sampled_from(sorted(FIELD_RULES)))
    event = base_event(stream)
    names = [name for name, _, _ in FIELD_RULES[stream]]
    field = draw(st.sampled_from(names))
    how = draw(st.sampled_from(["value", "number", "time", "remove", "duplicate", "extra"]))
    if how == "value":
        value = _with_raw(event, field, _dumps(draw(_json_values), ensure_ascii=draw(st.booleans())))
    elif how == "number":
        value = _with_raw(event, field, draw(_number_texts))
    elif how == "time":
        time_field = names[-1]
        value = _with_raw(event, time_field, json.dumps(draw(_time_texts)))
    elif how == "remove":
        value = _encode(_without(event, field))
    elif how == "duplicate":
        raw = _dumps(draw(_json_values))
        value = _encode(event)[:-1] + f",{json.dumps(field)}:{raw}}}".encode()
    else:
        extra = draw(st.dictionaries(st.text(max_size=8), _json_values, min_size=1, max_size=3))
        broken = draw(st.sampled_from(names))
        value = _encode({**_without(event, broken), **extra})
    key = draw(st.one_of(st.none(), st.just(b"bad-u1"), st.binary(max_size=16)))
    return BadRecord(stream, _keyed(stream, key), value, f"generated: {how} {field}")


@st.composite
def _other(draw: st.DrawFn) -> BadRecord:
    """Random bytes, JSON that is not an object, or a truncated/spliced event."""
    stream = draw(st.sampled_from(sorted(FIELD_RULES)))
    kind = draw(st.sampled_from(["bytes", "json", "cut"]))
    if kind == "bytes":
        value = draw(st.binary(max_size=64))
    elif kind == "json":
        value = _dumps(draw(_json_values.filter(lambda v: not isinstance(v, dict)))).encode()
    else:
        text = _encode(base_event(stream))
        cut = draw(st.integers(min_value=0, max_value=len(text) - 1))
        value = text[:cut] + draw(st.binary(max_size=8))
    key = draw(st.one_of(st.none(), st.binary(max_size=8)))
    return BadRecord(stream, _keyed(stream, key), value, f"generated: {kind}")


def _keyed(stream: str, key: bytes | None) -> bytes | None:
    """``profiles`` is compacted: the broker rejects a record without a key there (INVALID_RECORD)."""
    return b"bad-u1" if stream == "profiles" and key is None else key


def generated(count: int = 600) -> list[BadRecord]:
    """``count`` records drawn from the strategies above, the same ones on every run (derandomized)."""
    out: list[BadRecord] = []

    @settings(
        max_examples=count,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.one_of(_mutated(), _mutated(), _other()))
    def collect(record: BadRecord) -> None:
        out.append(record)

    collect()
    return out[:count]


def kafka_time_text() -> str:
    """:data:`KAFKA_TIME` in the contract's form."""
    return fmt(KAFKA_TIME)
