"""Security on the local stack: the job over SASL_SSL + SCRAM with its password given by reference,
fast and clear failures for a wrong password and an untrusted broker certificate, and no password in
logs, output, the properties, the SQL, the zip or the repository.

The password reaches the job only as ``env:MSK_FEATURES_TEST_SCRAM_PASSWORD``: Python hands Kafka the
variable ``${env:...}`` and the Java client's ``EnvVarConfigProvider`` resolves it in the JVM.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from flink_jobs.config import AppConfig, to_property_groups
from msk_features.cli import main
from msk_features.dev.generator.plan import GenerateSpec
from msk_features.dev.stack.control import Endpoints
from msk_features.dev.stack.properties import local_app_config
from msk_features.dev.stack.tls import write_ca
from msk_features.runner import JobFailed, JobRun, flink_log_dir, run_job
from tests.support.fraud_check import assert_same_rows, kafka_rows, parquet_rows, reference_for
from tests.support.pipeline_run import FEATURE_SETS, SentData, job_config, send_inputs

# A Terraform `...password = "..."` / `...secret = "..."` may hold a reference, an ARN or a property key.
TERRAFORM_ALLOWED_VALUE = r'=\s*"(secretsmanager:|arn:aws|sasl\.password"|ssl\.(key|keystore)\.password")'
# A `terraform test` run that shows a literal is refused marks its line with this comment.
REFUSED_LITERAL = "# refused-literal:"
PASSWORD_VARIABLE = "MSK_FEATURES_TEST_SCRAM_PASSWORD"
PASSWORD_REF = f"env:{PASSWORD_VARIABLE}"
# A failing job must say why within this bound (it takes ~20-40 s to start the mini-cluster here).
FAIL_FAST_S = 150.0

SMALL = GenerateSpec(
    seed=11, transactions=120, clicks=90, profiles=20, users=8, merchants=5, span=timedelta(minutes=40)
)


@dataclass(frozen=True)
class ScramRun:
    """The job's run over SCRAM: what was sent, the config (password by reference), what it printed
    and the Flink log files it wrote."""

    sent: SentData
    cfg: AppConfig
    properties: Path
    run: JobRun
    logs: dict[Path, bytes]


@pytest.fixture
def scram_password_env(local_stack: Endpoints) -> Iterator[str]:
    """``$MSK_FEATURES_TEST_SCRAM_PASSWORD`` set to the local SCRAM user's password for the test."""
    previous = os.environ.get(PASSWORD_VARIABLE)
    os.environ[PASSWORD_VARIABLE] = local_stack.scram_password
    try:
        yield local_stack.scram_password
    finally:
        if previous is None:
            os.environ.pop(PASSWORD_VARIABLE, None)
        else:
            os.environ[PASSWORD_VARIABLE] = previous


def _with_kafka(cfg: AppConfig, properties: Path, **kafka: object) -> AppConfig:
    """``cfg`` with ``kafka`` fields replaced, written back to ``properties``."""
    cfg = replace(cfg, kafka=replace(cfg.kafka, **kafka))  # type: ignore[arg-type]
    properties.write_text(json.dumps(to_property_groups(cfg), indent=2), encoding="utf-8")
    return cfg


def _flink_logs_since(started: float) -> dict[Path, bytes]:
    return {
        p: p.read_bytes() for p in flink_log_dir().glob("*") if p.is_file() and p.stat().st_mtime >= started
    }


@pytest.fixture(scope="module")
def scram_run(local_stack: Endpoints, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScramRun]:
    sent = send_inputs(local_stack, SMALL, "sec-", partitions=2)
    tmp = tmp_path_factory.mktemp("sec")
    cfg, properties = job_config(local_stack, sent.topics, "sec-out-", tmp, auth="scram")
    cfg = _with_kafka(cfg, properties, scram_password=PASSWORD_REF)
    previous = os.environ.get(PASSWORD_VARIABLE)
    os.environ[PASSWORD_VARIABLE] = local_stack.scram_password
    try:
        started = time.time() - 1
        run = run_job(properties, timeout_s=600)
        yield ScramRun(sent, cfg, properties, run, _flink_logs_since(started))
    finally:
        if previous is None:
            os.environ.pop(PASSWORD_VARIABLE, None)
        else:
            os.environ[PASSWORD_VARIABLE] = previous


def test_job_over_scram_with_env_reference_computes_the_reference_features(scram_run: ScramRun) -> None:
    assert scram_run.cfg.kafka.auth == "scram"
    assert scram_run.cfg.kafka.scram_password == PASSWORD_REF
    expected = reference_for(scram_run.sent.records, scram_run.cfg)
    for feature_set in FEATURE_SETS:
        assert expected.features[feature_set], f"the reference expects {feature_set} rows"
        assert_same_rows(
            parquet_rows(scram_run.cfg, feature_set), expected.features[feature_set], feature_set
        )


