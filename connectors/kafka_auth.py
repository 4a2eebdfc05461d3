"""Kafka client properties for each MSK authentication mode.

The properties are the Java client's names (as the Flink Kafka connector passes them through with a
``properties.`` prefix). MSK ports: 9092 plaintext, 9094 TLS (mTLS), 9096 SASL/SCRAM, 9098 IAM.

Secret properties given as references (:mod:`flink_jobs.secret_refs`) become Kafka config-provider
variables, so the job's properties, its SQL and the Flink job graph hold only the reference and the
Java client resolves it in the JVM when it connects:

- ``env:NAME`` -> ``${env:NAME}`` with Kafka's built-in ``EnvVarConfigProvider`` (kafka-clients 3.5+);
- ``secretsmanager:<name or ARN>:<key>`` -> ``${secretsmanager:<id>:<key>}`` (an ARN
  percent-encoded) with this project's ``com.mskflinkfeatures.kafka.SecretsManagerConfigProvider``
  (``src/main/java``, compiled into the uber-jar; AWS SDK v2 Secrets Manager client, default
  credential chain, i.e. the application's role on Managed Flink). Its region: the ARN's, else the
  region in the MSK broker host names, else the AWS SDK's default region chain (``$AWS_REGION``).
  Its endpoint: the SDK's, which ``$AWS_ENDPOINT_URL_SECRETS_MANAGER`` overrides (local test runs
  against a Secrets Manager API server; boto3 in the CLI honours the same variable).
"""

from __future__ import annotations

import os
import re

from flink_jobs.config import ConfigError, KafkaConfig
from flink_jobs.secret_refs import SecretRef, parse_secret_ref

__all__ = [
    "CONFIG_PROVIDER_CLASSES",
    "MSK_IAM_CALLBACK_HANDLER",
    "MSK_IAM_LOGIN_MODULE",
    "client_properties",
]

MSK_IAM_LOGIN_MODULE = "software.amazon.msk.auth.iam.IAMLoginModule"
MSK_IAM_CALLBACK_HANDLER = "software.amazon.msk.auth.iam.IAMClientCallbackHandler"
SCRAM_LOGIN_MODULE = "org.apache.kafka.common.security.scram.ScramLoginModule"
CONFIG_PROVIDER_CLASSES = {
    "env": "org.apache.kafka.common.config.provider.EnvVarConfigProvider",
    "secretsmanager": "com.mskflinkfeatures.kafka.SecretsManagerConfigProvider",
}
# The region in MSK broker host names: b-1.<cluster>.<id>.c2.kafka.<region>.amazonaws.com[:port],
# boot-<id>.c1.kafka-serverless.<region>.amazonaws.com[:port].
_MSK_HOST_REGION = re.compile(
    r"\.kafka(?:-serverless)?\.([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com(?:\.cn)?(?::\d+)?$"
)


class _Secrets:
    """Turns secret property values into what the Java client gets, collecting the providers used."""

    def __init__(self) -> None:
        self.refs: list[SecretRef] = []

    def value(self, key: str, raw: str) -> str:
        """``raw`` itself when it is a literal, else its Kafka variable (``key`` names it in errors)."""
        ref = parse_secret_ref(raw)
        if ref is None:
            return raw
        if ref.provider == "env" and ref.name not in os.environ:
            # Checked here so that a missing variable fails at start, not as a rejected login; the
            # value itself is never read by Python.
            raise ConfigError(
                "kafka",
                key,
                f"the environment variable {ref.name} named by '{ref}' is not set",
                f"export {ref.name}=<secret> in the environment that starts the job",
            )
        self.refs.append(ref)
        return ref.kafka_variable()

    def provider_properties(self, bootstrap_servers: str) -> dict[str, str]:
        """``config.providers`` and each provider's class and parameters, for the references used.

        The Secrets Manager provider's ``region`` parameter: the ARNs' region, else the region of
        MSK broker host names in ``bootstrap_servers``, else none (the SDK's default region chain).
        """
        providers = sorted({ref.provider for ref in self.refs})
        if not providers:
            return {}
        props = {"config.providers": ",".join(providers)}
        for provider in providers:
            props[f"config.providers.{provider}.class"] = CONFIG_PROVIDER_CLASSES[provider]
        regions = sorted({ref.region for ref in self.refs if ref.region})
        if len(regions) > 1:
            raise ConfigError("kafka", None, "secret ARNs from more than one region", "one region")
        if not regions and "secretsmanager" in providers:
            regions = sorted(
                {
                    m.group(1)
                    for s in bootstrap_servers.split(",")
                    if (m := _MSK_HOST_REGION.search(s.strip()))
                }
            )[:1]
        if regions:
            props["config.providers.secretsmanager.param.region"] = regions[0]
        return props


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

    Secret references become ``${provider:...}`` variables plus the ``config.providers*`` properties
    that resolve them (see the module docstring). ``ConfigError`` when an ``env:`` reference names
    a variable that is not set.
    """
    secrets = _Secrets()
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
                f"{SCRAM_LOGIN_MODULE} required "
                f"username={_jaas_quote(secrets.value('sasl.username', kafka.scram_username))} "
                f"password={_jaas_quote(secrets.value('sasl.password', kafka.scram_password))};"
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
            props["ssl.keystore.password"] = secrets.value("ssl.keystore.password", kafka.keystore_password)
        if kafka.key_password is not None:
            props["ssl.key.password"] = secrets.value("ssl.key.password", kafka.key_password)
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
    return props | secrets.provider_properties(kafka.bootstrap_servers)
