"""The job creates its missing topics at start (MSK Serverless has no topic API for Terraform).

:func:`connectors.kafka_topic_setup.ensure_job_topics` runs in the PyFlink gateway JVM with the
uber-jar loaded, as ``flink_jobs.runtime.job.run`` calls it (after ``create_table_env`` of a local run),
against the real local broker. What Kafka then holds is read back with the librdkafka admin client.
"""

from __future__ import annotations

import dataclasses
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.kafka_preflight import KafkaAccessError
from connectors.kafka_topic_setup import TopicSetupError, ensure_job_topics
from flink_jobs.config import (
    ENV_PROPERTIES,
    AppConfig,
    KafkaConfig,
    RunOptions,
    parse_config,
    to_property_groups,
)
from flink_jobs.pipelines import pipeline_topics, prefixed_topics
from flink_jobs.topics import TopicSpec
from msk_features.dev.stack.control import Endpoints
from msk_features.kafka.topic_setup import describe_topics, ensure_topics

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def gateway_with_jar(request: pytest.FixtureRequest) -> Iterator[None]:
    """The gateway JVM with the uber-jar on its user class path, as a local job has it."""
    from flink_jobs.runtime.environment import create_table_env

    if not (REPO / "target" / "lib" / "pyflink-dependencies.jar").is_file():
        request.getfixturevalue("built_package")
    cfg = AppConfig(RunOptions("main.py", "lib/pyflink-dependencies.jar"), KafkaConfig("127.0.0.1:9"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(ENV_PROPERTIES, "local")  # a local run: create_table_env adds the jar
        create_table_env(cfg, REPO, "topic-setup-test")
    yield


def _specs(prefix: str, partitions: int = 2, retention_ms: int = 3_600_000) -> list[TopicSpec]:
    topics = dataclasses.replace(prefixed_topics(prefix, "fraud", partitions), retention_ms=retention_ms)
    return pipeline_topics(topics, "fraud")


def _prefix(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:6]}-"


def test_missing_topics_are_created_with_the_manifests_settings(
    local_stack: Endpoints, gateway_with_jar: None
) -> None:
    specs = _specs(_prefix("jt-new"))
    states = ensure_job_topics(local_stack.kafka_config("plaintext"), specs)
    assert [(s.name, s.outcome) for s in states] == [(spec.name, "created") for spec in specs]
    found = describe_topics(local_stack.kafka_plaintext_bootstrap, [s.name for s in specs])
    for spec in specs:
        partitions, compacted, retention = found[spec.name]
        assert (partitions, compacted) == (2, spec.compacted), spec.name
        if not spec.compacted:
            assert retention == 3_600_000, spec.name
    assert [s.name for s in specs if s.compacted] == [specs[2].name]  # profiles, versioned


def test_existing_topics_are_left_alone(local_stack: Endpoints, gateway_with_jar: None) -> None:
    specs = _specs(_prefix("jt-old"))
    bootstrap = local_stack.kafka_plaintext_bootstrap
    wider = dataclasses.replace(specs[0], partitions=5, retention_ms=60_000)
    ensure_topics(bootstrap, [wider])  # made by an operator: more partitions, shorter retention
    kafka = local_stack.kafka_config("plaintext")
    first = ensure_job_topics(kafka, specs)
    assert first[0].outcome == "differs"
    assert "5 partitions, the manifest says 2" in first[0].detail and "retention.ms=60000" in first[0].detail
    assert {s.outcome for s in first[1:]} == {"created"}
    assert {s.outcome for s in ensure_job_topics(kafka, specs)[1:]} == {"exists"}  # a restart: nothing to do
    assert describe_topics(bootstrap, [wider.name])[wider.name] == (5, False, 60_000)  # not altered


def test_a_topic_with_fewer_partitions_than_the_manifest_fails_naming_it(
    local_stack: Endpoints, gateway_with_jar: None
) -> None:
    specs = _specs(_prefix("jt-few"), partitions=3)
    ensure_topics(local_stack.kafka_plaintext_bootstrap, [dataclasses.replace(specs[1], partitions=1)])
    with pytest.raises(TopicSetupError) as info:
        ensure_job_topics(local_stack.kafka_config("plaintext"), specs)
    message = str(info.value)
    assert f"topic '{specs[1].name}' exists with 1 partition, the pipeline's manifest says 3" in message
    assert f"--alter --topic {specs[1].name} --partitions 3" in message and "topics.partitions=1" in message
    assert "\n" not in message


def test_a_versioned_sources_topic_that_is_not_compacted_fails(
    local_stack: Endpoints, gateway_with_jar: None
) -> None:
    specs = _specs(_prefix("jt-cmp"))
    (profiles,) = [s for s in specs if s.compacted]
    ensure_topics(local_stack.kafka_plaintext_bootstrap, [dataclasses.replace(profiles, compacted=False)])
    with pytest.raises(
        TopicSetupError, match=f"topic '{profiles.name}' exists without cleanup.policy=compact"
    ):
        ensure_job_topics(local_stack.kafka_config("plaintext"), specs)


def test_a_wrong_bootstrap_fails_in_one_line_naming_the_topics(gateway_with_jar: None) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    specs = _specs(_prefix("jt-nobody"))
    with pytest.raises(TopicSetupError) as info:
        ensure_job_topics(KafkaConfig(f"127.0.0.1:{port}"), specs, timeout_s=3)
    message = str(info.value)
    assert message.startswith("property group 'kafka', key 'bootstrap.servers'")
    assert f"Kafka at 127.0.0.1:{port} did not answer" in message and f"'{specs[0].name}'" in message
    assert "\n" not in message


def test_a_rejected_login_fails_as_the_preflight_does(local_stack: Endpoints, gateway_with_jar: None) -> None:
    kafka = dataclasses.replace(local_stack.kafka_config("scram"), scram_password="not-the-password")
    with pytest.raises(KafkaAccessError, match="rejected the credentials"):
        ensure_job_topics(kafka, _specs(_prefix("jt-login")), timeout_s=20)


def test_over_scram_the_topics_are_created_too(local_stack: Endpoints, gateway_with_jar: None) -> None:
    specs = _specs(_prefix("jt-scram"))[:2]
    states = ensure_job_topics(local_stack.kafka_config("scram"), specs, timeout_s=20)
    assert [s.outcome for s in states] == ["created", "created"]


def test_create_topics_is_on_by_default_and_switchable() -> None:
    document = to_property_groups(AppConfig(RunOptions("main.py", "lib/x.jar"), KafkaConfig("h:9098")))
    (kafka,) = [g["PropertyMap"] for g in document if g["PropertyGroupId"] == "kafka"]
    assert kafka["create.topics"] == "true"
    assert parse_config(document).kafka.create_topics
    kafka["create.topics"] = "false"
    assert not parse_config(document).kafka.create_topics
