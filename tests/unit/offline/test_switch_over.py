"""``msk-features switch-over``: the switch-over and each added set's serving instant, read from an
archive laid out as the live job writes it (``events/<source>/dt=…/hr=…/part-…``, hidden in-progress
files beside them). Local files stand in for S3: the same pyarrow filesystem code reads both."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from flink_jobs.config import ConfigError, OfflineConfig
from flink_jobs.pipelines import get_pipeline
from msk_features.cli import main
from msk_features.offline.switch_over import plan_switch_over
from tests.unit.offline.test_evolution_config import BASE

FRAUD = get_pipeline("fraud")
T = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def archive(
    root: Path, source: str, times: list[datetime], name: str = "part-0.parquet", column: str = "event_time"
) -> None:
    """One Parquet file per (dt, hr) of ``times`` (naive UTC timestamps, as Flink writes them)."""
    by_partition: dict[tuple[str, str], list[datetime]] = {}
    for t in times:
        by_partition.setdefault((f"{t:%Y-%m-%d}", f"{t:%H}"), []).append(t)
    for (dt, hr), group in by_partition.items():
        folder = root / "events" / source / f"dt={dt}" / f"hr={hr}"
        folder.mkdir(parents=True, exist_ok=True)
        naive = [t.replace(tzinfo=None) for t in group]
        pq.write_table(pa.table({column: pa.array(naive, pa.timestamp("ms"))}), folder / name)


@pytest.fixture
def offline(tmp_path: Path) -> OfflineConfig:
    latest = T + timedelta(hours=1, minutes=59, seconds=7, milliseconds=250)
    archive(tmp_path, "transactions", [T + timedelta(minutes=3), T + timedelta(hours=1), latest])
    archive(tmp_path, "transactions", [T - timedelta(hours=5)], name="part-1.parquet")  # earliest
    # An in-progress file of a later hour is not finished: not read.
    archive(tmp_path, "transactions", [T + timedelta(hours=3)], name=".part-9.inprogress")
    archive(tmp_path, "clicks", [T + timedelta(hours=4)])  # txn_1m does not read clicks
    return OfflineConfig(path=tmp_path.as_uri())


def test_switch_over_follows_the_latest_event_of_the_sets_sources(offline: OfflineConfig) -> None:
    plan = plan_switch_over(FRAUD, offline, ["txn_1m"])
    switch = T + timedelta(hours=1, minutes=59, seconds=7, milliseconds=251)
    assert plan.switch_over == switch
    assert plan.spans == {"transactions": (T - timedelta(hours=5), switch - timedelta(milliseconds=1))}
    assert plan.complete_from == {"txn_1m": switch + timedelta(minutes=1)}  # its 1 min tumbling window
    assert plan.backfill_command("txn_1m") == (
        "msk-features backfill fraud --feature-set txn_1m "
        "--from 2026-11-24T04:00:00.000Z --to 2026-11-24T11:00:07.251Z"
    )


def test_an_as_of_enriched_set_is_refused_naming_the_key(offline: OfflineConfig) -> None:
    archive(Path(offline.path.removeprefix("file://")), "profiles", [T], column="updated_at")
    with pytest.raises(ConfigError, match=r"added\.feature\.sets.*enriches as-of profiles"):
        plan_switch_over(FRAUD, offline, ["txn_features"])


def test_nothing_archived_is_an_error_naming_the_path(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nothing is archived under .*/events/transactions"):
        plan_switch_over(FRAUD, OfflineConfig(path=tmp_path.as_uri()), ["txn_1h"])


def test_the_command_prints_the_properties_and_the_backfill(offline: OfflineConfig, tmp_path: Path) -> None:
    properties = tmp_path / "application_properties.json"
    groups = [g for g in BASE if g["PropertyGroupId"] != "offline"]
    groups.append({"PropertyGroupId": "offline", "PropertyMap": {"path": offline.path}})
    properties.write_text(json.dumps(groups))
    args = ["switch-over", "fraud", "--feature-set", "txn_1m", "--properties", str(properties)]
    result = CliRunner().invoke(main, [*args, "--output", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["properties"] == {
        "pipeline": {"added.feature.sets": "txn_1m", "switch.over": "2026-11-24T10:59:07.251Z"}
    }
    assert report["feature_sets"][0]["complete_from"] == "2026-11-24T11:00:07.251Z"
    table = CliRunner().invoke(main, args)
    assert table.exit_code == 0 and "switch.over = 2026-11-24T10:59:07.251Z" in table.output
    unknown = CliRunner().invoke(
        main, ["switch-over", "fraud", "--feature-set", "txn_2m", "--properties", str(properties)]
    )
    assert unknown.exit_code == 1 and "Traceback" not in unknown.output
    assert "no feature set named 'txn_2m'" in " ".join(unknown.output.split())
