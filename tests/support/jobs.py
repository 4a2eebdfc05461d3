"""Run the pipeline unbounded in its own process and do to it what failures and operators do.

- :func:`start_job` starts ``python main.py`` (a local PyFlink job: the Python process launches a
  gateway JVM child that runs the mini-cluster) with local Flink options: file checkpoints retained
  on cancellation, a fixed REST port, optionally a restore path and a restart strategy.
- :meth:`JobProcess.kill_hard` SIGKILLs the gateway JVM(s) and the Python process by pid: nothing
  is flushed, no transaction is committed or aborted, as when a TaskManager host dies.
- :meth:`JobProcess.stop_with_savepoint` asks the mini-cluster's REST API to stop the job with a
  savepoint (``POST /jobs/<id>/stop``), as Managed Flink does when it stops an application with a
  snapshot; ``drain=True`` first advances the watermark to the end of time, so every window fires.
- :func:`latest_checkpoint` finds the newest *completed* checkpoint (``chk-N`` with ``_metadata``).
- :class:`Feeder` keeps sending planned records in the background until told to stop; the records
  it sent carry the partition and offset Kafka gave them, for the reference.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from confluent_kafka import IsolationLevel, TopicPartition
from confluent_kafka.admin import AdminClient, OffsetSpec

from flink_jobs.config import ENV_PROPERTIES, AppConfig, to_property_groups
from flink_jobs.pipelines import input_topics
from flink_jobs.runtime.environment import ENV_FLINK_OPTIONS
from msk_features.dev.generator.plan import GenerateSpec, PlannedRecord, build_plan
from msk_features.dev.generator.send import send
from msk_features.dev.stack.control import Endpoints
from msk_features.dev.stack.ports import free_ports
from msk_features.kafka.auth import librdkafka_config
from msk_features.kafka.topic_setup import ensure_topics
from msk_features.operations.lag import consumer_lag
from msk_features.runner import REPO_ROOT
from tests.support.pipeline_run import job_config, unique_topics

__all__ = [
    "Feeder",
    "JobProcess",
    "PreparedRun",
    "can_list_children",
    "completed_checkpoints",
    "descendants",
    "input_topics",
    "latest_checkpoint",
    "open_transaction_records",
    "prepare_run",
    "start_job",
    "wait_caught_up",
    "wait_for",
    "write_properties",
]


def can_list_children() -> bool:
    """True where a process's children can be listed (Linux ``/proc/<pid>/task/<tid>/children``)."""
    return Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").exists()


def _children(pid: int) -> list[int]:
    """Direct children of ``pid`` (from ``/proc/<pid>/task/*/children``)."""
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
    return out


def descendants(pid: int) -> list[int]:
    """Every process below ``pid``, children first (so they can be killed before their parent)."""
    found: list[int] = []
    for child in _children(pid):
        found += [child, *descendants(child)]
    return found


