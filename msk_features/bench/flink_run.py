"""Run a pipeline locally as a measured process: wall time, CPU seconds, peak JVM memory, checkpoint size.

The job runs as ``python main.py`` (as Managed Flink runs it) with its own output topics, so runs do not
see each other's records. Checkpoints go to a folder of the run (``execution.checkpointing.dir``) so
their size can be read while the job runs: :class:`CheckpointSizes` polls the completed ``chk-*``
folders and keeps the largest (the heap state backend writes full snapshots, so a checkpoint's size is
the state's size at that moment).
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from flink_jobs.config import AppConfig, ScoringConfig, TopicsConfig, to_property_groups
from flink_jobs.pipelines import get_pipeline, output_topics
from flink_jobs.runtime.environment import ENV_FLINK_OPTIONS
from flink_jobs.runtime.job import NET_RUNTIME_PREFIX
from msk_features.bench.procstats import TreeSampler
from msk_features.dev.stack.control import Endpoints
from msk_features.dev.stack.properties import local_app_config
from msk_features.kafka.topic_setup import ensure_topics
from msk_features.runner import REPO_ROOT, JobFailed, flink_log_dir

__all__ = [
    "CheckpointSizes",
    "FlinkJob",
    "FlinkRunResult",
    "RunSettings",
    "job_config",
    "run_bounded",
    "slug",
]

Guarantee = Literal["exactly-once", "at-least-once"]


@dataclass(frozen=True)
class RunSettings:
    """What varies between runs: the pipeline, the sink guarantee, checkpoints, Parquet and Flink options.

    ``pipeline`` is one of :mod:`msk_features.bench.workload`'s (the subset is found while
    :func:`~msk_features.bench.workload.bench_pipelines` is in effect)."""

    pipeline: str
    guarantee: Guarantee = "exactly-once"
    checkpoint_ms: int = 10_000  # PipelineConfig's default (what `msk-features run` uses)
    offline: bool = True
    watermark_delay_s: int = 30
    idle_timeout_s: int = 60
    flink_options: dict[str, str] = field(default_factory=dict)
    # Environment variables for the job process, over this process's, e.g. JVM_ARGS. Without
    # JVM_ARGS the JVM keeps its own defaults (full tiered JIT, as on Managed Flink), not the
    # C1-only default of short local runs (msk_features.runner.QUICK_JIT_JVM_ARGS).
    env: dict[str, str] = field(default_factory=dict)
    # The checkout whose main.py runs (None: this one), to compare two commits side by side.
    app_root: Path | None = None
    # The scoring property group (None: no scoring runs), see msk_features.bench.scoring_stage.
    scoring: ScoringConfig | None = None


@dataclass
class FlinkRunResult:
    """A finished run: what it read, how long it took, what it cost."""

    label: str
    settings: RunSettings
    wall_s: float
    cpu_s: float
    peak_rss_java: int
    max_checkpoint_bytes: int
    checkpoints_seen: int
    net_runtime_s: float | None = None
    """The job's own running-to-finished time (Flink's net runtime), for a run that ended by itself."""

    def to_dict(self) -> dict[str, object]:
        data = dataclasses.asdict(self)
        data["settings"] = dataclasses.asdict(self.settings)
        return data


def slug(label: str) -> str:
    """``label`` as a topic-name-safe word (Kafka allows ASCII letters, digits, ``.``, ``_``, ``-``)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", label).strip("-").lower()


def job_config(endpoints: Endpoints, inputs: TopicsConfig, settings: RunSettings, run_id: str) -> AppConfig:
    """A config reading ``inputs``, writing to topics and a Parquet prefix of its own (``run_id``)."""
    spec = get_pipeline(settings.pipeline)
    outputs = replace(
        inputs,
        # The preloaded inputs are the full pipeline's; a subset pipeline reads some of them.
        sources={name: topic for name, topic in inputs.sources.items() if name in spec.source_names()},
        dead_letter=f"{run_id}-dead-letter",
        late_events=f"{run_id}-late-events",
        feature_topics={
            **{name: f"{run_id}-features-{name}" for name in spec.feature_set_names()},
            **{name: f"{run_id}-scores-{name}" for name in spec.scoring_names()},
        },
    )
    ensure_topics(endpoints.kafka_plaintext_bootstrap, output_topics(outputs, settings.pipeline))
    cfg = local_app_config(
        endpoints,
        topics=outputs,
        prefix=f"bench/{run_id}",
        transactional_id_prefix=run_id,
        consumer_group=run_id,
    )
    return replace(
        cfg,
        scoring=settings.scoring or cfg.scoring,
        sink=replace(cfg.sink, delivery_guarantee=settings.guarantee),
        offline=cfg.offline if settings.offline else None,
        pipeline=replace(
            cfg.pipeline,
            name=settings.pipeline,
            checkpoint_interval_ms=settings.checkpoint_ms,
            watermark_delay_s=settings.watermark_delay_s,
            idle_timeout_s=settings.idle_timeout_s,
        ),
    )


