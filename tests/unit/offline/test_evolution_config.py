"""Adding a feature set to a running pipeline: the pipeline keys, when an added set's rows are
complete, and the compiled filter (no JVM). The restore itself: tests/reliability/test_evolution.py."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from flink_jobs.config import ConfigError, parse_config, to_property_groups
from flink_jobs.features.compiler import compile_pipeline
from flink_jobs.features.compiler.history import complete_from, running_feature_sets
from flink_jobs.pipelines import get_pipeline

BASE = [
    {
        "PropertyGroupId": "kinesis.analytics.flink.run.options",
        "PropertyMap": {"python": "main.py", "jarfile": "lib/pyflink-dependencies.jar"},
    },
    {"PropertyGroupId": "kafka", "PropertyMap": {"bootstrap.servers": "b-1:9098", "auth": "iam"}},
    {"PropertyGroupId": "offline", "PropertyMap": {"path": "s3a://lake/offline"}},
]
SWITCH = "2026-11-24T10:00:00.000Z"
FRAUD = get_pipeline("fraud")


def config(**keys: str):
    return parse_config([*BASE, {"PropertyGroupId": "pipeline", "PropertyMap": keys}])


def test_added_sets_and_switch_over_round_trip_through_the_properties() -> None:
    cfg = config(**{"added.feature.sets": "txn_1m, txn_1h", "switch.over": SWITCH})
    assert cfg.pipeline.added_feature_sets == ("txn_1m", "txn_1h")
    assert cfg.pipeline.switch_over == datetime(2026, 11, 24, 10, tzinfo=UTC)
    assert parse_config(to_property_groups(cfg)) == cfg


@pytest.mark.parametrize(
    ("keys", "missing"),
    [({"added.feature.sets": "txn_1m"}, "switch.over"), ({"switch.over": SWITCH}, "added.feature.sets")],
)
def test_the_two_keys_go_together(keys: dict[str, str], missing: str) -> None:
    with pytest.raises(ConfigError, match=f"key '{missing}': is required with"):
        config(**keys)


def test_complete_from_is_the_switch_over_plus_each_sets_own_history() -> None:
    cfg = config(**{"added.feature.sets": "txn_1m,txn_1h,session", "switch.over": SWITCH})
    switch = datetime(2026, 11, 24, 10, tzinfo=UTC)
    # From the spec, independently of the compiler: window size; hopping: its size, not its slide;
    # a session: at least a day (a session may run on for longer than its gap).
    assert complete_from(FRAUD, cfg.pipeline) == {
        "txn_1m": switch + timedelta(minutes=1),
        "txn_1h": switch + timedelta(hours=1),
        "session": switch + timedelta(days=1),
    }


def test_a_set_enriched_as_of_cannot_be_added_to_a_running_job() -> None:
    cfg = config(**{"added.feature.sets": "txn_features", "switch.over": SWITCH})
    with pytest.raises(ConfigError, match=r"'txn_features' enriches as-of profiles.*docs/evolving.md"):
        complete_from(FRAUD, cfg.pipeline)


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        (
            {"feature.sets": "txn_1m,nope"},
            "key 'feature.sets': pipeline 'fraud' has no feature set named 'nope'",
        ),
        (
            {"added.feature.sets": "nope", "switch.over": SWITCH},
            "key 'added.feature.sets': pipeline 'fraud' has no feature set named 'nope'",
        ),
        (
            {"feature.sets": "txn_1h", "added.feature.sets": "txn_1m", "switch.over": SWITCH},
            "'txn_1m' is not among the feature sets this job runs",
        ),
    ],
)
def test_unknown_names_are_clear_errors(keys: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        compile_pipeline(FRAUD, config(**keys))


def test_feature_sets_selects_what_the_job_computes_in_spec_order() -> None:
    cfg = config(**{"feature.sets": "session,txn_1m"})
    assert [fs.name for fs in running_feature_sets(FRAUD, cfg.pipeline)] == ["txn_1m", "session"]
    sql = compile_pipeline(FRAUD, cfg).sql()
    assert "INSERT INTO `txn_1m_kafka`" in sql and "INSERT INTO `session_offline`" in sql
    assert "txn_1h" not in sql and "txn_features" not in sql
    assert "INSERT INTO `transactions_archive`" in sql  # the inputs are archived whatever runs


def test_only_the_added_set_is_filtered_from_its_complete_instant() -> None:
    cfg = config(**{"added.feature.sets": "txn_1m", "switch.over": SWITCH})
    sql = compile_pipeline(FRAUD, cfg).sql()
    views = dict(re.findall(r"CREATE TEMPORARY VIEW `(\w+)_features` AS\n(.*?)(?=;\n\n|;\n$)", sql, re.S))
    assert views["txn_1m"].rstrip().endswith("WHERE `window_end` >= TIMESTAMP '2026-11-24 10:01:00.000'")
    for other in ("txn_1h", "session", "txn_features"):
        assert "10:01:00" not in views[other]
    plain = compile_pipeline(FRAUD, config()).sql()
    assert sql.replace(views["txn_1m"], "") == plain.replace(
        dict(re.findall(r"CREATE TEMPORARY VIEW `(\w+)_features` AS\n(.*?)(?=;\n\n|;\n$)", plain, re.S))[
            "txn_1m"
        ],
        "",
    )
