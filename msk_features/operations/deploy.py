"""Run control of a Managed Flink application whose code Terraform owns: check, start, stop.

``terraform apply`` (``terraform/modules/flink_app``) uploads the zip under a content-hash key and
points the application at it: one ``UpdateApplication`` per new build, which snapshots and restarts a
running application. This module never uploads and never calls ``UpdateApplication``, so it cannot
add a second restart. It does three things:

- :func:`describe` reads the application (``DescribeApplication``) and compares the code it runs
  (``S3ApplicationCodeLocationDescription.FileKey``) with the local zip's content-hash key
  (:func:`code_key`, the key Terraform uses). Equal keys mean the same bytes (the key ends in the
  zip's SHA-256), whatever the object version; different keys mean ``terraform apply`` is still
  needed;
- :func:`start` calls ``StartApplication`` on a ``READY`` application, restoring its latest snapshot
  (or skipping the restore when the application has snapshots disabled, as the Terraform module
  does), and refuses when the code is not current unless told to start it anyway;
- :func:`stop` calls ``StopApplication`` with ``Force=False`` on a ``RUNNING`` application: the
  service takes a snapshot first when snapshots are enabled.

Neither calls anything when the application is already where it is asked to go, or in a dry run.
:func:`run_deploy` is the ``msk-features deploy`` command: the check, then the start or stop asked
for, as one :class:`DeployReport`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

__all__ = [
    "ActionResult",
    "ApplicationState",
    "DeployError",
    "DeployReport",
    "RunningCode",
    "StaleCodeError",
    "code_key",
    "default_zip",
    "describe",
    "flink_client",
    "run_deploy",
    "sha256_of",
    "start",
    "stop",
]

T = TypeVar("T")
_REPO = Path(__file__).resolve().parents[2]

Outcome = Literal["requested", "already", "dry-run", "refused"]
"""What :func:`start` / :func:`stop` did: called the API, found nothing to do, would call it, or
refused (start of stale code)."""


class DeployError(RuntimeError):
    """The application cannot be read, started or stopped; the message names it and says why."""


class StaleCodeError(DeployError):
    """``start`` refused: the application's code is not the local build (run ``terraform apply``)."""


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


@dataclass(frozen=True)
class RunningCode:
    """The application's code location, as ``DescribeApplication`` reports it."""

    bucket_arn: str | None
    key: str
    object_version: str | None


@dataclass(frozen=True)
class ApplicationState:
    """The application as read before any action, and the local build it is compared with.

    ``local_key`` is ``None`` when no local zip was given (allowed for ``stop`` only); ``code`` is
    ``None`` when the application has no S3 code location.
    """

    application: str
    status: str
    application_version: int
    snapshots_enabled: bool
    code: RunningCode | None
    local_zip: Path | None
    local_key: str | None

    @property
    def code_current(self) -> bool | None:
        """True when the application runs the local build's key; ``None`` without a local build."""
        if self.local_key is None:
            return None
        return self.code is not None and self.code.key == self.local_key

    def verdict(self) -> str:
        """One sentence: whether ``terraform apply`` is still needed."""
        running = self.code.key if self.code else "no S3 zip"
        if self.local_key is None:
            return f"the application runs {running}; no local build to compare with"
        if self.code_current:
            return f"code is current: the application runs the local build {self.local_key}"
        return f"the application runs {running}; the local build is {self.local_key}: run terraform apply"


@dataclass(frozen=True)
class ActionResult:
    """What :func:`start` or :func:`stop` did, with a sentence for people."""

    action: Literal["start", "stop"]
    outcome: Outcome
    detail: str


def _client_error_code(exc: Exception) -> str:
    return str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))


def _call(application: str, what: str, function: Any, **kwargs: Any) -> Any:
    """Call one kinesisanalyticsv2 API; a service error becomes a :class:`DeployError` naming it."""
    from botocore.exceptions import ClientError

    try:
        return function(**kwargs)
    except ClientError as exc:
        code = _client_error_code(exc)
        if code == "ResourceNotFoundException":
            raise DeployError(f"no Managed Flink application named '{application}' in this region") from None
        message = str(exc.response.get("Error", {}).get("Message", "")) or str(exc)
        raise DeployError(f"{what} of application '{application}' failed ({code}): {message}") from None


def describe(flink: Any, application: str, zip_path: Path | None, prefix: str = "flink/") -> ApplicationState:
    """Read ``application`` and compare its code with ``zip_path``; ``flink`` is a boto3 client."""
    if zip_path is not None and not zip_path.is_file():
        raise DeployError(f"no zip at {zip_path}: build it with `make package` (or pass --zip)")
    local_key = code_key(zip_path, prefix) if zip_path is not None else None
    detail = _call(
        application, "DescribeApplication", flink.describe_application, ApplicationName=application
    )["ApplicationDetail"]
    configuration = detail.get("ApplicationConfigurationDescription", {})
    location = (
        configuration.get("ApplicationCodeConfigurationDescription", {})
        .get("CodeContentDescription", {})
        .get("S3ApplicationCodeLocationDescription")
    )
    code = (
        RunningCode(location.get("BucketARN"), str(location["FileKey"]), location.get("ObjectVersion"))
        if location and location.get("FileKey")
        else None
    )
    snapshots = configuration.get("ApplicationSnapshotConfigurationDescription", {})
    return ApplicationState(
        application=application,
        status=str(detail["ApplicationStatus"]),
        application_version=int(detail["ApplicationVersionId"]),
        snapshots_enabled=bool(snapshots.get("SnapshotsEnabled", True)),
        code=code,
        local_zip=zip_path,
        local_key=local_key,
    )


