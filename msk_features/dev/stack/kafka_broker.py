"""A real Apache Kafka 3.9.1 broker (KRaft, single node) run from jars resolved by Maven.

The jars come from ``msk_features/dev/stack/broker/pom.xml`` (``org.apache.kafka:kafka_2.13:3.9.1`` and
``kafka-tools``); the classpath Maven resolves is cached in
``~/.cache/msk-flink-features/kafka-3.9.1/classpath.txt`` (``$MSK_FEATURES_CACHE_DIR`` or
``$XDG_CACHE_HOME`` move it), keyed by the pom's hash, so only the first ``up`` runs Maven.

The broker is ``process.roles=broker,controller`` with ``node.id=1`` and three listeners on
127.0.0.1: ``PLAINTEXT`` (clients and inter-broker), ``SASL_SSL`` (SCRAM-SHA-512 over TLS, the
broker certificate from :mod:`.tls`) and ``CONTROLLER``. Its storage is formatted with
``kafka.tools.StorageTool format`` and a random cluster id, and the SCRAM user is created at format
time (``--add-scram``), so the credentials exist before the broker accepts a connection.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from msk_features.dev.stack import LocalStackError
from msk_features.dev.stack.ports import LOOPBACK
from msk_features.dev.stack.process import spawn_detached
from msk_features.dev.stack.tls import TlsMaterial

__all__ = [
    "KAFKA_VERSION",
    "POM_PATH",
    "BrokerPorts",
    "BrokerStartError",
    "KafkaBroker",
    "KafkaDistribution",
    "PortInUseError",
    "ScramUser",
    "cache_dir",
    "find_java",
    "load_distribution",
    "resolve_classpath",
    "write_java_properties",
]

log = logging.getLogger(__name__)

KAFKA_VERSION = "3.9.1"
POM_PATH = Path(__file__).resolve().parent / "broker" / "pom.xml"
MIN_JAVA_MAJOR = 11
SCRAM_MECHANISM = "SCRAM-SHA-512"
SCRAM_LOGIN_MODULE = "org.apache.kafka.common.security.scram.ScramLoginModule"
BROKER_MAIN_CLASS = "kafka.Kafka"
STORAGE_TOOL = "kafka.tools.StorageTool"
CONSOLE_PRODUCER = "kafka.tools.ConsoleProducer"
CONSOLE_CONSUMER = "org.apache.kafka.tools.consumer.ConsoleConsumer"
MARKER_PROPERTY = "msk.features.local.stack"
ENV_CACHE_DIR = "MSK_FEATURES_CACHE_DIR"
MAVEN_TIMEOUT_S = 900

ProgressFn = Callable[[str], None]


class BrokerStartError(LocalStackError):
    """The broker process did not become ready; the message ends with the tail of its logs."""


class PortInUseError(BrokerStartError):
    """A port picked for the broker was taken by another process before the broker bound it."""


@dataclass(frozen=True)
class BrokerPorts:
    """The broker's three listener ports on 127.0.0.1."""

    plaintext: int
    sasl_ssl: int
    controller: int


@dataclass(frozen=True)
class ScramUser:
    """A SCRAM-SHA-512 user created when the storage is formatted."""

    username: str
    password: str


# --------------------------------------------------------------------------------------------------
# Java, Maven and the classpath
# --------------------------------------------------------------------------------------------------


def cache_dir() -> Path:
    """Where the resolved classpath is cached: ``$MSK_FEATURES_CACHE_DIR`` or the user cache dir."""
    if os.environ.get(ENV_CACHE_DIR):
        root = Path(os.environ[ENV_CACHE_DIR])
    else:
        root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "msk-flink-features"
    return root / f"kafka-{KAFKA_VERSION}"


