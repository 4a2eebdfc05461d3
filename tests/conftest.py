"""Shared pytest fixtures, and the markers each folder implies.

A test's folder says what it needs (``FOLDER_MARKERS``): ``tests/unit`` nothing but Python,
``tests/features`` and ``tests/flink`` a Flink mini-cluster, ``tests/integration`` the local stack,
``tests/reliability`` and ``tests/sustained`` the long runs that ``make reliability`` and
``make sustained`` run. A test file adds only what its folder does not say (``slow``, or
``integration`` for a Flink test that needs the broker). Helpers shared by several folders live in
``tests/support``; independent implementations of the pipelines in ``tests/reference``.

``local_stack`` (session-scoped) starts a real Kafka broker and an S3 API server in a temporary state
dir with the fraud pipeline's topics (the integration tests' pipeline; a test of another pipeline
creates its own) and yields their
:class:`~msk_features.dev.stack.control.Endpoints`; it always stops them at the end of the session.
Only tests that request it (marked ``integration``) pay for it.

``xgboost_model``, ``model_endpoint`` (session-scoped) and ``start_model_endpoint`` (per test) train
a tiny XGBoost model and serve it on the local SageMaker-protocol model endpoint; they live in
``tests/support/model_endpoint.py``.

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
from msk_features.dev.stack.control import Endpoints, LocalStack
from msk_features.runner import ENV_JVM_ARGS, QUICK_JIT_JVM_ARGS
from tests.support.model_endpoint import model_endpoint, start_model_endpoint, xgboost_model

__all__ = ["FOLDER_MARKERS", "model_endpoint", "start_model_endpoint", "xgboost_model"]

# The markers every test of a folder of tests/ carries (pytest -m selects by them; make test runs
# everything but reliability and sustained).
FOLDER_MARKERS: dict[str, tuple[str, ...]] = {
    "unit": ("unit",),
    "features": ("features", "flink"),
    "flink": ("flink",),
    "integration": ("integration",),
    "packaging": ("packaging",),
    "terraform": ("terraform",),
    "bench": ("integration",),
    "reliability": ("integration", "reliability"),
    "sustained": ("integration", "sustained"),
}
_TESTS = Path(__file__).resolve().parent


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test with its folder's markers, before ``-m`` selects (hence ``tryfirst``)."""
    for item in items:
        try:
            folder = Path(str(item.path)).resolve().relative_to(_TESTS).parts[0]
        except ValueError:
            continue
        for name in FOLDER_MARKERS.get(folder, ()):
            item.add_marker(name)


os.environ.setdefault(ENV_JVM_ARGS, QUICK_JIT_JVM_ARGS)


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoints]:
    """A running local stack (Kafka 3.9.1 KRaft + moto S3) for the whole test session."""
    stack = LocalStack(tmp_path_factory.mktemp("stack"))
    try:
        yield stack.up(topics=pipeline_topics(None, "fraud"))
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
