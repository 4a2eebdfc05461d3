"""Check that the Quix Streams alternative computed the same windows as ours (``fraud_windows``).

Runs in the project's ``.venv``. Quix has no end-of-input flush: each user's last windows never
close, so the check is one-sided in a precise way. With Quix's ``"key"`` closing strategy (the one
``quix_windows.py`` uses) a window of user ``u`` is closed, hence emitted, exactly when ``u``'s
largest event time reaches ``window_end + grace``; that largest event time is ``u``'s *close
horizon*, read from the input topic (:func:`close_horizons`). :func:`compare_windows` then requires:

* every Quix row has a row of ours with the same ``(user_id, window_start, window_end)``, and the
  values are equal: counts exactly; ``amount_sum`` and ``amount_max`` to 1e-9 relative (Quix adds
  JSON numbers as binary floats, ours are exact ``DECIMAL(18, 4)``); ``amount_avg`` to half a unit in
  the 6th decimal place plus 1e-9 relative (ours is the exact mean rounded half-up to 6 places);
* every window of ours that Quix should have closed (``window_end + grace <= horizon``) is in Quix's
  output: the windows of ours missing from Quix all end after Quix's close horizon;
* Quix rows for the same window more than once (possible at-least-once after a restart) must agree;
  they are counted as duplicates and compared once.

Any violation raises :class:`WindowMismatch` listing the first ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from msk_features.operations.outputs import feature_rows_from_topic, read_topic

__all__ = [
    "FIELDS",
    "WindowMismatch",
    "close_horizons",
    "compare_windows",
    "epoch_ms",
    "read_quix_rows",
]

Rule = Literal["exact", "relative", "rounded6"]

FIELDS: dict[str, dict[str, Rule]] = {
    "txn_1m": {"txn_count": "exact", "amount_sum": "relative"},
    "txn_1h": {
        "txn_count": "exact",
        "amount_avg": "rounded6",
        "amount_max": "relative",
        "distinct_merchants": "exact",
    },
}
"""The value columns of each feature set and how a Quix value must match ours."""

RELATIVE = Decimal("1e-9")
HALF_6TH_PLACE = Decimal("0.0000005")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
WindowKey = tuple[str, int, int]


class WindowMismatch(AssertionError):
    """Quix's windows differ from ours; the message lists the first differences."""


def epoch_ms(text: str) -> int:
    """``2026-11-24T10:15:00.000Z`` (also with a space for ``T`` or without ``Z``) -> epoch ms (UTC)."""
    moment = datetime.fromisoformat(text.replace(" ", "T").removesuffix("Z"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - EPOCH) // timedelta(milliseconds=1)


def read_quix_rows(
    client_conf: dict[str, Any], topics: Mapping[str, str], timeout_s: float = 60.0
) -> dict[str, list[dict[str, Any]]]:
    """Quix's output rows per feature set, read from its topics (``{"txn_1m": topic, ...}``); numbers
    with a fraction become :class:`~decimal.Decimal` (the float's shortest repr, exactly)."""
    return {
        name: feature_rows_from_topic(read_topic(client_conf, topic, timeout_s=timeout_s))
        for name, topic in topics.items()
    }


def close_horizons(client_conf: dict[str, Any], input_topic: str, timeout_s: float = 60.0) -> dict[str, int]:
    """Per ``user_id``: the largest ``event_time`` (epoch ms) on ``input_topic``, i.e. how far Quix's
    per-key clock got for that user (records without a readable user or time are skipped)."""
    horizons: dict[str, int] = {}
    for row in feature_rows_from_topic(read_topic(client_conf, input_topic, timeout_s=timeout_s)):
        user, when = row.get("user_id"), row.get("event_time")
        if isinstance(user, str) and isinstance(when, str):
            moment = epoch_ms(when)
            horizons[user] = max(horizons.get(user, moment), moment)
    return horizons


@dataclass(frozen=True)
class _Indexed:
    rows: dict[WindowKey, dict[str, Any]]
    duplicates: int
    conflicts: list[str]


def _key(row: Mapping[str, Any]) -> WindowKey:
    return str(row["user_id"]), epoch_ms(str(row["window_start"])), epoch_ms(str(row["window_end"]))


def _index(rows: Iterable[Mapping[str, Any]], fields: Mapping[str, Rule], who: str) -> _Indexed:
    indexed: dict[WindowKey, dict[str, Any]] = {}
    duplicates, conflicts = 0, []
    for row in rows:
        key = _key(row)
        values = {name: row.get(name) for name in fields}
        if key in indexed:
            duplicates += 1
            if indexed[key] != values:
                conflicts.append(f"{who} has {key} twice with different values: {indexed[key]} vs {values}")
            continue
        indexed[key] = values
    return _Indexed(indexed, duplicates, conflicts)


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int | float):
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    return None


def _equal(rule: Rule, quix: Any, ours: Any) -> bool:
    if rule == "exact":
        return isinstance(quix, int) and not isinstance(quix, bool) and quix == ours
    q, o = _decimal(quix), _decimal(ours)
    if q is None or o is None:
        return False
    slack = RELATIVE * abs(o) + (HALF_6TH_PLACE if rule == "rounded6" else Decimal(0))
    return abs(q - o) <= slack


def compare_windows(
    quix: Mapping[str, list[dict[str, Any]]],
    ours: Mapping[str, list[dict[str, Any]]],
    horizons: Mapping[str, int],
    grace_ms: int,
    show: int = 10,
) -> dict[str, dict[str, int]]:
    """Compare per feature set of :data:`FIELDS` (see the module docstring for the rules).

    Returns ``{feature_set: {"compared": n, "equal": n, "quix_duplicates": n,
    "only_ours_after_horizon": n, "ours": n}}``; raises :class:`WindowMismatch` otherwise.
    """
    summary: dict[str, dict[str, int]] = {}
    problems: list[str] = []
    for name, fields in FIELDS.items():
        q = _index(quix.get(name, []), fields, "quix")
        o = _index(ours.get(name, []), fields, "ours")
        problems += [f"{name}: {c}" for c in q.conflicts + o.conflicts]
        equal = 0
        for key, values in sorted(q.rows.items()):
            theirs = o.rows.get(key)
            if theirs is None:
                problems.append(f"{name}: Quix window {key} is missing from ours; Quix {values}")
                continue
            wrong = {
                f: (values[f], theirs[f])
                for f, rule in fields.items()
                if not _equal(rule, values[f], theirs[f])
            }
            if wrong:
                problems.append(f"{name}: window {key} differs (quix, ours): {wrong}")
            else:
                equal += 1
        after_horizon = 0
        for key in sorted(o.rows.keys() - q.rows.keys()):
            user, _, end = key
            horizon = horizons.get(user)
            if horizon is not None and end + grace_ms <= horizon:
                problems.append(
                    f"{name}: our window {key} is missing from Quix although Quix closed it "
                    f"(end + grace {end + grace_ms} <= horizon {horizon}); ours {o.rows[key]}"
                )
            else:
                after_horizon += 1
        summary[name] = {
            "compared": len(q.rows),
            "equal": equal,
            "quix_duplicates": q.duplicates,
            "only_ours_after_horizon": after_horizon,
            "ours": len(o.rows),
        }
    if problems:
        head = f"Quix and ours differ in {len(problems)} place(s); the first {min(show, len(problems))}:"
        raise WindowMismatch("\n".join([head, *(f"  {p}" for p in problems[:show])]))
    return summary
