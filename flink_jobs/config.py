"""Typed loader for Managed Flink runtime properties.

Managed Flink delivers the application's runtime properties in
``/etc/flink/application_properties.json`` as a JSON list of
``{"PropertyGroupId": ..., "PropertyMap": {...}}`` objects, every value a string. Locally the same
file shape is read from the path in ``$MSK_FEATURES_PROPERTIES`` (or a path given explicitly).

The Terraform module writes exactly the groups and keys declared here (``PROPERTY_GROUPS``); every
error names the property group, the key and the expected form, so a misconfigured application fails
at start with a message that says how to fix it.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, TypeVar

from flink_jobs.secret_refs import SECRET_REF_FORMS, parse_secret_ref

__all__ = [
    "ENV_PROPERTIES",
    "GROUP_FEATURE_TOPICS",
    "MANAGED_FLINK_PROPERTIES",
    "OPEN_GROUPS",
    "PROPERTY_GROUPS",
    "TOPICS_SOURCE_KEY",
    "AppConfig",
    "BackfillConfig",
    "ConfigError",
    "KafkaAuth",
    "KafkaConfig",
    "OfflineConfig",
    "PipelineConfig",
    "RunOptions",
    "ScoringConfig",
    "SinkConfig",
    "TopicRole",
    "TopicSpec",
    "TopicsConfig",
    "default_feature_topic",
    "default_scores_topic",
    "load_config",
    "parse_config",
    "properties_path",
    "to_property_groups",
]

MANAGED_FLINK_PROPERTIES = Path("/etc/flink/application_properties.json")
ENV_PROPERTIES = "MSK_FEATURES_PROPERTIES"

RUN_OPTIONS = "kinesis.analytics.flink.run.options"
GROUP_KAFKA = "kafka"
GROUP_TOPICS = "topics"
GROUP_SINK = "kafka.sink"
GROUP_OFFLINE = "offline"
GROUP_PIPELINE = "pipeline"
GROUP_FEATURE_TOPICS = "feature.topics"
GROUP_BACKFILL = "backfill"
GROUP_SCORING = "scoring"

KafkaAuth = Literal["plaintext", "scram", "mtls", "iam"]
AUTH_MODES: tuple[str, ...] = ("plaintext", "scram", "mtls", "iam")
DeliveryGuarantee = Literal["exactly-once", "at-least-once"]
DELIVERY_GUARANTEES: tuple[str, ...] = ("exactly-once", "at-least-once")

# Broker default (and MSK's) transaction.max.timeout.ms: a producer asking for more is refused.
BROKER_MAX_TRANSACTION_TIMEOUT_MS = 900_000

T = TypeVar("T")


class ConfigError(ValueError):
    """A runtime property is missing or malformed; the message names group, key and expected form."""

    def __init__(self, group: str, key: str | None, problem: str, expected: str | None = None):
        self.group = group
        self.key = key
        where = f"property group '{group}'" + (f", key '{key}'" if key else "")
        message = f"{where}: {problem}"
        if expected:
            message += f" (expected {expected})"
        super().__init__(message)


@dataclass(frozen=True)
class RunOptions:
    """``kinesis.analytics.flink.run.options``: what Managed Flink runs (paths relative to the zip root)."""

    python: str
    jarfile: str
    py_files: str | None = None


@dataclass(frozen=True)
class KafkaConfig:
    """``kafka``: how to reach the cluster.

    ``auth`` selects the client properties: ``plaintext`` (port 9092 on MSK), ``scram``
    (SASL_SSL + SCRAM-SHA-512, 9096), ``mtls`` (SSL with a client certificate, 9094) and ``iam``
    (SASL_SSL + AWS_MSK_IAM, 9098). The secret keys (``sasl.password``, ``sasl.username``,
    ``ssl.keystore.password``, ``ssl.key.password``) hold a reference such as ``env:VARIABLE`` or
    ``secretsmanager:AmazonMSK_app:password`` (:mod:`flink_jobs.secret_refs`), resolved only by the
    Kafka client that connects; a literal is accepted for throw-away local runs. ``create_topics``
    (``create.topics``): the job creates the pipeline's missing topics at start
    (:mod:`connectors.kafka_topic_setup`).
    """

    bootstrap_servers: str
    auth: KafkaAuth = "plaintext"
    consumer_group: str = "msk-flink-features"
    scram_username: str | None = None
    scram_password: str | None = None
    truststore_location: str | None = None
    truststore_type: str = "PEM"
    keystore_location: str | None = None
    keystore_type: str = "PEM"
    keystore_password: str | None = None
    key_password: str | None = None
    starting_offsets: Literal["earliest-offset", "latest-offset", "group-offsets"] = "earliest-offset"
    bounded: bool = False
    create_topics: bool = True


TopicRole = Literal["input", "dead_letter", "late_events", "features", "scores"]


@dataclass(frozen=True)
class TopicSpec:
    """A topic the pipeline reads or writes; the local stack and Terraform create exactly these.

    ``role`` says what it holds and ``owner`` whose it is (the source or feature set name; None for
    the pipeline's dead-letter and late-events topics)."""

    name: str
    partitions: int
    compacted: bool = False
    retention_ms: int | None = None
    role: TopicRole = "input"
    owner: str | None = None


def default_feature_topic(feature_set: str) -> str:
    """The topic of a feature set that ``feature.topics`` does not name: ``features-<name, _ as ->``."""
    return "features-" + feature_set.replace("_", "-")


def default_scores_topic(scoring: str) -> str:
    """The topic of a scoring that ``feature.topics`` does not name: ``scores-<name, _ as ->``."""
    return "scores-" + scoring.replace("_", "-")


@dataclass(frozen=True)
class TopicsConfig:
    """``topics`` and ``feature.topics``: topic names, and how the pipeline's topics are created.

    ``sources`` maps a source name (a key of the ``topics`` group, e.g. ``transactions``) to its
    topic; a source not named there reads the topic its spec names (by default its own name).
    ``feature_topics`` maps a feature set (or scoring) name to its output topic; one not named there
    writes to :func:`default_feature_topic` (:func:`default_scores_topic`). ``partitions`` and
    ``retention_ms`` apply to every topic the pipeline creates (``retention_ms`` to the delete-policy
    ones; a versioned source's topic is compacted: the latest value per key is kept forever).
    """

    sources: Mapping[str, str] = field(default_factory=dict)
    dead_letter: str = "dead-letter"
    late_events: str = "late-events"
    partitions: int = 3
    retention_ms: int = 7 * 24 * 3600 * 1000
    feature_topics: Mapping[str, str] = field(default_factory=dict)

    def source_topic(self, source: str, default: str | None = None) -> str:
        """The input topic of source ``source`` (``default``, else the source's name, if not named)."""
        return self.sources.get(source) or default or source

    def feature_topic(self, feature_set: str) -> str:
        """The output topic of ``feature_set``."""
        return self.feature_topics.get(feature_set) or default_feature_topic(feature_set)

    def scores_topic(self, scoring: str) -> str:
        """The output topic of ``scoring`` (named in ``feature.topics`` like a feature set's)."""
        return self.feature_topics.get(scoring) or default_scores_topic(scoring)


@dataclass(frozen=True)
class SinkConfig:
    """``kafka.sink``: delivery guarantee of the Kafka sinks.

    Exactly-once commits on checkpoints: ``transactional_id_prefix`` must be unique per application
    on the cluster, and ``transaction_timeout_ms`` must not exceed the broker's
    ``transaction.max.timeout.ms`` (900000 by default and on MSK).
    """

    delivery_guarantee: DeliveryGuarantee = "exactly-once"
    transactional_id_prefix: str = "msk-flink-features"
    transaction_timeout_ms: int = 600_000


@dataclass(frozen=True)
class OfflineConfig:
    """``offline``: where Parquet training data goes (``s3a://bucket/prefix`` or ``file:///path``).

    ``s3_endpoint`` and ``s3_path_style`` point the Hadoop S3 filesystem at a local S3 API server;
    leave them unset on AWS.
    """

    path: str
    s3_endpoint: str | None = None
    s3_path_style: bool = False
    s3_access_key: str | None = None
    s3_secret_key: str | None = None


@dataclass(frozen=True)
class PipelineConfig:
    """``pipeline``: which pipeline runs, its event-time and checkpoint settings, and the version stamped
    on every output row. ``watermark_delay_s`` and ``idle_timeout_s`` apply to every source whose spec
    does not set its own.

    ``feature_sets``: the feature sets this job computes (empty: all of the spec's). A feature set
    added to a running pipeline (docs/evolving.md) is named in ``added_feature_sets``, with
    ``switch_over``: an instant after the event time of every record the previous job read (this
    job restored from its savepoint). Such a set starts with no history, so the job emits its rows
    only from ``switch_over`` plus the history they need (its largest window or range, see
    :func:`flink_jobs.features.compiler.history.complete_from`); a backfill gives the rows before.
    """

    name: str = "fraud"
    version: str = "0.1.0"
    watermark_delay_s: int = 30
    idle_timeout_s: int = 60
    checkpoint_interval_ms: int = 10_000
    parallelism: int | None = None
    feature_sets: tuple[str, ...] = ()
    added_feature_sets: tuple[str, ...] = ()
    switch_over: datetime | None = None


@dataclass(frozen=True)
class BackfillConfig:
    """``backfill``: run the feature SQL over the raw archive instead of the Kafka inputs.

    The job reads ``<offline>/events/<source>/`` (each source's on-time events, as the live job
    archived them) from ``lookback_s`` before ``start`` (default: what the selected feature sets
    need, see :func:`flink_jobs.features.compiler.history.lookback`) up to ``end``, computes the
    same feature SQL in streaming mode and writes the rows whose time (``window_end`` for window
    sets, the event time otherwise) is in ``[start, end)`` to ``<offline>/backfill/<run>/features/``.
    ``feature_sets``: the sets to compute (empty: all). Nothing is written to Kafka.
    """

    start: datetime
    end: datetime
    feature_sets: tuple[str, ...] = ()
    run: str | None = None
    lookback_s: int | None = None

    def run_name(self) -> str:
        """``run``, else ``<start>_<end>`` in compact UTC (e.g. ``20261124T1000Z_20261124T1200Z``)."""
        return self.run or f"{_compact(self.start)}_{_compact(self.end)}"


def _compact(moment: datetime) -> str:
    text = moment.astimezone(UTC).strftime("%Y%m%dT%H%M%S")
    return (text[:-2] if text.endswith("00") else text) + "Z"


@dataclass(frozen=True)
class ScoringConfig:
    """``scoring``: the model endpoints the job's scorings call (:mod:`flink_jobs.features.scoring`).

    ``endpoints`` maps a scoring name (key ``<name>.endpoint``) to its SageMaker endpoint name; a
    scoring without one does not run. ``endpoint_override`` points the client at a server speaking
    the SageMaker runtime protocol (the local stack's); ``region`` and the static keys default to the
    SDK's chains (on Managed Flink: the application's region and role). Per parallel instance at most
    ``max_in_flight`` calls are in flight (the provider's ``max-connections``; ML_PREDICT's queue is
    larger, see compiler.scoring); each call has
    ``max_attempts`` attempts of at most ``attempt_timeout_ms``, retries after an exponential backoff
    from ``backoff_ms``.
    """

    endpoints: Mapping[str, str] = field(default_factory=dict)
    region: str | None = None
    endpoint_override: str | None = None
    access_key: str | None = None
    secret_key: str | None = None
    max_in_flight: int = 32
    attempt_timeout_ms: int = 2_000
    max_attempts: int = 3
    backoff_ms: int = 100


@dataclass(frozen=True)
class AppConfig:
    """The whole application configuration, one field per property group."""

    run_options: RunOptions
    kafka: KafkaConfig
    topics: TopicsConfig = field(default_factory=TopicsConfig)
    sink: SinkConfig = field(default_factory=SinkConfig)
    offline: OfflineConfig | None = None
    pipeline: PipelineConfig = field(default_factory=PipelineConfig)
    backfill: BackfillConfig | None = None
    scoring: ScoringConfig = field(default_factory=ScoringConfig)


# --------------------------------------------------------------------------------------------------
# Schema: (group, key) -> (field, parser, expected form, required)
# --------------------------------------------------------------------------------------------------


def _str(value: str) -> str:
    if value.strip() == "":
        raise ValueError("it is empty")
    return value


def _secret(value: str) -> str:
    """A secret property: a reference (see :mod:`flink_jobs.secret_refs`), checked; or a literal."""
    _str(value)
    parse_secret_ref(value)  # raises ValueError for a malformed reference
    return value


def _int(minimum: int, maximum: int | None = None) -> Callable[[str], int]:
    def parse(value: str) -> int:
        if not re.fullmatch(r"[+-]?\d+", value.strip()):
            raise ValueError(f"'{value}' is not an integer")
        number = int(value)
        if number < minimum or (maximum is not None and number > maximum):
            raise ValueError(f"{number} is out of range")
        return number

    return parse


def _bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    raise ValueError(f"'{value}' is not a boolean")


def _choice(*choices: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if value not in choices:
            raise ValueError(f"'{value}' is not one of the allowed values")
        return value

    return parse


def _bootstrap(value: str) -> str:
    servers = [s.strip() for s in value.split(",")]
    for server in servers:
        if not re.fullmatch(r"[A-Za-z0-9.\-\[\]:]+:\d{1,5}", server):
            raise ValueError(f"'{server}' is not host:port")
    return ",".join(servers)


def _offline_path(value: str) -> str:
    if not re.fullmatch(r"(s3a|file)://.+", value):
        raise ValueError(f"'{value}' has an unsupported scheme")
    return value.rstrip("/")


def _topic(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9._\-]{1,249}", value):
        raise ValueError(f"'{value}' is not a valid Kafka topic name")
    return value


def _instant(value: str) -> datetime:
    """An ISO-8601 UTC instant: ``2026-11-24T10:00:00Z`` (seconds and milliseconds optional)."""
    match = re.fullmatch(r"(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{3}))?)?Z", value.strip())
    if not match:
        raise ValueError(f"'{value}' is not a UTC instant like 2026-11-24T10:00:00Z")
    day, hour, minute, second, millis = match.groups()
    try:
        moment = datetime.fromisoformat(f"{day}T{hour}:{minute}:{second or '00'}").replace(tzinfo=UTC)
    except ValueError:
        raise ValueError(f"'{value}' is not a real date and time") from None
    return moment.replace(microsecond=int(millis or 0) * 1000)


def _names(value: str) -> tuple[str, ...]:
    names = tuple(n.strip() for n in value.split(",") if n.strip())
    for name in names:
        if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            raise ValueError(f"'{name}' is not a feature set name")
    return names


def _run_name(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}", value):
        raise ValueError(f"'{value}' is not a run name (letters, digits, '.', '_', '-')")
    return value


def _endpoint_name(value: str) -> str:
    # SageMaker's EndpointName pattern (CreateEndpoint API reference): ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}
    if not re.fullmatch(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}", value):
        raise ValueError(f"'{value}' is not a SageMaker endpoint name (letters, digits, '-', at most 63)")
    return value


def _url(value: str) -> str:
    if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value.strip()):
        raise ValueError(f"'{value}' is not an http(s) URL")
    return value.strip().rstrip("/")


def _pipeline_name(value: str) -> str:
    if not re.fullmatch(r"[a-z][a-z0-9_]*", value):
        raise ValueError(f"'{value}' is not a pipeline name (lower case letters, digits, _)")
    return value


@dataclass(frozen=True)
class _Key:
    attr: str
    parse: Callable[[str], Any]
    expected: str
    required: bool = False


PROPERTY_GROUPS: dict[str, dict[str, _Key]] = {
    RUN_OPTIONS: {
        "python": _Key("python", _str, "the entry file relative to the zip root, e.g. main.py", True),
        "jarfile": _Key(
            "jarfile", _str, "the uber-jar relative to the zip root, e.g. lib/pyflink-dependencies.jar", True
        ),
        "pyFiles": _Key("py_files", _str, "comma-separated paths relative to the zip root"),
    },
    GROUP_KAFKA: {
        "bootstrap.servers": _Key("bootstrap_servers", _bootstrap, "host:port[,host:port...]", True),
        "auth": _Key("auth", _choice(*AUTH_MODES), "one of " + ", ".join(AUTH_MODES)),
        "group.id": _Key("consumer_group", _str, "a consumer group id"),
        "sasl.username": _Key("scram_username", _secret, "the SCRAM user name, or " + SECRET_REF_FORMS),
        "sasl.password": _Key("scram_password", _secret, "the SCRAM password as " + SECRET_REF_FORMS),
        "ssl.truststore.location": _Key("truststore_location", _str, "a path to a truststore file"),
        "ssl.truststore.type": _Key("truststore_type", _choice("PEM", "JKS", "PKCS12"), "PEM, JKS or PKCS12"),
        "ssl.keystore.location": _Key("keystore_location", _str, "a path to a keystore file"),
        "ssl.keystore.type": _Key("keystore_type", _choice("PEM", "JKS", "PKCS12"), "PEM, JKS or PKCS12"),
        "ssl.keystore.password": _Key(
            "keystore_password", _secret, "the keystore password as " + SECRET_REF_FORMS
        ),
        "ssl.key.password": _Key("key_password", _secret, "the private key password as " + SECRET_REF_FORMS),
        "scan.startup.mode": _Key(
            "starting_offsets",
            _choice("earliest-offset", "latest-offset", "group-offsets"),
            "earliest-offset, latest-offset or group-offsets",
        ),
        "bounded": _Key("bounded", _bool, "true or false (true: read what is there, then stop)"),
        "create.topics": _Key(
            "create_topics", _bool, "true or false (true: the job creates its missing topics at start)"
        ),
    },
    GROUP_TOPICS: {
        "dead.letter": _Key("dead_letter", _topic, "a Kafka topic name"),
        "late.events": _Key("late_events", _topic, "a Kafka topic name"),
        "partitions": _Key("partitions", _int(1, 10_000), "an integer from 1 to 10000"),
        "retention.ms": _Key(
            "retention_ms", _int(-1), "milliseconds to keep records of non-compacted topics (-1: forever)"
        ),
    },
    GROUP_SINK: {
        "delivery.guarantee": _Key(
            "delivery_guarantee", _choice(*DELIVERY_GUARANTEES), "exactly-once or at-least-once"
        ),
        "transactional.id.prefix": _Key(
            "transactional_id_prefix", _str, "a prefix unique to this application on the cluster"
        ),
        "transaction.timeout.ms": _Key(
            "transaction_timeout_ms",
            _int(1_000, BROKER_MAX_TRANSACTION_TIMEOUT_MS),
            f"milliseconds from 1000 to {BROKER_MAX_TRANSACTION_TIMEOUT_MS} "
            "(the broker's transaction.max.timeout.ms)",
        ),
    },
    GROUP_OFFLINE: {
        "path": _Key("path", _offline_path, "s3a://bucket/prefix or file:///absolute/path", True),
        "s3.endpoint": _Key("s3_endpoint", _str, "an S3 endpoint URL, e.g. http://127.0.0.1:9000"),
        "s3.path.style.access": _Key("s3_path_style", _bool, "true or false"),
        "s3.access.key": _Key("s3_access_key", _str, "an access key id"),
        "s3.secret.key": _Key("s3_secret_key", _str, "a secret access key"),
    },
    GROUP_PIPELINE: {
        "name": _Key("name", _pipeline_name, "the name of a pipeline in flink_jobs.pipelines, e.g. fraud"),
        "version": _Key("version", _str, "a version string stamped on every output row"),
        "watermark.delay.seconds": _Key("watermark_delay_s", _int(0, 86_400), "seconds from 0 to 86400"),
        "idle.timeout.seconds": _Key("idle_timeout_s", _int(1, 86_400), "seconds from 1 to 86400"),
        "checkpoint.interval.ms": _Key("checkpoint_interval_ms", _int(100), "milliseconds, at least 100"),
        "parallelism": _Key("parallelism", _int(1, 10_000), "an integer from 1 to 10000"),
        "feature.sets": _Key("feature_sets", _names, "comma-separated feature set names (default: all)"),
        "added.feature.sets": _Key(
            "added_feature_sets", _names, "comma-separated names of feature sets new since switch.over"
        ),
        "switch.over": _Key("switch_over", _instant, "a UTC instant after every event the previous job read"),
    },
    GROUP_BACKFILL: {
        "from": _Key("start", _instant, "a UTC instant, e.g. 2026-11-24T10:00:00Z", True),
        "to": _Key("end", _instant, "a UTC instant after from, e.g. 2026-11-24T12:00:00Z", True),
        "feature.sets": _Key("feature_sets", _names, "comma-separated feature set names (default: all)"),
        "run": _Key("run", _run_name, "a name for the run's output folder (default: <from>_<to>)"),
        "lookback.seconds": _Key(
            "lookback_s", _int(0, 366 * 86_400), "seconds of history to read before from, 0 to 31622400"
        ),
    },
    GROUP_SCORING: {
        "region": _Key("region", _str, "an AWS region, e.g. eu-west-1 (default: the SDK's region chain)"),
        "endpoint.override": _Key(
            "endpoint_override", _url, "the URL of a SageMaker runtime API server, e.g. http://127.0.0.1:8085"
        ),
        "access.key": _Key("access_key", _str, "an access key id (local endpoints only)"),
        "secret.key": _Key("secret_key", _str, "a secret access key (local endpoints only)"),
        "max.in.flight": _Key(
            "max_in_flight", _int(1, 10_000), "calls in flight per parallel instance, 1 to 10000"
        ),
        "attempt.timeout.ms": _Key(
            "attempt_timeout_ms", _int(10, 600_000), "milliseconds per attempt, 10 to 600000"
        ),
        "max.attempts": _Key("max_attempts", _int(1, 10), "attempts per call, the first included, 1 to 10"),
        "backoff.ms": _Key("backoff_ms", _int(1, 60_000), "milliseconds before the first retry, 1 to 60000"),
    },
}

# Keys of the scoring group other than its fixed ones: <scoring name>.endpoint.
SCORING_ENDPOINT_KEY = (
    "<scoring name>.endpoint, e.g. fraud_score.endpoint",
    _endpoint_name,
    "a SageMaker endpoint name (letters, digits, '-')",
)

# Keys of the topics group other than its fixed ones: the topic of the source of that name.
TOPICS_SOURCE_KEY = (
    "a source name of the pipeline, e.g. transactions",
    _topic,
    "a Kafka topic name (default: the source's own)",
)

# Groups whose keys are names chosen by the user rather than a fixed set: key -> value form.
OPEN_GROUPS: dict[str, tuple[str, Callable[[str], Any], str]] = {
    GROUP_FEATURE_TOPICS: (
        "a feature set name of the pipeline, e.g. txn_1m",
        _topic,
        "a Kafka topic name (default features-<feature set>, '_' as '-')",
    ),
}

_GROUP_CLASSES: dict[str, type] = {
    RUN_OPTIONS: RunOptions,
    GROUP_KAFKA: KafkaConfig,
    GROUP_TOPICS: TopicsConfig,
    GROUP_SINK: SinkConfig,
    GROUP_OFFLINE: OfflineConfig,
    GROUP_PIPELINE: PipelineConfig,
    GROUP_BACKFILL: BackfillConfig,
    GROUP_SCORING: ScoringConfig,
}
_REQUIRED_GROUPS = (RUN_OPTIONS, GROUP_KAFKA)


def properties_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Where the properties file is: ``explicit``, else ``$MSK_FEATURES_PROPERTIES``, else Managed Flink's."""
    if explicit:
        return Path(explicit)
    if os.environ.get(ENV_PROPERTIES):
        return Path(os.environ[ENV_PROPERTIES])
    return MANAGED_FLINK_PROPERTIES


def load_config(path: str | os.PathLike[str] | None = None) -> AppConfig:
    """Read and validate the properties file (see :func:`properties_path` for which file)."""
    resolved = properties_path(path)
    try:
        text = resolved.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            "(file)",
            None,
            f"no properties file at {resolved}",
            f"Managed Flink's {MANAGED_FLINK_PROPERTIES}, or a local file named by ${ENV_PROPERTIES}",
        ) from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError("(file)", None, f"{resolved} is not valid JSON: {exc}") from None
    return parse_config(document, source=str(resolved))


