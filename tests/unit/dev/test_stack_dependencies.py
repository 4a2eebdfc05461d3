"""The local stack: a missing development dependency is a message that says how to install it, and
the properties it writes name a pipeline only when asked to."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from flink_jobs.config import load_config
from msk_features.dev.stack.properties import write_local_properties
from msk_features.dev.stack.s3_server import S3Server, S3StartError
from tests.support.stack import fake_endpoints


def test_without_moto_the_s3_server_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "moto" else real(name, *a)
    )
    with pytest.raises(S3StartError, match=r"needs moto.*pip install 'msk-flink-features\[dev\]'"):
        S3Server(tmp_path).start(port=1)
    assert not (tmp_path / "logs").exists(), "nothing is started or written before the check"


@pytest.mark.parametrize("pipeline", [None, "iot"])
def test_the_local_properties_name_a_pipeline_only_when_given_one(
    tmp_path: Path, pipeline: str | None
) -> None:
    """`local up --pipeline NAME` (one name) writes pipeline.name; the stack alone names none."""
    path = write_local_properties(fake_endpoints(tmp_path), tmp_path, pipeline=pipeline)
    groups = {g["PropertyGroupId"]: g["PropertyMap"] for g in json.loads(path.read_text())}
    assert groups["pipeline"].get("name") == pipeline
    assert load_config(path).pipeline.name == pipeline
