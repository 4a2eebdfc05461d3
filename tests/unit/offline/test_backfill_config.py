"""The backfill property group, its CLI options and the compiled backfill (no JVM)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from flink_jobs.config import BackfillConfig, ConfigError, parse_config
from flink_jobs.features.compiler import compile_backfill
from flink_jobs.features.compiler.backfill import SESSION_LOOKBACK, lookback
from flink_jobs.pipelines import fraud, get_pipeline, iot
from msk_features.cli import main

BASE = [
    {
        "PropertyGroupId": "kinesis.analytics.flink.run.options",
        "PropertyMap": {"python": "main.py", "jarfile": "lib/pyflink-dependencies.jar"},
    },
    {"PropertyGroupId": "kafka", "PropertyMap": {"bootstrap.servers": "b-1:9098", "auth": "iam"}},
    {"PropertyGroupId": "offline", "PropertyMap": {"path": "s3a://lake/offline"}},
]


def with_backfill(**keys: str) -> list[dict]:
    return [*BASE, {"PropertyGroupId": "backfill", "PropertyMap": keys}]


def test_instants_with_and_without_seconds_and_milliseconds() -> None:
    cfg = parse_config(with_backfill(**{"from": "2026-11-24T10:00Z", "to": "2026-11-24T12:00:00.250Z"}))
    assert cfg.backfill == BackfillConfig(
        datetime(2026, 11, 24, 10, tzinfo=UTC), datetime(2026, 11, 24, 12, 0, 0, 250_000, tzinfo=UTC)
    )
    assert cfg.backfill.run_name() == "20261124T1000Z_20261124T1200Z"


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ({"from": "2026-02-30T00:00Z", "to": "2026-03-01T00:00Z"}, "is not a real date and time"),
        ({"from": "2026-11-24 10:00", "to": "2026-11-24T12:00Z"}, "is not a UTC instant like"),
        ({"from": "2026-11-24T12:00Z", "to": "2026-11-24T12:00Z"}, "key 'to': must be after from"),
        ({"from": "2026-11-24T10:00Z"}, "key 'to': the key is missing"),
        ({"from": "2026-11-24T10:00Z", "to": "2026-11-24T12:00Z", "run": "../x"}, "is not a run name"),
    ],
)
def test_backfill_mistakes_name_the_key(keys: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config(with_backfill(**keys))


def test_a_backfill_needs_the_offline_path() -> None:
    document = with_backfill(**{"from": "2026-11-24T10:00Z", "to": "2026-11-24T12:00Z"})
    document = [g for g in document if g["PropertyGroupId"] != "offline"]
    with pytest.raises(ConfigError, match="a backfill reads and writes the offline path"):
        parse_config(document)


def test_lookback_is_what_the_feature_sets_need() -> None:
    assert lookback([fraud.txn_1m]) == timedelta(minutes=1)
    assert lookback([fraud.txn_1h]) == timedelta(hours=1)
    assert lookback([fraud.txn_features]) == timedelta(hours=24)  # SecondsSinceLatest within 24 h
    assert lookback([fraud.session]) == SESSION_LOOKBACK
    assert lookback([iot.readings_15m, iot.reading_features]) == timedelta(minutes=15)


def test_compiled_backfill_reads_the_archive_range_and_writes_the_run() -> None:
    cfg = parse_config(
        with_backfill(
            **{"from": "2026-11-24T10:00Z", "to": "2026-11-24T12:00Z", "feature.sets": "txn_1h,txn_features"}
        )
    )
    sql = compile_backfill(get_pipeline("fraud"), cfg).sql()
    # txn_features needs 24 h of clicks (SecondsSinceLatest) and every profile version (as-of).
    assert "'path' = 's3a://lake/offline/events/transactions'" in sql
    assert "`event_time` >= TIMESTAMP '2026-11-23 10:00:00.000'" in sql
    assert "'path' = 's3a://lake/offline/events/profiles'" in sql
    profiles_view = sql[sql.index("CREATE TEMPORARY VIEW `profiles_on_time`") :].split(";")[0]
    assert ">=" not in profiles_view and "`updated_at` < TIMESTAMP '2026-11-24 12:00:00.000'" in profiles_view
    assert "'path' = 's3a://lake/offline/backfill/20261124T1000Z_20261124T1200Z/features/txn_1h'" in sql
    assert "features/txn_1m" not in sql and "session" not in sql
    assert "'connector' = 'kafka'" not in sql  # nothing read from or written to Kafka
    low, high = "TIMESTAMP '2026-11-24 10:00:00.000'", "TIMESTAMP '2026-11-24 12:00:00.000'"
    assert f"`window_end` >= {low} AND `window_end` < {high}" in sql


def test_an_explicit_lookback_overrides_the_spec() -> None:
    cfg = parse_config(
        with_backfill(**{"from": "2026-11-24T10:00Z", "to": "2026-11-24T12:00Z", "lookback.seconds": "0"})
    )
    sql = compile_backfill(get_pipeline("fraud"), cfg).sql()
    assert "`event_time` >= TIMESTAMP '2026-11-24 10:00:00.000'" in sql


def test_cli_rejects_a_malformed_instant_before_anything_runs() -> None:
    result = CliRunner().invoke(
        main, ["backfill", "fraud", "--from", "yesterday", "--to", "2026-11-24T12:00Z"]
    )
    assert result.exit_code == 2 and "is not a UTC instant like 2026-11-24T10:00:00Z" in result.output
