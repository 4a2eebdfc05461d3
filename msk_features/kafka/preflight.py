"""Check that a Kafka cluster is reachable with a ``kafka`` configuration, with an actionable error.

:func:`check_connection` connects with confluent-kafka (the same settings as
:func:`msk_features.kafka.auth.librdkafka_config`) and fetches cluster metadata. When it fails, the
:class:`KafkaConnectionError` names the bootstrap servers and the auth mode and says what went wrong:
the credentials were rejected, the TLS handshake failed (untrusted certificate, or a port that does
not speak TLS), the port speaks another security protocol, or the brokers could not be reached.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Literal

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient

from flink_jobs.config import KafkaConfig
from flink_jobs.secret_refs import parse_secret_ref
from msk_features.kafka.auth import librdkafka_config

__all__ = ["FailureReason", "KafkaConnectionError", "check_connection"]

log = logging.getLogger(__name__)

FailureReason = Literal["authentication", "tls", "protocol", "unreachable"]

_AUTH_CODES = {KafkaError._AUTHENTICATION, KafkaError.SASL_AUTHENTICATION_FAILED}
_TLS_CODES = {KafkaError._SSL}
_AUTH_LOG_HINTS = ("SASL authentication error", "Authentication failed")
_TLS_LOG_HINTS = ("SSL handshake failed", "certificate verify failed")
# A listener that expects TLS drops a plaintext client right after its first request (ApiVersions).
_PROTOCOL_LOG_HINT = "in state APIVERSION_QUERY"
_PROTOCOL_MIN_REPEATS = 3


class KafkaConnectionError(RuntimeError):
    """Kafka could not be reached or refused us; the message names servers, auth mode and cause.

    ``reason`` is ``authentication`` (credentials rejected), ``tls`` (the TLS handshake failed),
    ``protocol`` (the broker keeps closing the connection at the first request: the port expects
    another security protocol, e.g. TLS) or ``unreachable`` (no broker answered within the timeout);
    ``detail`` is librdkafka's own message.
    """

    def __init__(self, message: str, bootstrap_servers: str, auth: str, reason: FailureReason, detail: str):
        super().__init__(message)
        self.bootstrap_servers = bootstrap_servers
        self.auth = auth
        self.reason = reason
        self.detail = detail


class _Collector:
    """A ``logger`` for librdkafka that keeps its log lines (they carry the precise failure)."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def log(self, level: int, msg: str, *args: Any) -> None:
        line = msg % args if args else msg
        self.lines.append(line)
        log.debug("librdkafka: %s", line)


def _describe_auth(kafka: KafkaConfig) -> str:
    if kafka.auth == "scram":
        return f"auth mode 'scram' (SASL_SSL, SCRAM-SHA-512, user '{kafka.scram_username}')"
    if kafka.auth == "mtls":
        return "auth mode 'mtls' (SSL with a client certificate)"
    return f"auth mode '{kafka.auth}'"


def check_connection(kafka: KafkaConfig, timeout_s: float = 15.0) -> None:
    """Return once a broker answers a metadata request over ``kafka``'s settings; else raise.

    Authentication and TLS failures raise :class:`KafkaConnectionError` as soon as librdkafka reports
    them; a cluster that does not answer raises it after ``timeout_s`` (reason ``unreachable``).
    ``auth="iam"`` signs OAUTHBEARER tokens with the default AWS credentials (see :mod:`.kafka_clients`).
    """
    errors: list[KafkaError] = []
    collector = _Collector()
    conf = librdkafka_config(
        kafka,
        error_cb=errors.append,
        logger=collector,
        **{
            "socket.connection.setup.timeout.ms": max(1000, int(timeout_s * 1000)),
            "reconnect.backoff.ms": 200,
            "reconnect.backoff.max.ms": 1000,
        },
    )
    admin = AdminClient(conf)
    try:
        _wait_for_metadata(admin, kafka, errors, collector, timeout_s)
    finally:
        admin.poll(0)  # serve queued log events, so librdkafka does not complain about them on close


def _wait_for_metadata(
    admin: AdminClient, kafka: KafkaConfig, errors: list[KafkaError], collector: _Collector, timeout_s: float
) -> None:
    where = f"Kafka at {kafka.bootstrap_servers} with {_describe_auth(kafka)}"
    deadline = time.monotonic() + timeout_s
    last_detail = "no answer"
    while True:
        remaining = deadline - time.monotonic()
        try:
            metadata = admin.list_topics(timeout=max(0.1, min(1.0, remaining)))
            if metadata.brokers:
                return
        except KafkaException as exc:
            error = exc.args[0] if exc.args else None
            last_detail = error.str() if isinstance(error, KafkaError) else str(exc)
        admin.poll(0.05)  # serves error_cb and logger
        failure = _classify(errors, collector.lines)
        if failure is not None:
            reason, detail = failure
            raise KafkaConnectionError(
                _message(where, reason, detail, kafka), kafka.bootstrap_servers, kafka.auth, reason, detail
            )
        if errors:
            last_detail = errors[-1].str()
        if time.monotonic() >= deadline:
            message = (
                f"cannot connect to {where}: no broker answered within {timeout_s:g} s ({last_detail}); "
                "check the bootstrap servers, that the port matches the auth mode, and network access"
            )
            raise KafkaConnectionError(
                message, kafka.bootstrap_servers, kafka.auth, "unreachable", last_detail
            )


def _classify(errors: list[KafkaError], lines: list[str]) -> tuple[FailureReason, str] | None:
    for error in errors:
        if error.code() in _AUTH_CODES:
            return "authentication", error.str()
    for line in lines:
        if any(hint in line for hint in _AUTH_LOG_HINTS):
            return "authentication", line
    for error in errors:
        if error.code() in _TLS_CODES:
            return "tls", error.str()
    for line in lines:
        if any(hint in line for hint in _TLS_LOG_HINTS):
            return "tls", line
    dropped = [line for line in lines if _PROTOCOL_LOG_HINT in line and "Disconnected" in line]
    if len(dropped) >= _PROTOCOL_MIN_REPEATS:
        return "protocol", dropped[-1]
    return None


def _message(where: str, reason: FailureReason, detail: str, kafka: KafkaConfig) -> str:
    if reason == "authentication":
        refs = [
            f"{key} is read from '{ref}'"
            for key, value in (
                ("sasl.username", kafka.scram_username),
                ("sasl.password", kafka.scram_password),
            )
            if (ref := parse_secret_ref(value or "")) is not None
        ]
        source = f" ({'; '.join(refs)})" if refs else ""
        return (
            f"{where}: the credentials were rejected (authentication failed); check "
            f"kafka sasl.username / sasl.password{source}. librdkafka: {detail}"
        )
    if reason == "protocol":
        return (
            f"{where}: the broker closes the connection at the first request; the port probably expects "
            f"another security protocol (e.g. TLS) than auth mode '{kafka.auth}' uses (check that the "
            f"bootstrap port matches the auth mode). librdkafka: {detail}"
        )
    trust = kafka.truststore_location or "the system CA bundle"
    return (
        f"{where}: the TLS handshake failed; either the broker certificate is not trusted by {trust} "
        f"(check ssl.truststore.location) or the port does not speak TLS (check it matches the auth "
        f"mode). librdkafka: {detail}"
    )
