"""librdkafka (confluent-kafka) client configuration for the tooling, from the same ``kafka`` group.

The Flink job uses the Java client properties of :mod:`connectors.kafka_auth`; the CLI and the tests
use confluent-kafka, whose option names differ. MSK IAM goes through SASL OAUTHBEARER with tokens
from AWS's MSK IAM SASL signer for Python (``aws-msk-iam-sasl-signer-python``), which signs with the
default AWS credential chain (environment, profile, instance or task role).

Secret references in the ``kafka`` group (``env:NAME``, ``secretsmanager:<name or ARN>:<key>``, see
:mod:`flink_jobs.secret_refs`) are resolved here, when a client is configured: from the environment,
or with boto3 from AWS Secrets Manager (default credential chain; region from the ARN, else the
default region). The resolved value goes into the librdkafka configuration only, never into a
message: errors name the reference.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from typing import Any

from flink_jobs.config import ConfigError, KafkaConfig
from flink_jobs.secret_refs import SecretRef, parse_secret_ref

__all__ = ["librdkafka_config", "msk_region", "record_headers", "record_position", "resolve_secret"]


def librdkafka_config(kafka: KafkaConfig, **extra: Any) -> dict[str, Any]:
    """confluent-kafka configuration equivalent to ``connectors.kafka_auth.client_properties``."""
    conf: dict[str, Any] = {"bootstrap.servers": kafka.bootstrap_servers}
    if kafka.auth == "plaintext":
        conf["security.protocol"] = "PLAINTEXT"
    elif kafka.auth == "scram":
        conf |= {
            "security.protocol": "SASL_SSL",
            "sasl.mechanisms": "SCRAM-SHA-512",
            "sasl.username": resolve_secret("sasl.username", kafka.scram_username),
            "sasl.password": resolve_secret("sasl.password", kafka.scram_password),
        }
        if kafka.truststore_location:
            _require_pem(kafka.truststore_type, "ssl.truststore.type")
            conf["ssl.ca.location"] = kafka.truststore_location
    elif kafka.auth == "mtls":
        _require_pem(kafka.keystore_type, "ssl.keystore.type")
        conf |= {
            "security.protocol": "SSL",
            "ssl.certificate.location": kafka.keystore_location,
            "ssl.key.location": kafka.keystore_location,
        }
        if kafka.key_password:
            conf["ssl.key.password"] = resolve_secret("ssl.key.password", kafka.key_password)
        if kafka.truststore_location:
            _require_pem(kafka.truststore_type, "ssl.truststore.type")
            conf["ssl.ca.location"] = kafka.truststore_location
    else:  # iam: SASL_SSL + OAUTHBEARER with a token signed by AWS's MSK IAM SASL signer
        region = msk_region(kafka.bootstrap_servers)
        conf |= {
            "security.protocol": "SASL_SSL",
            "sasl.mechanisms": "OAUTHBEARER",
            "oauth_cb": _iam_token_callback(region),
        }
    conf.update(extra)
    return conf


def resolve_secret(key: str, value: str | None) -> str | None:
    """The secret ``value`` of property ``key`` stands for: itself when a literal, else what its
    reference names. ``ConfigError`` (naming the reference, never a value) when it cannot be had."""
    ref = parse_secret_ref(value) if value is not None else None
    if ref is None:
        return value
    if ref.provider == "env":
        if ref.name not in os.environ:
            raise ConfigError(
                "kafka",
                key,
                f"the environment variable {ref.name} named by '{ref}' is not set",
                f"export {ref.name}=<secret> before running the command",
            )
        return os.environ[ref.name]
    return _secrets_manager_value(key, ref)


def _secrets_manager_value(key: str, ref: SecretRef) -> str:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        client = (
            boto3.client("secretsmanager", region_name=ref.region)
            if ref.region
            else boto3.client("secretsmanager")
        )
        secret_string = client.get_secret_value(SecretId=ref.name).get("SecretString")
    except (BotoCoreError, ClientError) as exc:
        raise ConfigError(
            "kafka",
            key,
            f"cannot read the secret of '{ref}' from AWS Secrets Manager: {exc}",
            "a secret this AWS identity may read (secretsmanager:GetSecretValue, kms:Decrypt)",
        ) from None
    try:
        document = json.loads(secret_string or "")
    except json.JSONDecodeError:
        document = None
    if not isinstance(document, dict) or not isinstance(document.get(ref.key), str):
        raise ConfigError(
            "kafka",
            key,
            f"the secret of '{ref}' has no string key '{ref.key}'",
            'a secret whose value is a JSON object, e.g. {"username": "...", "password": "..."}',
        )
    return document[ref.key]


def msk_region(bootstrap_servers: str) -> str:
    """The AWS region of an MSK cluster: from its broker host names (``b-1.x.kafka.<region>.amazonaws.com``
    or ``boot-x.c1.kafka-serverless.<region>.amazonaws.com``), else ``$AWS_REGION`` /
    ``$AWS_DEFAULT_REGION``."""
    for server in bootstrap_servers.split(","):
        match = re.search(
            r"\.kafka(?:-serverless)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?(?::\d+)?$", server.strip()
        )
        if match:
            return match.group(1)
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if region:
        return region
    raise ConfigError(
        "kafka",
        "bootstrap.servers",
        f"cannot tell the AWS region of {bootstrap_servers} for IAM auth",
        "MSK broker host names, or set $AWS_REGION",
    )


def _iam_token_callback(region: str) -> Callable[[str | None], tuple[str, float]]:
    """librdkafka ``oauth_cb``: a fresh MSK IAM token (credentials from the default AWS chain) and its
    expiry in seconds since the epoch."""

    def token(_config: str | None) -> tuple[str, float]:
        from aws_msk_iam_sasl_signer import MSKAuthTokenProvider

        value, expiry_ms = MSKAuthTokenProvider.generate_auth_token(region)
        return value, expiry_ms / 1000

    return token


def _require_pem(store_type: str, key: str) -> None:
    if store_type != "PEM":
        raise ConfigError("kafka", key, f"the tools read PEM files only, not {store_type}", "PEM")


def record_headers(message: Any) -> dict[str, bytes]:
    """A consumed ``confluent_kafka.Message``'s headers as bytes (a header without a value: ``b""``;
    a repeated name: its last value)."""
    raw = message.headers() or []
    items = raw.items() if isinstance(raw, dict) else raw
    return {k: v.encode() if isinstance(v, str) else (v or b"") for k, v in items}


def record_position(message: Any) -> tuple[str, int, int]:
    """Topic, partition and offset of a consumed ``confluent_kafka.Message`` (always set on one)."""
    topic, partition, offset = message.topic(), message.partition(), message.offset()
    if topic is None or partition is None or offset is None:
        raise ValueError("the message has no position (it was not consumed from a topic)")
    return topic, partition, offset
