"""The local stack's development dependencies: a missing one is a message that says how to install it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from msk_features.dev.stack.s3_server import S3Server, S3StartError


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
