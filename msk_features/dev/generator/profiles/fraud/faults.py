"""The fraud profile's faulty records: invalid values (each breaking exactly one validation rule),
out-of-order and late times.

The Flink job's validation rules (a record breaking any of them is invalid; the full list, with the
parsing details, is in docs/validation.md):

1. the value is present (not a tombstone), and key + value hold at most 250,000 characters;
2. the value is a UTF-8 JSON object (no ``NaN``/``Infinity``, nesting at most 1000 deep; duplicate
   names: the last counts; text after the object is ignored);
3. the string fields (``txn_id``, ``user_id``, ``merchant_id``, ``click_id``, ``page``) are present,
   JSON strings (not arrays of strings) and non-empty;
4. ``amount`` is present, a JSON number (not a string) written as a plain decimal with at most 14
   integer and 4 fraction digits, and > 0;
5. ``currency`` is a JSON string matching ``^[A-Z]{3}$``; ``country`` / ``home_country`` match
   ``^[A-Z]{2}$`` (no trailing line break);
6. ``action`` is one of view, add_to_cart, checkout, login; ``risk_tier`` one of low, medium, high;
   ``label`` one of fraud, legit;
7. ``event_time`` / ``updated_at`` / ``txn_time`` / ``labeled_at`` is a JSON string matching
   ``^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$``, a real instant, not before 1970-01-01 and at
   most one day after the record's Kafka timestamp (so a far-future time cannot push the watermark).

The generated valid records satisfy all of them when sent no earlier than a day before their
event times (the default start, 2026-11-24, is in the past). The invalid kinds below cover rules
2-7; the size limit, future times and the other parser corner cases are in the bad-input corpus
(``tests/support/bad_corpus.py``).

:func:`make_invalid` takes a valid event and breaks exactly one rule in one of four ways
(:data:`INVALID_KINDS`), chosen uniformly at random, then a field uniformly among those the kind
applies to on the stream:

* ``bad_json`` (field ``None``): truncated JSON text, non-JSON text (a CSV line), bytes that are not
  UTF-8 (a latin-1 byte in ``user_id``), or a JSON array instead of an object;
* ``missing_field``: one required field removed;
* ``wrong_type``: a field of the wrong JSON type (``amount`` as the string ``"12.50"``, ids and
  codes as numbers, ``event_time`` as an epoch-milliseconds number);
* ``out_of_domain``: the right JSON type, a forbidden value (empty string, ``amount`` 0 or
  negative, ``currency`` ``"usd"``/``"US"``, ``country`` ``"USA"``, ``action`` ``"purchase"``,
  ``risk_tier`` ``"extreme"``, ``label`` ``"chargeback"``, impossible or mis-formatted times).

Times: an *out-of-order* record is strictly earlier than the maximum event time already emitted on
its topic, by less than the watermark delay (1 s .. delay - 1 s when the delay is at least 2 s); a
*late* record is more than ``delay + 5 s`` and at most ``delay + 10 min`` behind it
(:mod:`msk_features.dev.generator.disorder`, shared with the contract-driven generator).
"""

from __future__ import annotations

import json
from decimal import Decimal
from random import Random
from typing import Any, Final

from msk_features.dev.generator.disorder import (
    LATE_MARGIN_MS,
    LATE_MAX_EXTRA_MS,
    late_time,
    out_of_order_range,
    out_of_order_time,
)
from msk_features.dev.generator.instants import malformed_instants, parse_instant
from msk_features.dev.generator.json_text import Event, encode_event, encode_json
from msk_features.dev.generator.profiles.fraud.events import FIELDS, TIMESTAMP_FIELDS, Stream
from msk_features.dev.generator.records import INVALID_KINDS, InvalidKind, InvalidValue

__all__ = [
    "INVALID_KINDS",
    "LATE_MARGIN_MS",
    "LATE_MAX_EXTRA_MS",
    "InvalidKind",
    "InvalidValue",
    "applicable_fields",
    "late_time",
    "make_invalid",
    "make_invalid_of",
    "out_of_order_range",
    "out_of_order_time",
]

