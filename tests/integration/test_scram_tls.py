"""SASL_SSL with SCRAM-SHA-512 on the local broker, with the Java and the librdkafka clients."""

from __future__ import annotations

import dataclasses
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from confluent_kafka import Consumer, Producer

from connectors.kafka_auth import client_properties
from flink_jobs.topics import TopicSpec
from msk_features.dev.stack.control import Endpoints
from msk_features.dev.stack.kafka_broker import (
    CONSOLE_CONSUMER,
    CONSOLE_PRODUCER,
    load_distribution,
    write_java_properties,
)
from msk_features.dev.stack.tls import write_ca
from msk_features.kafka.auth import librdkafka_config
from msk_features.kafka.preflight import KafkaConnectionError, check_connection
from msk_features.kafka.topic_setup import ensure_topics


def _topic(endpoints: Endpoints, prefix: str) -> str:
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    ensure_topics(endpoints.kafka_plaintext_bootstrap, [TopicSpec(name, 1)])
    return name


def test_java_console_round_trip_with_connector_properties(local_stack: Endpoints, tmp_path: Path) -> None:
    """The Java client properties the Flink connector gets work against the SASL_SSL listener."""
    props = client_properties(local_stack.kafka_config("scram"))
    assert props["security.protocol"] == "SASL_SSL"
    assert props["sasl.mechanism"] == "SCRAM-SHA-512"
    assert props["bootstrap.servers"] == local_stack.kafka_scram_bootstrap
    config_file = tmp_path / "client.properties"
    write_java_properties(config_file, props, mode=0o600)

    topic = _topic(local_stack, "it-java-scram")
    messages = [f"java-{i}-{uuid.uuid4()}" for i in range(5)]
    dist = load_distribution()
    produce = subprocess.run(
        dist.tool_command(
            CONSOLE_PRODUCER,
            [
                "--bootstrap-server",
                local_stack.kafka_scram_bootstrap,
                "--topic",
                topic,
                "--producer.config",
                str(config_file),
            ],
        ),
        input="\n".join(messages) + "\n",
        capture_output=True,
        text=True,
        env=dist.env(),
        timeout=120,
        check=False,
    )
    assert produce.returncode == 0, produce.stderr
    consume = subprocess.run(
        dist.tool_command(
            CONSOLE_CONSUMER,
            [
                "--bootstrap-server",
                local_stack.kafka_scram_bootstrap,
                "--topic",
                topic,
                "--consumer.config",
                str(config_file),
                "--from-beginning",
                "--max-messages",
                str(len(messages)),
                "--timeout-ms",
                "60000",
            ],
        ),
        capture_output=True,
        text=True,
        env=dist.env(),
        timeout=120,
        check=False,
    )
    assert consume.returncode == 0, consume.stderr
    assert consume.stdout.splitlines() == messages


def test_java_console_producer_with_wrong_password_fails(local_stack: Endpoints, tmp_path: Path) -> None:
    bad = dataclasses.replace(local_stack.kafka_config("scram"), scram_password="not-the-password")
    config_file = tmp_path / "bad.properties"
    write_java_properties(config_file, client_properties(bad) | {"max.block.ms": "10000"}, mode=0o600)
    dist = load_distribution()
    produce = subprocess.run(
        dist.tool_command(
            CONSOLE_PRODUCER,
            [
                "--bootstrap-server",
                local_stack.kafka_scram_bootstrap,
                "--topic",
                "transactions",
                "--producer.config",
                str(config_file),
            ],
        ),
        input="never-delivered\n",
        capture_output=True,
        text=True,
        env=dist.env(),
        timeout=120,
        check=False,
    )
    assert "Authentication failed" in produce.stderr, produce.stderr


def test_librdkafka_round_trip_over_scram(local_stack: Endpoints) -> None:
    conf = librdkafka_config(local_stack.kafka_config("scram"))
    assert conf["security.protocol"] == "SASL_SSL"
    assert conf["ssl.ca.location"] == local_stack.ca_file
    topic = _topic(local_stack, "it-rdkafka-scram")
    messages = [f"rdkafka-{i}-{uuid.uuid4()}".encode() for i in range(5)]

    producer = Producer(conf)
    for message in messages:
        producer.produce(topic, value=message)
    assert producer.flush(30) == 0
    consumer = Consumer({**conf, "group.id": f"it-{uuid.uuid4()}", "auto.offset.reset": "earliest"})
    consumer.subscribe([topic])
    received: list[bytes] = []
    deadline = time.monotonic() + 30
    try:
        while len(received) < len(messages) and time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is not None:
                assert msg.error() is None, msg.error()
                received.append(msg.value())
    finally:
        consumer.close()
    assert received == messages


def test_check_connection_accepts_the_right_credentials(local_stack: Endpoints) -> None:
    check_connection(local_stack.kafka_config("scram"), timeout_s=20)
    check_connection(local_stack.kafka_config("plaintext"), timeout_s=20)


def test_wrong_password_is_reported_as_rejected_credentials(local_stack: Endpoints) -> None:
    bad = dataclasses.replace(local_stack.kafka_config("scram"), scram_password="wrong-password")
    started = time.monotonic()
    with pytest.raises(KafkaConnectionError) as caught:
        check_connection(bad, timeout_s=20)
    assert time.monotonic() - started < 15, "an authentication failure should not wait for the timeout"
    error = caught.value
    assert error.reason == "authentication"
    message = str(error)
    assert local_stack.kafka_scram_bootstrap in message
    assert "auth mode 'scram'" in message
    assert "SCRAM-SHA-512" in message
    assert "credentials were rejected" in message
    assert "wrong-password" not in message


def test_plaintext_listener_does_not_accept_sasl_ssl(local_stack: Endpoints) -> None:
    on_plaintext_port = dataclasses.replace(
        local_stack.kafka_config("scram"), bootstrap_servers=local_stack.kafka_plaintext_bootstrap
    )
    with pytest.raises(KafkaConnectionError) as caught:
        check_connection(on_plaintext_port, timeout_s=8)
    assert caught.value.reason == "tls"
    assert local_stack.kafka_plaintext_bootstrap in str(caught.value)
    assert "does not speak TLS" in str(caught.value)


def test_sasl_ssl_listener_does_not_accept_plaintext(local_stack: Endpoints) -> None:
    plaintext_on_sasl_port = dataclasses.replace(
        local_stack.kafka_config("plaintext"), bootstrap_servers=local_stack.kafka_scram_bootstrap
    )
    with pytest.raises(KafkaConnectionError) as caught:
        check_connection(plaintext_on_sasl_port, timeout_s=8)
    assert caught.value.reason == "protocol"
    assert local_stack.kafka_scram_bootstrap in str(caught.value)
    assert "auth mode 'plaintext'" in str(caught.value)


def test_untrusted_ca_is_refused(local_stack: Endpoints, tmp_path: Path) -> None:
    other_ca = write_ca(tmp_path / "other-ca")
    untrusting = dataclasses.replace(local_stack.kafka_config("scram"), truststore_location=str(other_ca))
    with pytest.raises(KafkaConnectionError) as caught:
        check_connection(untrusting, timeout_s=15)
    assert caught.value.reason == "tls"
    assert "not trusted" in str(caught.value)
    assert str(other_ca) in str(caught.value)
