"""``msk-features deploy``: the upload runs against the local S3 API server (moto, a real HTTP S3);
the Managed Flink calls run against botocore's Stubber, which checks every request against the real
kinesisanalyticsv2 API model (no Managed Flink can run here)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber
from click.testing import CliRunner

from msk_features.cli import main
from msk_features.deploy import DeployError, code_key, deploy, sha256_of
from msk_features.localstack.stack import Endpoints

pytestmark = pytest.mark.integration

APP = "msk-flink-features-dev"


@pytest.fixture
def s3(local_stack: Endpoints):
    return local_stack.s3_client()


@pytest.fixture
def bucket(s3) -> str:
    name = f"artifacts-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=name)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return name


@pytest.fixture
def zip_path(tmp_path: Path) -> Path:
    path = tmp_path / "msk-flink-features-0.1.0.zip"
    path.write_bytes(b"PK\x05\x06" + b"\x00" * 18 + uuid.uuid4().bytes)  # an empty zip, unique content
    return path


def detail(
    version: int, status: str, bucket: str = "old", key: str = "old.zip", object_version: str = "1"
) -> dict:
    return {
        "ApplicationDetail": {
            "ApplicationARN": f"arn:aws:kinesisanalytics:us-east-1:123456789012:application/{APP}",
            "ApplicationName": APP,
            "RuntimeEnvironment": "FLINK-1_20",
            "ApplicationStatus": status,
            "ApplicationVersionId": version,
            "CreateTimestamp": datetime(2026, 11, 24, tzinfo=UTC),
            "ApplicationConfigurationDescription": {
                "ApplicationCodeConfigurationDescription": {
                    "CodeContentType": "ZIPFILE",
                    "CodeContentDescription": {
                        "S3ApplicationCodeLocationDescription": {
                            "BucketARN": f"arn:aws:s3:::{bucket}",
                            "FileKey": key,
                            "ObjectVersion": object_version,
                        }
                    },
                }
            },
        }
    }


def test_uploads_under_the_content_hash_key_updates_and_starts(s3, bucket: str, zip_path: Path) -> None:
    flink = boto3.client("kinesisanalyticsv2", region_name="us-east-1")
    key = f"flink/msk-flink-features-0.1.0-{sha256_of(zip_path)}.zip"
    assert code_key(zip_path) == key
    with Stubber(flink) as stub:
        stub.add_response("describe_application", detail(7, "READY"), {"ApplicationName": APP})
        stub.add_response(
            "update_application",
            detail(8, "READY", bucket, key),
            {
                "ApplicationName": APP,
                "CurrentApplicationVersionId": 7,
                "ApplicationConfigurationUpdate": {
                    "ApplicationCodeConfigurationUpdate": {
                        "CodeContentUpdate": {
                            "S3ContentLocationUpdate": {
                                "BucketARNUpdate": f"arn:aws:s3:::{bucket}",
                                "FileKeyUpdate": key,
                                "ObjectVersionUpdate": stub_any_version(),
                            }
                        }
                    }
                },
            },
        )
        stub.add_response(
            "start_application",
            {},
            {
                "ApplicationName": APP,
                "RunConfiguration": {
                    "ApplicationRestoreConfiguration": {
                        "ApplicationRestoreType": "RESTORE_FROM_LATEST_SNAPSHOT"
                    }
                },
            },
        )
        plan = deploy(zip_path, APP, bucket, s3, flink, action="start")
        stub.assert_no_pending_responses()
    head = s3.head_object(Bucket=bucket, Key=key)
    assert head["ContentLength"] == zip_path.stat().st_size
    assert plan.object_version == head["VersionId"]
    assert plan.application_version == 8
    assert [step for step, _ in plan.steps] == ["upload", "update code", "start"]


def stub_any_version():
    from botocore.stub import ANY

    return ANY


def test_second_deploy_uploads_nothing_and_updates_nothing(s3, bucket: str, zip_path: Path) -> None:
    key = code_key(zip_path)
    version = s3.put_object(Bucket=bucket, Key=key, Body=zip_path.read_bytes())["VersionId"]
    flink = boto3.client("kinesisanalyticsv2", region_name="us-east-1")
    with Stubber(flink) as stub:
        stub.add_response(
            "describe_application", detail(9, "RUNNING", bucket, key, version), {"ApplicationName": APP}
        )
        plan = deploy(zip_path, APP, bucket, s3, flink, action="start")
        stub.assert_no_pending_responses()  # no update, no start: nothing else may be called
    assert plan.steps == [
        ("upload", "already there (same content hash)"),
        ("update code", "already points at this zip"),
        ("start", "already RUNNING"),
    ]


def test_dry_run_changes_nothing(s3, bucket: str, zip_path: Path) -> None:
    flink = boto3.client("kinesisanalyticsv2", region_name="us-east-1")
    with Stubber(flink) as stub:
        stub.add_response("describe_application", detail(3, "RUNNING"), {"ApplicationName": APP})
        plan = deploy(zip_path, APP, bucket, s3, flink, action="stop", dry_run=True)
        stub.assert_no_pending_responses()
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount", 0) == 0
    assert [outcome for _, outcome in plan.steps] == [
        "would upload",
        "would update version 3 to this zip",
        "would stop with a snapshot",
    ]


def test_stop_asks_for_a_snapshot(s3, bucket: str, zip_path: Path) -> None:
    key = code_key(zip_path)
    version = s3.put_object(Bucket=bucket, Key=key, Body=zip_path.read_bytes())["VersionId"]
    flink = boto3.client("kinesisanalyticsv2", region_name="us-east-1")
    with Stubber(flink) as stub:
        stub.add_response(
            "describe_application", detail(4, "RUNNING", bucket, key, version), {"ApplicationName": APP}
        )
        stub.add_response("stop_application", {}, {"ApplicationName": APP, "Force": False})
        deploy(zip_path, APP, bucket, s3, flink, action="stop")
        stub.assert_no_pending_responses()


def test_errors_name_the_bucket_the_application_and_the_zip(s3, bucket: str, zip_path: Path) -> None:
    flink = boto3.client("kinesisanalyticsv2", region_name="us-east-1")
    with pytest.raises(DeployError, match=r"bucket 'no-such-bucket-x' \(NoSuchBucket\): check its name"):
        deploy(zip_path, APP, "no-such-bucket-x", s3, flink)
    with Stubber(flink) as stub:
        stub.add_client_error("describe_application", "ResourceNotFoundException", "not found")
        with pytest.raises(DeployError, match="no Managed Flink application named 'msk-flink-features-dev'"):
            deploy(zip_path, APP, bucket, s3, flink)
    unversioned = f"plain-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=unversioned)
    with pytest.raises(
        DeployError, match=f"bucket '{unversioned}' returned no object version: enable versioning"
    ):
        deploy(zip_path, APP, unversioned, s3, flink)
    result = CliRunner().invoke(
        main,
        ["deploy", "--application", APP, "--bucket", bucket, "--zip", str(zip_path.with_name("nope.zip"))],
    )
    assert result.exit_code == 1 and "no zip at" in result.output and "make package" in result.output