STRING_FIELDS: Final[frozenset[str]] = frozenset({"txn_id", "user_id", "merchant_id", "click_id", "page"})

_CURRENCY_NUMERIC: Final[dict[str, int]] = {
    "USD": 840,
    "GBP": 826,
    "EUR": 978,
    "JPY": 392,
    "CAD": 124,
    "AUD": 36,
    "BRL": 986,
    "INR": 356,
    "MXN": 484,
    "SGD": 702,
    "CHF": 756,
}
_COUNTRY_NUMERIC: Final[dict[str, int]] = {
    "US": 840,
    "GB": 826,
    "DE": 276,
    "FR": 250,
    "ES": 724,
    "IT": 380,
    "NL": 528,
    "IE": 372,
    "JP": 392,
    "CA": 124,
    "AU": 36,
    "BR": 76,
    "IN": 356,
    "MX": 484,
    "SG": 702,
    "CH": 756,
}
_COUNTRY_ALPHA3: Final[dict[str, str]] = {
    "US": "USA",
    "GB": "GBR",
    "DE": "DEU",
    "FR": "FRA",
    "ES": "ESP",
    "IT": "ITA",
    "NL": "NLD",
    "IE": "IRL",
    "JP": "JPN",
    "CA": "CAN",
    "AU": "AUS",
    "BR": "BRA",
    "IN": "IND",
    "MX": "MEX",
    "SG": "SGP",
    "CH": "CHE",
}


def applicable_fields(stream: Stream, kind: InvalidKind) -> tuple[str | None, ...]:
    """Fields that ``kind`` can break on ``stream`` (``(None,)`` for ``bad_json``)."""
    if kind == "bad_json":
        return (None,)
    return FIELDS[stream]


def make_invalid(rng: Random, stream: Stream, event: Event, time_ms: int) -> InvalidValue:
    """An invalid value derived from the valid ``event`` (whose time field holds ``time_ms``).

    The kind is uniform over :data:`INVALID_KINDS`, then the field uniform over
    :func:`applicable_fields`; the variant of the fault (e.g. which bad currency) is random too.
    """
    kind = rng.choice(INVALID_KINDS)
    field = rng.choice(applicable_fields(stream, kind))
    return make_invalid_of(rng, stream, event, time_ms, kind, field)


def make_invalid_of(
    rng: Random, stream: Stream, event: Event, time_ms: int, kind: InvalidKind, field: str | None
) -> InvalidValue:
    """An invalid value of the given ``kind`` breaking ``field`` (``None`` for ``bad_json``)."""
    if kind == "bad_json":
        return _bad_json(rng, stream, event)
    if field not in FIELDS[stream]:
        raise ValueError(f"{field!r} is not a field of {stream} (one of {', '.join(FIELDS[stream])})")
    if kind == "missing_field":
        broken = {k: v for k, v in event.items() if k != field}
        return InvalidValue(encode_event(broken), kind, field, f"required field '{field}' is missing")
    if kind == "wrong_type":
        value, reason = _wrong_type(rng, field, event[field], time_ms)
    elif kind == "out_of_domain":
        value, reason = _out_of_domain(rng, field, event[field], time_ms)
    else:
        raise ValueError(f"unknown invalid kind {kind!r}")
    broken = dict(event)
    broken[field] = value
    return InvalidValue(encode_event(broken), kind, field, reason)


