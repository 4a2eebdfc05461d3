"""Client properties per auth mode: the documented MSK settings, and their librdkafka equivalents."""

from __future__ import annotations

import pytest

from connectors.kafka_auth import client_properties
from connectors.kafka_tables import kafka_connection_options
from flink_jobs.config import ConfigError, KafkaConfig
from msk_features.kafka_clients import librdkafka_config

pytestmark = pytest.mark.unit


def test_plaintext() -> None:
    props = client_properties(KafkaConfig("b-1:9092"))
    assert props == {"bootstrap.servers": "b-1:9092", "security.protocol": "PLAINTEXT"}


def test_iam_has_the_four_documented_properties() -> None:
    props = client_properties(KafkaConfig("b-1:9098", auth="iam"))
    assert props["security.protocol"] == "SASL_SSL"
    assert props["sasl.mechanism"] == "AWS_MSK_IAM"
    assert props["sasl.jaas.config"] == "software.amazon.msk.auth.iam.IAMLoginModule required;"
    assert props["sasl.client.callback.handler.class"] == (
        "software.amazon.msk.auth.iam.IAMClientCallbackHandler"
    )
    assert "ssl.truststore.location" not in props  # the JVM's CAs trust MSK's certificates


def test_scram_quotes_credentials_in_jaas() -> None:
    kafka = KafkaConfig(
        "b-1:9096",
        auth="scram",
        scram_username="app",
        scram_password='p"a\\ss',
        truststore_location="/tmp/ca.pem",
    )
    props = client_properties(kafka)
    assert props["security.protocol"] == "SASL_SSL"
    assert props["sasl.mechanism"] == "SCRAM-SHA-512"
    assert props["sasl.jaas.config"] == (
        "org.apache.kafka.common.security.scram.ScramLoginModule required "
        'username="app" password="p\\"a\\\\ss";'
    )
    assert props["ssl.truststore.location"] == "/tmp/ca.pem"
    assert props["ssl.truststore.type"] == "PEM"
    lib = librdkafka_config(kafka)
    assert lib["sasl.mechanisms"] == "SCRAM-SHA-512"
    assert lib["sasl.password"] == 'p"a\\ss'
    assert lib["ssl.ca.location"] == "/tmp/ca.pem"


def test_mtls_uses_the_client_keystore() -> None:
    kafka = KafkaConfig("b-1:9094", auth="mtls", keystore_location="/k.pem", key_password="kp")
    props = client_properties(kafka)
    assert props["security.protocol"] == "SSL"
    assert props["ssl.keystore.location"] == "/k.pem"
    assert props["ssl.keystore.type"] == "PEM"
    assert props["ssl.key.password"] == "kp"
    lib = librdkafka_config(kafka)
    assert lib["ssl.certificate.location"] == lib["ssl.key.location"] == "/k.pem"


def test_connector_options_prefix_every_property() -> None:
    options = kafka_connection_options(KafkaConfig("b-1:9098", auth="iam"))
    assert options["properties.sasl.mechanism"] == "AWS_MSK_IAM"
    assert all(k.startswith("properties.") for k in options)


def test_tools_refuse_iam_clearly() -> None:
    with pytest.raises(ConfigError, match="cannot use MSK IAM"):
        librdkafka_config(KafkaConfig("b-1:9098", auth="iam"))