def parse_config(document: Any, source: str = "<properties>") -> AppConfig:
    """Validate a parsed properties document (a list of property groups) into an :class:`AppConfig`."""
    groups = _group_maps(document, source)
    known = [*PROPERTY_GROUPS, *OPEN_GROUPS]
    for group in groups:
        if group not in known:
            raise ConfigError(
                group, None, f"unknown property group in {source}", "one of " + ", ".join(known)
            )
    for group in _REQUIRED_GROUPS:
        if group not in groups:
            raise ConfigError(
                group, None, f"the group is missing from {source}", "a property group with this id"
            )
    values: dict[str, Any] = {}
    for group, cls in _GROUP_CLASSES.items():
        if group not in groups:
            continue
        if group == GROUP_TOPICS:
            fixed = {k: v for k, v in groups[group].items() if k in PROPERTY_GROUPS[group]}
            named = {k: v for k, v in groups[group].items() if k not in PROPERTY_GROUPS[group]}
            sources = _open_keys(group, named, TOPICS_SOURCE_KEY)
            values[group] = dataclasses.replace(_build_group(group, cls, fixed), sources=sources)
            continue
        if group == GROUP_SCORING:
            fixed = {k: v for k, v in groups[group].items() if k in PROPERTY_GROUPS[group]}
            named = {k: v for k, v in groups[group].items() if k not in PROPERTY_GROUPS[group]}
            values[group] = dataclasses.replace(
                _build_group(group, cls, fixed), endpoints=_scoring_endpoints(named)
            )
            continue
        values[group] = _build_group(group, cls, groups[group])
    topics = values.get(GROUP_TOPICS, TopicsConfig())
    if GROUP_FEATURE_TOPICS in groups:
        feature_topics = _open_group(GROUP_FEATURE_TOPICS, groups[GROUP_FEATURE_TOPICS])
        topics = dataclasses.replace(topics, feature_topics=feature_topics)
    cfg = AppConfig(
        run_options=values[RUN_OPTIONS],
        kafka=values[GROUP_KAFKA],
        topics=topics,
        sink=values.get(GROUP_SINK, SinkConfig()),
        offline=values.get(GROUP_OFFLINE),
        pipeline=values.get(GROUP_PIPELINE, PipelineConfig()),
        backfill=values.get(GROUP_BACKFILL),
        scoring=values.get(GROUP_SCORING, ScoringConfig()),
    )
    _check_auth(cfg.kafka)
    _check_backfill(cfg)
    _check_evolution(cfg.pipeline)
    return cfg


