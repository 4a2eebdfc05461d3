"""librdkafka (confluent-kafka) client configuration for the tooling, from the same ``kafka`` group.

The Flink job uses the Java client properties of :mod:`connectors.kafka_auth`; the CLI and the tests
use confluent-kafka, whose option names differ. MSK IAM is not supported by librdkafka's built-in
mechanisms (it needs an OAUTHBEARER token provider), so ``iam`` raises a clear error here.
"""

from __future__ import annotations

from typing import Any

from flink_jobs.config import ConfigError, KafkaConfig

__all__ = ["librdkafka_config"]


def librdkafka_config(kafka: KafkaConfig, **extra: Any) -> dict[str, Any]:
    """confluent-kafka configuration equivalent to ``connectors.kafka_auth.client_properties``."""
    conf: dict[str, Any] = {"bootstrap.servers": kafka.bootstrap_servers}
    if kafka.auth == "plaintext":
        conf["security.protocol"] = "PLAINTEXT"
    elif kafka.auth == "scram":
        conf |= {
            "security.protocol": "SASL_SSL",
            "sasl.mechanisms": "SCRAM-SHA-512",
            "sasl.username": kafka.scram_username,
            "sasl.password": kafka.scram_password,
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
            conf["ssl.key.password"] = kafka.key_password
        if kafka.truststore_location:
            _require_pem(kafka.truststore_type, "ssl.truststore.type")
            conf["ssl.ca.location"] = kafka.truststore_location
    else:
        raise ConfigError(
            "kafka",
            "auth",
            "the command-line tools cannot use MSK IAM auth",
            "plaintext, scram or mtls for tools; IAM works in the Flink job",
        )
    conf.update(extra)
    return conf


def _require_pem(store_type: str, key: str) -> None:
    if store_type != "PEM":
        raise ConfigError("kafka", key, f"the tools read PEM files only, not {store_type}", "PEM")
