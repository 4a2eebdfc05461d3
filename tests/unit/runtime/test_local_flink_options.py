"""``$MSK_FEATURES_FLINK_OPTIONS``: extra Flink options for local runs, a JSON object of strings."""

from __future__ import annotations

import pytest

from flink_jobs.pipelines import get_pipeline
from flink_jobs.runtime.environment import LocalSetupError, local_flink_options


def test_unset_or_blank_means_no_options() -> None:
    assert local_flink_options("") == {}
    assert local_flink_options("  ") == {}


def test_a_json_object_of_strings_is_taken_as_it_is() -> None:
    raw = '{"pipeline.object-reuse": "true", "execution.checkpointing.dir": "file:///tmp/chk"}'
    assert local_flink_options(raw) == {
        "pipeline.object-reuse": "true",
        "execution.checkpointing.dir": "file:///tmp/chk",
    }


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("{pipeline.object-reuse: true}", "is not valid JSON"),
        ('["pipeline.object-reuse"]', "must be a JSON object of strings"),
        ('{"parallelism.default": 2}', "must be a JSON object of strings"),
    ],
)
def test_malformed_options_name_the_variable(raw: str, message: str) -> None:
    with pytest.raises(LocalSetupError, match=message) as info:
        local_flink_options(raw)
    assert "$MSK_FEATURES_FLINK_OPTIONS" in str(info.value)


def test_the_windows_subset_is_the_fraud_pipelines_window_sets_on_unarchived_transactions() -> None:
    fraud, subset = get_pipeline("fraud"), get_pipeline("fraud_windows")
    assert subset.feature_set_names() == ["txn_1m", "txn_1h"]
    for name in ("txn_1m", "txn_1h"):
        (full,) = [fs for fs in fraud.feature_sets if fs.name == name]
        (part,) = [fs for fs in subset.feature_sets if fs.name == name]
        assert (part.window, part.aggregations) == (full.window, full.aggregations)
    assert [s.name for s in subset.sources] == ["transactions"]
    assert not subset.sources[0].archive
