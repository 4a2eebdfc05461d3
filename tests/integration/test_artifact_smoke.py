"""Managed-Flink-like smoke test: the zip, unpacked into an empty folder, runs on its own.

As on Managed Flink: the working directory is the unpacked zip, the properties are a file of
Managed Flink's shape, and nothing but the zip's content and the installed third-party packages
(apache-flink, ...) is importable -- Python starts without ``site`` so an editable install of this
repository cannot leak in. Flink's s3-fs-hadoop plugin comes from outside the zip, as Managed Flink
provides it. Every output must equal the independent reference of the fraud pipeline.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from msk_features.dev.generator.plan import GenerateSpec
from msk_features.dev.stack.control import Endpoints
from msk_features.kafka.auth import librdkafka_config
from msk_features.operations.outputs import read_topic
from msk_features.runner import REPO_ROOT, run_job, site_packages
from tests.support.fraud_check import assert_same_rows, kafka_rows, parquet_rows, reference_for
from tests.support.pipeline_run import FEATURE_SETS, SentData, job_config, send_inputs

SPEC = GenerateSpec(seed=5, transactions=200, clicks=150, profiles=30, users=20, invalid_fraction=0.1)


@pytest.fixture(scope="module")
def sent(local_stack: Endpoints) -> SentData:
    return send_inputs(local_stack, SPEC, "smoke-")


@pytest.fixture(scope="module")
def unpacked(built_package: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    app = tmp_path_factory.mktemp("managed-flink-app")
    assert not any(app.iterdir())
    with zipfile.ZipFile(built_package) as archive:
        archive.extractall(app)
    return app


def test_zip_holds_only_the_application(unpacked: Path) -> None:
    top = sorted(p.name for p in unpacked.iterdir())
    assert top == ["connectors", "flink_jobs", "lib", "main.py"]
    assert [p.name for p in (unpacked / "lib").iterdir()] == ["pyflink-dependencies.jar"]


def test_only_the_zip_content_is_importable(unpacked: Path) -> None:
    probe = (
        "import sys; sys.path.insert(0, '.'); import flink_jobs, connectors, main; "
        "print(flink_jobs.__file__); print(connectors.__file__)\n"
        "try:\n    import msk_features\nexcept ImportError:\n    print('no-tooling')\n"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(site_packages()))
    proc = subprocess.run(
        [sys.executable, "-S", "-s", "-c", probe],
        cwd=unpacked,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    flink_jobs_file, connectors_file, tooling = proc.stdout.split()
    assert Path(flink_jobs_file).resolve().is_relative_to(unpacked.resolve())
    assert Path(connectors_file).resolve().is_relative_to(unpacked.resolve())
    assert tooling == "no-tooling"


def test_unpacked_zip_runs_the_reference_pipeline(
    local_stack: Endpoints, sent: SentData, unpacked: Path, tmp_path: Path
) -> None:
    """The zip alone runs the fraud pipeline; every output equals the independent reference."""
    cfg, properties = job_config(local_stack, sent.topics, "smoke-zip-", tmp_path / "zip")
    assert json.loads(properties.read_text())[0]["PropertyGroupId"] == "kinesis.analytics.flink.run.options"
    run_job(
        properties,
        unpacked,
        timeout_s=600,
        isolated=True,
        extra_env={"MSK_FEATURES_FLINK_PLUGINS": str(REPO_ROOT / "target" / "flink-plugins")},
    )
    expected = reference_for(sent.records, cfg)
    for feature_set in FEATURE_SETS:
        assert_same_rows(kafka_rows(cfg, feature_set), expected.features[feature_set], f"Kafka {feature_set}")
    assert_same_rows(parquet_rows(cfg, "txn_features"), expected.features["txn_features"], "Parquet")
    dead = read_topic(librdkafka_config(cfg.kafka), cfg.topics.dead_letter)
    assert len(dead) == sum(1 for r in sent.records if r.kind == "invalid")