def find_java() -> str:
    """The ``java`` executable: ``$JAVA_HOME/bin/java`` if set, else ``java`` on ``PATH``.

    Raises :class:`LocalStackError` if there is none or it is older than Java 11.
    """
    java_home = os.environ.get("JAVA_HOME")
    candidate: str | None
    if java_home:
        candidate = str(Path(java_home) / "bin" / "java")
        if not os.access(candidate, os.X_OK):
            raise LocalStackError(
                f"JAVA_HOME is {java_home} but {candidate} is not an executable; "
                "point JAVA_HOME at a Java 17 installation or unset it"
            )
    else:
        candidate = shutil.which("java")
        if candidate is None:
            raise LocalStackError(
                "Java was not found (no JAVA_HOME and no 'java' on PATH); the local Kafka broker needs "
                "Java 17 (e.g. 'apt-get install openjdk-17-jre-headless' or 'brew install openjdk@17')"
            )
    major = java_major_version(candidate)
    if major < MIN_JAVA_MAJOR:
        raise LocalStackError(
            f"{candidate} is Java {major}; Kafka {KAFKA_VERSION} needs Java {MIN_JAVA_MAJOR} or newer (17 "
            "recommended)"
        )
    return candidate


def java_major_version(java: str) -> int:
    """The major version of ``java`` (``java -version`` prints e.g. ``version "17.0.15"``)."""
    try:
        result = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60, check=False)
    except OSError as exc:
        raise LocalStackError(f"cannot run {java}: {exc}") from exc
    match = re.search(r'version "(\d+)(?:\.(\d+))?', result.stderr + result.stdout)
    if not match:
        raise LocalStackError(f"cannot tell the version of {java}: {result.stderr.strip()[:300]}")
    major = int(match.group(1))
    if major == 1 and match.group(2):  # "1.8.0_392"
        major = int(match.group(2))
    return major


def _pom_digest(pom: Path) -> str:
    return hashlib.sha256(pom.read_bytes()).hexdigest()


def _cached_classpath(cache: Path, digest: str) -> str | None:
    classpath_file, digest_file = cache / "classpath.txt", cache / "pom.sha256"
    try:
        if digest_file.read_text(encoding="utf-8").strip() != digest:
            return None
        classpath = classpath_file.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    jars = [entry for entry in classpath.split(os.pathsep) if entry]
    if not jars or not all(Path(jar).is_file() for jar in jars):  # e.g. ~/.m2 was cleaned
        return None
    return classpath


def resolve_classpath(
    pom: Path = POM_PATH, cache: Path | None = None, progress: ProgressFn | None = None
) -> str:
    """The broker's classpath (``os.pathsep``-separated jar paths), from the cache or from Maven.

    Maven runs only when the cache is missing, was made from a different pom, or names a jar that no
    longer exists. Raises :class:`LocalStackError` if Maven is needed but missing or fails.
    """
    cache = cache or cache_dir()
    digest = _pom_digest(pom)
    cached = _cached_classpath(cache, digest)
    if cached is not None:
        log.debug("using the cached Kafka classpath in %s", cache)
        return cached
    mvn = shutil.which("mvn")
    if mvn is None:
        raise LocalStackError(
            f"Maven ('mvn') is not on PATH; it is needed once to download the Kafka {KAFKA_VERSION} jars "
            "(install Maven 3.8+, e.g. 'apt-get install maven' or 'brew install maven')"
        )
    cache.mkdir(parents=True, exist_ok=True)
    output = cache / f"classpath.{os.getpid()}.tmp"
    if progress:
        progress(f"Resolving the Kafka {KAFKA_VERSION} jars with Maven (first run only; can take a minute)")
    log.info("resolving the Kafka %s classpath with Maven from %s", KAFKA_VERSION, pom)
    command = [
        mvn,
        "-B",
        "-q",
        "-f",
        str(pom),
        "dependency:build-classpath",
        f"-Dmdep.outputFile={output}",
        f"-Dmdep.pathSeparator={os.pathsep}",
    ]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=MAVEN_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as exc:
        raise LocalStackError(
            f"Maven did not finish within {MAVEN_TIMEOUT_S} s: {' '.join(command)}"
        ) from exc
    if result.returncode != 0 or not output.is_file():
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-30:])
        output.unlink(missing_ok=True)
        raise LocalStackError(
            f"Maven could not resolve the Kafka jars (exit {result.returncode}); is Maven Central "
            f"reachable?\n$ {' '.join(command)}\n{tail}"
        )
    classpath = output.read_text(encoding="utf-8").strip()
    os.replace(output, cache / "classpath.txt")
    (cache / "pom.sha256").write_text(digest + "\n", encoding="utf-8")
    return classpath