def start(
    flink: Any, state: ApplicationState, allow_stale: bool = False, dry_run: bool = False
) -> ActionResult:
    """Start a ``READY`` application from its latest snapshot.

    Raises :class:`StaleCodeError` when the code is not the local build and ``allow_stale`` is false,
    and :class:`DeployError` in a status other than ``READY``, ``STARTING`` or ``RUNNING``.
    """
    if state.status in ("RUNNING", "STARTING"):
        return ActionResult("start", "already", f"already {state.status}")
    if state.status != "READY":
        raise DeployError(
            f"application '{state.application}' is {state.status}: it can be started only when READY; "
            "wait for the current operation to finish, then retry"
        )
    if state.code_current is False and not allow_stale:
        raise StaleCodeError(
            f"not starting: {state.verdict()} first (or pass --allow-stale to start the old build)"
        )
    restore = "RESTORE_FROM_LATEST_SNAPSHOT" if state.snapshots_enabled else "SKIP_RESTORE_FROM_SNAPSHOT"
    how = "restoring the latest snapshot" if state.snapshots_enabled else "without state: snapshots disabled"
    if dry_run:
        return ActionResult("start", "dry-run", f"would start ({how})")
    _call(
        state.application,
        "StartApplication",
        flink.start_application,
        ApplicationName=state.application,
        RunConfiguration={"ApplicationRestoreConfiguration": {"ApplicationRestoreType": restore}},
    )
    return ActionResult("start", "requested", f"starting ({how})")


def stop(flink: Any, state: ApplicationState, dry_run: bool = False) -> ActionResult:
    """Stop a ``RUNNING`` application with ``Force=False`` (a snapshot first when enabled).

    Raises :class:`DeployError` in a status other than ``RUNNING``, ``READY``, ``STOPPING`` or
    ``FORCE_STOPPING``.
    """
    if state.status in ("READY", "STOPPING", "FORCE_STOPPING"):
        return ActionResult("stop", "already", f"already {state.status}")
    if state.status != "RUNNING":
        raise DeployError(
            f"application '{state.application}' is {state.status}: it can be stopped only when RUNNING; "
            "wait for the current operation to finish, then retry"
        )
    how = "snapshot first" if state.snapshots_enabled else "no snapshot: snapshots disabled"
    if dry_run:
        return ActionResult("stop", "dry-run", f"would stop ({how})")
    _call(
        state.application,
        "StopApplication",
        flink.stop_application,
        ApplicationName=state.application,
        Force=False,
    )
    return ActionResult("stop", "requested", f"stopping ({how})")


@dataclass(frozen=True)
class DeployReport:
    """What ``msk-features deploy`` found and did: the application as read before any action, what
    the start or stop did (``None`` for the check alone) and, when a start was refused because the
    code is not the local build, why."""

    state: ApplicationState
    action: ActionResult | None
    dry_run: bool
    refused: str | None = None

    @property
    def ok(self) -> bool:
        """Nothing refused, and the code is the local build (for a stop: the stop alone counts)."""
        if self.refused is not None:
            return False
        return (self.action is not None and self.action.action == "stop") or self.state.code_current is True


def default_zip() -> Path:
    """The newest ``target/msk-flink-features-*.zip`` that ``make package`` built (a path that does
    not exist when there is none)."""
    candidates = sorted((_REPO / "target").glob("msk-flink-features-*.zip"))
    return candidates[-1] if candidates else _REPO / "target" / "msk-flink-features-<version>.zip"


def flink_client(region: str | None) -> Any:
    """A boto3 ``kinesisanalyticsv2`` client for ``region`` (None: the AWS configuration's)."""
    import boto3

    return _aws(lambda: boto3.client("kinesisanalyticsv2", region_name=region))


def _aws(call: Callable[[], T]) -> T:
    """Run ``call``; botocore's own errors (credentials, region, endpoint) become one clear message."""
    from botocore.exceptions import BotoCoreError, NoCredentialsError, NoRegionError

    try:
        return call()
    except (NoCredentialsError, NoRegionError) as exc:
        raise DeployError(f"{exc} (configure AWS credentials and a region, or pass --region)") from None
    except BotoCoreError as exc:
        raise DeployError(str(exc)) from None


def run_deploy(
    flink: Any,
    application: str,
    zip_path: Path | None = None,
    prefix: str = "flink/",
    action: Literal["start", "stop"] | None = None,
    allow_stale: bool = False,
    dry_run: bool = False,
) -> DeployReport:
    """Compare ``application``'s code with the local build, then :func:`start` or :func:`stop` it
    when ``action`` says so; ``flink`` is a boto3 ``kinesisanalyticsv2`` client.

    ``zip_path`` None means :func:`default_zip`; a stop needs no local build, so without one (and
    no ``zip_path``) it compares nothing. A refused start (:class:`StaleCodeError`) is reported,
    not raised; other failures raise :class:`DeployError`.
    """
    local: Path | None = zip_path or default_zip()
    if action == "stop" and zip_path is None and local is not None and not local.is_file():
        local = None
    state = _aws(lambda: describe(flink, application, local, prefix))
    try:
        if action == "start":
            result = _aws(lambda: start(flink, state, allow_stale=allow_stale, dry_run=dry_run))
        elif action == "stop":
            result = _aws(lambda: stop(flink, state, dry_run=dry_run))
        else:
            return DeployReport(state, None, dry_run)
    except StaleCodeError as exc:
        return DeployReport(state, ActionResult("start", "refused", str(exc)), dry_run, refused=str(exc))
    return DeployReport(state, result, dry_run)
