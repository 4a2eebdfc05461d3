"""An independent reference of the fraud pipeline's semantics, in plain Python.

Written from docs/architecture.md ("The reference pipeline: fraud features"), not from the compiled SQL:
given the records sent to the input topics (with the partition and offset Kafka gave them, and
whether each is valid), it says which records are late and what every output row must be.

Lateness is decided per partition, in offset order: the watermark before a record is the largest
event time of the *valid* records before it in its partition minus the watermark delay, and a valid
record at or behind it is late. That is exact for single-partition topics; on multi-partition
topics Flink's watermark is the minimum over partitions, so a record on time by this rule is on time
in Flink too (the tests that use several partitions check that no record is late by this rule).

``labels`` (the fraud/legit verdicts, keyed by user, event time ``labeled_at``) feed no feature:
they are validated, routed and archived like every input, so their on-time records are what the
``events/labels`` archive must hold.

Values are exact: decimals are :class:`~decimal.Decimal`, averages the exact mean rounded half-up to
6 places, durations seconds with 3 places; times are UTC strings ``YYYY-MM-DDTHH:MM:SS.mmmZ``.
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from typing import Any

__all__ = ["Expected", "InputRecord", "Verdict", "expected_outputs", "fmt", "parse_time", "verdict"]

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
TIME_FIELD = {
    "transactions": "event_time",
    "clicks": "event_time",
    "profiles": "updated_at",
    "labels": "labeled_at",
}


def parse_time(text: str) -> datetime:
    """``2026-11-24T10:15:30.123Z`` -> aware datetime."""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def fmt(moment: datetime) -> str:
    """Aware datetime -> ``2026-11-24T10:15:30.123Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def seconds(delta: timedelta) -> Decimal:
    """A duration in seconds with exactly 3 decimal places."""
    return (Decimal(delta // timedelta(milliseconds=1)) / 1000).quantize(Decimal("0.001"))


def mean(values: list[Decimal]) -> Decimal:
    return (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)


def floor_to(moment: datetime, size: timedelta) -> datetime:
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    return epoch + ((moment - epoch) // size) * size


@dataclass(frozen=True)
class InputRecord:
    """A record as sent: source (``transactions``|``clicks``|``profiles``|``labels``), position,
    validity, event."""

    source: str
    partition: int
    offset: int
    valid: bool
    event: dict[str, Any] | None  # the JSON object of a valid record

    @cached_property
    def time(self) -> datetime:
        """The event time, parsed once (the reference reads it for every pair of records it compares:
        parsing each time made a 1.8M-record reference run for over 40 minutes)."""
        assert self.event is not None
        return parse_time(self.event[TIME_FIELD[self.source]])


@dataclass(frozen=True)
class Expected:
    """Every output of one run: rows per feature set, and the positions of late and invalid records."""

    features: dict[str, list[dict[str, Any]]]
    late: dict[tuple[str, int, int], dict[str, str]]  # (source, partition, offset) -> event time, watermark
    invalid: set[tuple[str, int, int]]
    on_time: dict[str, list[InputRecord]]


def classify(records: Iterable[InputRecord], delay: timedelta) -> Expected:
    """Split records into invalid, late and on-time (per-partition watermark, see module docstring)."""
    invalid: set[tuple[str, int, int]] = set()
    late: dict[tuple[str, int, int], dict[str, str]] = {}
    on_time: dict[str, list[InputRecord]] = defaultdict(list)
    max_seen: dict[tuple[str, int], datetime] = {}
    for record in sorted(records, key=lambda r: (r.source, r.partition, r.offset)):
        position = (record.source, record.partition, record.offset)
        if not record.valid:
            invalid.add(position)
            continue
        where = (record.source, record.partition)
        watermark = max_seen[where] - delay if where in max_seen else None
        if watermark is not None and record.time <= watermark:
            late[position] = {
                "reason": (
                    "late: event_time is at or before the source's watermark, which trails the "
                    f"latest event time read by {delay // timedelta(seconds=1)} s"
                ),
                "event_time": fmt(record.time),
                "watermark": fmt(watermark),
                "lateness_ms": str((watermark - record.time) // timedelta(milliseconds=1)),
            }
        else:
            on_time[record.source].append(record)
        max_seen[where] = max(max_seen.get(where, record.time), record.time)
    return Expected({}, late, invalid, dict(on_time))


def expected_outputs(records: Iterable[InputRecord], version: str, delay: timedelta) -> Expected:
    """Compute every output of the fraud pipeline for ``records``."""
    base = classify(records, delay)
    txns = base.on_time.get("transactions", [])
    clicks = base.on_time.get("clicks", [])
    profiles = base.on_time.get("profiles", [])
    features = {
        "txn_1m": txn_1m(txns, version),
        "txn_1h": txn_1h(txns, version),
        "session": sessions(clicks, version),
        "txn_features": txn_features(txns, clicks, profiles, version),
    }
    return Expected(features, base.late, base.invalid, base.on_time)


def _by_user(records: list[InputRecord]) -> dict[str, list[InputRecord]]:
    grouped: dict[str, list[InputRecord]] = defaultdict(list)
    for record in records:
        assert record.event is not None
        grouped[record.event["user_id"]].append(record)
    return grouped


def txn_1m(txns: list[InputRecord], version: str) -> list[dict[str, Any]]:
    """Tumbling 1 min per user: count and sum of amounts."""
    windows: dict[tuple[str, datetime], list[Decimal]] = defaultdict(list)
    for t in txns:
        assert t.event is not None
        windows[(t.event["user_id"], floor_to(t.time, MINUTE))].append(Decimal(str(t.event["amount"])))
    return [
        {
            "user_id": user,
            "window_start": fmt(start),
            "window_end": fmt(start + MINUTE),
            "txn_count": len(amounts),
            "amount_sum": sum(amounts, Decimal(0)).quantize(Decimal("0.0001")),
            "pipeline_version": version,
        }
        for (user, start), amounts in windows.items()
    ]


def txn_1h(txns: list[InputRecord], version: str) -> list[dict[str, Any]]:
    """Hopping: size 1 h, slide 5 min, per user: count, mean and max amount, distinct merchants."""
    slide = timedelta(minutes=5)
    windows: dict[tuple[str, datetime], list[InputRecord]] = defaultdict(list)
    for t in txns:
        assert t.event is not None
        last_start = floor_to(t.time, slide)
        start = last_start - HOUR + slide
        while start <= last_start:
            windows[(t.event["user_id"], start)].append(t)
            start += slide
    rows = []
    for (user, start), members in windows.items():
        amounts = [Decimal(str(m.event["amount"])) for m in members if m.event is not None]
        rows.append(
            {
                "user_id": user,
                "window_start": fmt(start),
                "window_end": fmt(start + HOUR),
                "txn_count": len(members),
                "amount_avg": mean(amounts),
                "amount_max": max(amounts).quantize(Decimal("0.0001")),
                "distinct_merchants": len({m.event["merchant_id"] for m in members if m.event is not None}),
                "pipeline_version": version,
            }
        )
    return rows


def sessions(clicks: list[InputRecord], version: str) -> list[dict[str, Any]]:
    """Sessions per user: a click less than 30 min after the previous one continues the session."""
    gap = timedelta(minutes=30)
    rows = []
    for user, members in _by_user(clicks).items():
        members = sorted(members, key=lambda r: r.time)
        groups: list[list[InputRecord]] = [[members[0]]]
        for click in members[1:]:
            if click.time - groups[-1][-1].time < gap:
                groups[-1].append(click)
            else:
                groups.append([click])
        for group in groups:
            first, last = group[0].time, group[-1].time
            rows.append(
                {
                    "user_id": user,
                    "window_start": fmt(first),
                    "window_end": fmt(last + gap),
                    "click_count": len(group),
                    "checkout_count": sum(1 for c in group if c.event and c.event["action"] == "checkout"),
                    "duration_s": seconds(last - first),
                    "pipeline_version": version,
                }
            )
    return rows


def txn_features(
    txns: list[InputRecord], clicks: list[InputRecord], profiles: list[InputRecord], version: str
) -> list[dict[str, Any]]:
    """One row per on-time transaction (see docs/architecture.md for each column)."""
    ten = timedelta(minutes=10)
    day = timedelta(hours=24)
    txns_by_user = _by_user(txns)
    clicks_by_user = _by_user(clicks)
    profiles_by_user = _by_user(profiles)
    rows = []
    for t in txns:
        assert t.event is not None
        user, when = t.event["user_id"], t.time
        recent = [o for o in txns_by_user[user] if when - ten <= o.time <= when]
        user_clicks = clicks_by_user.get(user, [])
        before = [c.time for c in user_clicks if c.time <= when]
        latest = max(before) if before else None
        versions = [p for p in profiles_by_user.get(user, []) if p.time <= when]
        profile = max(versions, key=lambda p: (p.time, p.partition, p.offset)).event if versions else None
        home = profile["home_country"] if profile else None
        rows.append(
            {
                "user_id": user,
                "event_time": fmt(when),
                "txn_id": t.event["txn_id"],
                "amount": Decimal(str(t.event["amount"])).quantize(Decimal("0.0001")),
                "country": t.event["country"],
                "txn_count_10m": len(recent),
                "amount_avg_10m": mean([Decimal(str(o.event["amount"])) for o in recent if o.event]),
                "clicks_10m_before": sum(1 for c in before if c >= when - ten),
                "seconds_since_last_click": seconds(when - latest)
                if latest is not None and latest >= when - day
                else None,
                "home_country": home,
                "risk_tier": profile["risk_tier"] if profile else None,
                "is_foreign": None if home is None else t.event["country"] != home,
                "pipeline_version": version,
            }
        )
    return rows


# --------------------------------------------------------------------------------------------------
# Validity: which raw records are valid, written from docs/architecture.md and the rule lists in
# docs/validation.md and flink_jobs/features/contracts.py (not from the SQL).
# --------------------------------------------------------------------------------------------------

MAX_RECORD_CHARS = 250_000
MAX_JSON_DEPTH = 1000
MAX_AHEAD = timedelta(days=1)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_JSON_WHITESPACE = " \t\n\r"
_TIME_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z")
_DECIMAL_TEXT = re.compile(r"(0|[1-9][0-9]{0,13})(\.[0-9]{1,4})?")
_SURROGATE = re.compile("[\ud800-\udfff]")
# Field kinds per source, in the order the rules are checked: (name, kind, detail).
FIELD_RULES: dict[str, tuple[tuple[str, str, Any], ...]] = {
    "transactions": (
        ("txn_id", "string", None),
        ("user_id", "string", None),
        ("merchant_id", "string", None),
        ("amount", "decimal", None),
        ("currency", "code", re.compile(r"[A-Z]{3}")),
        ("country", "code", re.compile(r"[A-Z]{2}")),
        ("event_time", "time", None),
    ),
    "clicks": (
        ("click_id", "string", None),
        ("user_id", "string", None),
        ("page", "string", None),
        ("action", "enum", {"view", "add_to_cart", "checkout", "login"}),
        ("event_time", "time", None),
    ),
    "profiles": (
        ("user_id", "string", None),
        ("home_country", "code", re.compile(r"[A-Z]{2}")),
        ("risk_tier", "enum", {"low", "medium", "high"}),
        ("updated_at", "time", None),
    ),
    "labels": (
        ("txn_id", "string", None),
        ("user_id", "string", None),
        ("label", "enum", {"fraud", "legit"}),
        ("txn_time", "time", None),
        ("labeled_at", "time", None),
    ),
}


@dataclass(frozen=True)
class Verdict:
    """Why a raw record is invalid: the rule category (``missing value``, ``too large``, ``bad JSON``,
    ``missing field``, ``wrong type``, ``out of domain``) and the field it concerns (or None)."""

    category: str
    field: str | None = None


class _NotJson(ValueError):
    pass


def _reject_constant(name: str) -> Any:
    raise _NotJson(f"{name} is not JSON")


def _depth(text: str) -> int:
    """Deepest bracket nesting of the first JSON value in ``text`` (strings skipped)."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
            if depth <= 0:
                break
    return deepest


def _clean(value: Any) -> Any:
    """Strings with lone surrogates read as ``?`` (Flink's UTF-8 encoding of them)."""
    return _SURROGATE.sub("?", value) if isinstance(value, str) else value


def verdict(
    source: str, key: bytes | None, value: bytes | None, kafka_timestamp: datetime | None = None
) -> Verdict | None:
    """None when the record is valid, else the first rule it breaks (same order as the job).

    Record rules: a value (not a tombstone); key + value at most 250,000 characters (UTF-8 decoded,
    an undecodable sequence one character); UTF-8; a JSON object first in the text (JSON whitespace
    before it skipped, anything after it ignored; no NaN/Infinity; nesting at most 1000 deep with
    the object itself; duplicate names: the last counts). Field rules per :data:`FIELD_RULES`:
    present and not null; JSON type (string, or number for decimals); domain (non-empty string; a
    decimal whose canonical text, as ``str(Decimal)``, is plain with at most 14 + 4 digits and > 0;
    codes matching exactly; enums; times in the exact form, a real instant, not before 1970 and at
    most one day after ``kafka_timestamp`` when it is given).
    """
    if value is None:
        return Verdict("missing value")
    size = len(value.decode("utf-8", errors="replace"))
    size += len(key.decode("utf-8", errors="replace")) if key is not None else 0
    if size > MAX_RECORD_CHARS:
        return Verdict("too large")
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError:
        return Verdict("bad JSON")
    text = text.lstrip(_JSON_WHITESPACE)
    if not text.startswith("{") or _depth(text) > MAX_JSON_DEPTH:
        return Verdict("bad JSON")
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20 * MAX_JSON_DEPTH))
    try:
        decoder = json.JSONDecoder(parse_float=Decimal, parse_int=Decimal, parse_constant=_reject_constant)
        document, _ = decoder.raw_decode(text)
    except (ValueError, RecursionError):
        return Verdict("bad JSON")
    finally:
        sys.setrecursionlimit(limit)
    for name, kind, detail in FIELD_RULES[source]:
        field = _clean(document.get(name))
        if field is None:
            return Verdict("missing field", name)
        json_type = Decimal if kind == "decimal" else str  # numbers parse as Decimal, never bool
        if not isinstance(field, json_type):
            return Verdict("wrong type", name)
        if not _in_domain(kind, detail, field, kafka_timestamp):
            return Verdict("out of domain", name)
    return None


def _in_domain(kind: str, detail: Any, field: Any, kafka_timestamp: datetime | None) -> bool:
    if kind == "string":
        return len(field) > 0
    if kind == "decimal":
        return _DECIMAL_TEXT.fullmatch(str(field)) is not None and field > 0
    if kind == "code":
        return detail.fullmatch(field) is not None
    if kind == "enum":
        return field in detail
    assert kind == "time"
    if _TIME_TEXT.fullmatch(field) is None:
        return False
    try:
        moment = parse_time(field)
    except ValueError:  # not a real instant (30 February, hour 24, second 60, year 0)
        return False
    if moment < EPOCH:
        return False
    return kafka_timestamp is None or moment <= kafka_timestamp + MAX_AHEAD
