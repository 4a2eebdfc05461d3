"""Kafka client properties for each MSK authentication mode.

The properties are the Java client's names (as the Flink Kafka connector passes them through with a
``properties.`` prefix). MSK ports: 9092 plaintext, 9094 TLS (mTLS), 9096 SASL/SCRAM, 9098 IAM.
"""

from __future__ import annotations

from flink_jobs.config import ConfigError, KafkaConfig

__all__ = ["MSK_IAM_CALLBACK_HANDLER", "MSK_IAM_LOGIN_MODULE", "client_properties"]

MSK_IAM_LOGIN_MODULE = "software.amazon.msk.auth.iam.IAMLoginModule"
MSK_IAM_CALLBACK_HANDLER = "software.amazon.msk.auth.iam.IAMClientCallbackHandler"
SCRAM_LOGIN_MODULE = "org.apache.kafka.common.security.scram.ScramLoginModule"


def _jaas_quote(value: str) -> str:
    """Quote a value for a JAAS config line (backslashes and double quotes escaped)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _truststore(kafka: KafkaConfig) -> dict[str, str]:
    if kafka.truststore_location is None:
        return {}  # the JVM's default trust store (Amazon's CAs, as MSK needs)
    return {
        "ssl.truststore.location": kafka.truststore_location,
        "ssl.truststore.type": kafka.truststore_type,
    }


def client_properties(kafka: KafkaConfig) -> dict[str, str]:
    """Java Kafka client properties for ``kafka.auth``, including ``bootstrap.servers``.

    - ``plaintext``: ``security.protocol=PLAINTEXT``.
    - ``scram``: ``SASL_SSL`` with ``SCRAM-SHA-512`` and a ``ScramLoginModule`` JAAS line.
    - ``mtls``: ``SSL`` with the client keystore (certificate + key) and optional truststore.
    - ``iam``: ``SASL_SSL`` with ``AWS_MSK_IAM``, ``IAMLoginModule`` and ``IAMClientCallbackHandler``.
    """
    props: dict[str, str] = {"bootstrap.servers": kafka.bootstrap_servers}
    if kafka.auth == "plaintext":
        props["security.protocol"] = "PLAINTEXT"
    elif kafka.auth == "scram":
        if not kafka.scram_username or not kafka.scram_password:
            raise ConfigError("kafka", "sasl.username", "SCRAM needs a user name and a password")
        props |= {
            "security.protocol": "SASL_SSL",
            "sasl.mechanism": "SCRAM-SHA-512",
            "sasl.jaas.config": (
                f"{SCRAM_LOGIN_MODULE} required username={_jaas_quote(kafka.scram_username)} "
                f"password={_jaas_quote(kafka.scram_password)};"
            ),
        }
        props |= _truststore(kafka)
    elif kafka.auth == "mtls":
        if not kafka.keystore_location:
            raise ConfigError("kafka", "ssl.keystore.location", "mTLS needs a client keystore")
        props |= {
            "security.protocol": "SSL",
            "ssl.keystore.location": kafka.keystore_location,
            "ssl.keystore.type": kafka.keystore_type,
        }
        if kafka.keystore_password is not None:
            props["ssl.keystore.password"] = kafka.keystore_password
        if kafka.key_password is not None:
            props["ssl.key.password"] = kafka.key_password
        props |= _truststore(kafka)
    elif kafka.auth == "iam":
        props |= {
            "security.protocol": "SASL_SSL",
            "sasl.mechanism": "AWS_MSK_IAM",
            "sasl.jaas.config": f"{MSK_IAM_LOGIN_MODULE} required;",
            "sasl.client.callback.handler.class": MSK_IAM_CALLBACK_HANDLER,
        }
    else:  # pragma: no cover - parse_config rejects other values
        raise ConfigError("kafka", "auth", f"unknown auth mode '{kafka.auth}'")
    return props