def _group_maps(document: Any, source: str) -> dict[str, Mapping[str, Any]]:
    if not isinstance(document, list):
        raise ConfigError(
            "(file)",
            None,
            f"{source} must hold a JSON list of property groups",
            '[{"PropertyGroupId": "...", "PropertyMap": {"key": "value"}}, ...]',
        )
    groups: dict[str, Mapping[str, Any]] = {}
    for index, entry in enumerate(document):
        if not isinstance(entry, dict) or "PropertyGroupId" not in entry or "PropertyMap" not in entry:
            raise ConfigError(
                f"(entry {index})",
                None,
                "is not a property group",
                'an object with "PropertyGroupId" and "PropertyMap"',
            )
        group_id = entry["PropertyGroupId"]
        property_map = entry["PropertyMap"]
        if not isinstance(property_map, dict):
            raise ConfigError(str(group_id), None, "PropertyMap is not an object", "a JSON object of strings")
        if group_id in groups:
            raise ConfigError(str(group_id), None, "the group appears twice", "each group once")
        groups[group_id] = property_map
    return groups


def _open_group(group: str, property_map: Mapping[str, Any]) -> dict[str, str]:
    return _open_keys(group, property_map, OPEN_GROUPS[group])


def _open_keys(
    group: str, property_map: Mapping[str, Any], form: tuple[str, Callable[[str], Any], str]
) -> dict[str, str]:
    key_form, parse, expected = form
    result: dict[str, str] = {}
    for key, raw in property_map.items():
        if not re.fullmatch(r"[a-z][a-z0-9_]*", key):
            raise ConfigError(group, key, "malformed key", key_form)
        if not isinstance(raw, str):
            raise ConfigError(group, key, f"value {raw!r} is not a string", expected)
        try:
            result[key] = parse(raw)
        except ValueError as exc:
            raise ConfigError(group, key, f"malformed value: {exc}", expected) from None
    return result