@dataclass
class JobProcess:
    """A running ``main.py`` process, its REST port and where its checkpoints go."""

    popen: subprocess.Popen[bytes]
    rest_port: int
    checkpoint_dir: Path
    log_file: Path
    started: float = field(default_factory=time.monotonic)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def output_tail(self, lines: int = 40) -> str:
        """The end of the job's stdout/stderr, for failure messages."""
        try:
            text = self.log_file.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return "(no output)"
        return "\n".join(text.splitlines()[-lines:])

    # -- REST --------------------------------------------------------------------------------------

    def rest(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """One call to the mini-cluster's REST API; the decoded JSON answer."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.rest_port}{path}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read() or b"null")

    def running_job_id(self, timeout_s: float = 420.0) -> str:
        """The id of the job once the REST API lists it as RUNNING (the process may still be starting)."""
        deadline = time.monotonic() + timeout_s
        while True:
            if not self.alive():
                raise AssertionError(
                    f"the job process exited ({self.popen.returncode}):\n{self.output_tail()}"
                )
            try:
                jobs = self.rest("GET", "/jobs/overview")["jobs"]
                running = [j["jid"] for j in jobs if j["state"] == "RUNNING"]
                if running:
                    return running[0]
            except OSError:
                pass  # the REST endpoint is not up yet
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"the job was not RUNNING within {timeout_s:.0f} s:\n{self.output_tail()}"
                )
            time.sleep(1)

    def late_records_dropped(self) -> dict[str, int]:
        """Flink's ``numLateRecordsDropped`` of every operator that has one (windows, OVER), summed
        over its subtasks: rows an operator dropped as behind its watermark (what the Managed Flink
        alarm ``late-records-dropped`` watches). Keyed by the REST API's metric id."""
        job_id = self.running_job_id()
        dropped: dict[str, int] = {}
        for vertex in self.rest("GET", f"/jobs/{job_id}")["vertices"]:
            path = f"/jobs/{job_id}/vertices/{vertex['id']}/subtasks/metrics"
            ids = [m["id"] for m in self.rest("GET", path) if m["id"].endswith(".numLateRecordsDropped")]
            if ids:
                query = urllib.parse.quote(",".join(ids), safe=",")
                for metric in self.rest("GET", f"{path}?get={query}"):
                    dropped[metric["id"]] = int(metric["sum"])
        return dropped

    def wait_all_tasks_running(self, timeout_s: float = 420.0) -> str:
        """The job id once every task of the job runs (RUNNING comes earlier, with tasks still
        initializing, e.g. restoring state); input sent before then only piles up."""
        job_id = self.running_job_id(timeout_s)
        deadline = time.monotonic() + timeout_s
        while True:
            jobs = {j["jid"]: j for j in self.rest("GET", "/jobs/overview")["jobs"]}
            tasks = jobs[job_id]["tasks"]
            if tasks["running"] == tasks["total"]:
                return job_id
            if not self.alive() or time.monotonic() > deadline:
                raise AssertionError(
                    f"not all tasks ran within {timeout_s:.0f} s: {tasks}\n{self.output_tail()}"
                )
            time.sleep(1)

    def stop_with_savepoint(self, target: Path, *, drain: bool, timeout_s: float = 240.0) -> Path:
        """``POST /jobs/<id>/stop``; waits for the savepoint and the process to end; the savepoint path."""
        job_id = self.running_job_id()
        trigger = self.rest(
            "POST", f"/jobs/{job_id}/stop", {"drain": drain, "targetDirectory": target.as_uri()}
        )["request-id"]
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                status = self.rest("GET", f"/jobs/{job_id}/savepoints/{trigger}")
            except OSError:
                time.sleep(2)
                if self.alive() and time.monotonic() < deadline:
                    continue  # a slow or refused answer under load: ask again
                # The job ended with its savepoint and the process took its mini-cluster (and the
                # REST API) down before the status was read: the savepoint folder tells.
                return self._finished_savepoint(target)
            if status["status"]["id"] == "COMPLETED":
                operation = status["operation"]
                if "failure-cause" in operation:
                    raise AssertionError(f"stop with savepoint failed: {operation['failure-cause']}")
                location = operation["location"]
                break
            if time.monotonic() > deadline:
                raise AssertionError(f"the savepoint did not complete within {timeout_s:.0f} s")
            time.sleep(1)
        try:
            self.popen.wait(timeout=120)
        except subprocess.TimeoutExpired:
            raise AssertionError(
                f"the job process did not exit after the savepoint:\n{self.output_tail()}"
            ) from None
        return Path(location.removeprefix("file:"))

    def _finished_savepoint(self, target: Path) -> Path:
        """The savepoint in ``target`` once the process has exited cleanly after stopping."""
        try:
            self.popen.wait(timeout=120)
        except subprocess.TimeoutExpired:
            raise AssertionError(
                f"the REST API is gone but the job still runs:\n{self.output_tail()}"
            ) from None
        done = [p.parent for p in target.glob("savepoint-*/_metadata")]
        if self.popen.returncode != 0 or len(done) != 1:
            raise AssertionError(
                f"the job exited ({self.popen.returncode}) with savepoints {done} in {target}:\n"
                f"{self.output_tail()}"
            )
        return done[0]

    # -- signals -----------------------------------------------------------------------------------

    def kill_hard(self) -> list[int]:
        """SIGKILL the gateway JVM (and anything else below the Python process), then the Python
        process itself, each by pid; returns the pids killed."""
        victims = [*descendants(self.pid), self.pid]
        for pid in victims:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                continue
        self.popen.wait(timeout=30)
        return victims

    def ensure_stopped(self) -> None:
        """Stop whatever of this job still runs (its process group, by the Python process's pid)."""
        if self.alive():
            try:
                os.killpg(self.pid, signal.SIGTERM)
                self.popen.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.pid, signal.SIGKILL)
                self.popen.wait(timeout=30)
            except ProcessLookupError:
                pass
        for pid in descendants(self.pid):  # pragma: no cover - only if a child outlived its parent
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                continue


