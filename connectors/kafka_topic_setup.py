"""The job's own topics, created at start when missing (MSK Serverless has no topic API for Terraform).

:func:`ensure_job_topics` runs once, in the PyFlink gateway JVM, before the job is submitted (never
per event). It connects with exactly the Java client properties the connector gets
(:func:`connectors.kafka_auth.client_properties`: any auth mode, secret references resolved in the
JVM, MSK IAM through the uber-jar's ``aws-msk-iam-auth``), lists the topics, and creates each topic of
the pipeline's manifest that is missing, with the manifest's partitions, ``cleanup.policy=compact``
for a compacted topic and ``retention.ms`` for the others, at the cluster's default replication
factor. Existing topics are never altered:

- fewer partitions than the manifest, or a compacted topic that is not compacted (or the reverse):
  :class:`TopicSetupError` (the job would read or keep the wrong data);
- more partitions, or another ``retention.ms``: a warning only (a deliberate operator's choice).

The ``kafka`` property ``create.topics`` (default ``true``) switches it off, e.g. where Terraform
creates the topics (``aws_msk_topic`` on a provisioned cluster). Every failure is one line naming the
topic and what to do: no permission (``kafka-cluster:CreateTopic``/``DescribeTopic`` on MSK), a
cluster that does not answer (a wrong ``bootstrap.servers``), a rejected login or TLS handshake.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from connectors.kafka_auth import client_properties
from connectors.kafka_preflight import access_error, classify_java_failure
from flink_jobs.config import GROUP_KAFKA, GROUP_TOPICS, ConfigError, KafkaConfig
from flink_jobs.topics import TopicSpec

__all__ = ["CREATE_TOPICS_KEY", "TopicSetupError", "TopicState", "ensure_job_topics", "topic_failure"]

log = logging.getLogger(__name__)

CREATE_TOPICS_KEY = "create.topics"
_SWITCH_OFF = (
    f"(or create the topics beforehand, e.g. `msk-features topics apply`, and set {CREATE_TOPICS_KEY}=false)"
)
_DENIED = ("TopicAuthorizationException", "ClusterAuthorizationException")
_TIMEOUT = ("TimeoutException",)


class TopicSetupError(ConfigError):
    """A topic of the pipeline cannot be created or exists with settings the job cannot run on."""


@dataclass(frozen=True)
class TopicState:
    """What :func:`ensure_job_topics` found or did: ``created``, ``exists`` or ``differs`` (an
    accepted difference, named in ``detail``)."""

    name: str
    outcome: Literal["created", "exists", "differs"]
    detail: str = ""


def _chain(throwable: Any) -> list[tuple[str, str]]:
    chain: list[tuple[str, str]] = []
    while throwable is not None and len(chain) < 20:
        chain.append((str(throwable.getClass().getName()), str(throwable.getMessage() or "")))
        throwable = throwable.getCause()
    return chain


def _simple(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def topic_failure(
    kafka: KafkaConfig, chain: list[tuple[str, str]], topics: Sequence[str], doing: str
) -> ConfigError:
    """The one-line error for a Java failure while ``doing`` something to ``topics``."""
    reason = classify_java_failure(chain)
    if reason is not None:
        detail = next((m for n, m in chain if classify_java_failure([(n, m)])), chain[-1][1])
        return access_error(kafka, reason, detail)
    names = ", ".join(f"'{t}'" for t in topics)
    last = f"{_simple(chain[-1][0])}: {chain[-1][1]}" if chain else "unknown failure"
    if any(_simple(n) in _DENIED for n, _ in chain):
        return TopicSetupError(
            GROUP_KAFKA,
            CREATE_TOPICS_KEY,
            f"the application may not {doing} topic {names} on Kafka at {kafka.bootstrap_servers} ({last})",
            "an identity allowed to create and describe these topics (on MSK with IAM: "
            "kafka-cluster:CreateTopic and kafka-cluster:DescribeTopic on their topic ARNs) " + _SWITCH_OFF,
        )
    if any(_simple(n) in _TIMEOUT for n, _ in chain):
        return TopicSetupError(
            GROUP_KAFKA,
            "bootstrap.servers",
            f"Kafka at {kafka.bootstrap_servers} did not answer when the job went to {doing} its topics "
            f"{names} ({last})",
            f"the brokers' host:port for auth '{kafka.auth}' (MSK: 9098 IAM, 9096 SCRAM, 9094 TLS, 9092 "
            "plaintext), reachable from the application's subnets and security groups",
        )
    return TopicSetupError(
        GROUP_KAFKA, CREATE_TOPICS_KEY, f"cannot {doing} topic {names}: {last}", _SWITCH_OFF.strip("()")
    )


def _check_existing(
    spec: TopicSpec, partitions: int, compacted: bool, retention_ms: int | None
) -> TopicState:
    if partitions < spec.partitions:
        raise TopicSetupError(
            GROUP_TOPICS,
            "partitions",
            f"topic '{spec.name}' exists with {partitions} partition{'s' if partitions != 1 else ''}, the "
            f"pipeline's manifest says {spec.partitions}; the job does not alter existing topics",
            f"more partitions on the topic (kafka-topics.sh --alter --topic {spec.name} --partitions "
            f"{spec.partitions}), or topics.partitions={partitions} if that is what the pipeline should use",
        )
    if compacted != spec.compacted:
        want = "compacted (cleanup.policy=compact: the latest value per key is the source's state)"
        if not spec.compacted:
            want = "not compacted (cleanup.policy=delete: every record counts)"
        raise TopicSetupError(
            GROUP_TOPICS,
            None,
            f"topic '{spec.name}' exists {'with' if compacted else 'without'} cleanup.policy=compact, the "
            f"pipeline's manifest says {want}; the job does not alter existing topics",
            f"kafka-configs.sh --alter --entity-type topics --entity-name {spec.name} --add-config "
            f"cleanup.policy={'compact' if spec.compacted else 'delete'}, or a new topic",
        )
    notes = []
    if partitions > spec.partitions:
        notes.append(f"{partitions} partitions, the manifest says {spec.partitions}")
    if not spec.compacted and spec.retention_ms is not None and retention_ms != spec.retention_ms:
        notes.append(f"retention.ms={retention_ms}, the manifest says {spec.retention_ms}")
    if notes:
        detail = "; ".join(notes) + " (left as it is)"
        log.warning("topic %s: %s", spec.name, detail)
        return TopicState(spec.name, "differs", detail)
    return TopicState(spec.name, "exists")


def ensure_job_topics(
    kafka: KafkaConfig, specs: Sequence[TopicSpec], timeout_s: float = 60.0
) -> list[TopicState]:
    """Create the topics of ``specs`` that do not exist; check the others (see the module docstring).

    Returns one :class:`TopicState` per spec, in order; raises :class:`TopicSetupError` (or the
    :class:`~connectors.kafka_preflight.KafkaAccessError` of a rejected login) in one line.
    """
    from py4j.protocol import Py4JJavaError
    from pyflink.java_gateway import get_gateway

    gateway = get_gateway()
    jvm = gateway.jvm
    admin_pkg = jvm.org.apache.kafka.clients.admin
    timeout_ms = int(timeout_s * 1000)
    props = jvm.java.util.Properties()
    for key, value in {
        **client_properties(kafka),
        "client.id": "msk-flink-features-topics",
        "request.timeout.ms": str(timeout_ms),
        "default.api.timeout.ms": str(timeout_ms),
    }.items():
        props.setProperty(key, value)
    names = [spec.name for spec in specs]
    admin = None
    doing, subject = "list", names
    try:
        admin = admin_pkg.AdminClient.create(props)
        listed = admin.listTopics(admin_pkg.ListTopicsOptions().timeoutMs(timeout_ms)).names().get()
        existing = [name for name in names if listed.contains(name)]
        states: dict[str, TopicState] = {}
        if existing:
            doing, subject = "describe", existing
            states = _describe(gateway, admin, [s for s in specs if s.name in existing], timeout_ms)
        missing = [spec for spec in specs if spec.name not in states]
        for spec in missing:
            doing, subject = "create", [spec.name]
            states[spec.name] = _create(gateway, admin, spec, timeout_ms)
        return [states[name] for name in names]
    except Py4JJavaError as exc:
        raise topic_failure(kafka, _chain(exc.java_exception), subject, doing) from None
    finally:
        if admin is not None:
            admin.close(jvm.java.time.Duration.ofSeconds(5))


def _describe(gateway: Any, admin: Any, specs: Sequence[TopicSpec], timeout_ms: int) -> dict[str, TopicState]:
    jvm = gateway.jvm
    admin_pkg = jvm.org.apache.kafka.clients.admin
    names = jvm.java.util.ArrayList()
    resources = jvm.java.util.ArrayList()
    for spec in specs:
        names.add(spec.name)
        resources.add(jvm.org.apache.kafka.common.config.ConfigResource(_topic_type(jvm), spec.name))
    descriptions = (
        admin.describeTopics(names, admin_pkg.DescribeTopicsOptions().timeoutMs(timeout_ms))
        .allTopicNames()
        .get()
    )
    configs = (
        admin.describeConfigs(resources, admin_pkg.DescribeConfigsOptions().timeoutMs(timeout_ms)).all().get()
    )
    states: dict[str, TopicState] = {}
    for spec, resource in zip(specs, resources, strict=True):
        config = configs.get(resource)
        policy = config.get("cleanup.policy")
        retention = config.get("retention.ms")
        states[spec.name] = _check_existing(
            spec,
            descriptions.get(spec.name).partitions().size(),
            "compact" in str(policy.value() if policy is not None else "delete"),
            int(str(retention.value())) if retention is not None and retention.value() is not None else None,
        )
    return states


def _topic_type(jvm: Any) -> Any:
    return getattr(jvm.org.apache.kafka.common.config, "ConfigResource$Type").TOPIC


def _create(gateway: Any, admin: Any, spec: TopicSpec, timeout_ms: int) -> TopicState:
    """Create ``spec``'s topic; one created meanwhile by someone else is checked like any existing one."""
    from py4j.protocol import Py4JJavaError

    jvm = gateway.jvm
    admin_pkg = jvm.org.apache.kafka.clients.admin
    config = jvm.java.util.HashMap()
    if spec.compacted:
        config.put("cleanup.policy", "compact")
    elif spec.retention_ms is not None:
        config.put("retention.ms", str(spec.retention_ms))
    optional = jvm.java.util.Optional
    partitions = optional.of(jvm.java.lang.Integer.valueOf(spec.partitions))
    topic = admin_pkg.NewTopic(spec.name, partitions, optional.empty()).configs(config)
    topics = jvm.java.util.ArrayList()
    topics.add(topic)
    options = admin_pkg.CreateTopicsOptions().timeoutMs(timeout_ms)
    try:
        admin.createTopics(topics, options).all().get()
    except Py4JJavaError as exc:
        if not any(_simple(n) == "TopicExistsException" for n, _ in _chain(exc.java_exception)):
            raise
        return _describe(gateway, admin, [spec], timeout_ms)[spec.name]
    log.info(
        "created topic %s (%d partitions, %s)",
        spec.name,
        spec.partitions,
        "compacted" if spec.compacted else f"retention.ms={spec.retention_ms}",
    )
    return TopicState(spec.name, "created")
