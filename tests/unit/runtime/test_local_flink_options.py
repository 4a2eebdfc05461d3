"""``$MSK_FEATURES_FLINK_OPTIONS``: extra Flink options for local runs, a JSON object of strings."""

from __future__ import annotations

import pytest

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
