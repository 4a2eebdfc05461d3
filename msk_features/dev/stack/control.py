"""The local stack: start, reuse, inspect and stop the Kafka broker, the S3 server and the model
endpoint of a state dir.

State dir layout (default ``<cwd>/.local-stack``, git-ignored; ``$MSK_FEATURES_STACK_DIR`` moves it)::

    endpoints.json            how to reach everything (mode 0600: it holds the SCRAM password)
    application_properties.json   runtime properties for a local job run (msk_features.dev.stack.properties)
    certs/                    CA and broker certificate (PEM)
    kafka/                    server.properties, log4j.properties, scram-user.json (0600)
    data/kafka/               the broker's log.dirs (topics, offsets, KRaft metadata, SCRAM users)
    logs/                     kafka-server.log, kafka.out, s3.log, model-endpoint.log
    pids/                     kafka.pid, s3.pid, model.pid (the model endpoint, when models are served)

:meth:`LocalStack.up` is idempotent: processes named by the pid files are reused when they are alive,
were started for this state dir (their ``/proc/<pid>/cmdline`` and environment carry its path) and
answer; stale pid files are removed. :meth:`LocalStack.down` signals exactly those processes, by id.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import functools
import json
import logging
import os
import re
import secrets
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from flink_jobs.config import KafkaConfig
from flink_jobs.pipelines import pipeline_names, topics_of
from flink_jobs.topics import TopicSpec
from msk_features.dev.model_endpoint.process import ModelEndpointProcess, endpoint_healthy, model_specs
from msk_features.dev.stack import LocalStackError
from msk_features.dev.stack.kafka_broker import (
    KAFKA_VERSION,
    BrokerPorts,
    KafkaBroker,
    PortInUseError,
    ScramUser,
    broker_healthy,
    load_distribution,
)
from msk_features.dev.stack.ports import LOOPBACK, free_ports, is_port_free
from msk_features.dev.stack.s3_server import (
    ACCESS_KEY,
    DEFAULT_BUCKET,
    REGION,
    SECRET_KEY,
    S3Server,
    S3StartError,
    ensure_buckets,
    s3_client,
    s3_healthy,
)
from msk_features.dev.stack.tls import ensure_tls_material
from msk_features.kafka.preflight import KafkaConnectionError, check_connection
from msk_features.kafka.topic_setup import TopicError, TopicResult, ensure_topics

__all__ = [
    "DEFAULT_STATE_DIR_NAME",
    "ENV_STATE_DIR",
    "Endpoints",
    "LocalStack",
    "default_state_dir",
    "pid_alive",
    "read_cmdline",
    "read_environ",
    "terminate",
]

log = logging.getLogger(__name__)

ENV_STATE_DIR = "MSK_FEATURES_STACK_DIR"
DEFAULT_STATE_DIR_NAME = ".local-stack"
SCRAM_USERNAME = "msk-features-app"
STOP_GRACE_S = 20.0
PORT_ATTEMPTS = 3

ProgressFn = Callable[[str], None]
Component = Literal["kafka", "s3", "model"]
COMPONENTS: tuple[Component, ...] = ("kafka", "s3", "model")


def default_state_dir() -> Path:
    """``$MSK_FEATURES_STACK_DIR`` if set, else ``.local-stack`` in the current directory (repo root)."""
    if os.environ.get(ENV_STATE_DIR):
        return Path(os.environ[ENV_STATE_DIR]).expanduser().resolve()
    return (Path.cwd() / DEFAULT_STATE_DIR_NAME).resolve()


# --------------------------------------------------------------------------------------------------
# Endpoints
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoints:
    """How to reach the running stack; saved as ``<state dir>/endpoints.json`` (mode 0600).

    ``kafka_plaintext_bootstrap`` is the PLAINTEXT listener (as MSK's 9092),
    ``kafka_scram_bootstrap`` the SASL_SSL listener with SCRAM-SHA-512 (as MSK's 9096) whose broker
    certificate is signed by the CA in ``ca_file``. The S3 API server takes any key; ``s3_access_key``
    and ``s3_secret_key`` are what the local tools use.

    ``model_endpoint_url`` is the local SageMaker-runtime endpoint (``http://127.0.0.1:PORT``, the
    SDK's endpoint override; empty when no model is served), ``models`` its ``NAME=PATH`` pairs (one
    SageMaker endpoint name per model artifact) and ``model_pid`` its process (0 when none). It
    takes any credentials with region ``s3_region`` or any other.
    """

    state_dir: str
    kafka_version: str
    kafka_plaintext_bootstrap: str
    kafka_scram_bootstrap: str
    kafka_controller_port: int
    scram_username: str
    scram_password: str
    ca_file: str
    s3_endpoint_url: str
    s3_access_key: str
    s3_secret_key: str
    s3_region: str
    buckets: tuple[str, ...]
    topics: tuple[str, ...]
    kafka_pid: int
    s3_pid: int
    model_endpoint_url: str = ""
    models: tuple[str, ...] = ()
    model_pid: int = 0

    def to_json(self) -> str:
        """The endpoints as an indented JSON object (tuples become lists)."""
        return json.dumps(dataclasses.asdict(self), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Endpoints:
        """Parse :meth:`to_json` output; unknown keys are ignored, missing ones raise ``ValueError``."""
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("endpoints JSON must be an object")
        names = {f.name for f in dataclasses.fields(cls)}
        values = {key: value for key, value in data.items() if key in names}
        for key in ("buckets", "topics", "models"):
            if key in values:
                values[key] = tuple(values[key])
        try:
            return cls(**values)
        except TypeError as exc:
            raise ValueError(f"endpoints JSON is incomplete: {exc}") from exc

    @property
    def plaintext_port(self) -> int:
        """Port of the PLAINTEXT listener."""
        return int(self.kafka_plaintext_bootstrap.rsplit(":", 1)[1])

    @property
    def scram_port(self) -> int:
        """Port of the SASL_SSL (SCRAM-SHA-512) listener."""
        return int(self.kafka_scram_bootstrap.rsplit(":", 1)[1])

    @property
    def s3_port(self) -> int:
        """Port of the S3 API server."""
        return int(self.s3_endpoint_url.rsplit(":", 1)[1].rstrip("/"))

    @property
    def model_port(self) -> int | None:
        """Port of the model endpoint, None when none is recorded."""
        if not self.model_endpoint_url:
            return None
        return int(self.model_endpoint_url.rsplit(":", 1)[1].rstrip("/"))

    def model_names(self) -> list[str]:
        """The SageMaker endpoint names the model endpoint serves."""
        return [spec.partition("=")[0] for spec in self.models]

    def kafka_config(
        self, auth: Literal["plaintext", "scram"] = "plaintext", **overrides: Any
    ) -> KafkaConfig:
        """A :class:`~flink_jobs.config.KafkaConfig` for the local broker.

        ``plaintext``: the PLAINTEXT listener. ``scram``: the SASL_SSL listener with the SCRAM user
        and the CA PEM as truststore (``truststore_type='PEM'``). ``overrides`` set other fields
        (e.g. ``consumer_group``).
        """
        if auth == "plaintext":
            return KafkaConfig(
                bootstrap_servers=self.kafka_plaintext_bootstrap, auth="plaintext", **overrides
            )
        if auth == "scram":
            return KafkaConfig(
                bootstrap_servers=self.kafka_scram_bootstrap,
                auth="scram",
                scram_username=self.scram_username,
                scram_password=self.scram_password,
                truststore_location=self.ca_file,
                truststore_type="PEM",
                **overrides,
            )
        raise ValueError(f"the local stack offers auth 'plaintext' or 'scram', not {auth!r}")

    def s3_client(self) -> Any:
        """A boto3 S3 client for the local S3 API server."""
        return s3_client(self.s3_endpoint_url, self.s3_access_key, self.s3_secret_key)


# --------------------------------------------------------------------------------------------------
# Processes
# --------------------------------------------------------------------------------------------------


def read_cmdline(pid: int) -> list[str] | None:
    """The argv of ``pid`` (``/proc/<pid>/cmdline``, else ``ps``); None if there is no such process."""
    proc = Path(f"/proc/{pid}/cmdline")
    if Path("/proc/self").exists():
        try:
            raw = proc.read_bytes()
        except (FileNotFoundError, ProcessLookupError):
            return None
        except PermissionError:
            return []
        return [part.decode("utf-8", "replace") for part in raw.split(b"\0") if part]
    result = subprocess.run(
        ["ps", "-ww", "-o", "command=", "-p", str(pid)], capture_output=True, text=True, check=False
    )
    return result.stdout.split() if result.returncode == 0 and result.stdout.strip() else None


def read_environ(pid: int) -> dict[str, str] | None:
    """The environment of ``pid`` from ``/proc/<pid>/environ``; None where it cannot be read."""
    try:
        raw = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return None
    env: dict[str, str] = {}
    for entry in raw.split(b"\0"):
        key, sep, value = entry.decode("utf-8", "replace").partition("=")
        if sep:
            env[key] = value
    return env


def pid_alive(pid: int) -> bool:
    """True if ``pid`` exists and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError, IndexError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        if stat.rsplit(")", 1)[1].split()[0] in ("Z", "X"):
            return False
    return True


def reap(pid: int) -> None:
    """Collect ``pid``'s exit status if it is a child of this process (so it leaves no zombie)."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def _read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _alive_check(pid: int) -> Callable[[], bool]:
    """A check that ``pid`` still runs (reaping it first if it is our exited child)."""

    def alive() -> bool:
        reap(pid)
        return pid_alive(pid)

    return alive


def terminate(pid: int, still_ours: Callable[[], bool], grace_s: float = STOP_GRACE_S) -> bool:
    """SIGTERM ``pid``, wait up to ``grace_s`` for it to exit, then SIGKILL it.

    ``still_ours`` is checked before each signal (a pid can be reused); nothing is sent to a process
    that is not ours. Returns True once the process is gone.
    """
    if not still_ours():
        return not pid_alive(pid)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    return _wait_gone(pid, still_ours, grace_s)


def _wait_gone(pid: int, still_ours: Callable[[], bool], grace_s: float) -> bool:
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline:
        reap(pid)
        if not pid_alive(pid):
            return True
        time.sleep(0.1)
    if pid_alive(pid) and still_ours():
        log.warning("pid %d did not stop within %.0f s; sending SIGKILL", pid, grace_s)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        for _ in range(100):
            reap(pid)
            if not pid_alive(pid):
                return True
            time.sleep(0.05)
    return not pid_alive(pid)


# --------------------------------------------------------------------------------------------------
# The stack
# --------------------------------------------------------------------------------------------------


class LocalStack:
    """The Kafka broker, S3 server and (when models are served) model endpoint of ``state_dir``.

    ``progress`` (optional) receives short human-readable step descriptions while :meth:`up` works.
    All failures a user can fix raise :class:`~msk_features.dev.stack.LocalStackError`.
    """

    def __init__(
        self,
        state_dir: Path,
        *,
        progress: ProgressFn | None = None,
        kafka_heap: str = "768m",
        startup_timeout_s: float = 90.0,
    ):
        self.state_dir = Path(state_dir).expanduser().resolve()
        self.progress = progress
        self.startup_timeout_s = startup_timeout_s
        self.broker = KafkaBroker(self.state_dir, heap=kafka_heap)
        self.s3 = S3Server(self.state_dir)
        self.model = ModelEndpointProcess(self.state_dir)
        self.endpoints_file = self.state_dir / "endpoints.json"
        self.pids_dir = self.state_dir / "pids"
        self.certs_dir = self.state_dir / "certs"
        #: What the last :meth:`up` did with each topic.
        self.topic_results: list[TopicResult] = []
        #: ``application_properties.json`` written by the last :meth:`up` (None if not written).
        self.properties_file: Path | None = None

    # -- small helpers ----------------------------------------------------------------------------

    def _say(self, message: str) -> None:
        log.info("%s", message)
        if self.progress is not None:
            self.progress(message)

    def _pid_file(self, component: Component) -> Path:
        return self.pids_dir / f"{component}.pid"

    def _read_pid(self, component: Component) -> int | None:
        try:
            text = self._pid_file(component).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        if not re.fullmatch(r"\d+", text):
            log.warning("ignoring malformed pid file %s", self._pid_file(component))
            self._pid_file(component).unlink(missing_ok=True)
            return None
        return int(text)

    def _write_pid(self, component: Component, pid: int) -> None:
        self.pids_dir.mkdir(parents=True, exist_ok=True)
        self._pid_file(component).write_text(f"{pid}\n", encoding="utf-8")

    def _owns(self, component: Component, pid: int, endpoints: Endpoints | None) -> bool:
        """True if ``pid`` is alive and is the process this state dir started for ``component``."""
        if not pid_alive(pid):
            return False
        cmdline = read_cmdline(pid)
        if not cmdline:
            return False
        if component == "kafka":
            return self.broker.owns(cmdline)
        if component == "model":
            return self.model.owns(cmdline, read_environ(pid), endpoints.model_port if endpoints else None)
        port = endpoints.s3_port if endpoints is not None else None
        return self.s3.owns(cmdline, read_environ(pid), port)

    def read_endpoints(self) -> Endpoints | None:
        """The saved ``endpoints.json``, or None if missing or unreadable."""
        try:
            return Endpoints.from_json(self.endpoints_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except ValueError as exc:
            log.warning("ignoring unreadable %s: %s", self.endpoints_file, exc)
            return None

    def _write_endpoints(self, endpoints: Endpoints) -> None:
        tmp = self.endpoints_file.with_name(self.endpoints_file.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(endpoints.to_json())
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.endpoints_file)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Serialise ``up``/``down`` on one state dir across processes (an flock on ``.lock``)."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        with open(self.state_dir / ".lock", "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    # -- up ---------------------------------------------------------------------------------------

    def _reusable(self, component: Component, previous: Endpoints | None) -> int | None:
        """The pid of a running, owned, healthy ``component`` to reuse, else None.

        Stale pid files (dead process, or a pid now used by some other program) are removed. An owned
        process that does not become healthy within the startup timeout is stopped.
        """
        pid = self._read_pid(component)
        if pid is None:
            return None
        if not self._owns(component, pid, previous):
            log.info(
                "removing stale pid file %s (pid %d is gone or not our %s)",
                self._pid_file(component),
                pid,
                component,
            )
            self._pid_file(component).unlink(missing_ok=True)
            return None
        if previous is None:
            log.warning(
                "%s (pid %d) runs but %s is missing; restarting it", component, pid, self.endpoints_file
            )
            self._stop(component, pid, previous)
            return None

        def healthy() -> bool:
            if component == "kafka":
                return broker_healthy(previous.kafka_plaintext_bootstrap, timeout_s=3.0)
            return s3_healthy(previous.s3_endpoint_url)

        deadline = time.monotonic() + self.startup_timeout_s
        while not healthy():
            if time.monotonic() > deadline or not pid_alive(pid):
                log.warning("%s (pid %d) is not healthy; restarting it", component, pid)
                self._stop(component, pid, previous)
                return None
            time.sleep(0.5)
        return pid

    def _pick_ports(
        self, previous: Endpoints | None, need_kafka: bool, need_s3: bool, fresh: bool
    ) -> tuple[BrokerPorts | None, int | None]:
        """Ports for what must start: the previous ones when still free (clients keep working)."""
        kafka_ports: BrokerPorts | None = None
        s3_port: int | None = None
        taken: set[int] = set()
        if previous is not None and not fresh:
            old = BrokerPorts(previous.plaintext_port, previous.scram_port, previous.kafka_controller_port)
            if need_kafka and all(is_port_free(p) for p in (old.plaintext, old.sasl_ssl, old.controller)):
                kafka_ports = old
                taken |= {old.plaintext, old.sasl_ssl, old.controller}
            if need_s3 and is_port_free(previous.s3_port) and previous.s3_port not in taken:
                s3_port = previous.s3_port
                taken.add(s3_port)
        pool = [port for port in free_ports(5) if port not in taken]
        if need_kafka and kafka_ports is None:
            kafka_ports = BrokerPorts(pool.pop(0), pool.pop(0), pool.pop(0))
        if need_s3 and s3_port is None:
            s3_port = pool.pop(0)
        return kafka_ports, s3_port

    def up(
        self,
        topics: list[TopicSpec] | None = None,
        buckets: list[str] | None = None,
        models: Mapping[str, Path | str] | None = None,
        pipeline: str | None = None,
    ) -> Endpoints:
        """Start (or reuse) the broker and the S3 server, create topics and buckets; return endpoints.

        ``topics`` default to those of every pipeline (``topics_of(pipeline_names())``), ``buckets`` to
        ``['msk-features-local']``. ``pipeline``: the one the written properties name
        (``pipeline.name``; default: none, so commands take a PIPELINE argument).
        Running, healthy processes of this state dir are reused (same pids); topics and buckets that
        exist are left as they are (see :attr:`topic_results`). Writes ``endpoints.json`` and, when
        :mod:`msk_features.dev.stack.properties` is available, ``application_properties.json``.

        ``models`` ({endpoint name: model.tar.gz}): also serve them on the local model endpoint, as
        :meth:`serve_models` does. Without it, a model endpoint already running is kept as it is.
        """
        specs = list(topics) if topics is not None else topics_of(pipeline_names())
        bucket_names = list(buckets) if buckets is not None else [DEFAULT_BUCKET]
        with self._locked():
            endpoints = self._up_locked(specs, bucket_names, models)
        self._write_properties(endpoints, pipeline)
        return endpoints

    def _up_locked(
        self, specs: list[TopicSpec], bucket_names: list[str], models: Mapping[str, Path | str] | None = None
    ) -> Endpoints:
        previous = self.read_endpoints()
        kafka_pid = self._reusable("kafka", previous)
        s3_pid = self._reusable("s3", previous)
        ca_before = _read_bytes(self.certs_dir / "ca.pem")
        tls = ensure_tls_material(self.certs_dir)
        if kafka_pid is not None and _read_bytes(tls.ca_cert) != ca_before:
            log.warning("the TLS certificates were re-created; restarting the broker to load them")
            self._stop("kafka", kafka_pid, previous)
            kafka_pid = None
        started: list[tuple[Component, int]] = []
        try:
            endpoints = self._start_missing(previous, kafka_pid, s3_pid, tls.ca_cert, started)
            self._say("Checking SCRAM-SHA-512 over TLS")
            try:
                check_connection(endpoints.kafka_config("scram"), timeout_s=30.0)
            except KafkaConnectionError as exc:
                raise LocalStackError(
                    f"the broker's SASL_SSL listener does not accept the stack's SCRAM user: {exc}\n"
                    f"{self.broker.log_tail()}"
                ) from exc
            self._say("Creating topics and buckets")
            try:
                self.topic_results = ensure_topics(endpoints.kafka_plaintext_bootstrap, specs)
            except TopicError as exc:
                raise LocalStackError(str(exc)) from exc
            ensure_buckets(endpoints.s3_endpoint_url, bucket_names)
        except BaseException:
            for component, pid in started:  # leave nothing half-started behind
                self._stop(component, pid, None)
            raise
        endpoints = dataclasses.replace(
            endpoints,
            topics=tuple(
                dict.fromkeys(
                    [*(previous.topics if previous and kafka_pid else ()), *(spec.name for spec in specs)]
                )
            ),
            buckets=tuple(dict.fromkeys([*(previous.buckets if previous and s3_pid else ()), *bucket_names])),
        )
        try:
            endpoints = self._model_up(previous, endpoints, models)
        except (LocalStackError, ValueError):  # ValueError: a model artifact that does not load
            self._write_endpoints(
                dataclasses.replace(endpoints, model_endpoint_url="", models=(), model_pid=0)
            )
            raise
        self._write_endpoints(endpoints)
        return endpoints

    # -- the model endpoint -----------------------------------------------------------------------

    def serve_models(self, models: Mapping[str, Path | str], extra_args: Sequence[str] = ()) -> Endpoints:
        """Serve ``models`` ({SageMaker endpoint name: model.tar.gz}) on the local model endpoint.

        The endpoint of this state dir is (re)started so that it loads the artifacts as they are now,
        on its previous port when that is free; ``extra_args`` are more options of
        :mod:`~msk_features.dev.model_endpoint.server` (latency, faults). ``endpoints.json`` records
        its URL, models and pid. Needs a stack started with :meth:`up` (its ``endpoints.json``); the
        broker and the S3 server are left as they are. An empty ``models`` stops the endpoint.
        """
        with self._locked():
            previous = self.read_endpoints()
            if previous is None:
                raise LocalStackError(f"{self.endpoints_file} is missing: start the stack with up() first")
            endpoints = self._model_up(previous, previous, models, extra_args)
            self._write_endpoints(endpoints)
        return endpoints

    def _model_up(
        self,
        previous: Endpoints | None,
        endpoints: Endpoints,
        models: Mapping[str, Path | str] | None,
        extra_args: Sequence[str] = (),
    ) -> Endpoints:
        """``endpoints`` with the model endpoint's fields: the running one's when ``models`` is None
        (cleared if it is gone), else those of an endpoint (re)started for ``models``."""
        pid = self._read_pid("model")
        owned = pid is not None and self._owns("model", pid, previous)
        if pid is not None and not owned:
            log.info("removing stale pid file %s (pid %d is not ours)", self._pid_file("model"), pid)
            self._pid_file("model").unlink(missing_ok=True)
        running = (
            owned
            and previous is not None
            and bool(previous.model_endpoint_url)
            and endpoint_healthy(previous.model_endpoint_url)
        )
        if models is None:
            if running:
                assert previous is not None and pid is not None
                return dataclasses.replace(
                    endpoints,
                    model_endpoint_url=previous.model_endpoint_url,
                    models=previous.models,
                    model_pid=pid,
                )
            if owned:
                assert pid is not None
                log.warning("the model endpoint (pid %d) does not answer; stopping it", pid)
                self._stop("model", pid, previous)
            return dataclasses.replace(endpoints, model_endpoint_url="", models=(), model_pid=0)
        if owned:
            assert pid is not None
            self._say(f"Stopping the model endpoint (pid {pid})")
            if not self._stop("model", pid, previous):
                raise LocalStackError(f"the model endpoint (pid {pid}) did not stop")
        if not models:
            return dataclasses.replace(endpoints, model_endpoint_url="", models=(), model_pid=0)
        specs = model_specs(models)
        old_port = previous.model_port if previous is not None else None
        port = old_port if old_port is not None and is_port_free(old_port) else None
        self._say(f"Starting the model endpoint for {', '.join(sorted(models))}")
        started = self.model.launch(specs, extra_args, port=port, timeout_s=self.startup_timeout_s)
        self._write_pid("model", started.pid)
        return dataclasses.replace(
            endpoints, model_endpoint_url=started.url, models=specs, model_pid=started.pid
        )

    def _start_missing(
        self,
        previous: Endpoints | None,
        kafka_pid: int | None,
        s3_pid: int | None,
        ca_file: Path,
        started: list[tuple[Component, int]],
    ) -> Endpoints:
        """Start whichever of broker and S3 server is not running; ``started`` collects new pids."""
        if kafka_pid is not None and s3_pid is not None and previous is not None:
            self._say("Reusing the running broker and S3 server")
            return dataclasses.replace(previous, kafka_pid=kafka_pid, s3_pid=s3_pid, ca_file=str(ca_file))
        if kafka_pid is None:
            self._say("Checking Java and the Kafka jars")
            self.broker.distribution = load_distribution(progress=self.progress)
        scram = self._scram_user(previous, need_kafka=kafka_pid is None)
        for attempt in range(1, PORT_ATTEMPTS + 1):
            kafka_ports, s3_port = self._pick_ports(
                previous, need_kafka=kafka_pid is None, need_s3=s3_pid is None, fresh=attempt > 1
            )
            try:
                if s3_port is not None:
                    self._say(f"Starting the S3 server on {LOOPBACK}:{s3_port}")
                    s3_new = self.s3.start(s3_port).pid
                    self._write_pid("s3", s3_new)
                    started.append(("s3", s3_new))
                if kafka_ports is not None:
                    kafka_new = self._start_broker(kafka_ports, scram)
                    started.append(("kafka", kafka_new))
                    self._say(f"Waiting for the Kafka broker on {LOOPBACK}:{kafka_ports.plaintext}")
                    self.broker.wait_ready(
                        f"{LOOPBACK}:{kafka_ports.plaintext}", _alive_check(kafka_new), self.startup_timeout_s
                    )
                if s3_port is not None:
                    self._say("Waiting for the S3 server")
                    self.s3.wait_ready(f"http://{LOOPBACK}:{s3_port}", _alive_check(s3_new))
            except (PortInUseError, S3StartError) as exc:
                for component, pid in started:
                    self._stop(component, pid, None)
                started.clear()
                port_trouble = isinstance(exc, PortInUseError) or "port in use" in str(exc)
                if port_trouble and attempt < PORT_ATTEMPTS:
                    log.warning(
                        "port conflict (attempt %d of %d); retrying with new ports", attempt, PORT_ATTEMPTS
                    )
                    continue
                raise
            return self._endpoints(previous, kafka_pid, s3_pid, kafka_ports, s3_port, scram, ca_file, started)
        raise LocalStackError("could not find free ports for the local stack")  # pragma: no cover

    def _scram_user(self, previous: Endpoints | None, need_kafka: bool) -> ScramUser:
        """The SCRAM user of the running broker or of the formatted storage, else a new random one.

        A formatted storage whose SCRAM user is unknown is wiped (it is re-formatted with a new user).
        """
        if not need_kafka and previous is not None:
            return ScramUser(previous.scram_username, previous.scram_password)
        stored = self.broker.stored_scram_user()
        if stored is not None:
            return stored
        if self.broker.is_formatted():
            log.warning("the SCRAM user of %s is unknown; re-creating the storage", self.broker.data_dir)
            self.broker.wipe_data()
        return ScramUser(SCRAM_USERNAME, secrets.token_hex(16))

    def _start_broker(self, ports: BrokerPorts, scram: ScramUser) -> int:
        """Write the config, format the storage if new, start the broker; returns its pid."""
        tls = ensure_tls_material(self.certs_dir)
        self.broker.write_config(ports, tls)
        if not self.broker.is_formatted():
            self._say("Formatting the KRaft storage and creating the SCRAM user")
            self.broker.format_storage(scram)
        self._say(
            f"Starting Kafka {KAFKA_VERSION} on {LOOPBACK}:{ports.plaintext} (PLAINTEXT), "
            f"{ports.sasl_ssl} (SASL_SSL)"
        )
        pid = self.broker.start().pid
        self._write_pid("kafka", pid)
        return pid

    def _endpoints(
        self,
        previous: Endpoints | None,
        kafka_pid: int | None,
        s3_pid: int | None,
        kafka_ports: BrokerPorts | None,
        s3_port: int | None,
        scram: ScramUser,
        ca_file: Path,
        started: list[tuple[Component, int]],
    ) -> Endpoints:
        new = dict(started)
        if kafka_ports is not None:
            plaintext = f"{LOOPBACK}:{kafka_ports.plaintext}"
            sasl = f"{LOOPBACK}:{kafka_ports.sasl_ssl}"
            controller = kafka_ports.controller
        else:
            assert previous is not None
            plaintext, sasl = previous.kafka_plaintext_bootstrap, previous.kafka_scram_bootstrap
            controller = previous.kafka_controller_port
        if s3_port is not None:
            s3_url = f"http://{LOOPBACK}:{s3_port}"
        else:
            assert previous is not None
            s3_url = previous.s3_endpoint_url
        return Endpoints(
            state_dir=str(self.state_dir),
            kafka_version=KAFKA_VERSION,
            kafka_plaintext_bootstrap=plaintext,
            kafka_scram_bootstrap=sasl,
            kafka_controller_port=controller,
            scram_username=scram.username,
            scram_password=scram.password,
            ca_file=str(ca_file),
            s3_endpoint_url=s3_url,
            s3_access_key=ACCESS_KEY,
            s3_secret_key=SECRET_KEY,
            s3_region=REGION,
            buckets=(),
            topics=(),
            kafka_pid=new.get("kafka", kafka_pid or 0),
            s3_pid=new.get("s3", s3_pid or 0),
        )

    def _write_properties(self, endpoints: Endpoints, pipeline: str | None = None) -> None:
        """Write ``application_properties.json`` (``msk_features.dev.stack.properties``), if available."""
        try:
            from msk_features.dev.stack.properties import write_local_properties
        except ImportError:
            log.info("msk_features.dev.stack.properties is missing; application_properties.json not written")
            self.properties_file = None
            return
        self.properties_file = Path(write_local_properties(endpoints, self.state_dir, pipeline=pipeline))

    # -- down -------------------------------------------------------------------------------------

    def _stop(self, component: Component, pid: int, endpoints: Endpoints | None) -> bool:
        """Stop ``pid`` if it is our ``component``; remove its pid file if it names ``pid``."""
        gone = terminate(pid, lambda: self._owns(component, pid, endpoints))
        if self._read_pid(component) == pid:
            self._pid_file(component).unlink(missing_ok=True)
        return gone

    def restart_broker(self, down_s: float = 0.0) -> Endpoints:
        """Stop the running broker (SIGTERM: a controlled shutdown), wait ``down_s`` seconds, and start
        it again on the same ports with the same data dir and SCRAM user, as a rolling broker restart
        does; returns once it answers, with the endpoints (new ``kafka_pid``) saved."""
        with self._locked():
            endpoints = self.read_endpoints()
            if endpoints is None:
                raise LocalStackError(f"{self.endpoints_file} is missing: start the stack with up() first")
            pid = self._read_pid("kafka")
            if pid is not None and not self._stop("kafka", pid, endpoints):
                raise LocalStackError(f"kafka (pid {pid}) did not stop")
            time.sleep(down_s)
            if self.broker.distribution is None:
                self.broker.distribution = load_distribution(progress=self.progress)
            ports = BrokerPorts(
                endpoints.plaintext_port, endpoints.scram_port, endpoints.kafka_controller_port
            )
            new_pid = self._start_broker(ports, ScramUser(endpoints.scram_username, endpoints.scram_password))
            self.broker.wait_ready(
                endpoints.kafka_plaintext_bootstrap, _alive_check(new_pid), self.startup_timeout_s
            )
            endpoints = dataclasses.replace(endpoints, kafka_pid=new_pid)
            self._write_endpoints(endpoints)
        return endpoints

    def down(self, *, purge: bool = False) -> list[str]:
        """Stop the processes this state dir started; returns e.g. ``['kafka (pid 123)', 's3 (pid 456)']``
        (and ``'model (pid 789)'`` when the model endpoint ran; its fields in ``endpoints.json`` are
        cleared).

        Each is sent SIGTERM, given up to 20 s, then SIGKILL. A pid file naming a dead process or a
        process that is not ours is removed without signalling anything. With ``purge`` the whole
        state dir (data, certificates, logs) is deleted afterwards. A second call is a no-op.
        """
        stopped: list[str] = []
        with self._locked():
            endpoints = self.read_endpoints()
            targets: list[tuple[Component, int]] = []
            for component in COMPONENTS:
                pid = self._read_pid(component)
                if pid is None:
                    continue
                if not self._owns(component, pid, endpoints):
                    log.info("removing stale pid file for %s (pid %d is not ours)", component, pid)
                    self._pid_file(component).unlink(missing_ok=True)
                    continue
                log.info("stopping %s (pid %d)", component, pid)
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGTERM)  # signal all first: they stop in parallel
                targets.append((component, pid))
            for component, pid in targets:
                if not _wait_gone(
                    pid, functools.partial(self._owns, component, pid, endpoints), STOP_GRACE_S
                ):
                    raise LocalStackError(f"{component} (pid {pid}) did not stop")
                self._pid_file(component).unlink(missing_ok=True)
                stopped.append(f"{component} (pid {pid})")
            if endpoints is not None and endpoints.model_pid and not purge:
                self._write_endpoints(
                    dataclasses.replace(endpoints, model_endpoint_url="", models=(), model_pid=0)
                )
        if purge:
            self._purge()
        return stopped

    def _purge(self) -> None:
        markers = ("endpoints.json", "pids", "kafka", "certs", ".lock")
        if self.state_dir.is_dir() and any((self.state_dir / m).exists() for m in markers):
            shutil.rmtree(self.state_dir)

    # -- status -----------------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        """Each component's ``pid``, ``alive`` (running and ours), ``healthy`` and ``endpoint``.

        ``{'state_dir': ..., 'kafka': {...}, 's3': {...}, 'model': {...}}``; the kafka entry also has
        ``scram_endpoint``, the model entry ``models`` (``NAME=PATH``) and ``configured`` (whether
        ``endpoints.json`` records models). A pid file whose process is gone or not ours reports
        ``alive: False``.
        """
        endpoints = self.read_endpoints()
        report: dict[str, Any] = {"state_dir": str(self.state_dir)}
        for component in COMPONENTS:
            pid = self._read_pid(component)
            alive = pid is not None and self._owns(component, pid, endpoints)
            entry: dict[str, Any] = {"pid": pid, "alive": alive, "healthy": False, "endpoint": None}
            if component == "kafka":
                entry["scram_endpoint"] = endpoints.kafka_scram_bootstrap if endpoints else None
                if endpoints:
                    entry["endpoint"] = endpoints.kafka_plaintext_bootstrap
                    entry["healthy"] = alive and broker_healthy(endpoints.kafka_plaintext_bootstrap, 3.0)
            elif component == "model":
                entry["models"] = list(endpoints.models) if endpoints else []
                entry["configured"] = bool(endpoints and endpoints.models)
                if endpoints and endpoints.model_endpoint_url:
                    entry["endpoint"] = endpoints.model_endpoint_url
                    entry["healthy"] = alive and endpoint_healthy(endpoints.model_endpoint_url)
            elif endpoints:
                entry["endpoint"] = endpoints.s3_endpoint_url
                entry["healthy"] = alive and s3_healthy(endpoints.s3_endpoint_url)
            report[component] = entry
        return report