_TOOLS_LOG4J = """\
# log4j 1.x (reload4j) configuration for Kafka command-line tools run by msk-features: warnings only.
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.Target=System.err
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
"""


@dataclass(frozen=True)
class KafkaDistribution:
    """A ``java`` executable and the Kafka classpath: enough to run the broker and Kafka's tools."""

    java: str
    classpath: str
    tools_log4j: Path

    def env(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """Environment for a Kafka JVM: ``base`` (default ``os.environ``) plus ``CLASSPATH``."""
        env = dict(os.environ if base is None else base)
        env["CLASSPATH"] = self.classpath
        env.pop("JAVA_TOOL_OPTIONS", None)  # its "Picked up ..." banner would pollute tool output
        return env

    def tool_command(self, main_class: str, args: Sequence[str], heap: str = "256m") -> list[str]:
        """The command line running ``main_class`` (e.g. :data:`CONSOLE_PRODUCER`) with ``args``.

        Run it with ``env=self.env()``; tool logging goes to stderr at WARN level.
        """
        return [
            self.java,
            f"-Xmx{heap}",
            "-Djava.awt.headless=true",
            f"-Dlog4j.configuration={self.tools_log4j.as_uri()}",
            main_class,
            *args,
        ]


def load_distribution(cache: Path | None = None, progress: ProgressFn | None = None) -> KafkaDistribution:
    """Find Java and resolve (or reuse) the Kafka classpath; raises :class:`LocalStackError`."""
    java = find_java()
    cache = cache or cache_dir()
    classpath = resolve_classpath(cache=cache, progress=progress)
    tools_log4j = cache / "tools-log4j.properties"
    if not tools_log4j.is_file() or tools_log4j.read_text(encoding="utf-8") != _TOOLS_LOG4J:
        tmp = tools_log4j.with_name(f"{tools_log4j.name}.{os.getpid()}.tmp")
        tmp.write_text(_TOOLS_LOG4J, encoding="utf-8")
        os.replace(tmp, tools_log4j)
    return KafkaDistribution(java=java, classpath=classpath, tools_log4j=tools_log4j)


# --------------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------------


def _escape_properties(text: str, is_key: bool) -> str:
    out: list[str] = []
    for index, char in enumerate(text):
        if char == "\\":
            out.append("\\\\")
        elif char == "\n":
            out.append("\\n")
        elif char == "\r":
            out.append("\\r")
        elif char == "\t":
            out.append("\\t")
        elif (char in "=:#!" and is_key) or (char == " " and (is_key or index == 0)):
            out.append("\\" + char)
        else:
            out.append(char)
    return "".join(out)


def write_java_properties(path: Path, properties: Mapping[str, str], mode: int = 0o644) -> None:
    """Write ``properties`` as a Java ``.properties`` file (escaped), atomically, with ``mode``."""
    lines = [f"{_escape_properties(k, True)}={_escape_properties(v, False)}" for k, v in properties.items()]
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def _broker_log4j(log_file: Path) -> str:
    def appender(name: str, file: Path) -> str:
        return (
            f"log4j.appender.{name}=org.apache.log4j.RollingFileAppender\n"
            f"log4j.appender.{name}.File={_escape_properties(str(file), False)}\n"
            f"log4j.appender.{name}.MaxFileSize=20MB\n"
            f"log4j.appender.{name}.MaxBackupIndex=2\n"
            f"log4j.appender.{name}.layout=org.apache.log4j.PatternLayout\n"
            f"log4j.appender.{name}.layout.ConversionPattern=[%d] %p %m (%c)%n\n"
        )

    return (
        "# Written by msk-features local up: the broker logs to a file in the state dir.\n"
        "log4j.rootLogger=INFO, server\n" + appender("server", log_file) + "log4j.logger.kafka=INFO\n"
        "log4j.logger.org.apache.kafka=INFO\n"
        "log4j.logger.kafka.request.logger=WARN\n"
        "log4j.logger.kafka.network.RequestChannel$=WARN\n"
        "log4j.logger.state.change.logger=WARN\n"
        "log4j.logger.kafka.authorizer.logger=WARN\n"
        "log4j.logger.org.apache.kafka.common.security.authenticator=INFO\n"
    )


def random_cluster_id() -> str:
    """A random KRaft cluster id: 16 random bytes, URL-safe base64 without padding (as Kafka's Uuid)."""
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode("ascii").rstrip("=")
        if not text.startswith("-"):  # Kafka never hands out ids that look like a command-line flag
            return text


# --------------------------------------------------------------------------------------------------
# The broker
# --------------------------------------------------------------------------------------------------


class KafkaBroker:
    """The files and the process of one local KRaft broker whose state lives under ``state_dir``.

    Layout: ``kafka/server.properties`` and ``kafka/log4j.properties`` (written by
    :meth:`write_config`), ``kafka/scram-user.json`` (the SCRAM user the storage was formatted with,
    mode 0600), ``data/kafka`` (``log.dirs``, metadata log included),
    ``logs/kafka-server.log`` (log4j) and ``logs/kafka.out`` (the JVM's stdout/stderr).
    """

    def __init__(self, state_dir: Path, distribution: KafkaDistribution | None = None, heap: str = "768m"):
        self.state_dir = state_dir.resolve()
        self.distribution = distribution
        self.heap = heap
        self.config_dir = self.state_dir / "kafka"
        self.config_file = self.config_dir / "server.properties"
        self.log4j_file = self.config_dir / "log4j.properties"
        self.data_dir = self.state_dir / "data" / "kafka"
        self.scram_file = self.config_dir / "scram-user.json"
        self.logs_dir = self.state_dir / "logs"
        self.server_log = self.logs_dir / "kafka-server.log"
        self.stdout_log = self.logs_dir / "kafka.out"
        self._server_log_offset = 0  # where the current process's log4j output starts

    # -- identity ---------------------------------------------------------------------------------

    @property
    def marker_arg(self) -> str:
        """The JVM argument that marks a broker process as started for this state dir."""
        return f"-D{MARKER_PROPERTY}={self.state_dir}"

    def owns(self, cmdline: Sequence[str]) -> bool:
        """True if ``cmdline`` (a process's argv) is this state dir's broker."""
        return (
            BROKER_MAIN_CLASS in cmdline and self.marker_arg in cmdline and str(self.config_file) in cmdline
        )

    def _dist(self) -> KafkaDistribution:
        if self.distribution is None:
            raise LocalStackError("internal error: the Kafka distribution was not loaded")
        return self.distribution

    # -- storage and configuration ----------------------------------------------------------------

    def is_formatted(self) -> bool:
        """True if ``log.dirs`` holds a formatted KRaft storage (``meta.properties``)."""
        return (self.data_dir / "meta.properties").is_file()

    def wipe_data(self) -> None:
        """Delete the broker's data (topics, offsets, metadata and SCRAM users)."""
        shutil.rmtree(self.data_dir, ignore_errors=True)
        self.scram_file.unlink(missing_ok=True)

    def stored_scram_user(self) -> ScramUser | None:
        """The SCRAM user the formatted storage was created with (None if unknown or not formatted)."""
        if not self.is_formatted():
            return None
        try:
            data = json.loads(self.scram_file.read_text(encoding="utf-8"))
            return ScramUser(str(data["username"]), str(data["password"]))
        except (FileNotFoundError, ValueError, KeyError, TypeError):
            return None

    def write_config(self, ports: BrokerPorts, tls: TlsMaterial) -> dict[str, str]:
        """Write ``server.properties`` and ``log4j.properties`` for ``ports``; returns the properties."""
        self.config_dir.mkdir(parents=True, exist_ok=True)
        self.logs_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        host = LOOPBACK
        properties = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@{host}:{ports.controller}",
            "listeners": (
                f"PLAINTEXT://{host}:{ports.plaintext},SASL_SSL://{host}:{ports.sasl_ssl},"
                f"CONTROLLER://{host}:{ports.controller}"
            ),
            "advertised.listeners": f"PLAINTEXT://{host}:{ports.plaintext},SASL_SSL://{host}:{ports.sasl_ssl}",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT",
            "inter.broker.listener.name": "PLAINTEXT",
            "controller.listener.names": "CONTROLLER",
            # SCRAM-SHA-512 over TLS, as MSK's SASL/SCRAM listener (port 9096).
            "sasl.enabled.mechanisms": SCRAM_MECHANISM,
            "listener.name.sasl_ssl.sasl.enabled.mechanisms": SCRAM_MECHANISM,
            "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config": f"{SCRAM_LOGIN_MODULE} required;",
            "ssl.keystore.type": "PEM",
            "ssl.keystore.location": str(tls.broker_keystore),
            "ssl.client.auth": "none",
            "log.dirs": str(self.data_dir),
            "num.partitions": "1",
            "default.replication.factor": "1",
            "min.insync.replicas": "1",
            "offsets.topic.replication.factor": "1",
            "offsets.topic.num.partitions": "10",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "transaction.state.log.num.partitions": "10",
            # As on MSK: topics are created explicitly. transaction.max.timeout.ms keeps its default
            # (900000, MSK's) so that too-long sink transaction timeouts fail here as they would there.
            "auto.create.topics.enable": "false",
            "group.initial.rebalance.delay.ms": "0",
            "log.retention.hours": "168",
            "log.segment.bytes": str(64 * 1024 * 1024),
            "num.network.threads": "3",
            "num.io.threads": "4",
        }
        write_java_properties(self.config_file, properties)
        self.log4j_file.write_text(_broker_log4j(self.server_log), encoding="utf-8")
        return properties

    def format_storage(self, scram: ScramUser) -> str:
        """Format ``log.dirs`` with a random cluster id and create ``scram`` (SCRAM-SHA-512).

        Needs :meth:`write_config` first. Returns the cluster id; raises :class:`LocalStackError` with
        the tool's output if formatting fails.
        """
        dist = self._dist()
        cluster_id = random_cluster_id()
        scram_arg = f"{SCRAM_MECHANISM}=[name={scram.username},password={scram.password}]"
        command = dist.tool_command(
            STORAGE_TOOL,
            [
                "format",
                "--cluster-id",
                cluster_id,
                "--config",
                str(self.config_file),
                "--add-scram",
                scram_arg,
            ],
        )
        log.info("formatting the KRaft storage in %s (cluster id %s)", self.data_dir, cluster_id)
        result = subprocess.run(
            command, env=dist.env(), capture_output=True, text=True, timeout=180, check=False
        )
        if result.returncode != 0:
            output = (result.stdout + result.stderr).replace(scram.password, "***")
            raise LocalStackError(
                f"formatting the Kafka storage in {self.data_dir} failed (exit {result.returncode}):\n"
                f"{output.strip()[-3000:]}"
            )
        fd = os.open(self.scram_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(
                {"username": scram.username, "password": scram.password, "cluster_id": cluster_id}, handle
            )
        return cluster_id

    # -- the process ------------------------------------------------------------------------------

    def start(self, extra_env: Mapping[str, str] | None = None) -> subprocess.Popen[bytes]:
        """Start the broker in its own session (it outlives the caller); returns the process.

        stdout/stderr go to ``logs/kafka.out``, log4j to ``logs/kafka-server.log``.
        """
        dist = self._dist()
        self.logs_dir.mkdir(parents=True, exist_ok=True)
        command = [
            dist.java,
            f"-Xms{min(256, _megabytes(self.heap))}m",
            f"-Xmx{self.heap}",
            "-XX:+UseG1GC",
            "-XX:MaxGCPauseMillis=20",
            "-XX:InitiatingHeapOccupancyPercent=35",
            "-XX:+ExplicitGCInvokesConcurrent",
            "-Djava.awt.headless=true",
            f"-Dkafka.logs.dir={self.logs_dir}",
            f"-Dlog4j.configuration={self.log4j_file.as_uri()}",
            self.marker_arg,
            BROKER_MAIN_CLASS,
            str(self.config_file),
        ]
        env = dist.env()
        env.update(extra_env or {})
        log.info("starting the Kafka broker: %s", " ".join(command))
        try:
            self._server_log_offset = self.server_log.stat().st_size
        except FileNotFoundError:
            self._server_log_offset = 0
        return spawn_detached(command, self.stdout_log, env, self.state_dir)

    def _current_output(self) -> list[tuple[Path, str]]:
        """What the last started process wrote to each log (everything if not started here)."""
        out: list[tuple[Path, str]] = []
        for path, offset in ((self.server_log, self._server_log_offset), (self.stdout_log, 0)):
            try:
                with open(path, "rb") as handle:
                    handle.seek(offset)
                    out.append((path, handle.read().decode("utf-8", errors="replace")))
            except FileNotFoundError:
                continue
        return out

    def log_tail(self, lines: int = 30) -> str:
        """The first ERROR lines and the last ``lines`` lines of the logs, for error messages.

        After :meth:`start`, only what the started process wrote is considered.
        """
        parts: list[str] = []
        for path, text in self._current_output():
            all_lines = text.strip().splitlines()
            if not all_lines:
                continue
            errors = [line for line in all_lines if re.search(r"\] (ERROR|FATAL) |^Caused by: ", line)][:6]
            section = f"--- {path} ---"
            if errors:
                section += "\nfirst errors:\n" + "\n".join(errors)
            section += f"\nlast {min(lines, len(all_lines))} lines:\n" + "\n".join(all_lines[-lines:])
            parts.append(section)
        return "\n".join(parts) if parts else "(the broker wrote no log)"

    def startup_failure(self, problem: str) -> BrokerStartError:
        """An error for ``problem`` with the logs; :class:`PortInUseError` if a port bind failed."""
        output = "\n".join(text for _path, text in self._current_output())
        bind = re.search(r"failed to bind to [^\s]+?: Address already in use|BindException", output)
        cls = PortInUseError if bind else BrokerStartError
        hint = " (a port was taken by another process)" if bind else ""
        return cls(f"the Kafka broker failed to start: {problem}{hint}\n{self.log_tail()}")

    def wait_ready(
        self,
        bootstrap: str,
        is_alive: Callable[[], bool],
        timeout_s: float = 90.0,
    ) -> None:
        """Block until an admin client on ``bootstrap`` (PLAINTEXT) sees this broker.

        Raises :class:`BrokerStartError` (with the log tail) if the process dies or ``timeout_s``
        passes first.
        """
        deadline = time.monotonic() + timeout_s
        while True:
            if not is_alive():
                raise self.startup_failure("the process exited")
            if broker_healthy(bootstrap, timeout_s=2.0):
                return
            if time.monotonic() > deadline:
                raise self.startup_failure(f"no answer on {bootstrap} within {timeout_s:.0f} s")
            time.sleep(0.5)


def _megabytes(size: str) -> int:
    match = re.fullmatch(r"(\d+)([kKmMgG]?)", size)
    if not match:
        raise ValueError(f"not a JVM heap size: {size}")
    number, unit = int(match.group(1)), match.group(2).lower()
    return {"k": number // 1024, "": number // (1024 * 1024), "m": number, "g": number * 1024}[unit]


def broker_healthy(bootstrap: str, timeout_s: float = 5.0) -> bool:
    """True if an admin client on the PLAINTEXT ``bootstrap`` gets metadata listing at least one broker."""
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import AdminClient

    admin = AdminClient(
        {
            "bootstrap.servers": bootstrap,
            "socket.connection.setup.timeout.ms": max(1000, int(timeout_s * 1000)),
            "log_level": 0,
            # librdkafka's Python client takes a logging.Logger here; its stubs allow only scalars.
            "logger": _silent_logger(),  # type: ignore[dict-item]
        }
    )
    try:
        metadata = admin.list_topics(timeout=timeout_s)
    except KafkaException:
        return False
    return bool(metadata.brokers)


def _silent_logger() -> logging.Logger:
    """A logger that swallows librdkafka's connection-refused noise while a broker starts."""
    quiet = logging.getLogger(f"{__name__}.librdkafka")
    quiet.propagate = False
    if not quiet.handlers:
        quiet.addHandler(logging.NullHandler())
    return quiet
