"""``msk-features deploy``: check, start and stop against botocore's Stubber, which checks every
request against the real kinesisanalyticsv2 API model, fails on any call that was not expected
(an UpdateApplication, an upload: the command has no S3 client at all) and, with
``assert_no_pending_responses``, on any expected call that was not made. No Managed Flink runs here."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from click.testing import CliRunner, Result

from msk_features.cli import main
from msk_features.operations import deploy as steps
from msk_features.operations.deploy import code_key, run_deploy, sha256_of

APP = "msk-flink-features-dev"
BUCKET = "artifacts-1234"
OLD_KEY = "flink/msk-flink-features-0.1.0-" + "0" * 64 + ".zip"


@pytest.fixture
def zip_path(tmp_path: Path) -> Path:
    path = tmp_path / "msk-flink-features-0.1.0.zip"
    path.write_bytes(b"PK\x05\x06" + b"\x00" * 18 + uuid.uuid4().bytes)  # an empty zip, unique content
    return path


@pytest.fixture
def flink() -> Any:
    return boto3.client(
        "kinesisanalyticsv2", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )


@pytest.fixture
def stub(flink: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stubber]:
    """The command's kinesisanalyticsv2 client, stubbed; every queued response must be used."""
    monkeypatch.setattr(steps, "flink_client", lambda region: flink)
    with Stubber(flink) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def detail(status: str, key: str | None = OLD_KEY, snapshots: bool = True) -> dict[str, Any]:
    configuration: dict[str, Any] = {
        "ApplicationSnapshotConfigurationDescription": {"SnapshotsEnabled": snapshots},
    }
    if key is not None:
        configuration["ApplicationCodeConfigurationDescription"] = {
            "CodeContentType": "ZIPFILE",
            "CodeContentDescription": {
                "S3ApplicationCodeLocationDescription": {
                    "BucketARN": f"arn:aws:s3:::{BUCKET}",
                    "FileKey": key,
                    "ObjectVersion": "v1",
                }
            },
        }
    return {
        "ApplicationDetail": {
            "ApplicationARN": f"arn:aws:kinesisanalytics:us-east-1:123456789012:application/{APP}",
            "ApplicationName": APP,
            "RuntimeEnvironment": "FLINK-2_2",
            "ApplicationStatus": status,
            "ApplicationVersionId": 7,
            "CreateTimestamp": datetime(2026, 11, 24, tzinfo=UTC),
            "ApplicationConfigurationDescription": configuration,
        }
    }


def described(stub: Stubber, status: str, key: str | None = OLD_KEY, snapshots: bool = True) -> None:
    stub.add_response("describe_application", detail(status, key, snapshots), {"ApplicationName": APP})


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["deploy", "--application", APP, *args])


def start_request(restore: str = "RESTORE_FROM_LATEST_SNAPSHOT") -> dict[str, Any]:
    return {
        "ApplicationName": APP,
        "RunConfiguration": {"ApplicationRestoreConfiguration": {"ApplicationRestoreType": restore}},
    }


def test_the_key_is_the_one_terraform_uses(zip_path: Path) -> None:
    assert code_key(zip_path) == f"flink/msk-flink-features-0.1.0-{sha256_of(zip_path)}.zip"
    assert code_key(zip_path, "apps/") == f"apps/msk-flink-features-0.1.0-{sha256_of(zip_path)}.zip"


def test_current_code_exits_0_and_calls_only_describe(stub: Stubber, zip_path: Path) -> None:
    described(stub, "RUNNING", code_key(zip_path))
    result = run("--zip", str(zip_path))
    assert result.exit_code == 0, result.output
    assert "code is current" in result.output and code_key(zip_path) in result.output


def test_stale_code_exits_1_and_names_both_keys(stub: Stubber, zip_path: Path) -> None:
    described(stub, "RUNNING")
    result = run("--zip", str(zip_path))
    assert result.exit_code == 1
    one_line = " ".join(result.output.split())
    assert (
        f"the application runs {OLD_KEY}; the local build is {code_key(zip_path)}: run terraform apply"
        in (one_line)
    )


def test_start_of_stale_code_is_refused_unless_allowed(stub: Stubber, zip_path: Path) -> None:
    described(stub, "READY")
    refused = run("--zip", str(zip_path), "--start")
    assert refused.exit_code == 1
    assert "not starting" in refused.output and "--allow-stale" in refused.output
    assert "Traceback" not in refused.output
    described(stub, "READY")
    stub.add_response("start_application", {}, start_request())
    allowed = run("--zip", str(zip_path), "--start", "--allow-stale")
    assert allowed.exit_code == 1, allowed.output  # started, but the code is still not current
    assert "starting (restoring the latest snapshot)" in allowed.output


def test_start_of_current_code_restores_the_latest_snapshot(stub: Stubber, zip_path: Path) -> None:
    described(stub, "READY", code_key(zip_path))
    stub.add_response("start_application", {}, start_request())
    result = run("--zip", str(zip_path), "--start")
    assert result.exit_code == 0, result.output
    assert "starting (restoring the latest snapshot)" in result.output


def test_start_without_snapshots_skips_the_restore(stub: Stubber, zip_path: Path) -> None:
    described(stub, "READY", code_key(zip_path), snapshots=False)
    stub.add_response("start_application", {}, start_request("SKIP_RESTORE_FROM_SNAPSHOT"))
    assert run("--zip", str(zip_path), "--start").exit_code == 0


def test_start_of_a_running_application_calls_nothing(stub: Stubber, zip_path: Path) -> None:
    described(stub, "RUNNING", code_key(zip_path))
    result = run("--zip", str(zip_path), "--start")
    assert result.exit_code == 0 and "already RUNNING" in result.output