def _bad_json(rng: Random, stream: Stream, event: Event) -> InvalidValue:
    text = encode_json(event)
    variant = rng.randrange(4)
    if variant == 0:
        cut = rng.randrange(1, len(text))
        value = text[:cut].encode("utf-8")
        reason = f"truncated JSON text ({cut} of {len(text)} characters)"
    elif variant == 1:
        value = ",".join(encode_json(v).strip('"') for v in event.values()).encode("utf-8")
        reason = "not JSON: a CSV line"
    elif variant == 2:
        user_id = json.dumps(event["user_id"])
        head, _, tail = text.partition(f'"user_id":{user_id}')
        value = head.encode() + b'"user_id":' + user_id[:-1].encode() + b'\xe9"' + tail.encode()
        reason = "not UTF-8: a latin-1 byte 0xE9 in user_id"
    else:
        value = encode_json(list(event.values())).encode("utf-8")
        reason = "JSON array, not an object"
    _check_not_json_object(value, stream)
    return InvalidValue(value, "bad_json", None, reason)


def _check_not_json_object(value: bytes, stream: Stream) -> None:
    try:
        parsed = json.loads(value.decode("utf-8"))
    except ValueError:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        return
    if isinstance(parsed, dict):  # pragma: no cover - a generator bug, not a data condition
        raise AssertionError(f"bad_json value for {stream} is a valid JSON object: {value!r}")


def _wrong_type(rng: Random, field: str, value: Any, time_ms: int) -> tuple[Any, str]:
    if field in STRING_FIELDS:
        digits = "".join(ch for ch in str(value) if ch.isdigit()) or "0"
        number = int(digits[-9:])
        return number, f"{field} is the number {number}, not a string"
    if field == "amount":
        text = format(value, "f")
        return text, f'amount is the string "{text}", not a number'
    if field == "currency":
        number = _CURRENCY_NUMERIC.get(value, 840)
        return number, f"currency is the number {number} (ISO 4217 numeric), not a string"
    if field in ("country", "home_country"):
        number = _COUNTRY_NUMERIC.get(value, 840)
        return number, f"{field} is the number {number} (ISO 3166 numeric), not a string"
    if field == "action":
        number = rng.randint(0, 3)
        return number, f"action is the number {number}, not a string"
    if field == "risk_tier":
        number = rng.randint(1, 3)
        return number, f"risk_tier is the number {number}, not a string"
    if field == "label":
        number = rng.randint(0, 1)
        return number, f"label is the number {number}, not a string"
    if field in TIMESTAMP_FIELDS:
        millis = parse_instant(value)  # the event's time field holds time_ms itself
        return millis, f"{field} is the epoch-milliseconds number {millis}, not a string"
    raise ValueError(f"no wrong_type fault for field {field!r}")


def _out_of_domain(rng: Random, field: str, value: Any, time_ms: int) -> tuple[Any, str]:
    if field in STRING_FIELDS:
        return "", f"{field} is an empty string"
    choice: Any
    if field == "amount":
        choice = rng.choice((Decimal("0.00"), Decimal("0"), -Decimal(value)))
        return choice, f"amount {format(choice, 'f')} is not > 0"
    if field == "currency":
        choice = rng.choice((value.lower(), value[:2], value + "X"))
        return choice, f'currency "{choice}" does not match ^[A-Z]{{3}}$'
    if field in ("country", "home_country"):
        choice = rng.choice((_COUNTRY_ALPHA3.get(value, "USA"), value.lower(), value[:1]))
        return choice, f'{field} "{choice}" does not match ^[A-Z]{{2}}$'
    if field == "action":
        choice = rng.choice(("purchase", "VIEW", "click"))
        return choice, f'action "{choice}" is not one of view, add_to_cart, checkout, login'
    if field == "risk_tier":
        choice = rng.choice(("extreme", "HIGH", "unknown"))
        return choice, f'risk_tier "{choice}" is not one of low, medium, high'
    if field == "label":
        choice = rng.choice(("chargeback", "FRAUD", "unknown"))
        return choice, f'label "{choice}" is not one of fraud, legit'
    if field in TIMESTAMP_FIELDS:
        return _bad_time(rng, field, value)  # the event's time field holds format_instant(time_ms)
    raise ValueError(f"no out_of_domain fault for field {field!r}")


def _bad_time(rng: Random, field: str, good: str) -> tuple[str, str]:
    text, why = rng.choice(malformed_instants(good))
    return text, f'{field} "{text}": {why}'