def _scoring_endpoints(property_map: Mapping[str, Any]) -> dict[str, str]:
    key_form, parse, expected = SCORING_ENDPOINT_KEY
    fixed = ", ".join(sorted(PROPERTY_GROUPS[GROUP_SCORING]))
    result: dict[str, str] = {}
    for key, raw in property_map.items():
        match = re.fullmatch(r"([a-z][a-z0-9_]*)\.endpoint", key)
        if not match:
            raise ConfigError(GROUP_SCORING, key, "unknown key", f"{key_form}, or one of {fixed}")
        if not isinstance(raw, str):
            raise ConfigError(GROUP_SCORING, key, f"value {raw!r} is not a string", expected)
        try:
            result[match.group(1)] = parse(raw)
        except ValueError as exc:
            raise ConfigError(GROUP_SCORING, key, f"malformed value: {exc}", expected) from None
    return result


def _build_group(group: str, cls: type[T], property_map: Mapping[str, Any]) -> T:
    schema = PROPERTY_GROUPS[group]
    unknown = sorted(set(property_map) - set(schema))
    if unknown:
        raise ConfigError(group, unknown[0], "unknown key", "one of " + ", ".join(sorted(schema)))
    kwargs: dict[str, Any] = {}
    for key, spec in schema.items():
        if key not in property_map:
            if spec.required:
                raise ConfigError(group, key, "the key is missing", spec.expected)
            continue
        raw = property_map[key]
        if not isinstance(raw, str):
            raise ConfigError(group, key, f"value {raw!r} is not a string", spec.expected)
        try:
            kwargs[spec.attr] = spec.parse(raw)
        except ValueError as exc:
            raise ConfigError(group, key, f"malformed value: {exc}", spec.expected) from None
    return cls(**kwargs)


