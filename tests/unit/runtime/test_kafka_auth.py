"""Client properties per auth mode: the documented MSK settings, and their librdkafka equivalents."""

from __future__ import annotations

import base64
import time

import pytest

from connectors.kafka_auth import client_properties
from connectors.kafka_preflight import access_error, classify_java_failure
from connectors.kafka_tables import kafka_connection_options
from flink_jobs.config import ConfigError, KafkaConfig
from msk_features.kafka.auth import librdkafka_config, msk_region


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


# --------------------------------------------------------------------------------------------------
# Secret references
# --------------------------------------------------------------------------------------------------

_ERRORS = "org.apache.kafka.common.errors"
ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:AmazonMSK_app/flink-AbCdEf"


def test_env_reference_becomes_a_kafka_variable_and_python_never_reads_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("APP_SCRAM_PASSWORD", "the-value-9f3")
    kafka = KafkaConfig(
        "b-1:9096", auth="scram", scram_username="app", scram_password="env:APP_SCRAM_PASSWORD"
    )
    props = client_properties(kafka)
    assert props["sasl.jaas.config"] == (
        "org.apache.kafka.common.security.scram.ScramLoginModule required "
        'username="app" password="${env:APP_SCRAM_PASSWORD}";'
    )
    assert props["config.providers"] == "env"
    assert props["config.providers.env.class"] == (
        "org.apache.kafka.common.config.provider.EnvVarConfigProvider"
    )
    assert "the-value-9f3" not in repr(props) and "the-value-9f3" not in repr(kafka_connection_options(kafka))
    # The tools' client gets the value itself (librdkafka has no config providers).
    assert librdkafka_config(kafka)["sasl.password"] == "the-value-9f3"


def test_env_reference_to_an_unset_variable_fails_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("APP_SCRAM_PASSWORD", raising=False)
    kafka = KafkaConfig(
        "b-1:9096", auth="scram", scram_username="app", scram_password="env:APP_SCRAM_PASSWORD"
    )
    for build in (client_properties, librdkafka_config):
        with pytest.raises(ConfigError, match=r"key 'sasl.password'.*APP_SCRAM_PASSWORD.*is not set"):
            build(kafka)


def test_secretsmanager_references_use_the_projects_config_provider() -> None:
    """The provider compiled into the uber-jar (src/main/java); the region from the ARN."""
    kafka = KafkaConfig(
        "b-1:9096",
        auth="scram",
        scram_username=f"secretsmanager:{ARN}:username",
        scram_password=f"secretsmanager:{ARN}:password",
    )
    props = client_properties(kafka)
    encoded = "arn%3Aaws%3Asecretsmanager%3Aeu-west-1%3A123456789012%3Asecret%3AAmazonMSK_app%2Fflink-AbCdEf"
    assert props["sasl.jaas.config"] == (
        "org.apache.kafka.common.security.scram.ScramLoginModule required "
        f'username="${{secretsmanager:{encoded}:username}}" '
        f'password="${{secretsmanager:{encoded}:password}}";'
    )
    assert props["config.providers"] == "secretsmanager"
    assert props["config.providers.secretsmanager.class"] == (
        "com.mskflinkfeatures.kafka.SecretsManagerConfigProvider"
    )
    assert props["config.providers.secretsmanager.param.region"] == "eu-west-1"


@pytest.mark.parametrize(
    ("bootstrap", "region"),
    [
        ("b-1.demo.abc123.c2.kafka.eu-central-1.amazonaws.com:9096", "eu-central-1"),
        ("boot-abcd1234.c1.kafka-serverless.ap-southeast-2.amazonaws.com:9096", "ap-southeast-2"),
        ("127.0.0.1:9096", None),  # not MSK: the provider falls back to the SDK's region chain
    ],
)
def test_secret_name_reference_takes_the_region_of_the_msk_brokers(
    bootstrap: str, region: str | None
) -> None:
    kafka = KafkaConfig(
        bootstrap, auth="scram", scram_username="app", scram_password="secretsmanager:AmazonMSK_app:password"
    )
    props = client_properties(kafka)
    assert props["sasl.jaas.config"].endswith('password="${secretsmanager:AmazonMSK_app:password}";')
    assert props.get("config.providers.secretsmanager.param.region") == region


