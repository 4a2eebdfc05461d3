"""Point-in-time joins of ``msk-features training-set`` (pure Python; the end-to-end run with the
live job's datasets is in tests/integration/test_backfill.py), and the command's workflow
(:func:`build_training_set`) on small Parquet datasets under a ``file://`` offline path."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from flink_jobs.config import AppConfig, ConfigError, parse_config
from flink_jobs.pipelines.fraud import txn_1m, txn_features
from msk_features.offline.training_set import (
    TrainingSetError,
    build_training_set,
    point_in_time,
    source_prefixes,
)


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


# --------------------------------------------------------------------------------------------------
# The command's workflow: read the datasets, join, write
# --------------------------------------------------------------------------------------------------


def write_dataset(root: Path, dataset: str, table: pa.Table) -> None:
    """One file in one ``dt=/hr=`` folder, as the job's Parquet sinks write them."""
    folder = root / dataset / "dt=2026-11-24" / "hr=10"
    folder.mkdir(parents=True)
    pq.write_table(table, folder / "part-0.parquet")


def app_config(offline: Path | None) -> AppConfig:
    groups = [
        {
            "PropertyGroupId": "kinesis.analytics.flink.run.options",
            "PropertyMap": {"python": "main.py", "jarfile": "lib/pyflink-dependencies.jar"},
        },
        {"PropertyGroupId": "kafka", "PropertyMap": {"bootstrap.servers": "localhost:9092"}},
        {"PropertyGroupId": "pipeline", "PropertyMap": {"name": "fraud"}},
    ]
    if offline is not None:
        groups.append({"PropertyGroupId": "offline", "PropertyMap": {"path": f"file://{offline}"}})
    return parse_config(groups)


@pytest.fixture
def lake(tmp_path: Path) -> Path:
    """txn_1m: live windows ending 10:01 and 10:02 for u1; a backfill run with u2's window ending
    10:01; per-event rows of two transactions of u1 at the same instant."""
    root = tmp_path / "lake"
    write_dataset(root, "features/txn_1m", WINDOWS.filter(pc.equal(WINDOWS["user_id"], "u1")))
    write_dataset(root, "backfill/r1/features/txn_1m", WINDOWS.filter(pc.equal(WINDOWS["user_id"], "u2")))
    write_dataset(root, "features/txn_features", EVENTS)
    return root


def test_sources_name_the_live_datasets_or_backfill_runs() -> None:
    assert source_prefixes(()) == [""]
    assert source_prefixes(("live", "backfill/r1/")) == ["", "backfill/r1/"]


def test_build_training_set_joins_every_source_and_writes_what_it_reports(lake: Path, tmp_path: Path) -> None:
    label_file = tmp_path / "labels.parquet"
    pq.write_table(
        labels(
            user_id=["u1", "u2", "u1"],
            label_time=["2026-11-24T10:01:30Z", "2026-11-24T10:05:00Z", "2026-11-24T10:00:30Z"],
            txn_id=["t9", "t8", "t2"],
        ),
        label_file,
    )
    out = tmp_path / "out" / "train.parquet"
    report = build_training_set(
        app_config(lake), "fraud", str(label_file), ["txn_1m", "txn_features"], out, ["live", "backfill/r1"]
    )
    written = pq.read_table(out).to_pylist()
    # u1 at 10:01:30: the live window that ended at 10:01 (count 1); u2: the backfill's (count 3);
    # u1 at 10:00:30: no window had ended yet. Per-event: only t2 has a row (matched on txn_id).
    assert [r["txn_1m__txn_count"] for r in written] == [1, 3, None]
    assert [r["txn_features__home_country"] for r in written] == [None, None, "FR"]
    assert (report.out, report.labels) == (out, 3)
    assert report.with_a_row == {"txn_1m": 2, "txn_features": 1}
    assert report.columns == pq.read_schema(out).names
    assert report.columns[:3] == ["user_id", "label_time", "txn_id"]


def test_labels_can_be_a_dataset_under_the_offline_path(lake: Path, tmp_path: Path) -> None:
    write_dataset(lake, "labels/mine", labels(user_id=["u1"], label_time=["2026-11-24T10:02:00Z"]))
    report = build_training_set(app_config(lake), "fraud", "labels/mine", ["txn_1m"], tmp_path / "t.parquet")
    assert report.with_a_row == {"txn_1m": 1}
    assert pq.read_table(tmp_path / "t.parquet").column("txn_1m__txn_count").to_pylist() == [2]


def test_build_training_set_mistakes_name_what_to_change(lake: Path, tmp_path: Path) -> None:
    out = tmp_path / "t.parquet"
    one_label = tmp_path / "one-label.parquet"
    pq.write_table(labels(user_id=["u1"], label_time=["2026-11-24T10:02:00Z"]), one_label)
    with pytest.raises(ConfigError, match="pipeline 'fraud' has no feature set named 'txn_2m'"):
        build_training_set(app_config(lake), "fraud", str(one_label), ["txn_2m"], out)
    with pytest.raises(ConfigError, match="property group 'offline'"):
        build_training_set(app_config(None), "fraud", str(one_label), ["txn_1m"], out)
    with pytest.raises(TrainingSetError, match=r"no labels at nope \(neither a local path nor under file://"):
        build_training_set(app_config(lake), "fraud", "nope", ["txn_1m"], out)
    with pytest.raises(TrainingSetError, match="feature set 'txn_1m' has no rows to join"):
        build_training_set(app_config(lake), "fraud", str(one_label), ["txn_1m"], out, ["backfill/none"])
    assert not out.exists()