def start_job(
    properties: Path,
    checkpoint_dir: Path,
    log_file: Path,
    restore_from: Path | None = None,
    flink_options: dict[str, str] | None = None,
    extra_env: dict[str, str] | None = None,
) -> JobProcess:
    """Start ``main.py`` with ``properties`` (unbounded or bounded, as they say) in its own session.

    Checkpoints go to ``checkpoint_dir`` and are retained when the job is cancelled or killed;
    ``restore_from`` (a ``chk-N`` or savepoint folder) sets ``execution.state-recovery.path``;
    ``flink_options`` add or override Flink options (e.g. a restart strategy); ``extra_env`` adds
    environment variables (e.g. ``JVM_ARGS`` for the gateway JVM).
    """
    (rest_port,) = free_ports(1)
    options = {
        "execution.checkpointing.dir": checkpoint_dir.as_uri(),
        "execution.checkpointing.externalized-checkpoint-retention": "RETAIN_ON_CANCELLATION",
        "execution.checkpointing.num-retained": "3",
        "rest.bind-address": "127.0.0.1",
        "rest.address": "127.0.0.1",
        "rest.bind-port": str(rest_port),
        "rest.port": str(rest_port),
    }
    if restore_from is not None:
        options["execution.state-recovery.path"] = restore_from.as_uri()
    options.update(flink_options or {})
    env = dict(os.environ, **{ENV_PROPERTIES: str(properties), ENV_FLINK_OPTIONS: json.dumps(options)})
    env.update(extra_env or {})
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with open(log_file, "ab") as out:
        popen = subprocess.Popen(  # stopped by the caller: kill_hard, stop_with_savepoint, ensure_stopped
            [sys.executable, str(REPO_ROOT / "main.py")],
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return JobProcess(popen, rest_port, checkpoint_dir, log_file)


def completed_checkpoints(checkpoint_dir: Path) -> list[Path]:
    """``chk-N`` folders with their ``_metadata`` written (completed), oldest first, any job id."""
    found = [p.parent for p in checkpoint_dir.glob("*/chk-*/_metadata")]
    return sorted(found, key=lambda p: (p.stat().st_mtime, int(re.sub(r"\D", "", p.name))))


def latest_checkpoint(checkpoint_dir: Path) -> Path | None:
    """The newest completed checkpoint under ``checkpoint_dir``, or None."""
    done = completed_checkpoints(checkpoint_dir)
    return done[-1] if done else None


def open_transaction_records(cfg: AppConfig, topics: Sequence[str]) -> int:
    """Records (plus markers) on ``topics`` that a read_committed reader cannot see yet: the sum over
    partitions of end offset minus last stable offset, i.e. what open transactions hold."""
    admin = AdminClient(librdkafka_config(cfg.kafka))
    partitions = []
    for topic, meta in admin.list_topics(timeout=10).topics.items():
        if topic in topics:
            partitions += [TopicPartition(topic, p) for p in meta.partitions]

    def ends(isolation: IsolationLevel) -> dict[tuple[str, int], int]:
        futures = admin.list_offsets(
            {tp: OffsetSpec.latest() for tp in partitions}, isolation_level=isolation, request_timeout=10
        )
        return {(tp.topic, tp.partition): f.result().offset for tp, f in futures.items()}

    stable, end = ends(IsolationLevel.READ_COMMITTED), ends(IsolationLevel.READ_UNCOMMITTED)
    return sum(end[key] - stable[key] for key in end)


def input_topic_names(cfg: AppConfig) -> list[str]:
    return list(cfg.topics.sources.values())


def wait_caught_up(cfg: AppConfig, job: JobProcess, timeout_s: float = 300.0) -> None:
    """Wait until the job's consumer group has committed the end offset of every input partition.

    Offsets are committed on checkpoints, so the job has then read (and checkpointed) all input.
    """
    client = librdkafka_config(cfg.kafka)
    deadline = time.monotonic() + timeout_s
    while True:
        if not job.alive():
            raise AssertionError(f"the job stopped ({job.popen.returncode}):\n{job.output_tail()}")
        try:
            rows = consumer_lag(client, cfg.kafka.consumer_group, input_topic_names(cfg), timeout_s=10)
            if rows and all(row.lag == 0 for row in rows):
                return
        except Exception:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"the job did not catch up within {timeout_s:.0f} s:\n{job.output_tail()}")
        time.sleep(2)


