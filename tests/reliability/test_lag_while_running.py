"""`msk-features lag` while the pipeline runs unbounded on the local stack: a burst of input makes the
job's consumer-group lag rise, and the lag returns to 0 once the job has caught up.

The job commits its source offsets on checkpoints (every 2 s here), so the lag seen by the command is
what MSK's CloudWatch consumer-lag metrics would show for the same group.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from flink_jobs.config import ENV_PROPERTIES, to_property_groups
from msk_features.cli import main
from msk_features.dev.generator.plan import GenerateSpec, build_plan
from msk_features.dev.stack.control import Endpoints
from msk_features.kafka.auth import librdkafka_config
from msk_features.operations.lag import consumer_lag
from msk_features.runner import REPO_ROOT
from tests.support.pipeline_run import job_config, send_inputs, send_records

# In make reliability, not make test: a live job waited on for ~44 s (2026-12-04), and make test is
# kept under 25 minutes in a fresh clone on 2 cores.
pytestmark = pytest.mark.slow


def total_lag(client: dict, group: str, topics: list[str]) -> int:
    return sum(row.lag for row in consumer_lag(client, group, topics, timeout_s=10))


def test_lag_rises_with_a_burst_and_returns_to_zero(
    local_stack: Endpoints, built_package: Path, tmp_path: Path
) -> None:
    warmup = send_inputs(
        local_stack, GenerateSpec(seed=3, transactions=50, clicks=40, profiles=10, users=10), "lagrun-", 1
    )
    cfg, _ = job_config(local_stack, warmup.topics, "lagrun-out-", tmp_path)
    cfg = replace(cfg, kafka=replace(cfg.kafka, bounded=False))
    properties = tmp_path / "unbounded.json"
    properties.write_text(json.dumps(to_property_groups(cfg)))
    inputs = list(warmup.topics.sources.values())
    client = librdkafka_config(cfg.kafka)
    group = cfg.kafka.consumer_group

    env = dict(os.environ, **{ENV_PROPERTIES: str(properties)})
    job = subprocess.Popen(  # stopped below by its process group id, whatever happens
        [sys.executable, str(REPO_ROOT / "main.py")],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 180
        while total_lag(client, group, inputs) > 0:  # the job is up and has caught up on the warm-up
            assert job.poll() is None, "the job stopped"
            assert time.monotonic() < deadline, "the job did not catch up on the warm-up data"
            time.sleep(2)

        burst = GenerateSpec(seed=4, transactions=15_000, clicks=12_000, profiles=3_000, users=500)
        send_records(local_stack, [replace(r, topic=r.stream) for r in build_plan(burst)], "lagrun-", 1)
        samples = []
        deadline = time.monotonic() + 300
        while True:
            samples.append(total_lag(client, group, inputs))
            if samples[-1] == 0 and max(samples) > 0:
                break
            assert job.poll() is None, "the job stopped"
            assert time.monotonic() < deadline, f"the lag did not return to 0: {samples}"
            time.sleep(1)
        assert max(samples) >= 1000, f"the burst did not show as lag: {samples}"

        # The command reports the same, with exit status 0 under a threshold.
        path = tmp_path / "props.json"
        path.write_text(json.dumps(to_property_groups(cfg)))
        args = ["lag", "--properties", str(path), "--max-lag", "0"]
        for topic in inputs:
            args += ["--topic", topic]
        result = CliRunner().invoke(main, args, env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.output
        assert re.search(r"│ total\s+│.*│\s+0 │", result.output), result.output
        print(f"lag samples (1 s apart): {samples}")
    finally:
        try:
            os.killpg(job.pid, signal.SIGTERM)
            job.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(job.pid, signal.SIGKILL)
            job.wait(timeout=30)