def test_job_kafka_outputs_read_back_over_scram(scram_run: ScramRun, scram_password_env: str) -> None:
    """The feature topics, read with the CLI's client and the same ``env:`` reference."""
    expected = reference_for(scram_run.sent.records, scram_run.cfg)
    for feature_set in FEATURE_SETS:
        assert_same_rows(kafka_rows(scram_run.cfg, feature_set), expected.features[feature_set], feature_set)


def test_password_is_in_no_properties_output_or_log(scram_run: ScramRun, local_stack: Endpoints) -> None:
    password = local_stack.scram_password.encode()
    assert password not in scram_run.properties.read_bytes()
    assert PASSWORD_REF in scram_run.properties.read_text()
    assert password.decode() not in scram_run.run.stdout
    assert password.decode() not in scram_run.run.stderr
    assert scram_run.logs, f"the run wrote no Flink log in {flink_log_dir()}"
    leaked = [str(path) for path, content in scram_run.logs.items() if password in content]
    assert not leaked, f"the SCRAM password is in {leaked}"
    # The job did connect with it: the logs show the SASL_SSL client, and the reference, not the value.
    text = b"\n".join(scram_run.logs.values())
    assert b"SASL_SSL" in text


def _failing_job(
    local_stack: Endpoints, tmp: Path, prefix: str, env: dict[str, str], **kafka: object
) -> tuple[JobFailed, float, dict[Path, bytes]]:
    """Run the job over SCRAM with ``kafka`` overrides; return its failure, how long it took, its logs."""
    sent = send_inputs(
        local_stack, replace(SMALL, transactions=10, clicks=0, profiles=0), prefix, partitions=1
    )
    cfg, properties = job_config(local_stack, sent.topics, f"{prefix}out-", tmp, auth="scram")
    _with_kafka(cfg, properties, **kafka)
    started = time.time() - 1
    with pytest.raises(JobFailed) as caught:
        run_job(properties, timeout_s=FAIL_FAST_S * 2, extra_env=env)
    return caught.value, time.time() - started, _flink_logs_since(started)


def test_job_with_wrong_password_fails_fast_naming_authentication(
    local_stack: Endpoints, tmp_path: Path
) -> None:
    wrong = "wrong-" + secrets.token_hex(12)
    failure, seconds, logs = _failing_job(
        local_stack, tmp_path, "secpw-", {PASSWORD_VARIABLE: wrong}, scram_password=PASSWORD_REF
    )
    message = str(failure)
    print(f"failed after {seconds:.1f} s:\n{message[:3000]}")
    assert seconds < FAIL_FAST_S, f"the job took {seconds:.0f} s to fail"
    first_line = message.splitlines()[0]
    assert "authentication" in first_line.lower(), first_line
    assert wrong not in message
    assert not [p for p, content in logs.items() if wrong.encode() in content]


def test_job_with_untrusted_broker_certificate_fails_fast_naming_tls(
    local_stack: Endpoints, tmp_path: Path
) -> None:
    other_ca = write_ca(tmp_path / "other-ca")
    failure, seconds, _ = _failing_job(
        local_stack,
        tmp_path,
        "secca-",
        {PASSWORD_VARIABLE: local_stack.scram_password},
        scram_password=PASSWORD_REF,
        truststore_location=str(other_ca),
    )
    message = str(failure)
    assert seconds < FAIL_FAST_S, f"the job took {seconds:.0f} s to fail"
    first_line = message.splitlines()[0]
    assert "TLS handshake failed" in first_line and "not trusted" in first_line, first_line
    assert str(other_ca) in first_line and "ssl.truststore.location" in first_line
    assert local_stack.scram_password not in message


def _cli(properties: Path, *command: str, env: dict[str, str] | None = None) -> tuple[int, str, float]:
    started = time.monotonic()
    result = CliRunner().invoke(main, [*command, "--properties", str(properties)], env=env)
    return result.exit_code, " ".join(result.output.split()), time.monotonic() - started


def _scram_properties(local_stack: Endpoints, tmp: Path, **kafka: object) -> Path:
    cfg = local_app_config(local_stack, auth="scram", pipeline="fraud")
    path = tmp / "properties.json"
    _with_kafka(cfg, path, **kafka)
    return path


