"""``msk-features backfill``: the feature SQL over the raw archive equals what the live job wrote.

A live bounded run of the reference pipeline (one partition, 3 h of generated events with invalid,
out-of-order and late records) writes its features and its archive; a backfill of a range inside
it, from the archive alone, must give exactly the live job's Parquet rows whose time (window end,
or event time) is in the range, and the independent reference's rows for that range. A second
backfill of the same range with one feature set replaces the run's output.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from flink_jobs.config import AppConfig
from msk_features.cli import main
from msk_features.dev.generator.plan import GenerateSpec
from msk_features.operations.outputs import (
    feature_rows_from_table,
    list_offline_files,
    read_offline,
    utc_text,
)
from msk_features.runner import run_job
from tests.reference.fraud import Expected
from tests.support.fraud_check import assert_same_rows, parquet_rows, reference_for
from tests.support.pipeline_run import FEATURE_SETS, job_config, send_inputs

pytestmark = pytest.mark.slow

T0 = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
START, END = T0 + timedelta(hours=1), T0 + timedelta(hours=2, minutes=30)
SPEC = GenerateSpec(
    seed=31,
    transactions=900,
    clicks=700,
    profiles=90,
    users=25,
    merchants=15,
    start=T0,
    span=timedelta(hours=3),
    invalid_fraction=0.05,
    out_of_order_fraction=0.05,
    late_fraction=0.02,
)
ROW_TIME = {
    "txn_1m": "window_end",
    "txn_1h": "window_end",
    "session": "window_end",
    "txn_features": "event_time",
}


def in_range(rows: list[dict[str, Any]], feature_set: str) -> list[dict[str, Any]]:
    """Rows whose time is in [START, END) (the texts compare like the instants)."""
    column = ROW_TIME[feature_set]
    return [r for r in rows if utc_text(START) <= r[column] < utc_text(END)]


@pytest.fixture(scope="module")
def live(
    local_stack, built_package: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[AppConfig, Path, Expected]:
    sent = send_inputs(local_stack, SPEC, "bf-", partitions=1)  # one partition: lateness is exact
    tmp = tmp_path_factory.mktemp("backfill")
    cfg, properties = job_config(local_stack, sent.topics, "bf-out-", tmp)
    run_job(properties, timeout_s=600)
    return cfg, properties, reference_for(sent.records, cfg)


def cli(command: str, properties: Path, *args: str) -> Any:
    """``msk-features COMMAND fraud --from START --to END --properties P ARGS``, in-process."""
    range_args = ["--from", utc_text(START), "--to", utc_text(END), "--properties", str(properties)]
    return CliRunner().invoke(main, [command, "fraud", *range_args, *args])


def backfill(properties: Path, *args: str) -> dict[str, Any]:
    result = cli("backfill", properties, "--output", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.fixture(scope="module")
def backfilled(live: tuple[AppConfig, Path, Expected]) -> dict[str, Any]:
    _, properties, _ = live
    return backfill(properties)


def test_backfill_reports_its_run(backfilled: dict[str, Any], live: tuple[AppConfig, Path, Expected]) -> None:
    cfg, _, _ = live
    assert cfg.offline is not None
    assert backfilled["run"] == "20261124T0900Z_20261124T1030Z"
    assert backfilled["output"] == f"{cfg.offline.path}/backfill/20261124T0900Z_20261124T1030Z"
    assert set(backfilled["rows"]) == set(FEATURE_SETS) and all(n > 0 for n in backfilled["rows"].values())


@pytest.mark.parametrize("feature_set", FEATURE_SETS)
def test_backfill_equals_the_live_rows_of_the_range(
    backfilled: dict[str, Any], live: tuple[AppConfig, Path, Expected], feature_set: str
) -> None:
    cfg, _, expected = live
    assert cfg.offline is not None
    run = f"backfill/{backfilled['run']}/features/{feature_set}"
    got = feature_rows_from_table(read_offline(cfg.offline, run))
    assert len(got) == backfilled["rows"][feature_set]
    assert_same_rows(
        got, in_range(parquet_rows(cfg, feature_set), feature_set), f"backfill vs live {feature_set}"
    )
    assert_same_rows(
        got, in_range(expected.features[feature_set], feature_set), f"backfill vs reference {feature_set}"
    )


def test_backfill_again_replaces_the_run(
    backfilled: dict[str, Any], live: tuple[AppConfig, Path, Expected]
) -> None:
    cfg, properties, expected = live
    assert cfg.offline is not None
    again = backfill(properties, "--feature-set", "txn_1m")
    assert again["run"] == backfilled["run"] and set(again["rows"]) == {"txn_1m"}
    files = list_offline_files(cfg.offline, f"backfill/{again['run']}")
    assert files and all("/features/txn_1m/" in f for f in files), files
    got = feature_rows_from_table(read_offline(cfg.offline, f"backfill/{again['run']}/features/txn_1m"))
    assert_same_rows(got, in_range(expected.features["txn_1m"], "txn_1m"), "second backfill txn_1m")


def test_backfill_of_an_unknown_feature_set_is_a_clear_error(live: tuple[AppConfig, Path, Expected]) -> None:
    _, properties, _ = live
    result = cli("backfill", properties, "--feature-set", "txn_2m")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "pipeline 'fraud' has no feature set named 'txn_2m'" in " ".join(result.output.split())


def test_backfill_range_must_be_forward(live: tuple[AppConfig, Path, Expected]) -> None:
    _, properties, _ = live
    result = CliRunner().invoke(
        main,
        [
            "backfill",
            "fraud",
            "--from",
            utc_text(END),
            "--to",
            utc_text(START),
            "--properties",
            str(properties),
        ],
    )
    assert result.exit_code == 1 and "--to must be after --from" in result.output


def parity(properties: Path) -> tuple[int, dict[str, Any]]:
    result = cli("parity", properties, "--output", "json")
    return result.exit_code, json.loads(result.output)


def test_parity_of_the_live_run_has_no_difference(live: tuple[AppConfig, Path, Expected]) -> None:
    _, properties, expected = live
    code, report = parity(properties)
    assert code == 0 and report["ok"], report
    assert {(f["feature_set"], f["live"]) for f in report["feature_sets"]} == {
        (fs, where) for fs in FEATURE_SETS for where in ("kafka", "parquet")
    }
    for entry in report["feature_sets"]:
        want = len(in_range(expected.features[entry["feature_set"]], entry["feature_set"]))
        assert entry["matched"] == want > 0, entry
    late_in_range = [v for v in expected.late.values() if utc_text(START) <= v["event_time"] < utc_text(END)]
    assert report["late_records_in_range"] == len(late_in_range) > 0


def test_parity_reports_a_changed_value_with_its_row(live: tuple[AppConfig, Path, Expected]) -> None:
    """Runs last: it rewrites one live Parquet file of txn_1h with one amount_max changed."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from msk_features.operations.outputs import offline_filesystem

    cfg, properties, _ = live
    assert cfg.offline is not None
    fs, _ = offline_filesystem(cfg.offline)
    data_files = [
        f
        for f in list_offline_files(cfg.offline, "features/txn_1h")
        if not f.rsplit("/", 1)[-1].startswith((".", "_"))
    ]
    for target in data_files:  # a file holding a row of the range
        with fs.open_input_file(target) as handle:
            table = pq.read_table(handle)
        texts = feature_rows_from_table(table)
        hits = [i for i, r in enumerate(texts) if utc_text(START) <= r["window_end"] < utc_text(END)]
        if hits:
            break
    else:
        pytest.fail("no live txn_1h file holds a row of the range")
    rows = table.to_pylist()
    rows[hits[0]] = {**rows[hits[0]], "amount_max": rows[hits[0]]["amount_max"] + 1}
    with fs.open_output_stream(target) as handle:
        pq.write_table(pa.Table.from_pylist(rows, schema=table.schema), handle)

    code, report = parity(properties)
    assert code == 1 and not report["ok"]
    bad = [f for f in report["feature_sets"] if f["different"] or f["missing"] or f["extra"]]
    assert [(f["feature_set"], f["live"], f["different"], f["missing"], f["extra"]) for f in bad] == [
        ("txn_1h", "parquet", 1, 0, 0)
    ]
    (example,) = bad[0]["examples"]["different"]
    assert example["key"] == {
        "user_id": texts[hits[0]]["user_id"],
        "window_start": texts[hits[0]]["window_start"],
        "window_end": texts[hits[0]]["window_end"],
    }
    assert list(example["values"]) == ["amount_max"]
    assert bad[0]["different_by_column"] == {"amount_max": 1}


