"""Row comparison of ``msk-features parity`` (pure Python; the end-to-end run is in
tests/integration/test_backfill.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from flink_jobs.pipelines.fraud import txn_1m
from flink_jobs.pipelines.iot import reading_features
from msk_features.offline.feature_parity import compare_rows, identity_columns, in_range


def window(user: str, end: str, count: int, amount: str, version: str = "v1") -> dict:
    return {
        "user_id": user,
        "window_start": end.replace(":01:", ":00:"),
        "window_end": end,
        "txn_count": count,
        "amount_sum": Decimal(amount),
        "pipeline_version": version,
    }


def test_identity_is_the_key_and_the_window_or_the_event() -> None:
    assert identity_columns(txn_1m) == ("user_id", "window_start", "window_end")
    assert identity_columns(reading_features) == ("device_id", "event_time", "reading_id", "value", "unit")


def test_matched_missing_extra_and_different_rows() -> None:
    live = [
        window("u1", "2026-11-24T10:01:00.000Z", 2, "5.5"),
        window("u2", "2026-11-24T10:01:00.000Z", 1, "1"),  # value differs
        window("u3", "2026-11-24T10:01:00.000Z", 1, "1"),  # extra
    ]
    recomputed = [
        window("u1", "2026-11-24T10:01:00.000Z", 2, "5.5000", version="v2"),  # 5.5 == 5.5000; version ignored
        window("u2", "2026-11-24T10:01:00.000Z", 1, "2"),
        window("u4", "2026-11-24T10:01:00.000Z", 1, "1"),  # missing live
    ]
    result = compare_rows(txn_1m, "parquet", live, recomputed)
    assert result.matched == 1 and not result.ok
    assert [r["user_id"] for r in result.extra] == ["u3"]
    assert [r["user_id"] for r in result.missing] == ["u4"]
    assert result.different == [
        {
            "key": {
                "user_id": "u2",
                "window_start": "2026-11-24T10:00:00.000Z",
                "window_end": "2026-11-24T10:01:00.000Z",
            },
            "values": {"amount_sum": (Decimal("1"), Decimal("2"))},
        }
    ]
    assert dict(result.columns) == {"amount_sum": 1}


def event(avg: float, site: str | None = "ber-01") -> dict:
    return {
        "device_id": "d1",
        "event_time": "2026-11-24T10:00:00.000Z",
        "reading_id": "r1",
        "value": 21.5,
        "unit": "celsius",
        "readings_5m": 3,
        "value_avg_5m": avg,
        "value_max_5m": 22.0,
        "site": site,
        "max_value": 30.0,
        "over_limit": False,
        "pipeline_version": "v1",
    }


def test_doubles_compare_within_the_tolerance_and_nulls_only_equal_nulls() -> None:
    assert compare_rows(reading_features, "kafka", [event(1 / 3)], [event(0.3333333333333333)]).ok
    assert compare_rows(reading_features, "kafka", [event(1 / 3)], [event(1 / 3 * (1 + 1e-12))]).ok
    assert not compare_rows(reading_features, "kafka", [event(1 / 3)], [event(1 / 3 * (1 + 1e-6))]).ok
    assert not compare_rows(reading_features, "kafka", [event(0.5, None)], [event(0.5)]).ok
    # Kafka's JSON reader gives Decimal for a DOUBLE column: normalised to float.
    assert compare_rows(reading_features, "kafka", [event(Decimal("0.5"))], [event(0.5)]).ok  # type: ignore[arg-type]


def test_in_range_uses_the_row_time() -> None:
    start, end = datetime(2026, 11, 24, 10, 1, tzinfo=UTC), datetime(2026, 11, 24, 10, 2, tzinfo=UTC)
    rows = [window("u", t, 1, "1") for t in ("2026-11-24T10:01:00.000Z", "2026-11-24T10:02:00.000Z")]
    assert [r["window_end"] for r in in_range(rows, txn_1m, start, end)] == ["2026-11-24T10:01:00.000Z"]


def test_an_added_sets_rows_before_it_is_served_are_not_served_not_missing() -> None:
    """A set added at a switch-over is served from an instant: the backfill's earlier rows are
    attributed (not served), a missing row from that instant on is still a difference, and a live
    row before it is still compared."""
    served_from = datetime(2026, 11, 24, 10, 2, tzinfo=UTC)
    early, boundary, late = (f"2026-11-24T10:0{m}:01.000Z" for m in (1, 2, 3))
    recomputed = [window("u1", early, 1, "1"), window("u2", early, 1, "1"), window("u1", boundary, 1, "1")]
    recomputed.append(window("u1", late, 1, "1"))
    live = [window("u2", early, 1, "9"), window("u1", late, 1, "1")]  # u2 early differs; u1 boundary missing
    result = compare_rows(txn_1m, "parquet", live, recomputed, served_from)
    assert result.not_served == 1 and result.served_from == served_from
    assert [r["window_end"] for r in result.missing] == [boundary]
    assert [d["key"]["user_id"] for d in result.different] == ["u2"] and result.matched == 1
    report = result.report(examples=1)
    assert report["served_from"] == "2026-11-24T10:02:00.000Z" and report["not_served"] == 1
    # The same rows without the attribution: the early row is missing.
    assert len(compare_rows(txn_1m, "parquet", live, recomputed).missing) == 2
