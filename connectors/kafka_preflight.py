"""Start-up check of the Kafka credentials and TLS trust, in the job's JVM, before the job is submitted.

Without it, a wrong SCRAM password or an untrusted broker certificate surfaces only once the sources
start, as a ``SaslAuthenticationException`` / ``SSLHandshakeException`` deep inside a job failure
(and on Managed Flink after restarts). :func:`check_kafka_access` connects with exactly the Java
client properties the connector gets (:func:`connectors.kafka_auth.client_properties`, secret
references resolved by the Kafka config providers in the JVM, so Python never sees a secret) and asks
for the cluster's nodes. A rejected login, a failed TLS handshake, a secret reference whose
config provider is not in the uber-jar or a ``secretsmanager:`` reference the provider cannot resolve
(no such secret or key, not JSON, access denied) raises :class:`KafkaAccessError` (a
:class:`~flink_jobs.config.ConfigError`: ``main.py`` prints it as one line and exits 2); a cluster
that does not answer within the timeout is only logged, and the job goes on to its own retries.
"""

from __future__ import annotations

import logging
from typing import Any

from connectors.kafka_auth import CONFIG_PROVIDER_CLASSES, client_properties
from flink_jobs.config import GROUP_KAFKA, ConfigError, KafkaConfig
from flink_jobs.secret_refs import SecretRef, parse_secret_ref

__all__ = ["KafkaAccessError", "access_error", "check_kafka_access", "classify_java_failure"]

log = logging.getLogger(__name__)

_AUTH_CLASSES = ("SaslAuthenticationException",)
_TLS_CLASSES = ("SslAuthenticationException", "SSLHandshakeException", "SSLException")
# What com.mskflinkfeatures.kafka.SecretsManagerConfigProvider throws for a reference it cannot resolve;
# its message names the reference (secret and key) and why, never a value.
_SECRET_CLASS = "SecretReferenceException"


class KafkaAccessError(ConfigError):
    """The brokers rejected the credentials (``reason`` ``authentication``) or the TLS handshake failed
    (``tls``); the message names the servers, the property to fix and the client's own reason."""

    def __init__(self, key: str, problem: str, expected: str, reason: str):
        super().__init__(GROUP_KAFKA, key, problem, expected)
        self.reason = reason


def classify_java_failure(chain: list[tuple[str, str]]) -> str | None:
    """``authentication``, ``tls``, ``provider`` (a config provider class cannot be loaded), ``secret``
    (a secret reference the provider cannot resolve) or ``None`` for a Java exception chain of (class
    name, message)."""
    names = [name.rsplit(".", 1)[-1] for name, _ in chain]
    if any(name.rsplit("$", 1)[-1] == _SECRET_CLASS for name in names):
        return "secret"
    if any(name in _AUTH_CLASSES for name in names):
        return "authentication"
    if any(name in _TLS_CLASSES for name in names):
        return "tls"
    if any(name.endswith(".ConfigException") and "config.providers." in message for name, message in chain):
        return "provider"
    return None


def _where(kafka: KafkaConfig) -> str:
    return f"Kafka at {kafka.bootstrap_servers} (auth '{kafka.auth}')"


