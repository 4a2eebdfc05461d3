"""Point-in-time joins of ``msk-features training-set`` (pure Python; the end-to-end run with the
live job's datasets is in tests/integration/test_backfill.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
import pytest

from flink_jobs.pipelines.fraud import txn_1m, txn_features
from msk_features.offline.training_set import TrainingSetError, point_in_time


def at(clock: str) -> datetime:
    return datetime.fromisoformat(f"2026-11-24T{clock}").replace(tzinfo=None)


WINDOWS = pa.table(
    {
        "user_id": ["u1", "u1", "u2"],
        "window_start": [at("10:00:00"), at("10:01:00"), at("10:00:00")],
        "window_end": [at("10:01:00"), at("10:02:00"), at("10:01:00")],
        "txn_count": [1, 2, 3],
        "pipeline_version": ["v", "v", "v"],
    }
)
EVENTS = pa.table(
    {
        "user_id": ["u1", "u1"],
        "event_time": [at("10:00:30"), at("10:00:30")],
        "txn_id": ["t1", "t2"],  # two transactions at the same instant
        "home_country": ["DE", "FR"],
    }
)


def labels(**columns: list) -> pa.Table:
    return pa.table(columns)


def test_a_window_is_taken_once_it_has_ended_never_before() -> None:
    table = point_in_time(
        labels(
            user_id=["u1", "u1", "u1", "u2"],
            label_time=[
                "2026-11-24T10:01:59.999Z",
                "2026-11-24T10:02:00Z",
                "2026-11-24T10:00:59.999Z",
                "2026-11-24T10:05:00Z",
            ],
        ),
        [(txn_1m, WINDOWS)],
    ).to_pylist()
    assert [r["txn_1m__txn_count"] for r in table] == [1, 2, None, 3]


def test_per_event_rows_match_the_labels_event_columns() -> None:
    table = point_in_time(
        labels(
            user_id=["u1", "u1"],
            label_time=pa.array(
                [datetime(2026, 11, 24, 10, 0, 30, tzinfo=UTC)] * 2, pa.timestamp("ms", tz="UTC")
            ),
            txn_id=["t2", "t1"],
        ),
        [(txn_features, EVENTS)],
    ).to_pylist()
    assert [(r["txn_id"], r["txn_features__home_country"]) for r in table] == [("t2", "FR"), ("t1", "DE")]


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (labels(user_id=["u1"]), "the labels have no 'label_time' column"),
        (
            labels(device_id=["d1"], label_time=["2026-11-24T10:00:00Z"]),
            "the labels have no 'user_id' column",
        ),
        (labels(user_id=["u1"], label_time=["yesterday"]), "labels column 'label_time': not timestamps"),
    ],
)
def test_labels_that_cannot_be_joined_say_why(table: pa.Table, message: str) -> None:
    with pytest.raises(TrainingSetError, match=message):
        point_in_time(table, [(txn_1m, WINDOWS)])


def test_a_feature_set_without_data_says_what_to_do() -> None:
    with pytest.raises(TrainingSetError, match="feature set 'txn_1m' has no rows to join"):
        point_in_time(labels(user_id=["u1"], label_time=["2026-11-24T10:00:00Z"]), [(txn_1m, pa.table({}))])


def test_an_empty_dataset_gives_nulls() -> None:
    empty = WINDOWS.slice(0, 0)
    table = point_in_time(labels(user_id=["u1"], label_time=["2026-11-24T10:05:00Z"]), [(txn_1m, empty)])
    assert table.to_pylist()[0]["txn_1m__txn_count"] is None
