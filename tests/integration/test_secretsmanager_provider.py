"""``secretsmanager:`` references end to end: the job over SCRAM with its user name and password read from
a Secrets Manager secret by the uber-jar's ``com.mskflinkfeatures.kafka.SecretsManagerConfigProvider``
(AWS SDK v2 client in the JVM), as on Managed Flink.

The Secrets Manager API is the local stack's moto server (the S3 endpoint serves every moto service).
The job process gets what Managed Flink's role and region would give it through the SDK's standard
environment: ``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY`` (the default credential chain),
``AWS_REGION`` (``AWS_DEFAULT_REGION`` for boto3), and ``AWS_ENDPOINT_URL_SECRETS_MANAGER`` pointing
the client at the local server. The properties hold only the references; the user name reference is
by secret name, the password one by ARN (percent-encoded in the Kafka variable, decoded by the
provider).
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from flink_jobs.config import AppConfig
from msk_features.dev.stack.control import Endpoints
from msk_features.runner import JobRun, flink_log_dir, run_job
from tests.integration.test_security import (
    FAIL_FAST_S,
    SMALL,
    _failing_job,
    _flink_logs_since,
    _with_kafka,
)
from tests.support.fraud_check import assert_same_rows, kafka_rows, parquet_rows, reference_for
from tests.support.pipeline_run import FEATURE_SETS, SentData, job_config, send_inputs


@dataclass(frozen=True)
class Secret:
    """The SCRAM user's secret in the local Secrets Manager: its name, ARN and the job's environment."""

    name: str
    arn: str
    env: dict[str, str]


@pytest.fixture(scope="module")
def scram_secret(local_stack: Endpoints) -> Secret:
    """A secret ``{"username": ..., "password": ...}`` of the local stack's SCRAM user, created with boto3
    in the moto server; and the SDK environment that points a client at it."""
    import boto3

    env = {
        "AWS_ACCESS_KEY_ID": local_stack.s3_access_key,
        "AWS_SECRET_ACCESS_KEY": local_stack.s3_secret_key,
        "AWS_REGION": local_stack.s3_region,  # the Java SDK's
        "AWS_DEFAULT_REGION": local_stack.s3_region,  # boto3's
        "AWS_ENDPOINT_URL_SECRETS_MANAGER": local_stack.s3_endpoint_url,
    }
    client = boto3.client(
        "secretsmanager",
        endpoint_url=local_stack.s3_endpoint_url,
        region_name=local_stack.s3_region,
        aws_access_key_id=local_stack.s3_access_key,
        aws_secret_access_key=local_stack.s3_secret_key,
    )
    name = f"msk-features-test/scram-{secrets.token_hex(4)}"
    secret_string = (
        f'{{"username": "{local_stack.scram_username}", "password": "{local_stack.scram_password}"}}'
    )
    arn = client.create_secret(Name=name, SecretString=secret_string)["ARN"]
    return Secret(name, arn, env)


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    previous = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@dataclass(frozen=True)
class SecretsRun:
    sent: SentData
    cfg: AppConfig
    properties: Path
    run: JobRun
    logs: dict[Path, bytes]


@pytest.fixture(scope="module")
def secrets_run(
    local_stack: Endpoints, scram_secret: Secret, tmp_path_factory: pytest.TempPathFactory
) -> SecretsRun:
    """One job run over SCRAM, both credentials given as ``secretsmanager:`` references."""
    sent = send_inputs(local_stack, SMALL, "secsm-", partitions=2)
    tmp = tmp_path_factory.mktemp("secsm")
    cfg, properties = job_config(local_stack, sent.topics, "secsm-out-", tmp, auth="scram")
    cfg = _with_kafka(
        cfg,
        properties,
        scram_username=f"secretsmanager:{scram_secret.name}:username",
        scram_password=f"secretsmanager:{scram_secret.arn}:password",
    )
    started = time.time() - 1
    run = run_job(properties, timeout_s=600, extra_env=scram_secret.env)
    return SecretsRun(sent, cfg, properties, run, _flink_logs_since(started))


def test_job_reads_scram_credentials_from_secrets_manager(secrets_run: SecretsRun) -> None:
    """The job authenticates with the secret's values (resolved in the JVM) and computes the reference
    features."""
    assert secrets_run.cfg.kafka.auth == "scram"
    assert secrets_run.cfg.kafka.scram_password.startswith("secretsmanager:arn:aws:secretsmanager:")
    expected = reference_for(secrets_run.sent.records, secrets_run.cfg)
    for feature_set in FEATURE_SETS:
        assert expected.features[feature_set], f"the reference expects {feature_set} rows"
        assert_same_rows(
            parquet_rows(secrets_run.cfg, feature_set), expected.features[feature_set], feature_set
        )


def test_cli_client_resolves_the_same_references(secrets_run: SecretsRun, scram_secret: Secret) -> None:
    """The tools' client (boto3, same environment) reads the feature topics with the same references."""
    expected = reference_for(secrets_run.sent.records, secrets_run.cfg)
    with _environment(scram_secret.env):
        for feature_set in FEATURE_SETS:
            assert_same_rows(
                kafka_rows(secrets_run.cfg, feature_set), expected.features[feature_set], feature_set
            )


def test_secret_values_are_in_no_properties_output_or_log(
    secrets_run: SecretsRun, local_stack: Endpoints
) -> None:
    password = local_stack.scram_password
    assert password.encode() not in secrets_run.properties.read_bytes()
    assert password not in secrets_run.run.stdout and password not in secrets_run.run.stderr
    assert secrets_run.logs, f"the run wrote no Flink log in {flink_log_dir()}"
    leaked = [str(path) for path, content in secrets_run.logs.items() if password.encode() in content]
    assert not leaked, f"the SCRAM password is in {leaked}"


def test_missing_key_fails_at_start_naming_secret_and_key(
    local_stack: Endpoints, scram_secret: Secret, tmp_path: Path
) -> None:
    """A key the secret does not have: the preflight stops the job with one line naming the property,
    the secret and the key (and the keys it has), never a value."""
    failure, seconds, logs = _failing_job(
        local_stack,
        tmp_path,
        "secsmkey-",
        scram_secret.env,
        scram_username=f"secretsmanager:{scram_secret.name}:username",
        scram_password=f"secretsmanager:{scram_secret.name}:pass",
    )
    message = str(failure)
    print(f"failed after {seconds:.1f} s:\n{message[:3000]}")
    assert seconds < FAIL_FAST_S, f"the job took {seconds:.0f} s to fail"
    first_line = message.splitlines()[0]
    assert first_line.startswith("msk-flink-features: "), first_line
    assert "key 'sasl.password'" in first_line, first_line
    assert f"the secret '{scram_secret.name}' has no key 'pass'" in first_line, first_line
    assert "(its keys: password, username)" in first_line, first_line
    assert local_stack.scram_password not in message
    assert not [p for p, content in logs.items() if local_stack.scram_password.encode() in content]
