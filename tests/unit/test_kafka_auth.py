"""Client properties per auth mode: the documented MSK settings, and their librdkafka equivalents."""

from __future__ import annotations

import base64
import time

import pytest

from connectors.kafka_auth import client_properties
from connectors.kafka_tables import kafka_connection_options
from flink_jobs.config import ConfigError, KafkaConfig
from msk_features.kafka_clients import librdkafka_config, msk_region

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


def test_tools_use_msk_iam_through_oauthbearer(monkeypatch: pytest.MonkeyPatch) -> None:
    """The token is signed locally (SigV4 presigned URL) from the default AWS credential chain."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    conf = librdkafka_config(KafkaConfig("b-1.demo.abc123.c2.kafka.eu-west-1.amazonaws.com:9098", auth="iam"))
    assert conf["security.protocol"] == "SASL_SSL" and conf["sasl.mechanisms"] == "OAUTHBEARER"
    token, expiry = conf["oauth_cb"](None)
    url = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    assert url.startswith("https://kafka.eu-west-1.amazonaws.com/?Action=kafka-cluster%3AConnect")
    assert "X-Amz-Credential=AKIDEXAMPLE%2F" in url
    assert expiry > time.time()


@pytest.mark.parametrize(
    ("bootstrap", "region"),
    [
        (
            "b-1.x.abc.c2.kafka.us-east-1.amazonaws.com:9098,b-2.x.abc.c2.kafka.us-east-1.amazonaws.com:9098",
            "us-east-1",
        ),
        ("boot-abcd1234.c1.kafka-serverless.ap-southeast-2.amazonaws.com:9098", "ap-southeast-2"),
    ],
)
def test_msk_region_from_broker_names(bootstrap: str, region: str) -> None:
    assert msk_region(bootstrap) == region


def test_msk_region_needs_a_hint_for_other_host_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    with pytest.raises(ConfigError, match=r"cannot tell the AWS region of 10.0.0.1:9098 .*set \$AWS_REGION"):
        msk_region("10.0.0.1:9098")
    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    assert msk_region("10.0.0.1:9098") == "eu-central-1"