def _property_text(value: object) -> str:
    """The text of a property value as :func:`parse_config` reads it back."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, datetime):
        text = value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
        return text + (f".{value.microsecond // 1000:03d}Z" if value.microsecond else "Z")
    if isinstance(value, tuple):
        return ",".join(str(v) for v in value)
    return str(value)


def _check_auth(kafka: KafkaConfig) -> None:
    required: dict[str, list[tuple[str, str | None]]] = {
        "scram": [("sasl.username", kafka.scram_username), ("sasl.password", kafka.scram_password)],
        "mtls": [("ssl.keystore.location", kafka.keystore_location)],
    }
    for key, value in required.get(kafka.auth, []):
        if value is None:
            raise ConfigError(
                GROUP_KAFKA,
                key,
                f"the key is required when auth is '{kafka.auth}'",
                PROPERTY_GROUPS[GROUP_KAFKA][key].expected,
            )


def _check_backfill(cfg: AppConfig) -> None:
    if cfg.backfill is None:
        return
    if cfg.backfill.end <= cfg.backfill.start:
        raise ConfigError(
            GROUP_BACKFILL, "to", "must be after from", PROPERTY_GROUPS[GROUP_BACKFILL]["to"].expected
        )
    if cfg.offline is None:
        raise ConfigError(
            GROUP_OFFLINE, "path", "a backfill reads and writes the offline path", "the offline group"
        )


def _check_evolution(pipeline: PipelineConfig) -> None:
    """``added.feature.sets`` and ``switch.over`` go together (names are checked against the spec
    by the compiler, which knows it)."""
    keys = PROPERTY_GROUPS[GROUP_PIPELINE]
    if pipeline.added_feature_sets and pipeline.switch_over is None:
        raise ConfigError(
            GROUP_PIPELINE,
            "switch.over",
            "is required with added.feature.sets (from when the added sets see every event)",
            keys["switch.over"].expected,
        )
    if pipeline.switch_over is not None and not pipeline.added_feature_sets:
        raise ConfigError(
            GROUP_PIPELINE,
            "added.feature.sets",
            "is required with switch.over (which feature sets are new since then)",
            keys["added.feature.sets"].expected,
        )


def to_property_groups(cfg: AppConfig) -> list[dict[str, Any]]:
    """The inverse of :func:`parse_config`: the properties document for ``cfg`` (defaults included)."""
    document: list[dict[str, Any]] = []
    objects: dict[str, Any] = {
        RUN_OPTIONS: cfg.run_options,
        GROUP_KAFKA: cfg.kafka,
        GROUP_TOPICS: cfg.topics,
        GROUP_SINK: cfg.sink,
        GROUP_OFFLINE: cfg.offline,
        GROUP_PIPELINE: cfg.pipeline,
        GROUP_BACKFILL: cfg.backfill,
        GROUP_SCORING: cfg.scoring if cfg.scoring != ScoringConfig() else None,
    }
    for group, obj in objects.items():
        if obj is None:
            continue
        property_map: dict[str, str] = {}
        if group == GROUP_TOPICS:
            property_map.update(cfg.topics.sources)
        if group == GROUP_SCORING:
            property_map.update(
                {f"{name}.endpoint": endpoint for name, endpoint in cfg.scoring.endpoints.items()}
            )
        for key, spec in PROPERTY_GROUPS[group].items():
            value = getattr(obj, spec.attr)
            if value is None:
                continue
            property_map[key] = _property_text(value)
        document.append({"PropertyGroupId": group, "PropertyMap": property_map})
    if cfg.topics.feature_topics:
        document.append(
            {"PropertyGroupId": GROUP_FEATURE_TOPICS, "PropertyMap": dict(cfg.topics.feature_topics)}
        )
    return document
