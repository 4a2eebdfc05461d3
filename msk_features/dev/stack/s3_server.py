"""A local S3 API server: moto in server mode on 127.0.0.1, buckets created with boto3.

moto keeps everything in memory: buckets and objects live as long as the server process. Any access
key works; the stack records ``test``/``test`` (and region ``us-east-1``) for clients.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from msk_features.dev.stack import LocalStackError
from msk_features.dev.stack.ports import LOOPBACK
from msk_features.dev.stack.process import spawn_detached

__all__ = [
    "ACCESS_KEY",
    "DEFAULT_BUCKET",
    "REGION",
    "SECRET_KEY",
    "S3Server",
    "S3StartError",
    "ensure_buckets",
    "s3_client",
    "s3_healthy",
]

log = logging.getLogger(__name__)

DEFAULT_BUCKET = "msk-features-local"
ACCESS_KEY = "test"
SECRET_KEY = "test"
REGION = "us-east-1"
ENV_MARKER = "MSK_FEATURES_LOCAL_STACK"


class S3StartError(LocalStackError):
    """The S3 server did not start; the message ends with the tail of its log."""


class S3Server:
    """The moto server process of a state dir: ``python -m moto.server -H 127.0.0.1 -p PORT``.

    Its output goes to ``logs/s3.log``. The process carries ``MSK_FEATURES_LOCAL_STACK=<state dir>``
    in its environment, which is how :meth:`owns` recognises it.
    """

    def __init__(self, state_dir: Path):
        self.state_dir = state_dir.resolve()
        self.logs_dir = self.state_dir / "logs"
        self.log_file = self.logs_dir / "s3.log"

    def command(self, port: int) -> list[str]:
        """The server's command line (the current interpreter, so moto comes from the same venv)."""
        return [sys.executable, "-m", "moto.server", "-H", LOOPBACK, "-p", str(port)]

    def owns(self, cmdline: Sequence[str], environ: Mapping[str, str] | None, port: int | None) -> bool:
        """True if a process with this argv (and environment, when readable) is our S3 server.

        The argv must run ``moto.server`` (on ``port`` if given); if the environment is readable it
        must carry our marker, otherwise (no ``/proc``, e.g. macOS) the argv alone decides.
        """
        if "moto.server" not in cmdline:
            return False
        if port is not None and str(port) not in cmdline:
            return False
        if environ is None:
            return True
        return environ.get(ENV_MARKER) == str(self.state_dir)

    def start(self, port: int) -> subprocess.Popen[bytes]:
        """Start the server in its own session (it outlives the caller); returns the process.

        moto is a development tool (the package's ``dev`` extra): without it, an error says how to get it.
        """
        if importlib.util.find_spec("moto") is None:
            raise S3StartError(
                "the local S3 server needs moto, a development tool that the product does not install: "
                "pip install 'msk-flink-features[dev]' (in this repository: make setup)"
            )
        self.logs_dir.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        env[ENV_MARKER] = str(self.state_dir)
        env.setdefault("AWS_DEFAULT_REGION", REGION)
        command = self.command(port)
        log.info("starting the S3 server: %s", " ".join(command))
        return spawn_detached(command, self.log_file, env, self.state_dir)

    def log_tail(self, lines: int = 30) -> str:
        """The last ``lines`` lines of the server's log."""
        try:
            text = self.log_file.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return "(the S3 server wrote no log)"
        return f"--- {self.log_file} ---\n" + "\n".join(text.strip().splitlines()[-lines:])

    def wait_ready(self, endpoint_url: str, is_alive: Callable[[], bool], timeout_s: float = 60.0) -> None:
        """Block until the server answers on ``endpoint_url``; raises :class:`S3StartError`."""
        deadline = time.monotonic() + timeout_s
        while True:
            if not is_alive():
                tail = self.log_tail()
                problem = "port in use" if "Address already in use" in tail else "the process exited"
                raise S3StartError(f"the S3 server (moto) failed to start: {problem}\n{tail}")
            if s3_healthy(endpoint_url, timeout_s=1.0):
                return
            if time.monotonic() > deadline:
                raise S3StartError(
                    f"the S3 server (moto) did not answer on {endpoint_url} within {timeout_s:.0f} s\n"
                    f"{self.log_tail()}"
                )
            time.sleep(0.2)


def s3_healthy(endpoint_url: str, timeout_s: float = 2.0) -> bool:
    """True if an S3 ListBuckets request (``GET /``) to ``endpoint_url`` returns HTTP 200."""
    try:
        with urllib.request.urlopen(endpoint_url.rstrip("/") + "/", timeout=timeout_s) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


def s3_client(endpoint_url: str, access_key: str = ACCESS_KEY, secret_key: str = SECRET_KEY) -> Any:
    """A boto3 S3 client for the local server (path-style addressing, region ``us-east-1``)."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        region_name=REGION,
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3}),
    )


def ensure_buckets(endpoint_url: str, buckets: Sequence[str]) -> list[str]:
    """Create every bucket in ``buckets`` that does not exist yet; returns the ones created."""
    client = s3_client(endpoint_url)
    existing = {bucket["Name"] for bucket in client.list_buckets().get("Buckets", [])}
    created: list[str] = []
    for bucket in buckets:
        if bucket in existing:
            continue
        client.create_bucket(Bucket=bucket)
        created.append(bucket)
        log.info("created bucket %s", bucket)
    return created