def test_mtls_passwords_by_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KS_PASSWORD", "ks-value")
    kafka = KafkaConfig(
        "b-1:9094",
        auth="mtls",
        keystore_location="/k.p12",
        keystore_type="PKCS12",
        keystore_password="env:KS_PASSWORD",
        key_password="secretsmanager:AmazonMSK_keys:key_password",
    )
    props = client_properties(kafka)
    assert props["ssl.keystore.password"] == "${env:KS_PASSWORD}"
    assert props["ssl.key.password"] == "${secretsmanager:AmazonMSK_keys:key_password}"
    assert props["config.providers"] == "env,secretsmanager"
    assert "config.providers.secretsmanager.param.region" not in props  # a name: the SDK's default region


def test_cli_resolves_secretsmanager_references_with_boto3(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto's in-process Secrets Manager (control plane): the MSK-style JSON secret is read by name and by
    ARN; a missing secret or key is a ConfigError naming the reference, never a value."""
    boto3 = pytest.importorskip("boto3")
    moto = pytest.importorskip("moto")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    with moto.mock_aws():
        client = boto3.client("secretsmanager", region_name="eu-west-1")
        arn = client.create_secret(
            Name="AmazonMSK_app", SecretString='{"username": "app", "password": "pw-from-sm-41"}'
        )["ARN"]
        for ref in ("secretsmanager:AmazonMSK_app", f"secretsmanager:{arn}"):
            kafka = KafkaConfig(
                "b-1:9096", auth="scram", scram_username=f"{ref}:username", scram_password=f"{ref}:password"
            )
            conf = librdkafka_config(kafka)
            assert (conf["sasl.username"], conf["sasl.password"]) == ("app", "pw-from-sm-41")
        missing_key = KafkaConfig(
            "b-1:9096", auth="scram", scram_username="app", scram_password="secretsmanager:AmazonMSK_app:pass"
        )
        with pytest.raises(ConfigError, match="has no string key 'pass'") as caught:
            librdkafka_config(missing_key)
        assert "pw-from-sm-41" not in str(caught.value)
        no_secret = KafkaConfig(
            "b-1:9096",
            auth="scram",
            scram_username="app",
            scram_password="secretsmanager:AmazonMSK_none:password",
        )
        with pytest.raises(
            ConfigError, match="cannot read the secret of 'secretsmanager:AmazonMSK_none:password'"
        ):
            librdkafka_config(no_secret)


@pytest.mark.parametrize(
    ("chain", "reason"),
    [
        (
            [
                ("java.util.concurrent.ExecutionException", "x"),
                (f"{_ERRORS}.SaslAuthenticationException", "bad"),
            ],
            "authentication",
        ),
        ([("org.apache.kafka.common.errors.SslAuthenticationException", "SSL handshake failed")], "tls"),
        ([("javax.net.ssl.SSLHandshakeException", "PKIX path building failed")], "tls"),
        (
            [
                (
                    "org.apache.kafka.common.config.ConfigException",
                    "Invalid value X for configuration config.providers.s.class",
                )
            ],
            "provider",
        ),
        (
            [
                (
                    "com.mskflinkfeatures.kafka.SecretsManagerConfigProvider$SecretReferenceException",
                    "cannot resolve secretsmanager:s:k: the secret 's' has no key 'k' (its keys: a, b)",
                )
            ],
            "secret",
        ),
        ([("org.apache.kafka.common.config.ConfigException", "Missing required configuration")], None),
        ([("org.apache.kafka.common.errors.TimeoutException", "Timed out waiting for a node")], None),
    ],
)
def test_preflight_classifies_java_failures(chain: list[tuple[str, str]], reason: str | None) -> None:
    assert classify_java_failure(chain) == reason


def test_preflight_names_the_property_of_an_unresolvable_secret_reference() -> None:
    """One line naming the property, the secret and the key (the provider's message), no value."""
    kafka = KafkaConfig(
        "b-1:9096",
        auth="scram",
        scram_username="secretsmanager:AmazonMSK_app:username",
        scram_password="secretsmanager:AmazonMSK_app:pass",
    )
    detail = (
        "cannot resolve secretsmanager:AmazonMSK_app:pass: the secret 'AmazonMSK_app' has no key 'pass' "
        "(its keys: password, username)"
    )
    error = access_error(kafka, "secret", detail)
    assert error.key == "sasl.password"
    message = str(error)
    assert "\n" not in message
    assert message.startswith(
        "property group 'kafka', key 'sasl.password': the Kafka client cannot resolve "
        "secretsmanager:AmazonMSK_app:pass: the secret 'AmazonMSK_app' has no key 'pass'"
    )