def test_training_set_takes_rows_as_of_the_label_and_never_later(
    live: tuple[AppConfig, Path, Expected], tmp_path: Path
) -> None:
    """Leakage traps: a window that ends 1 ms after the label, and a profile version updated after
    the labelled transaction, must not reach the training row."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from tests.reference.fraud import parse_time

    cfg, properties, expected = live
    # Trap 1: two consecutive txn_1m windows of one user; a label 1 ms before the later one ends.
    windows: dict[str, list[dict[str, Any]]] = {}
    for row in expected.features["txn_1m"]:
        windows.setdefault(row["user_id"], []).append(row)
    user, rows = next(
        (u, sorted(r, key=lambda w: w["window_end"])) for u, r in windows.items() if len(r) >= 2
    )
    earlier, later = rows[-2], rows[-1]
    later_end = parse_time(later["window_end"])
    # Trap 2: a transaction whose user's profile changes home country after it.
    profiles = sorted(expected.on_time["profiles"], key=lambda r: r.time)
    trap = None
    for txn in sorted(expected.features["txn_features"], key=lambda r: r["event_time"]):
        t = parse_time(txn["event_time"])
        newer = [
            p.event
            for p in profiles
            if p.event
            and p.event["user_id"] == txn["user_id"]
            and p.time > t
            and p.event["home_country"] != txn["home_country"]
        ]
        if txn["home_country"] is not None and newer:
            trap = txn
            break
    assert trap is not None, "the data set has no transaction followed by a profile change"
    labels = pa.table(
        {
            "user_id": [user, user, trap["user_id"], "nobody"],
            "label_time": pa.array(
                [later_end - timedelta(milliseconds=1), later_end, parse_time(trap["event_time"]), later_end],
                pa.timestamp("ms", tz="UTC"),
            ),
            "txn_id": [None, None, trap["txn_id"], None],
            "label": [0, 1, 1, 0],
        }
    )
    labels_file = tmp_path / "labels.parquet"
    pq.write_table(labels, labels_file)
    out = tmp_path / "train.parquet"
    args = ["training-set", "fraud", "--labels", str(labels_file), "--out", str(out), "--output", "json"]
    sets = ["--feature-set", "txn_1m", "--feature-set", "txn_features"]
    result = CliRunner().invoke(main, [*args, *sets, "--properties", str(properties)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["labels"] == 4
    train = pq.read_table(out).to_pylist()
    assert [r["label"] for r in train] == [0, 1, 1, 0]  # the labels' order
    end = lambda r: utc_text(r["txn_1m__window_end"]) if r["txn_1m__window_end"] is not None else None  # noqa: E731
    assert end(train[0]) == earlier["window_end"] and train[0]["txn_1m__txn_count"] == earlier["txn_count"]
    assert end(train[1]) == later["window_end"] and train[1]["txn_1m__txn_count"] == later["txn_count"]
    assert train[3]["txn_1m__window_end"] is None and train[3]["txn_features__home_country"] is None
    assert train[2]["txn_features__home_country"] == trap["home_country"]  # not the later version
    assert utc_text(train[2]["txn_features__event_time"]) == trap["event_time"]
    assert train[2]["txn_features__txn_count_10m"] == trap["txn_count_10m"]
    assert cfg.offline is not None