class Feeder(threading.Thread):
    """Sends ``records`` (topics already set) in chunks at about ``rate`` records/s until done or
    :meth:`stop`; :attr:`sent` holds the delivered records with their partition and offset."""

    def __init__(
        self, records: Sequence[PlannedRecord], producer_conf: dict[str, Any], rate: float, chunk: int = 50
    ):
        super().__init__(name="feeder", daemon=True)
        self.records = list(records)
        self.producer_conf = producer_conf
        self.rate = rate
        self.chunk = chunk
        self.sent: list[PlannedRecord] = []
        self.error: BaseException | None = None
        self._stop_event = threading.Event()

    def run(self) -> None:
        try:
            for start in range(0, len(self.records), self.chunk):
                if self._stop_event.is_set():
                    return
                batch = self.records[start : start + self.chunk]
                send(batch, self.producer_conf, rate=self.rate, progress=False)
                self.sent += batch
        except BaseException as exc:
            self.error = exc

    def stop(self) -> None:
        """Send no further chunk (the one in flight completes)."""
        self._stop_event.set()

    def finish(self, timeout_s: float = 600.0) -> list[PlannedRecord]:
        """Wait for the thread; re-raise its error; the records sent."""
        self.join(timeout_s)
        assert not self.is_alive(), "the feeder did not finish"
        if self.error is not None:
            raise self.error
        return self.sent


@dataclass(frozen=True)
class PreparedRun:
    """Input topics created (nothing sent yet), the records to send (topics set), the job's config."""

    cfg: AppConfig
    properties: Path
    records: list[PlannedRecord]


def write_properties(cfg: AppConfig, path: Path) -> Path:
    """Write ``cfg`` as a local ``application_properties.json`` at ``path``."""
    path.write_text(json.dumps(to_property_groups(cfg), indent=2), encoding="utf-8")
    return path


def prepare_run(
    endpoints: Endpoints,
    spec: GenerateSpec,
    prefix: str,
    tmp: Path,
    checkpoint_interval_ms: int = 1000,
    transaction_timeout_ms: int = 120_000,
) -> PreparedRun:
    """Create ``prefix``-ed input and output topics and an *unbounded* config with short checkpoints.

    The exactly-once sinks' transaction timeout is ``transaction_timeout_ms``: longer than a
    checkpoint plus a restart, far below the broker's maximum (15 min).
    """
    topics = unique_topics(prefix)
    ensure_topics(endpoints.kafka_plaintext_bootstrap, input_topics(topics, "fraud"))
    names = dict(topics.sources)
    records = [replace(r, topic=names[r.stream]) for r in build_plan(spec)]
    cfg, _ = job_config(
        endpoints, topics, f"{prefix}out-", tmp, checkpoint_interval_ms=checkpoint_interval_ms
    )
    cfg = replace(
        cfg,
        kafka=replace(cfg.kafka, bounded=False),
        sink=replace(cfg.sink, transaction_timeout_ms=transaction_timeout_ms),
    )
    return PreparedRun(cfg, write_properties(cfg, tmp / "unbounded.json"), records)


def wait_for(condition: Callable[[], bool], job: JobProcess, timeout_s: float, what: str) -> None:
    """Poll ``condition`` every second while ``job`` runs; fail naming ``what`` on timeout or exit."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if not job.alive():
            raise AssertionError(
                f"the job stopped ({job.popen.returncode}) before {what}:\n{job.output_tail()}"
            )
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} within {timeout_s:.0f} s:\n{job.output_tail()}")
        time.sleep(1)


def wait_for_unchecked_output(
    cfg: AppConfig, job: JobProcess, topics: Sequence[str], checkpoint_dir: Path, timeout_s: float = 420.0
) -> int:
    """Wait until ``topics`` hold records in open transactions written *after* the latest completed
    checkpoint (so the restored job must abort them), and return how many records are open.

    Records in open transactions right after a checkpoint completes can all belong to that
    checkpoint: the sink commits them on notification, or on restore if the job dies first, so a
    kill then leaves nothing to abort and a negative control that reads uncommitted sees nothing.
    This waits for a checkpoint to complete, lets 0.4 s of output into the next transaction, and
    returns while no further checkpoint has completed and records are open.
    """

    def newest() -> int:  # the number of the newest completed chk-N (only the last few are kept)
        done = completed_checkpoints(checkpoint_dir)
        return int(done[-1].name.split("-")[-1]) if done else 0

    deadline = time.monotonic() + timeout_s
    while True:
        if not job.alive():
            raise AssertionError(f"the job stopped ({job.popen.returncode}):\n{job.output_tail()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"no open output after a checkpoint within {timeout_s:.0f} s")
        seen = newest()
        while newest() == seen and time.monotonic() < deadline:
            time.sleep(0.05)
        completed = newest()
        time.sleep(0.4)
        open_records = open_transaction_records(cfg, topics)
        if seen >= 1 and open_records > 0 and newest() == completed:
            return open_records
