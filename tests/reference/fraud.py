"""An independent reference of the fraud pipeline's semantics, in plain Python.

Written from ARCHITECTURE.md ("The reference pipeline: fraud features"), not from the compiled SQL:
given the records sent to the input topics (with the partition and offset Kafka gave them, and
whether each is valid), it says which records are late and what every output row must be.

Lateness is decided per partition, in offset order: the watermark before a record is the largest
event time of the *valid* records before it in its partition minus the watermark delay, and a valid
record at or behind it is late. That is exact for single-partition topics; on multi-partition
topics Flink's watermark is the minimum over partitions, so a record on time by this rule is on time
in Flink too (the tests that use several partitions check that no record is late by this rule).

Values are exact: decimals are :class:`~decimal.Decimal`, averages the exact mean rounded half-up to
6 places, durations seconds with 3 places; times are UTC strings ``YYYY-MM-DDTHH:MM:SS.mmmZ``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

__all__ = ["Expected", "InputRecord", "expected_outputs", "fmt", "parse_time"]

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
TIME_FIELD = {"transactions": "event_time", "clicks": "event_time", "profiles": "updated_at"}


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
    """A record as sent: source (``transactions``|``clicks``|``profiles``), position, validity, event."""

    source: str
    partition: int
    offset: int
    valid: bool
    event: dict[str, Any] | None  # the JSON object of a valid record

    @property
    def time(self) -> datetime:
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
    """One row per on-time transaction (see ARCHITECTURE.md for each column)."""
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