class CheckpointSizes:
    """Polls ``directory`` (a job's checkpoint folder) for completed ``chk-*`` folders and their sizes."""

    # 50 ms: a short bounded job may complete only its final checkpoint, which Flink deletes when the
    # job finishes, a few hundred ms later; at 0.5 s the poll missed it in 2 of 5 smoke runs (size 0).
    # The poll is a glob of one small folder, in the harness (not the measured process tree).
    def __init__(self, directory: Path, interval_s: float = 0.05) -> None:
        self.directory = directory
        self.interval_s = interval_s
        self.max_bytes = 0
        self.seen: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="checkpoint-sizes", daemon=True)

    def start(self) -> CheckpointSizes:
        self._thread.start()
        return self

    def poll(self) -> None:
        for metadata in self.directory.glob("*/chk-*/_metadata"):
            folder = metadata.parent
            try:
                size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
            except FileNotFoundError:  # subsumed and deleted while we looked
                continue
            self.seen.add(str(folder))
            self.max_bytes = max(self.max_bytes, size)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.poll()
            self._stop.wait(self.interval_s)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self.poll()


class FlinkJob:
    """A job process started from ``cfg``, measured until it ends or is stopped."""

    def __init__(
        self,
        cfg: AppConfig,
        settings: RunSettings,
        workdir: Path,
        label: str,
        argv: Sequence[str] | None = None,
    ) -> None:
        """Start the job: ``python main.py`` (the product's entry point), or ``argv`` when given (a
        benchmark's own job script, e.g. :mod:`msk_features.bench.decode_job`), with the same
        properties file, Flink options, working directory and measurement."""
        self.cfg, self.settings, self.label = cfg, settings, label
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.properties = workdir / "application_properties.json"
        self.properties.write_text(json.dumps(to_property_groups(cfg), indent=2), encoding="utf-8")
        self.checkpoints = workdir / "checkpoints"
        options = {"execution.checkpointing.dir": self.checkpoints.as_uri(), **settings.flink_options}
        env = dict(os.environ)
        env["MSK_FEATURES_PROPERTIES"] = str(self.properties)
        env[ENV_FLINK_OPTIONS] = json.dumps(options)
        env.update(settings.env)
        self.stdout = (workdir / "stdout.txt").open("w")
        self.stderr = (workdir / "stderr.txt").open("w")
        self.started = time.monotonic()
        self.started_wall = time.time()
        root = settings.app_root or REPO_ROOT
        self.process = subprocess.Popen(
            list(argv) if argv is not None else [sys.executable, str(root / "main.py")],
            cwd=root,
            env=env,
            stdout=self.stdout,
            stderr=self.stderr,
            start_new_session=True,
        )
        self.sampler = TreeSampler(self.process.pid).start()
        self.sizes = CheckpointSizes(self.checkpoints).start()

    def wait(self, timeout_s: float) -> FlinkRunResult:
        """Wait for the job to end by itself (a bounded run); :class:`JobFailed` if it fails."""
        try:
            returncode = self.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.stop()
            raise JobFailed(f"{self.label}: the job did not finish within {timeout_s:.0f} s") from None
        result = self._finish()
        if returncode != 0:
            raise JobFailed(f"{self.label}: the job exited with code {returncode}\n{self.failure_details()}")
        return result

    def stop(self) -> FlinkRunResult:
        """Stop an unbounded job: SIGTERM to its process group, SIGKILL after 20 s."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        return self._finish()

    def running(self) -> bool:
        return self.process.poll() is None

    def failure_details(self) -> str:
        stderr = (self.workdir / "stderr.txt").read_text(errors="replace").splitlines()[-30:]
        logs = [p for p in flink_log_dir().glob("*.log") if p.stat().st_mtime >= self.started_wall]
        tail: list[str] = []
        if logs:
            text = max(logs, key=lambda p: p.stat().st_mtime).read_text(errors="replace").splitlines()
            tail = [line for line in text if "ERROR" in line or "Caused by" in line][-20:]
        return "\n".join(["--- stderr ---", *stderr, "--- Flink log ---", *tail])

    def _finish(self) -> FlinkRunResult:
        wall = time.monotonic() - self.started
        stats = self.sampler.stop()
        self.sizes.stop()
        self.stdout.close()
        self.stderr.close()
        net_runtime_s = None
        for line in (self.workdir / "stdout.txt").read_text(errors="replace").splitlines():
            if line.startswith(NET_RUNTIME_PREFIX):
                net_runtime_s = int(line.removeprefix(NET_RUNTIME_PREFIX).split()[0]) / 1000
        return FlinkRunResult(
            label=self.label,
            settings=self.settings,
            wall_s=wall,
            cpu_s=stats.cpu_s,
            peak_rss_java=stats.peak_rss("java"),
            max_checkpoint_bytes=self.sizes.max_bytes,
            checkpoints_seen=len(self.sizes.seen),
            net_runtime_s=net_runtime_s,
        )


def run_bounded(
    endpoints: Endpoints,
    inputs: TopicsConfig,
    settings: RunSettings,
    workdir: Path,
    label: str,
    timeout_s: float = 1800.0,
) -> tuple[FlinkRunResult, AppConfig]:
    """Run ``settings.pipeline`` over what ``inputs`` hold now, from the earliest offsets, to the end."""
    run_id = f"bench-{slug(label)}-{uuid.uuid4().hex[:6]}"
    cfg = job_config(endpoints, inputs, settings, run_id)
    job = FlinkJob(cfg, settings, workdir / run_id, label)
    return job.wait(timeout_s), cfg