@pytest.mark.parametrize("command", [["topics", "apply"], ["tail", "transactions"]])
def test_cli_resolves_env_reference_and_rejects_a_wrong_one(
    local_stack: Endpoints, tmp_path: Path, command: list[str]
) -> None:
    """Right password by reference: the command works; wrong one: one line naming the credentials
    and the reference, fast, and neither value is printed."""
    path = _scram_properties(local_stack, tmp_path, scram_password=PASSWORD_REF)
    code, output, _ = _cli(
        path,
        *command,
        "--dry-run" if command[0] == "topics" else "--idle-timeout=1",
        env={PASSWORD_VARIABLE: local_stack.scram_password},
    )
    assert code == 0, output
    assert local_stack.scram_password not in output
    wrong = "wrong-" + secrets.token_hex(12)
    code, output, seconds = _cli(path, *command, env={PASSWORD_VARIABLE: wrong})
    assert code == 1, output
    assert "credentials were rejected" in output and local_stack.kafka_scram_bootstrap in output
    assert f"sasl.password is read from '{PASSWORD_REF}'" in output
    assert seconds < 15, f"{seconds:.0f} s"
    assert wrong not in output and "Traceback" not in output


def test_cli_names_an_unset_variable(local_stack: Endpoints, tmp_path: Path) -> None:
    path = _scram_properties(local_stack, tmp_path, scram_password="env:MSK_FEATURES_TEST_UNSET_VARIABLE")
    os.environ.pop("MSK_FEATURES_TEST_UNSET_VARIABLE", None)
    code, output, _ = _cli(path, "topics", "apply", "--dry-run")
    assert code == 1
    assert "environment variable MSK_FEATURES_TEST_UNSET_VARIABLE" in output and "is not set" in output


@pytest.mark.parametrize("command", [["topics", "apply"], ["tail", "transactions"]])
def test_cli_with_untrusted_broker_certificate_says_how_to_fix(
    local_stack: Endpoints, tmp_path: Path, command: list[str]
) -> None:
    other_ca = write_ca(tmp_path / "other-ca")
    path = _scram_properties(local_stack, tmp_path, truststore_location=str(other_ca))
    code, output, seconds = _cli(path, *command)
    assert code == 1, output
    assert "TLS handshake failed" in output and "not trusted" in output
    assert str(other_ca) in output and "ssl.truststore.location" in output
    assert seconds < 20, f"{seconds:.0f} s"
    assert local_stack.scram_password not in output and "Traceback" not in output


def test_sql_and_printed_properties_hold_the_reference_only(
    local_stack: Endpoints, tmp_path: Path, scram_password_env: str
) -> None:
    """`msk-features sql` (redacted), the SQL the job submits (not redacted) and the properties
    document all carry ``env:...`` / ``${env:...}``, never the value."""
    from flink_jobs.config import load_config
    from flink_jobs.runtime.job import build_pipeline

    path = _scram_properties(local_stack, tmp_path, scram_password=PASSWORD_REF)
    code, output, _ = _cli(path, "sql")
    assert code == 0, output
    assert "'properties.sasl.mechanism' = 'SCRAM-SHA-512'" in output
    assert scram_password_env not in output
    submitted = build_pipeline(load_config(path)).sql(redact=False)
    assert "${env:" + PASSWORD_VARIABLE + "}" in submitted
    assert "'properties.config.providers' = 'env'" in submitted
    assert scram_password_env not in submitted
    assert scram_password_env not in json.dumps(to_property_groups(load_config(path)))


def test_built_zip_holds_no_password(built_package: Path, local_stack: Endpoints) -> None:
    """Every entry of the Managed Flink zip (inflated): no SCRAM password, no literal `sasl.password`."""
    with zipfile.ZipFile(built_package) as archive:
        for name in archive.namelist():
            content = archive.read(name)
            assert local_stack.scram_password.encode() not in content, name
            if name.endswith((".json", ".properties", ".py")):
                assert not re.search(rb'"sasl\.password"\s*:\s*"(?!env:|secretsmanager:)', content), name


def test_repository_commits_no_password(local_stack: Endpoints) -> None:
    """`git grep`: no test password, and every `sasl.password` / `sasl_password` value in committed
    properties files, Terraform and examples is a reference."""
    repo = Path(__file__).resolve().parents[2]

    def grep(*pattern: str) -> list[str]:
        proc = subprocess.run(
            ["git", "grep", "-n", "-I", *pattern], cwd=repo, capture_output=True, text=True, check=False
        )
        assert proc.returncode in (0, 1), proc.stderr
        return proc.stdout.splitlines()

    assert grep("-F", local_stack.scram_password) == []
    literal_values = [
        line
        for line in grep("-E", r'"sasl\.password"\s*:\s*"', "--", "*.json", "terraform")
        if not re.search(r'"sasl\.password"\s*:\s*"(env:|secretsmanager:)', line)
    ]
    assert literal_values == []
    tf_literals = [
        line
        for line in grep("-E", r'(password|secret)\s*=\s*"', "--", "terraform", "*.tfvars")
        if not re.search(TERRAFORM_ALLOWED_VALUE, line) and REFUSED_LITERAL not in line
    ]
    assert tf_literals == []
