"""Typed loader for Managed Flink runtime properties.

Managed Flink delivers the application's runtime properties in
``/etc/flink/application_properties.json`` as a JSON list of
``{"PropertyGroupId": ..., "PropertyMap": {...}}`` objects, every value a string. Locally the same
file shape is read from the path in ``$MSK_FEATURES_PROPERTIES`` (or a path given explicitly).

Each property group is a class (:func:`~flink_jobs.properties.property_group` names the group once;
the ``topics`` and ``feature.topics`` groups are :class:`flink_jobs.topics.TopicsConfig`) and each
key is declared once, on the field it fills (:func:`~flink_jobs.properties.prop`: the key, the
parser of its value and its expected form). :class:`AppConfig` holds one class per field. The rest
is derived from those declarations: the schema the Terraform module writes exactly
(``PROPERTY_GROUPS``, ``OPEN_GROUPS``, ``TOPICS_SOURCE_KEY``, ``SCORING_ENDPOINT_KEY``), parsing,
unknown-key errors and :func:`to_property_groups`. Every error names the property group, the key
and the expected form, so a misconfigured application fails at start with a message that says how to
fix it.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from flink_jobs.properties import (
    ConfigError,
    Key,
    boolean,
    choice,
    declaration,
    integer,
    is_property_group,
    key_of,
    prop,
    property_group,
    read_group,
    text,
    write_group,
)
from flink_jobs.secret_refs import SECRET_REF_FORMS, parse_secret_ref
from flink_jobs.topics import TopicsConfig

__all__ = [
    "ENV_PROPERTIES",
    "GROUP_BACKFILL",
    "GROUP_FEATURE_TOPICS",
    "GROUP_KAFKA",
    "GROUP_OFFLINE",
    "GROUP_PIPELINE",
    "GROUP_SCORING",
    "GROUP_SINK",
    "GROUP_TOPICS",
    "MANAGED_FLINK_PROPERTIES",
    "OPEN_GROUPS",
    "PROPERTY_GROUPS",
    "RUN_OPTIONS",
    "SCORING_ENDPOINT_KEY",
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
    "TopicsConfig",
    "load_config",
    "parse_config",
    "properties_path",
    "to_property_groups",
]

MANAGED_FLINK_PROPERTIES = Path("/etc/flink/application_properties.json")
ENV_PROPERTIES = "MSK_FEATURES_PROPERTIES"

KafkaAuth = Literal["plaintext", "scram", "mtls", "iam"]
AUTH_MODES: tuple[str, ...] = ("plaintext", "scram", "mtls", "iam")
DeliveryGuarantee = Literal["exactly-once", "at-least-once"]
DELIVERY_GUARANTEES: tuple[str, ...] = ("exactly-once", "at-least-once")

# Broker default (and MSK's) transaction.max.timeout.ms: a producer asking for more is refused.
BROKER_MAX_TRANSACTION_TIMEOUT_MS = 900_000


# --------------------------------------------------------------------------------------------------
# Parsers of this module's value forms (the common ones are flink_jobs.properties')
# --------------------------------------------------------------------------------------------------


def _secret(value: str) -> str:
    """A secret property: a reference (see :mod:`flink_jobs.secret_refs`), checked; or a literal."""
    text(value)
    parse_secret_ref(value)  # raises ValueError for a malformed reference
    return value


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


# --------------------------------------------------------------------------------------------------
# The groups: one class each, one declaration per key on the field it fills
# --------------------------------------------------------------------------------------------------


@property_group("kinesis.analytics.flink.run.options")
class RunOptions:
    """The run options: what Managed Flink runs (paths relative to the zip root)."""

    python: str = prop("python", text, "the entry file relative to the zip root, e.g. main.py")
    jarfile: str = prop(
        "jarfile", text, "the uber-jar relative to the zip root, e.g. lib/pyflink-dependencies.jar"
    )
    py_files: str | None = prop(
        "pyFiles", text, "comma-separated paths relative to the zip root", default=None
    )


@property_group("kafka")
class KafkaConfig:
    """How to reach the cluster.

    ``auth`` selects the client properties: ``plaintext`` (port 9092 on MSK), ``scram``
    (SASL_SSL + SCRAM-SHA-512, 9096), ``mtls`` (SSL with a client certificate, 9094) and ``iam``
    (SASL_SSL + AWS_MSK_IAM, 9098). The secret fields (the SCRAM user name and password, the
    keystore and private key passwords) hold a reference such as ``env:VARIABLE`` or
    ``secretsmanager:AmazonMSK_app:password`` (:mod:`flink_jobs.secret_refs`), resolved only by the
    Kafka client that connects; a literal is accepted for throw-away local runs. ``create_topics``:
    the job creates the pipeline's missing topics at start (:mod:`connectors.kafka_topic_setup`).
    """

    bootstrap_servers: str = prop("bootstrap.servers", _bootstrap, "host:port[,host:port...]")
    auth: KafkaAuth = prop(
        "auth", choice(*AUTH_MODES), "one of " + ", ".join(AUTH_MODES), default="plaintext"
    )
    consumer_group: str = prop("group.id", text, "a consumer group id", default="msk-flink-features")
    scram_username: str | None = prop(
        "sasl.username", _secret, "the SCRAM user name, or " + SECRET_REF_FORMS, default=None
    )
    scram_password: str | None = prop(
        "sasl.password", _secret, "the SCRAM password as " + SECRET_REF_FORMS, default=None
    )
    truststore_location: str | None = prop(
        "ssl.truststore.location", text, "a path to a truststore file", default=None
    )
    truststore_type: str = prop(
        "ssl.truststore.type", choice("PEM", "JKS", "PKCS12"), "PEM, JKS or PKCS12", default="PEM"
    )
    keystore_location: str | None = prop(
        "ssl.keystore.location", text, "a path to a keystore file", default=None
    )
    keystore_type: str = prop(
        "ssl.keystore.type", choice("PEM", "JKS", "PKCS12"), "PEM, JKS or PKCS12", default="PEM"
    )
    keystore_password: str | None = prop(
        "ssl.keystore.password", _secret, "the keystore password as " + SECRET_REF_FORMS, default=None
    )
    key_password: str | None = prop(
        "ssl.key.password", _secret, "the private key password as " + SECRET_REF_FORMS, default=None
    )
    starting_offsets: Literal["earliest-offset", "latest-offset", "group-offsets"] = prop(
        "scan.startup.mode",
        choice("earliest-offset", "latest-offset", "group-offsets"),
        "earliest-offset, latest-offset or group-offsets",
        default="earliest-offset",
    )
    bounded: bool = prop(
        "bounded", boolean, "true or false (true: read what is there, then stop)", default=False
    )
    create_topics: bool = prop(
        "create.topics",
        boolean,
        "true or false (true: the job creates its missing topics at start)",
        default=True,
    )


@property_group("kafka.sink")
class SinkConfig:
    """The delivery guarantee of the Kafka sinks.

    Exactly-once commits on checkpoints: ``transactional_id_prefix`` must be unique per application
    on the cluster, and ``transaction_timeout_ms`` must not exceed the broker's
    ``transaction.max.timeout.ms`` (900000 by default and on MSK).
    """

    delivery_guarantee: DeliveryGuarantee = prop(
        "delivery.guarantee",
        choice(*DELIVERY_GUARANTEES),
        "exactly-once or at-least-once",
        default="exactly-once",
    )
    transactional_id_prefix: str = prop(
        "transactional.id.prefix",
        text,
        "a prefix unique to this application on the cluster",
        default="msk-flink-features",
    )
    transaction_timeout_ms: int = prop(
        "transaction.timeout.ms",
        integer(1_000, BROKER_MAX_TRANSACTION_TIMEOUT_MS),
        f"milliseconds from 1000 to {BROKER_MAX_TRANSACTION_TIMEOUT_MS} "
        "(the broker's transaction.max.timeout.ms)",
        default=600_000,
    )


@property_group("offline")
class OfflineConfig:
    """Where Parquet training data goes (``s3a://bucket/prefix`` or ``file:///path``).

    ``s3_endpoint`` and ``s3_path_style`` point the Hadoop S3 filesystem at a local S3 API server;
    leave them unset on AWS.
    """

    path: str = prop("path", _offline_path, "s3a://bucket/prefix or file:///absolute/path")
    s3_endpoint: str | None = prop(
        "s3.endpoint", text, "an S3 endpoint URL, e.g. http://127.0.0.1:9000", default=None
    )
    s3_path_style: bool = prop("s3.path.style.access", boolean, "true or false", default=False)
    s3_access_key: str | None = prop("s3.access.key", text, "an access key id", default=None)
    s3_secret_key: str | None = prop("s3.secret.key", text, "a secret access key", default=None)


@property_group("pipeline")
class PipelineConfig:
    """Which pipeline runs, its event-time and checkpoint settings, and the version stamped
    on every output row. ``watermark_delay_s`` and ``idle_timeout_s`` apply to every source whose spec
    does not set its own.

    ``name``: the pipeline (a module of :mod:`flink_jobs.pipelines`, or of a package named in
    ``$MSK_FEATURES_PIPELINE_PACKAGES``). It has no default: unset (``None``), the job runs the only
    pipeline there is and refuses to choose among several, naming them
    (:func:`flink_jobs.pipelines.resolve_pipeline_name`); a command's ``PIPELINE`` argument overrides it.

    ``feature_sets``: the feature sets this job computes (empty: all of the spec's). A feature set
    added to a running pipeline (docs/evolving.md) is named in ``added_feature_sets``, with
    ``switch_over``: an instant after the event time of every record the previous job read (this
    job restored from its savepoint). Such a set starts with no history, so the job emits its rows
    only from ``switch_over`` plus the history they need (its largest window or range, see
    :func:`flink_jobs.features.compiler.history.complete_from`); a backfill gives the rows before.
    """

    name: str | None = prop(
        "name", _pipeline_name, "the name of a pipeline module (see flink_jobs.pipelines)", default=None
    )
    version: str = prop("version", text, "a version string stamped on every output row", default="0.1.0")
    watermark_delay_s: int = prop(
        "watermark.delay.seconds", integer(0, 86_400), "seconds from 0 to 86400", default=30
    )
    idle_timeout_s: int = prop(
        "idle.timeout.seconds", integer(1, 86_400), "seconds from 1 to 86400", default=60
    )
    checkpoint_interval_ms: int = prop(
        "checkpoint.interval.ms", integer(100), "milliseconds, at least 100", default=10_000
    )
    parallelism: int | None = prop(
        "parallelism", integer(1, 10_000), "an integer from 1 to 10000", default=None
    )
    feature_sets: tuple[str, ...] = prop(
        "feature.sets", _names, "comma-separated feature set names (default: all)", default=()
    )
    added_feature_sets: tuple[str, ...] = prop(
        "added.feature.sets",
        _names,
        "comma-separated names of feature sets new since switch.over",
        default=(),
    )
    switch_over: datetime | None = prop(
        "switch.over", _instant, "a UTC instant after every event the previous job read", default=None
    )


@property_group("backfill")
class BackfillConfig:
    """Run the feature SQL over the raw archive instead of the Kafka inputs.

    The job reads ``<offline>/events/<source>/`` (each source's on-time events, as the live job
    archived them) from ``lookback_s`` before ``start`` (default: what the selected feature sets
    need, see :func:`flink_jobs.features.compiler.history.lookback`) up to ``end``, computes the
    same feature SQL in streaming mode and writes the rows whose time (``window_end`` for window
    sets, the event time otherwise) is in ``[start, end)`` to ``<offline>/backfill/<run>/features/``.
    ``feature_sets``: the sets to compute (empty: all). Nothing is written to Kafka.
    """

    start: datetime = prop("from", _instant, "a UTC instant, e.g. 2026-11-24T10:00:00Z")
    end: datetime = prop("to", _instant, "a UTC instant after from, e.g. 2026-11-24T12:00:00Z")
    feature_sets: tuple[str, ...] = prop(
        "feature.sets", _names, "comma-separated feature set names (default: all)", default=()
    )
    run: str | None = prop(
        "run", _run_name, "a name for the run's output folder (default: <from>_<to>)", default=None
    )
    lookback_s: int | None = prop(
        "lookback.seconds",
        integer(0, 366 * 86_400),
        "seconds of history to read before from, 0 to 31622400",
        default=None,
    )

    def run_name(self) -> str:
        """``run``, else ``<start>_<end>`` in compact UTC (e.g. ``20261124T1000Z_20261124T1200Z``)."""
        return self.run or f"{_compact(self.start)}_{_compact(self.end)}"


def _compact(moment: datetime) -> str:
    stamp = moment.astimezone(UTC).strftime("%Y%m%dT%H%M%S")
    return (stamp[:-2] if stamp.endswith("00") else stamp) + "Z"


@property_group("scoring", omit_if_default=True)
class ScoringConfig:
    """The model endpoints the job's scorings call (:mod:`flink_jobs.features.scoring`); a job
    without scorings writes no such group (``omit_if_default``).

    ``endpoints`` maps a scoring name (one key per scoring) to its SageMaker endpoint name; a
    scoring without one does not run. ``endpoint_override`` points the client at a server speaking
    the SageMaker runtime protocol (the local stack's); ``region`` and the static keys default to the
    SDK's chains (on Managed Flink: the application's region and role). Per parallel instance at most
    ``max_in_flight`` calls are in flight (the provider's ``max-connections``; ML_PREDICT's queue is
    larger, see compiler.scoring); each call has
    ``max_attempts`` attempts of at most ``attempt_timeout_ms``, retries after an exponential backoff
    from ``backoff_ms``.
    """

    endpoints: Mapping[str, str] = prop(
        "{name}.endpoint",
        _endpoint_name,
        "a SageMaker endpoint name (letters, digits, '-')",
        key_form="<scoring name>.endpoint, e.g. fraud_score.endpoint",
        default_factory=dict,
    )
    region: str | None = prop(
        "region", text, "an AWS region, e.g. eu-west-1 (default: the SDK's region chain)", default=None
    )
    endpoint_override: str | None = prop(
        "endpoint.override",
        _url,
        "the URL of a SageMaker runtime API server, e.g. http://127.0.0.1:8085",
        default=None,
    )
    access_key: str | None = prop("access.key", text, "an access key id (local endpoints only)", default=None)
    secret_key: str | None = prop(
        "secret.key", text, "a secret access key (local endpoints only)", default=None
    )
    max_in_flight: int = prop(
        "max.in.flight", integer(1, 10_000), "calls in flight per parallel instance, 1 to 10000", default=32
    )
    attempt_timeout_ms: int = prop(
        "attempt.timeout.ms", integer(10, 600_000), "milliseconds per attempt, 10 to 600000", default=2_000
    )
    max_attempts: int = prop(
        "max.attempts", integer(1, 10), "attempts per call, the first included, 1 to 10", default=3
    )
    backoff_ms: int = prop(
        "backoff.ms", integer(1, 60_000), "milliseconds before the first retry, 1 to 60000", default=100
    )


@dataclass(frozen=True)
class AppConfig:
    """The whole application configuration, one field per property group class (a field without a
    default is a required group; one that defaults to None, an optional group absent from the
    document)."""

    run_options: RunOptions
    kafka: KafkaConfig
    topics: TopicsConfig = field(default_factory=TopicsConfig)
    sink: SinkConfig = field(default_factory=SinkConfig)
    offline: OfflineConfig | None = None
    pipeline: PipelineConfig = field(default_factory=PipelineConfig)
    backfill: BackfillConfig | None = None
    scoring: ScoringConfig = field(default_factory=ScoringConfig)


# --------------------------------------------------------------------------------------------------
# The schema, derived from the declarations
# --------------------------------------------------------------------------------------------------


def _group_classes() -> dict[str, type]:
    """Each field of :class:`AppConfig` -> the property group class it holds."""
    hints = typing.get_type_hints(AppConfig)
    return {
        f.name: next(c for c in (hints[f.name], *typing.get_args(hints[f.name])) if is_property_group(c))
        for f in dataclasses.fields(AppConfig)
    }


_CLASSES = _group_classes()


def _schema() -> dict[str, tuple[str, list[Key]]]:
    """Every group id, in document order (each class's own group in :class:`AppConfig`'s field order,
    then the groups that fill a field of a class declared for another group) -> the :class:`AppConfig`
    field whose class it fills, and its keys in declaration order."""
    schema: dict[str, tuple[str, list[Key]]] = {declaration(c).id: (attr, []) for attr, c in _CLASSES.items()}
    for attr, cls in _CLASSES.items():
        for key in declaration(cls).keys:
            schema.setdefault(key.group, (attr, []))[1].append(key)
    return schema


_SCHEMA = _schema()


def _open_form(key: Key) -> tuple[str, Callable[[str], Any], str]:
    return (key.key_form or key.key, key.parse, key.expected)


PROPERTY_GROUPS: dict[str, dict[str, Key]] = {
    group: {key.key: key for key in keys if not key.is_open}
    for group, (_, keys) in _SCHEMA.items()
    if any(not key.is_open for key in keys)
}
"""Group id -> its fixed keys -> their declaration (``parse``, ``expected``, ``required``)."""

OPEN_GROUPS: dict[str, tuple[str, Callable[[str], Any], str]] = {
    group: _open_form(keys[0]) for group, (_, keys) in _SCHEMA.items() if group not in PROPERTY_GROUPS
}
"""Groups whose keys are names chosen by the user rather than a fixed set: key form, parser,
expected form of the value."""

_OPEN_KEYS = {group: key for group, (_, keys) in _SCHEMA.items() for key in keys if key.is_open}

RUN_OPTIONS = declaration(RunOptions).id
GROUP_KAFKA = declaration(KafkaConfig).id
GROUP_TOPICS = declaration(TopicsConfig).id
GROUP_FEATURE_TOPICS = key_of(TopicsConfig, "feature_topics").group
GROUP_SINK = declaration(SinkConfig).id
GROUP_OFFLINE = declaration(OfflineConfig).id
GROUP_PIPELINE = declaration(PipelineConfig).id
GROUP_BACKFILL = declaration(BackfillConfig).id
GROUP_SCORING = declaration(ScoringConfig).id

TOPICS_SOURCE_KEY = _open_form(_OPEN_KEYS[GROUP_TOPICS])
"""The keys of the topics group other than its fixed ones: the topic of the source of that name."""
SCORING_ENDPOINT_KEY = _open_form(_OPEN_KEYS[GROUP_SCORING])
"""The keys of the scoring group other than its fixed ones: ``<scoring name>.endpoint``."""

_REQUIRED_GROUPS = [
    declaration(_CLASSES[f.name]).id
    for f in dataclasses.fields(AppConfig)
    if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
]


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
        content = resolved.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            "(file)",
            None,
            f"no properties file at {resolved}",
            f"Managed Flink's {MANAGED_FLINK_PROPERTIES}, or a local file named by ${ENV_PROPERTIES}",
        ) from None
    try:
        document = json.loads(content)
    except json.JSONDecodeError as exc:
        raise ConfigError("(file)", None, f"{resolved} is not valid JSON: {exc}") from None
    return parse_config(document, source=str(resolved))


def parse_config(document: Any, source: str = "<properties>") -> AppConfig:
    """Validate a parsed properties document (a list of property groups) into an :class:`AppConfig`."""
    groups = _group_maps(document, source)
    known = list(_SCHEMA)
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
    present = {attr for group, (attr, _) in _SCHEMA.items() if group in groups}
    values: dict[str, dict[str, Any]] = {attr: {} for attr in present}
    for group, (attr, keys) in _SCHEMA.items():
        if attr in present:
            values[attr].update(read_group(group, keys, groups.get(group, {})))
    cfg = AppConfig(**{attr: _CLASSES[attr](**values[attr]) for attr in present})
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


_AUTH_FIELDS: dict[str, tuple[str, ...]] = {
    "scram": ("scram_username", "scram_password"),
    "mtls": ("keystore_location",),
}
"""The :class:`KafkaConfig` fields an auth mode needs: their keys are required with it."""


def _check_auth(kafka: KafkaConfig) -> None:
    for attr in _AUTH_FIELDS.get(kafka.auth, ()):
        if getattr(kafka, attr) is None:
            key = key_of(KafkaConfig, attr)
            raise ConfigError(
                key.group, key.key, f"the key is required when auth is '{kafka.auth}'", key.expected
            )


def _check_backfill(cfg: AppConfig) -> None:
    if cfg.backfill is None:
        return
    start, end = key_of(BackfillConfig, "start"), key_of(BackfillConfig, "end")
    if cfg.backfill.end <= cfg.backfill.start:
        raise ConfigError(end.group, end.key, f"must be after {start.key}", end.expected)
    if cfg.offline is None:
        path = key_of(OfflineConfig, "path")
        raise ConfigError(
            path.group, path.key, "a backfill reads and writes the offline path", f"the {path.group} group"
        )


def _check_evolution(pipeline: PipelineConfig) -> None:
    """The added feature sets and the switch-over instant go together (names are checked against the
    spec by the compiler, which knows it)."""
    added, switch_over = key_of(PipelineConfig, "added_feature_sets"), key_of(PipelineConfig, "switch_over")
    if pipeline.added_feature_sets and pipeline.switch_over is None:
        raise ConfigError(
            switch_over.group,
            switch_over.key,
            f"is required with {added.key} (from when the added sets see every event)",
            switch_over.expected,
        )
    if pipeline.switch_over is not None and not pipeline.added_feature_sets:
        raise ConfigError(
            added.group,
            added.key,
            f"is required with {switch_over.key} (which feature sets are new since then)",
            added.expected,
        )


def to_property_groups(cfg: AppConfig) -> list[dict[str, Any]]:
    """The inverse of :func:`parse_config`: the properties document for ``cfg``, defaults included.

    Groups in :func:`parse_config`'s order; a group with nothing to write (an open group
    without keys), an optional group that is None, and a group of a class declared
    ``omit_if_default`` that equals its defaults are left out."""
    document: list[dict[str, Any]] = []
    for group, (attr, keys) in _SCHEMA.items():
        obj = getattr(cfg, attr)
        if obj is None or (declaration(type(obj)).omit_if_default and obj == type(obj)()):
            continue
        property_map = write_group(obj, keys)
        if property_map:
            document.append({"PropertyGroupId": group, "PropertyMap": property_map})
    return document
