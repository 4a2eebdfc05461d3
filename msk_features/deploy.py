"""Ship a zip to a Managed Flink application: content-hash upload, code update, start or stop.

Steps, each skipped when already done:

1. upload ``target/<name>-<version>.zip`` to the artifact bucket under
   ``<prefix><zip name>-<sha256>.zip`` (the key the Terraform module uses, so a new build is a new
   key and the same build is never uploaded twice), recording the object's version id;
2. point the application's code at that key and version (``UpdateApplication`` with the current
   application version id; a running application is snapshotted and restarted by the service);
3. optionally start the application (restoring from its latest snapshot) or stop it (``Force=False``:
   the service takes a snapshot first when snapshots are enabled).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

__all__ = ["DeployError", "DeployPlan", "code_key", "deploy", "sha256_of"]

Action = Literal["start", "stop"] | None


class DeployError(RuntimeError):
    """A deployment step cannot be done; the message names the bucket, key or application and why."""


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file (what Terraform's ``filesha256`` gives)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def code_key(zip_path: Path, prefix: str = "flink/") -> str:
    """``<prefix><zip name without .zip>-<sha256>.zip``, as ``terraform/modules/flink_app`` names it."""
    return f"{prefix}{zip_path.name.removesuffix('.zip')}-{sha256_of(zip_path)}.zip"


@dataclass
class DeployPlan:
    """What :func:`deploy` did (or, in a dry run, would do), step by step."""

    bucket: str
    key: str
    object_version: str | None = None
    application_version: int | None = None
    status: str | None = None
    steps: list[tuple[str, str]] = field(default_factory=list)  # (step, outcome)


def _client_error_code(exc: Exception) -> str:
    return str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))


def deploy(
    zip_path: Path,
    application: str,
    bucket: str,
    s3: Any,
    flink: Any,
    prefix: str = "flink/",
    action: Action = None,
    dry_run: bool = False,
    say: Callable[[str], None] = lambda _: None,
) -> DeployPlan:
    """Upload ``zip_path`` and point ``application`` at it; ``s3``/``flink`` are boto3 clients."""
    from botocore.exceptions import ClientError

    if not zip_path.is_file():
        raise DeployError(f"no zip at {zip_path}: build it with `make package`")
    key = code_key(zip_path, prefix)
    plan = DeployPlan(bucket, key)
    say(f"zip {zip_path.name}: s3://{bucket}/{key}")

    try:
        head = s3.head_object(Bucket=bucket, Key=key)
        plan.object_version = head.get("VersionId")
        plan.steps.append(("upload", "already there (same content hash)"))
    except ClientError as exc:
        code = _client_error_code(exc)
        if code not in ("404", "NoSuchKey", "NotFound"):
            if code in ("NoSuchBucket", "403", "AccessDenied"):
                raise DeployError(
                    f"cannot use bucket '{bucket}' ({code}): check its name and your access"
                ) from None
            raise DeployError(f"s3://{bucket}/{key}: {exc}") from None
        if dry_run:
            plan.steps.append(("upload", "would upload"))
        else:
            try:
                with zip_path.open("rb") as body:
                    put = s3.put_object(Bucket=bucket, Key=key, Body=body)
            except ClientError as put_exc:
                raise DeployError(
                    f"cannot upload to bucket '{bucket}' ({_client_error_code(put_exc)}): check its name and "
                    "your access"
                ) from None
            plan.object_version = put.get("VersionId")
            plan.steps.append(("upload", f"uploaded (version {plan.object_version})"))
    if plan.object_version is None and not dry_run:
        raise DeployError(
            f"bucket '{bucket}' returned no object version: enable versioning on it, so the application "
            "can pin the exact object"
        )

    try:
        detail = flink.describe_application(ApplicationName=application)["ApplicationDetail"]
    except ClientError as exc:
        if _client_error_code(exc) == "ResourceNotFoundException":
            raise DeployError(f"no Managed Flink application named '{application}' in this region") from None
        raise DeployError(f"application '{application}': {exc}") from None
    plan.application_version = int(detail["ApplicationVersionId"])
    plan.status = str(detail["ApplicationStatus"])
    current = (
        detail.get("ApplicationConfigurationDescription", {})
        .get("ApplicationCodeConfigurationDescription", {})
        .get("CodeContentDescription", {})
        .get("S3ApplicationCodeLocationDescription", {})
    )
    bucket_arn = f"arn:aws:s3:::{bucket}"
    wanted = (bucket_arn, key, plan.object_version)
    if (current.get("BucketARN"), current.get("FileKey"), current.get("ObjectVersion")) == wanted:
        plan.steps.append(("update code", "already points at this zip"))
    elif dry_run:
        plan.steps.append(("update code", f"would update version {plan.application_version} to this zip"))
    else:
        update = {"BucketARNUpdate": bucket_arn, "FileKeyUpdate": key}
        if plan.object_version:
            update["ObjectVersionUpdate"] = plan.object_version
        response = flink.update_application(
            ApplicationName=application,
            CurrentApplicationVersionId=plan.application_version,
            ApplicationConfigurationUpdate={
                "ApplicationCodeConfigurationUpdate": {
                    "CodeContentUpdate": {"S3ContentLocationUpdate": update}
                }
            },
        )
        plan.application_version = int(response["ApplicationDetail"]["ApplicationVersionId"])
        plan.steps.append(("update code", f"updated: application version {plan.application_version}"))

    if action == "start":
        if plan.status in ("RUNNING", "STARTING"):
            plan.steps.append(("start", f"already {plan.status}"))
        elif dry_run:
            plan.steps.append(("start", "would start from the latest snapshot"))
        else:
            flink.start_application(
                ApplicationName=application,
                RunConfiguration={
                    "ApplicationRestoreConfiguration": {
                        "ApplicationRestoreType": "RESTORE_FROM_LATEST_SNAPSHOT"
                    }
                },
            )
            plan.steps.append(("start", "starting (restoring the latest snapshot)"))
    elif action == "stop":
        if plan.status in ("READY", "STOPPING"):
            plan.steps.append(("stop", f"already {plan.status}"))
        elif dry_run:
            plan.steps.append(("stop", "would stop with a snapshot"))
        else:
            flink.stop_application(ApplicationName=application, Force=False)
            plan.steps.append(("stop", "stopping (snapshot first when snapshots are enabled)"))
    return plan
