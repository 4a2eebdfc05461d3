"""Shared pytest fixtures.

``local_stack`` (session-scoped) starts a real Kafka broker and an S3 API server in a temporary state
dir with the pipeline's topics (``pipeline_topics()``) and yields their
:class:`~msk_features.localstack.stack.Endpoints`; it always stops them at the end of the session.
Only tests that request it (marked ``integration``) pay for it.

``xgboost_model``, ``model_endpoint`` (session-scoped) and ``start_model_endpoint`` (per test) train
a tiny XGBoost model and serve it on the local SageMaker-protocol model endpoint; they live in
``tests/model_endpoint_fixtures.py``.

Test jobs are short, so their JVMs (the PyFlink gateway of this process and every job process it
starts) compile with C1 only, as bounded local runs do (:data:`msk_features.runner.QUICK_JIT_JVM_ARGS`),
unless ``JVM_ARGS`` is set.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from flink_jobs.pipelines import pipeline_topics
from msk_features.localstack.stack import Endpoints, LocalStack
from msk_features.runner import ENV_JVM_ARGS, QUICK_JIT_JVM_ARGS
from tests.model_endpoint_fixtures import model_endpoint, start_model_endpoint, xgboost_model

__all__ = ["model_endpoint", "start_model_endpoint", "xgboost_model"]

os.environ.setdefault(ENV_JVM_ARGS, QUICK_JIT_JVM_ARGS)


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoints]:
    """A running local stack (Kafka 3.9.1 KRaft + moto S3) for the whole test session."""
    stack = LocalStack(tmp_path_factory.mktemp("stack"))
    try:
        yield stack.up(topics=pipeline_topics())
    finally:
        stack.down()


@pytest.fixture(scope="session")
def built_package() -> Path:
    """Build the uber-jar, the S3 plugin copy and the Managed Flink zip once per session; return the zip.

    The one Maven build of a test session: the packaging, smoke and job tests all use its output.
    """
    repo = Path(__file__).resolve().parents[1]
    mvn = shutil.which("mvn")
    if mvn is None:
        pytest.fail("Maven (mvn) is not on PATH: install Maven 3.8+ (see README prerequisites)")
    proc = subprocess.run(
        [mvn, "-q", "-B", "-Dstyle.color=never", "package"],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if proc.returncode != 0:
        output = re.sub(r"\x1b\[[0-9;]*m", "", f"{proc.stdout}\n{proc.stderr}").strip()
        pytest.fail(f"mvn -q -B package failed (exit {proc.returncode}):\n{output[-8000:]}", pytrace=False)
    (zip_path,) = (repo / "target").glob("msk-flink-features-*.zip")
    return zip_path