def test_start_while_updating_is_a_clear_error(stub: Stubber, zip_path: Path) -> None:
    described(stub, "UPDATING", code_key(zip_path))
    result = run("--zip", str(zip_path), "--start")
    assert result.exit_code == 1
    assert "is UPDATING: it can be started only when READY" in " ".join(result.output.split())


def test_stop_asks_for_a_snapshot_and_needs_no_local_build(
    stub: Stubber, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(steps, "default_zip", lambda: tmp_path / "msk-flink-features-<version>.zip")
    described(stub, "RUNNING")
    stub.add_response("stop_application", {}, {"ApplicationName": APP, "Force": False})
    # No --zip and no target/ zip: a stop from any machine. Stale or not, a stop that was asked for exits 0.
    result = run("--stop", "--output", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["action"] == {
        "name": "stop",
        "outcome": "requested",
        "detail": "stopping (snapshot first)",
    }
    assert document["local_key"] is None and document["code_current"] is None


def test_dry_run_calls_nothing_but_describe(stub: Stubber, zip_path: Path) -> None:
    described(stub, "READY", code_key(zip_path))
    result = run("--zip", str(zip_path), "--start", "--dry-run", "--output", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["dry_run"] is True
    assert document["action"]["outcome"] == "dry-run"
    described(stub, "RUNNING", code_key(zip_path))
    assert "would stop (snapshot first)" in run("--zip", str(zip_path), "--stop", "--dry-run").output


def test_json_document_schema(stub: Stubber, zip_path: Path) -> None:
    described(stub, "READY")
    result = run("--zip", str(zip_path), "--start", "--output", "json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document == {
        "application": APP,
        "status": "READY",
        "application_version": 7,
        "snapshots_enabled": True,
        "code": {"bucket_arn": f"arn:aws:s3:::{BUCKET}", "key": OLD_KEY, "object_version": "v1"},
        "local_zip": str(zip_path),
        "local_key": code_key(zip_path),
        "code_current": False,
        "verdict": f"the application runs {OLD_KEY}; the local build is {code_key(zip_path)}: "
        "run terraform apply",
        "action": {
            "name": "start",
            "outcome": "refused",
            "detail": document["action"]["detail"],
        },
        "dry_run": False,
    }
    assert document["action"]["detail"].startswith("not starting: the application runs")


def test_an_application_without_s3_code_is_not_current(stub: Stubber, zip_path: Path) -> None:
    described(stub, "READY", key=None)
    result = run("--zip", str(zip_path), "--output", "json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["code"] is None and document["code_current"] is False


def test_user_errors_are_one_message(stub: Stubber, zip_path: Path, tmp_path: Path) -> None:
    stub.add_client_error("describe_application", "ResourceNotFoundException", "not found")
    unknown = run("--zip", str(zip_path))
    assert unknown.exit_code == 1 and "Traceback" not in unknown.output
    assert "Error: no Managed Flink application named 'msk-flink-features-dev' in this region" in (
        " ".join(unknown.output.split())
    )
    stub.add_client_error("describe_application", "AccessDeniedException", "User is not authorized")
    denied = run("--zip", str(zip_path))
    assert denied.exit_code == 1
    assert "DescribeApplication of application 'msk-flink-features-dev' failed (AccessDeniedException)" in (
        " ".join(denied.output.split())
    )
    missing = run("--zip", str(tmp_path / "nope.zip"))
    assert missing.exit_code == 1 and "no zip at" in missing.output and "make package" in missing.output


def test_flags_that_do_not_go_together_are_usage_errors(zip_path: Path) -> None:
    assert "--allow-stale goes with --start" in run("--zip", str(zip_path), "--allow-stale").output
    assert "--dry-run goes with --start or --stop" in run("--zip", str(zip_path), "--dry-run").output
    assert run("--zip", str(zip_path), "--bucket", BUCKET).exit_code == 2  # the upload mode is gone


# --------------------------------------------------------------------------------------------------
# The workflow, called directly (what the command renders)
# --------------------------------------------------------------------------------------------------


def test_run_deploy_reports_the_check_alone(flink: Any, stub: Stubber, zip_path: Path) -> None:
    described(stub, "RUNNING", code_key(zip_path))
    report = run_deploy(flink, APP, zip_path)
    assert report.action is None and report.refused is None and report.ok
    assert report.state.code_current is True and report.state.local_key == code_key(zip_path)
    described(stub, "RUNNING")
    stale = run_deploy(flink, APP, zip_path)
    assert stale.state.code_current is False and not stale.ok


def test_run_deploy_reports_a_refused_start_without_raising(
    flink: Any, stub: Stubber, zip_path: Path
) -> None:
    described(stub, "READY")  # stale code: no start_application may be called
    report = run_deploy(flink, APP, zip_path, action="start")
    assert report.action is not None and report.action.outcome == "refused"
    assert report.refused is not None and report.refused.startswith("not starting:")
    assert not report.ok


def test_run_deploy_stops_without_a_local_build(
    flink: Any, stub: Stubber, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(steps, "default_zip", lambda: tmp_path / "absent.zip")
    described(stub, "RUNNING")
    stub.add_response("stop_application", {}, {"ApplicationName": APP, "Force": False})
    report = run_deploy(flink, APP, action="stop")
    assert report.state.local_key is None and report.state.code_current is None
    assert report.action == steps.ActionResult("stop", "requested", "stopping (snapshot first)")
    assert report.ok  # a stop that was asked for is what the caller wanted, stale or not
    with pytest.raises(steps.DeployError, match=r"no zip at .*absent\.zip"):
        run_deploy(flink, APP)  # a check needs the local build