def access_error(kafka: KafkaConfig, reason: str, detail: str) -> KafkaAccessError:
    """The :class:`KafkaAccessError` for ``reason`` with the client's ``detail`` (never a secret)."""
    if reason == "authentication" and kafka.auth == "iam":
        return KafkaAccessError(
            "auth",
            f"{_where(kafka)} rejected the application's IAM identity: authentication failed. "
            f"Kafka client: {detail}",
            "a role allowed kafka-cluster:Connect on the cluster (IAM auth enabled on it)",
            reason,
        )
    if reason == "authentication":
        source = ""
        ref = parse_secret_ref(kafka.scram_password or "")
        if ref is not None:
            source = f" (the password is read from '{ref}')"
        return KafkaAccessError(
            "sasl.password",
            f"{_where(kafka)} rejected the credentials of user '{kafka.scram_username}': authentication "
            f"failed{source}. Kafka client: {detail}",
            "the SCRAM user's current password (for MSK: the AmazonMSK_ secret associated with the cluster)",
            reason,
        )
    if reason == "secret":
        refs = _secret_refs(kafka)
        key, ref = next(
            ((key, ref) for key, ref in refs if f"{ref}" in detail and ref.provider == "secretsmanager"),
            next(((key, ref) for key, ref in refs if ref.provider == "secretsmanager"), refs[0]),
        )
        return KafkaAccessError(
            key,
            f"the Kafka client {detail}" if detail.startswith("cannot resolve") else f"'{ref}': {detail}",
            "a Secrets Manager secret whose value is a JSON object holding that key, readable by the "
            "application's role (secretsmanager:GetSecretValue)",
            reason,
        )
    if reason == "provider":
        key, ref = _secret_refs(kafka)[0]
        return KafkaAccessError(
            key,
            f"the Kafka client cannot resolve '{ref}': the config provider for '{ref.provider}' "
            f"references is not in the uber-jar ({CONFIG_PROVIDER_CLASSES[ref.provider]}; `make package` "
            f"builds it into target/lib/pyflink-dependencies.jar). Kafka client: {detail}",
            "a reference the uber-jar can resolve, or an uber-jar that includes the provider",
            reason,
        )
    trust = kafka.truststore_location or "the JVM's default CAs"
    return KafkaAccessError(
        "ssl.truststore.location",
        f"{_where(kafka)}: the TLS handshake failed, the broker certificate is not trusted by {trust} "
        f"(or the port does not speak TLS). Kafka client: {detail}",
        "a truststore holding the CA that signed the broker certificates (on MSK leave it unset: the "
        "JVM's default CAs trust MSK), and the TLS port of the auth mode",
        reason,
    )


def _secret_refs(kafka: KafkaConfig) -> list[tuple[str, SecretRef]]:
    """The secret properties given by reference, as (property key, reference)."""
    return [
        (key, ref)
        for key, value in (
            ("sasl.password", kafka.scram_password),
            ("sasl.username", kafka.scram_username),
            ("ssl.keystore.password", kafka.keystore_password),
            ("ssl.key.password", kafka.key_password),
        )
        if (ref := parse_secret_ref(value or "")) is not None
    ]


def _java_chain(throwable: Any) -> list[tuple[str, str]]:
    chain: list[tuple[str, str]] = []
    while throwable is not None and len(chain) < 20:
        chain.append((str(throwable.getClass().getName()), str(throwable.getMessage() or "")))
        throwable = throwable.getCause()
    return chain


def check_kafka_access(kafka: KafkaConfig, timeout_s: float = 30.0) -> None:
    """Connect from the PyFlink gateway JVM (the uber-jar loaded) and list the cluster's nodes.

    Raises :class:`KafkaAccessError` on a rejected login, a failed TLS handshake, a missing config
    provider or an unresolvable secret reference; returns after a success, and also (with a warning)
    after any other failure, e.g. no answer within ``timeout_s``.
    """
    if kafka.auth == "plaintext":
        return  # nothing to authenticate or trust
    from py4j.protocol import Py4JJavaError
    from pyflink.java_gateway import get_gateway

    jvm = get_gateway().jvm
    props = jvm.java.util.Properties()
    timeout_ms = str(int(timeout_s * 1000))
    for key, value in {
        **client_properties(kafka),
        "client.id": "msk-flink-features-preflight",
        "request.timeout.ms": timeout_ms,
        "default.api.timeout.ms": timeout_ms,
    }.items():
        props.setProperty(key, value)
    admin = None
    try:
        admin = jvm.org.apache.kafka.clients.admin.AdminClient.create(props)
        options = jvm.org.apache.kafka.clients.admin.DescribeClusterOptions().timeoutMs(int(timeout_ms))
        nodes = admin.describeCluster(options).nodes().get()
        log.info("Kafka preflight: %s answered with %d broker(s)", _where(kafka), nodes.size())
    except Py4JJavaError as exc:
        chain = _java_chain(exc.java_exception)
        reason = classify_java_failure(chain)
        detail = next((m for name, m in chain if classify_java_failure([(name, m)])), chain[-1][1])
        if reason is not None:
            raise access_error(kafka, reason, detail) from None
        log.warning("Kafka preflight: %s did not answer (%s); the job will retry", _where(kafka), chain[-1])
    finally:
        if admin is not None:
            admin.close(jvm.java.time.Duration.ofSeconds(5))
